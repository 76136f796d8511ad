//! Pointe's fuzz targets: the byte entry points of every feed format and trend layout, with the
//! invariants they keep whatever the bytes (see `entry_points.rs`, shared with the property
//! tests that run in CI).

pub mod entry_points;
