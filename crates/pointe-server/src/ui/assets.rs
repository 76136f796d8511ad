//! The stylesheet and the builder's script, compiled into the binary and served by Pointe with a long cache life:
//! pages link each under an address that carries a hash of its bytes, so a new build's
//! is a new address. And the icon browsers ask every site for.

use std::sync::LazyLock;

use axum::extract::RawQuery;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;

/// The stylesheet's route.
pub const CSS_PATH: &str = "/assets/pointe.css";

const CSS: &str = include_str!("assets/pointe.css");

/// The address pages link the stylesheet under: its route and a hash of its bytes.
pub static CSS_HREF: LazyLock<String> =
    LazyLock::new(|| format!("{CSS_PATH}?v={:016x}", fnv1a(CSS.as_bytes())));

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `GET /assets/pointe.css`: the stylesheet, cached for a year (its address changes with
/// its bytes).
pub async fn css(RawQuery(_version): RawQuery) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        CSS,
    )
}

/// The builder's script's route.
pub const BUILDER_JS_PATH: &str = "/assets/builder.js";

const BUILDER_JS: &str = include_str!("assets/builder.js");

/// The address the builder loads its script from: its route and a hash of its bytes.
pub static BUILDER_JS_SRC: LazyLock<String> =
    LazyLock::new(|| format!("{BUILDER_JS_PATH}?v={:016x}", fnv1a(BUILDER_JS.as_bytes())));

/// `GET /assets/builder.js`: the builder's drag-to-reorder, cached for a year like the
/// stylesheet.
pub async fn builder_js(RawQuery(_version): RawQuery) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        BUILDER_JS,
    )
}

/// Where browsers look for a site's icon without being told.
pub const ICON_PATH: &str = "/favicon.ico";

const ICON: &str = include_str!("assets/icon.svg");

/// `GET /favicon.ico`: Pointe's icon, an SVG, cached for a day. Browsers ask every site for
/// one and log an error in the console of any page whose site answers 404.
pub async fn icon() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "image/svg+xml"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
}
