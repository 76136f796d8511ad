//! Pooling for a round of relevance judgements: the union of the top results of Pointe and of
//! a peer that shares none of its code, less what is already judged, written for grading.
//!
//! The peer is a TF-IDF cosine over product titles (lowercase alphanumeric tokens, sublinear
//! tf, idf = ln(N/df), tokens in more than 10% of titles ignored, L2 cosine, ties by id), the
//! same definition as the label-consistency peer. A pool lists each hero's or query's unjudged
//! products sorted by item id, with no rank, score or system, and each product's text: what a
//! judge reads, and all a judge reads.

// Each harness that includes this module uses part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use pointe_core::store::{Catalog, SqliteStore, StoredProduct, for_each_product};

/// How many results of each system are pooled.
pub const DEPTH: usize = 10;

/// Adds a pooled round's judgements to a hero's or query's own. A pooled item already judged is
/// an error: rounds never regrade.
pub fn add_round<J>(judged: &mut Vec<J>, pooled: Vec<J>, item: fn(&J) -> &str, what: &str) {
    for j in pooled {
        assert!(
            judged.iter().all(|k| item(k) != item(&j)),
            "{what} regrades {:?}",
            item(&j)
        );
        judged.push(j);
    }
}

/// The directory `POINTE_EVAL_POOL` names, when a run should write its pools there.
pub fn pool_dir() -> Option<PathBuf> {
    std::env::var_os("POINTE_EVAL_POOL").map(PathBuf::from)
}

fn tokens(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// The peer's key for the hero's own piece under its other listings (same brand, title and
/// first colour), which it leaves out of the hero's results. Pointe's results fold listings by
/// a stricter rule (identical in all but their ids); the harnesses grade by that one.
pub fn fold_key(p: &StoredProduct) -> String {
    format!(
        "{:?}|{}|{:?}",
        p.data.brand_key,
        p.data.title_key,
        p.data.colours.first().map(|c| c.to_lowercase())
    )
}

/// TF-IDF cosine over short texts (lowercase alphanumeric tokens, sublinear tf,
/// idf = ln(N/df), tokens in more than 10% of texts ignored, L2 cosine, ties by id): the
/// peer of the pools and of the label-consistency evaluation.
pub struct Cosine {
    /// The texts' ids, in the order given.
    ids: Vec<String>,
    vectors: Vec<Vec<(u32, f32)>>,
    postings: HashMap<u32, Vec<usize>>,
    /// Each kept token's index and idf.
    vocab: HashMap<String, (u32, f64)>,
    index_of: HashMap<String, usize>,
}

impl Cosine {
    /// The vectors of `texts`, `(id, text)` pairs.
    pub fn new<'a>(texts: impl IntoIterator<Item = (&'a str, &'a str)>) -> Cosine {
        let texts: Vec<(&str, &str)> = texts.into_iter().collect();
        let n = texts.len() as f64;
        let mut df: HashMap<String, usize> = HashMap::new();
        for (_, text) in &texts {
            let set: BTreeSet<String> = tokens(text).into_iter().collect();
            for t in set {
                *df.entry(t).or_default() += 1;
            }
        }
        let mut vocab: HashMap<String, (u32, f64)> = HashMap::new();
        for (t, d) in &df {
            if *d as f64 <= 0.1 * n {
                let next = vocab.len() as u32;
                vocab.insert(t.clone(), (next, (n / *d as f64).ln()));
            }
        }
        let mut cosine = Cosine {
            ids: Vec::new(),
            vectors: Vec::new(),
            postings: HashMap::new(),
            vocab,
            index_of: HashMap::new(),
        };
        for (id, text) in texts {
            let v = cosine.vector(text);
            for (k, _) in &v {
                cosine
                    .postings
                    .entry(*k)
                    .or_default()
                    .push(cosine.ids.len());
            }
            cosine.index_of.insert(id.to_string(), cosine.ids.len());
            cosine.ids.push(id.to_string());
            cosine.vectors.push(v);
        }
        cosine
    }

    /// The L2-normalised TF-IDF vector of `text` over the kept vocabulary.
    fn vector(&self, text: &str) -> Vec<(u32, f32)> {
        let mut tf: BTreeMap<String, f64> = BTreeMap::new();
        for t in tokens(text) {
            *tf.entry(t).or_default() += 1.0;
        }
        let mut v: Vec<(u32, f32)> = tf
            .into_iter()
            .filter_map(|(t, f)| {
                let (k, idf) = self.vocab.get(&t)?;
                Some((*k, ((1.0 + f.ln()) * idf) as f32))
            })
            .collect();
        let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        v
    }

    /// The `k` texts most cosine-similar to `v`, ties by id, leaving out those `skip` names
    /// (by their position in the order given).
    fn nearest(&self, v: &[(u32, f32)], skip: impl Fn(usize) -> bool, k: usize) -> Vec<String> {
        let mut scores: HashMap<usize, f32> = HashMap::new();
        for (t, w) in v {
            for &d in self.postings.get(t).into_iter().flatten() {
                let x = self.vectors[d]
                    .iter()
                    .find(|(tt, _)| tt == t)
                    .map_or(0.0, |p| p.1);
                *scores.entry(d).or_default() += w * x;
            }
        }
        let mut ranked: Vec<(usize, f32)> = scores.into_iter().filter(|(d, _)| !skip(*d)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(self.ids[a.0].cmp(&self.ids[b.0])));
        ranked
            .into_iter()
            .take(k)
            .map(|(d, _)| self.ids[d].clone())
            .collect()
    }

    /// The `k` texts nearest the text of `id`, that one left out; none when `id` is unknown.
    pub fn similar(&self, id: &str, k: usize) -> Vec<String> {
        let Some(&i) = self.index_of.get(id) else {
            return Vec::new();
        };
        self.nearest(&self.vectors[i], |d| d == i, k)
    }
}

/// The catalog as the peer and the pool read it.
pub struct Peer {
    /// TF-IDF cosine over the titles, by Pointe product id.
    cosine: Cosine,
    /// Each product's fold key, in the cosine's order.
    keys: Vec<String>,
    /// Each product's feed item ids, by product id.
    items_of: HashMap<String, Vec<String>>,
    /// Each product's text, as the pool shows it, by product id.
    text_of: HashMap<String, String>,
}

impl Peer {
    /// Reads every product of `store` (titles, fold keys, item ids and the text a judge reads).
    pub fn new(store: &SqliteStore) -> Peer {
        let mut products = Vec::new();
        for_each_product::<pointe_core::Error>(store, 1000, |p| {
            products.push(p);
            Ok(())
        })
        .unwrap();
        let cosine = Cosine::new(
            products
                .iter()
                .map(|p| (p.id.as_str(), p.data.title.as_str())),
        );
        let (mut keys, mut items_of, mut text_of) = (Vec::new(), HashMap::new(), HashMap::new());
        for p in &products {
            keys.push(fold_key(p));
            let offers = store.offers_of(p.key).unwrap();
            let mut items: Vec<String> = offers.iter().map(|o| o.item_id.clone()).collect();
            items.sort();
            items_of.insert(p.id.clone(), items);
            text_of.insert(p.id.clone(), product_text(p, &offers));
        }
        Peer {
            cosine,
            keys,
            items_of,
            text_of,
        }
    }

    /// The peer's look-alikes of a product: the `k` nearest titles, the product and its
    /// other listings left out, each with its feed item ids.
    pub fn similar(&self, product_id: &str, k: usize) -> Vec<(String, Vec<String>)> {
        let i = self.cosine.index_of[product_id];
        let key = &self.keys[i];
        let ranked = self
            .cosine
            .nearest(&self.cosine.vectors[i], |d| &self.keys[d] == key, k);
        self.with_items(ranked)
    }

    /// The peer's search: the `k` titles nearest the query's words, each with its feed item
    /// ids.
    pub fn search(&self, text: &str, k: usize) -> Vec<(String, Vec<String>)> {
        let ranked = self.cosine.nearest(&self.cosine.vector(text), |_| false, k);
        self.with_items(ranked)
    }

    fn with_items(&self, ranked: Vec<String>) -> Vec<(String, Vec<String>)> {
        ranked
            .into_iter()
            .map(|id| {
                let items = self.items_of[&id].clone();
                (id, items)
            })
            .collect()
    }

    /// The text a judge reads of a product.
    pub fn text(&self, product_id: &str) -> &str {
        &self.text_of[product_id]
    }
}

/// Title, brand, category path, colour, gender, prices and the start of the description.
fn product_text(p: &StoredProduct, offers: &[pointe_core::domain::Offer]) -> String {
    let d = &p.data;
    let prices: BTreeSet<String> = offers
        .iter()
        .map(|o| o.sale_price.as_ref().unwrap_or(&o.price).to_string())
        .collect();
    let description: String = d
        .description
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(300)
        .collect();
    format!(
        "{}\n    brand: {} | category: {} | colour: {} | gender: {} | price: {}\n    {}",
        d.title,
        d.brand.as_deref().unwrap_or("-"),
        d.category_text.as_deref().unwrap_or("-"),
        if d.colours.is_empty() {
            "-".to_string()
        } else {
            d.colours.join(", ")
        },
        d.gender.as_deref().unwrap_or("-"),
        prices.into_iter().collect::<Vec<_>>().join(" / "),
        description
    )
}

/// One hero's or query's pool being gathered.
pub struct Section {
    heading: String,
    /// Unjudged candidates by their smallest item id.
    candidates: BTreeMap<String, String>,
}

impl Section {
    /// A section headed by `heading` (the hero's text or the query).
    pub fn new(heading: String) -> Section {
        Section {
            heading,
            candidates: BTreeMap::new(),
        }
    }

    /// Adds the results of `ranked` (a Pointe id and the feed item ids the result is known
    /// by, from any system) that no item id of `judged` covers, each named by its smallest
    /// item id. A result is judged by its own item ids: another listing of the same product
    /// that a system ranks on its own is a result of its own, and is pooled.
    pub fn add(&mut self, peer: &Peer, ranked: &[(String, Vec<String>)], judged: &HashSet<String>) {
        for (id, items) in ranked {
            if items.iter().any(|i| judged.contains(i)) {
                continue;
            }
            let first = items.iter().min().cloned().unwrap_or_else(|| id.clone());
            self.candidates
                .entry(first)
                .or_insert_with(|| peer.text(id).to_string());
        }
    }
}

/// Writes `sections` to `dir/name`, candidates sorted by item id; returns how many were
/// written.
pub fn write(dir: &Path, name: &str, sections: &[Section]) -> usize {
    let mut out = String::new();
    let mut n = 0;
    for s in sections {
        let _ = writeln!(out, "\n## {}\n", s.heading);
        for (item, text) in &s.candidates {
            n += 1;
            let _ = writeln!(out, "[{n}] item = {item:?}\n    {text}\n");
        }
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), out).unwrap();
    n
}

/// The bundled look-alike weights, or the directory `POINTE_EVAL_WEIGHTS` names (holding a
/// `lookalike.toml`), for trying weights without rebuilding.
pub fn weights() -> pointe_search::LookalikeConfig {
    match std::env::var_os("POINTE_EVAL_WEIGHTS") {
        Some(dir) => pointe_search::LookalikeConfig::load(Some(Path::new(&dir))).unwrap(),
        None => pointe_search::LookalikeConfig::bundled(),
    }
}
