//! Sources that refresh themselves: a feed's address, how often to fetch it and how to read it,
//! kept under the ingest source name it feeds; each run downloads it (conditionally), ingests
//! it, and records what happened. A run that fails, or whose download parses to far fewer rows
//! than the last good one, changes nothing: the source keeps its last good data and is marked
//! failing, and none of its offers goes stale because of it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use pointe_core::ingest::{IngestReport, ingest_file_checked};
use pointe_core::store::{FeedSource, RunOutcome, SourceRun, SourceState, SourceStore};

use crate::fetch::{Fetch, Fetched, Reach, Validators};
use crate::ingest::{IngestRequest, MappingRef};
use crate::{Error, Result, Workspace};

/// The shortest interval between two runs of a source.
const MIN_EVERY_SECS: u64 = 1;
/// The longest (a year).
const MAX_EVERY_SECS: u64 = 366 * 24 * 3600;
/// The default share of the last good download's rows below which a download is refused.
pub const DEFAULT_REFUSE_BELOW_PCT: u32 = 50;

/// A source to add, as the user wrote it.
#[derive(Debug, Clone, Default)]
pub struct AddSource {
    /// The source name: the same names as an ingest's `--source`.
    pub name: String,
    /// The feed's address.
    pub url: String,
    /// How often to fetch it: `90s`, `30m`, `6h`, `1d`.
    pub every: String,
    /// The feed layout, when the content does not tell.
    pub feed_format: Option<String>,
    /// The column mapping of a CSV or TSV of another layout.
    pub mapping: Option<MappingRef>,
    /// The retailer, for feeds that name none per row.
    pub retailer: Option<String>,
    /// The currency of prices that name none.
    pub currency: Option<String>,
    /// A download giving fewer rows than this share (percent) of the last good one is refused;
    /// default 50.
    pub refuse_below_pct: Option<u32>,
    /// Whether `file://` addresses are allowed (the CLI's, never the API's).
    pub allow_file: bool,
    /// Whether private and loopback addresses may be reached (the CLI's; the API's only when
    /// its configuration allows them).
    pub allow_private: bool,
}

/// `90s`, `30m`, `6h`, `1d` in seconds.
pub fn parse_every(raw: &str) -> Result<u64> {
    let bad = || {
        Error::bad(
            "every",
            format!("{raw:?}: expected a number and s, m, h or d (90s, 30m, 6h, 1d)"),
        )
    };
    let raw = raw.trim();
    let unit = raw.chars().last().ok_or_else(bad)?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    let n: u64 = raw[..raw.len() - 1].parse().map_err(|_| bad())?;
    let secs = n.checked_mul(scale).ok_or_else(bad)?;
    if !(MIN_EVERY_SECS..=MAX_EVERY_SECS).contains(&secs) {
        return Err(Error::bad(
            "every",
            format!("{raw:?}: between 1 second and 366 days"),
        ));
    }
    Ok(secs)
}

/// Checks a source's or webhook's address: `http(s)://` (or `file://` when allowed), and
/// unless private addresses are allowed, one that is and resolves to public addresses only.
pub(crate) fn check_url(url: &str, allow_file: bool, allow_private: bool) -> Result<()> {
    let parsed = url::Url::parse(url).map_err(|e| Error::bad("url", format!("{url:?}: {e}")))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host_str().is_some() && !allow_private => check_public(&parsed),
        "http" | "https" if parsed.host_str().is_some() => Ok(()),
        "file" if allow_file => Ok(()),
        "file" => Err(Error::bad("url", "file:// addresses are for the CLI only")),
        _ => Err(Error::bad(
            "url",
            format!("{url:?}: an http:// or https:// address"),
        )),
    }
}

/// Refuses a URL whose host is, or resolves only to, a private or loopback address.
fn check_public(url: &url::Url) -> Result<()> {
    use std::net::ToSocketAddrs;
    if let Some(why) = crate::fetch::private_host(url) {
        return Err(Error::bad(
            "url",
            format!("{why}; private addresses are not allowed here"),
        ));
    }
    let (Some(url::Host::Domain(host)), Some(port)) = (url.host(), url.port_or_known_default())
    else {
        return Ok(());
    };
    let addrs: Vec<std::net::SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| Error::bad("url", format!("{host}: {e}")))?
        .collect();
    match addrs.iter().find(|a| !crate::fetch::is_public(a.ip())) {
        Some(a) => Err(Error::bad(
            "url",
            format!(
                "{host} resolves to {}, which is not a public address",
                a.ip()
            ),
        )),
        None => Ok(()),
    }
}

/// The most characters of a source's name.
pub const MAX_NAME: usize = 200;

fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty()
        || name.chars().count() > MAX_NAME
        || name.chars().any(char::is_control)
    {
        return Err(Error::bad(
            "name",
            format!(
                "{name:?}: 1 to {MAX_NAME} characters, none of them control characters, not all white space"
            ),
        ));
    }
    Ok(())
}

/// The stored form of a mapping reference: `file:PATH` or `name:NAME`.
fn mapping_text(m: &MappingRef) -> String {
    match m {
        MappingRef::File(p) => format!("file:{}", p.display()),
        MappingRef::Name(n) => format!("name:{n}"),
    }
}

fn mapping_ref(text: &str) -> MappingRef {
    match text.strip_prefix("name:") {
        Some(name) => MappingRef::Name(name.to_string()),
        None => MappingRef::File(PathBuf::from(text.strip_prefix("file:").unwrap_or(text))),
    }
}

/// Adds a source, first due now.
pub fn add(ws: &Workspace, req: &AddSource) -> Result<FeedSource> {
    check_name(&req.name)?;
    check_url(&req.url, req.allow_file, req.allow_private)?;
    let every_secs = parse_every(&req.every)?;
    let refuse_below_pct = req.refuse_below_pct.unwrap_or(DEFAULT_REFUSE_BELOW_PCT);
    if refuse_below_pct > 100 {
        return Err(Error::bad("refuse_below", "a share from 0% to 100%"));
    }
    let mapping = match &req.mapping {
        Some(MappingRef::File(p)) => {
            Some(MappingRef::File(std::fs::canonicalize(p).map_err(|e| {
                Error::bad("mapping", format!("{}: {e}", p.display()))
            })?))
        }
        other => other.clone(),
    };
    let request = IngestRequest {
        feed_format: req.feed_format.clone(),
        mapping: mapping.clone(),
        source: Some(req.name.clone()),
        retailer: req.retailer.clone(),
        currency: req.currency.clone(),
        ..IngestRequest::default()
    };
    let mut store = ws.store()?;
    // Every option is checked now, not at the first run.
    request.options(ws, ws.rates(&*store)?)?;
    let now = pointe_core::clock::now()?;
    let source = FeedSource {
        name: req.name.clone(),
        url: req.url.clone(),
        every_secs,
        feed_format: req.feed_format.clone(),
        mapping: mapping.as_ref().map(mapping_text),
        retailer: req.retailer.clone(),
        currency: req.currency.clone(),
        refuse_below_pct,
        public_only: !req.allow_private,
        created_at: now,
        state: SourceState {
            next_due: Some(now),
            ..SourceState::default()
        },
    };
    store.put_feed_source(&source).map_err(|e| match e {
        pointe_core::Error::Usage(m) => Error::Conflict(m),
        other => other.into(),
    })?;
    Ok(source)
}

/// Every source.
pub fn list(ws: &Workspace) -> Result<Vec<FeedSource>> {
    Ok(ws.store()?.feed_sources()?)
}

fn find(store: &dyn SourceStore, name: &str) -> Result<FeedSource> {
    store.feed_source(name)?.ok_or_else(|| {
        let names: Vec<String> = store
            .feed_sources()
            .map(|all| all.into_iter().map(|s| s.name).collect())
            .unwrap_or_default();
        let known = match names.is_empty() {
            true => "none yet".to_string(),
            false => names.join(", "),
        };
        Error::NotFound {
            message: format!("no source named {name:?} is watched; sources: {known}"),
            candidates: names,
        }
    })
}

/// A source and its latest runs, newest first.
pub fn show(ws: &Workspace, name: &str, runs: usize) -> Result<(FeedSource, Vec<SourceRun>)> {
    let store = ws.store()?;
    let source = find(&*store, name)?;
    let list = store.source_runs(name, runs)?;
    Ok((source, list))
}

/// Stops watching a source (its offers stay, as an ingest's do) and forgets its downloads.
pub fn remove(ws: &Workspace, name: &str) -> Result<()> {
    let mut store = ws.store()?;
    find(&*store, name)?;
    store.remove_feed_source(name)?;
    let files = Files::of(ws, name);
    for f in [&files.download, &files.good] {
        std::fs::remove_file(f).ok();
    }
    ws.forget_lock(&files.lock);
    Ok(())
}

/// A run asked for: the source, due now, and whether a scheduler will run it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Scheduled {
    /// The source as it stands, due now.
    pub source: FeedSource,
    /// Whether a scheduler (`pointe serve` or `pointe daemon`) runs this data directory's
    /// sources; when not, the run waits until one starts or `pointe source run`.
    pub scheduler_running: bool,
}

/// Makes a source due now, for the scheduler's next look (within seconds).
pub fn run_soon(ws: &Workspace, name: &str) -> Result<Scheduled> {
    let mut store = ws.store()?;
    find(&*store, name)?;
    store.set_next_due(name, pointe_core::clock::now()?)?;
    Ok(Scheduled {
        source: find(&*store, name)?,
        scheduler_running: crate::scheduler::Scheduler::running(ws)?,
    })
}

/// Runs every source that is due, one after another, oldest due first.
pub fn run_due(ws: &Workspace, fetcher: &dyn Fetch) -> Result<Vec<SourceRun>> {
    let now = pointe_core::clock::now()?;
    let mut due: Vec<FeedSource> = list(ws)?
        .into_iter()
        .filter(|s| s.state.next_due.is_none_or(|t| t <= now))
        .collect();
    due.sort_by_key(|s| s.state.next_due);
    due.iter().map(|s| run(ws, &s.name, fetcher)).collect()
}

/// Where a source's downloads are kept: the one being fetched, and the last good one (read
/// again when the server says the feed has not changed).
struct Files {
    download: PathBuf,
    good: PathBuf,
    /// The name of the lock one run holds ([`Workspace::lock`]).
    lock: String,
}

impl Files {
    fn of(ws: &Workspace, name: &str) -> Files {
        let safe: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(40)
            .collect();
        let stem = format!(
            "{safe}-{:016x}",
            pointe_core::text::fnv1a64(name.as_bytes())
        );
        let dir = ws.dir().join("sources");
        Files {
            download: dir.join(format!("{stem}.download")),
            good: dir.join(format!("{stem}.feed")),
            lock: format!("sources/{stem}"),
        }
    }
}

/// Runs one source now: downloads it unless unchanged, ingests it, records the run.
pub fn run(ws: &Workspace, name: &str, fetcher: &dyn Fetch) -> Result<SourceRun> {
    let files = Files::of(ws, name);
    let dir = files.good.parent().unwrap_or(ws.dir());
    std::fs::create_dir_all(dir).map_err(|e| pointe_core::Error::io(dir, e))?;
    // One run of a source at a time, across processes (and nodes): a second waits, then
    // reads the state the first left.
    let _running = ws.lock(&files.lock)?;
    let mut store = ws.store()?;
    let source = find(&*store, name)?;
    let started_at = pointe_core::clock::now()?;
    let clock = Instant::now();
    let validators = match files.good.exists() {
        true => Validators {
            etag: source.state.etag.clone(),
            last_modified: source.state.last_modified.clone(),
        },
        // Without the last good copy, an unchanged answer would leave nothing to read.
        false => Validators::default(),
    };
    let attempt = Attempt {
        ws,
        source: &source,
        files: &files,
        seen_at: started_at,
    };
    let reach = match source.public_only {
        true => Reach::PublicOnly,
        false => Reach::Any,
    };
    let done = match fetcher.fetch(&source.url, &validators, &files.download, reach) {
        Err(e) => Done::failed(e.status, e.bytes, e.message),
        Ok(Fetched::NotModified { status }) => {
            attempt.ingest(&mut *store, &files.good, status, 0, None)
        }
        Ok(Fetched::Body {
            status,
            bytes,
            validators,
        }) => attempt.ingest(
            &mut *store,
            &files.download,
            status,
            bytes,
            Some(validators),
        ),
    };
    std::fs::remove_file(&files.download).ok();
    let run = SourceRun {
        source: source.name.clone(),
        started_at,
        duration_ms: clock.elapsed().as_millis() as u64,
        outcome: done.outcome,
        http_status: done.status,
        bytes: done.bytes,
        rows: done.report.as_ref().map_or(0, |r| r.records),
        good_rows: done.report.as_ref().map_or(0, good_rows),
        rejected: done.report.as_ref().map_or(0, |r| r.rejected),
        error: done.error.clone(),
    };
    let state = next_state(&source, &run, done.validators, started_at);
    store.record_run(&run, &state)?;
    if run.outcome.is_good()
        && let Err(e) = ws.refresh_index(&*store)
    {
        tracing::warn!(source = %source.name, error = %e, "index not brought up to date; the next search does");
    }
    Ok(run)
}

fn good_rows(r: &IngestReport) -> u64 {
    r.accepted + r.updated + r.unchanged
}

/// What a download came to.
struct Done {
    outcome: RunOutcome,
    status: Option<u16>,
    bytes: u64,
    report: Option<IngestReport>,
    /// The validators to keep: the new download's, when it was stored.
    validators: Option<Validators>,
    error: Option<String>,
}

impl Done {
    fn failed(status: Option<u16>, bytes: u64, message: String) -> Done {
        Done {
            outcome: RunOutcome::Failed,
            status,
            bytes,
            report: None,
            validators: None,
            error: Some(message),
        }
    }
}

/// One run's ingest of a download (or of the last good copy, for an unchanged feed).
struct Attempt<'a> {
    ws: &'a Workspace,
    source: &'a FeedSource,
    files: &'a Files,
    seen_at: Timestamp,
}

impl Attempt<'_> {
    fn ingest(
        &self,
        store: &mut dyn pointe_core::store::Backend,
        file: &Path,
        status: Option<u16>,
        bytes: u64,
        fresh: Option<Validators>,
    ) -> Done {
        let not_modified = fresh.is_none();
        match self.ingest_file(store, file) {
            Ok(report) => {
                // The download is the last good copy now (stored, so kept even if this fails).
                if !not_modified && let Err(e) = std::fs::rename(file, &self.files.good) {
                    tracing::warn!(file = %self.files.good.display(), error = %e, "last good copy not kept");
                }
                Done {
                    outcome: if not_modified {
                        RunOutcome::NotModified
                    } else {
                        RunOutcome::Ingested
                    },
                    status,
                    bytes,
                    report: Some(report),
                    validators: fresh,
                    error: None,
                }
            }
            Err(Refusal::Short(report, message)) => Done {
                outcome: RunOutcome::RefusedShort,
                report: Some(*report),
                ..Done::failed(status, bytes, message)
            },
            Err(Refusal::Failed(message)) => Done::failed(status, bytes, message),
        }
    }

    fn ingest_file(
        &self,
        store: &mut dyn pointe_core::store::Backend,
        file: &Path,
    ) -> std::result::Result<IngestReport, Refusal> {
        let failed = |e: Error| Refusal::Failed(e.to_string());
        let s = self.source;
        let request = IngestRequest {
            feed_format: s.feed_format.clone(),
            mapping: s.mapping.as_deref().map(mapping_ref),
            source: Some(s.name.clone()),
            retailer: s.retailer.clone(),
            currency: s.currency.clone(),
            seen_at: Some(self.seen_at.to_string()),
            ..IngestRequest::default()
        };
        let rates = self.ws.rates(&*store).map_err(failed)?;
        let options = request.options(self.ws, rates).map_err(failed)?;
        let brands = self.ws.brands().map_err(failed)?;
        let extractor = self.ws.extractor().map_err(failed)?;
        let floor = s
            .state
            .last_good_rows
            .map(|n| n * u64::from(s.refuse_below_pct) / 100);
        let short = std::cell::RefCell::new(None);
        let check = |r: &IngestReport| match floor {
            Some(floor) if good_rows(r) < floor => {
                *short.borrow_mut() = Some(r.clone());
                Err(pointe_core::Error::BadFile {
                    path: file.to_path_buf(),
                    line: None,
                    message: format!(
                        "gave {} good rows, fewer than {}% of the last good download's {}: \
                         refused, the last good data kept",
                        good_rows(r),
                        s.refuse_below_pct,
                        s.state.last_good_rows.unwrap_or(0)
                    ),
                })
            }
            _ => Ok(()),
        };
        match ingest_file_checked(
            store,
            &brands,
            &extractor,
            file,
            &options,
            &check,
            &mut |_| {},
        ) {
            Ok(report) => Ok(report),
            Err(e) => match short.into_inner() {
                Some(report) => Err(Refusal::Short(Box::new(report), e.to_string())),
                None => Err(Refusal::Failed(e.to_string())),
            },
        }
    }
}

/// Why a download was not stored.
enum Refusal {
    /// It parsed to too few rows.
    Short(Box<IngestReport>, String),
    /// It could not be read or stored.
    Failed(String),
}

/// The state a run leaves: a good run confirms the data (and, for a new download, keeps its
/// validators and row count); a failed or refused one keeps the last good state and says why.
fn next_state(
    source: &FeedSource,
    run: &SourceRun,
    fresh: Option<Validators>,
    at: Timestamp,
) -> SourceState {
    let mut state = source.state.clone();
    state.last_run_at = Some(at);
    state.next_due = at
        .checked_add(SignedDuration::from_secs(source.every_secs as i64))
        .ok();
    if run.outcome.is_good() {
        state.failing = false;
        state.last_error = None;
        state.last_good_at = Some(at);
        if let Some(v) = fresh {
            state.etag = v.etag;
            state.last_modified = v.last_modified;
            state.last_good_rows = Some(run.good_rows);
        }
    } else {
        state.failing = true;
        state.last_error = run.error.clone();
    }
    state
}
