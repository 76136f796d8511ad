//! The PostgreSQL database several nodes share: moving an embedded catalog onto it.

use std::path::PathBuf;

use pointe_core::store::{CopyReport, PgStore, SqliteStore};

use crate::{Error, Result};

/// The embedded store `from` names (`sqlite:PATH`: a data directory, or its `pointe.db`).
fn embedded_path(from: &str) -> Result<PathBuf> {
    let Some(path) = from.strip_prefix("sqlite:") else {
        return Err(Error::bad(
            "from",
            format!("{from:?}: sqlite:PATH, the data directory or its pointe.db"),
        ));
    };
    let path = PathBuf::from(path);
    let file = match path.is_dir() {
        true => path.join("pointe.db"),
        false => path,
    };
    match file.is_file() {
        true => Ok(file),
        false => Err(Error::bad(
            "from",
            format!("{}: no embedded store there", file.display()),
        )),
    }
}

/// Copies the embedded store `from` (`sqlite:PATH`) into the new PostgreSQL database `to`
/// (`postgres://…`, migrated first), checking every table's count before it commits.
pub fn copy(from: &str, to: &str) -> Result<CopyReport> {
    let file = embedded_path(from)?;
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        return Err(Error::bad(
            "to",
            format!(
                "{}: a postgres:// address",
                pointe_core::store::redacted_database_url(to)
            ),
        ));
    }
    let embedded = SqliteStore::open(&file)?;
    let mut server = PgStore::connect(to)?;
    Ok(server.copy_from_sqlite(&embedded, &file)?)
}
