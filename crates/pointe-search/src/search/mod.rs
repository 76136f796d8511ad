//! Full-text product search: BM25 over title, description and attribute words with English
//! stemming and typo tolerance, filters, facets and sorting.
//!
//! - `query.rs`: what a query asks for besides words (price phrases, gender words, a brand
//!   named whole, the category), each turned into a filter.
//! - `price.rs`: reading price phrases ("under £50", "£20–£50", "less than 3000 rupees").
//! - `matches.rs`: the pass over every match that counts them and collects their facets.
//! - `facets.rs`: the facets, five of them packed into one column per product.
//! - this file: running a search: the scored conjunction of the words, the filters as clauses
//!   beside it, the count, facets and the display of each result.

pub(crate) mod facets;
mod matches;
pub mod price;
pub mod query;

use std::collections::BTreeMap;
use std::ops::Bound;

use pointe_core::attributes::{Market, Taxonomy};
use pointe_core::catalog::{ItemId, MoneyView};
use pointe_core::money::{Currency, Money};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

use crate::features::{Display, Features};
use crate::index::{Fields, GENDER_UNSTATED, SearchIndex};
use crate::{Error, Result};
pub(crate) use facets::FacetCodes;
pub use facets::PRICE_FACET;
use price::{Limit, PriceFilter};
use query::{ReadQuery, Understood, Vocabulary};

/// How many corrections a word the index does not have is searched as.
const CORRECTIONS: usize = 3;

/// A correction is kept only when the index has it at least this share as often as the
/// likeliest one: a typo is far likelier to be the common word than a rare neighbour, and
/// one correction keeps the query a plain conjunction of words, which is answered without
/// scoring every match.
const CORRECTION_SHARE: u64 = 10;

/// Words dropped from queries: they would only make an all-words query miss.
const QUERY_STOPWORDS: &[&str] = &[
    "a", "an", "and", "the", "with", "in", "of", "for", "to", "on", "by", "at", "or", "s",
];

/// How search results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Best match first (BM25).
    #[default]
    Relevance,
    /// Cheapest first (by the lowest current price in GBP).
    PriceAsc,
    /// Dearest first.
    PriceDesc,
}

/// A search: words and filters. Build one with `SearchQuery { text, ..Default::default() }`.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// The words searched for; empty matches every product (filters still apply).
    pub text: String,
    /// Only this canonical brand key (see `BrandBook::canonical`).
    pub brand_key: Option<String>,
    /// Only products with an offer from this folded retailer key.
    pub retailer_key: Option<String>,
    /// Only this category or its sub-categories (taxonomy id).
    pub category: Option<String>,
    /// Only this colour family or shade (taxonomy colour id: `pink`, `blush`).
    pub colour: Option<String>,
    /// Only this material or its kinds (taxonomy id: `leather` includes suede).
    pub material: Option<String>,
    /// Only this tier (`high_street`, `premium`, `luxury`).
    pub tier: Option<String>,
    /// Only products whose lowest current price in GBP is at least this (minor units).
    pub min_price_gbp: Option<u64>,
    /// Only products whose lowest current price in GBP is at most this (minor units).
    pub max_price_gbp: Option<u64>,
    /// Only products a shopper can buy now.
    pub in_stock: bool,
    /// Order of the results.
    pub sort: SortOrder,
    /// At most this many results (default 20 when 0).
    pub limit: usize,
    /// Skip this many first.
    pub offset: usize,
    /// Show prices in this currency (default: each product's own).
    pub currency: Option<Currency>,
    /// Also count the matching products by facet (costs a pass over every match).
    pub facets: bool,
    /// Only products made for this gender (taxonomy id: `women`, `men`, `unisex`, `kids`,
    /// `girls`, `boys`), besides unisex ones and those stating none; it wins over gender words
    /// in the text.
    pub gender: Option<String>,
    /// Which English the text is in, for words whose meaning differs ("pumps"); `None` reads
    /// such a word both ways. A bare amount ("under 50") is in `currency`, else the market's
    /// (USD for the US, GBP otherwise).
    pub market: Option<Market>,
    /// Search the words as typed: no price, gender, brand or category reading.
    pub literal: bool,
}

/// One search result.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    /// Pointe's id.
    pub id: String,
    /// Every feed item id the product is known by, its retailer's other listings of it
    /// included.
    pub item_ids: Vec<ItemId>,
    /// Brand.
    pub brand: Option<String>,
    /// Title.
    pub title: String,
    /// The lowest current price.
    pub price: Option<MoneyView>,
    /// Price tier.
    pub tier: Option<String>,
    /// Whether any current offer can be bought now.
    pub in_stock: bool,
    /// The relevance score (BM25; 0 when sorted by price or when no words were given).
    pub score: f32,
}

/// One facet value and how many matching products have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// The value (a brand key, taxonomy id, tier…).
    pub value: String,
    /// Matching products with it.
    pub count: u64,
}

/// The results of a search.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// The results of this page.
    pub items: Vec<SearchHit>,
    /// How many products match in all (a product listed twice counts once).
    pub total: u64,
    /// Counts of the matching products by brand, retailer, category, colour family, material,
    /// tier and stock, the ten commonest values of each.
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// True when no product had every word and the results are those with any of them.
    pub relaxed: bool,
    /// What the query was understood to ask for.
    pub understood: Understood,
}

/// Finds the id of `dimension`'s value that `text` names: its id, label or a synonym, singular
/// or plural. `None` when nothing matches.
pub fn resolve_value(taxonomy: &Taxonomy, dimension: &str, text: &str) -> Option<String> {
    let folded = pointe_core::text::fold_key(text);
    let candidates = [
        folded.clone(),
        folded.trim_end_matches('s').to_string(),
        folded.strip_suffix("es").unwrap_or(&folded).to_string(),
    ];
    let id_form = folded.replace(' ', "_");
    taxonomy
        .values(dimension)
        .find(|v| {
            v.id == id_form
                || std::iter::once(&v.label)
                    .chain(&v.synonyms)
                    .chain(&v.uk)
                    .chain(&v.us)
                    .any(|p| {
                        let p = pointe_core::text::fold_key(p);
                        candidates.contains(&p) || candidates.contains(&format!("{p}s"))
                    })
        })
        .map(|v| v.id.clone())
}

impl SearchIndex {
    /// Runs a search: BM25F over the title, brand, attribute words and description, weighted
    /// ([`crate::index::WEIGHTED_FIELDS`]). Costs a pruned top-k query (twice when no product
    /// has every word and any word will do) and one pass that counts the matching products
    /// and, when asked, aggregates their facets; typo-tolerant alternatives are added for
    /// words of five letters or more that the index does not have.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let mut read = self.read_query(&searcher, q)?;
        let words = self.query_words(&read.understood.text)?;
        let limit = if q.limit == 0 { 20 } else { q.limit };
        let mut relaxed = false;
        let mut filters = self.filters(q)?;
        filters.extend(self.understood_filters(q, &read)?);
        let mut query = self.text_query(&searcher, &words, Occur::Must, &filters)?;
        let mut page = self.page(&searcher, &query, q, limit)?;
        // When no product has every word, those with any of them (of the category understood
        // first, then of any).
        for drop_category in [false, true] {
            if self.matches_any(&searcher, &query, q, &page)? {
                break;
            }
            if drop_category {
                if read.categories.is_empty() {
                    break;
                }
                read.understood.notes.push(format!(
                    "nothing in category {} has any of the words: searched every category",
                    read.categories.join(" or ")
                ));
                read.categories.clear();
                read.understood.category = None;
                filters = self.filters(q)?;
                filters.extend(self.understood_filters(q, &read)?);
                query = self.text_query(&searcher, &words, Occur::Must, &filters)?;
                page = self.page(&searcher, &query, q, limit)?;
            }
            if words.len() > 1 && !self.matches_any(&searcher, &query, q, &page)? {
                query = self.text_query(&searcher, &words, Occur::Should, &filters)?;
                page = self.page(&searcher, &query, q, limit)?;
                relaxed = true;
            }
        }
        let (total, facets) = self.count_and_facets(&searcher, &query, q, page.count)?;
        let hits = page.hits;
        let mut items = Vec::with_capacity(hits.len());
        let mut features = FeatureReader::new(&searcher);
        for (score, addr) in hits {
            let display = self.display(&searcher, addr)?;
            let features = features.read(addr)?;
            let mut item_ids = display.item_ids();
            if let Some(key) = features.listing {
                for other in self.later_listings(&searcher, key)? {
                    item_ids.extend(self.display(&searcher, other)?.item_ids());
                }
            }
            items.push(SearchHit {
                price: self.price_view(&features, q.currency)?,
                id: display.id.clone(),
                item_ids,
                brand: display.brand.clone(),
                title: display.title.clone(),
                tier: display.tier.clone(),
                in_stock: display.in_stock,
                score: if words.is_empty() { 0.0 } else { score },
            });
        }
        Ok(SearchResults {
            items,
            total,
            facets,
            relaxed,
            understood: read.understood,
        })
    }

    /// What the query asks for: its text read by the index's vocabulary (built by the first
    /// search), the gender asked for by `q` winning over the text's.
    fn read_query(&self, searcher: &Searcher, q: &SearchQuery) -> Result<ReadQuery> {
        let mut read = if q.literal {
            ReadQuery {
                understood: Understood {
                    text: q.text.clone(),
                    ..Understood::default()
                },
                ..ReadQuery::default()
            }
        } else {
            let currency = q.currency.unwrap_or_else(|| match q.market {
                Some(Market::Us) => Currency::from_code("USD").unwrap_or_else(crate::features::gbp),
                _ => crate::features::gbp(),
            });
            let vocabulary = self.vocabulary(searcher)?;
            let mut read = vocabulary.read(&q.text, currency, q.market);
            let corrected = self.corrected_words(searcher, &read.understood.text)?;
            if corrected != query::query_words(&read.understood.text) {
                vocabulary.read_corrected_category(&corrected, q.market, &mut read);
            }
            read
        };
        if let Some(g) = &q.gender {
            if self.ctx.taxonomy.value("gender", g).is_none() {
                return Err(Error::Usage(format!(
                    "no gender {g:?}; the genders are women, men, unisex, kids, girls, boys"
                )));
            }
            read.understood.gender = Some(g.clone());
        }
        Ok(read)
    }

    /// The query's folded words, each longer word the index lacks replaced by its likeliest
    /// correction (as [`SearchIndex::text_query`] searches it).
    fn corrected_words(&self, searcher: &Searcher, text: &str) -> Result<Vec<String>> {
        let mut analyzer = self.index.tokenizer_for_field(self.fields.title)?;
        let mut out = Vec::new();
        for word in query::query_words(text) {
            let stemmed = {
                let mut stream = analyzer.token_stream(&word);
                stream.next().map(|t| t.text.clone())
            };
            let replaced = match stemmed {
                Some(s)
                    if s.chars().count() >= 5
                        && searcher.doc_freq(&Term::from_field_text(self.fields.all, &s))? == 0 =>
                {
                    let distance = if s.chars().count() >= 9 { 2 } else { 1 };
                    self.corrections(searcher, &s, distance)?.into_iter().next()
                }
                _ => None,
            };
            out.push(replaced.unwrap_or(word));
        }
        Ok(out)
    }

    /// The vocabulary queries are read with, built once: the taxonomy's phrases and the brand
    /// keys the index holds.
    fn vocabulary(&self, searcher: &Searcher) -> Result<&Vocabulary> {
        if let Some(v) = self.vocabulary.get() {
            return Ok(v);
        }
        let mut brands = std::collections::HashSet::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.brand_key)?;
            let mut stream = inverted
                .terms()
                .stream()
                .map_err(|e| Error::io("search index brands", e))?;
            while stream.advance() {
                if let Ok(key) = std::str::from_utf8(stream.key()) {
                    brands.insert(key.to_string());
                }
            }
        }
        let inherited = self
            .inherited
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .filter(|v| v.made_from(&brands));
        let v = match inherited {
            Some(v) => v,
            None => std::sync::Arc::new(Vocabulary::new(&self.ctx.taxonomy, brands)),
        };
        Ok(self.vocabulary.get_or_init(|| v))
    }

    /// The filter clauses of what the query was understood to ask for: the price in its
    /// currency, the gender, the brand and the category. Each but the category scores
    /// nothing; the category is a term of the scored conjunction, so that block-max pruning
    /// still answers the query.
    fn understood_filters(
        &self,
        q: &SearchQuery,
        read: &ReadQuery,
    ) -> Result<Vec<(Occur, Box<dyn Query>)>> {
        let f = &self.fields;
        let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let term = |field: Field, text: &str, option: IndexRecordOption| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(field, text), option))
        };
        let unscored =
            |q: Box<dyn Query>| -> Box<dyn Query> { Box::new(ConstScoreQuery::new(q, 0.0)) };
        if let Some(p) = &read.price {
            out.push((Occur::Must, unscored(self.price_filter(p)?)));
        }
        if let Some(g) = &read.understood.gender {
            let mut admitted = vec![format!("gender:{g}"), GENDER_UNSTATED.to_string()];
            if g != "unisex" {
                admitted.push("gender:unisex".into());
            }
            let any: Vec<(Occur, Box<dyn Query>)> = admitted
                .iter()
                .map(|t| (Occur::Should, term(f.attrs, t, IndexRecordOption::Basic)))
                .collect();
            out.push((Occur::Must, unscored(Box::new(BooleanQuery::new(any)))));
        }
        if q.brand_key.is_none()
            && let Some(b) = &read.understood.brand
        {
            out.push((
                Occur::Must,
                unscored(term(f.brand_key, b, IndexRecordOption::Basic)),
            ));
        }
        match read.categories.as_slice() {
            [] => {}
            [one] => out.push((
                Occur::Must,
                term(f.category_path, one, IndexRecordOption::WithFreqs),
            )),
            several => {
                let any: Vec<(Occur, Box<dyn Query>)> = several
                    .iter()
                    .map(|c| {
                        (
                            Occur::Should,
                            term(f.category_path, c, IndexRecordOption::WithFreqs),
                        )
                    })
                    .collect();
                out.push((Occur::Must, Box::new(BooleanQuery::new(any))));
            }
        }
        Ok(out)
    }

    /// A price filter in its own currency: a product priced in that currency is compared
    /// exactly; one priced in another by its GBP price, against the bounds converted to GBP at
    /// today's rate (when a rate converts them).
    fn price_filter(&self, p: &PriceFilter) -> Result<Box<dyn Query>> {
        let f = &self.fields;
        let bound = |field: Field, limit: Option<Limit>| match limit {
            None => Bound::Unbounded,
            Some(l) if l.inclusive => {
                Bound::Included(Term::from_field_u64(field, l.minor.max(0) as u64))
            }
            Some(l) => Bound::Excluded(Term::from_field_u64(field, l.minor.max(0) as u64)),
        };
        let same = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.price_currency, p.currency.code()),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            ),
            (
                Occur::Must,
                Box::new(RangeQuery::new(
                    bound(f.price_minor, p.min),
                    bound(f.price_minor, p.max),
                )),
            ),
        ]);
        let mut any: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, Box::new(same))];
        let gbp = crate::features::gbp();
        let to_gbp = |limit: Option<Limit>| -> Result<Option<Option<Limit>>> {
            let Some(l) = limit else {
                return Ok(Some(None));
            };
            let money = Money::new(l.minor, p.currency);
            Ok(if p.currency == gbp {
                Some(Some(l))
            } else {
                self.ctx
                    .rates
                    .try_convert(money, gbp, self.ctx.today)?
                    .map(|c| {
                        Some(Limit {
                            minor: c.money.minor,
                            inclusive: l.inclusive,
                        })
                    })
            })
        };
        if let (Some(min), Some(max)) = (to_gbp(p.min)?, to_gbp(p.max)?) {
            let other = BooleanQuery::new(vec![
                (
                    Occur::Must,
                    Box::new(RangeQuery::new(
                        bound(f.price_gbp, min),
                        bound(f.price_gbp, max),
                    )) as Box<dyn Query>,
                ),
                (
                    Occur::MustNot,
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.price_currency, p.currency.code()),
                        IndexRecordOption::Basic,
                    )),
                ),
            ]);
            any.push((Occur::Should, Box::new(other)));
        }
        Ok(Box::new(BooleanQuery::new(any)))
    }

    /// The documents of the later listings of the product whose listing key is `key`
    /// ([`crate::listing`]), in index order; at most [`crate::bounds::MAX_OFFERS`].
    fn later_listings(&self, searcher: &Searcher, key: u64) -> Result<Vec<DocAddress>> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.duplicate_of, &crate::listing::term(key)),
            IndexRecordOption::Basic,
        );
        let hits = searcher.search(
            &query,
            &TopDocs::with_limit(crate::bounds::MAX_OFFERS).order_by_score(),
        )?;
        let mut docs: Vec<DocAddress> = hits.into_iter().map(|(_, addr)| addr).collect();
        docs.sort();
        Ok(docs)
    }

    /// The stored display data of a document.
    pub(crate) fn display(&self, searcher: &Searcher, addr: DocAddress) -> Result<Display> {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let text = doc
            .get_first(self.fields.display)
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        serde_json::from_str(&text)
            .map_err(|e| Error::Usage(format!("search index: a stored document is damaged: {e}")))
    }

    /// A document's price as shown: in its own currency, or converted to `currency`; `None`
    /// when it has none, or no rate converts it.
    pub(crate) fn price_view(
        &self,
        features: &Features,
        currency: Option<Currency>,
    ) -> Result<Option<MoneyView>> {
        let Some((money, seen)) = features.price() else {
            return Ok(None);
        };
        Ok(match currency {
            Some(c) if c != money.currency => self
                .ctx
                .rates
                .try_convert(money, c, seen)?
                .map(|converted| MoneyView::converted(converted.money, converted.rate_date)),
            _ => Some(MoneyView::exact(money)),
        })
    }

    /// The query's words as the index's tokenizer stems them, stopwords dropped.
    pub(crate) fn query_words(&self, text: &str) -> Result<Vec<String>> {
        let mut analyzer = self.index.tokenizer_for_field(self.fields.title)?;
        let mut out = Vec::new();
        for raw in pointe_core::text::fold_key(text).split(' ') {
            if raw.is_empty() || QUERY_STOPWORDS.contains(&raw) {
                continue;
            }
            let mut stream = analyzer.token_stream(raw);
            while let Some(token) = stream.next() {
                if !out.contains(&token.text) {
                    out.push(token.text.clone());
                }
            }
        }
        Ok(out)
    }

    /// The page of products `q` asks for. By relevance the page comes from a pruned top-k pass
    /// (a conjunction of words is answered without scoring every match) and the count is left
    /// to [`SearchIndex::count_and_facets`]; by price every match is visited anyway, so the
    /// same pass counts them.
    fn page(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        q: &SearchQuery,
        limit: usize,
    ) -> Result<Page> {
        Ok(match q.sort {
            SortOrder::Relevance => Page {
                hits: searcher.search(
                    query,
                    &TopDocs::with_limit(limit)
                        .and_offset(q.offset)
                        .order_by_score(),
                )?,
                count: None,
            },
            SortOrder::PriceAsc | SortOrder::PriceDesc => {
                let order = if q.sort == SortOrder::PriceAsc {
                    Order::Asc
                } else {
                    Order::Desc
                };
                let (count, hits) = searcher.search(
                    query,
                    &(
                        Count,
                        TopDocs::with_limit(limit)
                            .and_offset(q.offset)
                            .order_by_fast_field::<u64>("price_gbp", order),
                    ),
                )?;
                Page {
                    hits: hits.into_iter().map(|(_, addr)| (0.0, addr)).collect(),
                    count: Some(count as u64),
                }
            }
        })
    }

    /// Whether `query` matches any product: known from the page unless the page, past an
    /// offset, came back empty; then one pruned top-1 pass tells.
    fn matches_any(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        q: &SearchQuery,
        page: &Page,
    ) -> Result<bool> {
        if let Some(count) = page.count {
            return Ok(count > 0);
        }
        if !page.hits.is_empty() || q.offset == 0 {
            return Ok(!page.hits.is_empty());
        }
        let first = searcher.search(query, &TopDocs::with_limit(1).order_by_score())?;
        Ok(!first.is_empty())
    }

    /// How many products `query` matches and, when `q` asks, their facets: one pass that counts
    /// and aggregates together, or a plain count when the page did not already give it.
    fn count_and_facets(
        &self,
        searcher: &Searcher,
        query: &BooleanQuery,
        q: &SearchQuery,
        counted: Option<u64>,
    ) -> Result<(u64, BTreeMap<String, Vec<FacetCount>>)> {
        if q.facets {
            let codes = self.facet_codes();
            let terms = facets::term_collector(self.index.tokenizers().clone())?;
            let collector = (terms, facets::PackedFacets { codes });
            let (count, (terms, packed)) = matches::count_and_collect(searcher, query, &collector)?;
            let mut out = BTreeMap::new();
            facets::term_counts(&terms, &mut out)?;
            packed.facets(codes, &mut out);
            return Ok((count, out));
        }
        let total = match counted {
            Some(count) => count,
            None => searcher.search(query, &Count)? as u64,
        };
        Ok((total, BTreeMap::new()))
    }

    /// One clause per word ([`SearchIndex::word_query`], or for a longer word the index does
    /// not have, its likeliest corrections), combined with `occur`, plus the filters. A word
    /// the index has gets no typo alternatives: a word found as typed is rarely a typo.
    fn text_query(
        &self,
        searcher: &Searcher,
        words: &[String],
        occur: Occur,
        filters: &[(Occur, Box<dyn Query>)],
    ) -> Result<BooleanQuery> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in words {
            let chars = word.chars().count();
            if chars >= 5 && searcher.doc_freq(&Term::from_field_text(f.all, word))? == 0 {
                // A word the index does not have: its likeliest corrections, each as a word
                // at half weight.
                let distance = if chars >= 9 { 2 } else { 1 };
                let alternatives: Vec<(Occur, Box<dyn Query>)> = self
                    .corrections(searcher, word, distance)?
                    .iter()
                    .map(|c| {
                        (
                            Occur::Should,
                            Box::new(BoostQuery::new(self.word_query(c), 0.5)) as Box<dyn Query>,
                        )
                    })
                    .collect();
                clauses.push((occur, Box::new(BooleanQuery::new(alternatives))));
            } else {
                clauses.push((occur, self.word_query(word)));
            }
        }
        if clauses.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        for (occur, q) in filters {
            clauses.push((*occur, q.box_clone()));
        }
        Ok(BooleanQuery::new(clauses))
    }

    /// A search word: BM25F over the weighted text ([`crate::index::WEIGHTED_FIELDS`]).
    fn word_query(&self, word: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(self.fields.all, word),
            IndexRecordOption::WithFreqs,
        ))
    }

    /// The words of the index within `distance` edits of `word` (a transposition is one
    /// edit), the most frequent first: at most [`CORRECTIONS`], none rarer than a
    /// [`CORRECTION_SHARE`]th of the first. Walks the term dictionary with
    /// a Levenshtein automaton once, instead of searching every word it accepts.
    fn corrections(&self, searcher: &Searcher, word: &str, distance: u8) -> Result<Vec<String>> {
        let all = self.fields.all;
        let mut found: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        for segment in searcher.segment_readers() {
            let automaton = FuzzyTermQuery::new(Term::from_field_text(all, word), distance, true)
                .automaton()?;
            let inverted = segment.inverted_index(all)?;
            let mut stream = inverted
                .terms()
                .search(automaton)
                .into_stream()
                .map_err(|e| Error::io("search index terms", e))?;
            while stream.advance() {
                *found.entry(stream.key().to_vec()).or_default() +=
                    u64::from(stream.value().doc_freq);
            }
        }
        let mut ranked: Vec<(Vec<u8>, u64)> = found.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let floor = ranked
            .first()
            .map_or(0, |(_, n)| n.div_ceil(CORRECTION_SHARE));
        Ok(ranked
            .into_iter()
            .take(CORRECTIONS)
            .take_while(|(_, n)| *n >= floor)
            .filter_map(|(k, _)| String::from_utf8(k).ok())
            .collect())
    }

    /// The filter clauses of a search.
    fn filters(&self, q: &SearchQuery) -> Result<Vec<(Occur, Box<dyn Query>)>> {
        let f = &self.fields;
        let t = &self.ctx.taxonomy;
        let mut out: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let term = |field: Field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::Basic,
            ))
        };
        // A product listed twice counts and shows once: its first listing, with the others'
        // ids ([`crate::listing`]).
        out.push((
            Occur::MustNot,
            term(f.duplicate_of, crate::listing::ANY_DUPLICATE),
        ));
        if let Some(b) = &q.brand_key {
            out.push((Occur::Must, term(f.brand_key, b)));
        }
        if let Some(r) = &q.retailer_key {
            out.push((Occur::Must, term(f.retailer, r)));
        }
        let mut attr = |dim: &str, raw: &Option<String>, token_dim: &str| -> Result<()> {
            if let Some(raw) = raw {
                let id = resolve_value(t, dim, raw).ok_or_else(|| {
                    Error::Usage(format!(
                        "no {dim} {raw:?}; try one of {}",
                        t.values(dim)
                            .map(|v| v.id.as_str())
                            .take(12)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
                out.push((Occur::Must, term(f.attrs, &format!("{token_dim}:{id}"))));
            }
            Ok(())
        };
        attr("category", &q.category, "category")?;
        attr("colour", &q.colour, "colour")?;
        attr("material", &q.material, "material")?;
        if let Some(tier) = &q.tier {
            if !self.ctx.tiers.has(tier) {
                return Err(Error::Usage(format!(
                    "no tier {tier:?}; the tiers are {}",
                    self.ctx.tiers.names().join(", ")
                )));
            }
            out.push((Occur::Must, term(f.tier, tier)));
        }
        if q.min_price_gbp.is_some() || q.max_price_gbp.is_some() {
            out.push((
                Occur::Must,
                price_range(f, q.min_price_gbp, q.max_price_gbp, true),
            ));
        }
        if q.in_stock {
            out.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.in_stock, 1),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        Ok(out)
    }
}

/// A page of hits, with the number of matches when the pass that found them also counted.
struct Page {
    hits: Vec<(f32, DocAddress)>,
    count: Option<u64>,
}

/// A range over the GBP price; `inclusive_max` false makes the upper bound strict.
pub(crate) fn price_range(
    f: &Fields,
    min: Option<u64>,
    max: Option<u64>,
    inclusive_max: bool,
) -> Box<dyn Query> {
    let lower = match min {
        Some(v) => Bound::Included(Term::from_field_u64(f.price_gbp, v)),
        None => Bound::Unbounded,
    };
    let upper = match max {
        Some(v) if inclusive_max => Bound::Included(Term::from_field_u64(f.price_gbp, v)),
        Some(v) => Bound::Excluded(Term::from_field_u64(f.price_gbp, v)),
        None => Bound::Unbounded,
    };
    Box::new(RangeQuery::new(lower, upper))
}

/// A price in any currency converted to GBP minor units at the rate of `on`; an error naming
/// the currency when no rate converts it.
pub fn to_gbp_minor(
    money: Money,
    rates: &pointe_core::fx::RateTable,
    on: jiff::civil::Date,
) -> Result<u64> {
    let gbp = crate::features::gbp();
    let m = if money.currency == gbp {
        money
    } else {
        rates.convert(money, gbp, on)?.money
    };
    Ok(m.minor.max(0) as u64)
}

/// As [`to_gbp_minor`], but `None` for a price no rate converts.
pub fn try_to_gbp_minor(
    money: Money,
    rates: &pointe_core::fx::RateTable,
    on: jiff::civil::Date,
) -> Result<Option<u64>> {
    let gbp = crate::features::gbp();
    let m = if money.currency == gbp {
        Some(money)
    } else {
        rates.try_convert(money, gbp, on)?.map(|c| c.money)
    };
    Ok(m.map(|m| m.minor.max(0) as u64))
}

/// Reads the scorer's features of many documents, opening each segment's column once.
pub(crate) struct FeatureReader<'a> {
    searcher: &'a Searcher,
    columns: Vec<Option<tantivy::columnar::BytesColumn>>,
    buf: Vec<u8>,
}

impl<'a> FeatureReader<'a> {
    pub(crate) fn new(searcher: &'a Searcher) -> FeatureReader<'a> {
        FeatureReader {
            searcher,
            columns: vec![None; searcher.segment_readers().len()],
            buf: Vec::new(),
        }
    }

    /// The features of the document at `addr`.
    pub(crate) fn read(&mut self, addr: DocAddress) -> Result<Features> {
        let slot = &mut self.columns[addr.segment_ord as usize];
        if slot.is_none() {
            let segment = self.searcher.segment_reader(addr.segment_ord);
            *slot = Some(
                segment
                    .fast_fields()
                    .bytes("features")?
                    .ok_or_else(|| Error::Usage("search index: no features column".into()))?,
            );
        }
        let column = slot
            .as_ref()
            .unwrap_or_else(|| unreachable!("opened above"));
        self.buf.clear();
        if let Some(ord) = column.term_ords(addr.doc_id).next() {
            column
                .ord_to_bytes(ord, &mut self.buf)
                .map_err(|e| Error::io("index features", e))?;
        }
        serde_json::from_slice(&self.buf)
            .map_err(|e| Error::Usage(format!("search index: damaged features: {e}")))
    }
}
