//! Text normalisation shared by matching and lookups.

/// Folds a string to a matching key: lower case, common Latin diacritics removed, `&` read as
/// "and", every other non-alphanumeric run turned into one space. `"Porte & Paire"` and
/// `"porte and paire"` give the same key; so do `"Logo-patch"` and `"logo patch"`.
pub fn fold_key(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    let push = |out: &mut String, piece: &str, pending: &mut bool| {
        if *pending && !out.is_empty() {
            out.push(' ');
        }
        *pending = false;
        out.push_str(piece);
    };
    for ch in raw.chars() {
        if ch == '&' || ch == '+' {
            pending_space = true;
            push(&mut out, "and", &mut pending_space);
            pending_space = true;
        } else if ch.is_ascii_alphanumeric() {
            let lower = ch.to_ascii_lowercase();
            push(&mut out, lower.encode_utf8(&mut [0; 4]), &mut pending_space);
        } else if let Some(folded) = fold_latin(ch) {
            push(&mut out, folded, &mut pending_space);
        } else if ch.is_alphanumeric() {
            let lower: String = ch.to_lowercase().collect();
            push(&mut out, &lower, &mut pending_space);
        } else {
            pending_space = true;
        }
    }
    out
}

/// Words that end a maker's name at the start of a display name ("Carlton London Women …").
const GENDER_WORDS: &[&str] = &[
    "women", "womens", "woman", "girls", "girl", "unisex", "men", "mens", "boys", "boy", "kids",
    "ladies",
];

/// The brand at the start of a display name written `{brand} {gender} {…}`, as Indian
/// marketplaces write names: the words before the first gender word ("Carlton London Women
/// Black Flats" → "Carlton London"). `None` when no gender word follows a word.
pub fn brand_before_gender(name: &str) -> Option<&str> {
    let mut offset = 0;
    for word in name.split(' ') {
        let folded: String = word
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        if GENDER_WORDS.contains(&folded.as_str()) {
            let brand = name[..offset].trim();
            return (!brand.is_empty()).then_some(brand);
        }
        offset += word.len() + 1;
    }
    None
}

/// Removes the diacritics of common Latin letters; `None` for every other character.
pub(crate) fn fold_latin(ch: char) -> Option<&'static str> {
    Some(match ch {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'œ' | 'Œ' => "oe",
        'ß' => "ss",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        _ => return None,
    })
}

/// Removes every occurrence of each word sequence in `phrases` (already folded keys) from the
/// folded `text`, on word boundaries, and returns what is left, folded.
pub fn strip_phrases(text: &str, phrases: &[String]) -> String {
    let mut words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    let mut sorted: Vec<Vec<&str>> = phrases
        .iter()
        .map(|p| p.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .collect();
    // Longer phrases first, so "marks and spencer" goes before "marks".
    sorted.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for phrase in &sorted {
        let mut i = 0;
        while i + phrase.len() <= words.len() {
            if words[i..i + phrase.len()] == phrase[..] {
                words.drain(i..i + phrase.len());
            } else {
                i += 1;
            }
        }
    }
    words.join(" ")
}

/// 64-bit FNV-1a: a stable hash for versions and fingerprints (unlike `std`'s, which may change
/// between Rust releases).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_punctuation_diacritics_and_ampersands() {
        assert_eq!(fold_key("Porte & Paire"), "porte and paire");
        assert_eq!(
            fold_key("Logo-patch satin  ballet flats"),
            "logo patch satin ballet flats"
        );
        assert_eq!(fold_key("M&S"), "m and s");
        assert_eq!(fold_key("Chloé"), "chloe");
        assert_eq!(fold_key("  --  "), "");
    }

    #[test]
    fn strips_brand_phrases_on_word_boundaries() {
        let phrases = vec!["marks and spencer".to_string(), "m and s".to_string()];
        assert_eq!(
            strip_phrases("marks and spencer leather bow ballet pumps", &phrases),
            "leather bow ballet pumps"
        );
        assert_eq!(
            strip_phrases("m and s leather bow ballet pumps", &phrases),
            "leather bow ballet pumps"
        );
        // "marksman" is not the brand.
        assert_eq!(strip_phrases("marksman boots", &phrases), "marksman boots");
    }
}
