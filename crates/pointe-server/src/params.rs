//! Query strings: every parameter checked by name, unknown or repeated ones refused, every
//! value bounded.

use std::collections::BTreeMap;

use crate::error::{ApiError, ApiResult};

/// The longest query string read.
pub const MAX_QUERY: usize = 4096;

/// The parameters of one request.
#[derive(Debug, Default)]
pub struct Params {
    pairs: BTreeMap<String, String>,
}

impl Params {
    /// Parses `raw`, allowing only `allowed` names, each once.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> ApiResult<Params> {
        let raw = raw.unwrap_or("");
        if raw.len() > MAX_QUERY {
            return Err(ApiError::bad(
                "query",
                format!("{} bytes: at most {MAX_QUERY} are read", raw.len()),
            ));
        }
        let mut pairs = BTreeMap::new();
        for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
            if !allowed.contains(&k.as_ref()) {
                return Err(ApiError::bad(
                    &k,
                    format!("unknown parameter; use {}", allowed.join(", ")),
                ));
            }
            if pairs.insert(k.to_string(), v.into_owned()).is_some() {
                return Err(ApiError::bad(&k, "given more than once"));
            }
        }
        Ok(Params { pairs })
    }

    /// The value of `name`, when given and not empty. Only an empty value means "not given",
    /// as the document's choices say (`""` is among them); a value of spaces or no-break
    /// spaces is passed on, for the handler to check like any other.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.pairs
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Whether `name` was given at all, blank or not.
    pub fn given(&self, name: &str) -> bool {
        self.pairs.contains_key(name)
    }

    /// The value of `name` as an owned string.
    pub fn string(&self, name: &str) -> Option<String> {
        self.str(name).map(str::to_string)
    }

    /// A whole number from `min` to `max`, `default` when absent (a blank value is refused).
    pub fn number(&self, name: &str, default: usize, min: usize, max: usize) -> ApiResult<usize> {
        let Some(raw) = self.pairs.get(name) else {
            return Ok(default);
        };
        match raw.trim().parse::<usize>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::bad(
                name,
                format!("{raw:?}: a whole number from {min} to {max}"),
            )),
        }
    }

    /// `true` or `false`, `default` when absent. A value given blank is refused, as the
    /// document's `boolean` type says.
    pub fn flag(&self, name: &str, default: bool) -> ApiResult<bool> {
        match self.pairs.get(name).map(String::as_str) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(raw) => Err(ApiError::bad(name, format!("{raw:?}: true or false"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_repeated_and_out_of_range_parameters_are_named() {
        let p = Params::parse(Some("page=2&q=ballet+flats"), &["page", "q"]).unwrap();
        assert_eq!(p.str("q"), Some("ballet flats"));
        assert_eq!(p.number("page", 1, 1, 10).unwrap(), 2);
        let e = Params::parse(Some("pgae=2"), &["page"]).unwrap_err();
        assert!(format!("{e:?}").contains("pgae"));
        assert!(Params::parse(Some("q=a&q=b"), &["q"]).is_err());
        let p = Params::parse(Some("page=0"), &["page"]).unwrap();
        assert!(p.number("page", 1, 1, 10).is_err());
        assert!(Params::parse(Some(&"q=a".repeat(2000)), &["q"]).is_err());
        let p = Params::parse(Some("page=&swap=&all=1"), &["page", "swap", "all"]).unwrap();
        assert!(p.number("page", 1, 1, 10).is_err());
        assert!(p.flag("swap", false).is_err());
        assert!(p.flag("all", false).is_err());
        let p = Params::parse(Some("tier=&gender=%C2%A0&q=+"), &["tier", "gender", "q"]).unwrap();
        assert_eq!(p.str("tier"), None);
        assert_eq!(p.str("gender"), Some("\u{a0}"));
        assert_eq!(p.str("q"), Some(" "));
    }
}
