//! The delivery worker: one thread per process that reads every sandbox's outbox off the request
//! path, counts queued events into the pending deliveries (one per subscription, refused past the
//! sandbox's bound; no row is written until a delivery is attempted), posts the due ones to their targets in order per object, and records each attempt:
//! delivered, retried later on the sandbox clock, or failed for good (the subscription then
//! `DISABLED_TOO_MANY_ERRORS`). No request waits on it.

pub mod post;

use crate::actions::subscriptions::{self, Webhook};
use crate::domain::events;
use crate::sandbox::Sandbox;
use crate::sandbox::faults::Faults;
use crate::sandbox::registry::Registry;
use crate::sandbox::webhooks::WebhookSettings;
use crate::store::{Attempt, AttemptThen, DeliveryRow};
use crate::wire::ApiError;
use post::Outcome;
use std::sync::Weak;
use std::time::Duration;

/// How often the worker looks at the sandboxes (each look is a few atomic reads unless a
/// sandbox has something to deliver).
const TICK: Duration = Duration::from_millis(20);

/// Deliveries one sandbox has attempted per pass at most.
const BATCH: usize = 16;

/// Starts the worker for the sandboxes of `registry`, whose `url`s start with `authority`
/// (`host:port`); it ends once the registry is gone.
pub fn spawn(registry: Weak<Registry>, authority: String) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("webhooks".into())
        .spawn(move || run(&registry, &authority))
}

fn run(registry: &Weak<Registry>, authority: &str) {
    loop {
        let Some(sandboxes) = registry.upgrade().map(|r| r.every()) else {
            return;
        };
        for (id, sandbox) in sandboxes {
            let base = match &id {
                Some(id) => format!("{authority}/sb/{id}/v2"),
                None => format!("{authority}/v2"),
            };
            if let Err(error) = pass(&sandbox, &base) {
                log::warn!("webhooks of sandbox {}: {error:?}", id.as_deref().unwrap_or("default"));
            }
        }
        std::thread::sleep(TICK);
    }
}

/// Milliseconds of the process's own clock (since the epoch), for pacing the worker itself.
fn process_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn now_ms(sandbox: &Sandbox) -> i64 {
    sandbox.now().as_millisecond()
}

/// Why a delivery was refused: the sandbox's queue is full.
fn refusal(limit: usize) -> String {
    format!(
        "refused: the sandbox already holds {limit} pending deliveries (--webhook-queue); \
         let the receivers take them (PUT /_sandbox/webhooks {{\"paused\": false}}) or start with a larger --webhook-queue"
    )
}

/// One look at a sandbox: its queued events become deliveries, its due deliveries are attempted.
fn pass(sandbox: &Sandbox, base: &str) -> Result<(), ApiError> {
    let hooks = sandbox.webhooks();
    let settings = hooks.settings();
    sandbox.store().limit_pending_deliveries(settings.queue_limit);
    let queued = sandbox.store().events_queued();
    let now = now_ms(sandbox);
    let turned_away = match hooks.refusals_due(process_ms()) {
        true => sandbox.store().take_refused_events(),
        false => None,
    };
    if !hooks.has_work(queued, now) && turned_away.is_none() {
        return Ok(());
    }
    let paused = hooks.paused();
    let limit = settings.queue_limit;
    let (jobs, more) = sandbox.store().transaction(|db| {
        let counted = db.count_queued_events(now, limit, &refusal(limit))?;
        if let Some(refused) = &turned_away {
            db.record_refused_events(refused, now, &refusal(limit))?;
        }
        let more = db.events_to_count()?;
        if paused {
            return Ok::<_, ApiError>((Vec::new(), more));
        }
        let mut due = db.due_deliveries(now, BATCH)?;
        due.extend(db.due_events(now, BATCH - due.len())?);
        let mut jobs = Vec::with_capacity(due.len());
        for delivery in due {
            let webhook =
                subscriptions::webhook(db, base, delivery.subscription_id, &delivery.event, delivery.object_id)?;
            jobs.push((delivery, webhook));
        }
        log::debug!(
            "webhooks: {} counted, {} refused, {} due",
            counted.0,
            counted.1,
            jobs.len()
        );
        Ok((jobs, more))
    })?;
    let attempts = attempt_in_turn(sandbox, &settings, jobs);
    let (next, waiting) = sandbox.store().transaction(|db| {
        for (delivery, attempt) in &attempts {
            db.record_attempt(delivery, attempt)?;
            if matches!(attempt.then, AttemptThen::Failed { .. }) {
                subscriptions::disable_for_errors(db, delivery.subscription_id)?;
            }
        }
        if paused {
            return Ok::<_, ApiError>((db.next_delivery_due()?, false));
        }
        db.forget_taken_events()?;
        Ok((db.next_delivery_due()?, db.events_waiting()?))
    })?;
    hooks.looked(queued, next);
    if more || waiting || attempts.len() == BATCH {
        hooks.wake();
    }
    Ok(())
}

/// Attempts the jobs in order, stopping after the first that fails: a receiver that is down or
/// slow holds the worker for one timeout per pass, not one per delivery.
fn attempt_in_turn(
    sandbox: &Sandbox,
    settings: &WebhookSettings,
    jobs: Vec<(DeliveryRow, Option<Webhook>)>,
) -> Vec<(DeliveryRow, Attempt)> {
    let mut attempts = Vec::with_capacity(jobs.len());
    for (delivery, webhook) in jobs {
        let outcome = match &webhook {
            Some(webhook) => deliver(webhook, settings, sandbox.faults()),
            None => Outcome {
                status: None,
                error: Some("the subscription is gone".into()),
                latency: Duration::ZERO,
            },
        };
        let failed = !outcome.delivered();
        let attempt = settle(&delivery, outcome, webhook.is_some(), now_ms(sandbox));
        attempts.push((delivery, attempt));
        if failed {
            break;
        }
    }
    attempts
}

/// What an attempt's outcome makes of its delivery.
fn settle(delivery: &DeliveryRow, outcome: Outcome, subscribed: bool, at_ms: i64) -> Attempt {
    let then = if outcome.delivered() {
        AttemptThen::Delivered { at_ms }
    } else {
        match events::retry_after(delivery.attempts + 1).filter(|_| subscribed) {
            Some(wait) => AttemptThen::Retry {
                at_ms: at_ms.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)),
            },
            None => AttemptThen::Failed { at_ms },
        }
    };
    Attempt {
        status: outcome.status,
        error: outcome.error,
        latency_ms: i64::try_from(outcome.latency.as_millis()).unwrap_or(i64::MAX),
        then,
    }
}

/// Posts one webhook, if its target is still one the sandbox may deliver to, as the sandbox's
/// webhook fault rules have it: late, or failed without reaching the receiver.
fn deliver(webhook: &Webhook, settings: &WebhookSettings, faults: &Faults) -> Outcome {
    let refused = |error: String| Outcome {
        status: None,
        error: Some(error),
        latency: Duration::ZERO,
    };
    let target = match events::parse_target(&webhook.target_url) {
        Ok(target) => target,
        Err(problem) => return refused(problem),
    };
    if !events::host_is_allowed(&target.host, &settings.allowed_hosts) {
        return refused(format!(
            "{} is not loopback and not allowed (--webhook-allow)",
            target.host
        ));
    }
    let fault = faults.decide_delivery(&webhook.target_url);
    let delay = Duration::from_millis(fault.latency_ms);
    if delay >= settings.timeout {
        std::thread::sleep(settings.timeout);
        return Outcome {
            status: None,
            error: Some(format!(
                "timed out after {} ms: a fault rule delays this delivery {} ms (GET /_sandbox/faults)",
                settings.timeout.as_millis(),
                fault.latency_ms
            )),
            latency: settings.timeout,
        };
    }
    std::thread::sleep(delay);
    if let Some((status, rule)) = fault.status {
        return Outcome {
            status: Some(status),
            error: Some(format!(
                "failed with {status} by fault rule {rule} (GET /_sandbox/faults)"
            )),
            latency: delay,
        };
    }
    let headers: Vec<(String, String)> = webhook.header.iter().cloned().collect();
    let body = serde_json::to_vec(&webhook.body).unwrap_or_default();
    let mut outcome = post::post(&target, &headers, &body, settings.timeout - delay);
    outcome.latency += delay;
    outcome
}
