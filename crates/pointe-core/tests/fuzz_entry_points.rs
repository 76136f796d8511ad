//! Property tests over the byte entry points the fuzzers drive (`fuzz/`): every feed format and
//! every trend layout, with the same invariants (no panic, every rejection with a reason, every
//! record within its bounds, errors naming the file). They run in CI, where the fuzzers do
//! not; every input a fuzzer once failed on is kept under `fuzz/regressions/<target>/` and
//! replayed here.

#[path = "../../../fuzz/src/entry_points.rs"]
mod entry_points;

use std::path::{Path, PathBuf};

use entry_points::{FEEDS, TRENDS, check_feed, check_trend, feed_entry, trend_entry};
use proptest::prelude::*;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Bytes that mostly hold what the formats' structure is made of.
fn structured() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        "([a-z0-9 .,:/£€$-]|\t|\n|\r|\"|<|>|\\{|\\}|\\[|\\]|%|&|;|\\|){0,300}"
            .prop_map(String::into_bytes),
    ]
}

proptest! {
    #[test]
    fn every_feed_entry_point_keeps_its_invariants(data in structured()) {
        for entry in &FEEDS {
            check_feed(entry, &data);
        }
    }

    #[test]
    fn every_trend_entry_point_keeps_its_invariants(data in structured()) {
        for entry in &TRENDS {
            check_trend(entry, &data);
        }
    }
}

/// Every committed input a fuzz target once failed on, replayed through its target.
#[test]
fn fuzz_regressions_stay_fixed() {
    let dir = repo().join("fuzz/regressions");
    let mut replayed = 0;
    for target in std::fs::read_dir(&dir).unwrap() {
        let target = target.unwrap().path();
        if !target.is_dir() {
            continue;
        }
        let name = target.file_name().unwrap().to_string_lossy().into_owned();
        for case in std::fs::read_dir(&target).unwrap() {
            let bytes = std::fs::read(case.unwrap().path()).unwrap();
            if name.starts_with("feed_") {
                check_feed(&feed_entry(&name), &bytes);
            } else {
                check_trend(&trend_entry(&name), &bytes);
            }
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no regression case under {}", dir.display());
}

/// The fixtures read through the detecting entry point, whole: the seeds of the fuzzers'
/// corpora keep the invariants too.
#[test]
fn the_fixture_feeds_keep_the_invariants() {
    let dir = repo().join("crates/pointe-core/tests/fixtures/feeds");
    for file in std::fs::read_dir(dir).unwrap() {
        let path = file.unwrap().path();
        check_feed(&feed_entry("feed_detect"), &std::fs::read(path).unwrap());
    }
}
