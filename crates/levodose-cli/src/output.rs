//! Output helpers: atomic file writes, JSON to stdout.

use crate::error::{CliError, CliResult};
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

/// Writes a set of rendered files into `dir`, each atomically. Callers render every file first,
/// so a failure while rendering leaves no partial set behind.
pub fn write_files(dir: &Path, files: &[(&str, Vec<u8>)]) -> CliResult<()> {
    ensure_dir(dir)?;
    for (name, bytes) in files {
        write_atomic(dir, name, bytes)?;
    }
    Ok(())
}

/// The names of `files`, joined for a "Wrote ..." line.
pub fn file_names(files: &[(&str, Vec<u8>)]) -> String {
    files.iter().map(|f| f.0).collect::<Vec<_>>().join(", ")
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
