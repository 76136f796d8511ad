//! A data directory and what every use case opens from it: the store, the search index, the
//! brand book, the taxonomy, exchange rates, tiers and weights, and the clock.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use pointe_core::attributes::{Extractor, Taxonomy};
use pointe_core::brand::BrandBook;
use pointe_core::fx::RateTable;
use pointe_core::money::Currency;
use pointe_core::store::{Backend, Catalog, PgLock, PgPool, SqliteStore};
use pointe_core::tiers::Tiers;
use pointe_search::{Freshness, IndexContext, LookalikeConfig, SearchIndex};

use crate::{Error, Result};

/// A lock held until dropped: a file's in the data directory for the embedded store, the
/// database's when several nodes share one.
#[derive(Debug)]
pub enum Held {
    /// An exclusive lock on a file of the data directory.
    File(std::fs::File),
    /// A database-wide lock (its connection).
    Database(Box<PgLock>),
}

/// The lock of the schedulers ([`Workspace::scheduler_lock`]).
const SCHEDULER_LOCK: &str = "sources";

/// This machine's name (`/etc/hostname`, else `HOSTNAME`), naming its search index to a shared
/// database.
fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

/// One Pointe data directory, and the store it serves: the embedded one in the directory, or
/// a PostgreSQL database that several nodes share (each keeping its own search index in its
/// directory).
#[derive(Debug, Clone)]
pub struct Workspace {
    dir: PathBuf,
    database: Option<Arc<PgPool>>,
}

/// What opening the search index had to do, for front ends to tell people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexNote {
    /// The index was up to date.
    Fresh,
    /// It was rebuilt; the text says why ("was missing", "was stale (…)").
    Rebuilt {
        /// Why it was rebuilt.
        why: String,
        /// Products now indexed.
        products: u64,
    },
}

impl Workspace {
    /// The workspace of `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Workspace {
        Workspace {
            dir: dir.into(),
            database: None,
        }
    }

    /// The workspace of `dir` over the PostgreSQL database at `url` (migrated on connecting).
    /// The directory holds this node's search index, known to the database by the host's
    /// name and the directory's path.
    pub fn with_database(dir: impl Into<PathBuf>, url: &str) -> Result<Workspace> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| pointe_core::Error::io(&dir, e))?;
        let full = std::fs::canonicalize(&dir).map_err(|e| pointe_core::Error::io(&dir, e))?;
        let replica = format!("{}:{}", host_name(), full.display());
        Ok(Workspace {
            dir,
            database: Some(PgPool::for_replica(url, &replica)?),
        })
    }

    /// Takes the lock `name` unless another process (or node) holds it: `None` then. Over
    /// the embedded store it is `<dir>/<name>.lock`; over a shared database it is the
    /// database's, so that one node at a time holds it.
    pub fn try_lock(&self, name: &str) -> Result<Option<Held>> {
        if let Some(pool) = &self.database {
            return Ok(pool.try_lock(name)?.map(|l| Held::Database(Box::new(l))));
        }
        let file = self.lock_file(name)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Held::File(file))),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(pointe_core::Error::io(self.lock_path(name), e).into())
            }
        }
    }

    /// Waits for and takes the lock `name` (see [`Workspace::try_lock`]).
    pub fn lock(&self, name: &str) -> Result<Held> {
        if let Some(pool) = &self.database {
            return Ok(Held::Database(Box::new(pool.lock(name)?)));
        }
        let file = self.lock_file(name)?;
        file.lock()
            .map_err(|e| pointe_core::Error::io(self.lock_path(name), e))?;
        Ok(Held::File(file))
    }

    /// The lock a scheduler holds while it lives. Over the embedded store one scheduler runs
    /// a data directory's jobs (`None` while another holds it); over a shared database every
    /// node may run one, all sharing the lock, since they claim the jobs one by one.
    pub fn scheduler_lock(&self) -> Result<Option<Held>> {
        match &self.database {
            Some(pool) => Ok(pool
                .try_lock_shared(SCHEDULER_LOCK)?
                .map(|l| Held::Database(Box::new(l)))),
            None => self.try_lock(SCHEDULER_LOCK),
        }
    }

    /// Whether a scheduler, in this process or another (over a database, on any node), runs.
    pub fn scheduler_running(&self) -> Result<bool> {
        Ok(self.try_lock(SCHEDULER_LOCK)?.is_none())
    }

    /// A connection woken when another node makes a job due, over a shared database.
    pub fn listener(&self) -> Result<Option<pointe_core::store::PgListener>> {
        self.database
            .as_ref()
            .map(|p| p.listen())
            .transpose()
            .map_err(Error::from)
    }

    /// This process's name to the jobs it claims: the host, the data directory and the
    /// process id.
    pub fn node_name(&self) -> String {
        let dir = std::fs::canonicalize(&self.dir).unwrap_or_else(|_| self.dir.clone());
        format!("{}:{}:{}", host_name(), dir.display(), std::process::id())
    }

    /// Removes the file of the lock `name`, if it has one (a source removed).
    pub fn forget_lock(&self, name: &str) {
        if self.database.is_none() {
            std::fs::remove_file(self.lock_path(name)).ok();
        }
    }

    fn lock_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.lock"))
    }

    fn lock_file(&self, name: &str) -> Result<std::fs::File> {
        let path = self.lock_path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| pointe_core::Error::io(parent, e))?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| pointe_core::Error::io(&path, e).into())
    }

    /// Whether the store is a PostgreSQL database.
    pub fn is_shared(&self) -> bool {
        self.database.is_some()
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Opens the store (creating and migrating it when needed).
    pub fn store(&self) -> Result<Box<dyn Backend>> {
        match &self.database {
            Some(pool) => Ok(Box::new(pool.store()?)),
            None => Ok(Box::new(SqliteStore::open_dir(&self.dir)?)),
        }
    }

    /// The store, opened for a connection a reader keeps (for the embedded store, a small
    /// page cache).
    pub fn reading_store(&self) -> Result<Box<dyn Backend>> {
        if let Some(pool) = &self.database {
            return Ok(Box::new(pool.store()?));
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| pointe_core::Error::io(&self.dir, e))?;
        Ok(Box::new(SqliteStore::open_for_reading(
            &self.dir.join("pointe.db"),
        )?))
    }

    /// The bundled brand list with the data directory's additions.
    pub fn brands(&self) -> Result<BrandBook> {
        Ok(BrandBook::load(Some(&self.dir))?)
    }

    /// The taxonomy: `<dir>/taxonomy.toml` when present, else the bundled one.
    pub fn taxonomy(&self) -> Result<Taxonomy> {
        Ok(Taxonomy::load(Some(&self.dir))?)
    }

    /// The attribute extractor over [`Workspace::taxonomy`].
    pub fn extractor(&self) -> Result<Extractor> {
        Ok(Extractor::new(&self.taxonomy()?))
    }

    /// The bundled exchange rates, overridden by any imported into the store.
    pub fn rates(&self, store: &dyn Catalog) -> Result<RateTable> {
        stored_rates(store)
    }

    /// Today's date in UTC (or `POINTE_NOW`'s).
    pub fn today(&self) -> Result<Date> {
        today()
    }

    /// What the search index is built with.
    pub fn index_context(&self, store: &dyn Catalog) -> Result<IndexContext> {
        Ok(IndexContext {
            taxonomy: self.taxonomy()?,
            rates: self.rates(store)?,
            tiers: Tiers::load(Some(&self.dir))?,
            today: self.today()?,
            config: LookalikeConfig::load(Some(&self.dir))?,
        })
    }

    fn index_dir(&self) -> PathBuf {
        self.dir.join("index")
    }

    /// Opens the search index, rebuilding it when it is missing, stale or damaged.
    pub fn index(&self, store: &dyn Catalog) -> Result<(SearchIndex, IndexNote)> {
        let ctx = self.index_context(store)?;
        let (index, found) = SearchIndex::open_or_build(&self.index_dir(), store, ctx)?;
        let why = match found {
            Freshness::Fresh => return Ok((index, IndexNote::Fresh)),
            Freshness::CaughtUp(products) => {
                // Routine: the index followed the store's changes, nothing to tell people.
                tracing::debug!(products, "the search index caught up with the store");
                return Ok((index, IndexNote::Fresh));
            }
            Freshness::Missing => "was missing".to_string(),
            Freshness::Stale(why) => format!("was stale ({why})"),
            Freshness::Corrupt(why) => format!("could not be read ({why})"),
        };
        let products = index.meta().products;
        Ok((index, IndexNote::Rebuilt { why, products }))
    }

    /// Brings the search index up to date after the store changed. A failure is returned for
    /// front ends to report as a warning: the next search brings the index up to date.
    pub fn refresh_index(&self, store: &dyn Catalog) -> Result<()> {
        let ctx = self.index_context(store)?;
        SearchIndex::refresh(&self.index_dir(), store, ctx)?;
        Ok(())
    }

    /// A currency parameter: an ISO 4217 code Pointe knows.
    pub fn currency(field: &str, code: &str) -> Result<Currency> {
        code.parse()
            .map_err(|e: pointe_core::money::MoneyError| Error::bad(field, e.to_string()))
    }
}

/// The bundled exchange rates, overridden by any imported into `store`.
pub fn stored_rates(store: &dyn Catalog) -> Result<RateTable> {
    let mut rates = RateTable::bundled();
    let stored = store.fx_rates()?;
    if stored.is_empty() {
        return Ok(rates);
    }
    let mut triples = Vec::with_capacity(stored.len());
    for (date, code, rate) in stored {
        let date: Date = date.parse().map_err(|e| {
            pointe_core::Error::Store(format!("stored exchange rate date {date:?}: {e}"))
        })?;
        let currency = Currency::from_code(&code).ok_or_else(|| {
            pointe_core::Error::Store(format!("stored exchange rate currency {code:?} is unknown"))
        })?;
        triples.push((date, currency, rate));
    }
    rates.merge(RateTable::from_rates(triples)?);
    Ok(rates)
}

/// Today's date in UTC (or `POINTE_NOW`'s).
pub fn today() -> Result<Date> {
    Ok(pointe_core::clock::now()?
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date())
}
