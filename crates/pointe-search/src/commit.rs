//! What each commit of the index records: the store generation it reflects and how many
//! products it holds, in the commit's own payload. A commit is atomic (tantivy replaces its
//! meta file by a rename), so an index killed mid-update is at the generation of its last
//! commit, never between two.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tantivy::index::SegmentId;
use tantivy::{Index, IndexReader, IndexWriter, Opstamp};

use crate::{Error, Result};

/// The payload of a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Committed {
    /// The store generation the commit reflects.
    pub generation: u64,
    /// How many products it holds.
    pub products: u64,
}

/// Commits everything `writer` was given, recording `committed`.
pub(crate) fn commit(writer: &mut IndexWriter, committed: Committed) -> Result<()> {
    let payload = serde_json::to_string(&committed)
        .map_err(|e| Error::Usage(format!("index commit payload: {e}")))?;
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload);
    prepared.commit()?;
    Ok(())
}

/// How often the payload is read again when a commit landed between reading the index's
/// meta file and loading its segments.
const ATTEMPTS: usize = 5;

/// What the commit `reader` reads records (`None` for an index committed without one). The
/// reader's segments are those of the meta file read, or the reader is reloaded and the
/// meta read again: two commits never hold the same segments with the same deletes unless
/// their documents are the same.
pub(crate) fn read(index: &Index, reader: &IndexReader) -> Result<Option<Committed>> {
    for _ in 0..ATTEMPTS {
        let metas = index.load_metas()?;
        let committed: BTreeMap<SegmentId, Option<Opstamp>> = metas
            .segments
            .iter()
            .map(|s| (s.id(), s.delete_opstamp()))
            .collect();
        let searcher = reader.searcher();
        let read: BTreeMap<SegmentId, Option<Opstamp>> = searcher
            .segment_readers()
            .iter()
            .map(|s| (s.segment_id(), s.delete_opstamp()))
            .collect();
        if read == committed {
            return Ok(metas
                .payload
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok()));
        }
        reader.reload()?;
    }
    Err(Error::Usage(format!(
        "the index was committed {ATTEMPTS} times while it was opened"
    )))
}
