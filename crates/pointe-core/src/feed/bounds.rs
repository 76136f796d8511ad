//! Bounds on every field a record carries into the store, applied to each record of every
//! format as it leaves its parser.
//!
//! Feed text is untrusted: a title may hold a 70,000-character "word", terminal escape codes or
//! right-to-left overrides; a list may hold ten thousand sizes. What a person reads is cleaned
//! and cut, each change leaving a warning on the row; what identifies or prices an item is never
//! cut (a cut id would merge two items, a cut price would be a wrong price): past its bound the
//! row is rejected with the reason.
//!
//! | what | bound | past it |
//! |---|---|---|
//! | item id | 512 characters, no control characters | row rejected |
//! | price, sale price | 10¹² minor units (ten billion pounds) | row rejected |
//! | a word (a run without white space) of any text | 100 characters | cut, warning |
//! | title | 500 characters (Merchant Center: 150) | cut, warning |
//! | description | 10,000 characters (Merchant Center: 5,000) | cut, warning |
//! | brand, retailer, MPN, item group id | 200 characters | cut, warning |
//! | product type, Google product category | 1,000 characters | cut, warning |
//! | condition, gender, age group, pattern, each colour, size, material | 100 characters | cut, warning |
//! | link, each image link | 2,048 characters | dropped, warning |
//! | images | 100 (Datafiniti's crawl gathers up to 61) | the rest dropped, warning |
//! | colours, sizes, materials | 200 each (a shoe in 63 sizes is real) | the rest dropped, warning |
//! | dated observations | 10,000 | the earliest dropped, warning |
//!
//! Control characters (C0 and C1, DEL; tabs and line breaks stay) and bidirectional overrides
//! are removed from every text.

use super::{FeedRecord, FeedRow, RowIssue};

/// The longest item id, in characters.
pub(crate) const MAX_ID_CHARS: usize = 512;
/// The highest price, in minor units.
pub(crate) const MAX_PRICE_MINOR: i64 = 1_000_000_000_000;
/// The longest word (run of characters without white space) of any text.
pub(crate) const MAX_WORD_CHARS: usize = 100;
/// The longest title.
pub(crate) const MAX_TITLE_CHARS: usize = 500;
/// The longest description.
pub(crate) const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// The longest brand, retailer, MPN or item group id.
pub(crate) const MAX_NAME_CHARS: usize = 200;
/// The longest category path.
pub(crate) const MAX_PATH_CHARS: usize = 1_000;
/// The longest short value: condition, gender, a colour, a size …
pub(crate) const MAX_SHORT_CHARS: usize = 100;
/// The longest link.
pub(crate) const MAX_URL_CHARS: usize = 2_048;
/// The most image links kept.
pub(crate) const MAX_IMAGES: usize = 100;
/// The most colours, sizes or materials kept.
pub(crate) const MAX_LIST_VALUES: usize = 200;
/// The most dated observations kept (the latest).
pub(crate) const MAX_OBSERVATIONS: usize = 10_000;
/// How many values a list may gather while a row or item is read, before the bounds above cut
/// it: keeps a list built from many merged rows from growing (and its uniqueness check from
/// slowing) without end.
pub(crate) const LIST_GATHER_CAP: usize = 256;

/// How one text field is bounded.
#[derive(Clone, Copy)]
struct Rule {
    field: &'static str,
    max_chars: usize,
}

const fn rule(field: &'static str, max_chars: usize) -> Rule {
    Rule { field, max_chars }
}

/// A name the file gives itself (an RSS channel's title, the retailer it names), cleaned and cut
/// like a brand; `None` when nothing is left.
pub(crate) fn bound_name(mut text: String) -> Option<String> {
    Notes::default().text(rule("retailer", MAX_NAME_CHARS), &mut text);
    (!text.is_empty()).then_some(text)
}

/// Cuts `text` to `max` characters (on a char boundary) before it is copied into many records;
/// the warning's reason when it was longer.
pub(crate) fn precut(field: &str, text: &mut String, max: usize) -> Option<String> {
    let (end, _) = text.char_indices().nth(max)?;
    let chars = text.chars().count();
    text.truncate(end);
    Some(format!("{field}: {chars} characters cut to {max}"))
}

/// The record within its bounds (with a warning for each change), or the row rejected.
pub(crate) fn bound(mut rec: Box<FeedRecord>) -> FeedRow {
    if let Some(reason) = refused(&rec) {
        return FeedRow::Rejected(RowIssue {
            line: rec.line,
            item: Some(super::record::quote_id(&rec.item_id)),
            field: Some(reason.0.to_string()),
            reason: reason.1,
        });
    }
    let mut notes = Notes::default();
    let r = &mut *rec;
    notes.text(rule("title", MAX_TITLE_CHARS), &mut r.title);
    if r.title.is_empty() {
        return FeedRow::Rejected(RowIssue {
            line: r.line,
            item: Some(r.item_id.clone()),
            field: Some("title".into()),
            reason: "title is empty once its control characters are removed".into(),
        });
    }
    notes.option(
        rule("description", MAX_DESCRIPTION_CHARS),
        &mut r.description,
    );
    for (name, value, max) in [
        ("brand", &mut r.brand, MAX_NAME_CHARS),
        ("retailer", &mut r.retailer, MAX_NAME_CHARS),
        ("mpn", &mut r.mpn, MAX_NAME_CHARS),
        ("item_group_id", &mut r.item_group_id, MAX_NAME_CHARS),
        ("product_type", &mut r.product_type, MAX_PATH_CHARS),
        (
            "google_product_category",
            &mut r.google_product_category,
            MAX_PATH_CHARS,
        ),
        ("condition", &mut r.condition, MAX_SHORT_CHARS),
        ("gender", &mut r.gender, MAX_SHORT_CHARS),
        ("age_group", &mut r.age_group, MAX_SHORT_CHARS),
        ("pattern", &mut r.pattern, MAX_SHORT_CHARS),
    ] {
        notes.option(rule(name, max), value);
    }
    for (name, list) in [
        ("color", &mut r.colours),
        ("size", &mut r.sizes),
        ("material", &mut r.materials),
    ] {
        notes.list(name, list);
    }
    notes.link(&mut r.link);
    notes.images(&mut r.image_links);
    notes.observations(&mut r.observations);
    for (field, reason) in notes.0 {
        r.warnings.push(RowIssue {
            line: r.line,
            item: None,
            field: Some(field.to_string()),
            reason,
        });
    }
    FeedRow::Record(rec)
}

/// Why the record cannot be stored at all: the field and the reason.
fn refused(rec: &FeedRecord) -> Option<(&'static str, String)> {
    let id_chars = rec.item_id.chars().count();
    if id_chars > MAX_ID_CHARS {
        return Some((
            "id",
            format!("the item id is {id_chars} characters long; an id is at most {MAX_ID_CHARS}"),
        ));
    }
    if rec.item_id.chars().any(is_unwanted) {
        return Some((
            "id",
            "the item id holds control characters; an id is printable text".to_string(),
        ));
    }
    for (field, money) in [("price", Some(rec.price)), ("sale_price", rec.sale_price)] {
        if let Some(m) = money
            && m.minor > MAX_PRICE_MINOR
        {
            return Some((
                field,
                format!(
                    "{field} {m} is not a price a feed sells at (more than {MAX_PRICE_MINOR} minor units)"
                ),
            ));
        }
    }
    None
}

/// Characters removed from feed text: control characters and bidirectional overrides, which
/// can rewrite what a terminal or a page shows around them.
fn is_unwanted(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// As [`is_unwanted`], but for text that may keep its tabs and line breaks.
fn is_unwanted_in_text(c: char) -> bool {
    is_unwanted(c) && c != '\t' && c != '\n'
}

/// The changes made to a record: the field and what was done.
#[derive(Default)]
struct Notes(Vec<(&'static str, String)>);

impl Notes {
    fn note(&mut self, field: &'static str, reason: String) {
        self.0.push((field, reason));
    }

    fn option(&mut self, rule: Rule, value: &mut Option<String>) {
        if let Some(text) = value {
            self.text(rule, text);
            if text.is_empty() {
                *value = None;
            }
        }
    }

    /// Cleans and cuts one text by its rule.
    fn text(&mut self, rule: Rule, text: &mut String) {
        if !text.chars().any(is_unwanted_in_text)
            && text.len() <= MAX_WORD_CHARS.min(rule.max_chars)
        {
            return;
        }
        let cleaned = clean_text(text);
        if cleaned.removed_controls {
            self.note(
                rule.field,
                format!("{}: control characters removed", rule.field),
            );
        }
        if cleaned.cut_words > 0 {
            self.note(
                rule.field,
                format!(
                    "{}: {} word{} longer than {MAX_WORD_CHARS} characters cut",
                    rule.field,
                    cleaned.cut_words,
                    if cleaned.cut_words == 1 { "" } else { "s" }
                ),
            );
        }
        let mut out = cleaned.text;
        let chars = out.chars().count();
        if chars > rule.max_chars {
            let end = out
                .char_indices()
                .nth(rule.max_chars)
                .map_or(out.len(), |(i, _)| i);
            out.truncate(end);
            out.truncate(out.trim_end().len());
            self.note(
                rule.field,
                format!(
                    "{}: {chars} characters cut to {}",
                    rule.field, rule.max_chars
                ),
            );
        }
        *text = out;
    }

    fn list(&mut self, field: &'static str, list: &mut Vec<String>) {
        if list.len() > MAX_LIST_VALUES {
            self.note(
                field,
                format!(
                    "{field}: {}{} values, only the first {MAX_LIST_VALUES} kept",
                    if list.len() >= LIST_GATHER_CAP {
                        "at least "
                    } else {
                        ""
                    },
                    list.len()
                ),
            );
            list.truncate(MAX_LIST_VALUES);
        }
        for value in list.iter_mut() {
            self.text(rule(field, MAX_SHORT_CHARS), value);
        }
        list.retain(|v| !v.is_empty());
    }

    fn link(&mut self, link: &mut Option<String>) {
        if link.as_deref().is_some_and(|l| !is_bounded_url(l)) {
            self.note("link", url_reason("link"));
            *link = None;
        }
    }

    fn images(&mut self, images: &mut Vec<String>) {
        let before = images.len();
        images.retain(|url| is_bounded_url(url));
        if images.len() < before {
            self.note("image_link", url_reason("image_link"));
        }
        if images.len() > MAX_IMAGES {
            self.note(
                "image_link",
                format!(
                    "image_link: {} images, only the first {MAX_IMAGES} kept",
                    images.len()
                ),
            );
            images.truncate(MAX_IMAGES);
        }
    }

    fn observations(&mut self, observations: &mut Vec<super::Observation>) {
        if observations.len() > MAX_OBSERVATIONS {
            let drop = observations.len() - MAX_OBSERVATIONS;
            observations.drain(..drop);
            self.note(
                "observed_at",
                format!(
                    "observed_at: {} dated prices, only the latest {MAX_OBSERVATIONS} kept",
                    drop + MAX_OBSERVATIONS
                ),
            );
        }
    }
}

fn url_reason(field: &str) -> String {
    format!(
        "{field}: a URL longer than {MAX_URL_CHARS} characters or holding control characters; dropped"
    )
}

fn is_bounded_url(url: &str) -> bool {
    url.len() <= MAX_URL_CHARS && !url.chars().any(is_unwanted)
}

/// A text after cleaning, and what was changed.
struct Cleaned {
    text: String,
    removed_controls: bool,
    cut_words: usize,
}

/// `text` without control characters but tabs and `\n` (a `\r` becomes a space), and with every
/// word cut to [`MAX_WORD_CHARS`].
fn clean_text(text: &str) -> Cleaned {
    let mut out = String::with_capacity(text.len().min(64 * 1024));
    let mut removed_controls = false;
    let mut cut_words = 0;
    let mut word = 0usize;
    for c in text.chars() {
        let c = match c {
            '\t' | '\n' => c,
            '\r' => ' ',
            c if is_unwanted_in_text(c) => {
                removed_controls = true;
                continue;
            }
            c => c,
        };
        if c.is_whitespace() {
            word = 0;
            out.push(c);
            continue;
        }
        word += 1;
        if word == MAX_WORD_CHARS + 1 {
            cut_words += 1;
        }
        if word <= MAX_WORD_CHARS {
            out.push(c);
        }
    }
    let trimmed = out.trim();
    let text = if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_string()
    };
    Cleaned {
        text,
        removed_controls,
        cut_words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Availability;
    use crate::money::{Currency, Money};

    fn record(title: &str) -> Box<FeedRecord> {
        Box::new(FeedRecord {
            line: 2,
            item_id: "A-1".into(),
            title: title.into(),
            description: None,
            brand: None,
            retailer: None,
            link: None,
            image_links: Vec::new(),
            price: Money::new(1000, Currency::from_code("GBP").unwrap()),
            sale_price: None,
            availability: Availability::InStock,
            gtin: None,
            mpn: None,
            condition: None,
            google_product_category: None,
            product_type: None,
            item_group_id: None,
            colours: Vec::new(),
            sizes: Vec::new(),
            gender: None,
            age_group: None,
            materials: Vec::new(),
            pattern: None,
            warnings: Vec::new(),
            observations: Vec::new(),
        })
    }

    fn bounded(rec: Box<FeedRecord>) -> Box<FeedRecord> {
        match bound(rec) {
            FeedRow::Record(rec) => rec,
            FeedRow::Rejected(issue) => panic!("rejected: {issue:?}"),
        }
    }

    #[test]
    fn a_70000_character_word_in_a_title_is_cut_with_a_warning() {
        let title = format!("Satin flats {} bow", "x".repeat(70_000));
        let rec = bounded(record(&title));
        assert_eq!(rec.title, format!("Satin flats {} bow", "x".repeat(100)));
        assert_eq!(rec.warnings.len(), 1, "{:?}", rec.warnings);
        assert_eq!(rec.warnings[0].field.as_deref(), Some("title"));
        assert_eq!(
            rec.warnings[0].reason,
            "title: 1 word longer than 100 characters cut"
        );
    }

    #[test]
    fn long_texts_are_cut_on_a_char_boundary() {
        let title = "é ".repeat(400);
        let rec = bounded(record(&title));
        assert_eq!(rec.title.chars().count(), MAX_TITLE_CHARS - 1);
        assert!(rec.title.starts_with("é é"));
        assert!(rec.warnings[0].reason.contains("799 characters cut to 500"));
    }

    #[test]
    fn control_characters_and_overrides_are_removed() {
        let mut rec = record("Flats\u{1b}[31m red\u{202E}\u{0}");
        rec.description = Some("line one\r\nline\ttwo\u{7}".into());
        rec.colours = vec!["Pink\u{85}".into(), "\u{0}".into()];
        let rec = bounded(rec);
        assert_eq!(rec.title, "Flats[31m red");
        assert_eq!(rec.description.as_deref(), Some("line one \nline\ttwo"));
        assert_eq!(rec.colours, vec!["Pink"]);
        let fields: Vec<_> = rec
            .warnings
            .iter()
            .map(|w| w.field.as_deref().unwrap())
            .collect();
        assert_eq!(fields, vec!["title", "description", "color", "color"]);
    }

    #[test]
    fn lists_links_and_observations_are_capped() {
        let mut rec = record("Flats");
        rec.sizes = (0..300).map(|i| i.to_string()).collect();
        rec.image_links = (0..130)
            .map(|i| format!("https://cdn.example/{i}.jpg"))
            .collect();
        rec.image_links
            .insert(0, format!("https://cdn.example/{}", "a".repeat(3000)));
        rec.link = Some(format!("https://shop.example/{}", "p".repeat(3000)));
        let rec = bounded(rec);
        assert_eq!(rec.sizes.len(), MAX_LIST_VALUES);
        assert_eq!(rec.image_links.len(), MAX_IMAGES);
        assert_eq!(rec.image_links[0], "https://cdn.example/0.jpg");
        assert_eq!(rec.link, None);
        assert_eq!(rec.warnings.len(), 4, "{:#?}", rec.warnings);
    }

    #[test]
    fn ids_and_prices_past_their_bounds_reject_the_row() {
        let mut rec = record("Flats");
        rec.item_id = "i".repeat(MAX_ID_CHARS + 1);
        let FeedRow::Rejected(issue) = bound(rec) else {
            panic!("a long id must be rejected");
        };
        assert_eq!(issue.field.as_deref(), Some("id"));
        assert!(issue.reason.contains("513 characters"), "{}", issue.reason);
        assert_eq!(
            issue.item.as_deref().map(|i| i.chars().count()),
            Some(MAX_ID_CHARS + 1)
        );

        let mut rec = record("Flats");
        rec.item_id = "A\u{1b}1".into();
        assert!(matches!(bound(rec), FeedRow::Rejected(_)));
        assert!(matches!(bound(record("\u{1}\u{7}")), FeedRow::Rejected(_)));

        let mut rec = record("Flats");
        rec.price = Money::new(MAX_PRICE_MINOR + 1, rec.price.currency);
        let FeedRow::Rejected(issue) = bound(rec) else {
            panic!("an absurd price must be rejected");
        };
        assert_eq!(issue.field.as_deref(), Some("price"));
        assert_eq!(issue.item.as_deref(), Some("A-1"));
    }

    #[test]
    fn an_ordinary_record_is_left_alone() {
        let mut rec = record("Miu Miu Logo-Patch Satin Ballet Flats");
        rec.description = Some("Pale pink satin.\nMade in Italy.".into());
        let rec = bounded(rec);
        assert!(rec.warnings.is_empty());
        assert_eq!(
            rec.description.as_deref(),
            Some("Pale pink satin.\nMade in Italy.")
        );
    }
}
