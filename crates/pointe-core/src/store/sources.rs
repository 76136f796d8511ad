//! Feed sources Pointe downloads by itself: where each feed lives, how often it is fetched, how
//! it is read, what the last download left (validators, the last good row count, whether it is
//! failing) and a record of every run.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use super::{MemoryStore, SqliteStore};
use crate::{Error, Result};

/// A feed that refreshes itself. Its name is the ingest source name, so the offers it stores
/// and their staleness are the source's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedSource {
    /// The source name (`--source` of an ingest).
    pub name: String,
    /// Where the feed is downloaded from (`http(s)://`, or `file://` from the CLI).
    pub url: String,
    /// Seconds between two runs.
    pub every_secs: u64,
    /// The feed layout, when named (else found from the content).
    pub feed_format: Option<String>,
    /// The column mapping, as given: a file (CLI) or a shipped or data-directory name.
    pub mapping: Option<String>,
    /// The retailer selling the offers, for feeds that name none per row.
    pub retailer: Option<String>,
    /// The currency of prices that name none.
    pub currency: Option<String>,
    /// A download that gives fewer good rows than this share (percent) of the last good one is
    /// refused (a failed export, a truncated file).
    #[serde(default = "half")]
    pub refuse_below_pct: u32,
    /// Whether its downloads may reach only public addresses (a source added over the API
    /// without private addresses allowed): every host it or a redirect names, and every
    /// address a name resolves to.
    #[serde(default)]
    pub public_only: bool,
    /// When it was added.
    pub created_at: Timestamp,
    /// What its runs left.
    pub state: SourceState,
}

/// What a source's runs left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceState {
    /// The last good download's `ETag`, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The last good download's `Last-Modified`, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// The rows the last good download gave (accepted, updated and unchanged).
    pub last_good_rows: Option<u64>,
    /// When the source's data was last confirmed: stored, or found unchanged.
    pub last_good_at: Option<Timestamp>,
    /// When it last ran.
    pub last_run_at: Option<Timestamp>,
    /// When it is next due (the time it was added, for a source that never ran).
    pub next_due: Option<Timestamp>,
    /// Whether its last run failed or was refused: its last good data is kept.
    pub failing: bool,
    /// Why, when failing.
    pub last_error: Option<String>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunOutcome {
    /// Downloaded and ingested.
    Ingested,
    /// The server said the feed had not changed (HTTP 304): the last good data was confirmed.
    NotModified,
    /// The download failed or could not be read: nothing changed.
    Failed,
    /// The download parsed to far fewer rows than the last good one: nothing changed.
    RefusedShort,
}

impl RunOutcome {
    /// Whether the source's data is good after this run.
    pub fn is_good(self) -> bool {
        matches!(self, RunOutcome::Ingested | RunOutcome::NotModified)
    }
}

/// One run of a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRun {
    /// The source.
    pub source: String,
    /// When it started.
    pub started_at: Timestamp,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// How it ended.
    pub outcome: RunOutcome,
    /// The HTTP status, for an HTTP source that answered.
    pub http_status: Option<u16>,
    /// Bytes downloaded.
    pub bytes: u64,
    /// Feed records read.
    pub rows: u64,
    /// Rows stored or confirmed (accepted, updated and unchanged).
    pub good_rows: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// What went wrong, for a failed or refused run.
    pub error: Option<String>,
}

/// Where sources and their runs are kept.
pub trait SourceStore {
    /// Every source, by name.
    fn feed_sources(&self) -> Result<Vec<FeedSource>>;
    /// The source named `name`.
    fn feed_source(&self, name: &str) -> Result<Option<FeedSource>>;
    /// Stores a new source; a name already taken is an error.
    fn put_feed_source(&mut self, source: &FeedSource) -> Result<()>;
    /// Removes a source and its runs (its offers stay, as an ingest's do); false when there is
    /// none of that name.
    fn remove_feed_source(&mut self, name: &str) -> Result<bool>;
    /// Makes a source due at `at` (a run asked for now); false when there is none of that name.
    fn set_next_due(&mut self, name: &str, at: Timestamp) -> Result<bool>;
    /// Records a run and the state it leaves, at once.
    fn record_run(&mut self, run: &SourceRun, state: &SourceState) -> Result<()>;
    /// A source's latest runs, newest first.
    fn source_runs(&self, name: &str, limit: usize) -> Result<Vec<SourceRun>>;
}

fn half() -> u32 {
    50
}

pub(super) fn taken(name: &str) -> Error {
    Error::Usage(format!(
        "a source named {name:?} is watched already; remove it or choose another name"
    ))
}

pub(super) fn unknown(name: &str) -> Error {
    Error::Usage(format!("no source named {name:?} is watched"))
}

pub(super) fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("source records serialise")
}

pub(super) fn read<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Store(format!("stored {what}: {e}")))
}

fn source_in(conn: &rusqlite::Connection, name: &str) -> Result<Option<FeedSource>> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM feed_sources WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()?;
    body.map(|b| read("source", &b)).transpose()
}

impl SourceStore for SqliteStore {
    fn feed_sources(&self) -> Result<Vec<FeedSource>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT body FROM feed_sources ORDER BY name")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|r| read("source", &r?)).collect()
    }

    fn feed_source(&self, name: &str) -> Result<Option<FeedSource>> {
        source_in(self.conn(), name)
    }

    fn put_feed_source(&mut self, source: &FeedSource) -> Result<()> {
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO feed_sources (name, body) VALUES (?1, ?2)",
            params![source.name, json(source)],
        )?;
        if n == 0 {
            return Err(taken(&source.name));
        }
        Ok(())
    }

    fn remove_feed_source(&mut self, name: &str) -> Result<bool> {
        let tx = self.conn().unchecked_transaction()?;
        tx.execute("DELETE FROM source_runs WHERE source = ?1", [name])?;
        let n = tx.execute("DELETE FROM feed_sources WHERE name = ?1", [name])?;
        tx.commit()?;
        Ok(n > 0)
    }

    fn set_next_due(&mut self, name: &str, at: Timestamp) -> Result<bool> {
        let tx = Transaction::new_unchecked(self.conn(), TransactionBehavior::Immediate)?;
        let Some(mut source) = source_in(&tx, name)? else {
            return Ok(false);
        };
        source.state.next_due = Some(at);
        tx.execute(
            "UPDATE feed_sources SET body = ?2 WHERE name = ?1",
            params![source.name, json(&source)],
        )?;
        tx.commit()?;
        Ok(true)
    }

    fn record_run(&mut self, run: &SourceRun, state: &SourceState) -> Result<()> {
        // Read and written in one write transaction, so that nothing written between the two
        // (a run asked for) is lost.
        let tx = Transaction::new_unchecked(self.conn(), TransactionBehavior::Immediate)?;
        let mut source = source_in(&tx, &run.source)?.ok_or_else(|| unknown(&run.source))?;
        source.state = state.clone();
        tx.execute(
            "UPDATE feed_sources SET body = ?2 WHERE name = ?1",
            params![source.name, json(&source)],
        )?;
        tx.execute(
            "INSERT INTO source_runs (source, body) VALUES (?1, ?2)",
            params![run.source, json(run)],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn source_runs(&self, name: &str, limit: usize) -> Result<Vec<SourceRun>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT body FROM source_runs WHERE source = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![name, limit as i64], |r| r.get::<_, String>(0))?;
        rows.map(|r| read("source run", &r?)).collect()
    }
}

impl SourceStore for MemoryStore {
    fn feed_sources(&self) -> Result<Vec<FeedSource>> {
        Ok(self.source_book().0.values().cloned().collect())
    }

    fn feed_source(&self, name: &str) -> Result<Option<FeedSource>> {
        Ok(self.source_book().0.get(name).cloned())
    }

    fn put_feed_source(&mut self, source: &FeedSource) -> Result<()> {
        let book = self.source_book_mut();
        if book.0.contains_key(&source.name) {
            return Err(taken(&source.name));
        }
        book.0.insert(source.name.clone(), source.clone());
        Ok(())
    }

    fn remove_feed_source(&mut self, name: &str) -> Result<bool> {
        let book = self.source_book_mut();
        book.1.retain(|r| r.source != name);
        Ok(book.0.remove(name).is_some())
    }

    fn set_next_due(&mut self, name: &str, at: Timestamp) -> Result<bool> {
        let book = self.source_book_mut();
        let Some(source) = book.0.get_mut(name) else {
            return Ok(false);
        };
        source.state.next_due = Some(at);
        Ok(true)
    }

    fn record_run(&mut self, run: &SourceRun, state: &SourceState) -> Result<()> {
        let book = self.source_book_mut();
        let source = book
            .0
            .get_mut(&run.source)
            .ok_or_else(|| unknown(&run.source))?;
        source.state = state.clone();
        book.1.push(run.clone());
        Ok(())
    }

    fn source_runs(&self, name: &str, limit: usize) -> Result<Vec<SourceRun>> {
        Ok(self
            .source_book()
            .1
            .iter()
            .rev()
            .filter(|r| r.source == name)
            .take(limit)
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str) -> FeedSource {
        FeedSource {
            name: name.into(),
            url: "https://shop.example/feed.tsv".into(),
            every_secs: 6 * 3600,
            feed_format: Some("gmc-tsv".into()),
            mapping: None,
            retailer: Some("Shop".into()),
            currency: None,
            refuse_below_pct: 50,
            public_only: false,
            created_at: "2026-01-05T09:00:00Z".parse().unwrap(),
            state: SourceState::default(),
        }
    }

    fn run(name: &str, outcome: RunOutcome, minute: u32) -> SourceRun {
        SourceRun {
            source: name.into(),
            started_at: format!("2026-01-05T09:{minute:02}:00Z").parse().unwrap(),
            duration_ms: 12,
            outcome,
            http_status: Some(200),
            bytes: 100,
            rows: 3,
            good_rows: 3,
            rejected: 0,
            error: None,
        }
    }

    fn stores() -> Vec<(&'static str, Box<dyn SourceStoreTest>)> {
        let mut stores: Vec<(&'static str, Box<dyn SourceStoreTest>)> = vec![
            ("sqlite", Box::new(SqliteStore::open_in_memory().unwrap())),
            ("memory", Box::new(MemoryStore::new())),
        ];
        if let Some(url) = pointe_testdata::database_url() {
            let store = crate::store::PgStore::scratch(&url).unwrap();
            stores.push(("postgres", Box::new(store)));
        }
        stores
    }

    trait SourceStoreTest: SourceStore {}
    impl<T: SourceStore> SourceStoreTest for T {}

    #[test]
    fn sources_are_kept_by_name_with_their_runs_newest_first() {
        for (kind, mut store) in stores() {
            store.put_feed_source(&source("shop")).unwrap();
            store.put_feed_source(&source("another")).unwrap();
            let again = store.put_feed_source(&source("shop")).unwrap_err();
            assert!(again.to_string().contains("\"shop\""), "{kind}: {again}");
            let state = SourceState {
                etag: Some("\"v1\"".into()),
                last_good_rows: Some(3),
                ..SourceState::default()
            };
            store
                .record_run(&run("shop", RunOutcome::Ingested, 1), &state)
                .unwrap();
            store
                .record_run(&run("shop", RunOutcome::NotModified, 2), &state)
                .unwrap();
            let names: Vec<String> = store
                .feed_sources()
                .unwrap()
                .into_iter()
                .map(|s| s.name)
                .collect();
            assert_eq!(names, ["another", "shop"], "{kind}");
            assert_eq!(
                store.feed_source("shop").unwrap().unwrap().state,
                state,
                "{kind}"
            );
            let runs = store.source_runs("shop", 10).unwrap();
            let outcomes: Vec<RunOutcome> = runs.iter().map(|r| r.outcome).collect();
            assert_eq!(
                outcomes,
                [RunOutcome::NotModified, RunOutcome::Ingested],
                "{kind}"
            );
            assert!(
                store.source_runs("another", 10).unwrap().is_empty(),
                "{kind}"
            );
            let now: Timestamp = "2026-01-05T10:00:00Z".parse().unwrap();
            assert!(store.set_next_due("shop", now).unwrap(), "{kind}");
            assert!(!store.set_next_due("gone", now).unwrap(), "{kind}");
            let due = store.feed_source("shop").unwrap().unwrap().state;
            assert_eq!(due.next_due, Some(now), "{kind}");
            assert_eq!(due.etag, state.etag, "{kind}: the rest of the state stays");
            let lost = store.record_run(&run("gone", RunOutcome::Failed, 3), &state);
            assert!(lost.is_err(), "{kind}");
            assert!(store.remove_feed_source("shop").unwrap(), "{kind}");
            assert!(!store.remove_feed_source("shop").unwrap(), "{kind}");
            assert!(store.source_runs("shop", 10).unwrap().is_empty(), "{kind}");
        }
    }
}
