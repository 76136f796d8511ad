//! Downloading a feed for a source: polite HTTP (conditional requests, gzip, timeouts to
//! connect, for each read and for the whole download, retries with exponential backoff and
//! jitter, a limit of downloads per host at once, a size limit, a User-Agent that names
//! Pointe) and `file://` for the CLI. A download that fails, or stops short of the length its
//! server announced, is an error: the caller keeps the source's last good data.

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

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
    /// Downloads `url` into `dest` unless the validators' version is still current, reaching
    /// only the addresses `reach` allows.
    fn fetch(
        &self,
        url: &str,
        validators: &Validators,
        dest: &Path,
        reach: Reach,
    ) -> Result<Fetched, FetchError>;
}

/// Which addresses a download may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Any (a source added from the CLI, or over the API where configuration allows it).
    Any,
    /// Public addresses only: the URL's host, every redirect's, and every address a name
    /// resolves to (so a name that points at a private address later is refused then).
    PublicOnly,
}

/// Whether `ip` is a public unicast address: not loopback, private, link-local, shared
/// (100.64/10), documentation, benchmarking, multicast, reserved or unspecified.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && v6.segments()[1] == 0x0db8))
        }
    }
}

/// Why `url`'s host may not be reached from a public-only source, if it may not: a private
/// address literal, or `localhost`. A name is checked when it is resolved.
pub fn private_host(url: &reqwest::Url) -> Option<String> {
    match url.host()? {
        url::Host::Ipv4(ip) if !is_public(ip.into()) => {
            Some(format!("{ip} is not a public address"))
        }
        url::Host::Ipv6(ip) if !is_public(ip.into()) => {
            Some(format!("{ip} is not a public address"))
        }
        url::Host::Domain(d)
            if d.eq_ignore_ascii_case("localhost")
                || d.to_ascii_lowercase().ends_with(".localhost") =>
        {
            Some(format!("{d} is not a public host"))
        }
        _ => None,
    }
}

/// A resolver that gives only a name's public addresses, and an error when it has none.
/// It resolves on the download's own thread (the blocking client runs one request at a time
/// there).
#[derive(Debug)]
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            use std::net::ToSocketAddrs;
            let all: Vec<std::net::SocketAddr> = (host.as_str(), 0).to_socket_addrs()?.collect();
            let public: Vec<std::net::SocketAddr> =
                all.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// The bounds of a download.
#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    /// The largest feed accepted, in bytes (after the transfer's gzip is undone).
    pub max_bytes: u64,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// How long to wait for the answer, and for each read of its body: a download that
    /// stalls this long fails.
    pub read_timeout: Duration,
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
            read_timeout: Duration::from_secs(60),
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
    public_client: reqwest::blocking::Client,
    limits: FetchLimits,
    hosts: HostSlots,
}

impl HttpFetcher {
    /// A fetcher with these limits.
    pub fn new(limits: FetchLimits) -> Result<HttpFetcher, FetchError> {
        // The blocking client's timeout bounds the wait for the answer and for each read of
        // the body; `write_body` bounds the whole download.
        let builder =
            |reach| builder(reach, limits.connect_timeout, limits.read_timeout).gzip(true);
        let client = builder(Reach::Any)
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .build();
        let public_client = builder(Reach::PublicOnly)
            .redirect(reqwest::redirect::Policy::custom(public_redirect))
            .build();
        let no_client = |e: reqwest::Error| failed(None, 0, format!("no HTTP client: {e}"));
        Ok(HttpFetcher {
            client: client.map_err(no_client)?,
            public_client: public_client.map_err(no_client)?,
            limits,
            hosts: HostSlots::default(),
        })
    }

    fn try_once(
        &self,
        url: &str,
        validators: &Validators,
        dest: &Path,
        reach: Reach,
    ) -> Result<Fetched, (FetchError, bool)> {
        let client = match reach {
            Reach::Any => &self.client,
            Reach::PublicOnly => &self.public_client,
        };
        let mut request = client.get(url);
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
        let deadline = Instant::now() + self.limits.timeout;
        let bytes = write_body(response, dest, self.limits.max_bytes, Some(deadline))
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
        reach: Reach,
    ) -> Result<Fetched, FetchError> {
        if let Some(path) = url.strip_prefix("file://") {
            if reach == Reach::PublicOnly {
                return Err(failed(
                    None,
                    0,
                    "a file:// address is for the CLI only".into(),
                ));
            }
            return fetch_file(Path::new(path), validators, dest, self.limits.max_bytes);
        }
        let parsed =
            reqwest::Url::parse(url).map_err(|e| failed(None, 0, format!("{url:?}: {e}")))?;
        if let Some(why) = refused(&parsed, reach) {
            return Err(failed(None, 0, why));
        }
        let host = parsed
            .host_str()
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let _slot = self.hosts.take(&host, self.limits.per_host.max(1));
        let mut wait = self.limits.backoff;
        for attempt in 1..=self.limits.attempts.max(1) {
            match self.try_once(url, validators, dest, reach) {
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

/// The most redirects a download follows.
const MAX_REDIRECTS: usize = 5;

/// Follows a public-only download's redirect unless it names a private address or is one too
/// many (a name is checked when it is resolved).
fn public_redirect(attempt: reqwest::redirect::Attempt<'_>) -> reqwest::redirect::Action {
    if attempt.previous().len() >= MAX_REDIRECTS {
        return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
    }
    match private_host(attempt.url()) {
        Some(why) => attempt.error(format!("a redirect to a private address: {why}")),
        None => attempt.follow(),
    }
}

/// A client builder with Pointe's User-Agent and these timeouts; for `PublicOnly`, one whose
/// resolver gives only public addresses and which uses no proxy (a proxy would resolve and
/// reach the host itself, past the checks).
fn builder(reach: Reach, connect: Duration, read: Duration) -> reqwest::blocking::ClientBuilder {
    let builder = reqwest::blocking::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(connect)
        .timeout(read);
    match reach {
        Reach::Any => builder,
        Reach::PublicOnly => builder
            .dns_resolver(std::sync::Arc::new(PublicOnly))
            .no_proxy(),
    }
}

/// A client for short requests (webhooks) that take at most `timeout` and follow no
/// redirect, reaching what `reach` allows.
pub(crate) fn client(
    timeout: Duration,
    reach: Reach,
) -> Result<reqwest::blocking::Client, reqwest::Error> {
    builder(reach, timeout, timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Why `url` may not be reached under `reach`, if it may not (a name is checked when it is
/// resolved).
pub(crate) fn refused(url: &reqwest::Url, reach: Reach) -> Option<String> {
    match reach {
        Reach::Any => None,
        Reach::PublicOnly => private_host(url),
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
pub(crate) fn describe(e: &dyn std::error::Error) -> String {
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
pub(crate) fn jitter(max: Duration) -> Duration {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return Duration::ZERO;
    }
    max.mul_f64(f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX))
}

/// Copies `body` into `dest`, stopping past `max` bytes; a body that ends before the length
/// its server announced is an error (a truncated download), as is any read error.
fn write_body(
    mut body: impl Read,
    dest: &Path,
    max: u64,
    deadline: Option<Instant>,
) -> Result<u64, (u64, String)> {
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
        if deadline.is_some_and(|d| Instant::now() > d) {
            return Err((
                total,
                format!("the download took longer than its limit, after {total} bytes"),
            ));
        }
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
    let bytes = write_body(file, dest, max, None).map_err(|(b, m)| failed(None, b, m))?;
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

    #[test]
    fn only_public_unicast_addresses_are_public() {
        let public = [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ];
        let private = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "2001:db8::1",
        ];
        for ip in public {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in private {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        let host = |u: &str| private_host(&reqwest::Url::parse(u).unwrap());
        assert!(host("http://127.0.0.1:8080/feed").is_some());
        assert!(host("http://[::1]/feed").is_some());
        assert!(host("http://LOCALHOST/feed").is_some());
        assert!(host("http://feeds.localhost/feed").is_some());
        assert_eq!(host("https://feeds.example.com/feed"), None);
        assert_eq!(host("https://93.184.216.34/feed"), None);
    }

    /// A public-only download of a loopback address is refused before any connection, and
    /// one of a name is refused when the name resolves only to loopback.
    #[test]
    fn a_public_only_download_never_reaches_a_private_address() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("feed");
        let fetcher = HttpFetcher::new(FetchLimits {
            attempts: 1,
            ..FetchLimits::default()
        })
        .unwrap();
        for url in [
            format!("http://127.0.0.1:{port}/feed.tsv"),
            format!("http://localhost:{port}/feed.tsv"),
            format!("file://{}", dest.display()),
        ] {
            let got = fetcher.fetch(&url, &Validators::default(), &dest, Reach::PublicOnly);
            assert!(got.is_err(), "{url}: {got:?}");
        }
        listener.set_nonblocking(true).unwrap();
        assert!(listener.accept().is_err(), "no connection was made");
    }

    /// The resolver of public-only downloads gives no address for a name that resolves only to
    /// loopback (the check that holds when a name is changed to point inside later).
    #[test]
    fn the_public_only_resolver_drops_private_addresses() {
        use reqwest::dns::Resolve;
        let mut resolving = PublicOnly.resolve("localhost".parse().unwrap());
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match resolving.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(Err(e)) => {
                assert!(e.to_string().contains("no public address"), "{e}")
            }
            std::task::Poll::Ready(Ok(addrs)) => panic!("{:?}", addrs.collect::<Vec<_>>()),
            std::task::Poll::Pending => panic!("the resolver answers at once"),
        }
    }

    /// Serves one answer on loopback: `head`, then `body`, then waits `stall` before closing.
    /// Returns the address and what the request said.
    fn serve_once(
        head: String,
        body: Vec<u8>,
        stall: Duration,
    ) -> (String, std::sync::mpsc::Receiver<String>) {
        use std::io::{BufRead, BufReader};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/feed.tsv", listener.local_addr().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                request.push_str(&line);
            }
            tx.send(request).ok();
            stream.write_all(head.as_bytes()).ok();
            stream.write_all(&body).ok();
            stream.flush().ok();
            std::thread::sleep(stall);
        });
        (url, rx)
    }

    fn quick() -> HttpFetcher {
        HttpFetcher::new(FetchLimits {
            attempts: 1,
            read_timeout: Duration::from_millis(300),
            ..FetchLimits::default()
        })
        .unwrap()
    }

    #[test]
    fn a_gzip_answer_is_asked_for_and_written_unzipped() {
        use flate2::write::GzEncoder;
        let feed = "id\ttitle\nA1\tSatin ballet flats\n".repeat(50);
        let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(feed.as_bytes()).unwrap();
        let body = gz.finish().unwrap();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            body.len()
        );
        let (url, request) = serve_once(head, body, Duration::ZERO);
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("feed");
        let got = quick().fetch(&url, &Validators::default(), &dest, Reach::Any);
        assert!(matches!(got, Ok(Fetched::Body { .. })), "{got:?}");
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), feed);
        let request = request.recv().unwrap().to_ascii_lowercase();
        assert!(request.contains("accept-encoding: gzip"), "{request}");
    }

    #[test]
    fn a_download_that_stalls_fails_after_the_read_timeout() {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n";
        let (url, _request) =
            serve_once(head.into(), b"id\ttitle\n".to_vec(), Duration::from_secs(5));
        let dir = tempfile::tempdir().unwrap();
        let started = std::time::Instant::now();
        let got = quick().fetch(
            &url,
            &Validators::default(),
            &dir.path().join("f"),
            Reach::Any,
        );
        let err = got.expect_err("a stalled download is an error");
        assert!(err.message.contains("broke off"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
    }
}
