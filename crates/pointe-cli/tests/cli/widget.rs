//! The HTML widget in a real browser, served under a strict policy: its layout holds whatever
//! the feeds put in it, it is one column on a phone and a grid on a desktop, every card can be
//! bought, and a picture that is missing or fails to load leaves a neat outline.

use std::path::Path;

use serde_json::Value;

use crate::browser::{Bitmap, Site, artefacts_dir, chromium, png};
use crate::{Env, sample};

/// Waits (at most 5 s of the page's time) for every image to load or fail, then reports the
/// layout: the viewport and page widths, every card's buy link and picture, the columns of
/// the grid, what sticks out of a card, and how the first buy link looks when focused.
const PROBE: &str = r#"
const rect = (el) => { const r = el.getBoundingClientRect(); return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height }; };
const measure = () => {
  const cards = [...document.querySelectorAll('.pointe-edit__hero, .pointe-edit__item')];
  const spill = [];
  for (const card of cards) {
    const box = card.getBoundingClientRect();
    for (const el of card.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > box.right + 1 || r.left < box.left - 1)) spill.push(el.getAttribute('class') || el.tagName);
    }
  }
  const items = [...document.querySelectorAll('.pointe-edit__item')];
  const columns = new Set(items.map((i) => Math.round(i.getBoundingClientRect().left))).size;
  const buy = cards.map((card) => {
    const a = card.querySelector('a.pointe-edit__buy');
    return a && { text: a.textContent.trim(), href: a.href, width: a.getBoundingClientRect().width };
  });
  const media = cards.map((card) => {
    const m = card.querySelector('.pointe-edit__media');
    const img = m.querySelector('img');
    return {
      rect: rect(m),
      class: m.className,
      outline: !!m.querySelector('svg'),
      img: img && {
        src: img.getAttribute('src'), alt: img.alt, loaded: img.complete && img.naturalWidth > 0,
        fit: getComputedStyle(img).objectFit, after: getComputedStyle(img, '::after').backgroundImage.slice(0, 30),
      },
    };
  });
  const link = document.querySelector('a.pointe-edit__buy');
  link.focus();
  const style = getComputedStyle(link);
  const ring = { focused: document.activeElement === link, style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  link.blur();
  return { width: innerWidth, scroll: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight, cards: cards.length, columns, spill, buy, media, ring };
};
const settle = (tries) => {
  if (tries > 0 && [...document.images].some((i) => !i.complete)) { setTimeout(() => settle(tries - 1), 50); return; }
  document.body.setAttribute('data-result', JSON.stringify(measure()));
};
window.addEventListener('load', () => settle(100));
"#;

/// The outline colour of the widget's placeholders (`--pe-outline`).
const OUTLINE: [u8; 3] = [0x8c, 0x82, 0x79];

/// The hero's picture: landscape, to see that it is drawn whole, neither cropped nor
/// stretched, in its portrait box.
const HERO_PICTURE: (&str, u32, u32, [u8; 3]) = ("miu-miu/5f094d.jpg", 640, 360, [214, 160, 170]);

/// The pick whose picture fails to load (it is not served) and the pick whose feed row has
/// none; both are among the edit's closest pairs.
const BROKEN_PICTURE: &str = "repetto/cendrillon.jpg";
const NO_PICTURE: &str = "hm/1172.jpg";

#[test]
fn the_balletcore_widget_is_one_column_on_a_phone_and_a_grid_on_a_desktop() {
    let Some(chromium) = chromium() else {
        return;
    };
    let site = Site::start();
    let env = Env::new();
    let images = site.url("/images/");
    let mut feed = std::fs::read_to_string(sample("catalog.awin.csv"))
        .unwrap()
        .replace("https://images.example/", &images);
    feed = feed.replace(&format!("{images}{NO_PICTURE}"), "");
    // Every other picture is served: portrait ones, the hero's landscape.
    for path in feed
        .split(&images)
        .skip(1)
        .filter_map(|rest| rest.split(',').next())
    {
        if path != BROKEN_PICTURE {
            site.put(
                &format!("/images/{path}"),
                "image/png",
                png(300, 400, [150, 180, 150]),
            );
        }
    }
    let (path, width, height, rgb) = HERO_PICTURE;
    site.put(
        &format!("/images/{path}"),
        "image/png",
        png(width, height, rgb),
    );
    site.put(
        "/images/bazaar/kinbow.png",
        "image/png",
        png(400, 400, [200, 120, 160]),
    );
    env.write("catalog.awin.csv", &feed);
    env.run(&["ingest", "catalog.awin.csv"]).expect_code(0);
    // A pair sold in rupees: the widget shows it converted, "about", with its own price.
    let rupees = env.write(
        "bazaar.awin.csv",
        &format!(
            "aw_product_id,merchant_name,brand_name,product_name,search_price,currency,in_stock,merchant_category,aw_deep_link,merchant_image_url\n\
             inr-1,Bazaar Shoes,Kinbow,Kinbow Women Pink Satin Ballerinas,1599.00,INR,1,Shoes > Ballerinas,https://bazaar.example/kinbow,{images}bazaar/kinbow.png\n"
        ),
    );
    env.run(&["ingest", &rupees]).expect_code(0);
    env.run(&[
        "edit",
        "create",
        "balletcore",
        "--title",
        "Balletcore is here to stay: the Miu Miu flats, and the pairs that get the look for less",
        "--standfirst",
        "Satin, bows and a dancer's slipper shape: the trend that refuses to leave, at every price.",
        "--author",
        "The Pointe desk",
        "--hero",
        "seed-001",
        "--trend",
        "balletcore",
        "--trend-figure",
        "1566",
        "--trend-source",
        "Pinterest search volume",
    ])
    .expect_code(0);
    env.run(&["edit", "pick", "balletcore", "inr-1"])
        .expect_code(0);
    let widget = env
        .run(&["edit", "render", "balletcore", "-o", "html"])
        .expect_code(0)
        .stdout;
    assert!(widget.contains("about £"), "{widget}");
    assert!(widget.contains("₹1,599"), "{widget}");
    site.put_page("/measure.html", &widget, Some(PROBE));
    site.put_page("/widget.html", &widget, None);

    for width in [375, 1280] {
        let layout = site.measure(&chromium, "/measure.html", width);
        check_layout(&layout, width);
        let height = layout["height"].as_u64().unwrap() as u32;
        let shot = artefacts_dir().join(format!("widget-{width}.png"));
        site.screenshot(&chromium, "/widget.html", width, height, &shot);
        println!(
            "screenshot of the Balletcore widget at {width} px: {}",
            shot.display()
        );
        check_pictures(&layout, &shot);
    }
}

/// No sideways scroll, one column on a phone and several on a desktop, a buy button on every
/// card, alt text on every picture, pictures whole, and a visible focus ring.
fn check_layout(layout: &Value, width: u32) {
    assert_eq!(layout["width"], width, "{layout}");
    assert!(
        layout["scroll"].as_u64() <= layout["width"].as_u64(),
        "scrolls sideways at {width}: {layout}"
    );
    assert_eq!(
        layout["spill"],
        serde_json::json!([]),
        "at {width}: {layout}"
    );
    assert!(
        layout["cards"].as_u64().unwrap() >= 5,
        "the hero and at least four picks: {layout}"
    );
    let columns = layout["columns"].as_u64().unwrap();
    if width <= 480 {
        assert_eq!(columns, 1, "one column at {width}: {layout}");
    } else {
        assert!(columns >= 3, "a grid at {width}: {layout}");
    }
    for buy in layout["buy"].as_array().unwrap() {
        assert!(
            buy["text"].as_str().unwrap().starts_with("Buy now at "),
            "at {width}: {buy}"
        );
        assert!(
            buy["href"].as_str().unwrap().starts_with("https://"),
            "{buy}"
        );
        assert!(buy["width"].as_f64().unwrap() >= 44.0, "{buy}");
    }
    for media in layout["media"].as_array().unwrap() {
        if let Some(img) = media["img"].as_object() {
            assert!(!img["alt"].as_str().unwrap().is_empty(), "{media}");
            assert_eq!(img["fit"], "contain", "{media}");
        }
    }
    let ring = &layout["ring"];
    assert_eq!(ring["focused"], true, "{ring}");
    assert_eq!(ring["style"], "solid", "{ring}");
    assert!(ring["width"].as_f64().unwrap() >= 2.0, "{ring}");
}

/// In the screenshot: the hero's landscape picture is drawn whole (its area, not the box's),
/// and the pick whose picture failed and the pick without one show the outline.
fn check_pictures(layout: &Value, shot: &Path) {
    let bitmap = Bitmap::read(shot);
    let media = layout["media"].as_array().unwrap();
    let find = |needle: &str| {
        media
            .iter()
            .find(|m| m["img"]["src"].as_str().is_some_and(|s| s.contains(needle)))
            .unwrap_or_else(|| panic!("no picture {needle}: {layout}"))
    };
    let hero = find(HERO_PICTURE.0);
    assert_eq!(hero["img"]["loaded"], true, "{hero}");
    let rect = &hero["rect"];
    let box_width = rect["width"].as_f64().unwrap();
    let (_, width, height, rgb) = HERO_PICTURE;
    let drawn = bitmap.count_near(rect, rgb, 3) as f64;
    let whole = box_width * box_width * f64::from(height) / f64::from(width);
    assert!(
        (drawn - whole).abs() < whole * 0.05,
        "the hero's 16:9 picture covers {drawn} px of its box, not the {whole} px it has whole: {hero}"
    );
    let broken = find(BROKEN_PICTURE);
    assert_eq!(broken["img"]["loaded"], false, "{broken}");
    assert!(
        broken["img"]["after"]
            .as_str()
            .unwrap()
            .starts_with("url(\"data:image/svg+xml"),
        "{broken}"
    );
    let missing = media
        .iter()
        .find(|m| m["img"].is_null())
        .unwrap_or_else(|| panic!("no card without a picture: {layout}"));
    assert_eq!(missing["outline"], true, "{missing}");
    for placeholder in [broken, missing] {
        let rect = &placeholder["rect"];
        let outline = bitmap.count_near(rect, OUTLINE, 24);
        assert!(outline >= 40, "{outline} outline pixels in {placeholder}");
        assert!(
            placeholder["class"]
                .as_str()
                .unwrap()
                .ends_with("pointe-edit__media--footwear"),
            "{placeholder}"
        );
    }
}

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
    let site = Site::start();
    site.put_page("/widget.html", &widget, Some(PROBE));
    for width in [375, 1280] {
        let r = site.measure(&chromium, "/widget.html", width);
        assert_eq!(r["width"], width, "{r}");
        assert!(r["cards"].as_u64().unwrap() >= 3, "{r}");
        assert!(
            r["scroll"].as_u64() <= r["width"].as_u64(),
            "scrolls sideways at {width}: {r}"
        );
        assert_eq!(r["spill"], serde_json::json!([]), "at {width}: {r}");
    }
}
