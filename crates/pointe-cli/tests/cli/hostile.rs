//! Hostile input, generated in code, against every feed format and every trend layout: each
//! layout × truncation, compression bombs, huge fields and words, control characters, bad
//! encodings, absurd numbers, duplicate columns and unclosed quotes.
//!
//! Every input must be read without a panic, in at most 256 MB of peak memory (measured by GNU
//! `time`, which `scripts/test` installs), and end in a clear error naming the file or in a
//! report that flags what was wrong (a rejection or a warning); a refused file leaves the store
//! as it was (`products list` / `trends list` before and after).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::{Env, Run, sample};

/// The most memory one run may take, in KiB.
const MAX_RSS_KIB: u64 = 256 * 1024;

/// GNU time, which reports a child's peak resident memory.
const GNU_TIME: &str = "/usr/bin/time";

/// Runs `pointe ARGS` in `env` under GNU time: the run and its peak memory in KiB.
fn measured(env: &Env, args: &[&str]) -> (Run, u64) {
    assert!(
        Path::new(GNU_TIME).exists(),
        "{GNU_TIME} is needed to measure peak memory: `apt-get install time` (scripts/test does)"
    );
    let report = env.dir.path().join("rss.txt");
    let out = Command::new(GNU_TIME)
        .args(["-f", "%M", "-o"])
        .arg(&report)
        .arg(env!("CARGO_BIN_EXE_pointe"))
        .args(args)
        .current_dir(env.dir.path())
        .env("POINTE_DATA_DIR", env.data_dir())
        .env("POINTE_NOW", &env.now)
        .env_remove("POINTE_LOG")
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&report).unwrap();
    let kib = text
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in {text:?}"));
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    (run, kib)
}

/// One hostile input: a name for messages, the file's bytes, and the arguments that read it.
struct Case {
    name: String,
    class: String,
    file: String,
    bytes: Vec<u8>,
}

/// What a command must show for an input to pass.
fn check(case: &Case, run: &Run, kib: u64, before: &str, after: &str) {
    eprintln!(
        "hostile: {} → exit {}, {kib} KiB at peak",
        case.name, run.code
    );
    let what = format!(
        "{}\nexit {}\nstdout:\n{}\nstderr:\n{}",
        case.name,
        run.code,
        clip(&run.stdout),
        clip(&run.stderr)
    );
    assert!([0, 1, 3].contains(&run.code), "not a clean exit: {what}");
    assert!(!run.stderr.contains("panicked"), "a panic: {what}");
    assert!(kib <= MAX_RSS_KIB, "{kib} KiB at peak: {what}");
    if run.code == 1 {
        assert!(
            run.stderr.contains("error: ") && run.stderr.contains(&case.file),
            "an error that does not name the file: {what}"
        );
        assert_eq!(before, after, "the store changed on a refused file: {what}");
    } else {
        assert!(flagged(&run.stdout), "nothing flagged: {what}");
    }
}

/// Whether an ingest's JSON report flags a rejection or a warning (trend imports have no
/// report of rejections: an accepted trend file flags nothing).
fn flagged(stdout: &str) -> bool {
    let Ok(json) = serde_json::from_str::<Value>(stdout) else {
        return false;
    };
    json["items"].as_array().is_some_and(|items| {
        items.iter().any(|r| {
            r.get("layout").is_some()
                || r["rejected"].as_u64().unwrap_or(0) > 0
                || r["warning_count"].as_u64().unwrap_or(0) > 0
        })
    })
}

fn clip(text: &str) -> String {
    text.chars().take(2000).collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A gzip member holding 16 MiB of line breaks, compressed once: 300 of them one after
/// another inflate to 4.8 GB from some 5 MB.
fn blank_member() -> &'static [u8] {
    static MEMBER: OnceLock<Vec<u8>> = OnceLock::new();
    MEMBER.get_or_init(|| gzip(&vec![b'\n'; 16 * 1024 * 1024]))
}

/// The gzip of `head`, then 4.8 GB of blank lines as 300 more members.
fn bomb(head: &[u8]) -> Vec<u8> {
    let mut bytes = gzip(head);
    for _ in 0..300 {
        bytes.extend_from_slice(blank_member());
    }
    bytes
}

/// A row of a feed: what the hostile classes change.
#[derive(Clone)]
struct Row {
    id: String,
    title: String,
    description: String,
    price: String,
}

impl Row {
    fn plain(i: usize) -> Row {
        Row {
            id: format!("h-{i}"),
            title: format!("Satin ballet flats {i}"),
            description: "Ballet flats in pale pink satin with a bow.".into(),
            price: "45.00".into(),
        }
    }
}

/// A feed format: how its file starts, reads a row and ends, and how it is ingested.
struct Feed {
    name: &'static str,
    file: &'static str,
    args: Vec<String>,
    head: String,
    row: fn(&Row) -> String,
    tail: &'static str,
    /// A header (or item) that gives one field twice.
    duplicate: fn(&Feed) -> String,
}

impl Feed {
    fn file_of(&self, rows: &[Row]) -> String {
        let body: Vec<String> = rows.iter().map(|r| (self.row)(r)).collect();
        let sep = if self.name == "shopify" { ",\n" } else { "" };
        format!("{}{}{}", self.head, body.join(sep), self.tail)
    }

    fn rows(n: usize) -> Vec<Row> {
        (1..=n).map(Row::plain).collect()
    }

    /// The file of `n` plain rows with `row` as the second.
    fn with(&self, row: Row) -> String {
        let mut rows = Feed::rows(4);
        rows.insert(1, row);
        self.file_of(&rows)
    }

    fn delimited(&self) -> bool {
        !matches!(self.name, "gmc-rss" | "gmc-atom" | "shopify")
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn json_text(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

fn feeds(dir: &Path) -> Vec<Feed> {
    let mapping = dir.join("hostile.mapping.toml");
    std::fs::write(
        &mapping,
        "[columns]\nid = \"sku\"\ntitle = \"name\"\ndescription = \"notes\"\nprice = \"cost\"\n\
         [constants]\ncurrency = \"GBP\"\navailability = \"in_stock\"\n",
    )
    .unwrap();
    let gbp = vec!["--currency".to_string(), "GBP".to_string()];
    vec![
        Feed {
            name: "gmc-tsv",
            file: "hostile.gmc.tsv",
            args: gbp.clone(),
            head: "id\ttitle\tdescription\tprice\tavailability\n".into(),
            row: |r| format!("{}\t{}\t{}\t{}\tin stock\n", r.id, r.title, r.description, r.price),
            tail: "",
            duplicate: |f| f.file_of(&Feed::rows(3)).replacen("availability\n", "availability\tprice\n", 1),
        },
        Feed {
            name: "gmc-csv",
            file: "hostile.gmc.csv",
            args: gbp.clone(),
            head: "id,title,description,price,availability\n".into(),
            row: |r| format!("{},{},{},{},in stock\n", r.id, r.title, r.description, r.price),
            tail: "",
            duplicate: |f| f.file_of(&Feed::rows(3)).replacen("availability\n", "availability,price\n", 1),
        },
        Feed {
            name: "gmc-rss",
            file: "hostile.rss.xml",
            args: gbp.clone(),
            head: "<?xml version=\"1.0\"?>\n<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel><title>Shop</title>\n".into(),
            row: |r| format!(
                "<item><g:id>{}</g:id><g:title>{}</g:title><g:description>{}</g:description><g:price>{}</g:price><g:availability>in stock</g:availability></item>\n",
                xml_escape(&r.id), xml_escape(&r.title), xml_escape(&r.description), xml_escape(&r.price)
            ),
            tail: "</channel></rss>\n",
            duplicate: |f| f.file_of(&Feed::rows(3)).replacen("</g:price>", "</g:price><g:price>12.00</g:price>", 1),
        },
        Feed {
            name: "gmc-atom",
            file: "hostile.atom.xml",
            args: gbp.clone(),
            head: "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:g=\"http://base.google.com/ns/1.0\"><title>Shop</title>\n".into(),
            row: |r| format!(
                "<entry><g:id>{}</g:id><title>{}</title><summary>{}</summary><link href=\"https://shop.example/p\"/><g:price>{}</g:price><g:availability>in stock</g:availability></entry>\n",
                xml_escape(&r.id), xml_escape(&r.title), xml_escape(&r.description), xml_escape(&r.price)
            ),
            tail: "</feed>\n",
            duplicate: |f| f.file_of(&Feed::rows(3)).replacen("</g:id>", "</g:id><g:id>other</g:id>", 1),
        },
        Feed {
            name: "awin-publisher",
            file: "hostile.awin.csv",
            args: gbp.clone(),
            head: "aw_product_id,merchant_name,product_name,description,search_price,merchant_deep_link\n".into(),
            row: |r| format!("{},Shop,{},{},{},https://shop.example/p\n", r.id, r.title, r.description, r.price),
            tail: "",
            duplicate: |f| f.file_of(&Feed::rows(3)).replacen("merchant_deep_link\n", "merchant_deep_link,search_price\n", 1),
        },
        Feed {
            name: "awin-advertiser",
            file: "hostile.advertiser.csv",
            args: gbp.clone(),
            head: "product_id,product_name,description,price,deep_link\n".into(),
            row: |r| format!("{},{},{},{},https://shop.example/p\n", r.id, r.title, r.description, r.price),
            tail: "",
            duplicate: |f| f.file_of(&Feed::rows(3)).replacen("deep_link\n", "deep_link,product_url\n", 1),
        },
        Feed {
            name: "shopify",
            file: "hostile.products.json",
            args: gbp,
            head: "{\"products\":[\n".into(),
            row: |r| format!(
                "{{\"id\":{},\"title\":{},\"handle\":\"flats\",\"body_html\":{},\"variants\":[{{\"id\":{},\"price\":{},\"available\":true}}]}}",
                json_text(&r.id), json_text(&r.title), json_text(&r.description), json_text(&format!("v{}", r.id)), json_text(&r.price)
            ),
            tail: "]}\n",
            // Two variants with one id: the second is a duplicate item.
            duplicate: |f| f.file_of(&Feed::rows(3)).replacen("\"available\":true}", "\"available\":true},{\"id\":\"vh-1\",\"price\":\"1\",\"available\":true}", 1),
        },
        Feed {
            name: "mapped",
            file: "hostile.mapped.csv",
            args: vec!["--mapping".into(), mapping.display().to_string()],
            head: "sku,name,notes,cost\n".into(),
            row: |r| format!("{},{},{},{}\n", r.id, r.title, r.description, r.price),
            tail: "",
            duplicate: |f| f.file_of(&Feed::rows(3)).replacen("cost\n", "cost,cost\n", 1),
        },
    ]
}

/// Every hostile input of a feed format.
fn feed_cases(feed: &Feed) -> Vec<Case> {
    let case = |class: &str, bytes: Vec<u8>| Case {
        name: format!("{} × {class}", feed.name),
        class: class.to_string(),
        file: format!("{class}.{}", feed.file),
        bytes,
    };
    let valid = feed.file_of(&Feed::rows(50)).into_bytes();
    // Cut inside a row, a few bytes after its title starts (a file cut inside its last field
    // cannot be told from one saved without a final line break).
    let cut = find(&valid, b"Satin ballet flats 31") + 8;
    let long_word = "w".repeat(70_000);
    let mut cases = vec![
        case("truncated", valid[..cut].to_vec()),
        case(
            "truncated-gzip",
            gzip(&valid)[..gzip(&valid).len() * 3 / 5].to_vec(),
        ),
        case(
            "bomb",
            bomb(
                feed.file_of(&Feed::rows(1))
                    .trim_end_matches(feed.tail)
                    .as_bytes(),
            ),
        ),
        case(
            "huge-field",
            feed.with(Row {
                description: "d".repeat(2 * 1024 * 1024),
                ..Row::plain(90)
            })
            .into_bytes(),
        ),
        case(
            "huge-word",
            feed.with(Row {
                title: format!("Satin {long_word} flats"),
                ..Row::plain(90)
            })
            .into_bytes(),
        ),
        case(
            "control-characters",
            feed.with(Row {
                title: "Satin\u{1b}[31m flats\u{202E}\u{7}".into(),
                ..Row::plain(90)
            })
            .into_bytes(),
        ),
        case(
            "latin-1",
            feed.with(Row {
                title: "Escarpins ros@@E9@@".into(),
                ..Row::plain(90)
            })
            .replace("@@E9@@", "\u{0}")
            .into_bytes()
            .into_iter()
            .map(|b| if b == 0 { 0xE9 } else { b })
            .collect(),
        ),
        case("utf-16", utf16(&feed.file_of(&Feed::rows(3)))),
        case("absurd-numbers", absurd(feed).into_bytes()),
        case("duplicate-columns", (feed.duplicate)(feed).into_bytes()),
    ];
    cases.push(case("unclosed-quote", unclosed(feed).into_bytes()));
    cases
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

fn utf16(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes
}

/// Prices past every bound: beyond `i64`, exponents, negative, not a number.
fn absurd(feed: &Feed) -> String {
    let rows: Vec<Row> = [
        "99999999999999999999999.99",
        "1e308",
        "-5.00",
        "NaN",
        "9223372036854775807",
    ]
    .iter()
    .enumerate()
    .map(|(i, price)| Row {
        price: (*price).to_string(),
        ..Row::plain(i + 1)
    })
    .collect();
    feed.file_of(&rows)
}

/// A quote opened and never closed: a delimited field, an XML attribute, a JSON string.
fn unclosed(feed: &Feed) -> String {
    let text = if feed.delimited() {
        feed.with(Row {
            title: "\"Satin flats".into(),
            ..Row::plain(90)
        })
    } else {
        feed.file_of(&Feed::rows(5))
    };
    match feed.name {
        "gmc-rss" | "gmc-atom" => text.replacen("<g:id>h-2", "<g:id lang=\"en>h-2", 1),
        "shopify" => text.replacen("\"h-2\"", "\"h-2", 1),
        _ => text,
    }
}

/// The catalog as `products list` shows it.
fn catalog(env: &Env) -> String {
    env.run(&["products", "list", "--limit", "1000", "-o", "json"])
        .expect_code(0)
        .stdout
}

fn write(env: &Env, case: &Case) -> PathBuf {
    let path = env.dir.path().join(&case.file);
    std::fs::write(&path, &case.bytes).unwrap();
    path
}

fn run_feed(name: &str) {
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    let feeds = feeds(env.dir.path());
    let feed = feeds.iter().find(|f| f.name == name).unwrap();
    for case in feed_cases(feed) {
        let path = write(&env, &case);
        let before = catalog(&env);
        let mut args = vec!["ingest", "-o", "json"];
        args.extend(feed.args.iter().map(String::as_str));
        args.push(path.to_str().unwrap());
        let (run, kib) = measured(&env, &args);
        check(&case, &run, kib, &before, &catalog(&env));
        std::fs::remove_file(path).unwrap();
    }
}

#[test]
fn hostile_gmc_tsv() {
    run_feed("gmc-tsv");
}

#[test]
fn hostile_gmc_csv() {
    run_feed("gmc-csv");
}

#[test]
fn hostile_gmc_rss() {
    run_feed("gmc-rss");
}

#[test]
fn hostile_gmc_atom() {
    run_feed("gmc-atom");
}

#[test]
fn hostile_awin_publisher() {
    run_feed("awin-publisher");
}

#[test]
fn hostile_awin_advertiser() {
    run_feed("awin-advertiser");
}

#[test]
fn hostile_shopify() {
    run_feed("shopify");
}

#[test]
fn hostile_mapped() {
    run_feed("mapped");
}

#[test]
fn a_gzip_of_blank_lines_takes_bounded_memory_and_names_the_file() {
    let env = Env::new();
    let head = b"id\ttitle\tprice\tavailability\n1\tFlats\t10.00 GBP\tin stock\n";
    let path = env.dir.path().join("blank-lines.tsv.gz");
    std::fs::write(&path, bomb(head)).unwrap();
    let (run, kib) = measured(&env, &["ingest", path.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "error: {}: the gzip data inflates more than 100 times",
            path.display()
        )),
        "{}",
        run.stderr
    );
    assert!(kib <= MAX_RSS_KIB, "{kib} KiB");
}

#[test]
fn a_mapping_of_dev_zero_is_refused_within_its_cap() {
    let env = Env::new();
    let feed = env.write("f.csv", "sku,name,cost\n1,Flats,10\n");
    let (run, kib) = measured(&env, &["ingest", "--mapping", "/dev/zero", &feed]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "--mapping: /dev/zero: larger than 4194304 bytes: a configuration file is a few kilobytes"
        ),
        "{}",
        run.stderr
    );
    assert!(kib <= MAX_RSS_KIB, "{kib} KiB");
}

/// A trend layout: its file's start and how one dated point reads.
struct Trend {
    name: &'static str,
    head: &'static str,
    row: fn(&str, &str, &str) -> String,
    /// Whether the terms are in the header (one column per term).
    wide: bool,
}

fn trends() -> Vec<Trend> {
    vec![
        Trend {
            name: "google-classic",
            head: "Category: All categories\n\nWeek,balletcore: (United States)\n",
            row: |_, date, value| format!("{date},{value}\n"),
            wide: true,
        },
        Trend {
            name: "google-quoted",
            head: "\"Time\",\"Balletcore\"\n",
            row: |_, date, value| format!("\"{date}\",{value}\n"),
            wide: true,
        },
        Trend {
            name: "google-related",
            head: "Category: All categories\n\n\"balletcore: (1/1/23 - 12/31/23, Worldwide)\"\n\nTOP\n",
            row: |term, _, value| format!("{term},{value}\n"),
            wide: false,
        },
        Trend {
            name: "pytrends",
            head: "date,balletcore,isPartial\n",
            row: |_, date, value| format!("{date},{value},False\n"),
            wide: true,
        },
        Trend {
            name: "pinterest",
            head: "\"Pinterest Trends tool – Top trends\"\nSelected Filters\nRegion,United Kingdom\n\
                   Rank,Trend,Weekly change,Monthly change,Yearly change,2024-04-07,2024-04-14\n",
            row: |term, _, value| format!("1,{term},+10%,+20%,+30%,{value},{value}\n"),
            wide: false,
        },
        Trend {
            name: "term-date-value",
            head: "term,date,value\n",
            row: |term, date, value| format!("{term},{date},{value}\n"),
            wide: false,
        },
        Trend {
            name: "long",
            head: "trend_id,source,week,raw_signal\n",
            row: |term, date, value| format!("{term},google_trends,{date},{value}\n"),
            wide: false,
        },
    ]
}

impl Trend {
    /// A file of `n` weekly points; `point(i)` gives the term and value of the i-th.
    fn file(&self, n: usize, point: impl Fn(usize) -> (String, String)) -> String {
        let start = jiff::civil::date(2020, 1, 5);
        let mut text = self.head.to_string();
        for i in 0..n {
            let date = start
                .checked_add(jiff::Span::new().days(7 * i as i64))
                .unwrap();
            let (term, value) = point(i);
            text.push_str(&(self.row)(&term, &date.to_string(), &value));
        }
        text
    }

    fn plain(&self, n: usize) -> String {
        self.file(n, |i| (format!("term{i}"), ((i * 7) % 100).to_string()))
    }
}

fn trend_cases(trend: &Trend) -> Vec<Case> {
    let case = |class: &str, bytes: Vec<u8>| Case {
        name: format!("{} × {class}", trend.name),
        class: class.to_string(),
        file: format!("{class}.{}.csv", trend.name),
        bytes,
    };
    let valid = trend.plain(60).into_bytes();
    // The hostile term goes where the layout names its terms: the header of a wide layout, a
    // row of a long one.
    let one = |term: String, value: String| {
        let text = trend.file(10, |i| {
            if i == 4 {
                (term.clone(), value.clone())
            } else {
                (format!("term{i}"), "5".into())
            }
        });
        if trend.wide {
            text.replacen("alletcore", &term, 1)
        } else {
            text
        }
    };
    // Cut a few bytes into the 31st point (its date, or the query of a related export).
    let mark = if !trend.wide {
        "term30,".to_string()
    } else {
        "2020-07-26".to_string()
    };
    let cut = find(&valid, mark.as_bytes()) + 6;
    vec![
        case("truncated", valid[..cut].to_vec()),
        case("bomb", bomb(&valid)),
        case(
            "huge-field",
            one("t".repeat(20 * 1024 * 1024), "5".into()).into_bytes(),
        ),
        case("many-cells", {
            let mut text = trend.plain(10);
            // Just under the 4 MiB a trend export may hold: two million one-byte cells.
            text.push_str(&"1,".repeat(2 * 1024 * 1024 - 4096));
            text.into_bytes()
        }),
        case(
            "huge-word",
            one("w".repeat(70_000), "5".into()).into_bytes(),
        ),
        case(
            "control-characters",
            one("ballet\u{1b}[31mcore\u{202E}".into(), "5\u{7}".into()).into_bytes(),
        ),
        case(
            "latin-1",
            one("caf@".into(), "5".into())
                .into_bytes()
                .into_iter()
                .map(|b| if b == b'@' { 0xE9 } else { b })
                .collect(),
        ),
        case(
            "absurd-numbers",
            one("term".into(), "1e308".into()).into_bytes(),
        ),
        case(
            "negative",
            one("term".into(), "-99999999999999999999".into()).into_bytes(),
        ),
        case(
            "duplicate-columns",
            trend
                .plain(10)
                .replacen(
                    '\n',
                    ",extra\n",
                    if trend.name == "pinterest" { 4 } else { 1 },
                )
                .into_bytes(),
        ),
        case(
            "unclosed-quote",
            one("\"term".into(), "5".into()).into_bytes(),
        ),
    ]
}

/// The trend series as `trends list` shows them.
fn series(env: &Env) -> String {
    env.run(&["trends", "list", "-o", "json"]).stdout
}

/// Runs every hostile input of a trend layout. A trend import has no rejected rows to report:
/// a file is stored whole or refused. `gaps` are the classes the layout still stores as they
/// come (listed in RELIABILITY.md); every other class must be refused. When a gap is closed,
/// the assertion says so, to take it off the list.
fn run_trend(name: &str, gaps: &[&str]) {
    let env = Env::new();
    let trends = trends();
    let trend = trends.iter().find(|t| t.name == name).unwrap();
    let base = env.write(
        "base.csv",
        "term,date,value\nbase,2024-01-01,1\nbase,2024-01-08,2\n",
    );
    env.run(&["trends", "import", &base]).expect_code(0);
    let mut accepted = Vec::new();
    for case in trend_cases(trend) {
        let path = write(&env, &case);
        let before = series(&env);
        let (run, kib) = measured(
            &env,
            &["trends", "import", "-o", "json", path.to_str().unwrap()],
        );
        if run.code == 0 {
            accepted.push(case.class.clone());
        }
        check(&case, &run, kib, &before, &series(&env));
        std::fs::remove_file(path).unwrap();
    }
    assert_eq!(
        accepted, gaps,
        "{name}: the hostile inputs stored as they came differ from the known gaps"
    );
}

#[test]
fn hostile_trends_google_classic() {
    run_trend("google-classic", &[]);
}

#[test]
fn hostile_trends_google_quoted() {
    run_trend("google-quoted", &[]);
}

#[test]
fn hostile_trends_google_related() {
    run_trend("google-related", &[]);
}

#[test]
fn hostile_trends_pytrends() {
    run_trend("pytrends", &[]);
}

#[test]
fn hostile_trends_pinterest() {
    run_trend("pinterest", &[]);
}

#[test]
fn hostile_trends_term_date_value() {
    run_trend("term-date-value", &[]);
}

#[test]
fn hostile_trends_long() {
    run_trend("long", &[]);
}
