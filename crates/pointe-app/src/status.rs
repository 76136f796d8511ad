//! What a data directory holds: products, sources, the last ingests and the index.

use pointe_core::store::{Catalog, IngestLog, ProductFilter};
use serde::Serialize;

use crate::{Result, Workspace};

/// A data directory's state.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// Products in the catalog.
    pub products: u64,
    /// The store's generation (it moves with every write).
    pub generation: u64,
    /// The last ingests, newest first.
    pub ingests: Vec<IngestLog>,
    /// Edits stored.
    pub edits: usize,
    /// Trend series stored.
    pub trend_series: usize,
}

/// The data directory's state, with the last `ingests` ingests.
pub fn status(ws: &Workspace, ingests: usize) -> Result<Status> {
    let store = ws.store()?;
    of(&*store, ingests)
}

/// The state of any catalog.
pub fn of(store: &dyn Catalog, ingests: usize) -> Result<Status> {
    let (_, products) = store.list_products(&ProductFilter {
        limit: Some(1),
        ..ProductFilter::default()
    })?;
    Ok(Status {
        products,
        generation: store.generation()?,
        ingests: store.ingests(ingests.min(100))?,
        edits: store.edits()?.len(),
        trend_series: store.trend_series(None)?.len(),
    })
}
