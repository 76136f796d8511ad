//! How well a product embodies an aesthetic: its attributes against the aesthetic's weighted
//! signature.
//!
//! The fit is the sum of the weights of the signature entries the product has (through the
//! taxonomy's parents: a ballet-pink flat has "pink"), where the single-valued dimensions
//! (category, colour, heel, toe) count only their best-weighted match, so a ballet-pink product
//! is not counted three times for ballet pink, pale pink and pink. A product must match the
//! aesthetic's categories or at least two entries to fit at all.

use serde::Serialize;

use super::Aesthetic;
use crate::attributes::Attributes;

/// Dimensions a product has one value of: only the best-weighted match counts.
const SINGLE_VALUED: &[&str] = &["category", "colour", "heel", "toe"];

/// One signature entry a product matches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureMatch {
    /// The taxonomy dimension.
    pub dimension: String,
    /// The signature's value id.
    pub value: String,
    /// Its weight in the signature.
    pub weight: f64,
}

/// A product's fit to an aesthetic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// Sum of the counted weights.
    pub score: f64,
    /// The entries counted, heaviest first.
    pub matched: Vec<SignatureMatch>,
    /// Whether the product's category is one of the aesthetic's.
    pub category_match: bool,
}

/// The fit of a product with `attributes` to `aesthetic`; `None` when it does not fit (no
/// category of the aesthetic and fewer than two entries matched).
pub fn fit(aesthetic: &Aesthetic, attributes: &Attributes) -> Option<Fit> {
    let mut matched: Vec<SignatureMatch> = Vec::new();
    for entry in &aesthetic.signature {
        if !attributes.has(&entry.dimension, &entry.value) {
            continue;
        }
        let single = SINGLE_VALUED.contains(&entry.dimension.as_str());
        if single
            && let Some(existing) = matched.iter_mut().find(|m| m.dimension == entry.dimension)
        {
            if entry.weight > existing.weight {
                existing.value = entry.value.clone();
                existing.weight = entry.weight;
            }
            continue;
        }
        matched.push(SignatureMatch {
            dimension: entry.dimension.clone(),
            value: entry.value.clone(),
            weight: entry.weight,
        });
    }
    let category_match = matched.iter().any(|m| m.dimension == "category");
    if !category_match && matched.len() < 2 {
        return None;
    }
    matched.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    Some(Fit {
        score: matched.iter().map(|m| m.weight).sum(),
        matched,
        category_match,
    })
}
