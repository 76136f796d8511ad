//! Brands learned from the titles of a file whose names start with their brand (a mapping's
//! `brand_from_title = "before_gender"`).
//!
//! Most such names put a gender word after the brand ("Red Rose Women Lavender Nightdress"),
//! which tells where the brand ends; some have none ("Red Rose Maroon Camisole", "Bwitch Beige
//! Full-Coverage Bra"). A brand named by an earlier row of the file (or its brand column) is
//! recognised at the start of such a title, the longest first, so that its words do not name
//! a colour ("Red Rose … Maroon" is maroon) or weigh as look words. The file is read once, as a
//! stream: a brand is known from the first row that names it on.

use std::collections::HashSet;

use crate::text::fold_key;

/// The most brands one file teaches: past this no more are learned (a hostile file cannot
/// grow the set without bound).
const MAX_BRANDS: usize = 100_000;

/// The most words a learned brand has ("United Colors of Benetton" is four).
const MAX_WORDS: usize = 6;

/// The brands a file has named so far, as folded keys.
#[derive(Debug, Default)]
pub(crate) struct TitleBrands {
    known: HashSet<String>,
}

impl TitleBrands {
    /// Learns `brand` (as a row named it).
    pub(crate) fn learn(&mut self, brand: &str) {
        let key = fold_key(brand);
        if key.is_empty()
            || key.split(' ').count() > MAX_WORDS
            || self.known.len() >= MAX_BRANDS
            || self.known.contains(&key)
        {
            return;
        }
        self.known.insert(key);
    }

    /// The longest learned brand `title` starts with, as the title writes it, followed by at
    /// least one word of its own.
    pub(crate) fn find<'t>(&self, title: &'t str) -> Option<&'t str> {
        let words: Vec<&str> = title.split_whitespace().collect();
        let most = MAX_WORDS.min(words.len().saturating_sub(1));
        (1..=most).rev().find_map(|n| {
            let key = fold_key(&words[..n].join(" "));
            if !self.known.contains(&key) {
                return None;
            }
            // The words are slices of `title`: the brand ends where its last word does.
            let last = words[n - 1];
            let end = last.as_ptr() as usize - title.as_ptr() as usize + last.len();
            Some(&title[..end])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_brand_named_before_is_found_at_the_start_of_a_title_without_a_gender_word() {
        let mut brands = TitleBrands::default();
        brands.learn("Red Rose");
        brands.learn("Red");
        brands.learn("United Colors of Benetton");
        assert_eq!(brands.find("Red Rose Maroon Camisole"), Some("Red Rose"));
        assert_eq!(brands.find("red rose  Pink Nightdress"), Some("red rose"));
        assert_eq!(brands.find("Red Tape Brown Shoes"), Some("Red"));
        assert_eq!(
            brands.find("United Colors of Benetton Sunglass"),
            Some("United Colors of Benetton")
        );
        assert_eq!(brands.find("Red Rose"), Some("Red"), "a word is left");
        assert_eq!(brands.find("Rose Red Camisole"), None);
        brands.learn("Red Red");
        assert_eq!(brands.find("Red Red Red Camisole"), Some("Red Red"));
        assert_eq!(brands.find(""), None);
    }

    #[test]
    fn the_set_is_bounded_and_long_names_are_not_learned() {
        let mut brands = TitleBrands::default();
        brands.learn("one two three four five six seven");
        assert_eq!(brands.find("one two three four five six seven eight"), None);
        for i in 0..MAX_BRANDS + 10 {
            brands.learn(&format!("brand{i}"));
        }
        assert_eq!(brands.known.len(), MAX_BRANDS);
    }
}
