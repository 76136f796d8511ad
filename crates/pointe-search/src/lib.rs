//! Pointe's product search and look-alike ranking, over a tantivy index derived from the store.
//!
//! - `index.rs`: the schema, building the index from a [`pointe_core::store::Catalog`], and
//!   staleness (the taxonomy, tiers and rates the index was built with, recorded in a meta
//!   file beside it; a stale, missing or corrupt index is rebuilt).
//! - `commit.rs`: the store generation each commit of the index reflects, in its payload.
//! - `catch_up.rs`: an index behind the store indexes again only the products the store's
//!   change log names, in one commit.
//! - `layout.rs`: the index directory shared by commands running at once: immutable
//!   versions, a `CURRENT` pointer swapped by rename, one builder at a time (a file lock),
//!   versions removed once no reader holds them.
//! - `search/`: full-text search (BM25 over title, description and attribute words,
//!   English stemming, typo tolerance, filters, facets, sorting) and query understanding
//!   (price phrases, gender words, whole brands and the category, turned into filters).
//! - `lookalike.rs`: look-alikes of a hero product or text: candidates from the index, the
//!   weighted attribute scorer, explanations (shared attributes, differences, saving, tier)
//!   and per-brand diversity.
//! - `config.rs`: the scorer's weights (`data/lookalike.toml`).
//! - `bounds.rs`: the bounds on every text, word and list indexed, so that any stored row can
//!   be indexed and read back.
//!
//! The library is synchronous and has no terminal or HTTP code.

#![warn(missing_docs)]

pub mod bounds;
mod candidates;
mod catch_up;
mod commit;
pub mod config;
mod features;
pub mod index;
mod layout;
mod listing;
pub mod lookalike;
pub mod search;

/// What a benchmark peer engine needs to index the same products as the search index.
pub mod peer {
    use pointe_core::domain::Offer;
    use pointe_core::store::StoredProduct;

    use crate::{IndexContext, Result};

    /// One product as a peer indexes it: the same text fields, the GBP price and the scorer's
    /// features (JSON).
    #[derive(Debug, Clone)]
    pub struct PeerDoc {
        /// Pointe id.
        pub id: String,
        /// Title.
        pub title: String,
        /// Description.
        pub description: String,
        /// Brand.
        pub brand: String,
        /// Attribute labels with their ancestors.
        pub attr_words: String,
        /// Lowest current price in GBP minor units.
        pub price_gbp: Option<u64>,
        /// The look-alike scorer's features, as JSON.
        pub features_json: String,
    }

    /// The peer document of a product.
    pub fn peer_doc(
        product: &StoredProduct,
        offers: &[Offer],
        ctx: &IndexContext,
    ) -> Result<PeerDoc> {
        let p = ctx.indexed(product, offers)?;
        Ok(PeerDoc {
            id: p.display.id.clone(),
            title: p.display.title.clone(),
            description: p.description.clone(),
            brand: p.display.brand.clone().unwrap_or_default(),
            attr_words: p.attr_words.clone(),
            price_gbp: p.price.and_then(|x| x.gbp_minor),
            features_json: crate::bounds::features_json(&p.features)?,
        })
    }
}

use std::path::PathBuf;

pub use config::LookalikeConfig;
pub use index::{Freshness, IndexContext, Refresh, SearchIndex};
pub use lookalike::{Difference, Hero, Lookalike, LookalikeQuery, LookalikeResults, Saving};
pub use search::{PRICE_FACET, SearchHit, SearchQuery, SearchResults, SortOrder};

/// Everything that can go wrong in search and look-alikes.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The core library failed (store, money, exchange rates, taxonomy).
    #[error(transparent)]
    Core(#[from] pointe_core::Error),
    /// The search engine failed.
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// A configuration file (weights) is invalid.
    #[error("{}: {message}", path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A bad query or option given by the user.
    #[error("{0}")]
    Usage(String),
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, e: std::io::Error) -> Error {
        Error::Core(pointe_core::Error::io(path, e))
    }
}
