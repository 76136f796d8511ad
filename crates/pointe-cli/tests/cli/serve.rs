//! `pointe serve` and `pointe token`: the real binary on a loopback port, answering reads,
//! refusing writes without a token, and stopping cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use crate::{Env, sample};

/// One HTTP/1.1 request; the status line and body of the answer.
pub(crate) fn http(addr: &str, request: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.lines().next().unwrap_or_default().to_string();
    let body = answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

#[test]
fn tokens_are_shown_once_and_listed_without_their_secret() {
    let env = Env::new();
    let made = env.run(&["token", "create", "cms"]).expect_code(0);
    let secret = made.stdout.trim();
    assert!(secret.starts_with("pt_") && secret.len() == 67, "{secret}");
    assert!(made.stderr.contains("shown once"), "{}", made.stderr);
    let again = env.run(&["token", "create", "cms"]).expect_code(1);
    assert!(again.stderr.contains("exists"), "{}", again.stderr);
    let bad = env
        .run(&["token", "create", "x", "--scope", "admin"])
        .expect_code(1);
    assert!(bad.stderr.contains("--scope"), "{}", bad.stderr);
    let list = env.run(&["-o", "json", "token", "list"]).expect_code(0);
    assert!(list.stdout.contains("\"cms\""), "{}", list.stdout);
    assert!(!list.stdout.contains(secret), "a secret is never listed");
    env.run(&["token", "revoke", "cms"]).expect_code(0);
    env.run(&["token", "revoke", "cms"]).expect_code(1);
}

#[test]
fn serve_answers_reads_refuses_writes_without_a_token_and_stops_on_sigterm() {
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    let mut child = Command::new(env!("CARGO_BIN_EXE_pointe"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("POINTE_DATA_DIR", env.data_dir())
        .env("POINTE_NOW", &env.now)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_string();
    let (status, body) = http(
        &addr,
        "GET /api/v1/products?per_page=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(status.contains("200"), "{status}\n{body}");
    assert!(body.contains("\"total\":24"), "{body}");
    let (status, body) = http(
        &addr,
        "POST /api/v1/feeds HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\na,b",
    );
    assert!(status.contains("401"), "{status}\n{body}");
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("stopped"), "{rest}");
}
