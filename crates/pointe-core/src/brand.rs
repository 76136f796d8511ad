//! Brand canonicalisation: "M&S", "Marks & Spencer" and "M&S Collection" are one brand, and
//! "Pleaser USA" and "Pleaser Pink Label" are lines of the Pleaser family.
//!
//! A brand's key is its family's: filters, one-per-brand rules and matching treat a family as
//! one brand, while each line keeps its own display name.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::Result;
use crate::text::fold_key;

/// The brand list shipped with Pointe.
const BUNDLED: &str = include_str!("../data/brands.toml");

/// A brand as Pointe knows it: a matching key and a display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    /// The folded key of the brand's family (its canonical name, or the family a line belongs
    /// to); equal keys are the same brand for filters, diversity and matching.
    pub key: String,
    /// The name to show.
    pub display: String,
}

#[derive(Debug, Deserialize)]
struct BrandFile {
    #[serde(default)]
    brand: Vec<BrandEntry>,
}

#[derive(Debug, Deserialize)]
struct BrandEntry {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    /// The brand this one is a line of ("Pleaser" for "Pleaser Pink Label").
    #[serde(default)]
    family: Option<String>,
}

/// Words that end a brand's name without naming another brand: "Pleaser USA", "Steve Madden
/// Collection", "Nike Originals" are Pleaser, Steve Madden and Nike.
const FAMILY_SUFFIXES: &[&str] = &[
    "usa",
    "uk",
    "collection",
    "collections",
    "label",
    "originals",
    "official",
    "inc",
    "ltd",
];

/// The known brands and their aliases. Building one parses a small TOML file; lookups are a
/// hash-map probe on the folded name.
#[derive(Debug, Clone, Default)]
pub struct BrandBook {
    /// Folded alias (or name) → canonical display name.
    by_alias: HashMap<String, String>,
    /// Folded canonical name of a line → folded name of its family.
    family_of: HashMap<String, String>,
    /// Folded canonical key → every folded alias, the key itself included.
    aliases_of: HashMap<String, Vec<String>>,
}

impl BrandBook {
    /// The bundled brand list, extended by `<data_dir>/brands.toml` when that file exists
    /// (its entries win).
    pub fn load(data_dir: Option<&Path>) -> Result<BrandBook> {
        let mut book = BrandBook::default();
        book.add_toml(BUNDLED, Path::new("brands.toml (bundled)"))?;
        if let Some((text, path)) = crate::toml_file::data_dir_copy(data_dir, "brands.toml")? {
            book.add_toml(&text, &path)?;
        }
        Ok(book)
    }

    /// Adds the brands of a TOML text (`[[brand]] name = …, aliases = […]`).
    pub fn add_toml(&mut self, text: &str, path: &Path) -> Result<()> {
        let file: BrandFile = crate::toml_file::parse(text, path)?;
        for entry in file.brand {
            self.add(&entry.name, &entry.aliases);
            if let Some(family) = &entry.family {
                self.family_of
                    .insert(fold_key(&entry.name), fold_key(family));
            }
        }
        Ok(())
    }

    /// Adds one brand with its aliases; a later entry for the same name or alias wins.
    pub fn add(&mut self, name: &str, aliases: &[String]) {
        let display = name.trim().to_string();
        let key = fold_key(&display);
        let mut all: Vec<String> = vec![key.clone()];
        all.extend(
            aliases
                .iter()
                .map(|a| fold_key(a))
                .filter(|a| !a.is_empty()),
        );
        all.dedup();
        for alias in &all {
            self.by_alias.insert(alias.clone(), display.clone());
        }
        self.aliases_of.insert(key, all);
    }

    /// A hash of every entry: two books with the same version canonicalise every name alike
    /// (what a re-ingest needs to know before it trusts a stored row's brand).
    pub fn version(&self) -> u64 {
        let aliases = self
            .by_alias
            .iter()
            .map(|(a, d)| format!("alias\u{0}{a}\u{0}{d}"));
        let families = self
            .family_of
            .iter()
            .map(|(l, f)| format!("family\u{0}{l}\u{0}{f}"));
        let spellings = self
            .aliases_of
            .iter()
            .map(|(k, all)| format!("spellings\u{0}{k}\u{0}{}", all.join("\u{0}")));
        let mut lines: Vec<String> = aliases.chain(families).chain(spellings).collect();
        lines.sort_unstable();
        crate::text::fnv1a64(lines.join("\n").as_bytes())
    }

    /// The canonical brand for a name as a feed or user writes it: its display name, and the
    /// key of its family. An unknown brand is its own canonical brand, displayed as written;
    /// its family is its name without a closing "USA", "Collection", "Label"… `None` for an
    /// empty name.
    pub fn canonical(&self, raw: &str) -> Option<Brand> {
        let folded = fold_key(&split_camel(raw));
        if folded.is_empty() {
            return None;
        }
        let whole = fold_key(raw);
        let display = self
            .by_alias
            .get(&whole)
            .or_else(|| self.by_alias.get(&folded))
            .cloned();
        let name = display.as_deref().map(fold_key).unwrap_or(folded);
        let family = self.family_key(&name);
        Some(Brand {
            key: family,
            display: display.unwrap_or_else(|| raw.trim().to_string()),
        })
    }

    /// The family key of a folded canonical name: the book's, else the name without closing
    /// suffix words (when something is left), looked up again as an alias.
    fn family_key(&self, name: &str) -> String {
        if let Some(f) = self.family_of.get(name) {
            return f.clone();
        }
        let mut words: Vec<&str> = name.split(' ').collect();
        while words.len() > 1 && words.last().is_some_and(|w| FAMILY_SUFFIXES.contains(w)) {
            words.pop();
        }
        let base = words.join(" ");
        match self.by_alias.get(&base) {
            Some(display) => fold_key(display),
            None => base,
        }
    }

    /// Every folded spelling of a brand (its family's key and aliases, and its own display
    /// name), for stripping brand words from titles.
    pub fn spellings(&self, brand: &Brand) -> Vec<String> {
        let mut out = self
            .aliases_of
            .get(&brand.key)
            .cloned()
            .unwrap_or_else(|| vec![brand.key.clone()]);
        let own = fold_key(&brand.display);
        if !out.contains(&own) {
            out.push(own);
        }
        out
    }
}

/// Splits a run-together name where a lower-case letter meets an upper-case one
/// ("PleaserUSA" → "Pleaser USA").
fn split_camel(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 4);
    let mut prev_lower = false;
    for c in raw.chars() {
        if prev_lower && c.is_uppercase() {
            out.push(' ');
        }
        prev_lower = c.is_lowercase();
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_marks_and_spencer_alias_is_one_brand() {
        let book = BrandBook::load(None).unwrap();
        for alias in [
            "M&S",
            "Marks & Spencer",
            "M&S Collection",
            "marks and spencer",
            "M & S",
        ] {
            let brand = book.canonical(alias).unwrap();
            assert_eq!(brand.display, "Marks & Spencer", "{alias}");
            assert_eq!(brand.key, "marks and spencer", "{alias}");
        }
    }

    #[test]
    fn unknown_brands_are_their_own_canonical_name() {
        let book = BrandBook::load(None).unwrap();
        let brand = book.canonical("  Ganni ").unwrap();
        assert_eq!(brand.display, "Ganni");
        assert_eq!(brand.key, "ganni");
        assert!(book.canonical(" - ").is_none());
    }

    #[test]
    fn the_lines_of_a_brand_family_are_one_brand_with_their_own_names() {
        let book = BrandBook::load(None).unwrap();
        for raw in [
            "Pleaser",
            "PLEASER",
            "Pleaser USA",
            "PleaserUSA",
            "Pleaser Pink Label",
            "PLEASER Day Night",
        ] {
            assert_eq!(book.canonical(raw).unwrap().key, "pleaser", "{raw}");
        }
        assert_eq!(
            book.canonical("Pleaser Pink Label").unwrap().display,
            "Pleaser Pink Label"
        );
        // The suffix rule needs no entry: "Steve Madden Collection" is Steve Madden.
        assert_eq!(
            book.canonical("Steve Madden Collection").unwrap().key,
            "steve madden"
        );
        // A name that is only a suffix word stays itself.
        assert_eq!(book.canonical("Label").unwrap().key, "label");
        // A line's own words are stripped from its titles.
        let pink = book.canonical("Pleaser Pink Label").unwrap();
        assert!(
            book.spellings(&pink)
                .contains(&"pleaser pink label".to_string())
        );
    }

    #[test]
    fn a_user_file_adds_aliases_and_reports_its_line_on_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("brands.toml"),
            "[[brand]]\nname = \"Ganni\"\naliases = [\"Ganni Copenhagen\"]\n",
        )
        .unwrap();
        let book = BrandBook::load(Some(dir.path())).unwrap();
        assert_eq!(book.canonical("GANNI copenhagen").unwrap().display, "Ganni");

        std::fs::write(dir.path().join("brands.toml"), "[[brand]]\nname = 3\n").unwrap();
        let err = BrandBook::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("brands.toml: line 2"), "{err}");
    }
}
