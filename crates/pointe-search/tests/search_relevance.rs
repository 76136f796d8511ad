//! Search relevance: the judged queries of `tests/fixtures/judged-search.toml` (what editors
//! and shoppers type: category words, price phrases, gender words, typos, UK/US words, brands,
//! colours and materials) searched in the real catalogs of `../shared/data` (seed edit +
//! Myntra + Datafiniti June 2019, the store `tests/relevance.rs` builds), scored by nDCG@10
//! per query and overall, printed as a table.
//!
//! A result counts with the best grade of the feed items it is known by; the ideal ranking
//! counts each judged product once (two judged ids of one product are one result). Unjudged
//! results count 0. Skips with a message when the shared data is absent (fails under
//! `POINTE_REQUIRE_DATA=1`). `POINTE_EVAL_DETAIL=WORDS` prints the top ten of the queries
//! containing WORDS.
//!
//! A second, pooled round of judgements (`tests/fixtures/judged-search-pool.toml`) is merged
//! into the queries' judgements; `POINTE_EVAL_POOL=DIR` writes to `DIR/judged-search.pool.txt`
//! each query's products that Pointe or the TF-IDF peer ranks in its top ten and no round
//! grades, sorted by item id with their text, for the next round (see `pool/mod.rs`).

mod pool;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pointe_core::attributes::{Extractor, Taxonomy};
use pointe_core::brand::BrandBook;
use pointe_core::catalog::CatalogReader;
use pointe_core::feed::{FeedOptions, Mapping};
use pointe_core::fx::RateTable;
use pointe_core::ingest::{IngestOptions, ingest_file};
use pointe_core::money::Currency;
use pointe_core::store::SqliteStore;
use pointe_core::tiers::Tiers;
use pointe_search::search::SearchQuery;
use pointe_search::{IndexContext, LookalikeConfig, SearchIndex};
use serde::Deserialize;

/// The goal for the mean nDCG@10 over every judged query.
const GOAL: f64 = 0.85;

/// The floor of the mean nDCG@10: the figure measured with both rounds of judgements (0.900;
/// 0.897 once search showed each product once),
/// a little below, so that a change that loses ground fails.
///
/// Round 1 alone graded 5 to 15 products per query, and every product it does not grade
/// counts as irrelevant, so most of any good ranker's top ten scored 0 (nDCG@10 0.219, 8.3
/// unjudged results in each top ten). Round 2 grades every product that Pointe or the TF-IDF
/// peer ranks in its top ten. The test prints, beside nDCG@10, how many of the top ten are
/// unjudged and the condensed nDCG@10 (Sakai 2007: the judged products alone, in the order
/// ranked); a rise in the unjudged count means the next round of pooling is due.
const FLOOR: f64 = 0.88;
// Holding the floor meets the goal.
const _: () = assert!(FLOOR >= GOAL);

/// Results graded per query.
const K: usize = 10;

#[derive(Debug, Deserialize)]
struct Judged {
    query: Vec<JudgedQuery>,
}

#[derive(Debug, Deserialize)]
struct JudgedQuery {
    text: String,
    #[serde(default)]
    note: String,
    judged: Vec<Judgement>,
}

/// A later round of judgements: per query, the products pooled and graded.
#[derive(Debug, Deserialize)]
struct Round {
    #[serde(default)]
    query: Vec<RoundQuery>,
}

#[derive(Debug, Deserialize)]
struct RoundQuery {
    text: String,
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

/// The judged queries with the pooled round merged into their judgements. A pooled item a
/// query already judges is an error: rounds never regrade.
fn judged_queries() -> Judged {
    let mut judged: Judged = toml::from_str(&fixture("judged-search.toml")).unwrap();
    let round: Round = toml::from_str(&fixture("judged-search-pool.toml")).unwrap();
    for r in round.query {
        let q = judged
            .query
            .iter_mut()
            .find(|q| q.text == r.text)
            .unwrap_or_else(|| panic!("pooled query {:?} is not judged", r.text));
        let what = format!("{:?}", r.text);
        pool::add_round(&mut q.judged, r.pooled, |j| &j.item, &what);
    }
    judged
}

#[derive(Debug, Deserialize)]
struct Judgement {
    item: String,
    grade: u32,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
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

/// The store of the evaluation catalogs, as `tests/relevance.rs` builds it: the seed edit,
/// Myntra's catalogue and Datafiniti's June 2019 shoes through their shipped mappings.
fn build_store(dir: &Path) -> Option<SqliteStore> {
    let seed = pointe_testdata::shared_data("feeds/seed-edit.awin.csv")?;
    let myntra =
        pointe_testdata::shared_data("catalogs/myntra-products/myntra_products_catalog.csv")?;
    let datafiniti =
        pointe_testdata::shared_data("catalogs/datafiniti-womens-shoes/womens_shoes_jun19.csv")?;
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

/// nDCG@10 of the judged products alone, in the order the search ranks them (the first 200
/// results; a judged product ranked lower counts as not found).
fn condensed_ndcg(
    index: &SearchIndex,
    q: &JudgedQuery,
    grade_of: &HashMap<String, u32>,
    ideal: &[u32],
) -> f64 {
    let results = index
        .search(&SearchQuery {
            text: q.text.clone(),
            limit: 200,
            ..SearchQuery::default()
        })
        .unwrap();
    let condensed: Vec<u32> = results
        .items
        .iter()
        .filter_map(|hit| {
            hit.item_ids
                .iter()
                .filter_map(|i| grade_of.get(&i.item_id))
                .copied()
                .max()
        })
        .collect();
    dcg(&condensed, K) / dcg(ideal, K)
}

/// One query's figures.
struct Scored {
    text: String,
    ndcg: f64,
    /// nDCG@10 over the judged results alone (Sakai's condensed list): how the ranker orders
    /// what was judged, whatever unjudged products it puts among them.
    condensed: f64,
    /// Results in the top ten that no judgement covers.
    unjudged: usize,
    understood: String,
    top: Vec<String>,
}

/// The evaluation catalogs' store and index in a temp dir; `None` when the data is absent.
fn evaluation() -> Option<(tempfile::TempDir, SqliteStore, SearchIndex, IndexContext)> {
    let dir = tempfile::tempdir().unwrap();
    let store = build_store(&dir.path().join("data"))?;
    let ctx = IndexContext {
        taxonomy: Taxonomy::bundled(),
        rates: RateTable::bundled(),
        tiers: Tiers::bundled(),
        today: "2026-01-05".parse().unwrap(),
        config: LookalikeConfig::bundled(),
    };
    let index = SearchIndex::build(&dir.path().join("index"), &store, ctx.clone()).unwrap();
    Some((dir, store, index, ctx))
}

/// What a query's words ask for holds for every result on the real catalogs: a price phrase
/// is a price cap in its currency, a gender word leaves out the other genders, a brand named
/// whole is the only brand, and "under" is not Under Armour.
#[test]
fn understood_queries_filter_the_real_catalogs() {
    let Some((_dir, _store, index, _ctx)) = evaluation() else {
        return;
    };
    let search = |text: &str, currency: &str| {
        index
            .search(&SearchQuery {
                text: text.into(),
                limit: 200,
                currency: Currency::from_code(currency),
                ..SearchQuery::default()
            })
            .unwrap()
    };
    let amount = |hit: &pointe_search::SearchHit| -> f64 {
        hit.price.as_ref().unwrap().amount.parse().unwrap()
    };
    let r = search("white sneakers under £50", "GBP");
    assert_eq!(r.understood.brand, None);
    assert_eq!(r.understood.max_price.as_deref(), Some("50.00"));
    assert!(r.total > 10, "{}", r.total);
    for hit in &r.items {
        assert!(amount(hit) < 50.0, "{} {:?}", hit.title, hit.price);
        assert!(
            !hit.brand.as_deref().unwrap_or("").contains("Under Armour"),
            "{}",
            hit.title
        );
    }
    let r = search("less than 3000 rupees watch", "INR");
    assert_eq!(r.understood.currency.as_deref(), Some("INR"));
    assert!(r.total > 10, "{}", r.total);
    for hit in &r.items {
        assert!(amount(hit) < 3000.0, "{} {:?}", hit.title, hit.price);
    }
    let r = search("heels £20–£50", "GBP");
    for hit in &r.items {
        assert!(
            (20.0..=50.0).contains(&amount(hit)),
            "{} {:?}",
            hit.title,
            hit.price
        );
    }
    for (text, other) in [
        ("men's watch", "women"),
        ("girls dress", "women"),
        ("skinny jeans women", "men"),
    ] {
        let r = search(text, "GBP");
        assert!(r.total > 5, "{text}: {}", r.total);
        for hit in &r.items {
            let words = pointe_core::text::fold_key(&hit.title);
            assert!(
                !words.split(' ').any(|w| w == other),
                "{text}: {}",
                hit.title
            );
        }
    }
    let r = search("Puma shoes", "GBP");
    assert_eq!(r.understood.brand.as_deref(), Some("puma"));
    assert!(r.total > 5, "{}", r.total);
    for hit in &r.items {
        assert!(
            hit.brand
                .as_deref()
                .is_some_and(|b| b.eq_ignore_ascii_case("puma")),
            "{:?}",
            hit.brand
        );
    }
}

/// The judged queries reach the goal and hold the measured figure: see [`FLOOR`].
#[test]
fn judged_search_queries_reach_ndcg_at_10_of_0_85() {
    let Some((_dir, store, index, ctx)) = evaluation() else {
        return;
    };
    let reader = CatalogReader::new(&store, &ctx.rates, ctx.today);
    let judged = judged_queries();
    let peer = pool::pool_dir().map(|_| pool::Peer::new(&store));
    let mut sections = Vec::new();
    assert!(judged.query.len() >= 30, "{} queries", judged.query.len());
    let detail = std::env::var("POINTE_EVAL_DETAIL").ok();
    let mut scored = Vec::new();
    for q in &judged.query {
        // Each judged item's grade by feed item id, and the ideal by product.
        let mut grade_of: HashMap<String, u32> = HashMap::new();
        let mut ideal_by_product: HashMap<String, u32> = HashMap::new();
        for j in &q.judged {
            let product = reader
                .resolve(&j.item)
                .unwrap_or_else(|e| panic!("{:?}: judged item {:?}: {e}", q.text, j.item));
            grade_of.insert(j.item.clone(), j.grade);
            let best = ideal_by_product.entry(product.id).or_insert(0);
            *best = (*best).max(j.grade);
        }
        let results = index
            .search(&SearchQuery {
                text: q.text.clone(),
                limit: K,
                ..SearchQuery::default()
            })
            .unwrap();
        let judged_grades: Vec<Option<u32>> = results
            .items
            .iter()
            .map(|hit| {
                hit.item_ids
                    .iter()
                    .filter_map(|i| grade_of.get(&i.item_id))
                    .copied()
                    .max()
            })
            .collect();
        let ranked: Vec<u32> = judged_grades.iter().map(|g| g.unwrap_or(0)).collect();
        let mut ideal: Vec<u32> = ideal_by_product.into_values().collect();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        let ndcg = dcg(&ranked, K) / dcg(&ideal, K);
        let condensed = condensed_ndcg(&index, q, &grade_of, &ideal);
        let unjudged = judged_grades.iter().filter(|g| g.is_none()).count();
        if let Some(peer) = &peer {
            let judged = q.judged.iter().map(|j| j.item.clone()).collect();
            let mut section =
                pool::Section::new(format!("query {:?}\n   note: {}", q.text, q.note));
            let ours: Vec<(String, Vec<String>)> = results
                .items
                .iter()
                .map(|hit| {
                    let items = hit.item_ids.iter().map(|i| i.item_id.clone()).collect();
                    (hit.id.clone(), items)
                })
                .collect();
            section.add(peer, &ours, &judged);
            section.add(peer, &peer.search(&q.text, pool::DEPTH), &judged);
            sections.push(section);
        }
        if detail.as_deref().is_some_and(|d| q.text.contains(d)) {
            println!("\n== {} — {}", q.text, results.understood);
            for (hit, g) in results.items.iter().zip(&ranked) {
                println!("  {:.3} g{g} {} | {}", hit.score, hit.id, hit.title);
            }
        }
        scored.push(Scored {
            text: q.text.clone(),
            ndcg,
            condensed,
            unjudged,
            understood: results.understood.to_string(),
            top: results
                .items
                .iter()
                .zip(&ranked)
                .take(5)
                .map(|(hit, g)| format!("{} ({g})", hit.title.chars().take(24).collect::<String>()))
                .collect(),
        });
    }
    let n = scored.len() as f64;
    let mean = scored.iter().map(|s| s.ndcg).sum::<f64>() / n;
    let mean_condensed = scored.iter().map(|s| s.condensed).sum::<f64>() / n;
    let mean_unjudged = scored.iter().map(|s| s.unjudged as f64).sum::<f64>() / n;
    let mut table = String::from(
        "| query | nDCG@10 | condensed | unjudged in top 10 | understood | top 5 (grade) |\n\
         |---|---:|---:|---:|---|---|\n",
    );
    for s in &scored {
        table.push_str(&format!(
            "| {} | {:.3} | {:.3} | {} | {} | {} |\n",
            s.text,
            s.ndcg,
            s.condensed,
            s.unjudged,
            s.understood,
            s.top.join("; ")
        ));
    }
    table.push_str(&format!(
        "| **overall** ({} queries) | **{mean:.3}** | {mean_condensed:.3} | {mean_unjudged:.1} | | |\n",
        scored.len()
    ));
    let mut worst: Vec<&Scored> = scored.iter().collect();
    worst.sort_by(|a, b| a.ndcg.total_cmp(&b.ndcg));
    table.push_str("\nworst: ");
    table.push_str(
        &worst
            .iter()
            .take(5)
            .map(|s| format!("{:?} {:.3}", s.text, s.ndcg))
            .collect::<Vec<_>>()
            .join(", "),
    );
    println!("{table}");
    if let Some(dir) = pool::pool_dir() {
        let n = pool::write(&dir, "judged-search.pool.txt", &sections);
        println!("pool: {n} unjudged products written to {}", dir.display());
    }
    println!(
        "goal: nDCG@10 {mean:.3} against {GOAL}: {}",
        if mean >= GOAL { "met" } else { "not met" }
    );
    assert!(mean >= FLOOR, "mean nDCG@10 {mean:.3} < {FLOOR}\n{table}");
}
