//! Output helpers: atomic file writes, JSON to stdout.

use crate::error::{CliError, CliResult};
use levodose_report::raster;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Creates the output directory (and parents). Errors name the path.
pub fn ensure_dir(dir: &Path) -> CliResult<()> {
    fs::create_dir_all(dir).map_err(|e| {
        CliError::input(format!(
            "--out {}: cannot create directory: {e}",
            dir.display()
        ))
    })
}

/// Writes `bytes` to `dir/name` atomically: a temporary file in the same directory, then rename,
/// so a reader never sees a partial file under the final name.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> CliResult<PathBuf> {
    let final_path = dir.join(name);
    let tmp_path = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp_path)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp_path, &final_path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp_path);
        return Err(CliError::Internal(anyhow::anyhow!(
            "writing {}: {e}",
            final_path.display()
        )));
    }
    Ok(final_path)
}

/// Writes a set of rendered files into `dir`, each atomically. Every `x.svg` is also written as
/// `x.png` at print resolution (see `raster`): this is the one place figures reach the disk, so
/// no command can forget its PNGs. Callers render every file first and the PNGs are rendered
/// here before anything is written, so a failure while rendering leaves no partial set behind.
pub fn write_files<S: AsRef<str>>(dir: &Path, files: &[(S, Vec<u8>)]) -> CliResult<()> {
    let mut pngs = Vec::new();
    for (name, bytes) in files {
        if let Some(png) = raster::png_name(name.as_ref()) {
            let rendered = raster::svg_to_png(bytes)
                .map_err(|e| CliError::Internal(e.context(format!("figure {}", name.as_ref()))))?;
            pngs.push((png, rendered));
        }
    }
    ensure_dir(dir)?;
    for (name, bytes) in files {
        write_atomic(dir, name.as_ref(), bytes)?;
    }
    for (name, bytes) in &pngs {
        write_atomic(dir, name, bytes)?;
    }
    Ok(())
}

/// The names of the files `write_files` writes for `files` (each `x.svg` followed by its
/// `x.png`), joined for a "Wrote ..." line.
pub fn file_names<S: AsRef<str>>(files: &[(S, Vec<u8>)]) -> String {
    written_names(files.iter().map(|f| f.0.as_ref())).join(", ")
}

/// The names `write_files` writes for files named `names`: each name, and after an SVG its PNG.
pub fn written_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    names
        .into_iter()
        .flat_map(|n| std::iter::once(n.to_string()).chain(raster::png_name(n)))
        .collect()
}

/// A fraction as a percentage with one decimal, e.g. "78.5 %".
pub fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

/// Serialises `value` as pretty JSON with a trailing newline.
pub fn to_json<T: serde::Serialize>(value: &T) -> CliResult<String> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    Ok(s)
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> CliResult<()> {
    print!("{}", to_json(value)?);
    Ok(())
}
