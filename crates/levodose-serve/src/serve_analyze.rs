//! The analysis upload pages of `levodose serve`: dose-response, NCA and the preclinical study.
//!
//! Each page is a multipart form: the uploaded files go into one folder of the server's temporary
//! folder (removed when the request is answered), the other fields become the flags of the
//! equivalent `levodose analyze ...` command, and the command is parsed by the CLI's parser and
//! run through the command's own `compute`. A bad upload therefore gets the CLI's message, and the
//! result page is the `--out` report with the exact command and the `--json` document.

use super::serve::{argv_of, field, render_form, sanitize_file_name, submit, AppState, FormPage};
use axum::extract::{Multipart, State};
use axum::response::Response;
use levodose_commands::analyze::{self, html};
use levodose_commands::error::{CliError, CliResult};
use levodose_commands::io::to_json;
use levodose_report::Document;
use std::collections::BTreeMap;
use std::sync::Arc;

pub(super) fn dose_response_form() -> FormPage {
    FormPage {
        path: "/analyze/dose-response",
        title: "Dose-response fit (upload)",
        intro: "Least-squares fit of a 4-parameter log-logistic or Emax model to a CSV file: ED50 with its interval and the AIC comparison of every model.",
        fields: vec![
            field("data", "CSV file (one row per observation)", "file", "", "size-limited"),
            field("dose", "Dose column", "text", "dose", "numbers >= 0"),
            field("response", "Response column", "text", "response", ""),
            field("model", "Model", "text", "ll4", "ll4, emax or emax0"),
        ],
        multipart: true,
    }
}

pub(super) fn nca_form() -> FormPage {
    FormPage {
        path: "/analyze/nca",
        title: "Non-compartmental analysis (upload)",
        intro:
            "NCA as Phoenix WinNonlin computes it, parameters named as PKNCA, summaries by group.",
        fields: vec![
            field(
                "data",
                "CSV file (one row per sample)",
                "file",
                "",
                "size-limited",
            ),
            field("id", "Subject column", "text", "ID", ""),
            field("time", "Time column", "text", "TIME", ""),
            field("conc", "Concentration column", "text", "CONC", ""),
            field(
                "dose",
                "Dose (same for every subject)",
                "number",
                "",
                "> 0; or a dose column",
            ),
            field(
                "dose-column",
                "Dose column",
                "text",
                "",
                "each subject's dose",
            ),
            field(
                "route",
                "Route",
                "text",
                "extravascular",
                "extravascular, iv-bolus or iv-infusion",
            ),
            field(
                "duration",
                "Infusion duration (time unit)",
                "number",
                "",
                "iv-infusion only",
            ),
            field("group", "Group column (summaries by group)", "text", "", ""),
            field(
                "time-unit",
                "Time unit (empty: unitless)",
                "text",
                "",
                "e.g. h",
            ),
            field(
                "conc-unit",
                "Concentration unit (empty: unitless)",
                "text",
                "",
                "e.g. ng/mL",
            ),
            field(
                "dose-unit",
                "Dose unit (empty: unitless)",
                "text",
                "",
                "e.g. mg or mg/kg",
            ),
            field(
                "lloq",
                "LLOQ (concentration unit)",
                "number",
                "",
                "samples below are BLQ",
            ),
            field(
                "tau",
                "Dosing interval at steady state",
                "number",
                "",
                "empty: single dose",
            ),
        ],
        multipart: true,
    }
}

pub(super) fn study_form() -> FormPage {
    FormPage {
        path: "/analyze/study",
        title: "Preclinical study analysis (upload)",
        intro: "Group comparisons of protocol 1 (ANOVA, Welch, Dunnett, Tukey, Kruskal-Wallis, Dunn, qPCR, Western, locomotor check), settings from the scenario's [analysis] section.",
        fields: vec![
            field("data", "CSV file (one row per animal)", "file", "", "size-limited"),
            field("scenario", "Scenario TOML with an [analysis] section (optional)", "file", "", "e.g. from levodose design preclinical"),
            field("unblind", "Blinding key CSV (optional)", "file", "", "blinding_key.csv from design preclinical"),
            field("group", "Group column (empty: scenario or GROUP)", "text", "", ""),
            field("control", "Control group (empty: scenario)", "text", "", "e.g. vehicle + LPS"),
            field("calibrator", "Calibrator group (empty: scenario)", "text", "", "e.g. vehicle + saline"),
            field("endpoint", "Endpoints (comma separated; empty: scenario)", "text", "", "numeric columns"),
            field("levels", "Group order (comma separated)", "text", "", "default: first appearance"),
        ],
        multipart: true,
    }
}

/// Runs an analysis parsed from a workbench form to its report and `--json` document.
pub(super) fn run_command(cmd: crate::cli::Command) -> CliResult<(Document, String)> {
    let crate::cli::Command::Analyze(analyze::Args { what }) = cmd else {
        return Err(CliError::input("this command has no workbench page"));
    };
    match what {
        analyze::What::DoseResponse(a) => {
            let c = analyze::dose_response::compute(&a)?;
            let json = to_json(&analyze::dose_response::report_json(&c.fit, &c.comparison))?;
            Ok((html::dose_response::document(&c, &a)?, json))
        }
        analyze::What::Nca(a) => {
            let c = analyze::nca::compute(&a)?;
            let json = to_json(&c.report())?;
            Ok((html::nca::document(&c, &a)?, json))
        }
        analyze::What::Study(a) => {
            let r = analyze::study::compute(&a)?;
            let json = to_json(&analyze::study_report::json(&r)?)?;
            Ok((html::study::document(&r, &a)?, json))
        }
        _ => Err(CliError::input("this command has no workbench page")),
    }
}

/// An uploaded file: its form field and the name the user gave it.
struct Upload {
    field: String,
    name: String,
    bytes: Vec<u8>,
}

/// Reads the form: text fields as values, non-empty files as uploads; a failed read (e.g. over
/// the size limit) is the form again with the message.
async fn read_form(
    page: &FormPage,
    mut mp: Multipart,
) -> Result<(BTreeMap<String, String>, Vec<Upload>), Response> {
    let files: Vec<&str> = page
        .fields
        .iter()
        .filter(|f| f.kind == "file")
        .map(|f| f.name)
        .collect();
    let mut values = BTreeMap::new();
    let mut uploads = Vec::new();
    loop {
        match mp.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or_default().to_string();
                if files.contains(&name.as_str()) {
                    let file_name = f.file_name().unwrap_or("upload").to_string();
                    match f.bytes().await {
                        Ok(b) if b.is_empty() => {}
                        Ok(b) => uploads.push(Upload {
                            field: name,
                            name: file_name,
                            bytes: b.to_vec(),
                        }),
                        Err(e) => {
                            return Err(render_form(
                                page,
                                Some(&values),
                                Some(&format!("{name}: upload failed (size limit?): {e}")),
                            ))
                        }
                    }
                } else {
                    values.insert(name, f.text().await.unwrap_or_default());
                }
            }
            Ok(None) => return Ok((values, uploads)),
            Err(e) => {
                return Err(render_form(
                    page,
                    Some(&values),
                    Some(&format!("upload failed (size limit?): {e}")),
                ))
            }
        }
    }
}

/// Stores the uploads, builds the command (data file positional, other files as `--FIELD PATH`,
/// list fields repeated) and answers it; the upload folder is removed afterwards.
async fn answer(
    st: Arc<AppState>,
    page: FormPage,
    command: &[&str],
    list_fields: &[&str],
    mp: Multipart,
) -> Response {
    let (mut values, uploads) = match read_form(&page, mp).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    if !uploads.iter().any(|u| u.field == "data") {
        return render_form(
            &page,
            Some(&values),
            Some("data: choose a CSV file to upload"),
        );
    }
    let n = {
        let mut u = st.uploads.lock().expect("uploads lock");
        *u += 1;
        *u
    };
    let dir = st.upload_dir.join(format!("upload-{n}"));
    let mut lists: Vec<(String, String)> = Vec::new();
    for name in list_fields {
        if let Some(v) = values.remove(*name) {
            for item in v.split(',').map(str::trim).filter(|x| !x.is_empty()) {
                lists.push((name.to_string(), item.to_string()));
            }
        }
    }
    let mut argv = argv_of(command, &page, &values);
    let mut shown_argv = argv.clone();
    let at = command.len() + 1;
    for u in &uploads {
        // Each file in its own sub-folder, so two uploads with the same name cannot collide.
        let shown = sanitize_file_name(&u.name);
        let path = dir.join(&u.field).join(&shown);
        let stored = std::fs::create_dir_all(dir.join(&u.field))
            .and_then(|_| std::fs::write(&path, &u.bytes));
        if let Err(e) = stored {
            let _ = std::fs::remove_dir_all(&dir);
            return render_form(
                &page,
                Some(&values),
                Some(&format!("{}: cannot store the upload: {e}", u.field)),
            );
        }
        if u.field == "data" {
            argv.insert(at, path.display().to_string());
            shown_argv.insert(at, shown);
        } else {
            argv.extend([format!("--{}", u.field), path.display().to_string()]);
            shown_argv.extend([format!("--{}", u.field), shown]);
        }
    }
    for (name, item) in lists {
        argv.extend([format!("--{name}"), item.clone()]);
        shown_argv.extend([format!("--{name}"), item]);
    }
    let resp = submit(st, page, argv, shown_argv, values).await;
    let _ = std::fs::remove_dir_all(&dir);
    resp
}

pub(super) async fn form_dose_response() -> Response {
    render_form(&dose_response_form(), None, None)
}
pub(super) async fn form_nca() -> Response {
    render_form(&nca_form(), None, None)
}
pub(super) async fn form_study() -> Response {
    render_form(&study_form(), None, None)
}

pub(super) async fn post_dose_response(State(st): State<Arc<AppState>>, mp: Multipart) -> Response {
    answer(
        st,
        dose_response_form(),
        &["analyze", "dose-response"],
        &[],
        mp,
    )
    .await
}
pub(super) async fn post_nca(State(st): State<Arc<AppState>>, mp: Multipart) -> Response {
    answer(st, nca_form(), &["analyze", "nca"], &[], mp).await
}
pub(super) async fn post_study(State(st): State<Arc<AppState>>, mp: Multipart) -> Response {
    answer(st, study_form(), &["analyze", "study"], &["endpoint"], mp).await
}
