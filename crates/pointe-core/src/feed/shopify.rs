//! Shopify `products.json`: a shop's public product list, as `/products.json` serves it.
//!
//! The file is `{"products": [ … ]}`, or several such pages one after another (what saving
//! `?page=1`, `?page=2` … into one file gives); a page holding `{"product": { … }}` (a single
//! product's `.json`) is read too. Each product has `variants` (the buyable size/colour
//! combinations), `options` (which variant field, `option1` … `option3`, is the size, the colour,
//! the material) and `images`.
//!
//! Rules:
//!
//! - One record per **variant**: the item id is the variant's id, the item group id the
//!   product's; title, brand (`vendor`), description (`body_html`, tags removed), and
//!   `product_type` come from the product.
//! - Prices carry no currency in this format: the caller must name it
//!   ([`super::FeedOptions::currency`]). `price` is what the variant sells for; when
//!   `compare_at_price` is higher, that is the regular price and `price` the sale price. An
//!   unreadable price or compare-at price rejects the variant; a compare-at price lower than the
//!   price is ignored with a warning.
//! - Availability is the variant's `available` flag (else its `inventory_quantity`); a variant
//!   that states neither is rejected.
//! - Sizes, colours and materials are the variant's values of the options named so (`Size`,
//!   `Shoe size`, `Colour`, `Color`, `Couleur`, `Material` …); other options are ignored.
//! - Images: the variant's own images first (its `featured_image`, images listing its id), then
//!   the product's images tied to no variant; all the product's images when that leaves none.
//! - A product id seen before (pages fetched while the shop changed overlap) is skipped: the
//!   first copy wins. The set of ids seen is the only memory that grows with the file.
//! - The file is streamed: one product is held at a time, at most [`MAX_PRODUCT_BYTES`]; a
//!   larger one, JSON that is not well formed between products, or bytes that are not UTF-8 end
//!   the reading with an error naming the line. A product that is well-formed JSON but not a
//!   usable product is rejected as a row.
//!
//! - Links: with the shop's URL ([`ShopUrl`], `--shop-url`), each variant links to
//!   `{shop}/products/{handle}?variant={id}`, the product page with that variant chosen;
//!   without it, or for a product with no `handle`, variants have no link.
//! - A product holds at most [`MAX_VARIANTS`] variants and [`MAX_IMAGES`] images (Shopify's own
//!   limits); the rest are rejected or ignored with a reason. Its texts are cut to the record
//!   bounds before they are copied into each variant's record.
//!
//! `line` is the line where the product's `{` is; every variant of a product carries it.

use std::collections::HashSet;
use std::io::{self, Read};
use std::path::PathBuf;

use serde_json::Value;

use crate::domain::Availability;
use crate::money::{Currency, Money, MoneyError, parse_price};
use crate::{Error, Result};

use super::limits::human_bytes;
use super::record::{RowCheck, clean, extend_unique, money_reason, quote, split_list};
use super::source::{Source, Stream, not_utf8_message, read_error};
use super::{FeedRecord, FeedRow, RowIssue};

/// The largest product object read, in bytes. A real product, with a long description and a
/// hundred variants, is some tens of kilobytes; a larger one ends the reading with an error.
pub(crate) const MAX_PRODUCT_BYTES: usize = 4 * 1024 * 1024;

/// Bytes read from the file at a time.
const CHUNK: usize = 64 * 1024;

/// The most variants read from one product (Shopify allows 2,048); the rest are rejected with
/// one issue.
pub(crate) const MAX_VARIANTS: usize = 2048;

/// The most images read from one product (Shopify allows 250).
pub(crate) const MAX_IMAGES: usize = 250;

/// The longest handle made into a link (Shopify's limit).
const MAX_HANDLE_CHARS: usize = 255;

/// A shop's address, from which each variant's product page is linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopUrl(url::Url);

impl ShopUrl {
    /// Reads a shop's address: an absolute http(s) URL with a host (`https://shop.example`,
    /// or a path prefix such as `https://shop.example/en-gb`); a query or fragment is dropped.
    pub fn parse(raw: &str) -> Result<ShopUrl> {
        let bad = |why: &str| {
            Error::Usage(format!(
                "shop URL {:?}: {why}; expected an http(s) address such as https://shop.example",
                quote(raw)
            ))
        };
        let mut url = url::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(&format!("the scheme is {:?}", url.scheme())));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("it holds a user name or password"));
        }
        url.set_query(None);
        url.set_fragment(None);
        Ok(ShopUrl(url))
    }

    /// The shop's address as given (normalised).
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The product page of `handle` with the variant `variant_id` chosen.
    pub fn variant_link(&self, handle: &str, variant_id: &str) -> String {
        let mut url = self.0.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push("products").push(handle);
        }
        url.query_pairs_mut().append_pair("variant", variant_id);
        url.into()
    }
}

/// How far the scan of the file's JSON structure has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Between pages, at the top level.
    Between,
    /// Inside a page object; `first` until its first key.
    Page { first: bool },
    /// Inside a page's `products` array; `first` until its first element.
    Products { first: bool },
    /// The end of the file, or an error.
    Done,
}

/// The products of a Shopify `products.json`, turned into one row per variant.
pub(crate) struct ShopifyRows {
    scan: Scanner,
    place: Place,
    currency: Currency,
    pending: std::collections::VecDeque<FeedRow>,
    seen: HashSet<String>,
    saw_products_key: bool,
    shop_url: Option<ShopUrl>,
}

impl ShopifyRows {
    /// Starts reading; variants link to their page in `shop_url` when given.
    pub(crate) fn open(
        source: Source,
        currency: Currency,
        shop_url: Option<ShopUrl>,
    ) -> ShopifyRows {
        ShopifyRows {
            scan: Scanner::new(source.path, source.gzip, source.stream),
            place: Place::Between,
            currency,
            pending: std::collections::VecDeque::new(),
            seen: HashSet::new(),
            saw_products_key: false,
            shop_url,
        }
    }

    /// Reads on to the next product object: its line and bytes, or `None` at the end.
    fn next_product(&mut self) -> Result<Option<(u64, Vec<u8>)>> {
        loop {
            match self.place {
                Place::Done => return Ok(None),
                Place::Between => match self.scan.skip_ws()? {
                    None => {
                        self.place = Place::Done;
                        if !self.saw_products_key {
                            return Err(self.scan.error(
                                "not a Shopify products.json: the file has no \"products\" array",
                            ));
                        }
                        return Ok(None);
                    }
                    Some(b'{') => {
                        self.scan.bump();
                        self.place = Place::Page { first: true };
                    }
                    Some(other) => {
                        return Err(self.scan.unexpected("a page object `{`", other));
                    }
                },
                Place::Page { first } => {
                    let Some(b) = self.scan.skip_ws()? else {
                        return Err(self.scan.truncated());
                    };
                    if b == b'}' {
                        self.scan.bump();
                        self.place = Place::Between;
                        continue;
                    }
                    if !first {
                        if b != b',' {
                            return Err(self.scan.unexpected("`,` or `}` after a value", b));
                        }
                        self.scan.bump();
                    }
                    let key = self.scan.key()?;
                    match key.as_slice() {
                        b"products" => {
                            self.saw_products_key = true;
                            match self.scan.skip_ws()? {
                                Some(b'[') => {
                                    self.scan.bump();
                                    self.place = Place::Products { first: true };
                                }
                                Some(other) => {
                                    return Err(self
                                        .scan
                                        .unexpected("an array after \"products\":", other));
                                }
                                None => return Err(self.scan.truncated()),
                            }
                        }
                        b"product" => {
                            self.saw_products_key = true;
                            self.place = Place::Page { first: false };
                            let line = self.scan.value_line()?;
                            let mut bytes = Vec::new();
                            self.scan.value(Some(&mut bytes))?;
                            return Ok(Some((line, bytes)));
                        }
                        _ => {
                            self.place = Place::Page { first: false };
                            self.scan.value(None)?;
                        }
                    }
                }
                Place::Products { first } => {
                    let Some(b) = self.scan.skip_ws()? else {
                        return Err(self.scan.truncated());
                    };
                    if b == b']' {
                        self.scan.bump();
                        self.place = Place::Page { first: false };
                        continue;
                    }
                    if !first {
                        if b != b',' {
                            return Err(self.scan.unexpected("`,` or `]` between products", b));
                        }
                        self.scan.bump();
                    }
                    self.place = Place::Products { first: false };
                    let line = self.scan.value_line()?;
                    let mut bytes = Vec::new();
                    self.scan.value(Some(&mut bytes))?;
                    return Ok(Some((line, bytes)));
                }
            }
        }
    }

    /// The rows of one product's bytes.
    fn product_rows(&mut self, line: u64, bytes: &[u8]) -> Result<Vec<FeedRow>> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let at = e.valid_up_to();
            let bad_line = line + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
            let bad = bytes.get(at).copied().unwrap_or(0);
            Error::bad_file(
                &self.scan.path,
                Some(bad_line),
                not_utf8_message(&format!(
                    "byte 0x{bad:02X} in the product starting at line {line}"
                )),
            )
        })?;
        let reject = |item: Option<&str>, field: Option<&str>, reason: String| {
            vec![FeedRow::Rejected(RowIssue {
                line,
                item: item.map(super::record::quote_id),
                field: field.map(str::to_string),
                reason,
            })]
        };
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                // serde_json counts lines from the product's start; name the file's line.
                let text = e.to_string();
                let what = text
                    .find(" at line ")
                    .map_or(text.as_str(), |at| &text[..at]);
                let at_line = line + (e.line() as u64).saturating_sub(1);
                return Ok(reject(
                    None,
                    None,
                    format!(
                        "the product is not valid JSON: {what} at line {at_line} column {}",
                        e.column()
                    ),
                ));
            }
        };
        let Value::Object(product) = &value else {
            return Ok(reject(
                None,
                None,
                format!("a product must be a JSON object, found {}", kind(&value)),
            ));
        };
        let Some(product_id) = id_text(product.get("id")) else {
            return Ok(reject(None, Some("id"), "the product has no id".into()));
        };
        if product_id.chars().count() > super::bounds::MAX_ID_CHARS {
            return Ok(reject(
                Some(&product_id),
                Some("id"),
                format!(
                    "the product id is longer than {} characters",
                    super::bounds::MAX_ID_CHARS
                ),
            ));
        }
        if !self.seen.insert(product_id.clone()) {
            return Ok(Vec::new());
        }
        let Some(title) = product.get("title").and_then(Value::as_str).and_then(clean) else {
            return Ok(reject(
                Some(&product_id),
                Some("title"),
                format!("product {} has no title", quote(&product_id)),
            ));
        };
        let variants = match product.get("variants") {
            Some(Value::Array(v)) if !v.is_empty() => v,
            _ => {
                return Ok(reject(
                    Some(&product_id),
                    Some("variants"),
                    format!(
                        "product {} has no variants: nothing to sell",
                        quote(&product_id)
                    ),
                ));
            }
        };
        let shared = Shared::new(product, product_id, title, self.shop_url.as_ref());
        let mut rows: Vec<FeedRow> = variants
            .iter()
            .take(MAX_VARIANTS)
            .enumerate()
            .map(|(i, variant)| variant_row(&shared, i, variant, line, self.currency))
            .collect();
        if variants.len() > MAX_VARIANTS {
            rows.extend(reject(
                Some(&shared.product_id),
                Some("variants"),
                format!(
                    "product {} has {} variants; the {} past the first {MAX_VARIANTS} are not read",
                    quote(&shared.product_id),
                    variants.len(),
                    variants.len() - MAX_VARIANTS
                ),
            ));
        }
        Ok(rows)
    }
}

impl Iterator for ShopifyRows {
    type Item = Result<FeedRow>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.pending.pop_front() {
                return Some(Ok(row));
            }
            let next = self.next_product().and_then(|product| match product {
                None => Ok(None),
                Some((line, bytes)) => self.product_rows(line, &bytes).map(Some),
            });
            match next {
                Ok(None) => return None,
                Ok(Some(rows)) => self.pending.extend(rows),
                Err(e) => {
                    self.place = Place::Done;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// What every variant of a product shares.
struct Shared {
    product_id: String,
    title: String,
    description: Option<String>,
    brand: Option<String>,
    product_type: Option<String>,
    /// The role of `option1`, `option2`, `option3`.
    roles: [Option<Role>; 3],
    images: Vec<Image>,
    /// The product's page in the shop, with `{variant}` to fill in (`None` without a shop URL
    /// or a handle).
    handle: Option<String>,
    shop_url: Option<ShopUrl>,
    /// Warnings every variant carries: the product's texts cut, its handle unusable.
    notes: Vec<(&'static str, String)>,
}

impl Shared {
    /// What the product's variants share, its texts cut to the record bounds.
    fn new(
        product: &serde_json::Map<String, Value>,
        product_id: String,
        title: String,
        shop_url: Option<&ShopUrl>,
    ) -> Shared {
        use super::bounds::{MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_PATH_CHARS, precut};
        let text = |key: &str| product.get(key).and_then(Value::as_str).and_then(clean);
        let mut notes = Vec::new();
        let mut cut = |field: &'static str, value: Option<String>, max: usize| {
            value.map(|mut v| {
                if let Some(note) = precut(field, &mut v, max) {
                    notes.push((field, note));
                }
                v
            })
        };
        let title = cut("title", Some(title), super::bounds::MAX_TITLE_CHARS);
        let description = product
            .get("body_html")
            .and_then(Value::as_str)
            .and_then(|html| clean(&html_to_text(html)));
        let description = cut("description", description, MAX_DESCRIPTION_CHARS);
        let brand = cut("brand", text("vendor"), MAX_NAME_CHARS);
        let product_type = cut("product_type", text("product_type"), MAX_PATH_CHARS);
        let handle = match (shop_url, text("handle")) {
            (Some(_), Some(h)) if h.chars().count() > MAX_HANDLE_CHARS => {
                notes.push((
                    "handle",
                    format!(
                        "handle: longer than {MAX_HANDLE_CHARS} characters; the variants have no link"
                    ),
                ));
                None
            }
            (Some(_), None) => {
                notes.push((
                    "handle",
                    "the product has no handle: its variants have no link".to_string(),
                ));
                None
            }
            (_, handle) => handle,
        };
        Shared {
            product_id,
            title: title.unwrap_or_default(),
            description,
            brand,
            product_type,
            roles: option_roles(product.get("options")),
            images: images(product.get("images")),
            handle,
            shop_url: shop_url.cloned(),
            notes,
        }
    }

    /// The link of one variant, when the shop and the handle are known.
    fn link(&self, variant_id: &str) -> Option<String> {
        let shop = self.shop_url.as_ref()?;
        Some(shop.variant_link(self.handle.as_deref()?, variant_id))
    }
}

/// What a product option says about a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Size,
    Colour,
    Material,
}

/// A product image and the variants it shows.
struct Image {
    src: String,
    variant_ids: Vec<String>,
}

/// An id as Shopify writes it: a number, or (some exports) a string.
fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => clean(s),
        _ => None,
    }
}

/// A price as Shopify writes it: a string (`"550.00"`), or a number in older exports.
fn price_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => clean(s),
        _ => None,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The role of each of the three options, from their names (`options` is a list of
/// `{"name": …, "position": …}`, or of bare names).
fn option_roles(options: Option<&Value>) -> [Option<Role>; 3] {
    let mut roles = [None; 3];
    let Some(Value::Array(options)) = options else {
        return roles;
    };
    for (i, option) in options.iter().enumerate() {
        let (name, position) = match option {
            Value::String(name) => (Some(name.as_str()), None),
            Value::Object(o) => (
                o.get("name").and_then(Value::as_str),
                o.get("position").and_then(Value::as_u64),
            ),
            _ => (None, None),
        };
        let slot = position
            .and_then(|p| usize::try_from(p).ok())
            .and_then(|p| p.checked_sub(1))
            .unwrap_or(i);
        if let (Some(name), Some(role)) = (name, roles.get_mut(slot)) {
            *role = role_of(name);
        }
    }
    roles
}

/// What an option's name says it is.
fn role_of(name: &str) -> Option<Role> {
    let name = name.trim().to_lowercase();
    if name.contains("size")
        || [
            "taille", "größe", "groesse", "talla", "taglia", "maat", "pointure",
        ]
        .contains(&name.as_str())
    {
        Some(Role::Size)
    } else if name.contains("colo")
        || ["couleur", "farbe", "kleur", "shade"].contains(&name.as_str())
    {
        Some(Role::Colour)
    } else if name.contains("material")
        || ["fabric", "matière", "matiere", "material"].contains(&name.as_str())
    {
        Some(Role::Material)
    } else {
        None
    }
}

fn images(images: Option<&Value>) -> Vec<Image> {
    let Some(Value::Array(images)) = images else {
        return Vec::new();
    };
    images
        .iter()
        .take(MAX_IMAGES)
        .filter_map(|image| {
            let src = match image {
                Value::String(s) => s.clone(),
                Value::Object(o) => o.get("src").and_then(Value::as_str)?.to_string(),
                _ => return None,
            };
            let variant_ids = match image.get("variant_ids") {
                Some(Value::Array(ids)) => ids.iter().filter_map(|v| id_text(Some(v))).collect(),
                _ => Vec::new(),
            };
            Some(Image { src, variant_ids })
        })
        .collect()
}

/// One variant's row.
fn variant_row(
    shared: &Shared,
    index: usize,
    variant: &Value,
    line: u64,
    currency: Currency,
) -> FeedRow {
    let mut check = RowCheck::new(line);
    check.item(&shared.product_id);
    let number = index + 1;
    let Value::Object(v) = variant else {
        return check.reject(
            "variants",
            format!(
                "variant {number} of product {} is {}, not an object",
                quote(&shared.product_id),
                kind(variant)
            ),
        );
    };
    let Some(item_id) = id_text(v.get("id")) else {
        return check.reject(
            "variants.id",
            format!(
                "variant {number} of product {} has no id",
                quote(&shared.product_id)
            ),
        );
    };
    check.item(&item_id);
    for (field, note) in &shared.notes {
        check.warn(field, note.clone());
    }
    let Some(price_raw) = price_text(v.get("price")) else {
        return check.reject(
            "variants.price",
            format!("variant {} has no price", quote(&item_id)),
        );
    };
    let price = match parse_price(&price_raw, Some(currency)) {
        Ok(m) => m,
        Err(e) => return check.reject("variants.price", money_reason(&e)),
    };
    let regular = match price_text(v.get("compare_at_price")) {
        None => None,
        Some(raw) => match parse_price(&raw, Some(currency)) {
            Ok(m) if m.minor > price.minor => Some(m),
            Ok(m) if m.minor < price.minor => {
                check.warn(
                    "variants.compare_at_price",
                    format!("compare-at price {m} is lower than the price {price}; ignored"),
                );
                None
            }
            Ok(_) | Err(MoneyError::NotPositive(_)) => None,
            Err(e) => return check.reject("variants.compare_at_price", money_reason(&e)),
        },
    };
    let (price, sale_price): (Money, Option<Money>) = match regular {
        Some(r) => (r, Some(price)),
        None => (price, None),
    };
    let availability = match availability(v) {
        Some(a) => a,
        None => {
            return check.reject(
                "variants.available",
                format!(
                    "variant {} states no availability (no `available` flag nor `inventory_quantity`)",
                    quote(&item_id)
                ),
            );
        }
    };

    let mut sizes = Vec::new();
    let mut colours = Vec::new();
    let mut materials = Vec::new();
    for (slot, role) in shared.roles.iter().enumerate() {
        let Some(role) = role else { continue };
        let key = format!("option{}", slot + 1);
        let Some(value) = v.get(&key).and_then(Value::as_str).and_then(clean) else {
            continue;
        };
        match role {
            Role::Size => extend_unique(&mut sizes, [value]),
            Role::Colour => extend_unique(&mut colours, split_list(&value, '/')),
            Role::Material => extend_unique(&mut materials, split_list(&value, '/')),
        }
    }

    let mut image_links = Vec::new();
    let featured = v
        .get("featured_image")
        .and_then(|f| f.get("src"))
        .and_then(Value::as_str);
    let own = featured.into_iter().chain(
        shared
            .images
            .iter()
            .filter(|i| i.variant_ids.contains(&item_id))
            .map(|i| i.src.as_str()),
    );
    let untied = shared
        .images
        .iter()
        .filter(|i| i.variant_ids.is_empty())
        .map(|i| i.src.as_str());
    for src in own.chain(untied) {
        if let Some(url) = check.url("images.src", Some(src)) {
            extend_unique(&mut image_links, [url]);
        }
    }
    if image_links.is_empty() {
        for image in &shared.images {
            if let Some(url) = check.url("images.src", Some(&image.src)) {
                extend_unique(&mut image_links, [url]);
            }
        }
    }
    let gtin = check.gtin("variants.barcode", v.get("barcode").and_then(Value::as_str));
    let link = shared.link(&item_id);

    FeedRow::Record(Box::new(FeedRecord {
        line,
        item_id,
        title: shared.title.clone(),
        description: shared.description.clone(),
        brand: shared.brand.clone(),
        retailer: None,
        link,
        image_links,
        price,
        sale_price,
        availability,
        gtin,
        mpn: None,
        condition: None,
        google_product_category: None,
        product_type: shared.product_type.clone(),
        item_group_id: Some(shared.product_id.clone()),
        colours,
        sizes,
        gender: None,
        age_group: None,
        materials,
        pattern: None,
        warnings: check.warnings,
        observations: Vec::new(),
    }))
}

/// A variant's availability: `available` (a boolean, or text such as `"true"`), else its
/// `inventory_quantity` (more than zero is in stock).
fn availability(variant: &serde_json::Map<String, Value>) -> Option<Availability> {
    match variant.get("available") {
        Some(Value::Bool(true)) => return Some(Availability::InStock),
        Some(Value::Bool(false)) => return Some(Availability::OutOfStock),
        Some(Value::String(s)) => {
            if let Some(a) = Availability::parse(s) {
                return Some(a);
            }
        }
        _ => {}
    }
    match variant.get("inventory_quantity").and_then(Value::as_i64) {
        Some(n) if n > 0 => Some(Availability::InStock),
        Some(_) => Some(Availability::OutOfStock),
        None => None,
    }
}

/// The text of a product description written in HTML: tags removed (block tags leave a space),
/// the common entities decoded, runs of white space made one space.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => match rest.find('>') {
                Some(end) => {
                    text.push(' ');
                    rest = &rest[end + 1..];
                }
                None => {
                    text.push_str(rest);
                    rest = "";
                }
            },
            '&' => {
                let (decoded, used) = entity(rest);
                text.push_str(&decoded);
                rest = &rest[used..];
            }
            _ => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The entity at the start of `text` (which starts with `&`): its text and the bytes it takes;
/// a lone `&` when it is not one Pointe knows.
fn entity(text: &str) -> (String, usize) {
    let Some(end) = text.get(..12).unwrap_or(text).find(';') else {
        return ("&".into(), 1);
    };
    let name = &text[1..end];
    let decoded = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" | "#39" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse().ok()
            } else {
                None
            };
            code.and_then(char::from_u32)
        }
    };
    match decoded {
        Some(c) => (c.to_string(), end + 1),
        None => ("&".into(), 1),
    }
}

/// Reads the file's JSON structure a byte at a time from its own buffer, counting lines,
/// holding nothing but the chunk being read and the product being captured.
struct Scanner {
    path: PathBuf,
    gzip: bool,
    inner: Stream,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    /// 1-based line of the next byte.
    line: u64,
}

impl Scanner {
    fn new(path: PathBuf, gzip: bool, inner: Stream) -> Scanner {
        Scanner {
            path,
            gzip,
            inner,
            buf: vec![0; CHUNK],
            pos: 0,
            len: 0,
            line: 1,
        }
    }

    /// The next byte without consuming it; `None` at the end of the file.
    fn peek(&mut self) -> Result<Option<u8>> {
        if self.pos == self.len {
            loop {
                match self.inner.read(&mut self.buf) {
                    Ok(n) => {
                        self.pos = 0;
                        self.len = n;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        return Err(read_error(
                            &self.path,
                            self.gzip,
                            Some(self.line),
                            e.kind(),
                            e.to_string(),
                        ));
                    }
                }
            }
            if self.len == 0 {
                return Ok(None);
            }
        }
        Ok(Some(self.buf[self.pos]))
    }

    /// Consumes the byte [`Scanner::peek`] returned.
    fn bump(&mut self) {
        if self.pos < self.len {
            if self.buf[self.pos] == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
    }

    /// The next byte that is not JSON white space, not consumed.
    fn skip_ws(&mut self) -> Result<Option<u8>> {
        while let Some(b) = self.peek()? {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Ok(Some(b));
            }
            self.bump();
        }
        Ok(None)
    }

    /// The line of the next value (after white space).
    fn value_line(&mut self) -> Result<u64> {
        self.skip_ws()?;
        Ok(self.line)
    }

    /// Reads an object key and the `:` after it; keys longer than 64 bytes are read whole but
    /// kept cut (they are only compared with the few Pointe knows).
    fn key(&mut self) -> Result<Vec<u8>> {
        match self.skip_ws()? {
            Some(b'"') => self.bump(),
            Some(other) => return Err(self.unexpected("a key in quotes", other)),
            None => return Err(self.truncated()),
        }
        let mut key = Vec::new();
        let mut escaped = false;
        loop {
            let Some(b) = self.peek()? else {
                return Err(self.truncated());
            };
            self.bump();
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                break;
            }
            if key.len() < 64 {
                key.push(b);
            }
        }
        match self.skip_ws()? {
            Some(b':') => self.bump(),
            Some(other) => return Err(self.unexpected("`:` after a key", other)),
            None => return Err(self.truncated()),
        }
        Ok(key)
    }

    /// Reads one JSON value, into `sink` when given (at most [`MAX_PRODUCT_BYTES`]). Only the
    /// nesting is followed here; the captured bytes are checked by the JSON parser.
    fn value(&mut self, mut sink: Option<&mut Vec<u8>>) -> Result<()> {
        let start_line = self.value_line()?;
        let Some(first) = self.peek()? else {
            return Err(self.truncated());
        };
        let mut depth = 0u64;
        let mut in_string = false;
        let mut escaped = false;
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        if scalar && matches!(first, b',' | b'}' | b']' | b':') {
            return Err(self.unexpected("a value", first));
        }
        loop {
            let Some(b) = self.peek()? else {
                if scalar {
                    return Ok(());
                }
                return Err(self.truncated());
            };
            if scalar && matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                return Ok(());
            }
            self.bump();
            if let Some(sink) = sink.as_deref_mut() {
                if sink.len() >= MAX_PRODUCT_BYTES {
                    return Err(Error::bad_file(
                        &self.path,
                        Some(start_line),
                        format!(
                            "a product larger than {} is refused (a real one is some kilobytes): the file is damaged or not a products.json",
                            human_bytes(MAX_PRODUCT_BYTES as u64)
                        ),
                    ));
                }
                sink.push(b);
            }
            if scalar {
                continue;
            }
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
    }

    fn error(&self, message: impl Into<String>) -> Error {
        Error::bad_file(&self.path, Some(self.line), message)
    }

    fn truncated(&self) -> Error {
        self.error("the file ends inside the JSON: it is truncated")
    }

    fn unexpected(&self, expected: &str, found: u8) -> Error {
        let found = if found.is_ascii_graphic() {
            format!("`{}`", char::from(found))
        } else {
            format!("byte 0x{found:02X}")
        };
        self.error(format!(
            "not a Shopify products.json: expected {expected}, found {found}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::test_support::{
        check_never_panics, fixture, money, mutate, open_bytes, records, rejected, rows,
    };
    use super::super::{FeedFormat, FeedOptions, FeedReader, FeedRow, open_feed};
    use super::*;

    fn gbp() -> Option<Currency> {
        Currency::from_code("GBP")
    }

    fn open_json(text: &str) -> crate::Result<FeedReader> {
        open_bytes("shop.products.json", text.as_bytes().to_vec(), None, gbp())
    }

    fn shop() -> Vec<u8> {
        std::fs::read(fixture("shop.products.json")).unwrap()
    }

    #[test]
    fn the_fixture_gives_one_row_per_variant_with_sizes_colours_and_sales() {
        let options = FeedOptions {
            currency: gbp(),
            ..FeedOptions::default()
        };
        let reader = open_feed(&fixture("shop.products.json"), &options).unwrap();
        assert_eq!(reader.format(), FeedFormat::Shopify);
        let rows = rows(reader);
        let recs = records(&rows);
        let ids: Vec<&str> = recs.iter().map(|r| r.item_id.as_str()).collect();
        assert_eq!(
            ids,
            vec!["4101", "4102", "4103", "4104", "4201", "4202", "4301"],
            "{rows:#?}"
        );

        let pink_36 = recs[0];
        assert_eq!(pink_36.line, 2);
        assert_eq!(pink_36.title, "Satin Ballet Flats");
        assert_eq!(pink_36.brand.as_deref(), Some("Porte & Paire"));
        assert_eq!(pink_36.item_group_id.as_deref(), Some("7001"));
        assert_eq!(pink_36.product_type.as_deref(), Some("Shoes"));
        assert_eq!(
            pink_36.description.as_deref(),
            Some("Satin ballet flats with a grosgrain bow & a leather sole. Made in Italy.")
        );
        assert_eq!(pink_36.sizes, vec!["36"]);
        assert_eq!(pink_36.colours, vec!["Pink"]);
        // compare_at_price higher than price: a sale.
        assert_eq!(pink_36.price, money(12000, "GBP"));
        assert_eq!(pink_36.sale_price, Some(money(9500, "GBP")));
        assert_eq!(pink_36.availability, Availability::InStock);
        assert_eq!(
            pink_36.image_links,
            vec![
                "https://cdn.shopify.com/s/files/1/0001/products/satin-pink.jpg",
                "https://cdn.shopify.com/s/files/1/0001/products/satin-sole.jpg"
            ]
        );
        assert_eq!(pink_36.gtin, None);
        assert!(pink_36.observations.is_empty());

        let black_37 = recs[3];
        assert_eq!(black_37.colours, vec!["Black"]);
        assert_eq!(black_37.sizes, vec!["37"]);
        assert_eq!(black_37.availability, Availability::OutOfStock);
        assert_eq!(black_37.price, money(12000, "GBP"));
        // compare_at_price equal to the price: no sale.
        assert_eq!(black_37.sale_price, None);
        assert_eq!(
            black_37.image_links[0],
            "https://cdn.shopify.com/s/files/1/0001/products/satin-black.jpg"
        );

        let loafer = recs[4];
        assert_eq!(loafer.title, "Leather Loafers");
        assert_eq!(loafer.materials, vec!["Leather"]);
        assert_eq!(loafer.sizes, vec!["38"]);
        assert_eq!(loafer.sale_price, None);
        assert_eq!(
            loafer.gtin.as_ref().map(|g| g.as_str()),
            Some("05012345678900")
        );

        let mules = recs[6];
        assert_eq!(mules.title, "Mesh Mules");
        assert!(mules.sizes.is_empty() && mules.colours.is_empty());
        assert_eq!(mules.price, money(4500, "GBP"));
        // The compare-at price below the price is ignored with a warning.
        assert_eq!(mules.sale_price, None);
        assert_eq!(
            mules.warnings[0].field.as_deref(),
            Some("variants.compare_at_price")
        );

        // One variant of the loafers has no price; the duplicate product on page 2 is skipped.
        let rej = rejected(&rows);
        assert_eq!(rej.len(), 1, "{rej:#?}");
        assert_eq!(rej[0].field.as_deref(), Some("variants.price"));
        assert!(rej[0].reason.contains("4203"), "{}", rej[0].reason);
    }

    #[test]
    fn duplicates_are_dropped_and_rows_are_variants() {
        let text = r#"{"products":[{"id":1,"title":"A","variants":[{"id":11,"price":"10.00","available":true}]}]}
{"products":[{"id":1,"title":"A again","variants":[{"id":11,"price":"9.00","available":true}]},
{"id":2,"title":"B","variants":[{"id":21,"price":"5","available":false}]}]}"#;
        let mut reader = open_json(text).unwrap();
        let mut all = Vec::new();
        for row in reader.by_ref() {
            all.push(row.unwrap());
        }
        // A Shopify file's rows are its variants: no other count.
        assert_eq!(reader.source_rows(), None);
        let recs = records(&all);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].title, "A");
        assert_eq!(recs[0].price, money(1000, "GBP"));
        assert_eq!(recs[1].line, 3);
        assert_eq!(recs[1].price, money(500, "GBP"));
    }

    #[test]
    fn a_single_product_page_is_read() {
        let text = r#"{"product":{"id":"9","title":"Flats","variants":[{"id":"91","price":12.5,"inventory_quantity":0}]}}"#;
        let rows = rows(open_json(text).unwrap());
        let recs = records(&rows);
        assert_eq!(recs[0].item_id, "91");
        assert_eq!(recs[0].price, money(1250, "GBP"));
        assert_eq!(recs[0].availability, Availability::OutOfStock);
    }

    #[test]
    fn unusable_products_are_rejected_with_a_reason_and_reading_goes_on() {
        let text = r#"{"products":[
  3,
  {"title":"no id","variants":[{"id":1,"price":"1.00","available":true}]},
  {"id":5,"title":"  ","variants":[]},
  {"id":6,"title":"No variants","variants":[]},
  {"id":7,"title":"Bad", "variants":[{"id":71,"price":"free","available":true},
     {"id":72,"price":"1.00"}, {"id":73,"price":"1.00","compare_at_price":"lots","available":true},
     "x", {"price":"1.00"}]},
  {"id":8,"title":"Bad JSON","variants":[{"id":81,"price":tru}]},
  {"id":9,"title":"Good","variants":[{"id":91,"price":"1,099.00","available":"true"}]}
]}"#;
        let rows = rows(open_json(text).unwrap());
        let rej: Vec<(u64, Option<&str>)> = rejected(&rows)
            .iter()
            .map(|r| (r.line, r.field.as_deref()))
            .collect();
        assert_eq!(
            rej,
            vec![
                (2, None),
                (3, Some("id")),
                (4, Some("title")),
                (5, Some("variants")),
                (6, Some("variants.price")),
                (6, Some("variants.available")),
                (6, Some("variants.compare_at_price")),
                (6, Some("variants")),
                (6, Some("variants.id")),
                (9, None),
            ],
            "{rows:#?}"
        );
        for issue in rejected(&rows) {
            assert!(!issue.reason.is_empty());
        }
        assert_eq!(
            rejected(&rows)[9].reason,
            "the product is not valid JSON: expected ident at line 9 column 60"
        );
        let recs = records(&rows);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].price, money(109900, "GBP"));
    }

    #[test]
    fn broken_structure_and_truncation_are_whole_file_errors_with_lines() {
        let cases = [
            (
                "{\"products\":[\n{\"id\":1}\n",
                "line 3: the file ends inside the JSON",
            ),
            (
                "{\"products\":[{\"id\":1} {\"id\":2}]}",
                "line 1: not a Shopify products.json: expected `,` or `]` between products, found `{`",
            ),
            (
                "{\"products\": 7}",
                "expected an array after \"products\":, found `7`",
            ),
            ("{\"items\": []}", "the file has no \"products\" array"),
            ("[1,2]", "expected a page object `{`, found `[`"),
            (
                "{\"products\":[]} junk",
                "expected a page object `{`, found `j`",
            ),
        ];
        for (text, expected) in cases {
            let reader = open_bytes(
                "s.json",
                text.as_bytes().to_vec(),
                Some(FeedFormat::Shopify),
                gbp(),
            )
            .unwrap();
            let results: Vec<_> = reader.collect();
            let err = results
                .iter()
                .find_map(|r| r.as_ref().err())
                .unwrap_or_else(|| panic!("no error for {text:?}: {results:?}"))
                .to_string();
            assert!(err.starts_with("s.json: "), "{err}");
            assert!(err.contains(expected), "{text:?}: {err}");
            assert!(results.last().unwrap().is_err(), "rows after the error");
        }
    }

    #[test]
    fn latin1_bytes_are_a_whole_file_error_naming_the_line() {
        let mut bytes = b"{\"products\":[\n{\"id\":1,\"title\":\"Caf".to_vec();
        bytes.push(0xE9);
        bytes.extend_from_slice(
            b"\",\"variants\":[{\"id\":2,\"price\":\"1\",\"available\":true}]}]}",
        );
        let mut reader = open_bytes("latin1.json", bytes, None, gbp()).unwrap();
        let err = reader.next().unwrap().unwrap_err().to_string();
        assert!(
            err.starts_with("latin1.json: line 2: not UTF-8 (Latin-1?): byte 0xE9"),
            "{err}"
        );
        assert!(reader.next().is_none());
    }

    #[test]
    fn a_product_past_the_limit_is_refused_without_holding_the_file() {
        // A 100 MB description, generated on the fly: never held whole.
        struct Huge {
            left: u64,
            state: u8,
        }
        impl Read for Huge {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let head = b"{\"products\":[{\"id\":1,\"title\":\"x\",\"body_html\":\"";
                match self.state {
                    0 => {
                        self.state = 1;
                        buf[..head.len()].copy_from_slice(head);
                        Ok(head.len())
                    }
                    _ if self.left == 0 => Ok(0),
                    _ => {
                        let n = buf.len().min(self.left as usize);
                        buf[..n].fill(b'a');
                        self.left -= n as u64;
                        Ok(n)
                    }
                }
            }
        }
        let options = FeedOptions {
            format: Some(FeedFormat::Shopify),
            currency: gbp(),
            ..FeedOptions::default()
        };
        let huge = Huge {
            left: 100 * 1024 * 1024,
            state: 0,
        };
        let reader =
            super::super::test_support::open_reader("huge.json", Box::new(huge), &options).unwrap();
        let results: Vec<_> = reader.collect();
        assert_eq!(results.len(), 1);
        let err = results[0].as_ref().unwrap_err().to_string();
        assert!(
            err.starts_with("huge.json: line 1: a product larger than 4 MiB is refused"),
            "{err}"
        );
    }

    #[test]
    fn a_shop_url_gives_each_variant_its_product_page() {
        let options = FeedOptions {
            currency: gbp(),
            shop_url: Some(ShopUrl::parse("https://shop.example/").unwrap()),
            ..FeedOptions::default()
        };
        let rows = rows(open_feed(&fixture("shop.products.json"), &options).unwrap());
        let recs = records(&rows);
        assert_eq!(
            recs[0].link.as_deref(),
            Some("https://shop.example/products/satin-ballet-flats?variant=4101")
        );
        assert_eq!(
            recs[3].link.as_deref(),
            Some("https://shop.example/products/satin-ballet-flats?variant=4104")
        );
        // Without the shop's address there is no link.
        let rows = rows_of(&shop(), None);
        assert!(records(&rows).iter().all(|r| r.link.is_none()));
    }

    fn rows_of(bytes: &[u8], shop_url: Option<&str>) -> Vec<FeedRow> {
        let options = FeedOptions {
            currency: gbp(),
            shop_url: shop_url.map(|u| ShopUrl::parse(u).unwrap()),
            ..FeedOptions::default()
        };
        rows(
            super::super::test_support::open_reader(
                "shop.json",
                Box::new(std::io::Cursor::new(bytes.to_vec())),
                &options,
            )
            .unwrap(),
        )
    }

    #[test]
    fn handles_are_escaped_and_a_missing_handle_is_a_warning() {
        let text = r#"{"products":[
{"id":1,"title":"A","handle":"ballet flats/?x","variants":[{"id":11,"price":"1","available":true}]},
{"id":2,"title":"B","variants":[{"id":21,"price":"1","available":true}]}]}"#;
        let rows = rows_of(text.as_bytes(), Some("http://shop.example/en-gb"));
        let recs = records(&rows);
        assert_eq!(
            recs[0].link.as_deref(),
            Some("http://shop.example/en-gb/products/ballet%20flats%2F%3Fx?variant=11")
        );
        assert_eq!(recs[1].link, None);
        assert_eq!(recs[1].warnings[0].field.as_deref(), Some("handle"));
        assert_eq!(recs[1].warnings[0].item.as_deref(), Some("21"));
    }

    #[test]
    fn only_http_shop_urls_are_accepted() {
        for bad in [
            "ftp://shop.example",
            "javascript:alert(1)",
            "shop.example",
            "https://user:pw@shop.example",
            "",
        ] {
            let err = ShopUrl::parse(bad).unwrap_err().to_string();
            assert!(err.starts_with("shop URL "), "{bad}: {err}");
        }
        assert_eq!(
            ShopUrl::parse(" https://Shop.Example?a=1#x ")
                .unwrap()
                .as_str(),
            "https://shop.example/"
        );
    }

    #[test]
    fn a_product_past_the_variant_limit_is_read_up_to_it() {
        let variants: Vec<String> = (0..MAX_VARIANTS + 5)
            .map(|i| format!(r#"{{"id":{i},"price":"1","available":true}}"#))
            .collect();
        let text = format!(
            r#"{{"products":[{{"id":1,"title":"A","body_html":"{}","variants":[{}]}}]}}"#,
            "d".repeat(200_000),
            variants.join(",")
        );
        let rows = rows_of(text.as_bytes(), None);
        assert_eq!(records(&rows).len(), MAX_VARIANTS);
        let rej = rejected(&rows);
        assert_eq!(rej.len(), 1);
        assert_eq!(rej[0].item.as_deref(), Some("1"));
        assert!(
            rej[0].reason.contains("the 5 past the first 2048"),
            "{}",
            rej[0].reason
        );
        let first = records(&rows)[0];
        assert_eq!(
            first.description.as_ref().map(|d| d.chars().count()),
            Some(super::super::bounds::MAX_WORD_CHARS)
        );
    }

    #[test]
    fn shopify_needs_a_currency() {
        let err = open_bytes("shop.json", shop(), None, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--currency"), "{err}");
        assert!(err.starts_with("shop.json"), "{err}");
    }

    #[test]
    fn descriptions_lose_their_tags_and_entities() {
        assert_eq!(
            html_to_text(
                "<p>Soft&nbsp;satin,<br/>leather&amp;suede &#8211; &#x41;</p><ul><li>a</li></ul>"
            ),
            "Soft satin, leather&suede – A a"
        );
        assert_eq!(html_to_text("a & b < c"), "a & b < c");
        assert_eq!(html_to_text("&unknown; &#xZZ;"), "&unknown; &#xZZ;");
    }

    #[test]
    fn option_names_give_roles() {
        assert_eq!(role_of("Size"), Some(Role::Size));
        assert_eq!(role_of("Shoe size (EU)"), Some(Role::Size));
        assert_eq!(role_of("Taille"), Some(Role::Size));
        assert_eq!(role_of("Colour"), Some(Role::Colour));
        assert_eq!(role_of("color"), Some(Role::Colour));
        assert_eq!(role_of("Material"), Some(Role::Material));
        assert_eq!(role_of("Title"), None);
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut json = b"{\"products\":[".to_vec();
            json.extend_from_slice(&bytes);
            check_never_panics(json, Some(FeedFormat::Shopify));
            check_never_panics(bytes, Some(FeedFormat::Shopify));
        }

        #[test]
        fn random_products_never_panic(
            body in "[{}\\[\\]\":,a-z0-9 .\\\\-]{0,160}",
        ) {
            let json = format!("{{\"products\":[{{\"id\":1,\"title\":\"t\",\"variants\":[{body}]}}]}}");
            check_never_panics(json.into_bytes(), None);
        }

        #[test]
        fn mutated_fixture_never_panics(
            line in any::<usize>(),
            op in 0u8..6,
            junk in "(\\{|\\}|\\[|\\]|\"|,|:|\\\\|\\PC){0,16}",
        ) {
            check_never_panics(mutate(&shop(), line, op, junk.as_bytes()), None);
        }
    }
}
