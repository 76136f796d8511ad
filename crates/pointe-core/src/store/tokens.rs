//! API tokens: who may write over HTTP. The store keeps a token's name, scope and the SHA-256
//! hash of its secret, never the secret itself; the application layer makes and hashes them.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{MemoryStore, SqliteStore};
use crate::{Error, Result};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenScope {
    /// Every write: feeds, trends, edits.
    ReadWrite,
    /// Feeds and trend exports only (a feed pusher's token).
    Feeds,
}

impl TokenScope {
    /// The scope's name, as the CLI and JSON write it.
    pub fn name(self) -> &'static str {
        match self {
            TokenScope::ReadWrite => "read-write",
            TokenScope::Feeds => "feeds",
        }
    }

    /// The scope named `name`.
    pub fn from_name(name: &str) -> Option<TokenScope> {
        match name {
            "read-write" => Some(TokenScope::ReadWrite),
            "feeds" => Some(TokenScope::Feeds),
            _ => None,
        }
    }
}

/// A stored token (its hash only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    /// A name people give it ("cms", "feed-pusher"), unique.
    pub name: String,
    /// What it may do.
    pub scope: TokenScope,
    /// Lower-case hex SHA-256 of the secret.
    #[serde(skip)]
    pub hash: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was revoked; a revoked token authorises nothing.
    pub revoked_at: Option<Timestamp>,
}

/// Where tokens are kept.
pub trait TokenStore {
    /// Every token, by name.
    fn tokens(&self) -> Result<Vec<ApiToken>>;
    /// The live (not revoked) token whose secret hashes to `hash`.
    fn token_by_hash(&self, hash: &str) -> Result<Option<ApiToken>>;
    /// Stores a new token; a name already taken is an error.
    fn put_token(&mut self, token: &ApiToken) -> Result<()>;
    /// Revokes the token named `name`; false when there is no live token of that name.
    fn revoke_token(&mut self, name: &str, at: Timestamp) -> Result<bool>;
}

pub(super) fn taken(name: &str) -> Error {
    Error::Usage(format!(
        "a token named {name:?} exists; revoke it or choose another name"
    ))
}

fn parse_time(raw: &str) -> Result<Timestamp> {
    raw.parse()
        .map_err(|e| Error::Store(format!("stored token time {raw:?}: {e}")))
}

fn row_token(
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, String, String, Option<String>)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

pub(super) fn to_token(raw: (String, String, String, String, Option<String>)) -> Result<ApiToken> {
    let (name, scope, hash, created, revoked) = raw;
    Ok(ApiToken {
        scope: TokenScope::from_name(&scope)
            .ok_or_else(|| Error::Store(format!("token {name:?}: unknown scope {scope:?}")))?,
        name,
        hash,
        created_at: parse_time(&created)?,
        revoked_at: revoked.as_deref().map(parse_time).transpose()?,
    })
}

pub(super) const COLUMNS: &str = "name, scope, hash, created_at, revoked_at";

impl TokenStore for SqliteStore {
    fn tokens(&self) -> Result<Vec<ApiToken>> {
        let mut stmt = self
            .conn()
            .prepare_cached(&format!("SELECT {COLUMNS} FROM api_tokens ORDER BY name"))?;
        let rows = stmt.query_map([], row_token)?;
        rows.map(|r| to_token(r?)).collect()
    }

    fn token_by_hash(&self, hash: &str) -> Result<Option<ApiToken>> {
        let raw = self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM api_tokens WHERE hash = ?1 AND revoked_at IS NULL"),
                [hash],
                row_token,
            )
            .optional()?;
        raw.map(to_token).transpose()
    }

    fn put_token(&mut self, token: &ApiToken) -> Result<()> {
        let exists: bool = self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM api_tokens WHERE name = ?1)",
            [&token.name],
            |r| r.get(0),
        )?;
        if exists {
            return Err(taken(&token.name));
        }
        self.conn().execute(
            "INSERT INTO api_tokens (name, scope, hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                token.name,
                token.scope.name(),
                token.hash,
                token.created_at.to_string()
            ],
        )?;
        Ok(())
    }

    fn revoke_token(&mut self, name: &str, at: Timestamp) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE api_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
            params![name, at.to_string()],
        )?;
        Ok(n > 0)
    }
}

impl TokenStore for MemoryStore {
    fn tokens(&self) -> Result<Vec<ApiToken>> {
        let mut list = self.token_list().clone();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    fn token_by_hash(&self, hash: &str) -> Result<Option<ApiToken>> {
        Ok(self
            .token_list()
            .iter()
            .find(|t| t.hash == hash && t.revoked_at.is_none())
            .cloned())
    }

    fn put_token(&mut self, token: &ApiToken) -> Result<()> {
        if self.token_list().iter().any(|t| t.name == token.name) {
            return Err(taken(&token.name));
        }
        self.token_list_mut().push(token.clone());
        Ok(())
    }

    fn revoke_token(&mut self, name: &str, at: Timestamp) -> Result<bool> {
        match self
            .token_list_mut()
            .iter_mut()
            .find(|t| t.name == name && t.revoked_at.is_none())
        {
            Some(t) => {
                t.revoked_at = Some(at);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(name: &str, hash: &str) -> ApiToken {
        ApiToken {
            name: name.into(),
            scope: TokenScope::ReadWrite,
            hash: hash.into(),
            created_at: "2026-12-02T10:00:00Z".parse().unwrap(),
            revoked_at: None,
        }
    }

    fn exercise(store: &mut dyn TokenStore) {
        store.put_token(&token("cms", "aa")).unwrap();
        store.put_token(&token("feeds", "bb")).unwrap();
        assert!(
            store.put_token(&token("cms", "cc")).is_err(),
            "a name is unique"
        );
        assert_eq!(store.token_by_hash("aa").unwrap().unwrap().name, "cms");
        assert!(store.token_by_hash("zz").unwrap().is_none());
        let at = "2026-12-02T11:00:00Z".parse().unwrap();
        assert!(store.revoke_token("cms", at).unwrap());
        assert!(!store.revoke_token("cms", at).unwrap(), "already revoked");
        assert!(
            store.token_by_hash("aa").unwrap().is_none(),
            "revoked tokens authorise nothing"
        );
        let names: Vec<String> = store
            .tokens()
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["cms", "feeds"]);
    }

    #[test]
    fn tokens_are_unique_by_name_found_by_hash_and_revoked_for_good() {
        exercise(&mut MemoryStore::new());
        let dir = tempfile::tempdir().unwrap();
        exercise(&mut SqliteStore::open_dir(dir.path()).unwrap());
        if let Some(url) = pointe_testdata::database_url() {
            exercise(&mut crate::store::PgStore::scratch(&url).unwrap());
        }
    }
}
