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

/// Requests that finish together get a result link each, and each link serves its own request's
/// JSON (the id is taken and the result stored under one lock).
#[test]
fn concurrent_requests_get_their_own_result_links() {
    let server = start();
    let doses = [10, 20, 30, 40, 50, 60];
    let pages: Vec<(u32, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = doses
            .iter()
            .map(|&mg| {
                let addr = server.addr.as_str();
                s.spawn(move || {
                    let form = format!(
                        "regimen={mg}mg+qd&days=2&step-h=&crcl=&weight-kg=&comed=&occupancy-basis="
                    );
                    let (status, html) = request(addr, "POST", "/simulate", Some(&form));
                    assert_eq!(status, 200, "{mg} mg: {html}");
                    (mg, html)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut links = Vec::new();
    for (mg, html) in &pages {
        // minijinja escapes the slashes of attribute values.
        let html = html.replace("&#x2f;", "/");
        let start = html
            .find("/result/")
            .unwrap_or_else(|| panic!("{mg} mg: no result link"));
        let end = start + html[start..].find(".json").expect("a JSON link") + ".json".len();
        let link = html[start..end].to_string();
        let (status, json) = request(&server.addr, "GET", &link, None);
        assert_eq!(status, 200, "{link}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            v["dose_events"][0]["amount_mg"].as_f64(),
            Some(f64::from(*mg)),
            "{link} serves another request's result"
        );
        links.push(link);
    }
    links.sort();
    links.dedup();
    assert_eq!(links.len(), doses.len(), "two requests share a result link");
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

/// A multipart/form-data body: (name, file name for uploads, content); returns (content type, body).
fn multipart(parts: &[(&str, Option<&str>, &str)]) -> (String, String) {
    let boundary = "levodose-test-boundary-7f3a";
    let mut body = String::new();
    for (name, file, content) in parts {
        body.push_str(&format!("--{boundary}\r\n"));
        match file {
            Some(f) => body.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )),
            None => body.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"
            )),
        }
        body.push_str(content);
        body.push_str("\r\n");
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// One HTTP/1.1 request with a given content type; returns (status, head, body).
fn raw_request(
    addr: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp[9..12].parse().unwrap();
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    (status, head.to_string(), body.to_string())
}

/// Undoes the HTML escaping of the templates (minijinja escapes & < > " ' /).
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

fn repo_file(rel: &str) -> String {
    std::fs::read_to_string(format!("{}/../../{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The trial page runs as a job: its JSON endpoint reports the phase and percent done while it
/// runs, then the result, which is the CLI's power for the same scenario, replicates and seed.
#[test]
fn trial_job_reports_progress_then_the_cli_result() {
    let file = "examples/trial/analytic_one_visit.toml";
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(["trial", file, "--replicates", "3000", "--seed", "3"])
        .args(["--json", "--quiet"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cli_power = cli["result"]["power"].as_f64().expect("CLI power");

    let server = start();
    let scenario = repo_file(file);
    let (ct, body) = multipart(&[
        ("scenario", None, &scenario),
        ("scenario-file", Some(""), ""),
        ("replicates", None, "3000"),
        ("seed", None, "3"),
        ("n-per-arm", None, ""),
        ("target-power", None, ""),
    ]);
    let (status, head, page) = raw_request(&server.addr, "POST", "/trial", &ct, &body);
    assert_eq!(status, 303, "{page}");
    assert!(head.to_lowercase().contains("location: /jobs/0"), "{head}");

    // The job page answers at once: the progress page while running (or the report if done).
    let (status, _, first) = raw_request(&server.addr, "GET", "/jobs/0", "text/plain", "");
    assert_eq!(status, 200, "{first}");
    assert!(
        first.contains("id=\"bar\"") || first.contains("id=\"recommendation\""),
        "{first}"
    );

    let mut running_percents = Vec::new();
    let t0 = std::time::Instant::now();
    let done = loop {
        let (status, _, j) = raw_request(&server.addr, "GET", "/jobs/0.json", "text/plain", "");
        assert_eq!(status, 200, "{j}");
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        match v["state"].as_str().unwrap() {
            "running" => {
                if let Some(p) = v["percent"].as_f64() {
                    assert!((0.0..=100.0).contains(&p), "{v}");
                    running_percents.push(p);
                }
            }
            "done" => break v,
            other => panic!("job {other}: {v}"),
        }
        assert!(t0.elapsed().as_secs() < 900, "job did not finish");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(
        !running_percents.is_empty(),
        "the job endpoint reported no percent while running"
    );

    // The job page is now the report; its JSON download holds the CLI's power.
    let (status, _, html) = raw_request(&server.addr, "GET", "/jobs/0", "text/plain", "");
    assert_eq!(status, 200);
    assert_eq!(
        element_text(&html, "recommendation"),
        format!("Power {cli_power:.3}")
    );
    assert!(
        html.matches("<figure").count() >= 2,
        "trajectory and power curve"
    );
    assert_eq!(
        unescape(&element_text(&html, "command")),
        "levodose trial scenario.toml --replicates 3000 --seed 3 --out trial-report"
    );
    let result = done["result"].as_str().unwrap();
    let (status, _, json) = raw_request(
        &server.addr,
        "GET",
        &format!("{result}.json"),
        "text/plain",
        "",
    );
    assert_eq!(status, 200);
    let served: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(served["result"]["power"].as_f64(), Some(cli_power));
}

/// Study lint: an uploaded file gets the findings `levodose lint` reports, and a file that does
/// not parse gets the CLI's message for a file of that name.
#[test]
fn lint_page_gives_the_cli_findings_and_messages() {
    let dir = std::env::temp_dir().join(format!("levodose-serve-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = repo_file("examples/preclinical/lint_bad.toml");
    std::fs::write(dir.join("lint_bad.toml"), &good).unwrap();
    let bad = "[study]\nkind = \"preclinical\"\nspecies = \n";
    std::fs::write(dir.join("bad.toml"), bad).unwrap();
    let cli = |f: &str, json: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_levodose"));
        c.current_dir(&dir).args(["lint", f]);
        if json {
            c.arg("--json");
        }
        c.output().unwrap()
    };
    let out = cli("lint_bad.toml", true);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    assert!(!codes.is_empty(), "lint_bad.toml has findings");
    let out = cli("bad.toml", false);
    assert_eq!(out.status.code(), Some(2));
    let cli_msg = String::from_utf8(out.stderr).unwrap().trim().to_string();

    let server = start();
    let (ct, body) = multipart(&[
        ("scenario", None, ""),
        ("scenario-file", Some("lint_bad.toml"), &good),
    ]);
    let (status, _, html) = raw_request(&server.addr, "POST", "/lint", &ct, &body);
    assert_eq!(status, 200, "{html}");
    for c in &codes {
        assert!(
            html.contains(&format!("<code>{c}</code>")),
            "finding {c} shown"
        );
    }
    assert_eq!(
        unescape(&element_text(&html, "command")),
        "levodose lint lint_bad.toml"
    );

    let (ct, body) = multipart(&[
        ("scenario", None, ""),
        ("scenario-file", Some("bad.toml"), bad),
    ]);
    let (status, _, html) = raw_request(&server.addr, "POST", "/lint", &ct, &body);
    assert_eq!(status, 422, "{html}");
    assert_eq!(unescape(&element_text(&html, "error")), cli_msg);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The design page: the pasted built-in template gives the CLI's design (groups x n = animals)
/// and the command that reproduces it.
#[test]
fn design_page_gives_the_cli_design() {
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(["design", "preclinical", "--template", "lps", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let headline = format!(
        "{} groups x {} = {} animals",
        d["groups"].as_array().unwrap().len(),
        d["n_per_group"],
        d["randomisation"].as_array().unwrap().len()
    );
    let server = start();
    let template = repo_file("examples/preclinical/lps_template.toml");
    let (ct, body) = multipart(&[("scenario", None, &template), ("seed", None, "")]);
    let (status, _, html) = raw_request(&server.addr, "POST", "/design", &ct, &body);
    assert_eq!(status, 200, "{html}");
    assert_eq!(element_text(&html, "recommendation"), headline);
    assert_eq!(
        unescape(&element_text(&html, "command")),
        "levodose design preclinical scenario.toml --out study"
    );
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

fn repo_bytes(path: &str) -> Vec<u8> {
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
                repo_bytes("examples/analysis/dose_response.csv"),
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
                repo_bytes("examples/nca/rat_pilot.csv"),
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
                repo_bytes("examples/study/data_blinded.csv"),
            ),
            Part::File(
                "scenario",
                "scenario.toml",
                repo_bytes("examples/study/scenario.toml"),
            ),
            Part::File(
                "unblind",
                "blinding_key.csv",
                repo_bytes("examples/study/design/blinding_key.csv"),
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
