//! Secrets: enrolment tokens for hosts, the admin credential, dashboard sessions and their CSRF
//! tokens.
//!
//! Owns making random secrets and comparing them. Only the SHA-256 of a token is ever stored or
//! compared: tokens are 256 random bits, so a fast hash is enough (no password hashing needed),
//! and comparing digests rather than the secrets keeps the comparison's timing independent of
//! how much of a guessed secret is right. It must never log or store a secret in clear.

use crate::engine::hex;
use sha2::{Digest, Sha256};

/// The prefix of enrolment tokens, so that a leaked one is recognisable (secret scanners).
pub const TOKEN_PREFIX: &str = "dlt_";

/// 32 random bytes from the operating system, hex-encoded.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The OS random source failing is not something the server can work around.
    getrandom::fill(&mut buf).expect("operating system random source");
    hex(&buf)
}

/// A new enrolment token.
pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_hex(32))
}

/// What is stored for a secret.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// A token's public id (shown in listings, used to revoke): the first 16 hex digits of its
/// digest. It reveals nothing useful about a 256-bit secret.
pub fn token_id(token_digest: &str) -> String {
    token_digest.get(..16).unwrap_or(token_digest).to_string()
}

/// Compares a presented secret with a stored digest without an early exit.
pub fn matches(presented: &str, stored_digest: &str) -> bool {
    let d = digest(presented);
    d.len() == stored_digest.len() && d.bytes().zip(stored_digest.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The secret from an `Authorization: Bearer …` header value.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let v = header?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty() && t.len() <= 256)
}

/// A host name as enrolled: 1 to 253 characters of letters, digits, `.`, `-` and `_`, starting
/// with a letter or digit (DNS-like, and safe in URLs, file names and CSV).
pub fn valid_host(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_stored_as_digests() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == 4 + 64);
        let d = digest(&a);
        assert!(matches(&a, &d));
        assert!(!matches(&b, &d));
        assert!(!d.contains(&a[4..]));
        assert_eq!(token_id(&d).len(), 16);
    }

    #[test]
    fn bearer_and_host_names_are_checked() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(None), None);
        assert!(valid_host("web-01.example.org"));
        assert!(!valid_host(""));
        assert!(!valid_host("-x"));
        assert!(!valid_host("a b"));
        assert!(!valid_host("a/b"));
        assert!(!valid_host(&"a".repeat(254)));
    }
}
