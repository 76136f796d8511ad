//! How the embedded store writes a product's attributes: JSON arrays by position rather than
//! objects by field name, a label left out when it is the value's id in words, and evidence
//! fields by letter. About half the bytes of the plain form, which matters at a million
//! products (every byte is written to the log and again at the checkpoint). Stores written
//! before hold the plain form (a JSON object), which is still read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::attributes::{Attributes, Evidence, Extracted};

/// Evidence fields and the letters that stand for them.
const FIELDS: [(&str, &str); 5] = [
    ("title", "t"),
    ("description", "d"),
    ("category", "p"),
    ("colour", "c"),
    ("material", "m"),
];

/// (category, colour family, heel height, taxonomy version, values by dimension), as read.
#[derive(Deserialize)]
struct Compact(
    Option<String>,
    Option<String>,
    Option<f32>,
    String,
    BTreeMap<String, Vec<CompactValue>>,
);

/// (value id, label unless it is the id in words, parents, [(field, words)]), as read.
#[derive(Deserialize)]
struct CompactValue(String, Option<String>, Vec<String>, Vec<(String, String)>);

/// The stored text of `attributes`.
pub(super) fn encode(attributes: &Attributes) -> String {
    let compact = (
        &attributes.category,
        &attributes.colour_family,
        attributes.heel_height_cm,
        &attributes.taxonomy_version,
        Values(&attributes.values),
    );
    serde_json::to_string(&compact).expect("attributes serialise")
}

/// The values by dimension, written as [`CompactValue`]s without copying them.
struct Values<'a>(&'a BTreeMap<String, Vec<Extracted>>);

impl Serialize for Values<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(d, list)| (d, List(list))))
    }
}

/// The values of one dimension.
struct List<'a>(&'a [Extracted]);

impl Serialize for List<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(Value))
    }
}

/// One value as a [`CompactValue`].
struct Value<'a>(&'a Extracted);

impl Serialize for Value<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let e = self.0;
        let label = (!is_in_words(&e.label, &e.value)).then_some(e.label.as_str());
        let mut tuple = serializer.serialize_tuple(4)?;
        tuple.serialize_element(&e.value)?;
        tuple.serialize_element(&label)?;
        tuple.serialize_element(&e.parents)?;
        tuple.serialize_element(&Places(&e.evidence))?;
        tuple.end()
    }
}

/// Evidence as `[field letter, words]` pairs.
struct Places<'a>(&'a [Evidence]);

impl Serialize for Places<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.0
                .iter()
                .map(|ev| (field_letter(&ev.field), ev.matched.as_str())),
        )
    }
}

/// Attributes from their stored text, in either form; `None` for a text that is neither.
pub(super) fn decode(text: &str) -> Option<Attributes> {
    if text.starts_with('{') {
        return serde_json::from_str(text).ok();
    }
    let Compact(category, colour_family, heel_height_cm, taxonomy_version, values) =
        serde_json::from_str(text).ok()?;
    let values = values
        .into_iter()
        .map(|(dimension, list)| (dimension, list.into_iter().map(extracted).collect()))
        .collect();
    Some(Attributes {
        category,
        colour_family,
        values,
        heel_height_cm,
        taxonomy_version,
    })
}

fn extracted(v: CompactValue) -> Extracted {
    let CompactValue(value, label, parents, evidence) = v;
    Extracted {
        label: label.unwrap_or_else(|| in_words(&value)),
        value,
        parents,
        evidence: evidence
            .into_iter()
            .map(|(field, matched)| Evidence {
                field: field_name(field),
                matched,
            })
            .collect(),
    }
}

/// Whether `label` is `id` in words.
fn is_in_words(label: &str, id: &str) -> bool {
    label.len() == id.len()
        && label
            .bytes()
            .zip(id.bytes())
            .all(|(l, i)| (l == i && i != b'_') || (l == b' ' && i == b'_'))
}

/// A value id in words: `ballet_pink` → `ballet pink`.
fn in_words(id: &str) -> String {
    id.replace('_', " ")
}

fn field_letter(field: &str) -> &str {
    FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map_or(field, |(_, letter)| letter)
}

fn field_name(stored: String) -> String {
    FIELDS
        .iter()
        .find(|(_, letter)| *letter == stored)
        .map_or(stored, |(name, _)| (*name).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::{Extractor, Market, ProductText, Taxonomy};

    fn extract(title: &str, description: &str, colours: &[&str]) -> Attributes {
        let extractor = Extractor::new(&Taxonomy::bundled());
        let colours: Vec<String> = colours.iter().map(|c| c.to_string()).collect();
        extractor.extract(&ProductText {
            title,
            description: Some(description),
            category_path: Some("Apparel & Accessories > Shoes"),
            colours: &colours,
            materials: &[],
            brand: None,
            market: Market::Uk,
        })
    }

    #[test]
    fn attributes_read_back_as_written_in_half_the_bytes() {
        let cases = [
            extract(
                "Ballet pumps",
                "Suede ballet flats with a cut-out and a block heel",
                &["Ballet pink"],
            ),
            extract("Patent leather Mary Janes", "A 3cm heel, square toe", &[]),
            extract(
                "Oversized wool coat",
                "Double-breasted, midi length",
                &["camel"],
            ),
        ];
        for attributes in cases {
            assert!(!attributes.values.is_empty(), "{attributes:?}");
            let stored = encode(&attributes);
            assert_eq!(decode(&stored).as_ref(), Some(&attributes), "{stored}");
            let plain = serde_json::to_string(&attributes).unwrap();
            assert!(stored.len() * 10 < plain.len() * 7, "{stored} vs {plain}");
        }
    }

    #[test]
    fn the_plain_form_of_older_stores_is_still_read() {
        let attributes = extract("Satin ballet flats", "With a bow", &["black"]);
        let plain = serde_json::to_string(&attributes).unwrap();
        assert_eq!(decode(&plain), Some(attributes));
        assert_eq!(decode("not attributes"), None);
    }

    #[test]
    fn a_label_other_than_the_id_and_an_unknown_field_survive() {
        let mut attributes = extract("Ballet pumps", "", &[]);
        let value = &mut attributes.values.get_mut("category").unwrap()[0];
        value.label = "Ballet flat".into();
        value.evidence.push(Evidence {
            field: "size guide".into(),
            matched: "pumps".into(),
        });
        assert_eq!(decode(&encode(&attributes)), Some(attributes));
    }
}
