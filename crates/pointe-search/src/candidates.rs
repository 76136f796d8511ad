//! Look-alike candidates: the products scoring best by a weighted sum of terms, found without
//! visiting every product that has one of them.
//!
//! A look-alike candidate is scored by the hero's attribute tokens it has (each weighed as the
//! scorer weighs it) and the hero's title words. Within one category level the attribute
//! tokens are the index's pair tokens (`ballet_flats|material:satin`): each lists only the
//! products of that category with that value, so the lists are short where the category is
//! long.
//!
//! The search is MaxScore dynamic pruning (Turtle and Flood, 1995): once `k` candidates are
//! held, the smallest score among them is a threshold, and any set of lists whose weights sum
//! to no more than it is *non-essential*: a product that only they list cannot enter. Only the
//! essential lists are walked; the others are consulted (by seeking) for the products the
//! essential ones propose, and only while they can still lift one above the threshold. The
//! non-essential set is chosen to hold the longest lists per unit of weight, so the short,
//! telling lists (a detail, a material) drive and the long, common ones (the category itself,
//! gender) are skipped through. Title words are never walked: they only add to products the
//! category or an attribute proposes.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::columnar::{Column, StrColumn};
use tantivy::postings::SegmentPostings;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, DocSet, Searcher, TERMINATED, Term};

use crate::Result;

/// One list of the candidate score: the products with `term`, each earning `weight`.
#[derive(Debug, Clone)]
pub(crate) struct WeightedTerm {
    pub term: Term,
    pub weight: f32,
    /// Whether the list may propose products by itself. Lists that may not only add to the
    /// score of products another list proposes.
    pub driver: bool,
}

/// What a candidate must satisfy besides its terms.
#[derive(Debug, Clone, Default)]
pub(crate) struct CandidateFilter {
    /// The largest price in GBP minor units (inclusive); products without a price are left out.
    pub max_price_gbp: Option<u64>,
    /// Only products in stock.
    pub in_stock: bool,
    /// Only this tier.
    pub tier: Option<String>,
    /// Products with this term are left out (the previous, narrower category level).
    pub exclude_term: Option<Term>,
    /// Products with this id are left out (the hero itself).
    pub exclude_id: Option<Term>,
}

/// A held candidate. Ordered so that the heap's top is the worst: the lowest score, then the
/// later address.
#[derive(Debug, Clone, Copy)]
struct Held {
    score: f32,
    addr: DocAddress,
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.addr.cmp(&other.addr))
    }
}

/// A list being walked in one segment.
struct List {
    postings: SegmentPostings,
    weight: f32,
    driver: bool,
    len: u32,
}

/// The fast-field columns of one segment the filter reads.
struct SegmentFilter {
    /// The price column and the largest price accepted.
    price: Option<(Column<u64>, u64)>,
    in_stock: Option<Column<u64>>,
    /// The tier column and the wanted tier's ordinal in it.
    tier: Option<(StrColumn, u64)>,
    exclude: Option<SegmentPostings>,
    exclude_doc: Option<DocId>,
}

impl SegmentFilter {
    fn accepts(&mut self, doc: DocId) -> bool {
        if self.exclude_doc == Some(doc) {
            return false;
        }
        if let Some((col, max)) = &self.price
            && col.first(doc).is_none_or(|p| p > *max)
        {
            return false;
        }
        if let Some(col) = &self.in_stock
            && col.first(doc) != Some(1)
        {
            return false;
        }
        if let Some((col, ord)) = &self.tier
            && col.ords().first(doc) != Some(*ord)
        {
            return false;
        }
        if let Some(ex) = &mut self.exclude {
            if ex.doc() < doc {
                ex.seek(doc);
            }
            if ex.doc() == doc {
                return false;
            }
        }
        true
    }
}

fn io(e: std::io::Error) -> crate::Error {
    crate::Error::io("search index", e)
}

/// Sums above this many ulps of the threshold are never trusted to prune: float sums in
/// another order may differ in the last bits.
const EPSILON: f32 = 1e-5;

/// The `k` products with the highest sum of the weights of the `terms` they have, among those
/// `filter` accepts, best first (ties by address). Products with none of the driver terms are
/// never proposed.
pub(crate) fn top_candidates(
    searcher: &Searcher,
    terms: &[WeightedTerm],
    filter: &CandidateFilter,
    price_field: &str,
    in_stock_field: &str,
    tier_field: &str,
    k: usize,
) -> Result<Vec<(f32, DocAddress)>> {
    let mut heap: BinaryHeap<Held> = BinaryHeap::with_capacity(k + 1);
    if k == 0 || !terms.iter().any(|t| t.driver) {
        return Ok(Vec::new());
    }
    for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
        let segment_ord = segment_ord as u32;
        let mut lists: Vec<List> = Vec::with_capacity(terms.len());
        for t in terms {
            let inverted = segment.inverted_index(t.term.field())?;
            if let Some(postings) = inverted
                .read_postings(&t.term, IndexRecordOption::Basic)
                .map_err(io)?
            {
                let len = postings.doc_freq();
                lists.push(List {
                    postings,
                    weight: t.weight,
                    driver: t.driver,
                    len,
                });
            }
        }
        if !lists.iter().any(|l| l.driver) {
            continue;
        }
        let fast = segment.fast_fields();
        let price = match filter.max_price_gbp {
            Some(max) => Some((fast.u64(price_field)?, max)),
            None => None,
        };
        let in_stock = if filter.in_stock {
            Some(fast.u64(in_stock_field)?)
        } else {
            None
        };
        let tier = match &filter.tier {
            Some(tier) => {
                let Some(col) = fast.str(tier_field)? else {
                    continue;
                };
                let Some(ord) = col.dictionary().term_ord(tier.as_bytes()).map_err(io)? else {
                    continue;
                };
                Some((col, ord))
            }
            None => None,
        };
        let exclude = match &filter.exclude_term {
            Some(term) => segment
                .inverted_index(term.field())?
                .read_postings(term, IndexRecordOption::Basic)
                .map_err(io)?,
            None => None,
        };
        let exclude_doc = match &filter.exclude_id {
            Some(term) => segment
                .inverted_index(term.field())?
                .read_postings(term, IndexRecordOption::Basic)
                .map_err(io)?
                .map(|p| p.doc())
                .filter(|d| *d != TERMINATED),
            None => None,
        };
        let mut seg_filter = SegmentFilter {
            price,
            in_stock,
            tier,
            exclude,
            exclude_doc,
        };
        let alive = segment.alive_bitset();

        // Essential lists first, then the non-essential ones by weight, heaviest first.
        let mut threshold = if heap.len() >= k {
            heap.peek().map(|h| h.score)
        } else {
            None
        };
        let (mut essential, mut non_essential, mut non_essential_sum) =
            partition(&lists, threshold);
        // The last product proposed: a list that becomes essential again resumes after it.
        let mut last: DocId;
        loop {
            let mut doc = TERMINATED;
            for &i in &essential {
                doc = doc.min(lists[i].postings.doc());
            }
            if doc == TERMINATED {
                break;
            }
            last = doc;
            let mut score = 0.0f32;
            for &i in &essential {
                let l = &mut lists[i];
                if l.postings.doc() == doc {
                    score += l.weight;
                    l.postings.advance();
                }
            }
            if alive.is_some_and(|a| a.is_deleted(doc)) {
                continue;
            }
            if let Some(t) = threshold
                && score + non_essential_sum <= t + EPSILON
            {
                continue;
            }
            if !seg_filter.accepts(doc) {
                continue;
            }
            let mut rest = non_essential_sum;
            for &i in &non_essential {
                if let Some(t) = threshold
                    && score + rest <= t + EPSILON
                {
                    break;
                }
                let l = &mut lists[i];
                rest -= l.weight;
                if l.postings.doc() < doc {
                    l.postings.seek(doc);
                }
                if l.postings.doc() == doc {
                    score += l.weight;
                }
            }
            if threshold.is_some_and(|t| score <= t) {
                continue;
            }
            heap.push(Held {
                score,
                addr: DocAddress::new(segment_ord, doc),
            });
            if heap.len() > k {
                heap.pop();
            }
            if heap.len() >= k {
                let t = heap.peek().map(|h| h.score);
                if t != threshold {
                    threshold = t;
                    (essential, non_essential, non_essential_sum) = partition(&lists, threshold);
                    for &i in &essential {
                        let p = &mut lists[i].postings;
                        if p.doc() <= last {
                            p.seek(last + 1);
                        }
                    }
                }
            }
        }
    }
    let mut out: Vec<(f32, DocAddress)> = heap.into_iter().map(|h| (h.score, h.addr)).collect();
    out.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(out)
}

/// Splits the lists into the essential ones (walked) and the non-essential ones (consulted,
/// heaviest first), with the sum of the non-essential weights. Lists that are not drivers are
/// always non-essential; drivers join them, the longest per unit of weight first, while the
/// sum stays below the threshold (a product listed only there could not pass it).
fn partition(lists: &[List], threshold: Option<f32>) -> (Vec<usize>, Vec<usize>, f32) {
    let mut non_essential: Vec<usize> = (0..lists.len()).filter(|&i| !lists[i].driver).collect();
    let mut sum: f32 = non_essential.iter().map(|&i| lists[i].weight).sum();
    let mut drivers: Vec<usize> = (0..lists.len()).filter(|&i| lists[i].driver).collect();
    if let Some(t) = threshold {
        drivers.sort_by(|&a, &b| {
            let ra = lists[a].len as f32 / lists[a].weight.max(1e-6);
            let rb = lists[b].len as f32 / lists[b].weight.max(1e-6);
            rb.total_cmp(&ra)
        });
        let mut keep = Vec::new();
        for i in drivers {
            if sum + lists[i].weight + EPSILON < t {
                sum += lists[i].weight;
                non_essential.push(i);
            } else {
                keep.push(i);
            }
        }
        drivers = keep;
    }
    non_essential.sort_by(|&a, &b| lists[b].weight.total_cmp(&lists[a].weight));
    (drivers, non_essential, sum)
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{FAST, INDEXED, STRING, Schema};
    use tantivy::{Index, IndexWriter, TantivyDocument};

    use super::*;

    /// A small deterministic generator (64-bit LCG).
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n
        }
    }

    /// Pruning never changes the answer: on random documents and random weights, the
    /// candidates are exactly the best by the plain sum over every document, across segments,
    /// with every filter.
    #[test]
    fn finds_what_scoring_every_document_finds() {
        let mut b = Schema::builder();
        let tokens = b.add_text_field("tokens", STRING);
        let id = b.add_text_field("id", STRING);
        let price = b.add_u64_field("price", INDEXED | FAST);
        let stock = b.add_u64_field("stock", INDEXED | FAST);
        let tier = b.add_text_field("tier", STRING | FAST);
        let n = b.add_u64_field("n", FAST);
        let index = Index::create_in_ram(b.build());
        let mut writer: IndexWriter = index.writer(15_000_000).unwrap();
        let mut rng = Lcg(7);
        let vocabulary = 12u64;
        let mut docs: Vec<(Vec<u64>, Option<u64>, bool, &str)> = Vec::new();
        for i in 0..3_000u64 {
            let mut doc = TantivyDocument::default();
            // Token t appears with probability falling with t: long and short lists.
            let mut have = Vec::new();
            for t in 0..vocabulary {
                if rng.below(100) < 60 / (t + 1) + 2 {
                    have.push(t);
                    doc.add_text(tokens, format!("t{t}"));
                }
            }
            let p = (rng.below(10) > 0).then(|| rng.below(1_000));
            if let Some(p) = p {
                doc.add_u64(price, p);
            }
            let in_stock = rng.below(4) > 0;
            doc.add_u64(stock, u64::from(in_stock));
            let tr = ["low", "mid", "high"][rng.below(3) as usize];
            doc.add_text(tier, tr);
            doc.add_text(id, format!("d{i}"));
            doc.add_u64(n, i);
            writer.add_document(doc).unwrap();
            docs.push((have, p, in_stock, tr));
            if i % 1_000 == 999 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        let reader = index.reader().unwrap();
        let searcher = reader.searcher();
        assert!(searcher.segment_readers().len() > 1, "several segments");

        for trial in 0..40 {
            let n_terms = 1 + rng.below(8) as usize;
            let mut terms = Vec::new();
            let mut chosen = Vec::new();
            while chosen.len() < n_terms {
                let t = rng.below(vocabulary);
                if !chosen.contains(&t) {
                    chosen.push(t);
                    terms.push(WeightedTerm {
                        term: Term::from_field_text(tokens, &format!("t{t}")),
                        weight: (1 + rng.below(40)) as f32 / 10.0,
                        driver: chosen.len() == 1 || rng.below(4) > 0,
                    });
                }
            }
            let filter = CandidateFilter {
                max_price_gbp: (trial % 2 == 0).then(|| rng.below(1_000)),
                in_stock: trial % 3 == 0,
                tier: (trial % 5 == 0).then(|| "mid".to_string()),
                exclude_term: (trial % 4 == 0).then(|| Term::from_field_text(tokens, "t0")),
                exclude_id: Some(Term::from_field_text(id, "d5")),
            };
            let k = 1 + rng.below(60) as usize;
            let got =
                top_candidates(&searcher, &terms, &filter, "price", "stock", "tier", k).unwrap();

            // Every document scored.
            let mut expected: Vec<(f32, usize)> = Vec::new();
            for (i, (have, p, in_stock, tr)) in docs.iter().enumerate() {
                let is_driven = terms
                    .iter()
                    .zip(&chosen)
                    .any(|(wt, t)| wt.driver && have.contains(t));
                let passes = i != 5
                    && filter
                        .max_price_gbp
                        .is_none_or(|max| p.is_some_and(|p| p <= max))
                    && (!filter.in_stock || *in_stock)
                    && filter.tier.as_deref().is_none_or(|t| t == *tr)
                    && (filter.exclude_term.is_none() || !have.contains(&0));
                if is_driven && passes {
                    let score: f32 = terms
                        .iter()
                        .zip(&chosen)
                        .filter(|(_, t)| have.contains(t))
                        .map(|(wt, _)| wt.weight)
                        .sum();
                    expected.push((score, i));
                }
            }
            expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let got_scores: Vec<f32> = got.iter().map(|(s, _)| *s).collect();
            let expected_scores: Vec<f32> = expected.iter().take(k).map(|(s, _)| *s).collect();
            assert_eq!(got_scores.len(), expected_scores.len(), "trial {trial}");
            for (g, e) in got_scores.iter().zip(&expected_scores) {
                assert!(
                    (g - e).abs() < 1e-4,
                    "trial {trial}: {got_scores:?} vs {expected_scores:?}"
                );
            }
            // Each candidate really has the score given.
            for (s, addr) in &got {
                let global = searcher
                    .segment_reader(addr.segment_ord)
                    .fast_fields()
                    .u64("n")
                    .unwrap()
                    .first(addr.doc_id)
                    .unwrap() as usize;
                let e = expected.iter().find(|(_, i)| *i == global).map(|(s, _)| *s);
                assert!(
                    e.is_some_and(|e| (e - s).abs() < 1e-4),
                    "trial {trial}: doc {global}"
                );
            }
        }
    }
}
