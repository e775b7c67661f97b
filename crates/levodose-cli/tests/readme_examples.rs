//! Every `levodose ...` line in the README's sh blocks runs, exits 0 and prints something; what
//! prints JSON (`--json`) prints JSON that parses. The README's NCA round trip holds.

mod shell;
use shell::words;
use std::path::PathBuf;
use std::process::Command;

#[test]
fn readme_examples_run() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut in_sh = false;
    let mut ran = 0;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_sh = line.trim() == "```sh";
            continue;
        }
        let line = line.trim();
        if !in_sh || !line.starts_with("levodose ") {
            continue;
        }
        let mut args = words(line);
        // `> FILE` redirects stdout, as in a shell.
        let redirect = args.iter().position(|a| a == ">").map(|i| {
            let file = args.get(i + 1).cloned().expect("a file after >");
            args.truncate(i);
            root.join(file)
        });
        let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
            .args(&args[1..])
            .current_dir(&root)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "README example failed: {line}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&out.stdout).trim().is_empty(),
            "README example printed nothing: {line}"
        );
        if args.iter().any(|a| a == "--json") {
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(&out.stdout) {
                panic!("README example's --json output does not parse ({e}): {line}");
            }
        }
        if let Some(path) = redirect {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &out.stdout).unwrap();
        }
        ran += 1;
    }
    assert!(ran >= 5, "only {ran} README examples found");
    // The round trip is part of what the README promises: it must still be there, and hold.
    for file in ["out/nca/roundtrip_nm.csv", "out/nca/roundtrip_nca.json"] {
        assert!(
            readme.contains(file),
            "the README no longer writes {file} (its NCA round trip)"
        );
    }
    nca_round_trip_holds(&root);
}

/// The README's NONMEM round trip: every subject's aucinf_obs within 1 % of F*Dose/CL of its own
/// parameters (the SIMF, AMT and SIMCL columns of the dataset the README's simulate wrote).
fn nca_round_trip_holds(root: &std::path::Path) {
    let text = std::fs::read_to_string(root.join("out/nca/roundtrip_nm.csv")).unwrap();
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (id, amt, evid, cl, f) = (
        col("ID"),
        col("AMT"),
        col("EVID"),
        col("SIMCL"),
        col("SIMF"),
    );
    let mut expected = std::collections::HashMap::new();
    for l in lines {
        let c: Vec<&str> = l.split(',').collect();
        let num = |i: usize| c[i].parse::<f64>().unwrap();
        if num(evid) == 1.0 {
            // mg*h/L -> ng*h/mL
            expected.insert(c[id].to_string(), 1000.0 * num(f) * num(amt) / num(cl));
        }
    }
    let nca: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("out/nca/roundtrip_nca.json")).unwrap())
            .unwrap();
    let subjects = nca["subjects"].as_array().unwrap();
    assert_eq!(subjects.len(), expected.len());
    assert!(!subjects.is_empty());
    for s in subjects {
        let want = expected[s["id"].as_str().unwrap()];
        let got = s["parameters"]["aucinf_obs"].as_f64().unwrap();
        assert!(
            (got / want - 1.0).abs() < 0.01,
            "{}: {got} vs {want}",
            s["id"]
        );
    }
}
