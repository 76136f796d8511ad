//! The one error type of the core library.

use std::path::PathBuf;

/// Everything that can go wrong in Pointe's core. Each variant carries what a user needs to act:
/// the file, the line, the field, the bad value.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A feed, rates file or other input file as a whole cannot be read.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(": line {l}")).unwrap_or_default())]
    BadFile {
        /// The file.
        path: PathBuf,
        /// The line (or record) where reading stopped, when known.
        line: Option<u64>,
        /// What was expected and what was found.
        message: String,
    },
    /// A bad value given by the user (an option, a date, a currency).
    #[error("{0}")]
    Usage(String),
    /// No product answers to the given id, item id or URL.
    #[error("no product {query}{}", did_you_mean(candidates))]
    UnknownProduct {
        /// What the user asked for.
        query: String,
        /// Near matches, best first.
        candidates: Vec<String>,
    },
    /// Several products answer to the given item id, URL or title.
    #[error("{query} is ambiguous: it names {}; give one of their ids", candidates.join(", "))]
    AmbiguousProduct {
        /// What the user asked for.
        query: String,
        /// The products it names, each as `id (source)`.
        candidates: Vec<String>,
    },
    /// A money value could not be read or converted.
    #[error(transparent)]
    Money(#[from] crate::money::MoneyError),
    /// No exchange rate links two currencies.
    #[error("no exchange rate from {from} to {to}")]
    NoRate {
        /// Source currency.
        from: String,
        /// Target currency.
        to: String,
    },
    /// The embedded store failed.
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The PostgreSQL store failed.
    #[error("store: {0}")]
    Postgres(#[from] ::postgres::Error),
    /// The store holds data this version cannot read.
    #[error("store: {0}")]
    Store(String),
}

fn did_you_mean(candidates: &[String]) -> String {
    if candidates.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", candidates.join(", "))
    }
}

/// The core library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A file that cannot be read as what it should be.
    pub fn bad_file(
        path: impl Into<PathBuf>,
        line: Option<u64>,
        message: impl Into<String>,
    ) -> Error {
        Error::BadFile {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}
