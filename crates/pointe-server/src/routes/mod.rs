//! The API's routes, one module per resource.

pub mod edits;
pub mod feeds;
pub mod lookalikes;
pub mod pages;
pub mod products;
pub mod sources;
pub mod system;
pub mod trends;
pub mod watches;
