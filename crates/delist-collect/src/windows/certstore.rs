//! The Windows root certificate stores kept in the registry: `ROOT`, `AuthRoot` and the Group
//! Policy `Root` of the SOFTWARE hive, and each user's `Root` in NTUSER.DAT.
//!
//! Each certificate is a key named by its SHA-1 thumbprint holding a `Blob` value: a sequence of
//! property elements (id u32, reserved u32, length u32, data), where property 0x20
//! (CERT_CERT_PROP_ID) is the DER certificate. Owns reading those elements
//! ([`blob_certificate`]) and turning a certificate into one `certificate` artifact whatever the
//! number of stores it sits in ([`Certificates`], keyed by SHA-256). The X.509 underneath is the
//! PE reader's DER code ([`crate::files::pe::der`]).
//!
//! The subject organisation is a publisher-role field and the subject common name is matched
//! against the catalog's `root-ca` names; it must never treat a certificate as a code signature
//! (it signs nothing here) nor trust the key name as the thumbprint: thumbprints are computed.

use super::regf::{self, Hive};
use crate::Sink;
use crate::files::pe::der;
use delist_core::{Artifact, ArtifactKind, IdKind, Role, Signer};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// CERT_CERT_PROP_ID: the element holding the encoded certificate.
const CERT_PROP_ID: u32 = 0x20;
/// Most property elements read from one blob (real blobs hold fewer than 20).
const MAX_ELEMENTS: usize = 256;
/// Most certificates read from one store (Windows' AuthRoot holds a few hundred).
const MAX_CERTS: usize = 10_000;

/// Where one store lies in its hive, and how it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    /// The `Certificates` key's path inside the hive.
    pub path: String,
    /// The hive's place in the registry as Windows shows it (`HKLM\SOFTWARE`, `HKU\alice`).
    pub shown: String,
}

/// The SOFTWARE hive's machine stores.
pub fn machine_stores() -> Vec<Store> {
    [
        "Microsoft\\SystemCertificates\\ROOT\\Certificates",
        "Microsoft\\SystemCertificates\\AuthRoot\\Certificates",
        "Policies\\Microsoft\\SystemCertificates\\Root\\Certificates",
    ]
    .into_iter()
    .map(|p| Store { path: p.into(), shown: "HKLM\\SOFTWARE".into() })
    .collect()
}

/// A user's root store in their NTUSER.DAT.
pub fn user_stores(user: &str) -> Vec<Store> {
    vec![Store {
        path: "Software\\Microsoft\\SystemCertificates\\Root\\Certificates".into(),
        shown: format!("HKU\\{user}"),
    }]
}

/// The DER certificate of a store `Blob`: the data of its first CERT_CERT_PROP_ID element.
pub fn blob_certificate(blob: &[u8]) -> Result<&[u8], String> {
    let mut rest = blob;
    for _ in 0..MAX_ELEMENTS {
        if rest.is_empty() {
            break;
        }
        let head: [u8; 12] =
            rest.get(..12).and_then(|h| h.try_into().ok()).ok_or("truncated certificate property header")?;
        let id = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let len = u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize;
        let data = 12usize
            .checked_add(len)
            .and_then(|end| rest.get(12..end))
            .ok_or_else(|| format!("certificate property 0x{id:x} of {len} bytes runs past the blob"))?;
        if id == CERT_PROP_ID {
            return Ok(data);
        }
        rest = rest.get(12 + len..).unwrap_or_default();
    }
    Err("no certificate (property 0x20) in the blob".into())
}

/// Who a DER certificate names, with its thumbprints.
pub fn describe(cert_der: &[u8]) -> Result<Signer, String> {
    let (tlv, _) = der::read(cert_der).map_err(|e| format!("certificate: {e}"))?;
    let cert = der::certificate(&tlv).map_err(|e| format!("certificate: {e}"))?;
    Ok(Signer {
        subject: der::dn_text(&cert.subject).ok(),
        organization: der::dn_attribute(&cert.subject, der::oids::O),
        common_name: der::dn_attribute(&cert.subject, der::oids::CN),
        issuer: der::dn_text(&cert.issuer).ok(),
        serial: Some(der::serial_hex(cert.serial)),
        sha1: Some(der::hex(&Sha1::digest(cert.raw))),
        sha256: Some(der::hex(&Sha256::digest(cert.raw))),
        ..Signer::default()
    })
}

/// The certificates of every store read, one entry per certificate (by SHA-256), each with every
/// place it was found.
#[derive(Debug, Default)]
pub struct Certificates {
    by_sha256: BTreeMap<String, (Signer, String, Vec<String>)>,
}

impl Certificates {
    /// Reads one store of a hive found at `hive_path`. A missing store is no error.
    pub fn read(&mut self, h: &Hive<'_>, store: &Store, hive_path: &str, out: &mut dyn Sink) {
        let keys = match h.root().and_then(|r| h.open(&r, &store.path)) {
            Ok(Some(k)) => h.subkeys(&k),
            Ok(None) => return,
            Err(e) => Err(e),
        };
        let keys = match keys {
            Ok(k) => k,
            Err(e) => return out.error(hive_path, format!("registry hive: {}: {e}", store.path)),
        };
        for k in keys.iter().take(MAX_CERTS) {
            let place = format!("{}\\{}\\{}", store.shown, store.path, k.name);
            let blob = match h.value_named(k, "Blob") {
                Ok(Some(v)) => v,
                Ok(None) => continue,
                Err(e) => {
                    out.error(hive_path, format!("registry hive: {place}: {e}"));
                    continue;
                }
            };
            match blob_certificate(&blob.data).and_then(describe) {
                Ok(s) => self.add(s, hive_path, place),
                Err(e) => out.error(hive_path, format!("{place}: {e}")),
            }
        }
    }

    fn add(&mut self, s: Signer, hive_path: &str, place: String) {
        let key = s.sha256.clone().unwrap_or_default();
        let e = self.by_sha256.entry(key).or_insert_with(|| (s, hive_path.to_string(), Vec::new()));
        if !e.2.contains(&place) {
            e.2.push(place);
        }
    }

    /// One artifact per certificate, into `out`.
    pub fn finish(self, target: &str, out: &mut dyn Sink) {
        for (_, (s, hive_path, places)) in self.by_sha256 {
            out.push(artifact(s, &hive_path, &places, target));
        }
    }
}

/// The artifact of a certificate found in `places` (registry keys), the first in `hive_path`.
pub fn artifact(s: Signer, hive_path: &str, places: &[String], target: &str) -> Artifact {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let name = s.common_name.clone().or_else(|| s.subject.clone()).or_else(|| s.sha1.clone()).unwrap_or_default();
    let mut a = Artifact::new(ArtifactKind::Certificate, name, hive_path, target)
        .field("certificate.organization", opt(&s.organization), Role::Publisher)
        .field("certificate.common_name", opt(&s.common_name), Role::Identifier(IdKind::RootCa))
        .field("certificate.subject", opt(&s.subject), Role::Other)
        .field("certificate.issuer", opt(&s.issuer), Role::Other)
        .field("certificate.sha1", opt(&s.sha1), Role::Other);
    for p in places {
        a = a.field("certificate.store", p, Role::Other);
    }
    if let Some(sha1) = &s.sha1 {
        a = a.id(sha1);
    }
    // The certificate's identity goes in `signer` for reports and exports, but not through
    // `Artifact::signer`: a certificate in a store signed nothing, so it is no signature evidence.
    a.signer = Some(Box::new(s));
    a
}

/// Reads the DER certificates of a store (for tests and fuzzing): each key's blob certificate.
pub fn store_certificates(h: &Hive<'_>, store: &Store) -> regf::Result<Vec<Vec<u8>>> {
    let Some(k) = h.open(&h.root()?, &store.path)? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for key in h.subkeys(&k)?.iter().take(MAX_CERTS) {
        if let Some(v) = h.value_named(key, "Blob")?
            && let Ok(c) = blob_certificate(&v.data)
        {
            out.push(c.to_vec());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(id: u32, data: &[u8]) -> Vec<u8> {
        let mut e = id.to_le_bytes().to_vec();
        e.extend(1u32.to_le_bytes());
        e.extend((data.len() as u32).to_le_bytes());
        e.extend(data);
        e
    }

    #[test]
    fn the_certificate_element_is_found_among_others() {
        let mut blob = element(0x03, &[1; 20]);
        blob.extend(element(0x20, b"DER"));
        blob.extend(element(0x0b, b"name"));
        assert_eq!(blob_certificate(&blob), Ok(&b"DER"[..]));
    }

    #[test]
    fn broken_blobs_are_errors() {
        assert!(blob_certificate(&element(0x03, &[1; 4])).is_err());
        let mut long = element(0x20, b"DER");
        long[8] = 200; // the length runs past the blob
        assert!(blob_certificate(&long).is_err());
        assert!(blob_certificate(&[0x20, 0, 0]).is_err());
        assert!(describe(b"not DER").is_err());
    }
}
