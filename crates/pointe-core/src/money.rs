//! Money: integer minor units and an ISO 4217 currency, never floats.
//!
//! [`parse_price`] reads the price strings that feeds really contain (`550.00 GBP`, `GBP 550`,
//! `£550`, `1.099,00 EUR`, `1 099,00 €`, `$1,299.99`, whole rupees). A string it cannot read
//! unambiguously is refused with a reason: a price is never guessed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency that Pointe knows, with its number of minor-unit digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    minor_units: u8,
}

/// ISO 4217 codes Pointe accepts, with their minor-unit exponent.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AUD", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EGP", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HRK", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("ISK", 0),
    ("JPY", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("MXN", 2),
    ("MYR", 2),
    ("NGN", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("QAR", 2),
    ("RON", 2),
    ("RUB", 2),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("USD", 2),
    ("VND", 0),
    ("ZAR", 2),
];

impl Currency {
    /// Looks up an ISO 4217 code (case-insensitive). `None` for a code Pointe does not know.
    pub fn from_code(code: &str) -> Option<Currency> {
        let upper = code.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == upper)
            .map(|(c, minor)| {
                let b = c.as_bytes();
                Currency {
                    code: [b[0], b[1], b[2]],
                    minor_units: *minor,
                }
            })
    }

    /// The three-letter code, e.g. `"GBP"`.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// Digits after the decimal point in this currency (2 for GBP, 0 for JPY, 3 for KWD).
    pub fn minor_units(&self) -> u32 {
        u32::from(self.minor_units)
    }

    /// The symbol used when displaying an amount, or the code when there is no unambiguous one.
    pub fn symbol(&self) -> &'static str {
        match self.code() {
            "GBP" => "£",
            "EUR" => "€",
            "USD" => "$",
            "INR" => "₹",
            "JPY" => "¥",
            _ => "",
        }
    }

    /// Every currency Pointe knows.
    pub fn all() -> impl Iterator<Item = Currency> {
        CURRENCIES
            .iter()
            .filter_map(|(c, _)| Currency::from_code(c))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s).ok_or_else(|| MoneyError::UnknownCurrency(s.trim().to_string()))
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::from_code(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown currency {s:?}")))
    }
}

/// An amount of money: integer minor units (pence, cents, paise) of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    /// The amount in minor units; `55000` is £550.00.
    pub minor: i64,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// Builds an amount from minor units.
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// The amount as a plain decimal string with the currency's minor digits, e.g. `"550.00"`;
    /// this is the form of the JSON contract.
    pub fn amount_string(&self) -> String {
        let digits = self.currency.minor_units();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if digits == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(digits);
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = digits as usize
        )
    }

    /// Reads back the plain decimal form written by [`Money::amount_string`], e.g. `"550.00"`.
    ///
    /// Unlike [`parse_price`] it takes no symbol, code or thousands separator, and it accepts
    /// zero and negative amounts (a price change can be either). Fewer decimals than the
    /// currency has are padded (`"550.5"` is 550.50); more are accepted only when the extra
    /// digits are zeros.
    pub fn from_amount_str(s: &str, currency: Currency) -> Result<Money, MoneyError> {
        let value = s.trim();
        if value.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (negative, body) = match value.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        let (whole, fraction) = match body.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (body, None),
        };
        let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !is_digits(whole) || fraction.is_some_and(|f| !is_digits(f)) {
            return Err(malformed(value, "expected a plain decimal like 550.00"));
        }
        let fraction = fraction.unwrap_or("");
        let minor_units = currency.minor_units() as usize;
        let (kept, extra) = fraction.split_at(fraction.len().min(minor_units));
        if extra.bytes().any(|b| b != b'0') {
            return Err(malformed(
                value,
                format!("{currency} has {minor_units} decimals but the amount has more"),
            ));
        }
        let overflow = || MoneyError::Overflow(value.to_string());
        let magnitude = whole
            .bytes()
            .chain(kept.bytes())
            .chain(std::iter::repeat_n(b'0', minor_units - kept.len()))
            .try_fold(0i128, |acc, d| {
                acc.checked_mul(10)?.checked_add(i128::from(d - b'0'))
            })
            .ok_or_else(overflow)?;
        let signed = if negative { -magnitude } else { magnitude };
        i64::try_from(signed)
            .map(|minor| Money::new(minor, currency))
            .map_err(|_| overflow())
    }
}

/// Displays the amount for people: `£550.00`, `€1,099.00`, `SEK 1,299.00`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self.amount_string();
        let (sign, rest) = match plain.strip_prefix('-') {
            Some(r) => ("-", r),
            None => ("", plain.as_str()),
        };
        let (whole, frac) = match rest.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (rest, None),
        };
        let mut grouped = String::new();
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        let symbol = self.currency.symbol();
        let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
        if symbol.is_empty() {
            write!(f, "{sign}{} {grouped}{frac}", self.currency.code())
        } else {
            write!(f, "{sign}{symbol}{grouped}{frac}")
        }
    }
}

/// Why a price string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The string is empty.
    #[error("price is empty")]
    Empty,
    /// A currency code that Pointe does not know.
    #[error("unknown currency {0:?}")]
    UnknownCurrency(String),
    /// The string names no currency and none was given by the feed.
    #[error("price {0:?} names no currency and the feed gives none")]
    NoCurrency(String),
    /// The string names one currency and the feed another.
    #[error("price {value:?} is in {found} but the feed says {expected}")]
    CurrencyConflict {
        /// The price text.
        value: String,
        /// Currency found in the text.
        found: String,
        /// Currency the feed declares.
        expected: String,
    },
    /// The number cannot be read unambiguously.
    #[error("price {value:?} cannot be read: {reason}")]
    Malformed {
        /// The price text.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Negative or zero where a selling price is expected.
    #[error("price {0:?} must be greater than zero")]
    NotPositive(String),
    /// Larger than Pointe can hold.
    #[error("price {0:?} is too large")]
    Overflow(String),
}

/// Parses a feed price into money; the result is always greater than zero.
///
/// `feed_currency` is the currency the feed declares (a currency column or `--currency`); when
/// the text also names one, the two must agree. The number is read into integer minor units
/// without any floating point, and a string that could mean two different amounts is refused
/// rather than guessed.
///
/// # Currency
///
/// - An ISO 4217 code before or after the number, in any case and with or without a space:
///   `550.00 GBP`, `GBP 550`, `JPY 1200`. A three-letter upper-case code Pointe does not know is
///   [`MoneyError::UnknownCurrency`].
/// - A symbol: `£` GBP, `€` EUR, `₹`, `Rs` and `Rs.` INR, `¥` JPY, `US$` USD, `C$` and `CA$`
///   CAD, `A$` and `AU$` AUD, `NZ$` NZD, `S$` and `SG$` SGD, `HK$` HKD.
/// - A bare `$` is USD, unless the feed currency is another dollar (CAD, AUD, NZD, SGD, HKD),
///   in which case it is that one; `$12 CAD` is CAD.
/// - `kr` is read only when the feed currency is SEK, NOK, DKK or ISK; otherwise it is refused.
/// - Text naming one currency while the feed declares another is
///   [`MoneyError::CurrencyConflict`]; no currency in the text nor from the feed is
///   [`MoneyError::NoCurrency`].
///
/// # Separators
///
/// - Spaces inside the number (space, no-break space U+00A0, narrow no-break space U+202F, thin
///   space U+2009) separate thousands (`1 099,00 €`); a single `.` or `,` after the last group is
///   then the decimal separator.
/// - When both `.` and `,` appear, the last one is the decimal separator and the other separates
///   thousands (`1.099,00`, `1,099.00`).
/// - Only `,`: more than once, or once followed by exactly three digits, it separates thousands
///   (`1,299`); otherwise it is the decimal separator (`12,50`).
/// - Only `.`: more than once, it separates thousands (`1.099.000`); once followed by exactly
///   three digits it is refused as ambiguous (`12.990 USD` could be either), unless the currency
///   has three minor digits (KWD, BHD, OMR); otherwise it is the decimal separator.
/// - Thousands groups must be well formed: one to three digits, then groups of exactly three
///   (`1,29,9` is refused). For INR the Indian lakh grouping is also accepted: two-digit groups
///   before the final three (`1,29,999`).
/// - Decimals beyond the currency's minor units are accepted only when they are all zeros
///   (`550.0000 GBP`, `1200.00 JPY`); `1200.5 JPY` is refused.
///
/// # Refusals
///
/// Empty or blank text is [`MoneyError::Empty`]; a minus sign or a zero amount is
/// [`MoneyError::NotPositive`]; an amount beyond `i64` minor units is [`MoneyError::Overflow`];
/// anything else that is not one price (`free`, `N/A`, `12-15`, `12.50 GBP 13.00`) is
/// [`MoneyError::Malformed`] with a reason. No input makes it panic.
pub fn parse_price(text: &str, feed_currency: Option<Currency>) -> Result<Money, MoneyError> {
    let value = text.trim();
    if value.is_empty() {
        return Err(MoneyError::Empty);
    }
    let bytes = value.as_bytes();
    let Some(first) = bytes.iter().position(u8::is_ascii_digit) else {
        return Err(malformed(value, "it holds no number"));
    };
    let last = bytes.iter().rposition(u8::is_ascii_digit).unwrap_or(first);
    // ASCII digits are single bytes, so both cuts fall on character boundaries.
    let (prefix, number, suffix) = (&value[..first], &value[first..=last], &value[last + 1..]);

    let (negative, prefix) = split_sign(prefix);
    let before = read_marker(prefix, value)?;
    let after = read_marker(suffix.trim(), value)?;
    // The shape of the number is checked before the currency so that text that is not one
    // price (`12.50 GBP 13.00`) is reported as such; reading it needs the currency's decimals.
    let number = Number::split(number).map_err(|e| e.into_money_error(value))?;
    let currency = resolve_currency(value, before, after, feed_currency)?;
    let minor = number
        .read(currency)
        .map_err(|e| e.into_money_error(value))?;
    if negative || minor == 0 {
        return Err(MoneyError::NotPositive(value.to_string()));
    }
    Ok(Money::new(minor, currency))
}

/// Parses an amount whose currency is already known, e.g. a price column beside a currency
/// column.
///
/// The rules are those of [`parse_price`] with `currency` as the feed currency: the text may
/// still carry a symbol or code, which must then agree with `currency`.
pub fn parse_amount(text: &str, currency: Currency) -> Result<Money, MoneyError> {
    parse_price(text, Some(currency))
}

const DOLLARS: &[&str] = &["USD", "CAD", "AUD", "NZD", "SGD", "HKD"];
const KRONER: &[&str] = &["SEK", "NOK", "DKK", "ISK"];

/// What the text around the number says about the currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// A code or a symbol that names one currency.
    Exact(Currency),
    /// A bare `$`.
    Dollar,
    /// `kr`: Swedish, Norwegian or Danish krona/krone, or Icelandic króna.
    Krona,
}

fn malformed(value: &str, reason: impl Into<String>) -> MoneyError {
    MoneyError::Malformed {
        value: value.to_string(),
        reason: reason.into(),
    }
}

fn known(code: &str) -> Currency {
    // Only called with codes from the CURRENCIES table.
    Currency::from_code(code).unwrap_or(Currency {
        code: *b"XXX",
        minor_units: 2,
    })
}

/// Strips a leading or trailing minus sign from the text before the number.
fn split_sign(prefix: &str) -> (bool, &str) {
    let prefix = prefix.trim();
    for minus in ['-', '\u{2212}'] {
        if let Some(rest) = prefix.strip_prefix(minus) {
            return (true, rest.trim());
        }
        if let Some(rest) = prefix.strip_suffix(minus) {
            return (true, rest.trim());
        }
    }
    (false, prefix)
}

fn read_marker(text: &str, value: &str) -> Result<Option<Marker>, MoneyError> {
    if text.is_empty() {
        return Ok(None);
    }
    let marker = match text.to_uppercase().as_str() {
        "£" => Marker::Exact(known("GBP")),
        "€" => Marker::Exact(known("EUR")),
        "₹" | "RS" | "RS." => Marker::Exact(known("INR")),
        "¥" | "￥" => Marker::Exact(known("JPY")),
        "$" => Marker::Dollar,
        "US$" => Marker::Exact(known("USD")),
        "C$" | "CA$" => Marker::Exact(known("CAD")),
        "A$" | "AU$" => Marker::Exact(known("AUD")),
        "NZ$" => Marker::Exact(known("NZD")),
        "S$" | "SG$" => Marker::Exact(known("SGD")),
        "HK$" => Marker::Exact(known("HKD")),
        "KR" | "KR." => Marker::Krona,
        code if code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()) => {
            match Currency::from_code(code) {
                Some(currency) => Marker::Exact(currency),
                None if text.bytes().all(|b| b.is_ascii_uppercase()) => {
                    return Err(MoneyError::UnknownCurrency(text.to_string()));
                }
                None => return Err(malformed(value, format!("unexpected text {text:?}"))),
            }
        }
        _ => return Err(malformed(value, format!("unexpected text {text:?}"))),
    };
    Ok(Some(marker))
}

fn resolve_currency(
    value: &str,
    before: Option<Marker>,
    after: Option<Marker>,
    feed: Option<Currency>,
) -> Result<Currency, MoneyError> {
    let mut exact: Option<Currency> = None;
    let mut generic: Option<Marker> = None;
    for marker in [before, after].into_iter().flatten() {
        match marker {
            Marker::Exact(c) => match exact {
                Some(e) if e != c => {
                    return Err(malformed(
                        value,
                        format!("it names two currencies, {e} and {c}"),
                    ));
                }
                _ => exact = Some(c),
            },
            Marker::Dollar | Marker::Krona => match generic {
                Some(g) if g != marker => {
                    return Err(malformed(value, "it names two currencies, $ and kr"));
                }
                _ => generic = Some(marker),
            },
        }
    }
    let named = match (exact, generic) {
        (Some(c), Some(Marker::Dollar)) if !DOLLARS.contains(&c.code()) => {
            return Err(malformed(value, format!("$ does not go with {c}")));
        }
        (Some(c), Some(Marker::Krona)) if !KRONER.contains(&c.code()) => {
            return Err(malformed(value, format!("kr does not go with {c}")));
        }
        (Some(c), _) => Some(c),
        (None, Some(Marker::Dollar)) => match feed {
            Some(f) if DOLLARS.contains(&f.code()) => Some(f),
            _ => Some(known("USD")),
        },
        (None, Some(_)) => match feed {
            Some(f) if KRONER.contains(&f.code()) => Some(f),
            Some(f) => {
                return Err(MoneyError::CurrencyConflict {
                    value: value.to_string(),
                    found: "kr (SEK, NOK, DKK or ISK)".to_string(),
                    expected: f.code().to_string(),
                });
            }
            None => {
                return Err(malformed(
                    value,
                    "kr could be SEK, NOK, DKK or ISK and the feed names no currency",
                ));
            }
        },
        (None, None) => None,
    };
    match (named, feed) {
        (Some(n), Some(f)) if n != f => Err(MoneyError::CurrencyConflict {
            value: value.to_string(),
            found: n.code().to_string(),
            expected: f.code().to_string(),
        }),
        (Some(c), _) | (None, Some(c)) => Ok(c),
        (None, None) => Err(MoneyError::NoCurrency(value.to_string())),
    }
}

/// Why the number part of a price was refused; the caller adds the full text.
#[derive(Debug)]
enum NumberError {
    Malformed(String),
    Overflow,
}

impl NumberError {
    fn into_money_error(self, value: &str) -> MoneyError {
        match self {
            NumberError::Malformed(reason) => malformed(value, reason),
            NumberError::Overflow => MoneyError::Overflow(value.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Dot,
    Comma,
    Space,
}

impl Sep {
    fn name(self) -> &'static str {
        match self {
            Sep::Dot => "'.'",
            Sep::Comma => "','",
            Sep::Space => "a space",
        }
    }
}

/// The number part of a price, cut into digit runs and the single separators between them.
#[derive(Debug)]
struct Number<'a> {
    /// Never empty, and no run is empty.
    runs: Vec<&'a str>,
    /// `seps[i]` stands between `runs[i]` and `runs[i + 1]`.
    seps: Vec<Sep>,
}

impl<'a> Number<'a> {
    /// Cuts the number part of a price (it starts and ends with a digit).
    fn split(number: &'a str) -> Result<Number<'a>, NumberError> {
        let mut runs: Vec<&str> = Vec::new();
        let mut seps: Vec<Sep> = Vec::new();
        let mut start = 0;
        for (i, ch) in number.char_indices() {
            let sep = match ch {
                '0'..='9' => continue,
                '.' => Sep::Dot,
                ',' => Sep::Comma,
                ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' => Sep::Space,
                other => {
                    return Err(NumberError::Malformed(format!(
                        "unexpected {other:?} in the number"
                    )));
                }
            };
            if i == start {
                return Err(NumberError::Malformed(
                    "two separators in a row".to_string(),
                ));
            }
            runs.push(&number[start..i]);
            seps.push(sep);
            start = i + ch.len_utf8();
        }
        runs.push(&number[start..]);
        Ok(Number { runs, seps })
    }

    /// Reads the number into minor units of `currency`.
    fn read(&self, currency: Currency) -> Result<i64, NumberError> {
        read_number(&self.runs, &self.seps, currency)
    }
}

/// Decides which separator is decimal, checks the grouping and reads minor units.
fn read_number(runs: &[&str], seps: &[Sep], currency: Currency) -> Result<i64, NumberError> {
    let bad = |reason: String| NumberError::Malformed(reason);
    let count = |kind: Sep| seps.iter().filter(|&&s| s == kind).count();
    let (dots, commas, spaces) = (count(Sep::Dot), count(Sep::Comma), count(Sep::Space));
    let last = seps.last().copied();
    let last_run_len = runs.last().map_or(0, |r| r.len());
    let minor_units = currency.minor_units();

    // The decimal separator, when there is one, is always the last separator.
    let decimal = match last {
        None => false,
        Some(_) if spaces > 0 => {
            if dots > 0 && commas > 0 {
                return Err(bad("it mixes spaces, '.' and ','".to_string()));
            }
            match last {
                Some(Sep::Space) if dots + commas == 0 => false,
                Some(Sep::Dot | Sep::Comma) if dots + commas == 1 => true,
                _ => {
                    return Err(bad(
                        "with spaces between thousands, only one '.' or ',' may follow, \
                         at the end"
                            .to_string(),
                    ));
                }
            }
        }
        Some(sep) if dots > 0 && commas > 0 => {
            if count(sep) > 1 {
                return Err(bad(format!(
                    "the decimal separator {} appears more than once",
                    sep.name()
                )));
            }
            true
        }
        Some(Sep::Comma) => commas == 1 && last_run_len != 3,
        Some(_) => {
            if dots > 1 {
                false
            } else if last_run_len == 3 && minor_units != 3 {
                return Err(bad(format!(
                    "'.' followed by three digits could be a decimal point or a thousands \
                     separator in {currency}"
                )));
            } else {
                true
            }
        }
    };

    let (whole, fraction) = if decimal {
        let (frac, whole) = runs.split_last().unwrap_or((&"", &[]));
        (whole, *frac)
    } else {
        (runs, "")
    };
    check_groups(whole, currency).map_err(bad)?;

    let minor_units = minor_units as usize;
    let (kept, extra) = fraction.split_at(fraction.len().min(minor_units));
    if extra.bytes().any(|b| b != b'0') {
        return Err(bad(if minor_units == 0 {
            format!("{currency} has no minor units but the price has a fraction")
        } else {
            format!("{currency} has {minor_units} decimals but the price has more")
        }));
    }
    let digits = whole
        .iter()
        .flat_map(|run| run.bytes())
        .chain(kept.bytes())
        .chain(std::iter::repeat_n(b'0', minor_units - kept.len()));
    accumulate(digits).ok_or(NumberError::Overflow)
}

/// Checks the thousands grouping of the whole part, given as its digit groups.
fn check_groups(groups: &[&str], currency: Currency) -> Result<(), String> {
    let [first, rest @ ..] = groups else {
        return Ok(());
    };
    if rest.is_empty() {
        return Ok(());
    }
    if first.starts_with('0') {
        return Err("a grouped number cannot start with 0".to_string());
    }
    let western = first.len() <= 3 && rest.iter().all(|g| g.len() == 3);
    let indian = currency.code() == "INR"
        && first.len() <= 2
        && rest
            .split_last()
            .is_some_and(|(last, middle)| last.len() == 3 && middle.iter().all(|g| g.len() == 2));
    if western || indian {
        Ok(())
    } else {
        Err(format!(
            "badly grouped digits {:?}: groups after the first must have three digits",
            groups.join(",")
        ))
    }
}

/// Reads ASCII digits into an `i64`, `None` on overflow.
fn accumulate(digits: impl IntoIterator<Item = u8>) -> Option<i64> {
    digits.into_iter().try_fold(0i64, |acc, d| {
        acc.checked_mul(10)?.checked_add(i64::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    fn money(minor: i64, code: &str) -> Money {
        Money::new(minor, cur(code))
    }

    fn ok(text: &str, feed: Option<&str>) -> Money {
        match parse_price(text, feed.map(cur)) {
            Ok(m) => m,
            Err(e) => panic!("{text:?} (feed {feed:?}) was refused: {e}"),
        }
    }

    fn err(text: &str, feed: Option<&str>) -> MoneyError {
        match parse_price(text, feed.map(cur)) {
            Ok(m) => panic!("{text:?} (feed {feed:?}) was read as {m:?}"),
            Err(e) => e,
        }
    }

    fn is_malformed(text: &str, feed: Option<&str>) -> bool {
        matches!(err(text, feed), MoneyError::Malformed { .. })
    }

    #[test]
    fn iso_codes_before_and_after_the_number() {
        assert_eq!(ok("550.00 GBP", None), money(55000, "GBP"));
        assert_eq!(ok("GBP 550", None), money(55000, "GBP"));
        assert_eq!(ok("GBP550", None), money(55000, "GBP"));
        assert_eq!(ok("550gbp", None), money(55000, "GBP"));
        assert_eq!(ok("JPY 1200", None), money(1200, "JPY"));
        assert_eq!(ok("1.099,00 EUR", None), money(109900, "EUR"));
        assert_eq!(ok("  550.00 GBP\n", Some("GBP")), money(55000, "GBP"));
        assert_eq!(ok("12.345 KWD", None), money(12345, "KWD"));
    }

    #[test]
    fn symbols() {
        assert_eq!(ok("£550", None), money(55000, "GBP"));
        assert_eq!(ok("£ 550.5", None), money(55050, "GBP"));
        assert_eq!(ok("€12,50", None), money(1250, "EUR"));
        assert_eq!(ok("12,50 €", None), money(1250, "EUR"));
        assert_eq!(ok("12,50€", None), money(1250, "EUR"));
        assert_eq!(ok("$1,299.99", None), money(129999, "USD"));
        assert_eq!(ok("₹1,299", None), money(129900, "INR"));
        assert_eq!(ok("Rs. 1,299", None), money(129900, "INR"));
        assert_eq!(ok("Rs 1,299.50", None), money(129950, "INR"));
        assert_eq!(ok("RS.1299", None), money(129900, "INR"));
        assert_eq!(ok("¥1200", None), money(1200, "JPY"));
        assert_eq!(ok("¥1,200", None), money(1200, "JPY"));
        assert_eq!(ok("US$ 12", None), money(1200, "USD"));
        assert_eq!(ok("US$12.00", Some("USD")), money(1200, "USD"));
        assert_eq!(ok("C$ 45.00", None), money(4500, "CAD"));
        assert_eq!(ok("CA$45", None), money(4500, "CAD"));
        assert_eq!(ok("A$ 45.00", None), money(4500, "AUD"));
        assert_eq!(ok("AU$45", None), money(4500, "AUD"));
        assert_eq!(ok("HK$ 450", None), money(45000, "HKD"));
    }

    #[test]
    fn whole_rupees_with_the_feed_currency() {
        assert_eq!(ok("1299", Some("INR")), money(129900, "INR"));
        assert_eq!(ok("1,299", Some("INR")), money(129900, "INR"));
        assert_eq!(ok("550", Some("GBP")), money(55000, "GBP"));
    }

    #[test]
    fn spaces_as_thousands_separators() {
        assert_eq!(ok("1 099,00 €", None), money(109900, "EUR"));
        assert_eq!(ok("1\u{a0}099,00\u{a0}€", None), money(109900, "EUR"));
        assert_eq!(ok("1\u{202f}099,00 €", None), money(109900, "EUR"));
        assert_eq!(ok("1 234 567,89 EUR", None), money(123456789, "EUR"));
        assert_eq!(ok("1 099 €", None), money(109900, "EUR"));
        assert_eq!(ok("CHF 1 099.50", None), money(109950, "CHF"));
    }

    #[test]
    fn dollar_follows_the_feed_dollar() {
        assert_eq!(ok("$12", None), money(1200, "USD"));
        assert_eq!(ok("$12", Some("USD")), money(1200, "USD"));
        assert_eq!(ok("$12", Some("CAD")), money(1200, "CAD"));
        assert_eq!(ok("$12", Some("AUD")), money(1200, "AUD"));
        assert_eq!(ok("$12", Some("NZD")), money(1200, "NZD"));
        assert_eq!(ok("$12", Some("SGD")), money(1200, "SGD"));
        assert_eq!(ok("$12", Some("HKD")), money(1200, "HKD"));
        assert_eq!(ok("$12 CAD", None), money(1200, "CAD"));
        assert!(matches!(
            err("$12", Some("GBP")),
            MoneyError::CurrencyConflict { ref found, ref expected, .. }
                if found == "USD" && expected == "GBP"
        ));
        assert!(matches!(
            err("US$12", Some("CAD")),
            MoneyError::CurrencyConflict { .. }
        ));
        assert!(is_malformed("$12 EUR", None));
    }

    #[test]
    fn kr_needs_a_nordic_feed_currency() {
        assert_eq!(ok("1 299 kr", Some("SEK")), money(129900, "SEK"));
        assert_eq!(ok("kr 1.299,00", Some("NOK")), money(129900, "NOK"));
        assert_eq!(ok("299,95 kr.", Some("DKK")), money(29995, "DKK"));
        assert_eq!(ok("kr 1299", Some("ISK")), money(1299, "ISK"));
        assert!(is_malformed("1.299 kr", Some("ISK")));
        assert_eq!(ok("kr 1299 SEK", None), money(129900, "SEK"));
        assert!(is_malformed("1299 kr", None));
        assert!(matches!(
            err("1299 kr", Some("EUR")),
            MoneyError::CurrencyConflict { .. }
        ));
        assert!(is_malformed("kr 1299 EUR", None));
    }

    #[test]
    fn currency_conflicts_and_missing_currency() {
        assert_eq!(
            err("£550", Some("EUR")),
            MoneyError::CurrencyConflict {
                value: "£550".to_string(),
                found: "GBP".to_string(),
                expected: "EUR".to_string(),
            }
        );
        assert!(matches!(
            err("550 USD", Some("GBP")),
            MoneyError::CurrencyConflict { .. }
        ));
        assert_eq!(
            err("550.00", None),
            MoneyError::NoCurrency("550.00".to_string())
        );
        assert_eq!(
            err("550 XYZ", None),
            MoneyError::UnknownCurrency("XYZ".to_string())
        );
        assert!(is_malformed("£550 EUR", None));
        assert_eq!(ok("£550 GBP", None), money(55000, "GBP"));
    }

    #[test]
    fn separators_both_present_last_is_decimal() {
        assert_eq!(ok("1.099,00 EUR", None), money(109900, "EUR"));
        assert_eq!(ok("1,099.00 EUR", None), money(109900, "EUR"));
        assert_eq!(ok("1.234.567,89 EUR", None), money(123456789, "EUR"));
        assert_eq!(ok("1,234,567.89 USD", None), money(123456789, "USD"));
        assert!(is_malformed("1.099,00,00 EUR", None));
        assert!(is_malformed("1,099.00.00 EUR", None));
        assert!(is_malformed("1.09,00 EUR", None));
        assert!(is_malformed("1,0999.00 USD", None));
    }

    #[test]
    fn comma_alone() {
        assert_eq!(ok("1,299 USD", None), money(129900, "USD"));
        assert_eq!(ok("1,299,000 USD", None), money(129900000, "USD"));
        assert_eq!(ok("12,50 EUR", None), money(1250, "EUR"));
        assert_eq!(ok("12,5 EUR", None), money(1250, "EUR"));
        assert_eq!(ok("12,5000 EUR", None), money(1250, "EUR"));
        assert!(is_malformed("12,5001 EUR", None));
        assert!(is_malformed("1,29,9 USD", None));
        assert!(is_malformed("1,2990 USD", None));
        assert!(is_malformed("1234,567 USD", None));
    }

    #[test]
    fn dot_alone() {
        assert_eq!(ok("1.099.000 EUR", None), money(109900000, "EUR"));
        assert_eq!(ok("12.5 USD", None), money(1250, "USD"));
        assert_eq!(ok("12.50 USD", None), money(1250, "USD"));
        assert_eq!(ok("550.0000 GBP", None), money(55000, "GBP"));
        assert_eq!(ok("0.99 GBP", None), money(99, "GBP"));
        assert_eq!(ok("12.990 KWD", None), money(12990, "KWD"));
        assert!(is_malformed("550.0001 GBP", None));
        assert!(is_malformed("1.09.000 EUR", None));
        assert!(is_malformed("12.50.00 EUR", None));
    }

    #[test]
    fn dot_before_three_digits_is_ambiguous() {
        let e = err("12.990 USD", None);
        let MoneyError::Malformed { reason, .. } = e else {
            panic!("expected Malformed, got {e:?}")
        };
        assert!(reason.contains("three digits"), "{reason}");
        assert!(is_malformed("550.000 GBP", None));
        assert!(is_malformed("1.200 JPY", None));
        assert!(is_malformed("€1.299", None));
    }

    #[test]
    fn indian_grouping_only_for_rupees() {
        assert_eq!(ok("₹1,29,999", None), money(12999900, "INR"));
        assert_eq!(ok("Rs. 12,34,56,789.50", None), money(12345678950, "INR"));
        assert_eq!(ok("₹1,299,999", None), money(129999900, "INR"));
        assert!(is_malformed("$1,29,999", None));
        assert!(is_malformed("₹1,29,9999", None));
        assert!(is_malformed("₹1,299,99", None));
        assert!(is_malformed("₹123,45,678", None));
    }

    #[test]
    fn fractions_beyond_minor_units() {
        assert_eq!(ok("1200.00 JPY", None), money(1200, "JPY"));
        assert_eq!(ok("¥1200.0", None), money(1200, "JPY"));
        let e = err("1200.50 JPY", None);
        assert!(
            matches!(e, MoneyError::Malformed { ref reason, .. } if reason.contains("no minor"))
        );
        assert!(is_malformed("¥1200,5", None));
    }

    #[test]
    fn not_positive() {
        assert_eq!(
            err("-12.50 GBP", None),
            MoneyError::NotPositive("-12.50 GBP".to_string())
        );
        assert!(matches!(err("−£12", None), MoneyError::NotPositive(_)));
        assert!(matches!(err("£-12", None), MoneyError::NotPositive(_)));
        assert!(matches!(err("GBP -12", None), MoneyError::NotPositive(_)));
        assert!(matches!(err("0.00 GBP", None), MoneyError::NotPositive(_)));
        assert!(matches!(err("£0", None), MoneyError::NotPositive(_)));
        assert!(matches!(err("0", Some("EUR")), MoneyError::NotPositive(_)));
        assert!(matches!(
            err("0.004 GBP", None),
            MoneyError::Malformed { .. }
        ));
    }

    #[test]
    fn overflow() {
        assert!(matches!(
            err("99999999999999999999 GBP", None),
            MoneyError::Overflow(_)
        ));
        assert!(matches!(
            err("92233720368547758.08 GBP", None),
            MoneyError::Overflow(_)
        ));
        assert_eq!(ok("92233720368547758.07 GBP", None), money(i64::MAX, "GBP"));
        assert_eq!(
            ok("¥9,223,372,036,854,775,807", None),
            money(i64::MAX, "JPY")
        );
        assert!(matches!(
            err("¥9,223,372,036,854,775,808", None),
            MoneyError::Overflow(_)
        ));
    }

    #[test]
    fn empty() {
        assert_eq!(err("", None), MoneyError::Empty);
        assert_eq!(err("   \t", Some("GBP")), MoneyError::Empty);
        assert_eq!(err("\u{a0}\u{202f}", None), MoneyError::Empty);
    }

    #[test]
    fn malformed_text() {
        for text in [
            "free",
            "N/A",
            "n/a",
            "£",
            "GBP",
            "12 - 15 GBP",
            "12-15 GBP",
            "12.50 GBP 13.00",
            "12.50 / 13.00 GBP",
            "from £12",
            "£12 each",
            "1..2 GBP",
            "1,,299 GBP",
            "1 ,299 GBP",
            "12 50 EUR",
            ".50 GBP",
            "12. GBP",
            "12,50.00,1 EUR",
            "1 099,00.5 EUR",
            "1 099.000,5 EUR",
            "0,299,000 USD",
            "1e5 USD",
            "+12 GBP",
            "(12.00) GBP",
            "12 pcs",
            "12\u{0661} GBP",
        ] {
            let e = err(text, Some("GBP"));
            assert!(
                matches!(
                    e,
                    MoneyError::Malformed { .. } | MoneyError::CurrencyConflict { .. }
                ),
                "{text:?} gave {e:?}"
            );
            let e = err(text, None);
            assert!(
                matches!(e, MoneyError::Malformed { .. }),
                "{text:?} gave {e:?}"
            );
        }
    }

    #[test]
    fn malformed_reason_is_in_the_message() {
        let e = err("1,29,9 USD", None);
        assert_eq!(
            e.to_string(),
            "price \"1,29,9 USD\" cannot be read: badly grouped digits \"1,29,9\": groups after \
             the first must have three digits"
        );
    }

    #[test]
    fn parse_amount_uses_the_known_currency() {
        assert_eq!(
            parse_amount("1.099,00", cur("EUR")),
            Ok(money(109900, "EUR"))
        );
        assert_eq!(
            parse_amount("€1.099,00", cur("EUR")),
            Ok(money(109900, "EUR"))
        );
        assert!(matches!(
            parse_amount("£10", cur("EUR")),
            Err(MoneyError::CurrencyConflict { .. })
        ));
    }

    #[test]
    fn from_amount_str_reads_the_json_form() {
        assert_eq!(
            Money::from_amount_str("550.00", cur("GBP")),
            Ok(money(55000, "GBP"))
        );
        assert_eq!(
            Money::from_amount_str("550.5", cur("GBP")),
            Ok(money(55050, "GBP"))
        );
        assert_eq!(
            Money::from_amount_str("550", cur("GBP")),
            Ok(money(55000, "GBP"))
        );
        assert_eq!(
            Money::from_amount_str("-3.20", cur("EUR")),
            Ok(money(-320, "EUR"))
        );
        assert_eq!(
            Money::from_amount_str("0.00", cur("EUR")),
            Ok(money(0, "EUR"))
        );
        assert_eq!(
            Money::from_amount_str("1200", cur("JPY")),
            Ok(money(1200, "JPY"))
        );
        assert_eq!(
            Money::from_amount_str("1.234", cur("KWD")),
            Ok(money(1234, "KWD"))
        );
        assert_eq!(
            Money::from_amount_str("", cur("GBP")),
            Err(MoneyError::Empty)
        );
        for bad in [
            "1,000.00", "£5", "5.", ".5", "--5", "5.0.0", "1.005", "abc", "- 5",
        ] {
            assert!(
                matches!(
                    Money::from_amount_str(bad, cur("GBP")),
                    Err(MoneyError::Malformed { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Money::from_amount_str("92233720368547758.08", cur("GBP")),
            Err(MoneyError::Overflow(_))
        ));
        assert_eq!(
            Money::from_amount_str("-92233720368547758.08", cur("GBP")),
            Ok(money(i64::MIN, "GBP"))
        );
    }

    fn any_currency() -> impl Strategy<Value = Currency> {
        proptest::sample::select(Currency::all().collect::<Vec<_>>())
    }

    /// Formats a whole part with `sep` between groups of three digits.
    fn grouped(whole: u64, sep: &str) -> String {
        let digits = whole.to_string();
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(sep);
            }
            out.push(ch);
        }
        out
    }

    proptest! {
        #[test]
        fn amount_string_and_code_round_trip(minor in 1..=i64::MAX, currency in any_currency()) {
            let m = Money::new(minor, currency);
            let text = format!("{} {}", m.amount_string(), currency.code());
            prop_assert_eq!(parse_price(&text, None), Ok(m));
            prop_assert_eq!(parse_price(&text, Some(currency)), Ok(m));
        }

        #[test]
        fn display_round_trips(minor in 1..=i64::MAX, currency in any_currency()) {
            let m = Money::new(minor, currency);
            prop_assert_eq!(parse_price(&m.to_string(), None), Ok(m));
        }

        #[test]
        fn from_amount_str_round_trips(minor in any::<i64>(), currency in any_currency()) {
            let m = Money::new(minor, currency);
            prop_assert_eq!(Money::from_amount_str(&m.amount_string(), currency), Ok(m));
        }

        #[test]
        fn never_panics_on_any_text(text in "\\PC*") {
            let _ = parse_price(&text, None);
            let _ = parse_price(&text, Currency::from_code("INR"));
            let _ = Money::from_amount_str(&text, cur("JPY"));
        }

        #[test]
        fn never_panics_on_price_like_text(
            text in "[-−+ $€£¥₹.,0-9\u{a0}\u{202f}RrsSkKUuCcAaNnGgBbPpDdYJ]{0,24}",
            feed in proptest::option::of(any_currency()),
        ) {
            if let Ok(m) = parse_price(&text, feed) {
                prop_assert!(m.minor > 0);
            }
        }

        #[test]
        fn us_and_european_forms_agree(
            whole in 0u64..1_000_000_000_000,
            cents in 0u64..100,
            code in proptest::sample::select(vec!["EUR", "USD", "GBP", "CHF"]),
        ) {
            prop_assume!(whole > 0 || cents > 0);
            let expected = Money::new(i64::try_from(whole * 100 + cents).unwrap(), cur(code));
            let us = format!("{}.{cents:02} {code}", grouped(whole, ","));
            let european = format!("{},{cents:02} {code}", grouped(whole, "."));
            let spaced = format!("{}\u{a0}{code}", format_args!("{},{cents:02}", grouped(whole, "\u{202f}")));
            prop_assert_eq!(parse_price(&us, None), Ok(expected));
            prop_assert_eq!(parse_price(&european, None), Ok(expected));
            prop_assert_eq!(parse_price(&spaced, None), Ok(expected));
        }
    }
}
