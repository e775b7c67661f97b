//! `levodose serve`: a local web workbench on the same library and the same report renderer.
//!
//! Every form is turned into the argument list of the equivalent `levodose` command and parsed
//! by the CLI's own parser, then run through the command's own `compute`, so the workbench
//! validates with the CLI's messages and answers what the CLI answers; the result page is the
//! `--out` report with the exact command and a JSON download. Nothing is written except uploads,
//! each into its own folder under one temporary folder, removed when its request is answered
//! (the temporary folder itself is removed when the server ends normally).

use super::serve_analyze;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use levodose_commands::error::{CliError, CliResult};
use levodose_report::Document;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

mod study;

const PAGE: &str = include_str!("serve/workbench.html.j2");

#[derive(clap::Args)]
#[command(after_help = "Examples:
  levodose serve                 (127.0.0.1, a free port, printed)
  levodose serve --port 8080
  levodose serve --host 0.0.0.0 --public   (reachable from the network: no authentication!)")]
pub struct Args {
    /// Port (0 or absent: a free port chosen by the system, printed at start).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to bind. Anything but a loopback address needs --public.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Allow binding a non-local address (the workbench has no authentication).
    #[arg(long)]
    pub public: bool,
    /// Largest accepted upload, KiB (1-102400).
    #[arg(long, default_value_t = 4096)]
    pub max_upload_kib: usize,
}

/// A finished result: the report page and the JSON the CLI's `--json` prints.
struct Stored {
    html: String,
    json: String,
}

pub(super) struct AppState {
    results: Mutex<Vec<Stored>>,
    pub(super) upload_dir: PathBuf,
    pub(super) uploads: Mutex<usize>,
    /// Long runs (trial power) and their progress.
    jobs: study::Jobs,
}

/// Removes the upload folder when the server ends.
struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Checks the bind address: loopback only, unless `--public`.
fn bind_address(args: &Args) -> CliResult<SocketAddr> {
    let ip: IpAddr = args.host.parse().map_err(|_| {
        CliError::input(format!(
            "--host {}: not an IP address (e.g. 127.0.0.1)",
            args.host
        ))
    })?;
    if !ip.is_loopback() && !args.public {
        return Err(CliError::input(format!(
            "--host {ip}: refusing to bind a non-local address; the workbench has no authentication. \
             Add --public to allow it, or use 127.0.0.1"
        )));
    }
    if !(1..=102_400).contains(&args.max_upload_kib) {
        return Err(CliError::input(format!(
            "--max-upload-kib {}: outside 1 to 102400",
            args.max_upload_kib
        )));
    }
    Ok(SocketAddr::new(ip, args.port))
}

pub fn run(args: Args) -> CliResult {
    let addr = bind_address(&args)?;
    if !addr.ip().is_loopback() {
        eprintln!(
            "warning: serving on {addr}: anyone who can reach this address can use the workbench (no authentication)"
        );
    }
    let upload_dir = std::env::temp_dir().join(format!("levodose-serve-{}", std::process::id()));
    std::fs::create_dir_all(&upload_dir)?;
    let _guard = TempDir(upload_dir.clone());
    let state = Arc::new(AppState {
        results: Mutex::new(Vec::new()),
        upload_dir,
        uploads: Mutex::new(0),
        jobs: study::Jobs::default(),
    });
    let app = Router::new()
        .route("/", get(index))
        .route("/optimize", get(form_optimize).post(post_optimize))
        .route("/simulate", get(form_simulate).post(post_simulate))
        .route("/translate", get(form_translate).post(post_translate))
        .route("/analyze/mmrm", get(form_mmrm).post(post_mmrm))
        .merge(study::routes())
        .route(
            "/analyze/dose-response",
            get(serve_analyze::form_dose_response).post(serve_analyze::post_dose_response),
        )
        .route(
            "/analyze/nca",
            get(serve_analyze::form_nca).post(serve_analyze::post_nca),
        )
        .route(
            "/analyze/study",
            get(serve_analyze::form_study).post(serve_analyze::post_study),
        )
        .route("/result/{file}", get(result_file))
        .layer(DefaultBodyLimit::max(args.max_upload_kib * 1024))
        .with_state(state);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .enable_time()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| CliError::input(format!("--host/--port {addr}: cannot bind: {e}")))?;
        let local = listener.local_addr()?;
        println!("levodose workbench: http://{local}/  (Ctrl-C to stop)");
        let _ = std::io::stdout().flush();
        axum::serve(listener, app)
            .await
            .map_err(|e| CliError::Internal(e.into()))
    })
}

// ---- forms -------------------------------------------------------------------------------

/// One form field; `name` is the CLI flag without dashes.
#[derive(serde::Serialize, Clone)]
pub(super) struct Field {
    pub(super) name: &'static str,
    label: &'static str,
    pub(super) kind: &'static str,
    value: String,
    help: &'static str,
}

pub(super) fn field(
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: &str,
    help: &'static str,
) -> Field {
    Field {
        name,
        label,
        kind,
        value: value.to_string(),
        help,
    }
}

pub(super) struct FormPage {
    pub(super) path: &'static str,
    pub(super) title: &'static str,
    pub(super) intro: &'static str,
    pub(super) fields: Vec<Field>,
    pub(super) multipart: bool,
}

fn optimize_form() -> FormPage {
    FormPage {
        path: "/optimize",
        title: "Dose optimisation",
        intro: "The lowest label-conform once-daily dose that reaches a target in a share of a virtual population.",
        fields: vec![
            field("target", "Target (empty: the monograph's research target)", "text", "", "e.g. net_occupancy.trough>=0.5; several separated by ';'"),
            field("pta", "Required probability of target attainment", "number", "0.9", "0.01-1"),
            field("doses", "Candidate doses (mg, comma separated; empty: label doses)", "text", "", "e.g. 40,80,120"),
            field("subjects", "Virtual subjects", "number", "2000", "1 or more"),
            field("seed", "Seed", "number", "1", "same seed, same answer"),
            field("crcl", "Creatinine clearance (mL/min; empty: sampled)", "number", "", "0-250"),
            field("comed", "Co-medications (comma separated)", "text", "", "e.g. ketoconazole"),
            field("occupancy-basis", "Occupancy basis", "text", "ki", "ki or ic50"),
            field("allow-off-label", "Allow doses above the label cap", "checkbox", "", "each is flagged"),
        ],
        multipart: false,
    }
}

fn simulate_form() -> FormPage {
    FormPage {
        path: "/simulate",
        title: "One regimen's profile",
        intro: "Concentration and NET/SERT occupancy of one subject under a regimen.",
        fields: vec![
            field(
                "regimen",
                "Regimen",
                "text",
                "label-titration",
                "e.g. 80mg qd, label-titration:80",
            ),
            field("days", "Days", "number", "14", "1-3650"),
            field(
                "step-h",
                "Output step (h)",
                "number",
                "",
                "0.01-24; empty: 1",
            ),
            field(
                "crcl",
                "Creatinine clearance (mL/min)",
                "number",
                "",
                "0-250",
            ),
            field(
                "weight-kg",
                "Body weight (kg)",
                "number",
                "",
                "for mg/kg doses",
            ),
            field(
                "comed",
                "Co-medications (comma separated)",
                "text",
                "",
                "e.g. ketoconazole",
            ),
            field(
                "occupancy-basis",
                "Occupancy basis",
                "text",
                "",
                "ki or ic50",
            ),
        ],
        multipart: false,
    }
}

fn translate_form() -> FormPage {
    FormPage {
        path: "/translate",
        title: "Preclinical translation",
        intro: "The rat or mouse dose that reproduces a human steady-state exposure or occupancy.",
        fields: vec![
            field("species", "Species", "text", "rat", "rat or mouse"),
            field("route", "Route", "text", "ip", "ip, po, iv, minipump"),
            field(
                "match",
                "Human regimen matched",
                "text",
                "80mg qd",
                "e.g. 80mg qd",
            ),
            field(
                "metric",
                "Metric",
                "text",
                "net-occupancy-average",
                "free-cavg, free-auc24, free-cmax, net-occupancy-trough, ...",
            ),
            field(
                "weight-kg",
                "Body weight (kg; empty: monograph)",
                "number",
                "",
                "",
            ),
            field("salt", "Weigh the hydrochloride salt", "checkbox", "", ""),
        ],
        multipart: false,
    }
}

fn mmrm_form() -> FormPage {
    FormPage {
        path: "/analyze/mmrm",
        title: "MMRM analysis (upload)",
        intro:
            "Mixed model for repeated measures on a long-format CSV, as SAS PROC MIXED reports it.",
        fields: vec![
            field(
                "data",
                "CSV file (one row per subject and visit)",
                "file",
                "",
                "size-limited",
            ),
            field(
                "formula",
                "Formula",
                "text",
                "CHG ~ ARM*VISIT + BASE:VISIT + us(VISIT | ID)",
                "R mmrm notation",
            ),
            field("arm", "Treatment factor", "text", "ARM", ""),
            field(
                "reference",
                "Reference level (COL=LEVEL)",
                "text",
                "",
                "e.g. ARM=PBO",
            ),
            field(
                "df",
                "Degrees of freedom",
                "text",
                "satterthwaite",
                "satterthwaite or kenward-roger",
            ),
        ],
        multipart: true,
    }
}

/// Renders a form page (with the previous values and an error message, if any).
pub(super) fn render_form(
    page: &FormPage,
    values: Option<&BTreeMap<String, String>>,
    error: Option<&str>,
) -> Response {
    let fields: Vec<Field> = page
        .fields
        .iter()
        .map(|f| {
            let mut f = f.clone();
            if let Some(v) = values.and_then(|v| v.get(f.name)) {
                f.value = v.clone();
            }
            f
        })
        .collect();
    render_page(
        minijinja::context! {
            page => "form", title => page.title, intro => page.intro, action => page.path,
            fields => fields, multipart => page.multipart, error => error,
            research_note => levodose::RESEARCH_USE_NOTE,
        },
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
    )
}

fn render_page(ctx: minijinja::Value, status: StatusCode) -> Response {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    let html = env
        .add_template("page", PAGE)
        .and_then(|_| env.get_template("page")?.render(ctx));
    match html {
        Ok(h) => (status, Html(h)).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("template: {e}")).into_response(),
    }
}

async fn index() -> Response {
    let pages: Vec<(&str, &str, &str)> = [
        optimize_form(),
        simulate_form(),
        translate_form(),
        mmrm_form(),
        serve_analyze::dose_response_form(),
        serve_analyze::nca_form(),
        serve_analyze::study_form(),
    ]
    .into_iter()
    .chain(study::pages())
    .collect::<Vec<_>>()
    .iter()
    .map(|p| (p.path, p.title, p.intro))
    .collect();
    render_page(
        minijinja::context! {
            page => "index", title => "levodose workbench", pages => pages,
            research_note => levodose::RESEARCH_USE_NOTE,
        },
        StatusCode::OK,
    )
}

async fn form_optimize() -> Response {
    render_form(&optimize_form(), None, None)
}
async fn form_simulate() -> Response {
    render_form(&simulate_form(), None, None)
}
async fn form_translate() -> Response {
    render_form(&translate_form(), None, None)
}
async fn form_mmrm() -> Response {
    render_form(&mmrm_form(), None, None)
}

/// The argument list of the equivalent command: each non-empty field becomes `--name value`
/// (list fields repeat the flag), a ticked checkbox becomes `--name`.
pub(super) fn argv_of(
    command: &[&str],
    page: &FormPage,
    values: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut argv: Vec<String> = std::iter::once("levodose")
        .chain(command.iter().copied())
        .map(String::from)
        .collect();
    for f in &page.fields {
        let Some(v) = values.get(f.name).map(|v| v.trim()) else {
            continue;
        };
        if v.is_empty() || matches!(f.kind, "file" | "tomlfile" | "textarea") {
            continue;
        }
        match (f.kind, f.name) {
            ("checkbox", _) => argv.push(format!("--{}", f.name)),
            (_, "comed") => {
                for c in v.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                    argv.push("--comed".into());
                    argv.push(c.into());
                }
            }
            (_, "target") => {
                for t in v.split(';').map(str::trim).filter(|t| !t.is_empty()) {
                    argv.push("--target".into());
                    argv.push(t.into());
                }
            }
            _ => {
                argv.push(format!("--{}", f.name));
                argv.push(v.into());
            }
        }
    }
    argv
}

/// Parses `argv` with the CLI's parser; a parse error reads as the CLI prints it (first line).
fn parse(argv: &[String]) -> Result<crate::cli::Command, String> {
    use clap::Parser;
    crate::cli::Cli::try_parse_from(argv)
        .map(|c| c.command)
        .map_err(|e| {
            e.to_string()
                .lines()
                .next()
                .unwrap_or("invalid input")
                .to_string()
        })
}

/// Runs one parsed command to its report and JSON (blocking: called off the async threads).
fn run_command(cmd: crate::cli::Command) -> CliResult<(Document, String)> {
    use levodose_commands::io::to_json;
    use levodose_commands::{analyze, optimize, simulate, translate};
    match cmd {
        crate::cli::Command::Optimize(a) => {
            let out = optimize::compute(&a)?;
            Ok((optimize::html_document(&out)?, to_json(&out.optimization)?))
        }
        crate::cli::Command::Simulate(a) => {
            let (sim, sc, m) = simulate::compute(&a)?;
            Ok((simulate::html_document(&sim, &sc, &m)?, to_json(&sim)?))
        }
        crate::cli::Command::Translate(a) => {
            let (t, m) = translate::compute(&a)?;
            Ok((translate::html_document(&t, &m)?, to_json(&t)?))
        }
        crate::cli::Command::Analyze(analyze::Args {
            what: analyze::What::Mmrm(a),
        }) => {
            let (fit, notes) = analyze::mmrm::compute(&a)?;
            let json = to_json(&analyze::mmrm::Report {
                fit: &fit,
                notes: notes.clone(),
            })?;
            Ok((
                analyze::html::mmrm::document(&fit, &notes, &a.formula)?,
                json,
            ))
        }
        other => super::serve_analyze::run_command(other),
    }
}

/// Validates, runs and stores a form submission; on bad input shows the form with the message.
pub(super) async fn submit(
    state: Arc<AppState>,
    page: FormPage,
    argv: Vec<String>,
    shown_argv: Vec<String>,
    values: BTreeMap<String, String>,
) -> Response {
    let cmd = match parse(&argv) {
        Ok(c) => c,
        Err(msg) => return render_form(&page, Some(&values), Some(&msg)),
    };
    let ran = tokio::task::spawn_blocking(move || run_command(cmd)).await;
    let (doc, json) = match ran {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return render_form(&page, Some(&values), Some(&e.to_string())),
        Err(e) => return render_form(&page, Some(&values), Some(&format!("internal error: {e}"))),
    };
    // The result's id and its push happen under one lock (`store`): two requests finishing
    // together must not share a result link.
    study::store(&state, doc, json, &shown_argv, page.path)
}

async fn post_optimize(
    State(st): State<Arc<AppState>>,
    Form(v): Form<BTreeMap<String, String>>,
) -> Response {
    let page = optimize_form();
    let argv = argv_of(&["optimize"], &page, &v);
    submit(st, page, argv.clone(), argv, v).await
}
async fn post_simulate(
    State(st): State<Arc<AppState>>,
    Form(v): Form<BTreeMap<String, String>>,
) -> Response {
    let page = simulate_form();
    let argv = argv_of(&["simulate"], &page, &v);
    submit(st, page, argv.clone(), argv, v).await
}
async fn post_translate(
    State(st): State<Arc<AppState>>,
    Form(v): Form<BTreeMap<String, String>>,
) -> Response {
    let page = translate_form();
    let argv = argv_of(&["translate"], &page, &v);
    submit(st, page, argv.clone(), argv, v).await
}

/// The MMRM upload: the file goes into the server's temporary folder, then the CLI's reader
/// checks it exactly as `levodose analyze mmrm FILE` would.
async fn post_mmrm(State(st): State<Arc<AppState>>, mut mp: Multipart) -> Response {
    let page = mmrm_form();
    let mut values = BTreeMap::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match mp.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or_default().to_string();
                if name == "data" {
                    let fname = f.file_name().unwrap_or("data.csv").to_string();
                    match f.bytes().await {
                        Ok(b) => file = Some((fname, b.to_vec())),
                        Err(e) => {
                            return render_form(
                                &page,
                                None,
                                Some(&format!("data: upload failed (size limit?): {e}")),
                            )
                        }
                    }
                } else {
                    let text = f.text().await.unwrap_or_default();
                    values.insert(name, text);
                }
            }
            Ok(None) => break,
            Err(e) => {
                return render_form(
                    &page,
                    Some(&values),
                    Some(&format!("upload failed (size limit?): {e}")),
                )
            }
        }
    }
    let Some((fname, bytes)) = file.filter(|f| !f.1.is_empty()) else {
        return render_form(
            &page,
            Some(&values),
            Some("data: choose a CSV file to upload"),
        );
    };
    let n = {
        let mut u = st.uploads.lock().expect("uploads lock");
        *u += 1;
        *u
    };
    let dir = st.upload_dir.join(format!("upload-{n}"));
    let shown = sanitize_file_name(&fname);
    let path = dir.join(&shown);
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, &bytes)) {
        return render_form(
            &page,
            Some(&values),
            Some(&format!("data: cannot store the upload: {e}")),
        );
    }
    let mut argv = argv_of(&["analyze", "mmrm"], &page, &values);
    let mut shown_argv = argv.clone();
    argv.insert(3, path.display().to_string());
    shown_argv.insert(3, shown);
    let resp = submit(st, page, argv, shown_argv, values).await;
    let _ = std::fs::remove_dir_all(&dir);
    resp
}

/// The uploaded name without directories or odd characters (it only labels the command shown).
pub(super) fn sanitize_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("data.csv");
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() || clean.starts_with('.') {
        "data.csv".into()
    } else {
        clean
    }
}

async fn result_file(State(st): State<Arc<AppState>>, UrlPath(file): UrlPath<String>) -> Response {
    let (id, json) = match file.strip_suffix(".json") {
        Some(id) => (id, true),
        None => (file.as_str(), false),
    };
    let results = st.results.lock().expect("results lock");
    match id.parse::<usize>().ok().and_then(|i| results.get(i)) {
        Some(r) if json => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"levodose.json\"",
                ),
            ],
            r.json.clone(),
        )
            .into_response(),
        Some(r) => Html(r.html.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, "no such result").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use levodose_report::command_line;

    #[test]
    fn non_local_bind_needs_public() {
        let mut a = Args {
            port: 0,
            host: "0.0.0.0".into(),
            public: false,
            max_upload_kib: 4096,
        };
        let e = bind_address(&a).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("--public"));
        a.public = true;
        assert!(bind_address(&a).is_ok());
        a.host = "::1".into();
        a.public = false;
        assert!(bind_address(&a).is_ok(), "IPv6 loopback is local");
    }

    #[test]
    fn form_becomes_the_cli_command() {
        let page = optimize_form();
        let mut v = BTreeMap::new();
        v.insert("pta".to_string(), "0.8".to_string());
        v.insert(
            "comed".to_string(),
            "ketoconazole, carbamazepine".to_string(),
        );
        v.insert("allow-off-label".to_string(), "on".to_string());
        v.insert("crcl".to_string(), "".to_string());
        let argv = argv_of(&["optimize"], &page, &v);
        assert_eq!(
            command_line(&argv),
            "levodose optimize --pta 0.8 --comed ketoconazole --comed carbamazepine --allow-off-label"
        );
    }

    #[test]
    fn upload_names_cannot_escape_the_folder() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name(".."), "data.csv");
        assert_eq!(sanitize_file_name("my data.csv"), "my_data.csv");
    }
}
