//! A store held in memory, for tests and short-lived tools. A transaction works on a copy of
//! the data and swaps it in on commit, so a dropped transaction leaves nothing behind.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use jiff::Timestamp;

use super::{
    Catalog, Changes, IngestLog, MatchCandidate, OfferData, OfferSeen, PointOrigin, ProductData,
    ProductFilter, Store, StoreTx, StoredOffer, StoredProduct, retailer_key,
};
use crate::domain::{Offer, PricePoint};
use crate::text::fold_key;
use crate::{Error, Result};

#[derive(Debug, Clone, Default)]
struct MemOffer {
    stored: Option<StoredOffer>,
    last_ingest: i64,
    in_latest: bool,
    /// The fingerprint of the row that last wrote or saw it.
    fingerprint: Option<u64>,
}

#[derive(Debug, Clone, Default)]
struct Data {
    sources: Vec<String>,
    products: BTreeMap<i64, StoredProduct>,
    offers: BTreeMap<i64, MemOffer>,
    points: BTreeMap<i64, Vec<PricePoint>>,
    ingests: Vec<(i64, i64, Timestamp, Option<IngestLog>)>,
    fx: BTreeMap<(String, String), String>,
    generation: u64,
    trends: Vec<crate::trends::Series>,
    related: Vec<crate::trends::RelatedQuery>,
    edits: BTreeMap<String, crate::edit::Edit>,
    tokens: Vec<super::ApiToken>,
    feed_sources: SourceBook,
    /// Every price point in the order appended, numbered from 1, with its origin.
    observed: Vec<(i64, i64, PricePoint, PointOrigin)>,
    watches: WatchBook,
    jobs: super::jobs::JobBook,
}

use super::watches::WatchBook;

/// Watched feed sources by name, and their runs in the order recorded.
pub(super) type SourceBook = (BTreeMap<String, super::FeedSource>, Vec<super::SourceRun>);

impl Data {
    fn offers(&self) -> impl Iterator<Item = (&StoredOffer, &MemOffer)> {
        self.offers
            .values()
            .filter_map(|m| m.stored.as_ref().map(|s| (s, m)))
    }

    /// Whether `source_key` has an offer of product `product_key`.
    fn sells(&self, source_key: i64, product_key: i64) -> bool {
        self.offers()
            .any(|(o, _)| o.data.product_key == product_key && o.data.source_key == source_key)
    }

    /// The first `limit` products (in key order) that `keep` accepts, as match candidates seen
    /// from `source_key`.
    fn candidates(
        &self,
        source_key: i64,
        limit: usize,
        keep: impl Fn(&StoredProduct) -> bool,
    ) -> Vec<MatchCandidate> {
        self.products
            .values()
            .filter(|p| keep(p))
            .take(limit)
            .map(|p| MatchCandidate {
                product_key: p.key,
                colours: p.data.colours.iter().map(|c| fold_key(c)).collect(),
                title_key: p.data.title_key.clone(),
                item_group: p.data.item_group.clone(),
                in_source: self.sells(source_key, p.key),
            })
            .collect()
    }
}

/// An in-memory [`Store`]; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    data: Data,
    log: Mutex<ChangeLog>,
}

/// The change log of a memory store: the products each generation changed (as the embedded
/// store's triggers record them).
#[derive(Debug, Default)]
struct ChangeLog {
    rows: BTreeMap<u64, BTreeSet<i64>>,
    trimmed: u64,
}

impl MemoryStore {
    /// The API tokens kept (see [`super::TokenStore`]).
    pub(super) fn token_list(&self) -> &Vec<super::ApiToken> {
        &self.data.tokens
    }

    pub(super) fn token_list_mut(&mut self) -> &mut Vec<super::ApiToken> {
        &mut self.data.tokens
    }

    /// The jobs (see [`super::JobStore`]).
    pub(super) fn job_book(&self) -> &super::jobs::JobBook {
        &self.data.jobs
    }

    pub(super) fn job_book_mut(&mut self) -> &mut super::jobs::JobBook {
        &mut self.data.jobs
    }

    /// The watched feed sources and their runs (see [`super::SourceStore`]).
    pub(super) fn source_book(&self) -> &SourceBook {
        &self.data.feed_sources
    }

    pub(super) fn source_book_mut(&mut self) -> &mut SourceBook {
        &mut self.data.feed_sources
    }

    /// The watches and alerts kept (see [`super::WatchStore`]).
    pub(super) fn watch_book(&self) -> &WatchBook {
        &self.data.watches
    }

    pub(super) fn watch_book_mut(&mut self) -> &mut WatchBook {
        &mut self.data.watches
    }

    /// Every price point in the order appended, with its offer.
    pub(super) fn observed(&self) -> Vec<super::Observation> {
        self.data
            .observed
            .iter()
            .filter_map(|(seq, offer_key, point, origin)| {
                let offer = self.data.offers.get(offer_key)?.stored.as_ref()?;
                let product = self.data.products.get(&offer.data.product_key)?;
                let source = self
                    .data
                    .sources
                    .get(usize::try_from(offer.data.source_key - 1).ok()?)?;
                Some(super::Observation {
                    seq: *seq,
                    offer_key: *offer_key,
                    product_id: product.id.clone(),
                    item_id: offer.data.item_id.clone(),
                    retailer: offer.data.retailer.clone(),
                    source: source.clone(),
                    point: point.clone(),
                    origin: Some(*origin),
                })
            })
            .collect()
    }

    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

impl MemoryStore {
    /// The stored series that pass `keep`, by key and term.
    fn series_where(
        &self,
        keep: impl Fn(&crate::trends::Series) -> bool,
    ) -> Vec<crate::trends::Series> {
        let mut out: Vec<crate::trends::Series> = self
            .data
            .trends
            .iter()
            .filter(|s| keep(s))
            .cloned()
            .collect();
        out.sort_by(|a, b| (&a.key, &a.term).cmp(&(&b.key, &b.term)));
        out
    }

    /// The stored related queries that pass `keep`: per term and region, TOP then RISING, each
    /// in the export's order.
    fn related_where(
        &self,
        keep: impl Fn(&crate::trends::RelatedQuery) -> bool,
    ) -> Vec<crate::trends::RelatedQuery> {
        let mut out: Vec<crate::trends::RelatedQuery> = self
            .data
            .related
            .iter()
            .filter(|q| keep(q))
            .cloned()
            .collect();
        out.sort_by(|a, b| {
            (
                &a.term,
                &a.region,
                a.kind == crate::trends::RelatedKind::Rising,
            )
                .cmp(&(
                    &b.term,
                    &b.region,
                    b.kind == crate::trends::RelatedKind::Rising,
                ))
        });
        out
    }
}

impl Catalog for MemoryStore {
    fn product_by_id(&self, id: &str) -> Result<Option<StoredProduct>> {
        Ok(self.data.products.values().find(|p| p.id == id).cloned())
    }

    fn products_by_item_id(&self, item_id: &str) -> Result<Vec<(StoredProduct, String)>> {
        let mut out: Vec<(StoredProduct, String)> = self
            .data
            .offers()
            .filter(|(o, _)| o.data.item_id == item_id)
            .map(|(o, _)| {
                (
                    self.data.products[&o.data.product_key].clone(),
                    self.data.sources[o.data.source_key as usize - 1].clone(),
                )
            })
            .collect();
        out.sort_by(|a, b| (a.0.key, &a.1).cmp(&(b.0.key, &b.1)));
        Ok(out)
    }

    fn products_by_title_key(&self, title_key: &str, limit: usize) -> Result<Vec<StoredProduct>> {
        Ok(self
            .data
            .products
            .values()
            .filter(|p| p.data.title_key == title_key)
            .take(limit)
            .cloned()
            .collect())
    }

    fn products_by_url(&self, url: &str) -> Result<Vec<StoredProduct>> {
        let mut keys: Vec<i64> = self
            .data
            .offers()
            .filter(|(o, _)| o.data.url.as_deref() == Some(url))
            .map(|(o, _)| o.data.product_key)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        Ok(keys
            .into_iter()
            .map(|k| self.data.products[&k].clone())
            .collect())
    }

    fn ids_like(&self, prefix: &str, limit: usize) -> Result<Vec<String>> {
        let mut ids: Vec<String> = self
            .data
            .offers()
            .map(|(o, _)| o.data.item_id.clone())
            .chain(self.data.products.values().map(|p| p.id.clone()))
            .filter(|id| id.starts_with(prefix))
            .collect();
        ids.sort();
        ids.dedup();
        ids.truncate(limit);
        Ok(ids)
    }

    fn brand_name(&self, brand_key: &str) -> Result<Option<String>> {
        Ok(self
            .data
            .products
            .values()
            .filter(|p| p.data.brand_key.as_deref() == Some(brand_key))
            .min_by_key(|p| p.key)
            .and_then(|p| p.data.brand.clone()))
    }

    fn list_products(&self, filter: &ProductFilter) -> Result<(Vec<StoredProduct>, u64)> {
        let matching: Vec<&StoredProduct> = self
            .data
            .products
            .values()
            .filter(|p| {
                filter
                    .brand_key
                    .as_ref()
                    .is_none_or(|b| p.data.brand_key.as_ref() == Some(b))
            })
            .filter(|p| {
                filter.retailer_key.as_ref().is_none_or(|r| {
                    self.data.offers().any(|(o, _)| {
                        o.data.product_key == p.key && &retailer_key(&o.data.retailer) == r
                    })
                })
            })
            .collect();
        let total = matching.len() as u64;
        let page = matching
            .into_iter()
            .skip(filter.offset)
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect();
        Ok((page, total))
    }

    fn offers_of(&self, product_key: i64) -> Result<Vec<Offer>> {
        let mut offers: Vec<Offer> = self
            .data
            .offers()
            .filter(|(o, _)| o.data.product_key == product_key)
            .map(|(o, m)| Offer {
                id: o.key,
                product_id: self.data.products[&product_key].id.clone(),
                source: self.data.sources[o.data.source_key as usize - 1].clone(),
                item_id: o.data.item_id.clone(),
                retailer: o.data.retailer.clone(),
                url: o.data.url.clone(),
                price: o.data.price,
                sale_price: o.data.sale_price,
                availability: o.data.availability,
                sizes: o.data.sizes.clone(),
                first_seen: o.first_seen,
                last_seen: o.last_seen,
                in_latest_ingest: m.in_latest,
            })
            .collect();
        offers.sort_by_key(|o| (!o.in_latest_ingest, o.id));
        Ok(offers)
    }

    fn price_history(&self, offer_id: i64) -> Result<Vec<PricePoint>> {
        let mut points = self.data.points.get(&offer_id).cloned().unwrap_or_default();
        points.sort_by_key(|p| p.seen_at);
        Ok(points)
    }

    fn fx_rates(&self) -> Result<Vec<(String, String, String)>> {
        Ok(self
            .data
            .fx
            .iter()
            .map(|((d, c), r)| (d.clone(), c.clone(), r.clone()))
            .collect())
    }

    fn trend_series(&self, key: Option<&str>) -> Result<Vec<crate::trends::Series>> {
        Ok(self.series_where(|s| key.is_none_or(|k| s.key == k)))
    }

    fn trend_series_written(&self, term: &str) -> Result<Vec<crate::trends::Series>> {
        let folded = crate::trends::fold_term(term);
        Ok(self.series_where(|s| crate::trends::fold_term(&s.term) == folded))
    }

    fn related_queries(&self, key: &str) -> Result<Vec<crate::trends::RelatedQuery>> {
        Ok(self.related_where(|q| crate::trends::normalise_term(&q.term) == key))
    }

    fn related_queries_written(&self, term: &str) -> Result<Vec<crate::trends::RelatedQuery>> {
        let folded = crate::trends::fold_term(term);
        Ok(self.related_where(|q| crate::trends::fold_term(&q.term) == folded))
    }

    fn edit(&self, slug: &str) -> Result<Option<crate::edit::Edit>> {
        Ok(self.data.edits.get(slug).cloned())
    }

    fn edits(&self) -> Result<Vec<crate::edit::Edit>> {
        Ok(self.data.edits.values().cloned().collect())
    }

    fn generation(&self) -> Result<u64> {
        Ok(self.data.generation)
    }

    fn changes_since(&self, after: u64) -> Result<Changes> {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        if after < log.trimmed {
            return Ok(Changes::All);
        }
        let keys: BTreeSet<i64> = log
            .rows
            .range(after + 1..)
            .flat_map(|(_, keys)| keys.iter().copied())
            .collect();
        Ok(if keys.contains(&super::EVERY_PRODUCT) {
            Changes::All
        } else {
            Changes::Products(keys.into_iter().collect())
        })
    }

    fn trim_changes(&self, through: u64) -> Result<()> {
        let through = through.min(self.data.generation);
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        log.rows = log.rows.split_off(&(through + 1));
        log.trimmed = log.trimmed.max(through);
        Ok(())
    }

    fn products_by_keys(&self, keys: &[i64]) -> Result<Vec<StoredProduct>> {
        let keys: BTreeSet<i64> = keys.iter().copied().collect();
        Ok(keys
            .into_iter()
            .filter_map(|k| self.data.products.get(&k).cloned())
            .collect())
    }

    fn products_after(&self, after_key: i64, limit: usize) -> Result<Vec<StoredProduct>> {
        Ok(self
            .data
            .products
            .range(after_key + 1..)
            .take(limit)
            .map(|(_, p)| p.clone())
            .collect())
    }

    fn ingests(&self, limit: usize) -> Result<Vec<IngestLog>> {
        Ok(self
            .data
            .ingests
            .iter()
            .rev()
            .filter_map(|(_, _, _, log)| log.clone())
            .take(limit)
            .collect())
    }
}

impl Store for MemoryStore {
    fn begin(&mut self) -> Result<Box<dyn StoreTx + '_>> {
        let work = self.data.clone();
        Ok(Box::new(MemoryTx {
            store: self,
            work,
            changed: BTreeSet::new(),
            every_product: false,
        }))
    }

    fn put_trend_file(&mut self, file: &crate::trends::TrendFile) -> Result<(u64, u64)> {
        let (mut created, mut replaced) = (0, 0);
        for series in &file.series {
            let id = series.id();
            match self.data.trends.iter_mut().find(|s| s.id() == id) {
                Some(stored) => {
                    *stored = series.clone();
                    replaced += 1;
                }
                None => {
                    self.data.trends.push(series.clone());
                    created += 1;
                }
            }
        }
        let refreshed: std::collections::HashSet<(&str, Option<&str>)> = file
            .related
            .iter()
            .map(|q| (q.term.as_str(), q.region.as_deref()))
            .collect();
        self.data
            .related
            .retain(|q| !refreshed.contains(&(q.term.as_str(), q.region.as_deref())));
        for q in &file.related {
            self.data.related.retain(|r| {
                !(r.term == q.term
                    && r.region == q.region
                    && r.kind == q.kind
                    && r.query == q.query)
            });
            self.data.related.push(q.clone());
        }
        Ok((created, replaced))
    }

    fn put_edit(&mut self, edit: &crate::edit::Edit) -> Result<()> {
        self.data.edits.insert(edit.slug.clone(), edit.clone());
        Ok(())
    }

    fn put_fx_rates(&mut self, rates: &[(String, String, String)]) -> Result<()> {
        for (d, c, r) in rates {
            self.data.fx.insert((d.clone(), c.clone()), r.clone());
        }
        Ok(())
    }
}

struct MemoryTx<'a> {
    store: &'a mut MemoryStore,
    work: Data,
    /// The products this transaction changed, for the change log.
    changed: BTreeSet<i64>,
    /// Whether it logs every product instead ([`StoreTx::log_every_product`]).
    every_product: bool,
}

impl MemoryTx<'_> {
    fn offer_mut(&mut self, key: i64) -> Result<&mut MemOffer> {
        self.work
            .offers
            .get_mut(&key)
            .ok_or_else(|| Error::Store(format!("no offer with key {key}")))
    }
}

impl StoreTx for MemoryTx<'_> {
    fn source_key(&mut self, name: &str) -> Result<i64> {
        if let Some(i) = self.work.sources.iter().position(|s| s == name) {
            return Ok(i as i64 + 1);
        }
        self.work.sources.push(name.to_string());
        Ok(self.work.sources.len() as i64)
    }

    fn start_ingest(&mut self, source_key: i64, seen_at: Timestamp) -> Result<i64> {
        let id = self.work.ingests.len() as i64 + 1;
        self.work.ingests.push((id, source_key, seen_at, None));
        Ok(id)
    }

    fn offer_by_item(&mut self, source_key: i64, item_id: &str) -> Result<Option<StoredOffer>> {
        Ok(self
            .work
            .offers()
            .find(|(o, _)| o.data.source_key == source_key && o.data.item_id == item_id)
            .map(|(o, _)| o.clone()))
    }

    fn product(&mut self, key: i64) -> Result<StoredProduct> {
        self.work
            .products
            .get(&key)
            .cloned()
            .ok_or_else(|| Error::Store(format!("no product with key {key}")))
    }

    fn find_by_gtin(&mut self, gtin: &str, source_key: i64) -> Result<Vec<MatchCandidate>> {
        Ok(self
            .work
            .candidates(source_key, 8, |p| p.data.gtin.as_deref() == Some(gtin)))
    }

    fn find_by_mpn(
        &mut self,
        brand_key: &str,
        mpn: &str,
        source_key: i64,
    ) -> Result<Vec<MatchCandidate>> {
        Ok(self.work.candidates(source_key, 8, |p| {
            p.data.brand_key.as_deref() == Some(brand_key) && p.data.mpn.as_deref() == Some(mpn)
        }))
    }

    fn find_by_title(
        &mut self,
        brand_key: Option<&str>,
        title_key: &str,
        exclude_source: i64,
    ) -> Result<Vec<MatchCandidate>> {
        let work = &self.work;
        Ok(work.candidates(exclude_source, 32, |p| {
            p.data.title_key == title_key
                && p.data.brand_key.as_deref() == brand_key
                && !work.sells(exclude_source, p.key)
        }))
    }

    fn find_by_item_group(
        &mut self,
        source_key: i64,
        item_group: &str,
    ) -> Result<Vec<MatchCandidate>> {
        let work = &self.work;
        Ok(work.candidates(source_key, 32, |p| {
            p.data.item_group.as_deref() == Some(item_group) && work.sells(source_key, p.key)
        }))
    }

    fn insert_product(&mut self, public_id: &str, data: &ProductData) -> Result<Option<i64>> {
        if self.work.products.values().any(|p| p.id == public_id) {
            return Ok(None);
        }
        let key = self.work.products.len() as i64 + 1;
        self.changed.insert(key);
        self.work.products.insert(
            key,
            StoredProduct {
                key,
                id: public_id.to_string(),
                data: data.clone(),
            },
        );
        Ok(Some(key))
    }

    fn products_after(&mut self, after_key: i64, limit: usize) -> Result<Vec<StoredProduct>> {
        Ok(self
            .work
            .products
            .range(after_key + 1..)
            .take(limit)
            .map(|(_, p)| p.clone())
            .collect())
    }

    fn update_product(&mut self, key: i64, data: &ProductData) -> Result<()> {
        let p = self
            .work
            .products
            .get_mut(&key)
            .ok_or_else(|| Error::Store(format!("no product with key {key}")))?;
        p.data = data.clone();
        self.changed.insert(key);
        Ok(())
    }

    fn insert_offer(
        &mut self,
        data: &OfferData,
        seen: OfferSeen,
        fingerprint: Option<u64>,
    ) -> Result<i64> {
        let key = self.work.offers.len() as i64 + 1;
        self.changed.insert(data.product_key);
        self.work.offers.insert(
            key,
            MemOffer {
                stored: Some(StoredOffer {
                    key,
                    data: data.clone(),
                    first_seen: seen.at,
                    last_seen: seen.at,
                    last_ingest: seen.ingest_id,
                }),
                last_ingest: seen.ingest_id,
                in_latest: true,
                fingerprint,
            },
        );
        Ok(key)
    }

    fn update_offer(
        &mut self,
        key: i64,
        data: &OfferData,
        seen: OfferSeen,
        fingerprint: Option<u64>,
    ) -> Result<()> {
        self.touch_offer(key, seen, fingerprint)?;
        let mut moved_from = None;
        if let Some(stored) = self.offer_mut(key)?.stored.as_mut()
            && stored.data != *data
        {
            moved_from = Some(stored.data.product_key);
            stored.data = data.clone();
        }
        if let Some(old) = moved_from {
            self.changed.extend([old, data.product_key]);
        }
        Ok(())
    }

    fn touch_offer(&mut self, key: i64, seen: OfferSeen, fingerprint: Option<u64>) -> Result<()> {
        let offer = self.offer_mut(key)?;
        offer.last_ingest = seen.ingest_id;
        offer.fingerprint = fingerprint;
        let mut changed = !offer.in_latest;
        offer.in_latest = true;
        let mut product = None;
        if let Some(stored) = offer.stored.as_mut() {
            stored.last_ingest = seen.ingest_id;
            stored.first_seen = stored.first_seen.min(seen.at);
            let last_seen = stored.last_seen.max(seen.at);
            changed |= utc_day(last_seen) != utc_day(stored.last_seen);
            stored.last_seen = last_seen;
            product = Some(stored.data.product_key);
        }
        if let (true, Some(p)) = (changed, product) {
            self.changed.insert(p);
        }
        Ok(())
    }

    fn touch_offers(&mut self, keys: &[i64], seen: OfferSeen) -> Result<()> {
        for &key in keys {
            let fingerprint = self.offer_mut(key)?.fingerprint;
            self.touch_offer(key, seen, fingerprint)?;
        }
        Ok(())
    }

    fn offer_fingerprints(
        &mut self,
        source_key: i64,
        each: &mut dyn FnMut(&str, i64, u64),
    ) -> Result<()> {
        for (key, offer) in &self.work.offers {
            if let (Some(stored), Some(fingerprint)) = (&offer.stored, offer.fingerprint)
                && stored.data.source_key == source_key
            {
                each(&stored.data.item_id, *key, fingerprint);
            }
        }
        Ok(())
    }

    fn latest_price_point(&mut self, offer_key: i64) -> Result<Option<PricePoint>> {
        Ok(self
            .work
            .points
            .get(&offer_key)
            .and_then(|pts| pts.iter().max_by_key(|p| p.seen_at).cloned()))
    }

    fn append_price_point(
        &mut self,
        offer_key: i64,
        point: &PricePoint,
        origin: PointOrigin,
    ) -> Result<()> {
        self.work
            .points
            .entry(offer_key)
            .or_default()
            .push(point.clone());
        let seq = self.work.observed.len() as i64 + 1;
        self.work
            .observed
            .push((seq, offer_key, point.clone(), origin));
        Ok(())
    }

    fn mark_unseen(&mut self, source_key: i64, ingest_id: i64) -> Result<u64> {
        let mut n = 0;
        for offer in self.work.offers.values_mut() {
            let of_source = offer
                .stored
                .as_ref()
                .is_some_and(|s| s.data.source_key == source_key);
            if of_source && offer.last_ingest != ingest_id && offer.in_latest {
                offer.in_latest = false;
                n += 1;
                if let Some(s) = &offer.stored {
                    self.changed.insert(s.data.product_key);
                }
            }
        }
        Ok(n)
    }

    fn finish_ingest(&mut self, ingest_id: i64, log: &IngestLog) -> Result<()> {
        if let Some(entry) = self.work.ingests.iter_mut().find(|e| e.0 == ingest_id) {
            entry.3 = Some(log.clone());
        }
        Ok(())
    }

    fn log_every_product(&mut self) -> Result<()> {
        self.every_product = true;
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<()> {
        let MemoryTx {
            store,
            mut work,
            mut changed,
            every_product,
        } = *self;
        if every_product {
            changed = BTreeSet::from([super::EVERY_PRODUCT]);
        }
        work.generation += 1;
        if !changed.is_empty() {
            store
                .log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .rows
                .insert(work.generation, changed);
        }
        store.data = work;
        Ok(())
    }
}

/// The UTC day of a time (the day an offer's price is dated by).
fn utc_day(t: Timestamp) -> jiff::civil::Date {
    t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
}
