//! Row issues summarised by kind: a feed that repeats one fault on a thousand rows gets one line
//! with the count and the first lines, not a thousand lines.

use serde::Serialize;

use crate::feed::RowIssue;

/// How many kinds a summary tells apart; issues of further kinds are counted under the last.
const MAX_KINDS: usize = 64;

/// How many lines a kind keeps as examples.
const EXAMPLE_LINES: usize = 5;

/// One kind of row issue: the same field and the same reason but for the values in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueKind {
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// The reason given for the first row of this kind.
    pub example: String,
    /// The item of the first row of this kind, when the feed named it.
    pub item: Option<String>,
    /// How many rows had it.
    pub count: u64,
    /// The first lines of the file that had it, in order.
    pub lines: Vec<u64>,
    /// The key rows of one kind share (the reason with its values masked); not shown.
    #[serde(skip)]
    key: String,
}

/// Adds `issue` to `kinds`, under the kind it belongs to.
pub(super) fn add(kinds: &mut Vec<IssueKind>, issue: &RowIssue) {
    let key = kind_key(issue);
    let at = match kinds.iter().position(|k| k.key == key) {
        Some(i) => i,
        None if kinds.len() < MAX_KINDS => {
            kinds.push(IssueKind {
                field: issue.field.clone(),
                example: issue.reason.clone(),
                item: issue.item.clone(),
                count: 0,
                lines: Vec::new(),
                key,
            });
            kinds.len() - 1
        }
        None => kinds.len() - 1,
    };
    let kind = &mut kinds[at];
    kind.count += 1;
    // Rows grouped into items come out of file order: keep the smallest lines.
    let at = kind.lines.partition_point(|&l| l < issue.line);
    if at < EXAMPLE_LINES {
        kind.lines.insert(at, issue.line);
        kind.lines.truncate(EXAMPLE_LINES);
    }
}

/// The field, then the reason with quoted values and numbers masked: `GTIN "656000000000.00"
/// contains characters other than digits` and `GTIN "887000000000.00" …` are one kind.
fn kind_key(issue: &RowIssue) -> String {
    let mut key = issue.field.clone().unwrap_or_default();
    key.push('\u{1f}');
    let mut quoted = false;
    let mut last_digit = false;
    for ch in issue.reason.chars() {
        if ch == '"' {
            quoted = !quoted;
            if quoted {
                key.push_str("\"…\"");
            }
            continue;
        }
        if quoted {
            continue;
        }
        if ch.is_ascii_digit() {
            if !last_digit {
                key.push('#');
            }
            last_digit = true;
            continue;
        }
        last_digit = false;
        key.push(ch);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(line: u64, field: &str, reason: &str) -> RowIssue {
        RowIssue {
            line,
            item: None,
            field: Some(field.into()),
            reason: reason.into(),
        }
    }

    #[test]
    fn a_repeated_fault_is_one_kind_with_its_count_and_first_lines() {
        let mut kinds = Vec::new();
        for line in 2..1002 {
            let reason = format!("GTIN \"{line}000000.00\" contains characters other than digits");
            add(&mut kinds, &issue(line, "ean / upc", &reason));
        }
        add(
            &mut kinds,
            &issue(7, "link", "link \"ftp://x\" is not an http(s) URL"),
        );
        assert_eq!(kinds.len(), 2);
        assert_eq!(kinds[0].count, 1000);
        assert_eq!(kinds[0].lines, [2, 3, 4, 5, 6]);
        assert!(kinds[0].example.contains("2000000.00"));
        assert_eq!(kinds[1].count, 1);
        // Lines out of file order still give the first ones.
        add(
            &mut kinds,
            &issue(
                1,
                "ean / upc",
                "GTIN \"1.00\" contains characters other than digits",
            ),
        );
        assert_eq!(kinds[0].lines, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn the_same_reason_on_another_field_is_another_kind() {
        let mut kinds = Vec::new();
        add(&mut kinds, &issue(1, "link", "not an http(s) URL"));
        add(&mut kinds, &issue(2, "image_link", "not an http(s) URL"));
        assert_eq!(kinds.len(), 2);
    }
}
