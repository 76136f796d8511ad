//! Bounds every front end applies alike.

use crate::{Error, Result};

/// `n` must be 1 to `max`; `field` names it otherwise.
pub fn check_count(field: &str, n: usize, max: usize) -> Result<()> {
    if n == 0 || n > max {
        return Err(Error::bad(field, format!("{n}: must be 1 to {max}")));
    }
    Ok(())
}

/// `text` must be at most `max` bytes; `field` names it otherwise.
pub fn check_len(field: &str, text: &str, max: usize) -> Result<()> {
    if text.len() > max {
        return Err(Error::bad(
            field,
            format!("{} bytes: at most {max} are read", text.len()),
        ));
    }
    Ok(())
}
