//! Query understanding: what a shopper's words ask for besides words. Price phrases (see
//! [`super::price`]), gender and department words, a brand named whole, and the category,
//! each taken out of the words searched and turned into a filter.
//!
//! Reading order matters: prices first ("under" in "under £50" is no brand), then brands
//! ("Madden Girl" is a brand before "girl" is a gender), then gender words, then the category
//! of what is left.

use std::collections::HashSet;

use pointe_core::attributes::{Extractor, Market, ProductText, Taxonomy};
use pointe_core::money::Currency;
use serde::Serialize;

use super::price::{PriceFilter, read_prices};

/// The longest brand name, in words, looked for in a query.
const MAX_BRAND_WORDS: usize = 6;

/// Words that are never a brand or a gender on their own.
const COMMON: &[&str] = &[
    "a", "an", "and", "the", "with", "in", "of", "for", "to", "on", "by", "at", "or", "s",
];

/// Materials after "kid" that make it a leather ("kid suede"), not a child.
const KID_MATERIALS: &[&str] = &["leather", "suede", "skin", "mohair", "gloves", "glove"];

/// What a query was understood to ask for, as search results report it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Understood {
    /// The words searched, once every understood phrase is taken out.
    pub text: String,
    /// The lowest price asked for, in `currency` (plain decimal, "20.00").
    pub min_price: Option<String>,
    /// The highest price asked for, in `currency`.
    pub max_price: Option<String>,
    /// The currency of the price asked for.
    pub currency: Option<String>,
    /// The gender asked for (taxonomy id: `women`, `men`, `unisex`, `kids`, `girls`, `boys`).
    pub gender: Option<String>,
    /// The brand named, as its key.
    pub brand: Option<String>,
    /// The category understood (taxonomy id); several joined by `|` when the words mean
    /// different things in British and American usage and no market was given.
    pub category: Option<String>,
    /// What was read but not used, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl std::fmt::Display for Understood {
    /// One line for people: `"white sneakers" · under GBP 50.00 · gender women`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = vec![if self.text.is_empty() {
            "no words".to_string()
        } else {
            format!("words \"{}\"", self.text)
        }];
        if let Some(c) = &self.category {
            parts.push(format!("category {}", c.replace('|', " or ")));
        }
        if let Some(b) = &self.brand {
            parts.push(format!("brand {b}"));
        }
        if let Some(g) = &self.gender {
            parts.push(format!("gender {g}"));
        }
        let currency = self.currency.as_deref().unwrap_or("");
        match (&self.min_price, &self.max_price) {
            (Some(lo), Some(hi)) => parts.push(format!("price {currency} {lo} to {hi}")),
            (Some(lo), None) => parts.push(format!("price from {currency} {lo}")),
            (None, Some(hi)) => parts.push(format!("price up to {currency} {hi}")),
            (None, None) => {}
        }
        for n in &self.notes {
            parts.push(format!("note: {n}"));
        }
        f.write_str(&parts.join(" · "))
    }
}

/// A query as understood: what results report, and the filters it makes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadQuery {
    /// What results report.
    pub understood: Understood,
    /// The price filter.
    pub price: Option<PriceFilter>,
    /// The categories understood (one, or one per market when they differ). Their words stay
    /// searched: they rank the products of the category by how plainly each names it.
    pub categories: Vec<String>,
}

/// What reading queries needs, built once per index: the extractor (the taxonomy's phrases),
/// the taxonomy's gender words, every phrase of the taxonomy, and the brands the index holds.
/// Building one compiles the taxonomy into an automaton (a few milliseconds).
pub struct Vocabulary {
    extractor: Extractor,
    genders: Vec<(Vec<String>, String)>,
    phrases: HashSet<String>,
    brands: HashSet<String>,
    /// Every brand key it was made from, kept to tell whether another index's brands are the
    /// same (its vocabulary is then this one).
    made_from: HashSet<String>,
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocabulary")
            .field("brands", &self.brands.len())
            .field("phrases", &self.phrases.len())
            .finish_non_exhaustive()
    }
}

/// Folded words of a text, apostrophes dropped inside words ("women's" → "womens").
pub(crate) fn query_words(text: &str) -> Vec<String> {
    pointe_core::text::fold_key(&text.replace(['\'', '’'], ""))
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

impl Vocabulary {
    /// The vocabulary of a taxonomy and a set of brand keys (folded brand names).
    pub fn new(taxonomy: &Taxonomy, brands: impl IntoIterator<Item = String>) -> Vocabulary {
        let made_from: HashSet<String> = brands.into_iter().collect();
        let mut genders = Vec::new();
        let mut phrases = HashSet::new();
        for dim in pointe_core::attributes::DIMENSIONS {
            for v in taxonomy.values(dim) {
                let names = std::iter::once(&v.label)
                    .chain(&v.synonyms)
                    .chain(&v.uk)
                    .chain(&v.us);
                for name in names {
                    let words = query_words(name);
                    if words.is_empty() {
                        continue;
                    }
                    let mut plural = words.clone();
                    if let Some(last) = plural.last_mut()
                        && !last.ends_with('s')
                    {
                        last.push('s');
                    }
                    for w in [words, plural] {
                        phrases.insert(w.join(" "));
                        if dim == "gender" {
                            genders.push((w, v.id.clone()));
                        }
                    }
                }
            }
        }
        // Longest phrases first: "unisex kids" before "unisex".
        genders.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        genders.dedup();
        Vocabulary {
            extractor: Extractor::new(taxonomy),
            genders,
            phrases,
            brands: made_from
                .iter()
                .filter(|b| b.len() >= 2 && !COMMON.contains(&b.as_str()))
                .cloned()
                .collect(),
            made_from,
        }
    }

    /// Whether it was made from exactly these brand keys.
    pub(crate) fn made_from(&self, brands: &HashSet<String>) -> bool {
        &self.made_from == brands
    }

    /// Reads `text`: price phrases in `default_currency` when they name none, a whole brand,
    /// gender words and the category (in `market`'s usage, or in both when `None`).
    pub fn read(
        &self,
        text: &str,
        default_currency: Currency,
        market: Option<Market>,
    ) -> ReadQuery {
        let prices = read_prices(text, default_currency);
        let mut words = query_words(&prices.rest);
        let mut out = ReadQuery::default();
        out.understood.notes = prices.notes;
        if let Some(p) = prices.filter {
            out.understood.currency = Some(p.currency.code().to_string());
            out.understood.min_price = p.min_money().map(|m| m.amount_string());
            out.understood.max_price = p.max_money().map(|m| m.amount_string());
            out.price = Some(p);
        }
        out.understood.brand = self.take_brand(&mut words);
        let (gender, note) = self.take_gender(&mut words);
        out.understood.gender = gender;
        out.understood.notes.extend(note);
        self.read_category(&words, market, &mut out);
        out.understood.text = words.join(" ");
        out
    }

    /// Takes out the first brand named whole (the longest at the earliest word), unless its
    /// words are also a taxonomy phrase ("Floral" the brand is not read from "floral").
    fn take_brand(&self, words: &mut Vec<String>) -> Option<String> {
        for start in 0..words.len() {
            for len in (1..=MAX_BRAND_WORDS.min(words.len() - start)).rev() {
                let phrase = words[start..start + len].join(" ");
                if self.brands.contains(&phrase) && !self.phrases.contains(&phrase) {
                    words.drain(start..start + len);
                    return Some(phrase);
                }
            }
        }
        None
    }

    /// Takes out every gender word; the gender when they agree (unisex gives way to a named
    /// one), else none and a note.
    fn take_gender(&self, words: &mut Vec<String>) -> (Option<String>, Option<String>) {
        let mut found: Vec<String> = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let hit = self.genders.iter().find(|(phrase, _)| {
                words[i..].starts_with(phrase)
                    && !(phrase.len() == 1
                        && phrase[0].starts_with("kid")
                        && words
                            .get(i + 1)
                            .is_some_and(|w| KID_MATERIALS.contains(&w.as_str())))
            });
            match hit {
                Some((phrase, id)) => {
                    words.drain(i..i + phrase.len());
                    if !found.contains(id) {
                        found.push(id.clone());
                    }
                }
                None => i += 1,
            }
        }
        if found.len() > 1 {
            found.retain(|g| g != "unisex");
        }
        match found.len() {
            0 => (None, None),
            1 => (found.pop(), None),
            _ => (
                None,
                Some(format!(
                    "several genders named ({}): no gender filter",
                    found.join(", ")
                )),
            ),
        }
    }

    /// Reads the category of `words` (the query's words with typos corrected) into `read`
    /// when its own words named none: "sneekers" is the category of sneakers.
    pub fn read_corrected_category(
        &self,
        words: &[String],
        market: Option<Market>,
        read: &mut ReadQuery,
    ) {
        if read.categories.is_empty() {
            self.read_category(words, market, read);
        }
    }

    /// The category of the remaining words. When British and American usage read them as
    /// different categories and no market is given, both are kept.
    fn read_category(&self, words: &[String], market: Option<Market>, out: &mut ReadQuery) {
        if words.is_empty() {
            return;
        }
        let text = words.join(" ");
        let markets: &[Market] = match market {
            Some(Market::Uk) => &[Market::Uk],
            Some(Market::Us) => &[Market::Us],
            None => &[Market::Uk, Market::Us],
        };
        let mut found: Vec<(String, Vec<String>)> = Vec::new();
        for m in markets {
            let a = self.extractor.extract(&ProductText::new(&text, *m));
            let Some(category) = a.category.clone() else {
                continue;
            };
            if found.iter().any(|(c, _)| *c == category) {
                continue;
            }
            let evidence: Vec<String> = a
                .values
                .get("category")
                .and_then(|list| list.iter().find(|e| e.value == category))
                .map(|e| {
                    e.evidence
                        .iter()
                        .filter(|ev| ev.field == "title")
                        .flat_map(|ev| query_words(&ev.matched))
                        .collect()
                })
                .unwrap_or_default();
            found.push((category, evidence));
        }
        match found.len() {
            0 => {}
            1 => {
                let (category, _) = found.remove(0);
                out.understood.category = Some(category.clone());
                out.categories = vec![category];
            }
            _ => {
                out.understood.category = Some(
                    found
                        .iter()
                        .map(|(c, _)| c.as_str())
                        .collect::<Vec<_>>()
                        .join("|"),
                );
                out.understood.notes.push(format!(
                    "\"{}\" means {} in British usage and {} in American: both are searched \
                     (--market to choose)",
                    found[0].1.join(" "),
                    found[0].0,
                    found[1].0
                ));
                out.categories = found.into_iter().map(|(c, _)| c).collect();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        Vocabulary::new(
            &Taxonomy::bundled(),
            [
                "under armour",
                "puma",
                "steve madden",
                "madden girl",
                "floral",
                "m and s",
            ]
            .map(String::from),
        )
    }

    fn gbp() -> Currency {
        Currency::from_code("GBP").unwrap()
    }

    #[test]
    fn under_is_a_price_word_not_under_armour() {
        let q = vocab().read("white sneakers under £50", gbp(), None);
        let u = &q.understood;
        assert_eq!(u.brand, None);
        assert_eq!(u.max_price.as_deref(), Some("50.00"));
        assert_eq!(u.currency.as_deref(), Some("GBP"));
        assert_eq!(u.category.as_deref(), Some("trainers"));
        assert_eq!(u.text, "white sneakers");
        let q = vocab().read("under armour trainers", gbp(), None);
        assert_eq!(q.understood.brand.as_deref(), Some("under armour"));
        assert_eq!(q.price, None);
        assert_eq!(q.understood.text, "trainers");
    }

    #[test]
    fn a_brand_counts_only_whole() {
        let v = vocab();
        assert_eq!(v.read("madden flats", gbp(), None).understood.brand, None);
        assert_eq!(
            v.read("steve madden flats", gbp(), None)
                .understood
                .brand
                .as_deref(),
            Some("steve madden")
        );
        assert_eq!(
            v.read("m&s ballet pumps", gbp(), None)
                .understood
                .brand
                .as_deref(),
            Some("m and s")
        );
        // "Madden Girl" is a brand before "girl" is a gender.
        let q = v.read("madden girl sandals", gbp(), None);
        assert_eq!(q.understood.brand.as_deref(), Some("madden girl"));
        assert_eq!(q.understood.gender, None);
        // A brand whose name is a taxonomy phrase is not read from that phrase.
        let q = v.read("floral dress", gbp(), None);
        assert_eq!(q.understood.brand, None);
        assert_eq!(q.understood.text, "floral dress");
    }

    #[test]
    fn gender_and_department_words_become_the_gender() {
        let v = vocab();
        for (text, gender) in [
            ("women's ballet flats", "women"),
            ("womens ballet flats", "women"),
            ("ladies ballet flats", "women"),
            ("mens watch", "men"),
            ("men's watch", "men"),
            ("girls dress", "girls"),
            ("girls' dress", "girls"),
            ("boys jacket", "boys"),
            ("kids jacket", "kids"),
            ("unisex backpack", "unisex"),
            ("skinny jeans women", "women"),
        ] {
            let q = v.read(text, gbp(), None);
            assert_eq!(q.understood.gender.as_deref(), Some(gender), "{text}");
            assert!(
                !query_words(&q.understood.text)
                    .iter()
                    .any(|w| w.starts_with("wom") || w.starts_with("men")),
                "{text}: {}",
                q.understood.text
            );
        }
        let q = v.read("fawn kid suede pumps", gbp(), Some(Market::Us));
        assert_eq!(q.understood.gender, None);
        let q = v.read("mens womens trainers", gbp(), None);
        assert_eq!(q.understood.gender, None);
        assert!(q.understood.notes[0].contains("several genders"));
        assert_eq!(
            v.read("unisex kids watch", gbp(), None)
                .understood
                .gender
                .as_deref(),
            Some("kids")
        );
    }

    #[test]
    fn category_words_read_by_market() {
        let v = vocab();
        let q = v.read("trainers", gbp(), None);
        assert_eq!(q.categories, ["trainers"]);
        assert_eq!(q.understood.text, "trainers");
        let q = v.read("sneakers", gbp(), None);
        assert_eq!(q.categories, ["trainers"]);
        // A bare "pumps" is flat in Britain and heeled in America.
        assert_eq!(
            v.read("pumps", gbp(), Some(Market::Us)).categories,
            ["court_shoes"]
        );
        assert_eq!(
            v.read("pumps", gbp(), Some(Market::Uk)).categories,
            ["flats"]
        );
        let q = v.read("black pumps", gbp(), None);
        assert_eq!(q.categories, ["flats", "court_shoes"]);
        assert_eq!(q.understood.category.as_deref(), Some("flats|court_shoes"));
        assert_eq!(q.understood.text, "black pumps");
        assert!(q.understood.notes[0].contains("British"));
    }

    #[test]
    fn everything_at_once_and_the_line_for_people() {
        let q = vocab().read("Puma women's trainers £20–£50", gbp(), None);
        let u = &q.understood;
        assert_eq!(
            (
                u.brand.as_deref(),
                u.gender.as_deref(),
                u.category.as_deref()
            ),
            (Some("puma"), Some("women"), Some("trainers"))
        );
        assert_eq!(
            (u.min_price.as_deref(), u.max_price.as_deref()),
            (Some("20.00"), Some("50.00"))
        );
        assert_eq!(
            u.to_string(),
            "words \"trainers\" · category trainers · brand puma · gender women · price GBP \
             20.00 to 50.00"
        );
    }
}
