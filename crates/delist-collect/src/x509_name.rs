//! X.509 names as RFC 4514 text, the same text `x509-cert`'s `Display` writes, found faster.
//!
//! `x509-cert` 0.2 names each attribute by scanning the whole OID database of `const-oid` for
//! the shortest name of its OID (about 1,500 entries, for every attribute of every name), which
//! made up a fifth of reading a signed Mach-O's signature. Here each OID's name is looked up once
//! per thread and kept; the text is written by the same rules, and a test holds the two equal.
//! The cache is bounded, since a hostile certificate may carry any number of distinct OIDs.
//! Owns nothing else; no I/O. Authenticode (PE) names do not come through here: they are written
//! from the raw DER by `files::pe::der::dn_text`, which says why it does not decode with `x509-cert`.

use der::asn1::{Any, Ia5StringRef, ObjectIdentifier, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Encode, Tag, Tagged};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write;
use x509_cert::name::Name;

/// Most OIDs whose names one thread keeps; past it, names are looked up without being kept.
const CACHE_MAX: usize = 256;

thread_local! {
    static NAMES: RefCell<HashMap<ObjectIdentifier, Option<&'static str>>> = RefCell::new(HashMap::new());
}

/// The shortest name `const-oid`'s database gives `oid` (the first of the shortest), as
/// `x509-cert` picks it.
fn shortest_name(oid: ObjectIdentifier) -> Option<&'static str> {
    if let Some(hit) = NAMES.with_borrow(|names| names.get(&oid).copied()) {
        return hit;
    }
    let mut best: Option<&'static str> = None;
    for name in der::oid::db::DB.find_names_for_oid(oid) {
        if best.is_none_or(|b| name.len() < b.len()) {
            best = Some(name);
        }
    }
    NAMES.with_borrow_mut(|names| {
        if names.len() < CACHE_MAX {
            names.insert(oid, best);
        }
    });
    best
}

/// The value of an attribute as text, for the string types `x509-cert` writes as text.
fn text_of(value: &Any) -> Option<&str> {
    match value.tag() {
        Tag::PrintableString => PrintableStringRef::try_from(value).ok().map(|s| s.as_str()),
        Tag::Utf8String => Utf8StringRef::try_from(value).ok().map(|s| s.as_str()),
        Tag::Ia5String => Ia5StringRef::try_from(value).ok().map(|s| s.as_str()),
        Tag::TeletexString => TeletexStringRef::try_from(value).ok().map(|s| s.as_str()),
        _ => None,
    }
}

/// `name` as RFC 4514 text: its relative names last first, joined by `,`, the attributes of
/// one joined by `+`; each `SHORTNAME=value` with RFC 4514's escapes, or `OID=#hex-of-DER` when
/// the OID has no name or the value is not text.
pub(crate) fn to_string(name: &Name) -> String {
    let mut s = String::new();
    for (i, rdn) in name.0.iter().rev().enumerate() {
        if i > 0 {
            s.push(',');
        }
        for (j, atv) in rdn.0.iter().enumerate() {
            if j > 0 {
                s.push('+');
            }
            match (shortest_name(atv.oid), text_of(&atv.value)) {
                (Some(key), Some(val)) => {
                    s.push_str(&key.to_ascii_uppercase());
                    s.push('=');
                    let mut chars = val.char_indices().peekable();
                    while let Some((k, c)) = chars.next() {
                        match c {
                            '#' if k == 0 => s.push_str("\\#"),
                            ' ' if k == 0 || chars.peek().is_none() => s.push_str("\\ "),
                            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                                s.push('\\');
                                s.push(c);
                            }
                            // Writing to a String cannot fail.
                            '\x00'..='\x1f' | '\x7f' => _ = write!(s, "\\{:02x}", c as u8),
                            _ => s.push(c),
                        }
                    }
                }
                _ => {
                    _ = write!(s, "{}=#", atv.oid);
                    // A value read from DER encodes again; if it ever did not, its hex is left
                    // out rather than the whole name.
                    for b in atv.value.to_der().unwrap_or_default() {
                        _ = write!(s, "{b:02x}");
                    }
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode;
    use std::str::FromStr;
    use x509_cert::attr::AttributeTypeAndValue;
    use x509_cert::name::RelativeDistinguishedName;

    fn atv(oid: &str, value: Any) -> AttributeTypeAndValue {
        AttributeTypeAndValue { oid: ObjectIdentifier::new_unwrap(oid), value }
    }

    #[test]
    fn same_text_as_x509_cert() {
        let mut names: Vec<Name> = [
            "CN=Kaspersky Lab,O=AO Kaspersky Lab,L=Moscow,C=RU",
            "CN=Developer ID Application: Example Ltd (ABCDE12345),OU=ABCDE12345,O=Example Ltd,C=US",
            "CN=a+O=b,OU=c\\,d,C=DE",
            "CN=\\#hash\\ ,O=quote\\\"plus\\+semi\\;lt\\<gt\\>back\\\\",
            "UID=jdoe,DC=example,DC=com",
        ]
        .iter()
        .map(|s| Name::from_str(s).expect(s))
        .chain([Name::default()])
        .collect();
        // Values and OIDs that `from_str` cannot write: control bytes, other string types, an
        // OID with no name, a non-string value, a leading space.
        let weird = vec![
            atv("2.5.4.3", Any::new(Tag::Utf8String, "tab\there\x7f".as_bytes()).expect("any")),
            atv("2.5.4.10", Any::new(Tag::Ia5String, b" lead".as_slice()).expect("any")),
            atv("2.5.4.11", Any::new(Tag::TeletexString, b"teletex".as_slice()).expect("any")),
            atv("2.5.4.6", Any::new(Tag::BmpString, b"\0U\0S".as_slice()).expect("any")),
            atv("1.2.3.4.5.6.7", Any::new(Tag::Utf8String, b"no name".as_slice()).expect("any")),
            atv("1.2.840.113549.1.9.1", Any::new(Tag::Ia5String, b"a@b.example".as_slice()).expect("any")),
            atv("2.5.4.3", Any::new(Tag::Integer, b"\x05".as_slice()).expect("any")),
            atv("2.5.4.3", Any::new(Tag::PrintableString, b"".as_slice()).expect("any")),
        ];
        for a in weird {
            let rdn = RelativeDistinguishedName::from(der::asn1::SetOfVec::try_from(vec![a]).expect("set"));
            names.push(x509_cert::name::RdnSequence(vec![rdn]));
        }
        for name in &names {
            // Twice: the second comes from the cache.
            assert_eq!(to_string(name), name.to_string());
            assert_eq!(to_string(name), name.to_string());
        }
    }

    #[test]
    fn same_text_on_the_fixture_certificates() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut seen = 0;
        for entry in walk(&dir) {
            let bytes = std::fs::read(&entry).expect("read");
            let cert = if bytes.starts_with(b"-----BEGIN CERTIFICATE-----") {
                der::DecodePem::from_pem(&bytes).ok()
            } else {
                x509_cert::Certificate::from_der(&bytes).ok()
            };
            if let Some(cert) = cert {
                let cert: x509_cert::Certificate = cert;
                for name in [&cert.tbs_certificate.subject, &cert.tbs_certificate.issuer] {
                    assert_eq!(to_string(name), name.to_string(), "{}", entry.display());
                }
                seen += 1;
            }
        }
        assert!(seen > 0, "no DER certificate under {}", dir.display());
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else if p.metadata().is_ok_and(|m| m.len() < 64 * 1024) {
                out.push(p);
            }
        }
        out
    }
}
