//! What ingest checks of a row's prices before it stores them: a bound on what a retail price
//! can be, and whether the price can be converted to other currencies at all.

use std::collections::HashSet;
use std::sync::Arc;

use jiff::Timestamp;

use crate::feed::{FeedRecord, RowIssue};
use crate::fx::RateTable;
use crate::money::{Currency, Money};

/// The largest retail price accepted, in euro cents, by default: one million euros.
pub const DEFAULT_MAX_EUR_MINOR: i64 = 1_000_000 * 100;

/// The largest price accepted, in minor units, for a currency with no exchange rate, by
/// default (10^12).
pub const DEFAULT_MAX_UNRATED_MINOR: i64 = 1_000_000_000_000;

/// The bounds ingest holds prices to, and the rates it checks them with.
#[derive(Debug, Clone)]
pub struct PriceRules {
    /// Rates for the bound (converted at the day the price was seen) and to tell which
    /// currencies convert at all. Default: the bundled table.
    pub rates: Arc<RateTable>,
    /// The largest price accepted, in euro cents, converted at the rate of the day it was
    /// seen. Default [`DEFAULT_MAX_EUR_MINOR`]: anything above is a damaged or test row.
    pub max_eur_minor: i64,
    /// The largest price accepted, in minor units, in a currency with no rate. Default
    /// [`DEFAULT_MAX_UNRATED_MINOR`].
    pub max_unrated_minor: i64,
}

impl Default for PriceRules {
    fn default() -> PriceRules {
        PriceRules {
            rates: Arc::new(RateTable::bundled()),
            max_eur_minor: DEFAULT_MAX_EUR_MINOR,
            max_unrated_minor: DEFAULT_MAX_UNRATED_MINOR,
        }
    }
}

/// The per-ingest side of [`PriceRules`]: currencies already reported as unconvertible.
#[derive(Debug)]
pub(super) struct PriceCheck<'a> {
    rules: &'a PriceRules,
    reported: HashSet<Currency>,
}

impl<'a> PriceCheck<'a> {
    pub fn new(rules: &'a PriceRules) -> Self {
        PriceCheck {
            rules,
            reported: HashSet::new(),
        }
    }

    /// Checks every price of `record` (observed at `seen_at` unless it carries its own
    /// observations): `Err` with the rejection when one is beyond the bound; otherwise the
    /// warning to report, once per ingest and currency, when its prices cannot be converted.
    pub fn check(
        &mut self,
        record: &FeedRecord,
        seen_at: Timestamp,
    ) -> Result<Option<RowIssue>, RowIssue> {
        let mut prices: Vec<(Money, Timestamp, &str)> = vec![(record.price, seen_at, "price")];
        prices.extend(record.sale_price.map(|m| (m, seen_at, "sale_price")));
        for o in &record.observations {
            prices.push((o.price, o.seen_at, "price"));
            prices.extend(o.sale_price.map(|m| (m, o.seen_at, "sale_price")));
        }
        for (money, at, field) in prices {
            if self.beyond_bound(money, at) {
                return Err(RowIssue {
                    line: record.line,
                    item: Some(record.item_id.clone()),
                    field: Some(field.into()),
                    reason: format!(
                        "{field} {money} is beyond any retail price (at most {})",
                        self.bound_text(money.currency)
                    ),
                });
            }
        }
        let currency = record.price.currency;
        if self.rules.rates.quotes(currency) || !self.reported.insert(currency) {
            return Ok(None);
        }
        Ok(Some(RowIssue {
            line: record.line,
            item: Some(record.item_id.clone()),
            field: Some("price".into()),
            reason: format!(
                "no exchange rate for {currency}: its prices show in {currency} and are left \
                 out wherever another currency is asked for (import rates with `pointe fx import`)"
            ),
        }))
    }

    fn beyond_bound(&self, money: Money, at: Timestamp) -> bool {
        let eur = Currency::from_code("EUR").unwrap_or_else(|| unreachable!("EUR is known"));
        if !self.rules.rates.quotes(money.currency) {
            return money.minor.unsigned_abs() > self.rules.max_unrated_minor.unsigned_abs();
        }
        let day = at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
        match self.rules.rates.try_convert(money, eur, day) {
            Ok(Some(c)) => c.money.minor.unsigned_abs() > self.rules.max_eur_minor.unsigned_abs(),
            // Too large to convert is beyond any bound.
            Ok(None) | Err(_) => true,
        }
    }

    fn bound_text(&self, currency: Currency) -> String {
        if self.rules.rates.quotes(currency) {
            let eur = Currency::from_code("EUR").unwrap_or_else(|| unreachable!("EUR is known"));
            format!(
                "{} or its equivalent",
                Money::new(self.rules.max_eur_minor, eur)
            )
        } else {
            format!("{} minor units", self.rules.max_unrated_minor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Availability;

    fn record(price: &str) -> FeedRecord {
        FeedRecord {
            line: 7,
            item_id: "x".into(),
            title: "Satin ballet flats".into(),
            description: None,
            brand: None,
            retailer: None,
            link: None,
            image_links: vec![],
            price: crate::money::parse_price(price, None).unwrap(),
            sale_price: None,
            availability: Availability::InStock,
            gtin: None,
            mpn: None,
            condition: None,
            google_product_category: None,
            product_type: None,
            item_group_id: None,
            colours: vec![],
            sizes: vec![],
            gender: None,
            age_group: None,
            materials: vec![],
            pattern: None,
            warnings: vec![],
            observations: vec![],
        }
    }

    fn now() -> Timestamp {
        "2025-05-09T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn an_absurd_price_is_rejected_naming_its_field() {
        let rules = PriceRules::default();
        let mut check = PriceCheck::new(&rules);
        let issue = check
            .check(&record("92233720368547758.07 GBP"), now())
            .unwrap_err();
        assert_eq!(issue.field.as_deref(), Some("price"));
        assert!(issue.reason.contains("€1,000,000.00"), "{}", issue.reason);
        assert!(check.check(&record("550.00 GBP"), now()).is_ok());
        // Just under a million euros in pounds is a price; well over it is not.
        assert!(check.check(&record("800000.00 GBP"), now()).is_ok());
        assert!(check.check(&record("900000.00 GBP"), now()).is_err());
    }

    #[test]
    fn a_currency_without_rates_is_reported_once_and_bounded_in_minor_units() {
        let rules = PriceRules::default();
        let mut check = PriceCheck::new(&rules);
        let first = check.check(&record("12.500 OMR"), now()).unwrap();
        assert!(first.unwrap().reason.contains("no exchange rate for OMR"));
        assert_eq!(check.check(&record("9.900 OMR"), now()).unwrap(), None);
        assert!(check.check(&record("1000000000.001 OMR"), now()).is_err());
        assert_eq!(check.check(&record("120.00 RON"), now()).unwrap(), None);
    }
}
