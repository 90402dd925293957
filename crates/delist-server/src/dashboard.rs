//! The web dashboard at `/`: server-rendered HTML, no script from elsewhere, sessions for the
//! admin and CSRF tokens on every form.
//!
//! Owns sessions (random ids kept in memory, only their digests; a restart logs everyone out)
//! and the pages. Pages are built from the same views as the API.

use crate::auth;
use crate::server::App;
use axum::Router;
use axum::http::{HeaderMap, header};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "delist_session";
const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// A signed-in admin: when the session ends and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub expires: Instant,
    pub csrf: String,
}

/// Live sessions by the digest of their id.
#[derive(Default)]
pub struct Sessions {
    live: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Starts a session; returns its id (the cookie value).
    pub fn create(&self) -> (String, Session) {
        let id = auth::random_hex(32);
        let s = Session { expires: Instant::now() + SESSION_TTL, csrf: auth::random_hex(16) };
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.retain(|_, s| s.expires > Instant::now());
        live.insert(auth::digest(&id), s.clone());
        (id, s)
    }

    /// The session the request's cookie names, if live.
    pub fn check(&self, headers: &HeaderMap) -> Option<Session> {
        let id = cookie(headers, SESSION_COOKIE)?;
        let live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.get(&auth::digest(id)).filter(|s| s.expires > Instant::now()).cloned()
    }

    pub fn end(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, SESSION_COOKIE) {
            self.live.lock().unwrap_or_else(|e| e.into_inner()).remove(&auth::digest(id));
        }
    }
}

/// A cookie's value from the request.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn routes() -> Router<Arc<App>> {
    Router::new()
}
