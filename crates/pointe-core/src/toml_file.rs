//! Pointe's own TOML files (taxonomy, tiers, brands, aesthetics, affiliate templates, column
//! mappings): parsing with errors that name the file and the line, and the copy of a bundled
//! file that a data directory may hold.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> u64 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

/// `text` read as TOML; an error names `path` (or whatever names the text) and the line.
pub fn parse<T: DeserializeOwned>(text: &str, path: impl Into<PathBuf>) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        Error::bad_file(path, line, e.message().trim().to_string())
    })
}

/// The text and path of `<data_dir>/<name>` when there is such a file.
pub fn data_dir_copy(data_dir: Option<&Path>, name: &str) -> Result<Option<(String, PathBuf)>> {
    let Some(dir) = data_dir else {
        return Ok(None);
    };
    let path = dir.join(name);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    Ok(Some((text, path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct File {
        name: String,
    }

    #[test]
    fn errors_name_the_file_and_line() {
        assert_eq!(line_of("a\nb\nc", 4), 3);
        let err = parse::<File>("# note\nname = 3\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.toml") && err.contains('2'), "{err}");
    }

    #[test]
    fn a_data_dir_copy_is_read_only_when_present() {
        let dir = tempfile::tempdir().unwrap();
        assert!(data_dir_copy(Some(dir.path()), "t.toml").unwrap().is_none());
        assert!(data_dir_copy(None, "t.toml").unwrap().is_none());
        std::fs::write(dir.path().join("t.toml"), "name = \"a\"").unwrap();
        let (text, path) = data_dir_copy(Some(dir.path()), "t.toml").unwrap().unwrap();
        assert_eq!(
            (text.as_str(), path),
            ("name = \"a\"", dir.path().join("t.toml"))
        );
    }
}
