//! Printing: aligned tables for people, JSON and JSON lines for programs.

use std::io::Write;

use serde::Serialize;

/// How a command prints data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Markdown (render commands).
    Md,
    /// HTML (render commands).
    Html,
}

/// Prints one JSON document followed by a newline.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Prints a list as the contract wants it: `{"items": [...], "total": n}` for JSON, one item per
/// line for JSON lines.
pub fn print_list<T: Serialize>(format: Format, items: &[T], total: u64) -> anyhow::Result<()> {
    match format {
        Format::Jsonl => {
            let mut out = std::io::stdout().lock();
            for item in items {
                serde_json::to_writer(&mut out, item)?;
                writeln!(out)?;
            }
            Ok(())
        }
        _ => print_json(&serde_json::json!({ "items": items, "total": total })),
    }
}

/// Writes rows as aligned columns; the first row is the header. Widths count characters, so
/// `£` and accented names line up.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(
                    ' ',
                    widths[i] - cell.chars().count() + 2,
                ));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Shortens text to `max` characters with an ellipsis.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// A price for a table cell: its display form, or "-" when there is none.
pub fn price_cell(price: Option<&pointe_core::catalog::MoneyView>) -> String {
    price.map_or_else(|| "-".into(), |p| p.display.clone())
}
