//! Price phrases in a query: "under £50", "below $100", "£20–£50", "£20-50", "between 20 and
//! 50 pounds", "less than 3000 rupees", "under 50" (in the search's currency), "₹999" (a
//! budget: at most ₹999).
//!
//! A phrase is read from the query's tokens and taken out of the words searched. A phrase that
//! cannot be used (no amount, two currencies, an amount over a billion) is taken out too, with
//! a note saying why, so that "under £" never searches for the word "under".

use pointe_core::money::{Currency, Money};

/// The largest amount a phrase may name, in major units: anything larger is a typo or an
/// attack, and keeps minor units far from overflow in every currency.
const MAX_AMOUNT: u64 = 1_000_000_000;

/// One bound of a price filter, in the filter's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The amount in minor units.
    pub minor: i64,
    /// Whether a price equal to the amount passes ("up to £50", "£20–£50") or not ("under
    /// £50").
    pub inclusive: bool,
}

/// A price filter read from a query, in the currency the query named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceFilter {
    /// The currency of the bounds.
    pub currency: Currency,
    /// The lowest price, if any.
    pub min: Option<Limit>,
    /// The highest price, if any.
    pub max: Option<Limit>,
}

impl PriceFilter {
    /// The lower bound as money.
    pub fn min_money(&self) -> Option<Money> {
        self.min.map(|l| Money::new(l.minor, self.currency))
    }

    /// The upper bound as money.
    pub fn max_money(&self) -> Option<Money> {
        self.max.map(|l| Money::new(l.minor, self.currency))
    }
}

/// What reading a query's price phrases found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceReading {
    /// The filter, when a usable phrase was found.
    pub filter: Option<PriceFilter>,
    /// The query with every price phrase taken out.
    pub rest: String,
    /// Phrases that were taken out but not used, and why.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Number,
    Symbol(Currency),
    Dash,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// Lower-case text (words), digits (numbers).
    text: String,
    start: usize,
    end: usize,
}

/// An amount as read: major units and minor units in the currency's digits, once known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Amount {
    /// Whole units and the fraction's digits (up to 3, zero-padded on the right).
    Value { whole: u64, milli: u64 },
    /// Over [`MAX_AMOUNT`].
    TooLarge,
}

impl Amount {
    fn minor(self, currency: Currency) -> Option<i64> {
        let Amount::Value { whole, milli } = self else {
            return None;
        };
        let digits = currency.minor_units();
        let scale = 10u64.pow(digits);
        let fraction = milli * scale / 1000;
        i64::try_from(whole.checked_mul(scale)?.checked_add(fraction)?).ok()
    }
}

/// A price as written: its amount, the currency it names (if any) and the tokens it spans.
#[derive(Debug, Clone, Copy)]
struct Written {
    amount: Amount,
    currency: Option<Currency>,
    /// Two different currencies around one amount ("£50 dollars").
    mixed: bool,
    first: usize,
    /// One past the last token.
    next: usize,
}

/// Comparators and the bound they give: `(words, is_max, inclusive)`.
const COMPARATORS: &[(&[&str], bool, bool)] = &[
    (&["less", "than"], true, false),
    (&["cheaper", "than"], true, false),
    (&["lower", "than"], true, false),
    (&["no", "more", "than"], true, true),
    (&["not", "more", "than"], true, true),
    (&["up", "to"], true, true),
    (&["at", "most"], true, true),
    (&["under"], true, false),
    (&["below"], true, false),
    (&["upto"], true, true),
    (&["max"], true, true),
    (&["maximum"], true, true),
    (&["within"], true, true),
    (&["more", "than"], false, false),
    (&["greater", "than"], false, false),
    (&["at", "least"], false, true),
    (&["over"], false, false),
    (&["above"], false, false),
    (&["min"], false, true),
    (&["minimum"], false, true),
    (&["from"], false, true),
];

/// Words after a price that make it a bound: `(words, is_max)`, always inclusive.
const TRAILERS: &[(&[&str], bool)] = &[
    (&["or", "less"], true),
    (&["or", "under"], true),
    (&["or", "below"], true),
    (&["and", "under"], true),
    (&["and", "below"], true),
    (&["max"], true),
    (&["or", "more"], false),
    (&["and", "over"], false),
    (&["and", "above"], false),
    (&["and", "up"], false),
    (&["plus"], false),
];

/// Units that make a number a measure, not a price ("under 5 cm").
const UNITS: &[&str] = &[
    "cm", "mm", "m", "in", "inch", "inches", "kg", "g", "ml", "l", "pcs", "pc", "pack", "pair",
    "pairs", "x", "yrs", "years", "year", "months", "month", "uk", "us", "eu", "size",
];

/// The currency a word names ("pounds", "rs", "usd"), if any.
fn currency_word(word: &str) -> Option<Currency> {
    let code = match word {
        "gbp" | "pound" | "pounds" | "quid" => "GBP",
        "usd" | "dollar" | "dollars" | "bucks" => "USD",
        "eur" | "euro" | "euros" => "EUR",
        "inr" | "rs" | "rupee" | "rupees" => "INR",
        "jpy" | "yen" => "JPY",
        _ => return None,
    };
    Currency::from_code(code)
}

fn currency_symbol(c: char) -> Option<Currency> {
    Currency::from_code(match c {
        '£' => "GBP",
        '$' => "USD",
        '€' => "EUR",
        '₹' => "INR",
        '¥' => "JPY",
        _ => return None,
    })
}

/// Hyphens and dashes of every kind, and the tilde, as written between two prices.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | '~' | '⁓' | '﹣' | '－'
    )
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_ascii_digit() {
            let mut end = start;
            let mut digits = String::new();
            while let Some(&(i, d)) = chars.peek() {
                let next_is_digit = text[i + d.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(|n| n.is_ascii_digit());
                if d.is_ascii_digit() || ((d == ',' || d == '.') && next_is_digit) {
                    digits.push(d);
                    end = i + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            // "3k" is three thousand; "3kg" is a weight.
            if let Some(&(i, k)) = chars.peek()
                && (k == 'k' || k == 'K')
                && !text[i + 1..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric)
            {
                digits.push('k');
                end = i + 1;
                chars.next();
            }
            out.push(Token {
                kind: Kind::Number,
                text: digits,
                start,
                end,
            });
        } else if c.is_alphabetic() {
            let mut end = start;
            let mut word = String::new();
            while let Some(&(i, w)) = chars.peek() {
                if w.is_alphanumeric() || w == '\'' || w == '’' {
                    if w.is_alphanumeric() {
                        word.extend(w.to_lowercase());
                    }
                    end = i + w.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Token {
                kind: Kind::Word,
                text: word,
                start,
                end,
            });
        } else {
            chars.next();
            let kind = if let Some(currency) = currency_symbol(c) {
                Kind::Symbol(currency)
            } else if is_dash(c) {
                Kind::Dash
            } else {
                continue;
            };
            out.push(Token {
                kind,
                text: c.to_string(),
                start,
                end: start + c.len_utf8(),
            });
        }
    }
    out
}

/// Reads the digits of a number token: "3,000", "49.99", "3k".
fn amount(digits: &str) -> Amount {
    let (body, thousand) = match digits.strip_suffix('k') {
        Some(b) => (b, true),
        None => (digits, false),
    };
    // A comma groups thousands; a point followed by one to three digits at the end is the
    // decimal point, any other point groups thousands too ("3.000").
    let (whole, fraction) = match body.rsplit_once('.') {
        Some((w, f)) if f.len() <= 2 || (f.len() == 3 && thousand) => (w, f),
        _ => (body, ""),
    };
    let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
    let mut milli = 0u64;
    for (i, d) in fraction
        .chars()
        .filter(char::is_ascii_digit)
        .take(3)
        .enumerate()
    {
        milli += u64::from(d.to_digit(10).unwrap_or(0)) * 10u64.pow(2 - i as u32);
    }
    let Ok(mut whole) = whole.parse::<u64>() else {
        return Amount::TooLarge;
    };
    if thousand {
        let extra = milli; // thousandths of a thousand are units
        milli = 0;
        whole = match whole.checked_mul(1000).and_then(|w| w.checked_add(extra)) {
            Some(w) => w,
            None => return Amount::TooLarge,
        };
    }
    if whole > MAX_AMOUNT {
        Amount::TooLarge
    } else {
        Amount::Value { whole, milli }
    }
}

struct Reader<'a> {
    toks: &'a [Token],
}

impl Reader<'_> {
    fn word(&self, i: usize) -> Option<&str> {
        self.toks
            .get(i)
            .filter(|t| t.kind == Kind::Word)
            .map(|t| t.text.as_str())
    }

    /// Whether the words at `i` are `words`.
    fn words_at(&self, i: usize, words: &[&str]) -> bool {
        words
            .iter()
            .enumerate()
            .all(|(k, w)| self.word(i + k) == Some(w))
    }

    /// The currency the token at `i` names, as a symbol or a word.
    fn currency(&self, i: usize) -> Option<Currency> {
        match self.toks.get(i)?.kind {
            Kind::Symbol(c) => Some(c),
            Kind::Word => currency_word(&self.toks[i].text),
            _ => None,
        }
    }

    /// A price written at `i`: an optional currency, a number, an optional currency after it.
    /// `None` when there is no number there, or it measures something ("5 cm").
    fn written(&self, i: usize) -> Option<Written> {
        let before = self.currency(i);
        let n = if before.is_some() { i + 1 } else { i };
        let number = self.toks.get(n).filter(|t| t.kind == Kind::Number)?;
        let after = self.currency(n + 1);
        if self.word(n + 1).is_some_and(|w| UNITS.contains(&w)) {
            return None;
        }
        let mixed = matches!((before, after), (Some(a), Some(b)) if a != b);
        Some(Written {
            amount: amount(&number.text),
            currency: before.or(after),
            mixed,
            first: i,
            next: if after.is_some() { n + 2 } else { n + 1 },
        })
    }

    /// The second price of a range after `i` ("–£50", "-50", "to £50", "and 50"), if any.
    fn range_end(&self, i: usize, joiners: &[&str]) -> Option<Written> {
        let tok = self.toks.get(i)?;
        let joined = tok.kind == Kind::Dash || joiners.iter().any(|j| self.word(i) == Some(j));
        if !joined {
            return None;
        }
        self.written(i + 1)
    }
}

/// One phrase found: its bounds (in the currency it names, or none named), its tokens, and
/// why it cannot be used when it cannot.
#[derive(Debug)]
struct Phrase {
    min: Option<(Amount, bool)>,
    max: Option<(Amount, bool)>,
    currency: Option<Currency>,
    first: usize,
    next: usize,
    problem: Option<&'static str>,
}

impl Phrase {
    fn of(min: Option<(Amount, bool)>, max: Option<(Amount, bool)>, parts: &[Written]) -> Phrase {
        let named: Vec<Currency> = parts.iter().filter_map(|w| w.currency).collect();
        let mixed = parts.iter().any(|w| w.mixed) || named.windows(2).any(|p| p[0] != p[1]);
        let too_large = parts.iter().any(|w| w.amount == Amount::TooLarge);
        Phrase {
            min,
            max,
            currency: named.first().copied(),
            first: parts.first().map_or(0, |w| w.first),
            next: parts.last().map_or(0, |w| w.next),
            problem: if mixed {
                Some("names two currencies")
            } else if too_large {
                Some("names an amount over a billion")
            } else {
                None
            },
        }
    }
}

/// The phrase starting at token `i`, if one does.
fn phrase_at(r: &Reader<'_>, i: usize) -> Option<Phrase> {
    if r.word(i) == Some("between")
        && let Some(low) = r.written(i + 1)
        && let Some(high) = r.range_end(low.next, &["and", "to"])
    {
        let mut p = Phrase::of(
            Some((low.amount, true)),
            Some((high.amount, true)),
            &[low, high],
        );
        p.first = i;
        return Some(p);
    }
    for (words, is_max, inclusive) in COMPARATORS {
        if !r.words_at(i, words) {
            continue;
        }
        let at = i + words.len();
        let Some(w) = r.written(at) else {
            // "under £" names no amount: a price phrase all the same.
            if r.currency(at).is_some() {
                return Some(Phrase {
                    min: None,
                    max: None,
                    currency: None,
                    first: i,
                    next: at + 1,
                    problem: Some("names no amount"),
                });
            }
            return None;
        };
        // "from" needs a currency: "from 2019" is no price.
        if *words == ["from"] && w.currency.is_none() {
            return None;
        }
        if !is_max && let Some(high) = r.range_end(w.next, &["to"]) {
            let mut p = Phrase::of(
                Some((w.amount, true)),
                Some((high.amount, true)),
                &[w, high],
            );
            p.first = i;
            return Some(p);
        }
        let bound = Some((w.amount, *inclusive));
        let mut p = if *is_max {
            Phrase::of(None, bound, &[w])
        } else {
            Phrase::of(bound, None, &[w])
        };
        p.first = i;
        return Some(p);
    }
    let w = r.written(i)?;
    if let Some(high) = r.range_end(w.next, &["to"])
        && (w.currency.is_some() || high.currency.is_some())
    {
        return Some(Phrase::of(
            Some((w.amount, true)),
            Some((high.amount, true)),
            &[w, high],
        ));
    }
    w.currency?;
    for (words, is_max) in TRAILERS {
        if r.words_at(w.next, words) {
            let bound = Some((w.amount, true));
            let mut p = if *is_max {
                Phrase::of(None, bound, &[w])
            } else {
                Phrase::of(bound, None, &[w])
            };
            p.next = w.next + words.len();
            return Some(p);
        }
    }
    // A price on its own is a budget.
    Some(Phrase::of(None, Some((w.amount, true)), &[w]))
}

/// Reads the price phrases of `text`; a phrase that names no currency is in `default`.
pub fn read_prices(text: &str, default: Currency) -> PriceReading {
    let toks = tokens(text);
    let r = Reader { toks: &toks };
    let mut filter: Option<PriceFilter> = None;
    let mut notes = Vec::new();
    let mut cut: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let Some(p) = phrase_at(&r, i) else {
            i += 1;
            continue;
        };
        let span = (toks[p.first].start, toks[p.next - 1].end);
        cut.push(span);
        let written = text[span.0..span.1].to_string();
        i = p.next;
        if let Some(problem) = p.problem {
            notes.push(format!("\"{written}\" {problem}: no price filter from it"));
            continue;
        }
        let currency = p.currency.unwrap_or(default);
        let limit = |b: Option<(Amount, bool)>| {
            b.and_then(|(a, inclusive)| a.minor(currency).map(|minor| Limit { minor, inclusive }))
        };
        let (mut min, mut max) = (limit(p.min), limit(p.max));
        if let (Some(lo), Some(hi)) = (min, max)
            && lo.minor > hi.minor
        {
            (min, max) = (Some(hi), Some(lo));
        }
        match &mut filter {
            None => filter = Some(PriceFilter { currency, min, max }),
            Some(f)
                if f.currency == currency
                    && (f.min.is_none() || min.is_none())
                    && (f.max.is_none() || max.is_none()) =>
            {
                f.min = f.min.or(min);
                f.max = f.max.or(max);
            }
            Some(_) => notes.push(format!(
                "\"{written}\" repeats or contradicts an earlier price: the first one is kept"
            )),
        }
    }
    PriceReading {
        filter,
        rest: without(text, &cut),
        notes,
    }
}

/// `text` without the byte ranges `cut` (in order), spaces collapsed.
fn without(text: &str, cut: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for &(start, end) in cut {
        out.push_str(&text[at..start]);
        out.push(' ');
        at = end;
    }
    out.push_str(&text[at..]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    /// `(min, max, currency, rest)` with bounds as "20.00" or "<50.00" (exclusive).
    fn read(text: &str) -> (String, String, String, String) {
        let r = read_prices(text, c("GBP"));
        let show = |l: Option<Limit>, currency: Currency| match l {
            None => String::new(),
            Some(l) => format!(
                "{}{}",
                if l.inclusive { "" } else { "x" },
                Money::new(l.minor, currency).amount_string()
            ),
        };
        match r.filter {
            Some(f) => (
                show(f.min, f.currency),
                show(f.max, f.currency),
                f.currency.code().to_string(),
                r.rest,
            ),
            None => (String::new(), String::new(), String::new(), r.rest),
        }
    }

    fn s(v: &[&str; 4]) -> (String, String, String, String) {
        (v[0].into(), v[1].into(), v[2].into(), v[3].into())
    }

    #[test]
    fn comparators_give_one_bound_in_the_named_currency() {
        let cases: &[(&str, [&str; 4])] = &[
            (
                "white sneakers under £50",
                ["", "x50.00", "GBP", "white sneakers"],
            ),
            ("below $100 boots", ["", "x100.00", "USD", "boots"]),
            (
                "less than 3000 rupees watch",
                ["", "x3000.00", "INR", "watch"],
            ),
            (
                "dresses below 2000 rupees",
                ["", "x2000.00", "INR", "dresses"],
            ),
            ("sandals under $30", ["", "x30.00", "USD", "sandals"]),
            ("bags up to €80", ["", "80.00", "EUR", "bags"]),
            ("coats over £100", ["x100.00", "", "GBP", "coats"]),
            ("at least 20 pounds", ["20.00", "", "GBP", ""]),
            ("kurta under rs. 999", ["", "x999.00", "INR", "kurta"]),
            ("kurta under 999rs", ["", "x999.00", "INR", "kurta"]),
            ("tops under 3k", ["", "x3000.00", "GBP", "tops"]),
            ("shirts under 1,499 INR", ["", "x1499.00", "INR", "shirts"]),
            ("flats under £49.99", ["", "x49.99", "GBP", "flats"]),
        ];
        for (text, want) in cases {
            assert_eq!(read(text), s(want), "{text}");
        }
    }

    #[test]
    fn a_bare_number_after_a_comparator_is_in_the_default_currency() {
        assert_eq!(read("heels under 50"), s(&["", "x50.00", "GBP", "heels"]));
        let r = read_prices("heels under 50", c("USD"));
        assert_eq!(r.filter.unwrap().currency, c("USD"));
    }

    #[test]
    fn ranges_in_every_shape() {
        let cases: &[(&str, [&str; 4])] = &[
            ("heels £20-£50", ["20.00", "50.00", "GBP", "heels"]),
            ("heels £20–£50", ["20.00", "50.00", "GBP", "heels"]),
            ("heels £20 — £50", ["20.00", "50.00", "GBP", "heels"]),
            ("heels £20‒50", ["20.00", "50.00", "GBP", "heels"]),
            ("heels £20−50", ["20.00", "50.00", "GBP", "heels"]),
            ("heels £20-50", ["20.00", "50.00", "GBP", "heels"]),
            ("heels 20-50 pounds", ["20.00", "50.00", "GBP", "heels"]),
            ("heels £20 to £50", ["20.00", "50.00", "GBP", "heels"]),
            ("between 20 and 50 pounds", ["20.00", "50.00", "GBP", ""]),
            (
                "bags between $20 and $50",
                ["20.00", "50.00", "USD", "bags"],
            ),
            ("from £20 to £50 flats", ["20.00", "50.00", "GBP", "flats"]),
            ("heels £50-£20", ["20.00", "50.00", "GBP", "heels"]),
        ];
        for (text, want) in cases {
            assert_eq!(read(text), s(want), "{text}");
        }
    }

    #[test]
    fn a_price_alone_is_a_budget_and_trailers_set_the_side() {
        assert_eq!(read("₹999 kurta"), s(&["", "999.00", "INR", "kurta"]));
        assert_eq!(read("kurta ₹999"), s(&["", "999.00", "INR", "kurta"]));
        assert_eq!(read("£50 or less"), s(&["", "50.00", "GBP", ""]));
        assert_eq!(read("£50 and over"), s(&["50.00", "", "GBP", ""]));
        assert_eq!(
            read("coats under £200 over £100"),
            s(&["x100.00", "x200.00", "GBP", "coats"])
        );
    }

    #[test]
    fn words_that_are_no_price_stay() {
        for text in [
            "under armour",
            "over the knee boots",
            "levis 501 jeans",
            "heels under 5 cm",
            "from 2019",
            "size 6 flats",
            "20-50",
            "t-shirt",
        ] {
            assert_eq!(read(text), s(&["", "", "", text]), "{text}");
        }
    }

    #[test]
    fn hostile_phrases_are_taken_out_with_a_note_and_no_filter() {
        let r = read_prices("white sneakers under £", c("GBP"));
        assert_eq!((r.filter, r.rest.as_str()), (None, "white sneakers"));
        assert!(r.notes[0].contains("no amount"), "{:?}", r.notes);

        let r = read_prices("heels £20-$50", c("GBP"));
        assert_eq!((r.filter, r.rest.as_str()), (None, "heels"));
        assert!(r.notes[0].contains("two currencies"), "{:?}", r.notes);

        let r = read_prices("£50 dollars", c("GBP"));
        assert_eq!(r.filter, None);

        for huge in [
            "under £99999999999999999999999999999",
            "under £1000000001",
            "under 18446744073709551616k",
        ] {
            let r = read_prices(huge, c("GBP"));
            assert_eq!((r.filter, r.rest.as_str()), (None, ""), "{huge}");
            assert!(r.notes[0].contains("over a billion"), "{:?}", r.notes);
        }
        // The largest amount allowed fits any currency's minor units.
        let r = read_prices("under ¥1000000000", c("GBP"));
        assert_eq!(r.filter.unwrap().max.unwrap().minor, 1_000_000_000);
    }

    #[test]
    fn a_second_contradicting_price_is_noted_and_the_first_kept() {
        let r = read_prices("under £50 under $20", c("GBP"));
        let f = r.filter.unwrap();
        assert_eq!((f.currency, f.max.unwrap().minor), (c("GBP"), 5000));
        assert_eq!(r.notes.len(), 1);
    }

    #[test]
    fn odd_text_never_panics() {
        for text in [
            "",
            "£",
            "-",
            "–£",
            "£-£",
            "under",
            "between",
            "between £5 and",
            "1.2.3.4",
            "£.50",
            "£50.",
            "k",
            "5k k",
            "£££50",
            "under £50—",
            "ünder £50",
            "£５０",
            "\u{0}£5",
            "£5\u{301}",
        ] {
            let _ = read_prices(text, c("GBP"));
        }
    }
}
