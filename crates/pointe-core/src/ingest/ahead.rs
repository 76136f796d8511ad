//! Reading ahead: a second thread parses the feed, checks each row's prices and codes,
//! recognises the rows that say again what their offer holds (by fingerprint), canonicalises
//! brands, folds titles and, when the rows are expected to make new products, extracts their
//! attributes, while the ingest's own thread matches and writes. Rows cross over in order, in
//! batches, on a bounded channel, so memory stays flat in the feed size and the writer never
//! waits on parsing once the channel is full.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use jiff::Timestamp;

use super::fingerprint::{Fingerprinter, Known, KnownOffers};
use super::matching::SharedCodes;
use super::prices::PriceCheck;
use crate::Result;
use crate::attributes::{Attributes, Extractor, Market};
use crate::brand::BrandBook;
use crate::feed::{FeedReader, FeedRecord, FeedRow, RowIssue};
use crate::store::ProductData;

/// Rows per batch: large enough that the channel costs nothing per row, small enough that
/// progress stays smooth.
const BATCH_ROWS: usize = 256;

/// Batches the reading thread may hold ready before it waits for the writer.
const BATCHES_AHEAD: usize = 16;

/// A feed row made ready for the writer.
pub(super) enum Ready {
    /// A row the feed reader or the row checks rejected.
    Rejected(RowIssue),
    /// A row whose offer is stored from a row with the same fingerprint: the writer only marks
    /// the offer seen. Its warnings are still reported.
    Unchanged {
        offer_key: i64,
        warnings: Vec<RowIssue>,
    },
    /// A record, with what the writer needs from it.
    Record(Box<ReadyRecord>),
}

/// A record with its product data worked out.
pub(super) struct ReadyRecord {
    /// The record, without the fields moved into `incoming` (title, description, colours …).
    pub record: FeedRecord,
    /// Warnings of the row checks (the record's own are in `record.warnings`).
    pub warnings: Vec<RowIssue>,
    /// The offer an earlier row of this ingest found unchanged under the same item id hash:
    /// this row repeats its item id unless another id shares the hash.
    pub repeats: Option<i64>,
    /// The product the row describes, brand canonicalised and market set.
    pub incoming: ProductData,
    /// Its attributes, extracted ahead when the ingest expects every row to be a new product;
    /// the writer extracts them itself otherwise, and only when it needs them.
    pub attributes: Option<Attributes>,
    /// The row's fingerprint.
    pub fingerprint: u64,
}

/// Rows in feed order, with how far the feed was read when the batch was cut.
pub(super) struct Batch {
    pub rows: Vec<Result<Ready>>,
    pub bytes_read: u64,
}

/// What the reading thread needs to make rows ready.
pub(super) struct Preparer<'a> {
    pub brands: &'a BrandBook,
    pub extractor: &'a Extractor,
    /// The market the caller named, else each row's from its currency.
    pub market: Option<Market>,
    /// Whether to extract attributes ahead (a load into an empty store).
    pub extract_ahead: bool,
    pub fingerprints: Fingerprinter,
    /// The fingerprints of the source's stored offers (none for a load into an empty store).
    pub known: Option<KnownOffers>,
    /// When the rows are seen, for the price bound.
    pub seen_at: Timestamp,
    /// The bound on prices; currencies reported as unconvertible.
    pub prices: PriceCheck<'a>,
    /// GTINs seen in this feed, to report a code reused on several items.
    pub shared_codes: SharedCodes,
}

impl Preparer<'_> {
    fn prepare(&mut self, row: FeedRow) -> Ready {
        match row {
            FeedRow::Rejected(issue) => Ready::Rejected(issue),
            FeedRow::Record(record) => {
                let fingerprint = self.fingerprints.of(&record);
                let known = self.ask_known(&record, fingerprint);
                let mut warnings = Vec::new();
                if let Some(issue) = self.check(&record, &mut warnings) {
                    return Ready::Rejected(issue);
                }
                let repeats = match known {
                    Known::Unchanged(offer_key) => {
                        warnings.splice(0..0, record.warnings);
                        return Ready::Unchanged {
                            offer_key,
                            warnings,
                        };
                    }
                    Known::Repeated(offer_key) => Some(offer_key),
                    Known::Usual => None,
                };
                let brand = record
                    .brand
                    .as_deref()
                    .and_then(|b| self.brands.canonical(b));
                let mut record = record;
                let mut incoming = super::product_data(&mut record, brand.as_ref(), self.brands);
                let market = self
                    .market
                    .unwrap_or_else(|| Market::from_currency(record.price.currency));
                incoming.market = Some(market.to_string());
                let attributes = self
                    .extract_ahead
                    .then(|| super::extract_attributes(self.extractor, &incoming));
                Ready::Record(Box::new(ReadyRecord {
                    record: *record,
                    warnings,
                    repeats,
                    incoming,
                    attributes,
                    fingerprint,
                }))
            }
        }
    }

    /// What the source's stored fingerprints say of `record`. Rows with dated observations
    /// never count as unchanged (their points are compared with the stored history), but
    /// still count as asking.
    fn ask_known(&mut self, record: &FeedRecord, fingerprint: u64) -> Known {
        match self.known.as_mut() {
            Some(known) => known.ask(&record.item_id, fingerprint, record.observations.is_empty()),
            None => Known::Usual,
        }
    }

    /// The row's prices against the bound (the rejection, when one is beyond it) and its GTIN
    /// against the feed's other rows; warnings go to `warnings`.
    fn check(&mut self, record: &FeedRecord, warnings: &mut Vec<RowIssue>) -> Option<RowIssue> {
        match self.prices.check(record, self.seen_at) {
            Err(issue) => return Some(issue),
            Ok(Some(warning)) => warnings.push(warning),
            Ok(None) => {}
        }
        if let Some(gtin) = &record.gtin
            && let Some(warning) =
                self.shared_codes
                    .note(gtin.as_str(), &record.item_id, record.line)
        {
            warnings.push(warning);
        }
        None
    }
}

/// Starts reading `feed` on a thread of `scope`; the thread hands the feed back when it ends
/// (at the end of the file, at a fatal error, or when the receiver is dropped). Attributes
/// extracted ahead are extracted on a thread of their own after the reader's, when one can be
/// started: on a load, extraction is about half of what reading ahead does.
pub(super) fn start<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    mut feed: FeedReader,
    mut preparer: Preparer<'scope>,
) -> (
    Receiver<Batch>,
    std::thread::ScopedJoinHandle<'scope, FeedReader>,
) {
    let extracting = if preparer.extract_ahead {
        start_extracting(scope, preparer.extractor)
    } else {
        None
    };
    let (sender, receiver) = match extracting {
        Some(channels) => {
            // The extracting thread does it, not the reader.
            preparer.extract_ahead = false;
            channels
        }
        None => sync_channel(BATCHES_AHEAD),
    };
    let handle = std::thread::Builder::new()
        .name("feed-reader".into())
        .spawn_scoped(scope, move || {
            read(&mut feed, &mut preparer, &sender);
            feed
        })
        .expect("a thread can be started");
    (receiver, handle)
}

/// Starts the thread that extracts the attributes of the rows it is sent and passes them
/// on: the sender to it and the receiver of its batches; `None` when it cannot be started.
fn start_extracting<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    extractor: &'scope Extractor,
) -> Option<(SyncSender<Batch>, Receiver<Batch>)> {
    let (to_extract, incoming) = sync_channel::<Batch>(BATCHES_AHEAD);
    let (extracted, outgoing) = sync_channel(BATCHES_AHEAD);
    std::thread::Builder::new()
        .name("attribute-extractor".into())
        .spawn_scoped(scope, move || {
            for mut batch in incoming {
                for row in &mut batch.rows {
                    if let Ok(Ready::Record(ready)) = row {
                        ready.attributes =
                            Some(super::extract_attributes(extractor, &ready.incoming));
                    }
                }
                if extracted.send(batch).is_err() {
                    return;
                }
            }
        })
        .ok()?;
    Some((to_extract, outgoing))
}

fn read(feed: &mut FeedReader, preparer: &mut Preparer<'_>, sender: &SyncSender<Batch>) {
    let mut rows = Vec::with_capacity(BATCH_ROWS);
    loop {
        let next = feed.next();
        let done = match next {
            None => true,
            Some(Err(e)) => {
                rows.push(Err(e));
                true
            }
            Some(Ok(row)) => {
                rows.push(Ok(preparer.prepare(row)));
                false
            }
        };
        if done || rows.len() == BATCH_ROWS {
            let batch = Batch {
                rows: std::mem::replace(&mut rows, Vec::with_capacity(BATCH_ROWS)),
                bytes_read: feed.bytes_read(),
            };
            if sender.send(batch).is_err() || done {
                return;
            }
        }
    }
}
