//! The rules of the emulated world, pure and synchronous — no HTTP, no SQL: the nouns (`model`),
//! denials as data (`denial`), one function per decision of the token flow (`rules`) and of the UI
//! (`ui`), entitlements and effective access (`entitlements`), the resource kinds the code names
//! (`kind`), and the data resources with their
//! write rules (`resource`, `employee`, `invoice`, `product`, `project`) and the addresses kept
//! inside them (`address`), and the table of every documented operation (`table`); event types
//! and subscriptions' rules (`events`); vouchers' reversal (`ledger`), travel expenses' states
//! (`travel`), exchange rates (`currency`) and bank statements as banks export them (`bank`).

pub mod address;
pub mod bank;
pub mod currency;
pub mod denial;
pub mod employee;
pub mod entitlements;
pub mod events;
pub mod invoice;
pub mod kind;
pub mod ledger;
pub mod model;
pub mod product;
pub mod project;
pub mod resource;
pub mod rules;
pub mod table;
pub mod token;
pub mod travel;
pub mod ui;

/// The rule table, walked: every public domain function that can answer a [`denial::Denial`] is a
/// rule, and each must have a unit test named after it, say how to fix the refusal (a remedy) and
/// name itself through [`denial::Rule`], never with a literal; every `Rule` names a function here.
#[cfg(test)]
mod rule_table {
    const SOURCES: &[(&str, &str)] = &[
        ("bank.rs", include_str!("bank.rs")),
        ("currency.rs", include_str!("currency.rs")),
        ("employee.rs", include_str!("employee.rs")),
        ("entitlements.rs", include_str!("entitlements.rs")),
        ("events.rs", include_str!("events.rs")),
        ("invoice.rs", include_str!("invoice.rs")),
        ("ledger.rs", include_str!("ledger.rs")),
        ("project.rs", include_str!("project.rs")),
        ("travel.rs", include_str!("travel.rs")),
        ("resource.rs", include_str!("resource.rs")),
        ("rules.rs", include_str!("rules.rs")),
        ("ui.rs", include_str!("ui.rs")),
    ];

    struct Function<'a> {
        file: &'static str,
        name: &'a str,
        public: bool,
        returns_denial: bool,
        body: &'a str,
    }

    /// The text from an opening brace to its matching close, skipping string literals.
    fn block(text: &str) -> &str {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for (at, c) in text.char_indices() {
            match (in_string, c) {
                (true, '\\') if !escaped => escaped = true,
                (true, '"') if !escaped => in_string = false,
                (true, _) => escaped = false,
                (false, '"') => in_string = true,
                (false, '{') => depth += 1,
                (false, '}') => {
                    depth -= 1;
                    if depth == 0 {
                        return &text[..=at];
                    }
                }
                _ => {}
            }
        }
        text
    }

    /// The functions of the non-test part of each source.
    fn functions() -> Vec<Function<'static>> {
        let mut out = Vec::new();
        for (file, text) in SOURCES {
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (at, _) in text.match_indices("fn ") {
                let before = &text[..at];
                let line_start = before.rfind('\n').map_or(0, |n| n + 1);
                let prefix = before[line_start..].trim();
                if !(prefix.is_empty() || prefix == "pub" || prefix == "pub(crate)") {
                    continue;
                }
                let rest = &text[at + 3..];
                let name_end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(0);
                let Some(open) = rest.find('{') else { continue };
                let signature = &rest[..open];
                out.push(Function {
                    file,
                    name: &rest[..name_end],
                    public: prefix == "pub",
                    returns_denial: signature.contains("Denial"),
                    body: block(&rest[open..]),
                });
            }
        }
        out
    }

    fn test_names() -> Vec<String> {
        SOURCES
            .iter()
            .flat_map(|(_, text)| text.split("#[test]").skip(1))
            .filter_map(|after| after.trim_start().strip_prefix("fn "))
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_rule_has_a_unit_test_a_remedy_and_its_own_name() {
        let functions = functions();
        let rules: Vec<&Function<'_>> = functions.iter().filter(|f| f.public && f.returns_denial).collect();
        assert!(
            rules.len() > 30,
            "only {} rules found: is the scan broken?",
            rules.len()
        );
        // Private helpers that always attach a remedy, directly or through another such helper.
        let mut helpers_with_remedy: Vec<&str> = Vec::new();
        loop {
            let more: Vec<&str> = functions
                .iter()
                .filter(|f| !f.public && !helpers_with_remedy.contains(&f.name))
                .filter(|f| {
                    f.body.contains(".remedy(") || helpers_with_remedy.iter().any(|h| f.body.contains(&format!("{h}(")))
                })
                .map(|f| f.name)
                .collect();
            if more.is_empty() {
                break;
            }
            helpers_with_remedy.extend(more);
        }
        let tests = test_names();
        let mut problems = Vec::new();
        for rule in &rules {
            if !tests.iter().any(|t| t.contains(rule.name)) {
                problems.push(format!("{}: {} has no unit test named after it", rule.file, rule.name));
            }
            let calls = |name: &str| rule.body.contains(&format!("{name}("));
            let remedied = rule.body.contains(".remedy(")
                || helpers_with_remedy.iter().any(|h| calls(h))
                || rules
                    .iter()
                    .any(|other| (other.file, other.name) != (rule.file, rule.name) && calls(other.name));
            if !remedied {
                problems.push(format!("{}: {} refuses without a remedy", rule.file, rule.name));
            }
            let literal = format!("\"{}\"", rule.name);
            if rule.body.contains(&literal) {
                problems.push(format!(
                    "{}: {} names itself with a literal; name its Rule",
                    rule.file, rule.name
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// Rules that are not functions of their own: the body checks of `resource::merge_body`.
    const NOT_FUNCTIONS: &[&str] = &["body_is_an_object", "body_fields_are_known_and_typed"];

    #[test]
    fn every_rule_names_a_domain_function() {
        let table = ("table.rs", include_str!("table.rs"));
        let defined = |name: &str| {
            SOURCES
                .iter()
                .chain([&table])
                .any(|(_, text)| text.contains(&format!("fn {name}(")) || text.contains(&format!("fn {name}<")))
        };
        let stale: Vec<&str> = super::denial::Rule::ALL
            .iter()
            .map(|rule| rule.name())
            .filter(|name| !NOT_FUNCTIONS.contains(name) && !defined(name))
            .collect();
        assert!(stale.is_empty(), "rules that name no domain function: {stale:?}");
    }
}
