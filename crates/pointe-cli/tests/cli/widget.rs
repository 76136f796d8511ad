//! The HTML widget in a real browser: its layout holds whatever the feeds put in it.

use crate::browser::{chromium, measure_at, measuring_script};
use crate::{Env, sample};

/// Measures, for every card, the descendants that stick out of it, and whether the page
/// scrolls sideways.
const SPILL: &str = "const cards = [...document.querySelectorAll('.pointe-edit__item, .pointe-edit__hero')];
const spill = [];
for (const card of cards) {
  const box = card.getBoundingClientRect();
  for (const el of card.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > box.right + 1 || r.left < box.left - 1)) spill.push(el.className || el.tagName);
  }
}
return { width: innerWidth, scroll: document.documentElement.scrollWidth, cards: cards.length, spill };";

#[test]
fn a_long_word_wraps_inside_its_card_at_phone_and_desktop_widths() {
    let Some(chromium) = chromium() else {
        return;
    };
    let env = Env::new();
    env.run(&["ingest", &sample("catalog.awin.csv")])
        .expect_code(0);
    let word = "satin".repeat(600);
    let feed = env.write(
        "long.awin.csv",
        &format!(
            "aw_product_id,merchant_name,brand_name,product_name,search_price,currency,in_stock,aw_deep_link\n\
             long-1,Longshop,Longbrand,Ballet flats {word},40.00,GBP,1,https://shop.example/long\n"
        ),
    );
    env.run(&["ingest", &feed]).expect_code(0);
    env.run(&[
        "edit",
        "create",
        "balletcore",
        "--title",
        "Balletcore",
        "--hero",
        "seed-001",
    ])
    .expect_code(0);
    env.run(&["edit", "pick", "balletcore", "long-1"])
        .expect_code(0);
    let widget = env
        .run(&["edit", "render", "balletcore", "-o", "html"])
        .expect_code(0)
        .stdout;
    // Ingest cuts a word at 100 characters: still far wider than a card.
    assert!(widget.contains(&"satin".repeat(20)));
    let page = env.dir.path().join("widget.html");
    std::fs::write(
        &page,
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\">{widget}{}</body></html>",
            measuring_script(SPILL)
        ),
    )
    .unwrap();
    for width in [375, 1280] {
        let r = measure_at(&chromium, env.dir.path(), &page, width);
        assert_eq!(r["width"], width, "{r}");
        assert!(r["cards"].as_u64().unwrap() >= 3, "{r}");
        assert!(
            r["scroll"].as_u64() <= r["width"].as_u64(),
            "scrolls sideways at {width}: {r}"
        );
        assert_eq!(r["spill"], serde_json::json!([]), "at {width}: {r}");
    }
}
