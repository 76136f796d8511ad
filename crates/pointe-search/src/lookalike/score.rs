//! The exact score of a candidate, and, for the results only, what it shares with the hero,
//! how it differs and what it does not say.

use std::collections::BTreeMap;

use pointe_core::attributes::Taxonomy;
use serde::Serialize;

use super::values::{HeroValue, all_colours, candidate_values, credit, label, same_category};
use super::{Difference, Unstated};
use crate::config::{LookalikeConfig, SCORED_DIMENSIONS};
use crate::features::Features;

/// Dimensions whose values a product has or lacks (a bow, a patent finish): a hero value the
/// candidate lacks is a difference, and one the candidate adds may be too. In the others a
/// candidate that states nothing may well match.
fn additive(dim: &str) -> bool {
    matches!(dim, "detail" | "finish")
}

/// A candidate's values by dimension.
fn by_dimension(cand: &Features) -> BTreeMap<&'static str, Vec<&str>> {
    SCORED_DIMENSIONS
        .iter()
        .map(|dim| (*dim, candidate_values(cand, dim)))
        .collect()
}

/// A candidate's score against the hero's values and weighted words, 0 to 1, and whether it
/// is of the hero's category (every candidate that is ranks above every one that is not).
#[derive(Debug, Clone, Copy)]
pub(super) struct Scored {
    pub score: f32,
    pub same_category: bool,
}

/// Scores `cand` against the hero: weighted attribute similarity with partial credit through
/// the taxonomy (part of it for a value the candidate leaves unstated), less a penalty per
/// detail the hero lacks, mixed with title text similarity, scaled by the category credit and
/// by the market factor.
pub(super) fn score(
    hero: &[HeroValue],
    hero_words: &[(String, f32)],
    cand: &Features,
    taxonomy: &Taxonomy,
    config: &LookalikeConfig,
) -> Scored {
    let values = by_dimension(cand);
    let (mut earned, mut possible) = (0.0f32, 0.0f32);
    let (mut category, mut market, mut same) = (1.0f32, 1.0f32, true);
    for hv in hero {
        possible += hv.weight;
        if hv.second {
            earned += hv.weight * credit(hv, &all_colours(cand), taxonomy).value;
            continue;
        }
        let cands = &values[hv.dim];
        let c = credit(hv, cands, taxonomy).value;
        let other = other_colour_credit(hv, cand, c, taxonomy, config);
        if other > c {
            earned += hv.weight * other;
            continue;
        }
        let unstated = cands.is_empty() && !additive(hv.dim) && hv.dim != "category";
        earned += hv.weight * if unstated { config.unstated } else { c };
        if hv.dim == "category" {
            category = category.min(c);
            same &= same_category(hv, cands, taxonomy);
        }
        if hv.dim == "gender" && other_market(hv, cands, c) {
            market = config.other_market;
        }
    }
    let extras = extra_details(hero, &values["detail"], taxonomy).len();
    let attr = if possible > 0.0 {
        (earned / possible - config.extra_detail_penalty * extras as f32).max(0.0)
    } else {
        0.0
    };
    let tw = if possible > 0.0 {
        config.text_weight
    } else {
        1.0
    };
    let text = text_similarity(hero_words, cand);
    Scored {
        score: ((1.0 - tw) * attr + tw * text) * category.powf(config.category_gate) * market,
        same_category: same,
    }
}

/// A colour the candidate's title names after its main one ("Off-White & Mustard Yellow" for
/// a mustard hero) earns part of the colour credit.
fn other_colour_credit(
    hv: &HeroValue,
    cand: &Features,
    credit_now: f32,
    taxonomy: &Taxonomy,
    config: &LookalikeConfig,
) -> f32 {
    if hv.dim != "colour" || credit_now >= 1.0 || config.other_colour <= 0.0 {
        return 0.0;
    }
    let others: Vec<&str> = cand.other_colours.iter().map(String::as_str).collect();
    credit(hv, &others, taxonomy).value * config.other_colour
}

/// Both state a gender and none of the candidate's meets the hero's (unisex meets all).
fn other_market(hv: &HeroValue, cands: &[&str], credit: f32) -> bool {
    credit <= 0.0 && !cands.is_empty() && hv.value != "unisex" && !cands.contains(&"unisex")
}

/// The candidate's details that no hero detail is, or is a kind of.
fn extra_details<'a>(hero: &[HeroValue], details: &[&'a str], taxonomy: &Taxonomy) -> Vec<&'a str> {
    details
        .iter()
        .copied()
        .filter(|c| {
            !hero.iter().any(|h| {
                h.dim == "detail"
                    && (taxonomy.is_a("detail", c, &h.value)
                        || taxonomy.is_a("detail", &h.value, c))
            })
        })
        .collect()
}

/// The share of the hero's weighted words the candidate's title has.
fn text_similarity(hero_words: &[(String, f32)], cand: &Features) -> f32 {
    let total: f32 = hero_words.iter().map(|(_, w)| w).sum();
    if total <= 0.0 {
        return 0.0;
    }
    hero_words
        .iter()
        .filter(|(w, _)| cand.words.contains(w))
        .map(|(_, w)| w)
        .sum::<f32>()
        / total
}

/// What a result shares with the hero, how it differs, and what it leaves unstated.
#[derive(Debug, Clone, Default, Serialize)]
pub(super) struct Explanation {
    pub shared: Vec<String>,
    pub differences: Vec<Difference>,
    pub unstated: Vec<Unstated>,
}

/// Explains a result: every hero value it matches is shared (a partial match shares the common
/// ancestor, and a different value of it reads "blush instead of pale pink"); a hero value it
/// contradicts is a difference; one it does not state is unstated, never a difference; each
/// detail it adds that the hero lacks reads "adds buckle", unless already said.
pub(super) fn explain(
    hero: &[HeroValue],
    cand: &Features,
    taxonomy: &Taxonomy,
    config: &LookalikeConfig,
) -> Explanation {
    let values = by_dimension(cand);
    let mut out = Explanation::default();
    for hv in hero {
        if hv.second {
            // A second colour is shared when matched, and not said otherwise: the main
            // colour's difference already reads "white instead of red".
            let c = credit(hv, &all_colours(cand), taxonomy);
            if c.value > 0.0 {
                out.shared.push(match c.ancestor {
                    Some(a) if !c.shared => label(taxonomy, hv.dim, &a),
                    _ => hv.label.clone(),
                });
            }
            continue;
        }
        let cands = &values[hv.dim];
        let c = credit(hv, cands, taxonomy);
        if other_colour_credit(hv, cand, c.value, taxonomy, config) > c.value {
            let others: Vec<&str> = cand.other_colours.iter().map(String::as_str).collect();
            let oc = credit(hv, &others, taxonomy);
            out.shared.push(match oc.ancestor {
                Some(a) => label(taxonomy, hv.dim, &a),
                None => hv.label.clone(),
            });
            continue;
        }
        explain_value(hv, cands, &c, hero, taxonomy, &mut out);
    }
    for extra in extra_details(hero, &values["detail"], taxonomy) {
        let l = label(taxonomy, "detail", extra);
        let said = out
            .differences
            .iter()
            .any(|d| d.candidate.as_deref() == Some(l.as_str()));
        if !said {
            out.differences
                .push(Difference::new("detail", None, Some(l)));
        }
    }
    dedup(&mut out.shared);
    out
}

fn explain_value(
    hv: &HeroValue,
    cands: &[&str],
    c: &super::values::Credit<'_>,
    hero: &[HeroValue],
    taxonomy: &Taxonomy,
    out: &mut Explanation,
) {
    if c.shared {
        out.shared.push(hv.label.clone());
        return;
    }
    if c.sibling {
        // A sibling reads "kurti instead of kurta": never shared, never "adds".
        if let Some(m) = c.matched {
            out.differences.push(Difference::new(
                hv.dim,
                Some(hv.label.clone()),
                Some(label(taxonomy, hv.dim, m)),
            ));
        }
        return;
    }
    if c.value > 0.0 {
        let ancestor = c.ancestor.clone().unwrap_or_default();
        out.shared.push(label(taxonomy, hv.dim, &ancestor));
        // A sibling (blush for pale pink, a kurti for a kurta) is a difference; a broader
        // value (flats for ballet flats) is not said otherwise.
        if let Some(m) = c.matched
            && m != ancestor
        {
            let m = label(taxonomy, hv.dim, m);
            out.differences
                .push(Difference::new(hv.dim, Some(hv.label.clone()), Some(m)));
        }
        return;
    }
    if cands.is_empty() && !additive(hv.dim) {
        out.unstated.push(Unstated {
            dimension: hv.dim.to_string(),
            hero: hv.label.clone(),
        });
        return;
    }
    // A value of the candidate's that is not one of the hero's own (any dimension but the
    // additive ones): "leather instead of satin".
    let other = cands.iter().find(|v| {
        !hero
            .iter()
            .any(|h| h.dim == hv.dim && (h.value == **v || taxonomy.is_a(hv.dim, v, &h.value)))
    });
    match other {
        Some(o) if !additive(hv.dim) => {
            let o = label(taxonomy, hv.dim, o);
            out.differences
                .push(Difference::new(hv.dim, Some(hv.label.clone()), Some(o)));
        }
        // Another of the hero's own values in this dimension stands in: nothing to say.
        None if !additive(hv.dim) => {}
        _ => out
            .differences
            .push(Difference::new(hv.dim, Some(hv.label.clone()), None)),
    }
}

fn dedup(list: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    list.retain(|x| seen.insert(x.clone()));
}
