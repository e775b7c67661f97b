//! Table building shared by every report: a [`Table`] is built row by row from already formatted
//! cells, and the number formats below are the ones the terminal tables use, so a value reads the
//! same in the report, the text output and (at full precision) the JSON.

use crate::document::Table;

impl Table {
    /// An empty table with a caption and column headers (units belong in the headers).
    pub fn new(caption: impl Into<String>, header: &[&str]) -> Table {
        Table {
            caption: caption.into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            note: None,
        }
    }

    /// Appends one row of formatted cells.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Sets the footnote shown under the table.
    pub fn with_note(mut self, note: impl Into<String>) -> Table {
        self.note = Some(note.into());
        self
    }

    /// Whether the table has no rows (empty tables are left out of a report).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// `x` with `digits` decimals; a missing value (not estimable) is "-".
pub fn fixed(x: Option<f64>, digits: usize) -> String {
    x.map(|v| format!("{v:.digits$}"))
        .unwrap_or_else(|| "-".into())
}

/// A p-value: four decimals, or scientific notation below 1e-4 so small values stay readable.
pub fn p_value(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}

/// Four significant digits (e.g. ED50 or NCA parameters spanning orders of magnitude);
/// a missing value is "-".
pub fn sig4(x: Option<f64>) -> String {
    match x {
        None => "-".into(),
        Some(v) if v == 0.0 || !v.is_finite() => format!("{v}"),
        Some(v) if v.abs() >= 1e6 || v.abs() < 1e-4 => format!("{v:.3e}"),
        Some(v) => {
            let decimals = (3 - v.abs().log10().floor() as i32).max(0) as usize;
            format!("{v:.decimals$}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_the_terminal_tables() {
        assert_eq!(fixed(Some(1.23456), 3), "1.235");
        assert_eq!(fixed(None, 3), "-");
        assert_eq!(p_value(0.04321), "0.0432");
        assert_eq!(p_value(0.00001234), "1.23e-5");
        assert_eq!(sig4(Some(12.3456)), "12.35");
        assert_eq!(sig4(Some(0.0123456)), "0.01235");
        assert_eq!(sig4(Some(12345.6)), "12346");
        assert_eq!(sig4(None), "-");
    }

    #[test]
    fn rows_are_kept_in_order() {
        let mut t = Table::new("c", &["a", "b"]);
        assert!(t.is_empty());
        t.row(vec!["1".into(), "2".into()]);
        t.row(vec!["3".into(), "4".into()]);
        let t = t.with_note("n");
        assert_eq!(t.rows[1], vec!["3", "4"]);
        assert_eq!(t.note.as_deref(), Some("n"));
    }
}
