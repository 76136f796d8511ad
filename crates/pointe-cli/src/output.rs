//! Printing: aligned tables for people, JSON and JSON lines for programs.
//!
//! Everything a command prints goes through [`write_out`] (the `out!`/`outln!` macros): text
//! from feeds may hold terminal control sequences, which are shown escaped rather than sent to
//! the terminal, and a write error (a closed pipe, as in `pointe products list | head`) comes
//! back as an error the command returns, never a panic.

use std::borrow::Cow;
use std::io::Write;

use unicode_width::UnicodeWidthStr;

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

/// Prints like `print!`, through [`write_out`]; evaluates to an `io::Result`.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_out(&format!($($arg)*))
    };
}

/// Prints like `println!`, through [`write_out`]; evaluates to an `io::Result`.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::output::write_out("\n")
    };
    ($($arg:tt)*) => {
        $crate::output::write_out(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes `text` to standard output with its control characters (but newlines and tabs)
/// escaped, so that an escape sequence in a product title never reaches the terminal.
pub fn write_out(text: &str) -> std::io::Result<()> {
    std::io::stdout()
        .lock()
        .write_all(escape_controls(text).as_bytes())
}

/// `text` with every control character but `\n` and `\t` written as `\u{1b}`.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `err` comes from writing to a pipe whose reader has gone: the command then ends
/// quietly, as `head` expects of the programs it reads.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
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

/// Writes rows as aligned columns; the first row is the header. Widths are display columns, so
/// `£`, accented names and Chinese or Japanese text (two columns a character) line up.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.width());
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
                line.extend(std::iter::repeat_n(' ', widths[i] - cell.width() + 2));
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

/// `n` and its noun, singular for one.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A data directory's state for a terminal: its counts, then the last ingests.
pub fn status_text(s: &pointe_app::status::Status) -> String {
    let mut out = format!(
        "{}, {}, {} (store generation {})\n",
        count(s.products, "product", "products"),
        count(s.edits as u64, "edit", "edits"),
        count(s.trend_series as u64, "trend series", "trend series"),
        s.generation
    );
    if s.ingests.is_empty() {
        out.push_str("No feed ingested yet.\n");
        return out;
    }
    let mut rows = vec![vec![
        "SEEN".to_string(),
        "SOURCE".into(),
        "FORMAT".into(),
        "NEW".into(),
        "UPDATED".into(),
        "UNCHANGED".into(),
        "REJECTED".into(),
    ]];
    for i in &s.ingests {
        rows.push(vec![
            i.seen_at.to_string(),
            clip(&i.source, 40),
            i.format.clone(),
            i.accepted.to_string(),
            i.updated.to_string(),
            i.unchanged.to_string(),
            i.rejected.to_string(),
        ]);
    }
    out.push_str(&table(&rows));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_control_sequences_are_escaped_and_plain_text_is_untouched() {
        assert_eq!(
            escape_controls("Flats \u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m"),
            "Flats \\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{9b}31m"
        );
        assert!(matches!(escape_controls("a\tb\nc £5"), Cow::Borrowed(_)));
    }

    #[test]
    fn tables_align_wide_characters_by_display_width() {
        let rows = vec![
            vec!["term".to_string(), "n".to_string()],
            vec!["芭蕾风".to_string(), "1".to_string()],
            vec!["ballet".to_string(), "2".to_string()],
        ];
        let text = table(&rows);
        let columns: Vec<usize> = text
            .lines()
            .map(|l| l[..l.rfind(' ').unwrap()].width() + 1)
            .collect();
        assert_eq!(columns, [8, 8, 8], "{text}");
    }
}
