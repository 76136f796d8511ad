//! Sources that refresh themselves, against a feed server on loopback that serves what each
//! test tells it: conditional requests (304), a failing, a cut-off and a suspiciously short
//! download (the last good data kept, the source marked failing, no offer gone stale).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::Env;

/// What the server answers to the next requests.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// The feed with its ETag; a request that sends that ETag back gets 304.
    Feed { body: String, etag: String },
    /// A bare status.
    Status(u16),
    /// The feed's headers announce `body`'s length, but only its first `sent` bytes come
    /// before the connection closes.
    CutOff { body: String, sent: usize },
}

/// A request as the server saw it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Seen {
    if_none_match: Option<String>,
    user_agent: Option<String>,
}

#[derive(Debug)]
pub(crate) struct FeedServer {
    pub(crate) url: String,
    reply: Arc<Mutex<Reply>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FeedServer {
    pub(crate) fn start(first: Reply) -> FeedServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/feed.tsv", listener.local_addr().unwrap());
        let reply = Arc::new(Mutex::new(first));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (r, s) = (reply.clone(), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                answer(stream, &r.lock().unwrap().clone(), &s);
            }
        });
        FeedServer { url, reply, seen }
    }

    pub(crate) fn set(&self, reply: Reply) {
        *self.reply.lock().unwrap() = reply;
    }

    pub(crate) fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn answer(mut stream: TcpStream, reply: &Reply, seen: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = Seen::default();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((&line, ""));
        match name.to_ascii_lowercase().as_str() {
            "if-none-match" => request.if_none_match = Some(value.trim().to_string()),
            "user-agent" => request.user_agent = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let matched = request.if_none_match.clone();
    seen.lock().unwrap().push(request);
    let head = |status: &str, len: usize, etag: &str| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Length: {len}\r\nContent-Type: text/tab-separated-values\r\n\
             ETag: {etag}\r\nConnection: close\r\n\r\n"
        )
    };
    let out = match reply {
        Reply::Feed { etag, .. } if matched.as_deref() == Some(etag.as_str()) => {
            head("304 Not Modified", 0, etag).into_bytes()
        }
        Reply::Feed { body, etag } => [head("200 OK", body.len(), etag), body.clone()]
            .concat()
            .into_bytes(),
        Reply::Status(code) => head(&format!("{code} Oops"), 0, "\"x\"").into_bytes(),
        Reply::CutOff { body, sent } => [
            head("200 OK", body.len(), "\"cut\""),
            body[..*sent].to_string(),
        ]
        .concat()
        .into_bytes(),
    };
    stream.write_all(&out).ok();
    stream.flush().ok();
    // Drain what the client still sends, then close.
    stream.shutdown(std::net::Shutdown::Write).ok();
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).ok();
}

/// A GMC TSV feed of `n` ballet flats at `base` pounds plus their number.
pub(crate) fn feed(n: usize, base: u32) -> String {
    let mut out = String::from("id\ttitle\tlink\tavailability\tprice\tbrand\tcolor\n");
    for i in 0..n {
        out.push_str(&format!(
            "FL-{i}\tSatin ballet flats no. {i}\thttps://shop.example/p/{i}\tin stock\t{}.00 GBP\tArket\tPink\n",
            base + i as u32
        ));
    }
    out
}

fn run(env: &Env, code: i32) -> Value {
    let out = env
        .run(&[
            "source",
            "run",
            "shop",
            "--attempts",
            "2",
            "--backoff",
            "10ms",
            "-o",
            "json",
        ])
        .expect_code(code)
        .json();
    out["items"][0].clone()
}

/// Each product's (item id, current price, whether its offer is current, last seen).
fn offers(env: &Env) -> Vec<(String, String, bool, String)> {
    let list = env
        .run(&["products", "list", "--limit", "100", "-o", "json"])
        .expect_code(0)
        .json();
    let mut out = Vec::new();
    for p in list["items"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        let shown = env
            .run(&["products", "show", id, "-o", "json"])
            .expect_code(0)
            .json();
        for o in shown["offer_list"].as_array().unwrap() {
            out.push((
                o["item_id"].as_str().unwrap().to_string(),
                o["current_price"]["amount"].as_str().unwrap().to_string(),
                o["current"].as_bool().unwrap(),
                o["last_seen"].as_str().unwrap().to_string(),
            ));
        }
    }
    out.sort();
    out
}

fn state(env: &Env) -> Value {
    env.run(&["source", "show", "shop", "-o", "json"])
        .expect_code(0)
        .json()["source"]["state"]
        .clone()
}

#[test]
fn an_unchanged_feed_is_not_downloaded_again_and_its_offers_are_confirmed() {
    let server = FeedServer::start(Reply::Feed {
        body: feed(4, 30),
        etag: "\"v1\"".into(),
    });
    let mut env = Env::new();
    env.run(&[
        "source",
        "add",
        "shop",
        &server.url,
        "--every",
        "6h",
        "--retailer",
        "Arket",
    ])
    .expect_code(0);
    let first = run(&env, 0);
    assert_eq!(first["outcome"], "ingested", "{first}");
    assert_eq!(
        (first["http_status"].as_u64(), first["good_rows"].as_u64()),
        (Some(200), Some(4))
    );
    assert_eq!(offers(&env).len(), 4);

    env.now = "2026-01-05T15:00:00Z".into();
    let second = run(&env, 0);
    assert_eq!(second["outcome"], "not-modified", "{second}");
    assert_eq!(
        (second["http_status"].as_u64(), second["bytes"].as_u64()),
        (Some(304), Some(0))
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].if_none_match, None);
    assert_eq!(requests[1].if_none_match.as_deref(), Some("\"v1\""));
    assert!(
        requests.iter().all(|r| r
            .user_agent
            .as_deref()
            .is_some_and(|u| u.starts_with("Pointe/"))),
        "{requests:?}"
    );
    // The server vouched for the same feed: every offer is current and seen at the second run.
    for (item, _, current, last_seen) in offers(&env) {
        assert!(current, "{item}");
        assert_eq!(last_seen, "2026-01-05T15:00:00Z", "{item}");
    }
    let state = state(&env);
    assert_eq!(state["next_due"], "2026-01-05T21:00:00Z", "{state}");
    assert_eq!(state["failing"], false);
}

#[test]
fn a_failing_a_cut_off_and_a_short_download_keep_the_last_good_data() {
    let server = FeedServer::start(Reply::Feed {
        body: feed(10, 30),
        etag: "\"v1\"".into(),
    });
    let mut env = Env::new();
    env.run(&["source", "add", "shop", &server.url, "--every", "1h"])
        .expect_code(0);
    assert_eq!(run(&env, 0)["outcome"], "ingested");
    let good = offers(&env);
    assert_eq!(good.len(), 10);
    assert!(good.iter().all(|o| o.2));

    // A server error, tried twice.
    env.now = "2026-01-05T10:00:00Z".into();
    server.set(Reply::Status(503));
    let failed = run(&env, 4);
    assert_eq!(failed["outcome"], "failed", "{failed}");
    assert_eq!(failed["http_status"], 503);
    assert_eq!(
        server.requests().len(),
        3,
        "one request, then two tries of the failing one"
    );
    let s = state(&env);
    assert_eq!(s["failing"], true, "{s}");
    assert!(s["last_error"].as_str().unwrap().contains("503"), "{s}");
    assert_eq!(offers(&env), good);

    // A download that breaks off before the length its server announced.
    env.now = "2026-01-05T11:00:00Z".into();
    let changed = feed(10, 50);
    server.set(Reply::CutOff {
        sent: changed.len() / 2,
        body: changed,
    });
    let cut = run(&env, 4);
    assert_eq!(cut["outcome"], "failed", "{cut}");
    assert!(
        cut["error"].as_str().unwrap().contains("broke off"),
        "{cut}"
    );
    assert_eq!(
        offers(&env),
        good,
        "no price of the cut-off feed was stored"
    );

    // A feed that parses to 3 of the 10 rows: below half of the last good download.
    env.now = "2026-01-05T12:00:00Z".into();
    server.set(Reply::Feed {
        body: feed(3, 70),
        etag: "\"v2\"".into(),
    });
    let short = run(&env, 4);
    assert_eq!(short["outcome"], "refused-short", "{short}");
    assert_eq!(short["good_rows"], 3);
    assert!(
        short["error"].as_str().unwrap().contains("fewer than 50%"),
        "{short}"
    );
    assert_eq!(
        offers(&env),
        good,
        "no offer went stale and no price changed"
    );
    assert_eq!(state(&env)["last_good_rows"], 10);

    // A good download again: stored, and the source is no longer failing.
    env.now = "2026-01-05T13:00:00Z".into();
    server.set(Reply::Feed {
        body: feed(9, 40),
        etag: "\"v3\"".into(),
    });
    assert_eq!(run(&env, 0)["outcome"], "ingested");
    let now = offers(&env);
    assert_eq!(now.iter().filter(|o| o.2).count(), 9, "{now:?}");
    assert!(
        now.iter().any(|o| o.0 == "FL-0" && o.1 == "40.00"),
        "{now:?}"
    );
    let s = state(&env);
    assert_eq!(
        (s["failing"].as_bool(), s["last_good_rows"].as_u64()),
        (Some(false), Some(9))
    );
    let runs = env
        .run(&["source", "show", "shop", "-o", "json"])
        .expect_code(0)
        .json()["runs"]
        .clone();
    let outcomes: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["ingested", "refused-short", "failed", "failed", "ingested"]
    );
}

#[test]
fn a_source_names_what_is_wrong_with_it_and_is_one_of_a_name() {
    let env = Env::new();
    let bad_url = env
        .run(&["source", "add", "shop", "ftp://shop.example/feed.tsv"])
        .expect_code(1);
    assert!(bad_url.stderr.contains("url"), "{}", bad_url.stderr);
    let bad_every = env
        .run(&[
            "source",
            "add",
            "shop",
            "https://shop.example/feed.tsv",
            "--every",
            "soon",
        ])
        .expect_code(1);
    assert!(bad_every.stderr.contains("every"), "{}", bad_every.stderr);
    env.run(&["source", "add", "shop", "https://shop.example/feed.tsv"])
        .expect_code(0);
    let again = env.run(&["source", "add", "shop", "https://shop.example/other.tsv"]);
    assert_ne!(again.code, 0);
    assert!(again.stderr.contains("\"shop\""), "{}", again.stderr);
    let unknown = env.run(&["source", "run", "shoe"]).expect_code(2);
    assert!(
        unknown.stderr.contains("shop"),
        "a near name is offered: {}",
        unknown.stderr
    );
    env.run(&["source", "remove", "shop"]).expect_code(0);
    let list = env
        .run(&["source", "list", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(list["total"], 0);
}

/// Starts `pointe ARGS` in the background over `env`'s data directory.
pub(crate) fn spawn(env: &Env, args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_pointe"))
        .args(args)
        .env("POINTE_DATA_DIR", env.data_dir())
        .env("POINTE_NOW", &env.now)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Kills the child when dropped, so that a failing test leaves no process behind.
struct KillOnDrop(Option<std::process::Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

/// Stops `child` with SIGTERM; its exit status and what it wrote to standard error.
pub(crate) fn terminate(mut child: std::process::Child) -> (std::process::ExitStatus, String) {
    let pid = child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).ok();
    (status, err)
}

#[test]
fn the_daemon_runs_a_due_source_and_is_the_only_scheduler_of_its_directory() {
    let server = FeedServer::start(Reply::Feed {
        body: feed(5, 30),
        etag: "\"v1\"".into(),
    });
    let env = Env::new();
    env.run(&["source", "add", "shop", &server.url, "--every", "1h"])
        .expect_code(0);
    let mut daemon = KillOnDrop(Some(spawn(&env, &["daemon"])));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let runs = loop {
        let shown = env
            .run(&["source", "show", "shop", "--runs", "5", "-o", "json"])
            .expect_code(0)
            .json();
        let runs = shown["runs"].as_array().unwrap().clone();
        if !runs.is_empty() || std::time::Instant::now() > deadline {
            break runs;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(
        runs.len(),
        1,
        "the daemon ran the due source once: {runs:?}"
    );
    assert_eq!(runs[0]["outcome"], "ingested");
    assert_eq!(offers(&env).len(), 5);

    let second = env.run(&["daemon"]).expect_code(1);
    assert!(
        second.stderr.contains("another process"),
        "{}",
        second.stderr
    );
    // A web server beside the daemon serves, and leaves the sources to the daemon.
    let mut serve = spawn(&env, &["serve", "--addr", "127.0.0.1:0"]);
    let (mut first, mut serving) = (String::new(), String::new());
    let mut said = BufReader::new(serve.stderr.take().unwrap());
    said.read_line(&mut first).unwrap();
    // Stopped once it says it serves: its signal handlers are in place by then.
    said.read_line(&mut serving).unwrap();
    assert!(serving.contains("serving"), "{serving}");
    serve.stderr = Some(said.into_inner());
    let (status, err) = terminate(serve);
    assert!(status.success(), "{status:?} {err}");
    assert!(
        first.contains("another process runs the sources"),
        "{first}"
    );

    let (status, err) = terminate(daemon.0.take().unwrap());
    assert!(status.success(), "{status:?} {err}");
    assert!(err.contains("stopped"), "{err}");
    assert_eq!(server.requests().len(), 1, "not due again within the hour");
}
