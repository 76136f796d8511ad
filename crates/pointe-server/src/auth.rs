//! Bearer tokens on every write.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use pointe_core::store::{ApiToken, TokenScope};

use crate::error::ApiResult;
use crate::state::AppState;

/// The secret of an `Authorization: Bearer …` header.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| secret.trim().to_string())
}

/// The live token of the request, when it allows `scope`; 401 or 403 otherwise.
pub async fn require(
    state: &AppState,
    headers: &HeaderMap,
    scope: TokenScope,
) -> ApiResult<ApiToken> {
    let secret = bearer(headers);
    let token = state
        .blocking(move |ws| {
            let store = ws.store()?;
            pointe_app::tokens::authorise(&*store, secret.as_deref(), scope)
        })
        .await?;
    tracing::info!(token = %token.name, "authorised");
    Ok(token)
}
