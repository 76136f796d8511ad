//! Ingest: feed rows in, products, offers and price points out.
//!
//! Each row is matched to a product in this order: the offer already stored for the same source
//! and item id; a valid GTIN; MPN + brand; normalised brand + title (brand words stripped from the
//! title), never merging two item ids of one source and never two colourways. A row that matches
//! nothing creates a product. Price points are appended only when price, sale price or
//! availability change. All accepted rows of one file are committed in one transaction; a file
//! that fails part-way leaves the store as it was.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use jiff::Timestamp;
use serde::Serialize;

use crate::attributes::{Attributes, Extractor, Market, ProductText};
use crate::brand::{Brand, BrandBook};
use crate::domain::PricePoint;
use crate::feed::{FeedOptions, FeedReader, FeedRecord, RowIssue, open_feed};
use crate::store::{
    IngestLog, OfferData, OfferSeen, PointOrigin, ProductData, Store, StoreTx, StoredOffer,
};
use crate::text::{fnv1a64, fold_key, strip_phrases};
use crate::{Error, Result};

mod ahead;
mod fingerprint;
mod matching;
mod prices;
mod summary;

use ahead::{Ready, ReadyRecord};
use fingerprint::{Fingerprinter, KnownOffers};
use matching::{Incoming, SharedCodes};
use prices::PriceCheck;
pub use prices::{DEFAULT_MAX_EUR_MINOR, DEFAULT_MAX_UNRATED_MINOR, PriceRules};
pub use summary::IssueKind;

/// How many row issues a report keeps in full; the rest are only counted.
pub const MAX_REPORTED_ISSUES: usize = 1000;

/// What the caller says about an ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Feed format and default currency.
    pub feed: FeedOptions,
    /// Source name; by default the file name, prefixed by the retailer when one is known.
    pub source: Option<String>,
    /// Retailer for feeds that do not name one per row.
    pub retailer: Option<String>,
    /// Observation time of every row.
    pub seen_at: Timestamp,
    /// Which English the feed's text is written in; by default from each row's currency.
    pub market: Option<Market>,
    /// The bound on prices and the rates that tell which currencies convert.
    pub prices: PriceRules,
}

/// The outcome of one ingest.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    /// The file read.
    pub file: String,
    /// The source it was ingested as.
    pub source: String,
    /// The format read.
    pub format: String,
    /// Observation time.
    pub seen_at: Timestamp,
    /// Rows read from the file. For feeds that merge several rows into one item (mapped CSVs
    /// with `group_rows_by`) this counts the file's rows, not the items.
    pub rows: u64,
    /// Items read (accepted, updated, unchanged and rejected): equal to `rows` unless rows are
    /// grouped into items.
    pub records: u64,
    /// Rows that created an offer.
    pub accepted: u64,
    /// Rows that changed an existing offer.
    pub updated: u64,
    /// Rows identical to what was stored.
    pub unchanged: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Products created.
    pub products_created: u64,
    /// New offers attached to a product already in the catalog (by GTIN, MPN or title).
    pub products_matched: u64,
    /// Price points appended.
    pub price_points: u64,
    /// Offers of this source that this ingest no longer held (now marked stale).
    pub unseen: u64,
    /// Rejected rows counted by field (`"-"` when no one field is at fault).
    pub rejected_by_field: BTreeMap<String, u64>,
    /// The first rejected rows, with line, field and reason.
    pub rejections: Vec<RowIssue>,
    /// The first warnings (values dropped without rejecting the row).
    pub warnings: Vec<RowIssue>,
    /// How many warnings in all.
    pub warning_count: u64,
    /// The rejections by kind (field and reason, whatever the values), with counts.
    pub rejection_kinds: Vec<IssueKind>,
    /// The warnings by kind, with counts.
    pub warning_kinds: Vec<IssueKind>,
}

/// How far an ingest has read its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Records read so far (rows or items, rejected ones too).
    pub rows: u64,
    /// Bytes of the file read so far.
    pub bytes: u64,
    /// The file's size, when known.
    pub total_bytes: Option<u64>,
}

/// Ingests one feed file into `store`. `progress` is called now and then with how far it has
/// read. An error means nothing from the file was stored.
pub fn ingest_file(
    store: &mut dyn Store,
    brands: &BrandBook,
    extractor: &Extractor,
    path: &Path,
    options: &IngestOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<IngestReport> {
    ingest_file_checked(
        store,
        brands,
        extractor,
        path,
        options,
        &|_| Ok(()),
        progress,
    )
}

/// [`ingest_file`], with a last word before the commit: when `check` refuses the report (a
/// download that parsed to far fewer rows than the source's last good one), nothing from the
/// file is stored and its error is returned.
pub fn ingest_file_checked(
    store: &mut dyn Store,
    brands: &BrandBook,
    extractor: &Extractor,
    path: &Path,
    options: &IngestOptions,
    check: &dyn Fn(&IngestReport) -> Result<()>,
    progress: &mut dyn FnMut(Progress),
) -> Result<IngestReport> {
    let feed = open_feed(path, &options.feed)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let feed_retailer = options
        .retailer
        .clone()
        .or_else(|| feed.retailer_hint().map(str::to_string));
    let source = match (&options.source, &feed_retailer) {
        (Some(s), _) => s.trim().to_string(),
        (None, Some(r)) => format!("{file_name} ({r})"),
        (None, None) => file_name.clone(),
    };
    if source.is_empty() {
        return Err(Error::Usage("--source must not be empty".into()));
    }
    let format = feed.format().name().to_string();
    let seen_at = options.seen_at;

    let mut report = IngestReport {
        file: path.display().to_string(),
        source: source.clone(),
        format: format.clone(),
        seen_at,
        rows: 0,
        records: 0,
        accepted: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        products_created: 0,
        products_matched: 0,
        price_points: 0,
        unseen: 0,
        rejected_by_field: BTreeMap::new(),
        rejections: Vec::new(),
        warnings: Vec::new(),
        warning_count: 0,
        rejection_kinds: Vec::new(),
        warning_kinds: Vec::new(),
    };

    for w in feed.header_warnings() {
        warn(&mut report, w.clone());
    }

    let mut tx = store.begin_load()?;
    // A load into an empty store: every product is new, and an index rebuilds anyway.
    let into_empty = tx.products_after(0, 1)?.is_empty();
    if into_empty {
        tx.log_every_product()?;
        tx.defer_indexes()?;
    }
    let source_key = tx.source_key(&source)?;
    let started = std::time::Instant::now();
    let known = if into_empty {
        None
    } else {
        Some(known_offers(tx.as_mut(), source_key)?)
    };
    tracing::debug!(
        source = %source,
        into_empty,
        elapsed_ms = started.elapsed().as_millis(),
        "ingest: stored fingerprints loaded"
    );
    let ingest_id = tx.start_ingest(source_key, seen_at)?;
    let default_retailer = feed_retailer.unwrap_or_default();
    let taxonomy_version = extractor.taxonomy().version();
    let fingerprints = Fingerprinter::new(
        &taxonomy_version,
        brands.version(),
        options.market.map(|m| m.to_string()).as_deref(),
        &default_retailer,
    );
    let mut ctx = RowContext {
        tx: tx.as_mut(),
        extractor,
        taxonomy_version,
        brands,
        source: &source,
        source_key,
        ingest_id,
        seen_at,
        // A shop is named by the feed, its mapping or --retailer, never guessed from the file
        // name: an offer whose retailer is empty has no shop, and edits never pick it.
        default_retailer,
        unchanged_offers: Vec::new(),
        items_loaded: into_empty.then(HashSet::new),
    };
    let preparer = ahead::Preparer {
        brands,
        extractor,
        market: options.market,
        extract_ahead: into_empty,
        fingerprints,
        known,
        seen_at,
        prices: PriceCheck::new(&options.prices),
        shared_codes: SharedCodes::default(),
    };
    let total_bytes = feed.total_bytes();
    let feed = std::thread::scope(|scope| -> Result<FeedReader> {
        let (batches, reader) = ahead::start(scope, feed, preparer);
        let applied = apply_batches(&mut ctx, &mut report, &batches, total_bytes, progress);
        // Dropping the receiver stops the reader at its next batch.
        drop(batches);
        let feed = match reader.join() {
            Ok(feed) => feed,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        applied.map(|()| feed)
    })?;
    progress(Progress {
        rows: report.records,
        bytes: feed.bytes_read(),
        total_bytes,
    });
    report.rows = feed.source_rows().unwrap_or(report.records);

    ctx.touch_unchanged()?;
    tracing::debug!(
        rows = report.records,
        elapsed_ms = started.elapsed().as_millis(),
        "ingest: rows applied"
    );
    let seen_rows = report.accepted + report.updated + report.unchanged;
    if seen_rows > 0 {
        // A feed with no usable row says nothing about what its source still sells.
        report.unseen = ctx.tx.mark_unseen(source_key, ingest_id)?;
    }
    let log = IngestLog {
        source: source.clone(),
        file: report.file.clone(),
        format,
        seen_at,
        accepted: report.accepted,
        updated: report.updated,
        unchanged: report.unchanged,
        rejected: report.rejected,
        unseen: report.unseen,
    };
    ctx.tx.finish_ingest(ingest_id, &log)?;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis(),
        "ingest: unseen offers marked"
    );
    check(&report)?;
    tx.commit()?;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis(),
        "ingest: committed"
    );
    Ok(report)
}

/// Applies the rows the reading thread makes ready, in feed order, until the feed ends or a
/// row fails the whole file.
fn apply_batches(
    ctx: &mut RowContext<'_>,
    report: &mut IngestReport,
    batches: &std::sync::mpsc::Receiver<ahead::Batch>,
    total_bytes: Option<u64>,
    progress: &mut dyn FnMut(Progress),
) -> Result<()> {
    let mut rows_since_progress = 0usize;
    for batch in batches {
        for row in batch.rows {
            report.records += 1;
            match row? {
                Ready::Rejected(issue) => reject(report, issue),
                Ready::Unchanged {
                    offer_key,
                    warnings,
                } => {
                    for w in warnings {
                        warn(report, w);
                    }
                    ctx.mark_unchanged(offer_key)?;
                    report.unchanged += 1;
                }
                Ready::Record(ready) => apply_record(ctx, report, *ready)?,
            }
        }
        rows_since_progress += 1;
        if rows_since_progress == PROGRESS_BATCHES {
            rows_since_progress = 0;
            progress(Progress {
                rows: report.records,
                bytes: batch.bytes_read,
                total_bytes,
            });
        }
    }
    Ok(())
}

/// Batches between two progress reports (4,096 rows).
const PROGRESS_BATCHES: usize = 16;

fn apply_record(
    ctx: &mut RowContext<'_>,
    report: &mut IngestReport,
    ready: ReadyRecord,
) -> Result<()> {
    for w in ready.record.warnings.iter().chain(&ready.warnings) {
        warn(report, w.clone());
    }
    let applied = ctx.apply(ready)?;
    match applied {
        Applied::Rejected(issue) => reject(report, issue),
        Applied::Done(outcome) => {
            match outcome.change {
                Change::New => report.accepted += 1,
                Change::Updated => report.updated += 1,
                Change::Unchanged => report.unchanged += 1,
            }
            report.products_created += u64::from(outcome.product_created);
            report.products_matched += u64::from(outcome.product_matched);
            report.price_points += outcome.price_points;
        }
    }
    Ok(())
}

/// Offers found unchanged that are marked seen with one statement.
const TOUCH_BATCH: usize = 4096;

/// The rejection of a row whose item id an earlier row of the feed already had.
fn duplicate(record: &FeedRecord) -> RowIssue {
    RowIssue {
        line: record.line,
        item: Some(record.item_id.clone()),
        field: Some("id".into()),
        reason: format!(
            "duplicate item id {:?}: an earlier row of this feed already has it",
            record.item_id
        ),
    }
}

/// The fingerprints of the offers `source_key` has stored.
fn known_offers(tx: &mut dyn StoreTx, source_key: i64) -> Result<KnownOffers> {
    let mut offers = Vec::new();
    tx.offer_fingerprints(source_key, &mut |item_id, key, fingerprint| {
        offers.push((KnownOffers::item_hash(item_id), fingerprint, key));
    })?;
    Ok(KnownOffers::new(offers))
}

fn warn(report: &mut IngestReport, issue: RowIssue) {
    report.warning_count += 1;
    summary::add(&mut report.warning_kinds, &issue);
    if report.warnings.len() < MAX_REPORTED_ISSUES {
        report.warnings.push(issue);
    }
}

fn reject(report: &mut IngestReport, issue: RowIssue) {
    report.rejected += 1;
    summary::add(&mut report.rejection_kinds, &issue);
    *report
        .rejected_by_field
        .entry(issue.field.clone().unwrap_or_else(|| "-".into()))
        .or_default() += 1;
    if report.rejections.len() < MAX_REPORTED_ISSUES {
        report.rejections.push(issue);
    }
}

enum Change {
    New,
    Updated,
    Unchanged,
}

struct Outcome {
    change: Change,
    product_created: bool,
    product_matched: bool,
    price_points: u64,
}

enum Applied {
    Done(Outcome),
    Rejected(RowIssue),
}

struct RowContext<'a> {
    tx: &'a mut dyn StoreTx,
    brands: &'a BrandBook,
    extractor: &'a Extractor,
    /// The extractor's taxonomy version, computed once rather than per row.
    taxonomy_version: String,
    source: &'a str,
    source_key: i64,
    ingest_id: i64,
    seen_at: Timestamp,
    default_retailer: String,
    /// Offers found unchanged and not yet marked seen.
    unchanged_offers: Vec<i64>,
    /// In a load into an empty store, the hashes of the item ids its rows have had.
    items_loaded: Option<HashSet<u64>>,
}

impl RowContext<'_> {
    fn apply(&mut self, ready: ReadyRecord) -> Result<Applied> {
        let ReadyRecord {
            record,
            warnings: _,
            repeats,
            mut incoming,
            attributes,
            fingerprint,
        } = ready;
        let record = &record;
        let existing = self.stored_offer(&record.item_id)?;
        if let Some(offer) = &existing
            && (offer.last_ingest == self.ingest_id || repeats == Some(offer.key))
        {
            // Offers found unchanged are marked seen later, in batches: `repeats` says this
            // ingest already had a row for the offer.
            return Ok(Applied::Rejected(duplicate(record)));
        }

        let mut product_created = false;
        let mut product_matched = false;
        let product_key = match &existing {
            Some(offer) => {
                let stored = self.tx.product(offer.data.product_key)?;
                self.merge_into(&stored.data, &incoming, stored.key)?;
                stored.key
            }
            None => match self.match_product(&incoming, &record.sizes)? {
                Some(key) => {
                    let stored = self.tx.product(key)?;
                    self.merge_into(&stored.data, &incoming, key)?;
                    product_matched = true;
                    key
                }
                None => {
                    product_created = true;
                    let attributes =
                        attributes.unwrap_or_else(|| extract_attributes(self.extractor, &incoming));
                    incoming.attributes = Some(attributes);
                    self.insert_new_product(&record.item_id, &incoming)?
                }
            },
        };

        let retailer_raw = record
            .retailer
            .clone()
            .unwrap_or_else(|| self.default_retailer.clone());
        let retailer = self
            .brands
            .canonical(&retailer_raw)
            .map(|b| b.display)
            .unwrap_or(retailer_raw);
        let data = OfferData {
            product_key,
            source_key: self.source_key,
            item_id: record.item_id.clone(),
            retailer,
            url: record.link.clone(),
            price: record.price,
            sale_price: record.sale_price,
            availability: record.availability,
            sizes: record.sizes.clone(),
        };
        // The times this row speaks for: its own observations, or the ingest's time.
        let mut points: Vec<PricePoint> = if record.observations.is_empty() {
            vec![PricePoint {
                seen_at: self.seen_at,
                price: data.price,
                sale_price: data.sale_price,
                availability: data.availability,
            }]
        } else {
            record
                .observations
                .iter()
                .map(|o| PricePoint {
                    seen_at: o.seen_at,
                    price: o.price,
                    sale_price: o.sale_price,
                    availability: o.availability,
                })
                .collect()
        };
        points.sort_by_key(|p| p.seen_at);
        let first_seen = points.first().map_or(self.seen_at, |p| p.seen_at);
        let last_seen = points.last().map_or(self.seen_at, |p| p.seen_at);

        // The state the history last recorded: for a stored offer, its stored data (a point is
        // appended whenever that changes); a new offer has none. Dated observations may reach
        // back before the stored state, so they ask the store.
        let stored_state = existing.as_ref().map(|o| PricePoint {
            seen_at: o.last_seen,
            price: o.data.price,
            sale_price: o.data.sale_price,
            availability: o.data.availability,
        });
        let fp = Some(fingerprint);
        let (offer_key, change) = match existing {
            None => {
                let key = self.tx.insert_offer(&data, self.seen(first_seen), fp)?;
                (key, Change::New)
            }
            Some(offer) if offer.data == data => {
                self.tx.touch_offer(offer.key, self.seen(first_seen), fp)?;
                (offer.key, Change::Unchanged)
            }
            Some(offer) => {
                self.tx
                    .update_offer(offer.key, &data, self.seen(first_seen), fp)?;
                (offer.key, Change::Updated)
            }
        };
        if last_seen != first_seen {
            self.tx.touch_offer(offer_key, self.seen(last_seen), fp)?;
        }

        // Append only what changes the history: a point no earlier than the latest recorded one
        // whose price, sale price or availability differs from the point before it.
        let mut last = match (&stored_state, record.observations.is_empty()) {
            (None, _) => None,
            (Some(state), true) => Some(state.clone()),
            (Some(_), false) => self.tx.latest_price_point(offer_key)?,
        };
        let mut price_points = 0;
        for point in points {
            if let Some(prev) = &last {
                if point.seen_at < prev.seen_at {
                    continue;
                }
                if prev.price == point.price
                    && prev.sale_price == point.sale_price
                    && prev.availability == point.availability
                {
                    continue;
                }
            }
            let origin = PointOrigin {
                ingest_id: self.ingest_id,
                line: record.line,
            };
            self.tx.append_price_point(offer_key, &point, origin)?;
            price_points += 1;
            last = Some(point);
        }
        Ok(Applied::Done(Outcome {
            change,
            product_created,
            product_matched,
            price_points,
        }))
    }

    /// Notes an offer found unchanged, to be marked seen with others.
    fn mark_unchanged(&mut self, offer_key: i64) -> Result<()> {
        self.unchanged_offers.push(offer_key);
        if self.unchanged_offers.len() == TOUCH_BATCH {
            self.touch_unchanged()?;
        }
        Ok(())
    }

    /// Marks the offers found unchanged so far as seen by this ingest.
    fn touch_unchanged(&mut self) -> Result<()> {
        if !self.unchanged_offers.is_empty() {
            let seen = self.seen(self.seen_at);
            self.tx.touch_offers(&self.unchanged_offers, seen)?;
            self.unchanged_offers.clear();
        }
        Ok(())
    }

    fn seen(&self, at: Timestamp) -> OfferSeen {
        OfferSeen {
            at,
            ingest_id: self.ingest_id,
        }
    }

    /// Merges a row's product data into a stored product, extracting attributes again when the
    /// text changed or the taxonomy did; writes only when something changed.
    fn merge_into(&mut self, stored: &ProductData, incoming: &ProductData, key: i64) -> Result<()> {
        let mut merged = merge_product(stored, incoming);
        let version_current = stored
            .attributes
            .as_ref()
            .is_some_and(|a| a.taxonomy_version == self.taxonomy_version);
        if merged != *stored || !version_current {
            merged.attributes = Some(extract_attributes(self.extractor, &merged));
        }
        if merged != *stored {
            self.tx.update_product(key, &merged)?;
        }
        Ok(())
    }

    /// The offer the source has stored for `item_id`. In a load into an empty store, only an
    /// item id an earlier row had can have one: the others are not looked up.
    fn stored_offer(&mut self, item_id: &str) -> Result<Option<StoredOffer>> {
        if let Some(items) = &mut self.items_loaded
            && items.insert(fnv1a64(item_id.as_bytes()))
        {
            return Ok(None);
        }
        self.tx.offer_by_item(self.source_key, item_id)
    }

    /// GTIN, then MPN + brand, then the feed's item group, then brand + title; every way under
    /// the same guards ([`matching::may_join`]): never another colourway, never a product this
    /// source already sells under another item id unless the row is another size of it.
    fn match_product(&mut self, incoming: &ProductData, sizes: &[String]) -> Result<Option<i64>> {
        let row = Incoming::new(
            &incoming.colours,
            &incoming.title_key,
            incoming.item_group.as_deref(),
            sizes,
        );
        if let Some(gtin) = &incoming.gtin {
            let candidates = self.tx.find_by_gtin(gtin, self.source_key)?;
            if let Some(key) = matching::choose(&candidates, &row) {
                return Ok(Some(key));
            }
        }
        if let (Some(brand), Some(mpn)) = (&incoming.brand_key, &incoming.mpn) {
            let candidates = self.tx.find_by_mpn(brand, mpn, self.source_key)?;
            if let Some(key) = matching::choose(&candidates, &row) {
                return Ok(Some(key));
            }
        }
        if let Some(group) = &incoming.item_group {
            let candidates = self.tx.find_by_item_group(self.source_key, group)?;
            if let Some(key) = matching::choose(&candidates, &row) {
                return Ok(Some(key));
            }
        }
        // In a load into an empty store every product is this source's own, and a title never
        // joins two item ids of one source.
        if self.items_loaded.is_some() {
            return Ok(None);
        }
        // A title alone names a product only with its brand: two shops' unbranded "Satin
        // Ballet Flats" are two products.
        let Some(brand) = incoming.brand_key.as_deref() else {
            return Ok(None);
        };
        if incoming.title_key.is_empty() {
            return Ok(None);
        }
        let candidates =
            self.tx
                .find_by_title(Some(brand), &incoming.title_key, self.source_key)?;
        Ok(matching::choose(&candidates, &row))
    }

    /// Inserts a product under `pt-` and 12 hex digits of a hash of source and item id: stable
    /// across stores, so the same feed gives the same ids everywhere. On the rare collision the
    /// hash is salted and tried again.
    fn insert_new_product(&mut self, item_id: &str, data: &ProductData) -> Result<i64> {
        for salt in 0u32.. {
            let seed = format!("{}\u{0}{}\u{0}{}", self.source, item_id, salt);
            let id = format!("pt-{:012x}", fnv1a(seed.as_bytes()) >> 16);
            if let Some(key) = self.tx.insert_product(&id, data)? {
                return Ok(key);
            }
        }
        unreachable!("u32 salts exhausted")
    }
}

/// FNV-1a, 64-bit, with a SplitMix64 finaliser so that ids of similar item ids look unrelated:
/// a few lines, stable across platforms and releases (unlike std's hasher), which is all an id
/// needs.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// The product a record describes. The fields only the product needs are moved out of the
/// record (left empty there); the offer's (item id, link, prices, sizes …) stay.
fn product_data(record: &mut FeedRecord, brand: Option<&Brand>, brands: &BrandBook) -> ProductData {
    use std::mem::take;
    let folded_title = fold_key(&record.title);
    let title_key = match brand {
        Some(b) => {
            let stripped = strip_phrases(&folded_title, &brands.spellings(b));
            if stripped.is_empty() {
                folded_title
            } else {
                stripped
            }
        }
        None => folded_title,
    };
    let (google_category_id, google_path) = match record.google_product_category.as_deref() {
        Some(raw) => parse_google_category(raw),
        None => (None, None),
    };
    ProductData {
        brand_key: brand.map(|b| b.key.clone()),
        brand: brand.map(|b| b.display.clone()),
        title: take(&mut record.title),
        title_key,
        description: take(&mut record.description),
        google_category_id,
        category_text: take(&mut record.product_type).or(google_path),
        gender: record.gender.as_deref().map(normalise_gender),
        age_group: take(&mut record.age_group),
        colours: take(&mut record.colours),
        materials: take(&mut record.materials),
        pattern: take(&mut record.pattern),
        image_urls: take(&mut record.image_links),
        gtin: record.gtin.as_ref().map(|g| g.as_str().to_string()),
        mpn: take(&mut record.mpn),
        item_group: take(&mut record.item_group_id),
        condition: take(&mut record.condition),
        market: None,
        attributes: None,
    }
}

/// Extracts the attributes of a product from its stored text and the feed's colour and material
/// fields.
pub fn extract_attributes(extractor: &Extractor, data: &ProductData) -> Attributes {
    let market = data
        .market
        .as_deref()
        .and_then(|m| m.parse().ok())
        .unwrap_or(Market::Uk);
    extractor.extract(&ProductText {
        title: &data.title,
        description: data.description.as_deref(),
        category_path: data.category_text.as_deref(),
        colours: &data.colours,
        materials: &data.materials,
        brand: data.brand.as_deref(),
        market,
    })
}

/// What [`reextract`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReextractReport {
    /// Products read.
    pub products: u64,
    /// Products whose attributes changed.
    pub changed: u64,
    /// Products skipped because their attributes were already extracted with this taxonomy.
    pub current: u64,
}

/// Extracts every product's attributes again with `extractor`'s taxonomy, in one transaction.
/// Products already extracted with this taxonomy are skipped unless `force`.
pub fn reextract(
    store: &mut dyn Store,
    extractor: &Extractor,
    force: bool,
) -> Result<ReextractReport> {
    let version = extractor.taxonomy().version();
    let mut report = ReextractReport::default();
    let mut tx = store.begin()?;
    let mut after = 0;
    loop {
        let page = tx.products_after(after, 2048)?;
        let Some(last) = page.last() else { break };
        after = last.key;
        for product in page {
            report.products += 1;
            let current = product
                .data
                .attributes
                .as_ref()
                .is_some_and(|a| a.taxonomy_version == version);
            if current && !force {
                report.current += 1;
                continue;
            }
            let attributes = extract_attributes(extractor, &product.data);
            if product.data.attributes.as_ref() != Some(&attributes) {
                let mut data = product.data.clone();
                data.attributes = Some(attributes);
                tx.update_product(product.key, &data)?;
                report.changed += 1;
            }
        }
    }
    tx.commit()?;
    Ok(report)
}

/// Google's category is an id (`187`), an id with its path (`187 - Apparel & Accessories >
/// Shoes`) or a path alone.
fn parse_google_category(raw: &str) -> (Option<u32>, Option<String>) {
    let raw = raw.trim();
    let digits: String = raw.chars().take_while(|c| c.is_ascii_digit()).collect();
    if !digits.is_empty() {
        let rest = raw[digits.len()..].trim_start_matches([' ', '-']).trim();
        let id = digits.parse().ok();
        let path = (!rest.is_empty()).then(|| rest.to_string());
        return (id, path);
    }
    (None, (!raw.is_empty()).then(|| raw.to_string()))
}

fn normalise_gender(raw: &str) -> String {
    match fold_key(raw).as_str() {
        "female" | "women" | "womens" | "woman" | "ladies" | "girls" | "f" => "female".into(),
        "male" | "men" | "mens" | "man" | "boys" | "m" => "male".into(),
        "unisex" | "men and women" | "women and men" => "unisex".into(),
        other => other.to_string(),
    }
}

/// Merges what a new feed row says into a stored product: the stored title and brand stay;
/// empty fields are filled; the longest description wins; lists are unioned.
fn merge_product(stored: &ProductData, incoming: &ProductData) -> ProductData {
    fn fill<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<T> {
        a.clone().or_else(|| b.clone())
    }
    fn union(a: &[String], b: &[String]) -> Vec<String> {
        let mut out = a.to_vec();
        for x in b {
            if !out.iter().any(|y| fold_key(y) == fold_key(x)) {
                out.push(x.clone());
            }
        }
        out
    }
    let description = match (&stored.description, &incoming.description) {
        (Some(a), Some(b)) if b.len() > a.len() => Some(b.clone()),
        (a, b) => fill(a, b),
    };
    ProductData {
        // The brand book may have grown a family since: the row's key is the current one.
        brand_key: fill(&incoming.brand_key, &stored.brand_key),
        brand: fill(&stored.brand, &incoming.brand),
        title: stored.title.clone(),
        title_key: stored.title_key.clone(),
        description,
        google_category_id: fill(&stored.google_category_id, &incoming.google_category_id),
        category_text: fill(&stored.category_text, &incoming.category_text),
        gender: fill(&stored.gender, &incoming.gender),
        age_group: fill(&stored.age_group, &incoming.age_group),
        colours: union(&stored.colours, &incoming.colours),
        materials: union(&stored.materials, &incoming.materials),
        pattern: fill(&stored.pattern, &incoming.pattern),
        image_urls: union(&stored.image_urls, &incoming.image_urls),
        gtin: fill(&stored.gtin, &incoming.gtin),
        mpn: fill(&stored.mpn, &incoming.mpn),
        item_group: fill(&stored.item_group, &incoming.item_group),
        condition: fill(&stored.condition, &incoming.condition),
        market: fill(&stored.market, &incoming.market),
        attributes: stored.attributes.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_categories_split_into_id_and_path() {
        assert_eq!(parse_google_category("187"), (Some(187), None));
        assert_eq!(
            parse_google_category("187 - Apparel & Accessories > Shoes"),
            (Some(187), Some("Apparel & Accessories > Shoes".into()))
        );
        assert_eq!(
            parse_google_category("Apparel & Accessories > Shoes"),
            (None, Some("Apparel & Accessories > Shoes".into()))
        );
    }

    #[test]
    fn genders_are_normalised() {
        assert_eq!(normalise_gender("Women"), "female");
        assert_eq!(normalise_gender("MALE"), "male");
        assert_eq!(normalise_gender("Unisex"), "unisex");
    }

    #[test]
    fn public_ids_hash_source_and_item() {
        assert_ne!(fnv1a(b"a\0seed-001"), fnv1a(b"a\0seed-002"));
    }
}
