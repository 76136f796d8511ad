//! Pointe's engine: everything that turns retailer feeds into a catalog of products, offers and
//! price history, with no HTTP or terminal code inside.
//!
//! The data flow is `feed` (parse rows) → `ingest` (match rows to products and offers) →
//! `store` (persist, with price history). `money`, `fx`, `gtin` and `brand` are the value types
//! and lookups those steps share. See `ARCHITECTURE.md` at the repository root.

#![warn(missing_docs)]

pub mod attributes;
pub mod brand;
pub mod catalog;
pub mod clock;
pub mod domain;
pub mod edit;
pub mod error;
pub mod feed;
pub mod fx;
pub mod gtin;
pub mod ingest;
pub mod market;
pub mod money;
pub mod store;
pub mod text;
pub mod tiers;
pub mod toml_file;
pub mod trends;
pub mod watch;

pub use error::{Error, Result};

#[cfg(test)]
pub(crate) mod test_support {
    use std::path::PathBuf;

    /// A file of `../shared/data` beside the repository, or `None` (with a message, the skip
    /// recorded) when it is absent; with `POINTE_REQUIRE_DATA=1` an absent file fails the test
    /// instead.
    pub(crate) fn shared_data(relative: &str) -> Option<PathBuf> {
        pointe_testdata::shared_data(relative)
    }
}
