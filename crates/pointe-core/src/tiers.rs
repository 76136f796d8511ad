//! Price tiers: configurable price bands per currency (`high_street`, `premium`, `luxury`),
//! read from `data/tiers.toml` (bundled) or `<data-dir>/tiers.toml`.
//!
//! ```
//! use pointe_core::money::{Currency, Money};
//! use pointe_core::tiers::Tiers;
//!
//! let tiers = Tiers::bundled();
//! let gbp = Currency::from_code("GBP").unwrap();
//! assert_eq!(tiers.of_local(Money::new(3_500, gbp)).unwrap(), "high_street");
//! assert_eq!(tiers.of_local(Money::new(55_000, gbp)).unwrap(), "luxury");
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use jiff::civil::Date;
use serde::Deserialize;

use crate::fx::RateTable;
use crate::money::{Currency, Money};
use crate::{Error, Result};

/// The tiers shipped with Pointe.
const BUNDLED: &str = include_str!("../data/tiers.toml");

/// The names of the bundled tiers, cheapest first.
pub const TIER_NAMES: [&str; 3] = ["high_street", "premium", "luxury"];

/// One price band: prices from `from` (inclusive) up to the next band's `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    /// The tier's name (`premium`): the id `--tier`, JSON and stored edits use.
    pub name: String,
    /// What readers are shown ("Mid-range"); the name with its underscores as spaces when the
    /// file gives no label.
    pub label: String,
    /// The lowest price of the band, in the band's currency.
    pub from: Money,
}

/// Price bands per currency. Building one parses the small TOML table; lookups are a map probe
/// and a walk over at most a handful of bands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tiers {
    bands: BTreeMap<Currency, Vec<Band>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BandFile {
    name: String,
    #[serde(default)]
    label: Option<String>,
    from: String,
}

impl Tiers {
    /// The bands bundled with Pointe (`crates/pointe-core/data/tiers.toml`): GBP high street
    /// under £100, premium £100 to under £400, luxury from £400, and EUR, USD and INR bands.
    pub fn bundled() -> Tiers {
        Tiers::from_toml(BUNDLED, Path::new("tiers.toml (bundled)"))
            .expect("the bundled tiers are valid (checked by their tests)")
    }

    /// The bands of `<data_dir>/tiers.toml` when that file exists (it replaces the bundled
    /// one whole), else the bundled ones.
    pub fn load(data_dir: Option<&Path>) -> Result<Tiers> {
        match crate::toml_file::data_dir_copy(data_dir, "tiers.toml")? {
            Some((text, path)) => Tiers::from_toml(&text, &path),
            None => Ok(Tiers::bundled()),
        }
    }

    /// Parses a tiers file; `path` names it in errors. Every currency needs bands that start
    /// at 0 and rise, and GBP (the fallback) must be present.
    pub fn from_toml(text: &str, path: &Path) -> Result<Tiers> {
        let raw: BTreeMap<String, Vec<BandFile>> = crate::toml_file::parse(text, path)?;
        let mut bands = BTreeMap::new();
        for (code, list) in raw {
            let bad = |m: String| Error::bad_file(path, None, format!("[{code}] {m}"));
            let currency = Currency::from_code(&code)
                .ok_or_else(|| bad("is not an ISO 4217 currency Pointe knows".into()))?;
            let mut parsed: Vec<Band> = Vec::with_capacity(list.len());
            for band in list {
                let from = Money::from_amount_str(&band.from, currency)
                    .map_err(|e| bad(format!("band {}: {e}", band.name)))?;
                if let Some(last) = parsed.last()
                    && from.minor <= last.from.minor
                {
                    return Err(bad(format!(
                        "band {} starts at {} but must start above {}",
                        band.name, band.from, last.from
                    )));
                }
                if parsed.is_empty() && from.minor != 0 {
                    return Err(bad(format!(
                        "the first band ({}) must start at 0",
                        band.name
                    )));
                }
                let label = band
                    .label
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty())
                    .unwrap_or_else(|| default_label(&band.name));
                parsed.push(Band {
                    name: band.name,
                    label,
                    from,
                });
            }
            if parsed.is_empty() {
                return Err(bad("has no bands".into()));
            }
            bands.insert(currency, parsed);
        }
        if !bands.contains_key(&gbp()) {
            return Err(Error::bad_file(
                path,
                None,
                "[GBP] is missing: it is the fallback for other currencies",
            ));
        }
        Ok(Tiers { bands })
    }

    /// The bands of `currency`, if the table has its own.
    pub fn bands(&self, currency: Currency) -> Option<&[Band]> {
        self.bands.get(&currency).map(Vec::as_slice)
    }

    /// Every tier name, cheapest first, as the GBP bands list them.
    pub fn names(&self) -> Vec<&str> {
        self.bands[&gbp()].iter().map(|b| b.name.as_str()).collect()
    }

    /// The tier of a price in a currency the table has bands for; `None` for another currency
    /// (see [`Tiers::of`], which converts).
    pub fn of_local(&self, price: Money) -> Option<&str> {
        let bands = self.bands.get(&price.currency)?;
        bands
            .iter()
            .rev()
            .find(|b| price.minor >= b.from.minor)
            .or(bands.first())
            .map(|b| b.name.as_str())
    }

    /// The tier of a price: by its own currency's bands when the table has them, else by the
    /// GBP bands after converting at the rate of `on`; `None` when no rate converts it.
    pub fn of(&self, price: Money, rates: &RateTable, on: Date) -> Result<Option<&str>> {
        if let Some(name) = self.of_local(price) {
            return Ok(Some(name));
        }
        Ok(rates
            .try_convert(price, gbp(), on)?
            .and_then(|converted| self.of_local(converted.money)))
    }

    /// The label readers are shown for the tier `name` ("High street" for `high_street`), as
    /// the GBP bands give it, else the first currency's band of that name; `None` for a name no
    /// band has.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.bands[&gbp()]
            .iter()
            .chain(self.bands.values().flatten())
            .find(|b| b.name == name)
            .map(|b| b.label.as_str())
    }

    /// Whether `name` is one of the tiers.
    pub fn has(&self, name: &str) -> bool {
        self.bands
            .values()
            .any(|list| list.iter().any(|b| b.name == name))
    }
}

/// `high_street` → `High street`: the label of a band whose file gives none.
fn default_label(name: &str) -> String {
    let spaced = name.replace(['_', '-'], " ");
    let mut chars = spaced.trim().chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn gbp() -> Currency {
    Currency::from_code("GBP").unwrap_or_else(|| unreachable!("GBP is known"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(amount: &str, code: &str) -> Money {
        let c = Currency::from_code(code).unwrap();
        Money::from_amount_str(amount, c).unwrap()
    }

    #[test]
    fn the_bundled_gbp_bands_are_the_issues() {
        let t = Tiers::bundled();
        assert_eq!(t.names(), TIER_NAMES);
        for (amount, tier) in [
            ("0.00", "high_street"),
            ("35.00", "high_street"),
            ("99.99", "high_street"),
            ("100.00", "premium"),
            ("399.99", "premium"),
            ("400.00", "luxury"),
            ("550.00", "luxury"),
        ] {
            assert_eq!(t.of_local(money(amount, "GBP")), Some(tier), "{amount}");
        }
        assert_eq!(t.of_local(money("120", "EUR")), Some("premium"));
        assert_eq!(t.of_local(money("600", "USD")), Some("luxury"));
        assert_eq!(t.of_local(money("6999", "INR")), Some("premium"));
        assert_eq!(t.of_local(money("999", "INR")), Some("high_street"));
        let labels: Vec<&str> = TIER_NAMES.iter().map(|n| t.label(n).unwrap()).collect();
        assert_eq!(labels, ["High street", "Mid-range", "Investment"]);
        assert_eq!(t.label("nope"), None);
    }

    #[test]
    fn a_currency_without_bands_converts_to_gbp_or_has_no_tier() {
        let t = Tiers::bundled();
        let rates = RateTable::bundled();
        let day: Date = "2025-05-02".parse().unwrap();
        let chf = money("5000.00", "CHF");
        assert_eq!(t.of_local(chf), None);
        assert_eq!(t.of(chf, &rates, day).unwrap(), Some("luxury"));
        assert_eq!(
            t.of(money("50", "CHF"), &rates, day).unwrap(),
            Some("high_street")
        );
        // Without a rate the price has no tier, and nothing fails.
        assert_eq!(t.of(chf, &RateTable::new(), day).unwrap(), None);
    }

    #[test]
    fn bad_files_are_refused_with_the_currency_named() {
        let cases = [
            (
                "[[GBP]]\nname = \"a\"\nfrom = \"10\"\n",
                "[GBP] the first band (a) must start at 0",
            ),
            (
                "[[GBP]]\nname = \"a\"\nfrom = \"0\"\n[[GBP]]\nname = \"b\"\nfrom = \"0\"\n",
                "band b starts at 0 but must start above",
            ),
            ("[[EUR]]\nname = \"a\"\nfrom = \"0\"\n", "[GBP] is missing"),
            (
                "[[XXX]]\nname = \"a\"\nfrom = \"0\"\n",
                "[XXX] is not an ISO 4217",
            ),
        ];
        for (text, expected) in cases {
            let err = Tiers::from_toml(text, Path::new("t.toml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{err}\n  should contain {expected}");
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("tiers.toml"),
            "[[GBP]]\nname = \"cheap\"\nfrom = \"0\"\n[[GBP]]\nname = \"dear\"\nfrom = \"50\"\n",
        )
        .unwrap();
        let t = Tiers::load(Some(dir.path())).unwrap();
        assert_eq!(t.of_local(money("60", "GBP")), Some("dear"));
        assert!(t.has("cheap") && !t.has("luxury"));
        assert_eq!(t.label("cheap"), Some("Cheap"), "a band without a label");
    }
}
