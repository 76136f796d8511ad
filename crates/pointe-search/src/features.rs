//! What the index keeps about each product, and how it is derived from the store: the words
//! of the text fields, the attribute tokens, the price in GBP and the compact features the
//! look-alike scorer reads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::civil::Date;
use pointe_core::attributes::{Attributes, Taxonomy};
use pointe_core::catalog::{ItemId, lowest_current_price};
use pointe_core::domain::Offer;
use pointe_core::fx::RateTable;
use pointe_core::money::{Currency, Money};
use pointe_core::store::StoredProduct;
use pointe_core::tiers::Tiers;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::bounds::{self, MAX_LIST, MAX_OFFERS, MAX_TOKENS};

/// The dimensions whose evidence words leave the text similarity. The family attributes
/// (silhouette, neckline, strap…) keep theirs: a title's "wrap" or "A-line" is what its
/// shoppers name the piece by, and counts in the text as well as in the attribute score.
const TEXT_STATED: [&str; 10] = [
    "category", "toe", "heel", "material", "finish", "detail", "colour", "pattern", "occasion",
    "gender",
];

/// Words too common to say anything about a product.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "the", "with", "in", "of", "for", "to", "on", "by", "at", "from", "or",
    "its", "it", "this", "that", "is", "are", "has", "have", "womens", "women", "woman", "mens",
    "men", "s",
];

/// A product's lowest current price: in its own currency, the day it was last seen, and in GBP
/// when it can be converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PriceInfo {
    /// The price in the offer's currency.
    pub money: Money,
    /// The day the price was last seen (never later than today): the rate date of conversions.
    pub seen: Date,
    /// The price in GBP minor units; `None` when no rate converts it (the product then has no
    /// place in price sorting and price filters, but shows its price in its own currency).
    pub gbp_minor: Option<u64>,
}

/// The features the look-alike scorer reads for a candidate, kept in a fast field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Features {
    /// Extracted `(dimension, value)` pairs (no ancestors; the scorer asks the taxonomy).
    #[serde(rename = "a")]
    pub attrs: Vec<(String, String)>,
    /// The main colour, if any: the first the title names, else the first stated.
    #[serde(rename = "c", default)]
    pub colour: Option<String>,
    /// Folded, stemmed title words (brand words removed), then its hyphenated compounds
    /// ("a-line").
    #[serde(rename = "w", default)]
    pub words: Vec<String>,
    /// The other colours the title names, after the main one ("mustard" in "Off-White &
    /// Mustard Yellow Striped Wrap Dress").
    #[serde(rename = "o", default, skip_serializing_if = "Vec::is_empty")]
    pub other_colours: Vec<String>,
    /// The `(dimension, value)` pairs only the description states (a hero's "concealed zip
    /// closure"): the scorer weighs them less than what the title or the feed's fields state.
    /// Only heroes carry them; the index leaves them out.
    #[serde(rename = "d", default, skip_serializing_if = "Vec::is_empty")]
    pub described: Vec<(String, String)>,
    /// Canonical brand key.
    #[serde(rename = "b", default)]
    pub brand_key: Option<String>,
    /// Lowest current price: minor units, currency code, day seen.
    #[serde(rename = "p", default)]
    pub price: Option<(i64, String, String)>,
    /// The key of its listing ([`crate::listing::key`]): listings with one key are one
    /// product.
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<u64>,
}

impl Features {
    /// Halves the longest of its lists, so that its encoding shrinks; `false` when every list
    /// is already empty.
    pub fn shrink(&mut self) -> bool {
        let lens = [
            self.words.len(),
            self.attrs.len(),
            self.other_colours.len(),
            self.described.len(),
        ];
        let longest = (0..lens.len()).max_by_key(|&i| lens[i]).unwrap_or(0);
        let keep = lens[longest] / 2;
        match longest {
            _ if lens[longest] == 0 => return false,
            0 => self.words.truncate(keep),
            1 => self.attrs.truncate(keep),
            2 => self.other_colours.truncate(keep),
            _ => self.described.truncate(keep),
        }
        true
    }

    /// The price as money and the day it was seen.
    pub fn price(&self) -> Option<(Money, Date)> {
        let (minor, code, day) = self.price.as_ref()?;
        Some((
            Money::new(*minor, Currency::from_code(code)?),
            day.parse().ok()?,
        ))
    }
}

/// What search shows of a product, kept in the document store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Display {
    pub id: String,
    pub item_ids: Vec<(String, String, String)>,
    pub brand: Option<String>,
    pub title: String,
    pub tier: Option<String>,
    pub in_stock: bool,
}

impl Display {
    pub fn item_ids(&self) -> Vec<ItemId> {
        self.item_ids
            .iter()
            .map(|(source, retailer, item_id)| ItemId {
                source: source.clone(),
                retailer: retailer.clone(),
                item_id: item_id.clone(),
            })
            .collect()
    }
}

/// Everything the index holds about one product.
#[derive(Debug, Clone)]
pub(crate) struct IndexedProduct {
    /// The store's key of the product: the index keeps documents in its order.
    pub key: u64,
    pub display: Display,
    pub features: Features,
    pub description: String,
    pub brand_key: Option<String>,
    pub retailer_keys: Vec<String>,
    pub price: Option<PriceInfo>,
    /// `dim:value` tokens, each value with its ancestors, and `colour_family:…`.
    pub attr_tokens: Vec<String>,
    /// Labels of the values and their ancestors, for full-text search.
    pub attr_words: String,
    pub category: Option<String>,
    pub colour_family: Option<String>,
    pub materials: Vec<String>,
}

/// The GBP currency.
pub(crate) fn gbp() -> Currency {
    Currency::from_code("GBP").unwrap_or_else(|| unreachable!("GBP is known"))
}

/// A product's lowest current price, with its GBP equivalent at the rate of the day it was
/// seen. Offers with no rate to GBP count only when no offer has one: the price is then the
/// lowest in the first current offer's currency, with no GBP equivalent.
pub(crate) fn price_info(
    offers: &[Offer],
    rates: &RateTable,
    today: Date,
) -> Result<Option<PriceInfo>> {
    let (view, offer, in_gbp) = match lowest_current_price(offers, Some(gbp()), rates, today)? {
        Some((view, offer)) => (view, offer, true),
        None => match lowest_current_price(offers, None, rates, today)? {
            Some((view, offer)) => (view, offer, false),
            None => return Ok(None),
        },
    };
    let gbp_minor = if in_gbp {
        let m = Money::from_amount_str(&view.amount, gbp()).map_err(pointe_core::Error::from)?;
        Some(m.minor.max(0) as u64)
    } else {
        None
    };
    let seen = offer
        .last_seen
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .min(today);
    Ok(Some(PriceInfo {
        money: offer.current_price(),
        seen,
        gbp_minor,
    }))
}

/// Folded, stemmed words of a title, without stopwords and the brand's own words, followed by
/// its hyphenated compounds ("a-line", "logo-patch").
pub(crate) fn title_words(title: &str, brand: Option<&str>) -> Vec<String> {
    let brand_words: Vec<String> = brand.map(words_of).unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for w in words_of(title) {
        if STOPWORDS.contains(&w.as_str()) || brand_words.contains(&w) {
            continue;
        }
        let stem = stem(&w);
        if !out.contains(&stem) {
            out.push(stem);
        }
    }
    for compound in hyphen_compounds(title) {
        if !brand_words.contains(&compound.replace('-', "")) && !out.contains(&compound) {
            out.push(compound);
        }
    }
    bounds::words(out)
}

/// The hyphenated words of a text, folded and stemmed, hyphens kept ("a-line", "logo-patch"):
/// a hyphenated compound names a shape or construction its parts alone do not ("a" is a
/// stopword and "line" says little). The hyphen lets the look-alike scorer find the parts in
/// the index when it weighs the compound by rarity.
fn hyphen_compounds(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for token in text.split_whitespace().filter(|t| t.contains('-')) {
        let parts: Vec<String> = token
            .split('-')
            .map(words_of)
            .filter(|p| !p.is_empty())
            .map(|p| p.concat())
            .collect();
        if parts.len() >= 2 && parts.iter().all(|p| p.chars().all(char::is_alphabetic)) {
            let last = parts.len() - 1;
            let mut joined: Vec<String> = parts[..last].to_vec();
            joined.push(stem(&parts[last]));
            let compound = joined.join("-");
            if !out.contains(&compound) {
                out.push(compound);
            }
        }
    }
    out
}

/// The hero's title words that its attributes do not already state ("wrap" in "mustard
/// yellow lace wrap dress", "a-line" in "a-line skirt"): text similarity then adds what the
/// taxonomy has no value for instead of counting colours and categories twice.
///
/// A word is stated when the evidence of an attribute the scorer compares
/// ([`SCORED_DIMENSIONS`]) or a colour phrase of the title has it
/// ("silver" in "White & Silver-Toned": the colour is scored as colour, not as text). A
/// hyphenated compound is stated only when an evidence phrase is that compound itself
/// ("logo-patch") or its parts are all colour words: "a-line" in the category phrase "A-line
/// Skirt" says more than the category "skirt" and stays.
pub(crate) fn hero_words(
    title: &str,
    brand: Option<&str>,
    attributes: Option<&Attributes>,
    taxonomy: &Taxonomy,
) -> Vec<String> {
    let mut stated: Vec<String> = Vec::new();
    let mut stated_compounds: Vec<String> = Vec::new();
    if let Some(a) = attributes {
        // Only what the scorer compares is stated: a family attribute it does not score yet
        // ("wrap" silhouette, "A-line") keeps its words in the text similarity.
        let scored = a
            .values
            .iter()
            .filter(|(dim, _)| TEXT_STATED.contains(&dim.as_str()));
        for (_, list) in scored {
            for e in list {
                for ev in &e.evidence {
                    stated.extend(words_of(&ev.matched).iter().map(|w| stem(w)));
                    if !ev.matched.trim().contains(char::is_whitespace) {
                        stated_compounds.extend(hyphen_compounds(&ev.matched));
                    }
                }
            }
        }
    }
    let colour_words = title_colour_words(title, brand, taxonomy);
    stated.extend(colour_words.iter().map(|w| stem(w)));
    title_words(title, brand)
        .into_iter()
        .filter(|w| {
            if w.contains('-') {
                !stated_compounds.contains(w)
                    && !w
                        .split('-')
                        .all(|p| colour_words.iter().any(|c| c == p || stem(c) == p))
            } else {
                !stated.contains(w)
            }
        })
        .collect()
}

/// The `(dimension, value)` pairs whose only evidence is the description.
pub(crate) fn described_only(attributes: Option<&Attributes>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(a) = attributes {
        for (dim, list) in &a.values {
            for e in list {
                if !e.evidence.is_empty() && e.evidence.iter().all(|ev| ev.field == "description") {
                    out.push((dim.clone(), e.value.clone()));
                }
            }
        }
    }
    out
}

/// Lower-case alphanumeric words, diacritics and apostrophes dropped.
fn words_of(text: &str) -> Vec<String> {
    pointe_core::text::fold_key(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A light English stem: enough to make "flats" and "flat", "dresses" and "dress" agree.
fn stem(word: &str) -> String {
    let w = word;
    if w.len() > 4 && w.ends_with("sses") {
        return w[..w.len() - 2].to_string();
    }
    if w.len() > 4 && w.ends_with("ies") {
        return format!("{}y", &w[..w.len() - 3]);
    }
    if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        return w[..w.len() - 1].to_string();
    }
    w.to_string()
}

/// What [`attribute_parts`] derives: the scorer's `(dimension, value)` pairs, the main colour,
/// the attribute tokens and the attribute words.
pub(crate) type AttributeParts = (Vec<(String, String)>, Option<String>, Vec<String>, String);

/// The scorer's features and the attribute tokens of a set of attributes.
///
/// The main colour is the first colour the title names when it names one, else the first
/// stated (the feed's colour field): feeds' primary colour fields are sometimes wrong (a black
/// backpack filed as red), and the title says what the shopper sees first ("Black &
/// Gold-Toned").
pub(crate) fn attribute_parts(
    attributes: Option<&Attributes>,
    title: Option<&str>,
    brand: Option<&str>,
    taxonomy: &Taxonomy,
) -> AttributeParts {
    let mut attrs = Vec::new();
    let mut tokens: Vec<String> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut colour = None;
    if let Some(a) = attributes {
        for (dim, list) in &a.values {
            for e in list {
                attrs.push((dim.clone(), e.value.clone()));
                if dim == "colour" && colour.is_none() {
                    colour = Some(e.value.clone());
                }
                let chain = taxonomy.parent_chain(dim, &e.value);
                let chain_ids: Vec<String> = if chain.is_empty() {
                    std::iter::once(e.value.clone())
                        .chain(e.parents.iter().cloned())
                        .collect()
                } else {
                    chain.iter().map(|v| v.id.clone()).collect()
                };
                for id in chain_ids {
                    let token = format!("{dim}:{id}");
                    if !tokens.contains(&token) {
                        tokens.push(token);
                        let label = taxonomy
                            .value(dim, &id)
                            .map(|v| v.label.clone())
                            .unwrap_or_else(|| id.replace('_', " "));
                        words.push(label);
                    }
                }
            }
        }
        if let Some(family) = &a.colour_family {
            tokens.push(format!("colour_family:{family}"));
        }
        attrs.truncate(MAX_TOKENS);
        tokens.truncate(MAX_TOKENS);
        words.truncate(MAX_TOKENS);
        if let Some(title) = title {
            colour = title_colour(title, brand, taxonomy).or(colour);
        }
    }
    (attrs, colour, tokens, words.join(" "))
}

/// The colour phrases of a taxonomy (labels and synonyms, folded) with their colour ids.
type ColourPhrases = HashMap<String, String>;

/// The colour phrases of `taxonomy`, built once per taxonomy version: indexing asks for them
/// for every product.
fn colour_phrases(taxonomy: &Taxonomy) -> Arc<ColourPhrases> {
    static CACHE: Mutex<Option<(String, Arc<ColourPhrases>)>> = Mutex::new(None);
    let version = taxonomy.version();
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((v, phrases)) = cache.as_ref()
        && *v == version
    {
        return phrases.clone();
    }
    let mut phrases = ColourPhrases::new();
    for value in taxonomy.values("colour") {
        let names = std::iter::once(&value.label)
            .chain(&value.synonyms)
            .chain(&value.uk)
            .chain(&value.us);
        for name in names {
            let key = words_of(name).join(" ");
            if !key.is_empty() {
                phrases.entry(key).or_insert_with(|| value.id.clone());
            }
        }
    }
    let phrases = Arc::new(phrases);
    *cache = Some((version, phrases.clone()));
    phrases
}

/// The colour phrases a title names, in order: each the longest phrase at its first word
/// ("rust red" before "red"), skipping one right after a negation ("non", "no") and the
/// brand's own words ("Red Chief Men Black Casual Shoes" names black).
fn title_colours(
    title: &str,
    brand: Option<&str>,
    taxonomy: &Taxonomy,
) -> Vec<(String, Vec<String>)> {
    let phrases = colour_phrases(taxonomy);
    let words = words_of(title);
    let brand_words = brand.map(words_of).unwrap_or_default();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if !brand_words.is_empty() && words[i..].starts_with(&brand_words) {
            i += brand_words.len();
            continue;
        }
        let negated = i > 0 && matches!(words[i - 1].as_str(), "non" | "no" | "not" | "without");
        let found = (1..=3.min(words.len() - i))
            .rev()
            .find_map(|n| phrases.get(&words[i..i + n].join(" ")).map(|id| (n, id)));
        match found {
            Some((n, id)) => {
                if !negated {
                    out.push((id.clone(), words[i..i + n].to_vec()));
                }
                i += n;
            }
            None => i += 1,
        }
    }
    out
}

/// The colour the title names first, if it names one.
fn title_colour(title: &str, brand: Option<&str>, taxonomy: &Taxonomy) -> Option<String> {
    title_colours(title, brand, taxonomy)
        .into_iter()
        .next()
        .map(|(id, _)| id)
}

/// The colours a title names besides `main`, in order, without repeats.
pub(crate) fn other_title_colours(
    title: &str,
    brand: Option<&str>,
    main: Option<&str>,
    taxonomy: &Taxonomy,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (id, _) in title_colours(title, brand, taxonomy) {
        if Some(id.as_str()) != main && !out.contains(&id) {
            out.push(id);
        }
    }
    out.truncate(MAX_LIST);
    out
}

/// The words of the colour phrases a title names (not its brand's).
fn title_colour_words(title: &str, brand: Option<&str>, taxonomy: &Taxonomy) -> Vec<String> {
    title_colours(title, brand, taxonomy)
        .into_iter()
        .flat_map(|(_, words)| words)
        .collect()
}

/// The taxonomy's gender for a feed's gender field as ingest stores it (`female`, `male`,
/// `unisex`, or a word such as `girls`).
fn taxonomy_gender(stored: &str) -> Option<&'static str> {
    Some(match stored {
        "female" | "women" => "women",
        "male" | "men" => "men",
        "unisex" => "unisex",
        "girls" | "girl" => "girls",
        "boys" | "boy" => "boys",
        "kids" | "children" | "child" => "kids",
        _ => return None,
    })
}

/// Builds what the index holds about a product from the store, every text and list within
/// its bound (see [`bounds`]).
pub(crate) fn indexed_product(
    product: &StoredProduct,
    offers: &[Offer],
    taxonomy: &Taxonomy,
    rates: &RateTable,
    tiers: &Tiers,
    today: Date,
) -> Result<IndexedProduct> {
    let product = bounds::product(product);
    let offers = bounds::offers(offers);
    let (product, offers) = (product.as_ref(), offers.as_ref());
    let data = &product.data;
    let price = price_info(offers, rates, today)?;
    let tier = match &price {
        Some(p) => tiers.of(p.money, rates, p.seen)?.map(str::to_string),
        None => None,
    };
    let in_stock = offers
        .iter()
        .any(|o| o.in_latest_ingest && o.availability.is_buyable());
    let (mut attrs, colour, mut attr_tokens, attr_words) = attribute_parts(
        data.attributes.as_ref(),
        Some(&data.title),
        data.brand.as_deref(),
        taxonomy,
    );
    // The feed's gender field speaks when the text names none.
    if !attrs.iter().any(|(d, _)| d == "gender")
        && let Some(g) = data.gender.as_deref().and_then(taxonomy_gender)
    {
        attrs.push(("gender".into(), g.into()));
        for v in taxonomy.parent_chain("gender", g) {
            attr_tokens.push(format!("gender:{}", v.id));
        }
    }
    let other_colours = other_title_colours(
        &data.title,
        data.brand.as_deref(),
        colour.as_deref(),
        taxonomy,
    );
    let mut retailer_keys: Vec<String> = offers
        .iter()
        .map(|o| pointe_core::store::retailer_key(&o.retailer))
        .collect();
    retailer_keys.sort();
    retailer_keys.dedup();
    retailer_keys.truncate(MAX_OFFERS);
    let materials = data
        .attributes
        .as_ref()
        .map(|a| {
            a.ids("material")
                .iter()
                .take(MAX_LIST)
                .map(|s| s.to_string())
                .collect()
        })
        .unwrap_or_default();
    let mut indexed = IndexedProduct {
        key: product.key.max(0) as u64,
        display: Display {
            id: product.id.clone(),
            item_ids: offers
                .iter()
                .take(MAX_OFFERS)
                .map(|o| (o.source.clone(), o.retailer.clone(), o.item_id.clone()))
                .collect(),
            brand: data.brand.clone(),
            title: data.title.clone(),
            tier,
            in_stock,
        },
        features: Features {
            attrs,
            colour,
            words: title_words(&data.title, data.brand.as_deref()),
            other_colours,
            described: Vec::new(),
            brand_key: data.brand_key.clone(),
            price: price.map(|p| {
                (
                    p.money.minor,
                    p.money.currency.code().to_string(),
                    p.seen.to_string(),
                )
            }),
            listing: None,
        },
        description: data.description.clone().unwrap_or_default(),
        brand_key: data.brand_key.clone(),
        retailer_keys,
        price,
        attr_tokens,
        attr_words,
        category: data.attributes.as_ref().and_then(|a| a.category.clone()),
        colour_family: data
            .attributes
            .as_ref()
            .and_then(|a| a.colour_family.clone()),
        materials,
    };
    indexed.features.listing = crate::listing::key(&indexed);
    Ok(indexed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_words_fold_stem_and_drop_brand_and_stopwords() {
        assert_eq!(
            title_words("Leather Bow Ballet Pumps", Some("M&S")),
            ["leather", "bow", "ballet", "pump"]
        );
        assert_eq!(
            title_words("Miu Miu Logo-patch satin ballet flats", Some("Miu Miu")),
            ["logo", "patch", "satin", "ballet", "flat", "logo-patch"]
        );
        assert_eq!(title_words("Women's Dresses", None), ["dress"]);
        assert_eq!(
            title_words("Printed Accordion Pleated A-Line Skirts", None),
            ["printed", "accordion", "pleated", "line", "skirt", "a-line"]
        );
    }

    #[test]
    fn the_brands_own_words_name_no_colour() {
        let taxonomy = Taxonomy::bundled();
        let title = "Red Chief Men Black Casual Shoes";
        assert_eq!(title_colour(title, None, &taxonomy).as_deref(), Some("red"));
        assert_eq!(
            title_colour(title, Some("Red Chief"), &taxonomy).as_deref(),
            Some("black")
        );
        let others = other_title_colours(
            "Black Coffee Men Stripes White & Navy Shirt",
            Some("Black Coffee"),
            Some("white"),
            &taxonomy,
        );
        assert_eq!(others, ["navy"]);
    }
}
