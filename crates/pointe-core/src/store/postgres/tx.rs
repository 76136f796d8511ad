//! The PostgreSQL store's write transaction ([`StoreTx`]).

use postgres::types::ToSql;
use postgres::{Client, Row, Statement};

use super::bulk::Pending;
use super::catalog::{
    MATCH_COLUMNS, OFFER_COLUMNS, POINT_COLUMNS, PRODUCT_COLUMNS, match_row, point_row_at,
    product_row, stored_offer_row,
};
use super::conn::TxConn;
use super::{Statements, count, us};
use crate::Result;
use crate::domain::PricePoint;
use crate::store::{
    EVERY_PRODUCT, IngestLog, MatchCandidate, OfferData, OfferSeen, PointOrigin, ProductData,
    StoreTx, StoredOffer, StoredProduct, attributes_json, retailer_key, stored_fingerprint,
    to_json,
};

/// A catalog write: it holds the `generation` row's lock from its start to its commit.
pub(super) struct PgTx<'a> {
    tx: TxConn<'a>,
    statements: &'a Statements,
    logs_every_product: bool,
    pending: Pending,
    /// What a load into an empty store set aside, to build again before it commits.
    set_aside: Option<super::load::SetAside>,
}

impl<'a> PgTx<'a> {
    pub(super) fn begin(
        client: &'a mut Option<Client>,
        statements: &'a Statements,
    ) -> Result<PgTx<'a>> {
        let mut tx = TxConn::begin(client)?;
        tx.client()?.execute(
            "SELECT value FROM meta WHERE key = 'generation' FOR UPDATE",
            &[],
        )?;
        Ok(PgTx {
            tx,
            statements,
            logs_every_product: false,
            pending: Pending::default(),
            set_aside: None,
        })
    }

    /// Runs a query, once the products and offers a load holds back are sent (it may read
    /// them).
    fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        self.pending.send_catalog(&mut self.tx)?;
        let (client, stmt) = self.prepared(sql)?;
        Ok(client.query(&stmt, params)?)
    }

    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        self.pending.send_catalog(&mut self.tx)?;
        let (client, stmt) = self.prepared(sql)?;
        Ok(client.execute(&stmt, params)?)
    }

    fn one_i64(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<i64> {
        self.pending.send_catalog(&mut self.tx)?;
        let (client, stmt) = self.prepared(sql)?;
        Ok(client.query_one(&stmt, params)?.try_get(0)?)
    }

    /// The connection, with `sql` prepared on it.
    fn prepared(&mut self, sql: &str) -> Result<(&mut Client, Statement)> {
        let client = self.tx.client()?;
        let stmt = self.statements.get(client, sql)?;
        Ok((client, stmt))
    }

    fn candidates(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<MatchCandidate>> {
        self.query(sql, params)?.iter().map(match_row).collect()
    }
}

/// The product columns a write sets, from `$2` (`$1` is the public id or the key).
const PRODUCT_VALUES: &str = "brand_key, brand, title, title_key, description, \
    google_category_id, category_text, gender, age_group, colours, materials, pattern, \
    image_urls, gtin, mpn, item_group, condition, market, attributes";

/// A product's values in [`PRODUCT_VALUES`]' order.
struct ProductValues {
    category: Option<i64>,
    colours: String,
    materials: String,
    image_urls: String,
    attributes: Option<String>,
}

impl ProductValues {
    fn of(d: &ProductData) -> ProductValues {
        ProductValues {
            category: d.google_category_id.map(i64::from),
            colours: to_json(&d.colours),
            materials: to_json(&d.materials),
            image_urls: to_json(&d.image_urls),
            attributes: attributes_json(d),
        }
    }

    fn params<'v>(&'v self, d: &'v ProductData) -> [&'v (dyn ToSql + Sync); 19] {
        [
            &d.brand_key,
            &d.brand,
            &d.title,
            &d.title_key,
            &d.description,
            &self.category,
            &d.category_text,
            &d.gender,
            &d.age_group,
            &self.colours,
            &self.materials,
            &d.pattern,
            &self.image_urls,
            &d.gtin,
            &d.mpn,
            &d.item_group,
            &d.condition,
            &d.market,
            &self.attributes,
        ]
    }
}

/// An offer's values, in the order the offer statements below bind them from `$2`.
struct OfferValues {
    retailer_key: String,
    currency: String,
    sale: Option<i64>,
    availability: &'static str,
    sizes: String,
    seen: i64,
    fingerprint: Option<i64>,
}

impl OfferValues {
    fn of(d: &OfferData, seen: OfferSeen, fingerprint: Option<u64>) -> OfferValues {
        OfferValues {
            retailer_key: retailer_key(&d.retailer),
            currency: d.price.currency.code().to_string(),
            sale: d.sale_price.map(|s| s.minor),
            availability: d.availability.as_str(),
            sizes: to_json(&d.sizes),
            seen: us(seen.at),
            fingerprint: fingerprint.map(stored_fingerprint),
        }
    }
}

impl StoreTx for PgTx<'_> {
    fn source_key(&mut self, name: &str) -> Result<i64> {
        self.execute(
            "INSERT INTO sources (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
            &[&name],
        )?;
        self.one_i64("SELECT key FROM sources WHERE name = $1", &[&name])
    }

    fn start_ingest(&mut self, source_key: i64, seen_at: jiff::Timestamp) -> Result<i64> {
        let id = self.one_i64(
            "INSERT INTO ingests (source_key, seen_at) VALUES ($1, pointe_time($2)) RETURNING id",
            &[&source_key, &us(seen_at)],
        )?;
        self.execute(
            "UPDATE sources SET last_ingest = $1 WHERE key = $2",
            &[&id, &source_key],
        )?;
        Ok(id)
    }

    fn offer_by_item(&mut self, source_key: i64, item_id: &str) -> Result<Option<StoredOffer>> {
        let sql = format!(
            "SELECT {OFFER_COLUMNS} FROM offers o WHERE o.source_key = $1 AND o.item_id = $2"
        );
        let rows = self.query(&sql, &[&source_key, &item_id])?;
        rows.first().map(stored_offer_row).transpose()
    }

    fn product(&mut self, key: i64) -> Result<StoredProduct> {
        let sql = format!("SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.key = $1");
        let rows = self.query(&sql, &[&key])?;
        let row = rows
            .first()
            .ok_or_else(|| crate::Error::Store(format!("no product of key {key}")))?;
        product_row(row)
    }

    fn find_by_gtin(&mut self, gtin: &str, source_key: i64) -> Result<Vec<MatchCandidate>> {
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM products p WHERE p.gtin = $1 ORDER BY p.key LIMIT 8"
        );
        self.candidates(&sql, &[&gtin, &source_key])
    }

    fn find_by_mpn(
        &mut self,
        brand_key: &str,
        mpn: &str,
        source_key: i64,
    ) -> Result<Vec<MatchCandidate>> {
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM products p WHERE p.brand_key = $3 AND p.mpn = $1 \
             ORDER BY p.key LIMIT 8"
        );
        self.candidates(&sql, &[&mpn, &source_key, &brand_key])
    }

    fn find_by_title(
        &mut self,
        brand_key: Option<&str>,
        title_key: &str,
        exclude_source: i64,
    ) -> Result<Vec<MatchCandidate>> {
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM products p WHERE p.title_key = $1 \
             AND p.brand_key IS NOT DISTINCT FROM $3 \
             AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.product_key = p.key \
             AND o.source_key = $2) ORDER BY p.key LIMIT 32"
        );
        self.candidates(&sql, &[&title_key, &exclude_source, &brand_key])
    }

    fn find_by_item_group(
        &mut self,
        source_key: i64,
        item_group: &str,
    ) -> Result<Vec<MatchCandidate>> {
        let sql = format!(
            "SELECT {MATCH_COLUMNS} FROM products p WHERE p.item_group = $1 AND EXISTS \
             (SELECT 1 FROM offers o WHERE o.product_key = p.key AND o.source_key = $2) \
             ORDER BY p.key LIMIT 32"
        );
        self.candidates(&sql, &[&item_group, &source_key])
    }

    fn insert_product(&mut self, public_id: &str, d: &ProductData) -> Result<Option<i64>> {
        if self.pending.loading() {
            return self.pending.product(&mut self.tx, public_id, d);
        }
        let values = ProductValues::of(d);
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&public_id];
        params.extend(values.params(d));
        let sql = format!(
            "INSERT INTO products (public_id, {PRODUCT_VALUES}) VALUES ({}) \
             ON CONFLICT (public_id) DO NOTHING RETURNING key",
            placeholders(1, 20)
        );
        let rows = self.query(&sql, &params)?;
        Ok(rows.first().map(|r| r.try_get(0)).transpose()?)
    }

    fn update_product(&mut self, key: i64, d: &ProductData) -> Result<()> {
        let values = ProductValues::of(d);
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&key];
        params.extend(values.params(d));
        let sets = PRODUCT_VALUES
            .split(", ")
            .enumerate()
            .map(|(i, c)| format!("{} = ${}", c.trim(), i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        self.execute(
            &format!("UPDATE products SET {sets} WHERE key = $1"),
            &params,
        )?;
        Ok(())
    }

    fn products_after(&mut self, after_key: i64, limit: usize) -> Result<Vec<StoredProduct>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.key > $1 ORDER BY p.key LIMIT $2"
        );
        self.query(&sql, &[&after_key, &count(limit)])?
            .iter()
            .map(product_row)
            .collect()
    }

    fn insert_offer(
        &mut self,
        d: &OfferData,
        seen: OfferSeen,
        fingerprint: Option<u64>,
    ) -> Result<i64> {
        if self.pending.loading() {
            return self.pending.offer(&mut self.tx, d, seen, fingerprint);
        }
        let v = OfferValues::of(d, seen, fingerprint);
        self.one_i64(
            "INSERT INTO offers (product_key, source_key, item_id, retailer, retailer_key, url, \
             currency, price_minor, sale_price_minor, availability, sizes, first_seen, last_seen, \
             last_ingest, in_latest, fingerprint) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, pointe_time($12), \
             pointe_time($12), $13, TRUE, $14) RETURNING key",
            &[
                &d.product_key,
                &d.source_key,
                &d.item_id,
                &d.retailer,
                &v.retailer_key,
                &d.url,
                &v.currency,
                &d.price.minor,
                &v.sale,
                &v.availability,
                &v.sizes,
                &v.seen,
                &seen.ingest_id,
                &v.fingerprint,
            ],
        )
    }

    fn update_offer(
        &mut self,
        key: i64,
        d: &OfferData,
        seen: OfferSeen,
        fingerprint: Option<u64>,
    ) -> Result<()> {
        let v = OfferValues::of(d, seen, fingerprint);
        self.execute(
            "UPDATE offers SET product_key = $2, retailer = $3, retailer_key = $4, url = $5, \
             currency = $6, price_minor = $7, sale_price_minor = $8, availability = $9, \
             sizes = $10, first_seen = least(first_seen, pointe_time($11)), \
             last_seen = greatest(last_seen, pointe_time($11)), last_ingest = $12, \
             in_latest = TRUE, fingerprint = $13 WHERE key = $1",
            &[
                &key,
                &d.product_key,
                &d.retailer,
                &v.retailer_key,
                &d.url,
                &v.currency,
                &d.price.minor,
                &v.sale,
                &v.availability,
                &v.sizes,
                &v.seen,
                &seen.ingest_id,
                &v.fingerprint,
            ],
        )?;
        Ok(())
    }

    fn touch_offer(&mut self, key: i64, seen: OfferSeen, fingerprint: Option<u64>) -> Result<()> {
        self.execute(
            "UPDATE offers SET first_seen = least(first_seen, pointe_time($2)), \
             last_seen = greatest(last_seen, pointe_time($2)), last_ingest = $3, \
             in_latest = TRUE, fingerprint = $4 WHERE key = $1",
            &[
                &key,
                &us(seen.at),
                &seen.ingest_id,
                &fingerprint.map(stored_fingerprint),
            ],
        )?;
        Ok(())
    }

    fn touch_offers(&mut self, keys: &[i64], seen: OfferSeen) -> Result<()> {
        self.execute(
            "UPDATE offers SET first_seen = least(first_seen, pointe_time($2)), \
             last_seen = greatest(last_seen, pointe_time($2)), last_ingest = $3, \
             in_latest = TRUE WHERE key = ANY($1)",
            &[&keys, &us(seen.at), &seen.ingest_id],
        )?;
        Ok(())
    }

    fn offer_fingerprints(
        &mut self,
        source_key: i64,
        each: &mut dyn FnMut(&str, i64, u64),
    ) -> Result<()> {
        let rows = self.query(
            "SELECT item_id, key, fingerprint FROM offers \
             WHERE source_key = $1 AND fingerprint IS NOT NULL",
            &[&source_key],
        )?;
        for r in &rows {
            each(r.try_get(0)?, r.try_get(1)?, r.try_get::<_, i64>(2)? as u64);
        }
        Ok(())
    }

    fn latest_price_point(&mut self, offer_key: i64) -> Result<Option<PricePoint>> {
        let sql = format!(
            "SELECT {POINT_COLUMNS} FROM price_points WHERE offer_key = $1 \
             ORDER BY seen_at DESC, id DESC LIMIT 1"
        );
        // Points that wait to be sent are not read here but from `pending`; no product or
        // offer needs sending first either (an offer that waits has no stored point).
        let (client, stmt) = self.prepared(&sql)?;
        let rows = client.query(&stmt, &[&offer_key])?;
        let stored = rows.first().map(|r| point_row_at(r, 0, 1)).transpose()?;
        // A point that waits is later than any stored at the same time.
        Ok(match (stored, self.pending.latest_point(offer_key)) {
            (Some(s), Some(b)) if s.seen_at > b.seen_at => Some(s),
            (_, Some(b)) => Some(b.clone()),
            (stored, None) => stored,
        })
    }

    fn append_price_point(
        &mut self,
        offer_key: i64,
        p: &PricePoint,
        origin: PointOrigin,
    ) -> Result<()> {
        self.pending.point(&mut self.tx, offer_key, p, origin)
    }

    fn mark_unseen(&mut self, source_key: i64, ingest_id: i64) -> Result<u64> {
        self.execute(
            "UPDATE offers SET in_latest = FALSE \
             WHERE source_key = $1 AND last_ingest <> $2 AND in_latest",
            &[&source_key, &ingest_id],
        )
    }

    fn finish_ingest(&mut self, ingest_id: i64, log: &IngestLog) -> Result<()> {
        let n = |v: u64| v as i64;
        self.execute(
            "UPDATE ingests SET file = $2, format = $3, accepted = $4, updated = $5, \
             unchanged = $6, rejected = $7, unseen = $8 WHERE id = $1",
            &[
                &ingest_id,
                &log.file,
                &log.format,
                &n(log.accepted),
                &n(log.updated),
                &n(log.unchanged),
                &n(log.rejected),
                &n(log.unseen),
            ],
        )?;
        Ok(())
    }

    fn log_every_product(&mut self) -> Result<()> {
        if self.logs_every_product {
            return Ok(());
        }
        self.execute(
            "INSERT INTO changes (generation, product_key) \
             SELECT value + 1, $1 FROM meta WHERE key = 'generation' ON CONFLICT DO NOTHING",
            &[&EVERY_PRODUCT],
        )?;
        self.tx
            .client()?
            .batch_execute("SET LOCAL pointe.log_every = 'on'")?;
        self.logs_every_product = true;
        Ok(())
    }

    /// A load into an empty store: its products and offers go by `COPY` too, with keys
    /// taken ahead (no stored row can clash with them; the store is checked to be empty),
    /// into tables whose indexes and constraints are built after the rows ([`super::load`]).
    fn defer_indexes(&mut self) -> Result<()> {
        let empty = self.query("SELECT NOT EXISTS (SELECT 1 FROM products)", &[])?;
        if empty.first().map(|r| r.try_get(0)).transpose()? == Some(true) {
            self.pending.load();
            self.set_aside = Some(super::load::set_aside(self.tx.client()?)?);
        }
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.pending.send(&mut self.tx)?;
        self.execute(
            "UPDATE meta SET value = value + 1 WHERE key = 'generation'",
            &[],
        )?;
        if let Some(aside) = self.set_aside.take() {
            super::load::restore(self.tx.client()?, &aside)?;
        }
        if self.pending.loading() {
            // The planner has no statistics of tables just filled; without them its plans
            // of the first reads (before autovacuum gets round to them) scan whole tables.
            self.tx.client()?.batch_execute(ANALYZE_CATALOG)?;
        }
        let PgTx { tx, .. } = *self;
        tx.commit()?;
        Ok(())
    }
}

/// Gathers the planner's statistics of the catalog's tables: of every column a query filters
/// or joins on, not of the long texts (description, attributes, images, colours, materials,
/// title), which take half of the time and which no query filters on (autovacuum gathers
/// theirs later).
pub(super) const ANALYZE_CATALOG: &str = "ANALYZE sources, \
    products (key, public_id, brand_key, brand, title_key, google_category_id, category_text, \
    gender, age_group, pattern, gtin, mpn, item_group, condition, market), offers, price_points";

/// `$from, …, $to`.
fn placeholders(from: usize, to: usize) -> String {
    (from..=to)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
