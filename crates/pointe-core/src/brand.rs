//! Brand canonicalisation: "M&S", "Marks & Spencer" and "M&S Collection" are one brand.

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
    /// The folded key of the canonical name; equal keys are the same brand.
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
}

/// The known brands and their aliases. Building one parses a small TOML file; lookups are a
/// hash-map probe on the folded name.
#[derive(Debug, Clone, Default)]
pub struct BrandBook {
    /// Folded alias (or name) → canonical display name.
    by_alias: HashMap<String, String>,
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

    /// The canonical brand for a name as a feed or user writes it. An unknown brand is its own
    /// canonical brand, displayed as written. `None` for an empty name.
    pub fn canonical(&self, raw: &str) -> Option<Brand> {
        let folded = fold_key(raw);
        if folded.is_empty() {
            return None;
        }
        match self.by_alias.get(&folded) {
            Some(display) => Some(Brand {
                key: fold_key(display),
                display: display.clone(),
            }),
            None => Some(Brand {
                key: folded,
                display: raw.trim().to_string(),
            }),
        }
    }

    /// Every folded spelling of a brand (its key and its aliases), for stripping brand words
    /// from titles.
    pub fn spellings(&self, brand: &Brand) -> Vec<String> {
        self.aliases_of
            .get(&brand.key)
            .cloned()
            .unwrap_or_else(|| vec![brand.key.clone()])
    }
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
