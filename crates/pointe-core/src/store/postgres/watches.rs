//! Watches, alerts and the price points they read, in the PostgreSQL store ([`WatchStore`]).
//!
//! Price points are numbered by an identity column, and every catalog writer holds the
//! `generation` row's lock until it commits: numbers are given in commit order, so a watch
//! reading from a cursor never passes over a point committed later with a lower number.

use jiff::Timestamp;
use postgres::Row;

use super::catalog::{POINT_COLUMNS, point_row_at};
use super::{PgStore, count};
use crate::domain::PricePoint;
use crate::store::watches::{alert_row, due_among, json, next_attempt, numeric_id, read, unknown};
use crate::store::{Observation, PointOrigin, WatchStore};
use crate::watch::{Alert, Delivery, Watch, WatchState};
use crate::{Error, Result};

const OBSERVATIONS: &str = "SELECT p.id, p.offer_key, pr.public_id, o.item_id, o.retailer, \
     s.name, pointe_us(p.seen_at), p.currency, p.price_minor, p.sale_price_minor, \
     p.availability, p.ingest_id, p.line \
     FROM price_points p JOIN offers o ON o.key = p.offer_key \
     JOIN products pr ON pr.key = o.product_key JOIN sources s ON s.key = o.source_key \
     WHERE p.id > $1 ORDER BY p.id LIMIT $2";

fn observation_row(r: &Row) -> Result<Observation> {
    let ingest: Option<i64> = r.try_get(11)?;
    let line: Option<i64> = r.try_get(12)?;
    Ok(Observation {
        seq: r.try_get(0)?,
        offer_key: r.try_get(1)?,
        product_id: r.try_get(2)?,
        item_id: r.try_get(3)?,
        retailer: r.try_get(4)?,
        source: r.try_get(5)?,
        point: point_row_at(r, 6, 7)?,
        origin: ingest.map(|ingest_id| PointOrigin {
            ingest_id,
            line: line.unwrap_or(0) as u64,
        }),
    })
}

fn alert_of(r: &Row) -> Result<Alert> {
    alert_row(r.try_get(0)?, r.try_get(1)?)
}

impl WatchStore for PgStore {
    fn watches(&self) -> Result<Vec<Watch>> {
        let rows = self.query("SELECT body FROM watches ORDER BY id", &[])?;
        rows.iter().map(|r| read("watch", r.try_get(0)?)).collect()
    }

    fn watch(&self, id: &str) -> Result<Option<Watch>> {
        let Some(n) = numeric_id(id) else {
            return Ok(None);
        };
        let row = self.query_opt("SELECT body FROM watches WHERE id = $1", &[&n])?;
        row.map(|r| read("watch", r.try_get(0)?)).transpose()
    }

    fn add_watch(&mut self, watch: &Watch) -> Result<Watch> {
        let mut tx = self.client_mut().transaction()?;
        let n: i64 = tx
            .query_one("INSERT INTO watches (body) VALUES ('{}') RETURNING id", &[])?
            .try_get(0)?;
        let mut stored = watch.clone();
        stored.id = format!("w{n}");
        tx.execute(
            "UPDATE watches SET body = $2 WHERE id = $1",
            &[&n, &json(&stored)],
        )?;
        tx.commit()?;
        Ok(stored)
    }

    fn remove_watch(&mut self, id: &str) -> Result<bool> {
        let Some(n) = numeric_id(id) else {
            return Ok(false);
        };
        let removed = self
            .client_mut()
            .execute("DELETE FROM watches WHERE id = $1", &[&n])?;
        Ok(removed > 0)
    }

    fn last_observation(&self) -> Result<i64> {
        let rows = self.query("SELECT coalesce(max(id), 0) FROM price_points", &[])?;
        let row = rows
            .first()
            .ok_or_else(|| Error::Store("no answer for the last price point".into()))?;
        Ok(row.try_get(0)?)
    }

    fn observations_after(&self, after: i64, limit: usize) -> Result<Vec<Observation>> {
        let rows = self.query(OBSERVATIONS, &[&after, &count(limit)])?;
        rows.iter().map(observation_row).collect()
    }

    fn points_before(&self, offer_key: i64, seq: i64) -> Result<Vec<PricePoint>> {
        let sql = format!(
            "SELECT {POINT_COLUMNS} FROM price_points WHERE offer_key = $1 AND id < $2 \
             ORDER BY seen_at, id"
        );
        let rows = self.query(&sql, &[&offer_key, &seq])?;
        rows.iter().map(|r| point_row_at(r, 0, 1)).collect()
    }

    fn save_evaluation(
        &mut self,
        watch_id: &str,
        state: &WatchState,
        alerts: &[Alert],
    ) -> Result<usize> {
        let n = numeric_id(watch_id).ok_or_else(|| unknown(watch_id))?;
        let mut tx = self.client_mut().transaction()?;
        let row = tx.query_opt("SELECT body FROM watches WHERE id = $1 FOR UPDATE", &[&n])?;
        // A watch removed meanwhile records nothing more.
        let Some(row) = row else {
            return Ok(0);
        };
        let mut watch: Watch = read("watch", row.try_get(0)?)?;
        watch.state = state.clone();
        tx.execute(
            "UPDATE watches SET body = $2 WHERE id = $1",
            &[&n, &json(&watch)],
        )?;
        let mut recorded = 0;
        for alert in alerts {
            let delivery = alert.delivery.as_ref();
            let mut body = alert.clone();
            body.delivery = None;
            recorded += tx.execute(
                "INSERT INTO alerts (key, watch, raised_at, body, delivery, next_attempt) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING",
                &[
                    &alert.key,
                    &alert.watch_id,
                    &alert.raised_at.to_string(),
                    &json(&body),
                    &delivery.map(json),
                    &next_attempt(delivery),
                ],
            )? as usize;
        }
        tx.commit()?;
        Ok(recorded)
    }

    fn alerts(
        &self,
        since: Option<Timestamp>,
        watch: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Alert>> {
        // As in the embedded store: `since` is checked on the parsed alerts, newest first,
        // until `limit` are found; read in pages, so that the server sends no more than that.
        let page = count(limit.clamp(1, 500));
        let mut before = i64::MAX;
        let mut out = Vec::new();
        while out.len() < limit {
            let rows = self.query(
                "SELECT body, delivery, id FROM alerts WHERE ($1::text IS NULL OR watch = $1) \
                 AND id < $2 ORDER BY id DESC LIMIT $3",
                &[&watch, &before, &page],
            )?;
            for r in &rows {
                let alert = alert_of(r)?;
                if out.len() < limit && since.is_none_or(|s| alert.raised_at >= s) {
                    out.push(alert);
                }
                before = r.try_get(2)?;
            }
            if (rows.len() as i64) < page {
                break;
            }
        }
        out.reverse();
        Ok(out)
    }

    fn due_deliveries(&self, now: Timestamp, limit: usize) -> Result<Vec<Alert>> {
        let rows = self.query(
            "SELECT next_attempt, body, delivery FROM alerts WHERE next_attempt IS NOT NULL \
             ORDER BY id",
            &[],
        )?;
        let rows = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)));
        due_among(rows, now, limit)
    }

    fn record_delivery(&mut self, key: &str, delivery: &Delivery) -> Result<()> {
        self.client_mut().execute(
            "UPDATE alerts SET delivery = $2, next_attempt = $3 WHERE key = $1",
            &[&key, &json(delivery), &next_attempt(Some(delivery))],
        )?;
        Ok(())
    }
}
