//! `pointe demo`: the README's main command.

use crate::Env;

#[test]
fn the_demo_loads_the_bundled_catalog_without_touching_the_data_dir() {
    let env = Env::new();
    let demo_dir = env.dir.path().join("demo");
    let run = env
        .run(&["demo", "--dir", demo_dir.to_str().unwrap()])
        .expect_code(0);
    assert!(run.stdout.contains("25 of 25 products"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Leather Bow Ballet Pumps"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Harvey & Co"), "{}", run.stdout);
    assert!(demo_dir.join("pointe.db").exists());
    assert!(
        !env.data_dir().exists(),
        "the demo must not touch --data-dir"
    );

    // Running it again starts afresh rather than piling up history.
    let again = env
        .run(&["demo", "--dir", demo_dir.to_str().unwrap()])
        .expect_code(0);
    assert!(
        again.stdout.contains("25 of 25 products"),
        "{}",
        again.stdout
    );
}

#[test]
fn the_demo_refuses_a_directory_that_is_not_its_own() {
    let env = Env::new();
    let precious = env.dir.path().join("precious");
    std::fs::create_dir_all(&precious).unwrap();
    std::fs::write(precious.join("thesis.txt"), "do not delete").unwrap();
    env.run(&["demo", "--dir", precious.to_str().unwrap()])
        .expect_code(1);
    assert!(precious.join("thesis.txt").exists());
}

#[test]
fn demo_serve_serves_the_sample_catalog_and_the_balletcore_page() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};

    let env = Env::new();
    let demo_dir = env.dir.path().join("demo");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pointe"))
        .args(["demo", "--dir", demo_dir.to_str().unwrap()])
        .args(["--serve", "--addr", "127.0.0.1:0"])
        .env("POINTE_NOW", &env.now)
        .env_remove("POINTE_PUBLIC_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let (mut addr, mut page, mut token) = (None, None, None);
    for _ in 0..50 {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some((_, t)) = line.trim().rsplit_once("directory): ") {
            token = Some(t.to_string());
        }
        if let Some((_, a)) = line.trim().rsplit_once(" on http://") {
            addr = Some(a.to_string());
        }
        if let Some((_, url)) = line.trim().split_once("the balletcore edit: ") {
            page = Some(url.to_string());
            break;
        }
    }
    let addr = addr.expect("the address is printed");
    assert_eq!(
        page.as_deref(),
        Some(format!("http://{addr}/edits/balletcore").as_str())
    );
    let send = |request: &str| {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        write!(stream, "{request}").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    let get = |path: &str| {
        send(&format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        ))
    };
    let html = get("/edits/balletcore");
    assert!(html.starts_with("HTTP/1.1 200"), "{html}");
    assert!(html.contains("application/json+oembed"), "{html}");
    assert!(html.contains("Balletcore is here to stay"), "{html}");
    let products = get("/api/v1/products?per_page=1");
    assert!(products.contains("\"total\":25"), "{products}");
    // The printed token signs the editor in: a write with it is accepted, one without is not.
    let token = token.expect("the editor's token is printed");
    let refresh = |auth: &str| {
        send(&format!(
            "POST /api/v1/edits/balletcore/refresh HTTP/1.1\r\nHost: x\r\n{auth}\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        ))
    };
    let refreshed = refresh(&format!("Authorization: Bearer {token}\r\n"));
    assert!(refreshed.starts_with("HTTP/1.1 200"), "{refreshed}");
    assert!(refresh("").starts_with("HTTP/1.1 401"));
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(child.wait().unwrap().success());
}

#[test]
fn status_counts_what_the_demo_loaded() {
    let env = Env::new();
    let demo_dir = env.dir.path().join("demo");
    let demo = demo_dir.to_str().unwrap();
    env.run(&["demo", "--dir", demo]).expect_code(0);
    let run = env.run(&["--data-dir", demo, "status"]).expect_code(0);
    assert!(
        run.stdout
            .starts_with("25 products, 1 edit, 0 trend series"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("harvey.gmc.xml (Harvey & Co)  gmc-xml  3"),
        "{}",
        run.stdout
    );
    let json = env
        .run(&["--data-dir", demo, "-o", "json", "status", "--ingests", "1"])
        .expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["products"], 25);
    assert_eq!(v["edits"], 1);
    assert_eq!(v["ingests"].as_array().unwrap().len(), 1);
    let bad = env
        .run(&["--data-dir", demo, "status", "--ingests", "0"])
        .expect_code(1);
    assert!(bad.stderr.contains("--ingests"), "{}", bad.stderr);
}
