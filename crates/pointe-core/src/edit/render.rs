//! Renderers: an [`EditView`] as Markdown for a magazine page, as an embeddable HTML widget with
//! schema.org JSON-LD, and as JSON for a CMS.
//!
//! Every renderer is a pure function of the view. Everything in a view that came from a feed
//! (titles, brands, retailers, blurbs, URLs) is untrusted: text is escaped for the output's
//! context, and a URL is printed only when it parses as `http` or `https`, in its normalised
//! (percent-encoded) form. A URL that fails the check is dropped, with no link or image in its
//! place, rather than "repaired".

mod html;
mod json_ld;
mod markdown;

use serde_json::Value;
use url::Url;

use crate::catalog::MoneyView;
use crate::edit::view::{EditView, Family, PickView};
use crate::money::{Currency, Money};

/// Renders an edit as a magazine shopping module in Markdown (CommonMark with GitHub's
/// strikethrough).
///
/// The layout is `# Title`, the standfirst, the byline, the trend line, then the hero and each
/// pick as `**Brand Name, £price | Retailer**`, its notice in italics, its blurb and a
/// `[Buy now](buy_url)` link. Whole amounts drop their `.00` (`£35`, but `£29.99`); a sale shows
/// `~~£120~~ £95`. Feed text is escaped so it renders as the same text and nothing else; a link
/// is printed only for an http(s) URL.
pub fn markdown(view: &EditView) -> String {
    markdown::render(view)
}

/// Renders an edit as a self-contained HTML widget to embed in any page.
///
/// The fragment is one `<section class="pointe-edit">` holding its own `<style>` (every rule
/// scoped under that class), the hero and a grid of cards that wraps on narrow screens, and a
/// `<script type="application/ld+json">` data block with the schema.org [`json_ld`]. It needs
/// no JavaScript. Every piece of feed text is escaped (`& < > " '`); links and images are
/// printed only for http(s) URLs; buy links carry `rel="sponsored noopener"` and open in a new
/// tab.
pub fn html(view: &EditView) -> String {
    html::render(view, html::Headings::EMBEDDED)
}

/// The same widget as [`html`] for a page of its own (the edit's public page): its title is
/// the page's `h1` and each card's name an `h2`, where an embedded widget, below its host's
/// headings, uses `h2` and `h3`.
pub fn html_page(view: &EditView) -> String {
    html::render(view, html::Headings::PAGE)
}

/// The edit as JSON for a CMS: the view's fields plus the schema.org object under `"json_ld"`.
///
/// The view's URL fields (`url`, `buy_url`, `image_url` of the hero and every pick) are
/// replaced by their normalised form when they are http(s), and by `null` otherwise, so a CMS
/// that prints them unchecked cannot be handed a `javascript:` link. Text is left as it is:
/// the CMS must escape it for wherever it prints it.
pub fn json(view: &EditView) -> Value {
    let mut value =
        serde_json::to_value(view).unwrap_or_else(|_| Value::Object(Default::default()));
    if let Some(hero) = value.get_mut("hero") {
        sanitize_pick_urls(hero);
    }
    if let Some(Value::Array(picks)) = value.get_mut("picks") {
        picks.iter_mut().for_each(sanitize_pick_urls);
    }
    if let Value::Object(map) = &mut value {
        map.insert("json_ld".to_string(), json_ld(view));
    }
    value
}

/// The edit as a schema.org `ItemList` of `Product`s, one `ListItem` per piece (the hero first),
/// each with its `Offer`.
///
/// A piece without a price has no `offers`; an unknown availability, or a URL that is not
/// http(s), leaves its property out. The value is plain data: to put it in a `<script>`
/// element, use [`html`], which also escapes `<`, `>` and `&`.
pub fn json_ld(view: &EditView) -> Value {
    json_ld::item_list(view)
}

fn sanitize_pick_urls(pick: &mut Value) {
    for key in ["url", "buy_url", "image_url"] {
        if let Some(slot) = pick.get_mut(key) {
            let safe = slot.as_str().and_then(safe_url);
            *slot = safe.map_or(Value::Null, |u| Value::String(u.into()));
        }
    }
}

/// Parses `raw` and keeps it only when it is an absolute `http` or `https` URL with a host.
///
/// The WHATWG parser strips leading and trailing spaces and control characters and removes
/// tabs and newlines anywhere, exactly as a browser does, so ` javascript:` and `java\tscript:`
/// are seen for what a browser would see; the scheme comes back lower-cased, so `JaVaScRiPt:`
/// is caught too. The returned URL serialises percent-encoded: no space, `"`, `<` or `>`.
pub(crate) fn safe_url(raw: &str) -> Option<Url> {
    let url = Url::parse(raw).ok()?;
    let web = matches!(url.scheme(), "http" | "https");
    let has_host = url.host_str().is_some_and(|h| !h.is_empty());
    (web && has_host).then_some(url)
}

/// Feed text made fit to print: runs of whitespace (newlines included) become one space, other
/// control characters go, and the ends are trimmed.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.chars() {
        if ch.is_whitespace() {
            pending_space = !out.is_empty();
        } else if !ch.is_control() {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(ch);
        }
    }
    out
}

/// A price as a magazine prints it: the display form without an all-zero fraction or the
/// converted mark (`£35`, `£1,299`, `£29.99`, `€40`). See [`reader_price`] for what readers
/// are shown.
pub(crate) fn short_price(money: &MoneyView) -> String {
    let display = if money.display.trim().is_empty() {
        format!("{} {}", money.currency, money.amount)
    } else {
        money.display.trim().trim_start_matches('≈').to_string()
    };
    drop_zero_fraction(display)
}

/// A price as readers read it: [`short_price`], said to be "about" that when it was converted
/// from another currency ("about £17.56").
pub(crate) fn reader_price(money: &MoneyView) -> String {
    let short = short_price(money);
    if money.approx == Some(true) {
        format!("about {short}")
    } else {
        short
    }
}

fn drop_zero_fraction(display: String) -> String {
    match display.rsplit_once('.') {
        Some((whole, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => {
            whole.to_string()
        }
        _ => display,
    }
}

/// What a pick saves against the hero.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Saving {
    /// In readers' words: "Save £515", or "£50 more" when it costs more, with "about" when
    /// either price was converted.
    pub text: String,
    /// Whether the pick is the cheaper.
    pub cheaper: bool,
}

/// What `pick` saves against `hero`; `None` when either price is unreadable, they are in
/// different currencies, or they are the same.
pub(crate) fn saving(pick: &MoneyView, hero: &MoneyView) -> Option<Saving> {
    let money = |m: &MoneyView| {
        let currency = Currency::from_code(&m.currency)?;
        Money::from_amount_str(&m.amount, currency).ok()
    };
    let (pick_money, hero_money) = (money(pick)?, money(hero)?);
    if pick_money.currency != hero_money.currency || pick_money.minor == hero_money.minor {
        return None;
    }
    let difference = hero_money.minor.checked_sub(pick_money.minor)?;
    let about = pick.approx == Some(true) || hero.approx == Some(true);
    let mut minor = difference.checked_abs()?;
    if about {
        // An estimate is given in whole units: "about £415", not "about £415.44".
        let unit = 10i64.pow(pick_money.currency.minor_units());
        minor = (minor + unit / 2) / unit * unit;
    }
    let amount = drop_zero_fraction(Money::new(minor, pick_money.currency).to_string());
    let cheaper = difference > 0;
    let text = match (cheaper, about) {
        (true, false) => format!("Save {amount}"),
        (true, true) => format!("Save about {amount}"),
        (false, false) => format!("{amount} more"),
        (false, true) => format!("About {amount} more"),
    };
    Some(Saving { text, cheaper })
}

/// The schema.org `ItemAvailability` values, by their short name.
pub(crate) const ITEM_AVAILABILITY: [&str; 12] = [
    "BackOrder",
    "Discontinued",
    "InStock",
    "InStoreOnly",
    "LimitedAvailability",
    "MadeToOrder",
    "OnlineOnly",
    "OutOfStock",
    "PreOrder",
    "PreSale",
    "Reserved",
    "SoldOut",
];

/// The schema.org availability a view's `availability` names (`InStock`, `in_stock`,
/// `https://schema.org/InStock` all work), or `None` when it names none.
pub(crate) fn availability(raw: &str) -> Option<&'static str> {
    let raw = raw.trim();
    let short = raw
        .strip_prefix("https://schema.org/")
        .or_else(|| raw.strip_prefix("http://schema.org/"))
        .unwrap_or(raw);
    let key: String = short
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    ITEM_AVAILABILITY
        .into_iter()
        .find(|name| name.to_ascii_lowercase() == key)
}

/// What readers are told about availability when there is no notice: nothing when it can be
/// bought now.
fn availability_label(name: &str) -> Option<&'static str> {
    Some(match name {
        "OutOfStock" => "Out of stock",
        "SoldOut" => "Sold out",
        "Discontinued" => "No longer sold",
        "PreOrder" | "PreSale" => "Pre-order",
        "BackOrder" => "Back order",
        "InStoreOnly" => "In store only",
        "LimitedAvailability" => "Few left",
        _ => return None,
    })
}

/// A pick's price tier as shown on its badge: a CSS modifier made from the tier's name
/// (letters, digits and `-` only, so it is safe in a class attribute) and the label readers
/// see, both from `tiers.toml` through the view.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TierBadge {
    /// `high-street` for `high_street`; empty when the name has no letter or digit.
    pub modifier: String,
    /// The label, cleaned ("High street"); the name when the view has no label.
    pub label: String,
}

fn tier_badge(name: &str, label: Option<&str>) -> Option<TierBadge> {
    let modifier: String = name
        .trim()
        .chars()
        .map(|c| match c {
            '_' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let label = label
        .map(clean)
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| clean(name));
    (!label.is_empty()).then_some(TierBadge { modifier, label })
}

/// One piece of an edit, checked and cleaned once for every renderer: text is cleaned (not yet
/// escaped), URLs are safe.
#[derive(Debug)]
pub(crate) struct Card {
    /// The brand, cleaned; `None` when absent or blank.
    pub brand: Option<String>,
    /// The product name, cleaned.
    pub name: String,
    /// Brand and name as a magazine writes it: "M&S Leather Bow Ballet Pumps" (the brand is not
    /// repeated when the name already starts with it).
    pub full_name: String,
    /// The retailer, cleaned.
    pub retailer: Option<String>,
    /// Where the buy link goes: `buy_url`, else `url`, when http(s).
    pub buy: Option<Url>,
    /// The product page, when http(s).
    pub page: Option<Url>,
    /// The image, when http(s).
    pub image: Option<Url>,
    /// The price to pay as readers read it ("£35", "about £17.56").
    pub price: Option<String>,
    /// The price in the offer's own currency when `price` is converted ("₹1,599"), for the
    /// small print.
    pub original: Option<String>,
    /// The struck-through reference price, short form, only when it differs from `price`.
    pub was: Option<String>,
    /// What it saves against the hero ("Save £515", "£50 more"); `None` for the hero.
    pub saving: Option<Saving>,
    /// The kind of product, for its image placeholder.
    pub family: Family,
    /// The schema.org availability, when the view names one.
    pub availability: Option<&'static str>,
    /// The tier badge.
    pub tier: Option<TierBadge>,
    /// What readers are told in italics: the notice, else a stock label ("Out of stock").
    pub status: Option<String>,
    /// The blurb, cleaned (may be empty).
    pub blurb: String,
}

impl Card {
    /// The card of `pick`; `hero` is the hero's price its saving is measured against (`None`
    /// for the hero itself).
    pub(crate) fn new(pick: &PickView, hero: Option<&MoneyView>) -> Card {
        let brand = pick.brand.as_deref().map(clean).filter(|b| !b.is_empty());
        let name = clean(&pick.name);
        let full_name = match &brand {
            Some(b) if !starts_with_ignore_case(&name, b) => {
                if name.is_empty() {
                    b.clone()
                } else {
                    format!("{b} {name}")
                }
            }
            _ => name.clone(),
        };
        let price = pick.price.as_ref().map(reader_price);
        let original = pick
            .price
            .as_ref()
            .and(pick.original_price.as_ref())
            .map(short_price);
        let was = pick
            .was_price
            .as_ref()
            .map(short_price)
            .filter(|w| pick.price.as_ref().is_some_and(|p| short_price(p) != *w));
        let saving = match (&pick.price, hero) {
            (Some(price), Some(hero)) => saving(price, hero),
            _ => None,
        };
        let availability = availability(&pick.availability);
        let status = pick
            .notice
            .as_deref()
            .map(clean)
            .filter(|n| !n.is_empty())
            .or_else(|| {
                availability
                    .and_then(availability_label)
                    .map(str::to_string)
            });
        Card {
            brand,
            name,
            full_name,
            retailer: pick
                .retailer
                .as_deref()
                .map(clean)
                .filter(|r| !r.is_empty()),
            buy: pick
                .buy_url
                .as_deref()
                .or(pick.url.as_deref())
                .and_then(safe_url),
            page: pick.url.as_deref().and_then(safe_url),
            image: pick.image_url.as_deref().and_then(safe_url),
            price,
            original,
            was,
            saving,
            family: pick.family,
            availability,
            tier: pick
                .tier
                .as_deref()
                .and_then(|t| tier_badge(t, pick.tier_label.as_deref())),
            status,
            blurb: clean(&pick.blurb),
        }
    }

    /// Whether it cannot be bought now, so the link says "View" rather than "Buy now".
    pub(crate) fn unavailable(&self) -> bool {
        matches!(
            self.availability,
            Some("OutOfStock" | "SoldOut" | "Discontinued")
        )
    }
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    let mut chars = text.chars().flat_map(char::to_lowercase);
    prefix
        .chars()
        .flat_map(char::to_lowercase)
        .all(|p| chars.next() == Some(p))
}

/// A date as readers read it: `2026-12-02` is "2 Dec 2026"; text that is not a date is
/// shown cleaned.
pub(crate) fn reader_date(raw: &str) -> String {
    let text = clean(raw);
    match text
        .get(..10)
        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
    {
        Some(date) => date.strftime("%-d %b %Y").to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use pulldown_cmark::{Event, Options, Parser, Tag};
    use scraper::{ElementRef, Html, Selector};

    use super::*;
    use crate::money::{Currency, Money};

    fn gbp(pence: i64) -> MoneyView {
        MoneyView::exact(Money::new(pence, Currency::from_code("GBP").unwrap()))
    }

    fn pick(id: &str, brand: &str, name: &str, retailer: &str, pence: i64, tier: &str) -> PickView {
        PickView {
            product_id: id.to_string(),
            brand: Some(brand.to_string()),
            name: name.to_string(),
            retailer: Some(retailer.to_string()),
            url: Some(format!("https://shop.example/{id}")),
            buy_url: Some(format!(
                "https://go.example/click?id={id}&url=shop.example%2F{id}"
            )),
            image_url: Some(format!("https://img.example/{id}.jpg")),
            price: Some(gbp(pence)),
            original_price: None,
            was_price: None,
            tier: Some(tier.to_string()),
            tier_label: crate::tiers::Tiers::bundled()
                .label(tier)
                .map(str::to_string),
            family: Family::Footwear,
            availability: "InStock".to_string(),
            blurb: String::new(),
            notice: None,
        }
    }

    fn balletcore() -> EditView {
        let mut hero = pick(
            "p-miumiu-flats",
            "Miu Miu",
            "Logo-patch satin ballet flats",
            "Net-a-Porter",
            55_000,
            "luxury",
        );
        hero.blurb = "The pair that started it: pale satin, a wisp of ribbon, a logo you only \
                      notice up close."
            .to_string();
        let mut ms = pick(
            "p-ms-bow",
            "M&S",
            "Leather Bow Ballet Pumps",
            "Marks & Spencer",
            3_500,
            "high_street",
        );
        ms.blurb = "The same satin-pink softness in supple leather, with the bow doing the \
                    talking."
            .to_string();
        let mut everlane = pick(
            "p-everlane-day",
            "Everlane",
            "The Day Ballet Flat",
            "Everlane",
            14_200,
            "premium",
        );
        everlane.blurb = "Cushioned enough for a commute, pared back enough for everything.".into();
        let mut arket = pick(
            "p-arket-mesh",
            "Arket",
            "Mesh Ballet Flats",
            "Arket",
            13_500,
            "premium",
        );
        arket.blurb = "Sheer mesh for the barely-there version of the look.".into();
        // Sold in euros: converted at the day's rate, so shown as "about".
        let gbp_code = Currency::from_code("GBP").unwrap();
        let rate_day: jiff::civil::Date = "2026-01-09".parse().unwrap();
        arket.price = Some(MoneyView::converted(
            Money::new(13_456, gbp_code),
            Some(rate_day),
        ));
        arket.original_price = Some(MoneyView::exact(Money::new(
            15_500,
            Currency::from_code("EUR").unwrap(),
        )));
        let mut mango = pick(
            "p-mango-bow",
            "Mango",
            "Bow leather ballerinas",
            "Mango",
            3_600,
            "high_street",
        );
        mango.blurb = "A sharper square toe and a neat bow, at a high-street price.".into();
        let mut sale = pick(
            "p-stories-satin",
            "& Other Stories",
            "Satin ballet flats",
            "& Other Stories",
            9_500,
            "premium",
        );
        sale.was_price = Some(gbp(12_000));
        sale.blurb = "Closest to the Miu Miu satin, and now reduced.".into();
        EditView {
            slug: "balletcore-ballet-flats".into(),
            title: "Balletcore: the ballet flats to buy now".into(),
            standfirst: Some(
                "Soft, flat and a little romantic: the ballet flat is the shoe of the season, \
                 at every price."
                    .into(),
            ),
            author: Some("Pointe Editors".into()),
            trend_line: Some("Pinterest: up 1,566%".into()),
            trend_note: None,
            currency: "GBP".into(),
            hero,
            picks: vec![ms, everlane, arket, mango, sale],
            unavailable: vec![crate::edit::view::UnavailableView {
                product_id: "p-zara-mesh".into(),
                brand: Some("Zara".into()),
                name: "Mesh ballet flats".into(),
                status: "out_of_stock".into(),
                reason: "out of stock at Zara".into(),
            }],
            prices_checked: "2026-01-10".into(),
            refreshed_at: Some("2026-01-10T09:30:00Z".into()),
            disclosure: Some(
                "We may earn a commission when you buy through links on this page.".into(),
            ),
        }
    }

    const XSS_SCRIPT: &str = "<script>alert(1)</script>";
    const XSS_ATTR: &str = "\"><img src=x onerror=alert(1)>";
    const XSS_MD: &str = "[click](javascript:alert(1))";
    const XSS_CLOSE: &str = "</script><script>alert(1)</script><!--";

    fn hostile() -> EditView {
        let mut hero = pick(
            "h0",
            XSS_ATTR,
            XSS_SCRIPT,
            "O'Brien \"&\" <b>Co</b>",
            55_000,
            "luxury",
        );
        hero.url = Some("javascript:alert(1)".into());
        hero.buy_url = Some("JaVaScRiPt:alert(1)".into());
        hero.image_url = Some("data:text/html,<script>alert(1)</script>".into());
        hero.blurb =
            format!("{XSS_MD} <a href=\"javascript:alert(1)\">x</a> **b** _u_ `c` | ~~s~~");

        let mut spaced = pick(
            "h1",
            "Brand",
            XSS_CLOSE,
            XSS_SCRIPT,
            3_500,
            "\"><script>x</script>",
        );
        spaced.url = Some(" javascript:alert(1)".into());
        spaced.buy_url = Some("\tjava\nscript:alert(1)".into());
        spaced.image_url = Some("https://img.example/a.jpg\" onerror=\"alert(1)".into());
        spaced.notice = Some(format!("*bold* {XSS_MD}"));
        spaced.blurb = "- not a list\n# not a heading\n1. not a list".into();

        let mut quoted = pick(
            "h2",
            "Quote's \"Brand\"",
            "Name with 'quotes' and \"doubles\"",
            XSS_ATTR,
            2_999,
            "premium",
        );
        quoted.url = Some("https://shop.example/p?q=\"><script>alert(1)</script>&x='y'".into());
        quoted.buy_url = Some("https://shop.example/a)[x](javascript:alert(1))?q=<b>".into());
        quoted.image_url = Some("vbscript:msgbox(1)".into());
        quoted.was_price = Some(gbp(12_000));

        let mut data = pick("h3", "Data", "Data URL", "Data", 1_000, "high_street");
        data.url = Some("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==".into());
        data.buy_url = None;
        data.image_url = Some("//img.example/no-scheme.jpg".into());
        data.availability = "javascript:alert(1)".into();

        EditView {
            slug: "\"><script>alert(1)</script>".into(),
            title: XSS_CLOSE.into(),
            standfirst: Some(format!("{XSS_MD}\n# Injected heading\n- injected list")),
            author: Some("<img src=x onerror=alert(1)>".into()),
            trend_line: Some(XSS_SCRIPT.into()),
            trend_note: Some(format!("{XSS_MD} down 5%")),
            currency: "GBP".into(),
            hero,
            picks: vec![spaced, quoted, data],
            unavailable: Vec::new(),
            prices_checked: "<b>now</b>".into(),
            refreshed_at: Some("<b>now</b>".into()),
            disclosure: Some(format!("{XSS_SCRIPT} {XSS_MD}")),
        }
    }

    #[test]
    fn balletcore_markdown() {
        insta::assert_snapshot!(markdown(&balletcore()));
    }

    #[test]
    fn balletcore_html() {
        insta::assert_snapshot!(html(&balletcore()));
    }

    #[test]
    fn balletcore_json() {
        insta::assert_json_snapshot!(json(&balletcore()));
    }

    #[test]
    fn markdown_prices_drop_zero_pence_and_strike_the_reference_price() {
        let md = markdown(&balletcore());
        assert!(md.contains("**M&S Leather Bow Ballet Pumps, £35 | Marks & Spencer**"));
        assert!(
            md.contains("**& Other Stories Satin ballet flats, ~~£120~~ £95 | & Other Stories**")
        );
        assert!(md.contains("*Prices checked 10 Jan 2026.*"), "{md}");
        assert_eq!(short_price(&gbp(2_999)), "£29.99");
        assert_eq!(short_price(&gbp(129_900)), "£1,299");
        let yen = MoneyView::exact(Money::new(1200, Currency::from_code("JPY").unwrap()));
        assert_eq!(short_price(&yen), "¥1,200");
        let converted =
            MoneyView::converted(Money::new(4000, Currency::from_code("EUR").unwrap()), None);
        assert_eq!(short_price(&converted), "€40");
        assert_eq!(reader_price(&converted), "about €40");
        assert_eq!(reader_price(&gbp(3_500)), "£35");
    }

    // --- the widget a reader sees ------------------------------------------------------------

    #[test]
    fn each_pick_shows_its_saving_against_the_hero_or_what_it_costs_more() {
        let md = markdown(&balletcore());
        assert!(
            md.contains("**M&S Leather Bow Ballet Pumps, £35 | Marks & Spencer** · Save £515"),
            "{md}"
        );
        let save = |pick: i64, hero: i64| saving(&gbp(pick), &gbp(hero)).map(|s| s.text);
        assert_eq!(save(3_500, 55_000).as_deref(), Some("Save £515"));
        assert_eq!(save(2_499, 55_000).as_deref(), Some("Save £525.01"));
        assert_eq!(save(10_000, 5_000).as_deref(), Some("£50 more"));
        assert_eq!(save(5_000, 5_000), None, "the same price saves nothing");
        let converted =
            MoneyView::converted(Money::new(1_756, Currency::from_code("GBP").unwrap()), None);
        let about = saving(&converted, &gbp(55_000)).unwrap();
        assert_eq!(about.text, "Save about £532");
        assert!(about.cheaper);
        let euros = MoneyView::exact(Money::new(1_000, Currency::from_code("EUR").unwrap()));
        assert_eq!(
            saving(&euros, &gbp(55_000)),
            None,
            "no saving across currencies"
        );

        let mut view = balletcore();
        view.picks[0].price = Some(gbp(60_000));
        let html = html(&view);
        assert!(
            html.contains(
                "<p class=\"pointe-edit__saving pointe-edit__saving--dearer\">£50 more</p>"
            ),
            "{html}"
        );
        assert!(html.contains("<p class=\"pointe-edit__saving\">Save £408</p>"));
        // The hero saves nothing against itself.
        let hero_card = html
            .split_once("<article class=\"pointe-edit__hero\">")
            .and_then(|(_, rest)| rest.split_once("</article>"))
            .unwrap()
            .0;
        assert!(!hero_card.contains("pointe-edit__saving"), "{hero_card}");
    }

    #[test]
    fn a_converted_price_reads_about_with_the_original_in_small_print() {
        let view = balletcore();
        let md = markdown(&view);
        assert!(
            md.contains(
                "**Arket Mesh Ballet Flats, about £134.56 (€155) | Arket** · Save about £415"
            ),
            "{md}"
        );
        let html = html(&view);
        assert!(
            html.contains(
                "<span class=\"pointe-edit__now\">about £134.56</span><small class=\"pointe-edit__orig\"><span class=\"pointe-edit__vh\">converted from </span>€155</small>"
            ),
            "{html}"
        );
        for out in [&md, &html] {
            assert!(!out.contains('≈'), "an internal mark is shown:\n{out}");
        }
        // Search engines are told the offer's own price, not the estimate.
        let offer = &json_ld(&view)["itemListElement"][3]["item"]["offers"];
        assert_eq!(offer["price"], "155.00");
        assert_eq!(offer["priceCurrency"], "EUR");
        // A price not shown shows no original either.
        let mut stale = view.picks[2].clone();
        stale.price = None;
        assert_eq!(Card::new(&stale, None).original, None);
    }

    #[test]
    fn a_product_without_a_picture_shows_the_outline_of_its_kind() {
        let mut view = balletcore();
        let outlines: Vec<String> = Family::ALL
            .iter()
            .map(|family| {
                view.picks[0].image_url = None;
                view.picks[0].family = *family;
                let out = html(&view);
                let doc = Html::parse_fragment(&out);
                let media: Vec<ElementRef> = doc
                    .select(&Selector::parse(".pointe-edit__media").unwrap())
                    .collect();
                assert_eq!(media.len(), 1 + view.picks.len());
                let pick = media[1];
                assert_eq!(
                    pick.value().attr("class").unwrap(),
                    format!("pointe-edit__media pointe-edit__media--{}", family.as_str())
                );
                assert_eq!(pick.select(&Selector::parse("img").unwrap()).count(), 0);
                let svg = pick
                    .select(&Selector::parse("svg").unwrap())
                    .next()
                    .expect("an outline");
                assert_eq!(svg.value().attr("aria-hidden"), Some("true"));
                svg.inner_html()
            })
            .collect();
        let distinct: std::collections::BTreeSet<&String> = outlines.iter().collect();
        assert_eq!(distinct.len(), Family::ALL.len(), "one outline per kind");
        // Pictures are shown whole, never stretched or cropped, and a picture that fails to
        // load is covered by its kind's outline.
        let out = html(&balletcore());
        assert!(out.contains("object-fit:contain"));
        assert!(!out.contains("object-fit:cover") && !out.contains("object-fit:fill"));
        for family in Family::ALL {
            let rule = format!(
                ".pointe-edit__media--{} .pointe-edit__img::after{{background-image:url(\"data:image/svg+xml,",
                family.as_str()
            );
            assert!(out.contains(&rule), "{rule}");
        }
        assert_eq!(out.matches("<svg").count(), 0, "every piece has a picture");
    }

    #[test]
    fn families_follow_the_taxonomy() {
        use crate::attributes::{Extractor, Market, ProductText, Taxonomy};
        let extractor = Extractor::new(&Taxonomy::bundled());
        for (title, family) in [
            ("Satin ballet flats", Family::Footwear),
            ("Leather ankle boots", Family::Footwear),
            ("Leather tote bag", Family::Bag),
            ("Floral midi dress", Family::Clothing),
            ("Cotton kurta", Family::Clothing),
            ("Analogue watch with leather strap", Family::Watch),
            ("Gold hoop earrings", Family::Jewellery),
            ("Scented candle", Family::Other),
        ] {
            let attributes = extractor.extract(&ProductText::new(title, Market::Uk));
            assert_eq!(Family::of(Some(&attributes)), family, "{title}");
        }
        assert_eq!(Family::of(None), Family::Other);
    }

    #[test]
    fn tier_badges_style_every_tier_alike_and_name_none() {
        let out = html(&balletcore());
        let (_, rest) = out.split_once("<style>").unwrap();
        let (style, _) = rest.split_once("</style>").unwrap();
        for name in crate::tiers::Tiers::bundled().names() {
            let modifier = tier_badge(name, None).unwrap().modifier;
            assert!(!style.contains(name), "the stylesheet names {name}");
            assert!(
                !style.contains(&modifier),
                "the stylesheet names {modifier}"
            );
        }
        // A tier from a data directory's tiers.toml gets its class and label the same way.
        let mut view = balletcore();
        view.picks[0].tier = Some("Red Carpet".into());
        view.picks[0].tier_label = Some("Red carpet".into());
        assert!(html(&view).contains(
            "<span class=\"pointe-edit__tier pointe-edit__tier--red-carpet\">Red carpet</span>"
        ));
    }

    /// The WCAG 2 contrast ratio of two `#rrggbb` colours.
    fn contrast(a: &str, b: &str) -> f64 {
        let luminance = |hex: &str| {
            let hex = hex.trim_start_matches('#');
            let hex = if hex.len() == 3 {
                hex.chars().flat_map(|c| [c, c]).collect::<String>()
            } else {
                hex.to_string()
            };
            let channel = |i: usize| {
                let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
                if c <= 0.039_28 {
                    c / 12.92
                } else {
                    ((c + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
        };
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn widget_colours_meet_wcag_aa() {
        let out = html(&balletcore());
        let vars: BTreeMap<&str, &str> = out
            .split_once(".pointe-edit{")
            .unwrap()
            .1
            .split(';')
            .filter_map(|decl| decl.strip_prefix("--pe-")?.split_once(':'))
            .filter(|(_, value)| value.starts_with('#'))
            .collect();
        // Every pair of text colour and the background it is printed on, with the ratio it
        // needs: 4.5 for text, 3 for the focus ring and the outlines (non-text).
        let pairs = [
            ("ink", "paper", 4.5),
            ("muted", "paper", 4.5),
            ("accent", "paper", 4.5),
            ("save", "paper", 4.5),
            ("paper", "ink", 4.5),
            ("paper", "accent", 4.5),
            ("ink", "paper", 3.0),
            ("outline", "media", 3.0),
        ];
        for (fg, bg, needed) in pairs {
            let ratio = contrast(vars[fg], vars[bg]);
            assert!(ratio >= needed, "{fg} on {bg}: {ratio:.2} < {needed}");
        }
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        assert!((contrast(vars["muted"], vars["paper"]) - 5.74).abs() < 0.01);
        // Keyboard users see where they are.
        assert!(out.contains(".pointe-edit__buy:focus-visible{outline:3px solid var(--pe-ink)"));
    }

    #[test]
    fn brand_is_not_repeated_when_the_name_starts_with_it() {
        let mut p = pick(
            "x",
            "Mango",
            "MANGO bow flats",
            "Mango",
            3_600,
            "high_street",
        );
        assert_eq!(Card::new(&p, None).full_name, "MANGO bow flats");
        p.brand = None;
        assert_eq!(Card::new(&p, None).full_name, "MANGO bow flats");
        p.brand = Some("Arket".into());
        assert_eq!(Card::new(&p, None).full_name, "Arket MANGO bow flats");
    }

    #[test]
    fn only_web_urls_are_kept() {
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "\u{0}javascript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "//img.example/x.jpg",
            "/relative",
            "http://",
            "file:///etc/passwd",
            "mailto:a@b.example",
        ] {
            assert_eq!(safe_url(bad), None, "{bad:?}");
        }
        assert_eq!(
            safe_url(" https://Shop.Example/a b?q=\"<'>")
                .unwrap()
                .as_str(),
            "https://shop.example/a%20b?q=%22%3C%27%3E"
        );
        assert!(safe_url("HTTP://shop.example").is_some());
    }

    #[test]
    fn availability_accepts_the_spellings_the_catalog_uses() {
        assert_eq!(availability("InStock"), Some("InStock"));
        assert_eq!(availability("in_stock"), Some("InStock"));
        assert_eq!(availability("out_of_stock"), Some("OutOfStock"));
        assert_eq!(
            availability("https://schema.org/PreOrder"),
            Some("PreOrder")
        );
        assert_eq!(availability("javascript:alert(1)"), None);
        assert_eq!(availability(""), None);
    }

    // --- hostile input ---------------------------------------------------------------------

    #[test]
    fn hostile_markdown() {
        insta::assert_snapshot!(markdown(&hostile()));
    }

    #[test]
    fn hostile_html() {
        // The stylesheet is in the Balletcore snapshot; here it would only hide the markup.
        let out = html(&hostile());
        let (head, rest) = out.split_once("<style>").unwrap();
        let (_, tail) = rest.split_once("</style>").unwrap();
        insta::assert_snapshot!(format!("{head}<style>…</style>{tail}"));
    }

    fn is_web(url: &str) -> bool {
        url.starts_with("https://") || url.starts_with("http://")
    }

    #[test]
    fn hostile_markdown_renders_no_markup_from_feed_text() {
        let md = markdown(&hostile());
        let mut links = Vec::new();
        let mut text = String::new();
        let mut headings = 0;
        for event in Parser::new_ext(&md, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES) {
            match event {
                Event::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.to_string()),
                Event::Start(Tag::Heading { .. }) => headings += 1,
                Event::Start(Tag::Paragraph | Tag::Strong | Tag::Emphasis | Tag::Strikethrough) => {
                }
                Event::Start(tag) => panic!("feed text made {tag:?}"),
                Event::Text(t) => text.push_str(&t),
                Event::End(_) | Event::SoftBreak => {}
                other => panic!("feed text made {other:?}"),
            }
        }
        assert_eq!(headings, 1, "only the title is a heading");
        // Only the one pick with a web buy URL gets a link, and it is that URL.
        assert_eq!(
            links,
            ["https://shop.example/a%29%5Bx%5D%28javascript:alert%281%29%29?q=%3Cb%3E"]
        );
        assert!(links.iter().all(|l| is_web(l)));
        for hostile_text in [
            XSS_SCRIPT,
            XSS_ATTR,
            XSS_MD,
            XSS_CLOSE,
            "<img src=x onerror=alert(1)>",
        ] {
            assert!(
                text.contains(hostile_text),
                "{hostile_text:?} not shown as text"
            );
        }
        assert!(text.contains("- not a list # not a heading 1. not a list"));
    }

    #[test]
    fn hostile_html_has_no_injected_elements_attributes_or_urls() {
        let out = html(&hostile());
        // As a host page would embed it, so that any parse error is the widget's.
        let page = format!(
            "<!DOCTYPE html><html><head><title>Host</title></head><body>{out}</body></html>"
        );
        let doc = Html::parse_document(&page);
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);

        // Only the elements the renderer writes exist: nothing from the feed became markup.
        let written = [
            "html", "head", "title", "body", "section", "style", "header", "h2", "p", "article",
            "div", "img", "span", "h3", "s", "small", "a", "ul", "li", "script", "svg", "path",
            "circle",
        ];
        let elements: Vec<ElementRef> = doc
            .root_element()
            .descendants()
            .filter_map(ElementRef::wrap)
            .collect();
        for element in &elements {
            let name = element.value().name();
            assert!(written.contains(&name), "unexpected <{name}>");
            for (attr, value) in element.value().attrs() {
                assert!(!attr.starts_with("on"), "<{name} {attr}={value:?}>");
                if matches!(
                    attr,
                    "href" | "src" | "srcset" | "action" | "formaction" | "poster"
                ) {
                    assert!(is_web(value), "<{name} {attr}={value:?}>");
                }
                assert!(
                    matches!(
                        attr,
                        "class"
                            | "data-pointe-edit"
                            | "href"
                            | "src"
                            | "alt"
                            | "rel"
                            | "target"
                            | "type"
                            | "loading"
                            | "decoding"
                            | "viewBox"
                            | "aria-hidden"
                            | "focusable"
                            | "d"
                            | "cx"
                            | "cy"
                            | "r"
                    ),
                    "unexpected attribute <{name} {attr}={value:?}>"
                );
            }
        }

        // One script element, the JSON-LD, and nothing that looks like another.
        let scripts: Vec<ElementRef> = doc.select(&Selector::parse("script").unwrap()).collect();
        assert_eq!(scripts.len(), 1);
        assert_eq!(scripts[0].value().attr("type"), Some("application/ld+json"));
        assert_eq!(out.to_ascii_lowercase().matches("<script").count(), 1);
        assert_eq!(out.to_ascii_lowercase().matches("</script").count(), 1);
        assert!(!out.to_ascii_lowercase().contains("href=\"javascript"));

        // Attribute values that held quotes came back whole.
        let section = doc
            .select(&Selector::parse("section").unwrap())
            .next()
            .unwrap();
        assert_eq!(
            section.value().attr("data-pointe-edit"),
            Some("\"><script>alert(1)</script>")
        );
        let links: Vec<&str> = doc
            .select(&Selector::parse("a").unwrap())
            .filter_map(|a| a.value().attr("href"))
            .collect();
        assert_eq!(
            links,
            ["https://shop.example/a)[x](javascript:alert(1))?q=%3Cb%3E"]
        );
        let images: Vec<(&str, &str)> = doc
            .select(&Selector::parse("img").unwrap())
            .map(|i| {
                (
                    i.value().attr("src").unwrap(),
                    i.value().attr("alt").unwrap(),
                )
            })
            .collect();
        assert_eq!(
            images,
            [(
                "https://img.example/a.jpg%22%20onerror=%22alert(1)",
                "Brand </script><script>alert(1)</script><!--"
            )]
        );

        // Feed text shows as text.
        let names: Vec<String> = doc
            .select(&Selector::parse("h3").unwrap())
            .map(|h| h.text().collect())
            .collect();
        assert_eq!(names[0], XSS_SCRIPT);
        assert_eq!(names[1], XSS_CLOSE);
        let title: String = doc
            .select(&Selector::parse("h2").unwrap())
            .next()
            .unwrap()
            .text()
            .collect();
        assert_eq!(title, XSS_CLOSE);

        // The JSON-LD parses back, with the hostile text as plain strings and no unsafe URL.
        let ld: Value = serde_json::from_str(&scripts[0].text().collect::<String>()).unwrap();
        assert_eq!(ld, json_ld(&hostile()));
        assert_eq!(ld["name"], XSS_CLOSE);
        assert_eq!(ld["itemListElement"][0]["item"]["name"], XSS_SCRIPT);
        assert_eq!(ld["itemListElement"][0]["item"]["brand"]["name"], XSS_ATTR);
        assert_eq!(ld["itemListElement"][1]["item"]["name"], XSS_CLOSE);
        let mut urls = Vec::new();
        collect_urls(&ld, &mut urls);
        assert!(urls.iter().all(|u| is_web(u)), "{urls:?}");
    }

    fn collect_urls(value: &Value, urls: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("url" | "image", Value::String(s)) => urls.push(s.clone()),
                        _ => collect_urls(v, urls),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_urls(v, urls)),
            _ => {}
        }
    }

    #[test]
    fn json_drops_unsafe_urls_from_the_view() {
        let value = json(&hostile());
        assert_eq!(value["hero"]["url"], Value::Null);
        assert_eq!(value["hero"]["buy_url"], Value::Null);
        assert_eq!(value["hero"]["image_url"], Value::Null);
        assert_eq!(value["hero"]["name"], XSS_SCRIPT);
        assert_eq!(
            value["picks"][1]["url"],
            "https://shop.example/p?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&x=%27y%27"
        );
        assert_eq!(value["json_ld"], json_ld(&hostile()));
    }

    // --- schema.org shape ------------------------------------------------------------------

    /// The schema.org properties the renderer may use, per type, and the type each nested
    /// object property must have. A hand-copied slice of the vocabulary (schema.org v29).
    fn vocabulary() -> BTreeMap<&'static str, Vec<(&'static str, Option<&'static str>)>> {
        BTreeMap::from([
            (
                "ItemList",
                vec![
                    ("itemListElement", Some("ListItem")),
                    ("numberOfItems", None),
                    ("name", None),
                ],
            ),
            (
                "ListItem",
                vec![("position", None), ("item", Some("Product"))],
            ),
            (
                "Product",
                vec![
                    ("name", None),
                    ("brand", Some("Brand")),
                    ("image", None),
                    ("url", None),
                    ("offers", Some("Offer")),
                    ("description", None),
                ],
            ),
            ("Brand", vec![("name", None)]),
            ("Organization", vec![("name", None)]),
            (
                "Offer",
                vec![
                    ("price", None),
                    ("priceCurrency", None),
                    ("availability", None),
                    ("url", None),
                    ("seller", Some("Organization")),
                    ("priceValidUntil", None),
                ],
            ),
        ])
    }

    /// Checks `node` is a `expected` (when given) whose keys are all in the vocabulary, and
    /// recurses; returns how many nodes it checked.
    fn check_node(node: &Value, expected: Option<&str>, path: &str) -> usize {
        let vocabulary = vocabulary();
        let Value::Object(map) = node else {
            panic!("{path}: not an object: {node}");
        };
        let ty = map["@type"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: no @type"));
        if let Some(expected) = expected {
            assert_eq!(ty, expected, "{path}: wrong @type");
        }
        let allowed = vocabulary
            .get(ty)
            .unwrap_or_else(|| panic!("{path}: type {ty} is not in the vocabulary"));
        let mut checked = 1;
        for (key, value) in map {
            if key == "@type" || (key == "@context" && path == "$") {
                continue;
            }
            let (_, range) = allowed
                .iter()
                .find(|(p, _)| p == key)
                .unwrap_or_else(|| panic!("{path}: {ty} has no property {key}"));
            let child = format!("{path}.{key}");
            match (range, value) {
                (Some(range), Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        checked += check_node(item, Some(range), &format!("{child}[{i}]"));
                    }
                }
                (Some(range), _) => checked += check_node(value, Some(range), &child),
                (None, Value::Object(_) | Value::Array(_)) => {
                    panic!("{child}: expected a plain value, got {value}")
                }
                (None, _) => {}
            }
            match key.as_str() {
                "availability" => {
                    let url = value.as_str().unwrap();
                    let name = url.strip_prefix("https://schema.org/").unwrap_or("");
                    assert!(ITEM_AVAILABILITY.contains(&name), "{child}: {url}");
                }
                "price" => {
                    let price = value.as_str().unwrap();
                    assert!(
                        !price.is_empty()
                            && price
                                .split_once('.')
                                .map_or(price, |(w, _)| w)
                                .bytes()
                                .all(|b| b.is_ascii_digit())
                            && price.bytes().all(|b| b.is_ascii_digit() || b == b'.'),
                        "{child}: {price} is not a decimal"
                    );
                }
                "url" | "image" => assert!(is_web(value.as_str().unwrap()), "{child}"),
                "position" | "numberOfItems" => assert!(value.is_u64(), "{child}"),
                _ => {}
            }
        }
        checked
    }

    #[test]
    fn json_ld_uses_only_schema_org_properties() {
        for view in [balletcore(), hostile()] {
            let ld = json_ld(&view);
            assert_eq!(ld["@context"], "https://schema.org");
            check_node(&ld, Some("ItemList"), "$");
            let items = ld["itemListElement"].as_array().unwrap();
            assert_eq!(ld["numberOfItems"], items.len());
            assert_eq!(items.len(), view.picks.len() + 1);
            for (i, item) in items.iter().enumerate() {
                assert_eq!(item["position"], i + 1);
            }
        }
        let ld = json_ld(&balletcore());
        // Every piece of the Balletcore edit has a price, brand, image and seller.
        assert_eq!(check_node(&ld, None, "$"), 1 + 6 * 5);
        assert_eq!(
            ld["itemListElement"][4]["item"]["offers"]["availability"],
            "https://schema.org/InStock"
        );
        assert_eq!(
            ld["itemListElement"][0]["item"]["offers"]["price"],
            "550.00"
        );
        // A sold-out hero says so, and its link only views it.
        let mut sold_out = balletcore();
        sold_out.hero.availability = "SoldOut".into();
        let ld = json_ld(&sold_out);
        assert_eq!(
            ld["itemListElement"][0]["item"]["offers"]["availability"],
            "https://schema.org/SoldOut"
        );
    }

    #[test]
    fn a_sold_out_hero_shows_sold_out_and_every_edit_says_when_prices_were_checked() {
        let mut view = balletcore();
        view.hero.availability = "SoldOut".into();
        let md = markdown(&view);
        assert!(md.contains("*Prices checked 10 Jan 2026.*"), "{md}");
        assert!(md.contains("*Sold out*"), "{md}");
        assert!(
            md.contains("[View](https://go.example/click?id=p-miumiu-flats"),
            "{md}"
        );
        let html = html(&view);
        assert!(html.contains("<p class=\"pointe-edit__checked\">Prices checked 10 Jan 2026.</p>"));
        assert!(
            html.contains("<p class=\"pointe-edit__notice\">Sold out</p>"),
            "{html}"
        );
        let json = json(&view);
        assert_eq!(json["prices_checked"], "2026-01-10");
        assert_eq!(json["picks"][0]["tier_label"], "High street");
        assert_eq!(json["unavailable"][0]["status"], "out_of_stock");
        // Tier badges read the label from tiers.toml, never the id.
        assert!(
            html.contains("pointe-edit__tier--high-street\">High street</span>"),
            "{html}"
        );
        assert!(
            html.contains("pointe-edit__tier--premium\">Mid-range</span>"),
            "{html}"
        );
        assert!(!html.contains(">high_street<"));
    }
}
