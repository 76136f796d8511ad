//! The index directory on disk, shared by every command running at once.
//!
//! ```text
//! <data-dir>/index/
//!   CURRENT          the name of the live version, one line; replaced by a rename
//!   build.lock       locked (advisory, exclusive) by the one command building or updating
//!   v<generation>-<pid>-<nanos>/
//!     readers.lock   locked (shared) by every command reading this version
//!     pointe-index.json, meta.json, segment files …
//! ```
//!
//! A version is built whole once; after that only the live one changes, by tantivy commits
//! of the store's changes ([`crate::catch_up`]), each atomic (tantivy renames its meta file
//! into place), made under the build lock. A reader keeps reading the commit it opened. A
//! builder writes a new version beside the live one, syncs it, then points `CURRENT` at it (a new file renamed over the old one, so a
//! reader sees the old name or the new one, never half of either). It then removes every
//! other version no reader holds (it takes the version's lock without waiting, and skips it
//! when a reader has it), and what a killed build or an older layout left. A reader reads
//! `CURRENT`, locks that version shared and keeps the lock as long as it reads it; should the
//! version have been removed just before it locked it, it reads `CURRENT` again.
//!
//! Locks are `flock(2)` locks on open files: the kernel releases them when their command
//! ends, killed or not, so a crashed builder never blocks the next one.

use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::index::META_FILE;
use crate::{Error, Result};

/// The file naming the live version.
const CURRENT: &str = "CURRENT";
/// The file a builder locks.
const BUILD_LOCK: &str = "build.lock";
/// The file, inside a version, that its readers lock.
const READERS_LOCK: &str = "readers.lock";

/// The index directory of one data directory.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    root: PathBuf,
}

/// The build lock, held until dropped: while one command holds it, no other builds.
#[derive(Debug)]
pub(crate) struct BuildLock {
    _file: File,
}

/// A reader's hold on a version, kept as long as the version is read: a held version is never
/// removed.
#[derive(Debug)]
pub(crate) struct ReaderHold {
    _file: File,
}

impl Layout {
    /// The layout rooted at `root` (`<data-dir>/index`); nothing is created yet.
    pub(crate) fn new(root: &Path) -> Layout {
        Layout {
            root: root.to_path_buf(),
        }
    }

    /// The index directory.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of the version `name`.
    pub(crate) fn version_dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The name of the live version, or `None` when no version was ever published.
    pub(crate) fn current(&self) -> Result<Option<String>> {
        let path = self.root.join(CURRENT);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let name = text.trim();
        if !is_version_name(name) {
            return Err(Error::Usage(format!(
                "{}: {name:?} is not an index version",
                path.display()
            )));
        }
        Ok(Some(name.to_string()))
    }

    /// Takes the build lock, waiting for another builder to finish first.
    pub(crate) fn wait_for_build(&self) -> Result<BuildLock> {
        let (file, path) = self.build_lock_file()?;
        file.lock().map_err(|e| Error::io(&path, e))?;
        Ok(BuildLock { _file: file })
    }

    /// Takes the build lock, or `None` when another command holds it.
    pub(crate) fn try_build(&self) -> Result<Option<BuildLock>> {
        let (file, path) = self.build_lock_file()?;
        match file.try_lock() {
            Ok(()) => Ok(Some(BuildLock { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(Error::io(&path, e)),
        }
    }

    fn build_lock_file(&self) -> Result<(File, PathBuf)> {
        std::fs::create_dir_all(&self.root).map_err(|e| Error::io(&self.root, e))?;
        let path = self.root.join(BUILD_LOCK);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        Ok((file, path))
    }

    /// Creates the directory of a new version of the store's `generation`, with its readers'
    /// lock file; returns its name.
    pub(crate) fn new_version(&self, _lock: &BuildLock, generation: u64) -> Result<String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let name = format!("v{generation}-{}-{nanos}", std::process::id());
        let dir = self.version_dir(&name);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let lock = dir.join(READERS_LOCK);
        File::create(&lock).map_err(|e| Error::io(&lock, e))?;
        Ok(name)
    }

    /// Makes the version `name` (complete, its files synced) the live one.
    pub(crate) fn publish(&self, _lock: &BuildLock, name: &str) -> Result<()> {
        sync_dir(&self.version_dir(name))?;
        let tmp = self.root.join(format!("{CURRENT}.tmp"));
        let mut file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        writeln!(file, "{name}")
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io(&tmp, e))?;
        let current = self.root.join(CURRENT);
        std::fs::rename(&tmp, &current).map_err(|e| Error::io(&current, e))?;
        sync_dir(&self.root)
    }

    /// Holds the version `name` for reading; `None` when it is gone (removed after `CURRENT`
    /// was read) or incomplete.
    pub(crate) fn hold(&self, name: &str) -> Result<Option<ReaderHold>> {
        let dir = self.version_dir(name);
        let path = dir.join(READERS_LOCK);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        // A remover holds the lock exclusively only while it removes the directory.
        file.lock_shared().map_err(|e| Error::io(&path, e))?;
        if !dir.join(META_FILE).exists() {
            return Ok(None);
        }
        Ok(Some(ReaderHold { _file: file }))
    }

    /// Removes every version but `keep` that no reader holds, and whatever else the directory
    /// holds that is not the layout's (a killed build's version, an older layout's files).
    /// A failure is logged: what is left is removed by a later build.
    pub(crate) fn clean(&self, _lock: &BuildLock, keep: &str) {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return;
        };
        for entry in entries.filter_map(|e| e.ok()) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == keep || name == CURRENT || name == BUILD_LOCK {
                continue;
            }
            let path = entry.path();
            let removed = if path.is_dir() {
                remove_unheld(&path)
            } else {
                std::fs::remove_file(&path)
            };
            if let Err(e) = removed {
                tracing::warn!("search index: cannot remove {}: {e}", path.display());
            }
        }
        self.clean_legacy_builds();
    }

    /// Removes the build directories an older layout left beside the index
    /// (`.index.building-<pid>`).
    fn clean_legacy_builds(&self) {
        let (Some(parent), Some(root_name)) = (self.root.parent(), self.root.file_name()) else {
            return;
        };
        let prefix = format!(".{}.building-", root_name.to_string_lossy());
        let Ok(entries) = std::fs::read_dir(parent) else {
            return;
        };
        for entry in entries.filter_map(|e| e.ok()) {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                std::fs::remove_dir_all(entry.path()).ok();
            }
        }
    }
}

/// Removes a version directory unless a reader holds it.
fn remove_unheld(dir: &Path) -> std::io::Result<()> {
    let file = match File::open(dir.join(READERS_LOCK)) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return std::fs::remove_dir_all(dir),
        Err(e) => return Err(e),
    };
    match file.try_lock() {
        // Removed while locked: a reader that opened the lock file meanwhile finds the
        // version gone once it gets its lock.
        Ok(()) => std::fs::remove_dir_all(dir),
        Err(TryLockError::WouldBlock) => Ok(()),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// Whether `name` is a version's name: what [`Layout::new_version`] makes.
fn is_version_name(name: &str) -> bool {
    name.starts_with('v')
        && name.len() > 1
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Syncs a directory's entries to disk, so that a rename in it survives a power cut.
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(layout: &Layout, lock: &BuildLock, generation: u64) -> String {
        let name = layout.new_version(lock, generation).unwrap();
        std::fs::write(layout.version_dir(&name).join(META_FILE), "{}").unwrap();
        name
    }

    #[test]
    fn one_builder_at_a_time_and_the_lock_is_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(&dir.path().join("index"));
        let lock = layout.try_build().unwrap().unwrap();
        assert!(layout.try_build().unwrap().is_none());
        drop(lock);
        assert!(layout.try_build().unwrap().is_some());
    }

    #[test]
    fn publishing_swaps_current_and_cleaning_spares_held_versions() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(&dir.path().join("index"));
        let lock = layout.wait_for_build().unwrap();
        assert_eq!(layout.current().unwrap(), None);
        let old = complete(&layout, &lock, 1);
        layout.publish(&lock, &old).unwrap();
        let held = layout.hold(&old).unwrap().unwrap();
        let new = complete(&layout, &lock, 2);
        let killed = layout.new_version(&lock, 3).unwrap();
        std::fs::write(dir.path().join("index/meta.json"), "{}").unwrap();
        layout.publish(&lock, &new).unwrap();
        assert_eq!(layout.current().unwrap().as_deref(), Some(new.as_str()));
        layout.clean(&lock, &new);
        assert!(layout.version_dir(&old).exists(), "a reader holds it");
        assert!(!layout.version_dir(&killed).exists());
        assert!(!dir.path().join("index/meta.json").exists());
        drop(held);
        layout.clean(&lock, &new);
        assert!(!layout.version_dir(&old).exists());
        assert!(layout.hold(&old).unwrap().is_none());
        assert!(layout.hold(&new).unwrap().is_some());
    }

    #[test]
    fn a_damaged_pointer_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        std::fs::write(dir.path().join(CURRENT), "../../etc\n").unwrap();
        let err = layout.current().unwrap_err().to_string();
        assert!(
            err.contains("CURRENT") && err.contains("not an index version"),
            "{err}"
        );
    }
}
