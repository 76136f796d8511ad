//! Blurbs written from a pick's explanation: one specific thing a shopper can see or use (a
//! shared detail, a visible difference, the saving), in the words of the edit's market.
//!
//! - `features.rs`: the shared attributes and differences a blurb may name, as shopper
//!   phrases ("an almond toe", "leather instead of satin"); what a shopper cannot see
//!   (occasion, fit, a pattern the pick does not state) is never named.
//! - `shapes.rs`: the sentence shapes, and the order the edit's slug gives them.
//! - `check.rs`: the checks every blurb passes (a capital, one full stop, no doubled words, no
//!   empty clause, no engine words, 40 to 200 characters).
//!
//! ```
//! use pointe_core::edit::blurb::{self, BlurbInput, Noun};
//! use pointe_core::market::Market;
//!
//! let shared = vec![("detail".to_string(), "bow".to_string())];
//! let text = blurb::write(
//!     &BlurbInput {
//!         rank: 0,
//!         seed: blurb::seed("balletcore"),
//!         hero_name: "Miu Miu",
//!         noun: &Noun::of_category(Some("ballet_flats"), Some("ballet flat"), &["flats".into(), "shoes".into()]),
//!         shared: &shared,
//!         differences: &[],
//!         tier_label: Some("High street"),
//!         saving: Some("£515 less"),
//!         market: Market::Uk,
//!     },
//!     &[],
//! );
//! assert_eq!(text, "The closest pair to the Miu Miu: the same bow, for £515 less.");
//! assert!(blurb::problems(&text, "Miu Miu").is_empty());
//! ```

mod check;
mod features;
mod shapes;

use crate::attributes::Attributes;
use crate::market::Market;

pub use check::problems;
pub use features::Difference;

/// What a blurb is written from.
#[derive(Debug, Clone, Copy)]
pub struct BlurbInput<'a> {
    /// 0 for the closest pick.
    pub rank: usize,
    /// The edit's seed (see [`seed`]): it orders the sentence shapes, so two edits open their
    /// blurbs differently.
    pub seed: u64,
    /// How the hero is named: its brand ("Miu Miu").
    pub hero_name: &'a str,
    /// What the pick is called ("pair", "dress", "piece").
    pub noun: &'a Noun,
    /// Shared attributes as `(dimension, label)`, most important first.
    pub shared: &'a [(String, String)],
    /// How the pick differs from the hero.
    pub differences: &'a [Difference],
    /// The label readers see for the pick's tier ("High street"), from `tiers.toml`.
    pub tier_label: Option<&'a str>,
    /// The saving against the hero in the edit's currency ("£515 less", "about £515 less").
    pub saving: Option<&'a str>,
    /// Whose words and spelling.
    pub market: Market,
}

/// What a blurb calls a pick: "pair" for shoes (and the things sold in pairs), "bag", "dress",
/// "watch"…, "piece" when its category is unknown or too broad to name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Noun {
    /// The word ("pair").
    pub word: String,
    /// The pick's own category label ("ballet flat"), if known.
    pub category: Option<String>,
}

/// Categories sold in pairs, besides shoes.
const PAIRED: &[&str] = &[
    "socks",
    "earrings",
    "gloves",
    "sunglasses",
    "leg_warmers",
    "cufflinks",
    "hosiery",
    "trousers",
    "jeans",
    "jeggings",
    "culottes",
    "leggings",
    "track_pants",
    "capris",
    "shorts",
    "lounge_pants",
    "lounge_shorts",
    "briefs",
    "trunks",
    "boxers",
];

/// Categories too broad to name a piece by.
const BROAD: &[&str] = &[
    "clothing",
    "tops",
    "knitwear",
    "coats_jackets",
    "bottoms",
    "ethnic_wear",
    "underwear",
    "sleepwear",
    "swimwear",
    "shapewear",
    "accessories",
    "jewellery",
    "beauty",
    "small_leather_goods",
];

impl Noun {
    /// The noun of a category (its taxonomy id, label and ancestors, nearest first).
    pub fn of_category(id: Option<&str>, label: Option<&str>, parents: &[String]) -> Noun {
        let category = label.map(str::to_string);
        let word = match id {
            None => "piece".to_string(),
            Some(id) if id == "shoes" || parents.iter().any(|p| p == "shoes") => "pair".into(),
            Some(id) if PAIRED.contains(&id) => "pair".into(),
            Some(id) if id == "bags" || parents.iter().any(|p| p == "bags") => "bag".into(),
            Some(id) if BROAD.contains(&id) => "piece".into(),
            Some(_) => label.map_or_else(|| "piece".to_string(), str::to_string),
        };
        Noun { word, category }
    }

    /// The noun of a product from its extracted attributes.
    pub fn of(attributes: Option<&Attributes>) -> Noun {
        let extracted = attributes
            .and_then(|a| a.values.get("category"))
            .and_then(|list| list.first());
        match extracted {
            Some(e) => Noun::of_category(Some(&e.value), Some(&e.label), &e.parents),
            None => Noun::of_category(None, None, &[]),
        }
    }
}

/// The seed of an edit's blurbs: a stable hash (64-bit FNV-1a) of its slug, the same on every
/// machine and release.
pub fn seed(slug: &str) -> u64 {
    slug.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The opening of a blurb: its first two words, lower case. No two blurbs of one edit share one.
pub fn opening(text: &str) -> String {
    text.split_whitespace()
        .take(2)
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes a blurb whose opening is not among `taken` (the openings of the edit's other blurbs).
/// The closest pick (rank 0) says it is the closest; the others take the edit's shapes in the
/// order its seed gives, each pick starting one further along.
pub fn write(input: &BlurbInput<'_>, taken: &[String]) -> String {
    shapes::write(input, taken)
}

/// The name of the shape a blurb of `write` opens with ("closest", "saving", …), for
/// measuring how varied an edit's copy is; `None` for text `write` did not produce.
pub fn shape_of(text: &str) -> Option<&'static str> {
    shapes::shape_of(text)
}

#[cfg(test)]
mod tests;
