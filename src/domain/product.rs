//! A product's prices: the price including VAT follows the price excluding it and the VAT type's
//! percentage, or, where only the price including VAT is given, the other way round.

/// Which of a product's two prices a write gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceGiven {
    /// The price excluding VAT, or neither (the VAT type may have changed): the price including
    /// VAT is computed.
    ExcludingVat,
    /// Only the price including VAT: the price excluding VAT is computed.
    IncludingVatOnly,
}

/// The prices `(excluding, including)` VAT at `percentage`, the one not given computed from the
/// one given and rounded to øre.
pub fn prices_with_vat(excluding: f64, including: f64, percentage: f64, given: PriceGiven) -> (f64, f64) {
    let factor = 1.0 + percentage / 100.0;
    match given {
        PriceGiven::ExcludingVat => (excluding, to_ore(excluding * factor)),
        PriceGiven::IncludingVatOnly => (to_ore(including / factor), including),
    }
}

fn to_ore(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_price_including_vat_follows_the_price_excluding_it() {
        // As recorded: 7800 at 0 % is 7800 including VAT.
        assert_eq!(
            prices_with_vat(7800.0, 0.0, 0.0, PriceGiven::ExcludingVat),
            (7800.0, 7800.0)
        );
        assert_eq!(
            prices_with_vat(100.0, 0.0, 25.0, PriceGiven::ExcludingVat),
            (100.0, 125.0)
        );
        assert_eq!(
            prices_with_vat(99.99, 0.0, 15.0, PriceGiven::ExcludingVat),
            (99.99, 114.99)
        );
    }

    #[test]
    fn a_price_given_only_including_vat_gives_the_price_excluding_it() {
        assert_eq!(
            prices_with_vat(0.0, 1250.0, 25.0, PriceGiven::IncludingVatOnly),
            (1000.0, 1250.0)
        );
        assert_eq!(
            prices_with_vat(0.0, 100.0, 25.0, PriceGiven::IncludingVatOnly),
            (80.0, 100.0)
        );
    }
}
