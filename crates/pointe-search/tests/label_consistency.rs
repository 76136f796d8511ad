//! Label consistency across the whole wardrobe: Myntra's labelled product names
//! (`../shared/data/catalogs/myntra-fpi-all/styles_even_ids.csv`, 22,233 names with their
//! article type, gender and base colour) are ingested by name and gender only
//! (`mappings/myntra-fpi-names.toml`); for the seeded heroes of `tests/fixtures/fpi-heroes.toml`
//! the top five look-alikes (`--cheaper false --limit 5`) are scored by the share that has the
//! hero's article type (exact label), gender, colour family (`tests/fixtures/colour-families.toml`)
//! and all three (P@5).
//!
//! The peer, in the same harness: TF-IDF cosine over the same names (lowercase alphanumeric
//! tokens, sublinear tf, idf = ln(N/df), tokens in more than 10% of names ignored, L2 cosine,
//! the hero excluded, ties by id). Goals: type P@5 ≥ 0.92 and all-three P@5 ≥ 0.80, each at
//! least 0.05 above the peer. Figures are printed (overall and per article type); RELEVANCE.md
//! records them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

mod pool;

use pointe_core::attributes::{Extractor, Taxonomy};
use pointe_core::brand::BrandBook;
use pointe_core::catalog::CatalogReader;
use pointe_core::feed::{FeedOptions, Mapping};
use pointe_core::fx::RateTable;
use pointe_core::ingest::{IngestOptions, ingest_file};
use pointe_core::store::{Catalog, SqliteStore};
use pointe_core::tiers::Tiers;
use pointe_search::lookalike::{Hero, LookalikeQuery};
use pointe_search::{IndexContext, SearchIndex};
use serde::Deserialize;

/// The goals (not yet met: RELEVANCE.md has the figures), printed beside the result.
const TYPE_GOAL: f64 = 0.92;
const ALL_GOAL: f64 = 0.80;
/// How far above the peer every measure must be.
const MARGIN: f64 = 0.05;
/// The figures measured once names gave their brand and narrower kinds ranked below the
/// hero's own (type 0.929, all three 0.763), a little below: a change that loses ground fails.
const TYPE_FLOOR: f64 = 0.92;
const ALL_FLOOR: f64 = 0.75;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// One labelled row.
#[derive(Debug, Clone)]
struct Label {
    name: String,
    article_type: String,
    gender: String,
    colour: String,
}

#[derive(Debug, Deserialize)]
struct Heroes {
    hero: Vec<HeroEntry>,
}

#[derive(Debug, Deserialize)]
struct HeroEntry {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Families {
    family: HashMap<String, String>,
}

fn labels(path: &Path) -> BTreeMap<String, Label> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, at, g, c, n) = (
        col("id"),
        col("articleType"),
        col("gender"),
        col("baseColour"),
        col("productDisplayName"),
    );
    let mut out = BTreeMap::new();
    for row in reader.records() {
        let row = row.unwrap();
        let cell = |i: usize| row.get(i).unwrap_or("").trim().to_string();
        out.insert(
            cell(id),
            Label {
                name: cell(n),
                article_type: cell(at),
                gender: cell(g),
                colour: cell(c),
            },
        );
    }
    out
}

/// P@5 of the four measures, as sums over heroes (divide by the count).
#[derive(Debug, Default, Clone, Copy)]
struct Precision {
    heroes: usize,
    article_type: f64,
    gender: f64,
    colour: f64,
    all: f64,
}

impl Precision {
    fn add(&mut self, hero: &Label, top: &[&Label], family: &dyn Fn(&str) -> String) {
        let share = |f: &dyn Fn(&Label) -> bool| top.iter().filter(|l| f(l)).count() as f64 / 5.0;
        let ty = |l: &Label| l.article_type == hero.article_type;
        let ge = |l: &Label| l.gender == hero.gender;
        let co = |l: &Label| family(&l.colour) == family(&hero.colour);
        self.heroes += 1;
        self.article_type += share(&ty);
        self.gender += share(&ge);
        self.colour += share(&co);
        self.all += share(&|l| ty(l) && ge(l) && co(l));
    }

    fn mean(&self) -> [f64; 4] {
        let n = self.heroes.max(1) as f64;
        [
            self.article_type / n,
            self.gender / n,
            self.colour / n,
            self.all / n,
        ]
    }
}

/// With `POINTE_EVAL_MISSES` set: a hero whose top five miss anything, with each result's
/// labels, the misses marked.
fn print_misses(id: &str, hero: &Label, top: &[&Label], family: &dyn Fn(&str) -> String) {
    let miss = |l: &Label| {
        let mut m = String::new();
        if l.article_type != hero.article_type {
            m.push_str(" TYPE");
        }
        if l.gender != hero.gender {
            m.push_str(" GENDER");
        }
        if family(&l.colour) != family(&hero.colour) {
            m.push_str(" COLOUR");
        }
        m
    };
    if top.iter().all(|l| miss(l).is_empty()) {
        return;
    }
    let show = |l: &Label| {
        format!(
            "{} [{}, {}, {}]",
            l.name, l.article_type, l.gender, l.colour
        )
    };
    println!("hero {id}: {}", show(hero));
    for l in top {
        println!("    {}{}", show(l), miss(l));
    }
}

/// Pointe's reading of a labelled product's name: its category and the colour family of its
/// main colour (the taxonomy's root of that colour), when it reads them.
#[derive(Debug, Clone, PartialEq)]
struct Reading {
    category: Option<String>,
    family: Option<String>,
}

fn readings(
    store: &SqliteStore,
    reader: &CatalogReader<'_>,
    ctx: &IndexContext,
    labels: &BTreeMap<String, Label>,
) -> HashMap<String, Reading> {
    let root = |c: String| {
        let chain = ctx.taxonomy.parent_chain("colour", &c);
        chain.last().map(|v| v.id.clone()).unwrap_or(c)
    };
    labels
        .keys()
        .map(|id| {
            let product = reader.resolve(id).unwrap();
            let offers = store.offers_of(product.key).unwrap();
            let hero = Hero::from_product(&product, &offers, ctx).unwrap();
            let reading = Reading {
                category: hero.reading("category", &ctx.taxonomy),
                family: hero.reading("colour", &ctx.taxonomy).map(root),
            };
            (id.clone(), reading)
        })
        .collect()
}

/// A labelled product with Pointe's reading of it.
type Row<'a> = (&'a str, &'a Label, &'a Reading);

/// The all-three P@5 a ranker would reach that puts first every product that agrees with the
/// hero on `agrees`' three tests, in their order of precedence, with ties drawn at random (the
/// expected figure, not a draw): how far a reading lets any ordering of the catalog go.
fn ceiling(
    heroes: &[HeroEntry],
    rows: &[Row<'_>],
    hit: &dyn Fn(&Label, &Label) -> bool,
    agrees: &dyn Fn(&Row<'_>, &Row<'_>) -> [bool; 3],
) -> f64 {
    let mut total = 0.0;
    for h in heroes {
        let Some(hero) = rows.iter().find(|r| r.0 == h.id) else {
            continue;
        };
        // (products, hits) by tier; tier 0 agrees on all three.
        let mut tiers = [(0usize, 0usize); 8];
        for row in rows.iter().filter(|r| r.0 != h.id) {
            let a = agrees(hero, row);
            let tier = usize::from(!a[0]) << 2 | usize::from(!a[1]) << 1 | usize::from(!a[2]);
            tiers[tier].0 += 1;
            tiers[tier].1 += usize::from(hit(hero.1, row.1));
        }
        let (mut left, mut hits) = (5usize, 0.0);
        for (size, good) in tiers {
            let take = left.min(size);
            if take > 0 {
                hits += take as f64 * good as f64 / size as f64;
            }
            left -= take;
        }
        total += hits / 5.0;
    }
    total / heroes.len().max(1) as f64
}

fn build(dir: &Path, csv: &Path) -> (SqliteStore, SearchIndex, IndexContext) {
    let mut store = SqliteStore::open_dir(dir).unwrap();
    let brands = BrandBook::load(None).unwrap();
    let extractor = Extractor::new(&Taxonomy::bundled());
    let options = IngestOptions {
        feed: FeedOptions {
            mapping: Some(Mapping::load(&repo().join("mappings/myntra-fpi-names.toml")).unwrap()),
            ..FeedOptions::default()
        },
        source: None,
        retailer: None,
        seen_at: pointe_core::clock::parse_time("2026-01-05T09:00:00Z").unwrap(),
        market: None,
        prices: Default::default(),
    };
    ingest_file(&mut store, &brands, &extractor, csv, &options, &mut |_| {}).unwrap();
    let ctx = IndexContext {
        taxonomy: Taxonomy::bundled(),
        rates: RateTable::bundled(),
        tiers: Tiers::bundled(),
        today: "2026-01-05".parse().unwrap(),
        config: pool::weights(),
    };
    let index = SearchIndex::build(&dir.join("index"), &store, ctx.clone()).unwrap();
    (store, index, ctx)
}

#[test]
fn lookalikes_keep_type_gender_and_colour_better_than_tf_idf_and_hold_their_floor() {
    let Some(csv) = pointe_testdata::shared_data("catalogs/myntra-fpi-all/styles_even_ids.csv")
    else {
        return;
    };
    let labels = labels(&csv);
    let heroes: Heroes =
        toml::from_str(&std::fs::read_to_string(fixture("fpi-heroes.toml")).unwrap()).unwrap();
    let families: Families =
        toml::from_str(&std::fs::read_to_string(fixture("colour-families.toml")).unwrap()).unwrap();
    let family = |c: &str| {
        families
            .family
            .get(c)
            .cloned()
            .unwrap_or_else(|| c.to_string())
    };
    let dir = tempfile::tempdir().unwrap();
    let (store, index, ctx) = build(dir.path(), &csv);
    let reader = CatalogReader::new(&store, &ctx.rates, ctx.today);
    let peer = pool::Cosine::new(labels.iter().map(|(id, l)| (id.as_str(), l.name.as_str())));
    let (mut ours, mut theirs) = (Precision::default(), Precision::default());
    let mut by_type: BTreeMap<String, (Precision, Precision)> = BTreeMap::new();
    let query = LookalikeQuery {
        cheaper: false,
        limit: 5,
        ..LookalikeQuery::default()
    };
    for h in &heroes.hero {
        let label = &labels[&h.id];
        let product = reader.resolve(&h.id).unwrap();
        let offers = store.offers_of(product.key).unwrap();
        let hero = Hero::from_product(&product, &offers, &ctx).unwrap();
        let results = index.lookalikes(&hero, &query).unwrap();
        let mine: Vec<&Label> = results
            .items
            .iter()
            .filter_map(|r| labels.get(&r.item_ids[0].item_id))
            .collect();
        let peer_top = peer.similar(&h.id, 5);
        let other: Vec<&Label> = peer_top.iter().filter_map(|id| labels.get(id)).collect();
        if std::env::var_os("POINTE_EVAL_MISSES").is_some() {
            print_misses(&h.id, label, &mine, &family);
        }
        ours.add(label, &mine, &family);
        theirs.add(label, &other, &family);
        let entry = by_type.entry(label.article_type.clone()).or_default();
        entry.0.add(label, &mine, &family);
        entry.1.add(label, &other, &family);
    }
    let row = |name: &str, a: &Precision, b: &Precision| {
        let (x, y) = (a.mean(), b.mean());
        format!(
            "| {name} | {} | {:.3} / {:.3} | {:.3} / {:.3} | {:.3} / {:.3} | {:.3} / {:.3} |\n",
            a.heroes, x[0], y[0], x[1], y[1], x[2], y[2], x[3], y[3]
        )
    };
    let mut table = String::from(
        "| article type | heroes | type P@5 (Pointe / TF-IDF) | gender | colour family | all three |\n|---|---:|---|---|---|---|\n",
    );
    for (t, (a, b)) in &by_type {
        table.push_str(&row(t, a, b));
    }
    table.push_str(&row("**overall**", &ours, &theirs));
    println!("{table}");
    let reading = readings(&store, &reader, &ctx, &labels);
    let hit = |h: &Label, l: &Label| {
        l.article_type == h.article_type
            && l.gender == h.gender
            && family(&l.colour) == family(&h.colour)
    };
    let rows: Vec<Row<'_>> = labels
        .iter()
        .map(|(id, l)| (id.as_str(), l, &reading[id]))
        .collect();
    let same_colour = |a: &Row<'_>, b: &Row<'_>| a.2.family.is_some() && a.2.family == b.2.family;
    let by_reading = ceiling(&heroes.hero, &rows, &hit, &|a, b| {
        [
            a.2.category.is_some() && a.2.category == b.2.category,
            a.1.gender == b.1.gender,
            same_colour(a, b),
        ]
    });
    let by_labels = ceiling(&heroes.hero, &rows, &hit, &|a, b| {
        [
            a.1.article_type == b.1.article_type,
            a.1.gender == b.1.gender,
            same_colour(a, b),
        ]
    });
    println!(
        "all-three ceilings (products ordered by agreement with the hero, ties at random): \
         Pointe's category, the gender, Pointe's colour family {by_reading:.3}; \
         the labels' type and gender, Pointe's colour family {by_labels:.3}"
    );
    let (m, p) = (ours.mean(), theirs.mean());
    println!(
        "goals: type P@5 {:.3} (goal {TYPE_GOAL}: {}), all three {:.3} (goal {ALL_GOAL}: {})",
        m[0],
        if m[0] >= TYPE_GOAL { "met" } else { "not met" },
        m[3],
        if m[3] >= ALL_GOAL { "met" } else { "not met" },
    );
    for (i, name) in ["type", "gender", "colour family", "all three"]
        .iter()
        .enumerate()
    {
        assert!(
            m[i] >= p[i] + MARGIN,
            "{name} P@5 {:.3} is not {MARGIN} above TF-IDF's {:.3}\n{table}",
            m[i],
            p[i]
        );
    }
    assert!(
        m[0] >= TYPE_FLOOR,
        "type P@5 {:.3} < {TYPE_FLOOR}\n{table}",
        m[0]
    );
    assert!(
        m[3] >= ALL_FLOOR,
        "all-three P@5 {:.3} < {ALL_FLOOR}\n{table}",
        m[3]
    );
}
