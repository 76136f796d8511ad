//! The facets of a search: how many matching products have each brand, retailer, category,
//! colour family, material, tier, stock state and price band.
//!
//! Brands, retailers and materials (open sets, a product may have several retailers and
//! materials) are counted by tantivy's terms aggregation over their columns. The other five
//! have a closed set of values each (the taxonomy's categories and colour families, the tiers,
//! in stock or not, the price bands), so each product's five are packed into one number at
//! index time, its [facet code](FacetCodes), and counted from that one column: one read per
//! matching product instead of five. A value outside its set (an attribute stored under an
//! older taxonomy) is packed as "other" and counted from its own column, so every count is
//! exact.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use pointe_core::attributes::Taxonomy;
use pointe_core::tiers::Tiers;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::agg_result::AggregationResults;
use tantivy::aggregation::{AggContextParams, AggregationCollector, AggregationLimitsGuard};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, ColumnValues, StrColumn};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{COLLECT_BLOCK_BUFFER_LEN, DocId, Score, SegmentReader};

use super::FacetCount;
use crate::{Error, Result};

/// The facet of price bands, named `"{from}-{to}"` in whole pounds (`"250-"` for the last):
/// products from `from` up to, not including, `to`.
pub const PRICE_FACET: &str = "price";

/// The price bands in GBP minor units: from (inclusive), to (exclusive; none for the last).
const PRICE_BANDS: [(u64, Option<u64>); 6] = [
    (0, Some(2_500)),
    (2_500, Some(5_000)),
    (5_000, Some(10_000)),
    (10_000, Some(25_000)),
    (25_000, Some(50_000)),
    (50_000, None),
];

/// How many values of each facet are shown: the most frequent.
const TOP: usize = 10;

/// The facets counted by tantivy's terms aggregation: the name a facet is shown under and
/// the index field it counts.
const TERM_FACETS: [(&str, &str); 3] = [
    ("brand", "brand_key"),
    ("retailer", "retailer"),
    ("material", "material"),
];

/// The index field of the facet codes.
pub(crate) const FACET_CODE_FIELD: &str = "facet_code";

/// The aggregation behind the term facets: the top ten values of each.
pub(crate) fn term_collector(tokenizers: TokenizerManager) -> Result<AggregationCollector> {
    static AGGS: std::sync::OnceLock<std::result::Result<Aggregations, String>> =
        std::sync::OnceLock::new();
    let aggs = AGGS
        .get_or_init(term_aggregations)
        .clone()
        .map_err(|e| Error::Usage(format!("facets: {e}")))?;
    let params = AggContextParams::new(AggregationLimitsGuard::default(), tokenizers);
    Ok(AggregationCollector::from_aggs(aggs, params))
}

/// The aggregation request of the term facets.
fn term_aggregations() -> std::result::Result<Aggregations, String> {
    let request: serde_json::Map<String, serde_json::Value> = TERM_FACETS
        .iter()
        .map(|(name, field)| {
            (
                name.to_string(),
                serde_json::json!({"terms": {"field": field, "size": TOP}}),
            )
        })
        .collect();
    serde_json::from_value(serde_json::Value::Object(request)).map_err(|e| e.to_string())
}

/// The buckets of each term facet from the aggregation's results.
pub(crate) fn term_counts(
    results: &AggregationResults,
    out: &mut BTreeMap<String, Vec<FacetCount>>,
) -> Result<()> {
    let json = serde_json::to_value(results).map_err(|e| Error::Usage(format!("facets: {e}")))?;
    for (name, _) in TERM_FACETS {
        let buckets = json[name]["buckets"].as_array().map(Vec::as_slice);
        let counts = buckets
            .unwrap_or_default()
            .iter()
            .map(|b| FacetCount {
                value: b["key"].as_str().map(str::to_string).unwrap_or_default(),
                count: b["doc_count"].as_u64().unwrap_or(0),
            })
            .collect();
        out.insert(name.to_string(), counts);
    }
    Ok(())
}

/// One packed facet: where its code sits in the facet code and the values it numbers.
/// Code 0 is "none", `i + 1` the `i`th value, and the all-ones code "another value".
#[derive(Debug)]
struct Packed {
    /// The facet's name, and the index field holding its value as text.
    name: &'static str,
    shift: u32,
    bits: u32,
    values: Vec<String>,
    codes: HashMap<String, u64>,
}

impl Packed {
    fn new<'a>(
        name: &'static str,
        shift: u32,
        bits: u32,
        values: impl IntoIterator<Item = &'a str>,
    ) -> Packed {
        let room = (1usize << bits) - 2;
        let values: Vec<String> = values.into_iter().take(room).map(String::from).collect();
        let codes = values
            .iter()
            .enumerate()
            .map(|(i, v)| (v.clone(), i as u64 + 1))
            .collect();
        Packed {
            name,
            shift,
            bits,
            values,
            codes,
        }
    }

    fn other(&self) -> u64 {
        (1 << self.bits) - 1
    }

    fn encode(&self, value: Option<&str>) -> u64 {
        let code = value.map_or(0, |v| self.codes.get(v).copied().unwrap_or(self.other()));
        code << self.shift
    }

    #[cfg(test)]
    fn decode(&self, facet_code: u64) -> usize {
        ((facet_code >> self.shift) & self.other()) as usize
    }
}

/// Where each packed facet sits in a facet code: category, colour family, tier (each a
/// value code), then the in-stock flag and the price band (0 for none, `i + 1` the `i`th).
const CATEGORY_SHIFT: u32 = 0;
const CATEGORY_BITS: u32 = 12;
const COLOUR_SHIFT: u32 = 12;
const COLOUR_BITS: u32 = 8;
const TIER_SHIFT: u32 = 20;
const TIER_BITS: u32 = 8;
const IN_STOCK_SHIFT: u32 = 28;
const BAND_SHIFT: u32 = 29;
const BAND_BITS: u32 = 3;

/// The numbering of the packed facets: the taxonomy's categories and colour families and the
/// tiers, in their files' order. An index is rebuilt whenever the taxonomy or the tiers
/// change, so its codes always read with the numbering of its context.
#[derive(Debug)]
pub(crate) struct FacetCodes {
    /// Category, colour family, tier.
    packed: [Packed; 3],
}

impl FacetCodes {
    pub(crate) fn new(taxonomy: &Taxonomy, tiers: &Tiers) -> FacetCodes {
        let families = taxonomy
            .values("colour")
            .filter(|v| v.parent.is_none())
            .map(|v| v.id.as_str());
        FacetCodes::of(
            taxonomy.values("category").map(|v| v.id.as_str()),
            families,
            tiers.names(),
        )
    }

    /// The numbering of these categories, colour families and tiers.
    fn of<'a>(
        categories: impl IntoIterator<Item = &'a str>,
        families: impl IntoIterator<Item = &'a str>,
        tiers: impl IntoIterator<Item = &'a str>,
    ) -> FacetCodes {
        FacetCodes {
            packed: [
                Packed::new("category", CATEGORY_SHIFT, CATEGORY_BITS, categories),
                Packed::new("colour_family", COLOUR_SHIFT, COLOUR_BITS, families),
                Packed::new("tier", TIER_SHIFT, TIER_BITS, tiers),
            ],
        }
    }

    /// The facet code of a product.
    pub(crate) fn encode(
        &self,
        [category, colour_family, tier]: [Option<&str>; 3],
        in_stock: bool,
        price_gbp_minor: Option<u64>,
    ) -> u64 {
        let [c, f, t] = &self.packed;
        let band = price_gbp_minor.map_or(0, |p| {
            PRICE_BANDS
                .iter()
                .position(|(from, to)| p >= *from && to.is_none_or(|to| p < to))
                .map_or(0, |i| i as u64 + 1)
        });
        c.encode(category)
            | f.encode(colour_family)
            | t.encode(tier)
            | (u64::from(in_stock) << IN_STOCK_SHIFT)
            | (band << BAND_SHIFT)
    }
}

/// Counts the packed facets of the documents it collects.
pub(crate) struct PackedFacets<'a> {
    pub(crate) codes: &'a FacetCodes,
}

/// The counts of the packed facets: per value code, then for values outside the numbering.
#[derive(Debug)]
pub(crate) struct Tally {
    counts: Box<Counts>,
    others: [BTreeMap<String, u64>; 3],
}

/// Counts per code, each array as long as its code has values (so a masked code indexes it
/// without a bounds check).
#[derive(Debug)]
struct Counts {
    category: [u64; 1 << CATEGORY_BITS],
    colour: [u64; 1 << COLOUR_BITS],
    tier: [u64; 1 << TIER_BITS],
    in_stock: [u64; 2],
    bands: [u64; 1 << BAND_BITS],
}

/// Adds `theirs` into `mine`, element by element.
fn add_into(mine: &mut [u64], theirs: &[u64]) {
    for (m, t) in mine.iter_mut().zip(theirs) {
        *m += t;
    }
}

impl Tally {
    fn new() -> Tally {
        Tally {
            counts: Box::new(Counts {
                category: [0; 1 << CATEGORY_BITS],
                colour: [0; 1 << COLOUR_BITS],
                tier: [0; 1 << TIER_BITS],
                in_stock: [0; 2],
                bands: [0; 1 << BAND_BITS],
            }),
            others: Default::default(),
        }
    }

    fn add(&mut self, other: Tally) {
        let (mine, theirs) = (&mut self.counts, &other.counts);
        add_into(&mut mine.category, &theirs.category);
        add_into(&mut mine.colour, &theirs.colour);
        add_into(&mut mine.tier, &theirs.tier);
        add_into(&mut mine.in_stock, &theirs.in_stock);
        add_into(&mut mine.bands, &theirs.bands);
        for (mine, theirs) in self.others.iter_mut().zip(other.others) {
            for (value, n) in theirs {
                *mine.entry(value).or_default() += n;
            }
        }
    }

    /// The facets, each its most frequent values (ties by value), the price bands cheapest
    /// first; values no product has are left out.
    pub(crate) fn facets(&self, codes: &FacetCodes, out: &mut BTreeMap<String, Vec<FacetCount>>) {
        let c = &self.counts;
        let packed: [&[u64]; 3] = [&c.category, &c.colour, &c.tier];
        for ((p, counts), others) in codes.packed.iter().zip(packed).zip(&self.others) {
            let named = p
                .values
                .iter()
                .zip(&counts[1..])
                .map(|(v, n)| (v.as_str(), *n));
            let all = named.chain(others.iter().map(|(v, n)| (v.as_str(), *n)));
            out.insert(p.name.to_string(), top(all));
        }
        let stock = [("0", c.in_stock[0]), ("1", c.in_stock[1])];
        out.insert("in_stock".into(), top(stock.into_iter()));
        let bands = PRICE_BANDS
            .iter()
            .zip(&c.bands[1..])
            .filter(|(_, n)| **n > 0)
            .map(|((from, to), n)| FacetCount {
                value: match to {
                    Some(to) => format!("{}-{}", from / 100, to / 100),
                    None => format!("{}-", from / 100),
                },
                count: *n,
            })
            .collect();
        out.insert(PRICE_FACET.into(), bands);
    }
}

/// The [`TOP`] most frequent of `counts`, ties by value, none of count 0.
fn top<'a>(counts: impl Iterator<Item = (&'a str, u64)>) -> Vec<FacetCount> {
    let mut all: Vec<(&str, u64)> = counts.filter(|(_, n)| *n > 0).collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    all.into_iter()
        .take(TOP)
        .map(|(value, count)| FacetCount {
            value: value.to_string(),
            count,
        })
        .collect()
}

impl Collector for PackedFacets<'_> {
    type Fruit = Tally;
    type Child = SegmentFacets;

    fn for_segment(&self, _ord: u32, reader: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let fast = reader.fast_fields();
        let mut texts = Vec::with_capacity(3);
        for p in &self.codes.packed {
            texts.push(fast.str(p.name)?);
        }
        let column = fast.u64(FACET_CODE_FIELD)?;
        let full = (column.get_cardinality() == Cardinality::Full).then(|| column.values.clone());
        Ok(SegmentFacets {
            column,
            full,
            texts,
            tally: Tally::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Tally>) -> tantivy::Result<Tally> {
        let mut total = Tally::new();
        for fruit in fruits {
            total.add(fruit);
        }
        Ok(total)
    }
}

/// The packed facets of one segment.
pub(crate) struct SegmentFacets {
    column: Column<u64>,
    /// The codes' values when every document has one (as every document written has).
    full: Option<Arc<dyn ColumnValues<u64>>>,
    /// Each packed facet's text column, read for values outside the numbering.
    texts: Vec<Option<StrColumn>>,
    tally: Tally,
}

/// The code of the packed facet at `shift` of `bits` bits.
fn part(code: u64, shift: u32, bits: u32) -> usize {
    ((code >> shift) & ((1 << bits) - 1)) as usize
}

impl SegmentFacets {
    fn count(&mut self, doc: DocId, code: u64) {
        let c = &mut self.tally.counts;
        let category = part(code, CATEGORY_SHIFT, CATEGORY_BITS);
        let colour = part(code, COLOUR_SHIFT, COLOUR_BITS);
        let tier = part(code, TIER_SHIFT, TIER_BITS);
        c.category[category] += 1;
        c.colour[colour] += 1;
        c.tier[tier] += 1;
        c.in_stock[part(code, IN_STOCK_SHIFT, 1)] += 1;
        c.bands[part(code, BAND_SHIFT, BAND_BITS)] += 1;
        for (facet, (value, bits)) in [
            (category, CATEGORY_BITS),
            (colour, COLOUR_BITS),
            (tier, TIER_BITS),
        ]
        .into_iter()
        .enumerate()
        {
            if value == (1 << bits) - 1 {
                self.count_other(facet, doc);
            }
        }
    }

    /// Counts a value outside the numbering, read from its own column.
    fn count_other(&mut self, facet: usize, doc: DocId) {
        let Some(column) = &self.texts[facet] else {
            return;
        };
        let mut text = String::new();
        for ord in column.term_ords(doc) {
            if column.ord_to_str(ord, &mut text).unwrap_or(false) {
                *self.tally.others[facet].entry(text.clone()).or_default() += 1;
            }
        }
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = Tally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.collect_block(&[doc]);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for docs in docs.chunks(COLLECT_BLOCK_BUFFER_LEN) {
            if let Some(values) = self.full.clone() {
                let mut codes = [0u64; COLLECT_BLOCK_BUFFER_LEN];
                values.get_vals(docs, &mut codes[..docs.len()]);
                for (&doc, &code) in docs.iter().zip(&codes) {
                    self.count(doc, code);
                }
            } else {
                let mut codes = [None; COLLECT_BLOCK_BUFFER_LEN];
                self.column.first_vals(docs, &mut codes[..docs.len()]);
                for (&doc, code) in docs.iter().zip(codes) {
                    if let Some(code) = code {
                        self.count(doc, code);
                    }
                }
            }
        }
    }

    fn harvest(self) -> Tally {
        self.tally
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes() -> FacetCodes {
        let taxonomy = Taxonomy::bundled();
        FacetCodes::new(&taxonomy, &Tiers::bundled())
    }

    #[test]
    fn each_facet_reads_back_from_its_place() {
        let codes = codes();
        let code = codes.encode(
            [Some("ballet_flats"), Some("pink"), Some("premium")],
            true,
            Some(13_500),
        );
        let [c, f, t] = &codes.packed;
        assert_eq!(c.values[c.decode(code) - 1], "ballet_flats");
        assert_eq!(f.values[f.decode(code) - 1], "pink");
        assert_eq!(t.values[t.decode(code) - 1], "premium");
        assert_eq!((code >> IN_STOCK_SHIFT) & 1, 1);
        assert_eq!(
            code >> BAND_SHIFT,
            4,
            "£135 is in the fourth band, £100–£250"
        );
    }

    #[test]
    fn unknown_values_are_other_and_absent_ones_none() {
        let codes = codes();
        let code = codes.encode([Some("spacesuits"), None, Some("premium")], false, None);
        let [c, f, _] = &codes.packed;
        assert_eq!(c.decode(code) as u64, c.other());
        assert_eq!(f.decode(code), 0);
        assert_eq!(code >> BAND_SHIFT, 0);
        assert_eq!(code >> IN_STOCK_SHIFT, 0);
    }

    /// A small index holding each document's facets both as text columns and packed, read
    /// with a numbering that knows only some of the categories and colour families.
    fn index() -> (tantivy::Index, FacetCodes, Vec<Option<u64>>) {
        use tantivy::schema::{FAST, STRING, Schema};
        let mut schema = Schema::builder();
        let code = schema.add_u64_field(FACET_CODE_FIELD, FAST);
        let category = schema.add_text_field("category", STRING | FAST);
        let colour = schema.add_text_field("colour_family", STRING | FAST);
        let tier = schema.add_text_field("tier", STRING | FAST);
        let in_stock = schema.add_u64_field("in_stock", FAST);
        let index = tantivy::Index::create_in_ram(schema.build());
        let cats: Vec<String> = (0..15).map(|i| format!("c{i:02}")).collect();
        let codes = FacetCodes::of(
            cats[..10].iter().map(String::as_str),
            ["k0", "k1"],
            ["t0", "t1", "t2"],
        );
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 20_000_000).unwrap();
        let mut rows = Vec::new();
        for n in 0..3_000u64 {
            let c = (n % 17 < 15).then(|| cats[((n * 7 + n / 100) % 15) as usize].clone());
            let k = (n % 5 < 4).then(|| format!("k{}", n % 4));
            let t = format!("t{}", n % 3);
            let price = (n % 9 != 0).then_some(n * 37 % 80_000);
            let mut doc = tantivy::TantivyDocument::default();
            c.iter().for_each(|c| doc.add_text(category, c));
            k.iter().for_each(|k| doc.add_text(colour, k));
            doc.add_text(tier, &t);
            doc.add_u64(in_stock, n % 4 % 2);
            doc.add_u64(
                code,
                codes.encode(
                    [c.as_deref(), k.as_deref(), Some(&t)],
                    n % 4 % 2 == 1,
                    price,
                ),
            );
            writer.add_document(doc).unwrap();
            rows.push(price);
        }
        writer.commit().unwrap();
        (index, codes, rows)
    }

    #[test]
    fn packed_counts_are_tantivys_terms_and_every_band() {
        let (index, codes, rows) = index();
        let searcher = index.reader().unwrap().searcher();
        let tally = searcher
            .search(&tantivy::query::AllQuery, &PackedFacets { codes: &codes })
            .unwrap();
        let mut ours = BTreeMap::new();
        tally.facets(&codes, &mut ours);

        let request = serde_json::json!({
            "category": {"terms": {"field": "category", "size": TOP}},
            "colour_family": {"terms": {"field": "colour_family", "size": TOP}},
            "tier": {"terms": {"field": "tier", "size": TOP}},
            "in_stock": {"terms": {"field": "in_stock", "size": TOP}},
        });
        let aggs: Aggregations = serde_json::from_value(request).unwrap();
        let collector =
            tantivy::aggregation::AggregationCollector::from_aggs(aggs, Default::default());
        let theirs = serde_json::to_value(
            searcher
                .search(&tantivy::query::AllQuery, &collector)
                .unwrap(),
        )
        .unwrap();
        for name in ["category", "colour_family", "tier", "in_stock"] {
            let expected: Vec<(String, u64)> = theirs[name]["buckets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| match &b["key"] {
                    serde_json::Value::String(s) => (s.clone(), b["doc_count"].as_u64().unwrap()),
                    other => (other.to_string(), b["doc_count"].as_u64().unwrap()),
                })
                .collect();
            let got: Vec<(String, u64)> = ours[name]
                .iter()
                .map(|f| (f.value.clone(), f.count))
                .collect();
            assert_eq!(got, expected, "{name}");
        }
        assert_eq!(
            ours["category"].len(),
            TOP,
            "15 categories, the top ten shown"
        );
        assert!(
            ours["category"].iter().any(|f| f.value.as_str() >= "c10"),
            "a category outside the numbering is counted: {:?}",
            ours["category"]
        );
        assert!(ours["colour_family"].iter().any(|f| f.value == "k3"));
        let bands: Vec<u64> = PRICE_BANDS
            .iter()
            .map(|(from, to)| {
                let n = rows
                    .iter()
                    .flatten()
                    .filter(|p| **p >= *from && to.is_none_or(|to| **p < to))
                    .count();
                n as u64
            })
            .filter(|n| *n > 0)
            .collect();
        let got: Vec<u64> = ours[PRICE_FACET].iter().map(|f| f.count).collect();
        assert_eq!(got, bands);
    }

    #[test]
    fn band_edges_fall_in_the_upper_band() {
        let codes = codes();
        let band = |p| codes.encode([None; 3], false, Some(p)) >> BAND_SHIFT;
        assert_eq!(band(0), 1);
        assert_eq!(band(2_499), 1);
        assert_eq!(band(2_500), 2);
        assert_eq!(band(49_999), 5);
        assert_eq!(band(50_000), 6);
        assert_eq!(band(u64::MAX), 6);
    }
}
