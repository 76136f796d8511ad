//! The real data set Pointe's tests read (`../shared/data` beside the repository), and what a
//! test does when it is absent: skip with a message, fail under `POINTE_REQUIRE_DATA=1`, and
//! record the skip so the test run can count it as a skip rather than a pass.
#![warn(missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// The folder of the shared data set: `../shared/data` beside the repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// A file of the shared data set, or `None` when it is absent: the calling test should then
/// return at once. The skip is printed, and recorded (the running test's name, one line) in the
/// file named by `POINTE_SKIP_LOG` when that is set. With `POINTE_REQUIRE_DATA=1` an absent
/// file panics instead.
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let path = root().join(relative);
    if path.exists() {
        return Some(path);
    }
    skip(&format!("{} is absent", path.display()));
    None
}

/// Records that the running test skips for `reason` (see [`shared_data`]); panics under
/// `POINTE_REQUIRE_DATA=1`.
pub fn skip(reason: &str) {
    if std::env::var("POINTE_REQUIRE_DATA").as_deref() == Ok("1") {
        panic!("POINTE_REQUIRE_DATA=1 but {reason}");
    }
    eprintln!("skipped: {reason}");
    if let Some(log) = std::env::var_os("POINTE_SKIP_LOG") {
        let test = std::thread::current()
            .name()
            .unwrap_or("unnamed test")
            .to_string();
        // One write of one line: appends from parallel tests do not interleave.
        let line = format!("{} {test}\n", env!("CARGO_PKG_NAME"));
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = file.write_all(line.as_bytes());
        }
    }
}

/// The PostgreSQL server the store tests run against (`POINTE_TEST_DATABASE_URL`, which the
/// README's test command sets to a throwaway cluster of its own), or `None` when none is set:
/// the calling test then skips its PostgreSQL part, as [`skip`] records.
pub fn database_url() -> Option<String> {
    match std::env::var("POINTE_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            skip("POINTE_TEST_DATABASE_URL is not set: no PostgreSQL server to test against");
            None
        }
    }
}
