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
