//! The checks a blurb passes before readers see it.

use super::shapes::{MAX_LEN, MIN_LEN};

/// Words of the engine that are never copy: what a look-alike does not state, the hero as the
/// engine calls it, and the dimension names.
const ENGINE_WORDS: &[&str] = &[
    "not stated",
    "hero's",
    "the hero ",
    "no solid",
    "no printed",
    "unstated",
    "dimension",
    "case_shape",
    "bag_shape",
    "colour_family",
    "high_street",
];

/// What is wrong with a blurb, one line per problem; empty when it reads well. `hero_name` is
/// the hero's name as the blurb gives it, whose own repeated words ("Miu Miu") are no fault.
///
/// A blurb starts with a capital letter, ends with one full stop, repeats no word twice in a
/// row ("the the"), leaves no clause empty (": .", ", .", "with ."), names nothing of the
/// engine's own ("not stated", "(the hero's is …)", "no solid", a dimension name) and runs
/// 40 to 200 characters.
pub fn problems(text: &str, hero_name: &str) -> Vec<String> {
    let mut out = Vec::new();
    if !text.chars().next().is_some_and(char::is_uppercase) {
        out.push("does not start with a capital letter".to_string());
    }
    let trimmed = text.trim_end();
    if !trimmed.ends_with('.') || trimmed.ends_with("..") || trimmed != text {
        out.push("does not end with exactly one full stop".to_string());
    }
    let len = text.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        out.push(format!("is {len} characters, not {MIN_LEN} to {MAX_LEN}"));
    }
    for empty in [
        ": .", ", .", " .", "with .", ": ,", ", ,", "::", ",,", "  ", "()",
    ] {
        if text.contains(empty) {
            out.push(format!("has an empty clause ({empty:?})"));
        }
    }
    let lower = text.to_lowercase();
    for word in ENGINE_WORDS {
        if lower.contains(word) {
            out.push(format!("names the engine's own words ({word:?})"));
        }
    }
    if text.contains('_') || text.contains('(') {
        out.push("holds an identifier or an aside".to_string());
    }
    if let Some(w) = doubled_word(&text.replace(hero_name.trim(), "HERO")) {
        out.push(format!("repeats the word {w:?}"));
    }
    out
}

fn doubled_word(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    words
        .windows(2)
        .find(|pair| !pair[0].is_empty() && pair[0] == pair[1])
        .map(|pair| pair[0].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fault_is_named() {
        let ok = "The closest pair to the Miu Miu: the same bow, for £515 less.";
        assert_eq!(problems(ok, "Miu Miu"), Vec::<String>::new());
        let faults = [
            ("the closest pair to the Miu Miu, for £515 less.", "capital"),
            (
                "The closest pair to the Miu Miu, for £515 less",
                "full stop",
            ),
            (
                "The closest pair to the Miu Miu, for £515 less..",
                "full stop",
            ),
            ("Too short.", "characters"),
            (
                "The closest pair to the the Miu Miu, for £515 less.",
                "repeats",
            ),
            (
                "The closest pair to the Miu Miu, with heel not stated.",
                "engine",
            ),
            (
                "The closest pair to the Miu Miu (the hero's is kitten heel).",
                "engine",
            ),
            ("Where it parts ways with the Miu Miu: no solid.", "engine"),
            (
                "The closest pair to the Miu Miu, for £515 less, with .",
                "empty clause",
            ),
        ];
        for (text, expected) in faults {
            let found = problems(text, "Miu Miu");
            assert!(
                found.iter().any(|p| p.contains(expected)),
                "{text:?} should be faulted for {expected}: {found:?}"
            );
        }
    }
}
