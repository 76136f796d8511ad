//! The sentence shapes of blurbs. The closest pick says it is the closest, in one of three
//! openings; every other pick takes one of the later shapes, in an order the edit's seed gives,
//! so edits open their blurbs differently. Each shape names one thing a shopper can use: a
//! shared detail, a visible difference or the saving.

use super::BlurbInput;
use super::features::{Feature, article, feature};

/// Shortest and longest blurb, in characters.
pub(super) const MIN_LEN: usize = 40;
pub(super) const MAX_LEN: usize = 200;

/// A hero name longer than this is called "the original" (a blurb stays readable).
const MAX_HERO_NAME: usize = 40;

/// What the shapes draw on, already in the market's words.
struct Parts {
    /// "the Miu Miu", or the hero's own name when it starts with "The".
    hero: String,
    noun: String,
    features: Vec<Feature>,
    difference: Option<String>,
    saving: Option<String>,
    /// The tier label in lower case, with its article ("a high street").
    tier: Option<String>,
}

impl Parts {
    fn of(input: &BlurbInput<'_>) -> Parts {
        let m = input.market;
        // A difference that says what the pick is ("leather instead of satin") before one
        // that says what it adds.
        let phrases: Vec<String> = input
            .differences
            .iter()
            .filter_map(|d| d.phrase())
            .collect();
        let difference = phrases
            .iter()
            .find(|p| p.contains(" instead of "))
            .or(phrases.first())
            .map(|p| m.spell(p));
        let tier = input
            .tier_label
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                let lower = lower_first(&m.spell(t));
                format!("{} {lower}", article(&lower))
            });
        Parts {
            hero: hero_reference(input.hero_name),
            noun: m.spell(&input.noun.word),
            features: features(input),
            difference,
            saving: input.saving.map(|s| m.spell(s)),
            tier,
        }
    }

    fn details(&self) -> Vec<&Feature> {
        self.features
            .iter()
            .filter(|f| f.is_detail())
            .take(2)
            .collect()
    }

    fn material(&self) -> Option<&Feature> {
        self.features
            .iter()
            .find(|f| matches!(f.dimension.as_str(), "material" | "metal"))
    }

    /// "the Titan's".
    fn hero_possessive(&self) -> String {
        if self.hero.ends_with('s') {
            format!("{}'", self.hero)
        } else {
            format!("{}'s", self.hero)
        }
    }

    /// The one thing the closest pick's blurb adds: what it shares, else how it differs, else
    /// the saving.
    fn closest_fact(&self) -> String {
        let same: Vec<String> = self
            .features
            .iter()
            .take(2)
            .map(|f| f.bare.clone())
            .collect();
        match (&self.saving, &self.difference) {
            _ if !same.is_empty() => format!(
                ": the same {}{}",
                list(&same),
                self.saving
                    .as_ref()
                    .map(|s| format!(", for {s}"))
                    .unwrap_or_default()
            ),
            (_, Some(d)) => format!(", with {d}"),
            (Some(s), None) => format!(", for {s}"),
            (None, None) => String::new(),
        }
    }
}

/// The shared attributes a blurb may name, in the market's words, without repeats.
fn features(input: &BlurbInput<'_>) -> Vec<Feature> {
    let m = input.market;
    let mut features: Vec<Feature> = Vec::new();
    for (dimension, label) in input.shared {
        if let Some(mut f) = feature(dimension, label) {
            f.with = m.spell(&f.with);
            f.bare = m.spell(&f.bare);
            if !features.iter().any(|g| g.bare == f.bare) {
                features.push(f);
            }
        }
    }
    // "A strap" says less than "a cross-body strap" beside it, and nothing of a watch or a
    // bag, which all have one.
    let named: Vec<String> = features.iter().map(|f| f.bare.clone()).collect();
    let strapped = matches!(input.noun.word.as_str(), "watch" | "bag");
    features.retain(|f| {
        let broader = named.iter().any(|g| g.ends_with(&format!(" {}", f.bare)));
        let implied = strapped && f.bare == "strap";
        !broader && !implied
    });
    features
}

/// "the Miu Miu"; a name that starts with "The" as it is; "the original" for a name too long
/// to read in a sentence.
fn hero_reference(name: &str) -> String {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_HERO_NAME {
        "the original".to_string()
    } else if name.to_lowercase().starts_with("the ") {
        name.to_string()
    } else {
        format!("the {name}")
    }
}

fn lower_first(text: &str) -> String {
    // An all-capital word ("UK") keeps its case.
    let first = text.split_whitespace().next().unwrap_or("");
    if first.chars().count() > 1 && first.chars().all(char::is_uppercase) {
        return text.to_string();
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// "an almond toe, a bow and an elastic strap".
fn list(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// A shape: its name, how its blurbs open (to recognise them), and the sentence without its
/// full stop, or `None` when the pick gives it nothing to say.
struct Shape {
    name: &'static str,
    opens: &'static str,
    text: fn(&Parts) -> Option<String>,
}

/// The closest pick's shapes.
const CLOSEST: &[Shape] = &[
    Shape {
        name: "closest",
        opens: "The closest ",
        text: |p| {
            Some(format!(
                "The closest {} to {}{}",
                p.noun,
                p.hero,
                p.closest_fact()
            ))
        },
    },
    Shape {
        name: "nothing-closer",
        opens: "Nothing here comes closer",
        text: |p| {
            Some(format!(
                "Nothing here comes closer to {}{}",
                p.hero,
                p.closest_fact()
            ))
        },
    },
    Shape {
        name: "best-match",
        opens: "Of all the picks",
        text: |p| {
            Some(format!(
                "Of all the picks, this {} is the best match for {}{}",
                p.noun,
                p.hero,
                p.closest_fact()
            ))
        },
    },
];

/// The later picks' shapes.
const LATER: &[Shape] = &[
    Shape {
        name: "complete-with",
        opens: "Complete with ",
        text: |p| {
            let details: Vec<String> = p.details().iter().map(|f| f.with.clone()).collect();
            (!details.is_empty())
                .then(|| format!("Complete with {}, just like {}", list(&details), p.hero))
        },
    },
    Shape {
        name: "shares",
        opens: "Shares ",
        text: |p| {
            let same: Vec<String> = p.features.iter().take(2).map(|f| f.bare.clone()).collect();
            (!same.is_empty()).then(|| format!("Shares {} {}", p.hero_possessive(), list(&same)))
        },
    },
    Shape {
        name: "tier-take",
        opens: " take on ",
        text: |p| {
            let tier = p.tier.as_ref()?;
            let tail = match (p.material(), p.details().first()) {
                (Some(m), _) => format!(", in {}", m.with),
                (None, Some(d)) => format!(", with {}", d.with),
                (None, None) => p.saving.as_ref().map(|s| format!(" for {s}"))?,
            };
            Some(format!("{} take on {}{tail}", capitalise(tier), p.hero))
        },
    },
    Shape {
        name: "saving",
        opens: "Yours for ",
        text: |p| {
            let saving = p.saving.as_ref()?;
            Some(format!(
                "Yours for {saving} than {}{}",
                p.hero,
                p.details()
                    .first()
                    .map(|d| format!(", with {}", d.with))
                    .unwrap_or_default()
            ))
        },
    },
    Shape {
        name: "parts-ways",
        opens: "Where it parts ways",
        text: |p| {
            let d = p.difference.as_ref()?;
            Some(format!("Where it parts ways with {}: {d}", p.hero))
        },
    },
    Shape {
        name: "after",
        opens: "If it's ",
        text: |p| {
            let detail = p.details().first().map(|d| d.with.clone())?;
            Some(format!(
                "If it's {detail} you're after, this {} delivers",
                p.noun
            ))
        },
    },
    Shape {
        name: "same-material",
        opens: "Made in the same ",
        text: |p| {
            let m = p.material()?;
            Some(format!(
                "Made in the same {} as {}{}",
                m.bare,
                p.hero,
                p.difference
                    .as_ref()
                    .map(|d| format!(", with {d}"))
                    .unwrap_or_default()
            ))
        },
    },
    Shape {
        name: "worth-a-look",
        opens: "Worth a look",
        text: |p| {
            let tail = match (&p.saving, p.details().first()) {
                (Some(s), _) => format!(" for {s}"),
                (None, Some(d)) => format!(", {} and all", d.with),
                (None, None) => return None,
            };
            Some(format!(
                "Worth a look for anyone after the feel of {}{tail}",
                p.hero
            ))
        },
    },
];

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Lengthens a sentence under [`MIN_LEN`] with what it does not say yet, then ends it.
fn finish(mut text: String, p: &Parts) -> String {
    let extensions = [
        p.saving
            .as_ref()
            .filter(|s| !text.contains(s.as_str()))
            .map(|s| format!(", for {s}")),
        p.tier
            .as_ref()
            .filter(|_| !text.contains(" take on "))
            .map(|t| format!(", {t} pick")),
        Some(", and well worth a look".to_string()),
    ];
    for ext in extensions.into_iter().flatten() {
        if text.chars().count() + 1 >= MIN_LEN {
            break;
        }
        text.push_str(&ext);
    }
    text.push('.');
    text
}

/// The order of the later shapes for an edit's seed: each shape's place is a hash of the seed
/// and the shape, so every seed gives its own order.
fn order(seed: u64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..LATER.len()).collect();
    idx.sort_by_key(|&i| super::seed(&format!("{seed:x}/{}", LATER[i].name)));
    idx
}

pub(super) fn write(input: &BlurbInput<'_>, taken: &[String]) -> String {
    let p = Parts::of(input);
    let later = order(input.seed);
    let n = later.len();
    let candidates: Vec<&Shape> = if input.rank == 0 {
        let first = (input.seed % CLOSEST.len() as u64) as usize;
        (0..CLOSEST.len())
            .map(|k| &CLOSEST[(first + k) % CLOSEST.len()])
            .chain(later.iter().map(|&i| &LATER[i]))
            .collect()
    } else {
        (0..n)
            .map(|k| &LATER[later[(input.rank - 1 + k) % n]])
            .collect()
    };
    for shape in candidates {
        if let Some(text) = (shape.text)(&p) {
            let text = finish(text, &p);
            if text.chars().count() <= MAX_LEN && !taken.contains(&super::opening(&text)) {
                return text;
            }
        }
    }
    // Every shape is taken or has nothing to say (an edit with very many picks): the pick's
    // place, which no other blurb opens with.
    let fact = p
        .details()
        .first()
        .map(|d| format!(": {}", d.with))
        .or_else(|| p.saving.as_ref().map(|s| format!(": {s} than {}", p.hero)))
        .unwrap_or_else(|| format!(", another way into the look of {}", p.hero));
    finish(format!("Number {} in the edit{fact}", input.rank + 1), &p)
}

pub(super) fn shape_of(text: &str) -> Option<&'static str> {
    CLOSEST
        .iter()
        .chain(LATER)
        .find(|s| {
            if s.opens.starts_with(' ') {
                text.contains(s.opens)
            } else {
                text.starts_with(s.opens)
            }
        })
        .map(|s| s.name)
        .or_else(|| text.starts_with("Number ").then_some("numbered"))
}
