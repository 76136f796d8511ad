//! The SQLite FTS5 peer of Pointe's search index: the same fields of every product, read from
//! the store the same way, one row per product keyed by the product's store key.

use std::path::Path;

use pointe_core::store::{Catalog, SqliteStore, for_each_product};
use pointe_search::IndexContext;
use rusqlite::params;

const FTS_SCHEMA: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
     CREATE VIRTUAL TABLE docs USING fts5(title, description, brand, attr_words,
         tokenize = 'porter unicode61 remove_diacritics 2');
     CREATE TABLE feats (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, price_gbp INTEGER,
         features TEXT NOT NULL);";

/// An empty peer (for runs that leave it out).
pub fn build_fts_empty(path: &Path) -> anyhow::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(FTS_SCHEMA)?;
    Ok(conn)
}

/// The peer of every product of `store`, in one transaction, then optimised.
pub fn build_fts(
    path: &Path,
    store: &SqliteStore,
    ctx: &IndexContext,
) -> anyhow::Result<rusqlite::Connection> {
    let mut conn = build_fts_empty(path)?;
    let tx = conn.transaction()?;
    for_each_product(store, 2000, |p| -> anyhow::Result<()> {
        put(&tx, store, &p, ctx)
    })?;
    tx.execute_batch("CREATE INDEX feats_price ON feats (price_gbp);")?;
    tx.commit()?;
    conn.execute_batch("INSERT INTO docs(docs) VALUES ('optimize');")?;
    Ok(conn)
}

/// Replaces the rows of the products with these keys, in one transaction: FTS5's own
/// incremental update.
pub fn update_fts(
    conn: &mut rusqlite::Connection,
    store: &SqliteStore,
    keys: &[i64],
    ctx: &IndexContext,
) -> anyhow::Result<()> {
    let tx = conn.transaction()?;
    for p in store.products_by_keys(keys)? {
        tx.prepare_cached("DELETE FROM docs WHERE rowid = ?1")?
            .execute([p.key])?;
        tx.prepare_cached("DELETE FROM feats WHERE rowid = ?1")?
            .execute([p.key])?;
        put(&tx, store, &p, ctx)?;
    }
    tx.commit()?;
    Ok(())
}

fn put(
    tx: &rusqlite::Transaction<'_>,
    store: &SqliteStore,
    p: &pointe_core::store::StoredProduct,
    ctx: &IndexContext,
) -> anyhow::Result<()> {
    let d = pointe_search::peer::peer_doc(p, &store.offers_of(p.key)?, ctx)?;
    tx.prepare_cached(
        "INSERT INTO docs (rowid, title, description, brand, attr_words) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![p.key, d.title, d.description, d.brand, d.attr_words])?;
    tx.prepare_cached(
        "INSERT INTO feats (rowid, id, price_gbp, features) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        p.key,
        d.id,
        d.price_gbp.map(|v| v as i64),
        d.features_json
    ])?;
    Ok(())
}

/// The ceiling of a hero's cheaper look-alikes, in GBP minor units: its price (none without
/// one), for the peers' price filters.
pub fn hero_cap(hero: &pointe_search::lookalike::Hero, ctx: &IndexContext) -> anyhow::Result<i64> {
    Ok(hero
        .price
        .map(|(m, seen)| pointe_search::search::to_gbp_minor(m, &ctx.rates, seen))
        .transpose()?
        .map_or(i64::MAX, |v| v as i64))
}
