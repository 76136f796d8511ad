//! Watches and alerts, kept as JSON bodies beside the catalog, and the price points in the
//! order they were recorded, which watches read from a cursor. An alert's key is unique: an
//! evaluation run again after a crash records nothing twice.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;

use super::{MemoryStore, SqliteStore};
use crate::domain::PricePoint;
use crate::watch::{Alert, Delivery, DeliveryState, Watch, WatchState};
use crate::{Error, Result};

/// Where a price point came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PointOrigin {
    /// The ingest that recorded it.
    pub ingest_id: i64,
    /// The feed row's 1-based line.
    pub line: u64,
}

/// A price point as watches read it: numbered in the order recorded, with its offer.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Its number: later points have higher ones.
    pub seq: i64,
    /// The offer's key.
    pub offer_key: i64,
    /// The product's Pointe id.
    pub product_id: String,
    /// The offer's feed item id.
    pub item_id: String,
    /// The shop.
    pub retailer: String,
    /// The source name.
    pub source: String,
    /// The point.
    pub point: PricePoint,
    /// Its ingest and feed row, when recorded (points older than watches have none).
    pub origin: Option<PointOrigin>,
}

/// Watches, their alerts and the price points they read.
pub trait WatchStore {
    /// Every watch, oldest first.
    fn watches(&self) -> Result<Vec<Watch>>;
    /// The watch of this id.
    fn watch(&self, id: &str) -> Result<Option<Watch>>;
    /// Stores a new watch under the next id (`w1`, `w2`, …) and returns it.
    fn add_watch(&mut self, watch: &Watch) -> Result<Watch>;
    /// Removes a watch (its alerts stay); false when there is none of that id.
    fn remove_watch(&mut self, id: &str) -> Result<bool>;
    /// The number of the latest price point (0 when there is none).
    fn last_observation(&self) -> Result<i64>;
    /// Up to `limit` price points after number `after`, in order.
    fn observations_after(&self, after: i64, limit: usize) -> Result<Vec<Observation>>;
    /// An offer's price points numbered before `seq`, in time order.
    fn points_before(&self, offer_key: i64, seq: i64) -> Result<Vec<PricePoint>>;
    /// Saves what an evaluation of a watch left and the alerts it raised, at once; an alert
    /// whose key is recorded already is not recorded again. Returns the alerts recorded.
    fn save_evaluation(
        &mut self,
        watch_id: &str,
        state: &WatchState,
        alerts: &[Alert],
    ) -> Result<usize>;
    /// Alerts raised at or after `since` (all when none), of one watch or all, oldest first,
    /// at most `limit`.
    fn alerts(
        &self,
        since: Option<Timestamp>,
        watch: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Alert>>;
    /// Alerts whose webhook delivery is pending and due at `now`, at most `limit`.
    fn due_deliveries(&self, now: Timestamp, limit: usize) -> Result<Vec<Alert>>;
    /// Records how an alert's delivery went.
    fn record_delivery(&mut self, key: &str, delivery: &Delivery) -> Result<()>;
}

pub(super) fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("watch records serialise")
}

pub(super) fn read<T: for<'de> serde::Deserialize<'de>>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Store(format!("stored {what}: {e}")))
}

pub(super) fn numeric_id(id: &str) -> Option<i64> {
    id.strip_prefix('w')?.parse().ok()
}

/// The alert with its delivery put back from its own column.
pub(super) fn alert_row(body: &str, delivery: Option<String>) -> Result<Alert> {
    let mut alert: Alert = read("alert", body)?;
    alert.delivery = delivery.map(|d| read("delivery", &d)).transpose()?;
    Ok(alert)
}

/// The first `limit` alerts whose delivery is due at `now`, of rows of (next attempt, body,
/// delivery) in the order stored.
pub(super) fn due_among(
    rows: impl Iterator<Item = Result<(String, String, Option<String>)>>,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<Alert>> {
    let mut out = Vec::new();
    for row in rows {
        let (at, body, delivery) = row?;
        let at: Timestamp = at
            .parse()
            .map_err(|e| Error::Store(format!("stored delivery time {at:?}: {e}")))?;
        if at <= now {
            out.push(alert_row(&body, delivery)?);
            if out.len() == limit {
                break;
            }
        }
    }
    Ok(out)
}

pub(super) fn next_attempt(d: Option<&Delivery>) -> Option<String> {
    d.filter(|d| d.state == DeliveryState::Pending)
        .and_then(|d| d.next_attempt)
        .map(|t| t.to_string())
}

const OBSERVATIONS: &str = "SELECT p.id, p.offer_key, pr.public_id, o.item_id, o.retailer, s.name, \
     p.seen_at, p.currency, p.price_minor, p.sale_price_minor, p.availability, p.ingest_id, p.line \
     FROM price_points p JOIN offers o ON o.key = p.offer_key \
     JOIN products pr ON pr.key = o.product_key JOIN sources s ON s.key = o.source_key \
     WHERE p.id > ?1 ORDER BY p.id LIMIT ?2";

fn observation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Observation> {
    let point = super::sqlite::point_row_at(r, 6, 7)?;
    let ingest: Option<i64> = r.get(11)?;
    let line: Option<i64> = r.get(12)?;
    Ok(Observation {
        seq: r.get(0)?,
        offer_key: r.get(1)?,
        product_id: r.get(2)?,
        item_id: r.get(3)?,
        retailer: r.get(4)?,
        source: r.get(5)?,
        point,
        origin: ingest.map(|ingest_id| PointOrigin {
            ingest_id,
            line: line.unwrap_or(0) as u64,
        }),
    })
}

impl WatchStore for SqliteStore {
    fn watches(&self) -> Result<Vec<Watch>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT body FROM watches ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|r| read("watch", &r?)).collect()
    }

    fn watch(&self, id: &str) -> Result<Option<Watch>> {
        let Some(n) = numeric_id(id) else {
            return Ok(None);
        };
        let body: Option<String> = self
            .conn()
            .query_row("SELECT body FROM watches WHERE id = ?1", [n], |r| r.get(0))
            .optional()?;
        body.map(|b| read("watch", &b)).transpose()
    }

    fn add_watch(&mut self, watch: &Watch) -> Result<Watch> {
        let tx = Transaction::new_unchecked(self.conn(), TransactionBehavior::Immediate)?;
        tx.execute("INSERT INTO watches (body) VALUES ('{}')", [])?;
        let mut stored = watch.clone();
        stored.id = format!("w{}", tx.last_insert_rowid());
        tx.execute(
            "UPDATE watches SET body = ?2 WHERE id = ?1",
            params![tx.last_insert_rowid(), json(&stored)],
        )?;
        tx.commit()?;
        Ok(stored)
    }

    fn remove_watch(&mut self, id: &str) -> Result<bool> {
        let Some(n) = numeric_id(id) else {
            return Ok(false);
        };
        Ok(self
            .conn()
            .execute("DELETE FROM watches WHERE id = ?1", [n])?
            > 0)
    }

    fn last_observation(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT coalesce(max(id), 0) FROM price_points", [], |r| {
                r.get(0)
            })?)
    }

    fn observations_after(&self, after: i64, limit: usize) -> Result<Vec<Observation>> {
        let mut stmt = self.conn().prepare_cached(OBSERVATIONS)?;
        let rows = stmt.query_map(params![after, limit as i64], observation_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn points_before(&self, offer_key: i64, seq: i64) -> Result<Vec<PricePoint>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT seen_at, currency, price_minor, sale_price_minor, availability \
             FROM price_points WHERE offer_key = ?1 AND id < ?2 ORDER BY seen_at, id",
        )?;
        let rows = stmt.query_map(params![offer_key, seq], super::sqlite::point_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn save_evaluation(
        &mut self,
        watch_id: &str,
        state: &WatchState,
        alerts: &[Alert],
    ) -> Result<usize> {
        let n = numeric_id(watch_id).ok_or_else(|| unknown(watch_id))?;
        let tx = Transaction::new_unchecked(self.conn(), TransactionBehavior::Immediate)?;
        let body: Option<String> = tx
            .query_row("SELECT body FROM watches WHERE id = ?1", [n], |r| r.get(0))
            .optional()?;
        // A watch removed meanwhile records nothing more.
        let Some(body) = body else {
            return Ok(0);
        };
        let mut watch: Watch = read("watch", &body)?;
        watch.state = state.clone();
        tx.execute(
            "UPDATE watches SET body = ?2 WHERE id = ?1",
            params![n, json(&watch)],
        )?;
        let mut recorded = 0;
        for alert in alerts {
            let delivery = alert.delivery.as_ref();
            let mut body = alert.clone();
            body.delivery = None;
            recorded += tx.execute(
                "INSERT OR IGNORE INTO alerts (key, watch, raised_at, body, delivery, next_attempt) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    alert.key,
                    alert.watch_id,
                    alert.raised_at.to_string(),
                    json(&body),
                    delivery.map(json),
                    next_attempt(delivery)
                ],
            )?;
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
        // `raised_at` is RFC 3339 text, whose order is not time order once fractions of a
        // second appear, so `since` is checked on the parsed alerts. The newest are read first,
        // and only until `limit` are found.
        let mut stmt = self.conn().prepare_cached(
            "SELECT body, delivery FROM alerts WHERE (?1 IS NULL OR watch = ?1) ORDER BY id DESC",
        )?;
        let rows = stmt.query_map(params![watch], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            if out.len() == limit {
                break;
            }
            let (body, delivery) = row?;
            let alert = alert_row(&body, delivery)?;
            if since.is_none_or(|s| alert.raised_at >= s) {
                out.push(alert);
            }
        }
        out.reverse();
        Ok(out)
    }

    fn due_deliveries(&self, now: Timestamp, limit: usize) -> Result<Vec<Alert>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT next_attempt, body, delivery FROM alerts WHERE next_attempt IS NOT NULL \
             ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        due_among(rows.map(|r| r.map_err(Error::from)), now, limit)
    }

    fn record_delivery(&mut self, key: &str, delivery: &Delivery) -> Result<()> {
        self.conn().execute(
            "UPDATE alerts SET delivery = ?2, next_attempt = ?3 WHERE key = ?1",
            params![key, json(delivery), next_attempt(Some(delivery))],
        )?;
        Ok(())
    }
}

pub(super) fn unknown(id: &str) -> Error {
    Error::Usage(format!("no watch {id:?}"))
}

/// Watches and alerts of a memory store.
#[derive(Debug, Clone, Default)]
pub(super) struct WatchBook {
    next: i64,
    watches: Vec<Watch>,
    alerts: Vec<Alert>,
}

impl WatchStore for MemoryStore {
    fn watches(&self) -> Result<Vec<Watch>> {
        Ok(self.watch_book().watches.clone())
    }

    fn watch(&self, id: &str) -> Result<Option<Watch>> {
        Ok(self
            .watch_book()
            .watches
            .iter()
            .find(|w| w.id == id)
            .cloned())
    }

    fn add_watch(&mut self, watch: &Watch) -> Result<Watch> {
        let book = self.watch_book_mut();
        book.next += 1;
        let mut stored = watch.clone();
        stored.id = format!("w{}", book.next);
        book.watches.push(stored.clone());
        Ok(stored)
    }

    fn remove_watch(&mut self, id: &str) -> Result<bool> {
        let book = self.watch_book_mut();
        let before = book.watches.len();
        book.watches.retain(|w| w.id != id);
        Ok(book.watches.len() < before)
    }

    fn last_observation(&self) -> Result<i64> {
        Ok(self.observed().last().map_or(0, |o| o.seq))
    }

    fn observations_after(&self, after: i64, limit: usize) -> Result<Vec<Observation>> {
        Ok(self
            .observed()
            .into_iter()
            .filter(|o| o.seq > after)
            .take(limit)
            .collect())
    }

    fn points_before(&self, offer_key: i64, seq: i64) -> Result<Vec<PricePoint>> {
        let mut points: Vec<(i64, PricePoint)> = self
            .observed()
            .into_iter()
            .filter(|o| o.offer_key == offer_key && o.seq < seq)
            .map(|o| (o.seq, o.point))
            .collect();
        points.sort_by_key(|(seq, p)| (p.seen_at, *seq));
        Ok(points.into_iter().map(|(_, p)| p).collect())
    }

    fn save_evaluation(
        &mut self,
        watch_id: &str,
        state: &WatchState,
        alerts: &[Alert],
    ) -> Result<usize> {
        let book = self.watch_book_mut();
        let Some(watch) = book.watches.iter_mut().find(|w| w.id == watch_id) else {
            return Ok(0);
        };
        watch.state = state.clone();
        let mut recorded = 0;
        for alert in alerts {
            if !book.alerts.iter().any(|a| a.key == alert.key) {
                book.alerts.push(alert.clone());
                recorded += 1;
            }
        }
        Ok(recorded)
    }

    fn alerts(
        &self,
        since: Option<Timestamp>,
        watch: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Alert>> {
        let mut out: Vec<Alert> = self
            .watch_book()
            .alerts
            .iter()
            .filter(|a| watch.is_none_or(|w| a.watch_id == w))
            .filter(|a| since.is_none_or(|s| a.raised_at >= s))
            .cloned()
            .collect();
        let skip = out.len().saturating_sub(limit);
        Ok(out.split_off(skip))
    }

    fn due_deliveries(&self, now: Timestamp, limit: usize) -> Result<Vec<Alert>> {
        Ok(self
            .watch_book()
            .alerts
            .iter()
            .filter(|a| {
                a.delivery.as_ref().is_some_and(|d| {
                    d.state == DeliveryState::Pending && d.next_attempt.is_none_or(|t| t <= now)
                })
            })
            .take(limit)
            .cloned()
            .collect())
    }

    fn record_delivery(&mut self, key: &str, delivery: &Delivery) -> Result<()> {
        if let Some(a) = self
            .watch_book_mut()
            .alerts
            .iter_mut()
            .find(|a| a.key == key)
        {
            a.delivery = Some(delivery.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Availability;
    use crate::money::{Currency, Money};
    use crate::store::{OfferData, OfferSeen, ProductData, Store};
    use crate::watch::{AlertKind, Rules, WatchTarget};

    trait Both: Store + WatchStore {}
    impl<T: Store + WatchStore> Both for T {}

    fn stores() -> Vec<(&'static str, Box<dyn Both>)> {
        let mut stores = local_stores();
        if let Some(url) = pointe_testdata::database_url() {
            let store = crate::store::PgStore::scratch(&url).unwrap();
            stores.push(("postgres", Box::new(store)));
        }
        stores
    }

    fn local_stores() -> Vec<(&'static str, Box<dyn Both>)> {
        vec![
            ("sqlite", Box::new(SqliteStore::open_in_memory().unwrap())),
            ("memory", Box::new(MemoryStore::new())),
        ]
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn point(when: &str, pounds: i64) -> PricePoint {
        PricePoint {
            seen_at: at(when),
            price: Money::new(pounds * 100, Currency::from_code("GBP").unwrap()),
            sale_price: None,
            availability: Availability::InStock,
        }
    }

    /// One product with one offer and two price points, from ingest 1, lines 2 and 3.
    fn seed(store: &mut dyn Both) -> i64 {
        let mut tx = store.begin().unwrap();
        let source = tx.source_key("arket").unwrap();
        let ingest = tx.start_ingest(source, at("2026-01-05T09:00:00Z")).unwrap();
        let data = ProductData {
            title: "Bow Flats".into(),
            title_key: "bow flats".into(),
            ..ProductData::default()
        };
        let product = tx.insert_product("pt-a", &data).unwrap().unwrap();
        let first = point("2026-01-05T09:00:00Z", 50);
        let offer = OfferData {
            product_key: product,
            source_key: source,
            item_id: "A1".into(),
            retailer: "Arket".into(),
            url: None,
            price: first.price,
            sale_price: None,
            availability: Availability::InStock,
            sizes: Vec::new(),
        };
        let seen = OfferSeen {
            at: first.seen_at,
            ingest_id: ingest,
        };
        let key = tx.insert_offer(&offer, seen, None).unwrap();
        for (line, p) in [(2, first), (3, point("2026-01-06T09:00:00Z", 40))] {
            let origin = PointOrigin {
                ingest_id: ingest,
                line,
            };
            tx.append_price_point(key, &p, origin).unwrap();
        }
        tx.commit().unwrap();
        key
    }

    fn a_watch() -> Watch {
        Watch {
            id: String::new(),
            target: WatchTarget::Product {
                product_id: "pt-a".into(),
                item_id: None,
            },
            rules: Rules::default(),
            webhook: None,
            min_interval_secs: 0,
            auto_swap: false,
            created_at: at("2026-01-05T09:00:00Z"),
            state: WatchState::default(),
        }
    }

    fn alert(key: &str, watch: &str, when: &str) -> Alert {
        Alert {
            key: key.into(),
            delivery: Some(Delivery {
                state: DeliveryState::Pending,
                attempts: 0,
                next_attempt: Some(at(when)),
                delivered_at: None,
                last_error: None,
            }),
            ..Alert::bare(watch, AlertKind::Drop, "pt-a", "Bow Flats".into(), at(when))
        }
    }

    #[test]
    fn price_points_are_read_in_order_with_their_ingest_and_row() {
        for (kind, mut store) in stores() {
            let offer = seed(store.as_mut());
            assert_eq!(store.last_observation().unwrap(), 2, "{kind}");
            let all = store.observations_after(0, 10).unwrap();
            assert_eq!(all.len(), 2, "{kind}");
            assert_eq!(
                (
                    all[1].offer_key,
                    all[1].product_id.as_str(),
                    all[1].source.as_str()
                ),
                (offer, "pt-a", "arket"),
                "{kind}"
            );
            assert_eq!(all[1].origin.map(|o| o.line), Some(3), "{kind}");
            assert_eq!(all[1].point.price.minor, 4000, "{kind}");
            assert_eq!(store.observations_after(1, 10).unwrap().len(), 1, "{kind}");
            let before = store.points_before(offer, all[1].seq).unwrap();
            assert_eq!(before, [point("2026-01-05T09:00:00Z", 50)], "{kind}");
        }
    }

    #[test]
    fn an_alert_is_recorded_once_and_its_delivery_followed() {
        for (kind, mut store) in stores() {
            let watch = a_watch();
            let w1 = store.add_watch(&watch).unwrap();
            let w2 = store.add_watch(&watch).unwrap();
            assert_eq!((w1.id.as_str(), w2.id.as_str()), ("w1", "w2"), "{kind}");
            let state = WatchState {
                cursor: 7,
                ..WatchState::default()
            };
            let first = [alert("k1", "w1", "2026-01-05T10:00:00Z")];
            assert_eq!(store.save_evaluation("w1", &state, &first).unwrap(), 1);
            let again = [
                alert("k1", "w1", "2026-01-05T10:00:00Z"),
                alert("k2", "w1", "2026-01-05T11:00:00Z"),
            ];
            assert_eq!(
                store.save_evaluation("w1", &state, &again).unwrap(),
                1,
                "{kind}"
            );
            assert_eq!(
                store.watch("w1").unwrap().unwrap().state.cursor,
                7,
                "{kind}"
            );
            let since = store
                .alerts(Some(at("2026-01-05T10:30:00Z")), None, 10)
                .unwrap();
            assert_eq!(since.len(), 1, "{kind}");
            assert_eq!(since[0].key, "k2", "{kind}");
            let due = store
                .due_deliveries(at("2026-01-05T10:30:00Z"), 10)
                .unwrap();
            assert_eq!(due.len(), 1, "{kind}: k2 is due later");
            let done = Delivery {
                state: DeliveryState::Delivered,
                attempts: 1,
                next_attempt: None,
                delivered_at: Some(at("2026-01-05T10:31:00Z")),
                last_error: None,
            };
            store.record_delivery("k1", &done).unwrap();
            assert!(
                store
                    .due_deliveries(at("2026-01-05T10:30:00Z"), 10)
                    .unwrap()
                    .is_empty()
            );
            let k1 = store.alerts(None, Some("w1"), 10).unwrap();
            assert_eq!(k1[0].delivery.as_ref(), Some(&done), "{kind}");
            assert!(store.remove_watch("w1").unwrap(), "{kind}");
            assert_eq!(
                store.save_evaluation("w1", &state, &again).unwrap(),
                0,
                "{kind}"
            );
            assert_eq!(
                store.alerts(None, None, 10).unwrap().len(),
                2,
                "alerts stay: {kind}"
            );
        }
    }

    #[test]
    fn the_latest_alerts_come_in_the_order_they_were_raised() {
        for (kind, mut store) in stores() {
            let watch = a_watch();
            store.add_watch(&watch).unwrap();
            store.add_watch(&watch).unwrap();
            let state = WatchState::default();
            for (watch, key, when) in [
                ("w1", "k1", "2026-01-05T10:00:00Z"),
                ("w2", "k2", "2026-01-05T11:00:00Z"),
                ("w1", "k3", "2026-01-05T12:00:00Z"),
                ("w1", "k4", "2026-01-05T13:00:00Z"),
            ] {
                let raised = [alert(key, watch, when)];
                assert_eq!(store.save_evaluation(watch, &state, &raised).unwrap(), 1);
            }
            let keys = |alerts: Vec<Alert>| alerts.into_iter().map(|a| a.key).collect::<Vec<_>>();
            let latest = keys(store.alerts(None, None, 2).unwrap());
            assert_eq!(latest, ["k3", "k4"], "{kind}");
            let of_w1 = keys(store.alerts(None, Some("w1"), 2).unwrap());
            assert_eq!(of_w1, ["k3", "k4"], "{kind}");
            let all_w1 = keys(store.alerts(None, Some("w1"), 10).unwrap());
            assert_eq!(all_w1, ["k1", "k3", "k4"], "{kind}");
            let since = keys(
                store
                    .alerts(Some(at("2026-01-05T10:30:00Z")), None, 10)
                    .unwrap(),
            );
            assert_eq!(since, ["k2", "k3", "k4"], "{kind}");
        }
    }
}
