//! Ledger rules: which vouchers can be reversed, and what a reversal books. Pure: no HTTP, no SQL.

use crate::domain::denial::{Denial, DenialKind};
use crate::rule_name;
use serde_json::{Map, Value, json};

/// A voucher is reversed once: a voucher that has its reversal already is refused.
pub fn voucher_can_be_reversed(voucher_id: i64, voucher: &Map<String, Value>) -> Result<(), Denial> {
    let reversed = voucher
        .get("reverseVoucher")
        .and_then(|v| v.get("id"))
        .is_some_and(|id| !id.is_null());
    if !reversed {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        rule_name!(),
        format!("Voucher {voucher_id} is already reversed."),
    )
    .remedy("reverse a voucher that is not reversed yet; GET /v2/ledger/voucher/{id} shows reverseVoucher.")
    .field("", &format!("Bilag {voucher_id} er allerede reversert.")))
}

/// The amounts of a posting a reversal turns round.
const POSTING_AMOUNTS: &[&str] = &["amount", "amountCurrency", "amountGross", "amountGrossCurrency"];

/// The body of the voucher that reverses `voucher`, dated `date`: each posting with its account,
/// dimensions and VAT type, its amounts turned round. It balances when the original does.
pub fn reversal_of(voucher: &Map<String, Value>, date: &str) -> Value {
    let postings: Vec<Value> = voucher
        .get("postings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|posting| {
            let mut turned: Map<String, Value> = posting
                .iter()
                .filter(|(name, _)| !matches!(name.as_str(), "id" | "voucher" | "date"))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            for name in POSTING_AMOUNTS {
                if let Some(amount) = posting.get(*name).and_then(Value::as_f64) {
                    turned.insert((*name).into(), json!(-amount));
                }
            }
            Value::Object(turned)
        })
        .collect();
    let description = voucher.get("description").and_then(Value::as_str).unwrap_or_default();
    json!({
        "date": date,
        "description": format!("Reversering: {description}").trim_end_matches([' ', ':']),
        "postings": postings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voucher_can_be_reversed_once() {
        assert!(voucher_can_be_reversed(1, &Map::new()).is_ok());
        let nulled: Map<String, Value> = serde_json::from_value(json!({"reverseVoucher": null})).unwrap();
        assert!(voucher_can_be_reversed(1, &nulled).is_ok());
        let reversed: Map<String, Value> = serde_json::from_value(json!({"reverseVoucher": {"id": 5}})).unwrap();
        assert!(voucher_can_be_reversed(1, &reversed).is_err());
    }

    #[test]
    fn a_reversal_turns_every_posting_round_and_keeps_its_account() {
        let voucher: Map<String, Value> = serde_json::from_value(json!({
            "date": "2026-01-01", "description": "Husleie",
            "postings": [
                {"id": 1, "account": {"id": 10}, "amountGross": 100.0, "amountGrossCurrency": 100.0, "row": 1},
                {"id": 2, "account": {"id": 11}, "amountGross": -100.0, "amountGrossCurrency": -100.0, "row": 2}
            ]
        }))
        .unwrap();
        let reversal = reversal_of(&voucher, "2026-02-01");
        assert_eq!(reversal["date"], "2026-02-01");
        assert_eq!(reversal["description"], "Reversering: Husleie");
        assert_eq!(
            reversal["postings"],
            json!([
                {"account": {"id": 10}, "amountGross": -100.0, "amountGrossCurrency": -100.0, "row": 1},
                {"account": {"id": 11}, "amountGross": 100.0, "amountGrossCurrency": 100.0, "row": 2}
            ])
        );
    }
}
