//! A retailer's listings of one product show once, in search and in look-alikes, with the
//! other listings' ids attached; listings that differ in price or description are other
//! products, and unbranded listings are never folded. On a fixture written in the shape of an
//! Awin feed, and on the Myntra catalog, whose rows repeat one product under several ids.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use pointe_core::attributes::{Extractor, Taxonomy};
use pointe_core::brand::BrandBook;
use pointe_core::catalog::CatalogReader;
use pointe_core::feed::{FeedOptions, Mapping};
use pointe_core::fx::RateTable;
use pointe_core::ingest::{IngestOptions, ingest_file};
use pointe_core::store::{Catalog, SqliteStore};
use pointe_core::tiers::Tiers;
use pointe_search::lookalike::{Hero, LookalikeQuery};
use pointe_search::search::SearchQuery;
use pointe_search::{IndexContext, LookalikeConfig, SearchIndex};

fn context() -> IndexContext {
    IndexContext {
        taxonomy: Taxonomy::bundled(),
        rates: RateTable::bundled(),
        tiers: Tiers::bundled(),
        today: "2026-01-05".parse().unwrap(),
        config: LookalikeConfig::bundled(),
    }
}

/// A store and index of `file`, read through `mapping` (a file of `mappings/`) when given.
fn build(dir: &Path, file: &Path, mapping: Option<&str>) -> (SqliteStore, SearchIndex) {
    let mut store = SqliteStore::open_dir(&dir.join("data")).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let options = IngestOptions {
        feed: FeedOptions {
            mapping: mapping.map(|m| Mapping::load(&repo.join("mappings").join(m)).unwrap()),
            ..FeedOptions::default()
        },
        source: None,
        retailer: None,
        seen_at: pointe_core::clock::parse_time("2026-01-05T09:00:00Z").unwrap(),
        market: None,
        prices: Default::default(),
    };
    let brands = BrandBook::load(None).unwrap();
    let extractor = Extractor::new(&Taxonomy::bundled());
    ingest_file(&mut store, &brands, &extractor, file, &options, &mut |_| {}).unwrap();
    let index = SearchIndex::build(&dir.join("index"), &store, context()).unwrap();
    (store, index)
}

fn items(ids: &[pointe_core::catalog::ItemId]) -> Vec<&str> {
    let mut out: Vec<&str> = ids.iter().map(|i| i.item_id.as_str()).collect();
    out.sort();
    out
}

#[test]
fn one_product_listed_twice_shows_once_in_search_and_lookalikes() {
    let dir = tempfile::tempdir().unwrap();
    let feed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/listings.awin.csv");
    let (store, index) = build(dir.path(), &feed, None);
    let r = index
        .search(&SearchQuery {
            text: "denim jacket".into(),
            ..SearchQuery::default()
        })
        .unwrap();
    let found: Vec<Vec<&str>> = r.items.iter().map(|h| items(&h.item_ids)).collect();
    // ls-1 and ls-2 are one product; ls-3 (another description), ls-4 (another price) and
    // the unbranded ls-5 and ls-6 are products of their own.
    let mut sorted = found.clone();
    sorted.sort();
    let expected: Vec<Vec<&str>> = vec![
        vec!["ls-1", "ls-2"],
        vec!["ls-3"],
        vec!["ls-4"],
        vec!["ls-5"],
        vec!["ls-6"],
    ];
    assert_eq!(sorted, expected, "{found:?}");
    assert_eq!(r.total, 5);

    let ctx = context();
    let reader = CatalogReader::new(&store, &ctx.rates, ctx.today);
    let product = reader.resolve("ls-3").unwrap();
    let offers = store.offers_of(product.key).unwrap();
    let hero = Hero::from_product(&product, &offers, &ctx).unwrap();
    let query = LookalikeQuery {
        cheaper: false,
        limit: 10,
        per_brand: None,
        ..LookalikeQuery::default()
    };
    let results = index.lookalikes(&hero, &query).unwrap();
    let mut alike: Vec<Vec<&str>> = results.items.iter().map(|l| items(&l.item_ids)).collect();
    alike.sort();
    assert!(alike.contains(&vec!["ls-1", "ls-2"]), "{alike:?}");
    assert!(alike.contains(&vec!["ls-4"]), "{alike:?}");
    let listed: Vec<&str> = alike.iter().flatten().copied().collect();
    let distinct: BTreeSet<&str> = listed.iter().copied().collect();
    assert_eq!(listed.len(), distinct.len(), "{alike:?}");
}

/// The Myntra rows equal in every field Pointe reads (all but the id and the count of
/// images), each folded (case, spacing and punctuation do not tell two listings apart), by
/// the ids they hold.
fn repeated_rows(csv_path: &Path) -> Vec<(String, Vec<String>)> {
    let mut reader = csv::Reader::from_path(csv_path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let id = headers.iter().position(|h| h == "Product_ID").unwrap();
    let name = headers.iter().position(|h| h == "Product_Name").unwrap();
    let images = headers.iter().position(|h| h == "Num_Images").unwrap();
    let mut groups: HashMap<Vec<String>, (String, Vec<String>)> = HashMap::new();
    for row in reader.records() {
        let row = row.unwrap();
        let rest: Vec<String> = (0..row.len())
            .filter(|&i| i != id && i != images)
            .map(|i| pointe_core::text::fold_key(&row[i]))
            .collect();
        groups
            .entry(rest)
            .or_insert_with(|| (row[name].to_string(), Vec::new()))
            .1
            .push(row[id].to_string());
    }
    let mut out: Vec<(String, Vec<String>)> = groups
        .into_values()
        .filter(|(_, ids)| ids.len() > 1)
        .collect();
    out.sort();
    out
}

#[test]
fn myntra_rows_repeated_under_other_ids_show_once_with_all_their_ids() {
    let Some(csv_path) =
        pointe_testdata::shared_data("catalogs/myntra-products/myntra_products_catalog.csv")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_store, index) = build(dir.path(), &csv_path, Some("myntra-products.toml"));
    let groups = repeated_rows(&csv_path);
    assert!(groups.len() > 200, "{}", groups.len());
    let group_of: HashMap<&str, usize> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, (_, ids))| ids.iter().map(move |i| (i.as_str(), g)))
        .collect();
    let mut folded = 0;
    for (title, ids) in &groups {
        let r = index
            .search(&SearchQuery {
                text: title.clone(),
                limit: 100,
                ..SearchQuery::default()
            })
            .unwrap();
        let holding: Vec<Vec<&str>> = r
            .items
            .iter()
            .map(|h| items(&h.item_ids))
            .filter(|held| held.iter().any(|i| ids.contains(&i.to_string())))
            .collect();
        let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
        want.sort();
        assert_eq!(holding, vec![want.clone()], "{title}");
        folded += ids.len() - 1;
        // A hit holds the ids of one product only.
        for h in &r.items {
            let groups: BTreeSet<Option<&usize>> = h
                .item_ids
                .iter()
                .map(|i| group_of.get(i.item_id.as_str()))
                .collect();
            assert!(
                h.item_ids.len() == 1 || groups.len() == 1,
                "{}: {:?}",
                h.title,
                h.item_ids
            );
        }
    }
    println!(
        "{} repeated products, {folded} listings folded",
        groups.len()
    );
}

/// The count does not depend on the page asked for or on whether facets are counted with it,
/// and a page past the last match is empty without widening the query to any word.
#[test]
fn total_is_the_same_on_every_page_and_with_facets() {
    let dir = tempfile::tempdir().unwrap();
    let feed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/listings.awin.csv");
    let (_store, index) = build(dir.path(), &feed, None);
    let ask = |offset: usize, facets: bool| {
        index
            .search(&SearchQuery {
                text: "denim jacket".into(),
                offset,
                facets,
                ..SearchQuery::default()
            })
            .unwrap()
    };
    let first = ask(0, false);
    assert!(first.total >= 2, "{} matches", first.total);
    assert!(!first.relaxed);
    let past = ask(first.total as usize + 5, false);
    assert!(past.items.is_empty());
    assert_eq!(past.total, first.total);
    assert!(!past.relaxed, "a page past the end widened the query");
    let faceted = ask(0, true);
    assert_eq!(faceted.total, first.total);
    let in_stock: u64 = faceted.facets["in_stock"].iter().map(|f| f.count).sum();
    assert_eq!(in_stock, first.total, "{:?}", faceted.facets["in_stock"]);
}

/// Each price band of the facets counts exactly the products its price filter keeps (from
/// the band's start up to a penny before its end), and the bands together count every product.
#[test]
fn each_price_band_counts_what_its_price_filter_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let feed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/listings.awin.csv");
    let (_store, index) = build(dir.path(), &feed, None);
    let search = |min: Option<u64>, max: Option<u64>, facets: bool| {
        index
            .search(&SearchQuery {
                min_price_gbp: min,
                max_price_gbp: max,
                facets,
                limit: 1,
                ..SearchQuery::default()
            })
            .unwrap()
    };
    let all = search(None, None, true);
    let bands = &all.facets[pointe_search::PRICE_FACET];
    assert!(bands.len() >= 2, "{bands:?}");
    assert_eq!(bands.iter().map(|b| b.count).sum::<u64>(), all.total);
    for band in bands {
        let (from, to) = band.value.split_once('-').expect("a band is from-to");
        let min = from.parse::<u64>().unwrap() * 100;
        let max = (!to.is_empty()).then(|| to.parse::<u64>().unwrap() * 100 - 1);
        let kept = search((min > 0).then_some(min), max, false);
        assert_eq!(kept.total, band.count, "band {}", band.value);
    }
}
