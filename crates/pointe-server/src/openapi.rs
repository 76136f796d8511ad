//! The OpenAPI document, generated from the handlers' annotations. A copy is checked in at
//! `docs/openapi.json`; a test fails when the two drift.

use utoipa::OpenApi;

use crate::constraints::Constraints;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pointe API",
        description = "Products, look-alikes, trends and shoppable edits over one Pointe catalog. \
                       Reads are public; every write needs a bearer token (`pointe token create`).",
    ),
    paths(
        crate::routes::system::health,
        crate::routes::system::status,
        crate::routes::products::list,
        crate::routes::products::show,
        crate::routes::lookalikes::of_product,
        crate::routes::lookalikes::of_text,
        crate::routes::trends::list,
        crate::routes::trends::show,
        crate::routes::trends::post,
        crate::routes::feeds::post,
        crate::routes::edits::list,
        crate::routes::edits::create,
        crate::routes::edits::show,
        crate::routes::edits::update,
        crate::routes::edits::widget_html,
        crate::routes::edits::widget_md,
        crate::routes::edits::widget_json,
        crate::routes::edits::refresh,
        crate::routes::sources::list,
        crate::routes::sources::add,
        crate::routes::sources::show,
        crate::routes::sources::remove,
        crate::routes::sources::run,
        crate::routes::watches::list,
        crate::routes::watches::add,
        crate::routes::watches::remove,
        crate::routes::watches::alerts,
        crate::routes::pages::page,
        crate::routes::pages::oembed,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&Bearer, &Constraints),
)]
struct ApiDoc;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as pretty JSON.
pub fn document() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
