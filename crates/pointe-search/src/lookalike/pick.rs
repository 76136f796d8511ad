//! Picking the results from the scored candidates: the hero's category first, then by score,
//! each earlier result of the same brand lowering the next (MMR-style diversity), and one
//! listing per product (a retailer's duplicate listings fold into the first).

use std::collections::HashMap;

use pointe_core::catalog::MoneyView;
use pointe_core::money::Money;
use tantivy::DocAddress;

use super::score::Scored;
use crate::features::Features;

/// A candidate after scoring and the price tests.
pub(super) struct Candidate {
    pub addr: DocAddress,
    pub features: Features,
    pub scored: Scored,
    /// Price in the output currency.
    pub price: Option<Money>,
    pub price_view: Option<MoneyView>,
}

/// A picked result: the candidate, the score that ordered it (its own, less what diversity
/// took off), and the documents of the duplicate listings folded into it.
pub(super) struct Picked {
    pub candidate: Candidate,
    pub shown_score: f32,
    pub duplicates: Vec<DocAddress>,
}

/// How picking treats brands.
#[derive(Debug, Clone, Copy)]
pub(super) struct Diversity {
    /// Taken off a candidate's score for each result of its brand already picked.
    pub repeat_penalty: f32,
    /// At most this many results per brand.
    pub per_brand: Option<usize>,
}

/// Orders candidates best first: the hero's category (or a sibling) before any other, then
/// by score, then cheaper first, then by document.
pub(super) fn sort(candidates: &mut [Candidate]) {
    candidates.sort_by(|a, b| {
        b.scored
            .same_category
            .cmp(&a.scored.same_category)
            .then(b.scored.score.total_cmp(&a.scored.score))
            .then(price_key(a).cmp(&price_key(b)))
            .then(a.addr.cmp(&b.addr))
    });
}

fn price_key(c: &Candidate) -> i64 {
    c.price.map(|p| p.minor).unwrap_or(i64::MAX)
}

/// Picks up to `limit` results from sorted `candidates`.
pub(super) fn pick(mut candidates: Vec<Candidate>, limit: usize, d: Diversity) -> Vec<Picked> {
    let mut picked: Vec<Picked> = Vec::new();
    let mut per_brand: HashMap<String, usize> = HashMap::new();
    let brand_of = |c: &Candidate| {
        c.features
            .brand_key
            .clone()
            .unwrap_or_else(|| format!("(no brand {:?})", c.addr))
    };
    while picked.len() < limit && !candidates.is_empty() {
        let mut best: Option<(usize, bool, f32)> = None;
        for (i, c) in candidates.iter().enumerate() {
            let seen = per_brand.get(&brand_of(c)).copied().unwrap_or(0);
            if d.per_brand.is_some_and(|cap| seen >= cap) {
                continue;
            }
            let adjusted = c.scored.score - d.repeat_penalty * seen as f32;
            let key = (c.scored.same_category, adjusted);
            if best.is_none_or(|(_, s, a)| (key.0, key.1) > (s, a)) {
                best = Some((i, key.0, adjusted));
            }
        }
        let Some((i, _, shown)) = best else { break };
        let c = candidates.remove(i);
        let duplicates = take_duplicates(&mut candidates, &c);
        *per_brand.entry(brand_of(&c)).or_insert(0) += 1;
        picked.push(Picked {
            candidate: c,
            shown_score: shown.max(0.0),
            duplicates,
        });
    }
    picked
}

/// Removes from `candidates` the other listings of `kept`'s product
/// ([`crate::listing::same_product`]); returns their documents.
fn take_duplicates(candidates: &mut Vec<Candidate>, kept: &Candidate) -> Vec<DocAddress> {
    let mut out = Vec::new();
    candidates.retain(|c| {
        let same = crate::listing::same_product(&kept.features, &c.features);
        if same {
            out.push(c.addr);
        }
        !same
    });
    out
}
