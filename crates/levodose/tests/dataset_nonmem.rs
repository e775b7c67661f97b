//! NONMEM dataset reader and writer: bad data name the line; the writer's output reads back to
//! the same doses and samples; the reference datasets read with the counts their README states.

use levodose::dataset::{self, ReadOptions, WriteSubject};
use levodose::regimen::{DoseEvent, Route};
use std::path::PathBuf;

fn reference() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/poppk/data");
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/reference not found");
        None
    }
}

fn read_err(text: &str) -> String {
    match dataset::read(text, &ReadOptions::default()) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn subject_without_observations_is_named_with_its_line() {
    let e = read_err("ID,TIME,AMT,DV,EVID\n1,0,100,0,1\n1,1,0,5,0\n2,0,100,0,1\n");
    assert!(
        e.contains("line 4") && e.contains("subject 2") && e.contains("no observations"),
        "{e}"
    );
}

#[test]
fn dose_without_amt_is_rejected() {
    let e = read_err("ID,TIME,AMT,DV,EVID\n1,0,.,0,1\n1,1,0,5,0\n");
    assert!(e.contains("line 2") && e.contains("AMT"), "{e}");
}

#[test]
fn time_going_backwards_is_rejected() {
    let e = read_err("ID,TIME,AMT,DV,EVID\n1,0,100,0,1\n1,2,0,5,0\n1,1,0,4,0\n");
    assert!(e.contains("line 4") && e.contains("backwards"), "{e}");
}

#[test]
fn unsupported_items_are_rejected() {
    let e = read_err("ID,TIME,AMT,DV,EVID,SS,II\n1,0,100,0,1,1,24\n1,1,0,5,0,0,0\n");
    assert!(e.contains("line 2") && e.contains("SS"), "{e}");
    let e = read_err("ID,TIME,AMT,DV,EVID\n1,0,100,0,3\n1,1,0,5,0\n");
    assert!(e.contains("EVID") && e.contains("reset"), "{e}");
    let e = read_err("ID,TIME,AMT,DV,EVID,RATE\n1,0,100,0,1,-2\n1,1,0,5,0,0\n");
    assert!(e.contains("RATE"), "{e}");
    let e = read_err("ID,TIME,AMT,DV\n1,0,100,0\n1,1,0,5\n2,0,100,0\n2,1,0,5\n1,2,0,3\n");
    assert!(e.contains("line 6") && e.contains("reappears"), "{e}");
}

#[test]
fn ignored_columns_are_not_items_and_addl_expands() {
    let text = "ID,TIME,AMT,DV,EVID,ADDL,II,SS,WT\n1,0,10,0,1,2,12,99,70\n1,30,0,5,0,0,0,99,70\n";
    let e = read_err(text);
    assert!(e.contains("SS"), "{e}");
    let opts = ReadOptions {
        ignore: vec!["ss".into()],
        units: None,
    };
    let d = dataset::read(text, &opts).unwrap();
    let s = &d.subjects[0];
    let times: Vec<f64> = s.doses.iter().map(|d| d.time_h).collect();
    assert_eq!(times, vec![0.0, 12.0, 24.0]);
    assert_eq!(s.covariates["WT"], 70.0);
    assert_eq!(d.covariate_names, vec!["WT".to_string()]);
}

#[test]
fn negative_dv_is_rejected_for_proportional_error() {
    let d = dataset::read(
        "ID,TIME,AMT,DV,EVID\n1,0,100,0,1\n1,1,0,-0.5,0\n",
        &ReadOptions::default(),
    )
    .unwrap();
    let e = d.check_positive_dv().unwrap_err().to_string();
    assert!(e.contains("line 3") && e.contains("proportional"), "{e}");
}

#[test]
fn writer_output_reads_back_to_the_same_events() {
    let subjects = vec![WriteSubject {
        id: 7,
        covariates: vec![("CRCL".into(), 85.5)],
        parameters: vec![("SIMCL".into(), 23.1)],
        doses: vec![
            DoseEvent {
                time_h: 0.0,
                amount_mg: 40.0,
                route: Route::Po,
                infusion_h: None,
            },
            DoseEvent {
                time_h: 24.0,
                amount_mg: 80.0,
                route: Route::Po,
                infusion_h: None,
            },
        ],
        samples: vec![(1.5, 30.25), (24.0, 12.125)],
    }];
    let text = dataset::write(&subjects);
    let d = dataset::read(&text, &ReadOptions::default()).unwrap();
    assert_eq!(d.units.dv.as_str(), "ng/mL");
    let s = &d.subjects[0];
    assert_eq!(s.id, "7");
    assert_eq!(s.dose_events(Some(1)), subjects[0].doses);
    let obs: Vec<(f64, f64)> = s.observations.iter().map(|o| (o.time_h, o.dv)).collect();
    assert_eq!(obs, subjects[0].samples);
    assert_eq!(s.covariates["CRCL"], 85.5);
    assert_eq!(s.covariates["SIMCL"], 23.1);
    assert!(text.lines().nth(1).unwrap().starts_with("# simulated:"));
    // pre-dose sample at 24 h is written before the 24 h dose
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.iter().position(|l| l.starts_with("7,24,0,")).unwrap()
            < lines
                .iter()
                .position(|l| l.starts_with("7,24,80,"))
                .unwrap()
    );
}

#[test]
fn reference_datasets_read_with_their_documented_counts() {
    let Some(dir) = reference() else { return };
    let theo = std::fs::read_to_string(dir.join("theo_sd_nonmem.csv")).unwrap();
    let d = dataset::read(&theo, &ReadOptions::default()).unwrap();
    assert_eq!(d.subjects.len(), 12);
    assert_eq!(d.n_observations(), 132); // README: N = 132 observations incl. 12 at time 0
    let u023 = std::fs::read_to_string(dir.join("oral_1cpt_sd.csv")).unwrap();
    let opts = ReadOptions {
        ignore: vec!["SS".into(), "II".into()],
        units: None,
    };
    let d = dataset::read(&u023, &opts).unwrap();
    assert_eq!(d.subjects.len(), 120);
    assert_eq!(d.n_observations(), 2273); // issue 12: 120 subjects, 2273 observations
    assert_eq!(d.inert_rows, 7); // the EVID 2 rows
    let u024 = std::fs::read_to_string(dir.join("oral_1cpt_md.csv")).unwrap();
    let d = dataset::read(&u024, &opts).unwrap();
    assert_eq!(d.n_observations(), 4674); // issue 12: U024 4674 observations
    assert_eq!(d.subjects[0].doses.len(), 7);
}
