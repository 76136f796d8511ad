//! The search index: its schema, building it from the store, and knowing when it is stale.
//!
//! The index lives in `<data-dir>/index/` as versions (see `layout.rs`), each with a meta
//! file (`pointe-index.json`) recording the taxonomy version, tiers and exchange rates it was
//! built from and the schema version; each commit records the store generation it reflects
//! (`commit.rs`). [`SearchIndex::open_or_build`] compares them with the store's: an index
//! behind the store catches up from the store's change log (`catch_up.rs`); one built from
//! another taxonomy, other tiers or rates or another schema, missing, unreadable or too far
//! behind is rebuilt. A search is never served from an index that no longer matches the
//! catalog.
//!
//! A rebuild is complete (every product is read again, in one consistent read of the store),
//! taken by one command at a time, and written to a new version that becomes the live one
//! only once it is committed and synced, so a failed or killed rebuild leaves the old index
//! and a reader never opens a half-written one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use pointe_core::attributes::Taxonomy;
use pointe_core::fx::RateTable;
use pointe_core::store::{Catalog, for_each_product_with_offers};
use pointe_core::text::fnv1a64;
use pointe_core::tiers::Tiers;
use serde::{Deserialize, Serialize};
use tantivy::schema::{
    BytesOptions, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};
use tantivy::{
    Index, IndexReader, IndexSettings, IndexSortByField, IndexWriter, Order, ReloadPolicy,
    TantivyDocument,
};

use crate::bounds::{MAX_TOKENS, MAX_WORD_BYTES, features_json};
use crate::config::LookalikeConfig;
use crate::features::IndexedProduct;
use crate::layout::{BuildLock, Layout, ReaderHold};
use crate::search::FacetCodes;
use crate::{Error, Result};

/// Bumped whenever the schema or what is indexed changes: an index of another version is
/// rebuilt.
pub const SCHEMA_VERSION: u32 = 12;

/// The size of a block of stored documents (tantivy's default is 16 KiB): 4 KiB made a
/// search about 4% cheaper for 5% more index (BENCHMARKS.md, run 9).
const DOCSTORE_BLOCK_BYTES: usize = 4_096;

/// The name of the meta file inside the index directory.
pub const META_FILE: &str = "pointe-index.json";

/// The tokenizer of the text fields: words, lower case, ASCII folding, English stemming.
pub(crate) const TOKENIZER: &str = "pointe_en";

/// Products read from the store per page while building.
const PAGE: usize = 2_000;

/// What the index was built from, as recorded in its meta file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexMeta {
    /// [`SCHEMA_VERSION`] at build time.
    pub schema_version: u32,
    /// The store's [`Catalog::generation`] the index reflects: at build time in the meta
    /// file, and as of its latest commit once opened (an index catches up from the store's
    /// change log, one commit at a time).
    pub generation: u64,
    /// The taxonomy's version.
    pub taxonomy_version: String,
    /// A fingerprint of the tiers and exchange rates used for prices in GBP and tiers.
    pub prices_fingerprint: String,
    /// How many products it holds (as of its latest commit, once opened).
    pub products: u64,
}

/// Whether an index on disk matches the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// It matches the store.
    Fresh,
    /// There is no index.
    Missing,
    /// It was built from something else; the reason says what changed.
    Stale(String),
    /// It cannot be read; the reason says why.
    Corrupt(String),
    /// It was behind the store and caught up from the store's change log, indexing this
    /// many products again (what [`SearchIndex::open_or_build`] did, never what
    /// [`SearchIndex::freshness`] finds: an index behind is stale until it catches up).
    CaughtUp(u64),
}

/// What building and querying an index needs besides the store: the taxonomy (attribute
/// tokens and labels), the exchange rates and tiers (prices in GBP, tiers), today's date and
/// the look-alike weights.
#[derive(Debug, Clone)]
pub struct IndexContext {
    /// The taxonomy attributes were extracted with.
    pub taxonomy: Taxonomy,
    /// Exchange rates.
    pub rates: RateTable,
    /// Price tiers.
    pub tiers: Tiers,
    /// Today (prices are converted at the rate of the day they were seen, never later).
    pub today: Date,
    /// The look-alike scorer's weights.
    pub config: LookalikeConfig,
}

impl IndexContext {
    /// What the index holds about `product` and its offers, with this context's taxonomy,
    /// rates, tiers and date.
    pub(crate) fn indexed(
        &self,
        product: &pointe_core::store::StoredProduct,
        offers: &[pointe_core::domain::Offer],
    ) -> Result<IndexedProduct> {
        crate::features::indexed_product(
            product,
            offers,
            &self.taxonomy,
            &self.rates,
            &self.tiers,
            self.today,
        )
    }

    /// The fingerprint of the tiers and rates (what the stored GBP prices and tiers depend
    /// on).
    pub fn prices_fingerprint(&self) -> String {
        let rates = format!("{}:{:?}", self.rates.len(), self.rates.dates());
        let tiers = format!("{:?}", self.tiers);
        format!(
            "{:016x}-{:016x}",
            fnv1a64(rates.as_bytes()),
            fnv1a64(tiers.as_bytes())
        )
    }
}

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub title: Field,
    pub all: Field,
    pub brand_key: Field,
    pub retailer: Field,
    pub attrs: Field,
    pub category: Field,
    pub category_path: Field,
    pub colour_family: Field,
    pub material: Field,
    pub tier: Field,
    pub price_gbp: Field,
    pub price_minor: Field,
    pub price_currency: Field,
    pub in_stock: Field,
    /// The packed facets ([`crate::search::facets`]).
    pub facet_code: Field,
    pub key: Field,
    pub features: Field,
    pub display: Field,
    /// On a later listing of a product ([`crate::listing`]): its key's term and
    /// [`crate::listing::ANY_DUPLICATE`].
    pub duplicate_of: Field,
    /// Its listing key ([`crate::listing`]), on every listing that has one: the listings of
    /// one product are found again when one of them changes.
    pub listing: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = || {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                // No phrase is ever searched: frequencies without positions.
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", text()),
        all: b.add_text_field("all", text()),
        brand_key: b.add_text_field("brand_key", STRING | FAST),
        retailer: b.add_text_field("retailer", STRING | FAST),
        attrs: b.add_text_field(
            "attrs",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_fieldnorms(false)
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
        category: b.add_text_field("category", STRING | FAST),
        // Every level of the category, with frequencies: a category understood in a query is
        // a term of the query's conjunction, which block-max pruning answers.
        category_path: b.add_text_field(
            "category_path",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        colour_family: b.add_text_field("colour_family", STRING | FAST),
        material: b.add_text_field("material", STRING | FAST),
        tier: b.add_text_field("tier", STRING | FAST),
        price_gbp: b.add_u64_field("price_gbp", INDEXED | FAST),
        // The same price in its own currency: a query's price in that currency is compared
        // exactly, not through a rate.
        price_minor: b.add_u64_field("price_minor", INDEXED | FAST),
        price_currency: b.add_text_field("price_currency", STRING),
        in_stock: b.add_u64_field("in_stock", INDEXED | FAST),
        facet_code: b.add_u64_field(crate::search::facets::FACET_CODE_FIELD, FAST),
        // Indexed too: a product changed in the store is replaced by its key.
        key: b.add_u64_field("key", INDEXED | FAST),
        listing: b.add_u64_field("listing", INDEXED | FAST),
        features: b.add_bytes_field("features", BytesOptions::default().set_fast()),
        display: b.add_text_field("display", STORED),
        duplicate_of: b.add_text_field("duplicate_of", STRING),
    };
    (b.build(), fields)
}

fn register_tokenizers(index: &Index) {
    index.tokenizers().register(
        TOKENIZER,
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_WORD_BYTES + 1))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build(),
    );
}

/// An open search index with what querying it needs. Opening one reads the meta file and maps
/// the index files; it is then cheap to query many times. It holds its version of the index
/// for as long as it lives: no builder removes a version being read.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) ctx: IndexContext,
    /// What reading queries needs, built by the first search (or taken from the index this
    /// one replaces, when its taxonomy and brands are the same).
    pub(crate) vocabulary: std::sync::OnceLock<Arc<crate::search::query::Vocabulary>>,
    /// The vocabulary of the index this one replaces, for the first search to take when it
    /// fits.
    pub(crate) inherited: std::sync::Mutex<Option<Arc<crate::search::query::Vocabulary>>>,
    /// The numbering of the packed facets, built by the first use.
    facet_codes: std::sync::OnceLock<FacetCodes>,
    meta: IndexMeta,
    dir: PathBuf,
    _hold: ReaderHold,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .field("meta", &self.meta)
            .finish_non_exhaustive()
    }
}

/// What [`SearchIndex::refresh`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// The index already matched the store.
    Fresh,
    /// It was rebuilt, with this many products.
    Rebuilt(u64),
    /// It caught up from the store's change log, indexing this many products again.
    CaughtUp(u64),
    /// Another command is building it: that build, or the next command that reads the
    /// index, brings it up to date.
    Busy,
}

/// The meta file of the index in `dir`, if readable.
fn read_meta(dir: &Path) -> Option<IndexMeta> {
    let text = std::fs::read_to_string(dir.join(META_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// How an index stands against the store and context.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Standing {
    /// It matches them.
    Matches,
    /// It was built with the same taxonomy, tiers and rates, at an earlier generation: the
    /// store's change log can bring it up to date.
    Behind(String),
    /// It must be rebuilt; the reason says why.
    Rebuild(String),
}

/// How an index built from `meta` stands against the store and context.
fn standing(meta: &IndexMeta, catalog: &dyn Catalog, ctx: &IndexContext) -> Result<Standing> {
    let generation = catalog.generation()?;
    let behind = format!(
        "built at store generation {} (now {generation})",
        meta.generation
    );
    Ok(if meta.schema_version != SCHEMA_VERSION {
        Standing::Rebuild(format!(
            "schema version {} (now {SCHEMA_VERSION})",
            meta.schema_version
        ))
    } else if meta.taxonomy_version != ctx.taxonomy.version() {
        Standing::Rebuild("the taxonomy changed".into())
    } else if meta.prices_fingerprint != ctx.prices_fingerprint() {
        Standing::Rebuild("tiers or exchange rates changed".into())
    } else if meta.generation < generation {
        Standing::Behind(behind)
    } else if meta.generation > generation {
        // A store older than its index (restored from a backup): the log cannot go back.
        Standing::Rebuild(behind)
    } else {
        Standing::Matches
    })
}

/// How often a reader reads `CURRENT` again when the version it named was removed before the
/// reader could hold it (each time, a builder published a newer one meanwhile).
const OPEN_ATTEMPTS: usize = 5;

impl SearchIndex {
    /// Whether the live index under `root` matches the store and context (without opening
    /// it).
    pub fn freshness(root: &Path, catalog: &dyn Catalog, ctx: &IndexContext) -> Result<Freshness> {
        let layout = Layout::new(root);
        let name = match layout.current() {
            Ok(Some(name)) => name,
            Ok(None) => return Ok(Freshness::Missing),
            Err(e) => return Ok(Freshness::Corrupt(e.to_string())),
        };
        let dir = layout.version_dir(&name);
        let Some(meta) = read_meta(&dir) else {
            return Ok(Freshness::Corrupt(format!(
                "{} cannot be read",
                dir.join(META_FILE).display()
            )));
        };
        Ok(match standing(&meta, catalog, ctx)? {
            Standing::Behind(why) | Standing::Rebuild(why) => Freshness::Stale(why),
            Standing::Matches => Freshness::Fresh,
        })
    }

    /// Opens the live index under `root` (`<data-dir>/index`), bringing it up to date first:
    /// an index behind the store catches up from the store's change log; one missing, stale
    /// or corrupt, or too far behind, is rebuilt. Returns the index and what was found and
    /// done (`Fresh` too when another command brought it up to date while this one waited).
    ///
    /// Only one command updates the index at a time; the others wait for it, then use its
    /// index when it matches the store.
    pub fn open_or_build(
        root: &Path,
        catalog: &dyn Catalog,
        ctx: IndexContext,
    ) -> Result<(SearchIndex, Freshness)> {
        match SearchIndex::open_fresh(root, catalog, &ctx) {
            Ok(Ok(index)) => return Ok((index, Freshness::Fresh)),
            Ok(Err(_)) => {}
            Err(e) => return Err(e),
        }
        let layout = Layout::new(root);
        let lock = layout.wait_for_build()?;
        update_locked(&layout, &lock, catalog, ctx)
    }

    /// Brings the index under `root` up to date after the store changed, without waiting for
    /// another command's update ([`Refresh::Busy`]: that update, or the next command that
    /// reads the index, brings it up to date).
    pub fn refresh(root: &Path, catalog: &dyn Catalog, ctx: IndexContext) -> Result<Refresh> {
        if let Ok(Ok(_)) = SearchIndex::open_fresh(root, catalog, &ctx) {
            return Ok(Refresh::Fresh);
        }
        let layout = Layout::new(root);
        let Some(lock) = layout.try_build()? else {
            return Ok(Refresh::Busy);
        };
        let (index, done) = update_locked(&layout, &lock, catalog, ctx)?;
        Ok(match done {
            Freshness::Fresh => Refresh::Fresh,
            Freshness::CaughtUp(n) => Refresh::CaughtUp(n),
            _ => Refresh::Rebuilt(index.meta.products),
        })
    }

    /// The live index when it matches the store; otherwise what was found instead. An error
    /// only when the store cannot be read.
    fn open_fresh(
        root: &Path,
        catalog: &dyn Catalog,
        ctx: &IndexContext,
    ) -> Result<Result<SearchIndex, Freshness>> {
        let index = match SearchIndex::open_live(root, ctx.clone()) {
            Ok(Some(index)) => index,
            Ok(None) => return Ok(Err(Freshness::Missing)),
            Err(e) => return Ok(Err(Freshness::Corrupt(e.to_string()))),
        };
        Ok(match standing(&index.meta, catalog, ctx)? {
            Standing::Behind(why) | Standing::Rebuild(why) => Err(Freshness::Stale(why)),
            Standing::Matches => Ok(index),
        })
    }

    /// Opens the live index under `root` as it is, without checking it against the store.
    pub fn open(root: &Path, ctx: IndexContext) -> Result<SearchIndex> {
        SearchIndex::open_live(root, ctx)?
            .ok_or_else(|| Error::Usage(format!("{}: no search index was built", root.display())))
    }

    /// The live index, or `None` when none was ever published.
    fn open_live(root: &Path, ctx: IndexContext) -> Result<Option<SearchIndex>> {
        let layout = Layout::new(root);
        for _ in 0..OPEN_ATTEMPTS {
            let Some(name) = layout.current()? else {
                return Ok(None);
            };
            if let Some(hold) = layout.hold(&name)? {
                return open_version(&layout.version_dir(&name), ctx, hold).map(Some);
            }
        }
        Err(Error::Usage(format!(
            "{}: the live index was replaced {OPEN_ATTEMPTS} times while opening it",
            root.display()
        )))
    }

    /// Builds the index of every product in `catalog` under `root` and makes it the live
    /// one, waiting first for another command's build. Costs one read of every product and
    /// its offers.
    pub fn build(root: &Path, catalog: &dyn Catalog, ctx: IndexContext) -> Result<SearchIndex> {
        let layout = Layout::new(root);
        let lock = layout.wait_for_build()?;
        build_locked(&layout, &lock, catalog, ctx)
    }

    /// Offers this index the query vocabulary of `previous`, the index it replaces: its first
    /// search takes it instead of building its own when both have the same taxonomy and
    /// brands (building one reads the whole taxonomy, which a server reopening its index after
    /// every commit would otherwise do each time).
    pub fn inherit_vocabulary(&self, previous: &SearchIndex) {
        if previous.meta.taxonomy_version != self.meta.taxonomy_version {
            return;
        }
        let held = previous.vocabulary.get().cloned().or_else(|| {
            previous
                .inherited
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone()
        });
        if let Some(v) = held {
            *self
                .inherited
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(v);
        }
    }

    /// What the index was built from.
    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    /// The directory of the index version this reads.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The total size of the index files in bytes.
    pub fn size_bytes(&self) -> u64 {
        dir_size(&self.dir)
    }

    /// The numbering of the packed facets for this index's context.
    pub(crate) fn facet_codes(&self) -> &FacetCodes {
        self.facet_codes
            .get_or_init(|| FacetCodes::new(&self.ctx.taxonomy, &self.ctx.tiers))
    }

    /// The context (taxonomy, rates, tiers, weights) the index is queried with.
    pub fn context(&self) -> &IndexContext {
        &self.ctx
    }
}

/// Opens the index version in `dir`, which `hold` holds.
fn open_version(dir: &Path, ctx: IndexContext, hold: ReaderHold) -> Result<SearchIndex> {
    let meta = read_meta(dir)
        .ok_or_else(|| Error::Usage(format!("{}: no readable index meta file", dir.display())))?;
    let index = Index::open_in_dir(dir)?;
    register_tokenizers(&index);
    let (expected, fields) = schema();
    if index.schema() != expected {
        return Err(Error::Usage(format!(
            "{}: the index has another schema",
            dir.display()
        )));
    }
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let mut meta = meta;
    if let Some(c) = crate::commit::read(&index, &reader)? {
        meta.generation = c.generation;
        meta.products = c.products;
    }
    Ok(SearchIndex {
        index,
        reader,
        fields,
        ctx,
        vocabulary: std::sync::OnceLock::new(),
        inherited: std::sync::Mutex::new(None),
        facet_codes: std::sync::OnceLock::new(),
        meta,
        dir: dir.to_path_buf(),
        _hold: hold,
    })
}

/// Ends a consistent read of the store when dropped.
pub(crate) struct ConsistentRead<'a>(&'a dyn Catalog);

impl<'a> ConsistentRead<'a> {
    pub(crate) fn begin(catalog: &'a dyn Catalog) -> Result<ConsistentRead<'a>> {
        catalog.begin_read()?;
        Ok(ConsistentRead(catalog))
    }
}

impl Drop for ConsistentRead<'_> {
    fn drop(&mut self) {
        // Ending a read cannot lose anything; a failure only keeps the snapshot until the
        // connection closes.
        if let Err(e) = self.0.end_read() {
            tracing::warn!("search index: ending the store read: {e}");
        }
    }
}

/// Brings the live index up to date, holding the build lock: catches it up when it is behind
/// and the change log reaches back to it, rebuilds it otherwise. Returns the index and what
/// was found and done.
fn update_locked(
    layout: &Layout,
    lock: &BuildLock,
    catalog: &dyn Catalog,
    ctx: IndexContext,
) -> Result<(SearchIndex, Freshness)> {
    let root = layout.root();
    let found = match SearchIndex::open_live(root, ctx.clone()) {
        Ok(None) => Freshness::Missing,
        Err(e) => Freshness::Corrupt(e.to_string()),
        Ok(Some(index)) => match standing(&index.meta, catalog, &ctx)? {
            Standing::Matches => return Ok((index, Freshness::Fresh)),
            Standing::Rebuild(why) => Freshness::Stale(why),
            Standing::Behind(why) => match crate::catch_up::apply(&index, lock, catalog)? {
                crate::catch_up::Applied::Caught(n) => {
                    drop(index);
                    let index = SearchIndex::open(root, ctx)?;
                    trim_log(catalog, index.meta.generation);
                    return Ok((index, Freshness::CaughtUp(n)));
                }
                crate::catch_up::Applied::TooFar(reason) => {
                    Freshness::Stale(format!("{why}; {reason}"))
                }
            },
        },
    };
    match &found {
        Freshness::Corrupt(why) => {
            tracing::warn!("search index {}: {why}; rebuilding", root.display())
        }
        other => tracing::info!("search index {}: {other:?}; rebuilding", root.display()),
    }
    let index = build_locked(layout, lock, catalog, ctx)?;
    trim_log(catalog, index.meta.generation);
    Ok((index, found))
}

/// Forgets the store's change log up to the generation the live index reached: the one index
/// of the data directory no longer needs it. A failure costs only disk space (the next
/// update trims it), so it is logged, not returned.
fn trim_log(catalog: &dyn Catalog, generation: u64) {
    if let Err(e) = catalog.trim_changes(generation) {
        tracing::warn!("search index: trimming the store's change log: {e}");
    }
}

/// Builds a new version from one consistent read of the store, publishes it and removes the
/// versions no reader holds.
fn build_locked(
    layout: &Layout,
    lock: &BuildLock,
    catalog: &dyn Catalog,
    ctx: IndexContext,
) -> Result<SearchIndex> {
    let read = ConsistentRead::begin(catalog)?;
    let generation = catalog.generation()?;
    let name = layout.new_version(lock, generation)?;
    let dir = layout.version_dir(&name);
    let written = write_version(&dir, catalog, &ctx, generation);
    drop(read);
    if let Err(e) = written {
        std::fs::remove_dir_all(&dir).ok();
        return Err(e);
    }
    layout.publish(lock, &name)?;
    let hold = layout.hold(&name)?.ok_or_else(|| {
        Error::Usage(format!("{}: the new index version vanished", dir.display()))
    })?;
    let index = open_version(&dir, ctx, hold)?;
    layout.clean(lock, &name);
    Ok(index)
}

/// Writes the index of every product of `catalog` into the empty version directory `dir`, then
/// its meta file.
fn write_version(
    dir: &Path,
    catalog: &dyn Catalog,
    ctx: &IndexContext,
    generation: u64,
) -> Result<()> {
    let (schema, fields) = schema();
    // Documents in the store's product order, whatever the indexing threads do: equal
    // scores are then always broken the same way, build after build.
    let index = Index::builder()
        .schema(schema)
        .settings(IndexSettings {
            sort_by_field: Some(IndexSortByField {
                field: "key".into(),
                order: Order::Asc,
            }),
            // A page of results reads its hits' stored display data from scattered blocks,
            // each decompressed whole: small blocks cost less per hit.
            docstore_blocksize: DOCSTORE_BLOCK_BYTES,
            ..IndexSettings::default()
        })
        .create_in_dir(dir)?;
    register_tokenizers(&index);
    let products = write_documents(&index, &fields, catalog, ctx, generation)?;
    let meta = IndexMeta {
        schema_version: SCHEMA_VERSION,
        generation,
        taxonomy_version: ctx.taxonomy.version(),
        prices_fingerprint: ctx.prices_fingerprint(),
        products,
    };
    write_meta(dir, &meta)
}

/// Indexes every product, commits them as the store's `generation` and merges the segments
/// into one; returns how many were indexed.
fn write_documents(
    index: &Index,
    fields: &Fields,
    catalog: &dyn Catalog,
    ctx: &IndexContext,
    generation: u64,
) -> Result<u64> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get().clamp(1, 4))
        .unwrap_or(1);
    let mut writer: IndexWriter = index.writer_with_num_threads(threads, 64_000_000 * threads)?;
    let mut count = 0u64;
    let mut listings = std::collections::HashSet::new();
    let codes = FacetCodes::new(&ctx.taxonomy, &ctx.tiers);
    for_each_product_with_offers(catalog, PAGE, |product, offers| -> Result<()> {
        let p = ctx.indexed(&product, &offers)?;
        let mut doc = document(fields, &p, &ctx.taxonomy, &codes)?;
        if let Some(key) = p.features.listing
            && !listings.insert(key)
        {
            mark_duplicate(&mut doc, fields, key);
        }
        writer.add_document(doc)?;
        count += 1;
        Ok(())
    })?;
    crate::commit::commit(
        &mut writer,
        crate::commit::Committed {
            generation,
            products: count,
        },
    )?;
    // One segment answers queries fastest.
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    Ok(count)
}

/// Marks a document as a later listing of the product whose listing key is `key`.
pub(crate) fn mark_duplicate(doc: &mut TantivyDocument, fields: &Fields, key: u64) {
    doc.add_text(fields.duplicate_of, crate::listing::term(key));
    doc.add_text(fields.duplicate_of, crate::listing::ANY_DUPLICATE);
}

/// Writes the meta file of a version and syncs it.
fn write_meta(dir: &Path, meta: &IndexMeta) -> Result<()> {
    let path = dir.join(META_FILE);
    let json = serde_json::to_string_pretty(meta)
        .map_err(|e| Error::io(&path, std::io::Error::other(e.to_string())))?;
    let mut file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
    std::io::Write::write_all(&mut file, json.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(&path, e))
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

pub(crate) fn document(
    f: &Fields,
    p: &IndexedProduct,
    taxonomy: &Taxonomy,
    codes: &FacetCodes,
) -> Result<TantivyDocument> {
    let mut doc = TantivyDocument::default();
    let d = &p.display;
    doc.add_text(f.id, &d.id);
    doc.add_text(f.title, &d.title);
    doc.add_text(
        f.all,
        weighted_text(&[
            (
                &without_brand(&d.title, d.brand.as_deref()),
                WEIGHTED_FIELDS[0].1,
            ),
            (&p.attr_words, WEIGHTED_FIELDS[1].1),
            (
                &category_names(&p.attr_tokens, taxonomy),
                WEIGHTED_FIELDS[2].1,
            ),
            (&p.description, WEIGHTED_FIELDS[3].1),
        ]),
    );
    if let Some(b) = &p.brand_key {
        doc.add_text(f.brand_key, b);
    }
    for r in &p.retailer_keys {
        doc.add_text(f.retailer, r);
    }
    for t in &p.attr_tokens {
        doc.add_text(f.attrs, t);
    }
    for t in pair_tokens(&p.attr_tokens) {
        doc.add_text(f.attrs, &t);
    }
    if !p.attr_tokens.iter().any(|t| t.starts_with("gender:")) {
        doc.add_text(f.attrs, GENDER_UNSTATED);
    }
    if let Some(c) = &p.category {
        doc.add_text(f.category, c);
    }
    for level in p
        .attr_tokens
        .iter()
        .filter_map(|t| t.strip_prefix("category:"))
    {
        doc.add_text(f.category_path, level);
    }
    if let Some(c) = &p.colour_family {
        doc.add_text(f.colour_family, c);
    }
    for m in &p.materials {
        doc.add_text(f.material, m);
    }
    if let Some(t) = &d.tier {
        doc.add_text(f.tier, t);
    }
    if let Some(price) = p.price {
        if let Some(gbp_minor) = price.gbp_minor {
            doc.add_u64(f.price_gbp, gbp_minor);
        }
        doc.add_u64(f.price_minor, price.money.minor.max(0) as u64);
        doc.add_text(f.price_currency, price.money.currency.code());
    }
    doc.add_u64(f.in_stock, u64::from(d.in_stock));
    doc.add_u64(
        f.facet_code,
        codes.encode(
            [
                p.category.as_deref(),
                p.colour_family.as_deref(),
                d.tier.as_deref(),
            ],
            d.in_stock,
            p.price.as_ref().and_then(|price| price.gbp_minor),
        ),
    );
    doc.add_u64(f.key, p.key);
    if let Some(listing) = p.features.listing {
        doc.add_u64(f.listing, listing);
    }
    doc.add_bytes(f.features, features_json(&p.features)?.as_bytes());
    doc.add_text(f.display, erased::Json::to_json(&p.display)?);
    Ok(doc)
}

/// How much each field of a product counts in search: the whole-text field holds each field's
/// text this many times. A word's frequency there is the weighted sum of its frequencies in
/// the fields and its length the weighted sum of their lengths, which makes BM25 on it BM25F
/// (Robertson, Zaragoza and Taylor, 2004): a word in the title counts four times a word in the
/// description, and a word in several fields saturates once instead of scoring in each.
///
/// The brand is not searched as words: a brand counts only when a query names it whole
/// ([`crate::search::query`]), so the title is searched without its brand's words ("under" is
/// no match for Under Armour).
pub const WEIGHTED_FIELDS: [(&str, usize); 4] = [
    ("title, without the brand's words", 4),
    ("attribute words", 2),
    ("the category's other names", 1),
    ("description", 1),
];

/// Every name of every level of a product's category (labels, synonyms, British and American
/// words): "sneakers" finds what its feed calls trainers, "jumper" a sweater.
fn category_names(attr_tokens: &[String], taxonomy: &Taxonomy) -> String {
    let mut out: Vec<&str> = Vec::new();
    for id in attr_tokens
        .iter()
        .filter_map(|t| t.strip_prefix("category:"))
    {
        if let Some(v) = taxonomy.value("category", id) {
            for name in v.synonyms.iter().chain(&v.uk).chain(&v.us) {
                if !out.contains(&name.as_str()) && *name != v.label {
                    out.push(name);
                }
            }
        }
    }
    out.join(" . ")
}

/// The token of a product that states no gender, in the attribute tokens: a gender filter
/// keeps products that do not say whom they are for.
pub(crate) const GENDER_UNSTATED: &str = "unstated:gender";

/// A title's folded words without its brand's (the first run of them, wherever it stands).
fn without_brand(title: &str, brand: Option<&str>) -> String {
    let mut words = crate::search::query::query_words(title);
    let brand = brand
        .map(crate::search::query::query_words)
        .unwrap_or_default();
    if !brand.is_empty()
        && let Some(at) = words
            .windows(brand.len())
            .position(|w| w == brand.as_slice())
    {
        words.drain(at..at + brand.len());
    }
    words.join(" ")
}

/// The texts, each repeated its weight's number of times.
fn weighted_text(parts: &[(&str, usize)]) -> String {
    let mut out = String::new();
    for (text, times) in parts {
        if text.trim().is_empty() {
            continue;
        }
        for _ in 0..*times {
            if !out.is_empty() {
                // A sentence break keeps a phrase from running across copies.
                out.push_str(" . ");
            }
            out.push_str(text);
        }
    }
    out
}

/// The pair tokens of a product's attribute tokens: each level of its category with each of
/// its other values (`ballet_flats|material:satin`, `flats|material:satin`,
/// `shoes|material:fabric`…). A pair token lists the products of one category with one value:
/// look-alike candidates are found through them without walking the whole category.
pub(crate) fn pair_tokens(attr_tokens: &[String]) -> Vec<String> {
    let categories: Vec<&str> = attr_tokens
        .iter()
        .filter_map(|t| t.strip_prefix("category:"))
        .collect();
    let mut out = Vec::new();
    for t in attr_tokens {
        if t.starts_with("category:") || t.starts_with("colour_family:") {
            continue;
        }
        for c in &categories {
            out.push(pair_token(c, t));
        }
    }
    out.truncate(MAX_TOKENS);
    out
}

/// The pair token of a category and an attribute token.
pub(crate) fn pair_token(category: &str, token: &str) -> String {
    format!("{category}|{token}")
}

mod erased {
    use crate::Result;

    /// Serialises to JSON text (a tiny object-safe wrapper).
    pub trait Json {
        fn to_json(&self) -> Result<String>;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> Result<String> {
            serde_json::to_string(self).map_err(|e| crate::Error::Usage(format!("json: {e}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_text_repeats_each_field_its_weight_and_skips_empty_ones() {
        assert_eq!(
            weighted_text(&[("Bow flats", 2), ("", 3), ("Arket", 1)]),
            "Bow flats . Bow flats . Arket"
        );
    }

    #[test]
    fn titles_are_searched_without_their_brand() {
        assert_eq!(
            without_brand("Under Armour Men's White Sneakers", Some("Under Armour")),
            "mens white sneakers"
        );
        assert_eq!(
            without_brand("Leather Bow Ballet Pumps", Some("M&S")),
            "leather bow ballet pumps"
        );
        assert_eq!(without_brand("Levi's 501 Jeans", None), "levis 501 jeans");
    }

    #[test]
    fn pair_tokens_join_every_category_level_with_every_other_value() {
        let tokens: Vec<String> = [
            "category:ballet_flats",
            "category:flats",
            "material:satin",
            "colour_family:pink",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            pair_tokens(&tokens),
            ["ballet_flats|material:satin", "flats|material:satin"]
        );
    }
}
