//! Fuzzes the feed entry point `feed_awin_publisher` (see `src/entry_points.rs`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use pointe_fuzz::entry_points::{check_feed, feed_entry};

fuzz_target!(|data: &[u8]| {
    check_feed(&feed_entry("feed_awin_publisher"), data);
});
