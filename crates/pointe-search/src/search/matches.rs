//! The pass over every match of a search: counts the matches and hands them to a collector
//! (the facets' aggregation).
//!
//! A search's required clauses (its words, its category, its filters) are often each held by
//! a large share of the catalog. Walking their intersection document by document, each clause
//! seeking to the next candidate of the others, then costs a skip-list seek per candidate and
//! clause. When every required clause is dense, this pass instead marks each clause's
//! documents in a bitset a window of [`WINDOW`] documents at a time, ANDs the windows (and
//! takes out what an excluding clause holds), and hands the surviving documents to the
//! collector in blocks: the same documents, found by reading each posting list straight
//! through. A sparse clause, or a query of another shape, is walked the usual way.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::AliveBitSet;
use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query, Scorer, Weight};
use tantivy::{COLLECT_BLOCK_BUFFER_LEN, DocId, DocSet, Searcher, SegmentReader, TERMINATED};
use tantivy_common::TinySet;

use crate::Result;

/// Words of 64 documents in a window: tantivy's block of 1,024 documents.
const WORDS: usize = 16;

/// The documents of one window.
const WINDOW: DocId = WORDS as DocId * 64;

/// A segment's intersection is walked as bitsets when its sparsest required clause holds at
/// least one document in this many (as tantivy decides for its own counts).
const DENSE_ONE_IN: u64 = 32;

type Mask = [TinySet; WORDS];

/// Counts the documents `query` matches and collects them with `collector`.
pub(crate) fn count_and_collect<C: Collector>(
    searcher: &Searcher,
    query: &BooleanQuery,
    collector: &C,
) -> Result<(u64, C::Fruit)> {
    let scoring = EnableScoring::disabled_from_searcher(searcher);
    // The whole query's weight, for a segment walked the usual way; made when first needed.
    let mut whole: Option<Box<dyn Weight>> = None;
    let clauses = Clauses::of(query, scoring)?;
    let mut total = 0;
    let mut fruits = Vec::with_capacity(searcher.segment_readers().len());
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let mut segment = collector.for_segment(ord as u32, reader)?;
        let mut sink = Sink::new(reader);
        match clauses
            .as_ref()
            .map(|c| c.dense_scorers(reader))
            .transpose()?
        {
            Some(Some((mut must, mut not))) => {
                walk_dense(&mut must, &mut not, &mut sink, &mut segment)
            }
            _ => {
                let weight = match &mut whole {
                    Some(weight) => weight,
                    none => none.insert(query.weight(scoring)?),
                };
                walk(
                    weight.scorer(reader, 1.0)?.as_mut(),
                    &mut sink,
                    &mut segment,
                )
            }
        }
        sink.flush(&mut segment);
        total += sink.count;
        fruits.push(segment.harvest());
    }
    Ok((total, collector.merge_fruits(fruits)?))
}

/// The weights of a query's required and excluding clauses; `None` when it has optional
/// clauses (their matches are not an intersection) or no required one.
struct Clauses {
    must: Vec<Box<dyn Weight>>,
    not: Vec<Box<dyn Weight>>,
}

impl Clauses {
    fn of(query: &BooleanQuery, scoring: EnableScoring<'_>) -> Result<Option<Clauses>> {
        let mut out = Clauses {
            must: Vec::new(),
            not: Vec::new(),
        };
        for (occur, clause) in query.clauses() {
            let weight = clause.weight(scoring)?;
            match occur {
                Occur::Must => out.must.push(weight),
                Occur::MustNot => out.not.push(weight),
                Occur::Should => return Ok(None),
            }
        }
        Ok((!out.must.is_empty()).then_some(out))
    }

    /// The clauses' scorers on a segment, when every required one is dense there.
    #[allow(clippy::type_complexity)]
    fn dense_scorers(
        &self,
        reader: &SegmentReader,
    ) -> Result<Option<(Vec<Box<dyn Scorer>>, Vec<Box<dyn Scorer>>)>> {
        let mut must = Vec::with_capacity(self.must.len());
        for weight in &self.must {
            let scorer = weight.scorer(reader, 1.0)?;
            if u64::from(scorer.size_hint()) * DENSE_ONE_IN < u64::from(reader.num_docs()) {
                return Ok(None);
            }
            must.push(scorer);
        }
        // The sparsest first: a window it leaves empty is not read from the others.
        must.sort_by_key(|s| s.size_hint());
        let not = self
            .not
            .iter()
            .map(|w| w.scorer(reader, 1.0))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Some((must, not)))
    }
}

/// Where matching documents go: counted, the deleted ones left out, and handed to the
/// collector a block at a time.
struct Sink<'a> {
    alive: Option<&'a AliveBitSet>,
    block: Vec<DocId>,
    count: u64,
}

impl<'a> Sink<'a> {
    fn new(reader: &'a SegmentReader) -> Sink<'a> {
        Sink {
            alive: reader.alive_bitset(),
            block: Vec::with_capacity(COLLECT_BLOCK_BUFFER_LEN),
            count: 0,
        }
    }

    fn push(&mut self, doc: DocId, segment: &mut impl SegmentCollector) {
        if self.alive.is_some_and(|a| a.is_deleted(doc)) {
            return;
        }
        self.count += 1;
        self.block.push(doc);
        if self.block.len() == COLLECT_BLOCK_BUFFER_LEN {
            self.flush(segment);
        }
    }

    fn flush(&mut self, segment: &mut impl SegmentCollector) {
        if !self.block.is_empty() {
            segment.collect_block(&self.block);
            self.block.clear();
        }
    }
}

/// Every match of `scorer`, in order.
fn walk(scorer: &mut dyn Scorer, sink: &mut Sink<'_>, segment: &mut impl SegmentCollector) {
    let mut buffer = [0; COLLECT_BLOCK_BUFFER_LEN];
    loop {
        let n = scorer.fill_buffer(&mut buffer);
        for &doc in &buffer[..n] {
            sink.push(doc, segment);
        }
        if n < COLLECT_BLOCK_BUFFER_LEN {
            return;
        }
    }
}

/// Every document all of `must` and none of `not` hold, a window at a time. Each window
/// starts where the furthest required clause stands (no document before it can match), so
/// windows no clause could fill are skipped.
fn walk_dense(
    must: &mut [Box<dyn Scorer>],
    not: &mut [Box<dyn Scorer>],
    sink: &mut Sink<'_>,
    segment: &mut impl SegmentCollector,
) {
    let mut next = must.iter().map(|s| s.doc()).max().unwrap_or(TERMINATED);
    while next != TERMINATED {
        let base = next;
        let mut mask = [TinySet::full(); WORDS];
        for scorer in must.iter_mut() {
            let (held, after) = window(scorer.as_mut(), base);
            next = next.max(after);
            if and(&mut mask, &held) {
                break;
            }
        }
        for scorer in not.iter_mut() {
            let (held, _) = window(scorer.as_mut(), base);
            for (m, h) in mask.iter_mut().zip(held) {
                *m = m.intersect(complement(h));
            }
        }
        emit(&mask, base, sink, segment);
    }
}

/// The documents `scorer` holds in the window from `base`, and its first document after it.
fn window(scorer: &mut dyn Scorer, base: DocId) -> (Mask, DocId) {
    let mut held = [TinySet::empty(); WORDS];
    let horizon = base.saturating_add(WINDOW);
    let doc = scorer.doc();
    if doc >= horizon {
        return (held, doc);
    }
    if doc <= base {
        // The posting list's own block reader marks the window.
        let after = scorer.fill_bitset_block(base, &mut held);
        return (held, after);
    }
    // Already inside the window (an excluding clause walks on its own): mark from here.
    let mut doc = doc;
    while doc < horizon {
        held[((doc - base) / 64) as usize].insert_mut((doc - base) % 64);
        doc = scorer.advance();
    }
    (held, doc)
}

/// ANDs `held` into `mask`; whether nothing is left.
fn and(mask: &mut Mask, held: &Mask) -> bool {
    let mut empty = true;
    for (m, h) in mask.iter_mut().zip(held) {
        *m = m.intersect(*h);
        empty &= m.is_empty();
    }
    empty
}

/// The documents of a window's word that `set` does not hold.
fn complement(set: TinySet) -> TinySet {
    TinySet::deserialize((!u64::from_ne_bytes(set.into_bytes())).to_ne_bytes())
}

/// Hands the documents of `mask` (the window from `base`) to the sink, in order.
fn emit(mask: &Mask, base: DocId, sink: &mut Sink<'_>, segment: &mut impl SegmentCollector) {
    for (i, word) in mask.iter().enumerate() {
        for bit in *word {
            sink.push(base + i as DocId * 64 + bit, segment);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use tantivy::collector::DocSetCollector;
    use tantivy::query::{AllQuery, TermQuery};
    use tantivy::schema::{Field, IndexRecordOption, STRING, Schema};
    use tantivy::{DocAddress, Index, IndexWriter, TantivyDocument, Term};

    use super::*;

    /// An index of `docs` documents, each holding word `w{i}` with the odds `1 / odds[i]`
    /// (a small deterministic generator), with every 7th document deleted.
    fn index(docs: u32, odds: &[u32]) -> (Index, Field) {
        let mut schema = Schema::builder();
        let words = schema.add_text_field("w", STRING);
        let id = schema.add_u64_field("id", tantivy::schema::INDEXED);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 20_000_000).unwrap();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for doc in 0..docs {
            let mut d = TantivyDocument::default();
            d.add_u64(id, u64::from(doc));
            for (i, odd) in odds.iter().enumerate() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                if state.is_multiple_of(u64::from(*odd)) {
                    d.add_text(words, format!("w{i}"));
                }
            }
            writer.add_document(d).unwrap();
        }
        writer.commit().unwrap();
        for doc in (0..docs).step_by(7) {
            writer.delete_term(Term::from_field_u64(id, u64::from(doc)));
        }
        writer.commit().unwrap();
        (index, words)
    }

    fn word(field: Field, i: usize) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, &format!("w{i}")),
            IndexRecordOption::Basic,
        ))
    }

    /// The documents and count this pass finds against tantivy's own walk of the query.
    fn check(index: &Index, query: BooleanQuery) {
        let searcher = index.reader().unwrap().searcher();
        let expected: HashSet<DocAddress> = searcher.search(&query, &DocSetCollector).unwrap();
        let (count, found) = count_and_collect(&searcher, &query, &DocSetCollector).unwrap();
        assert_eq!(found, expected, "{query:?}");
        assert_eq!(count, expected.len() as u64, "{query:?}");
    }

    #[test]
    fn every_shape_finds_what_tantivy_finds() {
        // Dense words (one in 2, 3, 5) and sparse ones (one in 200, 900).
        let (index, w) = index(20_000, &[2, 3, 5, 200, 900]);
        let shapes: Vec<Vec<(Occur, usize)>> = vec![
            vec![(Occur::Must, 0), (Occur::Must, 1)],
            vec![(Occur::Must, 0), (Occur::Must, 1), (Occur::Must, 2)],
            vec![(Occur::Must, 0), (Occur::MustNot, 1)],
            vec![(Occur::Must, 1), (Occur::MustNot, 3), (Occur::MustNot, 2)],
            vec![(Occur::Must, 0), (Occur::Must, 3)],
            vec![(Occur::Must, 3), (Occur::Must, 4)],
            vec![(Occur::Must, 0), (Occur::Should, 1)],
            vec![(Occur::Should, 0), (Occur::Should, 4)],
            vec![(Occur::MustNot, 0)],
        ];
        for shape in shapes {
            let clauses = shape.iter().map(|&(o, i)| (o, word(w, i))).collect();
            check(&index, BooleanQuery::new(clauses));
        }
        let all = vec![
            (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
            (Occur::MustNot, word(w, 1)),
        ];
        check(&index, BooleanQuery::new(all));
    }

    #[test]
    fn a_word_no_document_has_matches_nothing() {
        let (index, w) = index(3_000, &[2, 3]);
        let clauses = vec![(Occur::Must, word(w, 0)), (Occur::Must, word(w, 9))];
        check(&index, BooleanQuery::new(clauses));
    }
}
