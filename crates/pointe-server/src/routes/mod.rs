//! The API's routes, one module per resource.

pub mod feeds;
pub mod products;
pub mod system;
