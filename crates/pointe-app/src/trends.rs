//! Trends: importing search and social exports, ranking every series by momentum, one term's
//! series with its related queries, and the products that embody an aesthetic.

use std::collections::BTreeSet;
use std::path::Path;

use pointe_core::catalog::{CatalogReader, ItemId, MoneyView};
use pointe_core::store::{Catalog, StoredProduct, for_each_product};
use pointe_core::trends::{
    Aesthetic, Aesthetics, Analysis, AnalysisOptions, Fit, ImportOptions, Ranked, RelatedKind,
    RelatedQuery, RelatedValue, Series, SeriesId, SignatureMatch, TermCollision, TrendFile,
    analyse_many, parse_trend_bytes, rank_by_momentum, read_trend_file, related_for, series_for,
    sparkline, term_key,
};
use serde::Serialize;

use crate::products::Page;
use crate::{Error, Result, Workspace};

/// What an import asks for besides the file; each is what the file says when absent.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    /// The source (google_trends, pytrends, pinterest, tiktok, …).
    pub source: Option<String>,
    /// The region of every series.
    pub region: Option<String>,
    /// The scale group of every series.
    pub scale_group: Option<String>,
}

impl ImportRequest {
    fn options(&self) -> Result<ImportOptions> {
        for (field, value) in [
            ("source", &self.source),
            ("region", &self.region),
            ("scale_group", &self.scale_group),
        ] {
            if let Some(v) = value {
                crate::bounds::check_len(field, v, 200)?;
            }
        }
        Ok(ImportOptions {
            source: self.source.clone(),
            region: self.region.clone(),
            scale_group: self.scale_group.clone(),
        })
    }
}

/// What importing one file did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// The file (or the name an upload was given).
    pub file: String,
    /// The layout it was read as.
    pub layout: String,
    /// Series read from it.
    #[serde(skip)]
    pub series: usize,
    /// Series stored for the first time.
    pub series_new: u64,
    /// Series stored before and now replaced.
    pub series_updated: u64,
    /// Points in all.
    pub points: usize,
    /// Points Google writes `<1`.
    pub censored_points: usize,
    /// Related queries (related-queries exports only).
    pub related_queries: usize,
    /// The terms, as the file writes them.
    pub terms: Vec<String>,
    /// Terms of the file that fold to one key (each kept as its own series).
    #[schema(value_type = Vec<Object>)]
    pub collisions: Vec<TermCollision>,
}

/// Imports the export at `path`: read whole before anything is stored, so a file that fails
/// half-way leaves nothing behind.
pub fn import_file(ws: &Workspace, path: &Path, request: &ImportRequest) -> Result<ImportReport> {
    let file = read_trend_file(path, &request.options()?)?;
    store_file(ws, &file)
}

/// Imports an export sent as bytes; `name` names it in errors and gives the default scale
/// group its stem.
pub fn import_bytes(
    ws: &Workspace,
    name: &str,
    bytes: &[u8],
    request: &ImportRequest,
) -> Result<ImportReport> {
    let file = parse_trend_bytes(Path::new(name), bytes, &request.options()?)?;
    store_file(ws, &file)
}

fn store_file(ws: &Workspace, file: &TrendFile) -> Result<ImportReport> {
    let mut store = ws.store()?;
    let (created, replaced) = store.put_trend_file(file)?;
    let points = file.series.iter().map(|s| s.points.len()).sum();
    let censored_points = file
        .series
        .iter()
        .flat_map(|s| &s.points)
        .filter(|p| p.censored)
        .count();
    Ok(ImportReport {
        file: file.path.display().to_string(),
        layout: file.layout.as_str().to_string(),
        series: file.series.len(),
        series_new: created,
        series_updated: replaced,
        points,
        censored_points,
        related_queries: file.related.len(),
        terms: file.series.iter().map(|s| s.term.clone()).collect(),
        collisions: file.collisions.clone(),
    })
}

/// The analysis window and date as the user wrote them.
pub fn options(window: usize, at: Option<&str>) -> Result<AnalysisOptions> {
    if !(2..=520).contains(&window) {
        return Err(Error::bad("window", format!("{window}: must be 2 to 520")));
    }
    let at = at
        .map(|d| {
            d.parse::<jiff::civil::Date>()
                .map_err(|e| Error::bad("at", format!("{d:?}: {e}")))
        })
        .transpose()?;
    Ok(AnalysisOptions { at, window })
}

/// One series of the ranking.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrendItem {
    /// The place, from 1.
    pub rank: usize,
    /// The term as the export writes it.
    pub term: String,
    /// The normalised term.
    pub key: String,
    /// The aesthetic the term names, when it names one.
    pub aesthetic: Option<String>,
    /// The source.
    pub source: String,
    /// The metric (`interest`, `searches`…).
    pub metric: String,
    /// The region.
    pub region: Option<String>,
    /// What else the request covered.
    pub segment: Option<String>,
    /// The scale group.
    pub scale_group: String,
    /// The stage (`emerging`, `rising`, `peaking`, `declining`, `flat`…).
    pub stage: String,
    /// Year-on-year growth, for people.
    pub growth_yoy: String,
    /// Year-on-year growth in percent, when it is a number.
    pub growth_yoy_percent: Option<f64>,
    /// Period-on-period growth, for people.
    pub growth_pop: String,
    /// Period-on-period growth in percent.
    pub growth_pop_percent: Option<f64>,
    /// The first point above zero.
    pub onset: Option<String>,
    /// The date of the peak.
    pub peak_date: Option<String>,
    /// The peak value.
    pub peak_value: Option<f64>,
    /// The date of the latest complete point.
    pub latest_date: Option<String>,
    /// Its value.
    pub latest_value: Option<f64>,
    /// Momentum.
    pub momentum: f64,
    /// The Mann–Kendall p-value of the window (also `mann_kendall_p`).
    pub p_value: f64,
    /// True when the trend test is significantly upward (p < 0.05): these rank first.
    pub significant_rise: bool,
    /// The Mann–Kendall p-value.
    pub mann_kendall_p: f64,
    /// The Theil–Sen slope per period.
    pub theil_sen_slope: f64,
    /// The robust z-score of the latest point.
    pub robust_z: f64,
    /// Why it ranks where it does.
    pub justification: String,
}

/// Every stored series ranked: significantly rising ones first, by momentum. An empty store
/// gives an empty list.
pub fn list(ws: &Workspace, options: &AnalysisOptions) -> Result<Page<TrendItem>> {
    let store = ws.store()?;
    let series = store.trend_series(None)?;
    let aesthetics = Aesthetics::bundled();
    let analyses = analyse_many(&series, options);
    let pairs: Vec<(Series, Analysis)> = series.into_iter().zip(analyses).collect();
    let items: Vec<TrendItem> = rank_by_momentum(&pairs)
        .iter()
        .filter_map(|r| {
            let (series, analysis) = pairs.iter().find(|(s, _)| ranks(r, s))?;
            Some(trend_item(r, series, analysis, &aesthetics))
        })
        .collect();
    Ok(Page {
        total: items.len() as u64,
        items,
    })
}

/// A ranked series with its values, for a front end that draws each line.
#[derive(Debug, Clone, Serialize)]
pub struct TrendRow {
    /// The series ranked, as [`list`] gives it.
    pub item: TrendItem,
    /// Its points' values, oldest first (a gap is a missing point, not a zero).
    pub values: Vec<f64>,
}

/// As [`list`], each series with its values.
pub fn rows(ws: &Workspace, options: &AnalysisOptions) -> Result<Vec<TrendRow>> {
    let store = ws.store()?;
    let series = store.trend_series(None)?;
    let aesthetics = Aesthetics::bundled();
    let analyses = analyse_many(&series, options);
    let pairs: Vec<(Series, Analysis)> = series.into_iter().zip(analyses).collect();
    Ok(rank_by_momentum(&pairs)
        .iter()
        .filter_map(|r| {
            let (series, analysis) = pairs.iter().find(|(s, _)| ranks(r, s))?;
            Some(TrendRow {
                item: trend_item(r, series, analysis, &aesthetics),
                values: series.points.iter().map(|p| p.value).collect(),
            })
        })
        .collect())
}

/// Whether `r` is the ranking's line of `s`.
fn ranks(r: &Ranked, s: &Series) -> bool {
    s.term == r.term
        && s.scale_group == r.scale_group
        && s.metric == r.metric
        && s.source == r.source
        && s.region == r.region
}

fn trend_item(r: &Ranked, series: &Series, a: &Analysis, aesthetics: &Aesthetics) -> TrendItem {
    TrendItem {
        rank: r.rank,
        term: r.term.clone(),
        key: r.key.clone(),
        aesthetic: aesthetics.resolve(&series.term).map(|a| a.name.clone()),
        source: r.source.as_str().to_string(),
        metric: r.metric.clone(),
        region: r.region.clone(),
        segment: series.segment.clone(),
        scale_group: r.scale_group.clone(),
        stage: r.stage.as_str().to_string(),
        growth_yoy: r.growth_yoy.to_string(),
        growth_yoy_percent: r.growth_yoy.percent(),
        growth_pop: r.growth_pop.to_string(),
        growth_pop_percent: r.growth_pop.percent(),
        onset: a.onset.map(|d| d.to_string()),
        peak_date: a.peak.map(|(d, _)| d.to_string()),
        peak_value: a.peak.map(|(_, v)| v),
        latest_date: a.latest.map(|(d, _)| d.to_string()),
        latest_value: a.latest.map(|(_, v)| v),
        momentum: r.momentum,
        p_value: r.p_value,
        significant_rise: r.significant_rise,
        mann_kendall_p: r.mann_kendall.p_value,
        theil_sen_slope: r.theil_sen_slope,
        robust_z: r.robust_z,
        justification: r.justification(),
    }
}

/// One series of a term with its analysis.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeriesView {
    /// The series' id (source, term, region, scale group, metric).
    #[schema(value_type = Object)]
    pub id: SeriesId,
    /// The series and its points.
    #[schema(value_type = Object)]
    pub series: Series,
    /// Its analysis.
    #[schema(value_type = Object)]
    pub analysis: Analysis,
    /// Its points as a sparkline.
    pub sparkline: String,
}

/// A term's series and related queries: `{"items", "total", "related"}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TermTrends {
    /// Every series of the term.
    pub items: Vec<SeriesView>,
    /// How many.
    pub total: usize,
    /// Its related queries, TOP before RISING.
    pub related: Vec<RelatedItem>,
}

/// The series of `term` (as written, every source and region; else those its key or
/// aesthetic names), analysed, with its related queries. An unknown term is not found, with
/// the imported terms as candidates.
pub fn show(ws: &Workspace, term: &str, options: &AnalysisOptions) -> Result<TermTrends> {
    crate::bounds::check_len("term", term, 200)?;
    let store = ws.store()?;
    let series = series_of(&*store, term)?;
    let analyses = analyse_many(&series, options);
    let items: Vec<SeriesView> = series
        .into_iter()
        .zip(analyses)
        .map(|(s, a)| SeriesView {
            id: s.id(),
            sparkline: sparkline(&s.points),
            series: s,
            analysis: a,
        })
        .collect();
    Ok(TermTrends {
        total: items.len(),
        items,
        related: related_items(&related_for(&*store, term)?),
    })
}

fn series_of(store: &dyn Catalog, term: &str) -> Result<Vec<Series>> {
    let series = series_for(store, term)?;
    if !series.is_empty() {
        return Ok(series);
    }
    let known: Vec<String> = store
        .trend_series(None)?
        .into_iter()
        .map(|s| s.term)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .take(20)
        .collect();
    let related = if related_for(store, term)?.is_empty() {
        String::new()
    } else {
        format!("; it has related queries: `pointe trends related {term:?}`")
    };
    Err(Error::NotFound {
        message: format!(
            "no trend series for {term:?} (read as {:?}); imported terms: {}{related}",
            term_key(term),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ),
        candidates: known,
    })
}

/// One related query.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RelatedItem {
    /// The term it relates to.
    pub term: String,
    /// The region.
    pub region: Option<String>,
    /// `top` or `rising`.
    #[schema(value_type = String)]
    pub kind: &'static str,
    /// The query.
    pub query: String,
    /// `score`, `percent` or `breakout`.
    #[schema(value_type = String)]
    pub value_kind: &'static str,
    /// The score or the percentage; none for a breakout.
    pub value: Option<u32>,
    /// The value as Google writes it: `100`, `+3,700%`, `Breakout`.
    pub shown: String,
}

fn related_items(queries: &[RelatedQuery]) -> Vec<RelatedItem> {
    queries
        .iter()
        .map(|q| {
            let (value_kind, value) = match q.value {
                RelatedValue::Score(v) => ("score", Some(v)),
                RelatedValue::Percent(v) => ("percent", Some(v)),
                RelatedValue::Breakout => ("breakout", None),
            };
            RelatedItem {
                term: q.term.clone(),
                region: q.region.clone(),
                kind: match q.kind {
                    RelatedKind::Top => "top",
                    RelatedKind::Rising => "rising",
                },
                query: q.query.clone(),
                value_kind,
                value,
                shown: q.value.to_string(),
            }
        })
        .collect()
}

/// A term's related queries, TOP and RISING (empty when none were imported).
pub fn related(ws: &Workspace, term: &str) -> Result<Page<RelatedItem>> {
    crate::bounds::check_len("term", term, 200)?;
    let store = ws.store()?;
    let items = related_items(&related_for(&*store, term)?);
    Ok(Page {
        total: items.len() as u64,
        items,
    })
}

/// One product ranked by its fit to an aesthetic.
#[derive(Debug, Clone, Serialize)]
pub struct FitItem {
    /// The place, from 1.
    pub rank: usize,
    /// Pointe's id.
    pub id: String,
    /// Every feed item id it is known by.
    pub item_ids: Vec<ItemId>,
    /// Brand.
    pub brand: Option<String>,
    /// Title.
    pub title: String,
    /// Category (taxonomy id).
    pub category: Option<String>,
    /// The lowest current price.
    pub price: Option<MoneyView>,
    /// Price tier.
    pub tier: Option<String>,
    /// The fit score.
    pub score: f64,
    /// The signature entries it matches.
    pub matched: Vec<SignatureMatch>,
}

/// Catalog products ranked by how well they embody the aesthetic `term` names; `name` is the
/// aesthetic's. An unknown aesthetic is not found, with the known ones as candidates.
pub fn products(ws: &Workspace, term: &str, limit: usize) -> Result<(String, Page<FitItem>)> {
    crate::bounds::check_count("limit", limit, crate::search::MAX_LIMIT)?;
    let aesthetics = Aesthetics::bundled();
    let Some(aesthetic) = aesthetics.resolve(term) else {
        let known: Vec<String> = aesthetics.all().iter().map(|a| a.id.clone()).collect();
        return Err(Error::NotFound {
            message: format!(
                "no aesthetic {term:?}; known aesthetics: {}",
                known.join(", ")
            ),
            candidates: known,
        });
    };
    let store = ws.store()?;
    let scored = fitting(&*store, aesthetic)?;
    let rates = ws.rates(&*store)?;
    let today = ws.today()?;
    let reader = CatalogReader::new(&*store, &rates, today);
    let tiers = pointe_core::tiers::Tiers::load(Some(ws.dir()))?;
    let total = scored.len() as u64;
    let mut items = Vec::new();
    for (rank, (fit, product)) in scored.into_iter().take(limit).enumerate() {
        let summary = reader.list_one(&product)?;
        let tier = summary
            .lowest_price
            .as_ref()
            .and_then(|p| {
                let currency = pointe_core::money::Currency::from_code(&p.currency)?;
                pointe_core::money::Money::from_amount_str(&p.amount, currency).ok()
            })
            .and_then(|m| {
                tiers
                    .of(m, &rates, today)
                    .ok()
                    .flatten()
                    .map(str::to_string)
            });
        items.push(FitItem {
            rank: rank + 1,
            id: product.id.clone(),
            item_ids: summary.item_ids,
            brand: product.data.brand.clone(),
            title: product.data.title.clone(),
            category: product
                .data
                .attributes
                .as_ref()
                .and_then(|a| a.category.clone()),
            price: summary.lowest_price,
            tier,
            score: fit.score,
            matched: fit.matched,
        });
    }
    Ok((aesthetic.name.clone(), Page { items, total }))
}

/// Every product that fits `aesthetic`, best first.
fn fitting(store: &dyn Catalog, aesthetic: &Aesthetic) -> Result<Vec<(Fit, StoredProduct)>> {
    let mut scored = Vec::new();
    for_each_product(store, 5000, |p| -> Result<()> {
        if let Some(fit) = p
            .data
            .attributes
            .as_ref()
            .and_then(|attrs| pointe_core::trends::fit(aesthetic, attrs))
        {
            scored.push((fit, p));
        }
        Ok(())
    })?;
    scored.sort_by(|a, b| {
        b.0.score
            .total_cmp(&a.0.score)
            .then_with(|| b.0.matched.len().cmp(&a.0.matched.len()))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    Ok(scored)
}
