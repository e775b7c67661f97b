//! Workbench pages for study files: lint (paste or upload a scenario), preclinical design, and
//! trial power, the long one, which runs as a job: the form answers with a redirect to
//! `/jobs/{id}`, a page that polls `/jobs/{id}.json` (phase, replicates done, percent) and
//! shows the report when the run ends.
//!
//! Each page goes the CLI's way: lint through `lint::compute` with the file's name, design and
//! trial through the CLI's parser (`argv_of`) and the commands' own `compute`, so messages and
//! results are the CLI's. A scenario is written only into its own folder under the server's
//! temporary folder (trial and design read a file, as the CLI does) and removed after the run.

use super::{argv_of, field, parse, render_form, render_page, sanitize_file_name, AppState};
use super::{FormPage, Stored};
use axum::extract::{Multipart, Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use levodose::finding::Severity;
use levodose_commands::io::to_json;
use levodose_commands::{design, lint, trial};
use levodose_report::{self as report, command_line, Answer, Document};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// The routes of this module, merged into the workbench's router.
pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/lint", get(form_lint).post(post_lint))
        .route("/design", get(form_design).post(post_design))
        .route("/trial", get(form_trial).post(post_trial))
        .route("/jobs/{file}", get(job))
}

/// The pages listed on the index: (path, title, intro).
pub(super) fn pages() -> Vec<FormPage> {
    vec![lint_form(), design_form(), trial_form()]
}

const SCENARIO_HELP: &str = "paste the TOML here, or upload a file below (the upload wins)";

fn lint_form() -> FormPage {
    FormPage {
        path: "/lint",
        title: "Study lint",
        intro: "Design problems in a preclinical ([study]) or trial ([trial]) scenario file, with the messages of levodose lint.",
        fields: vec![
            field("scenario", "Scenario (TOML)", "textarea", "", SCENARIO_HELP),
            field("scenario-file", "or upload a scenario file", "tomlfile", "", "size-limited"),
        ],
        multipart: true,
    }
}

fn design_form() -> FormPage {
    FormPage {
        path: "/design",
        title: "Preclinical study design",
        intro: "Groups, n per group from the power calculation, timeline and safety observations for a preclinical scenario (blind codes stay in the CLI's CSV files).",
        fields: vec![
            field(
                "scenario",
                "Scenario (TOML)",
                "textarea",
                levodose::design::template("lps").unwrap_or_default(),
                SCENARIO_HELP,
            ),
            field("scenario-file", "or upload a scenario file", "tomlfile", "", "size-limited"),
            field("seed", "Randomisation seed (empty: the scenario's)", "number", "", ""),
        ],
        multipart: true,
    }
}

fn trial_form() -> FormPage {
    FormPage {
        path: "/trial",
        title: "Trial power",
        intro: "Simulate a clinical trial scenario many times, analyse each with the MMRM and report power; optionally the n per arm for a target power. Shows progress while it runs.",
        fields: vec![
            field(
                "scenario",
                "Trial scenario (TOML)",
                "textarea",
                trial::TRIAL_TEMPLATE,
                SCENARIO_HELP,
            ),
            field("scenario-file", "or upload a scenario file", "tomlfile", "", "size-limited"),
            field("replicates", "Simulated trials", "number", "200", "1-100000; more is slower and more precise"),
            field("seed", "Random seed", "number", "1", ""),
            field("n-per-arm", "n per arm (empty: the scenario's)", "number", "", ""),
            field("target-power", "Target power (empty: no n search)", "number", "", "0.05-0.999"),
        ],
        multipart: true,
    }
}

async fn form_lint() -> Response {
    render_form(&lint_form(), None, None)
}
async fn form_design() -> Response {
    render_form(&design_form(), None, None)
}
async fn form_trial() -> Response {
    render_form(&trial_form(), None, None)
}

/// A scenario from a form: its text and the file name it is shown (and stored) under.
struct Scenario {
    name: String,
    text: String,
}

/// Reads a multipart form: the text fields, and the scenario from the upload if one was given,
/// else from the textarea (shown as "scenario.toml").
async fn read_form(
    page: &FormPage,
    mut mp: Multipart,
) -> Result<(BTreeMap<String, String>, Scenario), Response> {
    let mut values = BTreeMap::new();
    let mut upload: Option<Scenario> = None;
    loop {
        match mp.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or_default().to_string();
                let file_name = f.file_name().map(sanitize_file_name);
                let bytes = match f.bytes().await {
                    Ok(b) => b,
                    Err(e) => {
                        return Err(render_form(
                            page,
                            Some(&values),
                            Some(&format!("{name}: upload failed (size limit?): {e}")),
                        ))
                    }
                };
                if name == "scenario-file" {
                    if bytes.is_empty() {
                        continue;
                    }
                    let shown = file_name.unwrap_or_else(|| "scenario.toml".into());
                    let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                        render_form(
                            page,
                            Some(&values),
                            Some(&format!("error: {shown}: not a UTF-8 text file")),
                        )
                    })?;
                    upload = Some(Scenario { name: shown, text });
                } else {
                    values.insert(name, String::from_utf8_lossy(&bytes).into_owned());
                }
            }
            Ok(None) => break,
            Err(e) => {
                return Err(render_form(
                    page,
                    Some(&values),
                    Some(&format!("upload failed (size limit?): {e}")),
                ))
            }
        }
    }
    let scenario = match upload {
        Some(s) => s,
        None => {
            let text = values.get("scenario").cloned().unwrap_or_default();
            if text.trim().is_empty() {
                return Err(render_form(
                    page,
                    Some(&values),
                    Some("scenario: paste a scenario or choose a file to upload"),
                ));
            }
            Scenario {
                name: "scenario.toml".into(),
                text,
            }
        }
    };
    Ok((values, scenario))
}

/// Stores a finished report (with its command and links) and its JSON; returns its index and
/// the page.
fn store_result(
    st: &AppState,
    mut doc: Document,
    json: String,
    shown_argv: &[String],
    back: &str,
) -> Result<(usize, String), String> {
    let mut results = st.results.lock().expect("results lock");
    let id = results.len();
    doc.command = Some(command_line(shown_argv));
    doc.links = vec![
        ("Download JSON".into(), format!("/result/{id}.json")),
        ("New query".into(), back.to_string()),
        ("All pages".into(), "/".into()),
    ];
    let html = report::render_html(&doc).map_err(|e| format!("internal error: report: {e}"))?;
    results.push(Stored {
        html: html.clone(),
        json,
    });
    Ok((id, html))
}

/// `store_result` answered as a page.
pub(super) fn store(
    st: &AppState,
    doc: Document,
    json: String,
    shown_argv: &[String],
    back: &str,
) -> Response {
    match store_result(st, doc, json, shown_argv, back) {
        Ok((_, html)) => Html(html).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

/// Writes the scenario into its own folder under the server's temporary folder.
fn save_scenario(st: &AppState, s: &Scenario) -> std::io::Result<(PathBuf, PathBuf)> {
    let n = {
        let mut u = st.uploads.lock().expect("uploads lock");
        *u += 1;
        *u
    };
    let dir = st.upload_dir.join(format!("upload-{n}"));
    let path = dir.join(&s.name);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(&path, &s.text)?;
    Ok((dir, path))
}

// ---- lint ----------------------------------------------------------------------------------

async fn post_lint(State(st): State<Arc<AppState>>, mp: Multipart) -> Response {
    let page = lint_form();
    let (values, sc) = match read_form(&page, mp).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let ran = tokio::task::spawn_blocking(move || {
        let (r, m) = lint::compute(&sc.text, &sc.name)?;
        let json = to_json(&r)?;
        Ok::<_, levodose_commands::error::CliError>((lint_document(&r, &m), json, sc.name))
    })
    .await;
    match ran {
        Ok(Ok((doc, json, name))) => {
            let argv: Vec<String> = ["levodose", "lint", name.as_str()]
                .map(String::from)
                .to_vec();
            store(&st, doc, json, &argv, page.path)
        }
        Ok(Err(e)) => render_form(&page, Some(&values), Some(&e.to_string())),
        Err(e) => render_form(&page, Some(&values), Some(&format!("internal error: {e}"))),
    }
}

/// The lint result as a report: the count by severity first, then the findings section.
fn lint_document(r: &levodose::lint::Report, m: &levodose::monograph::Monograph) -> Document {
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    let (e, w, i) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    Document {
        title: format!("levodose lint: {}", r.file),
        command: None,
        inputs: vec![
            ("scenario".into(), r.file.clone()),
            ("kind".into(), format!("{:?}", r.kind).to_lowercase()),
        ],
        answer: Answer {
            headline: if r.findings.is_empty() {
                "No findings".into()
            } else {
                format!("{e} errors, {w} warnings, {i} notes")
            },
            details: vec![],
            positive: e + w == 0,
        },
        sections: vec![],
        findings: r.findings.clone(),
        sources: report::sources_of(m),
        research_note: r.research_note.to_string(),
        links: vec![],
    }
}

// ---- design --------------------------------------------------------------------------------

async fn post_design(State(st): State<Arc<AppState>>, mp: Multipart) -> Response {
    let page = design_form();
    let (values, sc) = match read_form(&page, mp).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (dir, path) = match save_scenario(&st, &sc) {
        Ok(x) => x,
        Err(e) => {
            return render_form(
                &page,
                Some(&values),
                Some(&format!("scenario: cannot store it: {e}")),
            )
        }
    };
    let mut argv = argv_of(&["design", "preclinical"], &page, &values);
    let mut shown = argv.clone();
    argv.insert(3, path.display().to_string());
    shown.insert(3, sc.name.clone());
    shown.extend(["--out".to_string(), "study".to_string()]);
    let ran = match parse(&argv) {
        Ok(crate::cli::Command::Design(design::Args {
            what: design::What::Preclinical(a),
        })) => tokio::task::spawn_blocking(move || design::compute_preclinical(&a))
            .await
            .map_err(|e| format!("internal error: {e}"))
            .and_then(|r| r.map_err(|e| e.to_string())),
        Ok(_) => Err("internal error: not a design command".into()),
        Err(msg) => Err(msg),
    };
    let _ = std::fs::remove_dir_all(&dir);
    match ran {
        Ok((d, m, _)) => match to_json(&d) {
            Ok(json) => store(
                &st,
                design::html_document(&d, &sc.name, &m),
                json,
                &shown,
                page.path,
            ),
            Err(e) => render_form(&page, Some(&values), Some(&e.to_string())),
        },
        Err(msg) => render_form(&page, Some(&values), Some(&msg)),
    }
}

// ---- trial jobs ----------------------------------------------------------------------------

/// The running and finished trial jobs of this server.
#[derive(Default)]
pub(super) struct Jobs(Mutex<Vec<Arc<Job>>>);

struct Job {
    progress: trial::Progress,
    state: Mutex<JobState>,
    /// The form as submitted, to show it again with the message if the run fails.
    values: BTreeMap<String, String>,
}

enum JobState {
    Running,
    /// The index of the stored result.
    Done(usize),
    Failed(String),
}

async fn post_trial(State(st): State<Arc<AppState>>, mp: Multipart) -> Response {
    let page = trial_form();
    let (values, sc) = match read_form(&page, mp).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    // The command as shown, with the scenario's name; parsing it validates the flags before
    // anything is stored or started.
    let mut argv = argv_of(&["trial"], &page, &values);
    argv.insert(2, sc.name.clone());
    if let Err(msg) = parse(&argv) {
        return render_form(&page, Some(&values), Some(&msg));
    }
    let mut shown = argv.clone();
    shown.extend(["--out".to_string(), "trial-report".to_string()]);
    let (dir, path) = match save_scenario(&st, &sc) {
        Ok(x) => x,
        Err(e) => {
            return render_form(
                &page,
                Some(&values),
                Some(&format!("scenario: cannot store it: {e}")),
            )
        }
    };
    argv[2] = path.display().to_string();
    let args = match parse(&argv) {
        Ok(crate::cli::Command::Trial(a)) => a,
        Ok(_) => {
            return render_form(
                &page,
                Some(&values),
                Some("internal error: not a trial command"),
            )
        }
        Err(msg) => return render_form(&page, Some(&values), Some(&msg)),
    };
    let job = Arc::new(Job {
        progress: trial::Progress::new(false),
        state: Mutex::new(JobState::Running),
        values,
    });
    let id = {
        let mut jobs = st.jobs.0.lock().expect("jobs lock");
        jobs.push(job.clone());
        jobs.len() - 1
    };
    let st2 = st.clone();
    let running = job.clone();
    let run = tokio::task::spawn_blocking(move || {
        let ran = trial::compute(&args, true, &running.progress)
            .and_then(|out| Ok((trial::html_document(&out)?, out.json()?)));
        match ran
            .map_err(|e| e.to_string())
            .and_then(|(doc, json)| store_result(&st2, doc, json, &shown, "/trial"))
        {
            Ok((r, _)) => JobState::Done(r),
            Err(e) => JobState::Failed(e),
        }
    });
    // The job's end state is set here, after the run, so that a panic in the run (a bug) fails
    // the job with a message instead of leaving it "running" for ever.
    tokio::spawn(async move {
        let state = ended(run.await);
        let _ = std::fs::remove_dir_all(&dir);
        *job.state.lock().unwrap_or_else(PoisonError::into_inner) = state;
    });
    Redirect::to(&format!("/jobs/{id}")).into_response()
}

/// The end state of a job from its joined run: a panic (or a cancelled run) is a failure that
/// says so, with the panic's message when it has one.
fn ended(joined: Result<JobState, tokio::task::JoinError>) -> JobState {
    joined.unwrap_or_else(|e| {
        let why = if e.is_panic() {
            let payload = e.into_panic();
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .map_or_else(
                    || "it panicked".to_string(),
                    |m| format!("it panicked: {m}"),
                )
        } else {
            "it was cancelled".to_string()
        };
        JobState::Failed(format!("internal error: the trial run stopped ({why})"))
    })
}

/// `/jobs/{id}`: the progress page, the report when done, the form with the message if failed;
/// `/jobs/{id}.json`: the state for the page's poller.
async fn job(State(st): State<Arc<AppState>>, UrlPath(file): UrlPath<String>) -> Response {
    let (id, json) = match file.strip_suffix(".json") {
        Some(id) => (id.to_string(), true),
        None => (file.clone(), false),
    };
    let job = id
        .parse::<usize>()
        .ok()
        .and_then(|i| st.jobs.0.lock().expect("jobs lock").get(i).cloned());
    let Some(job) = job else {
        return (StatusCode::NOT_FOUND, "no such job").into_response();
    };
    let (phase, done, total) = job.progress.snapshot();
    let percent = (total > 0).then(|| (100.0 * done as f64 / total as f64).min(100.0));
    let message = if total > 0 {
        format!("{phase}: {done} of {total} simulated trials")
    } else {
        format!("{phase}: {done} simulated trials")
    };
    let state = job.state.lock().expect("job lock");
    if json {
        let v = match &*state {
            JobState::Running => serde_json::json!({
                "state": "running", "phase": phase, "done": done, "total": total,
                "percent": percent, "message": message,
            }),
            JobState::Done(r) => serde_json::json!({
                "state": "done", "percent": 100.0, "result": format!("/result/{r}"),
            }),
            JobState::Failed(e) => serde_json::json!({ "state": "failed", "error": e }),
        };
        return (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            v.to_string(),
        )
            .into_response();
    }
    match &*state {
        JobState::Running => render_page(
            minijinja::context! {
                page => "job", title => "Trial power: running", message => message,
                percent => percent, poll => format!("/jobs/{id}.json"),
                here => format!("/jobs/{id}"), refresh => true,
                research_note => levodose::RESEARCH_USE_NOTE,
            },
            StatusCode::OK,
        ),
        JobState::Done(r) => match st.results.lock().expect("results lock").get(*r) {
            Some(s) => Html(s.html.clone()).into_response(),
            None => (StatusCode::NOT_FOUND, "no such result").into_response(),
        },
        JobState::Failed(e) => render_form(&trial_form(), Some(&job.values), Some(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run that panics ends its job as failed, with the panic's message; one that returns keeps
    /// its state.
    #[test]
    fn a_panicking_run_fails_its_job_with_the_message() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let joined = rt.block_on(async {
            tokio::task::spawn_blocking(|| -> JobState { panic!("replicate 3 went wrong") }).await
        });
        match ended(joined) {
            JobState::Failed(m) => assert_eq!(
                m,
                "internal error: the trial run stopped (it panicked: replicate 3 went wrong)"
            ),
            _ => panic!("a panicked run must fail its job"),
        }
        let joined = rt.block_on(async { tokio::task::spawn_blocking(|| JobState::Done(4)).await });
        assert!(matches!(ended(joined), JobState::Done(4)));
    }
}
