//! Regression tests of the layouts exports take in other languages, after a spreadsheet, and
//! from pytrends scripts, and of series identity within one file. The fixtures are described in
//! `tests/fixtures/trends/README.md`.

use std::path::{Path, PathBuf};

use jiff::civil::date;

use super::*;
use crate::Error;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/trends")
        .join(name)
}

fn read(name: &str) -> TrendFile {
    let path = fixture(name);
    read_trend_file(&path, &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{name} should read: {e}"))
}

fn terms(file: &TrendFile) -> Vec<(&str, Option<&str>)> {
    file.series
        .iter()
        .map(|s| (s.term.as_str(), s.region.as_deref()))
        .collect()
}

#[test]
fn classic_exports_with_preambles_in_five_languages_read_by_shape() {
    let cases = [
        (
            "google-classic-fr.csv",
            [("balletcore", "France"), ("coquette", "France")],
        ),
        (
            "google-classic-es.csv",
            [("balletcore", "España"), ("coquette", "España")],
        ),
        (
            "google-classic-zh.csv",
            [("芭蕾风", "全球"), ("balletcore", "全球")],
        ),
        (
            "google-classic-ja.csv",
            [("バレエコア", "日本"), ("balletcore", "日本")],
        ),
        (
            "google-classic-de-semicolon.csv",
            [("balletcore", "Deutschland"), ("coquette", "Deutschland")],
        ),
    ];
    for (name, wanted) in cases {
        let file = read(name);
        assert_eq!(file.layout, Layout::GoogleClassic, "{name}");
        let wanted: Vec<(&str, Option<&str>)> =
            wanted.iter().map(|(t, r)| (*t, Some(*r))).collect();
        assert_eq!(terms(&file), wanted, "{name}");
        for s in &file.series {
            assert_eq!(s.granularity, Granularity::Week, "{name}");
            assert_eq!(s.points.len(), 6, "{name}");
            assert_eq!(s.points[0].date, date(2023, 1, 1), "{name}");
            assert_eq!(s.points[5].date, date(2023, 2, 5), "{name}");
            assert_eq!(s.source, TrendSource::GoogleTrends);
        }
        let second = &file.series[1];
        let censored: Vec<bool> = second.points.iter().map(|p| p.censored).collect();
        assert_eq!(
            censored[..3],
            [true, true, false],
            "{name}: `<1` and `1 未満`"
        );
        assert_eq!(file.series[0].points[5].value, 100.0, "{name}");
        assert_eq!(
            file.series[0].scale_group, second.scale_group,
            "{name}: one request"
        );
    }
}

#[test]
fn quoted_exports_headed_in_six_languages_read_by_their_dates() {
    for (name, term, granularity, points) in [
        ("google-quoted-fr.csv", "Balletcore", Granularity::Month, 6),
        ("google-quoted-de.csv", "Balletcore", Granularity::Month, 6),
        ("google-quoted-es.csv", "Balletcore", Granularity::Month, 6),
        ("google-quoted-zh.csv", "芭蕾风", Granularity::Month, 6),
        ("google-quoted-ja.csv", "バレエコア", Granularity::Month, 6),
        ("google-quoted-tr.csv", "balletcore", Granularity::Week, 6),
    ] {
        let file = read(name);
        assert_eq!(file.layout, Layout::GoogleQuoted, "{name}");
        assert_eq!(terms(&file), [(term, None)], "{name}");
        let s = &file.series[0];
        assert_eq!(s.granularity, granularity, "{name}");
        assert_eq!(s.points.len(), points, "{name}");
    }
    let ja = read("google-quoted-ja.csv");
    assert_eq!(
        ja.series[0].points[1].date,
        date(2022, 2, 1),
        "`2022-02` is February"
    );
    assert_eq!(ja.series[0].points[1].value, 45.0);
}

/// A related query as the tests compare it: kind, query, value.
type Query<'a> = (RelatedKind, &'a str, RelatedValue);

/// (kind, query, value) of each related query of a file.
fn related(file: &TrendFile) -> Vec<Query<'_>> {
    file.related
        .iter()
        .map(|q| (q.kind, q.query.as_str(), q.value))
        .collect()
}

#[test]
fn related_queries_in_five_languages_read_top_and_rising() {
    use RelatedKind::{Rising, Top};
    use RelatedValue::{Breakout, Percent, Score};
    let cases: [(&str, &str, &str, [Query<'_>; 4]); 5] = [
        (
            "relatedQueries-fr.csv",
            "balletcore",
            "France",
            [
                (Top, "ballerines", Score(100)),
                (Top, "balletcore outfit", Score(64)),
                (Rising, "ballerines miu miu", Percent(3700)),
                (Rising, "balletcore tenue", Percent(250)),
            ],
        ),
        (
            "relatedQueries-de.csv",
            "balletcore",
            "Deutschland",
            [
                (Top, "ballerinas", Score(100)),
                (Top, "balletcore outfit", Score(58)),
                (Rising, "miu miu ballerinas", Breakout),
                (Rising, "balletcore look", Percent(3700)),
            ],
        ),
        (
            "relatedQueries-es.csv",
            "balletcore",
            "España",
            [
                (Top, "bailarinas", Score(100)),
                (Top, "balletcore outfit", Score(47)),
                (Rising, "bailarinas miu miu", Breakout),
                (Rising, "balletcore ropa", Percent(180)),
            ],
        ),
        (
            "relatedQueries-zh.csv",
            "芭蕾风",
            "全球",
            [
                (Top, "芭蕾舞鞋", Score(100)),
                (Top, "芭蕾风穿搭", Score(71)),
                (Rising, "miu miu 芭蕾舞鞋", Breakout),
                (Rising, "芭蕾风 穿搭", Percent(1200)),
            ],
        ),
        (
            "relatedQueries-ja.csv",
            "バレエコア",
            "日本",
            [
                (Top, "バレエシューズ", Score(100)),
                (Top, "バレエコア コーデ", Score(0)),
                (Rising, "ミュウミュウ バレエシューズ", Breakout),
                (Rising, "バレエコア 服", Percent(450)),
            ],
        ),
    ];
    for (name, term, region, wanted) in cases {
        let file = read(name);
        assert_eq!(file.layout, Layout::GoogleRelatedQueries, "{name}");
        assert!(file.series.is_empty(), "{name}");
        assert_eq!(related(&file), wanted, "{name}");
        for q in &file.related {
            assert_eq!(q.term, term, "{name}");
            assert_eq!(q.region.as_deref(), Some(region), "{name}");
        }
    }
}

#[test]
fn related_queries_resaved_by_a_spreadsheet_read_without_their_markers() {
    use RelatedKind::{Rising, Top};
    use RelatedValue::{Breakout, Percent, Score};
    let file = read("relatedQueries-spreadsheet.csv");
    assert_eq!(file.layout, Layout::GoogleRelatedQueries);
    assert_eq!(
        related(&file),
        [
            (Top, "ballet flats", Score(100)),
            (Top, "balletcore outfits", Score(72)),
            (Top, "miu miu ballet flats", Score(41)),
            (Rising, "miu miu ballet flats", Breakout),
            (Rising, "balletcore outfit", Percent(3700)),
            (Rising, "ballet pumps", Percent(250)),
        ]
    );
    assert!(
        file.related
            .iter()
            .all(|q| q.term == "balletcore" && q.region.as_deref() == Some("Worldwide"))
    );
    let de = read("relatedQueries-spreadsheet-de.csv");
    assert_eq!(
        related(&de),
        [
            (Top, "ballerinas", Score(100)),
            (Top, "balletcore outfit", Score(58)),
            (Rising, "miu miu ballerinas", Breakout),
            (Rising, "balletcore look", Percent(3700)),
        ]
    );
    assert_eq!(de.related[0].region.as_deref(), Some("Deutschland"));
}

#[test]
fn related_queries_without_a_readable_value_name_the_line() {
    let bytes = "Category: All categories,\"balletcore: (1/1/23 - 12/31/23, Worldwide)\"\n\
                 ballet flats,100\nballet pumps,lots\n";
    let err = parse_trend_bytes(
        Path::new("rq.csv"),
        bytes.as_bytes(),
        &ImportOptions::default(),
    )
    .unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("rq.csv: line 3"), "{shown}");
    assert!(
        shown.contains("a score from 0 to 100, `Breakout` or a percentage"),
        "{shown}"
    );
}

#[test]
fn pytrends_text_columns_become_region_and_segment_and_each_geo_its_group() {
    let file = read("pytrends-geo-segment.csv");
    assert_eq!(file.layout, Layout::Pytrends);
    assert_eq!(
        terms(&file),
        [
            ("balletcore", Some("US")),
            ("coquette aesthetic", Some("US")),
            ("balletcore", Some("GB")),
            ("coquette aesthetic", Some("GB")),
        ],
        "geo and segment are not terms"
    );
    for s in &file.series {
        assert_eq!(s.segment.as_deref(), Some("segment=students"));
        assert_eq!(s.points.len(), 6);
        assert!(s.points[5].partial && !s.points[4].partial);
    }
    let (us, gb) = (&file.series[0], &file.series[2]);
    assert_eq!(us.points[0].value, 40.0);
    assert_eq!(gb.points[0].value, 10.0);
    assert_eq!(us.scale_group, file.series[1].scale_group, "one request");
    assert_ne!(
        us.scale_group, gb.scale_group,
        "each geo is its own request"
    );
    assert!(
        file.collisions.is_empty(),
        "one term in two regions is no collision"
    );
}

#[test]
fn pytrends_batches_stacked_under_a_second_header_are_their_own_groups() {
    let file = read("pytrends-stacked-headers.csv");
    assert_eq!(
        terms(&file),
        [
            ("balletcore", None),
            ("ballet flats", None),
            ("balletcore", None),
            ("mesh flats", None),
            ("satin bow", None),
        ]
    );
    let groups: Vec<&str> = file.series.iter().map(|s| s.scale_group.as_str()).collect();
    assert_eq!(groups[0], groups[1]);
    assert_eq!(groups[2], groups[3]);
    assert_eq!(groups[3], groups[4]);
    assert_ne!(
        groups[0], groups[2],
        "the anchor term is kept once per batch"
    );
    assert_eq!(file.series[2].points[0].value, 90.0);
    assert!(file.series.iter().all(|s| s.points.len() == 6));
    // `--scale-group` names each batch.
    let options = ImportOptions {
        scale_group: Some("spring".into()),
        ..ImportOptions::default()
    };
    let named = read_trend_file(&fixture("pytrends-stacked-headers.csv"), &options).unwrap();
    let groups: Vec<&str> = named
        .series
        .iter()
        .map(|s| s.scale_group.as_str())
        .collect();
    assert_eq!(
        groups,
        ["spring/1", "spring/1", "spring/2", "spring/2", "spring/2"]
    );
}

#[test]
fn pytrends_batch_column_splits_batches_without_empty_series() {
    let file = read("pytrends-batch-column.csv");
    assert_eq!(
        terms(&file),
        [
            ("balletcore", None),
            ("ballet flats", None),
            ("balletcore", None),
            ("mesh flats", None),
        ],
        "the batch column is no term, and each batch keeps only the terms it holds"
    );
    assert!(file.series.iter().all(|s| s.points.len() == 6));
    assert_eq!(file.series[0].scale_group, file.series[1].scale_group);
    assert_ne!(file.series[0].scale_group, file.series[2].scale_group);
    assert_eq!(file.series[2].points[0].value, 90.0);
}

#[test]
fn terms_that_fold_to_one_key_are_two_series_and_reported() {
    let file = read("pinterest-folded-terms.csv");
    let keys: Vec<(&str, &str)> = file
        .series
        .iter()
        .map(|s| (s.term.as_str(), s.key.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("back to school outfits", "back_to_school"),
            ("back to school", "back_to_school"),
            ("fall outfits", "fall"),
            ("fall", "fall"),
        ]
    );
    let ids: std::collections::HashSet<SeriesId> = file.series.iter().map(Series::id).collect();
    assert_eq!(ids.len(), 4, "four identities");
    assert_eq!(
        file.collisions,
        [
            TermCollision {
                key: "back_to_school".into(),
                terms: vec!["back to school outfits".into(), "back to school".into()],
            },
            TermCollision {
                key: "fall".into(),
                terms: vec!["fall outfits".into(), "fall".into()],
            },
        ]
    );
    assert_eq!(
        file.series[1].points[2].value, 100.0,
        "each keeps its own values"
    );
}

#[test]
fn a_term_written_twice_in_one_header_is_kept_twice() {
    let file = read("google-quoted-repeated-term.csv");
    assert_eq!(
        terms(&file),
        [("Balletcore", None), ("Balletcore (2)", None)]
    );
    assert_eq!(file.series[1].points[1].value, 25.0);
    assert_eq!(file.series[1].key, "balletcore");
    assert_eq!(file.collisions.len(), 1);
}

#[test]
fn a_refreshed_longer_export_names_the_same_scale_group() {
    let first = read("refresh/multiTimeline.csv");
    let longer = read("refresh/multiTimeline (1).csv");
    assert_eq!(first.series[0].points.len(), 4);
    assert_eq!(longer.series[0].points.len(), 6);
    let ids = |f: &TrendFile| f.series.iter().map(Series::id).collect::<Vec<_>>();
    assert_eq!(ids(&first), ids(&longer), "same request, same series");
    assert!(first.series[0].scale_group.starts_with("multiTimeline-"));
}

#[test]
fn the_default_group_follows_terms_region_and_preamble_never_dates() {
    let group = |text: &str| {
        parse_trend_bytes(
            Path::new("multiTimeline.csv"),
            text.as_bytes(),
            &ImportOptions::default(),
        )
        .unwrap()
        .series[0]
            .scale_group
            .clone()
    };
    let base = group("Category: All categories\n\nWeek,yeezy: (US)\n2020-01-05,3\n2020-01-12,4\n");
    let later = group("Category: All categories\n\nWeek,yeezy: (US)\n2021-03-07,3\n2021-03-14,4\n");
    assert_eq!(base, later, "dates do not name the group");
    for other in [
        "Category: All categories\n\nWeek,yeezy: (UK)\n2020-01-05,3\n",
        "Category: All categories\n\nWeek,yeezy: (US),adidas: (US)\n2020-01-05,3,4\n",
        "Category: Shoes\n\nWeek,yeezy: (US)\n2020-01-05,3\n",
    ] {
        assert_ne!(base, group(other), "{other}");
    }
    // Terms listed in another order are the same request.
    assert_eq!(
        group("Week,a: (US),b: (US)\n2020-01-05,1,2\n"),
        group("Week,b: (US),a: (US)\n2020-01-05,2,1\n")
    );
}

#[test]
fn a_file_over_the_size_cap_is_refused_naming_the_file() {
    let bytes = vec![b'1'; MAX_TREND_FILE_BYTES as usize + 1];
    let err =
        parse_trend_bytes(Path::new("huge.csv"), &bytes, &ImportOptions::default()).unwrap_err();
    match &err {
        Error::BadFile { path, line, .. } => {
            assert_eq!(path, Path::new("huge.csv"));
            assert_eq!(*line, Some(1));
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("at most 4 MiB"), "{err}");
}

/// The line and message a refused text gives.
fn refusal(text: &str) -> (Option<u64>, String) {
    let err = parse_trend_bytes(
        Path::new("t.csv"),
        text.as_bytes(),
        &ImportOptions::default(),
    )
    .unwrap_err();
    match &err {
        Error::BadFile { line, .. } => (*line, err.to_string()),
        other => panic!("{other}"),
    }
}

#[test]
fn a_term_of_seventy_thousand_characters_is_refused() {
    let text = format!("term,date,value\n{},2024-01-01,1\n", "w".repeat(70_000));
    let (line, message) = refusal(&text);
    assert_eq!(line, Some(2));
    assert!(message.contains("70000 characters"), "{message}");
}

#[test]
fn an_open_quote_that_swallows_the_rest_is_refused_at_the_line_it_opened() {
    let text = "Time,Balletcore\n2024-01-01,\"45\n2024-02-01,50\n2024-03-01,55\n";
    let (line, message) = refusal(text);
    assert_eq!(line, Some(2));
    assert!(message.contains("quote opened on this line"), "{message}");
    let (_, stray) = refusal("Time,Ballet\"core\n2024-01-01,45\n");
    assert!(stray.contains("stray quote"), "{stray}");
}

#[test]
fn a_last_row_cut_short_is_refused() {
    let (line, message) = refusal("Rank,Trend,Weekly change\n1,balletcore,+10%\n2,bar");
    assert_eq!(line, Some(3));
    assert!(message.contains("cut short"), "{message}");
}

#[test]
fn a_header_column_no_row_fills_is_refused() {
    let (line, message) = refusal("Time,Balletcore,extra\n2024-01-01,45\n2024-02-01,50\n");
    assert_eq!(line, Some(1));
    assert!(message.contains("column 3 (`extra`)"), "{message}");
}
