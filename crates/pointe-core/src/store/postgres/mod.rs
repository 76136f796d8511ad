//! The PostgreSQL store: the same traits as the embedded store, on a server that several Pointe
//! nodes share.
//!
//! One [`PgStore`] is one connection (the `postgres` crate's blocking client: the store traits
//! are synchronous, and the server runs them on its blocking threads). Opening one applies the
//! pending migrations, versioned in `pointe_migrations`, one node at a time (an advisory lock),
//! and makes the months of price history around the present ([`schema.sql`]).
//!
//! Catalog writers take the lock of the `generation` row first: commits and the change-log rows
//! they write never interleave, so a node catching its search index up from the log misses
//! nothing (the embedded store has one writer at a time for the same reason).

mod catalog;
mod sources;
mod tokens;
mod trends;
mod tx;
mod watches;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use postgres::{Client, GenericClient, NoTls, Row, Statement};

use super::{Store, StoreTx};
use crate::domain::Availability;
use crate::money::Currency;
use crate::{Error, Result};

/// Schema migrations, applied in order; `pointe_migrations` records the versions applied.
const MIGRATIONS: &[&str] = &[include_str!("schema.sql")];

/// How many months of price history partitions are kept made ahead of the present.
const MONTHS_AHEAD: i32 = 3;

/// A PostgreSQL store: one connection to the server.
pub struct PgStore {
    client: RefCell<Client>,
    /// The statements prepared on the connection, by their text.
    statements: Statements,
    /// The schema a scratch store lives in, dropped with it.
    scratch: Option<String>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("scratch", &self.scratch)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`) and migrates it.
    pub fn connect(url: &str) -> Result<PgStore> {
        let client = connect_client(url)?;
        PgStore::init(client, None)
    }

    /// A store in a new schema of its own on the server at `url`, dropped when the store is:
    /// for tests and benchmarks that must not see each other's data.
    pub fn scratch(url: &str) -> Result<PgStore> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let mut client = connect_client(url)?;
        let name = format!(
            "pointe_scratch_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            Timestamp::now().as_microsecond()
        );
        client.batch_execute(&format!(
            "CREATE SCHEMA {name}; SET search_path = {name}, pg_catalog"
        ))?;
        PgStore::init(client, Some(name))
    }

    /// A second connection to the same database and schema.
    pub fn connect_like(url: &str, other: &PgStore) -> Result<PgStore> {
        let mut client = connect_client(url)?;
        if let Some(schema) = &other.scratch {
            client.batch_execute(&format!("SET search_path = {schema}, pg_catalog"))?;
        }
        Ok(PgStore {
            client: RefCell::new(client),
            statements: Statements::default(),
            scratch: None,
        })
    }

    fn init(client: Client, scratch: Option<String>) -> Result<PgStore> {
        let store = PgStore {
            client: RefCell::new(client),
            statements: Statements::default(),
            scratch,
        };
        store.migrate()?;
        store.make_partitions(Timestamp::now())?;
        Ok(store)
    }

    /// Applies the pending migrations in one transaction, one node at a time.
    fn migrate(&self) -> Result<()> {
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction()?;
        tx.batch_execute(
            "SELECT pg_advisory_xact_lock(hashtext('pointe_migrations')); \
             CREATE TABLE IF NOT EXISTS pointe_migrations \
             (version INTEGER PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
        )?;
        let applied: i32 = tx
            .query_one(
                "SELECT coalesce(max(version), 0) FROM pointe_migrations",
                &[],
            )?
            .try_get(0)?;
        let known = MIGRATIONS.len() as i32;
        if applied > known {
            return Err(Error::Store(format!(
                "the database has schema version {applied}, newer than this Pointe ({known}); upgrade Pointe"
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
            tx.batch_execute(sql)?;
            tx.execute(
                "INSERT INTO pointe_migrations (version) VALUES ($1)",
                &[&(i as i32 + 1)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The schema version the database is at, and the version this Pointe knows.
    pub fn schema_version(&self) -> Result<(i32, i32)> {
        let applied: i32 = self
            .client
            .borrow_mut()
            .query_one(
                "SELECT coalesce(max(version), 0) FROM pointe_migrations",
                &[],
            )?
            .try_get(0)?;
        Ok((applied, MIGRATIONS.len() as i32))
    }

    /// Makes the monthly partitions of price history from last month to [`MONTHS_AHEAD`]
    /// months after `now`'s; returns how many were new.
    pub fn make_partitions(&self, now: Timestamp) -> Result<u32> {
        let month = jiff::tz::TimeZone::UTC
            .to_datetime(now)
            .date()
            .first_of_month()
            .to_string();
        let made: i32 = self
            .client
            .borrow_mut()
            .query_one(
                "SELECT pointe_price_partitions(($1::text::date - interval '1 month')::date, $2)",
                &[&month, &(MONTHS_AHEAD + 2)],
            )?
            .try_get(0)?;
        Ok(made as u32)
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        if let Some(schema) = &self.scratch {
            let dropped = self
                .client
                .get_mut()
                .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
            if let Err(e) = dropped {
                tracing::warn!(error = %e, schema, "dropping a scratch schema");
            }
        }
    }
}

/// A connection's prepared statements, by their text: each is prepared once per connection.
#[derive(Debug, Default)]
struct Statements(RefCell<HashMap<String, Statement>>);

impl Statements {
    /// The statement for `sql`, prepared on `client` the first time.
    fn get(&self, client: &mut impl GenericClient, sql: &str) -> Result<Statement> {
        if let Some(stmt) = self.0.borrow().get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = client.prepare(sql)?;
        self.0.borrow_mut().insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }
}

fn connect_client(url: &str) -> Result<Client> {
    Client::connect(url, NoTls).map_err(|e| {
        Error::Store(format!(
            "cannot connect to the PostgreSQL database at {}: {e}",
            redacted(url)
        ))
    })
}

/// `url` with any password replaced, for messages.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(an address that is not a URL)".into(),
    }
}

/// A time as the store's functions take it (`pointe_time`): microseconds since the epoch.
fn us(at: Timestamp) -> i64 {
    at.as_microsecond()
}

/// A time read back (`pointe_us`).
fn time(row: &Row, i: usize) -> Result<Timestamp> {
    let us: i64 = row.try_get(i)?;
    Timestamp::from_microsecond(us).map_err(|e| Error::Store(format!("stored time {us}: {e}")))
}

fn currency(raw: &str) -> Result<Currency> {
    Currency::from_code(raw).ok_or_else(|| Error::Store(format!("unknown currency {raw:?}")))
}

fn availability(raw: &str) -> Result<Availability> {
    Availability::parse(raw).ok_or_else(|| Error::Store(format!("unknown availability {raw:?}")))
}

/// A count or limit as the server takes it.
fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store for PgStore {
    fn begin(&mut self) -> Result<Box<dyn StoreTx + '_>> {
        Ok(Box::new(tx::PgTx::begin(
            self.client.get_mut(),
            &self.statements,
        )?))
    }

    fn put_trend_file(&mut self, file: &crate::trends::TrendFile) -> Result<(u64, u64)> {
        trends::put_file(self.client.get_mut(), file)
    }

    fn put_edit(&mut self, edit: &crate::edit::Edit) -> Result<()> {
        let body = serde_json::to_string(edit)
            .map_err(|e| Error::Store(format!("edit {:?} cannot be written: {e}", edit.slug)))?;
        self.client.get_mut().execute(
            "INSERT INTO edits (slug, body, updated_at) VALUES ($1, $2, pointe_time($3)) \
             ON CONFLICT (slug) DO UPDATE SET body = excluded.body, \
             updated_at = excluded.updated_at",
            &[
                &edit.slug,
                &body,
                &us(edit.refreshed_at.unwrap_or(edit.created_at)),
            ],
        )?;
        Ok(())
    }

    fn put_fx_rates(&mut self, rates: &[(String, String, String)]) -> Result<()> {
        let mut tx = self.client.get_mut().transaction()?;
        let stmt = tx.prepare(
            "INSERT INTO fx_rates (date, currency, rate) VALUES ($1, $2, $3) \
             ON CONFLICT (date, currency) DO UPDATE SET rate = excluded.rate",
        )?;
        for (date, cur, rate) in rates {
            tx.execute(&stmt, &[date, cur, rate])?;
        }
        tx.commit()?;
        Ok(())
    }
}
