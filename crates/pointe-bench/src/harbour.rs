//! Harbour, a second retailer of the generated catalog, whose feeds change a catalog's offers
//! in the freshness benchmarks: its first feed sells [`CHANGED`] generated products of its own
//! seed (most matched to the catalog's by brand and title); its next changes every one of
//! those prices and adds [`NEW`] products.

use std::path::{Path, PathBuf};

use crate::GeneratedProduct;

/// Harbour's products whose prices its next feed changes.
pub const CHANGED: usize = 9_000;
/// The products its next feed adds.
pub const NEW: usize = 1_000;
/// The seed of Harbour's products (the catalog's is another).
const SEED: u64 = 4_242;
/// The source its feeds are ingested as.
pub const SOURCE: &str = "harbour";

/// The feed item id of Harbour's product `i`.
pub fn item_id(i: usize) -> String {
    format!("hb-{i:08}")
}

/// Writes Harbour's first feed (`next` false) or its next one to `dir/name`.
pub fn write_feed(dir: &Path, name: &str, next: bool) -> anyhow::Result<PathBuf> {
    let (rows, percent) = if next {
        (CHANGED + NEW, 80)
    } else {
        (CHANGED, 100)
    };
    let path = dir.join(name);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    crate::write_gmc_tsv_as(&mut out, rows, SEED, |p: GeneratedProduct| {
        GeneratedProduct {
            id: p.id.replace("gen-", "hb-"),
            price_minor: p.price_minor * percent / 100,
            ..p
        }
    })?;
    std::io::Write::flush(&mut out)?;
    Ok(path)
}
