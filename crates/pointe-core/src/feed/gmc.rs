//! Google Merchant Center product data: the fields both GMC formats (TSV and XML) carry, and
//! the rules that turn one item's raw values into a [`FeedRow`].

use crate::money::Currency;

use super::record::{self, RowCheck, clean, extend_unique, split_list};
use super::{FeedRecord, FeedRow};

/// The Merchant Center attributes Pointe reads; others (shipping, custom labels …) are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GmcField {
    Id,
    Title,
    Description,
    Link,
    ImageLink,
    AdditionalImageLink,
    Availability,
    Price,
    SalePrice,
    Brand,
    Gtin,
    Mpn,
    Condition,
    GoogleProductCategory,
    ProductType,
    ItemGroupId,
    Color,
    Size,
    Gender,
    AgeGroup,
    Material,
    Pattern,
}

const FIELD_COUNT: usize = 22;

const FIELDS: [(GmcField, &str); FIELD_COUNT] = [
    (GmcField::Id, "id"),
    (GmcField::Title, "title"),
    (GmcField::Description, "description"),
    (GmcField::Link, "link"),
    (GmcField::ImageLink, "image_link"),
    (GmcField::AdditionalImageLink, "additional_image_link"),
    (GmcField::Availability, "availability"),
    (GmcField::Price, "price"),
    (GmcField::SalePrice, "sale_price"),
    (GmcField::Brand, "brand"),
    (GmcField::Gtin, "gtin"),
    (GmcField::Mpn, "mpn"),
    (GmcField::Condition, "condition"),
    (GmcField::GoogleProductCategory, "google_product_category"),
    (GmcField::ProductType, "product_type"),
    (GmcField::ItemGroupId, "item_group_id"),
    (GmcField::Color, "color"),
    (GmcField::Size, "size"),
    (GmcField::Gender, "gender"),
    (GmcField::AgeGroup, "age_group"),
    (GmcField::Material, "material"),
    (GmcField::Pattern, "pattern"),
];

impl GmcField {
    /// The attribute's name in the Merchant Center specification (`image_link`).
    pub(crate) fn name(self) -> &'static str {
        FIELDS[self as usize].1
    }

    /// Whether the field may be given many times (in a TSV by repeating its column): only the
    /// additional images are.
    pub(crate) fn repeats(self) -> bool {
        self == GmcField::AdditionalImageLink
    }

    /// Reads an attribute name as TSV headers and XML elements write it: case-insensitive, with
    /// or without the `g:` prefix, with spaces or dashes for underscores (`Image Link`).
    pub(crate) fn from_name(raw: &str) -> Option<GmcField> {
        let trimmed = raw.trim().trim_matches('"').trim();
        let lower = trimmed.to_ascii_lowercase();
        let bare = lower.strip_prefix("g:").unwrap_or(&lower);
        let norm: String = bare
            .trim()
            .chars()
            .map(|c| if c == ' ' || c == '-' { '_' } else { c })
            .collect();
        let norm = if norm == "colour" {
            "color".to_string()
        } else {
            norm
        };
        FIELDS
            .iter()
            .find(|(_, name)| *name == norm)
            .map(|(field, _)| *field)
    }
}

/// The raw values of one GMC item, as many per attribute as the item gives (XML repeats
/// `additional_image_link`; a TSV may repeat a column).
#[derive(Debug, Default, Clone)]
pub(crate) struct GmcItem {
    values: [Vec<String>; FIELD_COUNT],
}

impl GmcItem {
    /// Adds a value of `field`; past [`super::bounds::LIST_GATHER_CAP`] values of one field
    /// (an XML item repeating an element thousands of times) the rest are ignored.
    pub(crate) fn push(&mut self, field: GmcField, value: String) {
        let values = &mut self.values[field as usize];
        if values.len() < super::bounds::LIST_GATHER_CAP {
            values.push(value);
        }
    }

    pub(crate) fn has(&self, field: GmcField) -> bool {
        self.first(field).is_some()
    }

    /// The first non-blank value, trimmed.
    pub(crate) fn first(&self, field: GmcField) -> Option<&str> {
        self.values[field as usize]
            .iter()
            .map(|v| v.trim())
            .find(|v| !v.is_empty())
    }

    /// The attributes the item gives more than once with different values (other than those
    /// that may repeat): the first is read, the others are ignored.
    pub(crate) fn repeated(&self) -> Vec<GmcField> {
        FIELDS
            .iter()
            .map(|(field, _)| *field)
            .filter(|field| !field.repeats())
            .filter(|field| {
                let mut values = self.values[*field as usize]
                    .iter()
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty());
                let first = values.next();
                values.any(|v| Some(v) != first)
            })
            .collect()
    }

    fn all(&self, field: GmcField) -> impl Iterator<Item = &str> {
        self.values[field as usize].iter().map(String::as_str)
    }

    fn list(&self, field: GmcField, sep: char) -> Vec<String> {
        let mut out = Vec::new();
        for value in self.all(field) {
            extend_unique(&mut out, split_list(value, sep));
        }
        out
    }
}

/// Checks one item and builds its row. Rejected: no id, no title, a price or sale price that
/// cannot be read, an availability that is missing or unknown (Merchant Center requires it).
/// Dropped with a warning: non-http(s) links, an invalid GTIN, a sale price not lower than
/// the price.
pub(crate) fn build(item: &GmcItem, line: u64, currency: Option<Currency>) -> FeedRow {
    use GmcField as F;
    let mut check = RowCheck::new(line);
    let Some(item_id) = item.first(F::Id).and_then(clean) else {
        return check.reject("id", "id is required");
    };
    check.item(&item_id);
    let Some(title) = item.first(F::Title).and_then(clean) else {
        return check.reject("title", "title is required");
    };
    let prices = match record::gmc_prices(
        &mut check,
        F::Price.name(),
        item.first(F::Price),
        F::SalePrice.name(),
        item.first(F::SalePrice),
        currency,
    ) {
        Ok(prices) => prices,
        Err(rejected) => return rejected,
    };
    let availability = match record::required_availability(
        &check,
        F::Availability.name(),
        item.first(F::Availability),
    ) {
        Ok(a) => a,
        Err(rejected) => return rejected,
    };

    let link = check.url(F::Link.name(), item.first(F::Link));
    let mut image_links = Vec::new();
    if let Some(main) = check.url(F::ImageLink.name(), item.first(F::ImageLink)) {
        image_links.push(main);
    }
    for value in item.all(F::AdditionalImageLink) {
        let urls = check.urls(F::AdditionalImageLink.name(), value);
        extend_unique(&mut image_links, urls);
    }
    let gtin = check.gtin(F::Gtin.name(), item.first(F::Gtin));
    let text = |field| item.first(field).and_then(clean);

    FeedRow::Record(Box::new(FeedRecord {
        line,
        item_id,
        title,
        description: text(F::Description),
        brand: text(F::Brand),
        retailer: None,
        link,
        image_links,
        price: prices.price,
        sale_price: prices.sale_price,
        availability,
        gtin,
        mpn: text(F::Mpn),
        condition: text(F::Condition),
        google_product_category: text(F::GoogleProductCategory),
        product_type: text(F::ProductType),
        item_group_id: text(F::ItemGroupId),
        colours: item.list(F::Color, '/'),
        sizes: item.list(F::Size, ','),
        gender: text(F::Gender),
        age_group: text(F::AgeGroup),
        materials: item.list(F::Material, '/'),
        pattern: text(F::Pattern),
        warnings: check.warnings,
        observations: Vec::new(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_order_matches_the_table() {
        for (i, (field, name)) in FIELDS.iter().enumerate() {
            assert_eq!(*field as usize, i, "{name}");
            assert_eq!(field.name(), *name);
        }
    }

    #[test]
    fn header_names_are_read_leniently() {
        assert_eq!(GmcField::from_name("ID"), Some(GmcField::Id));
        assert_eq!(GmcField::from_name("g:price"), Some(GmcField::Price));
        assert_eq!(
            GmcField::from_name("G:Sale Price"),
            Some(GmcField::SalePrice)
        );
        assert_eq!(
            GmcField::from_name("\"image link\""),
            Some(GmcField::ImageLink)
        );
        assert_eq!(
            GmcField::from_name("item-group-id"),
            Some(GmcField::ItemGroupId)
        );
        assert_eq!(GmcField::from_name("colour"), Some(GmcField::Color));
        assert_eq!(GmcField::from_name("shipping"), None);
        assert_eq!(GmcField::from_name(""), None);
    }
}
