//! Look-alikes: the products that look most like a hero, with why each is alike, how it
//! differs and what it saves.
//!
//! A look-alike search runs in four steps:
//!
//! 1. **Candidates** ([`plan`]). One pass per level of the hero's category (its own category
//!    first, then each broader one while fewer than `candidates` products were found): the
//!    products of that level scoring best by the hero's values (through the index's pair
//!    tokens, `ballet_flats|material:satin`, weighed as the scorer weighs them) and its title
//!    words, found by MaxScore pruning without visiting the whole category
//!    ([`crate::candidates`]); the price, tier and stock filters apply here.
//! 2. **Scoring** ([`score`]). Each candidate is scored exactly ([`crate::LookalikeConfig`]):
//!    weighted attribute similarity with partial credit through the taxonomy's parents (some
//!    for a value the candidate does not state, less for a hero value only its description
//!    states), less a small penalty for details the hero lacks, mixed with title text
//!    similarity (the hero's words its attributes do not state, weighed by rarity), the whole
//!    scaled by the category credit. The exact price, saving, gender and brand tests apply.
//! 3. **Picking** ([`pick`]). Every candidate of the hero's category (or a sibling the
//!    taxonomy names) before any other, then best first, each earlier result of the same
//!    brand lowering the next (MMR-style diversity), at most `per_brand` per brand; another
//!    listing of a picked product (same brand, title and colour) folds into it.
//! 4. **Explaining** ([`score::explain`]), for the results only: what each shares with the
//!    hero, how it differs, what it leaves unstated, what it saves and its tier.

mod pick;
mod plan;
mod score;
#[cfg(test)]
mod tests;
mod values;

use jiff::civil::Date;
use pointe_core::attributes::{Attributes, Extractor, Market, ProductText, Taxonomy};
use pointe_core::catalog::{ItemId, MoneyView};
use pointe_core::domain::Offer;
use pointe_core::money::{Currency, Money};
use pointe_core::store::StoredProduct;
use serde::{Serialize, Serializer};
use tantivy::{DocAddress, Term};

use crate::candidates::{CandidateFilter, top_candidates};
use crate::features::{Features, attribute_parts, described_only, gbp, hero_words};
use crate::index::{IndexContext, SearchIndex};
use crate::search::{FeatureReader, to_gbp_minor, try_to_gbp_minor};
use crate::{Error, Result};

use pick::{Candidate, Diversity, Picked};
use values::{HeroValue, candidate_values, hero_values, label};

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
        let p = ctx.indexed(product, offers)?;
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
        let (attrs, colour, _, _) = attribute_parts(Some(&attributes), Some(text), None, taxonomy);
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
                listing: None,
            },
            attributes: Some(attributes),
        }
    }

    /// The key of its listing: two catalog products with one key are one product listed
    /// twice, and show as one result (see the listing rule of search and look-alikes).
    pub fn listing(&self) -> Option<u64> {
        self.features.listing
    }

    /// The value Pointe compares in `dim` (`category`, `colour` for the main colour, `gender`
    /// …), as a taxonomy id, when it read one: what an evaluation checks its reading by.
    pub fn reading(&self, dim: &str, taxonomy: &Taxonomy) -> Option<String> {
        hero_values(&self.features, taxonomy, None)
            .into_iter()
            .find(|v| v.dim == dim && !v.second)
            .map(|v| v.value)
    }

    /// What Pointe understood of the hero, for people: its category and attributes, or that
    /// it found no category and ranks by the title's words (its brand's own words left out).
    pub fn understood(&self, taxonomy: &Taxonomy) -> String {
        let values = hero_values(&self.features, taxonomy, None);
        let category = values.iter().find(|v| v.dim == "category");
        let mut rest: Vec<String> = values
            .iter()
            .filter(|v| v.dim != "category")
            .map(|v| format!("{} {}", v.dim, v.label))
            .collect();
        if let Some(second) = self.features.other_colours.first() {
            rest.push(format!(
                "second colour {}",
                label(taxonomy, "colour", second)
            ));
        }
        let head = match category {
            Some(c) => format!("category {}", c.label),
            None => "no category understood: ranked by the title's words (not its brand) and \
                     attributes"
                .to_string(),
        };
        if rest.is_empty() {
            head
        } else {
            format!("{head}; {}", rest.join(", "))
        }
    }

    /// The hero's genders (taxonomy ids), as its text or feed states them.
    fn genders(&self) -> Vec<&str> {
        candidate_values(&self.features, "gender")
    }

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

/// The least a look-alike must save against the hero to be shown as a cheaper one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MinSaving {
    /// A share of the hero's price, in percent.
    Percent(f64),
    /// An amount, in any currency (converted at today's rate).
    Amount(Money),
}

/// Options of a look-alike search.
#[derive(Debug, Clone)]
pub struct LookalikeQuery {
    /// Only products cheaper than the hero (default true; ignored for a hero without price).
    pub cheaper: bool,
    /// With `cheaper`, the least saving worth showing (default 10%: a £1 saving is not a
    /// cheaper look-alike).
    pub min_saving: Option<MinSaving>,
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
    /// Only products made for this gender (a taxonomy id: `women`, `men`, `unisex`, `kids`,
    /// `girls`, `boys`): those stating it, a narrower one or unisex. By default, the hero's:
    /// products stating another gender are left out, unstated ones kept.
    pub gender: Option<String>,
    /// Only brands other than the hero's (default false).
    pub other_brands: bool,
}

impl Default for LookalikeQuery {
    fn default() -> LookalikeQuery {
        LookalikeQuery {
            cheaper: true,
            min_saving: Some(MinSaving::Percent(10.0)),
            max_price: None,
            tier: None,
            in_stock: false,
            limit: 10,
            per_brand: None,
            currency: None,
            gender: None,
            other_brands: false,
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

impl Difference {
    /// A difference and its sentence: the candidate's value instead of the hero's, the hero's
    /// missing, or the candidate's added.
    pub fn new(dimension: &str, hero: Option<String>, candidate: Option<String>) -> Difference {
        let sentence = match (&hero, &candidate) {
            (Some(h), Some(c)) => format!("{c} instead of {h}"),
            (Some(h), None) => format!("no {h}"),
            (None, Some(c)) => format!("adds {c}"),
            (None, None) => String::new(),
        };
        Difference {
            dimension: dimension.to_string(),
            hero,
            candidate,
            sentence,
        }
    }
}

/// A difference is written as its sentence in JSON.
impl Serialize for Difference {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.sentence)
    }
}

/// A hero value the look-alike does not state either way (no heel given for a kitten-heel
/// hero): not a difference, since it may well match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unstated {
    /// The dimension.
    pub dimension: String,
    /// The hero's value's label.
    pub hero: String,
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
    /// Its feed item ids, and those of the retailer's other listings of the same product.
    pub item_ids: Vec<ItemId>,
    /// Brand.
    pub brand: Option<String>,
    /// Title.
    pub title: String,
    /// Its lowest current price in the hero's currency.
    pub price: Option<MoneyView>,
    /// How alike it is, 0 to 1 (three decimals): the score that ordered the results, brand
    /// diversity included.
    pub score: f64,
    /// Whether it is of the hero's category or a sibling of it; results that are rank first.
    pub same_category: bool,
    /// The hero's attributes it shares ("ballet flat", "bow", "pink").
    pub shared: Vec<String>,
    /// How it differs.
    pub differences: Vec<Difference>,
    /// The hero's attributes it does not state either way.
    pub unstated: Vec<Unstated>,
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

/// The answer to a look-alike search: `{"hero", "items", "total"}`.
#[derive(Debug, Clone, Serialize)]
pub struct LookalikeResults {
    /// The hero.
    pub hero: HeroView,
    /// Look-alikes, best first.
    pub items: Vec<Lookalike>,
    /// How many look-alikes were found (the length of `items`).
    pub total: usize,
}

/// The hero's words with their weights, and the index terms of those the index has.
type WordWeights = (Vec<(String, f32)>, Vec<(Term, f32)>);

/// Everything the steps of one search share.
struct Search<'a> {
    hero: &'a Hero,
    q: &'a LookalikeQuery,
    values: Vec<HeroValue>,
    currency: Currency,
    hero_price: Option<Money>,
    max_price: Option<Money>,
    min_saving: Option<Money>,
    hero_words: Vec<(String, f32)>,
}

impl SearchIndex {
    /// The look-alikes of `hero`. Costs one candidate pass per category level visited
    /// (usually one), reading the features of up to `candidates` products, and the stored
    /// display data of the results.
    pub fn lookalikes(&self, hero: &Hero, q: &LookalikeQuery) -> Result<LookalikeResults> {
        let searcher = self.reader.searcher();
        let (search, word_terms) = self.prepare(hero, q, &searcher)?;
        let addrs = self.candidate_addrs(&search, &word_terms, &searcher)?;
        let mut candidates = self.scored(&search, addrs, &searcher)?;
        pick::sort(&mut candidates);
        let limit = if q.limit == 0 { 10 } else { q.limit };
        let diversity = Diversity {
            repeat_penalty: self.ctx.config.brand_repeat_penalty,
            per_brand: q.per_brand,
        };
        let picked = pick::pick(candidates, limit, diversity);
        let mut items = Vec::with_capacity(picked.len());
        for p in picked {
            items.push(self.present(&search, p, &searcher)?);
        }
        Ok(LookalikeResults {
            hero: self.hero_view(hero, &search.values, search.currency)?,
            total: items.len(),
            items,
        })
    }

    /// The hero's values, the output currency and the price bounds in it, and the hero's
    /// weighted words (with the index terms of those it has).
    fn prepare<'a>(
        &self,
        hero: &'a Hero,
        q: &'a LookalikeQuery,
        searcher: &tantivy::Searcher,
    ) -> Result<(Search<'a>, Vec<(Term, f32)>)> {
        let ctx = &self.ctx;
        if let Some(tier) = &q.tier
            && !ctx.tiers.has(tier)
        {
            return Err(Error::Usage(format!(
                "no tier {tier:?}; the tiers are {}",
                ctx.tiers.names().join(", ")
            )));
        }
        if let Some(g) = &q.gender
            && ctx.taxonomy.value("gender", g).is_none()
        {
            return Err(Error::Usage(format!(
                "no gender {g:?}; the genders are women, men, unisex, kids, girls, boys"
            )));
        }
        let currency = q
            .currency
            .or(hero.price.map(|(m, _)| m.currency))
            .unwrap_or_else(gbp);
        let hero_price = match hero.price {
            Some((m, seen)) => ctx.rates.try_convert(m, currency, seen)?.map(|c| c.money),
            None => None,
        };
        let in_currency =
            |m: Money| -> Result<Money> { Ok(ctx.rates.convert(m, currency, ctx.today)?.money) };
        let max_price = q.max_price.map(in_currency).transpose()?;
        let min_saving = match (q.cheaper, q.min_saving, hero_price) {
            (true, Some(MinSaving::Amount(m)), _) => Some(in_currency(m)?),
            (true, Some(MinSaving::Percent(p)), Some(hp)) => Some(Money::new(
                (hp.minor as f64 * p / 100.0).ceil() as i64,
                currency,
            )),
            _ => None,
        };
        let (hero_words, word_terms) = self.word_weights(searcher, &hero.features.words)?;
        let mut values = hero_values(&hero.features, &ctx.taxonomy, Some(&ctx.config));
        if let Some(g) = &q.gender {
            asked_gender(&mut values, g, &ctx.taxonomy);
        }
        let search = Search {
            hero,
            q,
            values,
            currency,
            hero_price,
            max_price,
            min_saving,
            hero_words,
        };
        Ok((search, word_terms))
    }

    /// The filters of the candidate passes. Prices in GBP get 3% of slack: the exact tests in
    /// the output currency come after scoring.
    fn candidate_filter(&self, s: &Search<'_>) -> Result<CandidateFilter> {
        let ctx = &self.ctx;
        let mut filter = CandidateFilter::default();
        // A hero price with no rate to GBP sets no cap here; the exact test decides.
        if s.q.cheaper
            && let Some((m, seen)) = s.hero.price
        {
            filter.max_price_gbp = try_to_gbp_minor(m, &ctx.rates, seen)?;
        }
        if let Some(m) = s.q.max_price {
            let v = to_gbp_minor(m, &ctx.rates, ctx.today)?;
            filter.max_price_gbp = Some(filter.max_price_gbp.map_or(v, |c| c.min(v)));
        }
        filter.max_price_gbp = filter.max_price_gbp.map(|cap| cap + cap / 33 + 1);
        filter.tier = s.q.tier.clone();
        filter.in_stock = s.q.in_stock;
        filter.exclude_id = s
            .hero
            .id
            .as_ref()
            .map(|id| Term::from_field_text(self.fields.id, id));
        Ok(filter)
    }

    /// The documents the candidate passes propose, the hero's own category first.
    fn candidate_addrs(
        &self,
        s: &Search<'_>,
        word_terms: &[(Term, f32)],
        searcher: &tantivy::Searcher,
    ) -> Result<Vec<DocAddress>> {
        let config = &self.ctx.config;
        let possible: f32 = s.values.iter().map(|v| v.weight).sum();
        let weights = plan::Weights {
            text_weight: if possible > 0.0 {
                config.text_weight
            } else {
                1.0
            },
            possible,
            word_terms,
        };
        let filter = self.candidate_filter(s)?;
        let want = config.candidates.max(s.q.limit);
        let mut addrs: Vec<DocAddress> = Vec::new();
        for (terms, filter) in plan::passes(&s.values, &weights, &filter, &self.fields) {
            if addrs.len() >= want {
                break;
            }
            let top = top_candidates(
                searcher,
                &terms,
                &filter,
                "price_gbp",
                "in_stock",
                "tier",
                want - addrs.len(),
            )?;
            addrs.extend(top.into_iter().map(|(_, a)| a));
        }
        Ok(addrs)
    }

    /// Each proposed document scored exactly, with its price in the output currency, less
    /// those the exact price, saving, gender and brand tests leave out.
    fn scored(
        &self,
        s: &Search<'_>,
        addrs: Vec<DocAddress>,
        searcher: &tantivy::Searcher,
    ) -> Result<Vec<Candidate>> {
        let ctx = &self.ctx;
        let mut out = Vec::with_capacity(addrs.len());
        let mut reader = FeatureReader::new(searcher);
        for addr in addrs {
            let features = reader.read(addr)?;
            let (price, price_view) = match features.price() {
                Some((m, seen)) => match ctx.rates.try_convert(m, s.currency, seen)? {
                    Some(c) if c.approx => (
                        Some(c.money),
                        Some(MoneyView::converted(c.money, c.rate_date)),
                    ),
                    Some(c) => (Some(c.money), Some(MoneyView::exact(c.money))),
                    None => (None, None),
                },
                None => (None, None),
            };
            if !self.passes_tests(s, &features, price) {
                continue;
            }
            let scored = score::score(
                &s.values,
                &s.hero_words,
                &features,
                &ctx.taxonomy,
                &ctx.config,
            );
            out.push(Candidate {
                addr,
                features,
                scored,
                price,
                price_view,
            });
        }
        Ok(out)
    }

    /// The exact tests: cheaper by at least the minimum saving (only what can be shown to be:
    /// a price that does not convert to the output currency is left out), under the price cap,
    /// for the gender asked or the hero's, of another brand when asked.
    fn passes_tests(&self, s: &Search<'_>, features: &Features, price: Option<Money>) -> bool {
        if s.q.cheaper && s.hero.price.is_some() {
            let Some((hp, p)) = s.hero_price.zip(price) else {
                return false;
            };
            let least = s.min_saving.map_or(1, |m| m.minor.max(1));
            if hp.minor - p.minor < least {
                return false;
            }
        }
        if let Some(max) = s.max_price
            && price.is_none_or(|p| p.minor > max.minor)
        {
            return false;
        }
        if s.q.other_brands
            && s.hero.features.brand_key.is_some()
            && features.brand_key == s.hero.features.brand_key
        {
            return false;
        }
        self.meets_gender(s, features)
    }

    /// The gender test: an asked gender keeps products stating it, a narrower one or unisex;
    /// by default the hero's genders keep those and the products that state none.
    fn meets_gender(&self, s: &Search<'_>, features: &Features) -> bool {
        let taxonomy = &self.ctx.taxonomy;
        let stated = candidate_values(features, "gender");
        let meets = |wanted: &str| {
            stated
                .iter()
                .any(|g| *g == "unisex" || *g == wanted || taxonomy.is_a("gender", g, wanted))
        };
        match &s.q.gender {
            Some(wanted) => wanted == "unisex" && stated.contains(&"unisex") || meets(wanted),
            None => {
                let hero = s.hero.genders();
                hero.is_empty()
                    || hero.contains(&"unisex")
                    || stated.is_empty()
                    || hero.iter().any(|g| meets(g))
            }
        }
    }

    /// A picked candidate as a result: explained, with its display data, the item ids of the
    /// listings folded into it, its saving and tier.
    fn present(
        &self,
        s: &Search<'_>,
        p: Picked,
        searcher: &tantivy::Searcher,
    ) -> Result<Lookalike> {
        let ctx = &self.ctx;
        let c = p.candidate;
        let explained = score::explain(&s.values, &c.features, &ctx.taxonomy, &ctx.config);
        let display = self.display(searcher, c.addr)?;
        let mut item_ids = display.item_ids();
        for dup in p.duplicates {
            item_ids.extend(self.display(searcher, dup)?.item_ids());
        }
        Ok(Lookalike {
            id: display.id.clone(),
            item_ids,
            brand: display.brand.clone(),
            title: display.title.clone(),
            saving: saving(s, &c),
            price: c.price_view,
            score: (f64::from(p.shown_score) * 1000.0).round() / 1000.0,
            same_category: c.scored.same_category,
            shared: explained.shared,
            differences: explained.differences,
            unstated: explained.unstated,
            tier: display.tier.clone(),
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

/// Compares candidates with the gender asked for, not the hero's: a men's version of a
/// women's hero is what `--gender men` wants.
fn asked_gender(values: &mut Vec<HeroValue>, gender: &str, taxonomy: &Taxonomy) {
    let Some(template) = values.iter().find(|v| v.dim == "gender").cloned() else {
        return;
    };
    values.retain(|v| v.dim != "gender");
    let chain = taxonomy
        .parent_chain("gender", gender)
        .iter()
        .map(|v| v.id.clone())
        .collect();
    values.push(HeroValue {
        value: gender.to_string(),
        label: label(taxonomy, "gender", gender),
        chain,
        ..template
    });
}

/// What a result saves against the hero, marked approximate when its price was converted.
fn saving(s: &Search<'_>, c: &Candidate) -> Option<Saving> {
    let (h, p) = s.hero_price.zip(c.price)?;
    if h.minor <= 0 {
        return None;
    }
    let amount = Money::new(h.minor - p.minor, s.currency);
    let view = match c.price_view.as_ref().filter(|v| v.approx.is_some()) {
        Some(v) => {
            MoneyView::converted(amount, v.rate_date.as_deref().and_then(|d| d.parse().ok()))
        }
        None => MoneyView::exact(amount),
    };
    Some(Saving {
        amount: view,
        percent: ((amount.minor as f64 / h.minor as f64) * 1000.0).round() / 10.0,
    })
}

/// Scoring a product's features JSON against a hero outside the index: what a benchmark peer
/// (another engine proposing the candidates) uses to re-rank with the same scorer. Without the
/// index at hand, text similarity weighs every title word alike instead of by its rarity.
pub fn score_features_json(hero: &Hero, features_json: &str, ctx: &IndexContext) -> Result<f32> {
    let cand: Features =
        serde_json::from_str(features_json).map_err(|e| Error::Usage(format!("features: {e}")))?;
    let values = hero_values(&hero.features, &ctx.taxonomy, Some(&ctx.config));
    let words: Vec<(String, f32)> = hero
        .features
        .words
        .iter()
        .map(|w| (w.clone(), 1.0))
        .collect();
    Ok(score::score(&values, &words, &cand, &ctx.taxonomy, &ctx.config).score)
}
