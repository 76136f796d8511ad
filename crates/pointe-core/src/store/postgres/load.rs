//! What a load into an empty store sets aside while it copies: the catalog tables' secondary
//! indexes, unique and foreign-key constraints and change-log triggers. Filling a table and
//! then building its indexes once, sorted, is several times faster than keeping a dozen
//! B-trees and a foreign-key check per row up to date as rows arrive. Everything set aside
//! is built again, from the definitions read here, before the load commits; a load that
//! fails rolls it all back with the rest.
//!
//! Setting them aside locks the catalog tables until the commit: other nodes' reads of the
//! catalog wait for the load (before it they would find it empty).

use postgres::GenericClient;

use crate::Result;

/// The tables whose extras a load sets aside.
const TABLES: &str = "'products'::regclass, 'offers'::regclass, 'price_points'::regclass";

/// The definitions of what was set aside, to build again.
#[derive(Debug, Default)]
pub(super) struct SetAside {
    /// `(table, name, definition)` of unique and foreign-key constraints.
    constraints: Vec<(String, String, String)>,
    /// `CREATE INDEX` statements of the indexes no constraint owns.
    indexes: Vec<String>,
}

/// Reads the definitions, then drops the constraints and indexes and turns the tables'
/// triggers off.
pub(super) fn set_aside(tx: &mut impl GenericClient) -> Result<SetAside> {
    // No other writer until the commit: the load takes keys ahead from the tables' sequences.
    tx.batch_execute("LOCK TABLE products, offers IN EXCLUSIVE MODE")?;
    let constraints = tx.query(
        &format!(
            "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE conrelid IN ({TABLES}) AND contype IN ('u', 'f') \
             AND conparentid = 0 ORDER BY contype DESC, conname"
        ),
        &[],
    )?;
    let indexes = tx.query(
        &format!(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i \
             WHERE indrelid IN ({TABLES}) AND NOT indisprimary \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) \
             ORDER BY 1"
        ),
        &[],
    )?;
    let mut aside = SetAside::default();
    for r in &constraints {
        let (table, name): (String, String) = (r.try_get(0)?, r.try_get(1)?);
        tx.batch_execute(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))?;
        aside.constraints.push((table, name, r.try_get(2)?));
    }
    for r in &indexes {
        let name: String = r.try_get(0)?;
        tx.batch_execute(&format!("DROP INDEX {name}"))?;
        // A partitioned table's index is defined `ON ONLY` the table: made so, it would be
        // left invalid, with none on the partitions. Without `ONLY` it is made on each.
        let create: String = r.try_get(1)?;
        aside.indexes.push(create.replacen(" ON ONLY ", " ON ", 1));
    }
    tx.batch_execute(
        "ALTER TABLE products DISABLE TRIGGER USER; ALTER TABLE offers DISABLE TRIGGER USER",
    )?;
    Ok(aside)
}

/// Builds again what [`set_aside`] took away: unique constraints, then foreign keys (checked
/// against the rows loaded), then the indexes; turns the triggers back on.
pub(super) fn restore(tx: &mut impl GenericClient, aside: &SetAside) -> Result<()> {
    // Sorting a million keys in memory rather than in runs on disk.
    tx.batch_execute("SET LOCAL maintenance_work_mem = '256MB'")?;
    for (table, name, definition) in &aside.constraints {
        tx.batch_execute(&format!(
            "ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
        ))?;
    }
    for create in &aside.indexes {
        tx.batch_execute(create)?;
    }
    tx.batch_execute(
        "ALTER TABLE products ENABLE TRIGGER USER; ALTER TABLE offers ENABLE TRIGGER USER",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::domain::Availability;
    use crate::domain::PricePoint;
    use crate::money::{Currency, Money};
    use crate::store::{Catalog, OfferData, OfferSeen, PgStore, PointOrigin, ProductData, Store};

    /// The catalog tables' indexes, constraints and triggers (with whether each is on).
    fn extras(store: &PgStore) -> Vec<String> {
        let tables = super::TABLES;
        let rows = store
            .query(
                &format!(
                    "SELECT pg_get_indexdef(indexrelid) || CASE WHEN indisvalid THEN '' ELSE ' invalid' END \
                     FROM pg_index WHERE indrelid IN ({tables}) OR indrelid IN \
                       (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'price_points'::regclass) \
                     UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
                       WHERE conrelid IN ({tables}) \
                     UNION ALL SELECT tgname || ' ' || tgenabled::text FROM pg_trigger \
                       WHERE tgrelid IN ({tables}) AND NOT tgisinternal ORDER BY 1"
                ),
                &[],
            )
            .unwrap();
        rows.iter().map(|r| r.get(0)).collect()
    }

    /// A load of `rows` products, each with an offer and a price point, into the empty
    /// store; committed or dropped.
    fn load(store: &mut PgStore, rows: usize, commit: bool) {
        let mut tx = store.begin().unwrap();
        tx.log_every_product().unwrap();
        tx.defer_indexes().unwrap();
        let source = tx.source_key("arket").unwrap();
        let at = "2026-01-05T09:00:00Z".parse().unwrap();
        let ingest_id = tx.start_ingest(source, at).unwrap();
        let gbp = Currency::from_code("GBP").unwrap();
        for n in 0..rows {
            let product = ProductData {
                title: format!("Bow flats {n}"),
                title_key: format!("bow flats {n}"),
                ..ProductData::default()
            };
            let key = tx
                .insert_product(&format!("pt-{n}"), &product)
                .unwrap()
                .unwrap();
            let offer = OfferData {
                product_key: key,
                source_key: source,
                item_id: format!("A{n}"),
                retailer: "Arket".into(),
                url: None,
                price: Money::new(13500 + n as i64, gbp),
                sale_price: None,
                availability: Availability::InStock,
                sizes: Vec::new(),
            };
            let offer_key = tx
                .insert_offer(&offer, OfferSeen { at, ingest_id }, None)
                .unwrap();
            let point = PricePoint {
                seen_at: at,
                price: offer.price,
                sale_price: None,
                availability: Availability::InStock,
            };
            let origin = PointOrigin {
                ingest_id,
                line: n as u64 + 2,
            };
            tx.append_price_point(offer_key, &point, origin).unwrap();
        }
        if commit {
            tx.commit().unwrap();
        }
    }

    fn count(store: &PgStore, sql: &str) -> i64 {
        store.query(sql, &[]).unwrap()[0].get(0)
    }

    #[test]
    fn a_load_builds_again_every_index_constraint_and_trigger_it_set_aside() {
        let Some(url) = pointe_testdata::database_url() else {
            return;
        };
        let mut store = PgStore::scratch(&url).unwrap();
        let before = extras(&store);
        assert!(
            before.iter().any(|e| e.contains("FOREIGN KEY"))
                && before.iter().any(|e| e.contains("products_gtin"))
                // The partitions' own indexes.
                && before
                    .iter()
                    .any(|e| e.contains(".price_points_default USING btree (offer_key"))
                && before.iter().any(|e| e.starts_with("products_changed O")),
            "{before:#?}"
        );
        load(&mut store, 1, false);
        assert_eq!(
            extras(&store),
            before,
            "a load dropped unfinished sets nothing aside"
        );
        load(&mut store, 1, true);
        assert_eq!(extras(&store), before);
        assert_eq!(store.products_after(0, 10).unwrap().len(), 1);
    }

    #[test]
    fn a_load_of_several_batches_keeps_every_row_and_key() {
        let Some(url) = pointe_testdata::database_url() else {
            return;
        };
        let mut store = PgStore::scratch(&url).unwrap();
        // Batches go to the server while the next ones are built; keys are taken ahead.
        let rows = 2 * super::super::bulk::BATCH + 123;
        load(&mut store, rows, true);
        let n = rows as i64;
        assert_eq!(count(&store, "SELECT count(DISTINCT key) FROM products"), n);
        assert_eq!(count(&store, "SELECT count(DISTINCT key) FROM offers"), n);
        // Each offer is its own product's (the restored foreign key holds too) at its price,
        // with its one point.
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM offers o JOIN products p ON p.key = o.product_key \
                 WHERE o.item_id = 'A' || substr(p.public_id, 4) \
                 AND o.price_minor = 13500 + substr(p.public_id, 4)::bigint"
            ),
            n
        );
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM price_points pp JOIN offers o ON o.key = pp.offer_key \
                 WHERE pp.price_minor = o.price_minor"
            ),
            n
        );
        // Keys made after the load follow those it took.
        let mut tx = store.begin().unwrap();
        let key = tx
            .insert_product("pt-after", &ProductData::default())
            .unwrap()
            .unwrap();
        tx.commit().unwrap();
        assert!(
            key > count(
                &store,
                "SELECT max(key) FROM products WHERE public_id <> 'pt-after'"
            )
        );
    }

    #[test]
    fn history_indexes_an_earlier_load_left_invalid_are_made_again_by_a_migration() {
        let Some(url) = pointe_testdata::database_url() else {
            return;
        };
        let mut store = PgStore::scratch(&url).unwrap();
        let before = extras(&store);
        // What an earlier load left; the repair is the fifth migration.
        store
            .client_mut()
            .batch_execute(
                "DROP INDEX price_points_offer, price_points_id; \
                 CREATE INDEX price_points_offer ON ONLY price_points (offer_key, seen_at); \
                 CREATE INDEX price_points_id ON ONLY price_points (id); \
                 DELETE FROM pointe_migrations WHERE version >= 5",
            )
            .unwrap();
        assert_ne!(extras(&store), before);
        store.migrate().unwrap();
        assert_eq!(extras(&store), before);
    }
}
