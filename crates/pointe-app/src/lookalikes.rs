//! Look-alikes of a hero: a catalog product (by anything the catalog resolves) or words.

use pointe_core::attributes::Extractor;
use pointe_core::catalog::CatalogReader;
use pointe_core::money::Currency;
use pointe_core::store::Catalog;
use pointe_search::lookalike::{Hero, LookalikeQuery, LookalikeResults, MinSaving};

use crate::reader::{Open, Reader};
use crate::search::{MAX_LIMIT, MAX_TEXT, check_gender, check_tier, currency, gbp, price};
use crate::{Error, Result, Workspace};

/// Who the look-alikes are of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeroRef {
    /// A catalog product: a Pointe id, a feed item id, an offer URL or an exact title.
    Product(String),
    /// A hero described in words ("satin ballet flats with a bow").
    Text(String),
}

/// A look-alike search as the user wrote it. Field names in errors are these.
#[derive(Debug, Clone)]
pub struct LookalikesRequest {
    /// The hero.
    pub hero: HeroRef,
    /// Only products cheaper than the hero (default true; ignored for a hero without price).
    pub cheaper: bool,
    /// Highest price, in any currency (a bare number is in the hero's currency).
    pub max_price: Option<String>,
    /// Only this tier.
    pub tier: Option<String>,
    /// Only products that can be bought now.
    pub in_stock: bool,
    /// At most this many results (1 to [`MAX_LIMIT`]).
    pub limit: usize,
    /// At most this many per brand.
    pub per_brand: Option<usize>,
    /// Show prices in this currency (default the hero's).
    pub currency: Option<String>,
    /// Only products made for this gender (default: the hero's).
    pub gender: Option<String>,
    /// With `cheaper`, the least saving worth showing: "10%" (the default) or an amount.
    pub min_saving: Option<String>,
    /// Only brands other than the hero's.
    pub other_brands: bool,
}

impl LookalikesRequest {
    /// The defaults for `hero`: cheaper, ten results.
    pub fn new(hero: HeroRef) -> LookalikesRequest {
        LookalikesRequest {
            hero,
            cheaper: true,
            max_price: None,
            tier: None,
            in_stock: false,
            limit: 10,
            per_brand: None,
            currency: None,
            gender: None,
            min_saving: None,
            other_brands: false,
        }
    }
}

/// The look-alikes of the hero in the data directory's catalog.
pub fn lookalikes(ws: &Workspace, request: &LookalikesRequest) -> Result<LookalikeResults> {
    Reader::new(ws.clone()).with(|open| lookalikes_in(open, request))
}

/// The look-alikes of the hero over an open store and index.
pub fn lookalikes_in(open: &Open<'_>, request: &LookalikesRequest) -> Result<LookalikeResults> {
    let index = &open.loaded.index;
    let ctx = index.context();
    crate::bounds::check_count("limit", request.limit, MAX_LIMIT)?;
    if let Some(n) = request.per_brand {
        crate::bounds::check_count("per_brand", n, 100)?;
    }
    check_tier(ctx, request.tier.as_deref())?;
    check_gender(request.gender.as_deref())?;
    let out_currency = currency(request.currency.as_deref())?;
    let hero = hero(open.store, ctx, &request.hero)?;
    let default_currency = out_currency
        .or(hero.price.map(|(m, _)| m.currency))
        .unwrap_or_else(gbp);
    let query = query(request, out_currency, default_currency)?;
    Ok(index.lookalikes(&hero, &query)?)
}

/// The hero a reference names.
fn hero(store: &dyn Catalog, ctx: &pointe_search::IndexContext, r: &HeroRef) -> Result<Hero> {
    match r {
        HeroRef::Text(text) => {
            crate::bounds::check_len("text", text, MAX_TEXT)?;
            if text.trim().is_empty() {
                return Err(Error::bad("text", "describe the hero in a few words"));
            }
            let extractor = Extractor::new(&ctx.taxonomy);
            Ok(Hero::from_text(text, &extractor, &ctx.taxonomy))
        }
        HeroRef::Product(id) => {
            crate::bounds::check_len("id", id, 2048)?;
            let reader = CatalogReader::new(store, &ctx.rates, ctx.today);
            let product = reader.resolve(id)?;
            let offers = store.offers_of(product.key)?;
            Ok(Hero::from_product(&product, &offers, ctx)?)
        }
    }
}

fn query(
    r: &LookalikesRequest,
    out_currency: Option<Currency>,
    default_currency: Currency,
) -> Result<LookalikeQuery> {
    Ok(LookalikeQuery {
        cheaper: r.cheaper,
        max_price: r
            .max_price
            .as_deref()
            .map(|raw| price("max_price", raw, default_currency))
            .transpose()?,
        tier: r.tier.clone(),
        in_stock: r.in_stock,
        limit: r.limit,
        per_brand: r.per_brand,
        currency: out_currency,
        min_saving: match &r.min_saving {
            Some(raw) => Some(min_saving(raw, default_currency)?),
            None => LookalikeQuery::default().min_saving,
        },
        gender: r.gender.clone(),
        other_brands: r.other_brands,
    })
}

/// A percentage ("15%", 0 to 100) or an amount in any currency (a bare number is in
/// `currency`).
fn min_saving(raw: &str, currency: Currency) -> Result<MinSaving> {
    if let Some(number) = raw.trim().strip_suffix('%') {
        let percent: f64 = number.trim().parse().map_err(|_| {
            Error::bad(
                "min_saving",
                format!("{raw:?}: expected a percentage such as 10%"),
            )
        })?;
        if !(0.0..=100.0).contains(&percent) {
            return Err(Error::bad(
                "min_saving",
                format!("{raw:?}: a percentage is between 0% and 100%"),
            ));
        }
        return Ok(MinSaving::Percent(percent));
    }
    Ok(MinSaving::Amount(price("min_saving", raw, currency)?))
}
