//! What a blurb may name, as a shopper says it: a shared attribute as a phrase ("an almond
//! toe", "the same leather"), a difference as "X instead of Y". Only what a shopper can see in
//! the pick is said; the engine's other dimensions (occasion, gender, fit, sizes) and what a
//! pick merely does not state are left out.

use crate::attributes::Attributes;

/// One way a pick differs from the hero, by dimension: the pick's value instead of the hero's,
/// a detail the pick adds, or one of the hero's it lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The dimension (`material`, `detail`…).
    pub dimension: String,
    /// The hero's label here, if it has one.
    pub hero: Option<String>,
    /// The pick's label here, if it has one.
    pub pick: Option<String>,
}

impl Difference {
    /// Reads a difference as the look-alike engine writes it ("leather instead of satin", "an
    /// ankle ribbon instead of an elastic strap", "adds buckle", "no logo patch"), finding each
    /// label's dimension among the pick's and the hero's own attributes; `None` for text of
    /// another form or a label neither states.
    pub fn read(
        text: &str,
        hero: Option<&Attributes>,
        pick: Option<&Attributes>,
    ) -> Option<Difference> {
        let text = text.trim();
        let (pick_label, hero_label) = if let Some((p, h)) = text.split_once(" instead of ") {
            (Some(strip_article(p)), Some(strip_article(h)))
        } else if let Some(p) = text.strip_prefix("adds ") {
            (Some(strip_article(p)), None)
        } else if let Some(h) = text.strip_prefix("no ") {
            (None, Some(strip_article(h)))
        } else {
            return None;
        };
        let dimension = pick_label
            .and_then(|l| dimension_of(pick, l))
            .or_else(|| hero_label.and_then(|l| dimension_of(hero, l)))?;
        Some(Difference {
            dimension,
            hero: hero_label.map(str::to_string),
            pick: pick_label.map(str::to_string),
        })
    }

    /// The difference as a shopper reads it ("leather instead of satin", "a block heel
    /// instead of a kitten heel", "an added buckle"); `None` when it is not one a shopper can
    /// see, or it only says what the pick lacks.
    pub fn phrase(&self) -> Option<String> {
        match (&self.pick, &self.hero) {
            (Some(p), Some(h)) => {
                let pick = swap_phrase(&self.dimension, p)?;
                let hero = swap_phrase(&self.dimension, h)?;
                (pick != hero).then(|| format!("{pick} instead of {hero}"))
            }
            (Some(p), None) if self.dimension == "detail" => {
                let (with, bare) = detail_phrase(p);
                Some(if with == bare {
                    format!("added {bare}")
                } else {
                    format!("an added {bare}")
                })
            }
            _ => None,
        }
    }
}

fn strip_article(text: &str) -> &str {
    let t = text.trim();
    t.strip_prefix("a ")
        .or_else(|| t.strip_prefix("an "))
        .unwrap_or(t)
}

fn dimension_of(attrs: Option<&Attributes>, label: &str) -> Option<String> {
    attrs?.values.iter().find_map(|(dimension, list)| {
        list.iter()
            .any(|e| e.label.eq_ignore_ascii_case(label))
            .then(|| dimension.clone())
    })
}

/// "a" or "an" before `word`.
pub(super) fn article(word: &str) -> &'static str {
    let lower = word.to_lowercase();
    // Letters read as a vowel sound ("an A-line", "an X-strap"), words that do not ("a
    // one-piece", "a uniform").
    if lower.starts_with("one") || lower.starts_with("uni") || lower.starts_with("eu") {
        return "a";
    }
    match lower.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ if word.len() > 1 && word.as_bytes()[1] == b'-' => match word.as_bytes()[0] {
            b'A' | b'E' | b'F' | b'H' | b'I' | b'L' | b'M' | b'N' | b'O' | b'R' | b'S' | b'X' => {
                "an"
            }
            _ => "a",
        },
        _ => "a",
    }
}

/// A named piece with its article when it is one ("a kurti"), without when it is a plural
/// ("leggings", "track pants").
fn counted(label: &str) -> String {
    if label.ends_with('s') && !label.ends_with("ss") {
        label.to_string()
    } else {
        format!("{} {label}", article(label))
    }
}

/// A shared attribute as a blurb names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Feature {
    /// Its dimension.
    pub dimension: String,
    /// With its article, after "with": "an almond toe", "leather", "long sleeves".
    pub with: String,
    /// Bare, after "the same" or a possessive: "almond toe", "leather", "long sleeves".
    pub bare: String,
}

impl Feature {
    /// Whether it is a detail of the piece a shopper would point at (a bow, a toe, a heel, a
    /// neckline), as opposed to what it is made of.
    pub fn is_detail(&self) -> bool {
        !matches!(
            self.dimension.as_str(),
            "material" | "finish" | "colour" | "metal"
        )
    }
}

/// A shared attribute as a feature, or `None` when a shopper would not call it one (the
/// category, which is the noun; occasion, gender, fit, sizes; a plain pattern; a flat heel).
pub(super) fn feature(dimension: &str, label: &str) -> Option<Feature> {
    let (with, bare) = match dimension {
        // What every cheap pair is made of is no selling point.
        "material" if label == "synthetic" => return None,
        "material" => (label.to_string(), label.to_string()),
        // Finishes and most metals are adjectives: "a matte finish", "gold-tone metal".
        "finish" => {
            let bare = if label.ends_with("effect") {
                label.to_string()
            } else {
                format!("{label} finish")
            };
            (format!("{} {bare}", article(&bare)), bare)
        }
        "metal" => {
            let adjective = label.ends_with("-tone") || label.ends_with("plated");
            let bare = if adjective {
                format!("{label} metal")
            } else {
                label.to_string()
            };
            (bare.clone(), bare)
        }
        "colour" => (format!("{label} colour"), format!("{label} colour")),
        "detail" => detail_phrase(label),
        "toe" | "neckline" | "case_shape" | "strap" | "handle" => {
            (format!("{} {label}", article(label)), label.to_string())
        }
        "heel" if label == "flat" || label == "platform" => return None,
        "heel" => (format!("{} {label}", article(label)), label.to_string()),
        "silhouette" => {
            let bare = format!("{label} cut");
            (format!("{} {bare}", article(label)), bare)
        }
        "length" => {
            let bare = if label.contains("length") {
                label.to_string()
            } else {
                format!("{label} length")
            };
            (format!("{} {bare}", article(label)), bare)
        }
        "sleeve" if label == "sleeveless" => ("a sleeveless cut".into(), "sleeveless cut".into()),
        "sleeve" => (format!("{label}s"), format!("{label}s")),
        "pattern" => {
            let bare = pattern_phrase(label)?;
            let with = if bare.ends_with('s') || bare == "tie-dye" {
                bare.clone()
            } else {
                format!("{} {bare}", article(&bare))
            };
            (with, bare)
        }
        _ => return None,
    };
    Some(Feature {
        dimension: dimension.to_string(),
        with,
        bare,
    })
}

/// A detail with its article, and bare: "a bow"; "embroidery" and "sequins" take none.
fn detail_phrase(label: &str) -> (String, String) {
    let bare = match label {
        "crystal" => "crystals",
        "pearl" => "pearls",
        "two-tone" => "two-tone finish",
        "hook-and-loop" => "hook-and-loop fastening",
        "lace-up" => "lace-up front",
        "logo" => "logo",
        l => l,
    };
    let uncounted = matches!(
        bare,
        "embroidery" | "quilting" | "hardware" | "fringe" | "embellishment"
    ) || bare.ends_with('s');
    if uncounted {
        (bare.to_string(), bare.to_string())
    } else {
        (format!("{} {bare}", article(bare)), bare.to_string())
    }
}

fn pattern_phrase(label: &str) -> Option<String> {
    Some(match label {
        // "The same print" would claim the print itself is the same.
        "solid" | "self design" | "printed" => return None,
        "striped" => "stripes".into(),
        "checked" => "checks".into(),
        "polka dot" => "polka dots".into(),
        "tie-dye" | "ethnic motifs" => label.into(),
        l if l.ends_with("print") || l.ends_with("design") => l.into(),
        l => format!("{l} print"),
    })
}

/// One side of a difference: the feature phrase, or for a category a named piece ("a kurti"),
/// for a colour the bare colour, for a plain pattern "a plain design".
fn swap_phrase(dimension: &str, label: &str) -> Option<String> {
    match dimension {
        "category" => Some(counted(label)),
        "colour" => Some(label.to_string()),
        "pattern" if label == "solid" || label == "self design" => Some("a plain design".into()),
        "pattern" if label == "printed" => Some("a print".into()),
        "heel" if label == "flat" => Some("a flat sole".into()),
        "heel" if label == "platform" => Some("a platform".into()),
        _ => feature(dimension, label).map(|f| f.with),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::{Extractor, Market, ProductText, Taxonomy};

    #[test]
    fn differences_say_only_what_a_shopper_sees() {
        let d = |dimension: &str, hero: Option<&str>, pick: Option<&str>| Difference {
            dimension: dimension.into(),
            hero: hero.map(str::to_string),
            pick: pick.map(str::to_string),
        };
        let phrase = |x: Difference| x.phrase();
        assert_eq!(
            phrase(d("material", Some("satin"), Some("leather"))).as_deref(),
            Some("leather instead of satin")
        );
        assert_eq!(
            phrase(d("heel", Some("kitten heel"), Some("block heel"))).as_deref(),
            Some("a block heel instead of a kitten heel")
        );
        assert_eq!(
            phrase(d("pattern", Some("solid"), Some("floral"))).as_deref(),
            Some("a floral print instead of a plain design")
        );
        assert_eq!(
            phrase(d("detail", None, Some("buckle"))).as_deref(),
            Some("an added buckle")
        );
        // What the pick lacks, what no one sees, and what it does not state.
        assert_eq!(phrase(d("pattern", Some("solid"), None)), None);
        assert_eq!(phrase(d("detail", Some("logo patch"), None)), None);
        assert_eq!(phrase(d("occasion", Some("party"), Some("casual"))), None);
        assert_eq!(
            phrase(d("category", Some("leggings"), Some("track pants"))).as_deref(),
            Some("track pants instead of leggings")
        );
        assert_eq!(
            phrase(d("category", Some("kurta"), Some("kurti"))).as_deref(),
            Some("a kurti instead of a kurta")
        );
        assert_eq!(
            phrase(d("pattern", Some("solid"), Some("self design"))),
            None
        );
    }

    #[test]
    fn differences_are_read_with_the_dimension_their_labels_have() {
        let x = Extractor::new(&Taxonomy::bundled());
        let hero = x.extract(&ProductText::new("Satin kitten heel pumps", Market::Uk));
        let pick = x.extract(&ProductText::new("Leather block heel pumps", Market::Uk));
        let read = |t| Difference::read(t, Some(&hero), Some(&pick));
        assert_eq!(
            read("leather instead of satin").unwrap().dimension,
            "material"
        );
        assert_eq!(
            read("a block heel instead of a kitten heel")
                .unwrap()
                .phrase()
                .as_deref(),
            Some("a block heel instead of a kitten heel")
        );
        assert_eq!(read("no sequins"), None, "a label neither states");
        assert_eq!(read("heel not stated"), None);
    }

    #[test]
    fn features_take_the_right_article_and_number() {
        let with = |d, l| feature(d, l).map(|f| f.with);
        assert_eq!(with("toe", "almond toe").as_deref(), Some("an almond toe"));
        assert_eq!(
            with("silhouette", "A-line").as_deref(),
            Some("an A-line cut")
        );
        assert_eq!(
            with("sleeve", "long sleeve").as_deref(),
            Some("long sleeves")
        );
        assert_eq!(with("pattern", "striped").as_deref(), Some("stripes"));
        assert_eq!(with("pattern", "floral").as_deref(), Some("a floral print"));
        assert_eq!(
            with("length", "knee length").as_deref(),
            Some("a knee length")
        );
        assert_eq!(with("length", "midi").as_deref(), Some("a midi length"));
        assert_eq!(with("detail", "T-bar").as_deref(), Some("a T-bar"));
        assert_eq!(with("detail", "embroidery").as_deref(), Some("embroidery"));
        assert_eq!(with("detail", "sequins").as_deref(), Some("sequins"));
        assert_eq!(with("detail", "pearl").as_deref(), Some("pearls"));
        assert_eq!(with("finish", "matte").as_deref(), Some("a matte finish"));
        assert_eq!(
            with("finish", "croc effect").as_deref(),
            Some("a croc effect")
        );
        assert_eq!(
            with("metal", "gold-tone").as_deref(),
            Some("gold-tone metal")
        );
        assert_eq!(
            with("metal", "sterling silver").as_deref(),
            Some("sterling silver")
        );
        assert_eq!(with("pattern", "solid"), None);
        assert_eq!(with("pattern", "printed"), None);
        assert_eq!(with("material", "synthetic"), None);
        assert_eq!(with("occasion", "party"), None);
        assert_eq!(with("heel", "flat"), None);
        assert_eq!(article("one-shoulder"), "a");
        assert_eq!(article("M-strap"), "an");
    }
}
