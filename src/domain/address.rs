//! Addresses kept inside their owner (a customer's or supplier's postal and physical address):
//! the text Tripletex shows for one (`addressAsString`, `displayName`), made from its lines.

use serde_json::{Map, Value};

/// What a country is called where an address has no lines: a recorded empty address of a
/// Norwegian customer showed `"Norway"`, where one with lines ended in the country's own name.
const EMPTY_NORWAY: &str = "Norway";
const NORWAY: i64 = 161;

/// `addressAsString` and `displayName` of an address of `owner` (the customer's name), as
/// recorded: `"Storgata 97, 5003 Bergen, Norge"` and `"Prairie SARL, Storgata 97, 5003 Bergen,
/// Norge"`; an address without lines shows only its country.
pub fn describe(address: &Map<String, Value>, owner: &str, country_name: &str) -> (String, String) {
    let text = |name: &str| address.get(name).and_then(Value::as_str).unwrap_or_default().trim();
    let town = [text("postalCode"), text("city")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut parts: Vec<&str> = [text("addressLine1"), text("addressLine2"), town.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    let country_id = address.get("country").and_then(|c| c.get("id")).and_then(Value::as_i64);
    let country = match (parts.is_empty(), country_id) {
        (true, Some(NORWAY)) => EMPTY_NORWAY,
        _ => country_name,
    };
    if !country.is_empty() {
        parts.push(country);
    }
    let as_string = parts.join(", ");
    let display = match owner.trim() {
        "" => as_string.clone(),
        owner if as_string.is_empty() => owner.to_owned(),
        owner => format!("{owner}, {as_string}"),
    };
    (as_string, display)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn an_address_reads_as_recorded() {
        let address = map(json!({
            "addressLine1": "Storgata 97", "addressLine2": "", "postalCode": "5003",
            "city": "Bergen", "country": {"id": 161}
        }));
        let (as_string, display) = describe(&address, "Prairie SARL", "Norge");
        assert_eq!(as_string, "Storgata 97, 5003 Bergen, Norge");
        assert_eq!(display, "Prairie SARL, Storgata 97, 5003 Bergen, Norge");
    }

    #[test]
    fn an_empty_norwegian_address_shows_only_its_country_as_recorded() {
        let address = map(json!({"addressLine1": "", "city": "", "country": {"id": 161}}));
        let (as_string, display) = describe(&address, "TestKunde AS", "Norge");
        assert_eq!(as_string, "Norway");
        assert_eq!(display, "TestKunde AS, Norway");
    }

    #[test]
    fn a_foreign_address_ends_with_its_countrys_name() {
        let address = map(json!({"addressLine1": "Rue 1", "city": "Paris", "country": {"id": 75}}));
        assert_eq!(describe(&address, "", "Frankrike").0, "Rue 1, Paris, Frankrike");
    }
}
