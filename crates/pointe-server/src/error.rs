//! The API's one error shape: `{"error": {"code", "message", "field"?, "candidates"?}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pointe_app::ErrorCode;
use serde::Serialize;

/// An error answered as JSON with the status its code calls for.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    field: Option<String>,
    candidates: Vec<String>,
}

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// One error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable code: bad_parameter, unauthorized, forbidden, not_found, conflict,
    /// payload_too_large, unsupported_feed, internal.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// The parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What an unknown id might have meant.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
}

impl ApiError {
    /// An error of `code` saying `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            field: None,
            candidates: Vec::new(),
        }
    }

    /// A bad parameter named `field`.
    pub fn bad(field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            field: Some(field.to_string()),
            ..ApiError::new(
                ErrorCode::BadParameter,
                format!("{field}: {}", message.into()),
            )
        }
    }

    /// Nothing answers at this path.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, message)
    }

    /// What went wrong, for people.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The parameter at fault, when one is.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// What an unknown id might have meant.
    pub fn candidates(&self) -> &[String] {
        &self.candidates
    }

    /// The HTTP status the error is answered with.
    pub fn status(&self) -> StatusCode {
        match self.code {
            ErrorCode::BadParameter => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedFeed => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<pointe_app::Error> for ApiError {
    fn from(e: pointe_app::Error) -> ApiError {
        let code = e.code();
        if code == ErrorCode::Internal {
            // The cause goes to the log (with the request id of the span), never to the client.
            tracing::error!(error = %e, "internal error");
            return ApiError::new(code, "internal error; the server log has the details");
        }
        ApiError {
            code,
            message: e.to_string(),
            field: e.field().map(str::to_string),
            candidates: e.candidates().to_vec(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.name().to_string(),
                message: self.message,
                field: self.field,
                candidates: self.candidates,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
