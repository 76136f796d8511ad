//! Fashion attribute extraction: from a product's title, description, category path and the
//! feed's own colour and material fields to structured attributes (category, toe, heel,
//! material, finish, details, colour and colour family, pattern, occasion, gender, and the
//! family attributes: length, silhouette, neckline, sleeve, rise and fit of clothing; case
//! shape, case size, strap and dial colour of watches; shape, size and handle of bags; metal and
//! stone of jewellery), each with the words that state it.
//!
//! - `taxonomy.rs`: the vocabulary, read from `data/taxonomy.toml` (bundled) or a user's copy,
//!   with the siblings of each value and the categories each family attribute applies to.
//! - `normalize.rs`: folding text into words while keeping where each word came from.
//! - `extract.rs`: the [`Extractor`], two Aho-Corasick automata (general dimensions, family
//!   attributes) over every phrase, and the rules that resolve conflicts (field priority,
//!   specificity, negation, brand words, market, dial words, where a family attribute applies).
//! - `eval.rs`: scoring against labelled data (Myntra footwear labels, the whole-wardrobe FPI
//!   article types, hand-labelled materials).
//!
//! ```
//! use pointe_core::attributes::{Extractor, Market, ProductText, Taxonomy};
//!
//! let extractor = Extractor::new(&Taxonomy::bundled());
//! let attrs = extractor.extract(&ProductText::new("Leather Bow Ballet Pumps", Market::Uk));
//! assert_eq!(attrs.category.as_deref(), Some("ballet_flats"));
//! assert!(attrs.has("material", "leather"));
//! assert!(attrs.has("detail", "bow"));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::money::Currency;

pub mod eval;
mod extract;
mod normalize;
mod taxonomy;

pub use extract::Extractor;
pub use taxonomy::{DIMENSIONS, HeeledRule, RefinedRule, Taxonomy, TaxonomyRules, TaxonomyValue};

/// Which English a feed is written in, for words whose meaning differs: a bare "pumps" is a
/// heeled court shoe in American usage and a flat shoe in British usage; a "purse" is a handbag
/// in American usage and a wallet in British usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Market {
    /// British usage (also the default for feeds outside North America).
    Uk,
    /// American usage.
    Us,
}

impl Market {
    /// The market a feed's currency suggests: USD and CAD are American usage; every other
    /// currency (GBP, EUR, INR…) British usage, which Indian English and most of the
    /// English-speaking world outside North America follow.
    pub fn from_currency(currency: Currency) -> Market {
        match currency.code() {
            "USD" | "CAD" => Market::Us,
            _ => Market::Uk,
        }
    }
}

impl FromStr for Market {
    type Err = crate::Error;

    /// Reads `UK` (or `GB`) and `US` (or `USA`), in any case.
    fn from_str(s: &str) -> crate::Result<Market> {
        match s.trim().to_ascii_uppercase().as_str() {
            "UK" | "GB" => Ok(Market::Uk),
            "US" | "USA" => Ok(Market::Us),
            other => Err(crate::Error::Usage(format!(
                "unknown market {other:?}: use UK or US"
            ))),
        }
    }
}

impl fmt::Display for Market {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Market::Uk => "UK",
            Market::Us => "US",
        })
    }
}

/// The text of one product that extraction reads. Only the title is required.
#[derive(Debug, Clone, Copy)]
pub struct ProductText<'a> {
    /// The product name as the feed gives it.
    pub title: &'a str,
    /// The long description, if any.
    pub description: Option<&'a str>,
    /// The feed's category path or product type ("Women > Shoes > Ballerinas"), if any.
    pub category_path: Option<&'a str>,
    /// The feed's own colour values; when one maps to a taxonomy colour, the colours come from
    /// here alone.
    pub colours: &'a [String],
    /// The feed's own material values; when one maps to a taxonomy material, the materials come
    /// from here alone.
    pub materials: &'a [String],
    /// The brand, if known: phrases inside its occurrences in the text are ignored ("Red Tape"
    /// is not red).
    pub brand: Option<&'a str>,
    /// Which English the text is written in.
    pub market: Market,
}

impl<'a> ProductText<'a> {
    /// A product known only by its title; every other field empty.
    pub fn new(title: &'a str, market: Market) -> ProductText<'a> {
        ProductText {
            title,
            description: None,
            category_path: None,
            colours: &[],
            materials: &[],
            brand: None,
            market,
        }
    }
}

/// The attributes extracted from one product.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Attributes {
    /// The most specific category, e.g. `"ballet_flats"`.
    pub category: Option<String>,
    /// The family of the main colour (the first the feed's colour field or the title states),
    /// e.g. `"pink"` for blush.
    pub colour_family: Option<String>,
    /// Every value found, by dimension (see [`DIMENSIONS`]), in the order first stated.
    /// `category` holds the resolved category only.
    pub values: BTreeMap<String, Vec<Extracted>>,
    /// The heel height in centimetres, when the text states one ("8cm heel").
    pub heel_height_cm: Option<f32>,
    /// [`Taxonomy::version`] of the taxonomy used, so stored attributes know when to be
    /// extracted again.
    pub taxonomy_version: String,
}

/// One extracted value and the words that state it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Extracted {
    /// The taxonomy id, e.g. `"leather"`.
    pub value: String,
    /// The taxonomy label, e.g. `"leather"`.
    pub label: String,
    /// The value's ancestors in the taxonomy, nearest first (`["flats", "shoes"]` for ballet
    /// flats), so [`Attributes::has`] works without the taxonomy at hand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<String>,
    /// Every place that states it.
    pub evidence: Vec<Evidence>,
}

/// Where a value was found.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// `"title"`, `"description"`, `"category"` (the category path), `"colour"` or
    /// `"material"` (the feed's own fields).
    pub field: String,
    /// The words as they appear in that field. For a value implied by another ("patent" implies
    /// leather) or classified from a height, the words of that other phrase.
    pub matched: String,
}

impl Attributes {
    /// Whether the product has `value` in `dimension`, itself or through a more specific value:
    /// patent leather has leather, blush has pink, ballet flats have flats.
    pub fn has(&self, dimension: &str, value: &str) -> bool {
        self.values.get(dimension).is_some_and(|list| {
            list.iter()
                .any(|e| e.value == value || e.parents.iter().any(|p| p == value))
        })
    }

    /// Every `(dimension, value id)` extracted, dimension by dimension.
    pub fn all_values(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values
            .iter()
            .flat_map(|(dim, list)| list.iter().map(move |e| (dim.as_str(), e.value.as_str())))
    }

    /// The ids extracted in `dimension`, in the order first stated.
    pub fn ids(&self, dimension: &str) -> Vec<&str> {
        self.values
            .get(dimension)
            .map(|list| list.iter().map(|e| e.value.as_str()).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markets_come_from_names_and_currencies() {
        assert_eq!("uk".parse::<Market>().unwrap(), Market::Uk);
        assert_eq!(" US ".parse::<Market>().unwrap(), Market::Us);
        assert_eq!("GB".parse::<Market>().unwrap(), Market::Uk);
        let err = "FR".parse::<Market>().unwrap_err().to_string();
        assert!(err.contains("unknown market \"FR\""), "{err}");
        let market = |code| Market::from_currency(Currency::from_code(code).unwrap());
        assert_eq!(market("GBP"), Market::Uk);
        assert_eq!(market("EUR"), Market::Uk);
        assert_eq!(market("INR"), Market::Uk);
        assert_eq!(market("USD"), Market::Us);
        assert_eq!(Market::Us.to_string(), "US");
    }

    #[test]
    fn has_follows_parents_and_all_values_lists_everything() {
        let extractor = Extractor::new(&Taxonomy::bundled());
        let a = extractor.extract(&ProductText::new("Blush patent ballet flats", Market::Uk));
        assert!(a.has("colour", "blush") && a.has("colour", "pink"));
        assert!(a.has("category", "flats") && a.has("category", "shoes"));
        assert!(a.has("material", "leather") && a.has("finish", "patent"));
        assert!(!a.has("colour", "red") && !a.has("nope", "pink"));
        let all: Vec<_> = a.all_values().collect();
        assert!(all.contains(&("category", "ballet_flats")));
        assert!(all.contains(&("colour", "blush")));
        assert!(all.contains(&("heel", "flat")));
    }
}

/// Test helpers for data that lives outside the repository.
#[cfg(test)]
pub(crate) mod test_data {
    use std::path::{Path, PathBuf};

    pub(crate) use crate::test_support::shared_data;

    /// A fixture of `crates/pointe-core/tests/fixtures/attributes/`.
    pub(crate) fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/attributes")
            .join(name)
    }
}
