//! Folding product text into matchable words while remembering where each word came from.
//!
//! A field is cut into tokens: words, numbers, masked codes and clause breaks. The folded text
//! that the automaton scans is every token framed by spaces (`" leather  bow  ballet  pumps "`),
//! so a phrase pattern framed the same way can only match whole words, and two phrases that
//! touch (`" leather "`, `" bow "`) do not share a space. Each token keeps its byte range in the
//! original text, so a match can be reported in the words the feed used.

use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Letters (and digits that are not a code).
    Word,
    /// Digits, possibly with one decimal point.
    Number,
    /// A product code or size, which no phrase may match (written `#`).
    Masked,
    /// Punctuation that ends a clause (written `|`). `strong` for `. ; ! ?` and line breaks.
    Break {
        /// Whether it ends a sentence rather than a clause.
        strong: bool,
    },
}

/// One token of a field.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub kind: TokenKind,
    /// Byte range in the original field text.
    pub orig: Range<usize>,
    /// Byte range in the folded text.
    pub norm: Range<usize>,
}

/// A field folded for matching.
#[derive(Debug, Default, Clone)]
pub(crate) struct Folded {
    /// Every token framed by spaces: `" a  b  c "`.
    pub text: String,
    /// The tokens, in order.
    pub tokens: Vec<Token>,
}

impl Folded {
    /// The folded text of token `i`.
    pub fn word(&self, i: usize) -> &str {
        &self.text[self.tokens[i].norm.clone()]
    }

    /// The index of the token that starts at folded byte `norm_start`.
    pub fn token_starting_at(&self, norm_start: usize) -> Option<usize> {
        self.tokens
            .binary_search_by_key(&norm_start, |t| t.norm.start)
            .ok()
    }
}

/// A run of letters and digits being collected.
#[derive(Debug)]
struct Run {
    orig_start: usize,
    orig_end: usize,
    folded_start: usize,
    has_alpha: bool,
    has_digit: bool,
    /// Original byte offset and folded offset where the first letter after a digit begins.
    digit_to_alpha: Option<(usize, usize)>,
    last_lower: bool,
    last_digit: bool,
}

/// Words a size can follow: "UK 5", "EU 38", "size 6".
const SIZE_WORDS: &[&str] = &["uk", "eu", "us", "size", "sz", "fr", "it"];
/// Units a height can be written in.
pub(crate) const LENGTH_UNITS: &[(&str, f32)] = &[
    ("cm", 1.0),
    ("cms", 1.0),
    ("centimetres", 1.0),
    ("centimeters", 1.0),
    ("mm", 0.1),
    ("inch", 2.54),
    ("inches", 2.54),
];

/// Folds `raw` into `out` (whose buffers are reused), in one pass over its bytes.
pub(crate) fn fold_into(raw: &str, out: &mut Folded) {
    out.text.clear();
    out.tokens.clear();
    out.text.reserve(raw.len() + raw.len() / 4 + 8);
    let bytes = raw.as_bytes();
    let mut run: Option<Run> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let ascii = b.is_ascii();
        let ch = if ascii {
            char::from(b)
        } else {
            raw[i..].chars().next().unwrap_or(' ')
        };
        let len = ch.len_utf8();
        if (ascii && b.is_ascii_alphanumeric()) || (!ascii && ch.is_alphanumeric()) {
            let is_digit = b.is_ascii_digit() || (!ascii && !ch.is_alphabetic());
            let (is_upper, is_lower) = if ascii {
                (b.is_ascii_uppercase(), b.is_ascii_lowercase())
            } else {
                (ch.is_uppercase(), ch.is_lowercase())
            };
            if is_upper && run.as_ref().is_some_and(|r| r.last_lower) {
                // "detailLeather": a lower-case letter then an upper-case one starts a word.
                flush(run.take(), out);
            }
            let r = run.get_or_insert_with(|| {
                out.text.push(' ');
                Run {
                    orig_start: i,
                    orig_end: i,
                    folded_start: out.text.len(),
                    has_alpha: false,
                    has_digit: false,
                    digit_to_alpha: None,
                    last_lower: false,
                    last_digit: false,
                }
            });
            if !is_digit && r.last_digit && r.digit_to_alpha.is_none() {
                r.digit_to_alpha = Some((i, out.text.len()));
            }
            if ascii {
                out.text.push(char::from(b.to_ascii_lowercase()));
            } else {
                push_folded(ch, &mut out.text);
            }
            r.orig_end = i + len;
            r.has_alpha |= !is_digit;
            r.has_digit |= is_digit;
            r.last_lower = is_lower;
            r.last_digit = is_digit;
            i += len;
            continue;
        }
        let next = bytes.get(i + len).copied();
        // A decimal point or comma between digits stays in the number ("3.5 cm").
        if (b == b'.' || b == b',')
            && next.is_some_and(|n| n.is_ascii_digit())
            && let Some(r) = run.as_mut()
            && r.last_digit
            && !r.has_alpha
        {
            out.text.push('.');
            r.orig_end = i + 1;
            i += 1;
            continue;
        }
        // An apostrophe inside a word is dropped: "women's" → "womens".
        if matches!(ch, '\'' | '’' | '`')
            && run.as_ref().is_some_and(|r| r.has_alpha)
            && raw[i + len..]
                .chars()
                .next()
                .is_some_and(char::is_alphabetic)
        {
            i += len;
            continue;
        }
        flush(run.take(), out);
        match ch {
            '&' | '+' => {
                out.text.push(' ');
                let start = out.text.len();
                out.text.push_str("and");
                out.tokens.push(Token {
                    kind: TokenKind::Word,
                    orig: i..i + len,
                    norm: start..start + 3,
                });
                out.text.push(' ');
            }
            '.' | ';' | '!' | '?' | '\n' | '\r' | '•' => push_break(out, i, len, true),
            ',' | ':' | '(' | ')' | '[' | ']' | '{' | '}' | '/' | '\\' | '|' | '"' | '“' | '”'
            | '<' | '>' | '=' | '*' | '\t' => push_break(out, i, len, false),
            _ => {}
        }
        i += len;
    }
    flush(run.take(), out);
    mask_sizes(out);
}

/// Folds `raw` into a new [`Folded`].
pub(crate) fn fold(raw: &str) -> Folded {
    let mut out = Folded::default();
    fold_into(raw, &mut out);
    out
}

/// The folded words of a taxonomy phrase, or why it cannot be matched.
pub(crate) fn phrase_words(phrase: &str) -> Result<Vec<String>, String> {
    let folded = fold(phrase);
    let mut words = Vec::with_capacity(folded.tokens.len());
    for (i, token) in folded.tokens.iter().enumerate() {
        match token.kind {
            TokenKind::Word | TokenKind::Number => words.push(folded.word(i).to_string()),
            TokenKind::Masked => {
                return Err(format!(
                    "phrase {phrase:?} holds a code or size, which text never matches"
                ));
            }
            TokenKind::Break { .. } => {
                return Err(format!(
                    "phrase {phrase:?} holds punctuation that ends a clause; write it with spaces or hyphens"
                ));
            }
        }
    }
    if words.is_empty() {
        return Err(format!("phrase {phrase:?} has no words"));
    }
    Ok(words)
}

/// The automaton pattern of a phrase's folded words: `" ballet  flats "`.
pub(crate) fn pattern_of(words: &[String]) -> String {
    let mut out = String::new();
    for w in words {
        out.push(' ');
        out.push_str(w);
        out.push(' ');
    }
    out
}

fn push_break(out: &mut Folded, i: usize, len: usize, strong: bool) {
    // Consecutive breaks collapse into one (a strong one wins).
    if let Some(last) = out.tokens.last_mut()
        && let TokenKind::Break { strong: s } = &mut last.kind
    {
        *s |= strong;
        last.orig.end = i + len;
        return;
    }
    out.text.push(' ');
    let at = out.text.len();
    out.text.push('|');
    out.tokens.push(Token {
        kind: TokenKind::Break { strong },
        orig: i..i + len,
        norm: at..at + 1,
    });
    out.text.push(' ');
}

/// Ends a run of letters and digits: a word, a number, a number with its unit ("8cm" → "8",
/// "cm"), or a code ("T024471"), written `#`.
fn flush(run: Option<Run>, out: &mut Folded) {
    let Some(r) = run else { return };
    let end = out.text.len();
    let orig = r.orig_start..r.orig_end;
    if !r.has_digit || !r.has_alpha {
        let kind = if r.has_digit {
            TokenKind::Number
        } else {
            TokenKind::Word
        };
        out.tokens.push(Token {
            kind,
            orig,
            norm: r.folded_start..end,
        });
    } else if let Some((orig_split, folded_split)) = r.digit_to_alpha
        && out.text[r.folded_start..folded_split]
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.')
        && LENGTH_UNITS
            .iter()
            .any(|(u, _)| *u == &out.text[folded_split..end])
    {
        out.text.insert_str(folded_split, "  ");
        out.tokens.push(Token {
            kind: TokenKind::Number,
            orig: r.orig_start..orig_split,
            norm: r.folded_start..folded_split,
        });
        out.tokens.push(Token {
            kind: TokenKind::Word,
            orig: orig_split..r.orig_end,
            norm: folded_split + 2..end + 2,
        });
    } else {
        out.text.truncate(r.folded_start);
        out.text.push('#');
        out.tokens.push(Token {
            kind: TokenKind::Masked,
            orig,
            norm: r.folded_start..r.folded_start + 1,
        });
    }
    out.text.push(' ');
}

/// Masks sizes: a size word followed by a number ("UK 5", "size: 6") or a number followed by a
/// size word ("38 EU"). Their text stays; no phrase match may cover a masked token.
fn mask_sizes(out: &mut Folded) {
    for i in 0..out.tokens.len() {
        if out.tokens[i].kind != TokenKind::Word || !SIZE_WORDS.contains(&out.word(i)) {
            continue;
        }
        // "size: 6" has a weak break between the word and the number.
        let mut j = i + 1;
        if matches!(
            out.tokens.get(j).map(|t| t.kind),
            Some(TokenKind::Break { strong: false })
        ) {
            j += 1;
        }
        if out.tokens.get(j).map(|t| t.kind) == Some(TokenKind::Number) {
            out.tokens[i].kind = TokenKind::Masked;
            out.tokens[j].kind = TokenKind::Masked;
        } else if i > 0 && out.tokens[i - 1].kind == TokenKind::Number {
            out.tokens[i].kind = TokenKind::Masked;
            out.tokens[i - 1].kind = TokenKind::Masked;
        }
    }
}

/// Appends the folded form of one letter or digit: lower case, common Latin diacritics removed.
fn push_folded(ch: char, out: &mut String) {
    if ch.is_ascii() {
        out.push(ch.to_ascii_lowercase());
        return;
    }
    let Some(folded) = crate::text::fold_latin(ch) else {
        out.extend(ch.to_lowercase());
        return;
    };
    out.push_str(folded);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(raw: &str) -> String {
        fold(raw)
            .text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn folds_case_hyphens_apostrophes_and_ampersands() {
        assert_eq!(
            words("Logo-patch satin Ballet Flats"),
            "logo patch satin ballet flats"
        );
        assert_eq!(
            words("Women's Black & Gold Toned"),
            "womens black and gold toned"
        );
        assert_eq!(words("Crêpe de Chine"), "crepe de chine");
    }

    #[test]
    fn splits_run_together_words_at_a_capital() {
        assert_eq!(
            words("lace-up detailLeather upperCushioned footbed"),
            "lace up detail leather upper cushioned footbed"
        );
        // All capitals stay one word.
        assert_eq!(words("PUMA Formstrip"), "puma formstrip");
    }

    #[test]
    fn masks_codes_and_sizes_but_keeps_lengths() {
        let kinds = |raw: &str| {
            let f = fold(raw);
            f.tokens
                .iter()
                .enumerate()
                .map(|(i, t)| match t.kind {
                    TokenKind::Masked => format!("#{}", f.word(i)),
                    _ => f.word(i).to_string(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(kinds("MS-T024471 UK 5, EU 38"), "ms ## #uk #5 | #eu #38");
        assert_eq!(kinds("size: 6"), "#size | #6");
        assert_eq!(kinds("38 EU"), "#38 #eu");
        assert_eq!(kinds("8cm heel, 3.5 cm"), "8 cm heel | 3.5 cm");
        assert_eq!(kinds("Café-au-lait 2in1"), "cafe au lait ##");
        let f = fold("8cm");
        assert_eq!(f.text, " 8  cm ");
        assert_eq!(f.word(1), "cm");
    }

    #[test]
    fn breaks_clauses_at_punctuation_and_keeps_original_ranges() {
        let raw = "Pale pink. Satin/silk";
        let f = fold(raw);
        assert_eq!(f.text, " pale  pink  |  satin  |  silk ");
        let satin = f.token_starting_at(f.text.find("satin").unwrap()).unwrap();
        assert_eq!(&raw[f.tokens[satin].orig.clone()], "Satin");
    }

    #[test]
    fn phrases_refuse_punctuation_and_codes() {
        assert_eq!(phrase_words("T-bar").unwrap(), vec!["t", "bar"]);
        assert!(phrase_words("court shoe (US)").is_err());
        assert!(phrase_words("T024471").is_err());
        assert!(phrase_words("  ").is_err());
    }
}
