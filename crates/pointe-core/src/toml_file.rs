//! Pointe's own TOML files (taxonomy, tiers, brands, aesthetics, affiliate templates, column
//! mappings, look-alike weights): reading them within a size cap, parsing with errors that name
//! the file and the line, and the copy of a bundled file that a data directory may hold.

use std::io::Read;
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

/// The largest configuration file read, in bytes. The biggest Pointe ships (the taxonomy) is
/// under 40 KB; a file past this cap (`--mapping /dev/zero`, a log given by mistake) is refused
/// before it fills memory.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a configuration file as UTF-8 text, at most [`MAX_CONFIG_BYTES`]; an error names the
/// file and says which bound it passed.
pub fn read_config(path: &Path) -> Result<String> {
    read_capped(path, MAX_CONFIG_BYTES)
}

/// Reads a text file of at most `limit` bytes: however large or endless the file (a device, a
/// pipe), no more than `limit + 1` bytes are read.
pub fn read_capped(path: &Path, limit: u64) -> Result<String> {
    let bytes = read_capped_bytes(path, limit, "a configuration file")?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = line_of(&String::from_utf8_lossy(&e.as_bytes()[..offset]), offset);
        Error::bad_file(path, Some(line), "not UTF-8: save the file as UTF-8")
    })
}

/// Reads a file of at most `limit` bytes, whatever it is (`kind` names what it should be in
/// the error: "a trend export"); no more than `limit + 1` bytes are read.
pub fn read_capped_bytes(path: &Path, limit: u64, kind: &str) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::bad_file(
            path,
            None,
            format!(
                "larger than {limit} bytes: {kind} is a few kilobytes, so this one is not read"
            ),
        ));
    }
    Ok(bytes)
}

/// The text and path of `<data_dir>/<name>` when there is such a file, read within
/// [`MAX_CONFIG_BYTES`].
pub fn data_dir_copy(data_dir: Option<&Path>, name: &str) -> Result<Option<(String, PathBuf)>> {
    let Some(dir) = data_dir else {
        return Ok(None);
    };
    let path = dir.join(name);
    if !path.exists() {
        return Ok(None);
    }
    let text = read_config(&path)?;
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
    fn an_endless_config_file_is_refused_after_its_cap() {
        let err = read_capped(Path::new("/dev/zero"), 1024)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "/dev/zero: larger than 1024 bytes: a configuration file is a few kilobytes, so this one is not read"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        std::fs::write(&path, "a = 1\n".repeat(200)).unwrap();
        assert!(read_capped(&path, 1200).is_ok());
        assert!(read_capped(&path, 1199).is_err());
        std::fs::write(&path, b"a = \"caf\xE9\"\n").unwrap();
        let err = read_config(&path).unwrap_err().to_string();
        assert!(
            err.ends_with("line 1: not UTF-8: save the file as UTF-8"),
            "{err}"
        );
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
