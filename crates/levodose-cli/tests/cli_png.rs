//! Every SVG figure a command writes with `--out` is also written as a PNG at print resolution
//! (300 dpi at the SVG's size, recorded in the pHYs chunk); the PNG decodes, shows the figure
//! (dark pixels where text and axes are, not a blank page) and is byte-identical for the same
//! input.

use std::path::{Path, PathBuf};
use std::process::Command;

/// 300 dpi in pixels per metre (the unit of the PNG pHYs chunk): 300 / 0.0254, rounded.
const PPM_300_DPI: u32 = 11811;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("levodose-png-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_levodose"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn optimize(dir: &Path) -> String {
    run(&[
        "optimize",
        "--target",
        "net_occupancy.trough>=0.6",
        "--comed",
        "ketoconazole",
        "--allow-off-label",
        "--subjects",
        "300",
        "--out",
        dir.to_str().unwrap(),
    ])
}

fn nca(dir: &Path) -> String {
    run(&[
        "analyze",
        "nca",
        "examples/nca/rat_pilot.csv",
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
        "--out",
        dir.to_str().unwrap(),
    ])
}

/// The number in `name="123"` inside the SVG's root element.
fn svg_attr(svg: &str, name: &str) -> f64 {
    let root = &svg[svg.find("<svg").expect("an <svg> element")..];
    let root = &root[..root.find('>').unwrap()];
    let key = format!(" {name}=\"");
    let start = root
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {root}"))
        + key.len();
    let end = start + root[start..].find('"').unwrap();
    root[start..end].trim_end_matches("px").parse().unwrap()
}

/// Decodes a PNG: (width, height, pixels per metre, RGB(A) samples, channels).
fn decode(bytes: &[u8]) -> (u32, u32, Option<png::PixelDimensions>, Vec<u8>, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let channels = info.color_type.samples();
    buf.truncate(info.buffer_size());
    let dims = reader.info().pixel_dims;
    (info.width, info.height, dims, buf, channels)
}

/// Checks every SVG in `dir` has its PNG at 300 dpi of the SVG's size, with visible content;
/// returns the number of figures checked.
fn check_pngs(dir: &Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("svg") {
            continue;
        }
        n += 1;
        let svg = std::fs::read_to_string(&path).unwrap();
        let png_path = path.with_extension("png");
        let bytes =
            std::fs::read(&png_path).unwrap_or_else(|e| panic!("{}: {e}", png_path.display()));
        let (w, h, dims, px, channels) = decode(&bytes);
        // 300 dpi at the SVG's size in CSS px (96 per inch).
        let expect = |css_px: f64| (css_px * 300.0 / 96.0).round() as u32;
        assert_eq!(
            (w, h),
            (
                expect(svg_attr(&svg, "width")),
                expect(svg_attr(&svg, "height"))
            ),
            "{}",
            png_path.display()
        );
        let dims = dims.unwrap_or_else(|| panic!("{}: no pHYs", png_path.display()));
        assert_eq!((dims.xppu, dims.yppu), (PPM_300_DPI, PPM_300_DPI));
        assert_eq!(dims.unit, png::Unit::Meter);
        // Not blank and not a black page: text, axes and lines are dark pixels on white.
        let pixels = (w as usize) * (h as usize);
        let dark = px
            .chunks_exact(channels)
            .filter(|p| p[..3].iter().all(|&c| c < 90))
            .count();
        let white = px
            .chunks_exact(channels)
            .filter(|p| p[..3].iter().all(|&c| c > 245))
            .count();
        assert!(
            dark > pixels / 500,
            "{}: only {dark} of {pixels} pixels are dark (text and axes missing?)",
            png_path.display()
        );
        assert!(
            white > pixels / 2,
            "{}: background not white",
            png_path.display()
        );
    }
    n
}

#[test]
fn optimize_writes_a_print_resolution_png_for_every_svg() {
    let dir = scratch("optimize");
    let stdout = optimize(&dir);
    assert_eq!(check_pngs(&dir), 2, "pta_by_dose and target_spread");
    for f in ["pta_by_dose.png", "target_spread.png"] {
        assert!(stdout.contains(f), "printed file list lacks {f}: {stdout}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn nca_writes_a_print_resolution_png_for_every_svg() {
    let dir = scratch("nca");
    let stdout = nca(&dir);
    // 12 subjects in examples/nca/rat_pilot.csv: linear and log profile each, and the spaghetti plot.
    assert_eq!(check_pngs(&dir), 2 * 12 + 1);
    // nca.json, nca_results.csv, pp.csv, report.html and the 25 figures as SVG and PNG.
    assert!(
        stdout.contains("Wrote 54 files (each figure as SVG and PNG)"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn same_input_gives_byte_identical_pngs() {
    let (a, b) = (scratch("same-a"), scratch("same-b"));
    optimize(&a);
    optimize(&b);
    for f in ["pta_by_dose.png", "target_spread.png"] {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs between two identical runs");
    }
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}
