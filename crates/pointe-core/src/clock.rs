//! The observation time of an ingest: `--seen-at`, `POINTE_NOW`, or now.

use jiff::{Timestamp, civil::Date, tz::TimeZone};

use crate::{Error, Result};

/// Reads a time given by a user: an RFC 3339 timestamp (`2026-01-05T09:30:00Z`) or a date
/// (`2026-01-05`, taken as midnight UTC).
pub fn parse_time(raw: &str) -> Result<Timestamp> {
    let raw = raw.trim();
    if let Ok(ts) = raw.parse::<Timestamp>() {
        return whole_seconds(ts);
    }
    if let Ok(date) = raw.parse::<Date>() {
        return date
            .to_zoned_datetime(TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| Error::Usage(format!("bad date {raw:?}: {e}")));
    }
    Err(Error::Usage(format!(
        "bad time {raw:?}: expected a date like 2026-01-05 or a timestamp like 2026-01-05T09:30:00Z"
    )))
}

/// The current time, unless `POINTE_NOW` sets it (tests and reproducible histories use it).
pub fn now() -> Result<Timestamp> {
    match std::env::var("POINTE_NOW") {
        Ok(v) if !v.trim().is_empty() => {
            parse_time(&v).map_err(|e| Error::Usage(format!("POINTE_NOW: {e}")))
        }
        _ => whole_seconds(Timestamp::now()),
    }
}

/// Observation times are kept to the second, so that stored times compare as text and print
/// without fractions.
fn whole_seconds(ts: Timestamp) -> Result<Timestamp> {
    Timestamp::from_second(ts.as_second()).map_err(|e| Error::Usage(format!("bad time: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_are_read() {
        assert_eq!(
            parse_time("2026-01-05").unwrap().to_string(),
            "2026-01-05T00:00:00Z"
        );
        assert_eq!(
            parse_time("2026-01-05T09:30:00Z").unwrap().to_string(),
            "2026-01-05T09:30:00Z"
        );
        assert!(parse_time("yesterday").is_err());
    }
}
