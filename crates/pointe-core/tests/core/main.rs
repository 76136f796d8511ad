//! Integration tests of the core library through its public API.

mod ingest;
