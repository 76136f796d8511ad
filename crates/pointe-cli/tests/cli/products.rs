//! `pointe products list|show`: lookups, exit codes and the rendered output.

use crate::{Env, sample};

fn loaded() -> Env {
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    env.run(&["ingest", &sample("harvey.gmc.xml")])
        .expect_code(0);
    env
}

#[test]
fn a_product_is_found_by_pointe_id_item_id_or_url() {
    let env = loaded();
    let by_item = env
        .run(&["products", "show", "seed-004", "-o", "json"])
        .expect_code(0)
        .json();
    let id = by_item["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("pt-"), "{id}");
    let by_id = env
        .run(&["products", "show", &id, "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(by_id["title"], "Leather Bow Ballet Pumps");
    let by_url = env
        .run(&[
            "products",
            "show",
            "https://shop.example/harvey-and-co/m-and-s-leather-bow-ballet-pumps",
            "-o",
            "json",
        ])
        .expect_code(0)
        .json();
    assert_eq!(by_url["id"], id);
    // The second retailer's offer is on the same product, dearer.
    let offers = by_id["offer_list"].as_array().unwrap();
    assert_eq!(offers.len(), 2);
    assert_eq!(by_id["lowest_price"]["amount"], "35.00");
    assert_eq!(by_id["lowest_price_retailer"], "Marks & Spencer");
}

#[test]
fn an_unknown_product_exits_2_and_suggests_near_ids() {
    let env = loaded();
    let run = env.run(&["products", "show", "seed-999"]).expect_code(2);
    assert!(
        run.stderr.contains("no product seed-999; did you mean"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("seed-00"), "{}", run.stderr);
}

#[test]
fn an_item_id_of_two_sources_is_ambiguous() {
    let env = loaded();
    let other = env.write(
        "other.csv",
        "aw_product_id,merchant_name,brand_name,product_name,search_price,currency,in_stock\n\
         seed-004,Elsewhere,Acme,Canvas tote,20.00,GBP,1\n",
    );
    env.run(&["ingest", &other]).expect_code(0);
    let run = env.run(&["products", "show", "seed-004"]).expect_code(2);
    assert!(run.stderr.contains("ambiguous"), "{}", run.stderr);
    assert!(
        run.stderr.contains("Canvas tote") && run.stderr.contains("Leather Bow Ballet Pumps"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_product_list_renders_as_a_table() {
    let env = loaded();
    let run = env
        .run(&["products", "list", "--limit", "10"])
        .expect_code(0);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn a_product_renders_with_offers_and_history() {
    let env = loaded();
    let run = env.run(&["products", "show", "seed-001"]).expect_code(0);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn lists_are_items_and_total_in_json_and_one_object_a_line_in_jsonl() {
    let env = loaded();
    let json = env
        .run(&["products", "list", "--limit", "3", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(json["items"].as_array().unwrap().len(), 3);
    assert_eq!(json["total"], 25);
    let jsonl = env
        .run(&["products", "list", "--limit", "3", "-o", "jsonl"])
        .expect_code(0);
    let lines: Vec<serde_json::Value> = jsonl
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], json["items"][0]["id"]);
}

#[test]
fn product_json_names_each_key_once() {
    let env = loaded();
    let run = env
        .run(&["products", "show", "seed-004", "-o", "json"])
        .expect_code(0);
    // Pretty JSON puts each top-level key on its own line, two spaces in.
    let mut keys: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("  \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    let all = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), all, "{}", run.stdout);
    assert!(keys.contains(&"brand") && keys.contains(&"offer_list"));
    assert!(!keys.contains(&"brand_key") && !keys.contains(&"title_key"));
}

#[test]
fn every_limit_is_bounded_and_usage_errors_exit_1() {
    let env = loaded();
    let commands: [&[&str]; 5] = [
        &["products", "list"],
        &["search", "flats"],
        &["lookalikes", "seed-001"],
        &["trends", "products", "balletcore"],
        &["lookalikes", "seed-001", "--per-brand"],
    ];
    for command in commands {
        for bad in ["0", "18446744073709551616", "99999999999", "-1"] {
            let mut args = command.to_vec();
            if !args.ends_with(&["--per-brand"]) {
                args.push("--limit");
            }
            args.push(bad);
            let run = env.run(&args);
            assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
            assert!(
                bad == "-1" || run.stderr.contains("--limit") || run.stderr.contains("--per-brand"),
                "{args:?}: {}",
                run.stderr
            );
        }
    }
    env.run(&["products", "list", "--limit", "10000"])
        .expect_code(0);
    let count = env.run(&[
        "edit", "create", "x", "--title", "X", "--hero", "seed-001", "--count", "0",
    ]);
    assert_eq!(count.code, 1, "{}", count.stderr);
    assert_eq!(env.run(&["no-such-command"]).code, 1);
    assert_eq!(env.run(&["products", "list", "--no-such-flag"]).code, 1);
    assert_eq!(env.run(&["--help"]).code, 0);
}

#[test]
fn terminal_escape_codes_from_a_feed_never_reach_the_terminal() {
    let env = Env::new();
    let feed = env.write(
        "escapes.awin.csv",
        "aw_product_id,merchant_name,brand_name,product_name,description,search_price,currency,in_stock\n\
         esc-1,Shop\u{1b}[31m,Brand\u{9b}2J,Flats \u{1b}[2J\u{1b}]0;owned\u{7} ballet,Soft \u{1b}[5mflats,10.00,GBP,1\n",
    );
    env.run(&["ingest", &feed]).expect_code(0);
    for args in [
        &["products", "list"][..],
        &["products", "show", "esc-1"],
        &["search", "ballet"],
        &["lookalikes", "--text", "ballet flats"],
    ] {
        let run = env.run(args).expect_code(0);
        for control in ['\u{1b}', '\u{7}', '\u{9b}'] {
            assert!(
                !run.stdout.contains(control),
                "{args:?} printed {control:?}: {:?}",
                run.stdout
            );
        }
        assert!(run.stdout.contains("Flats"), "{args:?}: {}", run.stdout);
    }
}

#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    // More output than a pipe buffers (64 KiB), so that writing meets the closed pipe.
    let env = Env::new();
    let mut feed = String::from(
        "aw_product_id,merchant_name,brand_name,product_name,search_price,currency,in_stock\n",
    );
    for i in 0..3000 {
        feed.push_str(&format!(
            "p{i},Shop,Brand {i},Satin ballet flats no. {i},{i}.00,GBP,1\n"
        ));
    }
    let feed = env.write("many.awin.csv", &feed);
    env.run(&["ingest", &feed]).expect_code(0);
    for args in [
        &["products", "list", "-o", "json", "--limit", "10000"][..],
        &["products", "list", "--limit", "10000"],
        &["products", "list", "-o", "jsonl", "--limit", "10000"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pointe"))
            .args(args)
            .env("POINTE_DATA_DIR", env.data_dir())
            .env("POINTE_NOW", &env.now)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // The reader is gone: the rest of the output meets a closed pipe.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!first.is_empty());
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn the_lines_of_a_brand_family_are_one_brand_for_filters_and_one_per_brand() {
    let env = Env::new();
    let feed = env.write(
        "family.awin.csv",
        "aw_product_id,merchant_name,brand_name,product_name,search_price,currency,in_stock,colour\n\
         f1,Shop,Pleaser,Satin Platform Heels,90.00,GBP,1,Black\n\
         f2,Shop,PleaserUSA,Satin Platform Sandals,60.00,GBP,1,Black\n\
         f3,Shop,Pleaser Pink Label,Satin Platform Pumps,55.00,GBP,1,Black\n\
         f4,Shop,Demonia,Satin Platform Boots,50.00,GBP,1,Black\n",
    );
    env.run(&["ingest", &feed]).expect_code(0);
    for brand in ["Pleaser", "Pleaser USA", "pleaser pink label"] {
        let list = env
            .run(&["products", "list", "--brand", brand, "-o", "json"])
            .expect_code(0)
            .json();
        assert_eq!(list["total"], 3, "--brand {brand}: {list:#}");
    }
    let list = env
        .run(&["products", "list", "--brand", "Pleaser", "-o", "json"])
        .expect_code(0)
        .json();
    let mut names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["brand"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["Pleaser", "Pleaser", "Pleaser Pink Label"]);
    let one = env
        .run(&["lookalikes", "f1", "--per-brand", "1", "-o", "json"])
        .expect_code(0)
        .json();
    let brands: Vec<&str> = one["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["brand"].as_str().unwrap())
        .collect();
    assert_eq!(
        brands.iter().filter(|b| b.starts_with("Pleaser")).count(),
        1,
        "{brands:?}"
    );
}
