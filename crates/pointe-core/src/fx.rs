//! Currency conversion with the European Central Bank's euro reference rates.
//!
//! The ECB publishes, for each business day, how much of each currency one euro buys. A
//! [`RateTable`] holds those rates by date and converts [`Money`] between any two quoted
//! currencies through the euro, exactly: rates are read as decimals, never floats, and the result
//! is rounded half away from zero to the target currency's minor units.
//!
//! Tables come from the ECB's historical CSV ([`RateTable::from_ecb_csv`]), its daily or 90-day
//! XML ([`RateTable::from_ecb_xml`]), the store ([`RateTable::from_rates`]), or the table shipped
//! with Pointe ([`RateTable::bundled`]).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::ops::RangeInclusive;
use std::path::Path;

use jiff::civil::Date;
use quick_xml::events::{BytesStart, Event};

use crate::money::{Currency, Money, MoneyError};
use crate::{Error, Result};

/// The most significant digits and decimals a rate may have; ECB rates have at most 6 of each.
/// The bound keeps every conversion inside `i128`.
const MAX_RATE_DIGITS: u32 = 18;

/// An exact positive decimal: `mantissa / 10^scale`, without trailing zeros in the fraction, so
/// that `0.84770` and `0.8477` are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rate {
    mantissa: i128,
    scale: u32,
}

impl Rate {
    /// The euro's own rate.
    const ONE: Rate = Rate {
        mantissa: 1,
        scale: 0,
    };

    /// Reads a plain decimal such as `0.8477` or `163.36`.
    fn parse(text: &str) -> std::result::Result<Rate, String> {
        let text = text.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !is_digits(whole)
            || !is_digits(fraction)
            || (text.contains('.') && fraction.is_empty())
        {
            return Err("expected a decimal number like 0.8477".to_string());
        }
        let fraction = fraction.trim_end_matches('0');
        let whole = whole.trim_start_matches('0');
        let digits = whole.len() + fraction.len();
        if digits > MAX_RATE_DIGITS as usize || fraction.len() > MAX_RATE_DIGITS as usize {
            return Err(format!("more than {MAX_RATE_DIGITS} significant digits"));
        }
        let mantissa = whole
            .bytes()
            .chain(fraction.bytes())
            .fold(0i128, |acc, d| acc * 10 + i128::from(d - b'0'));
        if mantissa == 0 {
            return Err("a rate must be greater than zero".to_string());
        }
        Ok(Rate {
            mantissa,
            // At most MAX_RATE_DIGITS, checked above.
            scale: fraction.len() as u32,
        })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return f.write_str(&digits);
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        write!(f, "{whole}.{fraction}")
    }
}

/// Converts `minor` units at `rate_from` into minor units at `rate_to`, both per one euro, rounded
/// half away from zero. `None` when the result does not fit.
fn convert_minor(
    minor: i64,
    from: Currency,
    rate_from: Rate,
    to: Currency,
    rate_to: Rate,
) -> Option<i64> {
    // to_minor = minor / 10^e_from * (m_to / 10^s_to) / (m_from / 10^s_from) * 10^e_to
    //          = minor * m_to * 10^(s_from + e_to) / (m_from * 10^(s_to + e_from))
    let up = rate_from.scale + to.minor_units();
    let down = rate_to.scale + from.minor_units();
    let (num_pow, den_pow) = if up >= down {
        (up - down, 0)
    } else {
        (0, down - up)
    };
    let numerator = i128::from(minor)
        .checked_mul(rate_to.mantissa)?
        .checked_mul(10i128.checked_pow(num_pow)?)?;
    let denominator = rate_from
        .mantissa
        .checked_mul(10i128.checked_pow(den_pow)?)?;
    i64::try_from(div_round_half_away(numerator, denominator)).ok()
}

/// `n / d` rounded half away from zero; `d` is positive.
fn div_round_half_away(n: i128, d: i128) -> i128 {
    let (q, r) = (n / d, n % d);
    let r = r.unsigned_abs();
    // r >= d - r is 2r >= d without overflowing.
    if r >= d.unsigned_abs() - r {
        q + n.signum()
    } else {
        q
    }
}

/// The result of a conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Converted {
    /// The amount in the target currency.
    pub money: Money,
    /// Whether the amount went through an exchange rate (and so is an estimate, not a price the
    /// retailer set).
    pub approx: bool,
    /// The date of the rates used; `None` when no conversion was needed.
    pub rate_date: Option<Date>,
}

/// Euro reference rates by date and currency: how much of each currency one euro buys.
///
/// The euro is always quoted at 1 and is never stored. Conversion looks dates up in ordered maps,
/// so it costs a few `O(log n)` searches whatever the size of the history. A table is built once
/// (parsing the full ECB history of about 7,000 days takes a few milliseconds) and then shared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateTable {
    /// Per currency, its rate on each date it is quoted. Keyed by currency first so that finding
    /// a date on which two currencies are both quoted is a walk down two ordered maps.
    rates: BTreeMap<Currency, BTreeMap<Date, Rate>>,
}

/// The data behind [`RateTable::bundled`].
const BUNDLED_CSV: &str = include_str!("../data/fx-default.csv");

impl RateTable {
    /// An empty table; every conversion between two different currencies fails with
    /// [`Error::NoRate`].
    pub fn new() -> RateTable {
        RateTable::default()
    }

    /// The table shipped with Pointe: the ECB reference rates of the first business day of each
    /// month for every currency the ECB quoted in that time (USD, JPY, BGN, CZK, DKK, GBP, HUF,
    /// PLN, RON, SEK, CHF, ISK, NOK, HRK until 2022, RUB until 2022, TRY, AUD, BRL, CAD, CNY,
    /// HKD, IDR, ILS, INR, KRW, MXN, MYR, NZD, PHP, SGD, THB, ZAR), written by
    /// `scripts/update-fx-default` from the ECB's historical file.
    ///
    /// Source: Euro foreign exchange reference rates, European Central Bank, first business day
    /// of each month, 2015-01 to 2025-05. Monthly rates are good enough to compare prices across
    /// currencies, not to settle payments; load the ECB's daily files for day-accurate rates.
    /// Each call parses the small embedded table (about 2,000 rates).
    pub fn bundled() -> RateTable {
        // The embedded file is checked by the `bundled_table_parses_and_covers_2015_to_2025`
        // test, so this cannot fail in a released build.
        RateTable::from_ecb_csv(BUNDLED_CSV.as_bytes(), "data/fx-default.csv")
            .expect("the bundled rate table parses")
    }

    /// Reads a rates file, in the ECB XML layout when it starts with `<`, else in the ECB CSV
    /// layout.
    pub fn from_file(path: impl AsRef<Path>) -> Result<RateTable> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let start = bytes
            .strip_prefix("\u{feff}".as_bytes())
            .unwrap_or(&bytes)
            .iter()
            .find(|b| !b.is_ascii_whitespace());
        if start == Some(&b'<') {
            RateTable::from_ecb_xml(bytes.as_slice(), path)
        } else {
            RateTable::from_ecb_csv(bytes.as_slice(), path)
        }
    }

    /// Reads the ECB's historical CSV layout: a `Date,USD,JPY,...` header, then one row per
    /// business day (`2025-05-09,1.1252,163.36,...`), `N/A` where a currency is not quoted, and
    /// a trailing comma on every line.
    ///
    /// `name` is the file named in errors. Columns of currencies Pointe does not know (`CYP`,
    /// `ROL`...) are skipped; a row whose cell count differs from the header's, a bad date or a
    /// bad rate is an error naming the line (and the column, for a rate).
    pub fn from_ecb_csv(reader: impl Read, name: impl AsRef<Path>) -> Result<RateTable> {
        let name = name.as_ref();
        let mut table = RateTable::new();
        // One entry per column after the date: the currency, or `None` for a skipped column.
        let mut columns: Option<Vec<Option<Currency>>> = None;
        for (index, line) in BufReader::new(reader).lines().enumerate() {
            let line_no = index as u64 + 1;
            let line = line.map_err(|e| read_error(name, line_no, e))?;
            let line = line.strip_prefix('\u{feff}').unwrap_or(&line);
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let line = line.strip_suffix(',').unwrap_or(line);
            let mut cells = line.split(',');
            let first = cells.next().unwrap_or("").trim();
            let Some(columns) = &columns else {
                if !first.eq_ignore_ascii_case("date") {
                    return Err(Error::bad_file(
                        name,
                        Some(line_no),
                        format!(
                            "expected the ECB header `Date,USD,JPY,...`, found {:?}",
                            truncate(line)
                        ),
                    ));
                }
                columns = Some(
                    cells
                        .map(|code| Currency::from_code(code).filter(|c| c.code() != "EUR"))
                        .collect(),
                );
                continue;
            };
            let cells: Vec<&str> = cells.collect();
            if cells.len() != columns.len() {
                return Err(Error::bad_file(
                    name,
                    Some(line_no),
                    format!(
                        "{} cells, but the header has {}",
                        cells.len() + 1,
                        columns.len() + 1
                    ),
                ));
            }
            let date: Date = first.parse().map_err(|_| {
                Error::bad_file(
                    name,
                    Some(line_no),
                    format!("column 1: bad date {first:?}, expected YYYY-MM-DD"),
                )
            })?;
            for (index, (cell, currency)) in cells.iter().zip(columns).enumerate() {
                let Some(currency) = currency else { continue };
                let cell = cell.trim();
                if cell.is_empty() || cell.eq_ignore_ascii_case("N/A") {
                    continue;
                }
                let rate = Rate::parse(cell).map_err(|why| {
                    Error::bad_file(
                        name,
                        Some(line_no),
                        format!(
                            "column {} ({currency}): bad rate {cell:?}: {why}",
                            index + 2
                        ),
                    )
                })?;
                table.insert(date, *currency, rate);
            }
        }
        if columns.is_none() {
            return Err(Error::bad_file(
                name,
                None,
                "the file is empty; expected the ECB header `Date,USD,JPY,...`",
            ));
        }
        Ok(table)
    }

    /// Reads the ECB's XML layout: a `gesmes:Envelope` holding one `Cube time="2025-05-09"` per
    /// day, each with `Cube currency="USD" rate="1.1252"` elements.
    ///
    /// This reads the daily file as well as the 90-day and historical ones, which hold several
    /// days. `name` is the file named in errors. Currencies Pointe does not know are skipped; a
    /// file with no dated `Cube`, badly formed XML, a bad date or a bad rate is an error naming
    /// the line.
    pub fn from_ecb_xml(mut reader: impl Read, name: impl AsRef<Path>) -> Result<RateTable> {
        let name = name.as_ref();
        let mut text = String::new();
        reader
            .read_to_string(&mut text)
            .map_err(|e| read_error(name, 1, e))?;
        let line_at = |pos: u64| -> Option<u64> {
            let end = usize::try_from(pos).unwrap_or(usize::MAX).min(text.len());
            Some(
                text.as_bytes()[..end]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count() as u64
                    + 1,
            )
        };

        let mut xml = quick_xml::Reader::from_str(&text);
        let mut table = RateTable::new();
        let mut days = 0usize;
        // For each open `Cube`, whether it is the dated one; its end closes the day.
        let mut open_cubes: Vec<bool> = Vec::new();
        let mut day: Option<Date> = None;
        loop {
            let event = xml.read_event().map_err(|e| {
                Error::bad_file(
                    name,
                    line_at(xml.error_position()),
                    format!("badly formed XML: {e}"),
                )
            })?;
            let (element, is_start) = match &event {
                Event::Start(e) => (e, true),
                Event::Empty(e) => (e, false),
                Event::End(e) => {
                    if e.local_name().as_ref() == "Cube" && open_cubes.pop() == Some(true) {
                        day = None;
                    }
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            if element.local_name().as_ref() != "Cube" {
                continue;
            }
            let line = line_at(xml.buffer_position());
            let bad = |message: String| Error::bad_file(name, line, message);
            let time = attribute(element, "time").map_err(&bad)?;
            if let Some(time) = &time {
                let date: Date = time
                    .parse()
                    .map_err(|_| bad(format!("bad date {time:?}, expected YYYY-MM-DD")))?;
                day = Some(date);
                days += 1;
            }
            if is_start {
                open_cubes.push(time.is_some());
            }
            let Some(code) = attribute(element, "currency").map_err(&bad)? else {
                continue;
            };
            let Some(date) = day else {
                return Err(bad(format!(
                    "a rate for {code} outside a `Cube time=...` element"
                )));
            };
            let Some(rate) = attribute(element, "rate").map_err(&bad)? else {
                return Err(bad(format!("the `Cube` for {code} has no rate")));
            };
            let Some(currency) = Currency::from_code(&code).filter(|c| c.code() != "EUR") else {
                continue;
            };
            let rate = Rate::parse(&rate)
                .map_err(|why| bad(format!("{currency}: bad rate {rate:?}: {why}")))?;
            table.insert(date, currency, rate);
        }
        if days == 0 {
            return Err(Error::bad_file(
                name,
                None,
                "no `Cube time=...` element: expected the ECB `gesmes:Envelope` layout",
            ));
        }
        Ok(table)
    }

    /// Builds a table from `(date, currency, rate)` triples, the form [`RateTable::iter`] gives
    /// for the store to persist.
    ///
    /// Rates are decimal strings such as `"0.8477"`. Triples for the euro are ignored (it is
    /// always 1); a later triple for the same date and currency replaces an earlier one. A rate
    /// that is not a positive decimal is [`Error::Store`], since the triples are expected to come
    /// back from storage.
    pub fn from_rates<I, S>(rates: I) -> Result<RateTable>
    where
        I: IntoIterator<Item = (Date, Currency, S)>,
        S: AsRef<str>,
    {
        let mut table = RateTable::new();
        for (date, currency, rate) in rates {
            let rate = rate.as_ref();
            if currency.code() == "EUR" {
                continue;
            }
            let parsed = Rate::parse(rate).map_err(|why| {
                Error::Store(format!(
                    "bad exchange rate {rate:?} for {currency} on {date}: {why}"
                ))
            })?;
            table.insert(date, currency, parsed);
        }
        Ok(table)
    }

    fn insert(&mut self, date: Date, currency: Currency, rate: Rate) {
        self.rates.entry(currency).or_default().insert(date, rate);
    }

    /// Adds the rates of `other`; where both tables quote a currency on the same date, `other`
    /// wins.
    pub fn merge(&mut self, other: RateTable) {
        for (currency, dated) in other.rates {
            self.rates.entry(currency).or_default().extend(dated);
        }
    }

    /// Whether the table holds no rate at all.
    pub fn is_empty(&self) -> bool {
        self.rates.is_empty()
    }

    /// The number of rates held, one per date and currency quoted.
    pub fn len(&self) -> usize {
        self.rates.values().map(BTreeMap::len).sum()
    }

    /// The first and last dates with a rate, or `None` for an empty table.
    pub fn dates(&self) -> Option<RangeInclusive<Date>> {
        let first = self.rates.values().filter_map(|d| d.keys().next()).min()?;
        let last = self
            .rates
            .values()
            .filter_map(|d| d.keys().next_back())
            .max()?;
        Some(*first..=*last)
    }

    /// Whether the table can convert `currency` at all: the euro, or a currency quoted on at
    /// least one date.
    pub fn quotes(&self, currency: Currency) -> bool {
        currency.code() == "EUR" || self.rates.contains_key(&currency)
    }

    /// The currencies quoted on at least one date, in code order; the euro is not listed.
    pub fn currencies(&self) -> impl Iterator<Item = Currency> + '_ {
        self.rates.keys().copied()
    }

    /// Every rate as `(date, currency, rate)`, ordered by currency then date, with the rate as a
    /// decimal string (`"0.8477"`) that [`RateTable::from_rates`] reads back exactly.
    pub fn iter(&self) -> impl Iterator<Item = (Date, Currency, String)> + '_ {
        self.rates.iter().flat_map(|(currency, dated)| {
            dated
                .iter()
                .map(move |(date, rate)| (*date, *currency, rate.to_string()))
        })
    }

    /// Converts `money` into `to` with the rates of `on`, or of the nearest date before it.
    ///
    /// The same currency comes back unchanged (`approx` false, no `rate_date`). Otherwise the
    /// rates are those of the latest date no later than `on` on which both currencies are
    /// quoted (a weekend or holiday uses the previous business day); when `on` is before the
    /// history, those of the earliest date on which both are quoted. The result is rounded half
    /// away from zero to the minor units of `to`, is marked `approx`, and carries the date of the
    /// rates used.
    ///
    /// Fails with [`Error::NoRate`] when no date quotes both currencies, and with
    /// [`MoneyError::Overflow`] when the result does not fit.
    pub fn convert(&self, money: Money, to: Currency, on: Date) -> Result<Converted> {
        if money.currency == to {
            return Ok(Converted {
                money,
                approx: false,
                rate_date: None,
            });
        }
        let no_rate = || Error::NoRate {
            from: money.currency.code().to_string(),
            to: to.code().to_string(),
        };
        let from_side = self.side(money.currency).ok_or_else(no_rate)?;
        let to_side = self.side(to).ok_or_else(no_rate)?;
        let date = latest_common(from_side, to_side, on)
            .or_else(|| earliest_common(from_side, to_side, on))
            .ok_or_else(no_rate)?;
        let (Some(rate_from), Some(rate_to)) = (from_side.rate(date), to_side.rate(date)) else {
            return Err(no_rate());
        };
        let minor = convert_minor(money.minor, money.currency, rate_from, to, rate_to)
            .ok_or_else(|| Error::Money(MoneyError::Overflow(format!("{money} in {to}"))))?;
        Ok(Converted {
            money: Money::new(minor, to),
            approx: true,
            rate_date: Some(date),
        })
    }

    /// Converts as [`RateTable::convert`] does, but an amount that cannot be converted (no
    /// rate between the two currencies, or a result too large to hold) is `None`: for views
    /// that leave such a price out rather than fail.
    pub fn try_convert(&self, money: Money, to: Currency, on: Date) -> Result<Option<Converted>> {
        match self.convert(money, to, on) {
            Ok(c) => Ok(Some(c)),
            Err(Error::NoRate { .. } | Error::Money(MoneyError::Overflow(_))) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn side(&self, currency: Currency) -> Option<Side<'_>> {
        if currency.code() == "EUR" {
            Some(Side::Euro)
        } else {
            self.rates.get(&currency).map(Side::Dated)
        }
    }
}

/// The rates of one currency: the euro is quoted at 1 on every date.
#[derive(Debug, Clone, Copy)]
enum Side<'a> {
    Euro,
    Dated(&'a BTreeMap<Date, Rate>),
}

impl Side<'_> {
    fn at_or_before(self, date: Date) -> Option<Date> {
        match self {
            Side::Euro => Some(date),
            Side::Dated(rates) => rates.range(..=date).next_back().map(|(d, _)| *d),
        }
    }

    fn at_or_after(self, date: Date) -> Option<Date> {
        match self {
            Side::Euro => Some(date),
            Side::Dated(rates) => rates.range(date..).next().map(|(d, _)| *d),
        }
    }

    fn rate(self, date: Date) -> Option<Rate> {
        match self {
            Side::Euro => Some(Rate::ONE),
            Side::Dated(rates) => rates.get(&date).copied(),
        }
    }
}

/// The latest date no later than `on` quoted by both sides. Each step moves strictly back to the
/// next date one side quotes, so gaps in one currency's history cost one search each.
fn latest_common(a: Side<'_>, b: Side<'_>, on: Date) -> Option<Date> {
    let mut bound = on;
    loop {
        let da = a.at_or_before(bound)?;
        let db = b.at_or_before(da)?;
        if da == db {
            return Some(da);
        }
        bound = db;
    }
}

/// The earliest date no earlier than `on` quoted by both sides.
fn earliest_common(a: Side<'_>, b: Side<'_>, on: Date) -> Option<Date> {
    let mut bound = on;
    loop {
        let da = a.at_or_after(bound)?;
        let db = b.at_or_after(da)?;
        if da == db {
            return Some(da);
        }
        bound = db;
    }
}

/// Reads an attribute's value, unescaped.
fn attribute(element: &BytesStart<'_>, key: &str) -> std::result::Result<Option<String>, String> {
    let attribute = element
        .try_get_attribute(key)
        .map_err(|e| format!("bad attribute: {e}"))?;
    attribute
        .map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .map_err(|e| format!("bad {key} attribute: {e}"))
        })
        .transpose()
}

fn read_error(name: &Path, line: u64, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::InvalidData {
        Error::bad_file(name, Some(line), "not UTF-8 text")
    } else {
        Error::io(name, e)
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use jiff::civil::date;

    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    fn money(minor: i64, code: &str) -> Money {
        Money::new(minor, cur(code))
    }

    /// Two days of the real ECB history, with its layout: unknown and retired currencies,
    /// `N/A` cells, a trailing comma.
    const ECB_SAMPLE: &str = "\
Date,USD,JPY,BGN,CYP,CZK,DKK,EEK,GBP,HUF,LTL,LVL,MTL,PLN,ROL,RON,SEK,SIT,SKK,CHF,ISK,NOK,HRK,RUB,TRL,TRY,AUD,BRL,CAD,CNY,HKD,IDR,ILS,INR,KRW,MXN,MYR,NZD,PHP,SGD,THB,ZAR,
2025-05-09,1.1252,163.36,1.9558,N/A,24.946,7.4604,N/A,0.8477,404.9,N/A,N/A,N/A,4.2393,N/A,5.1181,10.92,N/A,N/A,0.9353,146.9,11.6725,N/A,N/A,N/A,43.5999,1.7572,6.3647,1.5658,8.147,8.7519,18606.59,3.9928,96.0755,1575.72,21.9473,4.835,1.9095,62.413,1.46,37.132,20.4835,
2025-05-08,1.1297,163.45,1.9558,N/A,24.924,7.4603,N/A,0.8476,405.43,N/A,N/A,N/A,4.27,N/A,5.1188,10.903,N/A,N/A,0.9325,146.5,11.688,N/A,N/A,N/A,43.6443,1.7605,6.4915,1.5694,8.1764,8.7796,18641.58,4.0428,96.592,1580.13,22.1113,4.8362,1.9065,62.902,1.4645,37.071,20.504,
";

    fn sample() -> RateTable {
        RateTable::from_ecb_csv(ECB_SAMPLE.as_bytes(), "sample.csv").unwrap()
    }

    fn rate_on(table: &RateTable, code: &str, on: Date) -> Option<String> {
        table.rates.get(&cur(code))?.get(&on).map(Rate::to_string)
    }

    /// A file of the shared `data/fx/` folder (see [`crate::test_support::shared_data`]).
    fn shared_data(file: &str) -> Option<PathBuf> {
        crate::test_support::shared_data(&format!("fx/{file}"))
    }

    fn bad_file_line(err: Error) -> (Option<u64>, String) {
        match err {
            Error::BadFile { line, message, .. } => (line, message),
            other => panic!("expected BadFile, got {other:?}"),
        }
    }

    #[test]
    fn gbp_550_to_eur_and_inr_on_2025_05_09() {
        let table = sample();
        let on = date(2025, 5, 9);
        // 550 / 0.8477 = 648.8144... EUR
        let eur = table.convert(money(55000, "GBP"), cur("EUR"), on).unwrap();
        assert_eq!(
            eur,
            Converted {
                money: money(64881, "EUR"),
                approx: true,
                rate_date: Some(on),
            }
        );
        // 550 * 96.0755 / 0.8477 = 62335.1716... INR
        let inr = table.convert(money(55000, "GBP"), cur("INR"), on).unwrap();
        assert_eq!(inr.money, money(6233517, "INR"));
        assert_eq!(inr.rate_date, Some(on));
        assert!(inr.approx);
        // And back from euros: 648.81 * 0.8477 = 549.9962... GBP
        let back = table.convert(money(64881, "EUR"), cur("GBP"), on).unwrap();
        assert_eq!(back.money, money(55000, "GBP"));
    }

    #[test]
    fn same_currency_is_unchanged_and_exact() {
        let converted = RateTable::new()
            .convert(money(55000, "GBP"), cur("GBP"), date(2025, 5, 9))
            .unwrap();
        assert_eq!(
            converted,
            Converted {
                money: money(55000, "GBP"),
                approx: false,
                rate_date: None,
            }
        );
    }

    #[test]
    fn sunday_falls_back_to_friday() {
        let sunday = date(2025, 5, 11);
        let converted = sample()
            .convert(money(55000, "GBP"), cur("EUR"), sunday)
            .unwrap();
        assert_eq!(converted.rate_date, Some(date(2025, 5, 9)));
        assert_eq!(converted.money, money(64881, "EUR"));
        // Thursday uses Thursday's rates: 550 / 0.8476.
        let thursday = sample()
            .convert(money(55000, "GBP"), cur("EUR"), date(2025, 5, 8))
            .unwrap();
        assert_eq!(thursday.rate_date, Some(date(2025, 5, 8)));
        assert_eq!(thursday.money, money(64889, "EUR"));
    }

    #[test]
    fn date_before_the_history_uses_the_earliest_rates() {
        let csv = "Date,USD,GBP,\n1999-01-05,1.179,0.7122,\n1999-01-04,1.1789,0.7111,\n";
        let table = RateTable::from_ecb_csv(csv.as_bytes(), "old.csv").unwrap();
        let converted = table
            .convert(money(10000, "USD"), cur("GBP"), date(1998, 6, 1))
            .unwrap();
        assert_eq!(converted.rate_date, Some(date(1999, 1, 4)));
        assert!(converted.approx);
        // 100 * 0.7111 / 1.1789 = 60.3189... GBP
        assert_eq!(converted.money, money(6032, "GBP"));

        let bundled = RateTable::bundled()
            .convert(money(10000, "USD"), cur("EUR"), date(1990, 1, 1))
            .unwrap();
        assert_eq!(bundled.rate_date, Some(date(2015, 1, 2)));
    }

    #[test]
    fn yen_has_no_minor_units() {
        let table = sample();
        let on = date(2025, 5, 9);
        // 550 * 163.36 / 0.8477 = 105990.33 JPY
        let jpy = table.convert(money(55000, "GBP"), cur("JPY"), on).unwrap();
        assert_eq!(jpy.money, money(105990, "JPY"));
        // 1200 / 163.36 = 7.3457 EUR
        let eur = table.convert(money(1200, "JPY"), cur("EUR"), on).unwrap();
        assert_eq!(eur.money, money(735, "EUR"));
        // 1200 * 1.1252 / 163.36 = 8.2654 USD
        let usd = table.convert(money(1200, "JPY"), cur("USD"), on).unwrap();
        assert_eq!(usd.money, money(827, "USD"));
    }

    #[test]
    fn rounds_half_away_from_zero() {
        let on = date(2025, 1, 2);
        let table =
            RateTable::from_rates([(on, cur("USD"), "2"), (on, cur("KWD"), "0.4")]).unwrap();
        // 0.01 USD = 0.005 EUR, exactly half a cent.
        let up = table.convert(money(1, "USD"), cur("EUR"), on).unwrap();
        assert_eq!(up.money, money(1, "EUR"));
        let down = table.convert(money(-1, "USD"), cur("EUR"), on).unwrap();
        assert_eq!(down.money, money(-1, "EUR"));
        // 0.03 USD = 0.015 EUR, rounded up to 0.02.
        let three = table.convert(money(3, "USD"), cur("EUR"), on).unwrap();
        assert_eq!(three.money, money(2, "EUR"));
        // 0.05 USD = 0.025 EUR, rounded up to 0.03 (rounding half to even would give 0.02).
        let five = table.convert(money(5, "USD"), cur("EUR"), on).unwrap();
        assert_eq!(five.money, money(3, "EUR"));
        // Three minor digits: 1.000 KWD = 2.5 EUR = 5 USD.
        let kwd = table.convert(money(1000, "KWD"), cur("USD"), on).unwrap();
        assert_eq!(kwd.money, money(500, "USD"));
        let small = table.convert(money(1, "EUR"), cur("KWD"), on).unwrap();
        assert_eq!(small.money, money(4, "KWD"));
    }

    #[test]
    fn no_rate_between_unquoted_currencies() {
        let table = sample();
        let err = table
            .convert(money(100, "GBP"), cur("KWD"), date(2025, 5, 9))
            .unwrap_err();
        assert!(
            matches!(err, Error::NoRate { ref from, ref to } if from == "GBP" && to == "KWD"),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "no exchange rate from GBP to KWD");
        let err = RateTable::new()
            .convert(money(100, "GBP"), cur("EUR"), date(2025, 5, 9))
            .unwrap_err();
        assert!(matches!(err, Error::NoRate { .. }));

        // Quoted, but never on the same day.
        let csv = "Date,USD,GBP,\n2025-05-09,1.1252,N/A,\n2025-05-08,N/A,0.8476,\n";
        let apart = RateTable::from_ecb_csv(csv.as_bytes(), "apart.csv").unwrap();
        let err = apart
            .convert(money(100, "GBP"), cur("USD"), date(2025, 5, 9))
            .unwrap_err();
        assert!(matches!(err, Error::NoRate { .. }));
        // Each is still convertible to euros.
        assert!(
            apart
                .convert(money(100, "GBP"), cur("EUR"), date(2025, 5, 9))
                .is_ok()
        );
    }

    #[test]
    fn latest_date_quoting_both_skips_gaps() {
        // ISK is not quoted on the two latest days, USD not on the 5th.
        let csv = "Date,USD,ISK,\n\
                   2025-05-09,1.1252,N/A,\n\
                   2025-05-08,1.1297,N/A,\n\
                   2025-05-07,1.1,140,\n\
                   2025-05-06,N/A,145,\n\
                   2025-05-05,1.2,150,\n";
        let table = RateTable::from_ecb_csv(csv.as_bytes(), "gaps.csv").unwrap();
        let converted = table
            .convert(money(10000, "USD"), cur("ISK"), date(2025, 5, 10))
            .unwrap();
        assert_eq!(converted.rate_date, Some(date(2025, 5, 7)));
        assert_eq!(converted.money, money(12727, "ISK"));
        let converted = table
            .convert(money(10000, "USD"), cur("ISK"), date(2025, 5, 6))
            .unwrap();
        assert_eq!(converted.rate_date, Some(date(2025, 5, 5)));
    }

    #[test]
    fn csv_skips_unknown_currencies_and_missing_cells() {
        let table = sample();
        assert_eq!(table.dates(), Some(date(2025, 5, 8)..=date(2025, 5, 9)));
        // 41 columns, of which CYP, EEK, LTL, LVL, MTL, ROL, SIT, SKK, HRK and TRL are unknown
        // to Pointe, and RUB is known but N/A on both days.
        assert!(
            table
                .currencies()
                .all(|c| c.code() != "CYP" && c.code() != "RUB")
        );
        assert_eq!(table.currencies().count(), 30);
        assert_eq!(table.len(), 60);
        assert_eq!(
            rate_on(&table, "GBP", date(2025, 5, 9)).as_deref(),
            Some("0.8477")
        );
        assert_eq!(
            rate_on(&table, "IDR", date(2025, 5, 9)).as_deref(),
            Some("18606.59")
        );
    }

    #[test]
    fn malformed_rate_cell_reports_line_and_column() {
        let csv =
            "Date,USD,CYP,GBP,\n2025-05-09,1.1252,N/A,0.8477,\n2025-05-08,1.12x,N/A,0.8476,\n";
        let err = RateTable::from_ecb_csv(csv.as_bytes(), "rates.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "rates.csv: line 3: column 2 (USD): bad rate \"1.12x\": expected a decimal number \
             like 0.8477"
        );
        // A bad cell in a skipped column is not read at all.
        let csv = "Date,USD,CYP,\n2025-05-09,1.1252,junk,\n";
        assert!(RateTable::from_ecb_csv(csv.as_bytes(), "rates.csv").is_ok());

        for (csv, line, needle) in [
            ("Date,USD,\n2025-05-09,-1.2,\n", 2, "column 2 (USD)"),
            ("Date,USD,\n2025-05-09,0,\n", 2, "greater than zero"),
            ("Date,USD,\n2025-05-09,1e3,\n", 2, "column 2"),
            (
                "Date,USD,GBP,\n\n2025-05-09,1.2,\n",
                3,
                "2 cells, but the header has 3",
            ),
            ("Date,USD,\n2025-05-09,1.2,0.8,\n", 2, "3 cells"),
            ("Date,USD,\n09/05/2025,1.2,\n", 2, "bad date"),
            ("USD,GBP\n1.2,0.8\n", 1, "expected the ECB header"),
        ] {
            let err = RateTable::from_ecb_csv(csv.as_bytes(), "rates.csv").unwrap_err();
            let (got_line, message) = bad_file_line(err);
            assert_eq!(got_line, Some(line), "{csv:?}: {message}");
            assert!(message.contains(needle), "{csv:?}: {message}");
        }
        let err = RateTable::from_ecb_csv("".as_bytes(), "empty.csv").unwrap_err();
        assert!(
            err.to_string().starts_with("empty.csv: the file is empty"),
            "{err}"
        );
    }

    #[test]
    fn csv_tolerates_crlf_bom_and_no_trailing_comma() {
        let csv = "\u{feff}Date,USD,GBP\r\n2025-05-09,1.1252,0.8477\r\n";
        let table = RateTable::from_ecb_csv(csv.as_bytes(), "crlf.csv").unwrap();
        assert_eq!(table.len(), 2);
        assert_eq!(
            rate_on(&table, "USD", date(2025, 5, 9)).as_deref(),
            Some("1.1252")
        );
    }

    const XML_90_DAYS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<gesmes:Sender>
		<gesmes:name>European Central Bank</gesmes:name>
	</gesmes:Sender>
	<Cube>
		<Cube time='2025-05-09'>
			<Cube currency='USD' rate='1.1252'/>
			<Cube currency='GBP' rate='0.84770'/>
			<Cube currency='XYZ' rate='2.0'/>
		</Cube>
		<Cube time="2025-05-08">
			<Cube currency="USD" rate="1.1297"/>
			<Cube currency="GBP" rate="0.84760"/>
		</Cube>
	</Cube>
</gesmes:Envelope>
"#;

    #[test]
    fn xml_with_several_days() {
        let table = RateTable::from_ecb_xml(XML_90_DAYS.as_bytes(), "90d.xml").unwrap();
        assert_eq!(table.len(), 4);
        assert_eq!(table.dates(), Some(date(2025, 5, 8)..=date(2025, 5, 9)));
        assert_eq!(
            rate_on(&table, "GBP", date(2025, 5, 9)).as_deref(),
            Some("0.8477")
        );
        assert_eq!(
            rate_on(&table, "GBP", date(2025, 5, 8)).as_deref(),
            Some("0.8476")
        );
        let converted = table
            .convert(money(55000, "GBP"), cur("EUR"), date(2025, 5, 9))
            .unwrap();
        assert_eq!(converted.money, money(64881, "EUR"));
    }

    #[test]
    fn xml_errors_name_the_line() {
        let bad_rate = XML_90_DAYS.replace("rate=\"1.1297\"", "rate=\"1,1297\"");
        let (line, message) =
            bad_file_line(RateTable::from_ecb_xml(bad_rate.as_bytes(), "90d.xml").unwrap_err());
        assert_eq!(line, Some(14), "{message}");
        assert!(message.contains("USD: bad rate \"1,1297\""), "{message}");

        let bad_date = XML_90_DAYS.replace("'2025-05-09'", "'09.05.2025'");
        let (line, _) =
            bad_file_line(RateTable::from_ecb_xml(bad_date.as_bytes(), "90d.xml").unwrap_err());
        assert_eq!(line, Some(8));

        let broken = XML_90_DAYS.replace("</Cube>\n\t\t<Cube time=\"2025-05-08\">", "</Cubes>");
        let (line, message) =
            bad_file_line(RateTable::from_ecb_xml(broken.as_bytes(), "90d.xml").unwrap_err());
        assert!(message.starts_with("badly formed XML"), "{message}");
        assert_eq!(line, Some(12), "{message}");

        let undated = "<Envelope><Cube><Cube currency='USD' rate='1.1'/></Cube></Envelope>";
        let (line, message) =
            bad_file_line(RateTable::from_ecb_xml(undated.as_bytes(), "x.xml").unwrap_err());
        assert_eq!(line, Some(1));
        assert!(message.contains("outside a `Cube time=...`"), "{message}");

        let (line, message) = bad_file_line(
            RateTable::from_ecb_xml("<html><body/></html>".as_bytes(), "x.xml").unwrap_err(),
        );
        assert_eq!(line, None);
        assert!(message.contains("gesmes:Envelope"), "{message}");
    }

    #[test]
    fn real_ecb_files_parse_and_agree() {
        let (Some(csv_path), Some(xml_path)) = (
            shared_data("eurofxref-hist.csv"),
            shared_data("eurofxref-daily.xml"),
        ) else {
            return;
        };
        let hist = RateTable::from_file(&csv_path).unwrap();
        let daily = RateTable::from_file(&xml_path).unwrap();
        let on = date(2025, 5, 9);
        assert_eq!(hist.dates(), Some(date(1999, 1, 4)..=on));
        assert!(hist.len() > 100_000, "{}", hist.len());
        assert_eq!(daily.dates(), Some(on..=on));
        assert_eq!(rate_on(&hist, "GBP", on).as_deref(), Some("0.8477"));
        assert_eq!(rate_on(&daily, "GBP", on), rate_on(&hist, "GBP", on));
        for currency in daily.currencies() {
            assert_eq!(
                rate_on(&daily, currency.code(), on),
                rate_on(&hist, currency.code(), on),
                "{currency}"
            );
        }
        let from_hist = hist.convert(money(55000, "GBP"), cur("INR"), on).unwrap();
        let from_daily = daily.convert(money(55000, "GBP"), cur("INR"), on).unwrap();
        assert_eq!(from_hist, from_daily);
        assert_eq!(from_hist.money, money(6233517, "INR"));
        // The euro's first day: rates of 1999-01-04 on a date before it.
        let early = hist
            .convert(money(10000, "USD"), cur("GBP"), date(1998, 12, 31))
            .unwrap();
        assert_eq!(early.rate_date, Some(date(1999, 1, 4)));
    }

    #[test]
    fn bundled_matches_the_real_history() {
        let Some(csv_path) = shared_data("eurofxref-hist.csv") else {
            return;
        };
        let hist = RateTable::from_file(&csv_path).unwrap();
        for (date, currency, rate) in RateTable::bundled().iter() {
            assert_eq!(
                rate_on(&hist, currency.code(), date).as_deref(),
                Some(rate.as_str()),
                "{currency} on {date}"
            );
        }
    }

    #[test]
    fn bundled_table_parses_and_covers_2015_to_2025() {
        let table = RateTable::bundled();
        assert_eq!(table.dates(), Some(date(2015, 1, 2)..=date(2025, 5, 2)));
        let codes: Vec<String> = table.currencies().map(|c| c.code().to_string()).collect();
        // Every currency the ECB quoted from 2015 on.
        let mut expected = [
            "USD", "JPY", "BGN", "CZK", "DKK", "GBP", "HUF", "PLN", "RON", "SEK", "CHF", "ISK",
            "NOK", "HRK", "RUB", "TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR",
            "KRW", "MXN", "MYR", "NZD", "PHP", "SGD", "THB", "ZAR",
        ];
        expected.sort_unstable();
        assert_eq!(codes, expected);
        // 125 months; every currency still quoted is quoted each month (the ECB stopped the
        // kuna when Croatia joined the euro, suspended the rouble in 2022, and took the krona
        // up again in 2018).
        for code in expected {
            let months = table.rates[&cur(code)].len();
            match code {
                "HRK" | "RUB" | "ISK" => assert!(months < 125, "{code}: {months}"),
                _ => assert_eq!(months, 125, "{code}"),
            }
        }
        for year in 2015..=2025 {
            let months = if year == 2025 { 5 } else { 12 };
            for month in 1..=months {
                let first = date(year, month, 1);
                let found = table.rates[&cur("USD")]
                    .range(first..)
                    .next()
                    .map(|(d, _)| *d);
                let found = found.unwrap();
                assert_eq!((found.year(), found.month()), (year, month), "{first}");
                assert!(found.day() <= 5, "{found}");
            }
        }
        // Conversion with the bundled table on 2025-05-09 uses the rates of 2025-05-02.
        let converted = table
            .convert(money(55000, "GBP"), cur("EUR"), date(2025, 5, 9))
            .unwrap();
        assert_eq!(converted.rate_date, Some(date(2025, 5, 2)));
        // 550 / 0.8533 = 644.5564...
        assert_eq!(converted.money, money(64456, "EUR"));
    }

    #[test]
    fn rates_round_trip_through_triples() {
        let table = sample();
        let triples: Vec<(Date, Currency, String)> = table.iter().collect();
        assert_eq!(triples.len(), table.len());
        assert!(triples.contains(&(date(2025, 5, 9), cur("GBP"), "0.8477".to_string())));
        let back = RateTable::from_rates(triples).unwrap();
        assert_eq!(back, table);

        let err = RateTable::from_rates([(date(2025, 5, 9), cur("GBP"), "abc")]).unwrap_err();
        assert!(matches!(err, Error::Store(_)), "{err:?}");
        let euro = RateTable::from_rates([(date(2025, 5, 9), cur("EUR"), "1")]).unwrap();
        assert!(euro.is_empty());
    }

    #[test]
    fn merge_prefers_the_other_table() {
        let mut table = sample();
        let newer = RateTable::from_rates([
            (date(2025, 5, 9), cur("GBP"), "0.85"),
            (date(2025, 5, 12), cur("GBP"), "0.8460"),
        ])
        .unwrap();
        let before = table.len();
        table.merge(newer);
        assert_eq!(table.len(), before + 1);
        assert_eq!(
            rate_on(&table, "GBP", date(2025, 5, 9)).as_deref(),
            Some("0.85")
        );
        assert_eq!(
            rate_on(&table, "GBP", date(2025, 5, 12)).as_deref(),
            Some("0.846")
        );
        assert_eq!(
            rate_on(&table, "USD", date(2025, 5, 9)).as_deref(),
            Some("1.1252")
        );
        assert_eq!(table.dates(), Some(date(2025, 5, 8)..=date(2025, 5, 12)));
        assert!(!table.is_empty());
        assert!(RateTable::new().is_empty());
        assert_eq!(RateTable::new().dates(), None);
    }

    #[test]
    fn rates_are_exact_decimals() {
        for (text, shown) in [
            ("0.84770", "0.8477"),
            ("163.36", "163.36"),
            ("1", "1"),
            ("1.000", "1"),
            ("0001.50", "1.5"),
            ("0.000001", "0.000001"),
            ("18606.59", "18606.59"),
            ("372816", "372816"),
        ] {
            assert_eq!(Rate::parse(text).unwrap().to_string(), shown, "{text}");
        }
        assert_eq!(Rate::parse("0.8477"), Rate::parse("0.847700"));
        for bad in [
            "", ".5", "5.", "1.2.3", "-1", "+1", "1e3", "N/A", "0", "0.000", "1,5",
        ] {
            assert!(Rate::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Rate::parse("1234567890123456789").is_err());
        assert!(Rate::parse("123456789.123456789").is_ok());
    }

    #[test]
    fn huge_amounts_overflow_instead_of_panicking() {
        let on = date(2025, 5, 9);
        let table = sample();
        let err = table
            .convert(money(i64::MAX, "EUR"), cur("IDR"), on)
            .unwrap_err();
        assert!(
            matches!(err, Error::Money(MoneyError::Overflow(_))),
            "{err:?}"
        );
        let tiny = RateTable::from_rates([(on, cur("USD"), "0.000000000000000001")]).unwrap();
        let err = tiny
            .convert(money(i64::MAX, "USD"), cur("KRW"), on)
            .unwrap_err();
        assert!(matches!(err, Error::NoRate { .. }), "{err:?}");
        let err = tiny.convert(money(i64::MAX, "EUR"), cur("USD"), on);
        assert!(err.is_ok());
        let err = tiny
            .convert(money(i64::MAX, "USD"), cur("EUR"), on)
            .unwrap_err();
        assert!(
            matches!(err, Error::Money(MoneyError::Overflow(_))),
            "{err:?}"
        );
    }
}
