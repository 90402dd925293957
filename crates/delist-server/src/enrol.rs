//! `delist serve token create|revoke|list`: enrolment straight on the database, for the
//! operator at the server's console (the admin API does the same over HTTP).

use crate::db::{self, DatabaseUrl};
use crate::store::{self, NewToken, TokenInfo};
use anyhow::{Context, Result, bail};

fn open(url: &str) -> Result<Box<dyn db::Conn>> {
    let url = DatabaseUrl::parse(url).map_err(anyhow::Error::msg)?;
    let mut c = url.connect().with_context(|| format!("opening {}", url.redacted()))?;
    db::migrate(&mut *c)?;
    Ok(c)
}

/// Enrols `host` and returns its new token (shown once; only its digest is stored).
pub fn create(database: &str, host: &str) -> Result<NewToken> {
    if !crate::auth::valid_host(host) {
        bail!("{host:?} is not a host name (letters, digits, '.', '-', '_'; at most 253)");
    }
    let mut c = open(database)?;
    Ok(store::create_token(&mut *c, host, &crate::time::now_string())?)
}

/// Revokes a token by id, or every token of a host. Returns how many.
pub fn revoke(database: &str, id_or_host: &str) -> Result<u64> {
    let mut c = open(database)?;
    Ok(store::revoke(&mut *c, id_or_host, &crate::time::now_string())?)
}

pub fn list(database: &str) -> Result<Vec<TokenInfo>> {
    let mut c = open(database)?;
    Ok(store::tokens(&mut *c)?)
}
