//! `levodose serve` without a browser: the optimisation form answers what `levodose optimize`
//! answers, bad input gets the CLI's message, and a non-local bind is refused without --public.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// A running workbench, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start levodose serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the start line");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Server { child, addr }
}

/// One HTTP/1.1 request; returns (status, body).
fn request(addr: &str, method: &str, path: &str, form: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let body = form.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp[9..12].parse().unwrap();
    let body = resp
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_string();
    (status, body)
}

/// The text of the element with `id` (first occurrence; the templates keep it on one line).
fn element_text(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in page"));
    let open = start + html[start..].find('>').unwrap() + 1;
    let close = open + html[open..].find('<').unwrap();
    html[open..close].trim().to_string()
}

#[test]
fn optimisation_form_gives_the_cli_recommendation() {
    let args = ["--pta", "0.8", "--subjects", "400", "--seed", "7"];
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .arg("optimize")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success());
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dose = cli["recommendation"]["dose_mg"]
        .as_f64()
        .expect("the CLI recommends a dose for these inputs");

    let server = start();
    let (status, html) = request(
        &server.addr,
        "POST",
        "/optimize",
        Some("target=&pta=0.8&doses=&subjects=400&seed=7&crcl=&comed=&occupancy-basis=ki"),
    );
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        element_text(&html, "recommendation"),
        format!("{dose} mg once daily")
    );
    let command = element_text(&html, "command");
    assert_eq!(
        command,
        "levodose optimize --pta 0.8 --subjects 400 --seed 7 --occupancy-basis ki"
    );
    assert!(html.contains("<svg"), "the figure is inline");

    // The JSON download is the CLI's JSON.
    let (status, json) = request(&server.addr, "GET", "/result/0.json", None);
    assert_eq!(status, 200);
    let served: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(served, cli);
}

#[test]
fn bad_form_input_shows_the_cli_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(["optimize", "--pta", "1.5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let cli_msg = String::from_utf8(out.stderr).unwrap().trim().to_string();

    let server = start();
    let (status, html) = request(&server.addr, "POST", "/optimize", Some("pta=1.5"));
    assert_eq!(status, 422);
    assert_eq!(element_text(&html, "error"), cli_msg.replace('>', "&gt;"));
}

#[test]
fn non_local_bind_is_refused_without_public() {
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(["serve", "--host", "0.0.0.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--public"), "{err}");
}
