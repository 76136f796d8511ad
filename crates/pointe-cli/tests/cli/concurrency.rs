//! Commands side by side: ingests of four sources, searches, look-alikes and edit creates, all
//! started at once, round after round, on a new and on an existing data directory. No command
//! fails or warns, the store checks out, the catalog ends as a serial run leaves it, and
//! search answers as a fresh build of the index does.
//!
//! `POINTE_RELIABILITY_ROUNDS` sets the rounds of each scenario (default 5; CI runs 10).

use std::fs::File;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use serde_json::Value;

use crate::{Env, Run, sample};

/// Rounds per scenario: `POINTE_RELIABILITY_ROUNDS`, by default 5 (CI runs 10).
fn rounds() -> usize {
    std::env::var("POINTE_RELIABILITY_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
}

/// A GTIN-13 with a valid check digit for the number `n`.
fn gtin13(n: u64) -> String {
    with_check_digit(&format!("{:012}", 500_000_000_000 + n))
}

/// Twelve digits followed by their GS1 check digit.
fn with_check_digit(body: &str) -> String {
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

const COLOURS: [&str; 5] = ["Black", "Pink", "Ivory", "Red", "Tan"];
const PIECES: [&str; 5] = [
    "leather ballet flats",
    "satin ballet flats with a bow",
    "suede loafers",
    "tulle midi skirt",
    "mesh mary janes",
];

/// A Google Merchant Center TSV of `rows` products of one retailer (Arket), each with a GTIN.
fn arket_feed(env: &Env, rows: u64) -> String {
    let mut out =
        String::from("id\ttitle\tdescription\tlink\tavailability\tprice\tbrand\tgtin\tcolor\n");
    for i in 0..rows {
        let colour = COLOURS[(i % 5) as usize];
        let piece = PIECES[(i / 5 % 5) as usize];
        out.push_str(&format!(
            "ark-{i:03}\t{colour} {piece} no. {i}\tA {piece} in {colour}.\thttps://arket.example/p/{i}\tin_stock\t{}.00 GBP\tArket\t{}\t{colour}\n",
            30 + i * 3,
            gtin13(i)
        ));
    }
    env.write("arket.gmc.tsv", &out)
}

/// An Awin CSV of `rows` products of one merchant (Porte); its first ten share their GTINs
/// with the Arket feed, so they join Arket's products whichever feed comes first.
fn porte_feed(env: &Env, rows: u64) -> String {
    let mut out = String::from(
        "aw_product_id,merchant_name,brand_name,product_name,description,search_price,currency,in_stock,colour,ean\n",
    );
    for i in 0..rows {
        let colour = COLOURS[(i % 5) as usize];
        let piece = PIECES[((i + 2) / 5 % 5) as usize];
        let (brand, title, gtin) = if i < 10 {
            (
                "Arket",
                format!("{colour} {} no. {i}", PIECES[(i / 5 % 5) as usize]),
                gtin13(i),
            )
        } else {
            (
                "Porte",
                format!("{colour} {piece} style {i}"),
                gtin13(1_000 + i),
            )
        };
        out.push_str(&format!(
            "porte-{i:03},Porte,{brand},{title},A {piece} in {colour}.,{}.00,GBP,1,{colour},{gtin}\n",
            25 + i * 4
        ));
    }
    env.write("porte.awin.csv", &out)
}

/// The ingest arguments of the four sources.
fn ingests(env: &Env) -> Vec<Vec<String>> {
    vec![
        vec!["ingest".into(), sample("catalog.awin.csv")],
        vec!["ingest".into(), sample("harvey.gmc.xml")],
        vec![
            "ingest".into(),
            arket_feed(env, 40),
            "--retailer".into(),
            "Arket".into(),
        ],
        vec!["ingest".into(), porte_feed(env, 40)],
    ]
}

/// What a round runs at once: four ingests, four searches, four look-alikes, four edit
/// creates. On a new directory a hero may not be stored yet, so look-alikes there are of
/// text.
fn round_commands(env: &Env, new_dir: bool) -> Vec<Vec<String>> {
    let mut out = ingests(env);
    for q in [
        &["satin", "ballet", "flats"][..],
        &["leather"],
        &["bow", "--sort", "price"],
        &["flats", "--brand", "Arket"],
    ] {
        out.push(args(&[&["search", "-o", "json"], q].concat()));
    }
    let texts = [
        "satin ballet flats with a bow",
        "black leather loafers",
        "pink tulle skirt",
        "red mary janes",
    ];
    for (i, text) in texts.iter().enumerate() {
        let hero = if new_dir || i == 3 {
            vec!["--text", text]
        } else {
            vec![["seed-001", "ark-005", "porte-012"][i]]
        };
        out.push(args(&[&["lookalikes", "-o", "json"], &hero[..]].concat()));
    }
    for (i, hero) in ["seed-001", "HC-10442", "ark-005", "porte-012"]
        .iter()
        .enumerate()
    {
        let slug = format!("look-{i}");
        out.push(args(&[
            "edit",
            "create",
            &slug,
            "--title",
            "The look",
            "--hero",
            hero,
            "--replace",
        ]));
    }
    out
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Starts `pointe ARGS` in `env` with its output going to files (a full pipe would stall it).
fn spawn(env: &Env, n: usize, args: &[String]) -> (Child, [std::path::PathBuf; 2]) {
    let out = env.dir.path().join(format!("cmd-{n}.out"));
    let err = env.dir.path().join(format!("cmd-{n}.err"));
    let child = Command::new(env!("CARGO_BIN_EXE_pointe"))
        .args(args)
        .current_dir(env.dir.path())
        .env("POINTE_DATA_DIR", env.data_dir())
        .env("POINTE_NOW", &env.now)
        .env_remove("POINTE_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::from(File::create(&out).unwrap()))
        .stderr(Stdio::from(File::create(&err).unwrap()))
        .spawn()
        .unwrap();
    (child, [out, err])
}

/// Runs every command at once and returns each with its run.
fn all_at_once(env: &Env, commands: &[Vec<String>]) -> Vec<Run> {
    let started: Vec<_> = commands
        .iter()
        .enumerate()
        .map(|(n, a)| spawn(env, n, a))
        .collect();
    started
        .into_iter()
        .map(|(mut child, [out, err])| {
            let status = child.wait().unwrap();
            Run {
                code: status.code().unwrap_or(-1),
                stdout: std::fs::read_to_string(out).unwrap(),
                stderr: std::fs::read_to_string(err).unwrap(),
            }
        })
        .collect()
}

/// How a command answered.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Exit 0 and nothing on stderr but a note that the index was rebuilt (and, for an edit
    /// create, what it left out or that the catalog had fewer picks yet).
    Answered,
    /// An edit create on a new directory whose hero's feed was not committed yet: exit 2,
    /// "no product".
    HeroNotYetStored,
    /// Anything else.
    Failed(String),
}

fn outcome(args: &[String], run: &Run, new_dir: bool) -> Outcome {
    // An edit create tells the editor which look-alikes it left out (no link, out of stock…).
    let create = args[..2] == ["edit", "create"];
    let left_out = |l: &&str| create && l.starts_with("left out: ");
    // On a new directory an edit may be made while the other sources' feeds are still
    // arriving: fewer look-alikes exist yet, and it says so.
    let partial = |l: &&str| {
        new_dir
            && create
            && l.starts_with("warning: only ")
            && l.ends_with(" picks can be bought now")
    };
    let noted = |l: &&str| l.starts_with("note: the search index") || left_out(l) || partial(l);
    let unnoted: Vec<&str> = run.stderr.lines().filter(|l| !noted(l)).collect();
    if run.code == 0 && unnoted.is_empty() {
        return Outcome::Answered;
    }
    if new_dir
        && args[..2] == ["edit", "create"]
        && run.code == 2
        && unnoted.len() == 1
        && unnoted[0].starts_with("error: no product")
    {
        return Outcome::HeroNotYetStored;
    }
    Outcome::Failed(format!(
        "`pointe {}` exited {}\nstderr:\n{}",
        args.join(" "),
        run.code,
        run.stderr
    ))
}

/// A product by its offers (`item@source`, sorted): what makes it the same product whichever
/// source created it. Its id and title are the first source's, which concurrent ingests may
/// change.
fn offers_key(item_ids: &Value) -> String {
    let mut offers: Vec<String> = item_ids
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("{}@{}", i["item_id"], i["source"]))
        .collect();
    offers.sort();
    offers.join(" ")
}

/// The catalog: each product's offers, brand and lowest price.
fn catalog(env: &Env) -> Vec<String> {
    let list = env
        .run(&["products", "list", "--limit", "10000", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(list["total"], list["items"].as_array().unwrap().len());
    let mut lines: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} | {} | {}",
                offers_key(&p["item_ids"]),
                p["brand"],
                p["lowest_price"]
            )
        })
        .collect();
    assert_eq!(list["total"].as_u64().unwrap() as usize, lines.len());
    lines.sort();
    lines
}

/// What a search answers: its total and its hits, in a stable order (equal scores fall in
/// store order, which concurrent ingests may change).
fn search_answer(env: &Env) -> (u64, Vec<String>) {
    let found = env
        .run(&["search", "satin", "flats", "--limit", "1000", "-o", "json"])
        .expect_code(0)
        .json();
    let mut items: Vec<String> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("{} | {}", offers_key(&i["item_ids"]), i["price"]))
        .collect();
    items.sort();
    (found["total"].as_u64().unwrap(), items)
}

fn edit_count(env: &Env) -> usize {
    let edits: Value = env
        .run(&["edit", "list", "-o", "json"])
        .expect_code(0)
        .json();
    edits["items"].as_array().unwrap().len()
}

/// The state a serial run leaves: every source ingested, then every edit created, one
/// command after another.
fn serial_reference() -> (Vec<String>, (u64, Vec<String>)) {
    let env = Env::new();
    for command in round_commands(&env, false) {
        let refs: Vec<&str> = command.iter().map(String::as_str).collect();
        env.run(&refs).expect_code(0);
    }
    assert_eq!(edit_count(&env), 4);
    (catalog(&env), search_answer(&env))
}

/// Runs the rounds on `existing`, or each on a new data directory; returns the failed
/// commands.
fn run_rounds(existing: Option<&Env>) -> Vec<String> {
    let new_dir = existing.is_none();
    let (expected_catalog, expected_search) = serial_reference();
    let (mut failures, mut heroes_not_yet) = (Vec::new(), 0);
    let started = Instant::now();
    for round in 0..rounds() {
        let fresh;
        let env = match existing {
            Some(env) => env,
            None => {
                fresh = Env::new();
                &fresh
            }
        };
        let commands = round_commands(env, new_dir);
        let runs = all_at_once(env, &commands);
        let outcomes: Vec<Outcome> = commands
            .iter()
            .zip(&runs)
            .map(|(a, r)| outcome(a, r, new_dir))
            .collect();
        let not_yet = outcomes
            .iter()
            .filter(|o| **o == Outcome::HeroNotYetStored)
            .count();
        heroes_not_yet += not_yet;
        for o in outcomes {
            if let Outcome::Failed(f) = o {
                failures.push(format!("round {round}: {f}"));
            }
        }
        assert_eq!(env.run(&["check"]).stdout.trim(), "ok", "round {round}");
        assert_eq!(catalog(env), expected_catalog, "round {round}");
        assert_eq!(search_answer(env), expected_search, "round {round}");
        let edits = if existing.is_some() { 4 } else { 4 - not_yet };
        assert_eq!(edit_count(env), edits, "round {round}");
    }
    eprintln!(
        "{} rounds of {} commands at once on {} data directory: {} failed, {} edit creates \
         found their hero not stored yet, {:?}",
        rounds(),
        round_commands(&Env::new(), new_dir).len(),
        if new_dir { "a new" } else { "an existing" },
        failures.len(),
        heroes_not_yet,
        started.elapsed()
    );
    failures
}

#[test]
fn commands_started_together_on_a_new_data_directory_all_succeed() {
    let failures = run_rounds(None);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn commands_started_together_on_an_existing_data_directory_all_succeed() {
    let env = Env::new();
    for command in ingests(&env) {
        let refs: Vec<&str> = command.iter().map(String::as_str).collect();
        env.run(&refs).expect_code(0);
    }
    let failures = run_rounds(Some(&env));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_generated_feeds_carry_valid_gtins() {
    assert_eq!(with_check_digit("400638133393"), "4006381333931");
    assert_eq!(gtin13(7), "5000000000074");
}
