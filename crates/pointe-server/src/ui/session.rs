//! The editor's session: the API token entered once into a form and kept in a cookie the
//! page's script could not read (there is none) and no other site can send (`Secure;
//! HttpOnly; SameSite=Strict`). Every write form carries a CSRF token derived from it, so a
//! form posted without the page that showed it is refused even if the cookie were sent.

use axum::extract::State;
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pointe_app::ErrorCode;
use pointe_core::store::TokenScope;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::error::{PageError, PageForm, PageResult};
use crate::error::ApiError;
use crate::state::AppState;

/// The cookie's name.
pub const COOKIE_NAME: &str = "pointe_session";

/// The token the request's cookie holds, if any.
pub fn secret(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The CSRF token of a session: a digest of its secret, so it needs no storage and changes
/// with the token.
pub fn csrf(secret: &str) -> String {
    let digest = Sha256::digest(format!("pointe-csrf\0{secret}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The session's secret when its token may write edits: 401 without one, 403 for a token
/// of another scope.
pub async fn require(state: &AppState, headers: &HeaderMap) -> PageResult<String> {
    let secret = secret(headers);
    let checked = secret.clone();
    state
        .blocking(move |ws| {
            let store = ws.store()?;
            pointe_app::tokens::authorise(&*store, checked.as_deref(), TokenScope::ReadWrite)
        })
        .await?;
    secret.ok_or_else(PageError::internal)
}

/// As [`require`], and the form's CSRF token must be the session's.
pub async fn require_form(state: &AppState, headers: &HeaderMap, sent: &str) -> PageResult<()> {
    let secret = require(state, headers).await?;
    if !same(csrf(&secret).as_bytes(), sent.as_bytes()) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "the form is out of date or did not come from Pointe; reload the page and try again",
        )
        .into());
    }
    Ok(())
}

/// Whether `a` and `b` are equal, in a time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// What the sign-in form sends.
#[derive(Debug, Deserialize)]
pub struct SignIn {
    token: String,
    #[serde(default)]
    next: String,
}

/// `POST /session`: checks the token and keeps it in the session cookie, then goes back to
/// the page that asked (a path on this site only).
pub async fn sign_in(
    State(state): State<AppState>,
    PageForm(form): PageForm<SignIn>,
) -> PageResult<Response> {
    let token = form.token.trim().to_string();
    let checked = token.clone();
    state
        .blocking(move |ws| {
            let store = ws.store()?;
            pointe_app::tokens::authorise(&*store, Some(&checked), TokenScope::ReadWrite)
        })
        .await?;
    let cookie = format!("{COOKIE_NAME}={token}; Path=/; Secure; HttpOnly; SameSite=Strict");
    let cookie =
        HeaderValue::from_str(&cookie).map_err(|_| ApiError::bad("token", "not a token"))?;
    let mut response = see_other(local_path(&form.next));
    response.headers_mut().insert(SET_COOKIE, cookie);
    Ok(response)
}

/// `next` when it is a path on this site, else the edits list.
fn local_path(next: &str) -> &str {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    if local { next } else { "/edits" }
}

/// A 303 to `path`, the answer to a form that changed something.
pub fn see_other(path: &str) -> Response {
    match HeaderValue::from_str(path) {
        Ok(location) => (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response(),
        Err(_) => PageError::internal().into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others_and_only_local_paths_are_followed() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; pointe_session=pt_abc; b=2"),
        );
        assert_eq!(secret(&headers).as_deref(), Some("pt_abc"));
        assert_ne!(csrf("pt_abc"), csrf("pt_abd"));
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"abc", b"ab"));
        assert_eq!(local_path("/edits/x/builder"), "/edits/x/builder");
        for hostile in ["//evil.example", "https://evil.example", "/\\evil", ""] {
            assert_eq!(local_path(hostile), "/edits", "{hostile}");
        }
    }
}
