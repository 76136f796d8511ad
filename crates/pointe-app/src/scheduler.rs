//! The scheduler: it runs the sources that are due, judges the watches on what they brought,
//! and delivers the alerts' webhooks, for `pointe serve` (on a thread beside the web server)
//! or `pointe daemon`. Each of these is a job in the store ([`JobStore`]): a scheduler claims
//! one that is due under a lease, renews the lease while it works and finishes it with the
//! time it is next due. Over the embedded store one scheduler runs a data directory; over a
//! shared database every node runs one, the claims keep two from running one job at once,
//! and a job whose node died is claimed again when its lease runs out.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use pointe_core::store::{JobClaim, SourceRun};

use crate::fetch::Fetch;
use crate::sources::list;
use crate::webhooks::{DeliveryPolicy, Post};
use crate::{Result, Workspace};

/// The scheduler: it holds the scheduler lock ([`Workspace::scheduler_lock`]) for as long as
/// it lives, so that over the embedded store two processes (a `serve` and a `daemon`) never
/// both run the jobs.
#[derive(Debug)]
pub struct Scheduler {
    ws: Workspace,
    _lock: crate::workspace::Held,
    /// Its name to the jobs it claims.
    owner: String,
    /// The last price point the watches were judged through.
    judged: AtomicI64,
}

/// The job that judges the watches.
const WATCHES: &str = "watches";
/// The job that delivers the alerts' webhooks.
const WEBHOOKS: &str = "webhooks";
/// The prefix of a source's job.
const SOURCE: &str = "source:";
/// The default lease of a claimed job: renewed every third of it while the job runs, so a
/// job whose node died waits at most this long to be claimed again.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// What a scheduler works with: the downloads, the webhook posts and their retry policy.
#[derive(Clone)]
pub struct Jobs {
    /// Downloads sources.
    pub fetch: std::sync::Arc<dyn Fetch>,
    /// Posts webhooks.
    pub post: std::sync::Arc<dyn Post>,
    /// How deliveries are retried.
    pub policy: DeliveryPolicy,
    /// How long a claimed job is leased for ([`DEFAULT_LEASE`]).
    pub lease: Duration,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs")
            .field("policy", &self.policy)
            .field("lease", &self.lease)
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
            lease: DEFAULT_LEASE,
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
    /// Takes the scheduler lock (see [`Workspace::scheduler_lock`]); `None` when another
    /// process holds it alone.
    pub fn acquire(ws: &Workspace) -> Result<Option<Scheduler>> {
        Ok(ws.scheduler_lock()?.map(|lock| Scheduler {
            ws: ws.clone(),
            _lock: lock,
            owner: ws.node_name(),
            judged: AtomicI64::new(-1),
        }))
    }

    /// Whether a scheduler, in this process or another, runs the jobs.
    pub fn running(ws: &Workspace) -> Result<bool> {
        ws.scheduler_running()
    }

    /// Makes every source's job known at its due time, and the watches' and webhooks' jobs
    /// due at each look, then runs the jobs that are due and no other node holds; returns what
    /// happened and how long until the next source is due (at most ten seconds).
    pub fn tick(&self, jobs: &Jobs) -> Result<(Tick, Duration)> {
        let mut store = self.ws.store()?;
        let now = pointe_core::clock::now()?;
        let mut plan: Vec<(String, Timestamp)> = list(&self.ws)?
            .iter()
            .map(|s| {
                (
                    format!("{SOURCE}{}", s.name),
                    s.state.next_due.unwrap_or(now),
                )
            })
            .collect();
        plan.extend([WATCHES, WEBHOOKS].map(|j| (j.to_string(), now)));
        store.schedule_jobs(&plan)?;
        let mut tick = Tick::default();
        // Past this look, for jobs due at every look: once per look is enough, and the next
        // look makes them due again.
        let next_look = now + jiff::SignedDuration::from_secs(1);
        while let Some(claim) = store.claim_job(&self.owner, now, jobs.lease)? {
            let next = {
                let _beat = Heartbeat::start(&self.ws, &claim, jobs.lease);
                self.work(&claim, jobs, now, &mut tick)
            };
            let next = next
                .map(|due| due.map(|t| t.max(next_look)))
                .unwrap_or_else(|e| {
                    tracing::warn!(job = %claim.name, error = %e, "job failed; it is due again");
                    Some(next_look)
                });
            if !store.finish_job(&claim, next)? {
                tracing::warn!(job = %claim.name, "the job's lease ran out while it ran");
            }
        }
        Ok((tick, self.next_sleep(now)?))
    }

    /// Does the job `claim` names; the time it is next due, `None` for a job to forget.
    fn work(
        &self,
        claim: &JobClaim,
        jobs: &Jobs,
        now: Timestamp,
        tick: &mut Tick,
    ) -> Result<Option<Timestamp>> {
        match claim.name.as_str() {
            WATCHES => {
                tick.alerts = self.judge()?;
                Ok(Some(now))
            }
            WEBHOOKS => {
                tick.deliveries =
                    crate::webhooks::deliver_due(&self.ws, jobs.post.as_ref(), &jobs.policy)?;
                Ok(Some(now))
            }
            name => match name.strip_prefix(SOURCE) {
                Some(source) => self.run_source(source, jobs, now, tick),
                None => Ok(None),
            },
        }
    }

    /// Judges the watches when a price point was recorded since this scheduler last did.
    fn judge(&self) -> Result<Vec<pointe_core::watch::Alert>> {
        let last = self.ws.store()?.last_observation()?;
        if last == self.judged.load(Ordering::Relaxed) {
            return Ok(Vec::new());
        }
        let alerts = crate::watches::evaluate(&self.ws)?;
        self.judged.store(last, Ordering::Relaxed);
        Ok(alerts)
    }

    /// Runs a source if it is still due (another node may have run it since this one
    /// looked); the time it is next due, `None` when it is no longer watched.
    fn run_source(
        &self,
        name: &str,
        jobs: &Jobs,
        now: Timestamp,
        tick: &mut Tick,
    ) -> Result<Option<Timestamp>> {
        let store = self.ws.store()?;
        let Some(source) = store.feed_source(name)? else {
            return Ok(None);
        };
        if let Some(due) = source.state.next_due.filter(|t| *t > now) {
            return Ok(Some(due));
        }
        tick.runs
            .push(crate::sources::run(&self.ws, name, jobs.fetch.as_ref())?);
        let next = store.feed_source(name)?.and_then(|s| s.state.next_due);
        Ok(Some(next.unwrap_or(now)))
    }

    /// How long to sleep: until the next source is due, from a fifth of a second to ten.
    fn next_sleep(&self, now: Timestamp) -> Result<Duration> {
        let next = list(&self.ws)?
            .iter()
            .filter_map(|s| s.state.next_due)
            .min()
            .and_then(|t| t.duration_since(now).try_into().ok())
            .unwrap_or(MAX_SLEEP);
        Ok(next.clamp(Duration::from_millis(200), MAX_SLEEP))
    }

    /// Runs due sources until `stop` is set, noticing it within a fifth of a second. A tick
    /// that fails is logged and tried again after the longest sleep.
    pub fn run_until(&self, jobs: &Jobs, stop: &AtomicBool) {
        let mut wake = Wake::new(&self.ws);
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
                if wake.wait(Duration::from_millis(200)) {
                    break;
                }
            }
        }
    }
}

/// What wakes a sleeping scheduler early: over a shared database, another node making a job
/// due (a hint: without it, the scheduler looks again when its sleep ends).
struct Wake(Option<pointe_core::store::PgListener>);

impl Wake {
    fn new(ws: &Workspace) -> Wake {
        Wake(ws.listener().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "no wake-ups from other nodes; polling only");
            None
        }))
    }

    /// Sleeps up to `d`; true when woken.
    fn wait(&mut self, d: Duration) -> bool {
        match &mut self.0 {
            None => {
                std::thread::sleep(d);
                false
            }
            Some(listener) => listener.wait(d).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "wake-ups lost; polling only");
                self.0 = None;
                false
            }),
        }
    }
}

/// Renews a claim's lease on a thread of its own while the job runs, every third of the
/// lease, until dropped.
struct Heartbeat {
    stop: std::sync::Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Heartbeat {
    fn start(ws: &Workspace, claim: &JobClaim, lease: Duration) -> Heartbeat {
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let (flag, ws, claim) = (stop.clone(), ws.clone(), claim.clone());
        let thread = std::thread::Builder::new()
            .name("pointe-lease".into())
            .spawn(move || renew_until(&ws, &claim, lease, &flag))
            .map_err(|e| tracing::warn!(error = %e, "the lease is not renewed"))
            .ok();
        Heartbeat { stop, thread }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn renew_until(ws: &Workspace, claim: &JobClaim, lease: Duration, stop: &AtomicBool) {
    let every = lease / 3;
    let mut last = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50).min(every));
        if last.elapsed() < every {
            continue;
        }
        last = Instant::now();
        let renewed = ws.store().and_then(|mut s| Ok(s.renew_job(claim, lease)?));
        match renewed {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(job = %claim.name, "the job's lease was lost");
                return;
            }
            Err(e) => tracing::warn!(job = %claim.name, error = %e, "the lease was not renewed"),
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
