//! Fuzzes the trend entry point `trend_long` (see `src/entry_points.rs`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use pointe_fuzz::entry_points::{check_trend, trend_entry};

fuzz_target!(|data: &[u8]| {
    check_trend(&trend_entry("trend_long"), data);
});
