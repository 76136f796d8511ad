//! What a write transaction of the PostgreSQL store sends by `COPY` (one round trip for
//! thousands of rows rather than one each): every price point, and for a load into an empty
//! store the products and offers too, with keys taken from their sequences ahead.
//!
//! Rows wait in memory until a batch is full, until the transaction runs any other statement
//! (which must see them), or until it commits. Products go before offers and offers before
//! price points, as their foreign keys want.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use jiff::Timestamp;
use postgres::GenericClient;

use super::conn::TxConn;
use super::us;
use crate::Result;
use crate::domain::PricePoint;
use crate::store::{
    OfferData, OfferSeen, PointOrigin, ProductData, attributes_json, retailer_key,
    stored_fingerprint, to_json,
};

/// The most rows of one table kept in memory before they are copied to the server.
pub(super) const BATCH: usize = 20_000;

/// Rows in `COPY`'s text format, waiting to be sent.
#[derive(Debug, Default)]
pub(super) struct Rows {
    text: String,
    count: usize,
}

impl Rows {
    /// The rows, leaving none.
    fn take(&mut self) -> String {
        self.count = 0;
        std::mem::take(&mut self.text)
    }

    /// Sends the rows to `copy` (a `COPY … FROM STDIN` statement).
    pub(super) fn send(&mut self, client: &mut impl GenericClient, copy: &str) -> Result<()> {
        super::conn::copy_all(client, &[(copy, &self.text)])?;
        self.clear();
        Ok(())
    }

    /// Forgets the rows once they are sent.
    fn clear(&mut self) {
        self.text.clear();
        self.count = 0;
    }

    /// Ends the row being written; true when the batch is full.
    pub(super) fn end_row(&mut self) -> bool {
        // The last field's tab becomes the line's end.
        self.text.pop();
        self.text.push('\n');
        self.count += 1;
        self.count >= BATCH
    }

    /// A text field, escaped as `COPY` reads it; `None` is NULL.
    pub(super) fn text(&mut self, value: Option<&str>) {
        match value {
            None => self.text.push_str("\\N"),
            Some(v) => {
                // Runs without a character to escape are copied whole.
                let mut rest = v;
                while let Some(at) = rest.find(['\\', '\t', '\n', '\r']) {
                    self.text.push_str(&rest[..at]);
                    self.text.push_str(match rest.as_bytes()[at] {
                        b'\\' => "\\\\",
                        b'\t' => "\\t",
                        b'\n' => "\\n",
                        _ => "\\r",
                    });
                    rest = &rest[at + 1..];
                }
                self.text.push_str(rest);
            }
        }
        self.text.push('\t');
    }

    /// A number field; `None` is NULL.
    pub(super) fn number(&mut self, value: Option<i64>) {
        match value {
            None => self.text.push_str("\\N"),
            Some(n) => {
                let _ = write!(self.text, "{n}");
            }
        }
        self.text.push('\t');
    }

    /// A time field, to the microsecond the column keeps.
    fn time(&mut self, at: Timestamp) {
        let at = Timestamp::from_microsecond(us(at)).unwrap_or(at);
        let _ = write!(self.text, "{at}\t");
    }
}

/// Keys taken from a table's sequence ahead of the rows that use them.
#[derive(Debug, Default)]
struct Keys {
    free: Vec<i64>,
}

impl Keys {
    fn next(&mut self, conn: &mut TxConn<'_>, table: &str) -> Result<i64> {
        if self.free.is_empty() {
            self.reserve(conn, table, BATCH)?;
        }
        self.free
            .pop()
            .ok_or_else(|| crate::Error::Store(format!("no key left for {table}")))
    }

    /// Takes keys ahead until at least `n` are free (kept in descending order: the next is
    /// last). They are one range of the sequence, taken in one step: only a load takes keys
    /// ahead, and it holds the tables locked against every other writer (whose inserts would
    /// draw from the same sequence) until it commits.
    fn reserve(&mut self, conn: &mut TxConn<'_>, table: &str, n: usize) -> Result<()> {
        if self.free.len() >= n {
            return Ok(());
        }
        let more = (n - self.free.len()) as i64;
        let last: i64 = conn
            .client()?
            .query_one(
                "SELECT setval(s, nextval(s) + $2 - 1) FROM pg_get_serial_sequence($1, 'key') s",
                &[&table, &more],
            )?
            .try_get(0)?;
        let mut free: Vec<i64> = (last - more + 1..=last).rev().collect();
        free.append(&mut self.free);
        self.free = free;
        Ok(())
    }
}

const COPY_POINTS: &str = "COPY price_points (offer_key, seen_at, currency, price_minor, \
    sale_price_minor, availability, ingest_id, line) FROM STDIN";

const COPY_PRODUCTS: &str = "COPY products (key, public_id, brand_key, brand, title, \
    title_key, description, google_category_id, category_text, gender, age_group, colours, \
    materials, pattern, image_urls, gtin, mpn, item_group, condition, market, attributes) \
    FROM STDIN";

const COPY_OFFERS: &str = "COPY offers (key, product_key, source_key, item_id, retailer, \
    retailer_key, url, currency, price_minor, sale_price_minor, availability, sizes, \
    first_seen, last_seen, last_ingest, in_latest, fingerprint) FROM STDIN";

/// The rows a transaction has not sent yet.
#[derive(Debug, Default)]
pub(super) struct Pending {
    points: Rows,
    /// The latest point appended for each offer, for `latest_price_point`.
    latest: HashMap<i64, PricePoint>,
    /// Whether products and offers wait too (a load into an empty store).
    loading: bool,
    products: Rows,
    offers: Rows,
    product_keys: Keys,
    offer_keys: Keys,
    /// The public ids of the products this load made.
    public_ids: HashSet<String>,
}

impl Pending {
    /// Products and offers wait from now on (a load into an empty store, whose rows no
    /// stored row can clash with).
    pub(super) fn load(&mut self) {
        self.loading = true;
    }

    pub(super) fn loading(&self) -> bool {
        self.loading
    }

    /// The latest point of `offer_key` that waits to be sent.
    pub(super) fn latest_point(&self, offer_key: i64) -> Option<&PricePoint> {
        self.latest.get(&offer_key)
    }

    /// A point to send.
    pub(super) fn point(
        &mut self,
        conn: &mut TxConn<'_>,
        offer_key: i64,
        p: &PricePoint,
        origin: PointOrigin,
    ) -> Result<()> {
        let rows = &mut self.points;
        rows.number(Some(offer_key));
        rows.time(p.seen_at);
        rows.text(Some(p.price.currency.code()));
        rows.number(Some(p.price.minor));
        rows.number(p.sale_price.map(|s| s.minor));
        rows.text(Some(p.availability.as_str()));
        rows.number(Some(origin.ingest_id));
        rows.number(Some(origin.line as i64));
        let full = rows.end_row();
        let later = self
            .latest
            .get(&offer_key)
            .is_none_or(|b| p.seen_at >= b.seen_at);
        if later {
            self.latest.insert(offer_key, p.clone());
        }
        if full { self.send_away(conn) } else { Ok(()) }
    }

    /// A product to send, with its new key; `None` when this load made one of that public id.
    pub(super) fn product(
        &mut self,
        conn: &mut TxConn<'_>,
        public_id: &str,
        d: &ProductData,
    ) -> Result<Option<i64>> {
        if !self.public_ids.insert(public_id.to_string()) {
            return Ok(None);
        }
        let key = self.product_keys.next(conn, "products")?;
        let rows = &mut self.products;
        rows.number(Some(key));
        rows.text(Some(public_id));
        for text in [&d.brand_key, &d.brand] {
            rows.text(text.as_deref());
        }
        rows.text(Some(&d.title));
        rows.text(Some(&d.title_key));
        rows.text(d.description.as_deref());
        rows.number(d.google_category_id.map(i64::from));
        for text in [&d.category_text, &d.gender, &d.age_group] {
            rows.text(text.as_deref());
        }
        rows.text(Some(&to_json(&d.colours)));
        rows.text(Some(&to_json(&d.materials)));
        rows.text(d.pattern.as_deref());
        rows.text(Some(&to_json(&d.image_urls)));
        for text in [&d.gtin, &d.mpn, &d.item_group, &d.condition, &d.market] {
            rows.text(text.as_deref());
        }
        rows.text(attributes_json(d).as_deref());
        if rows.end_row() {
            self.send_away(conn)?;
        }
        Ok(Some(key))
    }

    /// An offer to send, with its new key.
    pub(super) fn offer(
        &mut self,
        conn: &mut TxConn<'_>,
        d: &OfferData,
        seen: OfferSeen,
        fingerprint: Option<u64>,
    ) -> Result<i64> {
        let key = self.offer_keys.next(conn, "offers")?;
        let rows = &mut self.offers;
        for n in [key, d.product_key, d.source_key] {
            rows.number(Some(n));
        }
        rows.text(Some(&d.item_id));
        rows.text(Some(&d.retailer));
        rows.text(Some(&retailer_key(&d.retailer)));
        rows.text(d.url.as_deref());
        rows.text(Some(d.price.currency.code()));
        rows.number(Some(d.price.minor));
        rows.number(d.sale_price.map(|s| s.minor));
        rows.text(Some(d.availability.as_str()));
        rows.text(Some(&to_json(&d.sizes)));
        rows.time(seen.at);
        rows.time(seen.at);
        rows.number(Some(seen.ingest_id));
        rows.text(Some("t"));
        rows.number(fingerprint.map(stored_fingerprint));
        if rows.end_row() {
            self.send_away(conn)?;
        }
        Ok(key)
    }

    /// Sends the waiting products and offers, before a statement that reads or writes
    /// either.
    pub(super) fn send_catalog(&mut self, conn: &mut TxConn<'_>) -> Result<()> {
        conn.send_here(&[
            (COPY_PRODUCTS, self.products.text.as_str()),
            (COPY_OFFERS, self.offers.text.as_str()),
        ])?;
        self.products.clear();
        self.offers.clear();
        Ok(())
    }

    /// Sends every waiting row: products, then offers, then price points.
    pub(super) fn send(&mut self, conn: &mut TxConn<'_>) -> Result<()> {
        self.send_catalog(conn)?;
        conn.send_here(&[(COPY_POINTS, self.points.text.as_str())])?;
        self.points.clear();
        // The points are stored now: `latest_price_point` reads them there.
        self.latest.clear();
        Ok(())
    }

    /// Hands a full batch to the connection's sending thread and goes on with buffers it
    /// emptied. A load first takes the keys the next batch may use, so that building it asks
    /// nothing of the connection while the batch is being sent.
    fn send_away(&mut self, conn: &mut TxConn<'_>) -> Result<()> {
        if self.loading {
            self.product_keys.reserve(conn, "products", BATCH)?;
            self.offer_keys.reserve(conn, "offers", BATCH)?;
        }
        let mut tables = [
            (COPY_PRODUCTS, &mut self.products),
            (COPY_OFFERS, &mut self.offers),
            (COPY_POINTS, &mut self.points),
        ];
        let copies = tables.iter_mut().map(|(copy, rows)| (*copy, rows.take()));
        let mut emptied = conn.send_away(copies.collect())?.into_iter();
        for (_, rows) in tables {
            rows.text = emptied.next().unwrap_or_default();
        }
        // Any read of a point from now waits for these to be stored.
        self.latest.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_are_escaped_as_copy_reads_them() {
        let mut rows = Rows::default();
        rows.text(Some("a\tb\\c\nd\re"));
        rows.text(None);
        rows.number(Some(-7));
        assert!(!rows.end_row());
        assert_eq!(rows.text, "a\\tb\\\\c\\nd\\re\t\\N\t-7\n");
    }
}
