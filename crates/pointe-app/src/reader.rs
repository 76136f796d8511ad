//! What the read use cases (search, look-alikes) work over: a store connection and the search
//! index, kept open between requests and reopened when the store's generation or the day
//! moves.
//!
//! A front end that answers one request (the CLI) opens a [`Reader`] and uses it once; one
//! that answers many (the server) shares one. Checking freshness costs one SQLite query; a
//! reload reopens the index (rebuilding it when the store changed since it was built, as
//! [`Workspace::index`] does).

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use jiff::civil::Date;
use pointe_core::brand::BrandBook;
use pointe_core::store::{Catalog, SqliteStore};
use pointe_search::SearchIndex;

use crate::{IndexNote, Result, Workspace};

/// The most idle store connections a reader keeps for reuse.
const IDLE_STORES: usize = 16;

/// An open search index with the brand book queries read brands with.
#[derive(Debug)]
pub struct Loaded {
    /// The index.
    pub index: SearchIndex,
    /// The brand book of the data directory.
    pub brands: BrandBook,
    /// What opening the index had to do.
    pub note: IndexNote,
}

impl Loaded {
    fn is_fresh(&self, generation: u64, today: Date) -> bool {
        self.index.meta().generation == generation && self.index.context().today == today
    }
}

/// One request's view: a store connection and a fresh index.
#[derive(Debug)]
pub struct Open<'a> {
    /// The store.
    pub store: &'a SqliteStore,
    /// The index and brand book.
    pub loaded: &'a Loaded,
}

/// A data directory's store connections and search index, shared by the requests it answers.
#[derive(Debug)]
pub struct Reader {
    ws: Workspace,
    idle: Mutex<Vec<SqliteStore>>,
    loaded: RwLock<Option<Arc<Loaded>>>,
    reload: Mutex<()>,
}

impl Reader {
    /// A reader of `ws`; nothing is opened until the first request.
    pub fn new(ws: Workspace) -> Reader {
        Reader {
            ws,
            idle: Mutex::new(Vec::new()),
            loaded: RwLock::new(None),
            reload: Mutex::new(()),
        }
    }

    /// The data directory read.
    pub fn workspace(&self) -> &Workspace {
        &self.ws
    }

    /// Runs `f` over a store connection and the index as of now: reloaded first when the
    /// store's generation or today's date moved since it was opened. While one request
    /// reloads, the others keep answering from the index they had.
    pub fn with<T>(&self, f: impl FnOnce(&Open<'_>) -> Result<T>) -> Result<T> {
        let store = self.checkout()?;
        let result = self.current(&store).and_then(|loaded| {
            f(&Open {
                store: &store,
                loaded: &loaded,
            })
        });
        self.checkin(store);
        result
    }

    /// The index as of now, and what opening it did (for a front end to tell people).
    pub fn loaded(&self) -> Result<Arc<Loaded>> {
        let store = self.checkout()?;
        let loaded = self.current(&store);
        self.checkin(store);
        loaded
    }

    fn checkout(&self) -> Result<SqliteStore> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(store) => Ok(store),
            None => self.ws.store(),
        }
    }

    fn checkin(&self, store: SqliteStore) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE_STORES {
            idle.push(store);
        }
    }

    fn current(&self, store: &SqliteStore) -> Result<Arc<Loaded>> {
        let generation = store.generation()?;
        let today = self.ws.today()?;
        let held = self
            .loaded
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match held {
            Some(l) if l.is_fresh(generation, today) => Ok(l),
            Some(l) => match self.reload.try_lock() {
                Ok(_guard) => self.load(store),
                Err(_) => Ok(l),
            },
            None => {
                let _guard = self.reload.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(l) = self
                    .loaded
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone()
                    && l.is_fresh(generation, today)
                {
                    return Ok(l);
                }
                self.load(store)
            }
        }
    }

    fn load(&self, store: &SqliteStore) -> Result<Arc<Loaded>> {
        let (index, note) = self.ws.index(store)?;
        let loaded = Arc::new(Loaded {
            index,
            brands: self.ws.brands()?,
            note,
        });
        *self.loaded.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&loaded));
        if let IndexNote::Rebuilt { why, products } = &loaded.note {
            tracing::info!(products, "the search index {why}; rebuilt it");
        }
        Ok(loaded)
    }
}
