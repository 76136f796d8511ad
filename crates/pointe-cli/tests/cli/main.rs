//! Integration tests of the `pointe` binary: each runs the real binary in a fresh temporary
//! data directory, with the clock set by `POINTE_NOW`.

mod attributes;
mod browser;
mod catalogs;
mod concurrency;
mod crash;
mod currencies;
mod demo;
mod edit;
mod feeds;
mod hostile;
mod index;
mod ingest;
mod lookalikes;
mod nodes;
mod products;
mod real_edits;
mod search;
mod serve;
mod sources;
mod trends;
mod watches;
mod widget;
mod workspace_ui;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh data directory and the binary to run in it.
#[derive(Debug)]
pub struct Env {
    pub dir: tempfile::TempDir,
    pub now: String,
}

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Panics with the output unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl Default for Env {
    fn default() -> Env {
        Env::new()
    }
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            now: "2026-01-05T09:00:00Z".into(),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs `pointe ARGS` with this environment's data directory and clock.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(
            Command::new(env!("CARGO_BIN_EXE_pointe"))
                .args(args)
                .current_dir(self.dir.path())
                .env("POINTE_DATA_DIR", self.data_dir())
                .env("POINTE_NOW", &self.now)
                .env_remove("POINTE_LOG")
                .output()
                .unwrap(),
        )
    }

    /// Writes a file in the environment's directory and returns its path as a string.
    pub fn write(&self, name: &str, contents: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path.display().to_string()
    }
}

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A bundled sample feed.
pub fn sample(name: &str) -> String {
    repo().join("samples").join(name).display().to_string()
}

/// A core test fixture feed.
pub fn fixture(name: &str) -> String {
    repo()
        .join("crates/pointe-core/tests/fixtures/feeds")
        .join(name)
        .display()
        .to_string()
}

/// A file of the shared data set beside the repository, or `None` (with a message, the skip
/// recorded) when it is absent. With `POINTE_REQUIRE_DATA=1` an absent file fails the test
/// instead.
pub fn shared_data(relative: &str) -> Option<String> {
    pointe_testdata::shared_data(relative).map(|p| p.display().to_string())
}
