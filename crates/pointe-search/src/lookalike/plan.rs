//! What a look-alike search asks the index for: the filters and the weighted terms of each
//! candidate pass (the hero's own category first, broader ones while too few).

use tantivy::Term;

use super::values::HeroValue;
use crate::candidates::{CandidateFilter, WeightedTerm};
use crate::index::{Fields, pair_token};

/// The weighted terms of one candidate pass and its filter.
pub(super) type Pass = (Vec<WeightedTerm>, CandidateFilter);

/// How the candidate score weighs the hero: the text share, the attribute weights' sum, and
/// the hero's title-word terms with their weights.
pub(super) struct Weights<'a> {
    pub text_weight: f32,
    pub possible: f32,
    pub word_terms: &'a [(Term, f32)],
}

impl Weights<'_> {
    /// Each hero value's weight spread over the levels of its taxonomy chain: a product with a
    /// value has its ancestors' tokens too, so the levels it has add up to the credit of the
    /// nearest.
    fn levels(&self, hv: &HeroValue) -> Vec<(String, f32)> {
        let n = hv.chain.len();
        hv.chain
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let here = hv.partial.powi(i as i32);
                let above = if i + 1 < n {
                    hv.partial.powi(i as i32 + 1)
                } else {
                    0.0
                };
                (
                    format!("{}:{id}", hv.dim),
                    (1.0 - self.text_weight) * hv.weight * (here - above) / self.possible,
                )
            })
            .collect()
    }

    /// The hero's title words, by rarity; `driver` when they may propose candidates alone.
    fn words(&self, driver: bool) -> Vec<WeightedTerm> {
        let total: f32 = self.word_terms.iter().map(|(_, w)| w).sum();
        if total <= 0.0 {
            return Vec::new();
        }
        self.word_terms
            .iter()
            .map(|(term, w)| WeightedTerm {
                term: term.clone(),
                weight: self.text_weight * w / total,
                driver,
            })
            .collect()
    }
}

/// The candidate passes: without a category, one pass over every product by the hero's values
/// and words; with one, a pass per level of its category chain, each driven by the pair tokens
/// of that level and leaving out the level before.
pub(super) fn passes(
    values: &[HeroValue],
    weights: &Weights<'_>,
    filter: &CandidateFilter,
    fields: &Fields,
) -> Vec<Pass> {
    let attr_term = |token: &str| Term::from_field_text(fields.attrs, token);
    let levels: Vec<String> = values
        .iter()
        .find(|v| v.dim == "category")
        .map(|v| v.chain.clone())
        .unwrap_or_default();
    if levels.is_empty() {
        let mut terms = weights.words(true);
        for hv in values {
            for (token, weight) in weights.levels(hv) {
                terms.push(WeightedTerm {
                    term: attr_term(&token),
                    weight,
                    driver: true,
                });
            }
        }
        return vec![(terms, filter.clone())];
    }
    let mut out = Vec::with_capacity(levels.len());
    for (i, level) in levels.iter().enumerate() {
        let mut terms = weights.words(false);
        terms.push(WeightedTerm {
            term: attr_term(&format!("category:{level}")),
            weight: 0.0,
            driver: true,
        });
        for hv in values.iter().filter(|v| v.dim != "category") {
            for (token, weight) in weights.levels(hv) {
                terms.push(WeightedTerm {
                    term: attr_term(&pair_token(level, &token)),
                    weight,
                    driver: true,
                });
            }
        }
        let mut filter = filter.clone();
        if i > 0 {
            filter.exclude_term = Some(attr_term(&format!("category:{}", levels[i - 1])));
        }
        out.push((terms, filter));
    }
    out
}
