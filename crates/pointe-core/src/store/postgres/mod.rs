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

mod bulk;
mod catalog;
mod conn;
mod copy;
mod jobs;
mod load;
mod sources;
mod tokens;
mod trends;
mod tx;
mod watches;

pub use copy::CopyReport;
pub use jobs::PgListener;

use std::cell::{Cell, RefCell, RefMut};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use jiff::Timestamp;
use postgres::{Client, GenericClient, NoTls, Row, Statement};

use super::{Store, StoreTx};
use crate::domain::Availability;
use crate::money::Currency;
use crate::{Error, Result};

/// Schema migrations, applied in order; `pointe_migrations` records the versions applied.
const MIGRATIONS: &[&str] = &[
    include_str!("schema.sql"),
    // Where each node's search index stands in the change log: the log is trimmed only up to
    // the lowest position of the nodes seen lately (`trim_changes`).
    "CREATE TABLE index_replicas (
        name TEXT PRIMARY KEY,
        generation BIGINT NOT NULL,
        seen_at timestamptz NOT NULL DEFAULT now()
    );",
    // The change-log triggers return at once in a transaction that logs every product (a
    // load), rather than running a statement that writes nothing for each row.
    include_str!("triggers_2.sql"),
    // The jobs the nodes' schedulers share (`jobs.rs`): due times in microseconds since the
    // epoch (Pointe's clock), leases by the server's.
    "CREATE TABLE jobs (
        name TEXT PRIMARY KEY,
        due_at BIGINT NOT NULL,
        owner TEXT,
        lease_until timestamptz,
        attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX jobs_due ON jobs(due_at);",
    // A load into an empty store used to build the price history's indexes again on the
    // partitioned table only, leaving them invalid and the partitions without them: made
    // again, on every partition.
    "DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_index WHERE indrelid = 'price_points'::regclass
                   AND NOT indisvalid) THEN
            DROP INDEX IF EXISTS price_points_offer;
            DROP INDEX IF EXISTS price_points_id;
            CREATE INDEX price_points_offer ON price_points(offer_key, seen_at);
            CREATE INDEX price_points_id ON price_points(id);
        END IF;
    END $$;",
    // Keys compared only for equality, ordered by bytes: their indexes sort in about half the
    // time of the database's default collation (a load builds them again at its end), and
    // nothing orders by them.
    "ALTER TABLE products ALTER COLUMN public_id TYPE TEXT COLLATE \"C\",
        ALTER COLUMN brand_key TYPE TEXT COLLATE \"C\",
        ALTER COLUMN title_key TYPE TEXT COLLATE \"C\",
        ALTER COLUMN gtin TYPE TEXT COLLATE \"C\",
        ALTER COLUMN mpn TYPE TEXT COLLATE \"C\",
        ALTER COLUMN item_group TYPE TEXT COLLATE \"C\";
    ALTER TABLE offers ALTER COLUMN item_id TYPE TEXT COLLATE \"C\",
        ALTER COLUMN retailer_key TYPE TEXT COLLATE \"C\";",
];

/// How long a node's index position holds the change log back: a node not seen for longer
/// rebuilds its index when it comes back.
const REPLICA_HOLD_DAYS: i32 = 7;

/// How many months of price history partitions are kept made ahead of the present.
const MONTHS_AHEAD: i32 = 3;

/// A PostgreSQL store: one connection to the server, back to its pool when dropped.
pub struct PgStore {
    /// The connection; `None` only once it went back to its pool.
    client: RefCell<Option<Client>>,
    /// The statements prepared on the connection, by their text.
    statements: Statements,
    /// The pool the connection came from.
    pool: Option<Arc<PgPool>>,
    /// The search index whose position `trim_changes` records, if any.
    replica: Option<String>,
    /// Whether a consistent read ([`crate::store::Catalog::begin_read`]) is open.
    reading: Cell<bool>,
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

/// The most idle connections a pool keeps.
const IDLE_CONNECTIONS: usize = 16;

/// Connections to one database, kept for reuse with the statements prepared on each. (A pool
/// crate would keep the connections but not what was prepared on them.)
pub struct PgPool {
    url: String,
    /// The name of the search index its stores' catch-ups keep up ([`PgPool::for_replica`]).
    replica: Option<String>,
    idle: Mutex<Vec<(Client, Statements)>>,
}

impl std::fmt::Debug for PgPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgPool")
            .field("url", &redacted(&self.url))
            .finish_non_exhaustive()
    }
}

impl PgPool {
    /// Connects to the database at `url`, migrating it, and keeps the connection for reuse.
    pub fn open(url: &str) -> Result<Arc<PgPool>> {
        PgPool::new(url, None)
    }

    /// Connects as [`PgPool::open`] does, for the node whose search index is named `replica`
    /// (its host and data directory): the change log is kept until every node seen lately
    /// has caught up past it.
    pub fn for_replica(url: &str, replica: &str) -> Result<Arc<PgPool>> {
        PgPool::new(url, Some(replica.to_string()))
    }

    fn new(url: &str, replica: Option<String>) -> Result<Arc<PgPool>> {
        let mut first = PgStore::connect(url)?;
        let client = first.client.get_mut().take();
        let pool = Arc::new(PgPool {
            url: url.to_string(),
            replica,
            idle: Mutex::new(Vec::new()),
        });
        if let Some(client) = client {
            pool.checkin(client, std::mem::take(&mut first.statements));
        }
        Ok(pool)
    }

    /// A store over a connection of the pool (a new one when none is idle).
    pub fn store(self: &Arc<Self>) -> Result<PgStore> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let (client, statements) = match idle {
            Some(conn) => conn,
            None => (connect_client(&self.url)?, Statements::default()),
        };
        Ok(PgStore {
            client: RefCell::new(Some(client)),
            statements,
            replica: self.replica.clone(),
            pool: Some(Arc::clone(self)),
            reading: Cell::new(false),
            scratch: None,
        })
    }

    /// Takes the database-wide lock `name` unless another connection holds it: `None` then.
    /// It is held until the [`PgLock`] is dropped, or its holder's connection ends (a node
    /// that dies lets go of it).
    pub fn try_lock(&self, name: &str) -> Result<Option<PgLock>> {
        self.try_advisory("pg_try_advisory_lock", name)
    }

    /// Takes the lock `name` shared with others who share it, unless one holds it alone;
    /// `None` then. A shared holder keeps [`PgPool::try_lock`] from taking it alone.
    pub fn try_lock_shared(&self, name: &str) -> Result<Option<PgLock>> {
        self.try_advisory("pg_try_advisory_lock_shared", name)
    }

    /// Takes the advisory lock `name` by `function` on a connection of its own, if free.
    fn try_advisory(&self, function: &str, name: &str) -> Result<Option<PgLock>> {
        let mut client = connect_client(&self.url)?;
        let taken: bool = client
            .query_one(
                &format!("SELECT {function}(hashtext($1))"),
                &[&lock_key(name)],
            )?
            .try_get(0)?;
        Ok(taken.then_some(PgLock { _client: client }))
    }

    /// Waits for and takes the database-wide lock `name` (see [`PgPool::try_lock`]).
    pub fn lock(&self, name: &str) -> Result<PgLock> {
        let mut client = connect_client(&self.url)?;
        client.execute("SELECT pg_advisory_lock(hashtext($1))", &[&lock_key(name)])?;
        Ok(PgLock { _client: client })
    }

    /// A connection of its own listening for the wake-ups of the nodes' schedulers.
    pub fn listen(&self) -> Result<PgListener> {
        PgListener::new(connect_client(&self.url)?)
    }

    fn checkin(&self, client: Client, statements: Statements) {
        if client.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE_CONNECTIONS {
            idle.push((client, statements));
        }
    }
}

/// A database-wide lock ([`PgPool::try_lock`]): a session lock on a connection of its own,
/// let go of when the connection ends.
pub struct PgLock {
    _client: Client,
}

impl std::fmt::Debug for PgLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgLock").finish_non_exhaustive()
    }
}

fn lock_key(name: &str) -> String {
    format!("pointe:{name}")
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

    fn init(client: Client, scratch: Option<String>) -> Result<PgStore> {
        let store = PgStore {
            client: RefCell::new(Some(client)),
            statements: Statements::default(),
            pool: None,
            replica: None,
            reading: Cell::new(false),
            scratch,
        };
        store.migrate()?;
        store.make_partitions(Timestamp::now())?;
        Ok(store)
    }

    /// The connection.
    fn client(&self) -> RefMut<'_, Client> {
        RefMut::map(self.client.borrow_mut(), |c| {
            c.as_mut()
                .expect("a store holds its connection until dropped")
        })
    }

    /// The connection, for a write.
    fn client_mut(&mut self) -> &mut Client {
        self.client
            .get_mut()
            .as_mut()
            .expect("a store holds its connection until dropped")
    }

    /// Applies the pending migrations in one transaction, one node at a time.
    fn migrate(&self) -> Result<()> {
        let mut client = self.client();
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
            .client()
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
            .client()
            .query_one(
                "SELECT pointe_price_partitions(($1::text::date - interval '1 month')::date, $2)",
                &[
                    &month as &(dyn postgres::types::ToSql + Sync),
                    &(MONTHS_AHEAD + 2),
                ],
            )?
            .try_get(0)?;
        Ok(made as u32)
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        if let Some(schema) = self.scratch.take() {
            let dropped = self
                .client_mut()
                .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
            if let Err(e) = dropped {
                tracing::warn!(error = %e, schema, "dropping a scratch schema");
            }
        }
        let Some(pool) = self.pool.take() else {
            return;
        };
        // A read left open would hold the next user to its snapshot.
        if self.reading.get() && self.client_mut().batch_execute("ROLLBACK").is_err() {
            return;
        }
        if let Some(client) = self.client.get_mut().take() {
            pool.checkin(client, std::mem::take(&mut self.statements));
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
        trends::put_file(self.client_mut(), file)
    }

    fn put_edit(&mut self, edit: &crate::edit::Edit) -> Result<()> {
        let body = serde_json::to_string(edit)
            .map_err(|e| Error::Store(format!("edit {:?} cannot be written: {e}", edit.slug)))?;
        self.client_mut().execute(
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
        let mut tx = self.client_mut().transaction()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Catalog, Changes, ProductData};

    /// A database of its own on the test server, dropped at the end.
    struct ScratchDatabase {
        admin: Client,
        name: String,
        url: String,
    }

    impl ScratchDatabase {
        fn new(url: &str) -> ScratchDatabase {
            static NEXT: AtomicU64 = AtomicU64::new(0);
            let mut admin = connect_client(url).unwrap();
            let name = format!(
                "pointe_scratch_db_{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap();
            let mut parsed = url::Url::parse(url).unwrap();
            parsed.set_path(&name);
            ScratchDatabase {
                admin,
                name,
                url: parsed.to_string(),
            }
        }
    }

    impl Drop for ScratchDatabase {
        fn drop(&mut self) {
            let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            let _ = self.admin.batch_execute(&drop);
        }
    }

    fn write_product(store: &mut PgStore, id: &str) -> i64 {
        let mut tx = store.begin().unwrap();
        let data = ProductData {
            title: id.into(),
            title_key: id.into(),
            ..ProductData::default()
        };
        let key = tx.insert_product(id, &data).unwrap().unwrap();
        tx.commit().unwrap();
        key
    }

    #[test]
    fn the_change_log_is_kept_until_every_node_seen_lately_has_caught_up() {
        let Some(url) = pointe_testdata::database_url() else {
            return;
        };
        let db = ScratchDatabase::new(&url);
        let node_a = PgPool::for_replica(&db.url, "a:/data").unwrap();
        let node_b = PgPool::for_replica(&db.url, "b:/data").unwrap();
        let (mut a, b) = (node_a.store().unwrap(), node_b.store().unwrap());
        write_product(&mut a, "pt-1");
        b.trim_changes(1).unwrap();
        a.trim_changes(1).unwrap();
        let second = write_product(&mut a, "pt-2");
        // Node A caught up to 2; node B, still at 1, holds the log back.
        a.trim_changes(2).unwrap();
        assert_eq!(b.changes_since(1).unwrap(), Changes::Products(vec![second]));
        b.trim_changes(2).unwrap();
        assert_eq!(b.changes_since(1).unwrap(), Changes::All);
        assert_eq!(b.changes_since(2).unwrap(), Changes::Products(vec![]));
    }

    #[test]
    fn a_pooled_connection_comes_back_without_the_read_left_open_on_it() {
        let Some(url) = pointe_testdata::database_url() else {
            return;
        };
        let db = ScratchDatabase::new(&url);
        let pool = PgPool::open(&db.url).unwrap();
        let reader = pool.store().unwrap();
        reader.begin_read().unwrap();
        assert_eq!(reader.generation().unwrap(), 0);
        let mut writer = pool.store().unwrap();
        write_product(&mut writer, "pt-1");
        drop(writer);
        drop(reader);
        // The reader's connection, back last, comes out first: it reads the store as it is
        // now, not as of the read left open on it.
        assert_eq!(pool.store().unwrap().generation().unwrap(), 1);
    }
}
