//! What every page shares: the layout's data, the answer and its headers, and addresses.

use askama::Template;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::PAGE_CSP;
use super::error::PageError;

/// What the layout shows around every page.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The page's title (the browser tab reads "… · Pointe").
    pub title: String,
    /// The navigation entry the page belongs to: search, trends, edits or status.
    pub active: &'static str,
    /// The stylesheet's address.
    pub css: &'static str,
}

impl Layout {
    /// The layout of a page titled `title` under the navigation entry `active`.
    pub fn new(title: impl Into<String>, active: &'static str) -> Layout {
        Layout {
            title: title.into(),
            active,
            css: super::assets::CSS_HREF.as_str(),
        }
    }
}

/// A link: where it goes and what it says.
#[derive(Debug, Clone)]
pub struct Link {
    /// The address.
    pub href: String,
    /// The words shown.
    pub text: String,
}

/// A rendered page, answered under the pages' policy.
#[derive(Debug)]
pub struct Html(pub String);

impl IntoResponse for Html {
    fn into_response(self) -> Response {
        (
            [
                (CONTENT_TYPE, "text/html; charset=utf-8"),
                (CONTENT_SECURITY_POLICY, PAGE_CSP),
                (CACHE_CONTROL, "no-cache"),
            ],
            self.0,
        )
            .into_response()
    }
}

/// Renders `page`; a template that fails to render is an internal error.
pub fn render<T: Template>(page: &T) -> Result<Html, PageError> {
    page.render().map(Html).map_err(|e| {
        tracing::error!(error = %e, "a page failed to render");
        PageError::internal()
    })
}

/// Each of `items` with its card, in order; an item past the last card gets an empty one.
pub fn with_cards<T>(
    items: &[T],
    cards: Vec<pointe_app::products::Card>,
) -> impl Iterator<Item = (&T, pointe_app::products::Card)> {
    let mut cards = cards.into_iter();
    items
        .iter()
        .map(move |item| (item, cards.next().unwrap_or_default()))
}

/// What every product card shows: link, image, brand, title, colourway, price, retailer, tier.
#[derive(Debug)]
pub struct CardFace {
    pub href: String,
    pub image: Option<String>,
    pub alt: String,
    pub brand: Option<String>,
    pub title: String,
    /// The colourway, when the title does not name it.
    pub colour: Option<String>,
    pub price: Option<String>,
    pub retailer: Option<String>,
    pub tier: Option<String>,
}

impl CardFace {
    /// The face of the product `id` from what a result says of it and its `card`.
    pub fn new(
        id: &str,
        brand: Option<&str>,
        title: &str,
        price: Option<&str>,
        tier: Option<&str>,
        card: pointe_app::products::Card,
    ) -> CardFace {
        let colour = colourway(title, card.colour.as_deref());
        CardFace {
            href: format!("/products/{}", segment(id)),
            image: card.image_url.as_deref().and_then(http_url),
            alt: card_alt(brand, title, colour.as_deref()),
            brand: brand.map(str::to_string),
            title: title.to_string(),
            colour,
            price: price.map(str::to_string),
            retailer: card.retailer,
            tier: tier.map(label),
        }
    }
}

/// The colour a card names beside its title: the feed's colour, unless the title already
/// says it ("Black Leather Boots" needs no "Black").
pub fn colourway(title: &str, colour: Option<&str>) -> Option<String> {
    let colour = colour?.trim();
    let folded = pointe_core::text::fold_key(title);
    let key = pointe_core::text::fold_key(colour);
    let named = format!(" {folded} ").contains(&format!(" {key} "));
    (!key.is_empty() && !named).then(|| colour.to_string())
}

/// The text that names a card's product to a screen reader: brand, title and colourway.
pub fn card_alt(brand: Option<&str>, title: &str, colour: Option<&str>) -> String {
    let mut alt = match brand {
        Some(b) => format!("{b} {title}"),
        None => title.to_string(),
    };
    if let Some(c) = colour {
        alt.push_str(", ");
        alt.push_str(c);
    }
    alt
}

/// `raw` when it is an absolute http or https address (feeds may write anything, and only
/// these may become links or image sources).
pub fn http_url(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// `text` as one path segment.
pub fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `path` with `pairs` as its query string (none when empty).
pub fn href(path: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        query.append_pair(k, v);
    }
    format!("{path}?{}", query.finish())
}

/// A taxonomy id or key for people: `ballet_flats` reads "ballet flats".
pub fn label(id: &str) -> String {
    id.replace('_', " ")
}

/// Stock as a shopper reads it, from the store's name (`in_stock`) or schema.org's
/// (`InStock`): "In stock", "Out of stock", "Pre-order", "Back-order".
pub fn availability(raw: &str) -> String {
    use pointe_core::domain::Availability;
    match Availability::parse(raw) {
        Some(Availability::InStock) => "In stock".into(),
        Some(Availability::OutOfStock) => "Out of stock".into(),
        Some(Availability::Preorder) => "Pre-order".into(),
        Some(Availability::Backorder) => "Back-order".into(),
        None => label(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_names_the_colour_its_title_does_not() {
        let day = "The Italian Leather Day Ballet Flat";
        assert_eq!(colourway(day, Some("Camel")).as_deref(), Some("Camel"));
        assert_eq!(colourway("Black Leather Boots", Some("black")), None);
        assert_eq!(
            colourway("Blackwatch Check Shirt", Some("Black")).as_deref(),
            Some("Black")
        );
        assert_eq!(colourway(day, Some(" ")), None);
        assert_eq!(colourway(day, None), None);
        assert_eq!(
            card_alt(Some("Everlane"), day, Some("Camel")),
            format!("Everlane {day}, Camel")
        );
    }

    #[test]
    fn stock_reads_as_words_in_either_spelling() {
        assert_eq!(availability("InStock"), "In stock");
        assert_eq!(availability("in_stock"), "In stock");
        assert_eq!(availability("OutOfStock"), "Out of stock");
        assert_eq!(availability("PreOrder"), "Pre-order");
        assert_eq!(availability("backorder"), "Back-order");
    }

    #[test]
    fn only_http_addresses_are_kept() {
        assert_eq!(
            http_url("https://shop.example/a b").as_deref(),
            Some("https://shop.example/a%20b")
        );
        assert!(http_url("http://shop.example/x").is_some());
        for hostile in [
            "javascript:alert(1)",
            "data:text/html,<b>",
            "//evil.example",
            "ftp://x",
        ] {
            assert_eq!(http_url(hostile), None, "{hostile}");
        }
    }

    #[test]
    fn segments_and_queries_are_encoded() {
        assert_eq!(segment("ballet core/x+y"), "ballet%20core%2Fx%2By");
        let pairs = vec![("q".to_string(), "flats & \"bows\"".to_string())];
        assert_eq!(href("/search", &pairs), "/search?q=flats+%26+%22bows%22");
        assert_eq!(href("/search", &[]), "/search");
    }
}
