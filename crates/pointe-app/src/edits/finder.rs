//! The look-alike finder edits use: Pointe's search index, behind the core's `LookalikeFinder`
//! seam.

use pointe_core::edit::{Candidate, LookalikeFinder};
use pointe_core::money::{Currency, Money};
use pointe_core::store::{Catalog, StoredProduct};
use pointe_search::{Hero, LookalikeQuery, SearchIndex};

use crate::{IndexNote, Result, Workspace};

/// Look-alikes from the search index.
pub struct SearchFinder<'a> {
    index: SearchIndex,
    catalog: &'a dyn Catalog,
}

impl std::fmt::Debug for SearchFinder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchFinder").finish_non_exhaustive()
    }
}

impl<'a> SearchFinder<'a> {
    /// The finder over the workspace's search index (rebuilt first when stale), and what
    /// opening the index had to do.
    pub fn open(ws: &Workspace, catalog: &'a dyn Catalog) -> Result<(SearchFinder<'a>, IndexNote)> {
        let (index, note) = ws.index(catalog)?;
        Ok((SearchFinder { index, catalog }, note))
    }
}

impl LookalikeFinder for SearchFinder<'_> {
    fn find(
        &self,
        hero: &StoredProduct,
        currency: Currency,
        limit: usize,
    ) -> pointe_core::Result<Vec<Candidate>> {
        let offers = self.catalog.offers_of(hero.key)?;
        let to_core = |e: pointe_search::Error| match e {
            pointe_search::Error::Core(c) => c,
            other => pointe_core::Error::Store(other.to_string()),
        };
        let h = Hero::from_product(hero, &offers, self.index.context()).map_err(to_core)?;
        let query = LookalikeQuery {
            cheaper: true,
            in_stock: true,
            limit,
            currency: Some(currency),
            ..LookalikeQuery::default()
        };
        let results = self.index.lookalikes(&h, &query).map_err(to_core)?;
        let mut out = Vec::with_capacity(results.items.len());
        for r in results.items {
            let Some(product) = self.catalog.product_by_id(&r.id)? else {
                continue;
            };
            let Some(price) = r
                .price
                .as_ref()
                .and_then(|p| Money::from_amount_str(&p.amount, currency).ok())
            else {
                continue;
            };
            // Name only what the pick's own extracted attributes state, with their dimension.
            let shared: Vec<(String, String)> = r
                .shared
                .iter()
                .filter_map(|label| {
                    let attrs = product.data.attributes.as_ref()?;
                    attrs.values.iter().find_map(|(dimension, list)| {
                        list.iter()
                            .find(|e| &e.label == label)
                            .map(|e| (dimension.clone(), e.label.clone()))
                    })
                })
                .collect();
            out.push(Candidate {
                product_id: r.id.clone(),
                brand_key: product.data.brand_key.clone(),
                score: r.score,
                shared,
                differences: r.differences.iter().map(difference_sentence).collect(),
                tier: r.tier.clone(),
                price,
                in_stock: true,
            });
        }
        Ok(out)
    }
}

/// A difference as a blurb says it: countable details and toes take their article ("an ankle
/// ribbon instead of an elastic strap"); materials and colours do not ("leather instead of
/// satin").
fn difference_sentence(d: &pointe_search::Difference) -> String {
    let countable = matches!(d.dimension.as_str(), "detail" | "toe");
    match (&d.candidate, &d.hero) {
        (Some(c), Some(h)) if countable => {
            format!("{} {c} instead of {} {h}", article(c), article(h))
        }
        _ => d.sentence.clone(),
    }
}

fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countable_differences_take_articles() {
        let d = |dimension: &str, c: &str, h: &str| pointe_search::Difference {
            dimension: dimension.into(),
            hero: Some(h.into()),
            candidate: Some(c.into()),
            sentence: format!("{c} instead of {h}"),
        };
        assert_eq!(
            difference_sentence(&d("detail", "ankle ribbon", "elastic strap")),
            "an ankle ribbon instead of an elastic strap"
        );
        assert_eq!(
            difference_sentence(&d("toe", "square toe", "round toe")),
            "a square toe instead of a round toe"
        );
        assert_eq!(
            difference_sentence(&d("material", "leather", "satin")),
            "leather instead of satin"
        );
    }
}
