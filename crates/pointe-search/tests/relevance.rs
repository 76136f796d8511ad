//! Relevance evaluation: the judged heroes of `tests/fixtures/judged.toml` (the first set,
//! footwear, bags and clothing) and `tests/fixtures/judged-wardrobe.toml` (its superset across
//! the whole wardrobe) ranked in the real catalogs of `../shared/data` (seed edit + Myntra +
//! Datafiniti June 2019), scored by nDCG@5 and recall@10 per hero, per kind and overall,
//! printed as tables.
//!
//! A result that folds a retailer's listings of one product (the listing rule of search and
//! look-alikes: identical in all but their ids) counts as the best-graded of them, and the
//! ideal ranking folds the judged listings by the same rule: one product listed twice is one
//! result, in the ranking and in the ideal, and two products are two in both. Skips with a message
//! when the shared data is absent (fails under `POINTE_REQUIRE_DATA=1`).
//!
//! A second, pooled round of judgements (`tests/fixtures/judged-wardrobe-pool.toml`) is merged
//! into the whole-wardrobe set; `POINTE_EVAL_POOL=DIR` writes to `DIR/judged-wardrobe.pool.txt`
//! each hero's products that Pointe or the TF-IDF peer ranks in its top ten and no round
//! grades, sorted by item id with their text, for the next round (see `pool/mod.rs`).

mod pool;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

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

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared_data(relative: &str) -> Option<PathBuf> {
    pointe_testdata::shared_data(relative)
}

#[derive(Debug, Deserialize)]
struct Judged {
    options: Options,
    hero: Vec<JudgedHero>,
}

#[derive(Debug, Deserialize)]
struct Options {
    cheaper: bool,
    limit: usize,
}

#[derive(Debug, Deserialize)]
struct JudgedHero {
    id: String,
    kind: String,
    #[serde(default)]
    note: String,
    judged: Vec<Judgement>,
}

#[derive(Debug, Deserialize)]
struct Judgement {
    item: String,
    grade: u32,
}

/// A later round of judgements: per hero, the products pooled and graded.
#[derive(Debug, Deserialize)]
struct Round {
    #[serde(default)]
    hero: Vec<RoundHero>,
}

#[derive(Debug, Deserialize)]
struct RoundHero {
    id: String,
    pooled: Vec<Judgement>,
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

/// The judged set of `file` with the pooled round of `pool` (when given) merged into its
/// heroes' judgements. A pooled item a hero already judges is an error: rounds never regrade.
fn judged_set(file: &str, pool: Option<&str>) -> Judged {
    let mut judged: Judged = toml::from_str(&fixture(file)).unwrap();
    let Some(pool) = pool else {
        return judged;
    };
    let round: Round = toml::from_str(&fixture(pool)).unwrap();
    for r in round.hero {
        let h = judged
            .hero
            .iter_mut()
            .find(|h| h.id == r.id)
            .unwrap_or_else(|| panic!("{pool}: hero {:?} is not in {file}", r.id));
        let what = format!("{pool}: {:?}", r.id);
        pool::add_round(&mut h.judged, r.pooled, |j| &j.item, &what);
    }
    judged
}

/// DCG of `grades` in rank order over the first `k`, with gain 2^grade − 1.
fn dcg(grades: &[u32], k: usize) -> f64 {
    grades
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, &g)| (2f64.powi(g as i32) - 1.0) / ((i + 2) as f64).log2())
        .sum()
}

/// The store of the evaluation catalogs, built once per test binary run in a temp dir.
fn build_store(dir: &Path) -> Option<SqliteStore> {
    let seed = shared_data("feeds/seed-edit.awin.csv")?;
    let myntra = shared_data("catalogs/myntra-products/myntra_products_catalog.csv")?;
    let datafiniti = shared_data("catalogs/datafiniti-womens-shoes/womens_shoes_jun19.csv")?;
    let mut store = SqliteStore::open_dir(dir).unwrap();
    let brands = BrandBook::load(None).unwrap();
    let extractor = Extractor::new(&Taxonomy::bundled());
    let seen_at = pointe_core::clock::parse_time("2026-01-05T09:00:00Z").unwrap();
    for (file, mapping) in [
        (seed, None),
        (myntra, Some("myntra-products.toml")),
        (datafiniti, Some("datafiniti-womens-shoes-jun19.toml")),
    ] {
        let options = IngestOptions {
            feed: FeedOptions {
                mapping: mapping.map(|m| Mapping::load(&repo().join("mappings").join(m)).unwrap()),
                ..FeedOptions::default()
            },
            source: None,
            retailer: None,
            seen_at,
            market: None,
            prices: Default::default(),
        };
        ingest_file(
            &mut store,
            &brands,
            &extractor,
            &file,
            &options,
            &mut |_| {},
        )
        .unwrap();
    }
    Some(store)
}

/// The floor of the first judged set's mean nDCG@5.
const FIRST_SET_FLOOR: f64 = 0.8;

#[test]
fn the_first_judged_heroes_keep_ndcg_at_5_of_0_8() {
    let Some(eval) = Evaluation::new() else {
        return;
    };
    let report = eval.run("judged.toml", None);
    println!("{}", report.table);
    assert!(
        report.ndcg >= FIRST_SET_FLOOR,
        "mean nDCG@5 {:.3} < {FIRST_SET_FLOOR}\n{}",
        report.ndcg,
        report.table
    );
}

/// The catalogs, their index and what grading needs.
struct Evaluation {
    _dir: tempfile::TempDir,
    store: SqliteStore,
    index: SearchIndex,
    ctx: IndexContext,
}

/// One judged set's figures.
struct Report {
    /// Mean nDCG@5 with every unjudged result counted as not relevant.
    ndcg: f64,
    /// Mean condensed nDCG@5: unjudged results left out of the ranking before grading (the
    /// usual companion figure when judgements are incomplete).
    condensed: f64,
    table: String,
}

/// One hero's figures.
struct Graded {
    ndcg: f64,
    condensed: f64,
    recall: f64,
    top: Vec<String>,
    /// The hero's Pointe id and its first ten look-alikes with their item ids, for pooling.
    product: String,
    ranked: Vec<(String, Vec<String>)>,
}

/// How many results are read to find five judged ones for the condensed figure.
const CONDENSED_DEPTH: usize = 50;

impl Evaluation {
    fn new() -> Option<Evaluation> {
        let dir = tempfile::tempdir().unwrap();
        let store = build_store(&dir.path().join("data"))?;
        let ctx = IndexContext {
            taxonomy: Taxonomy::bundled(),
            rates: RateTable::bundled(),
            tiers: Tiers::bundled(),
            today: "2026-01-05".parse().unwrap(),
            config: pool::weights(),
        };
        let index = SearchIndex::build(&dir.path().join("index"), &store, ctx.clone()).unwrap();
        Some(Evaluation {
            _dir: dir,
            store,
            index,
            ctx,
        })
    }

    /// The figures of the judged set `file`, with the pooled round `pool` merged when given.
    fn run(&self, file: &str, pool: Option<&str>) -> Report {
        let judged = judged_set(file, pool);
        let peer = pool::pool_dir().map(|_| pool::Peer::new(&self.store));
        let mut sections = Vec::new();
        let mut table = String::from(
            "| hero | kind | nDCG@5 | condensed nDCG@5 | recall@10 | top 5 (grade) |\n\
             |---|---|---:|---:|---:|---|\n",
        );
        let mut by_kind: BTreeMap<String, Vec<[f64; 3]>> = BTreeMap::new();
        for h in &judged.hero {
            let g = self.hero(h, &judged.options);
            if let Some(peer) = &peer {
                sections.push(pool_section(peer, h, &g));
            }
            by_kind
                .entry(h.kind.clone())
                .or_default()
                .push([g.ndcg, g.condensed, g.recall]);
            table.push_str(&format!(
                "| {} | {} | {:.3} | {:.3} | {:.3} | {} |\n",
                h.id.chars().take(40).collect::<String>(),
                h.kind,
                g.ndcg,
                g.condensed,
                g.recall,
                g.top.join("; ")
            ));
        }
        let all: Vec<[f64; 3]> = by_kind.values().flatten().copied().collect();
        let mean = |list: &[[f64; 3]]| {
            let n = list.len() as f64;
            [0, 1, 2].map(|i| list.iter().map(|x| x[i]).sum::<f64>() / n)
        };
        table.push_str(
            "\n| kind | heroes | nDCG@5 | condensed nDCG@5 | recall@10 |\n|---|---:|---:|---:|---:|\n",
        );
        for (kind, list) in &by_kind {
            let [n, c, r] = mean(list);
            table.push_str(&format!(
                "| {kind} | {} | {n:.3} | {c:.3} | {r:.3} |\n",
                list.len()
            ));
        }
        let [ndcg, condensed, recall] = mean(&all);
        table.push_str(&format!(
            "| **overall** | {} | **{ndcg:.3}** | **{condensed:.3}** | **{recall:.3}** |\n",
            all.len()
        ));
        if let Some(dir) = pool::pool_dir() {
            let name = format!("{}.pool.txt", file.trim_end_matches(".toml"));
            let n = pool::write(&dir, &name, &sections);
            println!(
                "pool: {n} unjudged products written to {}",
                dir.join(name).display()
            );
        }
        Report {
            ndcg,
            condensed,
            table,
        }
    }

    /// One hero's nDCG@5, recall@10 and top five, graded by listings folded as results are.
    fn hero(&self, h: &JudgedHero, options: &Options) -> Graded {
        let reader = CatalogReader::new(&self.store, &self.ctx.rates, self.ctx.today);
        let product = reader.resolve(&h.id).unwrap();
        let offers = self.store.offers_of(product.key).unwrap();
        let hero = Hero::from_product(&product, &offers, &self.ctx).unwrap();
        let results = self
            .index
            .lookalikes(
                &hero,
                &LookalikeQuery {
                    cheaper: options.cheaper,
                    limit: options.limit.max(CONDENSED_DEPTH),
                    ..LookalikeQuery::default()
                },
            )
            .unwrap();
        // Each judged listing's grade, by its feed item id, and its product's folding key.
        let mut grade_of: HashMap<String, u32> = HashMap::new();
        let mut ideal_by_key: HashMap<String, u32> = HashMap::new();
        for j in &h.judged {
            grade_of.insert(j.item.clone(), j.grade);
            let p = reader.resolve(&j.item).unwrap();
            let offers = self.store.offers_of(p.key).unwrap();
            let listing = Hero::from_product(&p, &offers, &self.ctx)
                .unwrap()
                .listing();
            let key = listing.map_or_else(|| j.item.clone(), |k| format!("{k:016x}"));
            let best = ideal_by_key.entry(key).or_insert(0);
            *best = (*best).max(j.grade);
        }
        let judged: Vec<Option<u32>> = results
            .items
            .iter()
            .map(|r| {
                r.item_ids
                    .iter()
                    .filter_map(|i| grade_of.get(&i.item_id))
                    .copied()
                    .max()
            })
            .collect();
        let ranked: Vec<u32> = judged
            .iter()
            .take(options.limit)
            .map(|g| g.unwrap_or(0))
            .collect();
        let condensed: Vec<u32> = judged.iter().flatten().copied().collect();
        if std::env::var("POINTE_EVAL_DETAIL").is_ok_and(|v| h.id.contains(&v)) {
            println!("\n== {} — {}", h.id, results.hero.understood);
            for (r, g) in results.items.iter().zip(&ranked) {
                println!(
                    "  {:.3} g{g} {} | {} | diff: {}",
                    r.score,
                    r.title,
                    r.shared.join(", "),
                    r.differences
                        .iter()
                        .map(|d| d.sentence.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                );
            }
        }
        let mut ideal: Vec<u32> = ideal_by_key.into_values().collect();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        let ndcg = dcg(&ranked, 5) / dcg(&ideal, 5);
        let condensed = dcg(&condensed, 5) / dcg(&ideal, 5);
        // A ranking better than the ideal means results and ideal fold listings differently.
        assert!(
            ndcg <= 1.0 + 1e-9 && condensed <= 1.0 + 1e-9,
            "{}: nDCG@5 {ndcg:.3}, condensed {condensed:.3} above 1",
            h.id
        );
        let relevant = ideal.iter().filter(|&&g| g > 0).count();
        let found = ranked.iter().take(10).filter(|&&g| g > 0).count();
        let recall = found as f64 / relevant as f64;
        assert!(recall <= 1.0, "{}: recall@10 {recall:.3} above 1", h.id);
        let top = results
            .items
            .iter()
            .take(5)
            .zip(&ranked)
            .map(|(r, g)| format!("{} ({g})", r.title.chars().take(28).collect::<String>()))
            .collect();
        Graded {
            ndcg,
            condensed,
            recall,
            top,
            product: product.id,
            ranked: results
                .items
                .iter()
                .take(10)
                .map(|r| {
                    let items = r.item_ids.iter().map(|i| i.item_id.clone()).collect();
                    (r.id.clone(), items)
                })
                .collect(),
        }
    }
}

/// A hero's pool: Pointe's and the peer's top ten, less every product a round judges.
fn pool_section(peer: &pool::Peer, h: &JudgedHero, g: &Graded) -> pool::Section {
    let judged = h.judged.iter().map(|j| j.item.clone()).collect();
    let mut section = pool::Section::new(format!(
        "hero {:?} ({}): {}\n   note: {}",
        h.id,
        h.kind,
        peer.text(&g.product),
        h.note
    ));
    section.add(peer, &g.ranked, &judged);
    section.add(peer, &peer.similar(&g.product, pool::DEPTH), &judged);
    section
}

/// The goal for the whole-wardrobe judged set's mean nDCG@5 (not yet met: RELEVANCE.md has
/// the figures and why), printed beside the result.
const WARDROBE_GOAL: f64 = 0.85;
/// The figures measured with both rounds of judgements, a little below: a change that loses
/// ground fails. Measured 0.746, condensed 0.760, once the ideal folded the judged listings by
/// the listing rule results fold by (it had folded by brand, title and colour, so that two
/// graded listings of one such key in the top five could lift a hero above 1: 0.762 and 0.776
/// were so inflated). Round 1 alone measured 0.555 and 0.806; its condensed figure was higher
/// because it ranked only the few products round 1 had read.
const WARDROBE_FLOOR: f64 = 0.74;
const WARDROBE_CONDENSED_FLOOR: f64 = 0.74;

#[test]
fn the_whole_wardrobe_judged_heroes_hold_their_measured_ndcg_at_5() {
    let Some(eval) = Evaluation::new() else {
        return;
    };
    let report = eval.run("judged-wardrobe.toml", Some("judged-wardrobe-pool.toml"));
    println!("{}", report.table);
    println!(
        "goal: nDCG@5 {:.3} against {WARDROBE_GOAL}: {}",
        report.ndcg,
        if report.ndcg >= WARDROBE_GOAL {
            "met"
        } else {
            "not met"
        }
    );
    assert!(
        report.ndcg >= WARDROBE_FLOOR && report.condensed >= WARDROBE_CONDENSED_FLOOR,
        "mean nDCG@5 {:.3} (floor {WARDROBE_FLOOR}), condensed {:.3} (floor \
         {WARDROBE_CONDENSED_FLOOR})\n{}",
        report.ndcg,
        report.condensed,
        report.table
    );
}
