//! `/trends` (every series by stage, with momentum, growth and a sparkline) and
//! `/trends/{term}` (its chart, growth with the metric named, the trend test, related
//! queries and the products that fit its aesthetic).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use pointe_app::ErrorCode;
use pointe_app::trends::{FitItem, RelatedItem, SeriesView, TermTrends, TrendRow};
use pointe_core::trends::Analysis;

use super::chart::{self, ChartView, Series, SparkView};
use super::error::{PageError, PageResult};
use super::view::{Html, Layout, href, label, render, segment};
use crate::params::Params;
use crate::state::AppState;

/// Stages in the order the dashboard shows them.
const STAGES: &[(&str, &str)] = &[
    ("emerging", "Emerging"),
    ("rising", "Rising"),
    ("peaking", "Peaking"),
    ("post_peak", "Past their peak"),
    ("declining", "Declining"),
    ("dormant", "Dormant"),
];

/// The most fitting products a term page shows.
const FITTING: usize = 8;

#[derive(Debug, Template)]
#[template(path = "trends.html")]
struct TrendsPage {
    layout: Layout,
    window: usize,
    total: usize,
    stages: Vec<StageGroup>,
}

#[derive(Debug)]
struct StageGroup {
    id: &'static str,
    name: &'static str,
    rows: Vec<RowView>,
}

#[derive(Debug)]
struct RowView {
    href: String,
    term: String,
    aesthetic: Option<String>,
    source: String,
    region: Option<String>,
    metric: String,
    momentum: String,
    growth_yoy: String,
    growth_pop: String,
    significant: bool,
    spark: Option<SparkView>,
}

/// `GET /trends?window=`: every stored series, grouped by stage, rising ones by momentum.
pub async fn list(State(state): State<AppState>, RawQuery(query): RawQuery) -> PageResult<Html> {
    let p = Params::parse(query.as_deref(), &["window"])?;
    let window = p.number("window", 12, 2, 520)?;
    let rows = state
        .blocking(move |ws| {
            let options = pointe_app::trends::options(window, None)?;
            pointe_app::trends::rows(ws, &options)
        })
        .await?;
    let total = rows.len();
    let mut views: Vec<(String, RowView)> = rows.into_iter().map(row_view).collect();
    let stages = STAGES
        .iter()
        .map(|(id, name)| StageGroup {
            id,
            name,
            rows: take_stage(&mut views, id),
        })
        .filter(|g| !g.rows.is_empty())
        .collect();
    render(&TrendsPage {
        layout: Layout::new("Trends", "trends"),
        window,
        total,
        stages,
    })
}

fn take_stage(views: &mut Vec<(String, RowView)>, stage: &str) -> Vec<RowView> {
    let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(views)
        .into_iter()
        .partition(|(s, _)| s == stage);
    *views = rest;
    mine.into_iter().map(|(_, v)| v).collect()
}

fn row_view(row: TrendRow) -> (String, RowView) {
    let i = row.item;
    let spark = chart::sparkline(&row.values).map(|spark| SparkView {
        spark,
        label: format!(
            "{} over time, latest {}",
            i.term,
            i.latest_value.map_or("none".into(), |v| format!("{v}"))
        ),
    });
    let view = RowView {
        href: format!("/trends/{}", segment(&i.term)),
        aesthetic: i.aesthetic.clone(),
        source: label(&i.source),
        region: i.region.clone(),
        metric: label(&i.metric),
        momentum: format!("{:+.1}%", i.momentum),
        growth_yoy: i.growth_yoy.clone(),
        growth_pop: i.growth_pop.clone(),
        significant: i.significant_rise,
        spark,
        term: i.term,
    };
    (i.stage, view)
}

#[derive(Debug, Template)]
#[template(path = "trend.html")]
struct TermPage {
    layout: Layout,
    term: String,
    series: Vec<SeriesBlock>,
    top: Vec<RelatedView>,
    rising: Vec<RelatedView>,
    aesthetic: Option<String>,
    products: Vec<FitView>,
}

#[derive(Debug)]
struct SeriesBlock {
    heading: String,
    chart: ChartView,
    stage: String,
    metric: String,
    figures: Vec<(String, String)>,
    test: Vec<(String, String)>,
}

#[derive(Debug)]
struct RelatedView {
    href: String,
    query: String,
    shown: String,
}

#[derive(Debug)]
struct FitView {
    href: String,
    brand: Option<String>,
    title: String,
    price: Option<String>,
    tier: Option<String>,
    matched: String,
}

/// `GET /trends/{term}?window=`: one term (as written, its key or its aesthetic); an unknown
/// one answers 404 with the imported terms as links.
pub async fn show(
    State(state): State<AppState>,
    Path(term): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult<Html> {
    let p = Params::parse(query.as_deref(), &["window"])?;
    let window = p.number("window", 12, 2, 520)?;
    let asked = term.clone();
    let (shown, fitting) = state
        .blocking(move |ws| {
            let options = pointe_app::trends::options(window, None)?;
            let shown = pointe_app::trends::show(ws, &asked, &options)?;
            let fitting = match pointe_app::trends::products(ws, &asked, FITTING) {
                Ok(found) => Some(found),
                Err(e) if e.code() == ErrorCode::NotFound => None,
                Err(e) => return Err(e),
            };
            Ok((shown, fitting))
        })
        .await
        .map_err(|e| PageError::from_api(e, "/trends/"))?;
    render(&term_page(term, shown, fitting))
}

fn term_page(
    term: String,
    shown: TermTrends,
    fitting: Option<(String, pointe_app::products::Page<FitItem>)>,
) -> TermPage {
    let related = |kind: &str| -> Vec<RelatedView> {
        shown
            .related
            .iter()
            .filter(|r| r.kind == kind)
            .map(related_view)
            .collect()
    };
    let (aesthetic, products) = match fitting {
        Some((name, page)) => (Some(name), page.items.iter().map(fit_view).collect()),
        None => (None, Vec::new()),
    };
    TermPage {
        layout: Layout::new(format!("{term} — trend"), "trends"),
        series: shown
            .items
            .iter()
            .enumerate()
            .map(|(i, s)| series_block(i, s))
            .collect(),
        top: related("top"),
        rising: related("rising"),
        aesthetic,
        products,
        term,
    }
}

fn series_block(i: usize, s: &SeriesView) -> SeriesBlock {
    let id = &s.id;
    let metric = label(&id.metric);
    let heading = format!(
        "{} · {}{}",
        label(&id.source),
        id.region.as_deref().unwrap_or("every region"),
        if id.scale_group.is_empty() {
            String::new()
        } else {
            format!(" · scale group {}", id.scale_group)
        }
    );
    SeriesBlock {
        chart: ChartView {
            chart: series_chart(s, &metric),
            id: format!("series-{i}"),
            title: format!("{} {metric} over time, {heading}", id.term),
        },
        stage: label(s.analysis.stage.as_str()),
        figures: figures(&s.analysis, &metric),
        test: trend_test(&s.analysis),
        metric,
        heading,
    }
}

/// The series' values over its dates, from zero; the axis reads the nearest point's date.
fn series_chart(s: &SeriesView, metric: &str) -> chart::Chart {
    let dated: Vec<(f64, f64, String)> = s
        .series
        .points
        .iter()
        .map(|p| (day_of(p.date), p.value, p.date.to_string()))
        .collect();
    let date_at = |x: f64| {
        dated
            .iter()
            .min_by(|a, b| (a.0 - x).abs().total_cmp(&(b.0 - x).abs()))
            .map(|d| d.2.clone())
            .unwrap_or_default()
    };
    chart::line_chart(
        &[Series {
            label: format!("{} ({metric})", s.id.term),
            points: dated.iter().map(|d| (d.0, d.1)).collect(),
        }],
        &date_at,
        &|v| format!("{v:.0}"),
        true,
    )
}

/// Growth figures, each naming the metric it is of.
fn figures(a: &Analysis, metric: &str) -> Vec<(String, String)> {
    let at = |p: Option<(jiff::civil::Date, f64)>| {
        p.map_or("none".into(), |(d, v)| format!("{v} on {d}"))
    };
    vec![
        (
            format!("{metric}, year over year"),
            a.growth_yoy.to_string(),
        ),
        (
            format!("{metric}, period over period"),
            a.growth_pop.to_string(),
        ),
        (
            "Momentum over the window".into(),
            format!("{:+.1}%", a.momentum),
        ),
        (format!("Latest {metric}"), at(a.latest)),
        (format!("Peak {metric}"), at(a.peak)),
    ]
}

/// The trend test's figures: Mann–Kendall, Theil–Sen, the robust z-score.
fn trend_test(a: &Analysis) -> Vec<(String, String)> {
    vec![
        (
            "Mann–Kendall p-value".into(),
            format!("{:.4}", a.mann_kendall.p_value),
        ),
        ("Kendall's τ".into(), format!("{:.3}", a.mann_kendall.tau)),
        ("Points tested".into(), a.mann_kendall.n.to_string()),
        (
            "Theil–Sen slope (share of peak per period)".into(),
            format!("{:.4}", a.theil_sen_slope),
        ),
        (
            "Robust z of the latest points".into(),
            format!("{:.2}", a.robust_z),
        ),
        (
            "Seasonally adjusted".into(),
            if a.seasonal { "yes" } else { "no" }.into(),
        ),
    ]
}

/// Days since 1970 of `date`, for the chart's horizontal axis.
fn day_of(date: jiff::civil::Date) -> f64 {
    date.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_second() as f64 / 86_400.0)
        .unwrap_or(0.0)
}

fn related_view(r: &RelatedItem) -> RelatedView {
    RelatedView {
        href: href("/search", &[("q".to_string(), r.query.clone())]),
        query: r.query.clone(),
        shown: r.shown.clone(),
    }
}

fn fit_view(f: &FitItem) -> FitView {
    FitView {
        href: format!("/products/{}", segment(&f.id)),
        brand: f.brand.clone(),
        title: f.title.clone(),
        price: f.price.as_ref().map(|p| p.display.clone()),
        tier: f.tier.as_deref().map(label),
        matched: f
            .matched
            .iter()
            .map(|m| label(&m.value))
            .collect::<Vec<_>>()
            .join(", "),
    }
}
