//! What an edit shows, resolved against the catalog at render time: the input of every renderer.

use serde::Serialize;

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
    /// The trend line, e.g. "Search volume up 1,566% — Pinterest", if the edit has a trend.
    pub trend_line: Option<String>,
    /// ISO 4217 currency every price is shown in.
    pub currency: String,
    /// The hero piece.
    pub hero: PickView,
    /// The picks, in the editor's order.
    pub picks: Vec<PickView>,
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
    /// The struck-through reference price when on sale: the regular price, or the lowest price
    /// of the 30 days before a reduction.
    pub was_price: Option<MoneyView>,
    /// `high_street`, `premium` or `luxury`.
    pub tier: Option<String>,
    /// schema.org availability: `InStock`, `OutOfStock`, `PreOrder`, `BackOrder`.
    pub availability: String,
    /// The blurb (empty for the hero unless the editor wrote one).
    pub blurb: String,
    /// A note for readers or editors when the offer is stale, gone or out of stock.
    pub notice: Option<String>,
}
