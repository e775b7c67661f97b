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

// ---- analysis upload pages (dose-response, NCA, study) ------------------------------------

/// One multipart form part: a text field, or a file with its name and content.
enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, Vec<u8>),
}

/// POSTs a multipart form; returns (status, body).
fn upload(addr: &str, path: &str, parts: &[Part]) -> (u16, String) {
    let boundary = "levodose-test-boundary-7d1e";
    let mut body: Vec<u8> = Vec::new();
    for p in parts {
        body.extend(format!("--{boundary}\r\n").bytes());
        match p {
            Part::Text(name, value) => body.extend(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .bytes(),
            ),
            Part::File(name, file, bytes) => {
                body.extend(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .bytes(),
                );
                body.extend(bytes);
                body.extend(b"\r\n");
            }
        }
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    let mut s = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body).unwrap();
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

fn repo_file(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// `levodose ARGS` run in the repository: (exit code, stdout, stderr trimmed).
fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap().trim().to_string(),
    )
}

/// The page's text of an element with the template's HTML escapes undone.
fn unescaped(html: &str, id: &str) -> String {
    element_text(html, id)
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn dose_response_upload_gives_the_cli_fit_command_and_json() {
    let (code, stdout, _) = cli(&[
        "analyze",
        "dose-response",
        "examples/analysis/dose_response.csv",
        "--dose",
        "dose_mg_per_kg",
        "--response",
        "response",
        "--json",
    ]);
    assert_eq!(code, 0);
    let cli_json: serde_json::Value = serde_json::from_str(&stdout).unwrap();

    let server = start();
    let (status, html) = upload(
        &server.addr,
        "/analyze/dose-response",
        &[
            Part::File(
                "data",
                "dose_response.csv",
                repo_file("examples/analysis/dose_response.csv"),
            ),
            Part::Text("dose", "dose_mg_per_kg"),
            Part::Text("response", "response"),
            Part::Text("model", "ll4"),
        ],
    );
    assert_eq!(status, 200, "{html}");
    assert!(
        element_text(&html, "recommendation").starts_with("ED50 "),
        "the answer is the ED50"
    );
    assert_eq!(
        unescaped(&html, "command"),
        "levodose analyze dose-response dose_response.csv --dose dose_mg_per_kg --response response --model ll4"
    );
    assert!(html.contains("<svg"), "the figure is inline");
    let (status, json) = request(&server.addr, "GET", "/result/0.json", None);
    assert_eq!(status, 200);
    let served: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(served, cli_json, "the JSON download is the CLI's --json");
}

#[test]
fn nca_upload_gives_the_cli_parameters() {
    let args = [
        "--time",
        "TIME_H",
        "--conc",
        "CONC_NG_PER_ML",
        "--dose",
        "3",
        "--time-unit",
        "h",
        "--conc-unit",
        "ng/mL",
        "--dose-unit",
        "mg/kg",
    ];
    let mut full = vec!["analyze", "nca", "examples/nca/rat_pilot.csv"];
    full.extend(args);
    full.push("--json");
    let (code, stdout, _) = cli(&full);
    assert_eq!(code, 0);
    let cli_json: serde_json::Value = serde_json::from_str(&stdout).unwrap();

    let server = start();
    let (status, html) = upload(
        &server.addr,
        "/analyze/nca",
        &[
            Part::File(
                "data",
                "rat_pilot.csv",
                repo_file("examples/nca/rat_pilot.csv"),
            ),
            Part::Text("id", "ID"),
            Part::Text("time", "TIME_H"),
            Part::Text("conc", "CONC_NG_PER_ML"),
            Part::Text("dose", "3"),
            Part::Text("route", "extravascular"),
            Part::Text("time-unit", "h"),
            Part::Text("conc-unit", "ng/mL"),
            Part::Text("dose-unit", "mg/kg"),
        ],
    );
    assert_eq!(status, 200, "{html}");
    assert!(element_text(&html, "recommendation").starts_with("NCA of 12 subjects"));
    assert_eq!(
        unescaped(&html, "command"),
        "levodose analyze nca rat_pilot.csv --id ID --time TIME_H --conc CONC_NG_PER_ML --dose 3 \
         --route extravascular --time-unit h --conc-unit ng/mL --dose-unit mg/kg"
    );
    let (status, json) = request(&server.addr, "GET", "/result/0.json", None);
    assert_eq!(status, 200);
    let served: serde_json::Value = serde_json::from_str(&json).unwrap();
    // Everything but the data file's name (a temporary path on the server) is the CLI's.
    for key in ["subjects", "summary", "findings"] {
        assert_eq!(served[key], cli_json[key], "{key}");
    }
}

#[test]
fn study_upload_with_scenario_and_key_gives_the_cli_analysis() {
    let (code, stdout, _) = cli(&[
        "analyze",
        "study",
        "examples/study/data_blinded.csv",
        "--scenario",
        "examples/study/scenario.toml",
        "--unblind",
        "examples/study/design/blinding_key.csv",
        "--json",
    ]);
    assert_eq!(code, 0);
    let cli_json: serde_json::Value = serde_json::from_str(&stdout).unwrap();

    let server = start();
    let (status, html) = upload(
        &server.addr,
        "/analyze/study",
        &[
            Part::File(
                "data",
                "data_blinded.csv",
                repo_file("examples/study/data_blinded.csv"),
            ),
            Part::File(
                "scenario",
                "scenario.toml",
                repo_file("examples/study/scenario.toml"),
            ),
            Part::File(
                "unblind",
                "blinding_key.csv",
                repo_file("examples/study/design/blinding_key.csv"),
            ),
            Part::Text("group", ""),
            Part::Text("control", ""),
        ],
    );
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        unescaped(&html, "command"),
        "levodose analyze study data_blinded.csv --scenario scenario.toml --unblind blinding_key.csv"
    );
    let (status, json) = request(&server.addr, "GET", "/result/0.json", None);
    assert_eq!(status, 200);
    let served: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(served, cli_json, "the JSON download is the CLI's --json");
}

#[test]
fn bad_analysis_uploads_show_the_cli_message() {
    let dir = std::env::temp_dir().join(format!("levodose-serve-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad_nca = "ID,TIME,CONC\n1,0,0\n1,1,abc\n";
    let bad_nca_path = dir.join("bad_nca.csv");
    std::fs::write(&bad_nca_path, bad_nca).unwrap();
    let (code, _, cli_msg) = cli(&[
        "analyze",
        "nca",
        bad_nca_path.to_str().unwrap(),
        "--dose",
        "1",
    ]);
    assert_eq!(code, 2);

    let server = start();
    let (status, html) = upload(
        &server.addr,
        "/analyze/nca",
        &[
            Part::File("data", "bad_nca.csv", bad_nca.as_bytes().to_vec()),
            Part::Text("dose", "1"),
        ],
    );
    assert_eq!(status, 422);
    assert_eq!(unescaped(&html, "error"), cli_msg);

    // No control group and no scenario: the study's own message.
    let table = "GROUP,Y\na,1\na,2\nb,3\nb,4\n";
    let table_path = dir.join("study.csv");
    std::fs::write(&table_path, table).unwrap();
    let (code, _, cli_msg) = cli(&[
        "analyze",
        "study",
        table_path.to_str().unwrap(),
        "--endpoint",
        "Y",
    ]);
    assert_eq!(code, 2);
    let (status, html) = upload(
        &server.addr,
        "/analyze/study",
        &[
            Part::File("data", "study.csv", table.as_bytes().to_vec()),
            Part::Text("endpoint", "Y"),
        ],
    );
    assert_eq!(status, 422);
    assert_eq!(unescaped(&html, "error"), cli_msg);

    // No file at all.
    let (status, html) = upload(
        &server.addr,
        "/analyze/dose-response",
        &[Part::Text("dose", "dose")],
    );
    assert_eq!(status, 422);
    assert_eq!(
        element_text(&html, "error"),
        "data: choose a CSV file to upload"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
