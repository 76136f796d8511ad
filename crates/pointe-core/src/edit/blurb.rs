//! Blurbs written from a pick's explanation: what it shares with the hero and what sets it
//! apart, in varied British-English phrasing.
//!
//! Each blurb is built from one of several sentence shapes; a shape is chosen that fits what
//! the explanation holds (a shared category, shared details, a difference) and whose opening
//! words no other blurb of the edit uses. Every attribute a blurb names comes from the
//! explanation, whose shared attributes are the pick's own extracted values.

/// What a blurb is written from.
#[derive(Debug, Clone, Copy)]
pub struct BlurbInput<'a> {
    /// 0 for the closest pick.
    pub rank: usize,
    /// How the hero is named: its brand ("Miu Miu").
    pub hero_name: &'a str,
    /// Shared attributes as `(dimension, label)`, most important first.
    pub shared: &'a [(String, String)],
    /// Differences as short phrases ("leather instead of satin").
    pub differences: &'a [String],
    /// The pick's tier.
    pub tier: Option<&'a str>,
}

/// The opening of a blurb: its first two words, lower case. No two blurbs of one edit share one.
pub fn opening(text: &str) -> String {
    text.split_whitespace()
        .take(2)
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
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

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// The parts a sentence shape draws on.
struct Parts {
    category: Option<String>,
    material: Option<String>,
    details: Vec<String>,
    difference: Option<String>,
    hero: String,
    tier: Option<&'static str>,
}

impl Parts {
    fn of(input: &BlurbInput<'_>) -> Parts {
        let mut category = None;
        let mut material = None;
        let mut details = Vec::new();
        for (dimension, label) in input.shared {
            match dimension.as_str() {
                "category" if category.is_none() => category = Some(label.clone()),
                "material" | "finish" if material.is_none() => material = Some(label.clone()),
                "detail" | "toe" => details.push(format!("{} {label}", article(label))),
                _ => {}
            }
        }
        details.truncate(3);
        Parts {
            category,
            material,
            details,
            // A difference that says what the pick is ("leather instead of satin") reads better
            // than one that says what it lacks ("no logo patch").
            difference: input
                .differences
                .iter()
                .find(|d| d.contains(" instead of "))
                .or_else(|| input.differences.first())
                .cloned(),
            hero: input.hero_name.to_string(),
            tier: match input.tier {
                Some("high_street") => Some("high-street"),
                Some("premium") => Some("mid-price"),
                Some("luxury") => Some("designer"),
                _ => None,
            },
        }
    }

    fn plural_category(&self) -> Option<String> {
        self.category.as_ref().map(|c| {
            if c.ends_with('s') {
                c.clone()
            } else {
                format!("{c}s")
            }
        })
    }
}

type Shape = fn(&Parts) -> Option<String>;

/// The sentence shapes, in order of preference for later picks. The first is kept for the
/// closest pick.
const SHAPES: &[Shape] = &[
    |p| {
        let mut same: Vec<String> = p.material.iter().cloned().collect();
        same.extend(p.details.iter().map(|d| {
            d.split_once(' ')
                .map(|(_, rest)| rest.to_string())
                .unwrap_or_else(|| d.clone())
        }));
        let tail = match (same.is_empty(), &p.difference) {
            (false, Some(d)) => format!(": the same {}, with {d}", list(&same)),
            (false, None) => format!(": the same {}", list(&same)),
            (true, Some(d)) => format!(": {d}"),
            (true, None) => String::new(),
        };
        Some(format!(
            "The closest pair to the {}, at a fraction of the price{tail}.",
            p.hero
        ))
    },
    |p| {
        (!p.details.is_empty()).then(|| {
            format!(
                "Complete with {}{}.",
                list(&p.details),
                p.difference
                    .as_ref()
                    .map(|d| format!(" — {d}"))
                    .unwrap_or_default()
            )
        })
    },
    |p| {
        let category = p.category.as_ref()?;
        Some(format!(
            "Same {category} shape as the {}{}.",
            p.hero,
            if p.details.is_empty() {
                String::new()
            } else {
                format!(", down to {}", list(&p.details))
            }
        ))
    },
    |p| {
        let tier = p.tier?;
        Some(format!(
            "A {tier} take on the look{}.",
            match (&p.material, p.details.first()) {
                (Some(m), Some(d)) => format!(" in {m}, with {d}"),
                (Some(m), None) => format!(" in {m}"),
                (None, Some(d)) => format!(", with {d}"),
                (None, None) => String::new(),
            }
        ))
    },
    |p| {
        let (material, category) = (p.material.as_ref()?, p.plural_category()?);
        Some(format!(
            "{} {category}{} — {}.",
            capitalise(material),
            p.details
                .first()
                .map(|d| format!(" with {d}"))
                .unwrap_or_default(),
            p.difference.as_deref().unwrap_or("the same look for less")
        ))
    },
    |p| {
        let detail = p.details.first()?;
        Some(format!(
            "If it's {detail} you're after, this pair delivers{}.",
            p.difference
                .as_ref()
                .map(|d| format!(" — {d}"))
                .unwrap_or_default()
        ))
    },
    |p| {
        let difference = p.difference.as_ref()?;
        Some(format!(
            "Where it parts ways with the {}: {difference}.",
            p.hero
        ))
    },
    |p| {
        Some(format!(
            "Worth a look for anyone after the {} feel without the price tag{}.",
            p.hero,
            p.category
                .as_ref()
                .map(|c| format!(": the {c} is all here"))
                .unwrap_or_default()
        ))
    },
];

/// Writes a blurb whose opening is not among `taken` (the openings of the edit's other blurbs).
/// The closest pick (rank 0) gets "The closest pair to …" when that opening is free.
pub fn write(input: &BlurbInput<'_>, taken: &[String]) -> String {
    let parts = Parts::of(input);
    let order: Vec<usize> = if input.rank == 0 {
        (0..SHAPES.len()).collect()
    } else {
        // Later picks start at a different shape each, skipping the closest-pair one.
        let n = SHAPES.len() - 1;
        (0..n).map(|k| 1 + (input.rank - 1 + k) % n).collect()
    };
    for i in order {
        if let Some(text) = SHAPES[i](&parts)
            && !taken.contains(&opening(&text))
        {
            return text;
        }
    }
    // Every shape's opening is taken (an edit with very many picks): name the pick's own
    // features, opened by its rank so it stays unique.
    format!(
        "Pick number {}: {}.",
        input.rank + 1,
        if parts.details.is_empty() {
            parts.category.unwrap_or_else(|| "the look for less".into())
        } else {
            list(&parts.details)
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(d, l)| (d.to_string(), l.to_string()))
            .collect()
    }

    #[test]
    fn the_closest_pick_is_the_closest_pair() {
        let s = shared(&[("category", "ballet flat"), ("detail", "bow")]);
        let text = write(
            &BlurbInput {
                rank: 0,
                hero_name: "Miu Miu",
                shared: &s,
                differences: &["leather instead of satin".into()],
                tier: Some("high_street"),
            },
            &[],
        );
        assert_eq!(
            text,
            "The closest pair to the Miu Miu, at a fraction of the price: the same bow, with leather instead of satin."
        );
    }

    #[test]
    fn eight_picks_never_open_the_same_way() {
        let s = shared(&[
            ("category", "ballet flat"),
            ("material", "leather"),
            ("toe", "almond toe"),
            ("detail", "bow"),
        ]);
        let d = vec!["a square toe instead of a round one".to_string()];
        let mut taken = Vec::new();
        let mut blurbs = Vec::new();
        for rank in 0..8 {
            let text = write(
                &BlurbInput {
                    rank,
                    hero_name: "Miu Miu",
                    shared: &s,
                    differences: &d,
                    tier: Some("premium"),
                },
                &taken,
            );
            taken.push(opening(&text));
            blurbs.push(text);
        }
        let mut openings: Vec<String> = blurbs.iter().map(|b| opening(b)).collect();
        openings.sort();
        openings.dedup();
        assert_eq!(openings.len(), 8, "{blurbs:#?}");
        assert!(
            blurbs[1].starts_with("Complete with an almond toe and a bow"),
            "{}",
            blurbs[1]
        );
    }

    #[test]
    fn articles_and_lists_read_naturally() {
        assert_eq!(
            list(&[
                "an almond toe".into(),
                "a bow".into(),
                "an elastic strap".into()
            ]),
            "an almond toe, a bow and an elastic strap"
        );
        assert_eq!(opening("The closest pair to the Miu Miu"), "the closest");
    }
}
