//! The hero's values the scorer compares, and how a candidate's values earn their credit.

use pointe_core::attributes::Taxonomy;

use crate::config::{LookalikeConfig, SCORED_DIMENSIONS};
use crate::features::Features;

/// One of the hero's values the scorer compares.
#[derive(Debug, Clone)]
pub(super) struct HeroValue {
    pub dim: &'static str,
    pub value: String,
    pub label: String,
    /// The value and its ancestors, nearest first.
    pub chain: Vec<String>,
    pub weight: f32,
    pub partial: f32,
    /// The credit of a sibling value.
    pub sibling: f32,
    /// The credit of a narrower value (1 but for the category).
    pub narrower: f32,
    /// The hero's second colour (navy in "Red & Navy Checked Shirt"): any colour the
    /// candidate's title names may match it.
    pub second: bool,
}

/// The label people read for a value (its id, spaced, when the taxonomy lacks it).
pub(super) fn label(taxonomy: &Taxonomy, dim: &str, id: &str) -> String {
    taxonomy
        .value(dim, id)
        .map(|v| v.label.clone())
        .unwrap_or_else(|| id.replace('_', " "))
}

fn chain(taxonomy: &Taxonomy, dim: &str, id: &str) -> Vec<String> {
    let c: Vec<String> = taxonomy
        .parent_chain(dim, id)
        .iter()
        .map(|v| v.id.clone())
        .collect();
    if c.is_empty() {
        vec![id.to_string()]
    } else {
        c
    }
}

/// The values of `features` the scorer compares: every value of the scored dimensions, the
/// main colour only. Without a configuration every dimension weighs 1.
pub(super) fn hero_values(
    features: &Features,
    taxonomy: &Taxonomy,
    config: Option<&LookalikeConfig>,
) -> Vec<HeroValue> {
    let mut out = Vec::new();
    for dim in SCORED_DIMENSIONS {
        let (weight, partial, sibling) = match config {
            Some(c) => (c.weight(dim).weight, c.weight(dim).partial, c.sibling),
            None => (1.0, 0.5, 0.8),
        };
        let narrower = match config {
            Some(c) if dim == "category" => c.narrower_category,
            _ => 1.0,
        };
        if weight <= 0.0 {
            continue;
        }
        for value in candidate_values(features, dim) {
            let described = features
                .described
                .iter()
                .any(|(d, v)| d == dim && v == value);
            let weight = match config {
                Some(c) if described => weight * c.described_only,
                _ => weight,
            };
            out.push(HeroValue {
                dim,
                value: value.to_string(),
                label: label(taxonomy, dim, value),
                chain: chain(taxonomy, dim, value),
                weight,
                partial,
                sibling,
                narrower,
                second: false,
            });
        }
    }
    if let Some(c) = config
        && let Some(second) = second_colour(features)
        && c.second_colour > 0.0
    {
        let colour = c.weight("colour");
        out.push(HeroValue {
            dim: "colour",
            value: second.to_string(),
            label: label(taxonomy, "colour", second),
            chain: chain(taxonomy, "colour", second),
            weight: c.second_colour,
            partial: colour.partial,
            sibling: c.sibling,
            narrower: 1.0,
            second: true,
        });
    }
    out
}

/// The hero's second colour: the first its title names after the main one.
fn second_colour(features: &Features) -> Option<&str> {
    features.other_colours.first().map(String::as_str)
}

/// Every colour a candidate's title names, the main one first.
pub(super) fn all_colours(features: &Features) -> Vec<&str> {
    features
        .colour
        .as_deref()
        .into_iter()
        .chain(features.other_colours.iter().map(String::as_str))
        .collect()
}

/// A product's values in one dimension (its main colour only for colour).
pub(super) fn candidate_values<'a>(features: &'a Features, dim: &str) -> Vec<&'a str> {
    if dim == "colour" {
        return features.colour.as_deref().into_iter().collect();
    }
    features
        .attrs
        .iter()
        .filter(|(d, _)| d == dim)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// How one of the hero's values is matched by a candidate's values of its dimension.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Credit<'c> {
    /// 1 for the value (the hero's `narrower` for a narrower one), `partial` per taxonomy step
    /// to a common ancestor.
    pub value: f32,
    /// The candidate value that earned it.
    pub matched: Option<&'c str>,
    /// The common ancestor, when the credit is partial.
    pub ancestor: Option<String>,
    /// Whether the candidate value is a sibling the taxonomy declares (a kurti for a kurta).
    pub sibling: bool,
    /// Whether it is the hero's value or a narrower one: shared, whatever its credit.
    pub shared: bool,
}

/// The best credit any of `cand` earns for `hv`.
pub(super) fn credit<'c>(hv: &HeroValue, cand: &[&'c str], taxonomy: &Taxonomy) -> Credit<'c> {
    let mut best = Credit {
        value: 0.0,
        matched: None,
        ancestor: None,
        sibling: false,
        shared: false,
    };
    for &c in cand {
        let c_chain = taxonomy.parent_chain(hv.dim, c);
        if c == hv.value {
            return Credit {
                value: 1.0,
                matched: Some(c),
                ancestor: None,
                sibling: false,
                shared: true,
            };
        }
        if c_chain.iter().any(|v| v.id == hv.value) {
            if hv.narrower > best.value {
                best = Credit {
                    value: hv.narrower,
                    matched: Some(c),
                    ancestor: None,
                    sibling: false,
                    shared: true,
                };
            }
            continue;
        }
        if hv.sibling > best.value && taxonomy.are_siblings(hv.dim, &hv.value, c) {
            best = Credit {
                value: hv.sibling,
                matched: Some(c),
                ancestor: None,
                sibling: true,
                shared: false,
            };
            continue;
        }
        // Steps from each value up to the nearest common ancestor: a flat is one step from a
        // ballet flat; a boot and a loafer are one step each from "shoes", two in all.
        let Some(hops) = hv
            .chain
            .iter()
            .skip(1)
            .position(|a| c_chain.iter().any(|v| v.id == *a))
            .map(|i| i + 1)
        else {
            continue;
        };
        let up = c_chain
            .iter()
            .position(|v| v.id == hv.chain[hops])
            .unwrap_or(0);
        let value = hv.partial.powi((hops + up) as i32);
        if value > best.value {
            best = Credit {
                value,
                matched: Some(c),
                ancestor: Some(hv.chain[hops].clone()),
                sibling: false,
                shared: false,
            };
        }
    }
    best
}

/// Whether a candidate of categories `cand` is of the hero's category `hero` for ranking:
/// the same value, a narrower one, the hero's parent when that is not a root ("flats" for
/// ballet flats, not "shoes"), or a sibling the taxonomy names. Everything else ranks below.
pub(super) fn same_category(hero: &HeroValue, cand: &[&str], taxonomy: &Taxonomy) -> bool {
    cand.iter().any(|&c| {
        c == hero.value
            || taxonomy.is_a("category", c, &hero.value)
            || (hero.chain.len() > 2 && hero.chain.get(1).is_some_and(|p| p == c))
            || taxonomy.are_siblings("category", &hero.value, c)
    })
}
