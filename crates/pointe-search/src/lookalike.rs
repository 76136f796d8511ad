//! Look-alikes: the products that look most like a hero, with why each is alike, how it
//! differs and what it saves.
//!
//! A look-alike search runs in three steps:
//!
//! 1. **Candidates.** One pass per level of the hero's category (its own category first,
//!    then each broader one while fewer than `candidates` products were found): the products
//!    of that level scoring best by the hero's values (through the index's pair tokens,
//!    `ballet_flats|material:satin`, weighed as the scorer weighs them) and its title words,
//!    found by MaxScore pruning without visiting the whole category
//!    ([`crate::candidates`]); the price, tier and stock filters apply here.
//! 2. **Scoring.** Each candidate is scored exactly ([`LookalikeConfig`]): weighted attribute
//!    similarity with partial credit through the taxonomy's parents (some for a value the
//!    candidate does not state, less for a hero value only its description states), less a
//!    small penalty for details the hero lacks, mixed with title text similarity (the hero's
//!    words its attributes do not state, weighed by rarity), the whole scaled by the category
//!    credit. The same pass writes what the two share and how they differ.
//! 3. **Picking.** Results are taken best first, each earlier result of the same brand
//!    lowering the next (MMR-style diversity), with at most `per_brand` per brand.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use pointe_core::attributes::{Attributes, Extractor, Market, ProductText, Taxonomy};
use pointe_core::catalog::{ItemId, MoneyView};
use pointe_core::domain::Offer;
use pointe_core::money::{Currency, Money};
use pointe_core::store::StoredProduct;
use serde::{Serialize, Serializer};
use tantivy::{DocAddress, Term};

use crate::candidates::{CandidateFilter, WeightedTerm, top_candidates};
use crate::config::{LookalikeConfig, SCORED_DIMENSIONS};
use crate::features::{
    Features, attribute_parts, described_only, gbp, hero_words, indexed_product,
};
use crate::index::{IndexContext, SearchIndex, pair_token};
use crate::search::{FeatureReader, to_gbp_minor, try_to_gbp_minor};
use crate::{Error, Result};

/// The product (or text) whose look-alikes are wanted.
#[derive(Debug, Clone)]
pub struct Hero {
    /// Pointe's id, for a catalog product.
    pub id: Option<String>,
    /// Its feed item ids.
    pub item_ids: Vec<ItemId>,
    /// Brand.
    pub brand: Option<String>,
    /// Title, or the free text.
    pub title: String,
    /// Its lowest current price and the day it was seen, for a catalog product with offers.
    pub price: Option<(Money, Date)>,
    /// Its price tier.
    pub tier: Option<String>,
    /// Its attributes, as extracted.
    pub attributes: Option<Attributes>,
    features: Features,
}

impl Hero {
    /// A hero from a catalog product and its offers.
    pub fn from_product(
        product: &StoredProduct,
        offers: &[Offer],
        ctx: &IndexContext,
    ) -> Result<Hero> {
        let p = indexed_product(
            product,
            offers,
            &ctx.taxonomy,
            &ctx.rates,
            &ctx.tiers,
            ctx.today,
        )?;
        let mut features = p.features;
        features.words = hero_words(
            &product.data.title,
            product.data.brand.as_deref(),
            product.data.attributes.as_ref(),
            &ctx.taxonomy,
        );
        features.described = described_only(product.data.attributes.as_ref());
        Ok(Hero {
            id: Some(product.id.clone()),
            item_ids: p.display.item_ids(),
            brand: product.data.brand.clone(),
            title: product.data.title.clone(),
            price: p.price.map(|pi| (pi.money, pi.seen)),
            tier: p.display.tier.clone(),
            attributes: product.data.attributes.clone(),
            features,
        })
    }

    /// A hero described in words ("satin ballet flats with a bow"): its attributes are
    /// extracted from the text (British English); it has no price.
    pub fn from_text(text: &str, extractor: &Extractor, taxonomy: &Taxonomy) -> Hero {
        let attributes = extractor.extract(&ProductText::new(text, Market::Uk));
        let (attrs, colour, _, _) = attribute_parts(Some(&attributes), Some(text), taxonomy);
        Hero {
            id: None,
            item_ids: Vec::new(),
            brand: None,
            title: text.to_string(),
            price: None,
            tier: None,
            features: Features {
                attrs,
                colour,
                words: hero_words(text, None, Some(&attributes), taxonomy),
                other_colours: Vec::new(),
                described: Vec::new(),
                brand_key: None,
                price: None,
            },
            attributes: Some(attributes),
        }
    }

    /// What Pointe understood of the hero, for people: its category and attributes, or that
    /// it found no category.
    pub fn understood(&self, taxonomy: &Taxonomy) -> String {
        let values = hero_values(&self.features, taxonomy, None);
        let category = values.iter().find(|v| v.dim == "category");
        let rest: Vec<String> = values
            .iter()
            .filter(|v| v.dim != "category")
            .map(|v| format!("{} {}", v.dim, v.label))
            .collect();
        let head = match category {
            Some(c) => format!("category {}", c.label),
            None => "no category (matching on attributes and words only)".to_string(),
        };
        if rest.is_empty() {
            head
        } else {
            format!("{head}; {}", rest.join(", "))
        }
    }
}

/// Options of a look-alike search.
#[derive(Debug, Clone)]
pub struct LookalikeQuery {
    /// Only products cheaper than the hero (default true; ignored for a hero without price).
    pub cheaper: bool,
    /// Only products at or below this price (any currency; converted at today's rate).
    pub max_price: Option<Money>,
    /// Only this tier.
    pub tier: Option<String>,
    /// Only products a shopper can buy now.
    pub in_stock: bool,
    /// At most this many results (default 10).
    pub limit: usize,
    /// At most this many results per brand (default unlimited).
    pub per_brand: Option<usize>,
    /// Prices in this currency (default the hero's, or GBP for a text hero).
    pub currency: Option<Currency>,
}

impl Default for LookalikeQuery {
    fn default() -> LookalikeQuery {
        LookalikeQuery {
            cheaper: true,
            max_price: None,
            tier: None,
            in_stock: false,
            limit: 10,
            per_brand: None,
            currency: None,
        }
    }
}

/// One way a look-alike differs from the hero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The dimension (`material`, `detail`…).
    pub dimension: String,
    /// The hero's value's label, if the hero has one here.
    pub hero: Option<String>,
    /// The look-alike's value's label, if it has one here.
    pub candidate: Option<String>,
    /// For people: "leather instead of satin", "no logo patch", "adds buckle".
    pub sentence: String,
}

/// A difference is written as its sentence in JSON.
impl Serialize for Difference {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.sentence)
    }
}

/// What a look-alike saves against the hero, in the hero's currency.
#[derive(Debug, Clone, Serialize)]
pub struct Saving {
    /// The hero's price less the look-alike's (negative when it costs more).
    pub amount: MoneyView,
    /// The saving as a percentage of the hero's price, one decimal.
    pub percent: f64,
}

/// One look-alike with its explanation.
#[derive(Debug, Clone, Serialize)]
pub struct Lookalike {
    /// Pointe's id.
    pub id: String,
    /// Its feed item ids.
    pub item_ids: Vec<ItemId>,
    /// Brand.
    pub brand: Option<String>,
    /// Title.
    pub title: String,
    /// Its lowest current price in the hero's currency.
    pub price: Option<MoneyView>,
    /// How alike it is, 0 to 1 (three decimals).
    pub score: f64,
    /// The hero's attributes it shares ("ballet flat", "bow", "pink").
    pub shared: Vec<String>,
    /// How it differs.
    pub differences: Vec<Difference>,
    /// What it saves against the hero.
    pub saving: Option<Saving>,
    /// Its price tier.
    pub tier: Option<String>,
}

/// The hero as the results show it.
#[derive(Debug, Clone, Serialize)]
pub struct HeroView {
    /// Pointe's id (none for a text hero).
    pub id: Option<String>,
    /// Its feed item ids.
    pub item_ids: Vec<ItemId>,
    /// Brand.
    pub brand: Option<String>,
    /// Title or text.
    pub title: String,
    /// Its lowest current price.
    pub price: Option<MoneyView>,
    /// Its tier.
    pub tier: Option<String>,
    /// The attributes the scorer compares (labels).
    pub attributes: Vec<String>,
    /// What Pointe understood of it.
    pub understood: String,
}

/// The answer to a look-alike search.
#[derive(Debug, Clone, Serialize)]
pub struct LookalikeResults {
    /// The hero.
    pub hero: HeroView,
    /// Look-alikes, best first.
    pub results: Vec<Lookalike>,
}

/// One of the hero's values the scorer compares.
#[derive(Debug, Clone)]
struct HeroValue {
    dim: &'static str,
    value: String,
    label: String,
    /// The value and its ancestors, nearest first.
    chain: Vec<String>,
    weight: f32,
    partial: f32,
}

fn label(taxonomy: &Taxonomy, dim: &str, id: &str) -> String {
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
/// main colour only.
fn hero_values(
    features: &Features,
    taxonomy: &Taxonomy,
    config: Option<&LookalikeConfig>,
) -> Vec<HeroValue> {
    let mut out = Vec::new();
    for dim in SCORED_DIMENSIONS {
        let (weight, partial) = match config {
            Some(c) => (c.weight(dim).weight, c.weight(dim).partial),
            None => (1.0, 0.5),
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
            });
        }
    }
    out
}

/// A product's values in one dimension (its main colour only for colour).
fn candidate_values<'a>(features: &'a Features, dim: &str) -> Vec<&'a str> {
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

/// How one of the hero's values is matched by a candidate's values of its dimension: the
/// credit, the candidate value that earned it and the common ancestor (when partial).
fn credit<'c>(
    hv: &HeroValue,
    cand: &[&'c str],
    taxonomy: &Taxonomy,
) -> (f32, Option<&'c str>, Option<String>) {
    let mut best: (f32, Option<&str>, Option<usize>) = (0.0, None, None);
    for &c in cand {
        if c == hv.value {
            return (1.0, Some(c), None);
        }
        let c_chain = taxonomy.parent_chain(hv.dim, c);
        if c_chain.iter().any(|v| v.id == hv.value) {
            return (1.0, Some(c), None);
        }
        // Steps from each value up to the nearest common ancestor: a flat is one step from a
        // ballet flat; a boot and a loafer are one step each from "shoes", two in all.
        if let Some(hops) = hv
            .chain
            .iter()
            .skip(1)
            .position(|a| c_chain.iter().any(|v| v.id == *a))
            .map(|i| i + 1)
        {
            let up = c_chain
                .iter()
                .position(|v| v.id == hv.chain[hops])
                .unwrap_or(0);
            let value = hv.partial.powi((hops + up) as i32);
            if value > best.0 {
                best = (value, Some(c), Some(hops));
            }
        }
    }
    (best.0, best.1, best.2.map(|h| hv.chain[h].clone()))
}

/// The exact score of a candidate and its explanation.
#[derive(Debug, Clone)]
struct Scored {
    score: f32,
    shared: Vec<String>,
    differences: Vec<Difference>,
}

/// Each word with the same weight: text similarity as the plain share of words.
fn uniform(words: &[String]) -> Vec<(String, f32)> {
    words.iter().map(|w| (w.clone(), 1.0)).collect()
}

fn score(
    hero: &[HeroValue],
    hero_words: &[(String, f32)],
    cand: &Features,
    taxonomy: &Taxonomy,
    config: &LookalikeConfig,
    explain: bool,
) -> Scored {
    let mut earned = 0.0f32;
    let mut possible = 0.0f32;
    let mut shared = Vec::new();
    let mut differences = Vec::new();
    let mut by_dim: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for dim in SCORED_DIMENSIONS {
        by_dim.insert(dim, candidate_values(cand, dim));
    }
    let mut category = 1.0f32;
    let mut market = 1.0f32;
    for hv in hero {
        possible += hv.weight;
        let values = &by_dim[hv.dim];
        let additive = matches!(hv.dim, "detail" | "finish" | "pattern");
        let (credit, matched, ancestor) = credit(hv, values, taxonomy);
        if hv.dim == "colour" && credit < 1.0 && config.other_colour > 0.0 {
            // A colour the candidate's title names after its main one ("Off-White & Mustard
            // Yellow" for a mustard hero) earns part of the credit; it is shared, not a
            // difference.
            let others: Vec<&str> = cand.other_colours.iter().map(String::as_str).collect();
            let (c, _, a) = self::credit(hv, &others, taxonomy);
            if c * config.other_colour > credit {
                earned += hv.weight * c * config.other_colour;
                if explain {
                    shared.push(match a {
                        Some(a) => label(taxonomy, hv.dim, &a),
                        None => hv.label.clone(),
                    });
                }
                continue;
            }
        }
        // A candidate that states nothing in a dimension (no material given) may well match:
        // it earns part of the credit a contradicting value (leather for satin) does not.
        let unstated = values.is_empty() && !additive && hv.dim != "category";
        earned += hv.weight * if unstated { config.unstated } else { credit };
        if hv.dim == "category" {
            category = category.min(credit);
        }
        if hv.dim == "gender"
            && credit <= 0.0
            && !values.is_empty()
            && hv.value != "unisex"
            && !values.contains(&"unisex")
        {
            market = config.other_market;
        }
        if !explain {
            continue;
        }
        if credit >= 1.0 {
            shared.push(hv.label.clone());
            continue;
        }
        if credit > 0.0 {
            let ancestor = ancestor.unwrap_or_default();
            shared.push(label(taxonomy, hv.dim, &ancestor));
            // A sibling (blush for pale pink) is a difference; a broader value (flats for
            // ballet flats) is not stated otherwise.
            if let Some(m) = matched
                && m != ancestor
            {
                let m = label(taxonomy, hv.dim, m);
                differences.push(Difference {
                    dimension: hv.dim.to_string(),
                    sentence: format!("{m} instead of {}", hv.label),
                    hero: Some(hv.label.clone()),
                    candidate: Some(m),
                });
            }
            continue;
        }
        let other = values.iter().find(|v| {
            !hero
                .iter()
                .any(|h| h.dim == hv.dim && (h.value == **v || taxonomy.is_a(hv.dim, v, &h.value)))
        });
        let difference = match other {
            Some(o) if !additive => {
                let o = label(taxonomy, hv.dim, o);
                Difference {
                    dimension: hv.dim.to_string(),
                    sentence: format!("{o} instead of {}", hv.label),
                    hero: Some(hv.label.clone()),
                    candidate: Some(o),
                }
            }
            _ if additive => Difference {
                dimension: hv.dim.to_string(),
                sentence: format!("no {}", hv.label),
                hero: Some(hv.label.clone()),
                candidate: None,
            },
            _ => Difference {
                dimension: hv.dim.to_string(),
                sentence: format!("{} not stated (the hero's is {})", hv.dim, hv.label),
                hero: Some(hv.label.clone()),
                candidate: None,
            },
        };
        differences.push(difference);
    }
    let mut extras = 0;
    for c in &by_dim["detail"] {
        let related = hero.iter().any(|h| {
            h.dim == "detail"
                && (taxonomy.is_a("detail", c, &h.value) || taxonomy.is_a("detail", &h.value, c))
        });
        if !related {
            extras += 1;
            if !explain {
                continue;
            }
            let l = label(taxonomy, "detail", c);
            differences.push(Difference {
                dimension: "detail".into(),
                sentence: format!("adds {l}"),
                hero: None,
                candidate: Some(l),
            });
        }
    }
    let attr = if possible > 0.0 {
        (earned / possible - config.extra_detail_penalty * extras as f32).max(0.0)
    } else {
        0.0
    };
    let total: f32 = hero_words.iter().map(|(_, w)| w).sum();
    let text = if total > 0.0 {
        hero_words
            .iter()
            .filter(|(w, _)| cand.words.contains(w))
            .map(|(_, w)| w)
            .sum::<f32>()
            / total
    } else {
        0.0
    };
    let tw = if possible > 0.0 {
        config.text_weight
    } else {
        1.0
    };
    Scored {
        score: ((1.0 - tw) * attr + tw * text) * category.powf(config.category_gate) * market,
        shared,
        differences,
    }
}

/// The hero's words with their weights, and the index terms of those the index has.
type WordWeights = (Vec<(String, f32)>, Vec<(Term, f32)>);

/// A candidate after scoring.
struct Candidate {
    addr: DocAddress,
    features: Features,
    scored: Scored,
    /// Price in the output currency.
    price: Option<Money>,
    price_view: Option<MoneyView>,
}

impl SearchIndex {
    /// The look-alikes of `hero`. Costs one candidate pass per category level visited
    /// (usually one), reading the features of up to `candidates` products, and the stored
    /// display data of the results.
    pub fn lookalikes(&self, hero: &Hero, q: &LookalikeQuery) -> Result<LookalikeResults> {
        let ctx = &self.ctx;
        let taxonomy = &ctx.taxonomy;
        let config = &ctx.config;
        let searcher = self.reader.searcher();
        let f = &self.fields;
        let values = hero_values(&hero.features, taxonomy, Some(config));
        let currency = q
            .currency
            .or(hero.price.map(|(m, _)| m.currency))
            .unwrap_or_else(gbp);
        let hero_price = match hero.price {
            Some((m, seen)) if m.currency != currency => {
                ctx.rates.try_convert(m, currency, seen)?.map(|c| c.money)
            }
            Some((m, _)) => Some(m),
            None => None,
        };
        let max_price = match q.max_price {
            Some(m) if m.currency != currency => {
                Some(ctx.rates.convert(m, currency, ctx.today)?.money)
            }
            other => other,
        };
        if let Some(tier) = &q.tier
            && !ctx.tiers.has(tier)
        {
            return Err(Error::Usage(format!(
                "no tier {tier:?}; the tiers are {}",
                ctx.tiers.names().join(", ")
            )));
        }

        // Filters of the candidate search. Prices in GBP get 3% of slack either way: the exact
        // test in the hero's currency comes after scoring.
        let mut filter = CandidateFilter::default();
        // A hero price with no rate to GBP sets no cap here; the exact test below decides.
        if q.cheaper
            && let Some((m, seen)) = hero.price
        {
            filter.max_price_gbp = try_to_gbp_minor(m, &ctx.rates, seen)?;
        }
        if let Some(m) = q.max_price {
            let v = to_gbp_minor(m, &ctx.rates, ctx.today)?;
            filter.max_price_gbp = Some(filter.max_price_gbp.map_or(v, |c| c.min(v)));
        }
        filter.max_price_gbp = filter.max_price_gbp.map(|cap| cap + cap / 33 + 1);
        filter.tier = q.tier.clone();
        filter.in_stock = q.in_stock;
        filter.exclude_id = hero.id.as_ref().map(|id| Term::from_field_text(f.id, id));

        // The candidate score mirrors the exact one: each hero value's weight spread over the
        // levels of its taxonomy chain (a product with a value has its ancestors' tokens too,
        // so the levels it has add up to the credit of the nearest), and the hero's title
        // words by rarity.
        let (hero_words, word_terms) = self.word_weights(&searcher, &hero.features.words)?;
        let possible: f32 = values.iter().map(|v| v.weight).sum();
        let tw = if possible > 0.0 {
            config.text_weight
        } else {
            1.0
        };
        let word_total: f32 = word_terms.iter().map(|(_, w)| w).sum();
        let level_weights = |hv: &HeroValue| -> Vec<(String, f32)> {
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
                        (1.0 - tw) * hv.weight * (here - above) / possible,
                    )
                })
                .collect()
        };
        let words = |driver: bool| -> Vec<WeightedTerm> {
            word_terms
                .iter()
                .filter(|_| word_total > 0.0)
                .map(|(term, w)| WeightedTerm {
                    term: term.clone(),
                    weight: tw * w / word_total,
                    driver,
                })
                .collect()
        };

        // Candidates: the hero's own category first, broader ones while too few.
        let want = config.candidates.max(q.limit);
        let category_levels: Vec<String> = values
            .iter()
            .find(|v| v.dim == "category")
            .map(|v| v.chain.clone())
            .unwrap_or_default();
        let attr_term = |token: &str| Term::from_field_text(f.attrs, token);
        let mut passes: Vec<(Vec<WeightedTerm>, CandidateFilter)> = Vec::new();
        if category_levels.is_empty() {
            let mut terms = words(true);
            for hv in &values {
                for (token, weight) in level_weights(hv) {
                    terms.push(WeightedTerm {
                        term: attr_term(&token),
                        weight,
                        driver: true,
                    });
                }
            }
            passes.push((terms, filter.clone()));
        } else {
            for (i, level) in category_levels.iter().enumerate() {
                let mut terms = words(false);
                terms.push(WeightedTerm {
                    term: attr_term(&format!("category:{level}")),
                    weight: 0.0,
                    driver: true,
                });
                for hv in values.iter().filter(|v| v.dim != "category") {
                    for (token, weight) in level_weights(hv) {
                        terms.push(WeightedTerm {
                            term: attr_term(&pair_token(level, &token)),
                            weight,
                            driver: true,
                        });
                    }
                }
                let mut filter = filter.clone();
                if i > 0 {
                    filter.exclude_term =
                        Some(attr_term(&format!("category:{}", category_levels[i - 1])));
                }
                passes.push((terms, filter));
            }
        }
        let mut addrs: Vec<DocAddress> = Vec::new();
        for (terms, filter) in passes {
            if addrs.len() >= want {
                break;
            }
            let top = top_candidates(
                &searcher,
                &terms,
                &filter,
                "price_gbp",
                "in_stock",
                "tier",
                want - addrs.len(),
            )?;
            addrs.extend(top.into_iter().map(|(_, a)| a));
        }

        // Exact scores, prices in the output currency and the exact price tests.
        let mut candidates = Vec::with_capacity(addrs.len());
        let mut reader = FeatureReader::new(&searcher);
        for addr in addrs {
            let features = reader.read(addr)?;
            let (price, price_view) = match features.price() {
                Some((m, seen)) if m.currency != currency => {
                    match ctx.rates.try_convert(m, currency, seen)? {
                        Some(c) => (
                            Some(c.money),
                            Some(MoneyView::converted(c.money, c.rate_date)),
                        ),
                        None => (None, None),
                    }
                }
                Some((m, _)) => (Some(m), Some(MoneyView::exact(m))),
                None => (None, None),
            };
            // Cheaper is only what can be shown to be: a priced hero whose price, or the
            // candidate's, does not convert to the output currency leaves the candidate out.
            let proven_cheaper =
                matches!((hero_price, price), (Some(hp), Some(p)) if p.minor < hp.minor);
            if q.cheaper && hero.price.is_some() && !proven_cheaper {
                continue;
            }
            if let Some(max) = max_price
                && price.is_none_or(|p| p.minor > max.minor)
            {
                continue;
            }
            // Explanations are written for the picked results only.
            let scored = score(&values, &hero_words, &features, taxonomy, config, false);
            candidates.push(Candidate {
                addr,
                features,
                scored,
                price,
                price_view,
            });
        }
        candidates.sort_by(|a, b| {
            b.scored
                .score
                .total_cmp(&a.scored.score)
                .then(
                    a.price
                        .map(|p| p.minor)
                        .unwrap_or(i64::MAX)
                        .cmp(&b.price.map(|p| p.minor).unwrap_or(i64::MAX)),
                )
                .then(a.addr.cmp(&b.addr))
        });

        // Picking with per-brand diversity.
        let limit = if q.limit == 0 { 10 } else { q.limit };
        let mut picked: Vec<Candidate> = Vec::new();
        let mut per_brand: HashMap<String, usize> = HashMap::new();
        let brand_of = |c: &Candidate| {
            c.features
                .brand_key
                .clone()
                .unwrap_or_else(|| format!("(no brand {:?})", c.addr))
        };
        while picked.len() < limit && !candidates.is_empty() {
            let mut best: Option<(usize, f32)> = None;
            for (i, c) in candidates.iter().enumerate() {
                let seen = per_brand.get(&brand_of(c)).copied().unwrap_or(0);
                if q.per_brand.is_some_and(|cap| seen >= cap) {
                    continue;
                }
                let adjusted = c.scored.score - config.brand_repeat_penalty * seen as f32;
                if best.is_none_or(|(_, s)| adjusted > s) {
                    best = Some((i, adjusted));
                }
            }
            let Some((i, _)) = best else { break };
            let c = candidates.remove(i);
            *per_brand.entry(brand_of(&c)).or_insert(0) += 1;
            picked.push(c);
        }

        let mut results = Vec::with_capacity(picked.len());
        for mut c in picked {
            let explained = score(&values, &hero_words, &c.features, taxonomy, config, true);
            c.scored.shared = explained.shared;
            c.scored.differences = explained.differences;
            let display = self.display(&searcher, c.addr)?;
            let saving = match (hero_price, c.price) {
                (Some(h), Some(p)) if h.minor > 0 => {
                    let amount = Money::new(h.minor - p.minor, currency);
                    let approx = c.price_view.as_ref().is_some_and(|v| v.approx.is_some());
                    Some(Saving {
                        amount: if approx {
                            MoneyView::converted(
                                amount,
                                c.price_view
                                    .as_ref()
                                    .and_then(|v| v.rate_date.as_deref())
                                    .and_then(|d| d.parse().ok()),
                            )
                        } else {
                            MoneyView::exact(amount)
                        },
                        percent: ((amount.minor as f64 / h.minor as f64) * 1000.0).round() / 10.0,
                    })
                }
                _ => None,
            };
            results.push(Lookalike {
                id: display.id.clone(),
                item_ids: display.item_ids(),
                brand: display.brand.clone(),
                title: display.title.clone(),
                price: c.price_view,
                score: (f64::from(c.scored.score) * 1000.0).round() / 1000.0,
                shared: c.scored.shared,
                differences: c.scored.differences,
                saving,
                tier: display.tier.clone(),
            });
        }
        Ok(LookalikeResults {
            hero: self.hero_view(hero, &values, currency)?,
            results,
        })
    }

    /// Each of the hero's words with its weight in text similarity: its inverse document
    /// frequency among titles (BM25's), so that "wrap" in "lace wrap dress" counts more than a
    /// word most titles have. A hyphenated compound ("a-line") is weighed by its rarest part.
    /// Also the title term of each word the index has (its rarest part), with the same weight.
    fn word_weights(&self, searcher: &tantivy::Searcher, words: &[String]) -> Result<WordWeights> {
        let n = searcher.num_docs() as f32;
        let mut tokenizer = self.index.tokenizer_for_field(self.fields.title)?;
        let mut weights = Vec::with_capacity(words.len());
        let mut terms = Vec::with_capacity(words.len());
        for word in words {
            let mut rarest: Option<(u64, Term)> = None;
            let mut stream = tokenizer.token_stream(word);
            while let Some(token) = stream.next() {
                let term = Term::from_field_text(self.fields.title, &token.text);
                let d = searcher.doc_freq(&term)?;
                if rarest.as_ref().is_none_or(|(x, _)| d < *x) {
                    rarest = Some((d, term));
                }
            }
            let df = rarest.as_ref().map_or(0, |(d, _)| *d) as f32;
            let weight = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            weights.push((word.clone(), weight));
            if let Some((d, term)) = rarest
                && d > 0
                && !terms.iter().any(|(t, _)| *t == term)
            {
                terms.push((term, weight));
            }
        }
        Ok((weights, terms))
    }

    fn hero_view(&self, hero: &Hero, values: &[HeroValue], currency: Currency) -> Result<HeroView> {
        let price = match hero.price {
            Some((m, seen)) if m.currency != currency => self
                .ctx
                .rates
                .try_convert(m, currency, seen)?
                .map(|c| MoneyView::converted(c.money, c.rate_date)),
            Some((m, _)) => Some(MoneyView::exact(m)),
            None => None,
        };
        Ok(HeroView {
            id: hero.id.clone(),
            item_ids: hero.item_ids.clone(),
            brand: hero.brand.clone(),
            title: hero.title.clone(),
            price,
            tier: hero.tier.clone(),
            attributes: values.iter().map(|v| v.label.clone()).collect(),
            understood: hero.understood(&self.ctx.taxonomy),
        })
    }
}

/// Scoring a product's features JSON against a hero outside the index: what a benchmark peer
/// (another engine proposing the candidates) uses to re-rank with the same scorer. Without the
/// index at hand, text similarity weighs every title word alike instead of by its rarity.
pub fn score_features_json(hero: &Hero, features_json: &str, ctx: &IndexContext) -> Result<f32> {
    let cand: Features =
        serde_json::from_str(features_json).map_err(|e| Error::Usage(format!("features: {e}")))?;
    let values = hero_values(&hero.features, &ctx.taxonomy, Some(&ctx.config));
    Ok(score(
        &values,
        &uniform(&hero.features.words),
        &cand,
        &ctx.taxonomy,
        &ctx.config,
        false,
    )
    .score)
}

impl Hero {
    /// The words of the hero's attributes (labels, with their ancestors), for a peer's
    /// full-text OR query.
    pub fn attribute_words(&self, taxonomy: &Taxonomy) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for v in hero_values(&self.features, taxonomy, None) {
            for id in &v.chain {
                let l = label(taxonomy, v.dim, id);
                if !out.contains(&l) {
                    out.push(l);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::title_words;

    fn features(attrs: &[(&str, &str)], colour: Option<&str>, title: &str) -> Features {
        Features {
            attrs: attrs
                .iter()
                .map(|(d, v)| (d.to_string(), v.to_string()))
                .collect(),
            colour: colour.map(str::to_string),
            words: title_words(title, None),
            other_colours: Vec::new(),
            described: Vec::new(),
            brand_key: None,
            price: None,
        }
    }

    #[test]
    fn partial_credit_follows_the_taxonomy_and_differences_read_as_sentences() {
        let t = Taxonomy::bundled();
        let config = LookalikeConfig::bundled();
        let hero = features(
            &[
                ("category", "ballet_flats"),
                ("material", "satin"),
                ("detail", "bow"),
                ("detail", "logo_patch"),
                ("colour", "pale_pink"),
            ],
            Some("pale_pink"),
            "satin ballet flats",
        );
        let values = hero_values(&hero, &t, Some(&config));
        let cand = features(
            &[
                ("category", "ballet_flats"),
                ("material", "leather"),
                ("detail", "bow"),
                ("detail", "buckle"),
                ("colour", "blush"),
            ],
            Some("blush"),
            "leather bow ballet pumps",
        );
        let s = score(&values, &uniform(&hero.words), &cand, &t, &config, true);
        assert!(
            s.shared.contains(&"ballet flat".to_string()),
            "{:?}",
            s.shared
        );
        assert!(s.shared.contains(&"bow".to_string()));
        assert!(
            s.shared.contains(&"pink".to_string()),
            "blush is pink: {:?}",
            s.shared
        );
        let sentences: Vec<&str> = s.differences.iter().map(|d| d.sentence.as_str()).collect();
        assert!(
            sentences.contains(&"leather instead of satin"),
            "{sentences:?}"
        );
        assert!(sentences.contains(&"no logo patch"), "{sentences:?}");
        assert!(sentences.contains(&"adds buckle"), "{sentences:?}");
        assert!(
            sentences.contains(&"blush instead of pale pink"),
            "{sentences:?}"
        );

        // A loafer meets a ballet flat only at "shoes", two steps up and one down: an eighth
        // of the category credit; a plain flat is one step away: half.
        let loafer = features(&[("category", "loafers")], None, "loafers");
        let hv = &values[0];
        let (c, _, ancestor) = credit(hv, &candidate_values(&loafer, "category"), &t);
        assert_eq!((c, ancestor.as_deref()), (0.125, Some("shoes")));
        let flat = features(&[("category", "flats")], None, "flats");
        assert_eq!(credit(hv, &candidate_values(&flat, "category"), &t).0, 0.5);
        // Patent has leather; suede is leather.
        let leather_hero = features(&[("material", "leather")], None, "");
        let lv = hero_values(&leather_hero, &t, Some(&config));
        let suede = features(&[("material", "suede")], None, "");
        assert_eq!(
            credit(&lv[0], &candidate_values(&suede, "material"), &t).0,
            1.0
        );
    }

    #[test]
    fn a_closer_candidate_scores_higher() {
        let t = Taxonomy::bundled();
        let config = LookalikeConfig::bundled();
        let hero = features(
            &[
                ("category", "ballet_flats"),
                ("detail", "bow"),
                ("colour", "pink"),
            ],
            Some("pink"),
            "bow ballet flats",
        );
        let values = hero_values(&hero, &t, Some(&config));
        let close = features(
            &[
                ("category", "ballet_flats"),
                ("detail", "bow"),
                ("colour", "pink"),
            ],
            Some("pink"),
            "bow ballet flats",
        );
        let far = features(
            &[("category", "court_shoes"), ("colour", "pink")],
            Some("pink"),
            "pink pumps",
        );
        let a = score(&values, &uniform(&hero.words), &close, &t, &config, true).score;
        let b = score(&values, &uniform(&hero.words), &far, &t, &config, true).score;
        assert!(a > 0.99 && b < 0.5, "{a} {b}");
    }

    #[test]
    fn a_piece_for_another_market_is_marked_down_unisex_is_not() {
        let t = Taxonomy::bundled();
        let config = LookalikeConfig::bundled();
        let jacket = |gender: &str| {
            features(
                &[
                    ("category", "coats_jackets"),
                    ("material", "denim"),
                    ("gender", gender),
                ],
                Some("blue"),
                "washed denim jacket",
            )
        };
        let hero = jacket("women");
        let values = hero_values(&hero, &t, Some(&config));
        let words = uniform(&hero.words);
        let women = score(&values, &words, &jacket("women"), &t, &config, false).score;
        let girls = score(&values, &words, &jacket("girls"), &t, &config, false).score;
        let unisex = score(&values, &words, &jacket("unisex"), &t, &config, false).score;
        let unstated = score(
            &values,
            &words,
            &features(
                &[("category", "coats_jackets"), ("material", "denim")],
                Some("blue"),
                "washed denim jacket",
            ),
            &t,
            &config,
            false,
        )
        .score;
        assert!(config.other_market < 1.0);
        // The girls' jacket loses the gender weight and then the market factor.
        let without_gate = LookalikeConfig {
            other_market: 1.0,
            ..config.clone()
        };
        let girls_ungated =
            score(&values, &words, &jacket("girls"), &t, &without_gate, false).score;
        assert!((girls - girls_ungated * config.other_market).abs() < 1e-6);
        assert!(girls < unisex && unisex < women, "{girls} {unisex} {women}");
        // Not stating a gender is not another market.
        assert!(unstated > girls_ungated, "{unstated} {girls_ungated}");
    }
}
