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
pub mod error;
pub mod feed;
pub mod fx;
pub mod gtin;
pub mod ingest;
pub mod money;
pub mod store;
pub mod text;
pub mod trends;

pub use error::{Error, Result};
