//! Errors as pages: a 404 offers what the address might have meant, a 400 names the
//! parameter at fault, an internal error says only that the log has the details.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::view::{Html, Layout, Link, segment};
use crate::error::ApiError;

/// An error answered as a page with the status its cause calls for.
#[derive(Debug)]
pub struct PageError(Box<ErrorPage>);

#[derive(Debug, Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: StatusCode,
    heading: &'static str,
    message: String,
    field: Option<String>,
    candidates: Vec<Link>,
}

impl PageError {
    /// The page of an internal error; the cause is logged where it happened.
    pub fn internal() -> PageError {
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; the server log has the details".into(),
        )
    }

    fn new(status: StatusCode, message: String) -> PageError {
        let heading = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::BAD_REQUEST => "That address asks for something Pointe cannot read",
            StatusCode::INTERNAL_SERVER_ERROR => "Something went wrong",
            StatusCode::UNAUTHORIZED => "Sign-in needed",
            StatusCode::FORBIDDEN => "Not allowed",
            _ => "That did not work",
        };
        PageError(Box::new(ErrorPage {
            layout: Layout::new(heading, ""),
            status,
            heading,
            message,
            field: None,
            candidates: Vec::new(),
        }))
    }

    /// The page of a form Pointe could not read: `status` as the rejection says (400 for a
    /// missing or unreadable field, named when the reader names it).
    pub fn form(status: StatusCode, message: String) -> PageError {
        let field = message
            .split('`')
            .nth(1)
            .filter(|f| !f.is_empty() && f.len() <= 64)
            .map(str::to_string);
        let mut page = PageError::new(status, message);
        page.0.heading = "That form could not be read";
        page.0.field = field;
        page
    }

    /// The page of an address nothing answers at, offering the workspace's pages.
    pub fn no_route() -> PageError {
        let mut page = PageError::new(StatusCode::NOT_FOUND, "Nothing is at this address.".into());
        page.0.candidates = [
            ("/", "Search"),
            ("/trends", "Trends"),
            ("/edits", "Edits"),
            ("/status", "Status"),
        ]
        .iter()
        .map(|(href, text)| Link {
            href: href.to_string(),
            text: text.to_string(),
        })
        .collect();
        page
    }

    /// The error with its candidates linked under `base` (`/products/`, `/trends/`): an
    /// ambiguous product's candidate reads "pt-… (source …: title)" and links to its id.
    pub fn candidates_under(mut self, base: &str, candidates: &[String]) -> PageError {
        self.0.candidates = candidates
            .iter()
            .map(|c| {
                let id = c.split(" (").next().unwrap_or(c);
                Link {
                    href: format!("{base}{}", segment(id)),
                    text: c.clone(),
                }
            })
            .collect();
        self
    }

    /// The error with `api`'s candidates linked under `base`.
    pub fn from_api(api: ApiError, base: &str) -> PageError {
        let candidates = api.candidates().to_vec();
        PageError::from(api).candidates_under(base, &candidates)
    }
}

impl From<ApiError> for PageError {
    fn from(api: ApiError) -> PageError {
        let mut page = PageError::new(api.status(), api.message().to_string());
        page.0.field = api.field().map(str::to_string);
        page
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status;
        match self.0.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "the error page failed to render");
                status.into_response()
            }
        }
    }
}

/// A form body, as [`axum::Form`] reads it, refused with an HTML page naming the field (not
/// axum's plain-text 422).
pub struct PageForm<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for PageForm<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, PageError> {
        use axum::extract::rejection::FormRejection;
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(PageForm(value)),
            Err(FormRejection::FailedToDeserializeFormBody(e)) => {
                Err(PageError::form(StatusCode::BAD_REQUEST, e.body_text()))
            }
            Err(e) => Err(PageError::form(e.status(), e.body_text())),
        }
    }
}

/// The result of a page handler.
pub type PageResult<T> = Result<T, PageError>;
