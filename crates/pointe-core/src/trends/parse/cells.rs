//! Reading single cells of trend exports: dates, values, percentages, `term: (Region)` headers,
//! and the few words exports write in the user's language.
//!
//! Layouts are told by shape, never by these words (see the parent module); the words only add
//! what shape cannot say: a granularity for a one-row file, which section of related queries
//! is which when the values do not tell, and the breakout mark of a rising query.

use jiff::civil::Date;

use crate::text::fold_key;

use super::super::{Granularity, RelatedKind, RelatedValue};

/// Shortens a cell or row for an error message, in backquotes.
pub(super) fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        format!("`{text}`")
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("`{cut}…`")
    }
}

/// The words that head the date column of Google exports, folded, with the granularity they
/// name (`None` for the language's word for "time").
const TIME_WORDS: &[(&str, Option<Granularity>)] = &[
    ("time", None),
    ("zeit", None),
    ("temps", None),
    ("tiempo", None),
    ("tempo", None),
    ("tijd", None),
    ("czas", None),
    ("tid", None),
    ("时间", None),
    ("時間", None),
    ("시간", None),
    ("week", Some(Granularity::Week)),
    ("woche", Some(Granularity::Week)),
    ("semaine", Some(Granularity::Week)),
    ("semana", Some(Granularity::Week)),
    ("settimana", Some(Granularity::Week)),
    ("tydzien", Some(Granularity::Week)),
    ("vecka", Some(Granularity::Week)),
    ("uge", Some(Granularity::Week)),
    ("uke", Some(Granularity::Week)),
    ("周", Some(Granularity::Week)),
    ("週", Some(Granularity::Week)),
    ("주", Some(Granularity::Week)),
    ("day", Some(Granularity::Day)),
    ("tag", Some(Granularity::Day)),
    ("jour", Some(Granularity::Day)),
    ("dia", Some(Granularity::Day)),
    ("giorno", Some(Granularity::Day)),
    ("dag", Some(Granularity::Day)),
    ("dzien", Some(Granularity::Day)),
    ("日", Some(Granularity::Day)),
    ("天", Some(Granularity::Day)),
    ("일", Some(Granularity::Day)),
    ("month", Some(Granularity::Month)),
    ("monat", Some(Granularity::Month)),
    ("mois", Some(Granularity::Month)),
    ("mes", Some(Granularity::Month)),
    ("mese", Some(Granularity::Month)),
    ("maand", Some(Granularity::Month)),
    ("miesiac", Some(Granularity::Month)),
    ("manad", Some(Granularity::Month)),
    ("maned", Some(Granularity::Month)),
    ("月", Some(Granularity::Month)),
    ("月份", Some(Granularity::Month)),
    ("월", Some(Granularity::Month)),
];

/// The granularity a date column's heading names: `Some(None)` for a word meaning "time",
/// `None` when the heading is no known word.
pub(super) fn time_word(cell: &str) -> Option<Option<Granularity>> {
    let folded = fold_key(cell);
    TIME_WORDS
        .iter()
        .find(|(word, _)| *word == folded)
        .map(|(_, g)| *g)
}

/// Section markers of related-queries exports, folded: TOP, then RISING in several languages.
const TOP_WORDS: &[&str] = &[
    "top",
    "principales",
    "meistgesucht",
    "populaires",
    "热门",
    "熱門",
    "人気",
    "トップ",
    "인기",
];
const RISING_WORDS: &[&str] = &[
    "rising",
    "steigend",
    "zunehmend",
    "ansteigend",
    "en hausse",
    "en augmentation",
    "en aumento",
    "in aumento",
    "em ascensao",
    "stijgend",
    "上升",
    "飙升",
    "竄升",
    "急上昇",
    "注目",
    "급상승",
];
const BREAKOUT_WORDS: &[&str] = &[
    "breakout",
    "sprunghafter anstieg",
    "explosion",
    "aumento repentino",
    "impennata",
    "enorme aumento",
    "boom",
    "飙升",
    "暴增",
    "急増",
    "急上昇",
    "급증",
];

/// The section a known marker word opens, or `None` for any other text.
pub(super) fn section(cell: &str) -> Option<RelatedKind> {
    let folded = fold_key(cell);
    if TOP_WORDS.contains(&folded.as_str()) {
        Some(RelatedKind::Top)
    } else if RISING_WORDS.contains(&folded.as_str()) {
        Some(RelatedKind::Rising)
    } else {
        None
    }
}

/// Where `term: (…)` opens its parenthesis, with an ASCII or full-width colon and parenthesis
/// (`balletcore: (Deutschland)`, `balletcore：（全球）`); `None` for any other cell.
fn region_open(cell: &str) -> Option<usize> {
    if !(cell.ends_with(')') || cell.ends_with('）')) {
        return None;
    }
    let open = cell.rfind(['(', '（'])?;
    let before = cell[..open].trim_end();
    (before.ends_with(':') || before.ends_with('：')).then_some(open)
}

/// True when a cell has the `term: (Region)` shape of Google's headers.
pub(super) fn is_term_header(cell: &str) -> bool {
    region_open(cell).is_some_and(|open| {
        let before = cell[..open].trim_end();
        !before.trim_end_matches([':', '：']).trim().is_empty()
    })
}

/// Splits a Google header cell `term: (Region)` into the term and the region; a cell without the
/// parenthesis is all term. Related-query headers put the dates first (`(11/9/18 - 11/9/19,
/// United States)`): the region is what follows the last comma.
pub(super) fn term_and_region(cell: &str) -> (String, Option<String>) {
    let Some(open) = region_open(cell) else {
        return (cell.trim().to_string(), None);
    };
    let term = cell[..open].trim_end();
    let term = term[..term.len() - term.chars().last().map_or(0, char::len_utf8)].trim();
    let close = cell.chars().last().map_or(0, char::len_utf8);
    let inside = cell[open..cell.len() - close]
        .trim_start_matches(['(', '（'])
        .trim();
    let region = inside
        .rsplit([',', '，', '、'])
        .next()
        .unwrap_or(inside)
        .trim();
    let region = (!region.is_empty()).then(|| region.to_string());
    (term.to_string(), region)
}

/// Reads a date cell: `2022-02-01`, `2022-02-01 00:00:00` (pytrends; the time is dropped),
/// `2022-02` (a month), `2/1/2022` (month/day/year, as US exports write it), `2022/02/01` and
/// `2022年2月1日` (East Asian), or `01.02.2022` (day.month.year, as German spreadsheets save it).
pub(crate) fn parse_date(cell: &str) -> Option<Date> {
    let cell = cell.trim();
    let day_part = cell.split([' ', 'T']).next().unwrap_or(cell);
    if let Ok(date) = day_part.parse::<Date>() {
        return Some(date);
    }
    if let Some(date) = cjk_date(day_part) {
        return Some(date);
    }
    let (sep, parts) = numbers(day_part)?;
    match (sep, parts.as_slice()) {
        ('-', &[year, month]) if day_part.len() == 7 => ymd(year, month, 1),
        ('/', &[year, month]) if year >= 1000 => ymd(year, month, 1),
        ('/', &[year, month, day]) if year >= 1000 => ymd(year, month, day),
        ('/', &[month, day, year]) => ymd(year, month, day),
        ('.', &[day, month, year]) => ymd(year, month, day),
        _ => None,
    }
}

/// The numbers of a date written with one separator (`-`, `/` or `.`), at most four digits each.
fn numbers(text: &str) -> Option<(char, Vec<i32>)> {
    let sep = ['-', '/', '.'].into_iter().find(|s| text.contains(*s))?;
    let parts: Vec<&str> = text.split(sep).collect();
    if parts.len() > 3
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    Some((
        sep,
        parts
            .iter()
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?,
    ))
}

/// `2023年1月1日` or `2023年1月`.
fn cjk_date(text: &str) -> Option<Date> {
    let (year, rest) = text.split_once('年')?;
    let (month, rest) = rest.split_once('月')?;
    let day = match rest.strip_suffix('日') {
        Some(day) => day.trim().parse().ok()?,
        None if rest.trim().is_empty() => 1,
        None => return None,
    };
    ymd(year.trim().parse().ok()?, month.trim().parse().ok()?, day)
}

fn ymd(year: i32, month: i32, day: i32) -> Option<Date> {
    if year < 1000 {
        return None;
    }
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

/// A value cell of a series: a number ≥ 0, a censored small value, or empty (a gap).
pub(super) enum Cell {
    Gap,
    Value(f64, bool),
}

/// How exports write "less than one" (a small value, not zero): `<1`, `< 1`, `＜1`, and the
/// Japanese and Korean `1 未満`, `1 미만`.
fn is_censored(cell: &str) -> bool {
    let compact: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(compact.as_str(), "<1" | "＜1" | "1未満" | "1미만")
}

/// Reads a value cell; `None` when it is neither a number ≥ 0, a censored `<1`, nor empty.
pub(super) fn parse_value(cell: &str) -> Option<Cell> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Some(Cell::Gap);
    }
    if is_censored(cell) {
        return Some(Cell::Value(0.5, true));
    }
    if !cell.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let value: f64 = cell.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(Cell::Value(value, false))
}

/// True when a cell reads as a value of a series (a number, `<1`), not as text.
pub(super) fn is_number(cell: &str) -> bool {
    matches!(parse_value(cell), Some(Cell::Value(..)))
}

/// Reads a percentage such as `+3,700%`, `-12%`, `10,000%+` or `3.700 %`; `None` if it is not
/// one. The flag is true for a floor (`…%+`).
pub(super) fn parse_percent(cell: &str) -> Option<(f64, bool)> {
    let mut text: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
    let at_least = text.ends_with("%+");
    if at_least {
        text.pop();
    }
    let text = text.strip_suffix('%')?;
    let (negative, digits) = match text.as_bytes().first()? {
        b'+' => (false, &text[1..]),
        b'-' => (true, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty()
        || !digits
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
        || !digits.as_bytes()[0].is_ascii_digit()
    {
        return None;
    }
    // Separators between groups of exactly three digits group thousands (`3,700`, `3.700`);
    // a single separator before other than three digits is a decimal point (`12,5`, `12.5`).
    let parts: Vec<&str> = digits.split([',', '.']).collect();
    let number = if parts.len() == 1 {
        parts[0].to_string()
    } else if parts[0].len() <= 3 && parts[1..].iter().all(|p| p.len() == 3) {
        parts.concat()
    } else if parts.len() == 2 && !parts[1].is_empty() {
        format!("{}.{}", parts[0], parts[1])
    } else {
        return None;
    };
    let value: f64 = number.parse().ok()?;
    Some((if negative { -value } else { value }, at_least))
}

/// Reads the value of a related query in a section of known kind.
pub(super) fn related_value(kind: RelatedKind, cell: &str) -> Option<RelatedValue> {
    match kind {
        RelatedKind::Top => {
            if is_censored(cell) {
                return Some(RelatedValue::Score(0));
            }
            cell.parse::<u32>()
                .ok()
                .filter(|v| *v <= 100)
                .map(RelatedValue::Score)
        }
        RelatedKind::Rising => {
            if BREAKOUT_WORDS.contains(&fold_key(cell).as_str()) {
                return Some(RelatedValue::Breakout);
            }
            let (percent, _) = parse_percent(cell)?;
            (percent >= 0.0 && percent <= f64::from(u32::MAX))
                .then(|| RelatedValue::Percent(percent.round() as u32))
        }
    }
}

/// Reads the value of a related query whose section is not named: a score is TOP, a percentage
/// or a breakout mark is RISING.
pub(super) fn related_value_by_shape(cell: &str) -> Option<(RelatedKind, RelatedValue)> {
    [RelatedKind::Top, RelatedKind::Rising]
        .into_iter()
        .find_map(|kind| related_value(kind, cell).map(|value| (kind, value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_read_thousands_and_decimals() {
        assert_eq!(parse_percent("+3,700%"), Some((3700.0, false)));
        assert_eq!(parse_percent("10,000%+"), Some((10000.0, true)));
        assert_eq!(parse_percent("-12%"), Some((-12.0, false)));
        assert_eq!(parse_percent("+3.700 %"), Some((3700.0, false)));
        assert_eq!(parse_percent("12,5%"), Some((12.5, false)));
        assert_eq!(parse_percent("0%"), Some((0.0, false)));
        assert_eq!(parse_percent("1,234,567%"), Some((1_234_567.0, false)));
        assert_eq!(parse_percent("Breakout"), None);
        assert_eq!(parse_percent("%"), None);
        assert_eq!(parse_percent("+%"), None);
    }

    #[test]
    fn dates_in_the_layouts_exports_use() {
        let d = |y, m, day| Date::new(y, m, day).unwrap();
        assert_eq!(parse_date("2022-02-01"), Some(d(2022, 2, 1)));
        assert_eq!(parse_date("2022-02-01 00:00:00"), Some(d(2022, 2, 1)));
        assert_eq!(parse_date("2022-02"), Some(d(2022, 2, 1)));
        assert_eq!(parse_date("2/13/2023"), Some(d(2023, 2, 13)));
        assert_eq!(parse_date("2023/02/13"), Some(d(2023, 2, 13)));
        assert_eq!(parse_date("2023/2"), Some(d(2023, 2, 1)));
        assert_eq!(parse_date("13.02.2023"), Some(d(2023, 2, 13)));
        assert_eq!(parse_date("2023年2月13日"), Some(d(2023, 2, 13)));
        assert_eq!(parse_date("2023年2月"), Some(d(2023, 2, 1)));
        assert_eq!(parse_date("2022-13-01"), None);
        assert_eq!(parse_date("Rank"), None);
        assert_eq!(parse_date("11/9/18"), None);
        assert_eq!(parse_date("12.5"), None);
        assert_eq!(parse_date("1.2.3.4"), None);
        assert_eq!(parse_date("年月日"), None);
    }

    #[test]
    fn header_cells_split_into_term_and_region() {
        assert_eq!(
            term_and_region("yeezy: (United States)"),
            ("yeezy".into(), Some("United States".into()))
        );
        assert_eq!(
            term_and_region("airpods pro: (11/9/18 - 11/9/19, United States)"),
            ("airpods pro".into(), Some("United States".into()))
        );
        assert_eq!(
            term_and_region("芭蕾风：（2023/1/1 - 2023/12/31，全球）"),
            ("芭蕾风".into(), Some("全球".into()))
        );
        assert_eq!(
            term_and_region("balletcore: （日本）"),
            ("balletcore".into(), Some("日本".into()))
        );
        assert_eq!(term_and_region("Balletcore"), ("Balletcore".into(), None));
        assert_eq!(
            term_and_region("mood (2023)"),
            ("mood (2023)".into(), None),
            "a parenthesis without a colon is part of the term"
        );
        assert!(!is_term_header(": (US)"));
    }

    #[test]
    fn censored_cells_in_several_languages() {
        for cell in ["<1", "< 1", "＜1", "1 未満", "1未満", "1 미만"] {
            assert!(
                matches!(parse_value(cell), Some(Cell::Value(v, true)) if v == 0.5),
                "{cell}"
            );
        }
        assert!(parse_value("1 2").is_none());
        assert!(!is_number("US") && is_number("0") && is_number("<1"));
    }
}
