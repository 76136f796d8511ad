//! An edit's trend line: what it may claim, and in whose words.
//!
//! A computed line names the metric and source as imported ("Google search interest
//! (worldwide)", "Pinterest search volume", "TikTok: weekly sampled videos") and the periods it
//! compares, and is printed under "Trending:" only when the series' Mann–Kendall test over the
//! analysis window is significantly upward (p < 0.05) and its year-on-year growth is positive.
//! Otherwise the edit gets no trend line and the editor is warned; they may still state a
//! figure of their own with its source.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::store::Catalog;
use crate::trends::{AnalysisOptions, Granularity, Series, TrendSource};
use crate::{Error, Result};

/// The largest figure an editor may state, in percent.
pub const MAX_EDITOR_FIGURE: f64 = 100_000.0;

/// The trend line of an edit and where its figure comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendCitation {
    /// The trend term, e.g. `balletcore`.
    pub term: String,
    /// The line printed: "TikTok: weekly sampled videos up 148% year on year (week of 4 Nov
    /// 2024 against week of 6 Nov 2023)".
    pub line: String,
    /// The growth figure in percent.
    pub figure: f64,
    /// Who measured it, and what: "Google search interest (worldwide)", or the editor's source.
    pub source: String,
    /// True when Pointe computed it from imported series; false when the editor supplied it.
    pub computed: bool,
    /// True when the line may be printed under "Trending:": a rising figure. A falling editor
    /// figure is printed as a plain line ("Pinterest: down 12%").
    #[serde(default = "yes")]
    pub trending: bool,
    /// The Mann–Kendall p-value of the series cited, when computed.
    #[serde(default)]
    pub p_value: Option<f64>,
}

fn yes() -> bool {
    true
}

impl TrendCitation {
    /// The line to print under "Trending:", when the figure is rising.
    pub fn published_line(&self) -> Option<String> {
        (self.trending && self.figure > 0.0).then(|| self.line.clone())
    }

    /// The line to print without "Trending:" (a falling editor figure), when there is one.
    pub fn plain_line(&self) -> Option<String> {
        (self.published_line().is_none()).then(|| self.line.clone())
    }
}

/// A trend citation worked out for an edit, with what the editor should know.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendOutcome {
    /// The citation; `None` when the term's series may not be cited as a trend.
    pub citation: Option<TrendCitation>,
    /// Why no line was cited, or anything else the editor should check.
    pub warnings: Vec<String>,
}

/// Checks an editor's figure: finite and in (−100, 100000]. Refused figures are a usage error.
pub fn check_editor_figure(figure: f64) -> Result<f64> {
    if !figure.is_finite() || figure <= -100.0 || figure > MAX_EDITOR_FIGURE {
        return Err(Error::Usage(format!(
            "--trend-figure {figure}: give a finite percentage above -100 and at most 100000 \
             (1566 for \"up 1,566%\", -12 for \"down 12%\")"
        )));
    }
    Ok(figure)
}

/// Works out an edit's trend line: the editor's figure and source when given, else Pointe's
/// own year-on-year growth of the term's imported series, when a series is significantly
/// rising. A term with no series and no figure is an error.
pub fn cite_trend(
    store: &dyn Catalog,
    term: &str,
    editor_figure: Option<(f64, String)>,
) -> Result<TrendOutcome> {
    if let Some((figure, source)) = editor_figure {
        return editor_citation(term, figure, &source).map(|c| TrendOutcome {
            citation: Some(c),
            warnings: Vec::new(),
        });
    }
    let aesthetics = crate::trends::Aesthetics::bundled();
    let key = aesthetics
        .resolve(term)
        .map(|a| a.id.clone())
        .unwrap_or_else(|| crate::trends::normalise_term(term));
    // The term as written first ("fall outfits" is not "fall"), then the aesthetic it names.
    let mut series = crate::trends::series_for(store, term)?;
    if series.is_empty() {
        series = store.trend_series(Some(&key))?;
    }
    if series.is_empty() {
        return Err(Error::Usage(format!(
            "no trend series for {term:?}: import one with `pointe trends import`, or give \
             the editor's figure with --trend-figure and --trend-source"
        )));
    }
    // Google first, as before; within a source, the order the store gives.
    series.sort_by_key(|s| s.source != TrendSource::GoogleTrends);
    let mut warnings = Vec::new();
    for s in &series {
        match computed_citation(term, s) {
            Ok(c) => {
                return Ok(TrendOutcome {
                    citation: Some(c),
                    warnings,
                });
            }
            Err(why) => warnings.push(why),
        }
    }
    warnings.push(format!(
        "no \"Trending:\" line for {term:?}: no imported series is significantly rising; give \
         the editor's figure with --trend-figure and --trend-source to state one"
    ));
    Ok(TrendOutcome {
        citation: None,
        warnings,
    })
}

fn editor_citation(term: &str, figure: f64, source: &str) -> Result<TrendCitation> {
    let figure = check_editor_figure(figure)?;
    let source = source.trim();
    if source.is_empty() {
        return Err(Error::Usage(
            "--trend-source must name who measured the figure".into(),
        ));
    }
    let direction = if figure >= 0.0 { "up" } else { "down" };
    Ok(TrendCitation {
        term: term.to_string(),
        line: format!("{source}: {direction} {}%", group_thousands(figure.abs())),
        figure,
        source: source.to_string(),
        computed: false,
        trending: figure > 0.0,
        p_value: None,
    })
}

/// The citation of one series, or why it may not be cited.
fn computed_citation(term: &str, s: &Series) -> std::result::Result<TrendCitation, String> {
    let analysis = crate::trends::analyse(s, &AnalysisOptions::default());
    let label = measure_label(s);
    let mk = analysis.mann_kendall;
    let Some(figure) = analysis.growth_yoy.percent() else {
        return Err(format!(
            "{label} for {term:?} has no year-on-year growth to cite ({})",
            analysis.growth_yoy
        ));
    };
    if mk.falling() {
        return Err(format!(
            "{label} for {term:?} is declining over its last {} points (Mann–Kendall p = {:.2}): \
             not cited as a trend",
            mk.n, mk.p_value
        ));
    }
    if figure <= 0.0 {
        return Err(format!(
            "{label} for {term:?} is down {:.1}% year on year: not cited as a trend",
            figure.abs()
        ));
    }
    if !mk.rising() {
        return Err(format!(
            "{label} for {term:?} is up {:.1}% year on year but its trend test is not \
             significant (Mann–Kendall p = {:.2} over {} points): not cited as a trend",
            figure, mk.p_value, mk.n
        ));
    }
    let period = analysis
        .latest
        .map(|(d, _)| format!(" ({})", compared(d, s.granularity)))
        .unwrap_or_default();
    Ok(TrendCitation {
        term: term.to_string(),
        line: format!(
            "{label} up {}% year on year{period}",
            group_thousands(figure)
        ),
        figure,
        source: label,
        computed: true,
        trending: true,
        p_value: Some(mk.p_value),
    })
}

/// What a series measures, in a reader's words, with its source and region.
fn measure_label(s: &Series) -> String {
    let region = s
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    let metric = s.metric.replace('_', " ");
    match &s.source {
        TrendSource::GoogleTrends | TrendSource::Pytrends => {
            format!("Google {metric}{region}")
        }
        TrendSource::Pinterest => format!("Pinterest search volume{region}"),
        TrendSource::Tiktok => format!(
            "TikTok{region}: {} sampled {metric}",
            match s.granularity {
                Granularity::Day => "daily",
                Granularity::Week => "weekly",
                Granularity::Month => "monthly",
            }
        ),
        TrendSource::Other(name) => format!("{name}{region}: {metric}"),
    }
}

/// "Mar 2026 against Mar 2025", "week of 4 Nov 2024 against week of 6 Nov 2023".
fn compared(latest: Date, granularity: Granularity) -> String {
    let earlier = match granularity {
        Granularity::Month => latest.checked_sub(jiff::Span::new().years(1)),
        Granularity::Week => latest.checked_sub(jiff::Span::new().days(364)),
        Granularity::Day => latest.checked_sub(jiff::Span::new().days(365)),
    };
    let show = |d: Date| match granularity {
        Granularity::Month => d.strftime("%b %Y").to_string(),
        Granularity::Week => format!("week of {}", d.strftime("%-d %b %Y")),
        Granularity::Day => d.strftime("%-d %b %Y").to_string(),
    };
    match earlier {
        Ok(e) => format!("{} against {}", show(latest), show(e)),
        Err(_) => show(latest),
    }
}

/// `1566` → `1,566`; one decimal kept when the figure has one.
pub(crate) fn group_thousands(figure: f64) -> String {
    let rounded = (figure * 10.0).round() / 10.0;
    let whole = rounded.trunc() as i64;
    let frac = ((rounded - whole as f64).abs() * 10.0).round() as i64;
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if whole < 0 { "-" } else { "" };
    if frac == 0 {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}
