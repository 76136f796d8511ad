//! Feed sources and their runs in the PostgreSQL store ([`SourceStore`]).

use jiff::Timestamp;
use postgres::Transaction;

use super::PgStore;
use crate::Result;
use crate::store::sources::{json, read, taken, unknown};
use crate::store::{FeedSource, SourceRun, SourceState, SourceStore};

/// The source named `name`, its row locked until `tx` ends (a run's record and a run asked for
/// never overwrite each other).
fn locked_source(tx: &mut Transaction<'_>, name: &str) -> Result<Option<FeedSource>> {
    let row = tx.query_opt(
        "SELECT body FROM feed_sources WHERE name = $1 FOR UPDATE",
        &[&name],
    )?;
    row.map(|r| read("source", r.try_get(0)?)).transpose()
}

fn write_source(tx: &mut Transaction<'_>, source: &FeedSource) -> Result<()> {
    tx.execute(
        "UPDATE feed_sources SET body = $2 WHERE name = $1",
        &[&source.name, &json(source)],
    )?;
    Ok(())
}

impl SourceStore for PgStore {
    fn feed_sources(&self) -> Result<Vec<FeedSource>> {
        let rows = self.query(
            "SELECT body FROM feed_sources ORDER BY name COLLATE \"C\"",
            &[],
        )?;
        rows.iter().map(|r| read("source", r.try_get(0)?)).collect()
    }

    fn feed_source(&self, name: &str) -> Result<Option<FeedSource>> {
        let row = self.query_opt("SELECT body FROM feed_sources WHERE name = $1", &[&name])?;
        row.map(|r| read("source", r.try_get(0)?)).transpose()
    }

    fn put_feed_source(&mut self, source: &FeedSource) -> Result<()> {
        let mut tx = self.client_mut().transaction()?;
        let n = tx.execute(
            "INSERT INTO feed_sources (name, body) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[&source.name, &json(source)],
        )?;
        if n == 0 {
            return Err(taken(&source.name));
        }
        super::jobs::wake(&mut tx)?;
        tx.commit()?;
        Ok(())
    }

    fn remove_feed_source(&mut self, name: &str) -> Result<bool> {
        let mut tx = self.client_mut().transaction()?;
        tx.execute("DELETE FROM source_runs WHERE source = $1", &[&name])?;
        let n = tx.execute("DELETE FROM feed_sources WHERE name = $1", &[&name])?;
        tx.commit()?;
        Ok(n > 0)
    }

    fn set_next_due(&mut self, name: &str, at: Timestamp) -> Result<bool> {
        let mut tx = self.client_mut().transaction()?;
        let Some(mut source) = locked_source(&mut tx, name)? else {
            return Ok(false);
        };
        source.state.next_due = Some(at);
        write_source(&mut tx, &source)?;
        super::jobs::wake(&mut tx)?;
        tx.commit()?;
        Ok(true)
    }

    fn record_run(&mut self, run: &SourceRun, state: &SourceState) -> Result<()> {
        let mut tx = self.client_mut().transaction()?;
        let mut source =
            locked_source(&mut tx, &run.source)?.ok_or_else(|| unknown(&run.source))?;
        source.state = state.clone();
        write_source(&mut tx, &source)?;
        tx.execute(
            "INSERT INTO source_runs (source, body) VALUES ($1, $2)",
            &[&run.source, &json(run)],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn source_runs(&self, name: &str, limit: usize) -> Result<Vec<SourceRun>> {
        let rows = self.query(
            "SELECT body FROM source_runs WHERE source = $1 ORDER BY id DESC LIMIT $2",
            &[&name, &super::count(limit)],
        )?;
        rows.iter()
            .map(|r| read("source run", r.try_get(0)?))
            .collect()
    }
}
