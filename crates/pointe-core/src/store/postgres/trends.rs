//! The trend tables of the PostgreSQL store: series with their points, and related queries.
//! Series are found by their identity as in the embedded store; a database is always made at
//! the current schema, so no series keyed the older way is ever met here.

use std::collections::HashSet;

use postgres::{Client, Row, Transaction};

use crate::Result;
pub(super) use crate::store::sqlite_trends::Filter;
use crate::store::sqlite_trends::granularity;
use crate::trends::{
    Point, RelatedKind, RelatedQuery, RelatedValue, Series, TrendFile, TrendSource, fold_term,
    normalise_term,
};

/// The stored series that pass `filter`, each with its points in date order.
pub(super) fn series(client: &mut Client, filter: Filter<'_>) -> Result<Vec<Series>> {
    let (key, fold) = filter.params();
    let rows = client.query(
        "SELECT key, term, term_key, source, region, segment, granularity, scale_group, metric \
         FROM trend_series WHERE ($1::text IS NULL OR term_key = $1) \
         AND ($2::text IS NULL OR term_fold = $2) \
         ORDER BY term_key COLLATE \"C\", term COLLATE \"C\", key",
        &[&key, &fold],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut series = series_head(r)?;
        series.points = points(client, r.try_get(0)?)?;
        out.push(series);
    }
    Ok(out)
}

fn series_head(r: &Row) -> Result<Series> {
    Ok(Series {
        term: r.try_get(1)?,
        key: r.try_get(2)?,
        source: TrendSource::parse(r.try_get(3)?),
        region: r.try_get(4)?,
        segment: r.try_get(5)?,
        granularity: granularity(r.try_get(6)?),
        scale_group: r.try_get(7)?,
        metric: r.try_get(8)?,
        points: Vec::new(),
    })
}

fn points(client: &mut Client, series_key: i64) -> Result<Vec<Point>> {
    let rows = client.query(
        "SELECT date, value, censored, partial FROM trend_points WHERE series_key = $1 \
         ORDER BY date",
        &[&series_key],
    )?;
    rows.iter()
        .map(|r| {
            let date: &str = r.try_get(0)?;
            Ok(Point {
                date: date.parse().map_err(|e: jiff::Error| {
                    crate::Error::Store(format!("stored trend date {date:?}: {e}"))
                })?,
                value: r.try_get(1)?,
                censored: r.try_get(2)?,
                partial: r.try_get(3)?,
            })
        })
        .collect()
}

/// The stored related queries that pass `filter`: per term and region, TOP then RISING, each
/// in the export's order.
pub(super) fn related(client: &mut Client, filter: Filter<'_>) -> Result<Vec<RelatedQuery>> {
    let (key, fold) = filter.params();
    let rows = client.query(
        "SELECT term, region, kind, query, value_kind, value FROM trend_related \
         WHERE ($1::text IS NULL OR term_key = $1) AND ($2::text IS NULL OR term_fold = $2) \
         ORDER BY term COLLATE \"C\", region COLLATE \"C\", kind COLLATE \"C\" DESC, seq",
        &[&key, &fold],
    )?;
    rows.iter().map(related_row).collect()
}

fn related_row(r: &Row) -> Result<RelatedQuery> {
    let region: String = r.try_get(1)?;
    let kind: &str = r.try_get(2)?;
    let value_kind: &str = r.try_get(4)?;
    let value: Option<i64> = r.try_get(5)?;
    let value = value.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32;
    Ok(RelatedQuery {
        term: r.try_get(0)?,
        region: (!region.is_empty()).then_some(region),
        kind: if kind == "rising" {
            RelatedKind::Rising
        } else {
            RelatedKind::Top
        },
        query: r.try_get(3)?,
        value: match value_kind {
            "breakout" => RelatedValue::Breakout,
            "percent" => RelatedValue::Percent(value),
            _ => RelatedValue::Score(value),
        },
    })
}

/// Stores a trend file in one transaction (see [`crate::store::Store::put_trend_file`]).
pub(super) fn put_file(client: &mut Client, file: &TrendFile) -> Result<(u64, u64)> {
    let mut tx = client.transaction()?;
    let file_name = file.path.display().to_string();
    let (mut created, mut replaced) = (0, 0);
    for series in &file.series {
        let found = tx.query_opt(
            "SELECT key FROM trend_series WHERE identity = $1",
            &[&series.id().to_key_string()],
        )?;
        let key = match found {
            Some(row) => {
                let key: i64 = row.try_get(0)?;
                replace(&mut tx, key, series, &file_name)?;
                replaced += 1;
                key
            }
            None => {
                created += 1;
                insert(&mut tx, series, &file_name)?
            }
        };
        let stmt = tx.prepare(
            "INSERT INTO trend_points (series_key, date, value, censored, partial) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (series_key, date) DO UPDATE SET \
             value = excluded.value, censored = excluded.censored, partial = excluded.partial",
        )?;
        for p in &series.points {
            tx.execute(
                &stmt,
                &[&key, &p.date.to_string(), &p.value, &p.censored, &p.partial],
            )?;
        }
    }
    put_related(&mut tx, &file.related)?;
    tx.commit()?;
    Ok((created, replaced))
}

fn replace(tx: &mut Transaction<'_>, key: i64, series: &Series, file_name: &str) -> Result<()> {
    tx.execute("DELETE FROM trend_points WHERE series_key = $1", &[&key])?;
    tx.execute(
        "UPDATE trend_series SET identity = $2, term_key = $3, term_fold = $4, segment = $5, \
         granularity = $6, scale_group = $7, file = $8 WHERE key = $1",
        &[
            &key,
            &series.id().to_key_string(),
            &series.key,
            &fold_term(&series.term),
            &series.segment,
            &series.granularity.as_str(),
            &series.scale_group,
            &file_name,
        ],
    )?;
    Ok(())
}

fn insert(tx: &mut Transaction<'_>, series: &Series, file_name: &str) -> Result<i64> {
    let row = tx.query_one(
        "INSERT INTO trend_series (identity, term, term_key, term_fold, source, region, segment, \
         granularity, scale_group, metric, file) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING key",
        &[
            &series.id().to_key_string(),
            &series.term,
            &series.key,
            &fold_term(&series.term),
            &series.source.as_str(),
            &series.region,
            &series.segment,
            &series.granularity.as_str(),
            &series.scale_group,
            &series.metric,
            &file_name,
        ],
    )?;
    Ok(row.try_get(0)?)
}

/// The related queries of each term and region of the file replace those stored for it.
fn put_related(tx: &mut Transaction<'_>, related: &[RelatedQuery]) -> Result<()> {
    let mut cleared: HashSet<(&str, &str)> = HashSet::new();
    for q in related {
        let region = q.region.as_deref().unwrap_or("");
        if cleared.insert((q.term.as_str(), region)) {
            tx.execute(
                "DELETE FROM trend_related WHERE term = $1 AND region = $2",
                &[&q.term, &region],
            )?;
        }
        let (value_kind, value) = match q.value {
            RelatedValue::Score(v) => ("score", Some(i64::from(v))),
            RelatedValue::Percent(v) => ("percent", Some(i64::from(v))),
            RelatedValue::Breakout => ("breakout", None),
        };
        let kind = if q.kind == RelatedKind::Rising {
            "rising"
        } else {
            "top"
        };
        // A query repeated in one export keeps its last value, at its last place, as the
        // embedded store's `INSERT OR REPLACE` does.
        tx.execute(
            "INSERT INTO trend_related \
             (term, term_fold, term_key, region, kind, query, value_kind, value) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (term, region, kind, query) DO UPDATE SET \
             value_kind = excluded.value_kind, value = excluded.value, seq = excluded.seq",
            &[
                &q.term,
                &fold_term(&q.term),
                &normalise_term(&q.term),
                &region,
                &kind,
                &q.query,
                &value_kind,
                &value,
            ],
        )?;
    }
    Ok(())
}
