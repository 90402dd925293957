//! The agent's side of an upload: a blocking HTTP client (ureq, rustls) that sends one
//! `delist.upload/1` document and retries it with the same upload id until the server has it.
//!
//! Owns the upload envelope and the retry rules: a connection error, a 5xx, 429 or 503 is
//! retried with backoff (the server may be restarting; the upload id makes retries safe); any
//! other 4xx is final and its message shown. It never starts an async runtime, so the CLI needs
//! no tokio unless it serves.

use crate::ingest::UPLOAD_SCHEMA;
use delist_core::report::Inventory;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What the server answered to a stored upload.
#[derive(Debug, Clone, Deserialize)]
pub struct Uploaded {
    pub upload_id: String,
    pub host: String,
    pub duplicate: bool,
    pub findings: i64,
    pub waived: i64,
}

#[derive(Serialize)]
struct Envelope<'a> {
    schema: &'static str,
    upload_id: &'a str,
    scanned_at: &'a str,
    inventory: &'a Inventory,
}

/// How an upload is sent and retried.
#[derive(Debug, Clone)]
pub struct Options {
    pub attempts: u32,
    pub first_backoff: Duration,
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self { attempts: 8, first_backoff: Duration::from_millis(500), timeout: Duration::from_secs(120) }
    }
}

/// A fresh upload id (128 random bits, hex).
pub fn new_upload_id() -> String {
    crate::auth::random_hex(16)
}

/// `BASE/api/v1/reports` for a server URL given with or without the path.
pub fn reports_url(server: &str) -> Result<String, String> {
    let s = server.trim_end_matches('/');
    if !(s.starts_with("http://") || s.starts_with("https://")) {
        return Err(format!("--server {server:?}: expected an http:// or https:// URL"));
    }
    Ok(if s.ends_with("/api/v1/reports") { s.to_string() } else { format!("{s}/api/v1/reports") })
}

/// Uploads `inventory` scanned at `scanned_at` (RFC 3339) under `upload_id`, retrying as
/// [`Options`] says. `note` is told about each retry.
pub fn upload(
    server: &str,
    token: &str,
    inventory: &Inventory,
    upload_id: &str,
    scanned_at: &str,
    opts: &Options,
    note: &dyn Fn(&str),
) -> Result<Uploaded, String> {
    let url = reports_url(server)?;
    let body = serde_json::to_vec(&Envelope { schema: UPLOAD_SCHEMA, upload_id, scanned_at, inventory })
        .map_err(|e| format!("cannot encode the upload: {e}"))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(opts.timeout))
        .user_agent(concat!("delist-agent/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut backoff = opts.first_backoff;
    let mut last = String::new();
    for attempt in 1..=opts.attempts.max(1) {
        let sent = agent
            .post(&url)
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            // The server answers before the body is sent: an upload over its
            // --max-upload-bytes gets a clear 413 instead of a reset half-way through the body
            // (a "broken pipe", retried for minutes).
            .header("Expect", "100-continue")
            .send(&body[..]);
        match sent {
            Ok(mut r) => {
                let status = r.status().as_u16();
                let text = r.body_mut().with_config().limit(1 << 20).read_to_string().unwrap_or_default();
                if status == 200 || status == 201 {
                    return serde_json::from_str(&text).map_err(|e| format!("{url}: unexpected answer ({e}): {text}"));
                }
                let msg = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v["error"].as_str().map(str::to_string))
                    .unwrap_or(text);
                last = format!("{url}: {status}: {msg}");
                if status == 413 {
                    last.push_str(&format!(
                        "; this upload is {} bytes: raise the server's --max-upload-bytes",
                        body.len()
                    ));
                }
                if !(status >= 500 || status == 429) {
                    return Err(last);
                }
            }
            Err(e) => last = format!("{url}: {e}"),
        }
        if attempt < opts.attempts {
            note(&format!("{last}; retrying in {:.1}s (attempt {attempt})", backoff.as_secs_f64()));
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(Duration::from_secs(60));
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_normalised() {
        assert_eq!(reports_url("http://h:8080").as_deref(), Ok("http://h:8080/api/v1/reports"));
        assert_eq!(reports_url("http://h/").as_deref(), Ok("http://h/api/v1/reports"));
        assert_eq!(reports_url("https://h/api/v1/reports").as_deref(), Ok("https://h/api/v1/reports"));
        assert!(reports_url("h:8080").is_err());
        assert_eq!(new_upload_id().len(), 32);
    }
}
