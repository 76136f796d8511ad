//! Pointe's application layer: one function per use case, over one data directory
//! ([`Workspace`]). The CLI and the HTTP server parse their input, call one of these and present
//! the result; neither opens a store or an index itself.

pub mod bounds;
pub mod database;
pub mod demo;
pub mod edits;
mod error;
pub mod fetch;
pub mod ingest;
pub mod lookalikes;
pub mod products;
pub mod reader;
pub mod scheduler;
pub mod search;
pub mod sources;
pub mod status;
pub mod tokens;
pub mod trends;
pub mod watches;
pub mod webhooks;
mod workspace;

pub use error::{Error, ErrorCode, Result};
pub use workspace::{IndexNote, Workspace, stored_rates, today};
