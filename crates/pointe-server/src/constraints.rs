//! The bounds the handlers enforce, written into the OpenAPI document's parameter schemas,
//! so that a client (and schemathesis, `scripts/api-fuzz`) knows before calling which values
//! are refused with a 400. The numbers are the handlers' own constants.

use pointe_app::search::GENDERS;
use pointe_core::attributes::Taxonomy;
use pointe_core::fx::RateTable;
use pointe_core::money::Currency;
use pointe_core::tiers::Tiers;
use utoipa::Number;
use utoipa::openapi::schema::{KnownFormat, Object, Schema, SchemaFormat};
use utoipa::openapi::{OpenApi, RefOr};

use crate::routes::{lookalikes, products};

/// What one query or path parameter accepts.
enum Rule {
    /// A whole number in a range.
    Range(usize, usize),
    /// A string matching a regular expression (JSON Schema: a search, not a full match).
    Pattern(String),
    /// One of these strings.
    OneOf(Vec<String>),
    /// A calendar date, YYYY-MM-DD.
    Date,
    /// An RFC 3339 date and time.
    DateTime,
    /// A string matching a regular expression, of at most so many characters.
    Text(String, usize),
}

/// A price as most callers write it: a number (from 1, thousands with commas, pence after a
/// point) with a leading `£`, `€` or `$` or a trailing GBP, EUR or USD. Pointe reads more
/// (`1 099,00 €`, `Rs. 2,499`); these always parse.
/// A blank value means none.
const PRICE: &str = r"^(([£€$]?AMOUNT)|(AMOUNT ?(GBP|EUR|USD)))?$";

/// The number in [`PRICE`], above zero: commas between every group of three or none.
const AMOUNT: &str =
    r"(([1-9][0-9]{0,2}(,[0-9]{3}){1,2}|[1-9][0-9]{0,8})(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))";

/// The rule for the parameter `name` of the operation at `path`, if any. A blank value of
/// a choice means its default, so `""` is among the choices.
fn rule(path: &str, name: &str) -> Option<Rule> {
    Some(match name {
        "slug" => Rule::Pattern(slug_pattern()),
        "currency" if path == "/api/v1/feeds" => choice(Currency::all().map(|c| c.code().into())),
        "currency" => choice(display_currencies()),
        "gender" => choice(GENDERS.iter().map(|g| g.to_string())),
        "tier" => choice(Tiers::bundled().names().into_iter().map(String::from)),
        "sort" => {
            choice(["relevance", "price", "price-asc", "-price", "price-desc"].map(String::from))
        }
        "market" => choice(["uk", "us", "UK", "US"].map(String::from)),
        "category" | "colour" | "material" => {
            choice(Taxonomy::bundled().values(name).map(|v| v.id.clone()))
        }
        "max_price" | "min_price" => Rule::Pattern(PRICE.replace("AMOUNT", AMOUNT)),
        "min_saving" => Rule::Pattern(
            PRICE
                .replace("AMOUNT", AMOUNT)
                .replace("^(", "^([1-9]?[0-9]%|"),
        ),
        "at" => Rule::Date,
        "limit" if path == "/api/v1/alerts" => Rule::Range(1, crate::routes::watches::MAX_ALERTS),
        "limit" => Rule::Range(1, lookalikes::MAX_LIMIT),
        "per_brand" => Rule::Range(1, lookalikes::MAX_PER_BRAND),
        "per_page" => Rule::Range(1, products::MAX_PER_PAGE),
        "page" => Rule::Range(1, products::MAX_PAGE),
        "window" => Rule::Range(2, crate::routes::trends::MAX_WINDOW),
        "maxwidth" | "maxheight" => Rule::Range(1, crate::routes::pages::MAX_DIMENSION),
        "format" if path == "/oembed" => Rule::OneOf(vec!["json".into()]),
        "text" | "url" => Rule::Pattern(r"\S".into()),
        "runs" => Rule::Range(1, crate::routes::sources::MAX_RUNS),
        "since" => Rule::DateTime,
        "id" if path.starts_with("/api/v1/watches/") => Rule::Pattern("^w[1-9][0-9]{0,17}$".into()),
        "name" if path.starts_with("/api/v1/sources/") => {
            Rule::Text(SOURCE_NAME.into(), pointe_app::sources::MAX_NAME)
        }
        _ => return None,
    })
}

/// A source's name: none of its characters a control character, not all of them white space
/// (and at most [`pointe_app::sources::MAX_NAME`] of them).
const SOURCE_NAME: &str =
    r"^[^\x00-\x1f\x7f-\x9f]{0,199}[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]{0,199}$";

/// The currencies prices can be shown in: the euro and every currency the bundled exchange
/// rates quote.
fn display_currencies() -> impl Iterator<Item = String> {
    let rates = RateTable::bundled();
    let quoted: Vec<String> = rates.currencies().map(|c| c.code().to_string()).collect();
    std::iter::once("EUR".to_string()).chain(quoted)
}

/// An edit's slug: 1 to [`pointe_app::edits::MAX_SLUG`] ASCII letters, digits, `-` and `_`.
pub fn slug_pattern() -> String {
    format!("^[A-Za-z0-9_-]{{1,{}}}$", pointe_app::edits::MAX_SLUG)
}

fn choice(values: impl IntoIterator<Item = String>) -> Rule {
    Rule::OneOf(std::iter::once(String::new()).chain(values).collect())
}

fn apply(rule: &Rule, schema: &mut Object) {
    match rule {
        Rule::Range(min, max) => {
            schema.minimum = Some(Number::UInt(*min));
            schema.maximum = Some(Number::UInt(*max));
        }
        Rule::Pattern(p) => schema.pattern = Some(p.clone()),
        Rule::OneOf(values) => {
            schema.enum_values = Some(values.iter().map(|v| v.as_str().into()).collect());
        }
        Rule::Date => schema.format = Some(SchemaFormat::KnownFormat(KnownFormat::Date)),
        Rule::DateTime => {
            schema.format = Some(SchemaFormat::KnownFormat(KnownFormat::DateTime));
        }
        Rule::Text(p, max) => {
            schema.pattern = Some(p.clone());
            schema.max_length = Some(*max);
        }
    }
}

/// Writes every [`rule`] into the document.
#[derive(Debug)]
pub struct Constraints;

impl utoipa::Modify for Constraints {
    fn modify(&self, doc: &mut OpenApi) {
        for (path, item) in doc.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ];
            for op in operations.into_iter().flatten() {
                for param in op.parameters.iter_mut().flatten() {
                    let (Some(rule), Some(RefOr::T(Schema::Object(schema)))) =
                        (rule(path, &param.name), param.schema.as_mut())
                    else {
                        continue;
                    };
                    apply(&rule, schema);
                }
            }
        }
    }
}
