//! Edits as the JSON contract gives them: every product with its Pointe `id` and the feed
//! `item_ids` it is known by, and each edit with its public page, iframe snippet and oEmbed
//! address beside the static HTML.

use jiff::Timestamp;
use pointe_core::catalog::ItemId;
use pointe_core::edit::{Edit, EditChange, Pick, PriceRecord, PriceRules, TrendCitation};
use pointe_core::store::Catalog;
use serde::Serialize;
use serde_json::Value;

use super::embed::Links;
use crate::Result;

/// An edit as stored, in the JSON contract.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EditDoc {
    /// URL slug, unique.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Standfirst.
    pub standfirst: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// ISO 4217 currency every price is shown in.
    pub currency: String,
    /// UK or US: whose words and spelling the copy uses.
    pub market: String,
    /// The hero's Pointe id.
    pub hero: String,
    /// The feed item ids the hero is known by.
    #[schema(value_type = Vec<Object>)]
    pub hero_item_ids: Vec<ItemId>,
    /// The hero's blurb, if the editor wrote one.
    pub hero_blurb: Option<String>,
    /// The trend the edit cites (term, line, figure, source, computed, trending, p_value).
    #[schema(value_type = Option<Object>)]
    pub trend: Option<TrendCitation>,
    /// The picks, in order.
    pub picks: Vec<PickDoc>,
    /// At most this many picks of one brand.
    pub per_brand: usize,
    /// Price age and reference rules (window_days, min_reference_days, max_age_days).
    #[schema(value_type = Object)]
    pub rules: PriceRules,
    /// When created (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When last refreshed against the feeds (RFC 3339).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub refreshed_at: Option<Timestamp>,
    /// What changed, and why, newest last (at, product_id, what).
    #[schema(value_type = Vec<Object>)]
    pub log: Vec<EditChange>,
    /// Where the edit is published and how to embed it.
    pub embed: Embed,
}

/// One pick of an edit, in the JSON contract.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PickDoc {
    /// Pointe id.
    pub id: String,
    /// Pointe id again, under the name the stored edit gives it.
    pub product_id: String,
    /// The feed item ids the product is known by.
    #[schema(value_type = Vec<Object>)]
    pub item_ids: Vec<ItemId>,
    /// Pinned picks are never swapped out automatically.
    pub pinned: bool,
    /// The blurb.
    pub blurb: String,
    /// True when the editor wrote the blurb.
    pub blurb_by_editor: bool,
    /// Tier when picked.
    pub tier: Option<String>,
    /// Look-alike score when picked.
    pub score: f64,
    /// What it shares with the hero, when picked.
    pub shared: Vec<String>,
    /// How it differs, when picked.
    pub differences: Vec<String>,
    /// The price shown at the last build or refresh (minor, currency).
    #[schema(value_type = Option<Object>)]
    pub last_price: Option<PriceRecord>,
    /// live, out_of_stock, gone, stale, no_link, no_shop or no_price at the last build or
    /// refresh.
    pub last_status: String,
}

/// Where an edit is published: its public page (the URL editors paste), the iframe snippet
/// of it, the oEmbed address, and the widget's static HTML.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Embed {
    /// The public page.
    pub public_url: String,
    /// An `<iframe>` of the public page.
    pub iframe: String,
    /// The oEmbed answer for the public page.
    pub oembed_url: String,
    /// The widget's static HTML.
    pub widget_html_url: String,
}

/// The feed item ids of product `id`.
pub fn item_ids(store: &dyn Catalog, id: &str) -> Result<Vec<ItemId>> {
    let Some(product) = store.product_by_id(id)? else {
        return Ok(Vec::new());
    };
    Ok(store
        .offers_of(product.key)?
        .into_iter()
        .map(|o| ItemId {
            source: o.source,
            retailer: o.retailer,
            item_id: o.item_id,
        })
        .collect())
}

fn pick_doc(store: &dyn Catalog, p: &Pick) -> Result<PickDoc> {
    Ok(PickDoc {
        id: p.product_id.clone(),
        product_id: p.product_id.clone(),
        item_ids: item_ids(store, &p.product_id)?,
        pinned: p.pinned,
        blurb: p.blurb.clone(),
        blurb_by_editor: p.blurb_by_editor,
        tier: p.tier.clone(),
        score: p.score,
        shared: p.shared.clone(),
        differences: p.differences.clone(),
        last_price: p.last_price.clone(),
        last_status: p.last_status.as_str().to_string(),
    })
}

/// `edit` in the JSON contract.
pub fn edit_doc(store: &dyn Catalog, edit: &Edit, links: &Links) -> Result<EditDoc> {
    let picks = edit
        .picks
        .iter()
        .map(|p| pick_doc(store, p))
        .collect::<Result<Vec<_>>>()?;
    Ok(EditDoc {
        slug: edit.slug.clone(),
        title: edit.title.clone(),
        standfirst: edit.standfirst.clone(),
        author: edit.author.clone(),
        currency: edit.currency.clone(),
        market: edit.market().code().to_string(),
        hero: edit.hero.clone(),
        hero_item_ids: item_ids(store, &edit.hero)?,
        hero_blurb: edit.hero_blurb.clone(),
        trend: edit.trend.clone(),
        picks,
        per_brand: edit.per_brand,
        rules: edit.rules,
        created_at: edit.created_at,
        refreshed_at: edit.refreshed_at,
        log: edit.log.clone(),
        embed: links.embed(&edit.slug, &edit.title),
    })
}

/// Gives every product of a rendered edit's JSON (hero, picks, unavailable picks) its `id`
/// and `item_ids` beside the `product_id` the renderer writes.
pub fn with_ids(store: &dyn Catalog, mut value: Value) -> Result<Value> {
    let add = |piece: &mut Value| -> Result<()> {
        let Some(map) = piece.as_object_mut() else {
            return Ok(());
        };
        let Some(id) = map
            .get("product_id")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return Ok(());
        };
        let ids = serde_json::to_value(item_ids(store, &id)?).unwrap_or(Value::Null);
        map.insert("id".into(), Value::String(id));
        map.insert("item_ids".into(), ids);
        Ok(())
    };
    if let Some(hero) = value.get_mut("hero") {
        add(hero)?;
    }
    for list in ["picks", "unavailable"] {
        if let Some(Value::Array(items)) = value.get_mut(list) {
            for item in items {
                add(item)?;
            }
        }
    }
    Ok(value)
}
