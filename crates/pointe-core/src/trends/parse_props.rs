//! Property tests of the trend parser's entry point, [`parse_trend_bytes`]: arbitrary bytes,
//! and near-valid files of every layout (valid ones, then the same with a cell, line or byte
//! damaged). Whatever the input, the parser returns a file whose series are sorted and
//! distinct, or an error naming the file and a line of it; it never panics.

use std::collections::HashSet;
use std::path::Path;

use jiff::civil::date;
use proptest::prelude::*;

use super::*;
use crate::Error;

const PATH: &str = "export.csv";

/// Checks the parser's contract on one input.
fn check(bytes: &[u8]) -> std::result::Result<Option<TrendFile>, TestCaseError> {
    let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    match parse_trend_bytes(Path::new(PATH), bytes, &ImportOptions::default()) {
        Ok(file) => {
            let ids: HashSet<SeriesId> = file.series.iter().map(Series::id).collect();
            prop_assert_eq!(ids.len(), file.series.len(), "every series is distinct");
            for s in &file.series {
                prop_assert!(s.points.windows(2).all(|w| w[0].date < w[1].date));
                prop_assert!(
                    s.points
                        .iter()
                        .all(|p| p.value.is_finite() && p.value >= 0.0)
                );
            }
            Ok(Some(file))
        }
        Err(Error::BadFile {
            path,
            line: Some(line),
            message,
        }) => {
            prop_assert_eq!(path, Path::new(PATH));
            prop_assert!(
                (1..=lines).contains(&line),
                "line {} of {}: {}",
                line,
                lines,
                message
            );
            prop_assert!(!message.is_empty());
            Ok(None)
        }
        Err(other) => Err(TestCaseError::fail(format!(
            "not a bad-file error with a line: {other:?}"
        ))),
    }
}

/// The layouts a near-valid file is written in.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Classic,
    Quoted,
    Related,
    RelatedResaved,
    Pytrends,
    PytrendsStacked,
    Long,
    TermDateValue,
    Pinterest,
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Classic),
        Just(Shape::Quoted),
        Just(Shape::Related),
        Just(Shape::RelatedResaved),
        Just(Shape::Pytrends),
        Just(Shape::PytrendsStacked),
        Just(Shape::Long),
        Just(Shape::TermDateValue),
        Just(Shape::Pinterest),
    ]
}

/// What a near-valid file holds: distinct terms, and one value cell per term and week.
#[derive(Debug, Clone)]
struct Content {
    terms: Vec<String>,
    values: Vec<Vec<String>>,
    preamble: &'static str,
    date_word: &'static str,
}

fn content() -> impl Strategy<Value = Content> {
    let value = prop_oneof![
        6 => (0u32..=100).prop_map(|v| v.to_string()),
        1 => Just("<1".to_string()),
        1 => Just("1 未満".to_string()),
    ];
    (
        prop::collection::btree_set("q[a-z]{1,6}( [a-z]{1,5})?", 1..5),
        2usize..20,
        prop::collection::vec(value, 100),
        prop::sample::select(vec![
            "Category: All categories",
            "Kategorie: Alle Kategorien",
            "Catégorie : Toutes catégories",
            "类别：所有类别",
            "カテゴリ: すべてのカテゴリ",
        ]),
        prop::sample::select(vec![
            "Week", "Woche", "Semaine", "Semana", "周", "週", "Hafta",
        ]),
    )
        .prop_map(|(terms, weeks, pool, preamble, date_word)| {
            let terms: Vec<String> = terms.into_iter().collect();
            let values = (0..weeks)
                .map(|w| {
                    (0..terms.len())
                        .map(|t| pool[(w * 7 + t) % pool.len()].clone())
                        .collect()
                })
                .collect();
            Content {
                terms,
                values,
                preamble,
                date_word,
            }
        })
}

fn week(i: usize) -> String {
    date(2020, 1, 5)
        .checked_add(jiff::Span::new().days(7 * i as i64))
        .unwrap()
        .to_string()
}

/// Writes `content` in `shape`; the number of series (or related queries) it must give.
fn render(shape: Shape, c: &Content) -> (String, usize) {
    let n = c.terms.len();
    let rows = |sep: &str, extra: &str| -> String {
        c.values
            .iter()
            .enumerate()
            .map(|(w, v)| format!("{}{sep}{}{extra}\n", week(w), v.join(sep)))
            .collect()
    };
    match shape {
        Shape::Classic => {
            let header: Vec<String> = c
                .terms
                .iter()
                .map(|t| format!("{t}: (Worldwide)"))
                .collect();
            let text = format!(
                "{}\n\n{},{}\n{}",
                c.preamble,
                c.date_word,
                header.join(","),
                rows(",", "")
            );
            (text, n)
        }
        Shape::Quoted => {
            let header: Vec<String> = c.terms.iter().map(|t| format!("\"{t}\"")).collect();
            (
                format!(
                    "\"{}\",{}\n{}",
                    c.date_word,
                    header.join(","),
                    rows(",", "")
                ),
                n,
            )
        }
        Shape::Related | Shape::RelatedResaved => {
            let title = format!("\"{}: (1/1/23 - 12/31/23, Worldwide)\"", c.terms[0]);
            let top: String = c
                .terms
                .iter()
                .enumerate()
                .map(|(i, t)| format!("{t},{}\n", 100 - i))
                .collect();
            let rising: String = c
                .terms
                .iter()
                .map(|t| format!("{t} x,\"+3,700%\"\n"))
                .collect();
            let text = match shape {
                Shape::Related => {
                    format!("{}\n{title}\n\nTOP\n{top}\nRISING\n{rising}", c.preamble)
                }
                _ => format!("{},{title}\n{top}{rising}", c.preamble),
            };
            (text, 2 * n)
        }
        Shape::Pytrends => (
            format!(
                "date,{},isPartial,geo\n{}",
                c.terms.join(","),
                rows(",", ",False,US")
            ),
            n,
        ),
        Shape::PytrendsStacked => {
            let block = format!(
                "date,{},isPartial\n{}",
                c.terms.join(","),
                rows(",", ",False")
            );
            (format!("{block}{block}"), 2 * n)
        }
        Shape::Long | Shape::TermDateValue => {
            let (header, source) = match shape {
                Shape::Long => ("trend_id,source,week,raw_signal\n", "google_trends,"),
                _ => ("term,date,value\n", ""),
            };
            let mut text = String::from(header);
            for (w, v) in c.values.iter().enumerate() {
                for (term, value) in c.terms.iter().zip(v) {
                    text.push_str(&format!("{term},{source}{},{value}\n", week(w)));
                }
            }
            (text, n)
        }
        Shape::Pinterest => {
            let dates: Vec<String> = (0..c.values.len()).map(week).collect();
            let mut text = format!(
                "\"Pinterest Trends tool – Top trends\"\nSelected Filters\nRegion,United Kingdom\n\
                 Rank,Trend,Weekly change,{}\n",
                dates.join(",")
            );
            for (t, term) in c.terms.iter().enumerate() {
                let values: Vec<&str> = c.values.iter().map(|v| v[t].as_str()).collect();
                text.push_str(&format!("{},{term},\"+25%\",{}\n", t + 1, values.join(",")));
            }
            (text, n)
        }
    }
}

/// A damage done to a near-valid file.
#[derive(Debug, Clone)]
enum Damage {
    Cell {
        line: usize,
        cell: usize,
        text: String,
    },
    DropLine(usize),
    RepeatLine(usize),
    Truncate(usize),
    Byte {
        at: usize,
        byte: u8,
    },
    Semicolons,
}

fn damage() -> impl Strategy<Value = Damage> {
    let junk = prop_oneof![
        Just(String::new()),
        Just("lots".to_string()),
        Just("-3".to_string()),
        Just("\"".to_string()),
        Just("2020-13-45".to_string()),
        Just("date".to_string()),
        Just("TOP".to_string()),
        Just("x: (y)".to_string()),
        Just("1e400".to_string()),
        Just("NaN".to_string()),
        "[ -~]{0,6}",
    ];
    prop_oneof![
        (0usize..40, 0usize..8, junk).prop_map(|(line, cell, text)| Damage::Cell {
            line,
            cell,
            text
        }),
        (0usize..40).prop_map(Damage::DropLine),
        (0usize..40).prop_map(Damage::RepeatLine),
        (0usize..4000).prop_map(Damage::Truncate),
        (0usize..4000, any::<u8>()).prop_map(|(at, byte)| Damage::Byte { at, byte }),
        Just(Damage::Semicolons),
    ]
}

fn apply(text: &str, damage: &Damage) -> Vec<u8> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let pick = |i: usize, lines: &[String]| i % lines.len().max(1);
    match damage {
        Damage::Cell { line, cell, text } if !lines.is_empty() => {
            let at = pick(*line, &lines);
            let mut cells: Vec<String> = lines[at].split(',').map(str::to_string).collect();
            let c = cell % cells.len();
            cells[c] = text.clone();
            lines[at] = cells.join(",");
        }
        Damage::DropLine(i) if !lines.is_empty() => {
            let at = pick(*i, &lines);
            lines.remove(at);
        }
        Damage::RepeatLine(i) if !lines.is_empty() => {
            let at = pick(*i, &lines);
            let line = lines[at].clone();
            lines.insert(at, line);
        }
        Damage::Truncate(at) => {
            let bytes = text.as_bytes();
            return bytes[..(*at).min(bytes.len())].to_vec();
        }
        Damage::Byte { at, byte } => {
            let mut bytes = text.as_bytes().to_vec();
            let at = (*at).min(bytes.len());
            bytes.insert(at, *byte);
            return bytes;
        }
        Damage::Semicolons => return text.replace(',', ";").into_bytes(),
        _ => {}
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out.into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_give_a_file_or_an_error_naming_file_and_line(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        check(&bytes)?;
    }

    #[test]
    fn arbitrary_csv_like_text_gives_a_file_or_an_error_naming_file_and_line(
        text in "[a-zA-Z0-9,;:\"<>%+\\-./\\n\\r\\t ()：（）年月日未満]{0,400}",
        bom in any::<bool>(),
    ) {
        let mut bytes = if bom { vec![0xEF, 0xBB, 0xBF] } else { Vec::new() };
        bytes.extend(text.as_bytes());
        check(&bytes)?;
    }

    #[test]
    fn near_valid_files_of_every_layout_read_or_fail_with_a_line(
        shape in shape(),
        content in content(),
        damage in prop::option::of(damage()),
    ) {
        let (text, expected) = render(shape, &content);
        match damage {
            None => {
                let file = check(text.as_bytes())?;
                let file = file.ok_or_else(|| TestCaseError::fail(format!("valid {shape:?} refused:\n{text}")))?;
                let found = file.series.len() + file.related.len();
                prop_assert_eq!(found, expected, "{:?}\n{}", shape, text);
            }
            Some(damage) => {
                check(&apply(&text, &damage))?;
            }
        }
    }

    #[test]
    fn utf16_files_read_as_their_utf8_twins(shape in shape(), content in content()) {
        let (text, _) = render(shape, &content);
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        let a = parse_trend_bytes(Path::new(PATH), text.as_bytes(), &ImportOptions::default());
        let b = parse_trend_bytes(Path::new(PATH), &utf16, &ImportOptions::default());
        prop_assert_eq!(a.ok(), b.ok());
    }
}
