//! Injected trouble for `/v2`: Tripletex's rate limit (`X-Rate-Limit-*` headers and 429 when a
//! window is used up, per employee and integration) and fault rules (latency, error statuses) that
//! fire on matching requests, so integrations can be tested against a bad day; and the same for
//! event deliveries (a `webhook` rule makes a delivery slow or fail as a bad receiver would).

use crate::wire::{ApiError, ErrorKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: u32,
    pub window_seconds: u32,
}

/// A rule fires when every matcher it gives matches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// Matches paths containing this text.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    /// Matches requests made with this key (employee token id).
    #[serde(default)]
    pub key: Option<i64>,
    /// Fires only on the nth matching request (1 = the first).
    #[serde(default)]
    pub nth: Option<u64>,
    /// Fires with this probability (0–1).
    #[serde(default)]
    pub probability: Option<f64>,
    /// Waits this long before answering.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Answers with this status instead of serving the request.
    #[serde(default)]
    pub status: Option<u16>,
    /// Acts on event deliveries instead of `/v2` requests: `path` matches in the subscription's
    /// `targetUrl`, `latencyMs` delays the delivery, `status` fails it as if the receiver had
    /// answered so (the receiver gets nothing).
    #[serde(default)]
    pub webhook: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultConfig {
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

/// Statuses a rule may inject, each answered with the Tripletex error envelope.
fn injected_kind(status: u16) -> Option<ErrorKind> {
    Some(match status {
        400 => ErrorKind::BadRequest,
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::RevisionConflict,
        422 => ErrorKind::Validation,
        429 => ErrorKind::TooManyRequests,
        500 => ErrorKind::Internal,
        502 => ErrorKind::BadGateway,
        503 => ErrorKind::ServiceUnavailable,
        504 => ErrorKind::GatewayTimeout,
        _ => return None,
    })
}

impl FaultConfig {
    /// Refuses rules that could never work, naming the fix.
    pub fn check(&self) -> Result<(), String> {
        if let Some(limit) = self.rate_limit
            && (limit.limit == 0 || limit.window_seconds == 0)
        {
            return Err("rateLimit needs a limit and windowSeconds of at least 1".into());
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.webhook {
                check_webhook_rule(i, rule)?;
            } else if let Some(status) = rule.status
                && injected_kind(status).is_none()
            {
                return Err(format!(
                    "rules[{i}].status {status} cannot be injected; use 400, 401, 403, 404, 409, 422, 429, 500, 502, 503 or 504"
                ));
            }
            if rule.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
                return Err(format!("rules[{i}].probability must be between 0 and 1"));
            }
            if rule.nth == Some(0) {
                return Err(format!("rules[{i}].nth counts from 1"));
            }
            if rule.latency_ms.is_some_and(|ms| ms > MAX_LATENCY_MS) {
                return Err(format!("rules[{i}].latencyMs is at most {MAX_LATENCY_MS}"));
            }
        }
        // Every rule may match the same request, and their delays add up: the cap is on the sum.
        let total: u64 = self.rules.iter().filter_map(|r| r.latency_ms).sum();
        if total > MAX_LATENCY_MS {
            return Err(format!(
                "rules[*].latencyMs add up to {total}, and one request may match them all; keep the sum at most {MAX_LATENCY_MS}"
            ));
        }
        Ok(())
    }
}

/// A delivery rule names no method or key (a delivery has neither) and a status a receiver may
/// answer that is not a success.
fn check_webhook_rule(i: usize, rule: &FaultRule) -> Result<(), String> {
    if rule.method.is_some() || rule.key.is_some() {
        return Err(format!(
            "rules[{i}] is a webhook rule: a delivery has no method or key; match it by path (in the targetUrl)"
        ));
    }
    match rule.status {
        Some(status) if !(300..=599).contains(&status) => Err(format!(
            "rules[{i}].status {status}: a webhook rule fails a delivery with a status from 300 to 599"
        )),
        _ => Ok(()),
    }
}

/// The longest a request is ever held back by fault rules, all of them together.
pub const MAX_LATENCY_MS: u64 = 60_000;

/// What the faults decided for one event delivery.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeliveryFault {
    pub latency_ms: u64,
    /// The status the delivery fails with, and the rule that said so.
    pub status: Option<(u16, usize)>,
}

/// What the faults decided for one request.
#[derive(Debug, Default)]
pub struct Verdict {
    pub latency_ms: u64,
    pub error: Option<ApiError>,
    /// `X-Rate-Limit-Limit`, `-Remaining`, `-Reset` when a rate limit is set.
    pub rate_headers: Option<(u32, u32, u64)>,
}

#[derive(Default)]
pub struct Faults {
    config: RwLock<FaultConfig>,
    /// Matching requests seen per rule, for `nth`.
    hits: Mutex<Vec<u64>>,
    /// Per (employee, integration): window start and requests in it.
    windows: Mutex<HashMap<(i64, i64), (Timestamp, u32)>>,
}

impl Faults {
    pub fn config(&self) -> FaultConfig {
        self.config.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set(&self, config: FaultConfig) {
        let rules = config.rules.len();
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = config;
        *self.hits.lock().unwrap_or_else(|p| p.into_inner()) = vec![0; rules];
        self.windows.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// True when nothing is configured for `/v2`, so the request path can skip all of this.
    pub fn is_idle(&self) -> bool {
        let config = self.config.read().unwrap_or_else(|p| p.into_inner());
        config.rate_limit.is_none() && config.rules.iter().all(|r| r.webhook)
    }

    pub fn needs_key(&self) -> bool {
        let config = self.config.read().unwrap_or_else(|p| p.into_inner());
        config.rate_limit.is_some() || config.rules.iter().any(|r| r.key.is_some())
    }

    /// Decides for one request; `caller` is (key id, employee id, integration id) when known.
    pub fn decide(&self, method: &str, path: &str, caller: Option<(i64, i64, i64)>, now: Timestamp) -> Verdict {
        let config = self.config();
        let mut verdict = Verdict::default();
        if let (Some(limit), Some((_, employee, integration))) = (config.rate_limit, caller) {
            let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
            let window = jiff::SignedDuration::from_secs(i64::from(limit.window_seconds));
            let entry = windows.entry((employee, integration)).or_insert((now, 0));
            if now.duration_since(entry.0) >= window {
                *entry = (now, 0);
            }
            let reset = (window - now.duration_since(entry.0)).as_secs().max(0).unsigned_abs();
            if entry.1 >= limit.limit {
                verdict.rate_headers = Some((limit.limit, 0, reset));
                verdict.error = Some(ApiError::new(ErrorKind::TooManyRequests).with_developer_message(format!(
                    "Rate limit of {} requests per {} seconds for this employee and integration is used up; wait {reset} s (X-Rate-Limit-Reset).",
                    limit.limit, limit.window_seconds
                )));
                return verdict;
            }
            entry.1 += 1;
            verdict.rate_headers = Some((limit.limit, limit.limit - entry.1, reset));
        }
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        hits.resize(config.rules.len(), 0);
        for (i, rule) in config.rules.iter().enumerate() {
            let matches = !rule.webhook
                && rule.path.as_deref().is_none_or(|p| path.contains(p))
                && rule.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
                && rule.key.is_none_or(|k| caller.is_some_and(|c| c.0 == k));
            if !matches {
                continue;
            }
            hits[i] += 1;
            if rule.nth.is_some_and(|n| n != hits[i]) {
                continue;
            }
            if rule.probability.is_some_and(|p| rand::random::<f64>() >= p) {
                continue;
            }
            verdict.latency_ms = (verdict.latency_ms + rule.latency_ms.unwrap_or(0)).min(MAX_LATENCY_MS);
            if let Some(kind) = rule.status.and_then(injected_kind)
                && verdict.error.is_none()
            {
                verdict.error = Some(
                    ApiError::new(kind)
                        .with_developer_message(format!("Injected by fault rule {i} (GET /_sandbox/faults).")),
                );
            }
        }
        verdict
    }
}

impl Faults {
    /// Decides for one delivery to `target_url`: the webhook rules that match it and fire.
    pub fn decide_delivery(&self, target_url: &str) -> DeliveryFault {
        let config = self.config();
        let mut fault = DeliveryFault::default();
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        hits.resize(config.rules.len(), 0);
        for (i, rule) in config.rules.iter().enumerate() {
            if !rule.webhook || !rule.path.as_deref().is_none_or(|p| target_url.contains(p)) {
                continue;
            }
            hits[i] += 1;
            if rule.nth.is_some_and(|n| n != hits[i]) || rule.probability.is_some_and(|p| rand::random::<f64>() >= p) {
                continue;
            }
            fault.latency_ms = (fault.latency_ms + rule.latency_ms.unwrap_or(0)).min(MAX_LATENCY_MS);
            if fault.status.is_none() {
                fault.status = rule.status.map(|status| (status, i));
            }
        }
        fault
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limit_counts_per_employee_and_integration_and_resets() {
        let faults = Faults::default();
        faults.set(FaultConfig {
            rate_limit: Some(RateLimit {
                limit: 2,
                window_seconds: 10,
            }),
            rules: vec![],
        });
        let t0: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let caller = Some((7, 1, 101));
        assert_eq!(faults.decide("GET", "/v2/x", caller, t0).rate_headers, Some((2, 1, 10)));
        assert!(faults.decide("GET", "/v2/x", caller, t0).error.is_none());
        let refused = faults.decide("GET", "/v2/x", caller, t0);
        assert_eq!(refused.error.unwrap().kind, ErrorKind::TooManyRequests);
        assert!(
            faults.decide("GET", "/v2/x", Some((8, 2, 101)), t0).error.is_none(),
            "another employee"
        );
        let later: Timestamp = "2030-01-01T00:00:10Z".parse().unwrap();
        assert!(
            faults.decide("GET", "/v2/x", caller, later).error.is_none(),
            "a new window"
        );
    }

    #[test]
    fn a_rule_fires_on_its_nth_match_only() {
        let faults = Faults::default();
        faults.set(FaultConfig {
            rate_limit: None,
            rules: vec![FaultRule {
                path: Some("customer".into()),
                nth: Some(2),
                status: Some(503),
                ..Default::default()
            }],
        });
        let now = Timestamp::UNIX_EPOCH;
        assert!(faults.decide("GET", "/v2/customer", None, now).error.is_none());
        assert!(faults.decide("GET", "/v2/product", None, now).error.is_none());
        assert_eq!(
            faults.decide("GET", "/v2/customer", None, now).error.unwrap().kind,
            ErrorKind::ServiceUnavailable
        );
        assert!(faults.decide("GET", "/v2/customer", None, now).error.is_none());
    }

    #[test]
    fn impossible_rules_are_refused() {
        let bad = |rule: FaultRule| {
            FaultConfig {
                rate_limit: None,
                rules: vec![rule],
            }
            .check()
            .is_err()
        };
        assert!(bad(FaultRule {
            status: Some(418),
            ..Default::default()
        }));
        assert!(bad(FaultRule {
            probability: Some(2.0),
            ..Default::default()
        }));
        assert!(bad(FaultRule {
            nth: Some(0),
            ..Default::default()
        }));
    }

    #[test]
    fn the_latency_cap_holds_for_all_rules_together() {
        let slow = |ms| FaultRule {
            latency_ms: Some(ms),
            ..Default::default()
        };
        let config = |rules| FaultConfig {
            rate_limit: None,
            rules,
        };
        assert!(config(vec![slow(MAX_LATENCY_MS)]).check().is_ok());
        let three = config(vec![slow(MAX_LATENCY_MS), slow(MAX_LATENCY_MS), slow(MAX_LATENCY_MS)]);
        let refused = three.check().unwrap_err();
        assert!(refused.contains("add up to 180000"), "{refused}");
        assert!(config(vec![slow(30_000), slow(30_000)]).check().is_ok());
    }
}
