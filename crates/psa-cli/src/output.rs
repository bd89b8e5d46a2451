//! How results are shown: a table for people, JSON (`--json`) for scripts.
//! Messages and progress go to stderr, results to stdout.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use crate::error::CliError;
use serde::Serialize;

/// A listing's row: its JSON form and its table cells.
pub(crate) trait Row: Serialize {
    /// The table's column headers.
    const HEADERS: &'static [&'static str];
    /// The cells, one per header.
    fn cells(&self) -> Vec<String>;
}

/// Prints rows as a table (or a JSON array), then the `empty` note on
/// stderr when there are none.
pub(crate) fn rows<R: Row>(json: bool, rows: &[R], empty: &str) {
    if json {
        println!("{}", to_json(&rows));
        return;
    }
    if rows.is_empty() {
        eprintln!("{empty}");
        return;
    }
    let cells: Vec<Vec<String>> = rows.iter().map(Row::cells).collect();
    let mut widths: Vec<usize> = R::HEADERS.iter().map(|h| h.chars().count()).collect();
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let headers: Vec<String> = R::HEADERS.iter().map(|h| h.to_uppercase()).collect();
    println!("{}", line(&headers));
    for row in &cells {
        println!("{}", line(row));
    }
}

/// Prints one result: `text` for people, `value` as JSON for scripts.
pub(crate) fn one<T: Serialize>(json: bool, value: &T, text: &str) {
    if json {
        println!("{}", to_json(value));
    } else {
        println!("{text}");
    }
}

/// A note for people (stderr; not shown with `--json`).
pub(crate) fn note(json: bool, text: &str) {
    if !json {
        eprintln!("{text}");
    }
}

pub(crate) fn error_line(error: &CliError) {
    eprintln!("error: {error}");
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// A cell for an optional value.
pub(crate) fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}
