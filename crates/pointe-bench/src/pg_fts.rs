//! PostgreSQL's own full-text search as a peer of Pointe's index: a table of the same fields
//! Pointe indexes (title, description, brand, attribute words) as a weighted `tsvector` with
//! a GIN index, searched with `ts_rank`, and the look-alike scorer's features beside them.

use std::io::Write as _;

use pointe_core::store::Catalog;
use pointe_search::IndexContext;
use pointe_search::lookalike::{Hero, score_features_json};

/// The peer's table: the words weighted as Pointe's search weighs its fields (title 4,
/// brand 3, attribute words 2, description 1: `ts_rank`'s A, B, C, D).
const SCHEMA: &str = "DROP TABLE IF EXISTS peer_docs;
CREATE TABLE peer_docs (
    key BIGINT PRIMARY KEY,
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    brand TEXT NOT NULL,
    attr_words TEXT NOT NULL,
    price_gbp BIGINT,
    features TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', brand), 'B')
        || setweight(to_tsvector('english', attr_words), 'C')
        || setweight(to_tsvector('english', description), 'D')) STORED
);";

/// `ts_rank`'s weights of D, C, B, A: Pointe's field weights over the largest.
const WEIGHTS: &str = "'{0.25, 0.5, 0.75, 1.0}'";

/// Fills the peer from every product of `catalog` (by `COPY`), then builds its GIN index.
pub fn build(
    client: &mut postgres::Client,
    catalog: &dyn Catalog,
    ctx: &IndexContext,
) -> anyhow::Result<()> {
    client.batch_execute(SCHEMA)?;
    let mut tx = client.transaction()?;
    let mut text = String::new();
    let mut rows = 0;
    pointe_core::store::for_each_product_with_offers(catalog, 2000, |p, offers| {
        let d = pointe_search::peer::peer_doc(&p, &offers, ctx)?;
        let price = d.price_gbp.map_or("\\N".to_string(), |v| v.to_string());
        let fields = [
            p.key.to_string(),
            escape(&d.id),
            escape(&d.title),
            escape(&d.description),
            escape(&d.brand),
            escape(&d.attr_words),
            price,
            escape(&d.features_json),
        ];
        text.push_str(&fields.join("\t"));
        text.push('\n');
        rows += 1;
        if rows % 20_000 == 0 {
            send(&mut tx, &mut text)?;
        }
        Ok::<(), anyhow::Error>(())
    })?;
    send(&mut tx, &mut text)?;
    tx.batch_execute(
        "CREATE INDEX peer_docs_tsv ON peer_docs USING GIN (tsv); \
         CREATE INDEX peer_docs_price ON peer_docs (price_gbp);",
    )?;
    tx.commit()?;
    client.batch_execute("ANALYZE peer_docs")?;
    Ok(())
}

fn send(tx: &mut postgres::Transaction<'_>, text: &mut String) -> anyhow::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    let mut w = tx.copy_in(
        "COPY peer_docs (key, id, title, description, brand, attr_words, price_gbp, features) \
         FROM STDIN",
    )?;
    w.write_all(text.as_bytes())?;
    w.finish()?;
    text.clear();
    Ok(())
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// The words of a query as `to_tsquery` lexemes: each folded word, quoted.
fn lexemes(text: &str) -> Vec<String> {
    pointe_core::text::fold_key(text)
        .split(' ')
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_alphanumeric()))
        .map(|w| format!("'{w}'"))
        .collect()
}

/// The 20 best products for `q`, every word required, by `ts_rank`.
pub fn search(client: &mut postgres::Client, q: &str) -> anyhow::Result<Vec<i64>> {
    let query = lexemes(q).join(" & ");
    let sql = format!(
        "SELECT key FROM peer_docs, to_tsquery('english', $1) q WHERE tsv @@ q \
         ORDER BY ts_rank({WEIGHTS}, tsv, q) DESC LIMIT 20"
    );
    let rows = client.query(&sql, &[&query])?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The peer of a look-alike search: any of the hero's attribute words, cheaper than the
/// hero, the 200 best by `ts_rank` re-scored by Pointe's scorer; the top 10 scores.
pub fn lookalikes(
    client: &mut postgres::Client,
    hero: &Hero,
    ctx: &IndexContext,
) -> anyhow::Result<Vec<f32>> {
    let words: Vec<String> = hero
        .attribute_words(&ctx.taxonomy)
        .iter()
        .flat_map(|w| lexemes(w))
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let cap = crate::fts::hero_cap(hero, ctx)?;
    let sql = format!(
        "SELECT features FROM peer_docs, to_tsquery('english', $1) q \
         WHERE tsv @@ q AND price_gbp < $2 AND id <> $3 \
         ORDER BY ts_rank({WEIGHTS}, tsv, q) DESC LIMIT 200"
    );
    let id = hero.id.clone().unwrap_or_default();
    let rows = client.query(&sql, &[&words.join(" | "), &cap, &id])?;
    let mut scores = Vec::new();
    for r in rows {
        scores.push(score_features_json(hero, r.get::<_, &str>(0), ctx)?);
    }
    scores.sort_by(|a, b| b.total_cmp(a));
    scores.truncate(10);
    Ok(scores)
}
