//! The one scheduler of a data directory: it runs the sources that are due, one at a time,
//! judges the watches on what they brought, and delivers the alerts' webhooks, for
//! `pointe serve` (on a thread beside the web server) or `pointe daemon`.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use crate::fetch::Fetch;
use crate::sources::{list, run_due};
use crate::webhooks::{DeliveryPolicy, Post};
use crate::{Result, Workspace};
use pointe_core::store::SourceRun;

/// The scheduler: it holds `<data dir>/sources.lock` for as long as
/// it lives, so that two processes (a `serve` and a `daemon`) never run one source at once.
#[derive(Debug)]
pub struct Scheduler {
    ws: Workspace,
    _lock: crate::workspace::Held,
    /// The last price point the watches were judged through.
    judged: AtomicI64,
}

/// What a scheduler works with: the downloads, the webhook posts and their retry policy.
#[derive(Clone)]
pub struct Jobs {
    /// Downloads sources.
    pub fetch: std::sync::Arc<dyn Fetch>,
    /// Posts webhooks.
    pub post: std::sync::Arc<dyn Post>,
    /// How deliveries are retried.
    pub policy: DeliveryPolicy,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs")
            .field("policy", &self.policy)
            .finish()
    }
}

impl Jobs {
    /// Real HTTP downloads and posts, with the default limits.
    pub fn http() -> std::result::Result<Jobs, String> {
        let policy = DeliveryPolicy::default();
        let fetch = crate::fetch::HttpFetcher::new(crate::fetch::FetchLimits::default())
            .map_err(|e| e.to_string())?;
        Ok(Jobs {
            fetch: std::sync::Arc::new(fetch),
            post: std::sync::Arc::new(crate::webhooks::HttpPost::new(policy.timeout)?),
            policy,
        })
    }
}

/// What one look of the scheduler did.
#[derive(Debug, Default)]
pub struct Tick {
    /// The source runs.
    pub runs: Vec<SourceRun>,
    /// The alerts recorded.
    pub alerts: Vec<pointe_core::watch::Alert>,
    /// The webhook deliveries attempted.
    pub deliveries: Vec<crate::webhooks::Attempted>,
}

impl Tick {
    fn log(&self) {
        for r in &self.runs {
            tracing::info!(source = %r.source, outcome = ?r.outcome, rows = r.rows, error = r.error.as_deref().unwrap_or(""), "source run");
        }
        for a in &self.alerts {
            tracing::info!(watch = %a.watch_id, kind = a.kind.name(), product = %a.product_id, key = %a.key, "alert");
        }
        for d in &self.deliveries {
            tracing::info!(key = %d.key, state = ?d.delivery.state, attempts = d.delivery.attempts, error = d.delivery.last_error.as_deref().unwrap_or(""), "webhook");
        }
    }
}

/// The longest a scheduler sleeps between two looks at what is due, so that a source added
/// meanwhile waits at most this long.
const MAX_SLEEP: Duration = Duration::from_secs(10);

impl Scheduler {
    /// Takes the scheduler lock (the data directory's, or over a shared database the
    /// database's: one node runs the sources); `None` when another process holds it.
    pub fn acquire(ws: &Workspace) -> Result<Option<Scheduler>> {
        Ok(ws.try_lock("sources")?.map(|lock| Scheduler {
            ws: ws.clone(),
            _lock: lock,
            judged: AtomicI64::new(-1),
        }))
    }

    /// Whether a scheduler, in this process or another, holds the data directory's lock.
    pub fn running(ws: &Workspace) -> Result<bool> {
        Ok(Scheduler::acquire(ws)?.is_none())
    }

    /// Runs every source that is due, judges the watches when a price point was recorded
    /// since they last looked, and attempts the webhook deliveries that are due; returns what
    /// happened and how long until the next source is due (at most ten seconds).
    pub fn tick(&self, jobs: &Jobs) -> Result<(Tick, Duration)> {
        let runs = run_due(&self.ws, jobs.fetch.as_ref())?;
        let last = self.ws.store()?.last_observation()?;
        let judged = self.judged.load(Ordering::Relaxed);
        let alerts = if last != judged {
            let alerts = crate::watches::evaluate(&self.ws)?;
            self.judged.store(last, Ordering::Relaxed);
            alerts
        } else {
            Vec::new()
        };
        let deliveries = crate::webhooks::deliver_due(&self.ws, jobs.post.as_ref(), &jobs.policy)?;
        let tick = Tick {
            runs,
            alerts,
            deliveries,
        };
        let now = pointe_core::clock::now()?;
        let next = list(&self.ws)?
            .iter()
            .filter_map(|s| s.state.next_due)
            .min()
            .and_then(|t| t.duration_since(now).try_into().ok())
            .unwrap_or(MAX_SLEEP);
        Ok((tick, next.clamp(Duration::from_millis(200), MAX_SLEEP)))
    }

    /// Runs due sources until `stop` is set, noticing it within a fifth of a second. A tick
    /// that fails is logged and tried again after the longest sleep.
    pub fn run_until(&self, jobs: &Jobs, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            let wait = match self.tick(jobs) {
                Ok((tick, wait)) => {
                    tick.log();
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
    pub fn spawn(self, jobs: Jobs) -> std::io::Result<Running> {
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("pointe-sources".into())
            .spawn(move || self.run_until(&jobs, &flag))?;
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
