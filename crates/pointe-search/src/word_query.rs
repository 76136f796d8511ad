//! One search word over several fields, walked through the one field that holds them all.
//!
//! A search word scores BM25 in the title, the brand, the attribute words and the whole text,
//! each with its boost. As a disjunction of four term queries, every step of an intersection
//! of words merges four posting lists. But the whole-text field holds every word of the
//! others, so the products with the word are exactly those of its whole-text posting list:
//! [`WordQuery`] walks that list alone and looks the word up in the other fields only for the
//! products the walk stops at, adding their scores. The matches and the scores are those of
//! the disjunction.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

/// A word: a term of the field holding every word (`driver`), which decides the matches, and
/// the same word in fields that are part of it (`extras`), which only add to the score.
#[derive(Debug)]
pub(crate) struct WordQuery {
    driver: Box<dyn Query>,
    extras: Vec<Box<dyn Query>>,
}

impl WordQuery {
    /// `driver` must match every product any of `extras` matches.
    pub(crate) fn new(driver: Box<dyn Query>, extras: Vec<Box<dyn Query>>) -> WordQuery {
        WordQuery { driver, extras }
    }
}

impl Clone for WordQuery {
    fn clone(&self) -> WordQuery {
        WordQuery {
            driver: self.driver.box_clone(),
            extras: self.extras.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

impl Query for WordQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(WordWeight {
            driver: self.driver.weight(enable_scoring)?,
            extras: self
                .extras
                .iter()
                .map(|q| q.weight(enable_scoring))
                .collect::<tantivy::Result<_>>()?,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.driver.query_terms(visitor);
        for q in &self.extras {
            q.query_terms(visitor);
        }
    }
}

struct WordWeight {
    driver: Box<dyn Weight>,
    extras: Vec<Box<dyn Weight>>,
}

impl Weight for WordWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(WordScorer {
            driver: self.driver.scorer(reader, boost)?,
            extras: self
                .extras
                .iter()
                .map(|w| w.scorer(reader, boost))
                .collect::<tantivy::Result<_>>()?,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let mut explanation = Explanation::new("word in any field", scorer.score());
        explanation.add_detail(self.driver.explain(reader, doc)?);
        for w in &self.extras {
            if let Ok(e) = w.explain(reader, doc) {
                explanation.add_detail(e);
            }
        }
        Ok(explanation)
    }
}

struct WordScorer {
    driver: Box<dyn Scorer>,
    extras: Vec<Box<dyn Scorer>>,
}

impl DocSet for WordScorer {
    fn advance(&mut self) -> DocId {
        self.driver.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.driver.seek(target)
    }

    fn doc(&self) -> DocId {
        self.driver.doc()
    }

    fn size_hint(&self) -> u32 {
        self.driver.size_hint()
    }
}

impl Scorer for WordScorer {
    fn score(&mut self) -> Score {
        let doc = self.driver.doc();
        let mut score = self.driver.score();
        if doc == TERMINATED {
            return score;
        }
        for e in &mut self.extras {
            if e.doc() < doc {
                e.seek(doc);
            }
            if e.doc() == doc {
                score += e.score();
            }
        }
        score
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{Index, TantivyDocument};

    use super::*;

    /// The word query finds the products the disjunction of its fields finds, with the same
    /// scores.
    #[test]
    fn matches_and_scores_as_the_disjunction_of_its_fields() {
        let mut b = Schema::builder();
        let title = b.add_text_field("title", TEXT);
        let brand = b.add_text_field("brand", TEXT);
        let all = b.add_text_field("all", TEXT);
        let index = Index::create_in_ram(b.build());
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        let rows = [
            ("satin ballet flats", "Miu Miu", "bow detail"),
            ("leather pumps", "Satin Lane", "soft leather"),
            ("suede loafers", "Arket", "satin lining and a satin bow"),
            ("canvas trainers", "Mango", "white sole"),
            ("satin satin mules", "Satin", ""),
        ];
        for _ in 0..30 {
            for (t, br, desc) in rows {
                let mut doc = TantivyDocument::default();
                doc.add_text(title, t);
                doc.add_text(brand, br);
                doc.add_text(all, format!("{t} {br} {desc}"));
                writer.add_document(doc).unwrap();
            }
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let term = |f| {
            Box::new(TermQuery::new(
                Term::from_field_text(f, "satin"),
                IndexRecordOption::WithFreqs,
            ))
        };
        let boosted = |f, b| -> Box<dyn Query> { Box::new(BoostQuery::new(term(f), b)) };
        let disjunction = BooleanQuery::new(vec![
            (Occur::Should, boosted(all, 1.0)),
            (Occur::Should, boosted(title, 3.0)),
            (Occur::Should, boosted(brand, 2.0)),
        ]);
        let word = WordQuery::new(
            boosted(all, 1.0),
            vec![boosted(title, 3.0), boosted(brand, 2.0)],
        );
        let top = TopDocs::with_limit(200).order_by_score();
        let scores = |q: &dyn Query| -> std::collections::BTreeMap<tantivy::DocAddress, f32> {
            searcher
                .search(q, &top)
                .unwrap()
                .into_iter()
                .map(|(s, a)| (a, s))
                .collect()
        };
        let same = |got: &std::collections::BTreeMap<_, f32>,
                    expected: &std::collections::BTreeMap<_, f32>| {
            assert_eq!(
                got.keys().collect::<Vec<_>>(),
                expected.keys().collect::<Vec<_>>()
            );
            for (a, s) in got {
                assert!((s - expected[a]).abs() < 1e-4, "{s} vs {}", expected[a]);
            }
        };
        let got = scores(&word);
        assert_eq!(got.len(), 120, "four of the five rows have the word");
        same(&got, &scores(&disjunction));
        // Intersected with another word, as a search of two words is.
        let two = |first: Box<dyn Query>| {
            BooleanQuery::new(vec![
                (Occur::Must, first),
                (
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(all, "bow"),
                        IndexRecordOption::WithFreqs,
                    )) as Box<dyn Query>,
                ),
            ])
        };
        let got = scores(&two(Box::new(word)));
        assert_eq!(got.len(), 60);
        same(&got, &scores(&two(Box::new(disjunction))));
    }
}
