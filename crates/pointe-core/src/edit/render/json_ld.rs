//! The schema.org description of an edit: an `ItemList` of `Product`s with their `Offer`s.

use serde_json::{Map, Value, json};

use super::{Card, clean};
use crate::edit::view::{EditView, PickView};

pub(super) fn item_list(view: &EditView) -> Value {
    let pieces: Vec<&PickView> = std::iter::once(&view.hero).chain(&view.picks).collect();
    let elements: Vec<Value> = pieces
        .iter()
        .enumerate()
        .map(|(i, pick)| {
            json!({
                "@type": "ListItem",
                "position": i + 1,
                "item": product(pick),
            })
        })
        .collect();
    let mut list = Map::new();
    list.insert("@context".into(), "https://schema.org".into());
    list.insert("@type".into(), "ItemList".into());
    let name = clean(&view.title);
    if !name.is_empty() {
        list.insert("name".into(), name.into());
    }
    list.insert("numberOfItems".into(), elements.len().into());
    list.insert("itemListElement".into(), elements.into());
    Value::Object(list)
}

fn product(pick: &PickView) -> Value {
    let card = Card::new(pick, None);
    let mut product = Map::new();
    product.insert("@type".into(), "Product".into());
    product.insert("name".into(), card.name.clone().into());
    if let Some(brand) = &card.brand {
        product.insert("brand".into(), json!({ "@type": "Brand", "name": brand }));
    }
    if let Some(image) = &card.image {
        product.insert("image".into(), image.as_str().into());
    }
    if let Some(page) = card.page.as_ref().or(card.buy.as_ref()) {
        product.insert("url".into(), page.as_str().into());
    }
    if !card.blurb.is_empty() {
        product.insert("description".into(), card.blurb.clone().into());
    }
    // A converted price is the widget's estimate; the offer itself is in its own currency.
    if let Some(price) = pick
        .price
        .as_ref()
        .map(|p| pick.original_price.as_ref().unwrap_or(p))
    {
        let mut offer = Map::new();
        offer.insert("@type".into(), "Offer".into());
        offer.insert("price".into(), price.amount.trim().into());
        offer.insert("priceCurrency".into(), price.currency.trim().into());
        if let Some(availability) = card.availability {
            offer.insert(
                "availability".into(),
                format!("https://schema.org/{availability}").into(),
            );
        }
        if let Some(buy) = card.buy.as_ref().or(card.page.as_ref()) {
            offer.insert("url".into(), buy.as_str().into());
        }
        if let Some(retailer) = &card.retailer {
            offer.insert(
                "seller".into(),
                json!({ "@type": "Organization", "name": retailer }),
            );
        }
        product.insert("offers".into(), Value::Object(offer));
    }
    Value::Object(product)
}
