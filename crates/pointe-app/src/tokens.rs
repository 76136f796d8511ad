//! API tokens: made here (256 random bits, shown once), kept as their SHA-256 hash, checked
//! on every write over HTTP.

use pointe_core::store::{ApiToken, TokenScope, TokenStore};
use sha2::{Digest, Sha256};

use crate::{Error, Result, Workspace};

/// What every secret starts with, so people and secret scanners recognise one.
const PREFIX: &str = "pt_";

/// A new token: what is stored, and the secret to show once.
#[derive(Debug)]
pub struct NewToken {
    /// The stored token.
    pub token: ApiToken,
    /// The secret, never stored.
    pub secret: String,
}

fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::bad(
            "name",
            format!("{name:?}: 1 to 64 letters, digits, '-', '_' or '.'"),
        ))
    }
}

/// The scope named `name`.
pub fn scope(name: &str) -> Result<TokenScope> {
    TokenScope::from_name(name)
        .ok_or_else(|| Error::bad("scope", format!("{name:?}: use read-write or feeds")))
}

/// Makes and stores a token named `name`.
pub fn create(ws: &Workspace, name: &str, scope: TokenScope) -> Result<NewToken> {
    check_name(name)?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| pointe_core::Error::Store(format!("no random bytes for a token: {e}")))?;
    let secret: String = std::iter::once(PREFIX.to_string())
        .chain(bytes.iter().map(|b| format!("{b:02x}")))
        .collect();
    let token = ApiToken {
        name: name.to_string(),
        scope,
        hash: hash(&secret),
        created_at: pointe_core::clock::now()?,
        revoked_at: None,
    };
    let mut store = ws.store()?;
    store.put_token(&token).map_err(|e| match e {
        pointe_core::Error::Usage(m) => Error::Conflict(m),
        other => other.into(),
    })?;
    Ok(NewToken { token, secret })
}

/// Every token (hashes are never shown).
pub fn list(ws: &Workspace) -> Result<Vec<ApiToken>> {
    Ok(ws.store()?.tokens()?)
}

/// Revokes the live token named `name`.
pub fn revoke(ws: &Workspace, name: &str) -> Result<()> {
    let mut store = ws.store()?;
    if store.revoke_token(name, pointe_core::clock::now()?)? {
        Ok(())
    } else {
        Err(Error::bad("name", format!("no live token named {name:?}")))
    }
}

/// The token a bearer secret names, when it is live and allows `needed`.
pub fn authorise(
    store: &dyn TokenStore,
    secret: Option<&str>,
    needed: TokenScope,
) -> Result<ApiToken> {
    let Some(secret) = secret.filter(|s| s.starts_with(PREFIX) && s.len() <= 128) else {
        return Err(Error::Unauthorized(
            "a write needs an API token: Authorization: Bearer <token> (pointe token create)"
                .into(),
        ));
    };
    let token = store
        .token_by_hash(&hash(secret))?
        .ok_or_else(|| Error::Unauthorized("the API token is unknown or revoked".into()))?;
    if token.scope == TokenScope::ReadWrite || token.scope == needed {
        Ok(token)
    } else {
        Err(Error::Forbidden(format!(
            "token {:?} has scope {}; this needs {}",
            token.name,
            token.scope.name(),
            needed.name()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_shown_once_stored_as_a_hash_and_refused_once_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path());
        let made = create(&ws, "cms", TokenScope::ReadWrite).unwrap();
        assert!(made.secret.starts_with("pt_") && made.secret.len() == 67);
        assert_ne!(made.token.hash, made.secret);
        assert!(
            matches!(
                create(&ws, "cms", TokenScope::Feeds),
                Err(Error::Conflict(_))
            ),
            "a name is taken once"
        );
        let store = ws.store().unwrap();
        let ok = authorise(&*store, Some(&made.secret), TokenScope::ReadWrite).unwrap();
        assert_eq!(ok.name, "cms");
        for bad in [None, Some("pt_0000"), Some("Bearer x")] {
            assert!(matches!(
                authorise(&*store, bad, TokenScope::Feeds),
                Err(Error::Unauthorized(_))
            ));
        }
        let feeds = create(&ws, "pusher", TokenScope::Feeds).unwrap();
        assert!(authorise(&*store, Some(&feeds.secret), TokenScope::Feeds).is_ok());
        assert!(matches!(
            authorise(&*store, Some(&feeds.secret), TokenScope::ReadWrite),
            Err(Error::Forbidden(_))
        ));
        revoke(&ws, "cms").unwrap();
        assert!(matches!(
            authorise(&*store, Some(&made.secret), TokenScope::ReadWrite),
            Err(Error::Unauthorized(_))
        ));
        assert!(revoke(&ws, "cms").is_err());
        assert!(create(&ws, "../etc", TokenScope::Feeds).is_err());
    }
}
