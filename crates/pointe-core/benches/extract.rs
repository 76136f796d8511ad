//! Attribute extraction throughput, in products per second on one core.
//!
//! `cargo bench -p pointe-core --bench extract`. The corpus is the real Myntra catalogue
//! (`../shared/data/catalogs/myntra-products/myntra_products_catalog.csv`: title, description
//! and brand of 12,491 products) when it is present, else 12,000 generated products of the same
//! shape. `main` prints which corpus it uses, before the timings.
//!
//! Benchmarks, all over the same corpus, one thread:
//! - `pointe_extract`: [`Extractor::extract`] — folding, one Aho-Corasick pass per field,
//!   negation, brand words, heel heights, conflict resolution and the evidence of every value.
//! - `regex_set_peer`: the naive peer on the same vocabulary: one `regex::RegexSet` of every
//!   phrase the extractor holds (`(?i)` + ASCII word boundaries, words joined by spaces or
//!   hyphens; 256 MiB lazy-DFA cache), asked which phrases occur in the title and in the
//!   description. It reports only which phrases match: no positions, evidence, negation or
//!   resolution.
//! - `build_extractor`: compiling the bundled taxonomy into an extractor (done once).

use std::path::Path;
use std::sync::OnceLock;

use divan::counter::ItemsCount;
use pointe_core::attributes::{Extractor, Market, ProductText, Taxonomy};
use regex::{RegexSet, RegexSetBuilder};

fn main() {
    let corpus = corpus();
    eprintln!(
        "corpus: {} ({} products, {:.0} bytes of title + description on average)",
        corpus.source,
        corpus.products.len(),
        corpus
            .products
            .iter()
            .map(|p| p.title.len() + p.description.len())
            .sum::<usize>() as f64
            / corpus.products.len() as f64
    );
    divan::main();
}

struct Product {
    title: String,
    description: String,
    brand: String,
}

struct Corpus {
    source: &'static str,
    products: Vec<Product>,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/catalogs/myntra-products/myntra_products_catalog.csv");
        match read_myntra(&path) {
            Some(products) => Corpus {
                source: "Myntra catalogue (real titles and descriptions)",
                products,
            },
            None => Corpus {
                source: "generated (shared data absent)",
                products: generated(12_000),
            },
        }
    })
}

fn read_myntra(path: &Path) -> Option<Vec<Product>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .ok()?;
    let headers = reader.headers().ok()?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (title, description, brand) = (
        col("Product_Name")?,
        col("Description")?,
        col("Product_Brand")?,
    );
    let products: Vec<Product> = reader
        .records()
        .filter_map(Result::ok)
        .map(|r| Product {
            title: r.get(title).unwrap_or_default().to_string(),
            description: r.get(description).unwrap_or_default().to_string(),
            brand: r.get(brand).unwrap_or_default().to_string(),
        })
        .collect();
    (!products.is_empty()).then_some(products)
}

/// Deterministic products in the catalogue's shape: "Brand Women Colour Material Category",
/// and a description of 250–400 bytes.
fn generated(n: usize) -> Vec<Product> {
    const BRANDS: &[&str] = &[
        "Porte & Paire",
        "Red Tape",
        "Mast & Harbour",
        "Arket",
        "Mango",
    ];
    const COLOURS: &[&str] = &[
        "Black",
        "Blush Pink",
        "Tan Brown",
        "Navy Blue",
        "Gold-Toned",
        "Ivory",
    ];
    const MATERIALS: &[&str] = &[
        "Leather",
        "Satin",
        "Suede",
        "Synthetic",
        "Mesh",
        "Patent Leather",
    ];
    const CATEGORIES: &[&str] = &[
        "Ballet Flats",
        "Pumps",
        "Block Heels",
        "Sneakers",
        "Sandals",
        "Shoulder Bag",
        "Tulle Skirt",
        "Wrap Dress",
        "Cardigan",
    ];
    (0..n)
        .map(|i| {
            let pick = |list: &[&'static str], k: usize| list[(i / k) % list.len()];
            let (brand, colour, material, category) = (
                pick(BRANDS, 1),
                pick(COLOURS, 5),
                pick(MATERIALS, 30),
                pick(CATEGORIES, 180),
            );
            Product {
                title: format!("{brand} Women {colour} Solid {material} {category}"),
                description: format!(
                    "A pair of round-toe {} {}, has regular styling, no bow, ankle loop detail{material} upper\
                     Cushioned footbedTextured and patterned outsole, has a {}cm heel. Style code T0{i:05}, \
                     available in UK 3-8. Warranty: 3 monthsWarranty provided by brand/manufacturer",
                    colour.to_lowercase(),
                    category.to_lowercase(),
                    i % 11,
                ),
                brand: brand.to_string(),
            }
        })
        .collect()
}

fn extractor() -> &'static Extractor {
    static EXTRACTOR: OnceLock<Extractor> = OnceLock::new();
    EXTRACTOR.get_or_init(|| Extractor::new(&Taxonomy::bundled()))
}

fn regex_set() -> &'static RegexSet {
    static SET: OnceLock<RegexSet> = OnceLock::new();
    SET.get_or_init(|| {
        let patterns = extractor().phrases().iter().map(|phrase| {
            let words: Vec<String> = phrase.split(' ').map(regex::escape).collect();
            format!(r"(?i)(?-u:\b){}(?-u:\b)", words.join(r"[\s\-]+"))
        });
        // A generous lazy-DFA cache, so the peer is not starved by the number of patterns.
        RegexSetBuilder::new(patterns)
            .size_limit(256 << 20)
            .dfa_size_limit(256 << 20)
            .build()
            .expect("phrases compile into a RegexSet")
    })
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn pointe_extract(bencher: divan::Bencher) {
    let products = &corpus().products;
    let extractor = extractor();
    bencher.counter(ItemsCount::new(products.len())).bench(|| {
        let mut values = 0;
        for p in products {
            let text = ProductText {
                description: Some(&p.description),
                brand: Some(&p.brand),
                ..ProductText::new(&p.title, Market::Uk)
            };
            values += divan::black_box(extractor.extract(&text)).values.len();
        }
        values
    });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn regex_set_peer(bencher: divan::Bencher) {
    let products = &corpus().products;
    let set = regex_set();
    bencher.counter(ItemsCount::new(products.len())).bench(|| {
        let mut matched = 0;
        for p in products {
            matched += set.matches(divan::black_box(&p.title)).iter().count();
            matched += set.matches(divan::black_box(&p.description)).iter().count();
        }
        matched
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn build_extractor(bencher: divan::Bencher) {
    let taxonomy = Taxonomy::bundled();
    bencher.bench(|| Extractor::new(divan::black_box(&taxonomy)));
}
