//! Google Merchant Center XML feeds: RSS 2.0 (`<rss><channel><item>`) and Atom
//! (`<feed><entry>`), with attributes in the `g:` namespace `http://base.google.com/ns/1.0`.
//!
//! Read in streaming mode, one item at a time. Attributes are matched by namespace URI, or by
//! the `g:` prefix when a feed forgets to declare it. An item's unprefixed `<title>`, `<link>`
//! and `<description>` (RSS) or `<title>`, `<link href="…"/>` and `<summary>` (Atom) stand in
//! for missing `g:title`, `g:link` and `g:description`. Atom's own `<id>` is never the item id.
//! The retailer hint is the channel's (RSS) or feed's (Atom) title.
//!
//! `line` is the line of the item's start tag (a minified one-line feed gives every item line 1;
//! errors then also name the item number). The field rules are those of the TSV format.

use std::path::PathBuf;

use quick_xml::NsReader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};

use crate::money::Currency;
use crate::{Error, Result};

use super::FeedRow;
use super::gmc::{self, GmcField, GmcItem};
use super::record::clean;
use super::source::{LineCounter, Source, Stream, not_utf8_message, read_error};

/// The Google Merchant Center namespace.
const G_NS: &str = "http://base.google.com/ns/1.0";
/// The Atom namespace.
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// The deepest nesting of elements read: a feed is five or six levels deep; a file nesting
/// thousands (which the XML reader would have to remember to check its end tags) is refused.
const MAX_DEPTH: usize = 64;

/// The most text one item may hold, in bytes: a real item is a few kilobytes; one repeating an
/// element thousands of times is refused rather than held.
pub(crate) const MAX_ITEM_BYTES: usize = 4 * 1024 * 1024;

/// Which vocabulary an element belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vocab {
    /// The `g:` namespace.
    Google,
    /// No namespace (RSS) or Atom's.
    Plain,
    /// Anything else (`media:`, `dc:` …): ignored.
    Other,
}

/// The item elements without the `g:` prefix that stand in for GMC attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plain {
    Title,
    Link,
    Description,
}

/// A start tag, reduced to what the parser needs.
#[derive(Debug)]
struct Tag {
    vocab: Vocab,
    local: String,
    /// Line breaks inside the tag itself (attributes on several lines).
    newlines: u64,
    /// `href` of an Atom `<link>` when `rel` is absent or `alternate`.
    href: Option<String>,
}

impl Tag {
    fn new(ns: &ResolveResult<'_>, e: &BytesStart<'_>) -> Tag {
        let name = e.name();
        let prefix = name.prefix().map(|p| p.into_inner());
        let vocab = match ns {
            ResolveResult::Bound(Namespace(uri)) if is_google_ns(uri) => Vocab::Google,
            _ if prefix == Some("g") => Vocab::Google,
            ResolveResult::Unbound => Vocab::Plain,
            ResolveResult::Bound(Namespace(uri)) if *uri == ATOM_NS => Vocab::Plain,
            _ => Vocab::Other,
        };
        let local = e.local_name().into_inner().to_string();
        let href = if vocab == Vocab::Plain && local == "link" {
            let attr = |key: &str| {
                e.try_get_attribute(key)
                    .ok()
                    .flatten()
                    .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
                    .map(|v| v.into_owned())
            };
            let rel = attr("rel");
            match rel.as_deref().map(str::trim) {
                None | Some("") | Some("alternate") => attr("href"),
                Some(_) => None,
            }
        } else {
            None
        };
        Tag {
            vocab,
            newlines: e.bytes().filter(|&b| b == b'\n').count() as u64,
            local,
            href,
        }
    }

    /// What a direct child of an item with this tag holds.
    fn target(&self) -> Option<Target> {
        match self.vocab {
            Vocab::Google => GmcField::from_name(&self.local).map(Target::Gmc),
            Vocab::Plain => match self.local.as_str() {
                "title" => Some(Target::Plain(Plain::Title)),
                "link" => Some(Target::Plain(Plain::Link)),
                "description" | "summary" => Some(Target::Plain(Plain::Description)),
                _ => None,
            },
            Vocab::Other => None,
        }
    }

    fn is_item(&self) -> bool {
        self.vocab != Vocab::Google && (self.local == "item" || self.local == "entry")
    }
}

fn is_google_ns(uri: &str) -> bool {
    let bare = uri
        .trim()
        .trim_end_matches('/')
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    bare == &G_NS["http://".len()..]
}

/// Where an item child's text goes.
#[derive(Debug, Clone, Copy)]
enum Target {
    Gmc(GmcField),
    Plain(Plain),
}

/// An XML event, reduced and owned.
#[derive(Debug)]
enum Ev {
    Start(Tag),
    Empty(Tag),
    End,
    Text(String),
    Eof,
    Other,
}

/// A `&name;` reference as text: character references and the five XML entities resolve;
/// an unknown entity (HTML's `&nbsp;` in a careless feed) is kept as written.
fn resolve_ref(r: &BytesRef<'_>) -> String {
    if r.is_char_ref() {
        if let Ok(Some(c)) = r.resolve_char_ref() {
            return c.to_string();
        }
    } else if let Some(s) = resolve_predefined_entity(r) {
        return s.to_string();
    }
    format!("&{};", &**r)
}

/// The item being read: its number and the line of its start tag.
#[derive(Debug, Clone, Copy)]
struct ItemStart {
    number: u64,
    line: u64,
}

/// The rows of a GMC XML feed.
pub(crate) struct XmlRows {
    path: PathBuf,
    gzip: bool,
    reader: NsReader<LineCounter<Stream>>,
    buf: Vec<u8>,
    currency: Option<Currency>,
    /// Local names of the open elements outside items.
    stack: Vec<String>,
    items: u64,
    pending: Option<ItemStart>,
    /// An error met while reading ahead on open, given by the first `next`.
    deferred: Option<Error>,
    title: Option<String>,
    done: bool,
}

impl XmlRows {
    /// Checks the root element (`<rss>` or `<feed>`) and reads up to the first item to learn
    /// the channel's title. Errors after the root element are given by the iterator.
    pub(crate) fn open(source: Source, currency: Option<Currency>) -> Result<XmlRows> {
        let mut reader = NsReader::from_reader(LineCounter::new(source.stream));
        reader.config_mut().allow_dangling_amp = true;
        let mut rows = XmlRows {
            path: source.path,
            gzip: source.gzip,
            reader,
            buf: Vec::new(),
            currency,
            stack: Vec::new(),
            items: 0,
            pending: None,
            deferred: None,
            title: None,
            done: false,
        };
        loop {
            match rows.next_event() {
                Err(e) => return Err(rows.xml_error(e, "before the root element")),
                Ok(Ev::Start(tag)) => {
                    if tag.local != "rss" && tag.local != "feed" {
                        return Err(rows.wrong_root(&tag.local));
                    }
                    rows.stack.push(tag.local);
                    break;
                }
                Ok(Ev::Empty(tag)) => return Err(rows.wrong_root(&tag.local)),
                Ok(Ev::End) | Ok(Ev::Eof) => {
                    return Err(Error::bad_file(
                        &rows.path,
                        Some(rows.line()),
                        "no XML element found: expected an RSS 2.0 <rss> or Atom <feed> root element",
                    ));
                }
                Ok(Ev::Text(_)) | Ok(Ev::Other) => {}
            }
        }
        if let Err(e) = rows.advance_to_item() {
            rows.deferred = Some(e);
        }
        Ok(rows)
    }

    /// The channel's or feed's title.
    pub(crate) fn title(&self) -> Option<String> {
        self.title.clone()
    }

    fn wrong_root(&self, local: &str) -> Error {
        Error::bad_file(
            &self.path,
            Some(self.line()),
            format!(
                "not a Google Merchant Center feed: the root element is <{local}>, expected an RSS 2.0 <rss> or Atom <feed>"
            ),
        )
    }

    fn line(&self) -> u64 {
        self.reader.get_ref().line()
    }

    fn too_deep(&self) -> Error {
        Error::bad_file(
            &self.path,
            Some(self.line()),
            format!(
                "elements nested more than {MAX_DEPTH} deep ({}): a feed is a few levels deep; the file is damaged or not a feed",
                self.context()
            ),
        )
    }

    fn next_event(&mut self) -> std::result::Result<Ev, quick_xml::Error> {
        self.buf.clear();
        let (ns, event) = self.reader.read_resolved_event_into(&mut self.buf)?;
        Ok(match event {
            Event::Start(e) => Ev::Start(Tag::new(&ns, &e)),
            Event::Empty(e) => Ev::Empty(Tag::new(&ns, &e)),
            Event::End(_) => Ev::End,
            Event::Text(t) => Ev::Text(t.xml10_content().into_owned()),
            Event::CData(c) => Ev::Text(c.xml10_content().into_owned()),
            Event::GeneralRef(r) => Ev::Text(resolve_ref(&r)),
            Event::Eof => Ev::Eof,
            _ => Ev::Other,
        })
    }

    fn xml_error(&self, e: quick_xml::Error, context: &str) -> Error {
        let line = Some(self.line());
        match e {
            quick_xml::Error::Io(io) => {
                read_error(&self.path, self.gzip, line, io.kind(), io.to_string())
            }
            quick_xml::Error::Encoding(_) => Error::bad_file(
                &self.path,
                line,
                not_utf8_message(&format!("invalid bytes {context}")),
            ),
            other => Error::bad_file(
                &self.path,
                line,
                format!("malformed XML {context}: {other}"),
            ),
        }
    }

    fn context(&self) -> String {
        match self.items {
            0 => "before the first item".to_string(),
            n => format!("after item {n}"),
        }
    }

    /// Reads up to the next item's start tag. `false` at the end of the document.
    fn advance_to_item(&mut self) -> Result<bool> {
        loop {
            let event = self.next_event().map_err(|e| {
                let context = self.context();
                self.xml_error(e, &context)
            })?;
            match event {
                Ev::Start(tag) => {
                    if tag.is_item() {
                        self.items += 1;
                        self.pending = Some(ItemStart {
                            number: self.items,
                            line: self.line().saturating_sub(tag.newlines).max(1),
                        });
                        return Ok(true);
                    }
                    let parent = self.stack.last().map(String::as_str);
                    let is_title = tag.vocab == Vocab::Plain
                        && tag.local == "title"
                        && matches!(parent, Some("channel") | Some("feed"))
                        && self.items == 0
                        && self.title.is_none();
                    self.stack.push(tag.local);
                    if self.stack.len() > MAX_DEPTH {
                        return Err(self.too_deep());
                    }
                    if is_title {
                        let text = self.read_text()?;
                        self.title = clean(&text);
                    }
                }
                Ev::End => {
                    self.stack.pop();
                }
                Ev::Eof => {
                    return match self.stack.last() {
                        Some(open) => Err(Error::bad_file(
                            &self.path,
                            Some(self.line()),
                            format!(
                                "the file ends before </{open}> ({}): it is truncated",
                                self.context()
                            ),
                        )),
                        None => Ok(false),
                    };
                }
                Ev::Empty(_) | Ev::Text(_) | Ev::Other => {}
            }
        }
    }

    /// The text of the element whose start tag was just read, up to its end tag.
    fn read_text(&mut self) -> Result<String> {
        let mut text = String::new();
        let mut depth = 0usize;
        loop {
            let event = self.next_event().map_err(|e| {
                let context = self.context();
                self.xml_error(e, &context)
            })?;
            match event {
                Ev::Start(_) => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(self.too_deep());
                    }
                }
                Ev::End if depth == 0 => {
                    self.stack.pop();
                    return Ok(text);
                }
                Ev::End => depth -= 1,
                Ev::Text(t) => {
                    // Only the start of an overlong title is kept.
                    if text.len() < 4096 {
                        text.push_str(&t);
                    }
                }
                Ev::Eof => {
                    return Err(Error::bad_file(
                        &self.path,
                        Some(self.line()),
                        "the file ends inside the feed's <title>: it is truncated",
                    ));
                }
                Ev::Empty(_) | Ev::Other => {}
            }
        }
    }

    /// Reads the item whose start tag was just read, up to its end tag.
    fn read_item(&mut self, start: ItemStart) -> Result<GmcItem> {
        let context = format!(
            "in item {} (which starts on line {})",
            start.number, start.line
        );
        let mut item = GmcItem::default();
        let mut plain: [Option<String>; 3] = Default::default();
        let mut capture: Option<(Target, String)> = None;
        let mut depth = 0usize;
        let mut held = 0usize;
        loop {
            let event = self.next_event().map_err(|e| self.xml_error(e, &context))?;
            match event {
                Ev::Start(tag) => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(self.too_deep());
                    }
                    if depth == 1 {
                        capture = match (tag.target(), tag.href) {
                            (Some(Target::Plain(Plain::Link)), Some(href)) => {
                                plain[Plain::Link as usize].get_or_insert(href);
                                None
                            }
                            (Some(target), _) => Some((target, String::new())),
                            (None, _) => None,
                        };
                    }
                }
                Ev::Empty(tag) => {
                    if depth == 0
                        && let (Some(Target::Plain(Plain::Link)), Some(href)) =
                            (tag.target(), tag.href)
                    {
                        plain[Plain::Link as usize].get_or_insert(href);
                    }
                }
                Ev::End if depth == 0 => break,
                Ev::End => {
                    if depth == 1
                        && let Some((target, text)) = capture.take()
                    {
                        match target {
                            Target::Gmc(field) => item.push(field, text),
                            Target::Plain(p) => {
                                plain[p as usize].get_or_insert(text);
                            }
                        }
                    }
                    depth -= 1;
                }
                Ev::Text(t) => {
                    if let Some((_, text)) = &mut capture {
                        held += t.len();
                        if held > MAX_ITEM_BYTES {
                            return Err(Error::bad_file(
                                &self.path,
                                Some(start.line),
                                format!(
                                    "item {} holds more than {} of text (a real item is a few kilobytes): the file is damaged or not a feed",
                                    start.number,
                                    super::limits::human_bytes(MAX_ITEM_BYTES as u64)
                                ),
                            ));
                        }
                        text.push_str(&t);
                    }
                }
                Ev::Eof => {
                    return Err(Error::bad_file(
                        &self.path,
                        Some(self.line()),
                        format!("the file ends {context}: it is truncated"),
                    ));
                }
                Ev::Other => {}
            }
        }
        for (p, field) in [
            (Plain::Title, GmcField::Title),
            (Plain::Link, GmcField::Link),
            (Plain::Description, GmcField::Description),
        ] {
            if !item.has(field)
                && let Some(text) = plain[p as usize].take()
            {
                item.push(field, text);
            }
        }
        Ok(item)
    }
}

impl Iterator for XmlRows {
    type Item = Result<FeedRow>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if let Some(e) = self.deferred.take() {
            self.done = true;
            return Some(Err(e));
        }
        if self.pending.is_none() {
            match self.advance_to_item() {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        let start = self.pending.take()?;
        match self.read_item(start) {
            Ok(item) => Some(Ok(match gmc::build(&item, start.line, self.currency) {
                // Without its id, an item of a one-line feed is found by its number.
                FeedRow::Rejected(mut issue) if issue.item.is_none() => {
                    issue.reason = format!("item {}: {}", start.number, issue.reason);
                    FeedRow::Rejected(issue)
                }
                FeedRow::Record(mut rec) => {
                    for field in item.repeated() {
                        rec.warnings.push(super::RowIssue {
                            line: start.line,
                            item: Some(rec.item_id.clone()),
                            field: Some(field.name().to_string()),
                            reason: format!(
                                "the item gives {} more than once with different values: the first is read",
                                field.name()
                            ),
                        });
                    }
                    FeedRow::Record(rec)
                }
                row => row,
            })),
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::test_support::{
        check_never_panics, fixture, money, mutate, open_bytes, records, rows,
    };
    use super::super::{FeedFormat, FeedOptions, FeedRecord, FeedRow, RowIssue, open_feed};
    use crate::domain::Availability;
    use crate::gtin::{Gtin, GtinError};

    fn open_xml(text: &str) -> crate::Result<super::super::FeedReader> {
        open_bytes(
            "t.xml",
            text.as_bytes().to_vec(),
            Some(FeedFormat::GmcXml),
            None,
        )
    }

    #[test]
    fn selfridges_rss_reads_to_exact_records() {
        let reader = open_feed(&fixture("selfridges.gmc.xml"), &FeedOptions::default()).unwrap();
        assert_eq!(reader.format(), FeedFormat::GmcXml);
        assert_eq!(reader.retailer_hint(), Some("Selfridges"));
        let rows = rows(reader);
        assert_eq!(rows.len(), 4, "{rows:#?}");
        let recs = records(&rows);
        assert_eq!(recs.len(), 4);

        let img = |n: &str| format!("https://shop.example/img/selfridges/{n}.jpg");
        assert_eq!(
            *recs[0],
            FeedRecord {
                line: 7,
                item_id: "SF-R03712".into(),
                title: "Miu Miu Logo-patch satin ballet flats".into(),
                description: Some(
                    "Ballet flats in pale pink satin with an elastic strap over the instep, \
                     a small bow at the toe & a logo patch."
                        .into()
                ),
                brand: Some("Miu Miu".into()),
                retailer: None,
                link: Some(
                    "https://shop.example/selfridges/miu-miu-logo-patch-satin-ballet-flats".into()
                ),
                image_links: vec![img("SF-R03712-1"), img("SF-R03712-2"), img("SF-R03712-3")],
                price: money(55000, "GBP"),
                sale_price: Some(money(49500, "GBP")),
                availability: Availability::InStock,
                gtin: Some(Gtin::parse("8001234567897").unwrap()),
                mpn: Some("5F094D".into()),
                condition: Some("new".into()),
                google_product_category: Some("Apparel & Accessories > Shoes".into()),
                product_type: Some("Women > Shoes > Ballet flats".into()),
                item_group_id: Some("SF-R037".into()),
                colours: vec!["Pink".into()],
                sizes: vec!["36".into(), "37".into(), "38".into()],
                gender: Some("female".into()),
                age_group: Some("adult".into()),
                materials: vec!["Satin".into()],
                pattern: None,
                warnings: vec![],
                observations: Vec::new(),
            }
        );

        // Unprefixed RSS <title>, <link>, <description> stand in for the g: ones.
        let ms = recs[1];
        assert_eq!(ms.line, 31);
        assert_eq!(ms.item_id, "SF-M51170");
        assert_eq!(ms.title, "Marks and Spencer Leather Bow Ballet Pumps");
        assert_eq!(ms.brand.as_deref(), Some("M&S Collection"));
        assert_eq!(
            ms.link.as_deref(),
            Some("https://shop.example/selfridges/marks-and-spencer-leather-bow-ballet-pumps")
        );
        assert_eq!(
            ms.description.as_deref(),
            Some(
                "Leather ballet pumps with a bow at the toe \u{2013} a soft, round-toed slipper shape."
            )
        );
        assert_eq!(ms.price, money(3900, "GBP"));
        assert_eq!(ms.sale_price, None);
        assert_eq!(ms.availability, Availability::InStock);
        assert_eq!(ms.colours, vec!["Pink"]);
        assert_eq!(ms.materials, vec!["Leather"]);
        assert_eq!(ms.image_links, vec![img("SF-M51170")]);
        assert_eq!(ms.gtin, None);
        assert_eq!(
            ms.warnings,
            vec![RowIssue {
                line: 31,
                item: Some("SF-M51170".into()),
                field: Some("gtin".into()),
                reason: format!(
                    "{}; dropped",
                    GtinError::BadCheckDigit("5012345678901".into())
                ),
            }]
        );

        let repetto = recs[2];
        assert_eq!(repetto.line, 46);
        assert_eq!(repetto.title, "Repetto Cendrillon satin ballet flats");
        assert_eq!(repetto.price, money(24000, "GBP"));
        assert_eq!(repetto.availability, Availability::OutOfStock);
        assert_eq!(repetto.colours, vec!["Black", "Pink"]);
        assert_eq!(repetto.sizes, vec!["37", "38"]);
        assert_eq!(repetto.materials, vec!["Satin", "Leather"]);
        assert!(repetto.warnings.is_empty());

        let sandro = recs[3];
        assert_eq!(sandro.line, 59);
        assert_eq!(sandro.title, "Sandro tulle midi skirt");
        assert_eq!(sandro.price, money(19500, "GBP"));
        assert_eq!(
            sandro.sale_price, None,
            "a sale price equal to the price is no sale"
        );
        assert_eq!(sandro.availability, Availability::Preorder);
        assert_eq!(sandro.link, None, "a relative link is dropped");
        assert_eq!(sandro.sizes, vec!["XS", "S", "M"]);
        assert_eq!(sandro.pattern.as_deref(), Some("Solid"));
        let fields: Vec<_> = sandro.warnings.iter().map(|w| w.field.as_deref()).collect();
        assert_eq!(fields, vec![Some("sale_price"), Some("link")]);
        assert_eq!(
            sandro.warnings[0].reason,
            "sale price £195.00 is not lower than the price £195.00; ignored"
        );
        assert!(
            sandro.warnings[1]
                .reason
                .contains("/sandro/tulle-midi-skirt")
        );
        assert!(sandro.warnings.iter().all(|w| w.line == 59));
    }

    #[test]
    fn atom_feed_reads_entries_with_link_href() {
        let reader = open_feed(&fixture("atom.gmc.xml"), &FeedOptions::default()).unwrap();
        assert_eq!(reader.format(), FeedFormat::GmcXml);
        assert_eq!(reader.retailer_hint(), Some("Shop Example"));
        let rows = rows(reader);
        let recs = records(&rows);
        assert_eq!(recs.len(), 2, "{rows:#?}");

        let arket = recs[0];
        assert_eq!(arket.line, 6);
        assert_eq!(
            arket.item_id, "AK-1068455",
            "Atom's own <id> is not the item id"
        );
        assert_eq!(arket.title, "Leather Ballet Flat");
        assert_eq!(
            arket.link.as_deref(),
            Some("https://shop.example/arket/leather-ballet-flat?colour=black&size=38")
        );
        assert_eq!(
            arket.description.as_deref(),
            Some(
                "A leather ballet flat with a square toe and a higher cut that covers more of the foot."
            )
        );
        assert_eq!(arket.brand.as_deref(), Some("Arket"));
        assert_eq!(arket.price, money(13500, "GBP"));
        assert_eq!(arket.availability, Availability::InStock);
        assert_eq!(arket.colours, vec!["Black"]);
        assert!(arket.warnings.is_empty());

        let mango = recs[1];
        assert_eq!(mango.line, 19);
        assert_eq!(mango.item_id, "MNG-67040591");
        assert_eq!(
            mango.title, "Mango Bow leather ballerina",
            "g:title wins over <title>"
        );
        assert_eq!(
            mango.link.as_deref(),
            Some("https://shop.example/mango/bow-leather-ballerina")
        );
        assert_eq!(mango.price, money(3600, "GBP"));
        assert_eq!(mango.availability, Availability::OutOfStock);
        assert_eq!(mango.gtin, Some(Gtin::parse("8412345678905").unwrap()));
    }

    #[test]
    fn namespace_is_matched_by_uri_and_by_g_prefix() {
        let by_uri = r#"<rss xmlns:gm="http://base.google.com/ns/1.0"><channel><title>T</title>
<item><gm:id>1</gm:id><gm:title>A</gm:title><gm:price>10.00 GBP</gm:price><gm:availability>in_stock</gm:availability></item>
</channel></rss>"#;
        let undeclared = r#"<rss><channel><item><g:id>2</g:id><g:title>B</g:title><g:price>5 GBP</g:price><g:availability>in stock</g:availability></item></channel></rss>"#;
        for (text, id) in [(by_uri, "1"), (undeclared, "2")] {
            let rows = rows(open_xml(text).unwrap());
            let recs = records(&rows);
            assert_eq!(recs.len(), 1, "{rows:?}");
            assert_eq!(recs[0].item_id, id);
        }
        // Elements of other namespaces are not GMC attributes.
        let other = r#"<rss xmlns:x="urn:x"><channel><item><x:id>1</x:id><title>A</title></item></channel></rss>"#;
        let rows = rows(open_xml(other).unwrap());
        assert_eq!(
            rows,
            vec![FeedRow::Rejected(RowIssue {
                line: 1,
                item: None,
                field: Some("id".into()),
                reason: "item 1: id is required".into()
            })]
        );
    }

    #[test]
    fn cdata_entities_and_char_refs_decode() {
        let text = "<rss><channel><title>Caf&#233; &amp; Co</title><item>\
            <g:id><![CDATA[ x<1> ]]></g:id>\
            <g:title>Fish &amp; Chips &lt;3 &#x2665; &nbsp;end</g:title>\
            <g:description><![CDATA[<p>Soft & light</p>]]> &amp; more</g:description>\
            <g:price>1.00 GBP</g:price><g:availability>in_stock</g:availability>\
            </item></channel></rss>";
        let reader = open_xml(text).unwrap();
        assert_eq!(reader.retailer_hint(), Some("Café & Co"));
        let rows = rows(reader);
        let rec = records(&rows)[0];
        assert_eq!(rec.item_id, "x<1>");
        assert_eq!(rec.title, "Fish & Chips <3 \u{2665} &nbsp;end");
        assert_eq!(
            rec.description.as_deref(),
            Some("<p>Soft & light</p> & more")
        );
    }

    #[test]
    fn malformed_xml_mid_file_names_file_item_and_line() {
        let text = "<rss><channel>\n<item><g:id>1</g:id><g:title>A</g:title><g:price>1 GBP</g:price><g:availability>in_stock</g:availability></item>\n<item>\n<g:id>2</g:id>\n<g:title>B</g:wrong>\n</item></channel></rss>";
        let mut reader = open_xml(text).unwrap();
        assert!(matches!(reader.next(), Some(Ok(FeedRow::Record(_)))));
        let err = reader.next().unwrap().unwrap_err().to_string();
        assert!(err.starts_with("t.xml: line 5:"), "{err}");
        assert!(err.contains("item 2 (which starts on line 3)"), "{err}");
        assert!(reader.next().is_none());
    }

    #[test]
    fn truncated_xml_is_an_error_not_a_silent_end() {
        let inside_item = "<rss><channel><item><g:id>1</g:id>";
        let mut reader = open_xml(inside_item).unwrap();
        let err = reader.next().unwrap().unwrap_err().to_string();
        assert!(err.contains("ends in item 1"), "{err}");

        let after_item = "<rss><channel><item><g:id>1</g:id><g:title>A</g:title><g:price>1 GBP</g:price><g:availability>in_stock</g:availability></item>";
        let results: Vec<_> = open_xml(after_item).unwrap().collect();
        assert_eq!(results.len(), 2);
        assert!(results[0].is_ok());
        let err = results[1].as_ref().unwrap_err().to_string();
        assert!(err.contains("ends before </channel>"), "{err}");
    }

    #[test]
    fn not_utf8_is_an_error_naming_the_line() {
        let mut bytes = b"<rss><channel>\n<item><g:id>1</g:id>\n<g:title>Caf".to_vec();
        bytes.push(0xE9);
        bytes.extend_from_slice(b"</g:title></item></channel></rss>");
        let mut reader = open_bytes("latin1.xml", bytes, None, None).unwrap();
        let err = reader.next().unwrap().unwrap_err().to_string();
        assert!(err.starts_with("latin1.xml: line 3:"), "{err}");
        assert!(err.contains("not UTF-8 (Latin-1?)"), "{err}");
    }

    #[test]
    fn a_root_other_than_rss_or_feed_is_not_a_feed() {
        let err = open_xml("<html><body>hi</body></html>")
            .unwrap_err()
            .to_string();
        assert!(err.contains("root element is <html>"), "{err}");
    }

    #[test]
    fn an_element_given_twice_is_a_warning_and_the_first_is_read() {
        let text = "<rss><channel><item><g:id>1</g:id><g:title>A</g:title>\
                    <g:price>10.00 GBP</g:price><g:price>12.00 GBP</g:price>\
                    <g:availability>in stock</g:availability></item></channel></rss>";
        let rows = rows(open_xml(text).unwrap());
        let rec = records(&rows)[0];
        assert_eq!(rec.price, money(1000, "GBP"));
        assert_eq!(rec.warnings.len(), 1);
        assert_eq!(rec.warnings[0].field.as_deref(), Some("price"));
    }

    #[test]
    fn deep_nesting_is_refused_naming_the_line() {
        for inside_item in [false, true] {
            let open = if inside_item { "<item>" } else { "" };
            let text = format!("<rss><channel>{open}\n{}", "<a>".repeat(10_000));
            let results: Vec<_> = match open_xml(&text) {
                Ok(reader) => reader.collect(),
                Err(e) => vec![Err(e)],
            };
            let err = results.last().unwrap().as_ref().unwrap_err().to_string();
            assert!(
                err.starts_with("t.xml: line 2: elements nested more than 64 deep"),
                "{err}"
            );
        }
    }

    #[test]
    fn an_item_repeating_an_element_past_its_size_is_refused() {
        let element = format!(
            "<g:additional_image_link>{}</g:additional_image_link>",
            "x".repeat(1000)
        );
        let text = format!(
            "<rss><channel>\n<item><g:id>1</g:id>{}</item></channel></rss>",
            element.repeat(5000)
        );
        let results: Vec<_> = open_xml(&text).unwrap().collect();
        let err = results.last().unwrap().as_ref().unwrap_err().to_string();
        assert_eq!(
            err,
            "t.xml: line 2: item 1 holds more than 4 MiB of text (a real item is a few kilobytes): \
             the file is damaged or not a feed"
        );
    }

    #[test]
    fn a_rejection_in_a_one_line_feed_names_the_item() {
        let item = |i: usize| {
            format!(
                "<item><g:id>it-{i}</g:id><g:title>Flats {i}</g:title><g:price>{}</g:price>\
                 <g:availability>in stock</g:availability></item>",
                if i == 1234 { "free" } else { "10.00 GBP" }
            )
        };
        let items: String = (1..=2200).map(item).collect();
        let text = format!(
            "<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel>{items}</channel></rss>"
        );
        let rows = rows(open_xml(&text).unwrap());
        assert_eq!(rows.len(), 2200);
        let rejected = super::super::test_support::rejected(&rows);
        assert_eq!(
            (
                rejected[0].line,
                rejected[0].item.as_deref(),
                rejected[0].field.as_deref()
            ),
            (1, Some("it-1234"), Some("price"))
        );
    }

    #[test]
    fn item_lines_account_for_multiline_start_tags() {
        let text = "<rss>\n<channel>\n<item\n  id=\"x\">\n<g:title>A</g:title>\n</item>\n</channel>\n</rss>\n";
        let rows = rows(open_xml(text).unwrap());
        assert_eq!(
            rows,
            vec![FeedRow::Rejected(RowIssue {
                line: 3,
                item: None,
                field: Some("id".into()),
                reason: "item 1: id is required".into()
            })]
        );
    }

    #[test]
    fn channel_without_items_reads_as_empty() {
        let reader = open_xml("<rss><channel><title> Store </title></channel></rss>").unwrap();
        assert_eq!(reader.retailer_hint(), Some("Store"));
        assert_eq!(reader.count(), 0);
    }

    fn fixtures() -> Vec<Vec<u8>> {
        ["selfridges.gmc.xml", "atom.gmc.xml"]
            .iter()
            .map(|n| std::fs::read(fixture(n)).unwrap())
            .collect()
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut xml = b"<rss><channel><item>".to_vec();
            xml.extend_from_slice(&bytes);
            check_never_panics(xml, Some(FeedFormat::GmcXml));
            check_never_panics(bytes, Some(FeedFormat::GmcXml));
        }

        #[test]
        fn mutated_fixtures_never_panic(
            which in 0usize..2,
            line in any::<usize>(),
            op in 0u8..6,
            junk in "(<|>|&|;|g:|\"|'|/|\\PC){0,12}",
        ) {
            let text = &fixtures()[which];
            check_never_panics(mutate(text, line, op, junk.as_bytes()), None);
        }
    }
}
