//! The PostgreSQL store's reads ([`Catalog`]) and the rows they turn into.

use postgres::Row;
use postgres::types::ToSql;

use super::{PgStore, availability, count, currency, time, trends};
use crate::domain::{Offer, PricePoint};
use crate::money::Money;
use crate::store::{
    Catalog, Changes, EVERY_PRODUCT, IngestLog, MatchCandidate, OfferData, ProductData,
    ProductFilter, StoredOffer, StoredProduct, from_json,
};
use crate::{Error, Result};

pub(super) const PRODUCT_COLUMNS: &str = "p.key, p.public_id, p.brand_key, p.brand, p.title, \
    p.title_key, p.description, p.google_category_id, p.category_text, p.gender, p.age_group, \
    p.colours, p.materials, p.pattern, p.image_urls, p.gtin, p.mpn, p.item_group, p.condition, \
    p.market, p.attributes";

pub(super) fn product_row(r: &Row) -> Result<StoredProduct> {
    let category: Option<i64> = r.try_get(7)?;
    let attributes: Option<&str> = r.try_get(20)?;
    Ok(StoredProduct {
        key: r.try_get(0)?,
        id: r.try_get(1)?,
        data: ProductData {
            brand_key: r.try_get(2)?,
            brand: r.try_get(3)?,
            title: r.try_get(4)?,
            title_key: r.try_get(5)?,
            description: r.try_get(6)?,
            google_category_id: category.and_then(|c| u32::try_from(c).ok()),
            category_text: r.try_get(8)?,
            gender: r.try_get(9)?,
            age_group: r.try_get(10)?,
            colours: from_json(r.try_get(11)?),
            materials: from_json(r.try_get(12)?),
            pattern: r.try_get(13)?,
            image_urls: from_json(r.try_get(14)?),
            gtin: r.try_get(15)?,
            mpn: r.try_get(16)?,
            item_group: r.try_get(17)?,
            condition: r.try_get(18)?,
            market: r.try_get(19)?,
            attributes: attributes.and_then(crate::store::compact::decode),
        },
    })
}

/// The columns [`match_row`] reads; `$2` is the key of the source being ingested.
pub(super) const MATCH_COLUMNS: &str = "p.key, p.colours, p.title_key, p.item_group, EXISTS \
    (SELECT 1 FROM offers o WHERE o.product_key = p.key AND o.source_key = $2)";

pub(super) fn match_row(r: &Row) -> Result<MatchCandidate> {
    Ok(MatchCandidate {
        product_key: r.try_get(0)?,
        colours: from_json(r.try_get(1)?)
            .iter()
            .map(|c| crate::text::fold_key(c))
            .collect(),
        title_key: r.try_get(2)?,
        item_group: r.try_get(3)?,
        in_source: r.try_get(4)?,
    })
}

pub(super) const OFFER_COLUMNS: &str = "o.key, o.product_key, o.source_key, o.item_id, \
    o.retailer, o.url, o.currency, o.price_minor, o.sale_price_minor, o.availability, o.sizes, \
    pointe_us(o.first_seen), pointe_us(o.last_seen), o.last_ingest";

pub(super) fn stored_offer_row(r: &Row) -> Result<StoredOffer> {
    let cur = currency(r.try_get(6)?)?;
    let sale: Option<i64> = r.try_get(8)?;
    Ok(StoredOffer {
        key: r.try_get(0)?,
        data: OfferData {
            product_key: r.try_get(1)?,
            source_key: r.try_get(2)?,
            item_id: r.try_get(3)?,
            retailer: r.try_get(4)?,
            url: r.try_get(5)?,
            price: Money::new(r.try_get(7)?, cur),
            sale_price: sale.map(|m| Money::new(m, cur)),
            availability: availability(r.try_get(9)?)?,
            sizes: from_json(r.try_get(10)?),
        },
        first_seen: time(r, 11)?,
        last_seen: time(r, 12)?,
        last_ingest: r.try_get(13)?,
    })
}

pub(super) const POINT_COLUMNS: &str =
    "pointe_us(seen_at), currency, price_minor, sale_price_minor, availability";

/// A price point whose time is column `seen`, and whose currency, price, sale price and
/// availability are the four columns from `first`.
pub(crate) fn point_row_at(r: &Row, seen: usize, first: usize) -> Result<PricePoint> {
    let cur = currency(r.try_get(first)?)?;
    let sale: Option<i64> = r.try_get(first + 2)?;
    Ok(PricePoint {
        seen_at: time(r, seen)?,
        price: Money::new(r.try_get(first + 1)?, cur),
        sale_price: sale.map(|m| Money::new(m, cur)),
        availability: availability(r.try_get(first + 3)?)?,
    })
}

/// An offer as [`Catalog::offers_of`] gives it, from [`OFFER_COLUMNS`] then the source's name,
/// the product's public id and whether the latest ingest saw it.
fn offer_row(r: &Row) -> Result<Offer> {
    let stored = stored_offer_row(r)?;
    Ok(Offer {
        id: stored.key,
        product_id: r.try_get(15)?,
        source: r.try_get(14)?,
        item_id: stored.data.item_id,
        retailer: stored.data.retailer,
        url: stored.data.url,
        price: stored.data.price,
        sale_price: stored.data.sale_price,
        availability: stored.data.availability,
        sizes: stored.data.sizes,
        first_seen: stored.first_seen,
        last_seen: stored.last_seen,
        in_latest_ingest: r.try_get(16)?,
    })
}

fn all<T>(rows: Vec<Row>, each: impl Fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(each).collect()
}

fn edit_of(slug: &str, body: &str) -> Result<crate::edit::Edit> {
    serde_json::from_str(body)
        .map_err(|e| Error::Store(format!("edit {slug:?} cannot be read: {e}")))
}

impl PgStore {
    pub(super) fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let mut client = self.client();
        let stmt = self.statements.get(&mut *client, sql)?;
        Ok(client.query(&stmt, params)?)
    }

    pub(super) fn query_opt(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>> {
        let mut client = self.client();
        let stmt = self.statements.get(&mut *client, sql)?;
        Ok(client.query_opt(&stmt, params)?)
    }

    fn meta(&self, key: &str) -> Result<i64> {
        let row = self.query("SELECT value FROM meta WHERE key = $1", &[&key])?;
        let row = row
            .first()
            .ok_or_else(|| Error::Store(format!("the store has no {key} record")))?;
        Ok(row.try_get(0)?)
    }
}

impl Catalog for PgStore {
    fn begin_read(&self) -> Result<()> {
        self.client()
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        self.reading.set(true);
        self.generation()?;
        Ok(())
    }

    fn end_read(&self) -> Result<()> {
        if self.reading.replace(false) {
            self.client().batch_execute("COMMIT")?;
        }
        Ok(())
    }

    fn product_by_id(&self, id: &str) -> Result<Option<StoredProduct>> {
        let sql = format!("SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.public_id = $1");
        self.query_opt(&sql, &[&id])?
            .map(|r| product_row(&r))
            .transpose()
    }

    fn products_by_item_id(&self, item_id: &str) -> Result<Vec<(StoredProduct, String)>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS}, s.name FROM offers o JOIN products p ON p.key = o.product_key \
             JOIN sources s ON s.key = o.source_key WHERE o.item_id = $1 ORDER BY p.key, s.name"
        );
        all(self.query(&sql, &[&item_id])?, |r| {
            Ok((product_row(r)?, r.try_get(21)?))
        })
    }

    fn products_by_url(&self, url: &str) -> Result<Vec<StoredProduct>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.key IN \
             (SELECT o.product_key FROM offers o WHERE o.url = $1) ORDER BY p.key"
        );
        all(self.query(&sql, &[&url])?, product_row)
    }

    fn products_by_title_key(&self, title_key: &str, limit: usize) -> Result<Vec<StoredProduct>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.title_key = $1 ORDER BY p.key LIMIT $2"
        );
        all(self.query(&sql, &[&title_key, &count(limit)])?, product_row)
    }

    fn ids_like(&self, prefix: &str, limit: usize) -> Result<Vec<String>> {
        let escaped: String = prefix
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                _ => vec![c],
            })
            .collect();
        let pattern = format!("{escaped}%");
        // As the embedded store matches (ASCII letters in either case) and sorts (byte order).
        let rows = self.query(
            "SELECT id FROM (SELECT item_id AS id FROM offers WHERE item_id ILIKE $1 \
             UNION SELECT public_id FROM products WHERE public_id ILIKE $1) ids \
             ORDER BY id COLLATE \"C\" LIMIT $2",
            &[&pattern, &count(limit)],
        )?;
        all(rows, |r| Ok(r.try_get(0)?))
    }

    fn brand_name(&self, brand_key: &str) -> Result<Option<String>> {
        let row = self.query_opt(
            "SELECT brand FROM products WHERE brand_key = $1 AND brand IS NOT NULL \
             ORDER BY key LIMIT 1",
            &[&brand_key],
        )?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    fn list_products(&self, filter: &ProductFilter) -> Result<(Vec<StoredProduct>, u64)> {
        let mut clauses = Vec::new();
        let mut args: Vec<&(dyn ToSql + Sync)> = Vec::new();
        if let Some(brand) = &filter.brand_key {
            args.push(brand);
            clauses.push(format!("p.brand_key = ${}", args.len()));
        }
        if let Some(retailer) = &filter.retailer_key {
            args.push(retailer);
            clauses.push(format!(
                "p.key IN (SELECT o.product_key FROM offers o WHERE o.retailer_key = ${})",
                args.len()
            ));
        }
        let filter_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let total: i64 = self
            .query(
                &format!("SELECT count(*) FROM products p {filter_sql}"),
                &args,
            )?
            .first()
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or(0);
        let limit = filter.limit.map(count);
        let offset = count(filter.offset);
        args.push(&limit);
        args.push(&offset);
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p {filter_sql} ORDER BY p.key LIMIT ${} OFFSET ${}",
            args.len() - 1,
            args.len()
        );
        Ok((all(self.query(&sql, &args)?, product_row)?, total as u64))
    }

    fn offers_of(&self, product_key: i64) -> Result<Vec<Offer>> {
        Ok(self
            .offers_of_products(&[product_key])?
            .pop()
            .unwrap_or_default())
    }

    fn offers_of_products(&self, product_keys: &[i64]) -> Result<Vec<Vec<Offer>>> {
        let sql = format!(
            "SELECT {OFFER_COLUMNS}, s.name, p.public_id, o.in_latest FROM offers o \
             JOIN sources s ON s.key = o.source_key JOIN products p ON p.key = o.product_key \
             WHERE o.product_key = ANY($1) ORDER BY o.product_key, o.in_latest DESC, o.key"
        );
        let mut by_product: std::collections::HashMap<i64, Vec<Offer>> =
            std::collections::HashMap::new();
        for r in &self.query(&sql, &[&product_keys])? {
            let offer = offer_row(r)?;
            by_product.entry(r.try_get(1)?).or_default().push(offer);
        }
        Ok(product_keys
            .iter()
            .map(|k| by_product.remove(k).unwrap_or_default())
            .collect())
    }

    fn price_history(&self, offer_id: i64) -> Result<Vec<PricePoint>> {
        let sql = format!(
            "SELECT {POINT_COLUMNS} FROM price_points WHERE offer_key = $1 ORDER BY seen_at, id"
        );
        all(self.query(&sql, &[&offer_id])?, |r| point_row_at(r, 0, 1))
    }

    fn fx_rates(&self) -> Result<Vec<(String, String, String)>> {
        let rows = self.query(
            "SELECT date, currency, rate FROM fx_rates ORDER BY date, currency",
            &[],
        )?;
        all(rows, |r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
    }

    fn ingests(&self, limit: usize) -> Result<Vec<IngestLog>> {
        let rows = self.query(
            "SELECT s.name, i.file, i.format, pointe_us(i.seen_at), i.accepted, i.updated, \
             i.unchanged, i.rejected, i.unseen FROM ingests i JOIN sources s ON s.key = i.source_key \
             WHERE i.accepted IS NOT NULL ORDER BY i.id DESC LIMIT $1",
            &[&count(limit)],
        )?;
        all(rows, |r| {
            let n = |i: usize| -> Result<u64> { Ok(r.try_get::<_, i64>(i)? as u64) };
            Ok(IngestLog {
                source: r.try_get(0)?,
                file: r.try_get(1)?,
                format: r.try_get(2)?,
                seen_at: time(r, 3)?,
                accepted: n(4)?,
                updated: n(5)?,
                unchanged: n(6)?,
                rejected: n(7)?,
                unseen: n(8)?,
            })
        })
    }

    fn trend_series(&self, key: Option<&str>) -> Result<Vec<crate::trends::Series>> {
        let filter = key.map_or(trends::Filter::All, trends::Filter::Key);
        trends::series(&mut self.client(), filter)
    }

    fn trend_series_written(&self, term: &str) -> Result<Vec<crate::trends::Series>> {
        trends::series(&mut self.client(), trends::Filter::Written(term))
    }

    fn related_queries(&self, key: &str) -> Result<Vec<crate::trends::RelatedQuery>> {
        trends::related(&mut self.client(), trends::Filter::Key(key))
    }

    fn related_queries_written(&self, term: &str) -> Result<Vec<crate::trends::RelatedQuery>> {
        trends::related(&mut self.client(), trends::Filter::Written(term))
    }

    fn edit(&self, slug: &str) -> Result<Option<crate::edit::Edit>> {
        let row = self.query_opt("SELECT body FROM edits WHERE slug = $1", &[&slug])?;
        row.map(|r| edit_of(slug, r.try_get(0)?)).transpose()
    }

    fn edits(&self) -> Result<Vec<crate::edit::Edit>> {
        let rows = self.query("SELECT slug, body FROM edits ORDER BY slug", &[])?;
        all(rows, |r| edit_of(r.try_get(0)?, r.try_get(1)?))
    }

    fn generation(&self) -> Result<u64> {
        Ok(self.meta("generation")? as u64)
    }

    fn changes_since(&self, after: u64) -> Result<Changes> {
        if (after as i64) < self.meta("changes_trimmed")? {
            return Ok(Changes::All);
        }
        let rows = self.query(
            "SELECT DISTINCT product_key FROM changes WHERE generation > $1 ORDER BY product_key",
            &[&(after as i64)],
        )?;
        let keys = all(rows, |r| Ok(r.try_get::<_, i64>(0)?))?;
        Ok(if keys.first() == Some(&EVERY_PRODUCT) {
            Changes::All
        } else {
            Changes::Products(keys)
        })
    }

    fn trim_changes(&self, through: u64) -> Result<()> {
        let through = through.min(self.generation()?) as i64;
        let mut client = self.client();
        let mut tx = client.transaction()?;
        // With several nodes, each index's position holds the log back: it is trimmed only
        // up to the lowest position of the nodes seen lately.
        let through = match &self.replica {
            Some(name) => {
                tx.execute(
                    "INSERT INTO index_replicas (name, generation) VALUES ($1, $2) \
                     ON CONFLICT (name) DO UPDATE SET generation = excluded.generation, \
                     seen_at = now()",
                    &[name, &through],
                )?;
                tx.execute(
                    "DELETE FROM index_replicas WHERE seen_at < now() - make_interval(days => $1)",
                    &[&super::REPLICA_HOLD_DAYS],
                )?;
                let lowest: Option<i64> = tx
                    .query_one("SELECT min(generation) FROM index_replicas", &[])?
                    .try_get(0)?;
                lowest.unwrap_or(through).min(through)
            }
            None => through,
        };
        tx.execute("DELETE FROM changes WHERE generation <= $1", &[&through])?;
        tx.execute(
            "UPDATE meta SET value = greatest(value, $1) WHERE key = 'changes_trimmed'",
            &[&through],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn products_by_keys(&self, keys: &[i64]) -> Result<Vec<StoredProduct>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.key = ANY($1) ORDER BY p.key"
        );
        all(self.query(&sql, &[&keys])?, product_row)
    }

    fn products_after(&self, after_key: i64, limit: usize) -> Result<Vec<StoredProduct>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.key > $1 ORDER BY p.key LIMIT $2"
        );
        all(self.query(&sql, &[&after_key, &count(limit)])?, product_row)
    }
}
