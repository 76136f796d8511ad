//! Picking across tiers and the 30-day reference price.

use jiff::Timestamp;

use super::*;
use crate::domain::PricePoint;

fn gbp(pounds: i64) -> Money {
    Money::new(pounds * 100, Currency::from_code("GBP").unwrap())
}

fn candidate(id: &str, brand: &str, score: f64, tier: &str, in_stock: bool) -> Candidate {
    Candidate {
        product_id: id.into(),
        brand_key: Some(brand.into()),
        score,
        shared: vec![("category".into(), "ballet flat".into())],
        differences: vec![],
        tier: Some(tier.into()),
        price: gbp(10),
        in_stock,
    }
}

#[test]
fn picks_span_tiers_one_per_brand_in_stock_only() {
    let candidates = vec![
        candidate("a", "mango", 0.95, "high_street", true),
        candidate("b", "mango", 0.94, "high_street", true),
        candidate("c", "zara", 0.93, "high_street", false),
        candidate("d", "hm", 0.92, "high_street", true),
        candidate("e", "miu miu", 0.91, "luxury", true),
        candidate("f", "arket", 0.60, "premium", true),
    ];
    let picks = choose_picks(&candidates, Some("miu miu"), 3, 1, &[]);
    let ids: Vec<&str> = picks.iter().map(|p| p.product_id.as_str()).collect();
    // The premium pick is kept although it scores lowest; one Mango; no out-of-stock Zara; no
    // second Miu Miu beside the hero.
    assert_eq!(ids, vec!["a", "d", "f"]);
    let two_per_brand = choose_picks(&candidates, None, 3, 2, &[]);
    let ids: Vec<&str> = two_per_brand
        .iter()
        .map(|p| p.product_id.as_str())
        .collect();
    assert_eq!(ids, vec!["a", "b", "f"]);
}

fn point(day: &str, pounds: i64, sale: Option<i64>) -> PricePoint {
    PricePoint {
        seen_at: crate::clock::parse_time(day).unwrap(),
        price: gbp(pounds),
        sale_price: sale.map(gbp),
        availability: Availability::InStock,
    }
}

fn offer(price: i64, sale: Option<i64>, last_seen: &str) -> Offer {
    Offer {
        id: 1,
        product_id: "pt-x".into(),
        source: "s".into(),
        item_id: "i".into(),
        retailer: "R".into(),
        url: None,
        price: gbp(price),
        sale_price: sale.map(gbp),
        availability: Availability::InStock,
        sizes: vec![],
        first_seen: crate::clock::parse_time("2026-01-01").unwrap(),
        last_seen: crate::clock::parse_time(last_seen).unwrap(),
        in_latest_ingest: true,
    }
}

fn at(day: &str) -> Timestamp {
    crate::clock::parse_time(day).unwrap()
}

#[test]
fn a_price_drop_shows_the_lowest_price_of_the_30_days_before_it() {
    // £50 in early January, £45 for a week, back to £50, then cut to £36.
    let history = vec![
        point("2025-12-01", 50, None),
        point("2026-01-05", 45, None),
        point("2026-01-12", 50, None),
        point("2026-01-20", 36, None),
    ];
    let o = offer(36, None, "2026-01-20");
    assert_eq!(
        reference_price(&history, &o, at("2026-01-21")),
        Some(gbp(45))
    );
    // 40 days after the cut, £36 is simply the price.
    assert_eq!(reference_price(&history, &o, at("2026-03-01")), None);
}

#[test]
fn a_sale_price_is_measured_against_the_30_days_before_it_started() {
    let history = vec![
        point("2026-01-01", 120, None),
        point("2026-01-15", 120, Some(95)),
    ];
    let o = offer(120, Some(95), "2026-01-15");
    assert_eq!(
        reference_price(&history, &o, at("2026-01-16")),
        Some(gbp(120))
    );
    // A price raised just before the sale does not inflate the saving.
    let raised = vec![
        point("2026-01-01", 90, None),
        point("2026-01-10", 120, None),
        point("2026-01-15", 120, Some(95)),
    ];
    assert_eq!(reference_price(&raised, &o, at("2026-01-16")), None);
}

#[test]
fn a_rise_is_no_sale() {
    let history = vec![point("2026-01-01", 30, None), point("2026-01-10", 35, None)];
    let o = offer(35, None, "2026-01-10");
    assert_eq!(reference_price(&history, &o, at("2026-01-11")), None);
}

#[test]
fn editor_figures_are_cited_with_their_source() {
    let store = crate::store::MemoryStore::new();
    let c = cite_trend(&store, "balletcore", Some((1566.0, "Pinterest".into()))).unwrap();
    assert_eq!(c.line, "Search volume up 1,566% — Pinterest");
    assert!(!c.computed);
    let err = cite_trend(&store, "balletcore", None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no trend series for \"balletcore\""), "{err}");
}
