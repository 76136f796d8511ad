//! GTIN (EAN/UPC/ISBN) validation.
//!
//! A GTIN is only ever used to match products when its length and GS1 check digit are valid:
//! corrupted identifiers (such as EANs that went through a spreadsheet as floats) would otherwise
//! merge unrelated products.

use std::fmt;

/// A validated Global Trade Item Number, normalised to 14 digits (GTIN-14) so that the same
/// item written as UPC-A, EAN-13 or GTIN-14 compares equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

/// Why a GTIN was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    /// The value holds something other than digits (after removing spaces and dashes).
    #[error("GTIN {0:?} contains characters other than digits")]
    NotDigits(String),
    /// The value has a length that no GTIN has (8, 12, 13 or 14 digits).
    #[error("GTIN {value:?} has {len} digits; a GTIN has 8, 12, 13 or 14")]
    BadLength {
        /// The value as given.
        value: String,
        /// Its number of digits.
        len: usize,
    },
    /// The check digit does not match the GS1 checksum of the other digits.
    #[error("GTIN {0:?} fails its check digit")]
    BadCheckDigit(String),
    /// All digits are zero, a placeholder rather than an identifier.
    #[error("GTIN {0:?} is all zeros")]
    AllZeros(String),
}

impl Gtin {
    /// Parses and validates a GTIN-8, UPC-A (12), EAN-13 or GTIN-14 written with optional spaces
    /// or dashes. Values that went through a float (`4.00621E+12`, `886742563456.0`) are refused:
    /// their digits can no longer be trusted.
    pub fn parse(raw: &str) -> Result<Gtin, GtinError> {
        let trimmed = raw.trim();
        let digits: String = trimmed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(GtinError::NotDigits(trimmed.to_string()));
        }
        let len = digits.len();
        if !matches!(len, 8 | 12 | 13 | 14) {
            return Err(GtinError::BadLength {
                value: trimmed.to_string(),
                len,
            });
        }
        if digits.bytes().all(|b| b == b'0') {
            return Err(GtinError::AllZeros(trimmed.to_string()));
        }
        let bytes = digits.as_bytes();
        let (body, check) = bytes.split_at(len - 1);
        if check_digit(body) != check[0] - b'0' {
            return Err(GtinError::BadCheckDigit(trimmed.to_string()));
        }
        Ok(Gtin(format!("{digits:0>14}")))
    }

    /// The GTIN as 14 digits, zero-padded on the left.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The GS1 check digit of `body` (all digits but the last): weights 3 and 1 alternate from the
/// right-most digit.
fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_real_identifiers_of_every_length() {
        // EAN-13 of a real book (ISBN 978-0-306-40615-7), a UPC-A, an EAN-8 and a GTIN-14.
        assert_eq!(
            Gtin::parse("9780306406157").unwrap().as_str(),
            "09780306406157"
        );
        assert_eq!(
            Gtin::parse("036000291452").unwrap().as_str(),
            "00036000291452"
        );
        assert_eq!(Gtin::parse("96385074").unwrap().as_str(), "00000096385074");
        assert_eq!(
            Gtin::parse("10012345678902").unwrap().as_str(),
            "10012345678902"
        );
        assert_eq!(
            Gtin::parse(" 978-0306-406157 ").unwrap().as_str(),
            "09780306406157"
        );
    }

    #[test]
    fn upc_and_ean_of_one_item_compare_equal() {
        assert_eq!(
            Gtin::parse("036000291452").unwrap(),
            Gtin::parse("0036000291452").unwrap()
        );
    }

    #[test]
    fn refuses_bad_check_digits_lengths_floats_and_zeros() {
        assert!(matches!(
            Gtin::parse("9780306406158"),
            Err(GtinError::BadCheckDigit(_))
        ));
        assert!(matches!(
            Gtin::parse("12345"),
            Err(GtinError::BadLength { len: 5, .. })
        ));
        assert!(matches!(
            Gtin::parse("8.86742E+11"),
            Err(GtinError::NotDigits(_))
        ));
        assert!(matches!(
            Gtin::parse("886742563456.0"),
            Err(GtinError::NotDigits(_))
        ));
        assert!(matches!(
            Gtin::parse("0000000000000"),
            Err(GtinError::AllZeros(_))
        ));
        assert!(matches!(Gtin::parse(""), Err(GtinError::NotDigits(_))));
    }

    proptest! {
        #[test]
        fn any_body_with_its_check_digit_is_valid(body in "[0-9]{12}") {
            prop_assume!(!body.bytes().all(|b| b == b'0'));
            let check = check_digit(body.as_bytes());
            let gtin = format!("{body}{check}");
            prop_assert!(Gtin::parse(&gtin).is_ok());
        }

        #[test]
        fn changing_one_digit_breaks_the_check(body in "[0-9]{12}", pos in 0usize..13, delta in 1u8..10) {
            prop_assume!(!body.bytes().all(|b| b == b'0'));
            let check = check_digit(body.as_bytes());
            let mut digits: Vec<u8> = format!("{body}{check}").into_bytes();
            digits[pos] = b'0' + (digits[pos] - b'0' + delta) % 10;
            let mutated = String::from_utf8(digits).unwrap();
            prop_assume!(!mutated.bytes().all(|b| b == b'0'));
            prop_assert!(Gtin::parse(&mutated).is_err());
        }

        #[test]
        fn never_panics(raw in "\\PC{0,20}") {
            let _ = Gtin::parse(&raw);
        }
    }
}
