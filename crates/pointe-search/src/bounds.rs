//! Bounds on what the index keeps of a product, so that any row the store holds can be
//! indexed and read back.
//!
//! The store keeps what feeds gave it, and a store written by an older Pointe may hold a
//! title of one 70,000-character word or a description of megabytes. tantivy silently cuts a
//! fast-field value at 65,535 bytes (the scorer's features would then no longer parse) and
//! drops a term longer than that, so every text, word and list the index derives from a
//! product is bounded here, at index time, whatever bounds feeds were read with. What exceeds a
//! bound is cut on a character boundary; a list keeps its first entries.

use std::borrow::Cow;

use pointe_core::attributes::{Attributes, Evidence, Extracted};
use pointe_core::domain::Offer;
use pointe_core::store::StoredProduct;

use crate::features::Features;
use crate::{Error, Result};

/// The longest word the index keeps, in bytes. The text fields' tokenizer drops longer words
/// (no word of a real title is this long), and the scorer's title words are cut to it.
pub const MAX_WORD_BYTES: usize = 40;

/// The longest title indexed, in bytes (Merchant Center caps a title at 150 characters).
pub const MAX_TITLE_BYTES: usize = 1_000;

/// The longest description indexed, in bytes (Merchant Center caps one at 5,000 characters).
pub const MAX_DESCRIPTION_BYTES: usize = 20_000;

/// The longest name indexed, in bytes: a brand, retailer, source, item id, Pointe id, or a
/// taxonomy id or label.
pub const MAX_NAME_BYTES: usize = 200;

/// The most entries of a list the index keeps: title words, attribute values of a dimension,
/// dimensions, ancestors, evidence, colours, materials.
pub const MAX_LIST: usize = 64;

/// The most attribute tokens (with their pair tokens) of one product.
pub const MAX_TOKENS: usize = 512;

/// The most offers a product's document names (item ids, retailers). Its lowest price still
/// reads every offer.
pub const MAX_OFFERS: usize = 100;

/// The largest features value of one product, in bytes: well under tantivy's 65,535-byte
/// limit on a fast-field value.
pub const MAX_FEATURES_BYTES: usize = 48 * 1024;

/// `text` cut to at most `max` bytes, on a character boundary.
pub fn cut(text: &str, max: usize) -> &str {
    &text[..text.floor_char_boundary(max)]
}

/// Cuts `text` in place to at most `max` bytes, on a character boundary.
fn cut_string(text: &mut String, max: usize) {
    let end = text.floor_char_boundary(max);
    text.truncate(end);
}

fn cut_option(text: &mut Option<String>, max: usize) {
    if let Some(t) = text {
        cut_string(t, max);
    }
}

/// The product with every text and list the index reads within its bound; borrowed when it
/// already is.
pub(crate) fn product(p: &StoredProduct) -> Cow<'_, StoredProduct> {
    if product_within(p) {
        return Cow::Borrowed(p);
    }
    let mut p = p.clone();
    let d = &mut p.data;
    cut_string(&mut p.id, MAX_NAME_BYTES);
    cut_string(&mut d.title, MAX_TITLE_BYTES);
    cut_option(&mut d.description, MAX_DESCRIPTION_BYTES);
    cut_option(&mut d.brand, MAX_NAME_BYTES);
    cut_option(&mut d.brand_key, MAX_NAME_BYTES);
    if let Some(a) = &mut d.attributes {
        bound_attributes(a);
    }
    Cow::Owned(p)
}

fn product_within(p: &StoredProduct) -> bool {
    let d = &p.data;
    let name = |s: &Option<String>| s.as_ref().is_none_or(|s| s.len() <= MAX_NAME_BYTES);
    p.id.len() <= MAX_NAME_BYTES
        && d.title.len() <= MAX_TITLE_BYTES
        && d.description
            .as_ref()
            .is_none_or(|s| s.len() <= MAX_DESCRIPTION_BYTES)
        && name(&d.brand)
        && name(&d.brand_key)
        && d.attributes.as_ref().is_none_or(attributes_within)
}

fn attributes_within(a: &Attributes) -> bool {
    let name = |s: &str| s.len() <= MAX_NAME_BYTES;
    a.category.as_deref().is_none_or(name)
        && a.colour_family.as_deref().is_none_or(name)
        && name(&a.taxonomy_version)
        && a.values.len() <= MAX_LIST
        && a.values.iter().all(|(dim, list)| {
            name(dim) && list.len() <= MAX_LIST && list.iter().all(extracted_within)
        })
}

fn extracted_within(e: &Extracted) -> bool {
    let name = |s: &String| s.len() <= MAX_NAME_BYTES;
    name(&e.value)
        && name(&e.label)
        && e.parents.len() <= MAX_LIST
        && e.parents.iter().all(name)
        && e.evidence.len() <= MAX_LIST
        && e.evidence
            .iter()
            .all(|ev| name(&ev.field) && ev.matched.len() <= MAX_TITLE_BYTES)
}

fn bound_attributes(a: &mut Attributes) {
    cut_option(&mut a.category, MAX_NAME_BYTES);
    cut_option(&mut a.colour_family, MAX_NAME_BYTES);
    cut_string(&mut a.taxonomy_version, MAX_NAME_BYTES);
    let values = std::mem::take(&mut a.values);
    for (mut dim, mut list) in values.into_iter().take(MAX_LIST) {
        cut_string(&mut dim, MAX_NAME_BYTES);
        list.truncate(MAX_LIST);
        list.iter_mut().for_each(bound_extracted);
        a.values.entry(dim).or_default().extend(list);
    }
}

fn bound_extracted(e: &mut Extracted) {
    cut_string(&mut e.value, MAX_NAME_BYTES);
    cut_string(&mut e.label, MAX_NAME_BYTES);
    e.parents.truncate(MAX_LIST);
    for p in &mut e.parents {
        cut_string(p, MAX_NAME_BYTES);
    }
    e.evidence.truncate(MAX_LIST);
    for Evidence { field, matched } in &mut e.evidence {
        cut_string(field, MAX_NAME_BYTES);
        cut_string(matched, MAX_TITLE_BYTES);
    }
}

/// The offers with the names the index reads (source, retailer, item id) within their bound;
/// borrowed when they already are. Every offer is kept: the lowest price reads them all.
pub(crate) fn offers(offers: &[Offer]) -> Cow<'_, [Offer]> {
    let within = |o: &Offer| {
        o.source.len() <= MAX_NAME_BYTES
            && o.retailer.len() <= MAX_NAME_BYTES
            && o.item_id.len() <= MAX_NAME_BYTES
    };
    if offers.iter().all(within) {
        return Cow::Borrowed(offers);
    }
    let mut owned = offers.to_vec();
    for o in &mut owned {
        cut_string(&mut o.source, MAX_NAME_BYTES);
        cut_string(&mut o.retailer, MAX_NAME_BYTES);
        cut_string(&mut o.item_id, MAX_NAME_BYTES);
    }
    Cow::Owned(owned)
}

/// Each word cut to [`MAX_WORD_BYTES`], at most [`MAX_LIST`] of them, repeats dropped.
pub(crate) fn words(words: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len().min(MAX_LIST));
    for mut w in words {
        if out.len() == MAX_LIST {
            break;
        }
        cut_string(&mut w, MAX_WORD_BYTES);
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The features encoded as the index keeps them, within [`MAX_FEATURES_BYTES`]: lists are
/// shortened until the encoding fits (the bounds above make that rare: it takes thousands of
/// escaped characters).
pub(crate) fn features_json(features: &Features) -> Result<String> {
    let mut features = Cow::Borrowed(features);
    loop {
        let json = serde_json::to_string(&*features)
            .map_err(|e| Error::Usage(format!("features: {e}")))?;
        if json.len() <= MAX_FEATURES_BYTES {
            return Ok(json);
        }
        if !features.to_mut().shrink() {
            return Err(Error::Usage(format!(
                "features: {} bytes with every list empty (at most {MAX_FEATURES_BYTES})",
                json.len()
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_keeps_whole_characters() {
        assert_eq!(cut("ballet", 3), "bal");
        assert_eq!(cut("née", 2), "n");
        assert_eq!(cut("née", 3), "né");
        assert_eq!(cut("flats", 40), "flats");
    }

    #[test]
    fn words_are_cut_capped_and_kept_once() {
        let long = "é".repeat(70_000);
        let out = words(vec![long.clone(), long, "bow".into()]);
        assert_eq!(out, ["é".repeat(MAX_WORD_BYTES / 2), "bow".to_string()]);
        let many: Vec<String> = (0..1_000).map(|i| format!("w{i}")).collect();
        assert_eq!(words(many).len(), MAX_LIST);
    }

    #[test]
    fn features_of_thousands_of_escaped_words_fit_the_fast_field() {
        let word = "\u{1}".repeat(MAX_WORD_BYTES);
        let features = Features {
            attrs: (0..10_000)
                .map(|i| (format!("detail{i}"), word.clone()))
                .collect(),
            colour: Some("pink".into()),
            words: vec![word.clone(); 10_000],
            other_colours: Vec::new(),
            described: Vec::new(),
            brand_key: None,
            price: None,
            listing: None,
        };
        let json = features_json(&features).unwrap();
        assert!(json.len() <= MAX_FEATURES_BYTES, "{}", json.len());
        let back: Features = serde_json::from_str(&json).unwrap();
        assert_eq!(back.colour.as_deref(), Some("pink"));
        assert!(!back.words.is_empty() && !back.attrs.is_empty());
    }
}
