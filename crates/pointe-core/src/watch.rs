//! Watches and the alerts they raise: a product (or one of its offers), an edit's picks or a
//! saved search, with rules (at or below a price, a drop, a rise, back in stock, out of stock,
//! a new match). A rule judges each new price point of an offer against that offer's own
//! earlier points in the same currency, so another variant's price, a currency switch or an
//! exchange rate never fires one; a drop is measured from the lowest price really paid in the
//! 30 days before, so a "sale" from a price never charged is no drop. A rule that fired waits
//! until its condition has cleared before it fires again.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::catalog::{charged_spans, paid_at};
use crate::domain::PricePoint;
use crate::money::{Currency, Money};

/// An amount as watches and alerts keep it, written as the JSON contract writes money:
/// `{"amount": "50.00", "currency": "GBP"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    /// Minor units.
    pub minor: i64,
    /// ISO 4217 code.
    pub currency: Currency,
}

#[derive(Serialize, Deserialize)]
struct AmountText {
    amount: String,
    currency: Currency,
}

impl Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        AmountText {
            amount: self.money().amount_string(),
            currency: self.currency,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = AmountText::deserialize(d)?;
        crate::money::parse_amount(&text.amount, text.currency)
            .map(Amount::from)
            .map_err(serde::de::Error::custom)
    }
}

impl From<Money> for Amount {
    fn from(m: Money) -> Amount {
        Amount {
            minor: m.minor,
            currency: m.currency,
        }
    }
}

impl Amount {
    /// As money.
    pub fn money(self) -> Money {
        Money::new(self.minor, self.currency)
    }
}

/// What a watch follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum WatchTarget {
    /// A product's offers, or only the offer of one feed item id (a variant).
    Product {
        /// The Pointe product id.
        product_id: String,
        /// The feed item id of the one offer followed, when only one is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item_id: Option<String>,
    },
    /// The offers of an edit's picks.
    Edit {
        /// The edit's slug.
        slug: String,
    },
    /// The offers of the products a saved search finds.
    Search {
        /// The query, as `pointe search` reads it ("ballet flats under £60 in pink").
        query: String,
    },
}

/// A drop worth an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum DropRule {
    /// At least this many percent of the reference price.
    Percent {
        /// Percent, 1 to 99.
        percent: u32,
    },
    /// At least this amount, kept in every currency it was converted to when the watch was
    /// made.
    Amount {
        /// One amount per currency.
        amounts: Vec<Amount>,
    },
}

/// The rules of a watch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// At or below this price; one amount per currency (converted once, when the watch was
    /// made). Empty: no such rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub below: Vec<Amount>,
    /// A drop of at least this much.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop: Option<DropRule>,
    /// Any rise.
    #[serde(default)]
    pub rise: bool,
    /// Back in stock.
    #[serde(default)]
    pub restock: bool,
    /// Out of stock.
    #[serde(default)]
    pub out_of_stock: bool,
    /// A product the saved search did not find before.
    #[serde(default)]
    pub new_match: bool,
}

impl Rules {
    /// The amount of `currency` among `amounts`.
    fn in_currency(amounts: &[Amount], currency: Currency) -> Option<i64> {
        amounts
            .iter()
            .find(|a| a.currency == currency)
            .map(|a| a.minor)
    }
}

/// Where a webhook delivers a watch's alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// The `http(s)://` address alerts are POSTed to.
    pub url: String,
    /// The HMAC-SHA256 key of the `Pointe-Signature` header; never listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Whether only public addresses may be reached (a watch made over the API).
    #[serde(default)]
    pub public_only: bool,
}

/// A watch: what it follows, its rules, and where its alerts go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watch {
    /// Its id (`w1`, `w2`, …).
    pub id: String,
    /// What it follows.
    pub target: WatchTarget,
    /// Its rules.
    pub rules: Rules,
    /// Its webhook, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<Webhook>,
    /// The fewest seconds between two of its alerts; a rule that would fire sooner stays armed.
    #[serde(default)]
    pub min_interval_secs: u64,
    /// For an edit: swap a pick that can no longer be bought (the edits' `refresh --swap`).
    #[serde(default)]
    pub auto_swap: bool,
    /// When it was made.
    pub created_at: Timestamp,
    /// What its evaluations left.
    #[serde(default)]
    pub state: WatchState,
}

/// What a watch's evaluations left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchState {
    /// The last price point judged (points are numbered in the order they were recorded).
    pub cursor: i64,
    /// Each offer's rules that fired and have not cleared yet, by offer key.
    #[serde(default)]
    pub offers: BTreeMap<i64, Armed>,
    /// For a saved search: the products it has found.
    #[serde(default)]
    pub matched: BTreeSet<String>,
    /// When it last raised an alert.
    #[serde(default)]
    pub last_alert_at: Option<Timestamp>,
}

/// An offer's rules that fired and wait for their condition to clear.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Armed {
    /// "At or below" fired; it clears when the price is above the threshold again.
    #[serde(default)]
    pub below_fired: bool,
    /// The price a drop fired at; it clears when the price rises above it.
    #[serde(default)]
    pub drop_fired_at: Option<i64>,
    /// The price a rise fired at; it clears when the price falls below it.
    #[serde(default)]
    pub rise_fired_at: Option<i64>,
}

/// What kind of alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlertKind {
    /// The price is at or below the watch's threshold.
    Below,
    /// The price dropped by at least the watch's amount or share.
    Drop,
    /// The price rose.
    Rise,
    /// Back in stock.
    Restock,
    /// Out of stock.
    OutOfStock,
    /// A product the saved search did not find before.
    NewMatch,
}

impl AlertKind {
    /// Its name in alerts.
    pub fn name(self) -> &'static str {
        match self {
            AlertKind::Below => "below",
            AlertKind::Drop => "drop",
            AlertKind::Rise => "rise",
            AlertKind::Restock => "restock",
            AlertKind::OutOfStock => "out-of-stock",
            AlertKind::NewMatch => "new-match",
        }
    }
}

/// A rule that fired on a price point, with what it compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    /// The rule.
    pub kind: AlertKind,
    /// The price it compared with: the threshold, or the reference a drop is measured from.
    pub against: Option<Money>,
    /// The lowest price paid in the 30 days before the point (same currency, buyable).
    pub prior_low: Option<Money>,
}

/// A price point as an alert shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    /// When the feed said it.
    pub seen_at: Timestamp,
    /// The regular price.
    pub price: Amount,
    /// The sale price, when the feed gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_price: Option<Amount>,
    /// What a shopper paid: the sale price when lower.
    pub paid: Amount,
    /// `in_stock`, `out_of_stock`, `preorder` or `backorder`.
    pub availability: String,
}

impl From<&PricePoint> for Observed {
    fn from(p: &PricePoint) -> Observed {
        Observed {
            seen_at: p.seen_at,
            price: p.price.into(),
            sale_price: p.sale_price.map(Amount::from),
            paid: paid_at(p).into(),
            availability: p.availability.as_str().to_string(),
        }
    }
}

/// An alert with its evidence: what fired, on which offer, from which source, ingest and feed
/// row, the observation before and the new one, and the 30-day prior low.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable per alert: the `Pointe-Idempotency-Key` of its webhook deliveries.
    pub key: String,
    /// The watch that raised it.
    pub watch_id: String,
    /// The rule.
    pub kind: AlertKind,
    /// When it was raised.
    pub raised_at: Timestamp,
    /// The product.
    pub product_id: String,
    /// Its title, for people.
    #[serde(default)]
    pub title: String,
    /// The offer's feed item id (the variant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
    /// The shop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retailer: Option<String>,
    /// The source (feed) the observation came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The ingest that recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingest_id: Option<i64>,
    /// The feed row (1-based line) it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The offer's observation before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Observed>,
    /// The new observation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Observed>,
    /// The currency the feed gave, which every price of the alert is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// What the rule compared with: the threshold, or the price a drop is measured from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against: Option<Amount>,
    /// The lowest price paid in the 30 days before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_low_30d: Option<Amount>,
    /// The edit, for an edit's watch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<String>,
    /// The saved search, for a search's watch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// What replaced what, when the edit swapped picks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub swapped: Vec<String>,
    /// Its webhook delivery, when the watch has a webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
}

impl Alert {
    /// An alert of `kind` on a product, with no evidence yet and no key.
    pub fn bare(
        watch_id: &str,
        kind: AlertKind,
        product_id: &str,
        title: String,
        raised_at: Timestamp,
    ) -> Alert {
        Alert {
            key: String::new(),
            watch_id: watch_id.to_string(),
            kind,
            raised_at,
            product_id: product_id.to_string(),
            title,
            item_id: None,
            retailer: None,
            source: None,
            ingest_id: None,
            line: None,
            previous: None,
            current: None,
            currency: None,
            against: None,
            prior_low_30d: None,
            edit: None,
            query: None,
            swapped: Vec::new(),
            delivery: None,
        }
    }
}

/// Where a webhook delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryState {
    /// Not delivered yet; tried again at `next_attempt`.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after the last attempt.
    Failed,
}

/// An alert's webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: u32,
    /// When it is tried next (pending only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt: Option<Timestamp>,
    /// When the receiver took it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<Timestamp>,
    /// The last failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// How far back the lowest price paid is looked for.
pub const PRIOR_LOW_DAYS: i64 = 30;

/// The lowest price paid (buyable) in the 30 days before `at`, in `currency`, from an offer's
/// earlier points in time order.
pub fn prior_low(history: &[PricePoint], at: Timestamp, currency: Currency) -> Option<Money> {
    let from = at
        .checked_sub(SignedDuration::from_hours(24 * PRIOR_LOW_DAYS))
        .ok()?;
    let same: Vec<PricePoint> = history
        .iter()
        .filter(|p| p.price.currency == currency && p.seen_at <= at)
        .cloned()
        .collect();
    charged_spans(&same, at)
        .into_iter()
        .filter(|s| s.buyable && s.until > from)
        .map(|s| s.paid)
        .min_by_key(|m| m.minor)
}

/// Judges `point`, an offer's new price point, by `rules` against the offer's earlier points
/// (`history`, in time order, the last the previous point). `armed` is the offer's rule state,
/// changed in place. With `quiet` (the watch alerted too recently) nothing fires and a rule
/// that would have fired stays armed.
pub fn judge(
    rules: &Rules,
    armed: &mut Armed,
    history: &[PricePoint],
    point: &PricePoint,
    quiet: bool,
) -> Vec<Fired> {
    let mut fired = Vec::new();
    let prev = history.last();
    let buyable = point.availability.is_buyable();
    if let Some(prev) = prev {
        let was = prev.availability.is_buyable();
        if rules.restock && !was && buyable && !quiet {
            fired.push(plain(AlertKind::Restock));
        }
        if rules.out_of_stock && was && !buyable && !quiet {
            fired.push(plain(AlertKind::OutOfStock));
        }
    }
    let currency = point.price.currency;
    let Some(prev) = prev.filter(|p| p.price.currency == currency) else {
        // A first point, or one in another currency than the last: a new baseline.
        *armed = baseline(rules, point);
        return fired;
    };
    let paid = paid_at(point).minor;
    let low = prior_low(history, point.seen_at, currency);
    let with_low = |mut f: Fired| {
        f.prior_low = low;
        f
    };
    if let Some(limit) = Rules::in_currency(&rules.below, currency) {
        if armed.below_fired && paid > limit {
            armed.below_fired = false;
        } else if !armed.below_fired && paid <= limit && buyable && !quiet {
            armed.below_fired = true;
            fired.push(with_low(Fired {
                kind: AlertKind::Below,
                against: Some(Money::new(limit, currency)),
                prior_low: None,
            }));
        }
    }
    if let Some(rule) = &rules.drop {
        judge_drop(rule, armed, paid_at(prev), low, point, quiet, &mut fired);
    }
    if rules.rise {
        let before = paid_at(prev).minor;
        match armed.rise_fired_at {
            Some(at) if paid < at => armed.rise_fired_at = None,
            None if paid > before && !quiet => {
                armed.rise_fired_at = Some(paid);
                fired.push(with_low(Fired {
                    kind: AlertKind::Rise,
                    against: Some(paid_at(prev)),
                    prior_low: None,
                }));
            }
            _ => {}
        }
    }
    fired
}

fn plain(kind: AlertKind) -> Fired {
    Fired {
        kind,
        against: None,
        prior_low: None,
    }
}

/// The rule state a first point leaves: "at or below" counts as fired when the price is
/// already there, so that only a move below the threshold fires it.
fn baseline(rules: &Rules, point: &PricePoint) -> Armed {
    let paid = paid_at(point);
    Armed {
        below_fired: Rules::in_currency(&rules.below, paid.currency)
            .is_some_and(|limit| paid.minor <= limit),
        drop_fired_at: None,
        rise_fired_at: None,
    }
}

/// A drop from the reference (the lower of the previous price and the 30-day prior low).
fn judge_drop(
    rule: &DropRule,
    armed: &mut Armed,
    previous: Money,
    low: Option<Money>,
    point: &PricePoint,
    quiet: bool,
    fired: &mut Vec<Fired>,
) {
    let paid = paid_at(point);
    if let Some(at) = armed.drop_fired_at {
        if paid.minor > at {
            armed.drop_fired_at = None;
        }
        return;
    }
    let reference = match low {
        Some(l) if l.minor < previous.minor => l,
        _ => previous,
    };
    let saved = reference.minor - paid.minor;
    let enough = match rule {
        DropRule::Percent { percent } => {
            saved > 0
                && i128::from(saved) * 100 >= i128::from(*percent) * i128::from(reference.minor)
        }
        DropRule::Amount { amounts } => {
            Rules::in_currency(amounts, paid.currency).is_some_and(|a| saved > 0 && saved >= a)
        }
    };
    if enough && point.availability.is_buyable() && !quiet {
        armed.drop_fired_at = Some(paid.minor);
        fired.push(Fired {
            kind: AlertKind::Drop,
            against: Some(reference),
            prior_low: low,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Availability;

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    fn gbp(pounds: i64) -> Money {
        Money::new(pounds * 100, cur("GBP"))
    }

    fn point(day: i64, price: Money, sale: Option<Money>, stock: bool) -> PricePoint {
        PricePoint {
            seen_at: Timestamp::from_second(1_767_225_600 + day * 86_400).unwrap(),
            price,
            sale_price: sale,
            availability: if stock {
                Availability::InStock
            } else {
                Availability::OutOfStock
            },
        }
    }

    /// Runs `points` through `rules` in turn; the kinds fired at each.
    fn run(rules: &Rules, points: &[PricePoint]) -> Vec<Vec<AlertKind>> {
        let mut armed = Armed::default();
        (0..points.len())
            .map(|i| {
                judge(rules, &mut armed, &points[..i], &points[i], false)
                    .into_iter()
                    .map(|f| f.kind)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_drop_fires_once_and_again_only_after_the_price_went_back_up() {
        let rules = Rules {
            drop: Some(DropRule::Percent { percent: 5 }),
            ..Rules::default()
        };
        let p = |d, pounds| point(d, gbp(pounds), None, true);
        // 100 → 85 fires; 85 → 80 (a further 6%) waits for the rule to clear; 95 clears it;
        // 70 is 12.5% under the lowest price of the 30 days before (80), and fires.
        let fired = run(&rules, &[p(0, 100), p(1, 85), p(2, 80), p(3, 95), p(4, 70)]);
        use AlertKind::Drop;
        assert_eq!(fired, [vec![], vec![Drop], vec![], vec![], vec![Drop]]);
    }

    #[test]
    fn a_drop_back_to_a_price_of_the_last_30_days_is_no_drop() {
        let rules = Rules {
            drop: Some(DropRule::Percent { percent: 10 }),
            ..Rules::default()
        };
        let p = |d, pounds| point(d, gbp(pounds), None, true);
        let fired = run(
            &rules,
            &[p(0, 60), p(10, 80), p(12, 60), p(50, 80), p(90, 60)],
        );
        assert_eq!(
            fired,
            [vec![], vec![], vec![], vec![], vec![AlertKind::Drop]],
            "60 again after 12 days is the price of the month; after 40 days at 80 it is a drop"
        );
    }

    #[test]
    fn a_sale_from_a_price_never_charged_is_no_drop() {
        let rules = Rules {
            drop: Some(DropRule::Percent { percent: 10 }),
            ..Rules::default()
        };
        // £50 for weeks, "was £80" for two days, then a "sale" at £48: paid £50 → £80 → £48.
        let fired = run(
            &rules,
            &[
                point(0, gbp(50), None, true),
                point(20, gbp(80), None, true),
                point(22, gbp(80), Some(gbp(48)), true),
            ],
        );
        assert_eq!(fired, [vec![], vec![], vec![]], "48 is 4% under 50");
    }

    #[test]
    fn a_currency_switch_is_a_new_baseline_and_fires_no_price_rule() {
        let rules = Rules {
            below: vec![gbp(50).into(), Money::new(5800, cur("EUR")).into()],
            drop: Some(DropRule::Percent { percent: 5 }),
            rise: true,
            ..Rules::default()
        };
        let fired = run(
            &rules,
            &[
                point(0, gbp(55), None, true),
                point(1, Money::new(5700, cur("EUR")), None, true),
                point(2, Money::new(6500, cur("EUR")), None, true),
            ],
        );
        assert_eq!(fired, [vec![], vec![], vec![AlertKind::Rise]]);
    }

    #[test]
    fn at_or_below_rearms_only_above_the_threshold_and_stock_changes_fire_each_way() {
        let rules = Rules {
            below: vec![gbp(50).into()],
            restock: true,
            out_of_stock: true,
            ..Rules::default()
        };
        let fired = run(
            &rules,
            &[
                point(0, gbp(60), None, true),
                point(1, gbp(50), None, true),
                point(2, gbp(45), None, true),
                point(3, gbp(45), None, false),
                point(4, gbp(45), None, true),
                point(5, gbp(55), None, true),
                point(6, gbp(49), None, true),
            ],
        );
        use AlertKind::*;
        assert_eq!(
            fired,
            [
                vec![],
                vec![Below],
                vec![],
                vec![OutOfStock],
                vec![Restock],
                vec![],
                vec![Below]
            ]
        );
    }

    #[test]
    fn a_quiet_watch_fires_nothing_and_keeps_its_rules_armed() {
        let rules = Rules {
            below: vec![gbp(50).into()],
            ..Rules::default()
        };
        let mut armed = Armed::default();
        let points = [point(0, gbp(60), None, true), point(1, gbp(45), None, true)];
        judge(&rules, &mut armed, &[], &points[0], false);
        assert!(judge(&rules, &mut armed, &points[..1], &points[1], true).is_empty());
        assert!(!armed.below_fired);
        let later = judge(&rules, &mut armed, &points[..1], &points[1], false);
        assert_eq!(later.len(), 1);
        assert_eq!(later[0].against, Some(gbp(50)));
    }
}
