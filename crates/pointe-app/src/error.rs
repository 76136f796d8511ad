//! The application layer's error: what went wrong, with a stable code front ends map to exit
//! codes and HTTP statuses.

use serde::Serialize;

/// An application error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter the caller gave is malformed or out of range; `field` names it.
    #[error("{field}: {message}")]
    BadParameter {
        /// The parameter, as the front end names it (`currency`, `--currency`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// No credentials, or credentials that authorise nothing.
    #[error("{0}")]
    Unauthorized(String),
    /// Credentials that do not allow this use.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing of that name is stored (a trend term, an aesthetic, a page not ours); `candidates`
    /// lists what is.
    #[error("{message}")]
    NotFound {
        /// What was not found, for people.
        message: String,
        /// What the name might have meant.
        candidates: Vec<String>,
    },
    /// The request conflicts with what is stored (a name already taken).
    #[error("{0}")]
    Conflict(String),
    /// No edit has the slug asked for; `candidates` are the slugs there are.
    #[error("no edit {slug:?}; edits: {}", if candidates.is_empty() { "none yet".to_string() } else { candidates.join(", ") })]
    UnknownEdit {
        /// The slug asked for.
        slug: String,
        /// The slugs stored.
        candidates: Vec<String>,
    },
    /// A feed whose layout Pointe does not read.
    #[error("{0}")]
    UnsupportedFeed(String),
    /// The core library failed or refused the input (bad file, unknown product, store).
    #[error(transparent)]
    Core(#[from] pointe_core::Error),
    /// The search index failed.
    #[error(transparent)]
    Search(#[from] pointe_search::Error),
}

/// The result type of the application layer.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The stable codes of [`Error`], as the API documents them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A bad parameter (HTTP 400, exit 1).
    BadParameter,
    /// No valid token (HTTP 401).
    Unauthorized,
    /// A token without the scope (HTTP 403).
    Forbidden,
    /// An unknown product, edit or term (HTTP 404, exit 2).
    NotFound,
    /// A conflict with what is stored (HTTP 409).
    Conflict,
    /// A body over the limit (HTTP 413).
    PayloadTooLarge,
    /// A feed layout Pointe does not read (HTTP 415).
    UnsupportedFeed,
    /// Anything else (HTTP 500; logged, never shown).
    Internal,
}

impl ErrorCode {
    /// The code as JSON writes it.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::BadParameter => "bad_parameter",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedFeed => "unsupported_feed",
            ErrorCode::Internal => "internal",
        }
    }
}

impl Error {
    /// Nothing stored under a name, with nothing to suggest.
    pub fn not_found(message: impl Into<String>) -> Error {
        Error::NotFound {
            message: message.into(),
            candidates: Vec::new(),
        }
    }

    /// A bad parameter named `field`.
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::BadParameter {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The error's stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::BadParameter { .. } => ErrorCode::BadParameter,
            Error::Unauthorized(_) => ErrorCode::Unauthorized,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::UnknownEdit { .. } => ErrorCode::NotFound,
            Error::UnsupportedFeed(_) => ErrorCode::UnsupportedFeed,
            Error::Core(c) | Error::Search(pointe_search::Error::Core(c)) => Error::core_code(c),
            Error::Search(pointe_search::Error::Usage(_)) => ErrorCode::BadParameter,
            Error::Search(_) => ErrorCode::Internal,
        }
    }

    fn core_code(c: &pointe_core::Error) -> ErrorCode {
        use pointe_core::Error as Core;
        match c {
            Core::UnknownProduct { .. } | Core::AmbiguousProduct { .. } => ErrorCode::NotFound,
            Core::BadFile { message, .. }
                if message.starts_with(pointe_core::feed::UNKNOWN_LAYOUT) =>
            {
                ErrorCode::UnsupportedFeed
            }
            Core::Usage(_) | Core::BadFile { .. } | Core::Money(_) | Core::NoRate { .. } => {
                ErrorCode::BadParameter
            }
            _ => ErrorCode::Internal,
        }
    }

    /// The parameter at fault, when one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::BadParameter { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The products an unknown or ambiguous id might have meant.
    pub fn candidates(&self) -> &[String] {
        use pointe_core::Error as Core;
        let core = match self {
            Error::UnknownEdit { candidates, .. } | Error::NotFound { candidates, .. } => {
                return candidates;
            }
            Error::Core(c) | Error::Search(pointe_search::Error::Core(c)) => c,
            _ => return &[],
        };
        match core {
            Core::UnknownProduct { candidates, .. } | Core::AmbiguousProduct { candidates, .. } => {
                candidates
            }
            _ => &[],
        }
    }
}
