//! Reading JSON that was cut short: the recorded answers stop at 500 characters, so a body is
//! often the head of a document. What the head says for certain is parsed; the rest is dropped.

use serde_json::Value;

/// The document `text` is, or the longest part of its head that ends on a boundary between
/// values, closed. A value cut in the middle (a number, a string) is dropped rather than read
/// short: `"id":1857` may be the head of `18578465`.
pub fn parse(text: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str(text) {
        return Some(value);
    }
    let boundaries = boundaries(text);
    boundaries
        .iter()
        .rev()
        .find_map(|(cut, open)| serde_json::from_str(&close(&text[..*cut], open)).ok())
}

/// Each place outside strings just before a `,` or just after a `{` / `[` that is not a list
/// item, with the brackets open there.
fn boundaries(text: &str) -> Vec<(usize, Vec<char>)> {
    let mut out = Vec::new();
    let mut open: Vec<char> = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    for (at, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => {
                // An item cut right after its bracket would be read as an empty item; the
                // boundary before it (the `,` or the list's own `[`) already ends the list.
                let item = open.last() == Some(&'[');
                open.push(c);
                if !item {
                    out.push((at + 1, open.clone()));
                }
            }
            '}' | ']' => {
                open.pop();
            }
            ',' => out.push((at, open.clone())),
            _ => {}
        }
    }
    out
}

/// The head with its open brackets closed, innermost first.
fn close(head: &str, open: &[char]) -> String {
    let mut text = head.to_owned();
    for bracket in open.iter().rev() {
        text.push(if *bracket == '{' { '}' } else { ']' });
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_whole_document_is_read_as_it_is() {
        assert_eq!(parse(r#"{"value":{"id":5}}"#), Some(json!({"value": {"id": 5}})));
    }

    #[test]
    fn a_cut_document_keeps_what_ended_before_the_cut() {
        let cut = r#"{"value":{"id":18578465,"version":1,"internationalId":{"intAmeldingType":null,"number":"12"#;
        assert_eq!(
            parse(cut),
            Some(json!({"value": {"id": 18578465, "version": 1, "internationalId": {"intAmeldingType": null}}}))
        );
    }

    #[test]
    fn a_number_cut_short_is_dropped_not_read_short() {
        assert_eq!(
            parse(r#"{"values":[{"id":1,"number":1920},{"id":1857"#),
            Some(json!({"values": [{"id": 1, "number": 1920}]}))
        );
    }

    #[test]
    fn commas_and_brackets_inside_strings_are_not_boundaries() {
        assert_eq!(parse(r#"{"a":"x,{[\"y","b":"c,d"#), Some(json!({"a": "x,{[\"y"})));
        assert_eq!(parse("not json"), None);
    }
}
