//! Catching the index up with the store: the products the store's change log names since the
//! index's generation are indexed again, in one commit, so that a search reads either every
//! change of a generation or none.
//!
//! A product's later listings ([`crate::listing`]) carry a mark that its first listing does
//! not: when a changed product joins, leaves or changes a group of listings, the group's
//! unchanged members whose mark is no longer right are indexed again too.

use std::collections::{BTreeMap, BTreeSet};

use pointe_core::store::{Catalog, Changes};
use tantivy::collector::DocSetCollector;
use tantivy::indexer::LogMergePolicy;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, IndexWriter, Searcher, Term};

use crate::commit::{self, Committed};
use crate::features::IndexedProduct;
use crate::index::{ConsistentRead, Fields, IndexContext, SearchIndex, document, mark_duplicate};
use crate::layout::BuildLock;
use crate::{Error, Result};

/// What catching up did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Applied {
    /// The index reached the store's generation; this many products were indexed again.
    Caught(u64),
    /// The change log cannot bring it up to date, or a rebuild is cheaper; the reason says
    /// which.
    TooFar(String),
}

/// Changed products above which a rebuild is cheaper than catching up: a quarter of the
/// index, and never fewer than this.
const MIN_REBUILD: usize = 50_000;

/// The share of a segment's documents deleted that has it merged again.
const DELETED_BEFORE_MERGE: f32 = 0.25;

/// The writer's memory budget for one catch-up.
const WRITER_BYTES: usize = 64_000_000;

/// Catches `index` (the live version, whose build lock the caller holds) up with the store.
pub(crate) fn apply(
    index: &SearchIndex,
    _lock: &BuildLock,
    catalog: &dyn Catalog,
) -> Result<Applied> {
    let read = ConsistentRead::begin(catalog)?;
    let generation = catalog.generation()?;
    let from = index.meta().generation;
    let keys = match catalog.changes_since(from)? {
        Changes::All => {
            return Ok(Applied::TooFar(format!(
                "any product may have changed since generation {from} (a load logged them \
                 all, or the store's change log no longer reaches back)"
            )));
        }
        Changes::Products(keys) => keys,
    };
    let products = index.meta().products;
    if keys.len() > MIN_REBUILD.max(products as usize / 4) {
        return Ok(Applied::TooFar(format!(
            "{} of {products} products changed",
            keys.len()
        )));
    }
    let searcher = index.reader.searcher();
    let plan = Plan::new(index, &searcher, catalog, &keys)?;
    drop(read);
    let reindexed = plan.docs.len() as u64;
    let committed = Committed {
        generation,
        products: (products + plan.fresh).saturating_sub(plan.present),
    };
    write(index, plan, committed)?;
    Ok(Applied::Caught(reindexed))
}

/// Deletes the replaced documents and adds the new ones, in one commit.
fn write(index: &SearchIndex, plan: Plan, committed: Committed) -> Result<()> {
    let mut writer: IndexWriter = index.index.writer_with_num_threads(1, WRITER_BYTES)?;
    // Small segments are merged as they pile up (tantivy's log policy); a segment a quarter
    // of whose documents were replaced is merged again, so that deleted documents do not
    // slow searches down for good.
    let mut policy = LogMergePolicy::default();
    policy.set_del_docs_ratio_before_merge(DELETED_BEFORE_MERGE);
    writer.set_merge_policy(Box::new(policy));
    // A writer killed mid-way leaves files its commit never named; this one would write some
    // of them again under the same names.
    writer.garbage_collect_files().wait()?;
    for key in &plan.replaced {
        writer.delete_term(Term::from_field_u64(index.fields.key, *key));
    }
    for doc in plan.docs {
        writer.add_document(doc)?;
    }
    commit::commit(&mut writer, committed)?;
    writer.wait_merging_threads()?;
    Ok(())
}

/// What one catch-up writes.
struct Plan {
    /// Every key whose document is deleted.
    replaced: BTreeSet<u64>,
    /// The documents added.
    docs: Vec<tantivy::TantivyDocument>,
    /// How many changed products the index held.
    present: u64,
    /// How many changed products the store still holds.
    fresh: u64,
}

impl Plan {
    fn new(
        index: &SearchIndex,
        searcher: &Searcher,
        catalog: &dyn Catalog,
        keys: &[i64],
    ) -> Result<Plan> {
        let fields = &index.fields;
        let changed: BTreeSet<u64> = keys.iter().map(|&k| k as u64).collect();
        let fresh = read_products(catalog, keys, index.context())?;
        let mut listings: BTreeSet<u64> =
            fresh.values().filter_map(|p| p.features.listing).collect();
        let mut present = 0;
        for &key in &changed {
            if let Some(addr) = doc_of(searcher, fields, key)? {
                present += 1;
                listings.extend(u64_at(searcher, addr, "listing")?);
            }
        }
        let groups = Groups::read(searcher, fields, &listings, &changed, &fresh)?;
        let rewrite: Vec<i64> = groups.misplaced.iter().map(|&k| k as i64).collect();
        let rewritten = read_products(catalog, &rewrite, index.context())?;
        let mut docs = Vec::with_capacity(fresh.len() + rewritten.len());
        for p in fresh.values().chain(rewritten.values()) {
            let mut doc = document(fields, p, &index.context().taxonomy, index.facet_codes())?;
            if let Some(listing) = p.features.listing
                && groups.first.get(&listing) != Some(&p.key)
            {
                mark_duplicate(&mut doc, fields, listing);
            }
            docs.push(doc);
        }
        Ok(Plan {
            replaced: changed.union(&groups.misplaced).copied().collect(),
            docs,
            present,
            fresh: fresh.len() as u64,
        })
    }
}

/// The groups of listings a catch-up touches: the first listing of each, as it will be, and
/// the unchanged listings whose mark is no longer right.
struct Groups {
    first: BTreeMap<u64, u64>,
    misplaced: BTreeSet<u64>,
}

impl Groups {
    fn read(
        searcher: &Searcher,
        fields: &Fields,
        listings: &BTreeSet<u64>,
        changed: &BTreeSet<u64>,
        fresh: &BTreeMap<u64, IndexedProduct>,
    ) -> Result<Groups> {
        let mut first = BTreeMap::new();
        let mut misplaced = BTreeSet::new();
        for &listing in listings {
            let held = docs_with(searcher, Term::from_field_u64(fields.listing, listing))?;
            let marked = docs_with(
                searcher,
                Term::from_field_text(fields.duplicate_of, &crate::listing::term(listing)),
            )?;
            let mut kept = Vec::new();
            for addr in &held {
                let key = u64_at(searcher, *addr, "key")?
                    .ok_or_else(|| Error::Usage("search index: a document has no key".into()))?;
                if !changed.contains(&key) {
                    kept.push((key, marked.contains(addr)));
                }
            }
            let joined = fresh
                .values()
                .filter(|p| p.features.listing == Some(listing))
                .map(|p| p.key);
            let Some(head) = kept.iter().map(|(k, _)| *k).chain(joined).min() else {
                continue;
            };
            first.insert(listing, head);
            misplaced.extend(
                kept.iter()
                    .filter(|(key, is_marked)| *is_marked != (*key != head))
                    .map(|(key, _)| *key),
            );
        }
        Ok(Groups { first, misplaced })
    }
}

/// The indexed form of the products with these keys that the store holds, by key.
fn read_products(
    catalog: &dyn Catalog,
    keys: &[i64],
    ctx: &IndexContext,
) -> Result<BTreeMap<u64, IndexedProduct>> {
    let products = catalog.products_by_keys(keys)?;
    let found: Vec<i64> = products.iter().map(|p| p.key).collect();
    // One read of every product's offers (a store on a server answers it in one round trip).
    let offers = catalog.offers_of_products(&found)?;
    let mut out = BTreeMap::new();
    for (product, offers) in products.iter().zip(&offers) {
        let p = ctx.indexed(product, offers)?;
        out.insert(p.key, p);
    }
    Ok(out)
}

/// The live documents holding `term`.
fn docs_with(searcher: &Searcher, term: Term) -> Result<BTreeSet<DocAddress>> {
    let query = TermQuery::new(term, IndexRecordOption::Basic);
    Ok(searcher
        .search(&query, &DocSetCollector)?
        .into_iter()
        .collect())
}

/// The live document of the product `key`, if the index holds it.
fn doc_of(searcher: &Searcher, fields: &Fields, key: u64) -> Result<Option<DocAddress>> {
    Ok(docs_with(searcher, Term::from_field_u64(fields.key, key))?
        .into_iter()
        .next())
}

/// A document's value of a u64 fast field.
fn u64_at(searcher: &Searcher, addr: DocAddress, field: &str) -> Result<Option<u64>> {
    let column = searcher
        .segment_reader(addr.segment_ord)
        .fast_fields()
        .u64(field)?;
    Ok(column.first(addr.doc_id))
}
