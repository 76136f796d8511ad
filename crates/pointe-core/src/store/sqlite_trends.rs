//! The trend tables of the SQLite store: series with their points, related queries, and the
//! re-keying of series stored before a series had one identity.
//!
//! A series row is found by its identity (source, term as written, region, scale group, metric;
//! see [`SeriesId`]); `term_key` (the normalised term) and `term_fold` (the folded term) serve
//! lookups only. Rows stored by an older Pointe were keyed by the normalised term, and their
//! default scale group hashed the export's dates: [`rekey_stored_series`] gives them their
//! identity once, keeps one row of each series a refreshed export had stored twice, and marks
//! the rows whose group an older Pointe named (`legacy_stem`, `legacy_terms`) so that the next
//! import of the same file takes them over instead of storing them a second time.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::Result;
use crate::trends::{
    Granularity, Point, RelatedKind, RelatedQuery, RelatedValue, Series, SeriesId, TrendFile,
    TrendSource, fold_term, group_stem, normalise_term,
};

/// Which stored rows a read returns (of either store on a database).
#[derive(Debug, Clone, Copy)]
pub(super) enum Filter<'a> {
    /// Every row.
    All,
    /// The rows of one normalised key.
    Key(&'a str),
    /// The rows of one term as written (compared folded).
    Written(&'a str),
}

impl Filter<'_> {
    /// The `(term_key, term_fold)` parameters of the stores' queries.
    pub(super) fn params(self) -> (Option<String>, Option<String>) {
        match self {
            Filter::All => (None, None),
            Filter::Key(key) => (Some(key.to_string()), None),
            Filter::Written(term) => (None, Some(fold_term(term))),
        }
    }
}

pub(super) fn granularity(name: &str) -> Granularity {
    match name {
        "day" => Granularity::Day,
        "week" => Granularity::Week,
        _ => Granularity::Month,
    }
}

/// The stored series that pass `filter`, each with its points in date order.
pub(super) fn series(conn: &Connection, filter: Filter<'_>) -> Result<Vec<Series>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key, term, term_key, source, region, segment, granularity, scale_group, metric \
         FROM trend_series WHERE (?1 IS NULL OR term_key = ?1) AND (?2 IS NULL OR term_fold = ?2) \
         ORDER BY term_key, term, key",
    )?;
    let heads: Vec<(i64, Series)> = stmt
        .query_map(filter.params(), |r| {
            let series = Series {
                term: r.get(1)?,
                key: r.get(2)?,
                source: TrendSource::parse(&r.get::<_, String>(3)?),
                region: r.get(4)?,
                segment: r.get(5)?,
                granularity: granularity(&r.get::<_, String>(6)?),
                scale_group: r.get(7)?,
                metric: r.get(8)?,
                points: Vec::new(),
            };
            Ok((r.get(0)?, series))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(heads.len());
    for (series_key, mut series) in heads {
        series.points = points(conn, series_key)?;
        out.push(series);
    }
    Ok(out)
}

fn points(conn: &Connection, series_key: i64) -> Result<Vec<Point>> {
    let mut stmt = conn.prepare_cached(
        "SELECT date, value, censored, partial FROM trend_points WHERE series_key = ?1 \
         ORDER BY date",
    )?;
    let rows = stmt.query_map([series_key], |r| {
        let date: String = r.get(0)?;
        Ok(Point {
            date: date.parse().map_err(|e: jiff::Error| {
                rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
            })?,
            value: r.get(1)?,
            censored: r.get::<_, i64>(2)? != 0,
            partial: r.get::<_, i64>(3)? != 0,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The stored related queries that pass `filter`: per term and region, TOP then RISING, each
/// in the export's order.
pub(super) fn related(conn: &Connection, filter: Filter<'_>) -> Result<Vec<RelatedQuery>> {
    let mut stmt = conn.prepare_cached(
        "SELECT term, region, kind, query, value_kind, value FROM trend_related \
         WHERE (?1 IS NULL OR term_key = ?1) AND (?2 IS NULL OR term_fold = ?2) \
         ORDER BY term, region, kind DESC, rowid",
    )?;
    let rows = stmt.query_map(filter.params(), |r| {
        let region: String = r.get(1)?;
        let kind: String = r.get(2)?;
        let value_kind: String = r.get(4)?;
        let value: Option<i64> = r.get(5)?;
        let value = value.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32;
        Ok(RelatedQuery {
            term: r.get(0)?,
            region: (!region.is_empty()).then_some(region),
            kind: if kind == "rising" {
                RelatedKind::Rising
            } else {
                RelatedKind::Top
            },
            query: r.get(3)?,
            value: match value_kind.as_str() {
                "breakout" => RelatedValue::Breakout,
                "percent" => RelatedValue::Percent(value),
                _ => RelatedValue::Score(value),
            },
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Stores a trend file in one transaction (see [`super::Store::put_trend_file`]).
pub(super) fn put_file(conn: &mut Connection, file: &TrendFile) -> Result<(u64, u64)> {
    // Immediate: a deferred transaction that reads first fails at its first write
    // (SQLITE_BUSY_SNAPSHOT) when another command committed in between.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let file_name = file.path.display().to_string();
    let (mut created, mut replaced) = (0, 0);
    for series in &file.series {
        let key = match find(&tx, file, series)? {
            Some(key) => {
                replace(&tx, key, series, &file_name)?;
                replaced += 1;
                key
            }
            None => {
                created += 1;
                insert(&tx, series, &file_name)?
            }
        };
        let mut stmt = tx.prepare_cached(
            "INSERT OR REPLACE INTO trend_points (series_key, date, value, censored, partial) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for p in &series.points {
            stmt.execute(params![
                key,
                p.date.to_string(),
                p.value,
                p.censored as i64,
                p.partial as i64
            ])?;
        }
    }
    put_related(&tx, &file.related)?;
    tx.commit()?;
    Ok((created, replaced))
}

/// The stored row of a series: the one of its identity, else (for a file whose groups Pointe
/// named) the one row an older Pointe stored for the same file, term, source, region and metric.
fn find(tx: &Transaction<'_>, file: &TrendFile, series: &Series) -> Result<Option<i64>> {
    let found = tx
        .prepare_cached("SELECT key FROM trend_series WHERE identity = ?1")?
        .query_row([series.id().to_key_string()], |r| r.get(0))
        .optional()?;
    if found.is_some() || !file.default_groups {
        return Ok(found);
    }
    let terms = request_terms(file, series);
    let mut stmt = tx.prepare_cached(
        "SELECT key FROM trend_series WHERE legacy_stem = ?1 AND term = ?2 AND source = ?3 \
         AND COALESCE(region, '') = ?4 AND metric = ?5 AND (?6 IS NULL OR legacy_terms = ?6) \
         LIMIT 2",
    )?;
    let keys: Vec<i64> = stmt
        .query_map(
            params![
                group_stem(&file.path),
                series.term,
                series.source.as_str(),
                series.region.as_deref().unwrap_or(""),
                series.metric,
                terms
            ],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok((keys.len() == 1).then(|| keys[0]))
}

/// The terms of the series' request, as an older Pointe's group hashed them (sorted, joined by
/// U+001F), when they name the request (search interest from Google or pytrends); `None`
/// otherwise (Pinterest, counts), when any stored row of the term may be the one.
fn request_terms(file: &TrendFile, series: &Series) -> Option<String> {
    let shared = series.metric == "search_interest" && series.source != TrendSource::Pinterest;
    shared.then(|| {
        let terms: BTreeSet<&str> = file
            .series
            .iter()
            .filter(|s| s.scale_group == series.scale_group)
            .map(|s| s.term.as_str())
            .collect();
        terms.into_iter().collect::<Vec<_>>().join("\u{1f}")
    })
}

fn replace(tx: &Transaction<'_>, key: i64, series: &Series, file_name: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM trend_points WHERE series_key = ?1")?
        .execute([key])?;
    tx.prepare_cached(
        "UPDATE trend_series SET identity = ?2, term_key = ?3, term_fold = ?4, segment = ?5, \
         granularity = ?6, scale_group = ?7, file = ?8, legacy_stem = NULL, legacy_terms = NULL \
         WHERE key = ?1",
    )?
    .execute(params![
        key,
        series.id().to_key_string(),
        series.key,
        fold_term(&series.term),
        series.segment,
        series.granularity.as_str(),
        series.scale_group,
        file_name
    ])?;
    Ok(())
}

fn insert(tx: &Transaction<'_>, series: &Series, file_name: &str) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO trend_series (identity, term, term_key, term_fold, source, region, segment, \
         granularity, scale_group, metric, file) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        series.id().to_key_string(),
        series.term,
        series.key,
        fold_term(&series.term),
        series.source.as_str(),
        series.region,
        series.segment,
        series.granularity.as_str(),
        series.scale_group,
        series.metric,
        file_name
    ])?;
    Ok(tx.last_insert_rowid())
}

/// The related queries of each term and region of the file replace those stored for it.
fn put_related(tx: &Transaction<'_>, related: &[RelatedQuery]) -> Result<()> {
    let mut cleared: HashSet<(&str, &str)> = HashSet::new();
    for q in related {
        let region = q.region.as_deref().unwrap_or("");
        if cleared.insert((q.term.as_str(), region)) {
            tx.prepare_cached("DELETE FROM trend_related WHERE term = ?1 AND region = ?2")?
                .execute([q.term.as_str(), region])?;
        }
        let (value_kind, value) = match q.value {
            RelatedValue::Score(v) => ("score", Some(i64::from(v))),
            RelatedValue::Percent(v) => ("percent", Some(i64::from(v))),
            RelatedValue::Breakout => ("breakout", None),
        };
        tx.prepare_cached(
            "INSERT OR REPLACE INTO trend_related \
             (term, term_fold, term_key, region, kind, query, value_kind, value) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            q.term,
            fold_term(&q.term),
            normalise_term(&q.term),
            region,
            if q.kind == RelatedKind::Rising {
                "rising"
            } else {
                "top"
            },
            q.query,
            value_kind,
            value
        ])?;
    }
    Ok(())
}

/// A series row as an older Pointe stored it.
#[derive(Debug)]
struct OldRow {
    key: i64,
    term: String,
    source: String,
    region: Option<String>,
    scale_group: String,
    metric: String,
    file: String,
}

impl OldRow {
    fn id(&self) -> String {
        SeriesId {
            source: self.source.clone(),
            term: self.term.clone(),
            region: self.region.clone(),
            scale_group: self.scale_group.clone(),
            metric: self.metric.clone(),
        }
        .to_key_string()
    }

    /// True when the row's group is the one an older Pointe named for its file by default:
    /// the file's stem, `-`, and eight hex digits.
    fn has_default_group(&self) -> bool {
        let stem = Path::new(&self.file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.scale_group
            .strip_prefix(&stem)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|hex| {
                hex.len() == 8
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            })
    }
}

/// Gives the rows an older Pointe stored their identity, folded term and legacy marks, and
/// keeps one row of each series stored twice; a no-op once every row has its folded term. Runs
/// inside the migration's exclusive transaction, so two commands opening an older store re-key
/// it once.
pub(super) fn rekey_stored_series(tx: &Transaction<'_>) -> Result<()> {
    let pending: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM trend_series WHERE term_fold IS NULL) \
         OR EXISTS (SELECT 1 FROM trend_related WHERE term_fold IS NULL)",
        [],
        |r| r.get(0),
    )?;
    if !pending {
        return Ok(());
    }
    let rows = old_rows(tx)?;
    let mut terms_of_group: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for row in &rows {
        terms_of_group
            .entry(&row.scale_group)
            .or_default()
            .insert(&row.term);
    }
    let legacy = |row: &OldRow| {
        row.has_default_group().then(|| {
            let terms = terms_of_group[row.scale_group.as_str()].iter().copied();
            (
                group_stem(Path::new(&row.file)),
                terms.collect::<Vec<_>>().join("\u{1f}"),
            )
        })
    };
    let kept = newest_of_each(&rows, &legacy);
    for row in &rows {
        if kept.contains(&row.key) {
            let marks = legacy(row);
            tx.prepare_cached(
                "UPDATE trend_series SET identity = ?2, term_fold = ?3, term_key = ?4, \
                 legacy_stem = ?5, legacy_terms = ?6 WHERE key = ?1",
            )?
            .execute(params![
                row.key,
                row.id(),
                fold_term(&row.term),
                normalise_term(&row.term),
                marks.as_ref().map(|m| &m.0),
                marks.as_ref().map(|m| &m.1)
            ])?;
        } else {
            tx.execute("DELETE FROM trend_points WHERE series_key = ?1", [row.key])?;
            tx.execute("DELETE FROM trend_series WHERE key = ?1", [row.key])?;
        }
    }
    rekey_related(tx)?;
    Ok(())
}

fn old_rows(tx: &Transaction<'_>) -> Result<Vec<OldRow>> {
    let mut stmt = tx.prepare(
        "SELECT key, term, source, region, scale_group, metric, file FROM trend_series \
         WHERE term_fold IS NULL ORDER BY key",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(OldRow {
            key: r.get(0)?,
            term: r.get(1)?,
            source: r.get(2)?,
            region: r.get(3)?,
            scale_group: r.get(4)?,
            metric: r.get(5)?,
            file: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The rows to keep: of the rows of one identity, and of the rows whose default groups name
/// the same file and terms (one export imported again after a refresh, its dates changed), the
/// newest (the highest key: the last stored).
fn newest_of_each(
    rows: &[OldRow],
    legacy: &dyn Fn(&OldRow) -> Option<(String, String)>,
) -> HashSet<i64> {
    let mut newest: HashMap<String, i64> = HashMap::new();
    for row in rows {
        let same = match legacy(row) {
            Some((stem, terms)) => {
                serde_json::json!([stem, terms, row.source, row.term, row.region, row.metric])
                    .to_string()
            }
            None => row.id(),
        };
        newest.insert(same, row.key);
    }
    let survivors: HashSet<i64> = newest.into_values().collect();
    let mut by_id: HashMap<String, i64> = HashMap::new();
    for row in rows.iter().filter(|r| survivors.contains(&r.key)) {
        by_id.insert(row.id(), row.key);
    }
    by_id.into_values().collect()
}

fn rekey_related(tx: &Transaction<'_>) -> Result<()> {
    let terms: Vec<String> = tx
        .prepare("SELECT DISTINCT term FROM trend_related WHERE term_fold IS NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for term in terms {
        tx.execute(
            "UPDATE trend_related SET term_fold = ?2, term_key = ?3 WHERE term = ?1",
            params![term, fold_term(&term), normalise_term(&term)],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::store::{Catalog, MemoryStore, SqliteStore, Store};
    use crate::trends::{ImportOptions, parse_trend_bytes, read_trend_file};

    fn fixture(name: &str) -> TrendFile {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/trends")
            .join(name);
        read_trend_file(&path, &ImportOptions::default()).unwrap()
    }

    fn parse(name: &str, text: &str) -> TrendFile {
        parse_trend_bytes(Path::new(name), text.as_bytes(), &ImportOptions::default()).unwrap()
    }

    fn stores() -> Vec<Box<dyn Store>> {
        let mut stores: Vec<Box<dyn Store>> = vec![
            Box::new(SqliteStore::open_in_memory().unwrap()),
            Box::new(MemoryStore::new()),
        ];
        if let Some(url) = pointe_testdata::database_url() {
            stores.push(Box::new(crate::store::PgStore::scratch(&url).unwrap()));
        }
        stores
    }

    fn terms(series: &[Series]) -> Vec<&str> {
        series.iter().map(|s| s.term.as_str()).collect()
    }

    #[test]
    fn terms_folding_to_one_key_are_stored_as_two_series_not_overwritten() {
        for mut store in stores() {
            let file = fixture("pinterest-folded-terms.csv");
            assert_eq!(store.put_trend_file(&file).unwrap(), (4, 0));
            let both = store.trend_series(Some("back_to_school")).unwrap();
            assert_eq!(terms(&both), ["back to school", "back to school outfits"]);
            let one = store.trend_series_written("Back-to-School").unwrap();
            assert_eq!(terms(&one), ["back to school"]);
            assert_eq!(one[0].points[2].value, 100.0, "its own values");
            let fall = store.trend_series_written("fall outfits").unwrap();
            assert_eq!(terms(&fall), ["fall outfits"]);
            assert_eq!(
                store.put_trend_file(&file).unwrap(),
                (0, 4),
                "again: updated"
            );
        }
    }

    #[test]
    fn a_refreshed_longer_export_updates_its_series_in_place() {
        for mut store in stores() {
            let first = fixture("refresh/multiTimeline.csv");
            let longer = fixture("refresh/multiTimeline (1).csv");
            assert_eq!(store.put_trend_file(&first).unwrap(), (2, 0));
            assert_eq!(store.put_trend_file(&longer).unwrap(), (0, 2));
            let series = store.trend_series(Some("balletcore")).unwrap();
            assert_eq!(
                series.len(),
                1,
                "one series, not the old one beside the new"
            );
            assert_eq!(series[0].points.len(), 6);
            assert_eq!(series[0].points[0].value, 10.0, "the longer export's scale");
        }
    }

    #[test]
    fn a_term_is_found_as_written_in_every_region_and_source() {
        for mut store in stores() {
            let us = "Week,balletcore: (United States)\n2024-01-07,10\n2024-01-14,20\n";
            let uk = "Week,balletcore: (United Kingdom)\n2024-01-07,30\n2024-01-14,40\n";
            let tiktok =
                "term,date,value\nBalletcore,2024-01-08,5\nballetcore outfits,2024-01-08,6\n";
            store.put_trend_file(&parse("us.csv", us)).unwrap();
            store.put_trend_file(&parse("uk.csv", uk)).unwrap();
            store
                .put_trend_file(&parse("tiktok-views.csv", tiktok))
                .unwrap();
            let found = store.trend_series_written("balletcore").unwrap();
            let mut regions: Vec<(&str, Option<&str>)> = found
                .iter()
                .map(|s| (s.source.as_str(), s.region.as_deref()))
                .collect();
            regions.sort();
            assert_eq!(
                regions,
                [
                    ("google_trends", Some("United Kingdom")),
                    ("google_trends", Some("United States")),
                    ("tiktok", None)
                ]
            );
            assert_eq!(store.trend_series(Some("balletcore")).unwrap().len(), 4);
        }
    }

    #[test]
    fn a_refreshed_related_export_replaces_the_terms_queries() {
        for mut store in stores() {
            store
                .put_trend_file(&fixture("relatedQueries-rising-percent.csv"))
                .unwrap();
            store
                .put_trend_file(&fixture("relatedQueries-spreadsheet-de.csv"))
                .unwrap();
            assert_eq!(
                store.related_queries_written("balletcore").unwrap().len(),
                10
            );
            let refreshed = "Category: All categories\n\"balletcore: (1/1/24 - 12/31/24, Worldwide)\"\n\
                             TOP\nsatin flats,100\nRISING\nmesh flats,Breakout\n";
            store
                .put_trend_file(&parse("relatedQueries.csv", refreshed))
                .unwrap();
            let worldwide: Vec<(String, RelatedKind)> = store
                .related_queries("balletcore")
                .unwrap()
                .into_iter()
                .filter(|q| q.region.as_deref() == Some("Worldwide"))
                .map(|q| (q.query, q.kind))
                .collect();
            assert_eq!(
                worldwide,
                [
                    ("satin flats".to_string(), RelatedKind::Top),
                    ("mesh flats".to_string(), RelatedKind::Rising)
                ]
            );
            assert_eq!(
                store.related_queries("balletcore").unwrap().len(),
                6,
                "Germany's kept"
            );
        }
    }

    /// Writes a store of schema version 5 holding what an older Pointe stored: series keyed by
    /// their normalised term, default groups hashing the export's dates.
    fn old_store(path: &Path) {
        let conn = Connection::open(path).unwrap();
        for sql in &crate::store::sqlite::MIGRATIONS[..5] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 5).unwrap();
        let rows = [
            (
                "Balletcore",
                "balletcore",
                None,
                "balletcore-1a2b3c4d",
                "/data/balletcore.csv",
                3,
            ),
            // The same export refreshed: a second series beside the first.
            (
                "Balletcore",
                "balletcore",
                None,
                "balletcore-99887766",
                "/data/balletcore.csv",
                6,
            ),
            (
                "coquette",
                "coquette",
                Some("Deutschland"),
                "de-2023",
                "de.csv",
                2,
            ),
            (
                "yeezy",
                "yeezy",
                Some("US"),
                "multiTimeline-0000abcd",
                "/x/multiTimeline.csv",
                2,
            ),
            (
                "adidas",
                "adidas",
                Some("US"),
                "multiTimeline-0000abcd",
                "/x/multiTimeline.csv",
                2,
            ),
        ];
        for (term, key, region, group, file, points) in rows {
            let identity = format!(
                "google_trends\u{1f}{group}\u{1f}{key}\u{1f}search_interest\u{1f}{}\u{1f}month",
                region.unwrap_or("")
            );
            conn.execute(
                "INSERT INTO trend_series (identity, term, term_key, source, region, granularity, \
                 scale_group, metric, file) VALUES (?1, ?2, ?3, 'google_trends', ?4, 'month', ?5, \
                 'search_interest', ?6)",
                params![identity, term, key, region, group, file],
            )
            .unwrap();
            let series_key = conn.last_insert_rowid();
            for month in 1..=points {
                conn.execute(
                    "INSERT INTO trend_points VALUES (?1, ?2, ?3, 0, 0)",
                    params![series_key, format!("2022-{month:02}-01"), month * 10],
                )
                .unwrap();
            }
        }
        conn.execute(
            "INSERT INTO trend_related VALUES ('balletcore', 'balletcore', 'top', 'ballet flats', \
             'score', 100)",
            [],
        )
        .unwrap();
    }

    #[test]
    fn an_older_store_is_rekeyed_without_orphans_or_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pointe.db");
        old_store(&path);
        let store = SqliteStore::open(&path).unwrap();
        let all = store.trend_series(None).unwrap();
        assert_eq!(terms(&all), ["adidas", "Balletcore", "coquette", "yeezy"]);
        let balletcore = store.trend_series_written("balletcore").unwrap();
        assert_eq!(
            balletcore.len(),
            1,
            "the refreshed duplicate is one series again"
        );
        assert_eq!(
            balletcore[0].points.len(),
            6,
            "the newest import is the one kept"
        );
        let related = store.related_queries_written("Balletcore").unwrap();
        assert_eq!(related.len(), 1);
        assert_eq!(related[0].region, None);
        assert!(store.check().unwrap().is_empty(), "no orphan points");
        drop(store);
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.trend_series(None).unwrap().len(), 4, "re-keyed once");

        // Importing the same export again, longer, takes the old series over.
        let months: String = (1..=8)
            .map(|m| format!("\"2022-{m:02}-01\",{}\n", m * 12))
            .collect();
        let longer = parse_trend_bytes(
            Path::new("/data/balletcore.csv"),
            format!("\"Time\",\"Balletcore\"\n{months}").as_bytes(),
            &ImportOptions::default(),
        )
        .unwrap();
        assert_eq!(store.put_trend_file(&longer).unwrap(), (0, 1));
        let balletcore = store.trend_series_written("balletcore").unwrap();
        assert_eq!(balletcore.len(), 1);
        assert_eq!(balletcore[0].points.len(), 8);
        assert_eq!(balletcore[0].scale_group, longer.series[0].scale_group);
        assert_eq!(
            store.put_trend_file(&longer).unwrap(),
            (0, 1),
            "and keeps it"
        );

        // A classic export of the same two terms takes both over; of other terms, it does not.
        let classic =
            "Category: All categories\n\nMonth,yeezy: (US),adidas: (US)\n2022-01-01,5,6\n";
        let file = parse("/y/multiTimeline.csv", classic);
        assert_eq!(store.put_trend_file(&file).unwrap(), (0, 2));
        let alone = parse(
            "/y/multiTimeline.csv",
            "Category: All categories\n\nMonth,coquette: (Deutschland)\n2022-01-01,5\n",
        );
        assert_eq!(store.put_trend_file(&alone).unwrap(), (1, 0));
        assert_eq!(store.trend_series(None).unwrap().len(), 5);
        assert!(store.check().unwrap().is_empty());
    }
}
