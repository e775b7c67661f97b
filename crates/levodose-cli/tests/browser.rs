//! End-to-end tests in headless Chromium (chromedriver + fantoccini): the workbench's main flows
//! and the `optimize --out` report as a user sees them.
//!
//! Without `chromium` and `chromedriver` on the PATH these tests print a notice and pass;
//! with `LEVODOSE_REQUIRE_BROWSER=1` (set by `.ci/run`) a missing browser fails them.

use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when dropped (server, chromedriver).
struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// Chromium and chromedriver, or None (after the notice) when they are absent and not required.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    let driver = find_program(&["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            if std::env::var("LEVODOSE_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("LEVODOSE_REQUIRE_BROWSER=1 but chromium or chromedriver is not installed (apt-get install -y chromium chromium-driver)");
            }
            eprintln!("skipped: chromium/chromedriver not found (install chromium chromium-driver to run browser tests)");
            None
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver and a headless Chromium session with a fresh profile.
async fn session(
    chromium: &PathBuf,
    driver: &PathBuf,
    profile: &std::path::Path,
) -> (Proc, Client) {
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let proc = Proc(child);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", "--window-size=1200,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    caps.insert(
        "goog:loggingPrefs".into(),
        serde_json::json!({"browser": "ALL"}),
    );
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return (proc, c),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start a Chromium session: {e}"),
        }
    }
}

/// chromedriver's browser console log (`goog:loggingPrefs`), via its log endpoint.
#[derive(Debug)]
struct BrowserLog;
impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

/// Console messages of level SEVERE since the last call.
async fn console_errors(c: &Client) -> Vec<String> {
    let log = c.issue_cmd(BrowserLog).await.expect("read the browser log");
    log.as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["level"] == "SEVERE")
                .map(|e| e["message"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn start_server() -> (Proc, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start levodose serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("address on the start line")
        .trim_end_matches('/')
        .to_string();
    (Proc(child), url)
}

/// Width and height of every figure's SVG as laid out by the browser.
async fn figure_sizes(c: &Client) -> Vec<(f64, f64)> {
    let v = c
        .execute(
            "return Array.from(document.querySelectorAll('figure svg')).map(function (s) { \
               var r = s.getBoundingClientRect(); return [r.width, r.height]; });",
            vec![],
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect()
}

fn cli_recommendation(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .arg("optimize")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    format!(
        "{} mg once daily",
        v["recommendation"]["dose_mg"]
            .as_f64()
            .expect("a recommended dose")
    )
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("levodose-browser-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test(flavor = "current_thread")]
async fn workbench_optimisation_form_and_bad_upload() {
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let expected = cli_recommendation(&["--pta", "0.8", "--subjects", "500"]);
    let (_server, base) = start_server();
    let profile = tempdir("profile-a");
    let (_driver, c) = session(&chromium, &driver, &profile).await;

    // Fill the optimisation form, submit, see the recommendation and the figure.
    c.goto(&format!("{base}/optimize")).await.unwrap();
    let pta = c.find(Locator::Id("f-pta")).await.unwrap();
    pta.clear().await.unwrap();
    pta.send_keys("0.8").await.unwrap();
    let n = c.find(Locator::Id("f-subjects")).await.unwrap();
    n.clear().await.unwrap();
    n.send_keys("500").await.unwrap();
    c.find(Locator::Id("submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let rec = c
        .wait()
        .at_most(Duration::from_secs(120))
        .for_element(Locator::Id("recommendation"))
        .await
        .unwrap();
    assert_eq!(rec.text().await.unwrap(), expected);
    let sizes = figure_sizes(&c).await;
    assert!(!sizes.is_empty(), "the result shows figures");
    assert!(sizes.iter().all(|&(w, h)| w > 0.0 && h > 0.0), "{sizes:?}");
    let command = c
        .find(Locator::Id("command"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        command.starts_with("levodose optimize --pta 0.8"),
        "{command}"
    );
    assert_eq!(console_errors(&c).await, Vec::<String>::new());

    // Upload a bad CSV to the MMRM page: the CLI's message comes back.
    let bad = tempdir("upload").join("bad.csv");
    std::fs::write(&bad, "ID,VISIT,ARM,CHG,BASE\n").unwrap();
    c.goto(&format!("{base}/analyze/mmrm")).await.unwrap();
    c.find(Locator::Id("f-data"))
        .await
        .unwrap()
        .send_keys(&bad.display().to_string())
        .await
        .unwrap();
    c.find(Locator::Id("submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let err = c
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Id("error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.ends_with("bad.csv: no data rows"), "{err}");
    // A 422 answer is logged by Chromium as a failed resource load; nothing else may be.
    let errors: Vec<String> = console_errors(&c)
        .await
        .into_iter()
        .filter(|m| !m.contains("422"))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    c.close().await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn optimize_report_html_shows_recommendation_and_every_figure() {
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let out = tempdir("report");
    let status = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(["optimize", "--subjects", "500", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let expected = cli_recommendation(&["--subjects", "500"]);
    let profile = tempdir("profile-b");
    let (_driver, c) = session(&chromium, &driver, &profile).await;
    c.goto(&format!("file://{}", out.join("report.html").display()))
        .await
        .unwrap();
    let rec = c.find(Locator::Id("recommendation")).await.unwrap();
    assert_eq!(rec.text().await.unwrap(), expected);
    let figures = c
        .find_all(Locator::Css("figure.report-figure"))
        .await
        .unwrap();
    assert_eq!(figures.len(), 2, "PTA by dose and target spread");
    let sizes = figure_sizes(&c).await;
    assert_eq!(sizes.len(), 2);
    assert!(
        sizes.iter().all(|&(w, h)| w > 100.0 && h > 50.0),
        "{sizes:?}"
    );
    assert_eq!(console_errors(&c).await, Vec::<String>::new());
    c.close().await.unwrap();
}

/// The trial power flow: submit the trial form (the built-in template, few replicates), follow
/// the progress page to the report, which shows the CLI's power and figures with a size; then a
/// scenario that does not parse, uploaded to the lint page, gets the CLI's message.
#[tokio::test(flavor = "current_thread")]
async fn workbench_trial_power_and_bad_lint_upload() {
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args([
            "trial",
            "examples/trial/madrs_8week.toml",
            "--replicates",
            "10",
        ])
        .args(["--seed", "1", "--json", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = format!("Power {:.3}", v["result"]["power"].as_f64().unwrap());

    let (_server, base) = start_server();
    let profile = tempdir("profile-c");
    let (_driver, c) = session(&chromium, &driver, &profile).await;
    c.goto(&format!("{base}/trial")).await.unwrap();
    let reps = c.find(Locator::Id("f-replicates")).await.unwrap();
    reps.clear().await.unwrap();
    reps.send_keys("10").await.unwrap();
    c.find(Locator::Id("submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let rec = c
        .wait()
        .at_most(Duration::from_secs(600))
        .for_element(Locator::Id("recommendation"))
        .await
        .unwrap();
    assert_eq!(rec.text().await.unwrap(), expected);
    let sizes = figure_sizes(&c).await;
    assert_eq!(sizes.len(), 2, "trajectories and power curve");
    assert!(
        sizes.iter().all(|&(w, h)| w > 100.0 && h > 50.0),
        "{sizes:?}"
    );
    let command = c
        .find(Locator::Id("command"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        command,
        "levodose trial scenario.toml --replicates 10 --seed 1 --out trial-report"
    );
    assert_eq!(console_errors(&c).await, Vec::<String>::new());

    // A scenario that does not parse: the lint page shows what `levodose lint bad.toml` prints.
    let dir = tempdir("lint");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[study]\nkind = \"preclinical\"\nspecies = \n").unwrap();
    let cli = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .current_dir(&dir)
        .args(["lint", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(cli.status.code(), Some(2));
    let cli_msg = String::from_utf8(cli.stderr).unwrap();
    c.goto(&format!("{base}/lint")).await.unwrap();
    c.find(Locator::Id("f-scenario-file"))
        .await
        .unwrap()
        .send_keys(&bad.display().to_string())
        .await
        .unwrap();
    c.find(Locator::Id("submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let err = c
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Id("error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(err.lines().next(), cli_msg.lines().next(), "{err}");
    assert!(err.contains("bad.toml"), "{err}");
    let errors: Vec<String> = console_errors(&c)
        .await
        .into_iter()
        .filter(|m| !m.contains("422"))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    c.close().await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn workbench_nca_upload_shows_the_report_with_figures() {
    let Some((chromium, driver)) = browser() else {
        return;
    };
    let (_server, base) = start_server();
    let profile = tempdir("profile-nca");
    let (_driver, c) = session(&chromium, &driver, &profile).await;
    let data = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/nca/rat_pilot.csv"
    ))
    .canonicalize()
    .unwrap();

    c.goto(&format!("{base}/analyze/nca")).await.unwrap();
    c.find(Locator::Id("f-data"))
        .await
        .unwrap()
        .send_keys(&data.display().to_string())
        .await
        .unwrap();
    for (id, value) in [
        ("f-time", "TIME_H"),
        ("f-conc", "CONC_NG_PER_ML"),
        ("f-dose", "3"),
        ("f-dose-unit", "mg/kg"),
    ] {
        let f = c.find(Locator::Id(id)).await.unwrap();
        f.clear().await.unwrap();
        f.send_keys(value).await.unwrap();
    }
    c.find(Locator::Id("submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let rec = c
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Id("recommendation"))
        .await
        .unwrap();
    assert_eq!(
        rec.text().await.unwrap(),
        "NCA of 12 subjects (extravascular route, linear-up-log-down trapezoids)"
    );
    let sizes = figure_sizes(&c).await;
    // The spaghetti plot and each of the 12 animals on a linear and a log scale.
    assert_eq!(sizes.len(), 25, "{sizes:?}");
    assert!(
        sizes.iter().all(|&(w, h)| w > 100.0 && h > 50.0),
        "{sizes:?}"
    );
    let command = c
        .find(Locator::Id("command"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        command.starts_with("levodose analyze nca rat_pilot.csv --id ID --time TIME_H --conc CONC_NG_PER_ML --dose 3"),
        "{command}"
    );
    assert_eq!(console_errors(&c).await, Vec::<String>::new());
    c.close().await.unwrap();
}
