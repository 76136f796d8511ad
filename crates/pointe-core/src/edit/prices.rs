//! Honest prices: which struck-through reference price an edit may show, and when a price is
//! too old to be shown as current.
//!
//! UK and EU price-reduction rules ask that a "was" price be one the shop really charged: the
//! lowest price of the 30 days before the reduction. A feed's regular price says nothing about
//! that, so the reference comes from the stored price history alone, never from the feed's
//! own "was" or regular price.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::catalog::{ChargedSpan, charged_spans};
use crate::domain::{Offer, PricePoint};
use crate::money::Money;

/// How long prices stay true: the reference window, how long a reference must have been
/// charged, and how old a price may be and still be shown as current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRules {
    /// The reference price is the lowest of this many days before a reduction. Default 30.
    #[serde(default = "default_window_days")]
    pub window_days: u32,
    /// A price charged for fewer days than this within the window is no reference: a price
    /// raised a few days before a "sale" cannot make the saving. Default 7.
    #[serde(default = "default_min_reference_days")]
    pub min_reference_days: u32,
    /// A price last seen more than this many days ago is not shown as current. Default 14.
    #[serde(default = "default_max_age_days")]
    pub max_age_days: u32,
}

fn default_window_days() -> u32 {
    30
}
fn default_min_reference_days() -> u32 {
    7
}
fn default_max_age_days() -> u32 {
    14
}

impl Default for PriceRules {
    fn default() -> Self {
        PriceRules {
            window_days: default_window_days(),
            min_reference_days: default_min_reference_days(),
            max_age_days: default_max_age_days(),
        }
    }
}

fn days(n: u32) -> SignedDuration {
    SignedDuration::from_hours(24 * i64::from(n))
}

impl PriceRules {
    /// Whether a price last seen at `last_seen` is too old to show as current at `now`.
    pub fn is_stale(&self, last_seen: Timestamp, now: Timestamp) -> bool {
        now.duration_since(last_seen) > days(self.max_age_days)
    }
}

/// The struck-through reference price of an offer, or `None` when it may show none.
///
/// The offer is reduced when its price paid (the sale price when lower) fell to today's from a
/// higher one, as the stored history shows. The reference is then the lowest price paid in the
/// `window_days` before the reduction, and only when that price was charged (buyable) for at
/// least `min_reference_days` of the window. A sale price the offer had from its first sighting,
/// a price raised and cut in one update, or a price raised a few days before its cut gives no
/// reference. A reduction older than the window is the regular price by now, unless the feed
/// still marks a sale.
pub fn reference_price(
    history: &[PricePoint],
    offer: &Offer,
    now: Timestamp,
    rules: &PriceRules,
) -> Option<Money> {
    let current = offer.current_price();
    let spans = charged_spans(history, now.max(offer.last_seen));
    if spans.last()?.paid != current {
        return None;
    }
    let run_start = spans
        .iter()
        .rposition(|s| s.paid != current)
        .map(|i| i + 1)?;
    let before = &spans[..run_start];
    if before.last()?.paid.minor <= current.minor {
        return None;
    }
    let at = spans[run_start].from;
    let window = days(rules.window_days);
    let on_sale = offer
        .sale_price
        .is_some_and(|s| s.minor < offer.price.minor);
    if now.duration_since(at) > window && !on_sale {
        return None;
    }
    let from = at.checked_sub(window).ok()?;
    let in_window: Vec<(&ChargedSpan, SignedDuration)> = before
        .iter()
        .filter(|s| s.until > from)
        .map(|s| (s, s.until.min(at).duration_since(s.from.max(from))))
        .collect();
    let reference = in_window
        .iter()
        .map(|(s, _)| s.paid)
        .min_by_key(|m| m.minor)?;
    if reference.minor <= current.minor {
        return None;
    }
    let charged: SignedDuration = in_window
        .iter()
        .filter(|(s, _)| s.buyable && s.paid == reference)
        .fold(SignedDuration::ZERO, |sum, (_, d)| sum.saturating_add(*d));
    (charged >= days(rules.min_reference_days)).then_some(reference)
}
