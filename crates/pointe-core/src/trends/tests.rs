//! Tests of reading and analysing trend files: the shared real exports, the fixtures, and
//! properties of the analysis.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::civil::{Date, date};
use proptest::prelude::*;

use super::*;
use crate::Error;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/trends")
        .join(name)
}

/// A path under the shared `data/trends/` folder (see [`crate::test_support::shared_data`]).
fn shared(relative: &str) -> Option<PathBuf> {
    crate::test_support::shared_data(&format!("trends/{relative}"))
}

fn read(path: &Path) -> TrendFile {
    read_trend_file(path, &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{} should read: {e}", path.display()))
}

fn series(granularity: Granularity, points: Vec<Point>) -> Series {
    Series {
        term: "test".into(),
        key: "test".into(),
        source: TrendSource::Other("test".into()),
        region: None,
        segment: None,
        granularity,
        scale_group: "test".into(),
        metric: "search_interest".into(),
        points,
    }
}

fn point(date: Date, value: f64) -> Point {
    Point {
        date,
        value,
        censored: false,
        partial: false,
    }
}

/// A monthly series from January 2020 on.
fn monthly(values: &[f64]) -> Series {
    let start = date(2020, 1, 1);
    let points = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            point(
                start
                    .checked_add(jiff::Span::new().months(i as i64))
                    .unwrap(),
                *v,
            )
        })
        .collect();
    series(Granularity::Month, points)
}

/// A weekly series from Sunday 2020-01-05 on; `None` is a gap.
fn weekly(values: &[Option<f64>]) -> Series {
    let start = date(2020, 1, 5);
    let points = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            v.map(|v| {
                point(
                    start
                        .checked_add(jiff::Span::new().days(7 * i as i64))
                        .unwrap(),
                    v,
                )
            })
        })
        .collect();
    series(Granularity::Week, points)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn bad_file(result: crate::Result<TrendFile>) -> (PathBuf, Option<u64>, String) {
    match result {
        Err(Error::BadFile {
            path,
            line,
            message,
        }) => (path, line, message),
        Err(other) => panic!("expected a bad-file error, got {other}"),
        Ok(file) => panic!("expected an error, read {:?}", file.layout),
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_shared_trend_file_reads_with_its_layout_terms_regions_and_points() {
    let Some(root) = shared("") else { return };
    let mut paths = Vec::new();
    walk(&root, &mut paths);
    assert_eq!(paths.len(), 21, "{paths:?}");
    let mut files: BTreeMap<String, TrendFile> = BTreeMap::new();
    for path in &paths {
        let relative = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        files.insert(relative, read(path));
    }
    for (name, file) in &files {
        for s in &file.series {
            assert!(
                s.points.windows(2).all(|w| w[0].date < w[1].date),
                "{name}: {} is not sorted",
                s.term
            );
            assert!(
                s.points
                    .iter()
                    .all(|p| p.value.is_finite() && p.value >= 0.0)
            );
        }
        eprintln!(
            "{name}: {} ({} series, {} related, group {})",
            file.layout.as_str(),
            file.series.len(),
            file.related.len(),
            file.series.first().map_or("-", |s| s.scale_group.as_str()),
        );
    }

    let monthly_terms = [
        ("balletcore.csv", "Balletcore", "balletcore"),
        ("clean_girl.csv", "clean girl aesthetic", "clean_girl"),
        (
            "coastal_grandmother.csv",
            "coastal grandmother",
            "coastal_grandmother",
        ),
        ("coquette.csv", "coquette aesthetic", "coquette"),
        ("cottagecore.csv", "Cottagecore", "cottagecore"),
        ("dark_academia.csv", "dark academia", "dark_academia"),
        ("e_girl.csv", "e-girl aesthetic", "e_girl"),
        ("indie_sleaze.csv", "indie sleaze", "indie_sleaze"),
        ("latte_makeup.csv", "latte makeup", "latte_makeup"),
        ("opium_aesthetic.csv", "opium aesthetic", "opium"),
        (
            "pilates_princess.csv",
            "pilates princess",
            "pilates_princess",
        ),
        ("quiet_luxury.csv", "Quiet Luxury", "quiet_luxury"),
        (
            "rockstar_girlfriend.csv",
            "rockstar girlfriend aesthetic",
            "rockstar_girlfriend",
        ),
        ("soap_brows.csv", "soap brows", "soap_brows"),
        ("vsco_girl.csv", "VSCO Girl", "vsco_girl"),
    ];
    for (file_name, term, key) in monthly_terms {
        let file = &files[&format!("google-trends-monthly/{file_name}")];
        assert_eq!(file.layout, Layout::GoogleQuoted, "{file_name}");
        assert_eq!(file.series.len(), 1);
        let s = &file.series[0];
        assert_eq!((s.term.as_str(), s.key.as_str()), (term, key));
        assert_eq!(s.granularity, Granularity::Month);
        assert_eq!(s.source, TrendSource::GoogleTrends);
        assert_eq!(s.region, None);
        assert_eq!(s.metric, "search_interest");
        assert_eq!(s.points.len(), 75, "{file_name}: 2020-01 … 2026-03");
        assert_eq!(s.points[0].date, date(2020, 1, 1));
        assert_eq!(s.points[74].date, date(2026, 3, 1));
    }

    let airpods = &files["google-trends-classic/multiTimeline-airpods-pro-us.csv"];
    assert_eq!(airpods.layout, Layout::GoogleClassic);
    let s = &airpods.series[0];
    assert_eq!(
        (s.term.as_str(), s.key.as_str()),
        ("airpods pro", "airpods_pro")
    );
    assert_eq!(s.region.as_deref(), Some("United States"));
    assert_eq!(s.granularity, Granularity::Week);
    assert_eq!(s.points.len(), 52);
    let yeezy = &files["google-trends-classic/multiTimeline-yeezy-us.csv"];
    assert_eq!(yeezy.layout, Layout::GoogleClassic);
    assert_eq!(yeezy.series[0].term, "yeezy");
    assert_eq!(yeezy.series[0].region.as_deref(), Some("United States"));
    assert_eq!(yeezy.series[0].points.len(), 205);
    assert_eq!(yeezy.series[0].points[0].date, date(2015, 5, 3));
    assert_ne!(
        yeezy.series[0].scale_group, s.scale_group,
        "one file, one group"
    );

    let related = &files["google-trends-classic/relatedQueries-airpods-pro-us.csv"];
    assert_eq!(related.layout, Layout::GoogleRelatedQueries);
    assert!(related.series.is_empty());

    let long = &files["google-trends-weekly-long/google_trends.csv"];
    assert_eq!(long.layout, Layout::Long);
    assert_eq!(long.series.len(), 36);
    for s in &long.series {
        assert_eq!(s.points.len(), 262, "{}", s.term);
        assert_eq!(s.granularity, Granularity::Week);
        assert_eq!(s.source, TrendSource::GoogleTrends);
        assert_eq!(s.metric, "search_interest");
    }
    let satin = long
        .series
        .iter()
        .find(|s| s.term == "fabric_satin")
        .unwrap();
    assert_eq!(satin.key, "satin");
    assert_eq!(satin.points[0].date, date(2020, 8, 4));

    for (file_name, metric) in [
        ("tiktok-weekly/tiktok-weekly-views.csv", "views"),
        ("tiktok-weekly/tiktok-weekly-videos.csv", "videos"),
    ] {
        let file = &files[file_name];
        assert_eq!(file.layout, Layout::TermDateValue);
        assert_eq!(file.series.len(), 6);
        for s in &file.series {
            assert_eq!(s.source, TrendSource::Tiktok);
            assert_eq!(s.metric, metric);
            assert_eq!(s.granularity, Granularity::Week);
        }
    }
}

#[test]
fn classic_less_than_one_cells_are_censored_points() {
    let Some(path) = shared("google-trends-classic/multiTimeline-airpods-pro-us.csv") else {
        return;
    };
    let s = &read(&path).series[0];
    let first = s.points[0];
    assert_eq!(first.date, date(2018, 11, 11));
    assert!(first.censored, "2018-11-11 is `<1`");
    assert_eq!(first.value, 0.5);
    let second = s.points[1];
    assert_eq!(second.date, date(2018, 11, 18));
    assert!(!second.censored);
    assert_eq!(second.value, 1.0);
    assert_eq!(s.points.iter().filter(|p| p.censored).count(), 11);
    let peak = s.points.iter().find(|p| p.value == 100.0).unwrap();
    assert_eq!(peak.date, date(2019, 10, 27));
    // Censored points are above zero: the onset is the first `<1`, not the first 1.
    let analysis = analyse(s, &AnalysisOptions::default());
    assert_eq!(analysis.onset, Some(date(2018, 11, 11)));
    assert!(analysis.robust_z.is_finite() && analysis.momentum.is_finite());
}

#[test]
fn related_queries_read_top_and_rising_with_breakout() {
    let Some(path) = shared("google-trends-classic/relatedQueries-airpods-pro-us.csv") else {
        return;
    };
    let file = read(&path);
    let top: Vec<&RelatedQuery> = file
        .related
        .iter()
        .filter(|q| q.kind == RelatedKind::Top)
        .collect();
    let rising: Vec<&RelatedQuery> = file
        .related
        .iter()
        .filter(|q| q.kind == RelatedKind::Rising)
        .collect();
    assert_eq!((top.len(), rising.len()), (25, 25));
    assert!(file.related.iter().all(|q| q.term == "airpods pro"));
    assert_eq!(top[0].query, "airpods pro apple");
    assert_eq!(top[0].value, RelatedValue::Score(100));
    assert_eq!(top[24].query, "connect airpods to macbook");
    assert_eq!(top[24].value, RelatedValue::Score(16));
    assert!(rising.iter().all(|q| q.value == RelatedValue::Breakout));
    assert_eq!(rising[0].query, "airpods pro vs powerbeats pro");
}

#[test]
fn balletcore_onset_peak_and_growth_at_2026_03() {
    let Some(path) = shared("google-trends-monthly/balletcore.csv") else {
        return;
    };
    let s = &read(&path).series[0];
    let a = analyse(s, &AnalysisOptions::default());
    eprintln!("balletcore: {a:#?}");
    eprintln!("balletcore: {}", sparkline(&s.points));
    assert_eq!(a.onset, Some(date(2022, 2, 1)));
    assert_eq!(a.peak, Some((date(2023, 2, 1), 100.0)));
    assert_eq!(a.latest, Some((date(2026, 3, 1), 42.0)));
    // Year on year: 42 (2026-03) against 21 (2025-03).
    assert_eq!(a.growth_yoy.percent().map(round1), Some(100.0));
    // Month on month: 42 against 53 (2026-02).
    assert_eq!(a.growth_pop.percent().map(round1), Some(-20.8));
    let at = Some(date(2026, 3, 1));
    assert_eq!(growth_over(s, at, 12), a.growth_yoy);
    assert_eq!(growth_over(s, at, 1), a.growth_pop);
    assert!((0.0..=1.0).contains(&a.mann_kendall.p_value));
    assert!(a.seasonal, "75 months hold more than three seasons");
    // Analysed as of its first year, balletcore is new.
    let early = analyse(
        s,
        &AnalysisOptions {
            at: Some(date(2022, 6, 1)),
            ..AnalysisOptions::default()
        },
    );
    assert_eq!(early.stage, Stage::Emerging);
    assert_eq!(early.peak, Some((date(2022, 2, 1), 45.0)));
    assert_eq!(early.growth_yoy, Growth::New, "0 in 2021-06, 9 in 2022-06");
}

#[test]
fn long_weekly_file_ranked_by_momentum_over_the_last_12_weeks() {
    let Some(path) = shared("google-trends-weekly-long/google_trends.csv") else {
        return;
    };
    let file = read(&path);
    assert_eq!(file.series.len(), 36);
    let options = AnalysisOptions {
        at: None,
        window: 12,
    };
    let analyses = analyse_many(&file.series, &options);
    for (s, a) in file.series.iter().zip(&analyses) {
        assert_eq!(*a, analyse(s, &options), "analyse_many agrees with analyse");
    }
    let items: Vec<(Series, Analysis)> = file.series.iter().cloned().zip(analyses).collect();
    let ranked = rank_by_momentum(&items);
    assert_eq!(ranked.len(), 36);
    for (i, r) in ranked.iter().enumerate() {
        assert_eq!(r.rank, i + 1);
        assert!((0.0..=1.0).contains(&r.mann_kendall.p_value), "{}", r.term);
        assert!(r.momentum.is_finite());
        assert_eq!(
            r.window_points, 12,
            "{}: no gaps in the last 12 weeks",
            r.term
        );
        assert_eq!(r.at, Some(date(2025, 8, 5)));
    }
    assert!(
        ranked_in_groups(&ranked),
        "significant rises first, each group by momentum"
    );
    eprintln!("top 10 of 36 terms by momentum, 12 weeks to 2025-08-05:");
    for r in ranked.iter().take(10) {
        let s = &items.iter().find(|(s, _)| s.term == r.term).unwrap().0;
        let tail = &s.points[s.points.len() - 12..];
        eprintln!(
            "{:>2}. {:<30} momentum {:+7.1}  MK p={:.4} τ={:+.2}  {:<9} {}  | {}",
            r.rank,
            r.term,
            r.momentum,
            r.mann_kendall.p_value,
            r.mann_kendall.tau,
            r.stage.as_str(),
            sparkline(tail),
            r.justification()
        );
    }
}

#[test]
fn tiktok_weekly_series_keep_their_gaps() {
    for (file_name, metric) in [
        ("tiktok-weekly/tiktok-weekly-views.csv", "views"),
        ("tiktok-weekly/tiktok-weekly-videos.csv", "videos"),
    ] {
        let Some(path) = shared(file_name) else {
            return;
        };
        let file = read(&path);
        let keys: Vec<&str> = file.series.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "barbiecore",
                "blokecore",
                "coastal_girl",
                "mermaidcore",
                "quiet_luxury",
                "tomato_girl"
            ]
        );
        let counts: Vec<usize> = file.series.iter().map(|s| s.points.len()).collect();
        assert_eq!(counts, [100, 99, 100, 99, 99, 95]);
        let tomato = file
            .series
            .iter()
            .find(|s| s.term == "tomato girl")
            .unwrap();
        let has = |d: Date| tomato.points.iter().any(|p| p.date == d);
        assert!(has(date(2023, 2, 13)) && has(date(2023, 2, 27)));
        for missing in [date(2023, 2, 20), date(2023, 4, 10), date(2023, 5, 1)] {
            assert!(!has(missing), "{missing} is a gap, not a zero point");
        }
        let line = sparkline(&tomato.points);
        assert_eq!(line.chars().count(), 98, "95 weeks and 3 gaps");
        assert_eq!(line.chars().filter(|c| *c == ' ').count(), 3);
        let aesthetics = Aesthetics::bundled();
        for s in &file.series {
            assert!(
                aesthetics.resolve(&s.term).is_some(),
                "{} is an aesthetic",
                s.term
            );
            let a = analyse(s, &AnalysisOptions::default());
            eprintln!(
                "{metric:>6} {:<13} {:>3} weeks {} → {}  peak {:?}  {:<9} momentum {:+.1} p={:.3}\n       {}",
                s.term,
                s.points.len(),
                s.points[0].date,
                s.points[s.points.len() - 1].date,
                a.peak,
                a.stage.as_str(),
                a.momentum,
                a.mann_kendall.p_value,
                sparkline(&s.points)
            );
        }
    }
}

#[test]
fn an_all_zero_series_is_dormant_with_p_value_one() {
    let s = monthly(&[0.0; 40]);
    let a = analyse(&s, &AnalysisOptions::default());
    assert_eq!(a.stage, Stage::Dormant);
    assert_eq!(a.mann_kendall.p_value, 1.0);
    assert_eq!(a.mann_kendall.s, 0);
    assert_eq!((a.onset, a.peak), (None, None));
    assert_eq!((a.growth_pop, a.growth_yoy), (Growth::Flat, Growth::Flat));
    assert_eq!((a.momentum, a.robust_z, a.theil_sen_slope), (0.0, 0.0, 0.0));
    let empty = analyse(&monthly(&[]), &AnalysisOptions::default());
    assert_eq!(empty.stage, Stage::Dormant);
    assert_eq!(empty.growth_pop, Growth::NoData);
    assert_eq!(empty.mann_kendall.p_value, 1.0);
}

#[test]
fn a_series_rising_from_zero_is_new_not_infinite() {
    let mut values = vec![0.0; 20];
    values.extend([3.0, 8.0, 15.0, 30.0, 55.0, 80.0]);
    let s = monthly(&values);
    let a = analyse(&s, &AnalysisOptions::default());
    assert_eq!(a.growth_yoy, Growth::New);
    assert_eq!(a.growth_pop.percent().map(round1), Some(45.5));
    assert_eq!(a.stage, Stage::Emerging);
    assert_eq!(a.onset, Some(date(2021, 9, 1)));
    assert!(a.momentum > 0.0 && a.momentum.is_finite());
    assert_eq!(a.robust_z, 10.0, "a flat-zero history caps the z-score");
    // From something to zero is −100%, and nothing to nothing is flat.
    let gone = monthly(&[5.0, 0.0]);
    assert_eq!(
        analyse(&gone, &AnalysisOptions::default()).growth_pop,
        Growth::Percent(-100.0)
    );
}

#[test]
fn growth_finds_the_earlier_point_or_says_there_is_none() {
    // Weekly: 52 weeks back, within half a week; a gap there is no data, never a zero.
    let mut values: Vec<Option<f64>> = (0..60).map(|i| Some(10.0 + i as f64)).collect();
    let s = weekly(&values);
    let a = analyse(&s, &AnalysisOptions::default());
    assert_eq!(
        a.growth_yoy.percent().map(round1),
        Some(round1(100.0 * 52.0 / 17.0))
    );
    values[7] = None;
    let gap = weekly(&values);
    assert_eq!(
        analyse(&gap, &AnalysisOptions::default()).growth_yoy,
        Growth::NoData
    );
    values[58] = None;
    let gap = weekly(&values);
    assert_eq!(
        analyse(&gap, &AnalysisOptions::default()).growth_pop,
        Growth::NoData
    );
    // A weekly series whose weeks start on another weekday a year later still matches.
    let shifted = series(
        Granularity::Week,
        vec![point(date(2023, 1, 1), 10.0), point(date(2024, 1, 2), 15.0)],
    );
    assert_eq!(growth_over(&shifted, None, 52), Growth::Percent(50.0));
    // Monthly: exactly 12 months back; `at` between points uses the last point before it.
    let m = monthly(&[
        4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0,
    ]);
    assert_eq!(growth_over(&m, None, 12), Growth::Percent(300.0));
    assert_eq!(
        growth_over(&m, Some(date(2020, 3, 15)), 1),
        Growth::Percent(20.0)
    );
    assert_eq!(growth_over(&m, Some(date(2019, 3, 15)), 1), Growth::NoData);
}

#[test]
fn pytrends_partial_last_point_is_flagged_and_not_latest() {
    let file = read(&fixture("pytrends-partial.csv"));
    assert_eq!(file.layout, Layout::Pytrends);
    assert_eq!(file.series.len(), 2, "isPartial is a flag, not a term");
    let s = &file.series[1];
    assert_eq!(
        (s.term.as_str(), s.key.as_str()),
        ("coquette aesthetic", "coquette")
    );
    assert_eq!(s.source, TrendSource::Pytrends);
    assert_eq!(s.granularity, Granularity::Week);
    assert_eq!(s.points.len(), 13);
    let last = s.points[12];
    assert!(last.partial && last.date == date(2024, 3, 31));
    assert!(s.points[..12].iter().all(|p| !p.partial));
    let a = analyse(s, &AnalysisOptions::default());
    assert_eq!(
        a.latest,
        Some((date(2024, 3, 24), 78.0)),
        "the partial week is not trusted"
    );
    assert_eq!(a.growth_pop.percent().map(round1), Some(4.0));
    assert_eq!(a.stage, Stage::Rising);
    assert!(a.mann_kendall.p_value < 0.001);
}

#[test]
fn pinterest_export_reads_its_preamble_changes_and_dates() {
    let file = read(&fixture("pinterest-export.csv"));
    assert_eq!(file.layout, Layout::Pinterest);
    assert_eq!(file.series.len(), 3);
    let flats = &file.series[0];
    assert_eq!(
        (flats.term.as_str(), flats.key.as_str()),
        ("ballet flats", "ballet_flats")
    );
    assert_eq!(flats.source, TrendSource::Pinterest);
    assert_eq!(flats.region.as_deref(), Some("United Kingdom"));
    assert_eq!(flats.granularity, Granularity::Week);
    assert_eq!(flats.points.len(), 8);
    assert_eq!(flats.points[7], point(date(2024, 5, 26), 100.0));
    let mesh = &file.series[2];
    assert_eq!(mesh.points.len(), 7, "an empty cell is a gap");
    assert!(!mesh.points.iter().any(|p| p.date == date(2024, 4, 21)));
    let reported = &file.reported[0];
    assert_eq!(
        (reported.term.as_str(), reported.rank),
        ("ballet flats", Some(1))
    );
    assert_eq!(
        reported.changes,
        vec![
            ReportedChange {
                period: ChangePeriod::Week,
                percent: 25.0,
                at_least: false
            },
            ReportedChange {
                period: ChangePeriod::Month,
                percent: 120.0,
                at_least: false
            },
            ReportedChange {
                period: ChangePeriod::Year,
                percent: 10_000.0,
                at_least: true
            },
        ]
    );
    assert_eq!(file.reported[1].changes[0].percent, -3.0);
    assert_eq!(file.reported[2].changes[1].percent, 1250.0);
}

#[test]
fn classic_export_with_a_german_preamble() {
    let file = read(&fixture("google-classic-de.csv"));
    assert_eq!(file.layout, Layout::GoogleClassic);
    let terms: Vec<(&str, Option<&str>)> = file
        .series
        .iter()
        .map(|s| (s.term.as_str(), s.region.as_deref()))
        .collect();
    assert_eq!(
        terms,
        [
            ("balletcore", Some("Deutschland")),
            ("coquette", Some("Deutschland"))
        ]
    );
    assert!(
        file.series
            .iter()
            .all(|s| s.granularity == Granularity::Week)
    );
    let coquette = &file.series[1];
    assert!(coquette.points[0].censored && coquette.points[1].censored);
    assert!(!coquette.points[2].censored);
    // Both terms come from one request: one scale group.
    assert_eq!(file.series[0].scale_group, coquette.scale_group);
    // `--region` and `--scale-group` win over the file.
    let options = ImportOptions {
        source: None,
        region: Some("DE".into()),
        scale_group: Some("de-2023".into()),
    };
    let file = read_trend_file(&fixture("google-classic-de.csv"), &options).unwrap();
    assert!(
        file.series
            .iter()
            .all(|s| s.region.as_deref() == Some("DE"))
    );
    assert!(file.series.iter().all(|s| s.scale_group == "de-2023"));
}

#[test]
fn related_queries_read_a_rising_percentage() {
    let file = read(&fixture("relatedQueries-rising-percent.csv"));
    assert_eq!(file.layout, Layout::GoogleRelatedQueries);
    let values: Vec<(RelatedKind, &str, RelatedValue)> = file
        .related
        .iter()
        .map(|q| (q.kind, q.query.as_str(), q.value))
        .collect();
    assert_eq!(
        values,
        [
            (RelatedKind::Top, "ballet flats", RelatedValue::Score(100)),
            (
                RelatedKind::Top,
                "balletcore outfits",
                RelatedValue::Score(72)
            ),
            (
                RelatedKind::Top,
                "miu miu ballet flats",
                RelatedValue::Score(41)
            ),
            (
                RelatedKind::Rising,
                "miu miu ballet flats",
                RelatedValue::Breakout
            ),
            (
                RelatedKind::Rising,
                "balletcore outfit",
                RelatedValue::Percent(3700)
            ),
            (
                RelatedKind::Rising,
                "ballet pumps",
                RelatedValue::Percent(250)
            ),
        ]
    );
    assert!(file.related.iter().all(|q| q.term == "balletcore"));
}

#[test]
fn reimporting_an_export_gives_the_same_series_and_group() {
    let a = read(&fixture("google-classic-de.csv"));
    let b = read(&fixture("google-classic-de.csv"));
    assert_eq!(a, b);
    let other = read(&fixture("pytrends-partial.csv"));
    assert_ne!(a.series[0].scale_group, other.series[0].scale_group);
}

#[test]
fn broken_files_name_the_file_the_line_and_what_was_expected() {
    let cases = [
        ("broken-empty.csv", 1, "found an empty file"),
        (
            "broken-bad-value.csv",
            4,
            "expected a number ≥ 0 or `<1` for `Balletcore` in column 2, found `lots`",
        ),
        (
            "broken-bad-date.csv",
            3,
            "expected a date (YYYY-MM-DD) in column 1, found `2024-13-14`",
        ),
        (
            "broken-unknown-header.csv",
            1,
            "expected a trends export header",
        ),
        (
            "broken-preamble-only.csv",
            1,
            "expected a `Week,term: (Region)` header or TOP and RISING sections",
        ),
        (
            "broken-duplicate-date.csv",
            4,
            "found a second value for 2023-01-02 (the first is on line 2)",
        ),
        (
            "broken-related-value.csv",
            7,
            "expected `Breakout` or a percentage such as `+3,700%` for the query `ballet pumps`, found `lots`",
        ),
        (
            "broken-pinterest-change.csv",
            3,
            "expected a percentage such as `+25%` or `10,000%+` in column 3",
        ),
        (
            "broken-extra-cells.csv",
            5,
            "expected 2 cells (a date and 1 values) as in the header, found 3",
        ),
        ("broken-not-utf8.csv", 3, "expected UTF-8 text"),
    ];
    for (name, line, wanted) in cases {
        let path = fixture(name);
        let (p, l, message) = bad_file(read_trend_file(&path, &ImportOptions::default()));
        assert_eq!(p, path);
        assert_eq!(l, Some(line), "{name}: {message}");
        assert!(message.contains(wanted), "{name}: {message}");
        let shown = Error::bad_file(&p, l, message).to_string();
        assert!(
            shown.contains(name) && shown.contains(&format!("line {line}")),
            "{shown}"
        );
    }
    let missing = read_trend_file(&fixture("no-such-file.csv"), &ImportOptions::default());
    assert!(matches!(missing, Err(Error::Io { .. })));
}

#[test]
fn mann_kendall_and_theil_sen_match_reference_values() {
    // Computed independently (Python, math.erfc) with the formulas in the docs.
    let x = [
        1.0, 3.0, 2.0, 5.0, 4.0, 6.0, 8.0, 7.0, 9.0, 12.0, 10.0, 11.0,
    ];
    let mk = mann_kendall(&x);
    assert_eq!(mk.s, 56);
    assert!((mk.z - 3.771_490_147).abs() < 1e-6, "{}", mk.z);
    assert!((mk.p_value - 0.000_162_276).abs() < 1e-7, "{}", mk.p_value);
    assert!((mk.tau - 56.0 / 66.0).abs() < 1e-12);
    // Ties: the variance drops by Σ t(t−1)(2t+5)/18.
    let tied = [1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 5.0, 4.0];
    let mk = mann_kendall(&tied);
    assert_eq!(mk.s, 22);
    assert!((mk.z - 2.696_151_103).abs() < 1e-6, "{}", mk.z);
    assert!((mk.p_value - 0.007_014_584).abs() < 1e-7, "{}", mk.p_value);
    let t: Vec<f64> = (0..12).map(f64::from).collect();
    assert_eq!(theil_sen_slope(&t, &x), 1.0);
    assert_eq!(theil_sen_slope(&[0.0, 1.0, 3.0], &[0.0, 2.0, 3.0]), 1.0);
    assert_eq!(theil_sen_slope(&[0.0], &[1.0]), 0.0);
}

/// A deterministic pseudo-random sequence for tests.
fn noise(seed: u64, n: usize) -> Vec<f64> {
    let mut state = seed.max(1);
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 10_000) as f64 / 10_000.0
        })
        .collect()
}

#[test]
fn mann_kendall_by_merge_sort_equals_the_pairwise_count() {
    for (seed, n) in [(1, 65), (2, 100), (3, 260), (4, 513)] {
        // Few distinct values, so many ties.
        let x: Vec<f64> = noise(seed, n).iter().map(|v| (v * 7.0).floor()).collect();
        let mut s = 0i64;
        for i in 0..n {
            for j in i + 1..n {
                s += (x[j] > x[i]) as i64 - (x[j] < x[i]) as i64;
            }
        }
        assert_eq!(mann_kendall(&x).s, s, "n = {n}");
    }
}

#[test]
fn the_theil_sen_approximation_stays_near_the_exact_median() {
    for seed in 1..6 {
        let n = 260;
        let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let y: Vec<f64> = noise(seed, n)
            .iter()
            .enumerate()
            .map(|(i, e)| 0.002 * i as f64 + e)
            .collect();
        let mut slopes = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                slopes.push((y[j] - y[i]) / (t[j] - t[i]));
            }
        }
        slopes.sort_by(f64::total_cmp);
        let approx = theil_sen_slope(&t, &y);
        let rank = slopes.partition_point(|s| *s < approx) as f64 / slopes.len() as f64;
        assert!(
            (rank - 0.5).abs() < 0.03,
            "seed {seed}: the approximation sits at quantile {rank}"
        );
    }
}

#[test]
fn seasonality_is_adjusted_away_on_long_series() {
    // Four years of a weekly series with a yearly cycle and no trend, analysed on the cycle's
    // rising flank: raw, the last 12 weeks rise; adjusted, they do not.
    let e = noise(7, 220);
    let values: Vec<Option<f64>> = (0..220)
        .map(|i| {
            let phase = 2.0 * std::f64::consts::PI * i as f64 / 52.18;
            Some(50.0 + 30.0 * phase.sin() + 4.0 * e[i])
        })
        .collect();
    let s = weekly(&values);
    let at = s.points[208 + 8].date;
    let options = AnalysisOptions {
        at: Some(at),
        window: 12,
    };
    let a = analyse(&s, &options);
    assert!(a.seasonal);
    let raw: Vec<f64> = s.points[205..=216].iter().map(|p| p.value).collect();
    let unadjusted = mann_kendall(&raw);
    assert!(unadjusted.rising(), "raw p = {}", unadjusted.p_value);
    assert!(
        !a.mann_kendall.rising(),
        "adjusted p = {} S = {}",
        a.mann_kendall.p_value,
        a.mann_kendall.s
    );
    assert_ne!(a.stage, Stage::Rising);
    // Too short for three seasons: no adjustment.
    let short = weekly(&values[..120]);
    assert!(!analyse(&short, &AnalysisOptions::default()).seasonal);
}

#[test]
fn stages_follow_their_rules() {
    let options = AnalysisOptions::default();
    let stage = |values: &[f64]| analyse(&monthly(values), &options).stage;
    let ramp: Vec<f64> = (1..=30).map(f64::from).collect();
    assert_eq!(stage(&ramp), Stage::Rising);
    let fall: Vec<f64> = (1..=30).rev().map(|v| f64::from(v) + 20.0).collect();
    assert_eq!(stage(&fall), Stage::Declining);
    let mut plateau = vec![100.0; 6];
    plateau.extend([
        90.0, 80.0, 85.0, 84.0, 82.0, 86.0, 83.0, 85.0, 84.0, 86.0, 85.0, 84.0, 85.0,
    ]);
    assert_eq!(stage(&plateau), Stage::Peaking);
    let mut settled = vec![100.0; 6];
    settled.extend([
        40.0, 42.0, 39.0, 41.0, 40.0, 43.0, 38.0, 41.0, 40.0, 42.0, 39.0, 41.0, 40.0,
    ]);
    assert_eq!(stage(&settled), Stage::PostPeak);
    let mut faded = vec![100.0; 6];
    faded.extend([
        5.0, 4.0, 6.0, 5.0, 4.0, 5.0, 6.0, 5.0, 4.0, 5.0, 6.0, 5.0, 5.0,
    ]);
    assert_eq!(stage(&faded), Stage::Dormant);
}

#[test]
fn sparklines_draw_levels_and_leave_gaps_blank() {
    let s = weekly(&[Some(0.0), Some(50.0), None, Some(100.0)]);
    assert_eq!(sparkline(&s.points), "▁▅ █");
    let m = monthly(&[1.0, 2.0, 4.0, 8.0]);
    assert_eq!(sparkline(&m.points), "▂▃▅█");
    assert_eq!(sparkline(&monthly(&[0.0, 0.0]).points), "▁▁");
    assert_eq!(sparkline(&[]), "");
}

/// A value cell for the property tests: a gap, a censored `<1`, or a value.
fn cell() -> impl Strategy<Value = Option<(f64, bool)>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some((0.5, true))),
        2 => Just(Some((0.0, false))),
        6 => (0u32..=100).prop_map(|v| Some((f64::from(v), false))),
        2 => (0u32..=5_000_000).prop_map(|v| Some((f64::from(v), false))),
    ]
}

fn build(granularity: Granularity, cells: &[Option<(f64, bool)>], partial_last: bool) -> Series {
    let start = date(2019, 1, 1);
    let mut points: Vec<Point> = cells
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let span = match granularity {
                Granularity::Month => jiff::Span::new().months(i as i64),
                Granularity::Week => jiff::Span::new().days(7 * i as i64),
                Granularity::Day => jiff::Span::new().days(i as i64),
            };
            c.map(|(value, censored)| Point {
                date: start.checked_add(span).unwrap(),
                value,
                censored,
                partial: false,
            })
        })
        .collect();
    if partial_last && let Some(last) = points.last_mut() {
        last.partial = true;
    }
    series(granularity, points)
}

fn granularity() -> impl Strategy<Value = Granularity> {
    prop_oneof![
        Just(Granularity::Month),
        Just(Granularity::Week),
        Just(Granularity::Day)
    ]
}

fn same_growth(a: Growth, b: Growth) -> bool {
    match (a, b) {
        (Growth::Percent(x), Growth::Percent(y)) => (x - y).abs() <= 1e-9 * x.abs().max(1.0),
        (a, b) => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn growth_and_stage_do_not_change_when_a_series_is_scaled(
        granularity in granularity(),
        cells in prop::collection::vec(cell(), 0..200),
        partial_last in any::<bool>(),
        window in 3usize..30,
        scale in prop_oneof![Just(100.0), Just(0.01), Just(3.7), 1e-3f64..1e3],
    ) {
        let s = build(granularity, &cells, partial_last);
        let mut scaled = s.clone();
        for p in &mut scaled.points {
            p.value *= scale;
        }
        let options = AnalysisOptions { at: None, window };
        let (a, b) = (analyse(&s, &options), analyse(&scaled, &options));
        prop_assert_eq!(a.stage, b.stage);
        prop_assert!(same_growth(a.growth_pop, b.growth_pop), "{:?} vs {:?}", a.growth_pop, b.growth_pop);
        prop_assert!(same_growth(a.growth_yoy, b.growth_yoy), "{:?} vs {:?}", a.growth_yoy, b.growth_yoy);
        prop_assert_eq!(a.mann_kendall, b.mann_kendall);
        prop_assert!((a.momentum - b.momentum).abs() <= 1e-9 * a.momentum.abs().max(1.0));
        prop_assert_eq!(a.onset, b.onset);
        prop_assert_eq!(a.peak.map(|p| p.0), b.peak.map(|p| p.0));
    }

    #[test]
    fn gaps_and_censored_points_never_give_nan_or_panic(
        granularity in granularity(),
        cells in prop::collection::vec(cell(), 0..300),
        partial_last in any::<bool>(),
        window in 0usize..300,
        at_offset in prop::option::of(0i64..400),
    ) {
        let s = build(granularity, &cells, partial_last);
        let at = at_offset.map(|d| date(2019, 1, 1).checked_add(jiff::Span::new().days(d)).unwrap());
        let a = analyse(&s, &AnalysisOptions { at, window });
        let numbers = [
            a.mann_kendall.z,
            a.mann_kendall.p_value,
            a.mann_kendall.tau,
            a.theil_sen_slope,
            a.robust_z,
            a.momentum,
            a.level,
            a.window_median,
        ];
        prop_assert!(numbers.iter().all(|x| x.is_finite()), "{:?}", a);
        prop_assert!((0.0..=1.0).contains(&a.mann_kendall.p_value));
        for g in [a.growth_pop, a.growth_yoy] {
            if let Growth::Percent(p) = g {
                prop_assert!(p.is_finite());
            }
        }
        let line = sparkline(&s.points);
        prop_assert!(line.chars().count() <= 4 * s.points.len() + 16);
        let ranked = rank_by_momentum(&[(s, a)]);
        prop_assert_eq!(ranked.len(), 1);
    }
}

#[test]
fn theil_sen_on_equal_times_is_zero_not_a_hang() {
    let t = vec![3.0; 500];
    let y: Vec<f64> = (0..500).map(f64::from).collect();
    assert_eq!(theil_sen_slope(&t, &y), 0.0);
    assert_eq!(theil_sen_slope(&t[..50], &y[..50]), 0.0);
}

/// Whether a ranking puts every significantly rising series first, and orders each group by
/// momentum.
fn ranked_in_groups(ranked: &[Ranked]) -> bool {
    let rising = ranked.iter().take_while(|r| r.significant_rise).count();
    ranked[rising..].iter().all(|r| !r.significant_rise)
        && ranked[..rising]
            .windows(2)
            .all(|w| w[0].momentum >= w[1].momentum)
        && ranked[rising..]
            .windows(2)
            .all(|w| w[0].momentum >= w[1].momentum)
}

#[test]
fn a_near_dormant_series_never_outranks_a_significant_rise() {
    // Zeros, then a blip: a huge momentum from a tiny base, but no significant trend.
    let mut blip = vec![0.0; 23];
    blip.push(4.0);
    let mut dormant = monthly(&blip);
    dormant.term = "blip".into();
    dormant.key = "blip".into();
    // A steady climb.
    let climb: Vec<f64> = (0..24).map(|i| 40.0 + f64::from(i) * 2.0).collect();
    let mut rising = monthly(&climb);
    rising.term = "climb".into();
    rising.key = "climb".into();
    let items: Vec<(Series, Analysis)> = [dormant, rising]
        .into_iter()
        .map(|s| {
            let a = analyse(&s, &AnalysisOptions::default());
            (s, a)
        })
        .collect();
    let (blip_a, climb_a) = (&items[0].1, &items[1].1);
    assert!(!blip_a.mann_kendall.rising(), "{:?}", blip_a.mann_kendall);
    assert!(climb_a.mann_kendall.rising(), "{:?}", climb_a.mann_kendall);
    let ranked = rank_by_momentum(&items);
    assert_eq!(ranked[0].term, "climb");
    assert!(ranked[0].significant_rise && !ranked[1].significant_rise);
    assert_eq!(ranked[1].p_value, blip_a.mann_kendall.p_value);
    assert!(ranked_in_groups(&ranked));
}

#[test]
fn e_girl_in_the_monthly_exports_ranks_below_every_significant_rise() {
    let Some(dir) = shared("google-trends-monthly") else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let all: Vec<Series> = files.iter().flat_map(|f| read(f).series).collect();
    assert_eq!(all.len(), 15);
    let analyses = analyse_many(&all, &AnalysisOptions::default());
    let items: Vec<(Series, Analysis)> = all.into_iter().zip(analyses).collect();
    let ranked = rank_by_momentum(&items);
    assert!(ranked_in_groups(&ranked));
    let e_girl = ranked
        .iter()
        .find(|r| r.key.replace(['-', ' ', '_'], "") == "egirl")
        .expect("the e-girl series");
    assert!(!e_girl.significant_rise);
    assert!(e_girl.p_value >= 0.05, "{}", e_girl.p_value);
    let rises: Vec<&Ranked> = ranked.iter().filter(|r| r.significant_rise).collect();
    for r in &rises {
        assert!(r.rank < e_girl.rank, "{} ({}) above e-girl", r.term, r.rank);
    }
    eprintln!(
        "e-girl: rank {} of {}, momentum {:+.1}, p = {:.3}; {} significant rises above it",
        e_girl.rank,
        ranked.len(),
        e_girl.momentum,
        e_girl.p_value,
        rises.len()
    );
}
