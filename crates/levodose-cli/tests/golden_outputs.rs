//! Golden outputs (issue 17): the `--json` output of every README example and of the test suite's
//! scenario runs, recorded by `scripts/golden.sh` before the code was restructured, must stay byte
//! for byte the same. A change of output is recorded again on purpose, with the reason in the commit.

mod shell;
use serde_json::{json, Value};
use shell::words;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `levodose ...` line of the README's sh blocks, without the leading `levodose`.
fn readme_lines(root: &Path) -> Vec<String> {
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut in_sh = false;
    let mut out = Vec::new();
    for line in readme.lines() {
        if line.starts_with("```") {
            in_sh = line.trim() == "```sh";
            continue;
        }
        let line = line.trim();
        if in_sh && line.starts_with("levodose ") && !line.starts_with("levodose serve") {
            out.push(line["levodose ".len()..].to_string());
        }
    }
    out
}

/// One command of the list: its arguments (out/ moved to out/golden/) and the stdout redirect.
fn command(line: &str, add_json: bool) -> (Vec<String>, Option<String>) {
    let mut args: Vec<String> = words(line)
        .into_iter()
        .map(|a| match a.strip_prefix("out/") {
            Some(rest) => format!("out/golden/{rest}"),
            None => a,
        })
        .collect();
    let redirect = args.iter().position(|a| a == ">").map(|i| {
        let file = args[i + 1].clone();
        args.truncate(i);
        file
    });
    let prints_text = args
        .iter()
        .any(|a| a == "--json" || a == "--write-template");
    if add_json && !prints_text {
        args.push("--json".into());
    }
    (args, redirect)
}

fn run(root: &Path, args: &[String], redirect: &Option<String>) -> (i32, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(args)
        .current_dir(root)
        .output()
        .unwrap();
    if let Some(file) = redirect {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &out.stdout).unwrap();
    }
    (out.status.code().unwrap_or(-1), out.stdout)
}

fn record(root: &Path, dir: &Path) {
    let list = std::fs::read_to_string(root.join("golden/commands.txt")).unwrap();
    let mut lines = Vec::new();
    for l in list.lines().map(str::trim) {
        if l == "README" {
            lines.extend(readme_lines(root));
        } else if !l.is_empty() && !l.starts_with('#') {
            lines.push(l.to_string());
        }
    }
    std::fs::create_dir_all(dir).unwrap();
    let mut index = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let (mut args, redirect) = command(line, true);
        let (mut code, mut stdout) = run(root, &args, &redirect);
        if code != 0 && args.last().map(String::as_str) == Some("--json") {
            // This command prints no JSON: record its text output.
            args.pop();
            (code, stdout) = run(root, &args, &redirect);
        }
        let file = format!("{:03}.out", i + 1);
        std::fs::write(dir.join(&file), &stdout).unwrap();
        index.push(json!({"file": file, "args": args, "redirect": redirect, "exit": code}));
    }
    let text = serde_json::to_string_pretty(&Value::Array(index)).unwrap() + "\n";
    std::fs::write(dir.join("index.json"), text).unwrap();
}

#[test]
fn every_recorded_output_is_byte_identical() {
    let root = root();
    let dir = root.join("golden/outputs");
    if std::env::var_os("LEVODOSE_GOLDEN_RECORD").is_some() {
        record(&root, &dir);
    }
    let index: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    assert!(index.len() >= 40, "only {} golden outputs", index.len());
    let mut differ = Vec::new();
    for entry in &index {
        let args: Vec<String> = entry["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        let redirect = entry["redirect"].as_str().map(String::from);
        let (code, stdout) = run(&root, &args, &redirect);
        let file = entry["file"].as_str().unwrap();
        let want = std::fs::read(dir.join(file)).unwrap();
        assert!(!want.is_empty(), "{file}: recorded output is empty");
        if code != entry["exit"].as_i64().unwrap() as i32 || stdout != want {
            differ.push(format!("{file}: levodose {}", args.join(" ")));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} outputs differ from golden/outputs:\n{}",
        differ.len(),
        index.len(),
        differ.join("\n")
    );
}
