//! Exchange rates: what an amount in a foreign currency is worth in the company's currency (NOK).
//! Tripletex reads Norges Bank's rate of the day; offline, each currency has one fixed rate, so a
//! test that invoices EUR 1,000 knows the NOK amount it will see (FIDELITY.md lists the rates).

use crate::domain::denial::{Denial, DenialKind, Rule};

/// The company's own currency, as the seed numbers it.
pub const COMPANY_CURRENCY: i64 = 1;

/// NOK per `factor` units of each currency (SEK and DKK per 100, as Norges Bank quotes them).
const RATES: &[(&str, f64)] = &[
    ("NOK", 1.0),
    ("SEK", 95.5),
    ("DKK", 155.9),
    ("USD", 10.2),
    ("EUR", 11.65),
    ("GBP", 13.45),
    ("CHF", 1250.0),
    ("JPY", 6.8),
    ("AUD", 6.65),
    ("CAD", 7.4),
    ("PLN", 2.73),
    ("ISK", 8.3),
    ("CNY", 1.42),
    ("NZD", 6.05),
    ("HKD", 1.31),
    ("SGD", 7.85),
    ("CZK", 46.2),
    ("HUF", 2.95),
];

/// NOK per `factor` units of the currency `code`, if the emulator knows a rate for it.
pub fn rate_per_factor(code: &str) -> Option<f64> {
    RATES.iter().find(|(c, _)| *c == code).map(|(_, rate)| *rate)
}

/// NOK per one unit of `code` quoted per `factor` units, or the refusal naming the currency.
pub fn rate_of(code: &str, factor: f64) -> Result<f64, Denial> {
    let factor = if factor > 0.0 { factor } else { 1.0 };
    match rate_per_factor(code) {
        Some(rate) => Ok(rate / factor),
        None => Err(Denial::new(
            DenialKind::Invalid,
            Rule::RateOf,
            format!("The emulator has no exchange rate for {code}."),
        )
        .remedy(format!(
            "use one of the currencies it has a rate for: {}.",
            RATES.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
        ))
        .field("currency", &format!("Fant ingen valutakurs for {code}."))),
    }
}

/// `amount` in a currency worth `rate` NOK per unit, in NOK to the øre.
pub fn in_company_currency(amount: f64, rate: f64) -> f64 {
    super::ledger::round(amount * rate)
}

/// An amount in one currency in another, through the company's currency at each one's rate
/// (NOK per unit), to the øre.
pub fn converted(amount: f64, from_rate: f64, to_rate: f64) -> f64 {
    super::ledger::round(amount * from_rate / to_rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_of() {
        assert_eq!(super::rate_of("EUR", 1.0).ok(), Some(11.65));
        assert_eq!(super::rate_of("SEK", 100.0).ok(), Some(0.955));
        let refused = super::rate_of("XYZ", 1.0).unwrap_err();
        assert!(refused.remedy.is_some_and(|r| r.contains("EUR")));
    }

    #[test]
    fn an_amount_is_converted_to_the_ore() {
        assert_eq!(in_company_currency(1000.0, 11.65), 11650.0);
        assert_eq!(in_company_currency(33.33, 0.955), 31.83);
        assert_eq!(converted(1000.0, 11.65, 10.20), 1142.16);
        assert_eq!(converted(1000.0, 11.65, 1.0), 11650.0);
    }
}
