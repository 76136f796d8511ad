//! Picking across tiers, the 30-day reference price, and the trend line.

use jiff::Timestamp;

use super::*;
use crate::domain::{Availability, Offer, PricePoint};

const SPREAD: [&str; 2] = ["high_street", "premium"];

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
    let picks = choose_picks(&candidates, Some("miu miu"), 3, 1, &[], &SPREAD);
    let ids: Vec<&str> = picks.iter().map(|p| p.product_id.as_str()).collect();
    // The premium pick is kept although it scores lowest; one Mango; no out-of-stock Zara; no
    // second Miu Miu beside the hero.
    assert_eq!(ids, vec!["a", "d", "f"]);
    let two_per_brand = choose_picks(&candidates, None, 3, 2, &[], &SPREAD);
    let ids: Vec<&str> = two_per_brand
        .iter()
        .map(|p| p.product_id.as_str())
        .collect();
    assert_eq!(ids, vec!["a", "b", "f"]);
}

#[test]
fn count_one_gives_the_closest_pick_whatever_its_tier() {
    let candidates = vec![
        candidate("p", "arket", 0.97, "premium", true),
        candidate("h", "mango", 0.90, "high_street", true),
    ];
    let one = choose_picks(&candidates, None, 1, 1, &[], &SPREAD);
    assert_eq!(one[0].product_id, "p");
    let two = choose_picks(&candidates, None, 2, 1, &[], &SPREAD);
    assert_eq!(two.len(), 2);
}

#[test]
fn the_spread_tiers_come_from_tiers_toml() {
    let tiers = Tiers::bundled();
    let gbp = Currency::from_code("GBP").unwrap();
    let names = tiers.names();
    assert_eq!(spread_tiers(&tiers, gbp), names[..2].to_vec());
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

fn rules() -> PriceRules {
    PriceRules::default()
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
        reference_price(&history, &o, at("2026-01-21"), &rules()),
        Some(gbp(45))
    );
    // 40 days after the cut, £36 is simply the price.
    assert_eq!(
        reference_price(&history, &o, at("2026-03-01"), &rules()),
        None
    );
    // £45 was charged for exactly seven days: with a ten-day minimum it is no reference, and
    // nothing else is (the lowest price of the window decides).
    let strict = PriceRules {
        min_reference_days: 10,
        ..rules()
    };
    assert_eq!(
        reference_price(&history, &o, at("2026-01-21"), &strict),
        None
    );
}

#[test]
fn a_genuine_reduction_shows_the_price_really_charged() {
    // £120 since November, a sale at £95 from 15 January.
    let history = vec![
        point("2025-11-01", 120, None),
        point("2026-01-15", 120, Some(95)),
    ];
    let o = offer(120, Some(95), "2026-01-15");
    assert_eq!(
        reference_price(&history, &o, at("2026-01-16"), &rules()),
        Some(gbp(120))
    );
}

#[test]
fn raise_then_sale_in_one_update_shows_no_reference() {
    // £90 for months; one update raises the price to £120 and starts a £95 "sale": the shopper
    // pays more than before, and £120 was never charged.
    let history = vec![
        point("2025-11-01", 90, None),
        point("2026-01-15", 120, Some(95)),
    ];
    let o = offer(120, Some(95), "2026-01-15");
    assert_eq!(
        reference_price(&history, &o, at("2026-01-16"), &rules()),
        None
    );
}

#[test]
fn raise_then_sale_in_two_updates_shows_no_reference() {
    // £90, raised to £120 on 10 January, "reduced" to £95 two days later.
    let history = vec![
        point("2025-11-01", 90, None),
        point("2026-01-10", 120, None),
        point("2026-01-12", 120, Some(95)),
    ];
    let o = offer(120, Some(95), "2026-01-12");
    assert_eq!(
        reference_price(&history, &o, at("2026-01-13"), &rules()),
        None
    );
    // A new offer listed at £120 and cut to £95 three days later: £120 was charged for less
    // than the seven-day minimum.
    let fresh = vec![
        point("2026-01-09", 120, None),
        point("2026-01-12", 120, Some(95)),
    ];
    assert_eq!(
        reference_price(&fresh, &o, at("2026-01-13"), &rules()),
        None
    );
    // The same after ten days at £120 is a genuine reduction.
    let held = vec![
        point("2026-01-02", 120, None),
        point("2026-01-12", 120, Some(95)),
    ];
    assert_eq!(
        reference_price(&held, &o, at("2026-01-13"), &rules()),
        Some(gbp(120))
    );
}

#[test]
fn a_feed_regular_price_never_charged_is_no_reference() {
    // Seen on sale from its first sighting: the feed's £120 was never the price paid.
    let history = vec![point("2026-01-01", 120, Some(95))];
    let o = offer(120, Some(95), "2026-01-15");
    assert_eq!(
        reference_price(&history, &o, at("2026-01-16"), &rules()),
        None
    );
}

#[test]
fn a_price_charged_only_while_out_of_stock_is_no_reference() {
    let mut sold_out = point("2025-12-01", 120, None);
    sold_out.availability = Availability::OutOfStock;
    let history = vec![sold_out, point("2026-01-15", 95, None)];
    let o = offer(95, None, "2026-01-15");
    assert_eq!(
        reference_price(&history, &o, at("2026-01-16"), &rules()),
        None
    );
}

#[test]
fn a_rise_is_no_sale() {
    let history = vec![point("2026-01-01", 30, None), point("2026-01-10", 35, None)];
    let o = offer(35, None, "2026-01-10");
    assert_eq!(
        reference_price(&history, &o, at("2026-01-11"), &rules()),
        None
    );
}

#[test]
fn prices_older_than_the_maximum_age_are_stale() {
    let r = rules();
    assert!(!r.is_stale(at("2026-01-01"), at("2026-01-15")));
    assert!(r.is_stale(at("2026-01-01"), at("2026-01-15T00:00:01Z")));
}

#[test]
fn editor_figures_are_cited_with_their_source() {
    let store = crate::store::MemoryStore::new();
    let c = cite_trend(&store, "balletcore", Some((1566.0, "Pinterest".into())))
        .unwrap()
        .citation
        .unwrap();
    assert_eq!(c.line, "Pinterest: up 1,566%");
    assert_eq!(c.published_line().as_deref(), Some("Pinterest: up 1,566%"));
    assert!(!c.computed);
    let err = cite_trend(&store, "balletcore", None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no trend series for \"balletcore\""), "{err}");
}

#[test]
fn a_falling_editor_figure_says_down_and_is_never_trending() {
    let store = crate::store::MemoryStore::new();
    let c = cite_trend(&store, "balletcore", Some((-12.5, "Pinterest".into())))
        .unwrap()
        .citation
        .unwrap();
    assert_eq!(c.line, "Pinterest: down 12.5%");
    assert_eq!(c.published_line(), None);
    assert_eq!(c.plain_line().as_deref(), Some("Pinterest: down 12.5%"));
}

#[test]
fn editor_figures_must_be_finite_and_in_range() {
    let store = crate::store::MemoryStore::new();
    for bad in [
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -100.0,
        -250.0,
        100_000.5,
    ] {
        let err = cite_trend(&store, "balletcore", Some((bad, "Pinterest".into()))).unwrap_err();
        assert!(matches!(err, Error::Usage(_)), "{bad}: {err}");
        assert!(err.to_string().contains("--trend-figure"), "{err}");
    }
    for good in [-99.9, 0.5, 100_000.0] {
        assert!(cite_trend(&store, "b", Some((good, "Pinterest".into()))).is_ok());
    }
}
