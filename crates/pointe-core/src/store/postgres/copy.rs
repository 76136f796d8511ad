//! Moving an embedded catalog to a PostgreSQL database (`pointe db copy`): every table the two
//! stores share, rows and keys as they are (so watches' cursors, alerts' watches and price
//! points' ingests still point at the same rows), by `COPY`, in one transaction on each side:
//! a snapshot of the embedded store, and a commit on the server only once every table's count
//! matches, and the indexes and constraints (set aside while it copies, as for any load into
//! an empty store) are built again. The nodes' search indexes rebuild from it.

use std::path::Path;

use postgres::Transaction;
use rusqlite::types::ValueRef;

use super::PgStore;
use super::bulk::Rows;
use crate::store::SqliteStore;
use crate::{Error, Result};

/// The tables copied, parents before children, with their generated key column if any.
const TABLES: &[(&str, Option<&str>)] = &[
    ("sources", Some("key")),
    ("ingests", Some("id")),
    ("products", Some("key")),
    ("offers", Some("key")),
    ("price_points", Some("id")),
    ("fx_rates", None),
    ("trend_series", Some("key")),
    ("trend_points", None),
    ("trend_related", Some("seq")),
    ("edits", None),
    ("api_tokens", None),
    ("feed_sources", None),
    ("source_runs", Some("id")),
    ("watches", Some("id")),
    ("alerts", Some("id")),
];

/// The tables whose rows make a database "not empty" to a copy.
const CONTENT: &[&str] = &[
    "sources",
    "products",
    "trend_series",
    "edits",
    "api_tokens",
    "feed_sources",
    "watches",
];

/// What a copy moved: each table and its rows (the same count on both sides).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CopyReport {
    /// The tables copied, in the order copied.
    pub tables: Vec<CopiedTable>,
}

/// One table a copy moved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CopiedTable {
    /// The table.
    pub table: String,
    /// Its rows, in both stores.
    pub rows: u64,
}

impl PgStore {
    /// Copies the embedded store `from` into this database, which must hold no catalog,
    /// sources, watches, tokens, edits or trends yet; every table's count is checked before
    /// the commit, and a mismatch or any error leaves this database as it was.
    pub fn copy_from_sqlite(&mut self, from: &SqliteStore, path: &Path) -> Result<CopyReport> {
        let conn = from.conn();
        let snapshot = conn.unchecked_transaction()?;
        let mut tx = self.client_mut().transaction()?;
        refuse_if_not_empty(&mut tx)?;
        tx.batch_execute("SET LOCAL pointe.log_every = 'on'")?;
        make_history_months(&snapshot, &mut tx)?;
        let aside = super::load::set_aside(&mut tx)?;
        let mut tables = Vec::new();
        for (table, key) in TABLES {
            let rows = copy_table(&snapshot, &mut tx, table, path)?;
            let expected: i64 =
                snapshot.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
            let found: i64 = tx
                .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
                .try_get(0)?;
            if expected != found || rows != found {
                return Err(Error::Store(format!(
                    "copying {table}: {expected} rows in {}, {found} in the database; nothing is kept",
                    path.display()
                )));
            }
            if let Some(key) = key {
                tx.execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', '{key}'), \
                         coalesce(max({key}), 0) + 1, false) FROM {table}"
                    ),
                    &[],
                )?;
            }
            tables.push(CopiedTable {
                table: table.to_string(),
                rows: found as u64,
            });
        }
        // The keys and references are checked here, as the constraints are built again.
        super::load::restore(&mut tx, &aside)?;
        // Every product changed: each node's search index rebuilds from the copy.
        tx.batch_execute(
            "INSERT INTO changes (generation, product_key) \
               SELECT value + 1, 0 FROM meta WHERE key = 'generation' ON CONFLICT DO NOTHING; \
             UPDATE meta SET value = value + 1 WHERE key = 'generation'",
        )?;
        tx.batch_execute(super::tx::ANALYZE_CATALOG)?;
        tx.commit()?;
        Ok(CopyReport { tables })
    }
}

fn refuse_if_not_empty(tx: &mut Transaction<'_>) -> Result<()> {
    for table in CONTENT {
        let n: i64 = tx
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
            .try_get(0)?;
        if n > 0 {
            return Err(Error::Usage(format!(
                "the database is not empty ({n} rows in {table}): a copy goes into a new database"
            )));
        }
    }
    Ok(())
}

/// Makes the monthly partitions of price history for the months the copy's points span.
fn make_history_months(snapshot: &rusqlite::Connection, tx: &mut Transaction<'_>) -> Result<()> {
    let span: (Option<String>, Option<String>) = snapshot.query_row(
        "SELECT min(seen_at), max(seen_at) FROM price_points",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (Some(first), Some(last)) = span else {
        return Ok(());
    };
    tx.execute(
        "WITH span AS (SELECT date_trunc('month', $1::text::timestamptz) AS first, \
                 date_trunc('month', $2::text::timestamptz) AS last) \
         SELECT pointe_price_partitions(first::date, least(600, \
             (extract(year FROM age(last, first)) * 12 \
              + extract(month FROM age(last, first)))::int + 1)) FROM span",
        &[&first, &last],
    )?;
    Ok(())
}

/// The columns of `table` on the server, in order.
fn server_columns(tx: &mut Transaction<'_>, table: &str) -> Result<Vec<String>> {
    let rows = tx.query(
        "SELECT column_name FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        &[&table],
    )?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// Copies one table's rows (the columns both stores have); the rows sent.
fn copy_table(
    snapshot: &rusqlite::Connection,
    tx: &mut Transaction<'_>,
    table: &str,
    path: &Path,
) -> Result<i64> {
    let embedded: Vec<String> = {
        let mut stmt =
            snapshot.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    let columns: Vec<String> = server_columns(tx, table)?
        .into_iter()
        .filter(|c| embedded.contains(c))
        .collect();
    let list = columns.join(", ");
    let copy = format!("COPY {table} ({list}) FROM STDIN");
    let mut stmt = snapshot.prepare(&format!("SELECT {list} FROM {table}"))?;
    let mut rows = stmt.query([])?;
    let mut out = Rows::default();
    let mut sent = 0;
    while let Some(row) = rows.next()? {
        for (i, column) in columns.iter().enumerate() {
            field(&mut out, row.get_ref(i)?).map_err(|why| {
                Error::Store(format!(
                    "{}: {table}.{column} of row {}: {why}",
                    path.display(),
                    sent + 1
                ))
            })?;
        }
        sent += 1;
        if out.end_row() {
            out.send(tx, &copy)?;
        }
    }
    out.send(tx, &copy)?;
    Ok(sent)
}

/// One value in `COPY`'s text format: times and flags the embedded store keeps as text and
/// 0/1 are read by the server's own parsers.
fn field(out: &mut Rows, value: ValueRef<'_>) -> std::result::Result<(), String> {
    match value {
        ValueRef::Null => out.text(None),
        ValueRef::Integer(n) => out.number(Some(n)),
        ValueRef::Real(x) => out.text(Some(&x.to_string())),
        ValueRef::Text(t) => out.text(Some(std::str::from_utf8(t).map_err(|e| e.to_string())?)),
        ValueRef::Blob(_) => return Err("a binary value, which no column holds".into()),
    }
    Ok(())
}
