//! Trust stores: the root certificates a system trusts, so that a root CA issued to a covered
//! vendor (the HTTPS-inspection root Kaspersky products install) is found — also after the
//! product itself was removed.
//!
//! Owns reading the Linux stores (`/etc/ssl/certs` with its hash links and the
//! `ca-certificates.crt` bundle, `/etc/ssl/cert.pem`, `/usr/local/share/ca-certificates`,
//! `/etc/pki/ca-trust/source` and `extracted/pem`, `/etc/pki/tls/certs`) and certificate exports
//! (`.pem`, `.crt`, `.cer`, `.der`) lying in the macOS keychain folders (`/Library/Keychains`,
//! `/System/Library/Keychains`, `~/Library/Keychains`). The keychains themselves
//! (`.keychain`, `.keychain-db`) are Apple's binary database format and are **not** read: on a
//! Mac, only exported certificates are seen. Windows' ROOT store lives in the registry and is
//! read with the hives. p11-kit's `.p11-kit` files and Java's `cacerts` (JKS) are not read.
//!
//! One certificate reached by several paths (the file in `/usr/local/share/ca-certificates`, its
//! `/etc/ssl/certs/*.pem` link, the `<hash>.0` link and its copy in the bundle) is **one**
//! artifact, keyed by the SHA-256 of its DER; its path is the first single-certificate file that
//! holds it (stores in the order above, keychain exports last), the other places are listed in
//! `cert.also_at`.
//!
//! The parsers ([`certificates`], [`describe`]) are pure functions of bytes: PEM is decoded with
//! the base64 decoder of [`crate::files::plist`], DER through [`crate::files::pe::der`] (the one
//! X.509 reader of the crate). It must never trust a length it has not checked, read a file past
//! [`MAX_STORE_FILE`], or write to a store.

use crate::files::pe::der;
use crate::files::plist::base64_decode;
use crate::{Collector, Context, Sink, root::join};
use delist_core::{Artifact, ArtifactKind, IdKind, Role};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;

/// Largest store file read (Mozilla's bundle is about 220 KB).
pub const MAX_STORE_FILE: u64 = 16 << 20;
/// Most certificates taken from one file.
pub const MAX_CERTS_PER_FILE: usize = 10_000;
/// Most entries listed in one store directory.
const MAX_ENTRIES: usize = 100_000;
/// How deep store directories are descended (`source/anchors/…`).
const MAX_DEPTH: usize = 4;

/// Store directories of Linux distributions (Debian/Ubuntu, Fedora/RHEL, SUSE, Alpine, Arch).
const STORE_DIRS: &[&str] = &[
    "/usr/local/share/ca-certificates",
    "/etc/pki/ca-trust/source",
    "/etc/pki/trust/anchors",
    "/etc/ca-certificates/trust-source",
    "/etc/ssl/certs",
    "/etc/pki/ca-trust/extracted/pem",
    "/etc/pki/tls/certs",
];
/// Single store files outside those directories.
const STORE_FILES: &[&str] = &["/etc/ssl/cert.pem"];
/// Where macOS keeps keychains; only certificate exports in them are read.
const KEYCHAIN_DIRS: &[&str] = &["/Library/Keychains", "/System/Library/Keychains"];

/// One certificate as delist reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFacts {
    /// Subject as RFC 4514 text.
    pub subject: String,
    pub common_name: Option<String>,
    pub organization: Option<String>,
    pub issuer: String,
    /// Upper-case hex.
    pub serial: String,
    /// Thumbprints over the DER, lower-case hex.
    pub sha1: String,
    pub sha256: String,
    /// Whether subject and issuer are the same name (a root).
    pub self_issued: bool,
}

/// The DER certificates in a store file: every `CERTIFICATE`, `X509 CERTIFICATE` and OpenSSL
/// `TRUSTED CERTIFICATE` block of a PEM file (text around blocks is ignored, as OpenSSL does),
/// or the file itself when it is one DER certificate. A block that is not closed, is not base64
/// or holds no certificate is an error naming the block's line.
pub fn certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if bytes.first() == Some(&der::SEQUENCE) {
        let (tlv, _) = der::read(bytes).map_err(|e| format!("not a DER certificate: {e}"))?;
        return Ok(vec![tlv.raw.to_vec()]);
    }
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let line = line.trim();
        let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) else {
            continue;
        };
        let wanted = matches!(label, "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE");
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut closed = false;
        for (_, l) in lines.by_ref() {
            let l = l.trim();
            if l == end {
                closed = true;
                break;
            }
            if l.starts_with("-----") {
                break;
            }
            // RFC 1421 headers (`Proc-Type:`) are not base64 and carry nothing delist reads.
            if !l.contains(':') {
                body.push_str(l);
            }
        }
        if !closed {
            return Err(format!("line {}: PEM block {label:?} is not closed by {end:?}", n + 1));
        }
        if !wanted {
            continue;
        }
        if out.len() >= MAX_CERTS_PER_FILE {
            return Err(format!("more than {MAX_CERTS_PER_FILE} certificates"));
        }
        let der_bytes = base64_decode(&body).ok_or_else(|| format!("line {}: PEM block is not base64", n + 1))?;
        // A TRUSTED CERTIFICATE is the certificate followed by OpenSSL's trust settings.
        let (tlv, _) = der::read(&der_bytes).map_err(|e| format!("line {}: PEM block holds no DER: {e}", n + 1))?;
        out.push(tlv.raw.to_vec());
    }
    Ok(out)
}

/// Reads what delist reports of one DER certificate.
pub fn describe(cert_der: &[u8]) -> Result<CertFacts, String> {
    let (tlv, _) = der::read(cert_der).map_err(|e| format!("not DER: {e}"))?;
    let c = der::certificate(&tlv).map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let subject = der::dn_text(&c.subject).map_err(|e| format!("unreadable subject: {e}"))?;
    let issuer = der::dn_text(&c.issuer).map_err(|e| format!("unreadable issuer: {e}"))?;
    Ok(CertFacts {
        common_name: der::dn_attribute(&c.subject, der::oids::CN),
        organization: der::dn_attribute(&c.subject, der::oids::O),
        self_issued: c.subject.raw == c.issuer.raw,
        subject,
        issuer,
        serial: der::serial_hex(c.serial),
        sha1: der::hex(&Sha1::digest(c.raw)),
        sha256: der::hex(&Sha256::digest(c.raw)),
    })
}

/// The artifact of one certificate found at `path` (and `also_at`).
pub fn artifact(facts: &CertFacts, path: &str, also_at: &[String], target: &str) -> Artifact {
    let name =
        facts.common_name.clone().or_else(|| facts.organization.clone()).unwrap_or_else(|| facts.subject.clone());
    let mut a = Artifact::new(ArtifactKind::Certificate, name, path, target)
        // The subject CN is where a product's root names itself; the catalog's `root-ca`.
        .field("cert.subject_cn", facts.common_name.clone().unwrap_or_default(), Role::Identifier(IdKind::RootCa))
        // The organisation a CA was issued to is its maker's name.
        .field("cert.subject_o", facts.organization.clone().unwrap_or_default(), Role::Publisher)
        .field("cert.subject", &facts.subject, Role::Other)
        .field("cert.issuer", &facts.issuer, Role::Other)
        .field("cert.serial", &facts.serial, Role::Other)
        .field("cert.sha1", &facts.sha1, Role::Other)
        .field("cert.sha256", &facts.sha256, Role::Other)
        .field("cert.self_issued", facts.self_issued.to_string(), Role::Other);
    for p in also_at {
        a = a.field("cert.also_at", p, Role::Other);
    }
    a.id(format!("sha256:{}", facts.sha256))
}

/// Whether a file in a store directory is one delist reads: certificates by extension, the
/// `<subject-hash>.<n>` links of `c_rehash`, and the distributions' bundle names.
fn is_store_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if [".pem", ".crt", ".cer", ".der"].iter().any(|e| lower.ends_with(e)) {
        return true;
    }
    // c_rehash links: 8 hex digits, '.', a number (`.r0` for CRLs is skipped).
    match lower.split_once('.') {
        Some((h, n)) => {
            h.len() == 8
                && h.bytes().all(|b| b.is_ascii_hexdigit())
                && !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// The trust-store collector.
pub struct TrustStore;

/// One store file read: its `/`-rooted path where it really lives, the names that reached it,
/// and its certificates.
struct StoreFile {
    path: String,
    aliases: Vec<String>,
    certs: Vec<Vec<u8>>,
}

impl TrustStore {
    /// Files of a store directory, descending at most [`MAX_DEPTH`] levels.
    fn files_under(cx: &Context<'_>, dir: &str, depth: usize, files: &mut Vec<String>, out: &mut dyn Sink) {
        let entries = match cx.root.read_dir(dir, MAX_ENTRIES) {
            Ok(e) => e,
            Err(e) => {
                out.error(dir, format!("cannot list: {e}"));
                return;
            }
        };
        for e in entries {
            let path = join(dir, &e.name);
            if e.is_file && is_store_file(&e.name) {
                files.push(path);
            } else if e.is_dir && depth < MAX_DEPTH && !e.name.starts_with('.') && e.name != "java" {
                // `java/cacerts` is a JKS keystore, not PEM or DER.
                Self::files_under(cx, &path, depth + 1, files, out);
            }
        }
    }

    /// Every candidate file, `/`-rooted as named.
    fn candidates(cx: &Context<'_>, out: &mut dyn Sink) -> Vec<String> {
        let mut files = Vec::new();
        for d in STORE_DIRS {
            if cx.root.is_dir(d) {
                Self::files_under(cx, d, 0, &mut files, out);
            }
        }
        files.extend(STORE_FILES.iter().filter(|f| cx.root.is_file(f)).map(|f| f.to_string()));
        let (homes, errors) = cx.root.homes();
        for (dir, e) in errors {
            out.error(&dir, format!("cannot list: {e}"));
        }
        let keychains =
            KEYCHAIN_DIRS.iter().map(|d| d.to_string()).chain(homes.iter().map(|h| join(h, "Library/Keychains")));
        for d in cx.root.unique_dirs(keychains.collect()) {
            if cx.root.is_dir(&d) {
                Self::files_under(cx, &d, 0, &mut files, out);
            }
        }
        files
    }

    /// Reads each distinct file once, under the path it really lives at.
    fn read_files(cx: &Context<'_>, names: Vec<String>, out: &mut dyn Sink) -> Vec<StoreFile> {
        let mut by_host: HashMap<PathBuf, usize> = HashMap::new();
        let mut files: Vec<StoreFile> = Vec::new();
        for name in names {
            let Ok(host) = cx.root.resolve(&name) else {
                out.error(&name, "cannot resolve");
                continue;
            };
            if let Some(i) = by_host.get(&host) {
                files[*i].aliases.push(name);
                continue;
            }
            let real = host
                .strip_prefix(cx.root.base())
                .map(|p| format!("/{}", p.to_string_lossy()))
                .unwrap_or_else(|_| name.clone());
            let certs = match cx.root.read(&name, MAX_STORE_FILE) {
                Ok(bytes) => match certificates(&bytes) {
                    Ok(c) => c,
                    Err(e) => {
                        out.error(&real, e);
                        Vec::new()
                    }
                },
                Err(e) => {
                    out.error(&real, format!("cannot read: {e}"));
                    Vec::new()
                }
            };
            by_host.insert(host, files.len());
            let aliases = if real == name { Vec::new() } else { vec![name] };
            files.push(StoreFile { path: real, aliases, certs });
        }
        files
    }
}

impl Collector for TrustStore {
    fn id(&self) -> &'static str {
        "truststore"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        let names = Self::candidates(cx, out);
        let mut files = Self::read_files(cx, names, out);
        // A certificate is reported at a file of its own before a bundle that repeats it; among
        // those, in the order of the stores (local anchors first, keychain exports last).
        files.sort_by_key(|f| f.certs.len() > 1);
        let mut order: Vec<String> = Vec::new();
        let mut seen: HashMap<String, (CertFacts, String, Vec<String>)> = HashMap::new();
        for f in &files {
            for (i, c) in f.certs.iter().enumerate() {
                let facts = match describe(c) {
                    Ok(x) => x,
                    Err(e) => {
                        out.error(&f.path, format!("certificate {}: {e}", i + 1));
                        continue;
                    }
                };
                match seen.get_mut(&facts.sha256) {
                    Some((_, _, also)) => {
                        for p in std::iter::once(&f.path).chain(&f.aliases) {
                            if !also.contains(p) {
                                also.push(p.clone());
                            }
                        }
                    }
                    None => {
                        order.push(facts.sha256.clone());
                        let also = f.aliases.clone();
                        seen.insert(facts.sha256.clone(), (facts, f.path.clone(), also));
                    }
                }
            }
        }
        for sha in order {
            if let Some((facts, path, mut also)) = seen.remove(&sha) {
                also.retain(|p| *p != path);
                also.sort();
                out.push(artifact(&facts, &path, &also, cx.target));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_file_names() {
        for yes in ["ca-certificates.crt", "Kaspersky.pem", "a.CER", "3513523f.0", "3513523f.12"] {
            assert!(is_store_file(yes), "{yes}");
        }
        for no in ["README", "3513523f.r0", "login.keychain-db", "ca.p11-kit", "x.0"] {
            assert!(!is_store_file(no), "{no}");
        }
    }

    #[test]
    fn broken_pem_is_an_error_with_its_line() {
        let open = b"junk\n-----BEGIN CERTIFICATE-----\nMIIB\n";
        assert!(certificates(open).expect_err("unclosed").contains("line 2"));
        let bad = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(certificates(bad).expect_err("not base64").contains("not base64"));
        let empty = b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
        assert!(certificates(empty).is_err());
        // Other PEM blocks (keys, CRLs) are skipped, text around blocks ignored.
        let other = b"hello\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(certificates(other).expect("skipped"), Vec::<Vec<u8>>::new());
        assert!(certificates(&[0x30, 0x82, 0xff]).is_err());
        assert!(describe(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
    }
}
