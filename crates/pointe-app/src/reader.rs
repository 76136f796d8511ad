//! What the read use cases (search, look-alikes) work over: a store connection and the search
//! index, kept open between requests and reopened when the store's generation or the day
//! moves.
//!
//! A front end that answers one request (the CLI) opens a [`Reader`] and uses it once; one
//! that answers many (the server) shares one. Checking freshness costs one SQLite query. A
//! reader that holds an index and finds it behind reopens it on the one thread it keeps for
//! that (catching it up from the store's change log first, or rebuilding it, as
//! [`Workspace::index`] does) and keeps answering from the index it holds until the new one is
//! open: no request waits for another command's ingest. A write through the same reader's process calls
//! [`Reader::reload`], so that its own answers follow at once.

use std::sync::{Arc, Condvar, Mutex, PoisonError, RwLock};

use jiff::civil::Date;
use pointe_core::brand::BrandBook;
use pointe_core::store::Backend;
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
    pub store: &'a dyn Backend,
    /// The index and brand book.
    pub loaded: &'a Loaded,
}

/// A data directory's store connections and search index, shared by the requests it answers.
#[derive(Debug)]
pub struct Reader {
    ws: Workspace,
    shared: Arc<Shared>,
}

/// What a reader shares with the thread that reopens its index.
#[derive(Debug, Default)]
struct Shared {
    idle: Mutex<Vec<Box<dyn Backend>>>,
    loaded: RwLock<Option<Arc<Loaded>>>,
    /// Held by whoever opens the index.
    reload: Mutex<()>,
    /// What the reload thread is asked to do.
    asked: Mutex<Ask>,
    /// Wakes the reload thread.
    wake: Condvar,
}

/// What the reload thread is asked to do.
#[derive(Debug, Default)]
struct Ask {
    /// Whether the thread was started.
    started: bool,
    /// Whether a reload is wanted (a request found the index behind).
    reload: bool,
    /// Whether the reader is gone.
    stop: bool,
}

impl Shared {
    fn checkout(&self, ws: &Workspace) -> Result<Box<dyn Backend>> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(store) => Ok(store),
            None => ws.reading_store(),
        }
    }

    fn checkin(&self, store: Box<dyn Backend>) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE_STORES {
            idle.push(store);
        }
    }

    fn asked(&self) -> std::sync::MutexGuard<'_, Ask> {
        self.asked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The reload thread: reopens the index each time it is asked, until the reader is gone.
    /// One long-lived thread (rather than one per reload) keeps what it allocates in one
    /// place, so the process's memory stays flat while the index is reopened many times.
    fn reload_loop(&self, ws: &Workspace) {
        loop {
            {
                let mut asked = self.asked();
                while !asked.reload && !asked.stop {
                    asked = self
                        .wake
                        .wait(asked)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                if asked.stop {
                    return;
                }
                asked.reload = false;
            }
            let loaded = self.checkout(ws).and_then(|store| {
                let loaded = self.load(ws, &*store);
                self.checkin(store);
                loaded
            });
            if let Err(e) = loaded {
                tracing::warn!(error = %e, "reopening the search index");
            }
        }
    }

    fn held(&self) -> Option<Arc<Loaded>> {
        self.loaded
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Opens the index as of now and holds it, unless what it holds is newer (a reload
    /// started earlier can end later).
    fn load(&self, ws: &Workspace, store: &dyn Backend) -> Result<Arc<Loaded>> {
        let _guard = self.reload.lock().unwrap_or_else(PoisonError::into_inner);
        let (index, note) = ws.index(store)?;
        if let Some(previous) = self.held() {
            index.inherit_vocabulary(&previous.index);
        }
        let loaded = Arc::new(Loaded {
            index,
            brands: ws.brands()?,
            note,
        });
        let mut held = self.loaded.write().unwrap_or_else(PoisonError::into_inner);
        let newer = held.as_ref().is_some_and(|h| {
            (h.index.meta().generation, h.index.context().today)
                > (loaded.index.meta().generation, loaded.index.context().today)
        });
        if newer {
            return Ok(held.clone().unwrap_or(loaded));
        }
        *held = Some(Arc::clone(&loaded));
        drop(held);
        if let IndexNote::Rebuilt { why, products } = &loaded.note {
            tracing::info!(products, "the search index {why}; rebuilt it");
        }
        Ok(loaded)
    }
}

impl Reader {
    /// A reader of `ws`; nothing is opened until the first request.
    pub fn new(ws: Workspace) -> Reader {
        Reader {
            ws,
            shared: Arc::new(Shared::default()),
        }
    }

    /// The data directory read.
    pub fn workspace(&self) -> &Workspace {
        &self.ws
    }

    /// Runs `f` over a store connection and the index: the one held, while a thread reopens
    /// it when the store's generation or today's date moved since it was opened; the first
    /// request opens it.
    pub fn with<T>(&self, f: impl FnOnce(&Open<'_>) -> Result<T>) -> Result<T> {
        let store = self.checkout()?;
        let result = self.current(&*store).and_then(|loaded| {
            f(&Open {
                store: &*store,
                loaded: &loaded,
            })
        });
        self.checkin(store);
        result
    }

    /// Reopens the index as of now and holds it (after a write of this process, so that its
    /// next answers read it).
    pub fn reload(&self) -> Result<Arc<Loaded>> {
        let store = self.checkout()?;
        let loaded = self.shared.load(&self.ws, &*store);
        self.checkin(store);
        loaded
    }

    /// The index, and what opening it did (for a front end to tell people).
    pub fn loaded(&self) -> Result<Arc<Loaded>> {
        let store = self.checkout()?;
        let loaded = self.current(&*store);
        self.checkin(store);
        loaded
    }

    fn checkout(&self) -> Result<Box<dyn Backend>> {
        self.shared.checkout(&self.ws)
    }

    fn checkin(&self, store: Box<dyn Backend>) {
        self.shared.checkin(store);
    }

    fn current(&self, store: &dyn Backend) -> Result<Arc<Loaded>> {
        let generation = store.generation()?;
        let today = self.ws.today()?;
        match self.shared.held() {
            Some(l) if l.is_fresh(generation, today) => Ok(l),
            Some(l) => {
                self.reload_in_background();
                Ok(l)
            }
            None => {
                let guard = self
                    .shared
                    .reload
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if let Some(l) = self.shared.held()
                    && l.is_fresh(generation, today)
                {
                    return Ok(l);
                }
                drop(guard);
                self.shared.load(&self.ws, store)
            }
        }
    }

    /// Asks the reload thread to reopen the index, starting it the first time. A failure is
    /// logged: the index held keeps answering, and the next request asks again.
    fn reload_in_background(&self) {
        let mut asked = self.shared.asked();
        asked.reload = true;
        if !asked.started {
            let shared = Arc::clone(&self.shared);
            let ws = self.ws.clone();
            let spawned = std::thread::Builder::new()
                .name("index-reload".into())
                .spawn(move || shared.reload_loop(&ws));
            match spawned {
                Ok(_) => asked.started = true,
                Err(e) => tracing::warn!(error = %e, "starting the search index reload"),
            }
        }
        drop(asked);
        self.shared.wake.notify_one();
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.shared.asked().stop = true;
        self.shared.wake.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    use super::*;
    use crate::ingest::{IngestRequest, ingest};
    use crate::search::{SearchRequest, search_in};

    const LILAC: &str = "aw_product_id,merchant_product_id,merchant_name,brand_name,product_name,\
description,search_price,currency,in_stock,merchant_category,merchant_deep_link
lilac-1,LL-1,Arket,Arket,Lilac satin ballet flats,Lilac satin flats with a bow,89.00,GBP,1,\
Shoes > Ballerinas,https://shop.example/arket/lilac-1
";

    fn ingest_file(ws: &Workspace, path: &Path) {
        let request = IngestRequest {
            seen_at: Some("2026-12-01T09:00:00Z".into()),
            ..IngestRequest::default()
        };
        ingest(ws, &[path.to_path_buf()], &request, &mut |_, _| {}).unwrap();
    }

    fn lilac_found(reader: &Reader) -> bool {
        let request = SearchRequest {
            text: "lilac".into(),
            limit: 20,
            ..SearchRequest::default()
        };
        let found = reader.with(|open| search_in(open, &request)).unwrap();
        found
            .items
            .iter()
            .any(|h| h.title == "Lilac satin ballet flats")
    }

    /// A workspace holding the sample catalog, with a reader that has opened its index, and
    /// the path of a feed of one more product.
    fn opened() -> (tempfile::TempDir, Workspace, Reader, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path().join("data"));
        let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
        ingest_file(&ws, &samples.join("catalog.awin.csv"));
        let reader = Reader::new(ws.clone());
        assert!(!lilac_found(&reader));
        let feed = dir.path().join("lilac.awin.csv");
        std::fs::write(&feed, LILAC).unwrap();
        (dir, ws, reader, feed)
    }

    #[test]
    fn a_reader_holding_an_index_follows_another_commands_ingest() {
        let (_dir, ws, reader, feed) = opened();
        // Another command (a CLI ingest) writes the store and catches the index up.
        ingest_file(&ws, &feed);
        let started = Instant::now();
        while !lilac_found(&reader) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the reader never reopened the index"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_reload_after_a_write_of_this_process_answers_from_the_new_index_at_once() {
        let (_dir, ws, reader, feed) = opened();
        ingest_file(&ws, &feed);
        reader.reload().unwrap();
        assert!(lilac_found(&reader));
    }
}
