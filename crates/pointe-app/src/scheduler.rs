//! The one scheduler of a data directory: it runs the sources that are due, one at a time,
//! for `pointe serve` (on a thread beside the web server) or `pointe daemon`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::fetch::Fetch;
use crate::sources::{list, run_due};
use crate::{Result, Workspace};
use pointe_core::store::SourceRun;

/// The scheduler: it holds `<data dir>/sources.lock` for as long as
/// it lives, so that two processes (a `serve` and a `daemon`) never run one source at once.
#[derive(Debug)]
pub struct Scheduler {
    ws: Workspace,
    _lock: std::fs::File,
}

/// The longest a scheduler sleeps between two looks at what is due, so that a source added
/// meanwhile waits at most this long.
const MAX_SLEEP: Duration = Duration::from_secs(10);

impl Scheduler {
    /// Takes the data directory's scheduler lock; `None` when another process holds it.
    pub fn acquire(ws: &Workspace) -> Result<Option<Scheduler>> {
        std::fs::create_dir_all(ws.dir()).map_err(|e| pointe_core::Error::io(ws.dir(), e))?;
        let path = ws.dir().join("sources.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| pointe_core::Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Scheduler {
                ws: ws.clone(),
                _lock: file,
            })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(pointe_core::Error::io(&path, e).into()),
        }
    }

    /// Whether a scheduler, in this process or another, holds the data directory's lock.
    pub fn running(ws: &Workspace) -> Result<bool> {
        Ok(Scheduler::acquire(ws)?.is_none())
    }

    /// Runs every source that is due; returns the runs and how long until the next is due
    /// (at most ten seconds).
    pub fn tick(&self, fetcher: &dyn Fetch) -> Result<(Vec<SourceRun>, Duration)> {
        let runs = run_due(&self.ws, fetcher)?;
        let now = pointe_core::clock::now()?;
        let next = list(&self.ws)?
            .iter()
            .filter_map(|s| s.state.next_due)
            .min()
            .and_then(|t| t.duration_since(now).try_into().ok())
            .unwrap_or(MAX_SLEEP);
        Ok((runs, next.clamp(Duration::from_millis(200), MAX_SLEEP)))
    }

    /// Runs due sources until `stop` is set, noticing it within a fifth of a second. A tick
    /// that fails is logged and tried again after the longest sleep.
    pub fn run_until(&self, fetcher: &dyn Fetch, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            let wait = match self.tick(fetcher) {
                Ok((runs, wait)) => {
                    for r in &runs {
                        tracing::info!(source = %r.source, outcome = ?r.outcome, rows = r.rows, error = r.error.as_deref().unwrap_or(""), "source run");
                    }
                    wait
                }
                Err(e) => {
                    tracing::warn!(error = %e, "sources not run");
                    MAX_SLEEP
                }
            };
            let until = Instant::now() + wait;
            while !stop.load(Ordering::Relaxed) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

/// A scheduler running on its own thread.
#[derive(Debug)]
pub struct Running {
    stop: std::sync::Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Scheduler {
    /// Runs due sources on a thread of their own until [`Running::stop`].
    pub fn spawn(self, fetcher: std::sync::Arc<dyn Fetch>) -> std::io::Result<Running> {
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("pointe-sources".into())
            .spawn(move || self.run_until(fetcher.as_ref(), &flag))?;
        Ok(Running { stop, thread })
    }
}

impl Running {
    /// Asks the scheduler to stop and waits up to `grace` for the run under way to end;
    /// `false` when one was still under way (it is abandoned with the process, and its ingest,
    /// not committed, changes nothing).
    pub fn stop(self, grace: Duration) -> bool {
        self.stop.store(true, Ordering::Relaxed);
        let until = Instant::now() + grace;
        while !self.thread.is_finished() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
        }
        if self.thread.is_finished() {
            let _ = self.thread.join();
            true
        } else {
            false
        }
    }
}
