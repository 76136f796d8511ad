//! Finding a term's series and related queries in a store: by the term as written first, then
//! by the key it normalises to or the aesthetic it names.

use crate::Result;
use crate::store::Catalog;
use crate::text::fold_key;

use super::{Aesthetics, RelatedQuery, Series, normalise_term};

/// The form a written term is compared in: lower case, accents and punctuation aside
/// (`"Back-to-School"` is `back to school`), but every word kept, unlike [`normalise_term`]
/// (which drops "outfits", "aesthetic" and the like to match aesthetics).
pub fn fold_term(term: &str) -> String {
    fold_key(term)
}

/// The key a looked-up term stands for: the id of the aesthetic it names ("Ballet Core" is
/// `balletcore`), else its normalised form (see [`normalise_term`]).
pub fn term_key(term: &str) -> String {
    Aesthetics::bundled()
        .resolve(term)
        .map(|a| a.id.clone())
        .unwrap_or_else(|| normalise_term(term))
}

/// The stored series of `term`: those of the term as written (every source, region and scale
/// group), else those whose key is the term's key or the id of the aesthetic it names
/// ("Ballet Core" finds "Balletcore"). Empty when none.
pub fn series_for(catalog: &dyn Catalog, term: &str) -> Result<Vec<Series>> {
    let written = catalog.trend_series_written(term)?;
    if !written.is_empty() {
        return Ok(written);
    }
    catalog.trend_series(Some(&term_key(term)))
}

/// The stored related queries of `term`, found as [`series_for`] finds series; TOP before
/// RISING, each in the export's order. Empty when none.
pub fn related_for(catalog: &dyn Catalog, term: &str) -> Result<Vec<RelatedQuery>> {
    let written = catalog.related_queries_written(term)?;
    if !written.is_empty() {
        return Ok(written);
    }
    catalog.related_queries(&term_key(term))
}
