//! `pointe attributes explain|extract`, attributes stored with products, and `pointe reextract`.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::{Env, sample};

#[test]
fn explain_reads_ballet_pumps_as_flats_in_the_uk_and_pumps_as_court_shoes_in_the_us() {
    let env = Env::new();
    let uk = env
        .run(&[
            "attributes",
            "explain",
            "Leather Bow Ballet Pumps",
            "-o",
            "json",
        ])
        .expect_code(0)
        .json();
    assert_eq!(uk["category"], "ballet_flats");
    let words: Vec<(String, String)> = ["material", "detail"]
        .iter()
        .flat_map(|dim| uk["values"][dim].as_array().unwrap().clone())
        .map(|e| {
            (
                e["value"].as_str().unwrap().to_string(),
                e["evidence"][0]["matched"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        words.contains(&("leather".into(), "Leather".into())),
        "{words:?}"
    );
    assert!(words.contains(&("bow".into(), "Bow".into())), "{words:?}");

    let us = env
        .run(&[
            "attributes",
            "explain",
            "Black suede pumps",
            "--market",
            "US",
            "-o",
            "json",
        ])
        .expect_code(0)
        .json();
    assert_eq!(us["category"], "court_shoes");
    let text = env
        .run(&["attributes", "explain", "Satin ballet flats, no bow"])
        .expect_code(0);
    assert!(
        text.stdout.contains("category: ballet_flats"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains("bow —"), "{}", text.stdout);
    env.run(&["attributes", "explain", "flats", "--market", "FR"])
        .expect_code(1);
}

#[test]
fn extract_writes_one_json_object_per_input_line_or_csv_row() {
    let env = Env::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pointe"))
        .args(["attributes", "extract"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Blush satin ballet flats\nQuilted leather shoulder bag with chain strap\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["input"], "Blush satin ballet flats");
    assert_eq!(lines[0]["category"], "ballet_flats");
    assert_eq!(lines[0]["colour_family"], "pink");
    assert_eq!(
        lines[0]["attributes"]["material"],
        serde_json::json!(["satin"])
    );
    assert_eq!(lines[1]["category"], "shoulder_bags");
    assert!(
        lines[1]["attributes"]["detail"]
            .as_array()
            .unwrap()
            .contains(&"quilted".into())
            || lines[1]["attributes"]["detail"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d.as_str().unwrap().contains("quilt")),
        "{}",
        lines[1]
    );

    let csv = env.write(
        "titles.csv",
        "id,name\n1,Ivory tulle midi skirt\n2,\"Tan suede loafers, horsebit\"\n",
    );
    let run = env
        .run(&["attributes", "extract", "--csv", &csv, "--column", "name"])
        .expect_code(0);
    let rows: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["colour_family"], "white");
    assert_eq!(rows[1]["category"], "loafers");
    let missing = env
        .run(&["attributes", "extract", "--csv", &csv, "--column", "title"])
        .expect_code(1);
    assert!(
        missing.stderr.contains("no column \"title\""),
        "{}",
        missing.stderr
    );
}

#[test]
fn products_carry_attributes_with_evidence_and_reextract_follows_a_taxonomy_edit() {
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    let pumps = env
        .run(&["products", "show", "seed-004", "-o", "json"])
        .expect_code(0)
        .json();
    let attrs = &pumps["attributes"];
    assert_eq!(attrs["category"], "ballet_flats");
    let details: Vec<&str> = attrs["values"]["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["value"].as_str().unwrap())
        .collect();
    assert!(details.contains(&"bow"), "{details:?}");

    // Nothing to do while the taxonomy is unchanged.
    let same = env.run(&["reextract", "-o", "json"]).expect_code(0).json();
    assert_eq!(same["products"], 24);
    assert_eq!(same["changed"], 0);
    assert_eq!(same["current"], 24);

    // A user's taxonomy that no longer knows bows: the next reextract drops them.
    let bundled =
        std::fs::read_to_string(crate::repo().join("crates/pointe-core/data/taxonomy.toml"))
            .unwrap();
    let edited = bundled.replace("id = \"bow\"", "id = \"bow_knot\"");
    assert_ne!(edited, bundled, "the taxonomy has a bow value");
    std::fs::write(env.data_dir().join("taxonomy.toml"), edited).unwrap();
    let redo = env.run(&["reextract", "-o", "json"]).expect_code(0).json();
    assert_eq!(redo["products"], 24);
    assert!(redo["changed"].as_u64().unwrap() >= 5, "{redo}");
    let pumps = env
        .run(&["products", "show", "seed-004", "-o", "json"])
        .expect_code(0)
        .json();
    let details: Vec<&str> = pumps["attributes"]["values"]["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["value"].as_str().unwrap())
        .collect();
    assert!(
        details.contains(&"bow_knot") && !details.contains(&"bow"),
        "{details:?}"
    );
}
