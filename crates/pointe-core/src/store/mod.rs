//! Storage: the catalog's products, offers, price history and exchange rates.
//!
//! [`Store`] is the seam between Pointe and a database. [`SqliteStore`] is the embedded default
//! (one file in the data directory); [`MemoryStore`] keeps everything in memory for tests; a
//! PostgreSQL implementation serves the same traits when one machine is not enough.
//!
//! Writes happen inside a [`StoreTx`]: an ingest opens one, writes every accepted row through it,
//! and commits once, so a feed that fails half-way leaves the store as it was.

mod compact;
mod jobs;
mod memory;
mod postgres;
mod sources;
mod sqlite;
mod sqlite_trends;
mod tokens;
mod watches;

pub use jobs::{Job, JobClaim, JobStore};
pub use memory::MemoryStore;
pub use postgres::{
    CopyReport, PgListener, PgLock, PgPool, PgStore, redacted as redacted_database_url,
};
pub use sources::{FeedSource, RunOutcome, SourceRun, SourceState, SourceStore};
pub use sqlite::SqliteStore;
pub use tokens::{ApiToken, TokenScope, TokenStore};
pub use watches::{Observation, PointOrigin, WatchStore};

use jiff::Timestamp;
use serde::Serialize;

use crate::Result;
use crate::domain::{Availability, Offer, PricePoint};
use crate::money::Money;

/// Everything a store keeps: the catalog, feed sources, API tokens, watches and alerts, jobs. The
/// embedded store, the PostgreSQL store and the memory store are each one.
pub trait Backend:
    Store + SourceStore + TokenStore + WatchStore + JobStore + Send + std::fmt::Debug
{
}

impl<T: Store + SourceStore + TokenStore + WatchStore + JobStore + Send + std::fmt::Debug> Backend
    for T
{
}

/// What Pointe keeps about a product, as ingest writes it.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ProductData {
    /// Canonical brand key (folded), used for matching and filtering.
    pub brand_key: Option<String>,
    /// Canonical brand display name.
    pub brand: Option<String>,
    /// Title as the first feed wrote it.
    pub title: String,
    /// Folded title with the brand's words removed, used for matching.
    pub title_key: String,
    /// Description.
    pub description: Option<String>,
    /// Google product taxonomy id.
    pub google_category_id: Option<u32>,
    /// Category text (Google category path, product type or merchant category).
    pub category_text: Option<String>,
    /// Gender.
    pub gender: Option<String>,
    /// Age group.
    pub age_group: Option<String>,
    /// Colours.
    pub colours: Vec<String>,
    /// Materials.
    pub materials: Vec<String>,
    /// Pattern.
    pub pattern: Option<String>,
    /// Image URLs.
    pub image_urls: Vec<String>,
    /// GTIN-14.
    pub gtin: Option<String>,
    /// Manufacturer part number.
    pub mpn: Option<String>,
    /// Item group id.
    pub item_group: Option<String>,
    /// Condition.
    pub condition: Option<String>,
    /// Which English its text is written in (`UK`, `US`), from `--market` or the feed's currency.
    pub market: Option<String>,
    /// Attributes extracted from its text, with their evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<crate::attributes::Attributes>,
}

/// A product as stored: its internal key, public id and data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredProduct {
    /// Internal key; never shown to users.
    #[serde(skip)]
    pub key: i64,
    /// Pointe's public id (`pt-…`).
    pub id: String,
    /// The data.
    #[serde(flatten)]
    pub data: ProductData,
}

/// What ingest writes about an offer.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferData {
    /// The product it sells (internal key).
    pub product_key: i64,
    /// The source it comes from (internal key).
    pub source_key: i64,
    /// The feed's item id.
    pub item_id: String,
    /// Retailer display name.
    pub retailer: String,
    /// Product page.
    pub url: Option<String>,
    /// Regular price.
    pub price: Money,
    /// Sale price.
    pub sale_price: Option<Money>,
    /// Availability.
    pub availability: Availability,
    /// Sizes.
    pub sizes: Vec<String>,
}

/// An offer as stored, with its key and observation times.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOffer {
    /// Internal key.
    pub key: i64,
    /// The data last written.
    pub data: OfferData,
    /// First observation.
    pub first_seen: Timestamp,
    /// Last observation.
    pub last_seen: Timestamp,
    /// The ingest that last saw it.
    pub last_ingest: i64,
}

/// A product a row might join (by GTIN, MPN, item group or title), with what decides whether
/// it may: its colourway, its title, its item group, and whether the row's source already sells
/// it under another item id.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchCandidate {
    /// Internal product key.
    pub product_key: i64,
    /// The product's colours (folded), to keep colourways apart.
    pub colours: Vec<String>,
    /// The product's title key (folded, brand words stripped).
    pub title_key: String,
    /// The product's item group, when its feed gave one.
    pub item_group: Option<String>,
    /// Whether the source being ingested already has an offer of this product.
    pub in_source: bool,
}

/// When an ingest saw an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferSeen {
    /// The time the row speaks for.
    pub at: Timestamp,
    /// The ingest that saw it.
    pub ingest_id: i64,
}

/// The record of one ingest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestLog {
    /// Source name.
    pub source: String,
    /// The file ingested.
    pub file: String,
    /// Its format.
    pub format: String,
    /// Observation time.
    pub seen_at: Timestamp,
    /// Rows that created an offer.
    pub accepted: u64,
    /// Rows that changed an existing offer.
    pub updated: u64,
    /// Rows identical to what was stored.
    pub unchanged: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Offers of the source that this ingest no longer held.
    pub unseen: u64,
}

/// Filters for listing products.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Canonical brand key.
    pub brand_key: Option<String>,
    /// Folded retailer name: products with at least one offer from it.
    pub retailer_key: Option<String>,
    /// At most this many products.
    pub limit: Option<usize>,
    /// Skip this many first.
    pub offset: usize,
}

/// What changed in the store after a generation, from its change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    /// The keys of the products changed (ascending); some may no longer exist.
    Products(Vec<i64>),
    /// Any product may have changed: the log no longer reaches back that far, or one change
    /// (a bulk load) was logged for every product.
    All,
}

/// The change log's key standing for every product.
pub const EVERY_PRODUCT: i64 = 0;

/// Reading the catalog.
pub trait Catalog {
    /// The product with this public id.
    fn product_by_id(&self, id: &str) -> Result<Option<StoredProduct>>;
    /// Products with an offer whose feed item id is `item_id`, each with its source name.
    fn products_by_item_id(&self, item_id: &str) -> Result<Vec<(StoredProduct, String)>>;
    /// Products with an offer at `url`.
    fn products_by_url(&self, url: &str) -> Result<Vec<StoredProduct>>;
    /// Products whose title key (folded title, brand words stripped) is `title_key`, at most
    /// `limit`, in key order.
    fn products_by_title_key(&self, title_key: &str, limit: usize) -> Result<Vec<StoredProduct>>;
    /// Item ids and public ids that start like `prefix` (for "did you mean"), at most `limit`.
    fn ids_like(&self, prefix: &str, limit: usize) -> Result<Vec<String>>;
    /// The brand as the first stored product of the canonical brand `brand_key` writes it
    /// ("Miu Miu" for `miu miu`), or `None` when no product has that brand.
    fn brand_name(&self, brand_key: &str) -> Result<Option<String>>;
    /// Products matching `filter`, in id order, and how many match in all.
    fn list_products(&self, filter: &ProductFilter) -> Result<(Vec<StoredProduct>, u64)>;
    /// The offers of a product, current ones first.
    fn offers_of(&self, product_key: i64) -> Result<Vec<Offer>>;
    /// The offers of each product of `product_keys`, in their order (a store on a server
    /// reads them in one round trip).
    fn offers_of_products(&self, product_keys: &[i64]) -> Result<Vec<Vec<Offer>>> {
        product_keys.iter().map(|&k| self.offers_of(k)).collect()
    }
    /// An offer's price history, oldest first.
    fn price_history(&self, offer_id: i64) -> Result<Vec<PricePoint>>;
    /// Stored exchange rates as `(date, currency, rate)` text triples.
    fn fx_rates(&self) -> Result<Vec<(String, String, String)>>;
    /// The latest ingests, newest first.
    fn ingests(&self, limit: usize) -> Result<Vec<IngestLog>>;
    /// Stored trend series whose normalised term is `key` (every series when `None`), each with
    /// its points in date order.
    fn trend_series(&self, key: Option<&str>) -> Result<Vec<crate::trends::Series>>;
    /// Stored trend series of `term` as written (compared by [`crate::trends::fold_term`]: case,
    /// accents and punctuation aside), of every source, region and scale group.
    fn trend_series_written(&self, term: &str) -> Result<Vec<crate::trends::Series>>;
    /// Stored related queries of the terms whose normalised key is `key`, TOP first.
    fn related_queries(&self, key: &str) -> Result<Vec<crate::trends::RelatedQuery>>;
    /// Stored related queries of `term` as written (compared as by
    /// [`Catalog::trend_series_written`]), TOP first.
    fn related_queries_written(&self, term: &str) -> Result<Vec<crate::trends::RelatedQuery>>;
    /// The edit with this slug.
    fn edit(&self, slug: &str) -> Result<Option<crate::edit::Edit>>;
    /// Every edit, by slug.
    fn edits(&self) -> Result<Vec<crate::edit::Edit>>;
    /// A number that grows with every committed change to products or offers: derived data
    /// (a search index) built at one generation is stale once the store's is higher.
    fn generation(&self) -> Result<u64>;
    /// The products changed after generation `after`, up to the store's current one, from the
    /// change log ([`Changes::All`] when the log no longer reaches back to `after` or a change
    /// touched every product). Read inside [`Catalog::begin_read`] with the generation, they
    /// are exactly what separates the two.
    fn changes_since(&self, after: u64) -> Result<Changes>;
    /// Forgets the change log up to generation `through`, once every index reading it has
    /// passed it. A generation not yet reached is never forgotten.
    fn trim_changes(&self, through: u64) -> Result<()>;
    /// The products with these keys that exist, in key order.
    fn products_by_keys(&self, keys: &[i64]) -> Result<Vec<StoredProduct>>;
    /// Up to `limit` products with keys above `after_key`, in key order (walking the catalog
    /// costs one page per call, however far in).
    fn products_after(&self, after_key: i64, limit: usize) -> Result<Vec<StoredProduct>>;
    /// Starts a consistent read: until [`Catalog::end_read`], every read sees the store as of
    /// the first one, whatever other commands commit meanwhile (a search index built from it
    /// then matches the generation it records). Writes of this store must not start inside
    /// one. The default does nothing: a store no other command shares is always consistent.
    fn begin_read(&self) -> Result<()> {
        Ok(())
    }
    /// Ends what [`Catalog::begin_read`] started.
    fn end_read(&self) -> Result<()> {
        Ok(())
    }
}

/// A writable store.
pub trait Store: Catalog {
    /// Opens a transaction. Nothing written through it is visible or durable until
    /// [`StoreTx::commit`]; dropping it rolls back.
    fn begin(&mut self) -> Result<Box<dyn StoreTx + '_>>;
    /// Opens a transaction for a feed's load, as [`Store::begin`] does. A store that holds no
    /// product yet and that nothing else has open may write it more cheaply: the embedded
    /// store then writes its pages once, in place, instead of to its log and again to the
    /// file, and another command that opens it meanwhile waits for the load to commit.
    fn begin_load(&mut self) -> Result<Box<dyn StoreTx + '_>> {
        self.begin()
    }
    /// Stores a trend export read whole, in one transaction: each series replaces the points
    /// of the stored series of the same [`crate::trends::SeriesId`] (so importing an export
    /// again, or a longer one, updates it), and the related queries of each term and region
    /// replace those stored for it. Returns how many series were new and how many replaced.
    fn put_trend_file(&mut self, file: &crate::trends::TrendFile) -> Result<(u64, u64)>;
    /// Stores an edit, replacing the one of the same slug.
    fn put_edit(&mut self, edit: &crate::edit::Edit) -> Result<()>;
    /// Adds exchange rates (`(date, currency, rate)`), replacing those of the same date and
    /// currency, in one transaction.
    fn put_fx_rates(&mut self, rates: &[(String, String, String)]) -> Result<()>;
}

/// Writes of one transaction.
pub trait StoreTx {
    /// The key of the source `name`, created if new.
    fn source_key(&mut self, name: &str) -> Result<i64>;
    /// Starts an ingest of a source; its id marks the offers it sees.
    fn start_ingest(&mut self, source_key: i64, seen_at: Timestamp) -> Result<i64>;
    /// The offer of `source_key` with feed item id `item_id`.
    fn offer_by_item(&mut self, source_key: i64, item_id: &str) -> Result<Option<StoredOffer>>;
    /// A product by internal key.
    fn product(&mut self, key: i64) -> Result<StoredProduct>;
    /// Products with this GTIN-14 (at most 8, in key order), seen from `source_key`.
    fn find_by_gtin(&mut self, gtin: &str, source_key: i64) -> Result<Vec<MatchCandidate>>;
    /// Products with this brand key and MPN (at most 8, in key order), seen from `source_key`.
    fn find_by_mpn(
        &mut self,
        brand_key: &str,
        mpn: &str,
        source_key: i64,
    ) -> Result<Vec<MatchCandidate>>;
    /// Products with this brand key (or none) and title key that have no offer from
    /// `exclude_source` (two item ids of one source are never merged by title); at most 32, in
    /// key order.
    fn find_by_title(
        &mut self,
        brand_key: Option<&str>,
        title_key: &str,
        exclude_source: i64,
    ) -> Result<Vec<MatchCandidate>>;
    /// Products of `source_key` in the feed's item group `item_group` (variants the feed itself
    /// says belong together); at most 32, in key order.
    fn find_by_item_group(
        &mut self,
        source_key: i64,
        item_group: &str,
    ) -> Result<Vec<MatchCandidate>>;
    /// Inserts a product; `None` (and nothing written) when `public_id` is already taken.
    fn insert_product(&mut self, public_id: &str, data: &ProductData) -> Result<Option<i64>>;
    /// Replaces a product's data.
    fn update_product(&mut self, key: i64, data: &ProductData) -> Result<()>;
    /// Up to `limit` products with keys above `after_key`, in key order (for walking the whole
    /// catalog inside one transaction).
    fn products_after(&mut self, after_key: i64, limit: usize) -> Result<Vec<StoredProduct>>;
    /// Inserts an offer first seen at `seen_at` by ingest `ingest_id`. `fingerprint` is the
    /// fingerprint of the feed row it comes from (see [`StoreTx::offer_fingerprints`]).
    fn insert_offer(
        &mut self,
        data: &OfferData,
        seen: OfferSeen,
        fingerprint: Option<u64>,
    ) -> Result<i64>;
    /// Replaces an offer's data and records that ingest `ingest_id` saw it at `seen_at`, from a
    /// row with `fingerprint`.
    fn update_offer(
        &mut self,
        key: i64,
        data: &OfferData,
        seen: OfferSeen,
        fingerprint: Option<u64>,
    ) -> Result<()>;
    /// Records that an ingest saw the offer, unchanged, in a row with `fingerprint`.
    fn touch_offer(&mut self, key: i64, seen: OfferSeen, fingerprint: Option<u64>) -> Result<()>;
    /// Records that an ingest saw each of the offers `keys`, unchanged, from rows with the
    /// fingerprints they have.
    fn touch_offers(&mut self, keys: &[i64], seen: OfferSeen) -> Result<()>;
    /// Calls `each` with the item id, key and fingerprint of every offer of `source_key` that
    /// has one: what a re-ingest compares its rows with before it reads or writes anything else.
    fn offer_fingerprints(
        &mut self,
        source_key: i64,
        each: &mut dyn FnMut(&str, i64, u64),
    ) -> Result<()>;
    /// The offer's most recent price point.
    fn latest_price_point(&mut self, offer_key: i64) -> Result<Option<PricePoint>>;
    /// Appends a price point, with the ingest and feed row it came from.
    fn append_price_point(
        &mut self,
        offer_key: i64,
        point: &PricePoint,
        origin: PointOrigin,
    ) -> Result<()>;
    /// Marks the offers of `source_key` that ingest `ingest_id` did not see as not in the
    /// latest ingest; returns how many were in the previous one.
    fn mark_unseen(&mut self, source_key: i64, ingest_id: i64) -> Result<u64>;
    /// Stores the ingest's counts.
    fn finish_ingest(&mut self, ingest_id: i64, log: &IngestLog) -> Result<()>;
    /// Logs this transaction as changing every product ([`Changes::All`]: an index rebuilds)
    /// instead of each product it writes: for a load into an empty store, whose every row is
    /// new, this spares a change-log row per product.
    fn log_every_product(&mut self) -> Result<()>;
    /// For a load into an empty store: lets the store write it its fastest way. The
    /// embedded store stops maintaining the indexes that no lookup of the load uses and
    /// builds them again at commit (one sort instead of a random insert a row); the
    /// PostgreSQL store sends products and offers by `COPY` in batches. A store with no such
    /// way does nothing.
    fn defer_indexes(&mut self) -> Result<()> {
        Ok(())
    }
    /// Makes every write durable and visible, and advances the store's generation.
    fn commit(self: Box<Self>) -> Result<()>;
}

/// Calls `f` with every product of `catalog`, in id order, reading `page` products at a time
/// (so that memory stays flat in the catalog's size). Stops at the first error.
pub fn for_each_product<E: From<crate::Error>>(
    catalog: &dyn Catalog,
    page: usize,
    mut f: impl FnMut(StoredProduct) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    for_each_page(catalog, page, |products| {
        products.into_iter().try_for_each(&mut f)
    })
}

/// Reads every product a page at a time, by key, and hands each page to `f`.
fn for_each_page<E: From<crate::Error>>(
    catalog: &dyn Catalog,
    page: usize,
    mut f: impl FnMut(Vec<StoredProduct>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let page = page.max(1);
    let mut after = 0;
    loop {
        let products = catalog.products_after(after, page)?;
        let read = products.len();
        if let Some(last) = products.last() {
            after = last.key;
        }
        f(products)?;
        if read < page {
            return Ok(());
        }
    }
}

/// Walks every product as [`for_each_product`] does, each with its offers (read a page at
/// a time).
pub fn for_each_product_with_offers<E: From<crate::Error>>(
    catalog: &dyn Catalog,
    page: usize,
    mut f: impl FnMut(StoredProduct, Vec<Offer>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    for_each_page(catalog, page, |products| {
        let keys: Vec<i64> = products.iter().map(|p| p.key).collect();
        let offers = catalog.offers_of_products(&keys)?;
        products
            .into_iter()
            .zip(offers)
            .try_for_each(|(product, offers)| f(product, offers))
    })
}

/// The folded retailer key used for filtering (same folding as brands).
pub fn retailer_key(name: &str) -> String {
    crate::text::fold_key(name)
}

#[cfg(test)]
mod change_log_tests;

/// A list of strings as the stores keep it (a JSON array).
fn to_json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// A list of strings as the stores keep it; anything else reads as empty.
fn from_json(text: String) -> Vec<String> {
    serde_json::from_str(&text).unwrap_or_default()
}

/// A fingerprint as the stores keep it (a signed 64-bit integer holding the same bits).
fn stored_fingerprint(fingerprint: u64) -> i64 {
    fingerprint as i64
}

/// A product's attributes as the stores keep them ([`compact`]).
fn attributes_json(d: &ProductData) -> Option<String> {
    d.attributes.as_ref().map(compact::encode)
}
