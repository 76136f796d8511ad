//! The rules that decide whether a feed row may join a product already stored.
//!
//! Every way of matching (GTIN, MPN + brand, item group, brand + title) proposes candidates;
//! the same guards decide for all of them, because merchants reuse codes: one EAN on several
//! sizes, colours or even different products of one feed. A row never joins a product of
//! another colourway, and never one that its own source already sells under another item id,
//! except as another size of it: one item group, the same colour, and titles that differ only
//! in size words.

use std::collections::{HashMap, HashSet};

use crate::feed::RowIssue;
use crate::store::MatchCandidate;
use crate::text::{fnv1a64, fold_key};

/// What a row brings to matching, folded once.
#[derive(Debug)]
pub(super) struct Incoming<'a> {
    /// Folded colours.
    pub colours: Vec<String>,
    /// Title key (folded, brand words stripped).
    pub title_key: &'a str,
    /// The feed's item group.
    pub item_group: Option<&'a str>,
    /// Folded words of the row's own sizes (`UK 5`, `38`): size words for this row.
    pub size_words: Vec<String>,
}

impl<'a> Incoming<'a> {
    /// Folds what matching compares.
    pub fn new(
        colours: &[String],
        title_key: &'a str,
        item_group: Option<&'a str>,
        sizes: &[String],
    ) -> Self {
        Incoming {
            colours: colours.iter().map(|c| fold_key(c)).collect(),
            title_key,
            item_group,
            size_words: sizes
                .iter()
                .flat_map(|s| {
                    fold_key(s)
                        .split(' ')
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .filter(|w| !w.is_empty())
                .collect(),
        }
    }
}

/// Whether the row may join `candidate`: the same colourway, and, when its source already
/// sells the candidate under another item id, another size of the same item.
pub(super) fn may_join(candidate: &MatchCandidate, row: &Incoming<'_>) -> bool {
    if !same_colourway(&candidate.colours, &row.colours) {
        return false;
    }
    !candidate.in_source || is_size_variant(candidate, row)
}

/// The candidate `row` should join among `candidates`: one with the row's own title key when
/// there is one, else the first that may be joined.
pub(super) fn choose(candidates: &[MatchCandidate], row: &Incoming<'_>) -> Option<i64> {
    let joinable: Vec<&MatchCandidate> = candidates.iter().filter(|c| may_join(c, row)).collect();
    joinable
        .iter()
        .find(|c| c.title_key == row.title_key)
        .or_else(|| joinable.first())
        .map(|c| c.product_key)
}

/// Colour lists that either side leaves empty, or that share a colour.
fn same_colourway(a: &[String], b: &[String]) -> bool {
    a.is_empty() || b.is_empty() || a.iter().any(|x| b.contains(x))
}

/// One item group, exactly the same colours, and titles equal once size words are removed.
fn is_size_variant(candidate: &MatchCandidate, row: &Incoming<'_>) -> bool {
    let same_group = matches!(
        (candidate.item_group.as_deref(), row.item_group),
        (Some(a), Some(b)) if a == b
    );
    let mut a = candidate.colours.clone();
    let mut b = row.colours.clone();
    a.sort();
    b.sort();
    same_group && a == b && differ_only_in_sizes(&candidate.title_key, row.title_key, row)
}

/// Whether two folded titles have the same words once size words (and the row's own sizes)
/// are left out: "ballet flat size 5" and "ballet flat size 6", not "owl baby carrier" and
/// "puppy baby carrier".
fn differ_only_in_sizes(a: &str, b: &str, row: &Incoming<'_>) -> bool {
    let keep =
        |w: &&str| !w.is_empty() && !is_size_word(w) && !row.size_words.iter().any(|s| s == w);
    let left: Vec<&str> = a.split(' ').filter(keep).collect();
    let right: Vec<&str> = b.split(' ').filter(keep).collect();
    left == right
}

/// Words that name a size in retail titles: letter sizes, size systems, units, and any word
/// holding a digit (`38`, `10w`, `2xl`, `6y`).
fn is_size_word(word: &str) -> bool {
    const WORDS: &[&str] = &[
        "xxxs", "xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl", "small", "medium", "large",
        "extra", "x", "size", "sizes", "sz", "one", "onesize", "uk", "us", "eu", "eur", "it", "fr",
        "au", "jp", "w", "waist", "leg", "length", "inch", "inches", "in", "cm", "mm", "ml",
        "petite", "tall", "regular", "plus", "wide", "narrow", "fit", "month", "months", "mth",
        "mths", "year", "years", "yr", "yrs", "age", "y", "kids", "toddler", "infant",
    ];
    WORDS.contains(&word) || word.chars().any(|c| c.is_ascii_digit())
}

/// GTINs seen on the rows of one ingest, to report a code that a feed reuses on several of its
/// items once, whatever becomes of the rows. Keeps 16 bytes per GTIN.
#[derive(Debug, Default)]
pub(super) struct SharedCodes {
    /// GTIN hash → (line of its first row, hash of that row's item id).
    first: HashMap<u64, (u64, u64)>,
    warned: HashSet<u64>,
}

impl SharedCodes {
    /// Notes that the row at `line` with `item_id` carries `gtin`; returns the warning to report
    /// when an earlier row of this feed with another item id carried it too, the first time only.
    pub fn note(&mut self, gtin: &str, item_id: &str, line: u64) -> Option<RowIssue> {
        let code = fnv1a64(gtin.as_bytes());
        let item = fnv1a64(item_id.as_bytes());
        let (first_line, first_item) = *self.first.entry(code).or_insert((line, item));
        if first_item == item || !self.warned.insert(code) {
            return None;
        }
        Some(RowIssue {
            line,
            item: Some(item_id.to_string()),
            field: Some("gtin".into()),
            reason: format!(
                "GTIN {gtin} is also on another item of this feed (line {first_line}); \
                 items that share a code are kept apart unless they are sizes of one item"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(title_key: &str, colours: &[&str], group: Option<&str>) -> MatchCandidate {
        MatchCandidate {
            product_key: 1,
            colours: colours.iter().map(|c| c.to_string()).collect(),
            title_key: title_key.into(),
            item_group: group.map(str::to_string),
            in_source: true,
        }
    }

    #[test]
    fn sizes_of_one_item_group_join_but_designs_do_not() {
        let stored = candidate("ballet flat size 5", &[], Some("g1"));
        let size_six = Incoming::new(&[], "ballet flat size 6", Some("g1"), &["6".into()]);
        assert!(may_join(&stored, &size_six));
        let owl = candidate("owl baby carrier", &[], Some("g2"));
        let puppy = Incoming::new(&[], "puppy baby carrier", Some("g2"), &[]);
        assert!(!may_join(&owl, &puppy));
    }

    #[test]
    fn a_reused_code_never_joins_another_colour_or_a_group_it_is_not_in() {
        let cream = candidate("cat blanket", &["cream"], Some("g1"));
        let grey = Incoming::new(&["Grey".into()], "cat blanket", Some("g1"), &[]);
        assert!(!may_join(&cream, &grey));
        let no_group = Incoming::new(&["cream".into()], "cat blanket", None, &[]);
        assert!(!may_join(&cream, &no_group));
        let mut other_source = cream.clone();
        other_source.in_source = false;
        assert!(may_join(&other_source, &no_group));
    }

    #[test]
    fn letter_and_numeric_sizes_are_size_words() {
        let row = Incoming::new(&[], "", None, &[]);
        assert!(differ_only_in_sizes("tee xl", "tee m", &row));
        assert!(differ_only_in_sizes("jeans w32 l30", "jeans w34 l32", &row));
        assert!(!differ_only_in_sizes("tee", "tank", &row));
    }

    #[test]
    fn a_shared_gtin_is_reported_once_per_code() {
        let mut codes = SharedCodes::default();
        assert!(codes.note("05012345678900", "a", 2).is_none());
        assert!(codes.note("05012345678900", "a", 3).is_none());
        let warning = codes.note("05012345678900", "b", 4).unwrap();
        assert!(warning.reason.contains("line 2"), "{}", warning.reason);
        assert!(codes.note("05012345678900", "c", 5).is_none());
    }
}
