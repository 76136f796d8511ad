use super::score::{explain, score};
use super::values::{candidate_values, credit, hero_values};
use super::*;
use crate::LookalikeConfig;
use crate::features::title_words;

fn features(attrs: &[(&str, &str)], colour: Option<&str>, title: &str) -> Features {
    Features {
        attrs: attrs
            .iter()
            .map(|(d, v)| (d.to_string(), v.to_string()))
            .collect(),
        colour: colour.map(str::to_string),
        words: title_words(title, None),
        other_colours: Vec::new(),
        described: Vec::new(),
        brand_key: None,
        price: None,
        listing: None,
    }
}

#[test]
fn partial_credit_follows_the_taxonomy_and_differences_read_as_sentences() {
    let t = Taxonomy::bundled();
    let config = LookalikeConfig::bundled();
    let hero = features(
        &[
            ("category", "ballet_flats"),
            ("material", "satin"),
            ("detail", "bow"),
            ("detail", "logo_patch"),
            ("colour", "pale_pink"),
        ],
        Some("pale_pink"),
        "satin ballet flats",
    );
    let values = hero_values(&hero, &t, Some(&config));
    let cand = features(
        &[
            ("category", "ballet_flats"),
            ("material", "leather"),
            ("detail", "bow"),
            ("detail", "buckle"),
            ("colour", "blush"),
        ],
        Some("blush"),
        "leather bow ballet pumps",
    );
    let s = explain(&values, &cand, &t, &config);
    assert!(
        s.shared.contains(&"ballet flat".to_string()),
        "{:?}",
        s.shared
    );
    assert!(s.shared.contains(&"bow".to_string()));
    assert!(
        s.shared.contains(&"pink".to_string()),
        "blush is pink: {:?}",
        s.shared
    );
    let sentences: Vec<&str> = s.differences.iter().map(|d| d.sentence.as_str()).collect();
    assert!(
        sentences.contains(&"leather instead of satin"),
        "{sentences:?}"
    );
    assert!(sentences.contains(&"no logo patch"), "{sentences:?}");
    assert!(sentences.contains(&"adds buckle"), "{sentences:?}");
    assert!(
        sentences.contains(&"blush instead of pale pink"),
        "{sentences:?}"
    );

    // A loafer meets a ballet flat only at "shoes", two steps up and one down: an eighth
    // of the category credit; a plain flat is one step away: half.
    let loafer = features(&[("category", "loafers")], None, "loafers");
    let hv = &values[0];
    let c = credit(hv, &candidate_values(&loafer, "category"), &t);
    assert_eq!((c.value, c.ancestor.as_deref()), (0.125, Some("shoes")));
    let flat = features(&[("category", "flats")], None, "flats");
    assert_eq!(
        credit(hv, &candidate_values(&flat, "category"), &t).value,
        0.5
    );
    // Patent has leather; suede is leather.
    let leather_hero = features(&[("material", "leather")], None, "");
    let lv = hero_values(&leather_hero, &t, Some(&config));
    let suede = features(&[("material", "suede")], None, "");
    assert_eq!(
        credit(&lv[0], &candidate_values(&suede, "material"), &t).value,
        1.0
    );
}

#[test]
fn a_closer_candidate_scores_higher() {
    let t = Taxonomy::bundled();
    let config = LookalikeConfig::bundled();
    let hero = features(
        &[
            ("category", "ballet_flats"),
            ("detail", "bow"),
            ("colour", "pink"),
        ],
        Some("pink"),
        "bow ballet flats",
    );
    let values = hero_values(&hero, &t, Some(&config));
    let close = features(
        &[
            ("category", "ballet_flats"),
            ("detail", "bow"),
            ("colour", "pink"),
        ],
        Some("pink"),
        "bow ballet flats",
    );
    let far = features(
        &[("category", "court_shoes"), ("colour", "pink")],
        Some("pink"),
        "pink pumps",
    );
    let a = score(&values, &uniform(&hero.words), &close, &t, &config).score;
    let b = score(&values, &uniform(&hero.words), &far, &t, &config).score;
    assert!(a > 0.99 && b < 0.5, "{a} {b}");
}

#[test]
fn a_piece_for_another_market_is_marked_down_unisex_is_not() {
    let t = Taxonomy::bundled();
    let config = LookalikeConfig::bundled();
    let jacket = |gender: &str| {
        features(
            &[
                ("category", "coats_jackets"),
                ("material", "denim"),
                ("gender", gender),
            ],
            Some("blue"),
            "washed denim jacket",
        )
    };
    let hero = jacket("women");
    let values = hero_values(&hero, &t, Some(&config));
    let words = uniform(&hero.words);
    let women = score(&values, &words, &jacket("women"), &t, &config).score;
    let girls = score(&values, &words, &jacket("girls"), &t, &config).score;
    let unisex = score(&values, &words, &jacket("unisex"), &t, &config).score;
    let unstated = score(
        &values,
        &words,
        &features(
            &[("category", "coats_jackets"), ("material", "denim")],
            Some("blue"),
            "washed denim jacket",
        ),
        &t,
        &config,
    )
    .score;
    assert!(config.other_market < 1.0);
    // The girls' jacket loses the gender weight and then the market factor.
    let without_gate = LookalikeConfig {
        other_market: 1.0,
        ..config.clone()
    };
    let girls_ungated = score(&values, &words, &jacket("girls"), &t, &without_gate).score;
    assert!((girls - girls_ungated * config.other_market).abs() < 1e-6);
    assert!(girls < unisex && unisex < women, "{girls} {unisex} {women}");
    // Not stating a gender is not another market.
    assert!(unstated > girls_ungated, "{unstated} {girls_ungated}");
}

fn uniform(words: &[String]) -> Vec<(String, f32)> {
    words.iter().map(|w| (w.clone(), 1.0)).collect()
}

#[test]
fn a_two_tone_hero_prefers_its_second_colour_and_never_calls_it_a_difference() {
    let t = Taxonomy::bundled();
    let config = LookalikeConfig::bundled();
    assert!(config.second_colour > 0.0);
    let shirt = |colours: &[&str]| {
        let mut f = features(
            &[("category", "shirts"), ("pattern", "checked")],
            Some(colours[0]),
            "checked casual shirt",
        );
        f.other_colours = colours[1..].iter().map(|c| c.to_string()).collect();
        f
    };
    let hero = shirt(&["red", "navy"]);
    let values = hero_values(&hero, &t, Some(&config));
    assert_eq!(values.iter().filter(|v| v.second).count(), 1);
    let score_of = |c: &Features| score(&values, &[], c, &t, &config).score;
    let (same, other, plain) = (
        shirt(&["red", "navy"]),
        shirt(&["red", "white"]),
        shirt(&["red"]),
    );
    assert!(
        score_of(&same) > score_of(&other),
        "red & navy above red & white"
    );
    assert_eq!(
        score_of(&other),
        score_of(&plain),
        "white earns nothing for navy"
    );
    let said = explain(&values, &same, &t, &config);
    assert!(
        said.shared.contains(&"navy".to_string()),
        "{:?}",
        said.shared
    );
    let said = explain(&values, &other, &t, &config);
    assert!(!said.shared.contains(&"navy".to_string()));
    assert!(
        said.differences
            .iter()
            .all(|d| d.hero.as_deref() != Some("navy")),
        "{:?}",
        said.differences
    );
    assert!(said.unstated.is_empty(), "{:?}", said.unstated);
    let hero = Hero {
        id: None,
        item_ids: Vec::new(),
        brand: None,
        title: "Red & Navy Checked Casual Shirt".into(),
        price: None,
        tier: None,
        attributes: None,
        features: hero,
    };
    assert!(
        hero.understood(&t).ends_with(", second colour navy"),
        "{}",
        hero.understood(&t)
    );
}
