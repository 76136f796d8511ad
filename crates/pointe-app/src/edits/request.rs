//! What editors ask of edits, as they wrote it, and the checks that name the field at fault.

use jiff::Timestamp;
use pointe_core::edit::{CreateRequest, PriceRules, TrendCitation, check_editor_figure};
use pointe_core::market::Market;
use pointe_core::money::Currency;
use serde::Deserialize;

use crate::bounds::{check_count, check_len};
use crate::{Error, Result, Workspace};

/// The longest headline, in bytes.
pub const MAX_TITLE: usize = 300;
/// The longest standfirst, blurb, author, trend term or source, in bytes.
pub const MAX_TEXT: usize = 2000;
/// The most picks an edit has.
pub const MAX_PICKS: usize = 100;

/// A new edit, as `pointe edit create` and `POST /api/v1/edits` take it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEditRequest {
    /// URL slug: 1 to 100 letters, digits, '-' and '_'.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// The hero: Pointe id, feed item id, offer URL or exact title.
    pub hero: String,
    /// Standfirst under the headline.
    #[serde(default)]
    pub standfirst: Option<String>,
    /// Author.
    #[serde(default)]
    pub author: Option<String>,
    /// Trend term; its figure comes from imported series unless `trend_figure` is given.
    #[serde(default)]
    pub trend: Option<String>,
    /// The editor's growth figure in percent (1566 for "up 1,566%"), cited with
    /// `trend_source`: finite, above -100 and at most 100000.
    #[serde(default)]
    pub trend_figure: Option<f64>,
    /// Who measured `trend_figure`, and what.
    #[serde(default)]
    pub trend_source: Option<String>,
    /// Number of picks, 1 to 100 (4).
    #[serde(default)]
    pub count: Option<usize>,
    /// ISO 4217 currency of the edit's prices (GBP).
    #[serde(default)]
    pub currency: Option<String>,
    /// Picks allowed per brand, 1 to 100 (1).
    #[serde(default)]
    pub per_brand: Option<usize>,
    /// UK or US: whose words and spelling the copy uses (the currency's by default).
    #[serde(default)]
    pub market: Option<String>,
    /// A price last seen more than this many days ago is not shown as current, 1 to 3650
    /// (14).
    #[serde(default)]
    pub max_age: Option<u32>,
    /// A struck-through price must have been charged this many days of the 30 before the
    /// reduction, 1 to 30 (7).
    #[serde(default)]
    pub min_reference_days: Option<u32>,
    /// Replace an existing edit of this slug (the command line's `--replace`).
    #[serde(skip)]
    #[schema(ignore)]
    pub replace: bool,
}

/// A create request checked.
#[derive(Debug, Clone)]
pub(super) struct Checked {
    pub editor_figure: Option<(f64, String)>,
    request: CreateEditRequest,
    currency: Currency,
    market: Option<Market>,
    count: usize,
    per_brand: usize,
    rules: PriceRules,
}

fn text(field: &str, value: Option<&str>, max: usize) -> Result<()> {
    value.map_or(Ok(()), |v| check_len(field, v, max))
}

fn days(field: &str, value: Option<u32>, default: u32, max: u32) -> Result<u32> {
    let n = value.unwrap_or(default);
    check_count(field, n as usize, max as usize)?;
    Ok(n)
}

impl CreateEditRequest {
    pub(super) fn check(&self) -> Result<Checked> {
        super::check_slug(&self.slug)?;
        if self.title.trim().is_empty() {
            return Err(Error::bad("title", "the headline is empty"));
        }
        check_len("title", &self.title, MAX_TITLE)?;
        check_len("hero", &self.hero, 2048)?;
        if self.hero.trim().is_empty() {
            return Err(Error::bad(
                "hero",
                "name the hero: a Pointe id, item id or URL",
            ));
        }
        text("standfirst", self.standfirst.as_deref(), MAX_TEXT)?;
        text("author", self.author.as_deref(), MAX_TEXT)?;
        text("trend", self.trend.as_deref(), MAX_TEXT)?;
        text("trend_source", self.trend_source.as_deref(), MAX_TEXT)?;
        let editor_figure = self.editor_figure()?;
        let market = self
            .market
            .as_deref()
            .map(|m| {
                m.parse::<Market>()
                    .map_err(|e| Error::bad("market", e.to_string()))
            })
            .transpose()?;
        let currency = Workspace::currency("currency", self.currency.as_deref().unwrap_or("GBP"))?;
        let count = self.count.unwrap_or(4);
        check_count("count", count, MAX_PICKS)?;
        let per_brand = self.per_brand.unwrap_or(1);
        check_count("per_brand", per_brand, MAX_PICKS)?;
        let rules = PriceRules {
            max_age_days: days("max_age", self.max_age, 14, 3650)?,
            min_reference_days: days("min_reference_days", self.min_reference_days, 7, 30)?,
            ..PriceRules::default()
        };
        Ok(Checked {
            editor_figure,
            request: self.clone(),
            currency,
            market,
            count,
            per_brand,
            rules,
        })
    }

    fn editor_figure(&self) -> Result<Option<(f64, String)>> {
        match (self.trend_figure, &self.trend_source) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(Error::bad(
                "trend_source",
                "needed with trend_figure: who measured it, and what",
            )),
            (None, Some(_)) => Err(Error::bad("trend_figure", "needed with trend_source")),
            (Some(_), Some(_)) if self.trend.is_none() => Err(Error::bad(
                "trend",
                "an editor's figure needs the trend term it measures",
            )),
            (Some(f), Some(source)) => {
                check_editor_figure(f).map_err(|e| Error::bad("trend_figure", e.to_string()))?;
                Ok(Some((f, source.clone())))
            }
        }
    }
}

impl Checked {
    pub(super) fn into_core(self, trend: Option<TrendCitation>, now: Timestamp) -> CreateRequest {
        let r = self.request;
        CreateRequest {
            slug: r.slug,
            title: r.title,
            standfirst: r.standfirst,
            author: r.author,
            hero: r.hero,
            currency: self.currency,
            market: self.market,
            count: self.count,
            per_brand: self.per_brand,
            trend,
            rules: self.rules,
            now,
        }
    }
}

/// A product to pin as a pick.
#[derive(Debug, Clone, Default)]
pub struct PickRequest {
    /// The product: Pointe id, feed item id, offer URL or exact title.
    pub product: String,
    /// Position, from 1 (default: its own place when picked already, else last).
    pub position: Option<usize>,
    /// The editor's blurb (default: written from how it compares with the hero).
    pub blurb: Option<String>,
}

impl PickRequest {
    pub(super) fn check(&self) -> Result<()> {
        check_len("product", &self.product, 2048)?;
        text("blurb", self.blurb.as_deref(), MAX_TEXT)
    }
}

/// A blurb an editor wrote: trimmed, not empty, bounded.
pub(super) fn check_blurb(field: &str, text: &str) -> Result<String> {
    if text.trim().is_empty() {
        return Err(Error::bad(field, "the blurb is empty"));
    }
    check_len(field, text, MAX_TEXT)?;
    Ok(text.trim().to_string())
}

/// Changes to an edit, as `PATCH /api/v1/edits/{slug}` takes them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEditRequest {
    /// A new headline.
    #[serde(default)]
    pub title: Option<String>,
    /// A new standfirst (empty to remove it).
    #[serde(default)]
    pub standfirst: Option<String>,
    /// The whole ordered list of picks, at most 100.
    #[serde(default)]
    pub picks: Option<Vec<PickSpec>>,
}

/// One pick of an update.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickSpec {
    /// The product: Pointe id, feed item id, offer URL or exact title.
    pub id: String,
    /// The editor's blurb (default: kept, or written for a new pick).
    #[serde(default)]
    pub blurb: Option<String>,
    /// Never swapped out automatically (default: kept, or true for a new pick).
    #[serde(default)]
    pub pinned: Option<bool>,
}

impl UpdateEditRequest {
    pub(super) fn check(&self) -> Result<()> {
        if let Some(t) = &self.title {
            if t.trim().is_empty() {
                return Err(Error::bad("title", "the headline is empty"));
            }
            check_len("title", t, MAX_TITLE)?;
        }
        text("standfirst", self.standfirst.as_deref(), MAX_TEXT)?;
        let Some(picks) = &self.picks else {
            return Ok(());
        };
        if picks.len() > MAX_PICKS {
            return Err(Error::bad(
                "picks",
                format!("{} picks: at most {MAX_PICKS}", picks.len()),
            ));
        }
        for (i, p) in picks.iter().enumerate() {
            check_len(&format!("picks[{i}].id"), &p.id, 2048)?;
            if let Some(b) = &p.blurb {
                check_blurb(&format!("picks[{i}].blurb"), b)?;
            }
        }
        Ok(())
    }
}
