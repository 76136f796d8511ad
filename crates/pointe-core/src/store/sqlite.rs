//! The embedded store: one SQLite file, WAL mode, foreign keys on, versioned migrations.

use std::path::Path;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::sqlite_trends as trends;
use super::{
    Catalog, Changes, EVERY_PRODUCT, IngestLog, MatchCandidate, OfferData, OfferSeen, PointOrigin,
    ProductData, ProductFilter, Store, StoreTx, StoredOffer, StoredProduct, attributes_json,
    from_json, retailer_key, stored_fingerprint, to_json,
};
use crate::domain::{Availability, Offer, PricePoint};
use crate::money::{Currency, Money};
use crate::{Error, Result};

/// The triggers that write the change log (see the migration that made it). A transaction that
/// logs every product at once ([`StoreTx::log_every_product`]) drops them until its commit,
/// which makes them again.
macro_rules! change_triggers {
    () => {
        r#"
CREATE TRIGGER products_inserted AFTER INSERT ON products BEGIN
    INSERT OR IGNORE INTO changes SELECT value + 1, NEW.key FROM meta WHERE key = 'generation';
END;
CREATE TRIGGER products_updated AFTER UPDATE ON products BEGIN
    INSERT OR IGNORE INTO changes SELECT value + 1, NEW.key FROM meta WHERE key = 'generation';
END;
CREATE TRIGGER products_deleted AFTER DELETE ON products BEGIN
    INSERT OR IGNORE INTO changes SELECT value + 1, OLD.key FROM meta WHERE key = 'generation';
END;
CREATE TRIGGER offers_inserted AFTER INSERT ON offers BEGIN
    INSERT OR IGNORE INTO changes
        SELECT value + 1, NEW.product_key FROM meta WHERE key = 'generation';
END;
CREATE TRIGGER offers_deleted AFTER DELETE ON offers BEGIN
    INSERT OR IGNORE INTO changes
        SELECT value + 1, OLD.product_key FROM meta WHERE key = 'generation';
END;
CREATE TRIGGER offers_updated AFTER UPDATE ON offers
WHEN OLD.product_key IS NOT NEW.product_key OR OLD.retailer IS NOT NEW.retailer
    OR OLD.url IS NOT NEW.url OR OLD.currency IS NOT NEW.currency
    OR OLD.price_minor IS NOT NEW.price_minor OR OLD.sale_price_minor IS NOT NEW.sale_price_minor
    OR OLD.availability IS NOT NEW.availability OR OLD.sizes IS NOT NEW.sizes
    OR OLD.in_latest IS NOT NEW.in_latest
    OR substr(OLD.last_seen, 1, 10) IS NOT substr(NEW.last_seen, 1, 10)
BEGIN
    INSERT OR IGNORE INTO changes
        SELECT value + 1, NEW.product_key FROM meta WHERE key = 'generation';
    INSERT OR IGNORE INTO changes
        SELECT value + 1, OLD.product_key FROM meta WHERE key = 'generation';
END;
"#
    };
}

/// The indexes a load into an empty store builds at its commit ([`StoreTx::defer_indexes`]):
/// those whose keys arrive in no order (so that each insert lands on another page) and that
/// none of its lookups (stored offer, GTIN, MPN, item group, the offers of a product) reads.
/// Title matching is one: a load into an empty store never matches by title.
const DEFERRABLE_INDEXES: [&str; 3] = ["products_title", "offers_item", "offers_url"];

/// The names of the triggers [`change_triggers!`] makes.
const CHANGE_TRIGGERS: [&str; 6] = [
    "products_inserted",
    "products_updated",
    "products_deleted",
    "offers_inserted",
    "offers_deleted",
    "offers_updated",
];

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran. A migration
/// list kept in code is all this schema needs, so no migration crate is used.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE sources (
    key INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    last_ingest INTEGER
);
CREATE TABLE ingests (
    id INTEGER PRIMARY KEY,
    source_key INTEGER NOT NULL REFERENCES sources(key),
    seen_at TEXT NOT NULL,
    file TEXT,
    format TEXT,
    accepted INTEGER,
    updated INTEGER,
    unchanged INTEGER,
    rejected INTEGER,
    unseen INTEGER
);
CREATE TABLE products (
    key INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    brand_key TEXT,
    brand TEXT,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    description TEXT,
    google_category_id INTEGER,
    category_text TEXT,
    gender TEXT,
    age_group TEXT,
    colours TEXT NOT NULL DEFAULT '[]',
    materials TEXT NOT NULL DEFAULT '[]',
    pattern TEXT,
    image_urls TEXT NOT NULL DEFAULT '[]',
    gtin TEXT,
    mpn TEXT,
    item_group TEXT,
    condition TEXT
);
CREATE INDEX products_gtin ON products(gtin) WHERE gtin IS NOT NULL;
CREATE INDEX products_mpn ON products(brand_key, mpn) WHERE mpn IS NOT NULL;
CREATE INDEX products_title ON products(title_key, brand_key);
CREATE INDEX products_brand ON products(brand_key);
CREATE INDEX products_item_group ON products(item_group) WHERE item_group IS NOT NULL;
CREATE TABLE offers (
    key INTEGER PRIMARY KEY,
    product_key INTEGER NOT NULL REFERENCES products(key),
    source_key INTEGER NOT NULL REFERENCES sources(key),
    item_id TEXT NOT NULL,
    retailer TEXT NOT NULL,
    retailer_key TEXT NOT NULL,
    url TEXT,
    currency TEXT NOT NULL,
    price_minor INTEGER NOT NULL,
    sale_price_minor INTEGER,
    availability TEXT NOT NULL,
    sizes TEXT NOT NULL DEFAULT '[]',
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    last_ingest INTEGER NOT NULL,
    in_latest INTEGER NOT NULL DEFAULT 1,
    UNIQUE (source_key, item_id)
);
CREATE INDEX offers_product ON offers(product_key, source_key);
CREATE INDEX offers_item ON offers(item_id);
CREATE INDEX offers_url ON offers(url);
CREATE INDEX offers_retailer ON offers(retailer_key);
CREATE TABLE price_points (
    offer_key INTEGER NOT NULL REFERENCES offers(key),
    seen_at TEXT NOT NULL,
    currency TEXT NOT NULL,
    price_minor INTEGER NOT NULL,
    sale_price_minor INTEGER,
    availability TEXT NOT NULL
);
CREATE INDEX price_points_offer ON price_points(offer_key, seen_at);
CREATE TABLE fx_rates (
    date TEXT NOT NULL,
    currency TEXT NOT NULL,
    rate TEXT NOT NULL,
    PRIMARY KEY (date, currency)
);
"#,
    r#"
ALTER TABLE products ADD COLUMN market TEXT;
ALTER TABLE products ADD COLUMN attributes TEXT;
"#,
    r#"
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('generation', 0);
"#,
    r#"
CREATE TABLE trend_series (
    key INTEGER PRIMARY KEY,
    identity TEXT NOT NULL UNIQUE,
    term TEXT NOT NULL,
    term_key TEXT NOT NULL,
    source TEXT NOT NULL,
    region TEXT,
    granularity TEXT NOT NULL,
    scale_group TEXT NOT NULL,
    metric TEXT NOT NULL,
    file TEXT NOT NULL
);
CREATE INDEX trend_series_term ON trend_series(term_key);
CREATE TABLE trend_points (
    series_key INTEGER NOT NULL REFERENCES trend_series(key),
    date TEXT NOT NULL,
    value REAL NOT NULL,
    censored INTEGER NOT NULL,
    partial INTEGER NOT NULL,
    PRIMARY KEY (series_key, date)
);
CREATE TABLE trend_related (
    term TEXT NOT NULL,
    term_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    query TEXT NOT NULL,
    value_kind TEXT NOT NULL,
    value INTEGER,
    PRIMARY KEY (term_key, kind, query)
);
"#,
    r#"
CREATE TABLE edits (
    slug TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"#,
    // A series is identified by its term as written (no longer its normalised key); related
    // queries likewise, per region. The rows stored before are re-keyed in Rust
    // (`sqlite_trends::rekey_stored_series`), which finds them by their NULL `term_fold`.
    r#"
ALTER TABLE trend_series ADD COLUMN term_fold TEXT;
ALTER TABLE trend_series ADD COLUMN segment TEXT;
ALTER TABLE trend_series ADD COLUMN legacy_stem TEXT;
ALTER TABLE trend_series ADD COLUMN legacy_terms TEXT;
CREATE INDEX trend_series_fold ON trend_series(term_fold);
CREATE INDEX trend_series_legacy ON trend_series(legacy_stem, term) WHERE legacy_stem IS NOT NULL;
CREATE TABLE trend_related_by_term (
    term TEXT NOT NULL,
    term_fold TEXT,
    term_key TEXT NOT NULL,
    region TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    query TEXT NOT NULL,
    value_kind TEXT NOT NULL,
    value INTEGER,
    PRIMARY KEY (term, region, kind, query)
);
INSERT INTO trend_related_by_term (term, term_key, kind, query, value_kind, value)
    SELECT term, term_key, kind, query, value_kind, value FROM trend_related ORDER BY rowid;
DROP TABLE trend_related;
ALTER TABLE trend_related_by_term RENAME TO trend_related;
CREATE INDEX trend_related_fold ON trend_related(term_fold);
CREATE INDEX trend_related_key ON trend_related(term_key);
"#,
    // API tokens: only a hash of each token is kept (the token is shown once, at creation).
    r#"
CREATE TABLE api_tokens (
    name TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
"#,
    // The change log: which products each generation changed, written by triggers inside the
    // transaction of the change, so a search index can apply only those. A transaction's rows
    // carry the generation its commit reaches (the current one plus one). `product_key` 0
    // stands for every product. `changes_trimmed` is the last generation whose rows were
    // dropped: the log answers for the generations after it. An offer row counts as changed
    // when anything the index reads from it does (not when a feed only saw it again the same
    // day).
    concat!(
        r#"
CREATE TABLE changes (
    generation INTEGER NOT NULL,
    product_key INTEGER NOT NULL,
    PRIMARY KEY (generation, product_key)
) WITHOUT ROWID;
INSERT INTO meta (key, value) SELECT 'changes_trimmed', value FROM meta WHERE key = 'generation';
"#,
        change_triggers!()
    ),
    // The fingerprint of the feed row that last wrote or saw each offer: a re-ingest skips
    // the rows whose fingerprint is unchanged without reading their offer or product.
    r#"
ALTER TABLE offers ADD COLUMN fingerprint INTEGER;
"#,
    // Feed sources Pointe downloads by itself, each with its state, and a record of every
    // run (`store/sources.rs`), as JSON bodies.
    r#"
CREATE TABLE feed_sources (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE source_runs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX source_runs_source ON source_runs(source, id);
"#,
    // Watches and their alerts (`store/watches.rs`); price points numbered for good (an
    // explicit key, which no VACUUM renumbers: watches read them in that order) and with
    // the ingest and feed row each came from (the evidence an alert carries).
    r#"
CREATE TABLE price_points_numbered (
    id INTEGER PRIMARY KEY,
    offer_key INTEGER NOT NULL REFERENCES offers(key),
    seen_at TEXT NOT NULL,
    currency TEXT NOT NULL,
    price_minor INTEGER NOT NULL,
    sale_price_minor INTEGER,
    availability TEXT NOT NULL,
    ingest_id INTEGER,
    line INTEGER
);
INSERT INTO price_points_numbered
    (id, offer_key, seen_at, currency, price_minor, sale_price_minor, availability)
    SELECT rowid, offer_key, seen_at, currency, price_minor, sale_price_minor, availability
    FROM price_points;
DROP TABLE price_points;
ALTER TABLE price_points_numbered RENAME TO price_points;
CREATE INDEX price_points_offer ON price_points(offer_key, seen_at);
CREATE TABLE watches (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    watch TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    body TEXT NOT NULL,
    delivery TEXT,
    next_attempt TEXT
);
CREATE INDEX alerts_raised ON alerts(raised_at);
CREATE INDEX alerts_due ON alerts(next_attempt) WHERE next_attempt IS NOT NULL;
"#,
    // The jobs schedulers claim (`store/jobs.rs`): times in microseconds since the epoch.
    r#"
CREATE TABLE jobs (
    name TEXT PRIMARY KEY,
    due_at INTEGER NOT NULL,
    owner TEXT,
    lease_until INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0
);
"#,
];

/// The page cache of a connection, in KiB: large ingests stay in memory instead of spilling
/// pages to the log mid-transaction, and memory stays flat in the feed size.
const PAGE_CACHE_KIB: i64 = 64 * 1024;

/// The page cache of a connection kept for reading (a server's pooled connections), in KiB:
/// reads that miss it are served from the operating system's file cache, and a server holding
/// many such connections stays small however large the store grows.
const READ_PAGE_CACHE_KIB: i64 = 4 * 1024;

/// The page cache while a load into an empty store builds its deferred indexes, in KiB.
const INDEX_BUILD_CACHE_KIB: i64 = 8 * 1024;

/// How long a command waits for the store's write lock, held by another command's write, before
/// giving up. Writers queue behind each other (an ingest of a large feed holds the lock for the
/// whole file, a minute or more); readers never wait for a writer (WAL), but for the first load
/// of an empty store that no other command had open ([`Store::begin_load`]).
const BUSY_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The embedded SQLite store. Opening one applies any pending migrations.
///
/// Any number of commands may open one store at once: the first to open a new file sets it to
/// WAL and migrates it inside one exclusive transaction, the others wait for it and find the
/// schema up to date.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    /// Whether a load left the store in rollback-journal mode ([`Store::begin_load`]): the
    /// next transaction puts it back in WAL mode if the load's commit did not.
    loaded_in_place: bool,
}

impl SqliteStore {
    /// The connection, for the store's other tables (tokens).
    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Opens (creating if needed) the store file `pointe.db` in `data_dir`.
    pub fn open_dir(data_dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
        SqliteStore::open(&data_dir.join("pointe.db"))
    }

    /// Opens (creating if needed) a store file.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let opened = Connection::open(path).and_then(|conn| {
            // Before anything else, so that every statement below waits for a busy store.
            conn.busy_timeout(BUSY_TIMEOUT)?;
            Ok(conn)
        });
        let conn = opened.map_err(|e| open_error(path, "open", e))?;
        set_wal(&conn).map_err(|e| open_error(path, "set to WAL", e))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
        SqliteStore::init(conn).map_err(|e| match e {
            Error::Sqlite(e) => open_error(path, "migrate", e),
            other => other,
        })
    }

    /// Opens a store file for a connection kept for reads: a small page cache
    /// ([`READ_PAGE_CACHE_KIB`]). Writes through it work as through any other.
    pub fn open_for_reading(path: &Path) -> Result<SqliteStore> {
        let store = SqliteStore::open(path)?;
        store
            .conn
            .pragma_update(None, "cache_size", -READ_PAGE_CACHE_KIB)?;
        Ok(store)
    }

    /// A store that lives in memory only.
    pub fn open_in_memory() -> Result<SqliteStore> {
        SqliteStore::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<SqliteStore> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // `rarray(?)`: a list of keys bound as one parameter (offers marked seen in batches).
        rusqlite::vtab::array::load_module(&conn)?;
        // Plans never depend on bound values: otherwise every statement on `products` (whose
        // GTIN and MPN indexes are partial) is re-planned whenever its parameters change.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(64);
        let mut store = SqliteStore {
            conn,
            loaded_in_place: false,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Applies the pending migrations in one exclusive transaction. The version is read again
    /// once the write lock is held: another command opening the same new store may have
    /// migrated it while this one waited.
    fn migrate(&mut self) -> Result<()> {
        let known = MIGRATIONS.len() as i64;
        if user_version(&self.conn)? == known {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        let version = user_version(&tx)?;
        if version > known {
            return Err(Error::Store(format!(
                "the store has schema version {version}, newer than this Pointe ({known}); upgrade Pointe"
            )));
        }
        for sql in MIGRATIONS.iter().skip(version.max(0) as usize) {
            tx.execute_batch(sql)?;
        }
        super::sqlite_trends::rekey_stored_series(&tx)?;
        tx.pragma_update(None, "user_version", known)?;
        tx.commit()?;
        Ok(())
    }

    /// Runs SQLite's `integrity_check` and `foreign_key_check`; returns the problems found.
    pub fn check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let row = row?;
            if row != "ok" {
                problems.push(row);
            }
        }
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        let rows = stmt.query_map([], |r| {
            Ok(format!(
                "foreign key: table {} row {}",
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?
            ))
        })?;
        for row in rows {
            problems.push(row?);
        }
        Ok(problems)
    }
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Puts the store in WAL mode unless it is already (the mode is kept in the file, so only the
/// first command to open a new store changes it). Changing it takes an exclusive lock that the
/// busy timeout does not always wait for, so a busy store is tried again until the timeout.
fn set_wal(conn: &Connection) -> rusqlite::Result<()> {
    let started = Instant::now();
    loop {
        let result = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))
            .and_then(|mode| {
                if mode.eq_ignore_ascii_case("wal") {
                    return Ok(mode);
                }
                conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            });
        match result {
            // WAL, or the mode a store that cannot be WAL keeps.
            Ok(_) => return Ok(()),
            Err(e) if is_busy(&e) && started.elapsed() < BUSY_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(e),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// An error opening the store, naming the file and the step; a busy store says for how long
/// it waited.
fn open_error(path: &Path, step: &str, e: rusqlite::Error) -> Error {
    let waited = if is_busy(&e) {
        format!(
            " (another command held it for over {} s)",
            BUSY_TIMEOUT.as_secs()
        )
    } else {
        String::new()
    };
    Error::Store(format!(
        "{}: cannot {step} the store{waited}: {e}",
        path.display()
    ))
}

fn ts(raw: String) -> rusqlite::Result<Timestamp> {
    raw.parse().map_err(|e: jiff::Error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

fn currency(raw: String) -> rusqlite::Result<Currency> {
    Currency::from_code(&raw).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown currency {raw:?}").into(),
        )
    })
}

fn availability(raw: String) -> rusqlite::Result<Availability> {
    Availability::parse(&raw).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown availability {raw:?}").into(),
        )
    })
}

const PRODUCT_COLUMNS: &str = "p.key, p.public_id, p.brand_key, p.brand, p.title, p.title_key, \
    p.description, p.google_category_id, p.category_text, p.gender, p.age_group, p.colours, \
    p.materials, p.pattern, p.image_urls, p.gtin, p.mpn, p.item_group, p.condition, p.market, \
    p.attributes";

fn product_row(r: &Row<'_>) -> rusqlite::Result<StoredProduct> {
    Ok(StoredProduct {
        key: r.get(0)?,
        id: r.get(1)?,
        data: ProductData {
            brand_key: r.get(2)?,
            brand: r.get(3)?,
            title: r.get(4)?,
            title_key: r.get(5)?,
            description: r.get(6)?,
            google_category_id: r.get(7)?,
            category_text: r.get(8)?,
            gender: r.get(9)?,
            age_group: r.get(10)?,
            colours: from_json(r.get(11)?),
            materials: from_json(r.get(12)?),
            pattern: r.get(13)?,
            image_urls: from_json(r.get(14)?),
            gtin: r.get(15)?,
            mpn: r.get(16)?,
            item_group: r.get(17)?,
            condition: r.get(18)?,
            market: r.get(19)?,
            attributes: r
                .get_ref(20)?
                .as_str_or_null()?
                .and_then(super::compact::decode),
        },
    })
}

/// The columns [`match_row`] reads; `?2` is the key of the source being ingested.
const MATCH_COLUMNS: &str = "p.key, p.colours, p.title_key, p.item_group, EXISTS (SELECT 1 \
    FROM offers o WHERE o.product_key = p.key AND o.source_key = ?2)";

fn match_row(r: &Row<'_>) -> rusqlite::Result<MatchCandidate> {
    Ok(MatchCandidate {
        product_key: r.get(0)?,
        colours: from_json(r.get(1)?)
            .iter()
            .map(|c| crate::text::fold_key(c))
            .collect(),
        title_key: r.get(2)?,
        item_group: r.get(3)?,
        in_source: r.get(4)?,
    })
}

const OFFER_COLUMNS: &str = "o.key, o.product_key, o.source_key, o.item_id, o.retailer, o.url, \
    o.currency, o.price_minor, o.sale_price_minor, o.availability, o.sizes, o.first_seen, \
    o.last_seen, o.last_ingest";

fn stored_offer_row(r: &Row<'_>) -> rusqlite::Result<StoredOffer> {
    let cur = currency(r.get(6)?)?;
    Ok(StoredOffer {
        key: r.get(0)?,
        data: OfferData {
            product_key: r.get(1)?,
            source_key: r.get(2)?,
            item_id: r.get(3)?,
            retailer: r.get(4)?,
            url: r.get(5)?,
            price: Money::new(r.get(7)?, cur),
            sale_price: r.get::<_, Option<i64>>(8)?.map(|m| Money::new(m, cur)),
            availability: availability(r.get(9)?)?,
            sizes: from_json(r.get(10)?),
        },
        first_seen: ts(r.get(11)?)?,
        last_seen: ts(r.get(12)?)?,
        last_ingest: r.get(13)?,
    })
}

pub(super) fn point_row(r: &Row<'_>) -> rusqlite::Result<PricePoint> {
    point_row_at(r, 0, 1)
}

/// A price point whose `seen_at` is column `seen`, and whose currency, price, sale price and
/// availability are the four columns from `first`.
pub(super) fn point_row_at(r: &Row<'_>, seen: usize, first: usize) -> rusqlite::Result<PricePoint> {
    let cur = currency(r.get(first)?)?;
    Ok(PricePoint {
        seen_at: ts(r.get(seen)?)?,
        price: Money::new(r.get(first + 1)?, cur),
        sale_price: r
            .get::<_, Option<i64>>(first + 2)?
            .map(|m| Money::new(m, cur)),
        availability: availability(r.get(first + 3)?)?,
    })
}

impl Catalog for SqliteStore {
    fn begin_read(&self) -> Result<()> {
        // WAL: the snapshot is taken by the transaction's first read; a read transaction
        // never waits for a writer and never holds one up.
        self.conn.execute_batch("BEGIN DEFERRED")?;
        self.generation()?;
        Ok(())
    }

    fn end_read(&self) -> Result<()> {
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("COMMIT")?;
        }
        Ok(())
    }

    fn product_by_id(&self, id: &str) -> Result<Option<StoredProduct>> {
        let sql = format!("SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.public_id = ?1");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([id], product_row)
            .optional()?)
    }

    fn products_by_item_id(&self, item_id: &str) -> Result<Vec<(StoredProduct, String)>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS}, s.name FROM offers o JOIN products p ON p.key = o.product_key \
             JOIN sources s ON s.key = o.source_key WHERE o.item_id = ?1 ORDER BY p.key, s.name"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([item_id], |r| {
            Ok((product_row(r)?, r.get::<_, String>(19)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn products_by_url(&self, url: &str) -> Result<Vec<StoredProduct>> {
        let sql = format!(
            "SELECT DISTINCT {PRODUCT_COLUMNS} FROM offers o JOIN products p ON p.key = o.product_key \
             WHERE o.url = ?1 ORDER BY p.key"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([url], product_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn products_by_title_key(&self, title_key: &str, limit: usize) -> Result<Vec<StoredProduct>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.title_key = ?1 ORDER BY p.key LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![title_key, limit as i64], product_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn ids_like(&self, prefix: &str, limit: usize) -> Result<Vec<String>> {
        let escaped: String = prefix
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                _ => vec![c],
            })
            .collect();
        let pattern = format!("{escaped}%");
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM (SELECT item_id AS id FROM offers WHERE item_id LIKE ?1 ESCAPE '\\' \
             UNION SELECT public_id FROM products WHERE public_id LIKE ?1 ESCAPE '\\') \
             ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![pattern, limit as i64], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn brand_name(&self, brand_key: &str) -> Result<Option<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT brand FROM products WHERE brand_key = ?1 AND brand IS NOT NULL ORDER BY key LIMIT 1",
        )?;
        Ok(stmt
            .query_row(params![brand_key], |r| r.get(0))
            .optional()?)
    }

    fn list_products(&self, filter: &ProductFilter) -> Result<(Vec<StoredProduct>, u64)> {
        let mut clauses = Vec::new();
        let mut args: Vec<String> = Vec::new();
        if let Some(brand) = &filter.brand_key {
            args.push(brand.clone());
            clauses.push(format!("p.brand_key = ?{}", args.len()));
        }
        if let Some(retailer) = &filter.retailer_key {
            args.push(retailer.clone());
            // A set of keys built once from the retailer's index: as a correlated `EXISTS`,
            // the planner could walk every offer of the retailer for each product.
            clauses.push(format!(
                "p.key IN (SELECT o.product_key FROM offers o WHERE o.retailer_key = ?{})",
                args.len()
            ));
        }
        let filter_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let total: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM products p {filter_sql}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let limit = filter.limit.map(|l| l as i64).unwrap_or(-1);
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p {filter_sql} ORDER BY p.key LIMIT {limit} OFFSET {}",
            filter.offset
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), product_row)?;
        Ok((rows.collect::<rusqlite::Result<_>>()?, total as u64))
    }

    fn offers_of(&self, product_key: i64) -> Result<Vec<Offer>> {
        let sql = format!(
            "SELECT {OFFER_COLUMNS}, s.name, p.public_id, o.in_latest FROM offers o \
             JOIN sources s ON s.key = o.source_key JOIN products p ON p.key = o.product_key \
             WHERE o.product_key = ?1 ORDER BY o.in_latest DESC, o.key"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([product_key], |r| {
            let stored = stored_offer_row(r)?;
            Ok(Offer {
                id: stored.key,
                product_id: r.get(15)?,
                source: r.get(14)?,
                item_id: stored.data.item_id,
                retailer: stored.data.retailer,
                url: stored.data.url,
                price: stored.data.price,
                sale_price: stored.data.sale_price,
                availability: stored.data.availability,
                sizes: stored.data.sizes,
                first_seen: stored.first_seen,
                last_seen: stored.last_seen,
                in_latest_ingest: r.get::<_, i64>(16)? != 0,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn price_history(&self, offer_id: i64) -> Result<Vec<PricePoint>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seen_at, currency, price_minor, sale_price_minor, availability \
             FROM price_points WHERE offer_key = ?1 ORDER BY seen_at, rowid",
        )?;
        let rows = stmt.query_map([offer_id], point_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn fx_rates(&self) -> Result<Vec<(String, String, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT date, currency, rate FROM fx_rates ORDER BY date, currency")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn trend_series(&self, key: Option<&str>) -> Result<Vec<crate::trends::Series>> {
        let filter = key.map_or(trends::Filter::All, trends::Filter::Key);
        trends::series(&self.conn, filter)
    }

    fn trend_series_written(&self, term: &str) -> Result<Vec<crate::trends::Series>> {
        trends::series(&self.conn, trends::Filter::Written(term))
    }

    fn related_queries(&self, key: &str) -> Result<Vec<crate::trends::RelatedQuery>> {
        trends::related(&self.conn, trends::Filter::Key(key))
    }

    fn related_queries_written(&self, term: &str) -> Result<Vec<crate::trends::RelatedQuery>> {
        trends::related(&self.conn, trends::Filter::Written(term))
    }

    fn edit(&self, slug: &str) -> Result<Option<crate::edit::Edit>> {
        let body: Option<String> = self
            .conn
            .prepare_cached("SELECT body FROM edits WHERE slug = ?1")?
            .query_row([slug], |r| r.get(0))
            .optional()?;
        body.map(|b| {
            serde_json::from_str(&b)
                .map_err(|e| Error::Store(format!("edit {slug:?} cannot be read: {e}")))
        })
        .transpose()
    }

    fn edits(&self) -> Result<Vec<crate::edit::Edit>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT slug, body FROM edits ORDER BY slug")?;
        let rows: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(slug, b)| {
                serde_json::from_str(&b)
                    .map_err(|e| Error::Store(format!("edit {slug:?} cannot be read: {e}")))
            })
            .collect()
    }

    fn generation(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'generation'")?
            .query_row([], |r| r.get(0))?;
        Ok(n as u64)
    }

    fn changes_since(&self, after: u64) -> Result<Changes> {
        let trimmed: i64 = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'changes_trimmed'")?
            .query_row([], |r| r.get(0))?;
        if (after as i64) < trimmed {
            return Ok(Changes::All);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT product_key FROM changes WHERE generation > ?1 ORDER BY product_key",
        )?;
        let keys = stmt
            .query_map([after as i64], |r| r.get::<_, i64>(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        Ok(if keys.first() == Some(&EVERY_PRODUCT) {
            Changes::All
        } else {
            Changes::Products(keys)
        })
    }

    fn trim_changes(&self, through: u64) -> Result<()> {
        let through = through.min(self.generation()?) as i64;
        self.conn
            .prepare_cached("DELETE FROM changes WHERE generation <= ?1")?
            .execute([through])?;
        self.conn
            .prepare_cached("UPDATE meta SET value = max(value, ?1) WHERE key = 'changes_trimmed'")?
            .execute([through])?;
        Ok(())
    }

    fn products_by_keys(&self, keys: &[i64]) -> Result<Vec<StoredProduct>> {
        let sql = format!("SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.key = ?1");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut sorted = keys.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut out = Vec::with_capacity(sorted.len());
        for key in sorted {
            if let Some(p) = stmt.query_row([key], product_row).optional()? {
                out.push(p);
            }
        }
        Ok(out)
    }

    fn products_after(&self, after_key: i64, limit: usize) -> Result<Vec<StoredProduct>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.key > ?1 ORDER BY p.key LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![after_key, limit as i64], product_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn ingests(&self, limit: usize) -> Result<Vec<IngestLog>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.name, i.file, i.format, i.seen_at, i.accepted, i.updated, i.unchanged, \
             i.rejected, i.unseen FROM ingests i JOIN sources s ON s.key = i.source_key \
             WHERE i.accepted IS NOT NULL ORDER BY i.id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(IngestLog {
                source: r.get(0)?,
                file: r.get(1)?,
                format: r.get(2)?,
                seen_at: ts(r.get(3)?)?,
                accepted: r.get::<_, i64>(4)? as u64,
                updated: r.get::<_, i64>(5)? as u64,
                unchanged: r.get::<_, i64>(6)? as u64,
                rejected: r.get::<_, i64>(7)? as u64,
                unseen: r.get::<_, i64>(8)? as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl SqliteStore {
    /// A write transaction; `in_place` when its commit puts the store back in WAL mode.
    fn transaction(&mut self, in_place: bool) -> Result<Box<dyn StoreTx + '_>> {
        if self.loaded_in_place && !in_place {
            // An earlier load did not commit: its rollback kept the rollback journal.
            set_wal(&self.conn)?;
            self.loaded_in_place = false;
        }
        let tx = Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        Ok(Box::new(SqliteTx {
            conn: &self.conn,
            tx,
            logs_every_product: false,
            deferred_indexes: Vec::new(),
            times: None,
            restore_wal: in_place,
        }))
    }

    /// For a load into an empty store that no other connection has open: switches from WAL
    /// to a rollback journal, so that the load's pages are written once, into the file, rather
    /// than to the log and then copied in. The journal of an empty store holds almost nothing,
    /// and a crash still rolls the load back whole. Returns whether it switched; a store that
    /// another connection has open stays in WAL mode (the switch is refused at once, never
    /// waited for).
    fn load_in_place(&mut self) -> Result<bool> {
        let empty: bool =
            self.conn
                .query_row("SELECT NOT EXISTS (SELECT 1 FROM products)", [], |r| {
                    r.get(0)
                })?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !empty || !mode.eq_ignore_ascii_case("wal") {
            return Ok(false);
        }
        self.conn.busy_timeout(Duration::ZERO)?;
        let switched = self
            .conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| {
                r.get::<_, String>(0)
            });
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        match switched {
            Ok(mode) => Ok(mode.eq_ignore_ascii_case("delete")),
            Err(e) if is_busy(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

impl Store for SqliteStore {
    fn begin(&mut self) -> Result<Box<dyn StoreTx + '_>> {
        self.transaction(false)
    }

    fn begin_load(&mut self) -> Result<Box<dyn StoreTx + '_>> {
        let in_place = self.load_in_place()?;
        self.loaded_in_place |= in_place;
        self.transaction(in_place)
    }

    fn put_trend_file(&mut self, file: &crate::trends::TrendFile) -> Result<(u64, u64)> {
        trends::put_file(&mut self.conn, file)
    }

    fn put_edit(&mut self, edit: &crate::edit::Edit) -> Result<()> {
        let body = serde_json::to_string(edit)
            .map_err(|e| Error::Store(format!("edit {:?} cannot be written: {e}", edit.slug)))?;
        self.conn
            .prepare_cached(
                "INSERT INTO edits (slug, body, updated_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (slug) DO UPDATE SET body = excluded.body, \
                 updated_at = excluded.updated_at",
            )?
            .execute(params![
                edit.slug,
                body,
                edit.refreshed_at.unwrap_or(edit.created_at).to_string()
            ])?;
        Ok(())
    }

    fn put_fx_rates(&mut self, rates: &[(String, String, String)]) -> Result<()> {
        // Immediate: a deferred transaction that reads first fails at its first write
        // (SQLITE_BUSY_SNAPSHOT) when another command committed in between.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO fx_rates (date, currency, rate) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (date, currency) DO UPDATE SET rate = excluded.rate",
            )?;
            for (date, cur, rate) in rates {
                stmt.execute(params![date, cur, rate])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

struct SqliteTx<'a> {
    conn: &'a Connection,
    tx: Transaction<'a>,
    /// Whether the change-log triggers were dropped for this transaction (made again at its
    /// commit; a rollback restores them with everything else).
    logs_every_product: bool,
    /// The statements that make the indexes dropped for this transaction, run at its commit.
    deferred_indexes: Vec<String>,
    /// The last time written, as stored: an ingest writes one time on most of its rows.
    times: Option<(Timestamp, String)>,
    /// Whether the commit puts the store back in WAL mode ([`SqliteStore::load_in_place`]).
    restore_wal: bool,
}

/// `at` as stored, formatted once for as long as it stays the time written.
fn text_of(cache: &mut Option<(Timestamp, String)>, at: Timestamp) -> &str {
    if cache.as_ref().is_none_or(|(cached, _)| *cached != at) {
        *cache = Some((at, at.to_string()));
    }
    &cache.as_ref().expect("just set").1
}

impl StoreTx for SqliteTx<'_> {
    fn source_key(&mut self, name: &str) -> Result<i64> {
        self.tx
            .prepare_cached("INSERT INTO sources (name) VALUES (?1) ON CONFLICT (name) DO NOTHING")?
            .execute([name])?;
        Ok(self
            .tx
            .prepare_cached("SELECT key FROM sources WHERE name = ?1")?
            .query_row([name], |r| r.get(0))?)
    }

    fn start_ingest(&mut self, source_key: i64, seen_at: Timestamp) -> Result<i64> {
        self.tx
            .prepare_cached("INSERT INTO ingests (source_key, seen_at) VALUES (?1, ?2)")?
            .execute(params![source_key, seen_at.to_string()])?;
        let id = self.tx.last_insert_rowid();
        self.tx
            .prepare_cached("UPDATE sources SET last_ingest = ?1 WHERE key = ?2")?
            .execute(params![id, source_key])?;
        Ok(id)
    }

    fn offer_by_item(&mut self, source_key: i64, item_id: &str) -> Result<Option<StoredOffer>> {
        let sql = format!(
            "SELECT {OFFER_COLUMNS} FROM offers o WHERE o.source_key = ?1 AND o.item_id = ?2"
        );
        Ok(self
            .tx
            .prepare_cached(&sql)?
            .query_row(params![source_key, item_id], stored_offer_row)
            .optional()?)
    }

    fn product(&mut self, key: i64) -> Result<StoredProduct> {
        let sql = format!("SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.key = ?1");
        Ok(self
            .tx
            .prepare_cached(&sql)?
            .query_row([key], product_row)?)
    }

    fn find_by_gtin(&mut self, gtin: &str, source_key: i64) -> Result<Vec<MatchCandidate>> {
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM products p WHERE p.gtin = ?1 ORDER BY p.key LIMIT 8"
        );
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![gtin, source_key], match_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn find_by_mpn(
        &mut self,
        brand_key: &str,
        mpn: &str,
        source_key: i64,
    ) -> Result<Vec<MatchCandidate>> {
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM products p WHERE p.brand_key = ?3 AND p.mpn = ?1 \
             ORDER BY p.key LIMIT 8"
        );
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![mpn, source_key, brand_key], match_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn find_by_title(
        &mut self,
        brand_key: Option<&str>,
        title_key: &str,
        exclude_source: i64,
    ) -> Result<Vec<MatchCandidate>> {
        // Two statements rather than `brand_key IS ?`: an equality keeps the plan fixed, so the
        // prepared statement is never re-planned for new values.
        let brand_test = match brand_key {
            Some(_) => "p.brand_key = ?3",
            None => "p.brand_key IS NULL",
        };
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM products p WHERE p.title_key = ?1 AND {brand_test} \
             AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.product_key = p.key \
             AND o.source_key = ?2) ORDER BY p.key LIMIT 32"
        );
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows = match brand_key {
            Some(brand) => stmt.query_map(params![title_key, exclude_source, brand], match_row)?,
            None => stmt.query_map(params![title_key, exclude_source], match_row)?,
        };
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn find_by_item_group(
        &mut self,
        source_key: i64,
        item_group: &str,
    ) -> Result<Vec<MatchCandidate>> {
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM products p WHERE p.item_group = ?1 AND EXISTS \
             (SELECT 1 FROM offers o WHERE o.product_key = p.key AND o.source_key = ?2) \
             ORDER BY p.key LIMIT 32"
        );
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![item_group, source_key], match_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn insert_product(&mut self, public_id: &str, d: &ProductData) -> Result<Option<i64>> {
        let inserted = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO products (public_id, brand_key, brand, title, title_key, description, \
                 google_category_id, category_text, gender, age_group, colours, materials, pattern, \
                 image_urls, gtin, mpn, item_group, condition, market, attributes) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
                 ?18, ?19, ?20)",
            )?
            .execute(params![
                public_id,
                d.brand_key,
                d.brand,
                d.title,
                d.title_key,
                d.description,
                d.google_category_id,
                d.category_text,
                d.gender,
                d.age_group,
                to_json(&d.colours),
                to_json(&d.materials),
                d.pattern,
                to_json(&d.image_urls),
                d.gtin,
                d.mpn,
                d.item_group,
                d.condition,
                d.market,
                attributes_json(d)
            ])?;
        Ok((inserted == 1).then(|| self.tx.last_insert_rowid()))
    }

    fn products_after(&mut self, after_key: i64, limit: usize) -> Result<Vec<StoredProduct>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.key > ?1 ORDER BY p.key LIMIT ?2"
        );
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![after_key, limit as i64], product_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn update_product(&mut self, key: i64, d: &ProductData) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE products SET brand_key = ?2, brand = ?3, title = ?4, title_key = ?5, \
                 description = ?6, google_category_id = ?7, category_text = ?8, gender = ?9, \
                 age_group = ?10, colours = ?11, materials = ?12, pattern = ?13, image_urls = ?14, \
                 gtin = ?15, mpn = ?16, item_group = ?17, condition = ?18, market = ?19, \
                 attributes = ?20 WHERE key = ?1",
            )?
            .execute(params![
                key,
                d.brand_key,
                d.brand,
                d.title,
                d.title_key,
                d.description,
                d.google_category_id,
                d.category_text,
                d.gender,
                d.age_group,
                to_json(&d.colours),
                to_json(&d.materials),
                d.pattern,
                to_json(&d.image_urls),
                d.gtin,
                d.mpn,
                d.item_group,
                d.condition,
                d.market,
                attributes_json(d)
            ])?;
        Ok(())
    }

    fn insert_offer(
        &mut self,
        d: &OfferData,
        seen: OfferSeen,
        fingerprint: Option<u64>,
    ) -> Result<i64> {
        self.tx
            .prepare_cached(
                "INSERT INTO offers (product_key, source_key, item_id, retailer, retailer_key, url, \
                 currency, price_minor, sale_price_minor, availability, sizes, first_seen, last_seen, \
                 last_ingest, in_latest, fingerprint) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, 1, ?14)",
            )?
            .execute(params![
                d.product_key,
                d.source_key,
                d.item_id,
                d.retailer,
                retailer_key(&d.retailer),
                d.url,
                d.price.currency.code(),
                d.price.minor,
                d.sale_price.map(|s| s.minor),
                d.availability.as_str(),
                to_json(&d.sizes),
                text_of(&mut self.times, seen.at),
                seen.ingest_id,
                fingerprint.map(stored_fingerprint)
            ])?;
        Ok(self.tx.last_insert_rowid())
    }

    fn update_offer(
        &mut self,
        key: i64,
        d: &OfferData,
        seen: OfferSeen,
        fingerprint: Option<u64>,
    ) -> Result<()> {
        // Most updates are a new price: when the product, retailer and URL are as stored, a
        // statement that sets none of them leaves the offers' indexes alone.
        let repriced = self
            .tx
            .prepare_cached(
                "UPDATE offers SET currency = ?4, price_minor = ?5, sale_price_minor = ?6, \
                 availability = ?7, sizes = ?8, first_seen = min(first_seen, ?9), \
                 last_seen = max(last_seen, ?9), last_ingest = ?10, in_latest = 1, \
                 fingerprint = ?11 WHERE key = ?1 AND product_key = ?2 AND retailer = ?3 \
                 AND url IS ?12",
            )?
            .execute(params![
                key,
                d.product_key,
                d.retailer,
                d.price.currency.code(),
                d.price.minor,
                d.sale_price.map(|s| s.minor),
                d.availability.as_str(),
                to_json(&d.sizes),
                text_of(&mut self.times, seen.at),
                seen.ingest_id,
                fingerprint.map(stored_fingerprint),
                d.url
            ])?;
        if repriced == 1 {
            return Ok(());
        }
        self.tx
            .prepare_cached(
                "UPDATE offers SET product_key = ?2, retailer = ?3, retailer_key = ?4, url = ?5, \
                 currency = ?6, price_minor = ?7, sale_price_minor = ?8, availability = ?9, \
                 sizes = ?10, first_seen = min(first_seen, ?11), last_seen = max(last_seen, ?11), \
                 last_ingest = ?12, in_latest = 1, fingerprint = ?13 WHERE key = ?1",
            )?
            .execute(params![
                key,
                d.product_key,
                d.retailer,
                retailer_key(&d.retailer),
                d.url,
                d.price.currency.code(),
                d.price.minor,
                d.sale_price.map(|s| s.minor),
                d.availability.as_str(),
                to_json(&d.sizes),
                text_of(&mut self.times, seen.at),
                seen.ingest_id,
                fingerprint.map(stored_fingerprint)
            ])?;
        Ok(())
    }

    fn touch_offer(&mut self, key: i64, seen: OfferSeen, fingerprint: Option<u64>) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE offers SET first_seen = min(first_seen, ?2), last_seen = max(last_seen, ?2), \
                 last_ingest = ?3, in_latest = 1, fingerprint = ?4 WHERE key = ?1",
            )?
            .execute(params![
                key,
                text_of(&mut self.times, seen.at),
                seen.ingest_id,
                fingerprint.map(stored_fingerprint)
            ])?;
        Ok(())
    }

    fn touch_offers(&mut self, keys: &[i64], seen: OfferSeen) -> Result<()> {
        let keys: Vec<rusqlite::types::Value> = keys
            .iter()
            .map(|&k| rusqlite::types::Value::Integer(k))
            .collect();
        self.tx
            .prepare_cached(
                "UPDATE offers SET first_seen = min(first_seen, ?2), last_seen = max(last_seen, ?2), \
                 last_ingest = ?3, in_latest = 1 WHERE key IN rarray(?1)",
            )?
            .execute(params![
                std::rc::Rc::new(keys),
                text_of(&mut self.times, seen.at),
                seen.ingest_id
            ])?;
        Ok(())
    }

    fn offer_fingerprints(
        &mut self,
        source_key: i64,
        each: &mut dyn FnMut(&str, i64, u64),
    ) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT item_id, key, fingerprint FROM offers \
             WHERE source_key = ?1 AND fingerprint IS NOT NULL",
        )?;
        let mut rows = stmt.query([source_key])?;
        while let Some(row) = rows.next()? {
            let item: rusqlite::types::ValueRef<'_> = row.get_ref(0)?;
            let item = item.as_str().map_err(rusqlite::Error::from)?;
            each(item, row.get(1)?, row.get::<_, i64>(2)? as u64);
        }
        Ok(())
    }

    fn latest_price_point(&mut self, offer_key: i64) -> Result<Option<PricePoint>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT seen_at, currency, price_minor, sale_price_minor, availability \
                 FROM price_points WHERE offer_key = ?1 ORDER BY seen_at DESC, rowid DESC LIMIT 1",
            )?
            .query_row([offer_key], point_row)
            .optional()?)
    }

    fn append_price_point(
        &mut self,
        offer_key: i64,
        p: &PricePoint,
        origin: PointOrigin,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO price_points (offer_key, seen_at, currency, price_minor, \
                 sale_price_minor, availability, ingest_id, line) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                offer_key,
                text_of(&mut self.times, p.seen_at),
                p.price.currency.code(),
                p.price.minor,
                p.sale_price.map(|s| s.minor),
                p.availability.as_str(),
                origin.ingest_id,
                origin.line as i64
            ])?;
        Ok(())
    }

    fn mark_unseen(&mut self, source_key: i64, ingest_id: i64) -> Result<u64> {
        let n = self
            .tx
            .prepare_cached(
                "UPDATE offers SET in_latest = 0 WHERE source_key = ?1 AND last_ingest <> ?2 AND in_latest = 1",
            )?
            .execute(params![source_key, ingest_id])?;
        Ok(n as u64)
    }

    fn finish_ingest(&mut self, ingest_id: i64, log: &IngestLog) -> Result<()> {
        self.tx
            .prepare_cached(
                "UPDATE ingests SET file = ?2, format = ?3, accepted = ?4, updated = ?5, \
                 unchanged = ?6, rejected = ?7, unseen = ?8 WHERE id = ?1",
            )?
            .execute(params![
                ingest_id,
                log.file,
                log.format,
                log.accepted as i64,
                log.updated as i64,
                log.unchanged as i64,
                log.rejected as i64,
                log.unseen as i64
            ])?;
        Ok(())
    }

    fn log_every_product(&mut self) -> Result<()> {
        if self.logs_every_product {
            return Ok(());
        }
        for name in CHANGE_TRIGGERS {
            self.tx.execute_batch(&format!("DROP TRIGGER {name};"))?;
        }
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO changes SELECT value + 1, ?1 FROM meta \
                 WHERE key = 'generation'",
            )?
            .execute([super::EVERY_PRODUCT])?;
        self.logs_every_product = true;
        Ok(())
    }

    fn defer_indexes(&mut self) -> Result<()> {
        if !self.deferred_indexes.is_empty() {
            return Ok(());
        }
        let names = DEFERRABLE_INDEXES.map(|n| format!("'{n}'")).join(", ");
        let sql = format!(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND name IN ({names})"
        );
        let indexes: Vec<(String, String)> = self
            .tx
            .prepare(&sql)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (name, make) in indexes {
            self.tx.execute_batch(&format!("DROP INDEX {name};"))?;
            self.deferred_indexes.push(make);
        }
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<()> {
        if !self.deferred_indexes.is_empty() {
            // The sorts that build the indexes take memory of their own: the page cache lets
            // go of its dirty pages (to the log, where the commit writes them anyway) first.
            self.tx
                .pragma_update(None, "cache_size", -INDEX_BUILD_CACHE_KIB)?;
            for make in &self.deferred_indexes {
                self.tx.execute_batch(make)?;
            }
            self.tx.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
        }
        if self.logs_every_product {
            self.tx.execute_batch(change_triggers!())?;
        }
        self.tx
            .prepare_cached("UPDATE meta SET value = value + 1 WHERE key = 'generation'")?
            .execute([])?;
        let (conn, restore_wal) = (self.conn, self.restore_wal);
        self.tx.commit()?;
        if restore_wal {
            set_wal(conn)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier, mpsc};
    use std::time::Duration;

    use super::*;

    #[test]
    fn commands_opening_a_new_store_at_once_all_find_it_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pointe.db");
        let barrier = Arc::new(Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let store = SqliteStore::open(&path)?;
                    store.generation()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().unwrap(), 0);
        }
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(user_version(&store.conn).unwrap(), MIGRATIONS.len() as i64);
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_writer_queues_behind_another_while_readers_read_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pointe.db");
        let mut first = SqliteStore::open(&path).unwrap();
        let tx = first.begin().unwrap();
        // A reader reads while the write lock is held.
        let reader = SqliteStore::open(&path).unwrap();
        assert_eq!(reader.generation().unwrap(), 0);
        // A second writer waits for the first instead of failing busy.
        let (started, waiting) = mpsc::channel();
        let second = std::thread::spawn(move || {
            let mut store = SqliteStore::open(&path)?;
            started.send(()).ok();
            let tx = store.begin()?;
            tx.commit()?;
            store.generation()
        });
        waiting.recv_timeout(Duration::from_secs(60)).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        tx.commit().unwrap();
        assert_eq!(second.join().unwrap().unwrap(), 2);
    }

    fn indexes(store: &SqliteStore) -> Vec<String> {
        let mut stmt = store
            .conn
            .prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn indexes_deferred_by_a_load_are_there_after_its_commit_or_its_rollback() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let before = indexes(&store);
        assert!(
            before.iter().any(|i| i.contains("products_title")),
            "{before:?}"
        );
        let mut tx = store.begin().unwrap();
        tx.defer_indexes().unwrap();
        drop(tx);
        assert_eq!(indexes(&store), before, "rolled back");
        let mut tx = store.begin().unwrap();
        tx.defer_indexes().unwrap();
        tx.commit().unwrap();
        assert_eq!(indexes(&store), before, "committed");
        assert!(store.check().unwrap().is_empty());
    }

    #[test]
    fn a_consistent_read_sees_the_store_as_of_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pointe.db");
        let reader = SqliteStore::open(&path).unwrap();
        let mut writer = SqliteStore::open(&path).unwrap();
        reader.begin_read().unwrap();
        writer.begin().unwrap().commit().unwrap();
        assert_eq!(reader.generation().unwrap(), 0);
        reader.end_read().unwrap();
        assert_eq!(reader.generation().unwrap(), 1);
    }

    fn journal(store: &SqliteStore) -> String {
        store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap()
    }

    fn titled(title: &str) -> ProductData {
        ProductData {
            title: title.into(),
            title_key: title.to_lowercase(),
            ..ProductData::default()
        }
    }

    #[test]
    fn a_load_into_an_empty_store_writes_in_place_and_leaves_it_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pointe.db");
        let mut store = SqliteStore::open(&path).unwrap();
        let mut tx = store.begin_load().unwrap();
        tx.insert_product("p-1", &titled("Satin Ballet Flats"))
            .unwrap();
        // The load writes through a rollback journal, not the log.
        assert!(dir.path().join("pointe.db-journal").exists());
        assert!(!dir.path().join("pointe.db-wal").exists());
        tx.commit().unwrap();
        assert_eq!(journal(&store), "wal");
        // The next load finds products: it writes through the log, as every other write does.
        let mut tx = store.begin_load().unwrap();
        tx.insert_product("p-2", &titled("Leather Loafers"))
            .unwrap();
        assert!(!dir.path().join("pointe.db-journal").exists());
        tx.commit().unwrap();
        let reader = SqliteStore::open(&path).unwrap();
        assert_eq!(reader.ids_like("p-", 10).unwrap(), ["p-1", "p-2"]);
        assert!(reader.check().unwrap().is_empty());
    }

    #[test]
    fn a_load_while_another_command_has_the_store_open_keeps_the_log_and_does_not_wait() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pointe.db");
        let mut store = SqliteStore::open(&path).unwrap();
        let reader = SqliteStore::open(&path).unwrap();
        let started = Instant::now();
        let mut tx = store.begin_load().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
        tx.insert_product("p-1", &titled("Satin Ballet Flats"))
            .unwrap();
        assert!(!dir.path().join("pointe.db-journal").exists());
        // The reader reads on while the load writes.
        assert_eq!(reader.generation().unwrap(), 0);
        tx.commit().unwrap();
        assert_eq!(journal(&store), "wal");
        assert_eq!(reader.ids_like("p-", 10).unwrap(), ["p-1"]);
    }

    #[test]
    fn a_load_that_rolls_back_leaves_the_store_empty_and_the_next_write_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pointe.db");
        let mut store = SqliteStore::open(&path).unwrap();
        let mut tx = store.begin_load().unwrap();
        tx.insert_product("p-1", &titled("Satin Ballet Flats"))
            .unwrap();
        drop(tx);
        assert_eq!(journal(&store), "delete");
        store.begin().unwrap().commit().unwrap();
        assert_eq!(journal(&store), "wal");
        assert!(store.ids_like("p-", 10).unwrap().is_empty());
        assert_eq!(store.generation().unwrap(), 1);
    }
}
