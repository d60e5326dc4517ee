//! Event subscriptions' rules, pure: the event types Tripletex lists at `GET /event` and which
//! write emits each, what a subscription's `event` and `targetUrl` may be (loopback unless the
//! operator allows a host), and when a failed delivery is tried again or given up.

use crate::domain::denial::{Denial, DenialKind, Rule};
use crate::domain::kind::Kind;
use std::time::Duration;

/// What a write did to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Create,
    Update,
    Delete,
}

/// One event type of `GET /event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType {
    /// `object.verb`, e.g. `customer.create`.
    pub name: &'static str,
    pub description: &'static str,
    /// The model the delivered `value` is (none for a delete: its value is null).
    pub payload_model: Option<&'static str>,
    /// The resource whose write emits it, and which write; None: listed, never emitted here.
    pub emitted_by: Option<(Kind, Verb)>,
}

/// An object kind of Tripletex's webhooks with create, update and delete events.
struct WebhookObject {
    object: &'static str,
    title: &'static str,
    model: &'static str,
    /// The sandbox resource whose writes emit its events, if the sandbox stores it as an object.
    resource: Option<Kind>,
}

/// The object kinds Tripletex's webhook documentation lists with create/update/delete events.
const OBJECTS: &[WebhookObject] = &[
    WebhookObject {
        object: "account",
        title: "Account",
        model: "Account",
        resource: Some(Kind::Account),
    },
    WebhookObject {
        object: "archiverelation",
        title: "Archive relation",
        model: "ArchiveRelation",
        resource: None,
    },
    WebhookObject {
        object: "contact",
        title: "Contact",
        model: "Contact",
        resource: Some(Kind::Contact),
    },
    WebhookObject {
        object: "customer",
        title: "Customer",
        model: "Customer",
        resource: Some(Kind::Customer),
    },
    WebhookObject {
        object: "employee",
        title: "Employee",
        model: "Employee",
        resource: Some(Kind::Employee),
    },
    WebhookObject {
        object: "order",
        title: "Order",
        model: "Order",
        resource: Some(Kind::Order),
    },
    WebhookObject {
        object: "product",
        title: "Product",
        model: "Product",
        resource: Some(Kind::Product),
    },
    WebhookObject {
        object: "project",
        title: "Project",
        model: "Project",
        resource: Some(Kind::Project),
    },
    WebhookObject {
        object: "supplier",
        title: "Supplier",
        model: "Supplier",
        resource: Some(Kind::Supplier),
    },
    WebhookObject {
        object: "voucher",
        title: "Voucher",
        model: "Voucher",
        resource: Some(Kind::Voucher),
    },
];

/// Events that are not an object's create, update or delete.
const OTHERS: &[EventType] = &[
    EventType {
        name: "invoice.charged",
        description: "Invoice charged",
        payload_model: Some("Invoice"),
        emitted_by: Some((Kind::Invoice, Verb::Create)),
    },
    EventType {
        name: "notification.sent",
        description: "Notification sent to employee",
        payload_model: Some("Notification"),
        emitted_by: None,
    },
    EventType {
        name: "voucherstatus.ready",
        description: "Voucher ready to be processed from the voucher reception",
        payload_model: Some("VoucherStatus"),
        emitted_by: None,
    },
];

/// Every event type, sorted by name.
pub fn event_types() -> &'static [EventType] {
    static ALL: std::sync::OnceLock<Vec<EventType>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<EventType> = OTHERS.to_vec();
        for kind in OBJECTS {
            for (verb, word) in [
                (Verb::Create, "create"),
                (Verb::Update, "update"),
                (Verb::Delete, "delete"),
            ] {
                all.push(EventType {
                    name: leak(format!("{}.{word}", kind.object)),
                    description: leak(format!("{} {word}d", kind.title)),
                    payload_model: (verb != Verb::Delete).then_some(kind.model),
                    emitted_by: kind.resource.map(|r| (r, verb)),
                });
            }
        }
        all.sort_by_key(|e| e.name);
        all
    })
}

/// A name made once for the process's lifetime (the table above, built on first use).
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// The event type called `name`.
pub fn find(name: &str) -> Option<&'static EventType> {
    event_types().iter().find(|e| e.name == name)
}

/// The event a write of `verb` to an object stored under `resource` emits, if any.
pub fn emitted(resource: &str, verb: Verb) -> Option<&'static str> {
    let kind = Kind::from_path(resource)?;
    event_types()
        .iter()
        .find(|e| e.emitted_by == Some((kind, verb)))
        .map(|e| e.name)
}

/// Where a delivery goes, taken apart from a subscription's `targetUrl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    /// Path and query, as sent in the request line.
    pub path: String,
    /// `user:password@` of the URL, sent as Basic authentication (Tripletex's second mechanism).
    pub basic: Option<String>,
}

/// Takes a target URL apart; the error says what is wrong with it.
pub fn parse_target(url: &str) -> Result<Target, String> {
    let (tls, rest) = if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else {
        return Err(format!("{url:?} is not an http:// or https:// URL"));
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let (basic, hostport) = match authority.rsplit_once('@') {
        Some((user, hostport)) => (Some(user.to_owned()), hostport),
        None => (None, authority),
    };
    let (host, port) = split_port(hostport, if tls { 443 } else { 80 })?;
    if host.is_empty() {
        return Err(format!("{url:?} names no host"));
    }
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_owned()
    };
    Ok(Target {
        tls,
        host,
        port,
        path,
        basic,
    })
}

fn split_port(hostport: &str, default: u16) -> Result<(String, u16), String> {
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or("an IPv6 host lacks its closing ]")?;
        (host, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (hostport, None),
        }
    };
    let port = match port {
        Some(port) => port.parse().map_err(|_| format!("{port:?} is not a port number"))?,
        None => default,
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// Whether deliveries may go to `host`: loopback always, other hosts only when allowed.
pub fn host_is_allowed(host: &str, allowed: &[String]) -> bool {
    let loopback = host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    loopback || allowed.iter().any(|a| a.eq_ignore_ascii_case(host))
}

/// A subscription names an event type of `GET /event`.
pub fn subscription_event_is_known(event: &str) -> Result<(), Denial> {
    if find(event).is_some() {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::SubscriptionEventIsKnown,
        format!("{event:?} is not an event type."),
    )
    .remedy("Use one of the names GET /v2/event lists, such as customer.create or invoice.charged.")
    .field("event", "Ugyldig verdi."))
}

/// A subscription's target is an http(s) URL on loopback or on a host the operator allowed.
pub fn subscription_target_is_allowed(url: &str, allowed: &[String]) -> Result<(), Denial> {
    let denial = |reason: String, remedy: &str| {
        Err(
            Denial::new(DenialKind::Invalid, Rule::SubscriptionTargetIsAllowed, reason)
                .remedy(remedy)
                .field("targetUrl", "Ugyldig URL."),
        )
    };
    let target = match parse_target(url) {
        Ok(target) => target,
        Err(problem) => return denial(format!("{problem}."), "Give a URL such as http://127.0.0.1:9000/hook."),
    };
    if host_is_allowed(&target.host, allowed) {
        return Ok(());
    }
    denial(
        format!(
            "The sandbox delivers events to loopback hosts only, not to {}.",
            target.host
        ),
        "Point targetUrl at a receiver on this machine (127.0.0.1, localhost), or start the sandbox with --webhook-allow HOST.",
    )
}

/// A subscription's auth header can be sent as it is: a header name of token characters, and a
/// value on one line (both empty: no header).
pub fn subscription_auth_header_is_sendable(name: &str, value: &str) -> Result<(), Denial> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    let name_fine = name.chars().all(token) && (!name.is_empty() || value.is_empty());
    if name_fine && !value.contains(['\r', '\n']) {
        return Ok(());
    }
    let field = if name_fine { "authHeaderValue" } else { "authHeaderName" };
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::SubscriptionAuthHeaderIsSendable,
        format!("{field} cannot be sent as an HTTP header."),
    )
    .remedy("Give authHeaderName as a header name such as Authorization, and authHeaderValue on one line.")
    .field(field, "Ugyldig verdi."))
}

/// How many times a delivery is tried before it fails for good.
pub const MOST_ATTEMPTS: u32 = 5;

/// How long after its `attempts`-th failed try a delivery is tried again (sandbox time), or None
/// when it has had its tries.
pub fn retry_after(attempts: u32) -> Option<Duration> {
    const BACKOFF_SECONDS: [u64; 4] = [60, 5 * 60, 30 * 60, 2 * 60 * 60];
    let index = usize::try_from(attempts.checked_sub(1)?).ok()?;
    BACKOFF_SECONDS.get(index).map(|s| Duration::from_secs(*s))
}

/// The status a subscription gets when one of its deliveries has failed every try.
pub const TOO_MANY_ERRORS: &str = "DISABLED_TOO_MANY_ERRORS";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_object_has_create_update_and_delete_and_invoices_are_charged() {
        assert_eq!(event_types().len(), OBJECTS.len() * 3 + OTHERS.len());
        assert_eq!(emitted("customer", Verb::Create), Some("customer.create"));
        assert_eq!(emitted("ledger/voucher", Verb::Delete), Some("voucher.delete"));
        assert_eq!(emitted("invoice", Verb::Create), Some("invoice.charged"));
        assert_eq!(emitted("invoice", Verb::Update), None);
        assert_eq!(emitted("department", Verb::Create), None);
        let delete = find("order.delete").unwrap();
        assert_eq!((delete.description, delete.payload_model), ("Order deleted", None));
        assert_eq!(find("product.create").unwrap().payload_model, Some("Product"));
    }

    #[test]
    fn subscription_event_is_known_refuses_a_name_get_event_does_not_list() {
        assert!(subscription_event_is_known("customer.create").is_ok());
        let denial = subscription_event_is_known("customer.created").unwrap_err();
        assert_eq!(denial.fields[0].field, "event");
    }

    #[test]
    fn subscription_target_is_allowed_on_loopback_and_on_allowed_hosts_only() {
        let none: &[String] = &[];
        assert!(subscription_target_is_allowed("http://127.0.0.1:9000/hook", none).is_ok());
        assert!(subscription_target_is_allowed("http://localhost/x", none).is_ok());
        assert!(subscription_target_is_allowed("http://[::1]:80/", none).is_ok());
        let far = subscription_target_is_allowed("https://hooks.example.com/t", none).unwrap_err();
        assert!(far.remedy.unwrap().contains("--webhook-allow"));
        assert!(subscription_target_is_allowed("https://hooks.example.com/t", &["HOOKS.example.com".into()]).is_ok());
        assert!(subscription_target_is_allowed("ftp://127.0.0.1/", none).is_err());
        assert!(subscription_target_is_allowed("http://127.0.0.1:notaport/", none).is_err());
    }

    #[test]
    fn subscription_auth_header_is_sendable_only_as_one_header_line() {
        assert!(subscription_auth_header_is_sendable("Authorization", "Bearer abc").is_ok());
        assert!(subscription_auth_header_is_sendable("", "").is_ok());
        assert!(subscription_auth_header_is_sendable("", "orphan value").is_err());
        assert!(subscription_auth_header_is_sendable("X Bad", "v").is_err());
        let split = subscription_auth_header_is_sendable("X-Key", "a\r\nX-Other: b").unwrap_err();
        assert_eq!(split.fields[0].field, "authHeaderValue");
    }

    #[test]
    fn a_target_url_is_taken_apart_with_its_basic_credentials() {
        let target = parse_target("http://u:p@127.0.0.1:8123?token=s").unwrap();
        assert_eq!(
            target,
            Target {
                tls: false,
                host: "127.0.0.1".into(),
                port: 8123,
                path: "/?token=s".into(),
                basic: Some("u:p".into())
            }
        );
    }

    #[test]
    fn retries_back_off_then_stop_after_the_last_attempt() {
        let delays: Vec<_> = (1..=MOST_ATTEMPTS).map(retry_after).collect();
        assert_eq!(
            delays,
            [60, 300, 1800, 7200]
                .map(|s| Some(Duration::from_secs(s)))
                .into_iter()
                .chain([None])
                .collect::<Vec<_>>()
        );
        assert_eq!(retry_after(0), None);
    }
}
