//! Row fingerprints: how a re-ingest recognises a row it has already stored, before it reads or
//! writes anything but the offer's "seen" time.
//!
//! A fingerprint hashes everything ingest takes from a row (every field of the record but its
//! line and warnings) together with everything else that decides what the row becomes: the
//! taxonomy its attributes were extracted with, the brand book, the market and retailer the
//! caller named. A row whose fingerprint equals the one stored on its offer would write exactly
//! what is stored, so it only marks the offer seen.

use crate::feed::{FeedRecord, Observation};
use crate::money::Money;

/// Bumped whenever what a fingerprint covers changes, so that fingerprints stored by an
/// older release never match.
const FINGERPRINT_VERSION: u64 = 2;

/// A hash of length-prefixed fields, eight bytes at a step (each step a bijection of the state
/// for a given word, so two inputs of one length that differ in one word always differ after
/// it), stable across platforms and releases.
#[derive(Clone, Copy)]
struct Hash64(u64);

impl Hash64 {
    fn new(seed: u64) -> Hash64 {
        let mut h = Hash64(0xcbf2_9ce4_8422_2325);
        h.u64(seed);
        h
    }

    fn word(&mut self, w: u64) {
        let h = (self.0 ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 32);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.word(u64::from_le_bytes(w.try_into().expect("eight bytes")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.word(u64::from_le_bytes(last));
        }
    }

    fn u64(&mut self, v: u64) {
        self.word(v);
    }

    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.bytes(s.as_bytes());
    }

    fn opt(&mut self, s: Option<&str>) {
        match s {
            None => self.u64(u64::MAX),
            Some(s) => self.str(s),
        }
    }

    fn list(&mut self, items: &[String]) {
        self.u64(items.len() as u64);
        for item in items {
            self.str(item);
        }
    }

    fn money(&mut self, m: Option<Money>) {
        match m {
            None => self.u64(u64::MAX),
            Some(m) => {
                self.str(m.currency.code());
                self.u64(m.minor as u64);
            }
        }
    }

    /// The finished hash, mixed (SplitMix64's finaliser) so that similar rows differ in
    /// every bit.
    fn finish(self) -> u64 {
        let mut h = self.0;
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    }
}

/// Fingerprints the rows of one ingest.
#[derive(Clone, Copy)]
pub(super) struct Fingerprinter {
    seed: u64,
}

impl Fingerprinter {
    /// A fingerprinter for rows read with this taxonomy version, brand book version, market
    /// (`None`: each row's from its currency) and default retailer.
    pub fn new(
        taxonomy_version: &str,
        brand_book_version: u64,
        market: Option<&str>,
        default_retailer: &str,
    ) -> Fingerprinter {
        let mut h = Hash64::new(FINGERPRINT_VERSION);
        h.str(taxonomy_version);
        h.u64(brand_book_version);
        h.opt(market);
        h.str(default_retailer);
        Fingerprinter { seed: h.finish() }
    }

    /// The fingerprint of `record`.
    pub fn of(&self, record: &FeedRecord) -> u64 {
        // Destructured in full, so that a field added to the record cannot be left out.
        let FeedRecord {
            line: _,
            warnings: _,
            item_id,
            title,
            description,
            brand,
            retailer,
            link,
            image_links,
            price,
            sale_price,
            availability,
            gtin,
            mpn,
            condition,
            google_product_category,
            product_type,
            item_group_id,
            colours,
            sizes,
            gender,
            age_group,
            materials,
            pattern,
            observations,
        } = record;
        let mut h = Hash64::new(self.seed);
        h.str(item_id);
        h.str(title);
        for field in [description, brand, retailer, link] {
            h.opt(field.as_deref());
        }
        h.list(image_links);
        h.money(Some(*price));
        h.money(*sale_price);
        h.str(availability.as_str());
        h.opt(gtin.as_ref().map(|g| g.as_str()));
        for field in [
            mpn,
            condition,
            google_product_category,
            product_type,
            item_group_id,
        ] {
            h.opt(field.as_deref());
        }
        for list in [colours, sizes] {
            h.list(list);
        }
        h.opt(gender.as_deref());
        h.opt(age_group.as_deref());
        h.list(materials);
        h.opt(pattern.as_deref());
        h.u64(observations.len() as u64);
        for Observation {
            seen_at,
            price,
            sale_price,
            availability,
        } in observations
        {
            h.str(&seen_at.to_string());
            h.money(Some(*price));
            h.money(*sale_price);
            h.str(availability.as_str());
        }
        h.finish()
    }
}

/// The fingerprints of a source's stored offers, by a hash of their item ids: 24 bytes an
/// offer, sorted, found through a directory of the hashes' leading bits (about four offers a
/// bucket), with what this ingest has made of each.
pub(super) struct KnownOffers {
    /// (item id hash, fingerprint, offer key), sorted.
    offers: Vec<(u64, u64, i64)>,
    /// `starts[b]` is the first offer whose hash's leading bits are `b` or more.
    starts: Vec<u32>,
    /// How far a hash is shifted to give its bucket.
    shift: u32,
    asked: Vec<Asked>,
}

/// What a row of this ingest made of a known offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    Not,
    Usual,
    Unchanged,
}

/// What [`KnownOffers::ask`] tells about a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Known {
    /// Its offer is stored from a row with the same fingerprint: only mark it seen.
    Unchanged(i64),
    /// An earlier row of this ingest already found this offer (by its item id's hash)
    /// unchanged: the row repeats that item id, unless another id shares its hash.
    Repeated(i64),
    /// Apply the row the usual way.
    Usual,
}

impl KnownOffers {
    pub fn new(mut offers: Vec<(u64, u64, i64)>) -> KnownOffers {
        offers.sort_unstable();
        let bits = (offers.len() / 4).max(1).ilog2() + 1;
        let shift = 64 - bits;
        let mut starts = Vec::with_capacity((1 << bits) + 1);
        let mut at = 0;
        for bucket in 0..=(1u64 << bits) {
            while at < offers.len() && (offers[at].0 >> shift) < bucket {
                at += 1;
            }
            starts.push(at as u32);
        }
        let asked = vec![Asked::Not; offers.len()];
        KnownOffers {
            offers,
            starts,
            shift,
            asked,
        }
    }

    /// The hash an item id is known by.
    pub fn item_hash(item_id: &str) -> u64 {
        let mut h = Hash64::new(0);
        h.str(item_id);
        h.finish()
    }

    /// What to do with the row of `item_id` whose fingerprint is `fingerprint`, when `quick`
    /// (a row the quick way may take); records the answer.
    pub fn ask(&mut self, item_id: &str, fingerprint: u64, quick: bool) -> Known {
        let hash = KnownOffers::item_hash(item_id);
        let bucket = (hash >> self.shift) as usize;
        let (from, to) = (
            self.starts[bucket] as usize,
            self.starts[bucket + 1] as usize,
        );
        let Some(at) = self.offers[from..to].iter().position(|o| o.0 == hash) else {
            return Known::Usual;
        };
        let at = from + at;
        let (_, stored, key) = self.offers[at];
        match self.asked[at] {
            Asked::Unchanged => Known::Repeated(key),
            Asked::Usual => Known::Usual,
            Asked::Not if quick && stored == fingerprint => {
                self.asked[at] = Asked::Unchanged;
                Known::Unchanged(key)
            }
            Asked::Not => {
                self.asked[at] = Asked::Usual;
                Known::Usual
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Availability;
    use crate::money::Currency;

    fn record() -> FeedRecord {
        FeedRecord {
            line: 2,
            item_id: "A1".into(),
            title: "Satin ballet flats".into(),
            description: None,
            brand: Some("Arket".into()),
            retailer: None,
            link: None,
            image_links: vec![],
            price: Money {
                currency: Currency::from_code("GBP").unwrap(),
                minor: 13500,
            },
            sale_price: None,
            availability: Availability::InStock,
            gtin: None,
            mpn: None,
            condition: None,
            google_product_category: None,
            product_type: None,
            item_group_id: None,
            colours: vec!["black".into()],
            sizes: vec![],
            gender: None,
            age_group: None,
            materials: vec![],
            pattern: None,
            warnings: vec![],
            observations: vec![],
        }
    }

    #[test]
    fn a_fingerprint_follows_the_row_and_its_context_but_not_its_line() {
        let prints = Fingerprinter::new("t1", 7, None, "Arket");
        let base = prints.of(&record());
        let mut moved = record();
        moved.line = 900;
        assert_eq!(prints.of(&moved), base);
        let mut cheaper = record();
        cheaper.price.minor = 9900;
        assert_ne!(prints.of(&cheaper), base);
        // The same words in two fields are two different rows.
        let mut shifted = record();
        shifted.colours = vec![];
        shifted.materials = vec!["black".into()];
        assert_ne!(prints.of(&shifted), base);
        assert_ne!(
            Fingerprinter::new("t2", 7, None, "Arket").of(&record()),
            base
        );
        assert_ne!(
            Fingerprinter::new("t1", 8, None, "Arket").of(&record()),
            base
        );
        assert_ne!(
            Fingerprinter::new("t1", 7, Some("us"), "Arket").of(&record()),
            base
        );
    }

    #[test]
    fn an_offer_is_unchanged_once_per_ingest() {
        let mut known = KnownOffers::new(vec![
            (KnownOffers::item_hash("A1"), 11, 1),
            (KnownOffers::item_hash("B2"), 22, 2),
            (KnownOffers::item_hash("D4"), 44, 4),
        ]);
        assert_eq!(known.ask("B2", 99, true), Known::Usual);
        assert_eq!(known.ask("A1", 11, true), Known::Unchanged(1));
        assert_eq!(known.ask("A1", 11, true), Known::Repeated(1));
        // A row that went the usual way is found there when repeated.
        assert_eq!(known.ask("B2", 22, true), Known::Usual);
        assert_eq!(known.ask("C3", 11, true), Known::Usual);
        // A row with dated observations never takes the quick way, but counts as asking.
        assert_eq!(known.ask("D4", 44, false), Known::Usual);
        assert_eq!(known.ask("D4", 44, true), Known::Usual);
    }

    #[test]
    fn every_known_offer_is_found_through_the_directory() {
        let ids: Vec<String> = (0..5000).map(|i| format!("item-{i}")).collect();
        let offers = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (KnownOffers::item_hash(id), i as u64, i as i64))
            .collect();
        let mut known = KnownOffers::new(offers);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(
                known.ask(id, i as u64, true),
                Known::Unchanged(i as i64),
                "{id}"
            );
        }
        assert_eq!(KnownOffers::new(vec![]).ask("x", 0, true), Known::Usual);
    }
}
