//! Any CSV or TSV read through a [`Mapping`]: a TOML file that says which column holds the
//! item id, the title, the price, the colour … and gives constants for what the file lacks.
//!
//! The layout of a mapping file is documented, key by key, in the files shipped under
//! `mappings/` at the repository root (`myntra-products.toml` is the simplest). In short:
//!
//! ```toml
//! delimiter = ","                       # "," (default), "\t", ";" or "|"
//! group_rows_by = "name"                # optional: rows with the same value are one item
//! brand_from_title = "before_gender"    # optional: a row with no brand takes the title's words
//!                                       #   before its first gender word ("Red Chief Men …"),
//!                                       #   or with none, a brand an earlier row named
//!
//! [columns]                             # field = "Column name", or a table:
//! id = "Product_ID"                     #   { column = "…", split = ",", prefix = "Was " }
//! title = "Product_Name"
//! price = "Price"
//! colour = { column = "colors", split = "," }
//! observed_at = { column = "prices.dateSeen", split = "," }
//!
//! [constants]                           # used when there is no column, or it is empty
//! currency = "INR"
//! retailer = "Myntra"                   # the shop; never a data vendor
//! availability = "in_stock"
//! link = "https://www.myntra.com/{Product_ID}"   # a link built from the row's columns
//! ```
//!
//! A `link` constant is a template: each `{Column}` is replaced by that column's value,
//! percent-encoded (so a value cannot change the host, add a query or break out of its path
//! segment). It must be an http(s) URL whose scheme and host hold no placeholder, and every
//! placeholder must name a column of the header (checked when the file is opened). A row whose
//! placeholder column is empty gets no link.
//!
//! Rules for each row: the id, the title and the price are required; the price is read with
//! [`parse_price`] in the row's currency (the `currency` column, else `--currency`, else the
//! constant), never guessed; an unreadable price or sale price, an unknown availability or an
//! unreadable time rejects the row; an invalid GTIN or a non-http(s) link is dropped with a
//! warning. `line` is the line where the row (for grouped rows, the item's first row) starts.
//!
//! Without `group_rows_by` the file is streamed, one row at a time. With it, every row of the
//! file is read before the first item is given out, and one entry per distinct item is held
//! meanwhile (its sizes, colours, images and one price per distinct time seen): memory grows
//! with the number of items, not of rows. Rejected rows are given out as they are met.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::domain::Availability;
use crate::gtin::Gtin;
use crate::money::{Currency, Money, parse_price};
use crate::{Error, Result};

use super::delimited::{Delimited, Next};
use super::gmc_tsv::found_columns;
use super::record::{
    self, RowCheck, clean, extend_unique, money_reason, quote, split_urls, unknown_availability,
};
use super::source::Source;
use super::{FeedRecord, FeedRow, Observation, RowIssue};

/// How to read a CSV/TSV that no built-in format knows: which column holds which field, and
/// constants for what the file lacks. Read from a TOML file with [`Mapping::load`] (or
/// [`Mapping::parse`]); every key is checked when it is read, so a typo is an error naming the
/// key and its line rather than a field silently missing.
///
/// The columns named are checked against the feed's header when the feed is opened: a column
/// the header lacks is an error naming it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    origin: String,
    delimiter: u8,
    group_rows_by: Option<String>,
    columns: Vec<(Field, ColumnSpec)>,
    constants: Constants,
}

/// The fields a mapping can fill, with their names in a mapping file's `[columns]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    Title,
    Description,
    Brand,
    Retailer,
    Price,
    SalePrice,
    WasPrice,
    Currency,
    Colour,
    Material,
    Size,
    Gtin,
    Mpn,
    Link,
    Image,
    Availability,
    Category,
    Gender,
    Condition,
    ItemGroup,
    ObservedAt,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Title => "title",
            Field::Description => "description",
            Field::Brand => "brand",
            Field::Retailer => "retailer",
            Field::Price => "price",
            Field::SalePrice => "sale_price",
            Field::WasPrice => "was_price",
            Field::Currency => "currency",
            Field::Colour => "colour",
            Field::Material => "material",
            Field::Size => "size",
            Field::Gtin => "gtin",
            Field::Mpn => "mpn",
            Field::Link => "link",
            Field::Image => "image",
            Field::Availability => "availability",
            Field::Category => "category",
            Field::Gender => "gender",
            Field::Condition => "condition",
            Field::ItemGroup => "item_group",
            Field::ObservedAt => "observed_at",
        }
    }
}

/// Which column holds a field, and how to read it.
#[derive(Debug, Clone, PartialEq)]
struct ColumnSpec {
    /// The column's name as the header writes it (matched exactly, else ignoring case).
    column: String,
    /// Separator of several values in one cell.
    split: Option<String>,
    /// Only values starting with this text count; it is removed (`"Was "` in `Was 99.99`).
    prefix: Option<String>,
}

impl<'de> Deserialize<'de> for ColumnSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct SpecVisitor;

        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            column: String,
            split: Option<String>,
            prefix: Option<String>,
        }

        impl<'de> Visitor<'de> for SpecVisitor {
            type Value = ColumnSpec;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a column name, or a table { column = \"…\", split = \",\", prefix = \"…\" }",
                )
            }

            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<ColumnSpec, E> {
                Ok(ColumnSpec {
                    column: v.to_string(),
                    split: None,
                    prefix: None,
                })
            }

            fn visit_map<A: MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<ColumnSpec, A::Error> {
                let full = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ColumnSpec {
                    column: full.column,
                    split: full.split,
                    prefix: full.prefix,
                })
            }
        }

        deserializer.deserialize_any(SpecVisitor)
    }
}

/// The `[columns]` table of a mapping file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnsFile {
    id: Option<ColumnSpec>,
    title: Option<ColumnSpec>,
    description: Option<ColumnSpec>,
    brand: Option<ColumnSpec>,
    retailer: Option<ColumnSpec>,
    price: Option<ColumnSpec>,
    sale_price: Option<ColumnSpec>,
    was_price: Option<ColumnSpec>,
    currency: Option<ColumnSpec>,
    #[serde(alias = "color")]
    colour: Option<ColumnSpec>,
    material: Option<ColumnSpec>,
    size: Option<ColumnSpec>,
    gtin: Option<ColumnSpec>,
    mpn: Option<ColumnSpec>,
    link: Option<ColumnSpec>,
    image: Option<ColumnSpec>,
    availability: Option<ColumnSpec>,
    category: Option<ColumnSpec>,
    gender: Option<ColumnSpec>,
    condition: Option<ColumnSpec>,
    item_group: Option<ColumnSpec>,
    observed_at: Option<ColumnSpec>,
}

/// The `[constants]` table of a mapping file, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConstantsFile {
    price: Option<String>,
    link: Option<String>,
    currency: Option<String>,
    retailer: Option<String>,
    availability: Option<String>,
    brand: Option<String>,
    gender: Option<String>,
    category: Option<String>,
    condition: Option<String>,
}

/// A mapping file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    delimiter: Option<String>,
    group_rows_by: Option<String>,
    brand_from_title: Option<String>,
    columns: ColumnsFile,
    #[serde(default)]
    constants: ConstantsFile,
}

/// The constants of a mapping, checked.
#[derive(Debug, Clone, Default, PartialEq)]
struct Constants {
    /// A price for every row (a label file has none): read like a price cell.
    price: Option<String>,
    /// The link template.
    link: Option<LinkTemplate>,
    currency: Option<Currency>,
    retailer: Option<String>,
    availability: Option<Availability>,
    brand: Option<String>,
    /// A row without a brand takes the words of its title before the first gender word.
    brand_before_gender: bool,
    gender: Option<String>,
    category: Option<String>,
    condition: Option<String>,
}

impl Mapping {
    /// Reads a mapping file (at most [`crate::toml_file::MAX_CONFIG_BYTES`]). Errors name the
    /// file, the line and the key at fault.
    pub fn load(path: &Path) -> Result<Mapping> {
        let text = crate::toml_file::read_config(path)?;
        Mapping::parse(&text, &path.display().to_string())
    }

    /// Reads a mapping from TOML text; `origin` names it in errors (a file name).
    pub fn parse(text: &str, origin: &str) -> Result<Mapping> {
        let file: MappingFile = crate::toml_file::parse(text, origin)?;
        let bad = |message: String| Error::bad_file(origin, None, message);

        let delimiter = match file.delimiter.as_deref() {
            None => b',',
            Some("tab" | "\\t") => b'\t',
            Some(d) if d.len() == 1 && !matches!(d, "\"" | "\n" | "\r") && d.is_ascii() => {
                d.as_bytes()[0]
            }
            Some(d) => {
                return Err(bad(format!(
                    "delimiter {d:?}: expected one character such as \",\", \"\\t\", \";\" or \"|\""
                )));
            }
        };

        let c = file.columns;
        let named = [
            (Field::Id, c.id),
            (Field::Title, c.title),
            (Field::Description, c.description),
            (Field::Brand, c.brand),
            (Field::Retailer, c.retailer),
            (Field::Price, c.price),
            (Field::SalePrice, c.sale_price),
            (Field::WasPrice, c.was_price),
            (Field::Currency, c.currency),
            (Field::Colour, c.colour),
            (Field::Material, c.material),
            (Field::Size, c.size),
            (Field::Gtin, c.gtin),
            (Field::Mpn, c.mpn),
            (Field::Link, c.link),
            (Field::Image, c.image),
            (Field::Availability, c.availability),
            (Field::Category, c.category),
            (Field::Gender, c.gender),
            (Field::Condition, c.condition),
            (Field::ItemGroup, c.item_group),
            (Field::ObservedAt, c.observed_at),
        ];
        let mut columns = Vec::new();
        for (field, spec) in named {
            let Some(spec) = spec else { continue };
            if spec.column.trim().is_empty() {
                return Err(bad(format!(
                    "[columns] {}: the column name is empty",
                    field.name()
                )));
            }
            if spec.split.as_deref() == Some("") {
                return Err(bad(format!("[columns] {}: split is empty", field.name())));
            }
            if spec.prefix.as_deref().is_some_and(|p| p.trim().is_empty()) {
                return Err(bad(format!("[columns] {}: prefix is empty", field.name())));
            }
            columns.push((field, spec));
        }
        let has = |f: Field| columns.iter().any(|(g, _)| *g == f);
        let price_constant = match file.constants.price.as_deref().map(str::trim) {
            None => None,
            Some("") => return Err(bad("[constants] price is empty".into())),
            Some(p) => Some(p.to_string()),
        };
        for (field, what) in [
            (Field::Id, "the column holding each row's item id"),
            (Field::Title, "the column holding the product's title"),
            (
                Field::Price,
                "the column holding the price (or a [constants] price)",
            ),
        ] {
            if field == Field::Price && price_constant.is_some() {
                continue;
            }
            if !has(field) {
                return Err(bad(format!("[columns] needs `{}`: {what}", field.name())));
            }
        }
        if has(Field::SalePrice) && has(Field::WasPrice) {
            return Err(bad(
                "[columns] has both sale_price and was_price: give one way of telling a sale"
                    .into(),
            ));
        }

        let k = file.constants;
        let link = k
            .link
            .as_deref()
            .map(|t| LinkTemplate::parse(t).map_err(|m| bad(format!("[constants] link: {m}"))))
            .transpose()?;
        let text_constant = |v: Option<String>| v.and_then(|s| clean(&s));
        let currency = match k.currency.as_deref().map(str::trim) {
            None => None,
            Some(code) => Some(Currency::from_code(code).ok_or_else(|| {
                bad(format!(
                    "[constants] currency {code:?} is not an ISO 4217 code Pointe knows"
                ))
            })?),
        };
        let availability = match k.availability.as_deref() {
            None => None,
            Some(raw) => Some(Availability::parse(raw).ok_or_else(|| {
                bad(format!(
                    "[constants] availability: {}",
                    unknown_availability(raw)
                ))
            })?),
        };
        if let Some(price) = &price_constant
            && let Err(e) = parse_price(price, currency)
        {
            return Err(bad(format!(
                "[constants] price {price:?}: {}",
                money_reason(&e)
            )));
        }
        if !has(Field::Availability) && availability.is_none() {
            return Err(bad(
                "no availability: give [columns] availability or [constants] availability (e.g. \"in_stock\")"
                    .into(),
            ));
        }
        let brand_before_gender = match file.brand_from_title.as_deref() {
            None => false,
            Some("before_gender") => true,
            Some(other) => {
                return Err(bad(format!(
                    "brand_from_title {other:?}: the one reading is \"before_gender\""
                )));
            }
        };
        let group_rows_by = match file.group_rows_by {
            Some(g) if g.trim().is_empty() => {
                return Err(bad("group_rows_by: the column name is empty".into()));
            }
            other => other,
        };
        Ok(Mapping {
            origin: origin.to_string(),
            delimiter,
            group_rows_by,
            columns,
            constants: Constants {
                price: price_constant,
                link,
                currency,
                retailer: text_constant(k.retailer),
                availability,
                brand: text_constant(k.brand),
                brand_before_gender,
                gender: text_constant(k.gender),
                category: text_constant(k.category),
                condition: text_constant(k.condition),
            },
        })
    }

    /// Where the mapping was read from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The field separator of the files it reads (`,` unless the mapping says otherwise).
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The retailer the mapping names as a constant, if any: the feed's retailer unless the
    /// caller names one.
    pub fn retailer(&self) -> Option<&str> {
        self.constants.retailer.as_deref()
    }

    /// The link template of `[constants] link`, as written, if any.
    pub fn link_template(&self) -> Option<&str> {
        self.constants.link.as_ref().map(|t| t.text.as_str())
    }

    /// The column whose equal values make one item, when rows are grouped.
    pub fn group_rows_by(&self) -> Option<&str> {
        self.group_rows_by.as_deref()
    }
}

/// A mapped column found in the header.
#[derive(Debug, Clone)]
struct Bound {
    index: usize,
    /// The column's name as the header writes it, for issues.
    name: String,
    split: Option<String>,
    prefix: Option<String>,
}

/// The rows of a CSV/TSV read through a mapping.
pub(crate) struct MappedRows {
    table: Delimited,
    fields: Vec<(Field, Bound)>,
    /// The link template with its placeholders bound to header columns.
    link: Option<Vec<BoundPart>>,
    group: Option<Bound>,
    constants: Constants,
    currency: Option<Currency>,
    rows_read: Arc<AtomicU64>,
    groups: Option<Groups>,
    /// The brands rows have named so far, for titles that start with one and name no gender.
    title_brands: super::title_brand::TitleBrands,
    header_warnings: Vec<RowIssue>,
    done: bool,
}

/// The most items a file read with `group_rows_by` may hold: every item is held until the
/// file is read, some hundreds of bytes each; past this the file is refused rather than
/// filling memory.
pub(crate) const MAX_GROUPED_ITEMS: usize = 1_000_000;

/// The items being gathered in grouped mode, in the order their first row came.
#[derive(Default)]
struct Groups {
    index: HashMap<String, usize>,
    items: Vec<Item>,
    /// Set once the file is read: the items being given out.
    output: Option<std::vec::IntoIter<Item>>,
}

impl MappedRows {
    /// Reads the header and finds the mapping's columns in it. `currency` (the caller's)
    /// overrides the mapping's constant; `rows_read` counts the file's data rows.
    pub(crate) fn open(
        source: Source,
        mapping: &Mapping,
        currency: Option<Currency>,
        rows_read: Arc<AtomicU64>,
    ) -> Result<MappedRows> {
        let table = Delimited::open(source, mapping.delimiter)?;
        let headers = table.headers();
        let find = |column: &str| -> Option<(usize, String)> {
            let wanted = column.trim();
            headers
                .iter()
                .position(|h| h == wanted)
                .or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(wanted)))
                .map(|i| (i, headers[i].clone()))
        };
        let missing = |key: &str, column: &str| {
            Error::bad_file(
                table.path(),
                Some(table.header_line()),
                format!(
                    "the mapping {} reads `{key}` from column {:?}, but the header has no such column (found: {})",
                    mapping.origin,
                    quote(column),
                    found_columns(headers)
                ),
            )
        };
        let header_warnings = repeated_columns(mapping, headers, table.header_line());
        let mut fields = Vec::new();
        for (field, spec) in &mapping.columns {
            let (index, name) =
                find(&spec.column).ok_or_else(|| missing(field.name(), &spec.column))?;
            fields.push((
                *field,
                Bound {
                    index,
                    name,
                    split: spec.split.clone(),
                    prefix: spec.prefix.clone(),
                },
            ));
        }
        let mut link = Vec::new();
        if let Some(template) = &mapping.constants.link {
            for part in &template.parts {
                link.push(match part {
                    TemplatePart::Text(t) => BoundPart::Text(t.clone()),
                    TemplatePart::Column(c) => {
                        BoundPart::Cell(find(c).ok_or_else(|| missing("the link template", c))?.0)
                    }
                });
            }
        }
        let group = match &mapping.group_rows_by {
            None => None,
            Some(column) => {
                let (index, name) = find(column).ok_or_else(|| missing("group_rows_by", column))?;
                Some(Bound {
                    index,
                    name,
                    split: None,
                    prefix: None,
                })
            }
        };
        Ok(MappedRows {
            table,
            fields,
            link: (!link.is_empty()).then_some(link),
            groups: group.as_ref().map(|_| Groups::default()),
            group,
            currency: currency.or(mapping.constants.currency),
            constants: mapping.constants.clone(),
            rows_read,
            title_brands: Default::default(),
            header_warnings,
            done: false,
        })
    }

    /// With `brand_from_title`: learns the brand a row names (its brand column's, or its
    /// title's before the gender word); a row that names none this way, and whose title
    /// starts with a brand an earlier row named, takes that brand.
    fn brand_from_earlier_titles(&mut self, item: &mut Item) {
        if !self.constants.brand_before_gender {
            return;
        }
        match &item.brand {
            Some(brand) if Some(brand) != self.constants.brand.as_ref() => {
                self.title_brands.learn(brand);
            }
            _ => {
                if let Some(brand) = self.title_brands.find(&item.title) {
                    item.brand = Some(brand.to_string());
                }
            }
        }
    }

    /// The header's warnings (a mapped column repeated), taken once.
    pub(crate) fn take_header_warnings(&mut self) -> Vec<RowIssue> {
        std::mem::take(&mut self.header_warnings)
    }

    /// The next row of the file read into an item (with its group key), a rejected row, or
    /// `None` at the end.
    fn next_row(&mut self) -> Option<Result<RowRead>> {
        match self.table.next_record() {
            Ok(Some(Next::Rejected(issue))) => {
                self.rows_read.fetch_add(1, Ordering::Relaxed);
                Some(Ok(Err(FeedRow::Rejected(issue))))
            }
            Ok(Some(Next::Row(line, cells))) => {
                self.rows_read.fetch_add(1, Ordering::Relaxed);
                let row = Row {
                    cells: &cells,
                    fields: &self.fields,
                    link: self.link.as_deref(),
                };
                let key = match &self.group {
                    None => None,
                    Some(bound) => match row.value(bound) {
                        Some(key) => Some(key),
                        None => {
                            return Some(Ok(Err(FeedRow::Rejected(RowIssue {
                                line,
                                item: row.get(Field::Id).map(|id| record::quote_id(&id)),
                                field: Some(bound.name.clone()),
                                reason: format!(
                                    "{} is empty: rows are grouped into items by it",
                                    bound.name
                                ),
                            }))));
                        }
                    },
                };
                let read = read_row(&row, line, &self.constants, self.currency).map(|mut item| {
                    self.brand_from_earlier_titles(&mut item);
                    (key, item)
                });
                Some(Ok(read))
            }
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

impl Iterator for MappedRows {
    type Item = Result<FeedRow>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            if let Some(groups) = &mut self.groups
                && let Some(output) = &mut groups.output
            {
                return match output.next() {
                    Some(item) => Some(Ok(item.into_row())),
                    None => {
                        self.done = true;
                        None
                    }
                };
            }
            match self.next_row() {
                None => match &mut self.groups {
                    None => {
                        self.done = true;
                        return None;
                    }
                    Some(groups) => {
                        groups.index = HashMap::new();
                        groups.output = Some(std::mem::take(&mut groups.items).into_iter());
                    }
                },
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Some(Ok(Err(rejected))) => return Some(Ok(rejected)),
                Some(Ok(Ok((key, item)))) => match (&mut self.groups, key) {
                    (Some(groups), Some(key)) => {
                        if groups.items.len() >= MAX_GROUPED_ITEMS
                            && !groups.index.contains_key(&key)
                        {
                            self.done = true;
                            return Some(Err(Error::bad_file(
                                self.table.path(),
                                Some(item.line),
                                format!(
                                    "more than {MAX_GROUPED_ITEMS} items in a file read with group_rows_by: every item is held until the file is read, so the file is refused; split it, or map it without grouping"
                                ),
                            )));
                        }
                        if let Err(rejected) = groups.add(key, item) {
                            return Some(Ok(rejected));
                        }
                    }
                    _ => return Some(Ok(item.into_row())),
                },
            }
        }
    }
}

impl Groups {
    /// Adds a row to its item (a new one when its key is new).
    fn add(&mut self, key: String, item: Item) -> std::result::Result<(), FeedRow> {
        match self.index.get(&key) {
            Some(&i) => self.items[i].merge(item),
            None => {
                self.index.insert(key, self.items.len());
                self.items.push(item);
                Ok(())
            }
        }
    }
}

/// A header warning for each column the mapping reads that the header holds more than once:
/// the first copy is read.
fn repeated_columns(mapping: &Mapping, headers: &[String], line: u64) -> Vec<RowIssue> {
    let mut wanted: Vec<&str> = mapping
        .columns
        .iter()
        .map(|(_, spec)| spec.column.trim())
        .chain(mapping.group_rows_by.as_deref())
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    wanted
        .into_iter()
        .filter_map(|column| {
            let at: Vec<String> = headers
                .iter()
                .enumerate()
                .filter(|(_, h)| h.eq_ignore_ascii_case(column))
                .map(|(i, _)| (i + 1).to_string())
                .collect();
            (at.len() > 1).then(|| RowIssue {
                line,
                item: None,
                field: Some(column.to_string()),
                reason: format!(
                    "the header has {} columns named {:?} (columns {}); the mapping reads the first",
                    at.len(),
                    quote(column),
                    at.join(", ")
                ),
            })
        })
        .collect()
}

/// A row read: its group key (grouped mode) and item, or the row rejected.
type RowRead = std::result::Result<(Option<String>, Item), FeedRow>;

/// One row's cells, looked up through the mapping.
struct Row<'a> {
    cells: &'a [&'a str],
    fields: &'a [(Field, Bound)],
    link: Option<&'a [BoundPart]>,
}

impl Row<'_> {
    fn bound(&self, field: Field) -> Option<&Bound> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, b)| b)
    }

    /// The column's name as the header writes it, or the field's name when unmapped.
    fn name(&self, field: Field) -> String {
        self.bound(field)
            .map_or_else(|| field.name().to_string(), |b| b.name.clone())
    }

    /// The cleaned values of a bound column: split when the mapping says so, kept only when
    /// they start with its prefix (removed).
    fn values(&self, bound: &Bound, urls: bool) -> Vec<String> {
        let Some(cell) = self.cells.get(bound.index) else {
            return Vec::new();
        };
        let parts: Vec<String> = match bound.split.as_deref() {
            None => vec![(*cell).to_string()],
            Some(",") if urls => split_urls(cell),
            Some(sep) => cell.split(sep).map(str::to_string).collect(),
        };
        parts
            .iter()
            .filter_map(|p| {
                let p = p.trim();
                match &bound.prefix {
                    None => clean(p),
                    Some(prefix) => strip_prefix_ignore_case(p, prefix).and_then(clean),
                }
            })
            .collect()
    }

    /// The first value of a bound column.
    fn value(&self, bound: &Bound) -> Option<String> {
        self.values(bound, false).into_iter().next()
    }

    /// The first value of a field's column, when mapped.
    fn get(&self, field: Field) -> Option<String> {
        self.bound(field).and_then(|b| self.value(b))
    }

    /// The link the template builds from this row, or `None` when a placeholder's cell is
    /// empty. Values are trimmed and percent-encoded: only letters, digits and `-._~` stay.
    fn templated_link(&self) -> Option<String> {
        let mut out = String::new();
        for part in self.link? {
            match part {
                BoundPart::Text(t) => out.push_str(t),
                BoundPart::Cell(i) => {
                    let value = self.cells.get(*i).map(|c| c.trim()).unwrap_or("");
                    if value.is_empty() {
                        return None;
                    }
                    out.extend(percent_encoding::utf8_percent_encode(value, URL_VALUE));
                }
            }
        }
        Some(out)
    }

    /// Every value of a list field's column.
    fn list(&self, field: Field) -> Vec<String> {
        self.bound(field)
            .map(|b| self.values(b, field == Field::Image))
            .unwrap_or_default()
    }
}

/// What a template value keeps as it is: letters, digits and `-._~` (RFC 3986 unreserved).
const URL_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A link built from a row's columns: `https://www.myntra.com/{Product_ID}`.
#[derive(Debug, Clone, PartialEq)]
struct LinkTemplate {
    text: String,
    parts: Vec<TemplatePart>,
}

#[derive(Debug, Clone, PartialEq)]
enum TemplatePart {
    Text(String),
    Column(String),
}

/// A template part with its column found in the header.
#[derive(Debug, Clone, PartialEq)]
enum BoundPart {
    Text(String),
    Cell(usize),
}

impl LinkTemplate {
    /// Reads and checks a template: balanced `{Column}` placeholders, an http(s) URL with a
    /// host, and no placeholder before the path (so no row can choose where the link goes).
    fn parse(text: &str) -> std::result::Result<LinkTemplate, String> {
        let text = text.trim();
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find(['{', '}']) {
            if rest[open..].starts_with('}') {
                return Err(format!("{text:?} has a '}}' with no '{{' before it"));
            }
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                return Err(format!("{text:?} has a '{{' that is never closed"));
            };
            let column = rest[open + 1..close].trim();
            if column.is_empty() || column.contains('{') {
                return Err(format!(
                    "{text:?}: each {{…}} must name one column, as in {{Product_ID}}"
                ));
            }
            if open > 0 {
                parts.push(TemplatePart::Text(rest[..open].to_string()));
            }
            parts.push(TemplatePart::Column(column.to_string()));
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(TemplatePart::Text(rest.to_string()));
        }
        if !parts.iter().any(|p| matches!(p, TemplatePart::Column(_))) {
            return Err(format!(
                "{text:?} names no column: a link template needs a placeholder such as {{Product_ID}}"
            ));
        }
        let fixed = match parts.first() {
            Some(TemplatePart::Text(t)) => t.as_str(),
            _ => "",
        };
        let fixed_url = url::Url::parse(fixed).ok();
        let web = fixed_url
            .as_ref()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        // The fixed start must reach past the host into the path: "https://shop.example/".
        let past_host = fixed
            .split_once("://")
            .is_some_and(|(_, after)| after.contains('/'));
        if !web || !past_host {
            return Err(format!(
                "{text:?} must start with an http(s) URL up to its path (\"https://shop.example/…\") \
                 before the first placeholder"
            ));
        }
        Ok(LinkTemplate {
            text: text.to_string(),
            parts,
        })
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// A price, sale price and availability seen together.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    price: Money,
    sale_price: Option<Money>,
    availability: Availability,
}

impl Seen {
    /// What a shopper pays.
    fn paid(&self) -> i64 {
        self.sale_price.unwrap_or(self.price).minor
    }

    /// Combines two sightings at one time: the lower price (with its sale price), in stock if
    /// either is.
    fn merge(&mut self, other: Seen) {
        if other.paid() < self.paid() {
            self.price = other.price;
            self.sale_price = other.sale_price;
        }
        if other.availability == Availability::InStock {
            self.availability = Availability::InStock;
        }
    }
}

/// One item: a row, or (grouped) the rows of one item merged.
#[derive(Debug)]
struct Item {
    line: u64,
    item_id: String,
    title: String,
    description: Option<String>,
    brand: Option<String>,
    retailer: Option<String>,
    link: Option<String>,
    images: Vec<String>,
    gtin: Option<Gtin>,
    mpn: Option<String>,
    condition: Option<String>,
    category: Option<String>,
    item_group: Option<String>,
    colours: Vec<String>,
    sizes: Vec<String>,
    gender: Option<String>,
    materials: Vec<String>,
    warnings: Vec<RowIssue>,
    /// The price column's name, for issues about merged prices.
    price_field: String,
    /// The price at each time seen (the lowest across the item's rows at that time).
    dated: BTreeMap<Timestamp, Seen>,
    /// The price of rows that give no time (the lowest across them).
    undated: Option<Seen>,
}

impl Item {
    fn currency(&self) -> Option<Currency> {
        self.undated
            .or_else(|| self.dated.values().next().copied())
            .map(|s| s.price.currency)
    }

    /// Merges a later row of the same item into this one: the first row's texts win and fill
    /// in from later rows; lists are unioned; prices are combined time by time.
    fn merge(&mut self, row: Item) -> std::result::Result<(), FeedRow> {
        if let (Some(mine), Some(theirs)) = (self.currency(), row.currency())
            && mine != theirs
        {
            return Err(FeedRow::Rejected(RowIssue {
                line: row.line,
                item: Some(record::quote_id(&row.item_id)),
                field: Some(row.price_field.clone()),
                reason: format!(
                    "the price is in {theirs} but the item's earlier rows (from line {}) are in {mine}",
                    self.line
                ),
            }));
        }
        fn fill(a: &mut Option<String>, b: Option<String>) {
            if a.is_none() {
                *a = b;
            }
        }
        fill(&mut self.description, row.description);
        fill(&mut self.brand, row.brand);
        fill(&mut self.retailer, row.retailer);
        fill(&mut self.link, row.link);
        fill(&mut self.mpn, row.mpn);
        fill(&mut self.condition, row.condition);
        fill(&mut self.category, row.category);
        fill(&mut self.item_group, row.item_group);
        fill(&mut self.gender, row.gender);
        if self.gtin.is_none() {
            self.gtin = row.gtin;
        }
        extend_unique(&mut self.images, row.images);
        extend_unique(&mut self.colours, row.colours);
        extend_unique(&mut self.sizes, row.sizes);
        extend_unique(&mut self.materials, row.materials);
        for w in row.warnings {
            if !self
                .warnings
                .iter()
                .any(|x| x.field == w.field && x.reason == w.reason)
            {
                self.warnings.push(w);
            }
        }
        for (at, seen) in row.dated {
            self.dated
                .entry(at)
                .and_modify(|s| s.merge(seen))
                .or_insert(seen);
        }
        // The record keeps the latest observations; holding many more than it keeps would
        // only cost memory.
        while self.dated.len() > 2 * super::bounds::MAX_OBSERVATIONS {
            self.dated.pop_first();
        }
        if let Some(seen) = row.undated {
            match &mut self.undated {
                Some(s) => s.merge(seen),
                None => self.undated = Some(seen),
            }
        }
        Ok(())
    }

    /// The record: its price, sale price and availability are the latest time's (or, when no
    /// row gave a time, the undated rows').
    fn into_row(self) -> FeedRow {
        let latest = self
            .dated
            .values()
            .next_back()
            .copied()
            .or(self.undated)
            .expect("an item holds at least one row's price");
        let observations = self
            .dated
            .into_iter()
            .map(|(seen_at, s)| Observation {
                seen_at,
                price: s.price,
                sale_price: s.sale_price,
                availability: s.availability,
            })
            .collect();
        FeedRow::Record(Box::new(FeedRecord {
            line: self.line,
            item_id: self.item_id,
            title: self.title,
            description: self.description,
            brand: self.brand,
            retailer: self.retailer,
            link: self.link,
            image_links: self.images,
            price: latest.price,
            sale_price: latest.sale_price,
            availability: latest.availability,
            gtin: self.gtin,
            mpn: self.mpn,
            condition: self.condition,
            google_product_category: None,
            product_type: self.category,
            item_group_id: self.item_group,
            colours: self.colours,
            sizes: self.sizes,
            gender: self.gender,
            age_group: None,
            materials: self.materials,
            pattern: None,
            warnings: self.warnings,
            observations,
        }))
    }
}

/// Reads one row into an item, or rejects it.
fn read_row(
    row: &Row<'_>,
    line: u64,
    constants: &Constants,
    feed_currency: Option<Currency>,
) -> std::result::Result<Item, FeedRow> {
    let mut check = RowCheck::new(line);
    let required = |check: &RowCheck, field: Field, what: &str| {
        let name = row.name(field);
        check.reject(&name, format!("{name} is required ({what})"))
    };
    let Some(item_id) = row.get(Field::Id) else {
        return Err(required(&check, Field::Id, "the item id"));
    };
    check.item(&item_id);
    let Some(title) = row.get(Field::Title) else {
        return Err(required(&check, Field::Title, "the title"));
    };

    let currency = match row.get(Field::Currency) {
        Some(code) => match Currency::from_code(&code) {
            Some(c) => Some(c),
            None => {
                return Err(check.reject(
                    &row.name(Field::Currency),
                    crate::money::MoneyError::UnknownCurrency(code).to_string(),
                ));
            }
        },
        None => feed_currency,
    };
    let price_name = row.name(Field::Price);
    let sale_name = row.name(Field::SalePrice);
    let prices = record::gmc_prices(
        &mut check,
        &price_name,
        row.get(Field::Price)
            .or_else(|| constants.price.clone())
            .as_deref(),
        &sale_name,
        row.get(Field::SalePrice).as_deref(),
        currency,
    )?;
    let (price, sale_price) = match row.get(Field::WasPrice) {
        None => (prices.price, prices.sale_price),
        Some(text) => {
            let was_name = row.name(Field::WasPrice);
            match parse_price(&text, Some(prices.price.currency)) {
                Ok(was) if was.minor > prices.price.minor => (was, Some(prices.price)),
                Ok(was) => {
                    check.warn(
                        &was_name,
                        format!(
                            "the earlier price {was} is not higher than the price {}; ignored",
                            prices.price
                        ),
                    );
                    (prices.price, None)
                }
                Err(e) => {
                    check.warn(&was_name, format!("{}; ignored", money_reason(&e)));
                    (prices.price, None)
                }
            }
        }
    };

    let availability = match row.get(Field::Availability) {
        Some(raw) => match Availability::parse(&raw) {
            Some(a) => a,
            None => {
                return Err(
                    check.reject(&row.name(Field::Availability), unknown_availability(&raw))
                );
            }
        },
        None => match constants.availability {
            Some(a) => a,
            None => {
                let name = row.name(Field::Availability);
                return Err(check.reject(&name, format!("{name} is empty")));
            }
        },
    };

    let mut times = Vec::new();
    for raw in row.list(Field::ObservedAt) {
        match crate::clock::parse_time(&raw) {
            Ok(t) => times.push(t),
            Err(_) => {
                return Err(check.reject(
                    &row.name(Field::ObservedAt),
                    format!(
                        "cannot read {:?} as a time: expected an RFC 3339 time such as 2019-04-19T07:09:29Z or a date such as 2019-04-19",
                        quote(&raw)
                    ),
                ));
            }
        }
    }

    let link_name = row.name(Field::Link);
    let link = row
        .bound(Field::Link)
        .map(|b| row.values(b, true))
        .unwrap_or_default()
        .into_iter()
        .next()
        .or_else(|| row.templated_link())
        .and_then(|url| check.url(&link_name, Some(&url)));
    let image_name = row.name(Field::Image);
    let images: Vec<String> = row
        .list(Field::Image)
        .into_iter()
        .filter_map(|url| check.url(&image_name, Some(&url)))
        .collect();
    let gtin = check.gtin(&row.name(Field::Gtin), row.get(Field::Gtin).as_deref());

    let seen = Seen {
        price,
        sale_price,
        availability,
    };
    let mut dated = BTreeMap::new();
    for t in times {
        dated.insert(t, seen);
    }
    let mut colours = Vec::new();
    extend_unique(&mut colours, row.list(Field::Colour));
    let mut sizes = Vec::new();
    extend_unique(&mut sizes, row.list(Field::Size));
    let mut materials = Vec::new();
    extend_unique(&mut materials, row.list(Field::Material));
    let mut image_links = Vec::new();
    extend_unique(&mut image_links, images);
    let brand = row
        .get(Field::Brand)
        .or_else(|| brand_in_title(constants, &title))
        .or_else(|| constants.brand.clone());
    Ok(Item {
        line,
        item_id,
        title,
        description: row.get(Field::Description),
        brand,
        retailer: row.get(Field::Retailer),
        link,
        images: image_links,
        gtin,
        mpn: row.get(Field::Mpn),
        condition: row
            .get(Field::Condition)
            .or_else(|| constants.condition.clone()),
        category: row
            .get(Field::Category)
            .or_else(|| constants.category.clone()),
        item_group: row.get(Field::ItemGroup),
        colours,
        sizes,
        gender: row.get(Field::Gender).or_else(|| constants.gender.clone()),
        materials,
        warnings: check.warnings,
        price_field: price_name,
        undated: dated.is_empty().then_some(seen),
        dated,
    })
}

/// The brand the title names, when the mapping says its titles start with one.
fn brand_in_title(constants: &Constants, title: &str) -> Option<String> {
    constants
        .brand_before_gender
        .then(|| crate::text::brand_before_gender(title))
        .flatten()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::test_support::{
        check_never_panics_with, fixture, money, mutate, open_reader, records, rejected, rows,
        shared_data, shipped_mapping,
    };
    use super::super::{FeedFormat, FeedOptions, FeedReader, open_feed};
    use super::*;

    fn options(mapping: Mapping) -> FeedOptions {
        FeedOptions {
            mapping: Some(mapping),
            ..FeedOptions::default()
        }
    }

    fn open_text(text: &str, mapping: &str) -> crate::Result<FeedReader> {
        let mapping = Mapping::parse(mapping, "test.toml").unwrap();
        open_reader(
            "t.csv",
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            &options(mapping),
        )
    }

    fn fixture_mapping() -> Mapping {
        Mapping::load(&fixture("price-records.mapping.toml")).unwrap()
    }

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    const MYNTRA_LIKE: &str = "\
[columns]
id = \"Product_ID\"
title = \"Product_Name\"
brand = \"Product_Brand\"
gender = \"Gender\"
price = \"Price\"
description = \"Description\"
colour = \"Primary_Color\"

[constants]
currency = \"INR\"
retailer = \"Myntra\"
availability = \"in_stock\"
";

    const SMALL: &str = "\
[columns]
id = \"Product_ID\"
title = \"Product_Name\"
price = \"Price\"

[constants]
currency = \"INR\"
availability = \"in_stock\"
";

    /// A file of names (id, name, brand) whose brands are read from the names.
    const NAMES_MAPPING: &str = "brand_from_title = \"before_gender\"\n[columns]\nid = \"id\"\n\
                                 title = \"name\"\nbrand = \"brand\"\n[constants]\nprice = \"2\"\n\
                                 currency = \"INR\"\navailability = \"in_stock\"\n";

    /// The brand of each item of `text` read through `mapping`.
    fn brands_of(text: &str, mapping: &str) -> Vec<Option<String>> {
        let all: Vec<FeedRow> = open_text(text, mapping)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        records(&all).iter().map(|r| r.brand.clone()).collect()
    }

    #[test]
    fn a_names_only_file_reads_the_brand_before_the_gender_word_when_asked() {
        let mapping = NAMES_MAPPING;
        let text = "id,name,brand\n1,Red Chief Men Black Casual Shoes,\n\
                    2,Women Blue Kurta,\n3,Indigo Nation Men Shirt,Indigo Nation Ltd\n";
        assert_eq!(
            brands_of(text, mapping),
            [Some("Red Chief"), None, Some("Indigo Nation Ltd")].map(|b| b.map(String::from))
        );
        let plain = mapping.replace("brand_from_title = \"before_gender\"\n", "");
        let all: Vec<FeedRow> = open_text(text, &plain)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(records(&all)[0].brand, None);
        let e = Mapping::parse(&mapping.replace("before_gender", "first_word"), "m.toml");
        assert!(format!("{}", e.unwrap_err()).contains("brand_from_title"));
    }

    #[test]
    fn a_title_without_a_gender_word_takes_a_brand_an_earlier_row_named() {
        let mapping = NAMES_MAPPING;
        let text = "id,name,brand\n1,Red Rose Maroon Camisole,\n\
                    2,Red Rose Women Lavender Nightdress,\n3,Red Rose Maroon Camisole,\n\
                    4,Bwitch Beige Bra,Bwitch\n5,BWITCH Black Bra,\n6,Rose Red Top,\n";
        assert_eq!(
            brands_of(text, mapping),
            [
                None,
                Some("Red Rose"),
                Some("Red Rose"),
                Some("Bwitch"),
                Some("BWITCH"),
                None
            ]
            .map(|b| b.map(String::from)),
            "a brand is known from the first row that names it on"
        );
    }

    #[test]
    fn grouped_rows_merge_into_items_with_dated_observations() {
        let reader = open_feed(&fixture("price-records.csv"), &options(fixture_mapping())).unwrap();
        assert_eq!(reader.format(), FeedFormat::Mapped);
        assert_eq!(reader.retailer_hint(), Some("Example Outlet"));
        let mut reader = reader;
        let all: Vec<FeedRow> = reader.by_ref().map(Result::unwrap).collect();
        assert_eq!(reader.source_rows(), Some(10));

        let rej: Vec<(u64, Option<&str>)> = rejected(&all)
            .iter()
            .map(|r| (r.line, r.field.as_deref()))
            .collect();
        assert_eq!(
            rej,
            vec![
                (6, Some("Name")),
                (7, Some("Price")),
                (8, Some("In stock")),
                (9, Some("Seen")),
                (10, Some("Style")),
            ],
            "{all:#?}"
        );
        let recs = records(&all);
        let ids: Vec<&str> = recs.iter().map(|r| r.item_id.as_str()).collect();
        assert_eq!(ids, vec!["F-1", "L-2", "N-5"]);

        let flats = recs[0];
        assert_eq!(flats.line, 2);
        assert_eq!(flats.title, "Satin Flats");
        assert_eq!(flats.gender.as_deref(), Some("female"));
        assert_eq!(flats.sizes, vec!["36", "37", "38"]);
        assert_eq!(flats.colours, vec!["Pink", "Black"]);
        assert_eq!(flats.link.as_deref(), Some("https://shop.example/f1"));
        assert_eq!(
            flats.image_links,
            vec!["https://img.example/f1.jpg", "https://img.example/f1b.jpg"]
        );
        assert_eq!(flats.gtin, None);
        // The same corrupted EAN on two rows: one warning.
        assert_eq!(flats.warnings.len(), 1, "{:#?}", flats.warnings);
        assert_eq!(flats.warnings[0].field.as_deref(), Some("EAN"));
        let usd = |minor| money(minor, "USD");
        let seen: Vec<(Timestamp, Money, Option<Money>, Availability)> = flats
            .observations
            .iter()
            .map(|o| (o.seen_at, o.price, o.sale_price, o.availability))
            .collect();
        assert_eq!(
            seen,
            vec![
                // Two rows at this time: the lower price (a sale from 60.00), in stock because
                // one of them is.
                (
                    ts("2019-04-01T10:00:00Z"),
                    usd(6000),
                    Some(usd(4000)),
                    Availability::InStock
                ),
                (
                    ts("2019-04-02T10:00:00Z"),
                    usd(6000),
                    Some(usd(4000)),
                    Availability::InStock
                ),
                (
                    ts("2019-04-05T00:00:00Z"),
                    usd(3500),
                    None,
                    Availability::InStock
                ),
            ]
        );
        // The record's own price is the latest observation's.
        assert_eq!(flats.price, usd(3500));
        assert_eq!(flats.sale_price, None);

        let loafers = recs[1];
        assert_eq!(loafers.price, usd(8000));
        assert_eq!(loafers.sale_price, None, "a percentage is not a price");
        assert_eq!(loafers.observations.len(), 1);
        assert_eq!(loafers.observations[0].seen_at, ts("2019-04-03T09:00:00Z"));
        assert_eq!(loafers.link, None);
        assert_eq!(loafers.warnings[0].field.as_deref(), Some("Link"));

        let mules = recs[2];
        assert!(mules.observations.is_empty());
        assert_eq!(mules.price, usd(2500));
    }

    #[test]
    fn a_constant_price_and_a_link_built_from_columns() {
        let mapping = "[columns]\nid = \"id\"\ntitle = \"name\"\n\
                       [constants]\nprice = \"2\"\ncurrency = \"INR\"\navailability = \"in_stock\"\n\
                       retailer = \"Myntra\"\n\
                       link = \"https://www.myntra.com/{id}?ref={ name }\"\n";
        let text = "id,name\n1001,Turtle Check Shirt\n10/../x,a&b=c#d\n,No id\n1003,\n";
        let mut reader = open_text(text, mapping).unwrap();
        let all: Vec<FeedRow> = reader.by_ref().map(Result::unwrap).collect();
        let recs = records(&all);
        assert_eq!(recs[0].price, money(200, "INR"), "the constant price");
        assert_eq!(
            recs[0].link.as_deref(),
            Some("https://www.myntra.com/1001?ref=Turtle%20Check%20Shirt")
        );
        // Values are percent-encoded: no path, query or fragment can be smuggled in.
        assert_eq!(
            recs[1].link.as_deref(),
            Some("https://www.myntra.com/10%2F..%2Fx?ref=a%26b%3Dc%23d")
        );
        assert_eq!(rejected(&all).len(), 2, "no id; no title: {all:#?}");
    }

    #[test]
    fn bad_link_templates_and_price_constants_are_refused() {
        let base = "[columns]\nid = \"id\"\ntitle = \"name\"\nprice = \"p\"\n\
                    [constants]\navailability = \"in_stock\"\ncurrency = \"GBP\"\n";
        let err = |extra: &str| {
            Mapping::parse(&format!("{base}{extra}"), "m.toml")
                .unwrap_err()
                .to_string()
        };
        for (template, expected) in [
            ("javascript:alert({id})", "http(s) URL"),
            ("https://{id}.example/", "http(s) URL"),
            ("https://shop.example{id}", "http(s) URL"),
            ("{id}", "http(s) URL"),
            ("https://shop.example/{id", "never closed"),
            ("https://shop.example/id}", "no '{'"),
            ("https://shop.example/{}", "name one column"),
            ("https://shop.example/p", "names no column"),
        ] {
            let e = err(&format!("link = {template:?}\n"));
            assert!(
                e.contains("m.toml") && e.contains("[constants] link"),
                "{e}"
            );
            assert!(e.contains(expected), "{template}: {e}");
        }
        let e = err("price = \"twelve\"\n");
        assert!(e.contains("[constants] price"), "{e}");
        // A placeholder must name a column of the header.
        let mapping = format!("{base}link = \"https://shop.example/{{sku}}\"\n");
        let e = open_text("id,name,p\n1,a,3\n", &mapping)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("sku") && e.contains("link template"), "{e}");
    }

    #[test]
    fn ungrouped_rows_stream_with_constants_and_whole_rupees() {
        let text = "Product_ID,Product_Name,Product_Brand,Gender,Price,Num_Images,Description,Primary_Color,\n\
                    1001,Geox Women Grey Ballerinas,Geox,Women,1299,5,\"Leather upper,\nflat sole\", Grey,\n\
                    1002,Geox Women Grey Ballerinas,Geox,Women,\"1,499\",5,Same again,,\n\
                    1003,Puma Men Trainers,Puma,Men,12.990,3,Ambiguous price,Black,\n";
        let mut reader = open_text(text, MYNTRA_LIKE).unwrap();
        assert_eq!(reader.retailer_hint(), Some("Myntra"));
        let all: Vec<FeedRow> = reader.by_ref().map(Result::unwrap).collect();
        assert_eq!(reader.source_rows(), Some(3));
        let recs = records(&all);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].line, 2);
        assert_eq!(recs[0].price, money(129900, "INR"));
        assert_eq!(recs[0].availability, Availability::InStock);
        assert_eq!(recs[0].colours, vec!["Grey"]);
        assert_eq!(
            recs[0].description.as_deref(),
            Some("Leather upper,\nflat sole")
        );
        assert_eq!(
            recs[0].retailer, None,
            "the constant retailer is the reader's hint"
        );
        assert!(recs[0].observations.is_empty());
        assert_eq!(recs[1].line, 4);
        assert_eq!(recs[1].price, money(149900, "INR"));
        assert!(recs[1].colours.is_empty());
        let rej = rejected(&all);
        assert_eq!((rej[0].line, rej[0].field.as_deref()), (5, Some("Price")));
        assert!(
            rej[0].reason.contains("could be a decimal point"),
            "{}",
            rej[0].reason
        );
    }

    #[test]
    fn the_callers_currency_overrides_the_constant_and_a_currency_column_wins() {
        let mapping = "[columns]\nid = \"id\"\ntitle = \"t\"\nprice = \"p\"\ncurrency = \"cur\"\n\
                       [constants]\ncurrency = \"INR\"\navailability = \"in stock\"\n";
        let text = "id,t,p,cur\na,A,10.00,\nb,B,10.00,EUR\nc,C,10.00,XXQ\n";
        let mapping = Mapping::parse(mapping, "m.toml").unwrap();
        let run = |currency| {
            let options = FeedOptions {
                currency,
                mapping: Some(mapping.clone()),
                ..FeedOptions::default()
            };
            rows(open_reader("t.csv", Box::new(std::io::Cursor::new(text)), &options).unwrap())
        };
        let all = run(None);
        let recs = records(&all);
        assert_eq!(recs[0].price, money(1000, "INR"));
        assert_eq!(recs[1].price, money(1000, "EUR"));
        assert_eq!(rejected(&all)[0].field.as_deref(), Some("cur"));
        let all = run(Currency::from_code("GBP"));
        assert_eq!(records(&all)[0].price, money(1000, "GBP"));
        assert_eq!(records(&all)[1].price, money(1000, "EUR"));
    }

    #[test]
    fn ungrouped_rows_keep_their_own_times_and_tabs_are_read() {
        let mapping = "delimiter = \"\\t\"\n[columns]\nid = \"ID\"\ntitle = \"Title\"\n\
                       price = \"Price\"\nsale_price = \"Sale\"\navailability = \"Stock\"\n\
                       observed_at = { column = \"Seen\", split = \"|\" }\n";
        let text = "id\ttitle\tprice\tsale\tstock\tseen\n\
                    a\tA\t10.00 GBP\t8.00\tout of stock\t2024-01-02|2024-01-01T12:00:00Z\n";
        let all = rows(open_text(text, mapping).unwrap());
        let rec = records(&all)[0];
        assert_eq!(rec.sale_price, Some(money(800, "GBP")));
        assert_eq!(rec.availability, Availability::OutOfStock);
        let times: Vec<Timestamp> = rec.observations.iter().map(|o| o.seen_at).collect();
        assert_eq!(
            times,
            vec![ts("2024-01-01T12:00:00Z"), ts("2024-01-02T00:00:00Z")]
        );
    }

    #[test]
    fn mapping_mistakes_are_errors_naming_the_file_line_and_key() {
        let err = |text: &str| Mapping::parse(text, "m.toml").unwrap_err().to_string();
        let base = "[columns]\nid = \"a\"\ntitle = \"b\"\nprice = \"c\"\n";
        let typo = err(&format!(
            "{base}colr = \"d\"\n[constants]\navailability = \"in_stock\"\n"
        ));
        assert!(
            typo.starts_with("m.toml: line 5: unknown field `colr`"),
            "{typo}"
        );
        let spec = err(&format!(
            "{base}colour = {{ column = \"d\", splt = \",\" }}\n[constants]\navailability = \"in_stock\"\n"
        ));
        assert!(spec.contains("unknown field `splt`"), "{spec}");
        assert!(err("[columns]\ntitle = \"b\"\nprice = \"c\"\n").contains("[columns] needs `id`"));
        assert!(err(base).contains("no availability"));
        let both = err(&format!(
            "{base}sale_price = \"s\"\nwas_price = \"w\"\n[constants]\navailability = \"in_stock\"\n"
        ));
        assert!(both.contains("both sale_price and was_price"), "{both}");
        let cur = err(&format!(
            "{base}[constants]\ncurrency = \"RUPEES\"\navailability = \"in_stock\"\n"
        ));
        assert!(cur.contains("currency \"RUPEES\""), "{cur}");
        let avail = err(&format!("{base}[constants]\navailability = \"plenty\"\n"));
        assert!(avail.contains("unknown availability \"plenty\""), "{avail}");
        let delim = err(&format!(
            "delimiter = \";;\"\n{base}[constants]\navailability = \"in_stock\"\n"
        ));
        assert!(delim.contains("delimiter \";;\""), "{delim}");
        let number = err("[columns]\nid = 3\n");
        assert!(number.contains("a column name"), "{number}");
    }

    #[test]
    fn a_column_the_header_lacks_is_a_whole_file_error() {
        let err = open_text("Product_ID,Name\n1,x\n", MYNTRA_LIKE)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "t.csv: line 1: the mapping test.toml reads `title` from column \"Product_Name\", but the header has no such column (found: \"Product_ID\", \"Name\")"
            ),
            "{err}"
        );
    }

    #[test]
    fn header_names_match_ignoring_case() {
        let all = rows(open_text("product_id,PRODUCT_NAME,price\n1,A,10\n", SMALL).unwrap());
        assert_eq!(records(&all)[0].title, "A");
    }

    #[test]
    fn latin1_is_a_whole_file_error_naming_the_line_and_column() {
        let mut bytes = b"Product_ID,Product_Name,Price\n1,ok,10\n2,Caf".to_vec();
        bytes.push(0xE9);
        bytes.extend_from_slice(b",10\n");
        let mapping = Mapping::parse(SMALL, "m.toml").unwrap();
        let mut reader = open_reader(
            "latin1.csv",
            Box::new(std::io::Cursor::new(bytes)),
            &options(mapping),
        )
        .unwrap();
        assert!(matches!(reader.next(), Some(Ok(FeedRow::Record(_)))));
        let err = reader.next().unwrap().unwrap_err().to_string();
        assert_eq!(
            err,
            "latin1.csv: line 3: not UTF-8 (Latin-1?): byte 0xE9 in column Product_Name; \
             save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)"
        );
        assert!(reader.next().is_none());
    }

    #[test]
    fn grouped_rows_in_two_currencies_are_refused() {
        let mapping = "group_rows_by = \"id\"\n[columns]\nid = \"id\"\ntitle = \"t\"\nprice = \"p\"\n\
                       [constants]\navailability = \"in_stock\"\n";
        let all = rows(open_text("id,t,p\na,A,10.00 GBP\na,A,9.00 EUR\n", mapping).unwrap());
        let rej = rejected(&all);
        assert_eq!(rej[0].line, 3);
        assert!(rej[0].reason.contains("in EUR"), "{}", rej[0].reason);
        assert_eq!(records(&all)[0].price, money(1000, "GBP"));
    }

    #[test]
    fn the_shipped_mappings_parse() {
        for name in [
            "myntra-products.toml",
            "datafiniti-womens-shoes-jun19.toml",
            "datafiniti-womens-shoes-2018.toml",
        ] {
            let mapping = shipped_mapping(name);
            assert!(mapping.origin().ends_with(name));
        }
        assert_eq!(
            shipped_mapping("datafiniti-womens-shoes-jun19.toml").group_rows_by(),
            Some("name")
        );
    }

    #[test]
    fn datafiniti_jun19_reads_10000_rows_into_2830_items_and_refuses_every_gtin() {
        let Some(path) = shared_data("catalogs/datafiniti-womens-shoes/womens_shoes_jun19.csv")
        else {
            return;
        };
        let mapping = shipped_mapping("datafiniti-womens-shoes-jun19.toml");
        let mut reader = open_feed(&path, &options(mapping)).unwrap();
        let all: Vec<FeedRow> = reader.by_ref().map(Result::unwrap).collect();
        assert_eq!(reader.source_rows(), Some(10_000));
        assert!(rejected(&all).is_empty(), "{:#?}", rejected(&all));
        let recs = records(&all);
        assert_eq!(recs.len(), 2830);
        assert!(recs.iter().all(|r| r.gtin.is_none()));
        assert!(recs.iter().all(|r| {
            r.warnings
                .iter()
                .any(|w| w.field.as_deref() == Some("ean / upc"))
        }));
        let observations: usize = recs.iter().map(|r| r.observations.len()).sum();
        assert!(observations > 2830, "{observations}");
        for rec in &recs {
            let last = rec.observations.last().unwrap();
            assert_eq!((rec.price, rec.sale_price), (last.price, last.sale_price));
            assert!(
                rec.observations
                    .windows(2)
                    .all(|w| w[0].seen_at < w[1].seen_at)
            );
        }
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut csv = b"Style,Name,Brand,Price,Offer,In stock,Seen,Size,Colours,Link,Images,EAN\n".to_vec();
            csv.extend_from_slice(&bytes);
            check_never_panics_with(csv, &options(fixture_mapping()));
            check_never_panics_with(bytes, &options(fixture_mapping()));
        }

        #[test]
        fn random_rows_never_panic(row in "[,\"a-zA-Z0-9 .:/£$|-]{0,160}") {
            let csv = format!("Style,Name,Brand,Price,Offer,In stock,Seen,Size,Colours,Link,Images,EAN\n{row}\nF-1,{row}\n");
            check_never_panics_with(csv.into_bytes(), &options(fixture_mapping()));
        }

        #[test]
        fn mutated_fixture_never_panics(
            line in any::<usize>(),
            op in 0u8..6,
            junk in "(,|\"|\\n|:|/|Was |T|Z|\\PC){0,16}",
        ) {
            let text = std::fs::read(fixture("price-records.csv")).unwrap();
            check_never_panics_with(mutate(&text, line, op, junk.as_bytes()), &options(fixture_mapping()));
        }
    }
}
