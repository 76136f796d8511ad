//! Downloading a feed for a source: polite HTTP (conditional requests, gzip, a connect timeout
//! and one for the whole download, retries with exponential backoff and jitter, a limit of
//! downloads per host at once, a size limit, a User-Agent that names Pointe) and `file://` for the CLI. A download that fails, or stops short of the length its
//! server announced, is an error: the caller keeps the source's last good data.

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// What the last good download said about its version, sent back so that an unchanged feed is
/// not downloaded again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// `ETag`, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified`, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

/// A download that answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The feed has not changed since the validators' version (HTTP 304).
    NotModified {
        /// The HTTP status (304), for an HTTP source.
        status: Option<u16>,
    },
    /// The feed, written whole to the destination.
    Body {
        /// The HTTP status, for an HTTP source.
        status: Option<u16>,
        /// Bytes written (after the transfer's gzip is undone).
        bytes: u64,
        /// Its validators, for the next request.
        validators: Validators,
    },
}

/// A download that failed: nothing usable was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    /// Bytes received before it failed.
    pub bytes: u64,
    /// What went wrong, for people.
    pub message: String,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// How a source's feed is downloaded: the extension point of the scheduler (a test may serve
/// feeds from memory).
pub trait Fetch: Send + Sync {
    /// Downloads `url` into `dest` unless the validators' version is still current.
    fn fetch(&self, url: &str, validators: &Validators, dest: &Path)
    -> Result<Fetched, FetchError>;
}

/// The bounds of a download.
#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    /// The largest feed accepted, in bytes (after the transfer's gzip is undone).
    pub max_bytes: u64,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// How long a whole download may take, from connecting to the last byte.
    pub timeout: Duration,
    /// Tries in all, for a failure worth trying again (no connection, a timeout, HTTP 408,
    /// 429 or 5xx).
    pub attempts: u32,
    /// The wait before the second try; each later one doubles it, with up to half of it again
    /// at random.
    pub backoff: Duration,
    /// The most downloads from one host at once; a further one waits for a slot.
    pub per_host: usize,
}

impl Default for FetchLimits {
    fn default() -> FetchLimits {
        FetchLimits {
            max_bytes: 2 << 30,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30 * 60),
            attempts: 3,
            backoff: Duration::from_secs(2),
            per_host: 2,
        }
    }
}

/// The User-Agent of every request.
pub const USER_AGENT: &str = concat!("Pointe/", env!("CARGO_PKG_VERSION"), " (feed refresh)");

/// Downloads over `http(s)://` (rustls) and copies `file://` paths.
#[derive(Debug)]
pub struct HttpFetcher {
    client: reqwest::blocking::Client,
    limits: FetchLimits,
    hosts: HostSlots,
}

impl HttpFetcher {
    /// A fetcher with these limits.
    pub fn new(limits: FetchLimits) -> Result<HttpFetcher, FetchError> {
        let client = reqwest::blocking::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .gzip(true)
            .build()
            .map_err(|e| failed(None, 0, format!("no HTTP client: {e}")))?;
        Ok(HttpFetcher {
            client,
            limits,
            hosts: HostSlots::default(),
        })
    }

    fn try_once(
        &self,
        url: &str,
        validators: &Validators,
        dest: &Path,
    ) -> Result<Fetched, (FetchError, bool)> {
        let mut request = self.client.get(url);
        if let Some(etag) = &validators.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
        let response = request.send().map_err(|e| {
            let again = e.is_connect() || e.is_timeout() || e.is_request();
            (failed(None, 0, describe(&e)), again)
        })?;
        let status = response.status().as_u16();
        if status == 304 {
            return Ok(Fetched::NotModified {
                status: Some(status),
            });
        }
        if !response.status().is_success() {
            let again = matches!(status, 408 | 429) || status >= 500;
            return Err((failed(Some(status), 0, format!("HTTP {status}")), again));
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let got = Validators {
            etag: header(reqwest::header::ETAG),
            last_modified: header(reqwest::header::LAST_MODIFIED),
        };
        let bytes = write_body(response, dest, self.limits.max_bytes)
            .map_err(|(bytes, message)| (failed(Some(status), bytes, message), true))?;
        Ok(Fetched::Body {
            status: Some(status),
            bytes,
            validators: got,
        })
    }
}

impl Fetch for HttpFetcher {
    fn fetch(
        &self,
        url: &str,
        validators: &Validators,
        dest: &Path,
    ) -> Result<Fetched, FetchError> {
        if let Some(path) = url.strip_prefix("file://") {
            return fetch_file(Path::new(path), validators, dest, self.limits.max_bytes);
        }
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default();
        let _slot = self.hosts.take(&host, self.limits.per_host.max(1));
        let mut wait = self.limits.backoff;
        for attempt in 1..=self.limits.attempts.max(1) {
            match self.try_once(url, validators, dest) {
                Ok(fetched) => return Ok(fetched),
                Err((e, again)) if !again || attempt == self.limits.attempts.max(1) => {
                    return Err(e);
                }
                Err((e, _)) => {
                    tracing::info!(url, attempt, error = %e, "source download failed; trying again");
                    std::thread::sleep(wait + jitter(wait / 2));
                    wait *= 2;
                }
            }
        }
        unreachable!("the last attempt returns")
    }
}

/// How many downloads each host has under way.
#[derive(Debug, Default)]
struct HostSlots {
    busy: std::sync::Mutex<std::collections::HashMap<String, usize>>,
    freed: std::sync::Condvar,
}

/// A download slot of one host, given back when dropped.
struct HostSlot<'a> {
    slots: &'a HostSlots,
    host: String,
}

impl HostSlots {
    /// Waits until `host` has fewer than `limit` downloads under way, and takes a slot.
    fn take(&self, host: &str, limit: usize) -> HostSlot<'_> {
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        while busy.get(host).copied().unwrap_or(0) >= limit {
            busy = self.freed.wait(busy).unwrap_or_else(|p| p.into_inner());
        }
        *busy.entry(host.to_string()).or_insert(0) += 1;
        HostSlot {
            slots: self,
            host: host.to_string(),
        }
    }
}

impl Drop for HostSlot<'_> {
    fn drop(&mut self) {
        let mut busy = self.slots.busy.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = busy.get_mut(&self.host) {
            *n -= 1;
            if *n == 0 {
                busy.remove(&self.host);
            }
        }
        self.slots.freed.notify_all();
    }
}

fn failed(status: Option<u16>, bytes: u64, message: String) -> FetchError {
    FetchError {
        status,
        bytes,
        message,
    }
}

/// An error with its causes ("error sending request: connection refused").
fn describe(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Up to `max` more, at random.
fn jitter(max: Duration) -> Duration {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return Duration::ZERO;
    }
    max.mul_f64(f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX))
}

/// Copies `body` into `dest`, stopping past `max` bytes; a body that ends before the length
/// its server announced is an error (a truncated download), as is any read error.
fn write_body(mut body: impl Read, dest: &Path, max: u64) -> Result<u64, (u64, String)> {
    let file = std::fs::File::create(dest).map_err(|e| (0, format!("{}: {e}", dest.display())))?;
    let mut out = std::io::BufWriter::new(file);
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = body.read(&mut buf).map_err(|e| {
            (
                total,
                format!(
                    "the download broke off after {total} bytes: {}",
                    describe(&e)
                ),
            )
        })?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > max {
            return Err((
                total,
                format!("the feed is larger than the {max}-byte limit"),
            ));
        }
        out.write_all(&buf[..n])
            .map_err(|e| (total, format!("{}: {e}", dest.display())))?;
    }
    out.flush()
        .map_err(|e| (total, format!("{}: {e}", dest.display())))?;
    Ok(total)
}

/// A `file://` source: copied when its modification time is not the one last seen.
fn fetch_file(
    path: &Path,
    validators: &Validators,
    dest: &Path,
    max: u64,
) -> Result<Fetched, FetchError> {
    let meta =
        std::fs::metadata(path).map_err(|e| failed(None, 0, format!("{}: {e}", path.display())))?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| format!("{}.{:09}", d.as_secs(), d.subsec_nanos()));
    if modified.is_some() && modified == validators.last_modified {
        return Ok(Fetched::NotModified { status: None });
    }
    let file = std::fs::File::open(path)
        .map_err(|e| failed(None, 0, format!("{}: {e}", path.display())))?;
    let bytes = write_body(file, dest, max).map_err(|(b, m)| failed(None, b, m))?;
    Ok(Fetched::Body {
        status: None,
        bytes,
        validators: Validators {
            etag: None,
            last_modified: modified,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Four downloads from one host with a limit of two never have more than two under way,
    /// and another host is not held up by them.
    #[test]
    fn a_host_has_at_most_its_limit_of_downloads_at_once() {
        let slots = HostSlots::default();
        let (now, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    let _slot = slots.take("shop.example", 2);
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(100));
                    now.fetch_sub(1, Ordering::SeqCst);
                });
            }
            std::thread::sleep(Duration::from_millis(10));
            let _other = slots.take("feeds.example", 2);
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert!(slots.busy.lock().unwrap().is_empty());
    }
}
