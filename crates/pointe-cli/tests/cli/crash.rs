//! Crash safety: a command killed with SIGKILL at a random point, while it ingests or while it
//! builds the search index, leaves the store as it was before or as the finished command
//! leaves it, never in between, and the next command answers as it would after a fresh
//! index build.
//!
//! `POINTE_RELIABILITY_TRIALS` sets the kills of each test (default 20); the kill points are
//! drawn from a seed printed by each test, replayed with `POINTE_CRASH_SEED`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{Env, repo};

/// Products in the feeds: enough that ingesting and indexing them take a while in a debug
/// build, so that kills land inside both.
const ROWS: usize = 1_000;

fn trials() -> usize {
    std::env::var("POINTE_RELIABILITY_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
}

/// A xorshift generator of kill points, seeded from `POINTE_CRASH_SEED` or the clock.
struct KillPoints(u64);

impl KillPoints {
    fn new(test: &str) -> KillPoints {
        let seed = std::env::var("POINTE_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{test}: seed {seed} (set POINTE_CRASH_SEED to replay)");
        KillPoints(seed | 1)
    }

    /// A point uniformly between 0 and `window`.
    fn within(&mut self, window: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        window.mul_f64((self.0 % 1_000) as f64 / 1_000.0)
    }
}

/// A Google Merchant Center TSV feed of `ROWS` distinct products; `cents` is added to every
/// price, so that two feeds of the same items leave tellable states.
fn big_feed(env: &Env, name: &str, cents: usize) -> String {
    let path = env.dir.path().join(name);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(
        out,
        "id\ttitle\tdescription\tlink\tavailability\tprice\tbrand\tcolor"
    )
    .unwrap();
    let colours = ["Black", "Pink", "Ivory", "Red", "Tan"];
    let kinds = [
        "ballet flats",
        "loafers",
        "mules",
        "tote bag",
        "tulle skirt",
    ];
    for i in 0..ROWS {
        let price = (10 + i % 500) * 100 + i % 100 + cents;
        writeln!(
            out,
            "item-{i}\t{} satin {} no. {i}\tA piece with a bow, number {i}.\thttps://shop.example/p/{i}\tin_stock\t{}.{:02} GBP\tBrand {}\t{}",
            colours[i % 5],
            kinds[(i / 5) % 5],
            price / 100,
            price % 100,
            i % 37,
            colours[i % 5]
        )
        .unwrap();
    }
    drop(out);
    path.display().to_string()
}

/// What the store holds, read directly: products, offers, offers in their source's latest
/// ingest, and the sum of the offers' prices (which tells one feed's state from the other's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StoreState {
    products: i64,
    offers: i64,
    current: i64,
    price_sum: i64,
}

fn store_state(env: &Env) -> StoreState {
    let db = rusqlite::Connection::open(env.data_dir().join("pointe.db")).unwrap();
    let count = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    StoreState {
        products: count("SELECT count(*) FROM products"),
        offers: count("SELECT count(*) FROM offers"),
        current: count("SELECT count(*) FROM offers WHERE in_latest = 1"),
        price_sum: count("SELECT coalesce(sum(price_minor), 0) FROM offers"),
    }
}

fn price_points(env: &Env) -> i64 {
    let db = rusqlite::Connection::open(env.data_dir().join("pointe.db")).unwrap();
    db.query_row("SELECT count(*) FROM price_points", [], |r| r.get(0))
        .unwrap()
}

/// What a search answers (hits with their prices and tiers, the total, the facets).
fn search_answer(env: &Env) -> Value {
    let mut answer = env
        .run(&["search", "satin", "flats", "--sort", "price", "-o", "json"])
        .expect_code(0)
        .json();
    for item in answer["items"].as_array_mut().unwrap() {
        item.as_object_mut().unwrap().remove("score");
    }
    answer
}

/// `pointe ARGS` started in `env`, its output discarded.
fn start(env: &Env, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pointe"))
        .args(args)
        .env("POINTE_DATA_DIR", env.data_dir())
        .env("POINTE_NOW", &env.now)
        .env_remove("POINTE_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Kills `child` with SIGKILL after `delay`; whether it had finished by then.
fn kill_after(mut child: Child, delay: Duration) -> bool {
    std::thread::sleep(delay);
    let finished = child.try_wait().unwrap().is_some();
    child.kill().ok();
    child.wait().unwrap();
    finished
}

/// Runs an ingest to its end in `env`: how long until its report (printed once the file is
/// committed) and until it exits (after the index is brought up to date).
fn timed_ingest(env: &Env, feed: &str) -> (Duration, Duration) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pointe"))
        .args(["ingest", feed, "--source", "big"])
        .env("POINTE_DATA_DIR", env.data_dir())
        .env("POINTE_NOW", &env.now)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let committed = started.elapsed();
    assert!(child.wait().unwrap().success());
    (committed, started.elapsed())
}

#[test]
fn an_ingest_killed_at_random_points_leaves_the_store_before_or_after_and_search_answers_as_a_fresh_build()
 {
    // The states and answers a serial run gives: empty, feed A, feed B.
    let reference = Env::new();
    let feeds = [
        big_feed(&reference, "a.tsv", 0),
        big_feed(&reference, "b.tsv", 7),
    ];
    let mut states = vec![store_state_after_check(&reference)];
    let mut answers = vec![search_answer(&reference)];
    let (committed, full) = timed_ingest(&reference, &feeds[0]);
    states.push(store_state(&reference));
    answers.push(search_answer(&reference));
    timed_ingest(&reference, &feeds[1]);
    states.push(store_state(&reference));
    answers.push(search_answer(&reference));
    assert_eq!(states[1].products, ROWS as i64);
    assert_ne!(states[1], states[2]);

    let env = Env::new();
    let feeds = [big_feed(&env, "a.tsv", 0), big_feed(&env, "b.tsv", 7)];
    let mut points = KillPoints::new("ingest crash test");
    eprintln!("an ingest commits after {committed:?} and ends after {full:?}");
    // Kills from the start to a little past the commit, into the index update (the other
    // test kills index builds all through).
    let window = committed + (full - committed) / 4;
    let (mut state, mut changes) = (0, 0);
    let mut outcomes = [0; 3];
    for trial in 0..trials() {
        let target = if state == 1 { 2 } else { 1 };
        let delay = points.within(window);
        let child = start(&env, &["ingest", &feeds[target - 1], "--source", "big"]);
        let finished = kill_after(child, delay);
        let check = env.run(&["check"]);
        assert_eq!(check.stdout.trim(), "ok", "trial {trial}: {}", check.stdout);
        let found = store_state(&env);
        assert!(
            found == states[state] || found == states[target],
            "trial {trial}: killed after {delay:?}, the store holds {found:?}, neither {:?} nor {:?}",
            states[state],
            states[target]
        );
        let outcome = if found == states[state] {
            0
        } else {
            state = target;
            changes += 1;
            if finished { 2 } else { 1 }
        };
        outcomes[outcome] += 1;
        // Every committed ingest changed every price once; a killed one left none.
        assert_eq!(price_points(&env), changes * ROWS as i64, "trial {trial}");
        assert_eq!(search_answer(&env), answers[state], "trial {trial}");
    }
    eprintln!(
        "{} kills: {} before the commit, {} after it (during the index update), {} after the end",
        trials(),
        outcomes[0],
        outcomes[1],
        outcomes[2]
    );
    assert!(
        outcomes[0] + outcomes[1] > 0,
        "no ingest was killed mid-way; the feed is too small"
    );
}

/// The state of a store no command has written to yet.
fn store_state_after_check(env: &Env) -> StoreState {
    assert_eq!(env.run(&["check"]).stdout.trim(), "ok");
    store_state(env)
}

/// `<data-dir>/tiers.toml`: the bundled tiers with the rupee luxury band moved by `k`
/// rupees. No product is priced in rupees, so every answer stays; the index, built with other
/// tiers, is stale.
fn write_tiers(env: &Env, k: usize) {
    let bundled =
        std::fs::read_to_string(repo().join("crates/pointe-core/data/tiers.toml")).unwrap();
    assert!(bundled.contains("from = \"25000\""));
    let moved = bundled.replace("from = \"25000\"", &format!("from = \"{}\"", 25_001 + k));
    std::fs::write(env.data_dir().join("tiers.toml"), moved).unwrap();
}

/// `CURRENT` names a complete version: the one the killed build replaced, or its own once
/// it got as far as publishing it.
fn assert_live_version_complete(env: &Env, trial: usize) {
    let index = env.data_dir().join("index");
    let live = std::fs::read_to_string(index.join("CURRENT")).unwrap();
    let dir = index.join(live.trim());
    for file in ["pointe-index.json", "meta.json", "readers.lock"] {
        assert!(
            dir.join(file).exists(),
            "trial {trial}: {} lacks {file}",
            dir.display()
        );
    }
}

/// The version directories of the index.
fn versions(env: &Env) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(env.data_dir().join("index"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "CURRENT" && n != "build.lock")
        .collect();
    names.sort();
    names
}

#[test]
fn an_index_build_killed_at_random_points_leaves_the_last_good_index_and_the_next_search_answers_as_a_fresh_build()
 {
    let env = Env::new();
    let feed = big_feed(&env, "a.tsv", 0);
    env.run(&["ingest", &feed, "--source", "big"])
        .expect_code(0);
    let state = store_state(&env);
    let answer = search_answer(&env);
    write_tiers(&env, 0);
    let started = Instant::now();
    let rebuilt = env.run(&["search", "satin", "-o", "json"]).expect_code(0);
    let full = started.elapsed();
    assert!(rebuilt.stderr.contains("rebuilt"), "{}", rebuilt.stderr);

    let mut points = KillPoints::new("index build crash test");
    eprintln!("a search that rebuilds the index ends after {full:?}");
    let mut killed = 0;
    for trial in 0..trials() {
        write_tiers(&env, trial + 1);
        // Some kills come after the end.
        let delay = points.within(full.mul_f64(1.1));
        if !kill_after(start(&env, &["search", "satin", "-o", "json"]), delay) {
            killed += 1;
        }
        assert_eq!(env.run(&["check"]).stdout.trim(), "ok", "trial {trial}");
        assert_eq!(store_state(&env), state, "trial {trial}");
        assert_live_version_complete(&env, trial);
        assert_eq!(
            search_answer(&env),
            answer,
            "trial {trial}: killed after {delay:?}"
        );
    }
    eprintln!("{} kills: {killed} during the build", trials());
    assert!(
        killed > 0,
        "no build was killed mid-way; the catalog is too small"
    );
    // The next build removes what the killed ones left.
    write_tiers(&env, 0);
    search_answer(&env);
    assert_eq!(versions(&env).len(), 1, "{:?}", versions(&env));
}

/// The store generation the live index's last commit reflects, read from its files (the
/// payload of tantivy's `meta.json`), without opening it.
fn index_generation(env: &Env) -> u64 {
    let index = env.data_dir().join("index");
    let live = std::fs::read_to_string(index.join("CURRENT")).unwrap();
    let meta = std::fs::read_to_string(index.join(live.trim()).join("meta.json")).unwrap();
    let meta: Value = serde_json::from_str(&meta).unwrap();
    let payload: Value = serde_json::from_str(meta["payload"].as_str().unwrap()).unwrap();
    payload["generation"].as_u64().unwrap()
}

fn store_generation(env: &Env) -> u64 {
    let db = rusqlite::Connection::open(env.data_dir().join("pointe.db")).unwrap();
    db.query_row("SELECT value FROM meta WHERE key = 'generation'", [], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap() as u64
}

#[test]
fn an_index_catch_up_killed_at_random_points_leaves_one_generation_and_the_next_search_catches_up()
{
    let env = Env::new();
    let feeds = [big_feed(&env, "a.tsv", 0), big_feed(&env, "b.tsv", 7)];
    timed_ingest(&env, &feeds[0]);
    let mut answers = vec![search_answer(&env)];
    // With an index to catch up.
    let (_, full) = timed_ingest(&env, &feeds[1]);
    answers.push(search_answer(&env));
    assert_ne!(answers[0], answers[1]);
    eprintln!("an ingest and its catch-up end after {full:?}");

    let mut points = KillPoints::new("index catch-up crash test");
    let (mut state, mut behind, mut caught) = (1, 0, 0);
    for trial in 0..trials() {
        let target = 1 - state;
        let before = store_generation(&env);
        assert_eq!(index_generation(&env), before, "trial {trial}");
        let delay = points.within(full);
        let child = start(&env, &["ingest", &feeds[target], "--source", "big"]);
        kill_after(child, delay);
        let now = store_generation(&env);
        if now == before {
            // Killed before the commit: nothing changed.
            assert_eq!(index_generation(&env), before, "trial {trial}");
        } else {
            state = target;
            let reached = index_generation(&env);
            assert!(
                reached == before || reached == now,
                "trial {trial}: killed after {delay:?}, the index is at generation {reached}, \
                 neither {before} nor {now}"
            );
            behind += usize::from(reached == before);
            caught += usize::from(reached == now);
        }
        assert_eq!(search_answer(&env), answers[state], "trial {trial}");
        assert_eq!(
            index_generation(&env),
            store_generation(&env),
            "trial {trial}"
        );
    }
    eprintln!(
        "{} kills: {behind} after the store's commit left the index a generation behind, \
         {caught} found it caught up",
        trials()
    );
    assert!(
        behind > 0,
        "no kill landed between the store's commit and the index's"
    );
}
