//! Watches and alerts against a feed server on loopback that serves feed versions in turn and
//! a webhook receiver on loopback: a drop and a restock each fire exactly one webhook with a
//! valid signature, a currency switch and an exchange-rate change fire none, a drop rule fires
//! again only after the price went back up, and a delivery that failed is retried with the
//! same idempotency key.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use serde_json::Value;

use crate::Env;
use crate::sources::{FeedServer, Reply};

/// A POST the receiver took.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A webhook receiver: answers each POST with the next of `statuses` (then 200).
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(statuses: Vec<u16>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks/pointe", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        std::thread::spawn(move || {
            let mut statuses = statuses.into_iter();
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut headers = Vec::new();
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                        break;
                    }
                    if let Some((n, v)) = line.split_once(':') {
                        headers.push((n.trim().to_string(), v.trim().to_string()));
                    }
                }
                let len: usize = headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                    .map_or(0, |(_, v)| v.parse().unwrap());
                let mut body = vec![0; len];
                reader.read_exact(&mut body).unwrap();
                sink.lock().unwrap().push(Received { headers, body });
                let status = statuses.next().unwrap_or(200);
                let mut out = stream;
                write!(
                    out,
                    "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                .ok();
            }
        });
        Receiver { url, got }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

/// A GMC TSV of the rows (id, price, availability).
fn feed(rows: &[(&str, &str, &str)]) -> String {
    let mut out = String::from("id\ttitle\tlink\tavailability\tprice\tbrand\tcolor\n");
    for (id, price, stock) in rows {
        out.push_str(&format!(
            "{id}\tSatin ballet flats {id}\thttps://shop.example/p/{id}\t{stock}\t{price}\tArket\tPink\n"
        ));
    }
    out
}

const SECRET: &str = "whsec_2b7e151628aed2a6";

/// Checks `Pointe-Signature` as a receiver does, with its own HMAC.
fn signed(r: &Received) -> bool {
    let (Some(ts), Some(sig)) = (r.header("Pointe-Timestamp"), r.header("Pointe-Signature")) else {
        return false;
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(&r.body);
    let want: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    sig == format!("sha256={want}")
}

struct Shop {
    env: Env,
    server: FeedServer,
    version: usize,
    hour: u32,
}

impl Shop {
    fn open(rows: &[(&str, &str, &str)]) -> Shop {
        let server = FeedServer::start(Reply::Feed {
            body: feed(rows),
            etag: "\"v0\"".into(),
        });
        let mut env = Env::new();
        env.now = "2026-01-05T00:00:00Z".into();
        env.run(&["source", "add", "shop", &server.url, "--every", "1h"])
            .expect_code(0);
        let mut shop = Shop {
            env,
            server,
            version: 0,
            hour: 0,
        };
        shop.refresh();
        shop
    }

    /// Runs the source an hour later, then judges the watches and delivers; the alerts.
    fn refresh(&mut self) -> Value {
        self.hour += 1;
        self.env.now = format!("2026-01-05T{:02}:00:00Z", self.hour);
        self.env.run(&["source", "run", "shop"]).expect_code(0);
        self.check()
    }

    fn check(&self) -> Value {
        self.env
            .run(&["watch", "check", "-o", "json"])
            .expect_code(0)
            .json()
    }

    /// Serves the next version of the feed and refreshes.
    fn next(&mut self, rows: &[(&str, &str, &str)]) -> Value {
        self.version += 1;
        self.server.set(Reply::Feed {
            body: feed(rows),
            etag: format!("\"v{}\"", self.version),
        });
        self.refresh()
    }

    fn product(&self, item: &str) -> String {
        let shown = self
            .env
            .run(&["products", "show", item, "-o", "json"])
            .expect_code(0)
            .json();
        shown["id"].as_str().unwrap().to_string()
    }

    fn watch(&self, args: &[&str]) -> String {
        let mut all = vec!["watch", "add"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", "json"]);
        self.env.run(&all).expect_code(0).json()["id"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

fn kinds(alerts: &Value) -> Vec<(String, String)> {
    alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["item_id"].as_str().unwrap_or("").to_string(),
                a["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(item: &str, kind: &str) -> (String, String) {
    (item.to_string(), kind.to_string())
}

#[test]
fn a_drop_and_a_restock_each_fire_one_signed_webhook_and_a_currency_switch_fires_none() {
    let mut shop = Shop::open(&[
        ("FL-0", "60.00 GBP", "in stock"),
        ("FL-1", "40.00 GBP", "out of stock"),
    ]);
    let receiver = Receiver::start(vec![]);
    let secret = shop.env.data_dir().with_file_name("hook.secret");
    std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
    let secret = secret.to_str().unwrap();
    let (fl0, fl1) = (shop.product("FL-0"), shop.product("FL-1"));
    let hook = ["--webhook", &receiver.url, "--webhook-secret-file", secret];
    let mut drop = vec![fl0.as_str(), "--drop", "10%", "--below", "€60"];
    drop.extend_from_slice(&hook);
    shop.watch(&drop);
    let mut restock = vec![fl1.as_str(), "--restock"];
    restock.extend_from_slice(&hook);
    shop.watch(&restock);
    assert_eq!(kinds(&shop.check()), [], "nothing changed yet");

    // £60 → £50: a drop of 17%, and at or below €60 (£50.00 converted when the watch was made
    // is more than that; the threshold is checked in the offer's own currency).
    let alerts = shop.next(&[
        ("FL-0", "50.00 GBP", "in stock"),
        ("FL-1", "40.00 GBP", "out of stock"),
    ]);
    let fired = kinds(&alerts);
    assert!(fired.contains(&pair("FL-0", "drop")), "{alerts}");
    let got = receiver.received();
    assert_eq!(got.len(), fired.len(), "one webhook per alert: {alerts}");
    let drop_hook = got
        .iter()
        .find(|r| r.json()["kind"] == "drop")
        .expect("the drop's webhook");
    assert!(signed(drop_hook), "{:?}", drop_hook.headers);
    let body = drop_hook.json();
    assert_eq!(
        drop_hook.header("Pointe-Idempotency-Key"),
        body["key"].as_str()
    );
    assert_eq!(body["source"], "shop");
    assert_eq!(body["line"], 2, "{body}");
    assert!(body["ingest_id"].as_i64().is_some(), "{body}");
    assert_eq!(body["previous"]["paid"]["amount"], "60.00", "{body}");
    assert_eq!(body["current"]["paid"]["amount"], "50.00", "{body}");
    assert_eq!(body["prior_low_30d"]["amount"], "60.00", "{body}");
    assert_eq!(body["currency"], "GBP");
    let before = got.len();

    // Back in stock: exactly one more webhook.
    let alerts = shop.next(&[
        ("FL-0", "50.00 GBP", "in stock"),
        ("FL-1", "40.00 GBP", "in stock"),
    ]);
    assert_eq!(kinds(&alerts), [pair("FL-1", "restock")], "{alerts}");
    let got = receiver.received();
    assert_eq!(got.len(), before + 1);
    assert!(signed(&got[before]));
    assert_eq!(got[before].json()["kind"], "restock");

    // The shop switches FL-0 to euros at the same value, then the exchange rates change:
    // neither is a price change.
    let alerts = shop.next(&[
        ("FL-0", "58.00 EUR", "in stock"),
        ("FL-1", "40.00 GBP", "in stock"),
    ]);
    assert_eq!(
        kinds(&alerts),
        [],
        "a currency switch fires nothing: {alerts}"
    );
    let rates = shop.env.data_dir().with_file_name("eurofxref-hist.csv");
    std::fs::write(&rates, "Date,USD,GBP,\n2026-01-05,1.1000,0.7000,\n").unwrap();
    shop.env
        .run(&["fx", "import", rates.to_str().unwrap()])
        .expect_code(0);
    assert_eq!(kinds(&shop.check()), [], "a rate change fires nothing");
    assert_eq!(receiver.received().len(), before + 1);

    // Every alert was recorded once.
    let all = shop
        .env
        .run(&["alerts", "-o", "json"])
        .expect_code(0)
        .json();
    let keys: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(keys.len(), unique.len(), "{keys:?}");
    assert_eq!(keys.len(), before + 1, "{all}");
}

#[test]
fn a_drop_rule_fires_again_only_after_the_price_went_back_up() {
    let mut shop = Shop::open(&[("FL-2", "100.00 GBP", "in stock")]);
    let receiver = Receiver::start(vec![500]);
    let fl2 = shop.product("FL-2");
    shop.watch(&[&fl2, "--drop", "10%", "--webhook", &receiver.url]);
    let mut fired = Vec::new();
    for price in ["85.00", "76.00", "95.00", "65.00"] {
        let alerts = shop.next(&[("FL-2", &format!("{price} GBP"), "in stock")]);
        fired.push(kinds(&alerts).len());
    }
    // 85 fires; 76 (a further 10.6%) waits for the rule to clear; 95 clears it; 65 is 14%
    // under the lowest price of the 30 days before (76) and fires again.
    assert_eq!(fired, [1, 0, 0, 1]);

    // The receiver refused the first delivery: it was tried again at the next look (an hour
    // on, past its wait), with the same key.
    let got = receiver.received();
    let keys: Vec<&str> = got
        .iter()
        .filter_map(|r| r.header("Pointe-Idempotency-Key"))
        .collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert_eq!(keys[0], keys[1], "{keys:?}");
    assert_ne!(keys[1], keys[2], "{keys:?}");
    assert!(got.iter().all(|r| r.header("Pointe-Signature").is_none()));
    let alerts = shop
        .env
        .run(&["alerts", "-o", "json"])
        .expect_code(0)
        .json();
    let states: Vec<&str> = alerts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["delivery"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["delivered", "delivered"], "{alerts}");
}

/// The sample Awin catalog with the offer of `item` out of stock.
pub(crate) fn out_of_stock(catalog: &str, item: &str) -> String {
    // `…,price,rrp,currency,in_stock,…`: the stock flag follows the currency.
    let lines: Vec<String> = catalog
        .lines()
        .map(|line| match line.starts_with(&format!("{item},")) {
            true => line.replacen(",GBP,1,", ",GBP,0,", 1),
            false => line.to_string(),
        })
        .collect();
    lines.join("\n") + "\n"
}

#[test]
fn a_pick_out_of_stock_alerts_its_edit_and_auto_swap_replaces_it() {
    use crate::edit::{create_balletcore, item_id_of};
    let env = Env::new();
    let feed_path = env.dir.path().join("catalog.awin.csv");
    let original = std::fs::read_to_string(crate::sample("catalog.awin.csv")).unwrap();
    std::fs::write(&feed_path, &original).unwrap();
    let feed = feed_path.display().to_string();
    env.run(&["ingest", "--seen-at", "2025-12-26", &feed])
        .expect_code(0);
    let edit = create_balletcore(&env, &[]);
    env.run(&["watch", "add", "--edit", "balletcore", "--auto-swap"])
        .expect_code(0);
    let picks: Vec<(String, String)> = edit["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let id = p["product_id"].as_str().unwrap().to_string();
            (item_id_of(&env, &id), id)
        })
        .collect();
    let (lost_item, lost_id) = picks[0].clone();
    std::fs::write(&feed_path, out_of_stock(&original, &lost_item)).unwrap();
    let mut env = env;
    env.now = "2026-01-10T09:00:00Z".into();
    env.run(&["ingest", "--seen-at", "2026-01-10", &feed])
        .expect_code(0);
    let checked = env
        .run(&["watch", "check", "-o", "json"])
        .expect_code(0)
        .json();
    let alerts = checked["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{checked:#}");
    let alert = &alerts[0];
    assert_eq!(alert["kind"], "out-of-stock");
    assert_eq!(alert["edit"], "balletcore");
    assert_eq!(alert["product_id"], lost_id.as_str());
    let swapped = alert["swapped"].as_array().unwrap();
    assert!(
        swapped
            .iter()
            .any(|s| s.as_str().unwrap().contains("replaced by")),
        "{alert:#}"
    );
    let after = env
        .run(&["edit", "show", "balletcore", "-o", "json"])
        .expect_code(0)
        .json();
    let now: Vec<&str> = after["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["product_id"].as_str().unwrap())
        .collect();
    assert!(!now.contains(&lost_id.as_str()), "{now:?}");
    assert_eq!(now.len(), picks.len(), "{now:?}");
    // Judged once: another look raises nothing more.
    let again = env
        .run(&["watch", "check", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(again["total"], 0, "{again}");
}

#[test]
fn a_saved_search_alerts_a_new_match_once() {
    let mut shop = Shop::open(&[("FL-0", "60.00 GBP", "in stock")]);
    let id = shop.watch(&["--search", "satin ballet flats", "--new-match"]);
    assert_eq!(id, "w1");
    let alerts = shop.next(&[
        ("FL-0", "60.00 GBP", "in stock"),
        ("FL-9", "45.00 GBP", "in stock"),
    ]);
    let fired = kinds(&alerts);
    assert_eq!(
        fired,
        [(String::new(), "new-match".to_string())],
        "{alerts}"
    );
    assert_eq!(alerts["alerts"][0]["product_id"], shop.product("FL-9"));
    assert_eq!(alerts["alerts"][0]["query"], "satin ballet flats");
    let again = shop.next(&[
        ("FL-0", "60.00 GBP", "in stock"),
        ("FL-9", "44.00 GBP", "in stock"),
    ]);
    assert_eq!(kinds(&again), [], "{again}");
}

#[test]
fn a_watch_alerts_no_sooner_than_its_least_interval_and_its_rule_stays_armed() {
    let mut shop = Shop::open(&[("FL-3", "100.00 GBP", "in stock")]);
    let fl3 = shop.product("FL-3");
    shop.watch(&[&fl3, "--rise", "--min-interval", "3h"]);
    let mut fired = Vec::new();
    for price in ["110.00", "105.00", "115.00", "120.00"] {
        let alerts = shop.next(&[("FL-3", &format!("{price} GBP"), "in stock")]);
        fired.push(kinds(&alerts).len());
    }
    // 110 rises (alerted); 105 clears the rule; 115 rises two hours after the alert, within
    // the three-hour interval, so nothing; 120 rises three hours after it and alerts.
    assert_eq!(fired, [1, 0, 0, 1]);
}
