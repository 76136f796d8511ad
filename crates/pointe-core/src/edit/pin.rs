//! Pinning a product an editor chose: explained as the finder would explain it, blurbed as
//! every other pick is, and never swapped out automatically.

use jiff::Timestamp;

use super::{BlurbWriter, Candidate, Edit, LookalikeFinder, picks_with_blurbs};
use crate::catalog::CatalogReader;
use crate::money::{Currency, Money};
use crate::store::StoredProduct;
use crate::tiers::Tiers;
use crate::{Error, Result};

/// How many look-alikes are read to find how the finder ranks an editor's pick.
const EXPLAIN_LIMIT: usize = 500;

/// Pins `product` (anything the catalog resolves) in `edit` at `position` (from 1; the pick's
/// own place when it is already one, else last) with `blurb`, or the blurb a pick at that
/// rank is written. A product picked again keeps the editor's blurb unless `blurb` replaces
/// it. Returns the index the pick now holds; its price and status are left for the caller to
/// resolve. Blurbs are written with prices as they are at `now`.
#[allow(clippy::too_many_arguments)]
pub fn pin(
    reader: &CatalogReader<'_>,
    tiers: &Tiers,
    finder: &dyn LookalikeFinder,
    edit: &mut Edit,
    product: &str,
    position: Option<usize>,
    blurb: Option<&str>,
    now: Timestamp,
) -> Result<usize> {
    let pick = reader.resolve(product)?;
    let hero = reader.resolve(&edit.hero)?;
    if pick.id == hero.id {
        return Err(Error::Usage(format!(
            "{product} is the hero of {:?}",
            edit.slug
        )));
    }
    let previous = edit.picks.iter().position(|p| p.product_id == pick.id);
    let kept = previous.map(|i| edit.picks.remove(i));
    let currency = Currency::from_code(&edit.currency)
        .ok_or_else(|| Error::Usage(format!("edit currency {:?} is unknown", edit.currency)))?;
    // Explain it as the finder would; a product the finder does not rank (dearer than the
    // hero, say) is explained from the attributes the two share.
    let candidate = finder
        .find(&hero, currency, EXPLAIN_LIMIT)?
        .into_iter()
        .find(|c| c.product_id == pick.id)
        .unwrap_or_else(|| compare(&hero, &pick, currency));
    let openings: Vec<String> = edit
        .picks
        .iter()
        .map(|p| super::blurb::opening(&p.blurb))
        .collect();
    let editor_blurb = blurb
        .map(str::to_string)
        .or_else(|| kept.filter(|k| k.blurb_by_editor).map(|k| k.blurb));
    let rank = edit.picks.len().max(1);
    let writer = BlurbWriter::new(reader, tiers, edit, &hero, now)?;
    let mut new_pick =
        picks_with_blurbs(&writer, std::slice::from_ref(&candidate), rank, &openings)?.remove(0);
    new_pick.pinned = true;
    if let Some(text) = editor_blurb {
        new_pick.blurb = text;
        new_pick.blurb_by_editor = true;
    }
    let at = position
        .map(|p| p.clamp(1, edit.picks.len() + 1) - 1)
        .or(previous)
        .unwrap_or(edit.picks.len());
    edit.picks.insert(at, new_pick);
    Ok(at)
}

/// Explains a product the finder does not rank against the hero (an editor's own pick, dearer
/// than the hero, say) from the attributes the two share and those they do not.
pub fn compare(hero: &StoredProduct, pick: &StoredProduct, currency: Currency) -> Candidate {
    let mut shared = Vec::new();
    let mut differences = Vec::new();
    if let (Some(h), Some(p)) = (&hero.data.attributes, &pick.data.attributes) {
        for (dimension, list) in &h.values {
            for e in list {
                if p.has(dimension, &e.value) {
                    shared.push((dimension.clone(), e.label.clone()));
                }
            }
        }
        for dimension in ["material", "toe", "colour"] {
            let (hv, pv) = (h.values.get(dimension), p.values.get(dimension));
            if let (Some(hv), Some(pv)) = (hv.and_then(|l| l.first()), pv.and_then(|l| l.first()))
                && !p.has(dimension, &hv.value)
            {
                differences.push(format!("{} instead of {}", pv.label, hv.label));
            }
        }
    }
    Candidate {
        product_id: pick.id.clone(),
        brand_key: pick.data.brand_key.clone(),
        score: 0.0,
        shared,
        differences,
        tier: None,
        price: Money::new(0, currency),
        in_stock: true,
    }
}
