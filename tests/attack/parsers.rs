//! Property tests of every parser that sees client bytes, through the library's public API:
//! the Basic header (`wire::auth`), `fields` (`wire::fields`), `sorting` and paging
//! (`wire::envelope::ListParams`), path ids (`wire::params::Id`), scenario files (`scenario::parse`),
//! and, over HTTP, the list filters whose parser is private. Arbitrary input never panics and
//! errors are values; valid input round-trips where the parser gives its parts back.

use crate::harness::{Sandbox, basic, send, violations};
use base64::Engine;
use proptest::prelude::*;
use serde_json::Value;
use tripletex_sandbox::scenario::{self, EMBEDDED_SCENARIOS};
use tripletex_sandbox::wire::ErrorKind;
use tripletex_sandbox::wire::auth::{CompanyChoice, parse_basic};
use tripletex_sandbox::wire::envelope::{ListParams, ListQuery, MAX_COUNT};
use tripletex_sandbox::wire::fields::FieldFilter;
use tripletex_sandbox::wire::params::Id;

fn list_query(
    from: Option<String>,
    count: Option<String>,
    sorting: Option<String>,
    fields: Option<String>,
) -> ListQuery {
    ListQuery {
        from,
        count,
        sorting,
        fields,
    }
}

/// `cases` cases; failures print their minimal input and are not written under `tests/`.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Arbitrary JSON, nested a few levels.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z*]{1,6}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A well-formed `fields` expression: names, `*`, and `name(…)` expansions a few levels deep.
fn fields_expression() -> impl Strategy<Value = String> {
    let name = prop_oneof![Just("*".to_owned()), "[a-zA-Z_][a-zA-Z0-9_]{0,8}"];
    let level = prop::collection::vec(name.clone(), 1..5).prop_map(|names| names.join(","));
    level.prop_recursive(4, 32, 4, move |inner| {
        (
            prop::collection::vec(name.clone(), 0..3),
            "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
            inner,
        )
            .prop_map(|(mut names, expanded, sub)| {
                names.push(format!("{expanded}({sub})"));
                names.join(",")
            })
    })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn the_basic_parser_never_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200), absent in any::<bool>()) {
        let parsed = parse_basic((!absent).then_some(bytes.as_slice()));
        if let Err(err) = parsed {
            prop_assert_eq!(err.kind, ErrorKind::Unauthorized);
        }
    }

    #[test]
    fn the_basic_parser_never_panics_on_any_encoded_text(text in any::<String>(), scheme in "(?i)basic|bearer| ?") {
        let header = format!("{scheme} {}", base64::engine::general_purpose::STANDARD.encode(text));
        let _ = parse_basic(Some(header.as_bytes()));
    }

    #[test]
    fn a_basic_header_gives_back_its_company_and_token(
        company in 0u32..=u32::MAX,
        token in any::<String>().prop_filter("a token is not empty", |t| !t.is_empty()),
        scheme in prop::sample::select(vec!["Basic", "basic", "BASIC", "bAsIc"]),
        padding in " {0,3}",
    ) {
        let header = format!("{padding}{scheme} {}{padding}", &basic(&company.to_string(), &token)["Basic ".len()..]);
        let credentials = parse_basic(Some(header.as_bytes())).expect("a well-formed header parses");
        let expected = if company == 0 { CompanyChoice::Own } else { CompanyChoice::Company(i64::from(company)) };
        prop_assert_eq!(credentials.company, expected);
        prop_assert_eq!(credentials.session_token, token);
    }

    #[test]
    fn a_username_that_is_not_a_number_is_unauthorized(username in "[a-zA-Z@. +-][a-zA-Z0-9@. +-]{0,10}", token in "[a-z0-9]{1,10}") {
        prop_assume!(!username.bytes().all(|b| b.is_ascii_digit()));
        let header = basic(&username, &token);
        let err = parse_basic(Some(header.as_bytes())).expect_err("a non-numeric username is refused");
        prop_assert_eq!(err.kind, ErrorKind::Unauthorized);
    }

    #[test]
    fn the_fields_parser_never_panics(text in any::<String>(), value in arbitrary_json()) {
        match FieldFilter::parse(Some(&text)) {
            Ok(filter) => { let _ = filter.apply(value, "Model"); }
            Err(err) => prop_assert_eq!(err.kind, ErrorKind::IllegalFilter),
        }
    }

    #[test]
    fn the_fields_parser_never_panics_on_brackets(text in "[(),*a-z ]{0,64}") {
        let _ = FieldFilter::parse(Some(&text));
    }

    #[test]
    fn a_well_formed_fields_expression_parses_and_keeps_its_expansions(expression in fields_expression(), value in arbitrary_json()) {
        let filter = FieldFilter::parse(Some(&expression)).expect("a well-formed expression parses");
        // The top-level items, each with whether it was expanded with `(…)`.
        let mut items: Vec<(String, bool)> = vec![(String::new(), false)];
        let mut depth = 0;
        for c in expression.chars() {
            match c {
                '(' => {
                    if depth == 0 && let Some(last) = items.last_mut() {
                        last.1 = true;
                    }
                    depth += 1;
                }
                ')' => depth -= 1,
                ',' if depth == 0 => items.push((String::new(), false)),
                c if depth == 0 => if let Some(last) = items.last_mut() { last.0.push(c) },
                _ => {}
            }
        }
        for (name, expanded) in &items {
            // The first item of a name is the one the filter keeps.
            let first = items.iter().find(|(n, _)| n == name).map(|(_, e)| *e);
            if *expanded && first == Some(true) {
                prop_assert!(filter.expansion(name).is_some(), "{} is expanded in {}", name, expression);
            }
        }
        let _ = filter.apply(value, "Model");
    }

    #[test]
    fn the_sorting_and_paging_parsers_never_panic(
        from in prop::option::of(any::<String>()),
        count in prop::option::of(any::<String>()),
        sorting in prop::option::of(any::<String>()),
    ) {
        if let Err(err) = ListParams::parse(&list_query(from, count, sorting, None)) {
            prop_assert!(matches!(err.kind, ErrorKind::Param | ErrorKind::ResultSetTooLarge | ErrorKind::Sorting), "{:?}", err.kind);
        }
    }

    #[test]
    fn sort_keys_come_back_as_written(keys in prop::collection::vec((any::<bool>(), prop::collection::vec("[a-zA-Z0-9_]{1,8}", 1..4)), 1..5)) {
        let text = keys
            .iter()
            .map(|(descending, path)| format!("{}{}", if *descending { "-" } else { "" }, path.join(".")))
            .collect::<Vec<_>>()
            .join(",");
        let params = ListParams::parse(&list_query(None, None, Some(text.clone()), None)).expect("well-formed sorting parses");
        let parsed: Vec<(bool, Vec<String>)> = params.sorting.iter().map(|k| (k.descending, k.path.clone())).collect();
        prop_assert_eq!(parsed, keys, "{}", text);
    }

    #[test]
    fn paging_numbers_come_back_or_are_refused_by_rule(from in 0usize..=usize::MAX, count in 0usize..=2 * MAX_COUNT) {
        let parsed = ListParams::parse(&list_query(Some(format!(" {from} ")), Some(count.to_string()), None, None));
        if count <= MAX_COUNT {
            let params = parsed.expect("a page within the limit parses");
            prop_assert_eq!((params.from, params.count), (from, count));
        } else {
            prop_assert_eq!(parsed.expect_err("too large a page").kind, ErrorKind::ResultSetTooLarge);
        }
    }

    #[test]
    fn a_page_that_is_not_a_whole_number_is_a_param_error(text in "[-.a-z ]{0,3}[-.a-z][0-9]{0,3}") {
        let err = ListParams::parse(&list_query(Some(text.clone()), None, None, None)).expect_err("not a whole number");
        prop_assert_eq!(err.kind, ErrorKind::Param, "from={:?}", text);
    }

    #[test]
    fn sorting_and_paging_arbitrary_objects_never_panics(
        values in prop::collection::vec(arbitrary_json(), 0..12),
        sorting in "-?[a-z*]{1,3}(\\.[a-z]{1,3})?(,-?[a-z]{1,3})?",
        fields in prop::option::of(fields_expression()),
    ) {
        if let Ok(params) = ListParams::parse(&list_query(None, Some("5".into()), Some(sorting), fields)) {
            let _ = params.respond(values, "Model");
        }
    }

    #[test]
    fn path_ids_give_back_their_number(number in any::<i64>()) {
        let id = Id { id: number.to_string() };
        prop_assert_eq!(id.number().expect("a number parses"), number);
    }

    #[test]
    fn a_path_id_that_is_not_a_number_is_a_path_param_error(text in any::<String>()) {
        prop_assume!(text.parse::<i64>().is_err());
        let err = Id { id: text }.number().expect_err("not a number");
        prop_assert_eq!(err.kind, ErrorKind::PathParam);
    }
}

/// The embedded scenario texts, each with its name.
fn embedded() -> impl Strategy<Value = (&'static str, &'static str)> {
    prop::sample::select(EMBEDDED_SCENARIOS.to_vec())
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn the_scenario_parser_never_panics_on_any_text(text in any::<String>()) {
        prop_assert!(scenario::parse("fuzzed.json", &text).is_err());
    }

    #[test]
    fn the_scenario_parser_never_panics_on_a_damaged_scenario(
        (name, text) in embedded(),
        at in any::<prop::sample::Index>(),
        length in 0usize..40,
        insert in prop_oneof![Just(String::new()), any::<String>(), "[\\[\\]{}\",:0-9a-z-]{1,8}".boxed()],
    ) {
        let start = at.index(text.len());
        let start = (0..=start).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        let end = (start + length).min(text.len());
        let end = (end..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
        let damaged = format!("{}{insert}{}", &text[..start], &text[end..]);
        if let Err(err) = scenario::parse(name, &damaged) {
            prop_assert!(!err.problems.is_empty(), "an error names its problems");
            prop_assert!(err.to_string().starts_with(name), "an error names its source: {}", err);
        }
    }
}

#[test]
fn every_embedded_scenario_round_trips_through_its_serialized_form() {
    for (name, text) in EMBEDDED_SCENARIOS {
        let parsed = scenario::parse(name, text).unwrap_or_else(|err| panic!("{name} parses: {err}"));
        let written = serde_json::to_string(&parsed.file).expect("a scenario file serializes");
        let reparsed = scenario::parse(name, &written).unwrap_or_else(|err| panic!("{name} parses again: {err}"));
        assert_eq!(
            serde_json::to_value(&reparsed.file).expect("serializes"),
            serde_json::to_value(&parsed.file).expect("serializes"),
            "{name} is the same after a round trip"
        );
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// The list filters' value parser is private to the API: it is reached over HTTP.
    #[test]
    fn list_filters_take_any_value_without_a_server_error(
        filter in prop::sample::select(vec!["isInactive", "id", "customerName", "accountManagerId", "organizationNumber", "from", "count", "sorting", "fields"]),
        value in any::<String>(),
    ) {
        let app = http_sandbox();
        let answer = send(
            app.sandbox
                .client
                .get(app.sandbox.url("/v2/customer"))
                .query(&[(filter, value.as_str())])
                .header("Authorization", &app.auth),
        );
        let found = violations(&answer);
        prop_assert!(found.is_empty(), "{}={:?} → {} {}: {:?}", filter, value, answer.status, answer.text, found);
    }
}

struct HttpSandbox {
    sandbox: Sandbox,
    auth: String,
}

/// One sandbox and session for the HTTP properties, made on first use.
fn http_sandbox() -> &'static HttpSandbox {
    static SANDBOX: std::sync::OnceLock<HttpSandbox> = std::sync::OnceLock::new();
    SANDBOX.get_or_init(|| {
        let sandbox = Sandbox::new();
        let auth = basic("0", &sandbox.session(&sandbox.credential(false)));
        HttpSandbox { sandbox, auth }
    })
}
