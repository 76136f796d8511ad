//! What an edit shows, resolved against the catalog at render time: the input of every renderer.

use serde::Serialize;

use crate::attributes::Attributes;
use crate::catalog::MoneyView;

/// An edit as readers see it now: every price and stock state read from the current offers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EditView {
    /// URL slug, e.g. `balletcore-ballet-flats`.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Standfirst (the line under the headline), if any.
    pub standfirst: Option<String>,
    /// Author, if any.
    pub author: Option<String>,
    /// The trend line printed under "Trending:", e.g. "Pinterest: search volume up 1,566%
    /// (editor's figure)"; `None` when the edit cites no trend, or one that is not rising.
    pub trend_line: Option<String>,
    /// A trend figure printed as a plain line, never under "Trending:": an editor's falling
    /// figure ("Pinterest: down 12%").
    pub trend_note: Option<String>,
    /// ISO 4217 currency every price is shown in.
    pub currency: String,
    /// The hero piece.
    pub hero: PickView,
    /// The picks that can be bought now, in the editor's order.
    pub picks: Vec<PickView>,
    /// The picks that cannot be bought now (out of stock, no buy link, no shop, a price too
    /// old to be current, gone), with the reason: left out of the public renders until they
    /// are refreshed or swapped.
    pub unavailable: Vec<UnavailableView>,
    /// When the prices shown were checked: the date the oldest of them was last seen in its
    /// feed (`2026-12-02`); renderers print it as "Prices checked 2 Dec 2026".
    pub prices_checked: String,
    /// When the edit was last refreshed against the feeds (RFC 3339).
    pub refreshed_at: Option<String>,
    /// The line telling readers that buying through the links may earn a commission: set when
    /// a buy link goes through an affiliate template (see `AffiliateLinks::disclosure`).
    pub disclosure: Option<String>,
}

/// One product of an edit (the hero or a pick) with its current offer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PickView {
    /// Pointe's product id.
    pub product_id: String,
    /// Brand display name.
    pub brand: Option<String>,
    /// Product name.
    pub name: String,
    /// Retailer of the offer shown.
    pub retailer: Option<String>,
    /// The product page of the offer shown (untrusted feed text: renderers must check the
    /// scheme and escape it).
    pub url: Option<String>,
    /// The link to print: `url` passed through the retailer's affiliate template, or `url`.
    pub buy_url: Option<String>,
    /// Main image URL (untrusted).
    pub image_url: Option<String>,
    /// What a shopper pays now, in the edit's currency.
    pub price: Option<MoneyView>,
    /// The price in the offer's own currency when `price` was converted from it (`₹1,599` beside
    /// "about £17.56"); `None` when the offer is priced in the edit's currency.
    pub original_price: Option<MoneyView>,
    /// The struck-through reference price when on sale: the regular price, or the lowest price
    /// of the 30 days before a reduction.
    pub was_price: Option<MoneyView>,
    /// The tier's name, as `tiers.toml` gives it (`high_street`).
    pub tier: Option<String>,
    /// The tier's label for readers, as `tiers.toml` gives it ("High street").
    pub tier_label: Option<String>,
    /// The kind of product, which picks the outline shown when it has no image or its image
    /// fails to load.
    pub family: Family,
    /// schema.org availability: `InStock`, `OutOfStock`, `PreOrder`, `BackOrder`.
    pub availability: String,
    /// The blurb (empty for the hero unless the editor wrote one).
    pub blurb: String,
    /// A note for readers or editors when the offer is stale, gone or out of stock.
    pub notice: Option<String>,
}

/// The kinds of product a widget draws its own outline for, read from the category's place in
/// the taxonomy (`ballet_flats` is under `shoes`, so footwear).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Shoes, boots, sandals, trainers.
    Footwear,
    /// Bags and small leather goods.
    Bag,
    /// Clothing of every kind (drawn as a dress).
    Clothing,
    /// Watches.
    Watch,
    /// Jewellery.
    Jewellery,
    /// Anything else, or a product whose category is not known.
    #[default]
    Other,
}

impl Family {
    /// Every family, `Other` last.
    pub const ALL: [Family; 6] = [
        Family::Footwear,
        Family::Bag,
        Family::Clothing,
        Family::Watch,
        Family::Jewellery,
        Family::Other,
    ];

    /// The family of a product from its extracted attributes; `Other` without a category.
    pub fn of(attributes: Option<&Attributes>) -> Family {
        let Some(attributes) = attributes else {
            return Family::Other;
        };
        let is = |id: &str| attributes.has("category", id);
        if is("shoes") {
            Family::Footwear
        } else if is("bags") || is("small_leather_goods") {
            Family::Bag
        } else if is("watches") {
            Family::Watch
        } else if is("jewellery") {
            Family::Jewellery
        } else if is("clothing") {
            Family::Clothing
        } else {
            Family::Other
        }
    }

    /// The family's id, as JSON and the widget's CSS classes write it (`footwear`).
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Footwear => "footwear",
            Family::Bag => "bag",
            Family::Clothing => "clothing",
            Family::Watch => "watch",
            Family::Jewellery => "jewellery",
            Family::Other => "other",
        }
    }
}

/// A pick that cannot be bought now, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnavailableView {
    /// Pointe's product id.
    pub product_id: String,
    /// Brand display name.
    pub brand: Option<String>,
    /// Product name.
    pub name: String,
    /// `out_of_stock`, `gone`, `stale`, `no_link`, `no_shop` or `no_price`.
    pub status: String,
    /// Why, for editors: "no http(s) buy link; no shop: its feed names no retailer".
    pub reason: String,
}
