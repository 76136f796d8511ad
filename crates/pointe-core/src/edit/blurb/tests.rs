use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

fn shared(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(d, l)| (d.to_string(), l.to_string()))
        .collect()
}

fn flats() -> Noun {
    Noun::of_category(
        Some("ballet_flats"),
        Some("ballet flat"),
        &["flats".into(), "shoes".into()],
    )
}

fn input<'a>(
    rank: usize,
    slug: &str,
    noun: &'a Noun,
    shared: &'a [(String, String)],
    differences: &'a [Difference],
) -> BlurbInput<'a> {
    BlurbInput {
        rank,
        seed: seed(slug),
        hero_name: "Miu Miu",
        noun,
        shared,
        differences,
        tier_label: Some("High street"),
        saving: Some("£515 less"),
        market: Market::Uk,
    }
}

#[test]
fn the_balletcore_closest_pick_is_the_closest_pair() {
    let s = shared(&[("category", "ballet flat"), ("detail", "bow")]);
    let d = [Difference {
        dimension: "material".into(),
        hero: Some("satin".into()),
        pick: Some("leather".into()),
    }];
    let noun = flats();
    let text = write(&input(0, "balletcore", &noun, &s, &d), &[]);
    assert_eq!(
        text,
        "The closest pair to the Miu Miu: the same bow, for £515 less."
    );
    assert_eq!(shape_of(&text), Some("closest"));
}

#[test]
fn the_noun_follows_the_category() {
    let noun = |id: &str, label: &str, parents: &[&str]| {
        let parents: Vec<String> = parents.iter().map(|p| p.to_string()).collect();
        Noun::of_category(Some(id), Some(label), &parents).word
    };
    assert_eq!(noun("heels", "heels", &["shoes"]), "pair");
    assert_eq!(noun("trainers", "trainer", &["shoes"]), "pair");
    assert_eq!(noun("socks", "socks", &["clothing"]), "pair");
    assert_eq!(noun("dresses", "dress", &["clothing"]), "dress");
    assert_eq!(
        noun("kurtas", "kurta", &["ethnic_wear", "clothing"]),
        "kurta"
    );
    assert_eq!(noun("watches", "watch", &["accessories"]), "watch");
    assert_eq!(noun("totes", "tote", &["handbags", "bags"]), "bag");
    assert_eq!(noun("clothing", "clothing", &[]), "piece");
    assert_eq!(Noun::of(None).word, "piece");
    let watch = Noun::of_category(Some("watches"), Some("watch"), &["accessories".into()]);
    let s = shared(&[("strap", "leather strap"), ("colour", "black")]);
    let mut i = input(0, "watches", &watch, &s, &[]);
    i.hero_name = "Titan";
    for rank in 0..4 {
        i.rank = rank;
        let text = write(&i, &[]);
        assert!(!text.contains("pair"), "{text}");
    }
}

#[test]
fn eight_picks_never_open_the_same_way() {
    let s = shared(&[
        ("category", "ballet flat"),
        ("material", "leather"),
        ("toe", "almond toe"),
        ("detail", "bow"),
    ]);
    let d = [Difference {
        dimension: "toe".into(),
        hero: Some("round toe".into()),
        pick: Some("square toe".into()),
    }];
    let noun = flats();
    let mut taken = Vec::new();
    let mut blurbs = Vec::new();
    for rank in 0..8 {
        let text = write(&input(rank, "flats", &noun, &s, &d), &taken);
        assert!(problems(&text, "Miu Miu").is_empty(), "{text}");
        taken.push(opening(&text));
        blurbs.push(text);
    }
    let mut openings: Vec<String> = blurbs.iter().map(|b| opening(b)).collect();
    openings.sort();
    openings.dedup();
    assert_eq!(openings.len(), 8, "{blurbs:#?}");
}

#[test]
fn ten_edits_do_not_open_alike() {
    let s = shared(&[
        ("material", "leather"),
        ("detail", "bow"),
        ("toe", "almond toe"),
    ]);
    let d = [Difference {
        dimension: "material".into(),
        hero: Some("satin".into()),
        pick: Some("leather".into()),
    }];
    let noun = flats();
    let mut shapes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut firsts: BTreeMap<&str, usize> = BTreeMap::new();
    let slugs = [
        "balletcore",
        "flats",
        "summer-flats",
        "bows",
        "office",
        "weekend",
        "pink",
        "satin",
        "under-100",
        "wedding",
    ];
    for slug in slugs {
        let mut taken = Vec::new();
        for rank in 0..4 {
            let text = write(&input(rank, slug, &noun, &s, &d), &taken);
            taken.push(opening(&text));
            let shape = shape_of(&text).unwrap_or_else(|| panic!("no shape: {text}"));
            *shapes.entry(shape).or_default() += 1;
            if rank == 1 {
                *firsts.entry(shape).or_default() += 1;
            }
        }
    }
    let most = shapes.values().max().copied().unwrap_or(0);
    assert!(most * 10 <= 40 * 3, "one shape opens over 30%: {shapes:?}");
    assert!(firsts.len() >= 3, "second picks open alike: {firsts:?}");
}

#[test]
fn the_market_sets_the_spelling() {
    let s = shared(&[("colour", "grey"), ("detail", "bow")]);
    let noun = flats();
    let mut i = input(0, "balletcore", &noun, &s, &[]);
    i.shared = &s[..1];
    assert_eq!(
        write(&i, &[]),
        "The closest pair to the Miu Miu: the same grey colour, for £515 less."
    );
    i.market = Market::Us;
    assert_eq!(
        write(&i, &[]),
        "The closest pair to the Miu Miu: the same gray color, for £515 less."
    );
    let trainers = Difference {
        dimension: "category".into(),
        hero: Some("loafer".into()),
        pick: Some("trainer".into()),
    };
    i.shared = &[];
    let d = [trainers];
    i.differences = &d;
    i.saving = None;
    assert!(write(&i, &[]).contains("a sneaker instead of a loafer"));
}

#[test]
fn nothing_the_engine_says_reaches_a_blurb() {
    let s = shared(&[
        ("pattern", "solid"),
        ("occasion", "party"),
        ("gender", "women"),
        ("fit", "regular fit"),
    ]);
    let d = [
        Difference {
            dimension: "pattern".into(),
            hero: Some("solid".into()),
            pick: None,
        },
        Difference {
            dimension: "heel".into(),
            hero: Some("kitten heel".into()),
            pick: None,
        },
    ];
    let noun = flats();
    let mut taken = Vec::new();
    for rank in 0..6 {
        let text = write(&input(rank, "hidden", &noun, &s, &d), &taken);
        taken.push(opening(&text));
        for word in ["solid", "party", "women", "regular", "kitten"] {
            assert!(!text.contains(word), "{text}");
        }
        assert!(problems(&text, "Miu Miu").is_empty(), "{text}");
    }
}

const DIMENSIONS: &[(&str, &[&str])] = &[
    (
        "material",
        &["leather", "satin", "suede", "synthetic", "cotton"],
    ),
    (
        "detail",
        &["bow", "buckle", "embroidery", "sequins", "strap", "T-bar"],
    ),
    ("toe", &["almond toe", "round toe", "square toe"]),
    ("heel", &["flat", "kitten heel", "block heel"]),
    ("colour", &["black", "blush", "grey"]),
    ("pattern", &["solid", "floral", "printed", "striped"]),
    ("silhouette", &["A-line", "wrap"]),
    ("sleeve", &["long sleeve", "sleeveless"]),
    ("occasion", &["party", "casual"]),
    ("category", &["dress", "ballet flat"]),
];

fn attribute() -> impl Strategy<Value = (String, String)> {
    (0..DIMENSIONS.len()).prop_flat_map(|d| {
        let (dim, labels) = DIMENSIONS[d];
        (0..labels.len()).prop_map(move |l| (dim.to_string(), labels[l].to_string()))
    })
}

fn difference() -> impl Strategy<Value = Difference> {
    (attribute(), attribute(), 0..3u8).prop_map(|((dim, a), (_, b), kind)| Difference {
        hero: (kind != 1).then(|| b.clone()),
        pick: (kind != 2).then(|| a.clone()),
        dimension: dim,
    })
}

proptest! {
    #[test]
    fn every_blurb_reads_well(
        shared in proptest::collection::vec(attribute(), 0..6),
        differences in proptest::collection::vec(difference(), 0..4),
        hero in "(Miu Miu|M&S|Titan|The Kaftan Company|hummel|W|Jack & Jones|Levis|A very long brand name that goes on and on)",
        category in 0..6usize,
        tier in proptest::option::of("(High street|Mid-range|Investment)"),
        saving in proptest::option::of("(£515 less|about ₹2,040 less|\\$12 less)"),
        us in any::<bool>(),
        slug in "[a-z]{1,12}",
        picks in 1..9usize,
    ) {
        let noun = match category {
            0 => flats(),
            1 => Noun::of_category(Some("dresses"), Some("dress"), &["clothing".into()]),
            2 => Noun::of_category(Some("watches"), Some("watch"), &["accessories".into()]),
            3 => Noun::of_category(Some("totes"), Some("tote"), &["bags".into()]),
            4 => Noun::of_category(Some("kurtas"), Some("kurta"), &["ethnic_wear".into()]),
            _ => Noun::of(None),
        };
        let mut taken = Vec::new();
        for rank in 0..picks {
            let text = write(
                &BlurbInput {
                    rank,
                    seed: seed(&slug),
                    hero_name: &hero,
                    noun: &noun,
                    shared: &shared,
                    differences: &differences,
                    tier_label: tier.as_deref(),
                    saving: saving.as_deref(),
                    market: if us { Market::Us } else { Market::Uk },
                },
                &taken,
            );
            let found = problems(&text, &hero);
            prop_assert!(found.is_empty(), "{text:?}: {found:?}");
            prop_assert!(!taken.contains(&opening(&text)), "{text:?} opens like {taken:?}");
            taken.push(opening(&text));
        }
    }
}
