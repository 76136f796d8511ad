//! API tokens in the PostgreSQL store ([`TokenStore`]).

use jiff::Timestamp;
use postgres::Row;

use super::PgStore;
use crate::Result;
use crate::store::tokens::{COLUMNS, taken, to_token};
use crate::store::{ApiToken, TokenStore};

fn token_row(r: &Row) -> Result<ApiToken> {
    to_token((
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
    ))
}

impl TokenStore for PgStore {
    fn tokens(&self) -> Result<Vec<ApiToken>> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens ORDER BY name COLLATE \"C\"");
        self.query(&sql, &[])?.iter().map(token_row).collect()
    }

    fn token_by_hash(&self, hash: &str) -> Result<Option<ApiToken>> {
        let sql =
            format!("SELECT {COLUMNS} FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL");
        self.query_opt(&sql, &[&hash])?
            .map(|r| token_row(&r))
            .transpose()
    }

    fn put_token(&mut self, token: &ApiToken) -> Result<()> {
        let n = self.client_mut().execute(
            "INSERT INTO api_tokens (name, scope, hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO NOTHING",
            &[
                &token.name,
                &token.scope.name(),
                &token.hash,
                &token.created_at.to_string(),
            ],
        )?;
        if n == 0 {
            return Err(taken(&token.name));
        }
        Ok(())
    }

    fn revoke_token(&mut self, name: &str, at: Timestamp) -> Result<bool> {
        let n = self.client_mut().execute(
            "UPDATE api_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
            &[&name, &at.to_string()],
        )?;
        Ok(n > 0)
    }
}
