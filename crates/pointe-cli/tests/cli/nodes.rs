//! Several Pointe nodes over one PostgreSQL database (`--database-url`): a write through one
//! is found through the other, each node searching its own index, caught up from the store's
//! change log.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::serve::http;
use crate::{Env, Run};

/// A database of its own on the test server, dropped at the end.
struct Database {
    admin: postgres::Client,
    name: String,
    url: String,
}

impl Database {
    fn new(server: &str) -> Database {
        let mut admin = postgres::Client::connect(server, postgres::NoTls).unwrap();
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("pointe_nodes_{}_{n}", std::process::id());
        // One statement each: neither may run inside a transaction.
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let mut url = url::Url::parse(server).unwrap();
        url.set_path(&name);
        Database {
            admin,
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = self.admin.batch_execute(&drop);
    }
}

/// One node: a data directory of its own (its search index) over the shared database.
struct Node {
    env: Env,
    url: String,
}

impl Node {
    fn run(&self, args: &[&str]) -> Run {
        Run::from(
            Command::new(env!("CARGO_BIN_EXE_pointe"))
                .args(args)
                .env("POINTE_DATA_DIR", self.env.data_dir())
                .env("POINTE_DATABASE_URL", &self.url)
                .env("POINTE_NOW", &self.env.now)
                .env_remove("POINTE_LOG")
                .output()
                .unwrap(),
        )
    }

    /// Starts `pointe daemon` (it runs the sources that are due).
    fn daemon(&self, stderr: Stdio) -> Served {
        Served(
            Command::new(env!("CARGO_BIN_EXE_pointe"))
                .arg("daemon")
                .env("POINTE_DATA_DIR", self.env.data_dir())
                .env("POINTE_DATABASE_URL", &self.url)
                .env("POINTE_NOW", &self.env.now)
                .env("POINTE_JOB_LEASE", format!("{LEASE_SECS}s"))
                .stderr(stderr)
                .spawn()
                .unwrap(),
        )
    }

    /// Starts `pointe serve` on a free loopback port; the server and its address.
    fn serve(&self) -> (Served, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pointe"))
            .args(["serve", "--addr", "127.0.0.1:0", "--no-sources"])
            .env("POINTE_DATA_DIR", self.env.data_dir())
            .env("POINTE_DATABASE_URL", &self.url)
            .env("POINTE_NOW", &self.env.now)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        assert!(line.contains("http://"), "{line}");
        let addr = line.trim().rsplit("http://").next().unwrap().to_string();
        (Served(child), addr)
    }
}

/// The lease of the nodes' jobs: a job whose node died is claimed again this long after.
const LEASE_SECS: u64 = 3;

/// Two nodes over `db`, each with a data directory of its own.
fn two_nodes(db: &Database) -> (Node, Node) {
    let node = || Node {
        env: Env::new(),
        url: db.url.clone(),
    };
    (node(), node())
}

/// A server process, killed when dropped.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// The id of the product titled `title` in a page of search results.
fn id_of(page: &serde_json::Value, title: &str) -> Option<String> {
    page["items"]
        .as_array()?
        .iter()
        .find(|item| item["title"] == title)
        .and_then(|item| item["id"].as_str().map(str::to_string))
}

const LILAC: &str = "Lilac satin ballet flats with a bow";

fn get(addr: &str, path: &str) -> (String, serde_json::Value) {
    let (status, body) = http(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
    (status, json)
}

const FEED: &str = "id\ttitle\tbrand\tprice\tavailability\tlink\tgoogle_product_category\n\
    LB-1\tLilac satin ballet flats with a bow\tArket\t89.00 GBP\tin_stock\t\
    https://arket.example/lb-1\tApparel & Accessories > Shoes\n";

#[test]
fn a_feed_posted_to_one_node_is_found_with_its_lookalikes_through_the_other_within_5_s() {
    let Some(server) = pointe_testdata::database_url() else {
        return;
    };
    let db = Database::new(&server);
    let (a, b) = two_nodes(&db);
    a.run(&["ingest", &crate::sample("catalog.awin.csv")])
        .expect_code(0);
    let token = a.run(&["token", "create", "cms"]).expect_code(0);
    let token = token.stdout.trim().to_string();
    let (_served_a, addr_a) = a.serve();
    let (_served_b, addr_b) = b.serve();
    // Node B opens its index (built from the database) before the write.
    let (status, before) = get(&addr_b, "/api/v1/products?q=lilac+satin");
    assert!(status.contains("200"), "{status} {before}");
    assert_eq!(id_of(&before, LILAC), None, "{before}");

    let request = format!(
        "POST /api/v1/feeds?source=arket-push&name=arket.tsv HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{FEED}",
        FEED.len()
    );
    let (status, body) = http(&addr_a, &request);
    assert!(status.contains("200"), "{status}\n{body}");
    let written = Instant::now();
    let id = loop {
        let (_, page) = get(&addr_b, "/api/v1/products?q=lilac+satin");
        if let Some(id) = id_of(&page, LILAC) {
            break id;
        }
        assert!(
            written.elapsed() < Duration::from_secs(5),
            "node B did not find the product within 5 s: {page}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let seen_after = written.elapsed();
    let (status, looks) = get(&addr_b, &format!("/api/v1/products/{id}/lookalikes"));
    assert!(status.contains("200"), "{status} {looks}");
    let titles: Vec<&str> = looks["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["title"].as_str())
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("ballet")),
        "look-alikes through node B: {titles:?}"
    );
    eprintln!(
        "node B found the product {} ms after the write",
        seen_after.as_millis()
    );
}

#[test]
fn two_nodes_share_the_sources_and_never_run_one_twice() {
    use crate::sources::{FeedServer, Reply, feed};
    let Some(server) = pointe_testdata::database_url() else {
        return;
    };
    let db = Database::new(&server);
    let (a, b) = two_nodes(&db);
    let shops: Vec<FeedServer> = (0..6)
        .map(|i| {
            FeedServer::start(Reply::Feed {
                body: feed(300, 20 + i),
                etag: format!("\"v{i}\""),
            })
        })
        .collect();
    for (i, shop) in shops.iter().enumerate() {
        a.run(&[
            "source",
            "add",
            &format!("shop-{i}"),
            &shop.url,
            "--every",
            "1h",
        ])
        .expect_code(0);
    }
    // Both nodes run their schedulers at once over the one database.
    let _first = a.daemon(Stdio::null());
    let _second = b.daemon(Stdio::null());
    let deadline = Instant::now() + Duration::from_secs(60);
    while counts(&db).3 < shops.len() as i64 {
        assert!(
            Instant::now() < deadline,
            "the sources did not all run: {:?}",
            counts(&db)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Give a second run, were one to come, the time to show itself.
    std::thread::sleep(Duration::from_secs(2));
    let fetched: Vec<usize> = shops.iter().map(|s| s.requests().len()).collect();
    assert_eq!(fetched, vec![1; shops.len()], "each source fetched once");
    assert_eq!(counts(&db), (1800, 1800, 0, 6));
}

/// Counts in the shared database: offers, price points, offers without exactly one point,
/// and completed ingests.
fn counts(db: &Database) -> (i64, i64, i64, i64) {
    let mut client = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    // One statement, so one snapshot: a commit between separate reads would mix states.
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM offers), (SELECT count(*) FROM price_points), \
             (SELECT count(*) FROM offers o WHERE (SELECT count(*) FROM price_points p \
             WHERE p.offer_key = o.key) <> 1), \
             (SELECT count(*) FROM ingests WHERE accepted IS NOT NULL)",
            &[],
        )
        .unwrap();
    (row.get(0), row.get(1), row.get(2), row.get(3))
}

#[test]
fn a_node_killed_mid_ingest_loses_nothing_and_another_runs_the_source_again() {
    use crate::sources::{FeedServer, Reply, feed};
    let Some(server) = pointe_testdata::database_url() else {
        return;
    };
    let db = Database::new(&server);
    let rows = 6_000;
    let shop = FeedServer::start(Reply::Feed {
        body: feed(rows, 30),
        etag: "\"v1\"".into(),
    });
    let (a, b) = two_nodes(&db);
    a.run(&["source", "add", "shop", &shop.url, "--every", "1h"])
        .expect_code(0);
    let first = a.daemon(Stdio::null());
    let second = b.daemon(Stdio::null());
    let deadline = Instant::now() + Duration::from_secs(30);
    while shop.requests().is_empty() {
        assert!(Instant::now() < deadline, "no node fetched the feed");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The node that claimed the source is killed once it is writing the feed (in one
    // transaction: a session of the database holds a transaction id).
    let mut watcher = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    loop {
        let writing: i64 = watcher
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap()
            .get(0);
        if writing > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no node wrote");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    let owner: String = watcher
        .query_one("SELECT owner FROM jobs WHERE name = 'source:shop'", &[])
        .unwrap()
        .get(0);
    let (mut dead, _alive) = match owner.ends_with(&format!(":{}", first.0.id())) {
        true => (first, second),
        false => (second, first),
    };
    assert!(owner.ends_with(&format!(":{}", dead.0.id())), "{owner}");
    let killed = Instant::now();
    dead.0.kill().unwrap();
    dead.0.wait().unwrap();
    assert_eq!(
        counts(&db),
        (0, 0, 0, 0),
        "nothing of the killed ingest is kept"
    );
    // The other node claims the source again once the dead node's lease runs out, and runs
    // it, still due.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (offers, points, odd, ingests) = counts(&db);
        if ingests > 0 {
            assert_eq!(
                (offers, points, odd, ingests),
                (rows as i64, rows as i64, 0, 1)
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no node ran the source again: {:?}",
            counts(&db)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        killed.elapsed() >= Duration::from_secs(LEASE_SECS) - Duration::from_millis(500),
        "claimed again only once the lease ran out"
    );
    assert_eq!(shop.requests().len(), 2, "one download by each node");
    // Its run recorded, the job is finished: no lease on it, due again in an hour.
    let finished = "SELECT count(*) FROM jobs WHERE name = 'source:shop' AND owner IS NULL";
    while watcher.query_one(finished, &[]).unwrap().get::<_, i64>(0) == 0 {
        assert!(Instant::now() < deadline, "the job was never finished");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How many alerts a `watch check -o json` raised.
fn alerts_raised(check: &Run) -> usize {
    assert_eq!(check.code, 0, "{}", check.stderr);
    check.json()["alerts"].as_array().unwrap().len()
}

/// An embedded data directory with a little of everything: two days of a catalog (one pick
/// gone out of stock), the Balletcore edit watched, its alert, a token and a source.
fn embedded_catalog() -> (Env, String) {
    use crate::edit::{create_balletcore, item_id_of};
    let mut env = Env::new();
    let feed_path = env.dir.path().join("catalog.awin.csv");
    let original = std::fs::read_to_string(crate::sample("catalog.awin.csv")).unwrap();
    std::fs::write(&feed_path, &original).unwrap();
    let feed = feed_path.display().to_string();
    env.run(&["ingest", "--seen-at", "2025-12-26", &feed])
        .expect_code(0);
    let edit = create_balletcore(&env, &[]);
    env.run(&["watch", "add", "--edit", "balletcore"])
        .expect_code(0);
    let lost = edit["picks"][0]["product_id"].as_str().unwrap().to_string();
    let item = item_id_of(&env, &lost);
    std::fs::write(&feed_path, crate::watches::out_of_stock(&original, &item)).unwrap();
    env.now = "2026-01-10T09:00:00Z".into();
    env.run(&["ingest", "--seen-at", "2026-01-10", &feed])
        .expect_code(0);
    assert_eq!(
        alerts_raised(&env.run(&["watch", "check", "-o", "json"])),
        1
    );
    env.run(&["token", "create", "cms"]).expect_code(0);
    let url = format!("file://{feed}");
    env.run(&[
        "source",
        "add",
        "shop",
        &url,
        "--every",
        "6h",
        "--retailer",
        "Arket",
    ])
    .expect_code(0);
    (env, lost)
}

#[test]
fn an_embedded_catalog_copied_to_the_server_reads_the_same_and_goes_on_from_there() {
    let Some(server) = pointe_testdata::database_url() else {
        return;
    };
    let (env, lost) = embedded_catalog();
    let db = Database::new(&server);
    let from = format!("sqlite:{}", env.data_dir().display());
    let copied = env
        .run(&["db", "copy", "--from", &from, "--to", &db.url, "-o", "json"])
        .expect_code(0)
        .json();
    let rows = |table: &str| {
        copied["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == table)
            .map(|t| t["rows"].as_u64().unwrap())
            .unwrap()
    };
    let offers = env.run(&["status", "-o", "json"]).expect_code(0).json();
    assert!(rows("products") > 10, "{copied:#}");
    assert_eq!(
        (rows("watches"), rows("alerts"), rows("api_tokens")),
        (1, 1, 1)
    );
    assert_eq!(rows("feed_sources"), 1);
    assert!(rows("price_points") > rows("offers"), "two days of history");
    let mut client = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    let outside: i64 = client
        .query_one("SELECT count(*) FROM price_points_default", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        outside, 0,
        "the copied history lands in its months' partitions"
    );
    let node = Node {
        env: Env {
            dir: tempfile::tempdir().unwrap(),
            now: env.now.clone(),
        },
        url: db.url.clone(),
    };
    for args in [
        vec!["search", "satin ballet flats", "-o", "json"],
        vec!["products", "show", &lost, "-o", "json"],
        vec!["lookalikes", &lost, "-o", "json"],
        vec!["watch", "list", "-o", "json"],
        vec!["alerts", "-o", "json"],
        vec!["token", "list", "-o", "json"],
        vec!["source", "list", "-o", "json"],
    ] {
        let embedded = env.run(&args).expect_code(0).json();
        let shared = node.run(&args).expect_code(0).json();
        assert_eq!(embedded, shared, "pointe {}", args.join(" "));
    }
    let status = node.run(&["status", "-o", "json"]).expect_code(0).json();
    assert_eq!(status["products"], offers["products"]);
    // The copy goes on: new history takes new ids, and the watch's cursor stands (the alert
    // is not raised again).
    let feed = env
        .dir
        .path()
        .join("catalog.awin.csv")
        .display()
        .to_string();
    node.run(&["ingest", "--seen-at", "2026-01-11", &feed])
        .expect_code(0);
    assert_eq!(
        alerts_raised(&node.run(&["watch", "check", "-o", "json"])),
        0
    );
    let again = env.run(&["db", "copy", "--from", &from, "--to", &db.url]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);
}
