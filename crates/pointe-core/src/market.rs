//! The words and spelling of an edit's market: what readers in the UK and the US call the same
//! thing (trainers and sneakers, colour and color, jumpers and sweaters, trousers and pants),
//! and how a saving reads ("£515 less").
//!
//! ```
//! use pointe_core::market::Market;
//!
//! assert_eq!(Market::Us.spell("white trainers in a soft colour"), "white sneakers in a soft color");
//! assert_eq!(Market::Uk.spell("a grey sweater"), "a grey jumper");
//! ```

pub use crate::attributes::Market;
use crate::money::Money;

/// Words that differ between the markets, as `(UK, US)`; matched whole, in any case, with the
/// first letter's case kept.
const WORDS: &[(&str, &str)] = &[
    ("trainer", "sneaker"),
    ("trainers", "sneakers"),
    ("colour", "color"),
    ("colours", "colors"),
    ("coloured", "colored"),
    ("colourblocked", "colorblocked"),
    ("colourblock", "colorblock"),
    ("multicoloured", "multicolored"),
    ("jumper", "sweater"),
    ("jumpers", "sweaters"),
    ("trousers", "pants"),
    ("grey", "gray"),
    ("jewellery", "jewelry"),
    ("favourite", "favorite"),
];

/// Compounds that keep their words in both markets: Indian and British shops sell "track
/// pants", never "track trousers".
const KEPT: &[&str] = &["track pants", "lounge pants", "cargo pants", "yoga pants"];

impl Market {
    /// `text` in this market's words and spelling: every word of the other market replaced by
    /// this one's, whole words only ("greyhound" stays), keeping a leading capital.
    pub fn spell(self, text: &str) -> String {
        // Compounds both markets write alike keep their words.
        let mut out = text.to_string();
        for (i, kept) in KEPT.iter().enumerate() {
            out = replace_word(&out, kept, &format!("\u{1}{i}\u{1}"));
        }
        for (uk, us) in WORDS {
            let (from, to) = match self {
                Market::Uk => (us, uk),
                Market::Us => (uk, us),
            };
            out = replace_word(&out, from, to);
        }
        for (i, kept) in KEPT.iter().enumerate() {
            out = out.replace(&format!("\u{1}{i}\u{1}"), kept);
        }
        out
    }

    /// The code stored on an edit and printed for editors: `UK` or `US`.
    pub fn code(self) -> &'static str {
        match self {
            Market::Uk => "UK",
            Market::Us => "US",
        }
    }
}

/// How a saving reads: "£515 less", and "about £515 less" when the prices were converted from
/// another currency. Whole units, rounded to the nearest; `None` when the saving is under one
/// whole unit (nothing worth saying).
pub fn saving_phrase(saving: Money, converted: bool) -> Option<String> {
    let scale = 10i64.pow(saving.currency.minor_units());
    let whole = (saving.minor + scale / 2) / scale;
    if whole < 1 {
        return None;
    }
    let shown = Money::new(whole * scale, saving.currency).to_string();
    let shown = match shown.split_once('.') {
        Some((units, _)) => units.to_string(),
        None => shown,
    };
    Some(if converted {
        format!("about {shown} less")
    } else {
        format!("{shown} less")
    })
}

fn replace_word(text: &str, from: &str, to: &str) -> String {
    let lower = text.to_lowercase();
    // Lower-casing may change byte lengths outside ASCII; then the text is left as it is.
    if lower.len() != text.len() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    for (at, _) in lower.match_indices(from) {
        let end = at + from.len();
        let before_ok = at == 0 || !is_word(bytes[at - 1]);
        let after_ok = end == bytes.len() || !is_word(bytes[end]);
        if !(before_ok && after_ok) || at < last {
            continue;
        }
        out.push_str(&text[last..at]);
        let capital = text[at..].starts_with(|c: char| c.is_uppercase());
        if capital {
            let mut chars = to.chars();
            if let Some(c) = chars.next() {
                out.extend(c.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push_str(to);
        }
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

/// Stores an edit's market as its code (`"UK"`, `"US"`); a stored edit without one takes the
/// market of its currency.
pub mod serde_code {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Market;

    /// Writes `Some(Market::Uk)` as `"UK"`.
    pub fn serialize<S: Serializer>(m: &Option<Market>, s: S) -> Result<S::Ok, S::Error> {
        match m {
            Some(m) => s.serialize_str(m.code()),
            None => s.serialize_none(),
        }
    }

    /// Reads `"UK"`, `"US"` (any case) or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Market>, D::Error> {
        let raw: Option<String> = Option::deserialize(d)?;
        raw.map(|r| r.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn money(minor: i64, code: &str) -> Money {
        Money::new(minor, Currency::from_code(code).unwrap())
    }

    #[test]
    fn each_market_uses_its_own_words() {
        assert_eq!(
            Market::Us.spell("Trainers in a grey colour"),
            "Sneakers in a gray color"
        );
        assert_eq!(
            Market::Uk.spell("Sneakers in a gray color, with pants"),
            "Trainers in a grey colour, with trousers"
        );
        assert_eq!(Market::Uk.spell("a sneaker"), "a trainer");
        assert_eq!(
            Market::Uk.spell("track pants instead of leggings"),
            "track pants instead of leggings"
        );
        // Whole words only.
        assert_eq!(
            Market::Us.spell("greyhound colourful"),
            "greyhound colourful"
        );
        assert_eq!(Market::Us.spell("multi-colour"), "multi-colour");
        assert_eq!(Market::Uk.spell("colour"), "colour");
        assert_eq!(Market::Us.spell("Colour"), "Color");
    }

    #[test]
    fn the_market_follows_the_currency_unless_named() {
        let of = |code| Market::from_currency(Currency::from_code(code).unwrap());
        assert_eq!(of("GBP"), Market::Uk);
        assert_eq!(of("EUR"), Market::Uk);
        assert_eq!(of("INR"), Market::Uk);
        assert_eq!(of("USD"), Market::Us);
    }

    #[test]
    fn savings_read_in_whole_units_and_say_when_converted() {
        assert_eq!(
            saving_phrase(money(51_500, "GBP"), false).as_deref(),
            Some("£515 less")
        );
        assert_eq!(
            saving_phrase(money(51_549, "GBP"), true).as_deref(),
            Some("about £515 less")
        );
        assert_eq!(
            saving_phrase(money(1_234_500, "INR"), false).as_deref(),
            Some("₹12,345 less")
        );
        assert_eq!(saving_phrase(money(40, "GBP"), false), None);
        assert_eq!(saving_phrase(money(-5_000, "GBP"), false), None);
    }
}
