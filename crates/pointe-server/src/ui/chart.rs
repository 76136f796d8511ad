//! Charts drawn on the server as SVG: the geometry is computed here, the markup is in the
//! templates (`chart.html`, `sparkline.html`), and the look in the stylesheet (classes
//! only, no style attributes).

use askama::Template;

/// One line of a chart: its points as `(x, y)` in data units.
#[derive(Debug, Clone)]
pub struct Series {
    /// What the legend calls it.
    pub label: String,
    /// Its points, in order of x.
    pub points: Vec<(f64, f64)>,
}

/// A line chart ready for its template.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The drawing's width in SVG units.
    pub width: u32,
    /// The drawing's height in SVG units.
    pub height: u32,
    /// The lines.
    pub lines: Vec<ChartLine>,
    /// Labels of the vertical axis, with their grid lines.
    pub y_ticks: Vec<Tick>,
    /// Labels of the horizontal axis.
    pub x_ticks: Vec<Tick>,
    /// The left and right edges of the plot, for grid lines.
    pub left: String,
    /// See `left`.
    pub right: String,
    /// The bottom of the plot.
    pub bottom: String,
}

/// One drawn line.
#[derive(Debug, Clone)]
pub struct ChartLine {
    /// `line line-N`: the colour of the Nth line.
    pub class: String,
    /// The SVG `points` of a polyline.
    pub points: String,
    /// Its legend.
    pub label: String,
    /// Its points as dots, `(x, y)` in SVG units, when few enough to mark each one.
    pub dots: Vec<(String, String)>,
}

/// Lines with at most this many points have each point marked.
const DOTTED: usize = 40;

/// An axis label at a place.
#[derive(Debug, Clone)]
pub struct Tick {
    /// Where, in SVG units.
    pub x: String,
    /// Where, in SVG units.
    pub y: String,
    /// What it says.
    pub text: String,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// The range `[lo, hi]` of `values`, widened by `pad` each way when empty or flat so that
/// it has a width (by a tenth of the value when `pad` is `None`).
fn range(values: impl Iterator<Item = f64>, from_zero: bool, pad: Option<f64>) -> (f64, f64) {
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if from_zero {
        lo = lo.min(0.0);
    }
    if (hi - lo).abs() < f64::EPSILON {
        let pad = pad.unwrap_or(if hi.abs() > 1.0 { hi.abs() * 0.1 } else { 1.0 });
        lo -= pad;
        hi += pad;
    }
    (lo, hi)
}

fn scale(v: f64, (lo, hi): (f64, f64), a: f64, b: f64) -> f64 {
    a + (v - lo) / (hi - lo) * (b - a)
}

fn coord(v: f64) -> String {
    format!("{v:.1}")
}

/// A chart of `series`, its axes labelled by `x_text` and `y_text`; the vertical axis
/// starts at zero when `from_zero`.
pub fn line_chart(
    series: &[Series],
    x_text: &dyn Fn(f64) -> String,
    y_text: &dyn Fn(f64) -> String,
    from_zero: bool,
) -> Chart {
    let all = || series.iter().flat_map(|s| s.points.iter());
    // A single moment is drawn in the middle of a day either side.
    let xs = range(all().map(|p| p.0), false, Some(1.0));
    let ys = range(all().map(|p| p.1), from_zero, None);
    let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP);
    let lines = series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let at: Vec<(String, String)> = s
                .points
                .iter()
                .map(|&(x, y)| (coord(scale(x, xs, x0, x1)), coord(scale(y, ys, y0, y1))))
                .collect();
            ChartLine {
                class: format!("line line-{}", i % 4),
                points: at
                    .iter()
                    .map(|(x, y)| format!("{x},{y}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                label: s.label.clone(),
                dots: if at.len() <= DOTTED { at } else { Vec::new() },
            }
        })
        .collect();
    let y_ticks = (0..=3)
        .map(|i| {
            let v = ys.0 + (ys.1 - ys.0) * f64::from(i) / 3.0;
            Tick {
                x: coord(x0 - 6.0),
                y: coord(scale(v, ys, y0, y1)),
                text: y_text(v),
            }
        })
        .collect();
    let x_ticks = [0.0, 0.5, 1.0]
        .iter()
        .map(|f| Tick {
            x: coord(x0 + (x1 - x0) * f),
            y: coord(HEIGHT - 8.0),
            text: x_text(xs.0 + (xs.1 - xs.0) * f),
        })
        .collect();
    Chart {
        width: WIDTH as u32,
        height: HEIGHT as u32,
        lines,
        y_ticks,
        x_ticks,
        left: coord(x0),
        right: coord(x1),
        bottom: coord(y0),
    }
}

/// A small line of `values` (oldest first) from zero to their highest, for a table row.
#[derive(Debug, Clone)]
pub struct Sparkline {
    /// The SVG `points` of a polyline in a 120 × 32 box.
    pub points: String,
    /// Where the last point is, to mark it.
    pub last_x: String,
    /// See `last_x`.
    pub last_y: String,
}

/// The sparkline of `values`; none for fewer than two.
pub fn sparkline(values: &[f64]) -> Option<Sparkline> {
    if values.len() < 2 {
        return None;
    }
    let ys = range(values.iter().copied(), true, None);
    let xs = (0.0, (values.len() - 1) as f64);
    let at = |i: usize, v: f64| (scale(i as f64, xs, 2.0, 118.0), scale(v, ys, 30.0, 2.0));
    let points = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let (x, y) = at(i, v);
            format!("{},{}", coord(x), coord(y))
        })
        .collect::<Vec<_>>()
        .join(" ");
    let (x, y) = at(values.len() - 1, values[values.len() - 1]);
    Some(Sparkline {
        points,
        last_x: coord(x),
        last_y: coord(y),
    })
}

/// A chart in a page: its drawing, an id unique in the page and the title read aloud.
#[derive(Debug, Template)]
#[template(path = "chart.html")]
pub struct ChartView {
    /// The drawing.
    pub chart: Chart,
    /// Unique in the page (it names the title element).
    pub id: String,
    /// What the chart shows, for people who cannot see it.
    pub title: String,
}

/// A sparkline in a page with its label.
#[derive(Debug, Template)]
#[template(path = "sparkline.html")]
pub struct SparkView {
    /// The drawing.
    pub spark: Sparkline,
    /// What it shows, for people who cannot see it.
    pub label: String,
}

// Both render through their own escaping template, so their output is markup, not text to
// escape again.
impl askama::filters::HtmlSafe for ChartView {}
impl askama::filters::HtmlSafe for SparkView {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rising_line_ends_higher_on_the_page_than_it_starts() {
        let chart = line_chart(
            &[Series {
                label: "a".into(),
                points: vec![(0.0, 10.0), (1.0, 20.0), (2.0, 40.0)],
            }],
            &|x| format!("{x}"),
            &|y| format!("{y}"),
            true,
        );
        let points: Vec<(f64, f64)> = chart.lines[0]
            .points
            .split(' ')
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        assert_eq!(points.len(), 3);
        assert!(points[0].0 < points[2].0);
        assert!(points[2].1 < points[0].1, "SVG y grows downwards");
        assert_eq!(chart.y_ticks[0].text, "0", "the axis starts at zero");
        assert_eq!(chart.y_ticks[3].text, "40");
    }

    #[test]
    fn a_flat_or_single_point_series_still_has_a_range() {
        let chart = line_chart(
            &[Series {
                label: "a".into(),
                points: vec![(5.0, 120.0)],
            }],
            &|x| format!("{x}"),
            &|y| format!("{y:.0}"),
            false,
        );
        assert!(!chart.lines[0].points.contains("NaN"));
        assert!(sparkline(&[1.0]).is_none());
        let flat = sparkline(&[0.0, 0.0, 0.0]).unwrap();
        assert!(!flat.points.contains("NaN"));
    }
}
