//! Aesthetics and term aliases: which series names mean which aesthetic ("coquette aesthetic" is
//! coquette, "#balletcore" is balletcore) or which attribute ("fabric_satin" is satin), and each
//! aesthetic's weighted attribute signature (balletcore: ballet flats, satin, bows, …).
//!
//! The bundled list is `data/aesthetics.toml`; its attribute value ids are those of the
//! taxonomy (`data/taxonomy.toml`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::text::fold_key;
use crate::toml_file::line_of;
use crate::{Error, Result};

const BUNDLED: &str = include_str!("../../data/aesthetics.toml");

/// The attribute dimensions a signature may name (the taxonomy's dimensions).
pub const DIMENSIONS: &[&str] = &[
    "category", "toe", "heel", "material", "finish", "detail", "colour", "pattern", "occasion",
    "gender",
];

/// Words a series name may end with that do not change what it means ("coquette aesthetic").
const SUFFIX_WORDS: &[&str] = &[
    "aesthetic",
    "aesthetics",
    "style",
    "styles",
    "outfit",
    "outfits",
    "fashion",
    "look",
    "looks",
    "trend",
    "trends",
    "vibe",
    "vibes",
];

/// Words a series name may start with that only say what kind of term it is ("fabric_satin").
const PREFIX_WORDS: &[&str] = &[
    "fabric",
    "color",
    "colour",
    "silhouette",
    "material",
    "pattern",
    "print",
    "finish",
    "detail",
];

/// One weighted attribute of an aesthetic's signature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureEntry {
    /// The taxonomy dimension: `category`, `material`, `detail`, `colour`, …
    pub dimension: String,
    /// The taxonomy value id within the dimension: `ballet_flats`, `satin`, `bow`, …
    pub value: String,
    /// How much the attribute says about the aesthetic, in (0, 1]: 1 is defining.
    pub weight: f64,
}

/// An aesthetic: a named look, the series names that mean it, and its attribute signature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aesthetic {
    /// The id, also the normalised key of every series that means it: `balletcore`,
    /// `quiet_luxury`.
    pub id: String,
    /// The display name: "Balletcore", "Quiet luxury".
    pub name: String,
    /// Series names that mean it ("ballet core", "balletcore aesthetic", "#balletcore").
    pub aliases: Vec<String>,
    /// The weighted attributes that make the look, strongest first.
    pub signature: Vec<SignatureEntry>,
}

/// A series name that is an attribute rather than an aesthetic ("fabric_satin" is the material
/// satin).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermAlias {
    /// The normalised key: `satin`, `sage_green`, `a_line_skirt`.
    pub key: String,
    /// Series names that mean it.
    pub aliases: Vec<String>,
    /// The taxonomy attributes it names, as (dimension, value id): one for "fabric_satin"
    /// (material satin), two for "cropped cardigan" (category cardigan, detail cropped).
    pub attributes: Vec<(String, String)>,
}

/// The known aesthetics and term aliases, with the lookups that normalise series names.
///
/// Building one parses a small TOML file; every lookup folds the name and probes a hash map.
#[derive(Debug, Clone, Default)]
pub struct Aesthetics {
    aesthetics: Vec<Aesthetic>,
    terms: Vec<TermAlias>,
    /// Folded alias, and the same without spaces → key.
    by_alias: HashMap<String, String>,
    /// Aesthetic id → position in `aesthetics`.
    by_id: HashMap<String, usize>,
    /// Term key → position in `terms`.
    term_by_key: HashMap<String, usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    aesthetic: Vec<AestheticEntry>,
    #[serde(default)]
    term: Vec<TermEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AestheticEntry {
    id: toml::Spanned<String>,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    signature: Vec<toml::Spanned<(String, String, f64)>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TermEntry {
    key: toml::Spanned<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    attributes: Vec<(String, String)>,
}

fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn bundled_static() -> &'static Aesthetics {
    static BUNDLED_AESTHETICS: OnceLock<Aesthetics> = OnceLock::new();
    BUNDLED_AESTHETICS.get_or_init(|| {
        Aesthetics::from_toml(BUNDLED, Path::new("aesthetics.toml (bundled)"))
            .expect("the bundled aesthetics.toml is checked by the tests")
    })
}

/// Normalises a series name to its key with the bundled alias table.
///
/// The name is folded (lower case, accents, `#`, `_` and `-` read as spaces); a known alias gives
/// its aesthetic id or term key (`"coquette aesthetic"` → `coquette`, `"fabric_satin"` → `satin`,
/// `"#BalletCore"` → `balletcore`). Otherwise trailing words such as "aesthetic", "style",
/// "outfits" and leading kind words such as "fabric", "color", "silhouette" are dropped and the
/// rest joined with `_` (`"rockstar girlfriend aesthetic"` → `rockstar_girlfriend`).
pub fn normalise_term(raw: &str) -> String {
    bundled_static().normalise(raw)
}

impl Aesthetics {
    /// The aesthetics and term aliases shipped with Pointe (`data/aesthetics.toml`).
    pub fn bundled() -> Aesthetics {
        bundled_static().clone()
    }

    /// Reads an aesthetics file; `path` names it in errors.
    ///
    /// Each `[[aesthetic]]` has an `id` (lower case, digits, `_`), a `name`, `aliases` and a
    /// `signature` of `[dimension, value id, weight]` entries with a weight in (0, 1] and a
    /// dimension from [`DIMENSIONS`]; each `[[term]]` has a `key`, `aliases` and an optional
    /// `attributes = [[dimension, value id], …]`. An id used twice, or an alias that would mean two
    /// things, is an error naming the line.
    pub fn from_toml(text: &str, path: &Path) -> Result<Aesthetics> {
        let file: File = crate::toml_file::parse(text, path)?;
        let mut book = Aesthetics::default();
        for entry in file.aesthetic {
            let line = line_of(text, entry.id.span().start);
            let bad = |message: String| Error::bad_file(path, Some(line), message);
            let id = entry.id.into_inner();
            if !is_id(&id) {
                return Err(bad(format!(
                    "expected an aesthetic id of lower-case letters, digits and `_`, found `{id}`"
                )));
            }
            if book.by_id.contains_key(&id) {
                return Err(bad(format!(
                    "expected each aesthetic id once, found `{id}` again"
                )));
            }
            if entry.name.trim().is_empty() {
                return Err(bad(format!(
                    "expected a name for `{id}`, found an empty one"
                )));
            }
            if entry.signature.is_empty() {
                return Err(bad(format!(
                    "expected a signature of [dimension, value, weight] entries for `{id}`, found none"
                )));
            }
            let mut signature: Vec<SignatureEntry> = Vec::with_capacity(entry.signature.len());
            for spanned in entry.signature {
                let line = line_of(text, spanned.span().start);
                let (dimension, value, weight) = spanned.into_inner();
                let bad = |message: String| Error::bad_file(path, Some(line), message);
                if !DIMENSIONS.contains(&dimension.as_str()) {
                    return Err(bad(format!(
                        "expected a dimension ({}) in the signature of `{id}`, found `{dimension}`",
                        DIMENSIONS.join(", ")
                    )));
                }
                if !is_id(&value) {
                    return Err(bad(format!(
                        "expected a value id of lower-case letters, digits and `_` in the signature \
                         of `{id}`, found `{value}`"
                    )));
                }
                if !(weight > 0.0 && weight <= 1.0) {
                    return Err(bad(format!(
                        "expected a weight in (0, 1] for {dimension} `{value}` of `{id}`, found {weight}"
                    )));
                }
                if signature
                    .iter()
                    .any(|s| s.dimension == dimension && s.value == value)
                {
                    return Err(bad(format!(
                        "expected {dimension} `{value}` once in the signature of `{id}`, found it again"
                    )));
                }
                signature.push(SignatureEntry {
                    dimension,
                    value,
                    weight,
                });
            }
            signature.sort_by(|a, b| b.weight.total_cmp(&a.weight));
            let mut names = vec![id.clone(), entry.name.clone()];
            names.extend(entry.aliases.iter().cloned());
            for name in &names {
                book.add_alias(name, &id).map_err(|other| {
                    bad(format!(
                        "expected `{name}` to mean one thing, found it names `{other}` and `{id}`"
                    ))
                })?;
            }
            book.by_id.insert(id.clone(), book.aesthetics.len());
            book.aesthetics.push(Aesthetic {
                id,
                name: entry.name,
                aliases: entry.aliases,
                signature,
            });
        }
        for entry in file.term {
            let line = line_of(text, entry.key.span().start);
            let bad = |message: String| Error::bad_file(path, Some(line), message);
            let key = entry.key.into_inner();
            if !is_id(&key) {
                return Err(bad(format!(
                    "expected a term key of lower-case letters, digits and `_`, found `{key}`"
                )));
            }
            if book.term_by_key.contains_key(&key) || book.by_id.contains_key(&key) {
                return Err(bad(format!(
                    "expected each term key once, found `{key}` again"
                )));
            }
            for (dimension, value) in &entry.attributes {
                if !DIMENSIONS.contains(&dimension.as_str()) || !is_id(value) {
                    return Err(bad(format!(
                        "expected attributes as [dimension, value id] with a dimension among {}, \
                         found [{dimension}, {value}] for `{key}`",
                        DIMENSIONS.join(", ")
                    )));
                }
            }
            let mut names = vec![key.clone()];
            names.extend(entry.aliases.iter().cloned());
            for name in &names {
                book.add_alias(name, &key).map_err(|other| {
                    bad(format!(
                        "expected `{name}` to mean one thing, found it names `{other}` and `{key}`"
                    ))
                })?;
            }
            book.term_by_key.insert(key.clone(), book.terms.len());
            book.terms.push(TermAlias {
                key,
                aliases: entry.aliases,
                attributes: entry.attributes,
            });
        }
        Ok(book)
    }

    /// Maps a name (folded, and folded without spaces) to a key; `Err` with the other key when
    /// the name already means something else.
    fn add_alias(&mut self, name: &str, key: &str) -> std::result::Result<(), String> {
        let folded = fold_key(name);
        let compact = folded.replace(' ', "");
        for form in [folded, compact] {
            if form.is_empty() {
                continue;
            }
            match self.by_alias.get(&form) {
                Some(existing) if existing != key => return Err(existing.clone()),
                Some(_) => {}
                None => {
                    self.by_alias.insert(form, key.to_string());
                }
            }
        }
        Ok(())
    }

    fn lookup(&self, words: &[&str]) -> Option<&str> {
        let joined = words.join(" ");
        self.by_alias
            .get(&joined)
            .or_else(|| self.by_alias.get(&joined.replace(' ', "")))
            .map(String::as_str)
    }

    /// Normalises a series name to its key with this table (see [`normalise_term`]).
    pub fn normalise(&self, raw: &str) -> String {
        let folded = fold_key(raw);
        let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            return String::new();
        }
        if let Some(key) = self.lookup(&words) {
            return key.to_string();
        }
        let all = words.clone();
        while words.len() > 1 && words.last().is_some_and(|w| SUFFIX_WORDS.contains(w)) {
            words.pop();
            if let Some(key) = self.lookup(&words) {
                return key.to_string();
            }
        }
        while words.len() > 1 && PREFIX_WORDS.contains(&words[0]) {
            words.remove(0);
            if let Some(key) = self.lookup(&words) {
                return key.to_string();
            }
        }
        if words.is_empty() { all } else { words }.join("_")
    }

    /// The aesthetic a series name means, if any ("coquette aesthetic" → coquette).
    pub fn resolve(&self, term: &str) -> Option<&Aesthetic> {
        self.get(&self.normalise(term))
    }

    /// The aesthetic with this id.
    pub fn get(&self, id: &str) -> Option<&Aesthetic> {
        self.by_id.get(id).map(|&i| &self.aesthetics[i])
    }

    /// The term alias a series name means, if any ("fabric_satin" → satin, the material).
    pub fn resolve_term(&self, term: &str) -> Option<&TermAlias> {
        self.term_by_key
            .get(&self.normalise(term))
            .map(|&i| &self.terms[i])
    }

    /// Every aesthetic, in the file's order.
    pub fn all(&self) -> &[Aesthetic] {
        &self.aesthetics
    }

    /// Every term alias, in the file's order.
    pub fn terms(&self) -> &[TermAlias] {
        &self.terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_file_reads_and_covers_the_listed_aesthetics() {
        let book = Aesthetics::bundled();
        for id in [
            "balletcore",
            "cottagecore",
            "quiet_luxury",
            "coquette",
            "clean_girl",
            "dark_academia",
            "coastal_grandmother",
            "barbiecore",
            "mermaidcore",
            "blokecore",
            "tomato_girl",
            "indie_sleaze",
            "vsco_girl",
            "e_girl",
            "pilates_princess",
        ] {
            let a = book.get(id).unwrap_or_else(|| panic!("{id} is missing"));
            assert!(a.signature.len() >= 4, "{id} has a thin signature");
        }
        let ballet = book.get("balletcore").unwrap();
        let has = |dimension: &str, value: &str| {
            ballet
                .signature
                .iter()
                .any(|s| s.dimension == dimension && s.value == value)
        };
        for (d, v) in [
            ("category", "ballet_flats"),
            ("material", "satin"),
            ("detail", "bow"),
            ("material", "tulle"),
            ("category", "leotards"),
            ("category", "leg_warmers"),
            ("category", "cardigans"),
            ("colour", "pink"),
            ("colour", "ballet_pink"),
            ("detail", "ribbon_tie"),
        ] {
            assert!(has(d, v), "balletcore lacks {d} {v}");
        }
    }

    #[test]
    fn series_names_normalise_to_aesthetics_and_attributes() {
        let cases = [
            ("balletcore", "balletcore"),
            ("Balletcore", "balletcore"),
            ("ballet core", "balletcore"),
            ("balletcore aesthetic", "balletcore"),
            ("#balletcore", "balletcore"),
            ("coquette aesthetic", "coquette"),
            ("clean girl aesthetic", "clean_girl"),
            ("e-girl aesthetic", "e_girl"),
            ("VSCO Girl", "vsco_girl"),
            ("Quiet Luxury", "quiet_luxury"),
            ("quiet luxury", "quiet_luxury"),
            ("coastal girl", "coastal_girl"),
            ("fabric_satin", "satin"),
            ("color_sage_green", "sage_green"),
            ("silhouette_A-line_skirt", "a_line_skirt"),
            ("silhouette_wide-leg_trousers", "wide_leg_trousers"),
            ("rockstar girlfriend aesthetic", "rockstar_girlfriend"),
            ("soap brows", "soap_brows"),
            ("airpods pro", "airpods_pro"),
        ];
        for (raw, key) in cases {
            assert_eq!(normalise_term(raw), key, "{raw}");
        }
        let book = Aesthetics::bundled();
        assert_eq!(book.resolve("coquette aesthetic").unwrap().id, "coquette");
        assert!(book.resolve("fabric_satin").is_none());
        assert_eq!(
            book.resolve_term("fabric_satin").unwrap().attributes,
            vec![("material".to_string(), "satin".to_string())]
        );
    }

    #[test]
    fn every_series_name_of_the_long_weekly_file_has_a_term_alias() {
        let book = Aesthetics::bundled();
        for name in [
            "color_butter_yellow",
            "color_cherry_red",
            "color_chocolate_brown",
            "color_cobalt_blue",
            "color_coral",
            "color_forest_green",
            "color_hot_pink",
            "color_metallic_silver",
            "color_sage_green",
            "color_slate_gray",
            "color_soft_lilac",
            "color_teal",
            "fabric_cashmere",
            "fabric_corduroy",
            "fabric_crochet",
            "fabric_denim",
            "fabric_leather",
            "fabric_linen",
            "fabric_mesh",
            "fabric_satin",
            "fabric_silk",
            "fabric_terry",
            "fabric_tweed",
            "fabric_velvet",
            "silhouette_A-line_skirt",
            "silhouette_baby_tee",
            "silhouette_baggy_jeans",
            "silhouette_bomber_jacket",
            "silhouette_cargo_pants",
            "silhouette_cropped_cardigan",
            "silhouette_maxi_skirt",
            "silhouette_oversized_blazer",
            "silhouette_pencil_skirt",
            "silhouette_slip_dress",
            "silhouette_trench_coat",
            "silhouette_wide-leg_trousers",
        ] {
            let term = book
                .resolve_term(name)
                .unwrap_or_else(|| panic!("{name} has no term alias"));
            assert!(!term.attributes.is_empty(), "{name} names no attribute");
        }
    }

    /// Ids the bundled file uses that the taxonomy does not have yet. When the taxonomy gains
    /// one, it may leave this list; an id outside it and outside the taxonomy is a typo.
    const KNOWN_MISSING: &[(&str, &str)] = &[
        ("detail", "puff_sleeves"),
        ("pattern", "hearts"),
        ("finish", "iridescent"),
        ("detail", "shell"),
        ("category", "football_shirts"),
        ("category", "leggings"),
        ("category", "sports_bras"),
        ("material", "crochet"),
        ("material", "terry"),
        ("detail", "cropped"),
        ("detail", "oversized"),
        ("colour", "sage_green"),
        ("colour", "slate_grey"),
        ("colour", "butter_yellow"),
    ];

    #[test]
    fn signature_ids_are_in_the_taxonomy_or_known_missing() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/taxonomy.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let taxonomy: toml::Table = toml::from_str(&text).unwrap();
        let known = |dimension: &str, value: &str| {
            taxonomy
                .get(dimension)
                .and_then(|d| d.as_array())
                .is_some_and(|values| {
                    values
                        .iter()
                        .any(|v| v.get("id").and_then(|id| id.as_str()) == Some(value))
                })
        };
        let book = Aesthetics::bundled();
        let mut used: Vec<(String, String)> = book
            .all()
            .iter()
            .flat_map(|a| {
                a.signature
                    .iter()
                    .map(|s| (s.dimension.clone(), s.value.clone()))
            })
            .chain(
                book.terms()
                    .iter()
                    .flat_map(|t| t.attributes.iter().cloned()),
            )
            .collect();
        used.sort();
        used.dedup();
        let mut missing = Vec::new();
        for (dimension, value) in &used {
            if !known(dimension, value) {
                assert!(
                    KNOWN_MISSING.contains(&(dimension.as_str(), value.as_str())),
                    "{dimension} `{value}` is neither in the taxonomy nor a known gap"
                );
                missing.push(format!("{dimension}:{value}"));
            }
        }
        eprintln!("ids the taxonomy lacks: {}", missing.join(", "));
    }

    #[test]
    fn bad_aesthetics_files_name_the_line_and_what_was_expected() {
        let path = Path::new("mine.toml");
        let cases = [
            (
                "[[aesthetic]]\nid = \"x\"\nname = \"X\"\nsignature = [[\"colour\", \"pink\", 1.5]]\n",
                4,
                "weight in (0, 1]",
            ),
            (
                "[[aesthetic]]\nid = \"x\"\nname = \"X\"\nsignature = [[\"shape\", \"pink\", 0.5]]\n",
                4,
                "expected a dimension",
            ),
            (
                "[[aesthetic]]\nid = \"x\"\nname = \"X\"\nsignature = [[\"colour\", \"pink\", 0.5]]\n\
                 [[aesthetic]]\nid = \"x\"\nname = \"Y\"\nsignature = [[\"colour\", \"red\", 0.5]]\n",
                6,
                "found `x` again",
            ),
            (
                "[[aesthetic]]\nid = \"x\"\nname = \"X\"\naliases = [\"shared\"]\nsignature = [[\"colour\", \"pink\", 0.5]]\n\
                 [[aesthetic]]\nid = \"y\"\nname = \"Y\"\naliases = [\"Shared\"]\nsignature = [[\"colour\", \"red\", 0.5]]\n",
                7,
                "names `x` and `y`",
            ),
            ("[[aesthetic]]\nid = \"x\"\nname = \n", 3, ""),
        ];
        for (text, line, wanted) in cases {
            match Aesthetics::from_toml(text, path) {
                Err(Error::BadFile {
                    path: p,
                    line: l,
                    message,
                }) => {
                    assert_eq!(p, path);
                    assert_eq!(l, Some(line), "{message}");
                    assert!(message.contains(wanted), "{message}");
                }
                other => panic!("expected a bad-file error, got {other:?}"),
            }
        }
    }
}
