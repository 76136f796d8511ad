//! JSON request bodies: size-limited, an object, and a field serde cannot read named.

use axum::body::Body;
use pointe_app::ErrorCode;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

/// The body as `T`, refused past `limit` bytes; a value serde cannot read names its field.
pub async fn json_body<T: DeserializeOwned>(body: Body, limit: usize) -> ApiResult<T> {
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body is larger than {limit} bytes"),
        )
    })?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad("body", format!("not JSON: {e}")))?;
    check_shape(&value)?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = field_of(&e);
        ApiError::bad(&field, e.inner().to_string())
    })
}

/// Refuses a body serde would read into a request other than as written: a request body is
/// an object, and its only lists are lists of objects (an edit's picks), but serde also reads
/// a struct from a list of its fields in order (`[]` would be an empty change).
fn check_shape(value: &serde_json::Value) -> ApiResult<()> {
    if !value.is_object() {
        return Err(ApiError::bad("body", "the body must be a JSON object"));
    }
    for (name, field) in value.as_object().into_iter().flatten() {
        if let Some(items) = field.as_array()
            && let Some(at) = items.iter().position(|item| !item.is_object())
        {
            return Err(ApiError::bad(
                &format!("{name}[{at}]"),
                "each item must be a JSON object",
            ));
        }
    }
    Ok(())
}

/// The field a serde error is about: its path, or the field a missing or unknown field
/// message names at the top level, or `body` for JSON that does not parse.
fn field_of(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    if e.inner().is_syntax() || e.inner().is_eof() {
        return "body".into();
    }
    let path = e.path().to_string();
    let message = e.inner().to_string();
    let named = |prefix: &str| {
        message
            .split_once(prefix)
            .and_then(|(_, rest)| rest.split('`').next())
            .map(str::to_string)
    };
    match (
        path.as_str(),
        named("missing field `"),
        named("unknown field `"),
    ) {
        (".", Some(name), _) | (".", None, Some(name)) => name,
        (".", None, None) => "body".into(),
        (p, Some(name), _) => format!("{p}.{name}"),
        (p, None, _) => p.to_string(),
    }
}
