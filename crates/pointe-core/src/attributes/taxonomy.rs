//! The fashion taxonomy: dimensions, values, synonyms and the rules extraction follows, read
//! from `data/taxonomy.toml` (bundled) or a user's copy of it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use super::normalize::phrase_words;
use crate::text::fnv1a64;
use crate::toml_file::{self, data_dir_copy, line_of};
use crate::{Error, Result};

/// The taxonomy shipped with Pointe.
const BUNDLED: &str = include_str!("../../data/taxonomy.toml");

/// The dimensions a taxonomy has, in the order extraction reports them: the general ones
/// (category, toe, heel, material, finish, detail, colour, pattern, occasion, gender), then the
/// family attributes a stylist compares, family by family: clothing (length, silhouette,
/// neckline, sleeve, rise, fit), watches (case shape, case size, strap, dial colour), bags (bag
/// shape, bag size, handle) and jewellery (metal, stone). Which categories a dimension applies
/// to is the taxonomy's `[applies_to]` table ([`Taxonomy::applies`]).
pub const DIMENSIONS: [&str; 25] = [
    "category",
    "toe",
    "heel",
    "material",
    "finish",
    "detail",
    "colour",
    "pattern",
    "occasion",
    "gender",
    "length",
    "silhouette",
    "neckline",
    "sleeve",
    "rise",
    "fit",
    "case_shape",
    "case_size",
    "strap",
    "dial_colour",
    "bag_shape",
    "bag_size",
    "handle",
    "metal",
    "stone",
];

/// How many of [`DIMENSIONS`] are general (matched on the first pass); the rest are family
/// attributes, matched on a pass of their own so their phrases never hide the general ones
/// ("leather strap" is a watch strap and still leather).
pub(crate) const GENERAL_DIMENSIONS: usize = 10;

/// The dimension whose values are colour ids read from a colour stated right before a dial word
/// ("white dial"); it has no entries of its own in the file.
pub(crate) const DIAL_COLOUR: &str = "dial_colour";

/// One value of a dimension, as the taxonomy file states it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxonomyValue {
    /// The dimension it belongs to, one of [`DIMENSIONS`].
    pub dimension: &'static str,
    /// Stable id, unique within the dimension ("ballet_flats").
    pub id: String,
    /// What people read ("ballet flat").
    pub label: String,
    /// A broader value of the same dimension, if any.
    pub parent: Option<String>,
    /// Google product taxonomy id (categories only).
    pub google_category_id: Option<u32>,
    /// Phrases that state the value in any market (the label is matched as well).
    pub synonyms: Vec<String>,
    /// Phrases that state the value only in British usage.
    pub uk: Vec<String>,
    /// Phrases that state the value only in American usage.
    pub us: Vec<String>,
    /// Phrases that state the value is absent ("strapless").
    pub negations: Vec<String>,
    /// Values this one brings along, as `(dimension, id)`, when the text states none of theirs.
    pub implies: Vec<(&'static str, String)>,
    /// Values of the same dimension a stylist offers in its place (kurta and kurti), as the
    /// file declares them on this entry; [`Taxonomy::are_siblings`] reads them both ways.
    pub siblings: Vec<String>,
}

/// Thresholds and rules of the `[rules]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxonomyRules {
    /// Words that negate the value after them, at most one word away ("no", "without").
    pub negation_before: Vec<String>,
    /// Words that negate only the value right after them ("non").
    pub negation_prefix: Vec<String>,
    /// Words that negate the value right before them ("free" in "bow-free").
    pub negation_after: Vec<String>,
    /// Heels below this height (cm) are flat.
    pub heel_flat_below_cm: f32,
    /// Heels up to this height (cm) are kitten heels.
    pub heel_kitten_max_cm: f32,
    /// Heels up to this height (cm) are mid heels; higher ones are high.
    pub heel_mid_max_cm: f32,
    /// Category changes when a heel is stated (British "pumps" with a heel are court shoes).
    pub heeled: Vec<HeeledRule>,
    /// Category changes when the text states another value ("shoes" stated with "formal" are
    /// formal shoes).
    pub refined: Vec<RefinedRule>,
    /// Phrases that mean none of the values inside them ("lace-up", "net weight").
    pub noise: Vec<String>,
    /// Words after a colour or pattern that make it the dial's ("white dial", "solid dial").
    pub dial_words: Vec<String>,
    /// Watch cases up to this diameter (mm) are small, when the file gives the thresholds.
    pub case_small_max_mm: Option<f32>,
    /// Watch cases up to this diameter (mm) are medium; larger ones are large.
    pub case_medium_max_mm: Option<f32>,
}

/// A category that becomes another when the text states a heel.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeeledRule {
    /// The category as first resolved.
    pub category: String,
    /// The phrases that must have stated it.
    pub phrases: Vec<String>,
    /// The category it becomes.
    pub becomes: String,
}

/// A broad category that a value stated beside it makes specific: "Men Formal Brown Shoe" is a
/// formal shoe, "Men Sports Black Sandals" sports sandals.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefinedRule {
    /// The category as first resolved (exactly this one, not a descendant).
    pub category: String,
    /// The value that must be stated, as `"dimension:id"` (itself or a descendant).
    pub when: String,
    /// The category it becomes.
    pub becomes: String,
}

/// A parsed, checked taxonomy. Building one parses and checks the whole TOML text; lookups are
/// hash-map probes.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    version: String,
    values: Vec<TaxonomyValue>,
    index: HashMap<(&'static str, String), usize>,
    parent_index: Vec<Option<usize>>,
    rules: TaxonomyRules,
    /// Declared sibling pairs, by position, both ways round.
    siblings: HashSet<(usize, usize)>,
    /// Per dimension of [`DIMENSIONS`]: the categories it applies to (empty: every product).
    applies_to: Vec<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    rules: RulesFile,
    #[serde(default)]
    noise: NoiseFile,
    #[serde(default)]
    category: Vec<ValueFile>,
    #[serde(default)]
    toe: Vec<ValueFile>,
    #[serde(default)]
    heel: Vec<ValueFile>,
    #[serde(default)]
    material: Vec<ValueFile>,
    #[serde(default)]
    finish: Vec<ValueFile>,
    #[serde(default)]
    detail: Vec<ValueFile>,
    #[serde(default)]
    colour: Vec<ValueFile>,
    #[serde(default)]
    pattern: Vec<ValueFile>,
    #[serde(default)]
    occasion: Vec<ValueFile>,
    #[serde(default)]
    gender: Vec<ValueFile>,
    #[serde(default)]
    length: Vec<ValueFile>,
    #[serde(default)]
    silhouette: Vec<ValueFile>,
    #[serde(default)]
    neckline: Vec<ValueFile>,
    #[serde(default)]
    sleeve: Vec<ValueFile>,
    #[serde(default)]
    rise: Vec<ValueFile>,
    #[serde(default)]
    fit: Vec<ValueFile>,
    #[serde(default)]
    case_shape: Vec<ValueFile>,
    #[serde(default)]
    case_size: Vec<ValueFile>,
    #[serde(default)]
    strap: Vec<ValueFile>,
    #[serde(default)]
    bag_shape: Vec<ValueFile>,
    #[serde(default)]
    bag_size: Vec<ValueFile>,
    #[serde(default)]
    handle: Vec<ValueFile>,
    #[serde(default)]
    metal: Vec<ValueFile>,
    #[serde(default)]
    stone: Vec<ValueFile>,
    #[serde(default)]
    applies_to: BTreeMap<String, toml::Spanned<Vec<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    negation_before: Vec<String>,
    #[serde(default)]
    negation_prefix: Vec<String>,
    #[serde(default)]
    negation_after: Vec<String>,
    heel_flat_below_cm: f32,
    heel_kitten_max_cm: f32,
    heel_mid_max_cm: f32,
    #[serde(default)]
    heeled: Vec<HeeledRule>,
    #[serde(default)]
    refined: Vec<RefinedRule>,
    #[serde(default)]
    dial_words: Vec<String>,
    case_small_max_mm: Option<f32>,
    case_medium_max_mm: Option<f32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoiseFile {
    #[serde(default)]
    phrases: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueFile {
    id: toml::Spanned<String>,
    label: String,
    parent: Option<String>,
    google_category_id: Option<u32>,
    #[serde(default)]
    synonyms: Vec<String>,
    #[serde(default)]
    uk: Vec<String>,
    #[serde(default)]
    us: Vec<String>,
    #[serde(default)]
    negations: Vec<String>,
    #[serde(default)]
    implies: Vec<String>,
    #[serde(default)]
    siblings: Vec<String>,
}

/// Heel values the height thresholds classify into.
pub(crate) const HEEL_CLASSES: [&str; 4] = ["flat", "kitten", "mid", "high"];
/// Case size values the diameter thresholds classify into.
pub(crate) const CASE_SIZE_CLASSES: [&str; 3] = ["small", "medium", "large"];

impl Taxonomy {
    /// The taxonomy bundled with Pointe (`crates/pointe-core/data/taxonomy.toml`).
    pub fn bundled() -> Taxonomy {
        Taxonomy::from_toml(BUNDLED, Path::new("taxonomy.toml (bundled)"))
            .expect("the bundled taxonomy is valid (checked by its tests)")
    }

    /// The taxonomy of `<data_dir>/taxonomy.toml` when that file exists (it replaces the
    /// bundled one whole), else the bundled one.
    pub fn load(data_dir: Option<&Path>) -> Result<Taxonomy> {
        match data_dir_copy(data_dir, "taxonomy.toml")? {
            Some((text, path)) => Taxonomy::from_toml(&text, &path),
            None => Ok(Taxonomy::bundled()),
        }
    }

    /// Parses and checks a taxonomy text; `path` names it in errors, which give the line of the
    /// offending entry where it is known.
    pub fn from_toml(text: &str, path: &Path) -> Result<Taxonomy> {
        let file: TaxonomyFile = toml_file::parse(text, path)?;
        let TaxonomyFile {
            rules,
            noise,
            category,
            toe,
            heel,
            material,
            finish,
            detail,
            colour,
            pattern,
            occasion,
            gender,
            length,
            silhouette,
            neckline,
            sleeve,
            rise,
            fit,
            case_shape,
            case_size,
            strap,
            bag_shape,
            bag_size,
            handle,
            metal,
            stone,
            applies_to,
        } = file;
        // In the order of DIMENSIONS; dial colours take colour values and have no entries.
        let by_dimension = [
            category,
            toe,
            heel,
            material,
            finish,
            detail,
            colour,
            pattern,
            occasion,
            gender,
            length,
            silhouette,
            neckline,
            sleeve,
            rise,
            fit,
            case_shape,
            case_size,
            strap,
            Vec::new(),
            bag_shape,
            bag_size,
            handle,
            metal,
            stone,
        ];

        let mut values = Vec::new();
        let mut index = HashMap::new();
        let mut lines = Vec::new();
        let mut raw_implies = Vec::new();
        let mut raw_siblings = Vec::new();
        for (dimension, entries) in DIMENSIONS.iter().zip(by_dimension) {
            for entry in entries {
                let line = Some(line_of(text, entry.id.span().start));
                let bad = |message: String| Error::bad_file(path, line, message);
                let id = entry.id.into_inner();
                if id.is_empty()
                    || !id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                {
                    return Err(bad(format!(
                        "{dimension} id {id:?}: use lower-case letters, digits and underscores"
                    )));
                }
                if entry.label.trim().is_empty() {
                    return Err(bad(format!("{dimension} {id}: the label is empty")));
                }
                match (*dimension, entry.google_category_id) {
                    ("category", None) => {
                        return Err(bad(format!(
                            "category {id}: google_category_id is missing (the most specific Google product taxonomy id)"
                        )));
                    }
                    (d, Some(_)) if d != "category" => {
                        return Err(bad(format!(
                            "{dimension} {id}: google_category_id is for categories only"
                        )));
                    }
                    _ => {}
                }
                for phrase in std::iter::once(&entry.label)
                    .chain(&entry.synonyms)
                    .chain(&entry.uk)
                    .chain(&entry.us)
                    .chain(&entry.negations)
                {
                    phrase_words(phrase).map_err(|m| bad(format!("{dimension} {id}: {m}")))?;
                }
                if index
                    .insert((*dimension, id.clone()), values.len())
                    .is_some()
                {
                    return Err(bad(format!("{dimension} {id} is defined twice")));
                }
                raw_implies.push(entry.implies);
                raw_siblings.push(entry.siblings);
                lines.push(line);
                values.push(TaxonomyValue {
                    dimension,
                    id,
                    label: entry.label,
                    parent: entry.parent,
                    google_category_id: entry.google_category_id,
                    synonyms: entry.synonyms,
                    uk: entry.uk,
                    us: entry.us,
                    negations: entry.negations,
                    implies: Vec::new(),
                    siblings: Vec::new(),
                });
            }
        }

        // Parents exist in the same dimension and form no cycle.
        let mut parent_index = Vec::with_capacity(values.len());
        for (i, value) in values.iter().enumerate() {
            let parent = match &value.parent {
                None => None,
                Some(p) => Some(*index.get(&(value.dimension, p.clone())).ok_or_else(|| {
                    Error::bad_file(
                        path,
                        lines[i],
                        format!(
                            "{} {}: parent {p:?} is not a {} value",
                            value.dimension, value.id, value.dimension
                        ),
                    )
                })?),
            };
            parent_index.push(parent);
        }
        for (i, value) in values.iter().enumerate() {
            let mut seen = 0;
            let mut at = parent_index[i];
            while let Some(p) = at {
                seen += 1;
                if p == i || seen > values.len() {
                    return Err(Error::bad_file(
                        path,
                        lines[i],
                        format!("{} {}: its parents form a cycle", value.dimension, value.id),
                    ));
                }
                at = parent_index[p];
            }
        }

        // Implied values exist.
        for (i, implies) in raw_implies.into_iter().enumerate() {
            for spec in implies {
                let bad = |m: String| Error::bad_file(path, lines[i], m);
                let (dim, id) = spec.split_once(':').ok_or_else(|| {
                    bad(format!(
                        "{} {}: implies {spec:?} should read \"dimension:id\"",
                        values[i].dimension, values[i].id
                    ))
                })?;
                let dim = DIMENSIONS.iter().find(|d| **d == dim).ok_or_else(|| {
                    bad(format!(
                        "{} {}: implies {spec:?}: no dimension {dim:?}",
                        values[i].dimension, values[i].id
                    ))
                })?;
                if !index.contains_key(&(*dim, id.to_string())) {
                    return Err(bad(format!(
                        "{} {}: implies {spec:?}, which is not a {dim} value",
                        values[i].dimension, values[i].id
                    )));
                }
                values[i].implies.push((dim, id.to_string()));
            }
        }

        let siblings = check_siblings(
            &mut values,
            raw_siblings,
            &index,
            &parent_index,
            &lines,
            path,
        )?;
        let applies_to = check_applies_to(applies_to, &index, text, path)?;
        let rules = check_rules(rules, noise, &index, path)?;
        Ok(Taxonomy {
            version: format!("{:016x}", fnv1a64(text.as_bytes())),
            values,
            index,
            parent_index,
            rules,
            siblings,
            applies_to,
        })
    }

    /// A hash of the taxonomy text (16 hex digits). Attributes record it, so a changed taxonomy
    /// tells which stored attributes need extracting again.
    pub fn version(&self) -> String {
        self.version.clone()
    }

    /// The value `id` of `dimension`, if the taxonomy has it.
    pub fn value(&self, dimension: &str, id: &str) -> Option<&TaxonomyValue> {
        let dim = value_dimension(dimension)?;
        self.index
            .get(&(dim, id.to_string()))
            .map(|&i| &self.values[i])
    }

    /// The value and its ancestors, nearest first (`ballet_flats`, `flats`, `shoes`); empty when
    /// the value is unknown.
    pub fn parent_chain(&self, dimension: &str, id: &str) -> Vec<&TaxonomyValue> {
        let Some(dim) = value_dimension(dimension) else {
            return Vec::new();
        };
        let mut chain = Vec::new();
        let mut at = self.index.get(&(dim, id.to_string())).copied();
        while let Some(i) = at {
            chain.push(&self.values[i]);
            at = self.parent_index[i];
        }
        chain
    }

    /// Whether `id` is `ancestor` or one of its descendants (suede is leather).
    pub fn is_a(&self, dimension: &str, id: &str, ancestor: &str) -> bool {
        self.parent_chain(dimension, id)
            .iter()
            .any(|v| v.id == ancestor)
    }

    /// The colour family of colour `id`: the root of its parent chain ("blush" → "pink").
    pub fn colour_family(&self, id: &str) -> Option<&str> {
        self.parent_chain("colour", id)
            .last()
            .map(|v| v.id.as_str())
    }

    /// Every value of `dimension`, in file order (for `dial_colour`, the colours).
    pub fn values(&self, dimension: &str) -> impl Iterator<Item = &TaxonomyValue> {
        let dimension = value_dimension(dimension).unwrap_or_default();
        self.values.iter().filter(move |v| v.dimension == dimension)
    }

    /// Every dimension, in the order extraction reports them (see [`DIMENSIONS`]).
    pub fn dimensions() -> &'static [&'static str] {
        &DIMENSIONS
    }

    /// Whether `a` and `b` are siblings in `dimension`: values a stylist offers in each other's
    /// place (a kurti for a kurta, a polo for a T-shirt). True when the file declares either on
    /// the other, or declares one of their ancestors on the other or on one of its ancestors:
    /// siblings are inherited by descendants (ballet flats, being flats, are siblings of court
    /// shoes when flats are) but never by ancestors (tops are not siblings of kurtas because
    /// tunics are). A value is not its own sibling, nor the sibling of its ancestors; unknown
    /// values are nobody's siblings.
    pub fn are_siblings(&self, dimension: &str, a: &str, b: &str) -> bool {
        let (Some(dim), true) = (value_dimension(dimension), a != b) else {
            return false;
        };
        let chain = |id: &str| -> Vec<usize> {
            let mut out = Vec::new();
            let mut at = self.index.get(&(dim, id.to_string())).copied();
            while let Some(i) = at {
                out.push(i);
                at = self.parent_index[i];
            }
            out
        };
        let (ca, cb) = (chain(a), chain(b));
        if ca.is_empty() || cb.is_empty() || ca.contains(&cb[0]) || cb.contains(&ca[0]) {
            return false;
        }
        ca.iter()
            .any(|&x| cb.iter().any(|&y| self.siblings.contains(&(x, y))))
    }

    /// The categories a dimension applies to, as the `[applies_to]` table names them (each
    /// with its descendants); empty when it applies to every product, or is unknown.
    pub fn applies_to(&self, dimension: &str) -> &[String] {
        DIMENSIONS
            .iter()
            .position(|d| *d == dimension)
            .map_or(&[], |d| self.applies_to[d].as_slice())
    }

    /// Whether `dimension` describes a product of category `category_id`: a dimension without
    /// an `[applies_to]` entry describes every product (colour, material…); one with an entry
    /// only the categories it names and their descendants (a neckline describes clothing, a
    /// dial colour a watch). False for an unknown dimension, and for a family dimension when
    /// the category is unknown.
    pub fn applies(&self, dimension: &str, category_id: &str) -> bool {
        let Some(d) = DIMENSIONS.iter().position(|x| *x == dimension) else {
            return false;
        };
        let families = &self.applies_to[d];
        families.is_empty()
            || families
                .iter()
                .any(|f| self.is_a("category", category_id, f))
    }

    /// The rules and thresholds extraction follows.
    pub fn rules(&self) -> &TaxonomyRules {
        &self.rules
    }

    /// Every value, in file order (index = the value's position).
    pub(crate) fn all(&self) -> &[TaxonomyValue] {
        &self.values
    }

    /// The position of a value.
    pub(crate) fn position(&self, dimension: &'static str, id: &str) -> Option<usize> {
        self.index.get(&(dimension, id.to_string())).copied()
    }

    /// The position of the parent of the value at `i`.
    pub(crate) fn parent_of(&self, i: usize) -> Option<usize> {
        self.parent_index[i]
    }
}

fn check_rules(
    rules: RulesFile,
    noise: NoiseFile,
    index: &HashMap<(&'static str, String), usize>,
    path: &Path,
) -> Result<TaxonomyRules> {
    let bad = |m: String| Error::bad_file(path, None, format!("[rules] {m}"));
    let (flat, kitten, mid) = (
        rules.heel_flat_below_cm,
        rules.heel_kitten_max_cm,
        rules.heel_mid_max_cm,
    );
    if !(flat > 0.0 && flat <= kitten && kitten <= mid) {
        return Err(bad(format!(
            "heel thresholds must rise: flat below {flat} cm, kitten up to {kitten} cm, mid up to {mid} cm"
        )));
    }
    for class in HEEL_CLASSES {
        if !index.contains_key(&("heel", class.to_string())) {
            return Err(bad(format!(
                "the heel thresholds need a heel value {class:?}"
            )));
        }
    }
    match (rules.case_small_max_mm, rules.case_medium_max_mm) {
        (None, None) => {}
        (Some(small), Some(medium)) if small > 0.0 && small <= medium => {
            for size in CASE_SIZE_CLASSES {
                if !index.contains_key(&("case_size", size.to_string())) {
                    return Err(bad(format!(
                        "the case size thresholds need a case_size value {size:?}"
                    )));
                }
            }
        }
        (small, medium) => {
            return Err(bad(format!(
                "case_small_max_mm ({small:?}) and case_medium_max_mm ({medium:?}) go together and must rise"
            )));
        }
    }
    for rule in &rules.refined {
        for id in [&rule.category, &rule.becomes] {
            if !index.contains_key(&("category", id.clone())) {
                return Err(bad(format!("refined: {id:?} is not a category")));
            }
        }
        let known = rule.when.split_once(':').is_some_and(|(d, id)| {
            value_dimension(d).is_some_and(|d| index.contains_key(&(d, id.to_string())))
        });
        if !known {
            return Err(bad(format!(
                "refined: when {:?} should name a value as \"dimension:id\"",
                rule.when
            )));
        }
    }
    for rule in &rules.heeled {
        for id in [&rule.category, &rule.becomes] {
            if !index.contains_key(&("category", id.clone())) {
                return Err(bad(format!("heeled: {id:?} is not a category")));
            }
        }
    }
    for phrase in rules
        .negation_before
        .iter()
        .chain(&rules.negation_prefix)
        .chain(&rules.negation_after)
        .chain(&noise.phrases)
        .chain(&rules.dial_words)
        .chain(rules.heeled.iter().flat_map(|r| &r.phrases))
    {
        phrase_words(phrase).map_err(bad)?;
    }
    Ok(TaxonomyRules {
        negation_before: rules.negation_before,
        negation_prefix: rules.negation_prefix,
        negation_after: rules.negation_after,
        heel_flat_below_cm: flat,
        heel_kitten_max_cm: kitten,
        heel_mid_max_cm: mid,
        heeled: rules.heeled,
        refined: rules.refined,
        noise: noise.phrases,
        dial_words: rules.dial_words,
        case_small_max_mm: rules.case_small_max_mm,
        case_medium_max_mm: rules.case_medium_max_mm,
    })
}

/// The dimension whose entries hold the values of `dimension`: itself, or `colour` for dial
/// colours; `None` when there is no such dimension.
fn value_dimension(dimension: &str) -> Option<&'static str> {
    let dim = *DIMENSIONS.iter().find(|d| **d == dimension)?;
    Some(if dim == DIAL_COLOUR { "colour" } else { dim })
}

/// Checks each entry's `siblings` (values of its own dimension, not itself, not one of its
/// ancestors or descendants) and returns the declared pairs both ways round.
fn check_siblings(
    values: &mut [TaxonomyValue],
    raw: Vec<Vec<String>>,
    index: &HashMap<(&'static str, String), usize>,
    parent_index: &[Option<usize>],
    lines: &[Option<u64>],
    path: &Path,
) -> Result<HashSet<(usize, usize)>> {
    let descends = |mut at: usize, from: usize| {
        while let Some(p) = parent_index[at] {
            if p == from {
                return true;
            }
            at = p;
        }
        false
    };
    let mut pairs = HashSet::new();
    for (i, declared) in raw.into_iter().enumerate() {
        let (dimension, id) = (values[i].dimension, values[i].id.clone());
        let bad = |m: String| Error::bad_file(path, lines[i], format!("{dimension} {id}: {m}"));
        for sibling in &declared {
            let Some(&j) = index.get(&(dimension, sibling.clone())) else {
                return Err(bad(format!(
                    "sibling {sibling:?} is not a {dimension} value"
                )));
            };
            if j == i {
                return Err(bad("is declared its own sibling".to_string()));
            }
            if descends(i, j) || descends(j, i) {
                return Err(bad(format!(
                    "sibling {sibling:?} is its ancestor or descendant, not a sibling"
                )));
            }
            pairs.insert((i, j));
            pairs.insert((j, i));
        }
        values[i].siblings = declared;
    }
    Ok(pairs)
}

/// Checks the `[applies_to]` table (dimension → categories) and returns it per dimension.
fn check_applies_to(
    table: BTreeMap<String, toml::Spanned<Vec<String>>>,
    index: &HashMap<(&'static str, String), usize>,
    text: &str,
    path: &Path,
) -> Result<Vec<Vec<String>>> {
    let mut out = vec![Vec::new(); DIMENSIONS.len()];
    for (dimension, categories) in table {
        let line = Some(line_of(text, categories.span().start));
        let bad = |m: String| Error::bad_file(path, line, format!("[applies_to] {m}"));
        let Some(d) = DIMENSIONS.iter().position(|x| *x == dimension) else {
            return Err(bad(format!(
                "no dimension {dimension:?}; the dimensions are {}",
                DIMENSIONS.join(", ")
            )));
        };
        if d == 0 {
            return Err(bad("category applies to every product".to_string()));
        }
        let categories = categories.into_inner();
        if categories.is_empty() {
            return Err(bad(format!(
                "{dimension}: name at least one category, or leave the dimension out"
            )));
        }
        for c in &categories {
            if !index.contains_key(&("category", c.clone())) {
                return Err(bad(format!("{dimension}: {c:?} is not a category")));
            }
        }
        out[d] = categories;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_taxonomy_parses_and_covers_the_issue_vocabulary() {
        let t = Taxonomy::bundled();
        for id in [
            "ballet_flats",
            "mary_janes",
            "loafers",
            "mules",
            "slingbacks",
            "court_shoes",
            "sandals",
            "slides",
            "flip_flops",
            "trainers",
            "boots",
            "shoulder_bags",
            "totes",
            "clutches",
            "skirts",
            "tulle_skirts",
            "dresses",
            "leotards",
            "cardigans",
            "leg_warmers",
            "knitwear",
        ] {
            assert!(t.value("category", id).is_some(), "category {id}");
        }
        for (dim, id) in [
            ("toe", "round_toe"),
            ("toe", "almond_toe"),
            ("toe", "square_toe"),
            ("toe", "pointed_toe"),
            ("toe", "split_toe"),
            ("toe", "peep_toe"),
            ("heel", "kitten"),
            ("heel", "block"),
            ("material", "faux_leather"),
            ("material", "fishnet"),
            ("finish", "patent"),
            ("detail", "t_bar"),
            ("detail", "horsebit"),
            ("detail", "cap_toe"),
            ("pattern", "striped"),
            ("occasion", "party"),
            ("gender", "women"),
        ] {
            assert!(t.value(dim, id).is_some(), "{dim} {id}");
        }
    }

    #[test]
    fn parents_chain_to_the_root_and_colour_families_are_roots() {
        let t = Taxonomy::bundled();
        let chain: Vec<_> = t
            .parent_chain("category", "ballet_flats")
            .iter()
            .map(|v| v.id.as_str())
            .collect();
        assert_eq!(chain, ["ballet_flats", "flats", "shoes"]);
        assert!(t.is_a("material", "suede", "leather"));
        assert!(!t.is_a("material", "faux_leather", "leather"));
        assert_eq!(t.colour_family("blush"), Some("pink"));
        assert_eq!(t.colour_family("ballet_pink"), Some("pink"));
        assert_eq!(t.colour_family("pale_pink"), Some("pink"));
        assert_eq!(t.colour_family("ivory"), Some("white"));
        assert_eq!(t.colour_family("cream"), Some("white"));
        assert_eq!(t.colour_family("tan"), Some("neutral"));
        assert_eq!(t.colour_family("camel"), Some("neutral"));
        assert_eq!(t.colour_family("beige"), Some("neutral"));
        assert_eq!(t.colour_family("gold"), Some("metallic"));
        assert!(t.parent_chain("colour", "nope").is_empty());
    }

    #[test]
    fn every_category_has_a_google_id_that_exists_in_googles_taxonomy() {
        let t = Taxonomy::bundled();
        let Some(path) = crate::attributes::test_data::shared_data(
            "taxonomy/google-product-taxonomy-with-ids.en-US.txt",
        ) else {
            return;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let ids: std::collections::HashSet<u32> = text
            .lines()
            .filter_map(|l| l.split_once(" - ")?.0.trim().parse().ok())
            .collect();
        for value in t.values("category") {
            let id = value.google_category_id.unwrap();
            assert!(
                ids.contains(&id),
                "category {}: Google id {id} does not exist",
                value.id
            );
        }
    }

    #[test]
    fn the_bundled_taxonomy_covers_the_whole_wardrobe_with_google_ids() {
        let t = Taxonomy::bundled();
        for (id, google) in [
            ("t_shirts", 212),
            ("shirts", 212),
            ("blouses", 212),
            ("tanks", 212),
            ("bodysuits", 212),
            ("polos", 212),
            ("sweatshirts", 212),
            ("jumpers", 212),
            ("cardigans", 212),
            ("jeans", 204),
            ("trousers", 204),
            ("culottes", 204),
            ("leggings", 204),
            ("track_pants", 204),
            ("capris", 204),
            ("shorts", 207),
            ("skirts", 1581),
            ("dresses", 2271),
            ("jumpsuits", 5250),
            ("jackets", 5598),
            ("coats", 5598),
            ("blazers", 5598),
            ("waistcoats", 1831),
            ("suits", 1594),
            ("kurtas", 5388),
            ("kurtis", 5388),
            ("tunics", 212),
            ("sarees", 8248),
            ("salwars", 5388),
            ("lehengas", 8248),
            ("dupattas", 5388),
            ("kurta_sets", 5388),
            ("bras", 214),
            ("briefs", 2562),
            ("nightdresses", 5513),
            ("night_suits", 2580),
            ("lounge_pants", 5713),
            ("handbags", 3032),
            ("backpacks", 100),
            ("wallets", 2668),
            ("belts", 169),
            ("ties", 176),
            ("scarves", 543673),
            ("stoles", 543674),
            ("hats", 173),
            ("caps", 173),
            ("socks", 209),
            ("sunglasses", 178),
            ("earrings", 194),
            ("necklaces", 196),
            ("pendants", 192),
            ("rings", 200),
            ("bracelets", 191),
            ("bangles", 191),
            ("watches", 201),
            ("lipsticks", 3021),
            ("nail_polish", 2683),
            ("perfumes", 479),
            ("deodorants", 543598),
        ] {
            let v = t
                .value("category", id)
                .unwrap_or_else(|| panic!("category {id}"));
            assert_eq!(v.google_category_id, Some(google), "{id}");
            assert!(v.parent.is_some(), "{id} has a parent");
        }
    }

    #[test]
    fn dimensions_are_listed_in_order_and_family_ones_apply_to_their_family() {
        let dims = Taxonomy::dimensions();
        assert_eq!(dims.len(), 25);
        assert_eq!(&dims[..3], ["category", "toe", "heel"]);
        assert_eq!(dims[10], "length");
        assert_eq!(dims[24], "stone");
        let t = Taxonomy::bundled();
        assert!(t.applies("neckline", "dresses"));
        assert!(t.applies("neckline", "kurtis"));
        assert!(!t.applies("neckline", "watches"));
        assert!(t.applies("dial_colour", "watches"));
        assert!(!t.applies("dial_colour", "dresses"));
        assert!(t.applies("handle", "clutches"));
        assert!(t.applies("rise", "jeans") && !t.applies("rise", "tops"));
        assert!(t.applies("metal", "earrings"));
        assert!(t.applies("heel", "ballet_flats") && !t.applies("heel", "dresses"));
        assert!(t.applies("colour", "watches") && t.applies("colour", "nope"));
        assert!(!t.applies("neckline", "nope") && !t.applies("nope", "dresses"));
        assert_eq!(t.applies_to("strap"), ["watches"]);
        assert!(t.applies_to("colour").is_empty());
        // Dial colours take colour values.
        assert_eq!(
            t.value("dial_colour", "navy").map(|v| v.dimension),
            Some("colour")
        );
        assert!(t.is_a("dial_colour", "navy", "blue"));
    }

    #[test]
    fn siblings_are_symmetric_and_pass_to_descendants_only() {
        let t = Taxonomy::bundled();
        let s = |a, b| t.are_siblings("category", a, b);
        assert!(s("kurtas", "kurtis") && s("kurtis", "kurtas"));
        assert!(s("tunics", "kurtis") && s("t_shirts", "polos"));
        assert!(s("shirts", "blouses") && s("trousers", "culottes"));
        assert!(s("sweatshirts", "jumpers") && s("jackets", "blazers"));
        assert!(s("ballet_flats", "mary_janes"));
        // Inherited downwards: a sibling of jeans is a sibling of jeggings.
        assert!(s("jeggings", "trousers"));
        // Never upwards, never itself, never along the parent chain.
        assert!(!s("flats", "mary_janes") && !s("tops", "kurtas"));
        assert!(!s("kurtas", "kurtas") && !s("jeans", "jeggings"));
        assert!(!s("dresses", "watches") && !s("kurtas", "nope"));
        assert!(!t.are_siblings("nope", "kurtas", "kurtis"));
        assert!(t.are_siblings("length", "maxi", "full_length"));
        assert_eq!(t.value("category", "kurtas").unwrap().siblings, ["kurtis"]);
    }

    #[test]
    fn bad_siblings_applies_to_and_refined_rules_name_the_line() {
        let base =
            "[rules]\nheel_flat_below_cm = 1.5\nheel_kitten_max_cm = 5.0\nheel_mid_max_cm = 7.0\n";
        let heels = "[[heel]]\nid = \"flat\"\nlabel = \"flat\"\n[[heel]]\nid = \"kitten\"\nlabel = \"k\"\n[[heel]]\nid = \"mid\"\nlabel = \"m\"\n[[heel]]\nid = \"high\"\nlabel = \"h\"\n";
        let shoes = "[[category]]\nid = \"shoes\"\nlabel = \"shoe\"\ngoogle_category_id = 187\n";
        let cases = [
            (
                format!(
                    "{base}{heels}{shoes}[[category]]\nid = \"flats\"\nlabel = \"flat\"\nparent = \"shoes\"\ngoogle_category_id = 187\nsiblings = [\"pumps\"]\n"
                ),
                "t.toml: line 22: category flats: sibling \"pumps\" is not a category value",
            ),
            (
                format!(
                    "{base}{heels}{shoes}[[category]]\nid = \"flats\"\nlabel = \"flat\"\nparent = \"shoes\"\ngoogle_category_id = 187\nsiblings = [\"shoes\"]\n"
                ),
                "line 22: category flats: sibling \"shoes\" is its ancestor or descendant",
            ),
            (
                format!("{base}{heels}{shoes}siblings = [\"shoes\"]\n"),
                "line 18: category shoes: is declared its own sibling",
            ),
            (
                format!("{base}{heels}{shoes}[applies_to]\nneckline = [\"dresses\"]\n"),
                "line 22: [applies_to] neckline: \"dresses\" is not a category",
            ),
            (
                format!("{base}{heels}{shoes}[applies_to]\nnecline = [\"shoes\"]\n"),
                "[applies_to] no dimension \"necline\"",
            ),
            (
                format!(
                    "{base}[[rules.refined]]\ncategory = \"shoes\"\nwhen = \"occasion:formal\"\nbecomes = \"shoes\"\n{heels}{shoes}"
                ),
                "refined: when \"occasion:formal\" should name a value",
            ),
            (
                format!("{base}case_small_max_mm = 34.0\n{heels}{shoes}"),
                "case_small_max_mm (Some(34.0)) and case_medium_max_mm (None) go together",
            ),
        ];
        for (text, expected) in cases {
            let err = Taxonomy::from_toml(&text, Path::new("t.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(expected),
                "{err}\n  should contain: {expected}"
            );
        }
    }

    #[test]
    fn the_version_is_a_stable_hash_of_the_text() {
        let a = Taxonomy::bundled();
        assert_eq!(a.version(), Taxonomy::bundled().version());
        assert_eq!(a.version().len(), 16);
        let edited = format!("{BUNDLED}\n# edited\n");
        let b = Taxonomy::from_toml(&edited, Path::new("t.toml")).unwrap();
        assert_ne!(a.version(), b.version());
    }

    #[test]
    fn a_user_file_replaces_the_bundled_one() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Taxonomy::load(Some(dir.path())).unwrap().version(),
            Taxonomy::bundled().version()
        );
        let small = r#"
[rules]
heel_flat_below_cm = 1.5
heel_kitten_max_cm = 5.0
heel_mid_max_cm = 7.0

[[category]]
id = "shoes"
label = "shoe"
google_category_id = 187

[[heel]]
id = "flat"
label = "flat"
[[heel]]
id = "kitten"
label = "kitten heel"
[[heel]]
id = "mid"
label = "mid heel"
[[heel]]
id = "high"
label = "high heel"
"#;
        std::fs::write(dir.path().join("taxonomy.toml"), small).unwrap();
        let t = Taxonomy::load(Some(dir.path())).unwrap();
        assert!(t.value("category", "shoes").is_some());
        assert!(t.value("category", "ballet_flats").is_none());
    }

    #[test]
    fn errors_name_the_file_line_and_problem() {
        let base =
            "[rules]\nheel_flat_below_cm = 1.5\nheel_kitten_max_cm = 5.0\nheel_mid_max_cm = 7.0\n";
        let heels = "[[heel]]\nid = \"flat\"\nlabel = \"flat\"\n[[heel]]\nid = \"kitten\"\nlabel = \"k\"\n[[heel]]\nid = \"mid\"\nlabel = \"m\"\n[[heel]]\nid = \"high\"\nlabel = \"h\"\n";
        let cases = [
            (
                format!(
                    "{base}{heels}[[category]]\nid = \"flats\"\nlabel = \"flat\"\nparent = \"shoes\"\ngoogle_category_id = 187\n"
                ),
                "t.toml: line 18: category flats: parent \"shoes\" is not a category value",
            ),
            (
                format!("{base}{heels}[[category]]\nid = \"flats\"\nlabel = \"flat\"\n"),
                "t.toml: line 18: category flats: google_category_id is missing",
            ),
            (
                format!("{base}{heels}[[toe]]\nid = \"round\"\nlabel = \"round (toe)\"\n"),
                "t.toml: line 18: toe round: phrase \"round (toe)\" holds punctuation",
            ),
            (
                format!(
                    "{base}{heels}[[toe]]\nid = \"round\"\nlabel = \"round\"\nimplies = [\"heel:block\"]\n"
                ),
                "implies \"heel:block\", which is not a heel value",
            ),
            (
                format!("{base}[[colur]]\nid = \"x\"\n"),
                "t.toml: line 5: unknown field `colur`",
            ),
            (
                format!(
                    "{base}{heels}[[toe]]\nid = \"a\"\nlabel = \"a\"\nparent = \"b\"\n[[toe]]\nid = \"b\"\nlabel = \"b\"\nparent = \"a\"\n"
                ),
                "its parents form a cycle",
            ),
        ];
        for (text, expected) in cases {
            let err = Taxonomy::from_toml(&text, Path::new("t.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(expected),
                "{err}\n  should contain: {expected}"
            );
        }
    }
}
