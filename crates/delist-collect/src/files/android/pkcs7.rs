//! pkcs7: a bounded BER/DER reader and the few pieces of CMS (PKCS #7 `SignedData`) and X.509
//! that delist reads from mobile-app and installer signatures: the embedded certificates, which
//! one signed (by issuer and serial), the signing time, and the encapsulated content (the plist
//! inside an `embedded.mobileprovision`). Shared by [`super`] (APK v1 `META-INF/*.RSA`, APK
//! v2/v3 certificate lists, IPA provisioning profiles) and [`crate::files::msi`]
//! (`\x05DigitalSignature`).
//!
//! Owns turning certificate bytes into a [`Signer`]. It must never verify a signature or a
//! chain, consult a trust store, or allocate from a length it has not checked against its input.
//!
//! Why not the `cms`/`x509-cert` crates: their `SET OF` decoding sorts elements (insertion sort,
//! quadratic in a hostile element count), they reject BER indefinite lengths (which `openssl cms`
//! and Apple's provisioning profiles use), and they fail a whole certificate on one odd string
//! type. This reader only walks TLV headers, every length checked, depth capped at
//! [`MAX_DEPTH`], so its cost is linear in the input (times the depth for nested indefinite
//! lengths).

use delist_core::Signer;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// Deepest nesting of constructed values followed.
pub const MAX_DEPTH: usize = 32;
/// Most certificates read from one `SignedData`.
pub const MAX_CERTS: usize = 64;
/// Most `SignerInfo`s read from one `SignedData`.
pub const MAX_SIGNER_INFOS: usize = 16;

const CLASS_UNIVERSAL: u8 = 0;
const CLASS_CONTEXT: u8 = 2;

/// One BER value: its tag, its content (without the end-of-contents octets of an indefinite
/// length) and the whole encoding.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub class: u8,
    pub constructed: bool,
    pub number: u32,
    pub content: &'a [u8],
    pub raw: &'a [u8],
}

impl Tlv<'_> {
    fn is(&self, class: u8, number: u32) -> bool {
        self.class == class && self.number == number
    }

    fn is_universal(&self, number: u32) -> bool {
        self.is(CLASS_UNIVERSAL, number)
    }
}

/// Reads one value from the front of `input`; returns it and the rest.
pub fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), String> {
    read_tlv_at(input, 0)
}

fn read_tlv_at(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), String> {
    if depth > MAX_DEPTH {
        return Err(format!("BER nested deeper than {MAX_DEPTH}"));
    }
    let first = *input.first().ok_or("BER value cut short (no tag)")?;
    let class = first >> 6;
    let constructed = first & 0x20 != 0;
    let mut pos = 1usize;
    let mut number = u32::from(first & 0x1f);
    if number == 0x1f {
        number = 0;
        let mut n = 0;
        loop {
            let b = *input.get(pos).ok_or("BER tag cut short")?;
            pos += 1;
            n += 1;
            if n > 4 {
                return Err("BER tag number too long".into());
            }
            number = (number << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let lb = *input.get(pos).ok_or("BER value cut short (no length)")?;
    pos += 1;
    if lb == 0x80 {
        // Indefinite length: children until the end-of-contents octets.
        if !constructed {
            return Err("BER indefinite length on a primitive value".into());
        }
        let start = pos;
        let mut rest = input.get(pos..).ok_or("BER value cut short")?;
        loop {
            if rest.starts_with(&[0, 0]) {
                let end = input.len() - rest.len();
                let tlv = Tlv { class, constructed, number, content: &input[start..end], raw: &input[..end + 2] };
                return Ok((tlv, &rest[2..]));
            }
            if rest.is_empty() {
                return Err("BER indefinite length without end-of-contents".into());
            }
            let (_, r) = read_tlv_at(rest, depth + 1)?;
            rest = r;
        }
    }
    let len = if lb < 0x80 {
        usize::from(lb)
    } else {
        let n = usize::from(lb & 0x7f);
        if n > 4 {
            return Err("BER length over 4 bytes".into());
        }
        let bytes = input.get(pos..pos + n).ok_or("BER length cut short")?;
        pos += n;
        bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    let end = pos.checked_add(len).ok_or("BER length overflows")?;
    if end > input.len() {
        return Err(format!("BER value of {len} bytes overruns its container ({} left)", input.len() - pos));
    }
    let tlv = Tlv { class, constructed, number, content: &input[pos..end], raw: &input[..end] };
    Ok((tlv, &input[end..]))
}

/// The values inside a constructed value's content, in order.
pub fn children(content: &[u8]) -> Result<Vec<Tlv<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let (t, r) = read_tlv(rest)?;
        out.push(t);
        rest = r;
        if out.len() > 100_000 {
            return Err("too many BER values in one container".into());
        }
    }
    Ok(out)
}

/// The bytes of an OCTET STRING, joining the segments of a BER constructed one.
fn octets(t: &Tlv<'_>, depth: usize) -> Result<Vec<u8>, String> {
    if !t.constructed {
        return Ok(t.content.to_vec());
    }
    if depth > MAX_DEPTH {
        return Err(format!("OCTET STRING segments nested deeper than {MAX_DEPTH}"));
    }
    let mut out = Vec::new();
    for c in children(t.content)? {
        out.extend(octets(&c, depth + 1)?);
    }
    Ok(out)
}

fn expect<'a>(t: Option<&Tlv<'a>>, what: &str, ok: impl Fn(&Tlv<'a>) -> bool) -> Result<Tlv<'a>, String> {
    match t {
        Some(t) if ok(t) => Ok(*t),
        Some(_) => Err(format!("{what}: unexpected tag")),
        None => Err(format!("{what}: missing")),
    }
}

const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const OID_SIGNING_TIME: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05];

/// Who a `SignerInfo` says signed: the issuer's encoded Name and the serial's content bytes, or
/// a subject key identifier.
#[derive(Debug, Clone)]
pub struct SignerId<'a> {
    pub issuer: Option<&'a [u8]>,
    pub serial: Option<&'a [u8]>,
    pub ski: Option<&'a [u8]>,
    pub signing_time: Option<String>,
}

/// The parts of a CMS `SignedData` delist reads.
#[derive(Debug, Clone, Default)]
pub struct SignedData<'a> {
    /// The encapsulated content (`eContent`), if the signature is not detached.
    pub content: Option<Vec<u8>>,
    /// Every certificate's encoding, as stored.
    pub certificates: Vec<&'a [u8]>,
    pub signers: Vec<SignerId<'a>>,
}

/// Reads a `ContentInfo` holding a `SignedData` (PKCS #7 / CMS, DER or BER).
pub fn parse_signed_data(input: &[u8]) -> Result<SignedData<'_>, String> {
    let (ci, _) = read_tlv(input).map_err(|e| format!("PKCS#7: {e}"))?;
    if !ci.is_universal(16) {
        return Err("PKCS#7: not a SEQUENCE".into());
    }
    let ci = children(ci.content)?;
    let oid = expect(ci.first(), "PKCS#7 contentType", |t| t.is_universal(6))?;
    if oid.content != OID_SIGNED_DATA {
        return Err("PKCS#7: content is not SignedData".into());
    }
    let explicit = expect(ci.get(1), "PKCS#7 content", |t| t.is(CLASS_CONTEXT, 0))?;
    let (sd, _) = read_tlv(explicit.content)?;
    if !sd.is_universal(16) {
        return Err("SignedData: not a SEQUENCE".into());
    }
    let parts = children(sd.content)?;
    // version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos
    let eci = expect(parts.get(2), "SignedData encapContentInfo", |t| t.is_universal(16))?;
    let mut out = SignedData::default();
    let eci = children(eci.content)?;
    if let Some(e) = eci.get(1).filter(|t| t.is(CLASS_CONTEXT, 0)) {
        let (os, _) = read_tlv(e.content)?;
        if os.is_universal(4) {
            out.content = Some(octets(&os, 0)?);
        } else {
            // PKCS #7 v1.5 allowed any type here (Authenticode's SpcIndirectDataContent).
            out.content = Some(os.raw.to_vec());
        }
    }
    for p in parts.iter().skip(3) {
        if p.is(CLASS_CONTEXT, 0) {
            for c in children(p.content)? {
                if out.certificates.len() >= MAX_CERTS {
                    break;
                }
                // A plain Certificate is a SEQUENCE; other CertificateChoices are tagged.
                if c.is_universal(16) {
                    out.certificates.push(c.raw);
                }
            }
        } else if p.is_universal(17) {
            for si in children(p.content)?.into_iter().take(MAX_SIGNER_INFOS) {
                if si.is_universal(16) {
                    out.signers.push(signer_id(&si)?);
                }
            }
        }
    }
    Ok(out)
}

fn signer_id<'a>(si: &Tlv<'a>) -> Result<SignerId<'a>, String> {
    let f = children(si.content)?;
    let mut id = SignerId { issuer: None, serial: None, ski: None, signing_time: None };
    match f.get(1) {
        Some(sid) if sid.is_universal(16) => {
            let ias = children(sid.content)?;
            id.issuer = ias.first().filter(|t| t.is_universal(16)).map(|t| t.raw);
            id.serial = ias.get(1).filter(|t| t.is_universal(2)).map(|t| t.content);
        }
        Some(sid) if sid.is(CLASS_CONTEXT, 0) => id.ski = Some(sid.content),
        _ => return Err("SignerInfo: no signer identifier".into()),
    }
    if let Some(attrs) = f.get(3).filter(|t| t.is(CLASS_CONTEXT, 0)) {
        for a in children(attrs.content)? {
            let a = children(a.content)?;
            if a.first().is_some_and(|o| o.is_universal(6) && o.content == OID_SIGNING_TIME)
                && let Some(set) = a.get(1)
                && let Some(t) = children(set.content)?.first()
            {
                id.signing_time = time(t);
            }
        }
    }
    Ok(id)
}

/// The fields of an X.509 certificate delist reads.
#[derive(Debug, Clone, Copy)]
pub struct Cert<'a> {
    /// The whole certificate (what thumbprints hash).
    pub raw: &'a [u8],
    /// The `tbsCertificate` encoding (what WDAC publisher rules hash).
    pub tbs: &'a [u8],
    /// The serial number's content bytes (two's complement, big-endian).
    pub serial: &'a [u8],
    /// The encoded issuer and subject `Name`s.
    pub issuer: &'a [u8],
    pub subject: &'a [u8],
    /// The SubjectKeyIdentifier extension, if present.
    pub ski: Option<&'a [u8]>,
}

const OID_SKI: &[u8] = &[0x55, 0x1d, 0x0e];

/// Reads the fields of one certificate.
pub fn parse_cert(raw: &[u8]) -> Result<Cert<'_>, String> {
    let (c, _) = read_tlv(raw).map_err(|e| format!("certificate: {e}"))?;
    if !c.is_universal(16) {
        return Err("certificate: not a SEQUENCE".into());
    }
    let parts = children(c.content)?;
    let tbs = expect(parts.first(), "tbsCertificate", |t| t.is_universal(16))?;
    let f = children(tbs.content)?;
    // An explicit [0] version is optional (v1 certificates omit it).
    let skip = usize::from(f.first().is_some_and(|t| t.is(CLASS_CONTEXT, 0)));
    let serial = expect(f.get(skip), "certificate serial", |t| t.is_universal(2))?;
    let issuer = expect(f.get(skip + 2), "certificate issuer", |t| t.is_universal(16))?;
    let subject = expect(f.get(skip + 4), "certificate subject", |t| t.is_universal(16))?;
    let mut ski = None;
    if let Some(ext) = f.iter().skip(skip + 6).find(|t| t.is(CLASS_CONTEXT, 3))
        && let Ok((seq, _)) = read_tlv(ext.content)
    {
        for e in children(seq.content).unwrap_or_default() {
            let e = children(e.content).unwrap_or_default();
            if e.first().is_some_and(|o| o.is_universal(6) && o.content == OID_SKI)
                && let Some(os) = e.last().filter(|t| t.is_universal(4))
            {
                ski = read_tlv(os.content).ok().map(|(k, _)| k.content);
            }
        }
    }
    Ok(Cert { raw: c.raw, tbs: tbs.raw, serial: serial.content, issuer: issuer.raw, subject: subject.raw, ski })
}

/// One attribute of a Name: its type's OID content bytes and decoded value.
type Atv<'a> = (&'a [u8], String);

/// A Name's RDNs, each a list of attributes, in encoded order.
fn name_attrs(name: &[u8]) -> Result<Vec<Vec<Atv<'_>>>, String> {
    let (seq, _) = read_tlv(name)?;
    let mut rdns = Vec::new();
    for rdn in children(seq.content)? {
        let mut atvs = Vec::new();
        for atv in children(rdn.content)? {
            let f = children(atv.content)?;
            let oid = expect(f.first(), "name attribute type", |t| t.is_universal(6))?;
            let value = f.get(1).ok_or("name attribute without value")?;
            atvs.push((oid.content, value_text(value)));
        }
        rdns.push(atvs);
    }
    Ok(rdns)
}

/// A directory string as text; anything else as `#` and the hex of its encoding (RFC 4514).
fn value_text(t: &Tlv<'_>) -> String {
    string_value(t).unwrap_or_else(|| format!("#{}", hex(t.raw)))
}

fn string_value(t: &Tlv<'_>) -> Option<String> {
    if t.class != CLASS_UNIVERSAL || t.constructed {
        return None;
    }
    let b = t.content;
    Some(match t.number {
        // UTF8String, NumericString, PrintableString, IA5String, VisibleString
        12 | 18 | 19 | 22 | 26 => String::from_utf8_lossy(b).into_owned(),
        // TeletexString: in practice Latin-1
        20 => b.iter().map(|&c| char::from(c)).collect(),
        // BMPString: UTF-16BE
        30 => {
            let units: Vec<u16> = b.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            String::from_utf16_lossy(&units)
        }
        // UniversalString: UTF-32BE
        28 => b
            .chunks_exact(4)
            .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])).unwrap_or('\u{fffd}'))
            .collect(),
        _ => return None,
    })
}

fn attr_key(oid: &[u8]) -> Option<&'static str> {
    Some(match oid {
        [0x55, 0x04, 0x03] => "CN",
        [0x55, 0x04, 0x04] => "SN",
        [0x55, 0x04, 0x05] => "SERIALNUMBER",
        [0x55, 0x04, 0x06] => "C",
        [0x55, 0x04, 0x07] => "L",
        [0x55, 0x04, 0x08] => "ST",
        [0x55, 0x04, 0x09] => "STREET",
        [0x55, 0x04, 0x0a] => "O",
        [0x55, 0x04, 0x0b] => "OU",
        [0x55, 0x04, 0x0c] => "TITLE",
        [0x55, 0x04, 0x0f] => "BUSINESSCATEGORY",
        [0x55, 0x04, 0x11] => "POSTALCODE",
        [0x55, 0x04, 0x2a] => "GIVENNAME",
        [0x55, 0x04, 0x61] => "ORGANIZATIONIDENTIFIER",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => "UID",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "EMAILADDRESS",
        [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x01] => "JURISDICTIONL",
        [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x02] => "JURISDICTIONST",
        [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x03] => "JURISDICTIONC",
        _ => return None,
    })
}

/// An OID's dotted form.
fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    for &b in oid {
        v = v.saturating_mul(128).saturating_add(u64::from(b & 0x7f));
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (v / 40).min(2);
                arcs.push(first);
                arcs.push(v - first * 40);
            } else {
                arcs.push(v);
            }
            v = 0;
        }
    }
    arcs.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

fn escape_value(v: &str) -> String {
    if v.starts_with('#') && v.len() > 1 && v[1..].bytes().all(|b| b.is_ascii_hexdigit()) {
        return v.to_string();
    }
    let mut out = String::with_capacity(v.len());
    let n = v.chars().count();
    for (i, c) in v.chars().enumerate() {
        match c {
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i + 1 == n => out.push_str("\\ "),
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' | '=' => {
                out.push('\\');
                out.push(c);
            }
            '\0'..='\x1f' | '\x7f' => {
                let _ = write!(out, "\\{:02X}", c as u32);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A Name as an RFC 4514 string (last RDN first, as `openssl -nameopt RFC2253` prints it).
pub fn dn_string(name: &[u8]) -> Result<String, String> {
    let rdns = name_attrs(name)?;
    let parts: Vec<String> = rdns
        .iter()
        .rev()
        .map(|atvs| {
            atvs.iter()
                .map(|(oid, v)| {
                    let key = attr_key(oid).map(str::to_string).unwrap_or_else(|| dotted(oid));
                    format!("{key}={}", escape_value(v))
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    Ok(parts.join(","))
}

/// The first value of one attribute (`O`, `CN`) of a Name, as written.
pub fn dn_attr(name: &[u8], key: &str) -> Option<String> {
    let rdns = name_attrs(name).ok()?;
    rdns.iter().flatten().find(|(oid, _)| attr_key(oid) == Some(key)).map(|(_, v)| v.clone())
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A serial number as upper-case hex without leading zero bytes (as `openssl x509 -serial`).
pub fn serial_hex(serial: &[u8]) -> String {
    let start = serial.iter().position(|&b| b != 0).unwrap_or(serial.len().saturating_sub(1));
    hex(serial.get(start..).unwrap_or_default()).to_uppercase()
}

/// A UTCTime or GeneralizedTime as RFC 3339 (UTC), when it is in the usual `Z` form.
fn time(t: &Tlv<'_>) -> Option<String> {
    let s = std::str::from_utf8(t.content).ok()?;
    let (year, rest) = match t.number {
        23 => {
            let yy: u32 = s.get(0..2)?.parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, s.get(2..)?)
        }
        24 => (s.get(0..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let d = rest.get(0..10)?;
    if !d.bytes().all(|b| b.is_ascii_digit()) || !rest.ends_with('Z') {
        return None;
    }
    Some(format!("{year:04}-{}-{}T{}:{}:{}Z", &d[0..2], &d[2..4], &d[4..6], &d[6..8], &d[8..10]))
}

/// A certificate as a [`Signer`] (no verification: `digest_ok` stays `None`). `chain` is every
/// certificate that came with it, to find its issuer's TBS hash.
pub fn signer_of(cert: &Cert<'_>, chain: &[Cert<'_>]) -> Signer {
    let issuer_cert = chain.iter().find(|c| c.subject == cert.issuer && c.raw != cert.raw);
    Signer {
        subject: dn_string(cert.subject).ok(),
        organization: dn_attr(cert.subject, "O").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        common_name: dn_attr(cert.subject, "CN").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        issuer: dn_string(cert.issuer).ok(),
        serial: Some(serial_hex(cert.serial)),
        sha1: Some(hex(&Sha1::digest(cert.raw))),
        sha256: Some(hex(&Sha256::digest(cert.raw))),
        issuer_tbs_sha256: issuer_cert.map(|c| hex(&Sha256::digest(c.tbs))),
        ..Signer::default()
    }
}

/// The signers of a `SignedData`: for each `SignerInfo`, the certificate it names (by issuer and
/// serial, or subject key identifier), with its signing time. Certificates that fail to parse
/// are skipped; a `SignerInfo` whose certificate is missing is skipped.
pub fn signers(sd: &SignedData<'_>) -> Vec<Signer> {
    let certs: Vec<Cert<'_>> = sd.certificates.iter().filter_map(|c| parse_cert(c).ok()).collect();
    let mut out: Vec<Signer> = Vec::new();
    for id in &sd.signers {
        let found = certs.iter().find(|c| match (id.issuer, id.serial, id.ski) {
            (Some(i), Some(s), _) => c.issuer == i && c.serial == s,
            (_, _, Some(k)) => c.ski == Some(k),
            _ => false,
        });
        if let Some(c) = found {
            let mut s = signer_of(c, &certs);
            s.signing_time = id.signing_time.clone();
            if !out.iter().any(|o| o.sha256 == s.sha256) {
                out.push(s);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definite_and_indefinite_lengths() {
        // SEQUENCE (indefinite) { INTEGER 5, OCTET STRING (constructed, indefinite) { "ab", "c" } }
        let ber = [0x30, 0x80, 0x02, 0x01, 0x05, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0, 0, 0, 0];
        let (t, rest) = read_tlv(&ber).unwrap();
        assert!(rest.is_empty());
        let kids = children(t.content).unwrap();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[0].content, &[5]);
        assert_eq!(octets(&kids[1], 0).unwrap(), b"abc");
    }

    #[test]
    fn hostile_lengths_are_errors() {
        assert!(read_tlv(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(read_tlv(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
        assert!(read_tlv(&[0x04, 0x80, 0, 0]).is_err());
        assert!(read_tlv(&[0x30, 0x80, 0x02, 0x01]).is_err());
        assert!(read_tlv(&[]).is_err());
        assert!(read_tlv(&[0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]).is_err());
        // Nesting deeper than MAX_DEPTH through indefinite lengths.
        let mut deep = Vec::new();
        for _ in 0..(MAX_DEPTH + 5) {
            deep.extend([0x30, 0x80]);
        }
        for _ in 0..(MAX_DEPTH + 5) {
            deep.extend([0, 0]);
        }
        assert!(read_tlv(&deep).is_err());
    }

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut v = vec![tag, content.len() as u8];
        v.extend_from_slice(content);
        v
    }

    fn atv(oid: &[u8], tag: u8, value: &[u8]) -> Vec<u8> {
        let mut seq = tlv(0x06, oid);
        seq.extend(tlv(tag, value));
        tlv(0x31, &tlv(0x30, &seq))
    }

    #[test]
    fn names_print_as_rfc4514() {
        let mut rdns = atv(&[0x55, 0x04, 0x06], 0x13, b"US");
        rdns.extend(atv(&[0x55, 0x04, 0x0a], 0x0c, b"A, B"));
        rdns.extend(atv(&[0x55, 0x04, 0x03], 0x1e, &[0x00, b'x', 0x04, 0x1f]));
        rdns.extend(atv(&[0x2a, 0x03], 0x02, &[0x01]));
        let name = tlv(0x30, &rdns);
        assert_eq!(dn_string(&name).unwrap(), "1.2.3=#020101,CN=x\u{41f},O=A\\, B,C=US");
        assert_eq!(dn_attr(&name, "O").as_deref(), Some("A, B"));
        assert_eq!(dn_attr(&name, "CN").as_deref(), Some("x\u{41f}"));
    }

    #[test]
    fn serials_and_times() {
        assert_eq!(serial_hex(&[0x00, 0x8f, 0x01]), "8F01");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[]), "");
        let t = Tlv { class: 0, constructed: false, number: 23, content: b"250102030405Z", raw: b"" };
        assert_eq!(time(&t).as_deref(), Some("2025-01-02T03:04:05Z"));
        let t = Tlv { class: 0, constructed: false, number: 24, content: b"19991231235959Z", raw: b"" };
        assert_eq!(time(&t).as_deref(), Some("1999-12-31T23:59:59Z"));
        let t = Tlv { class: 0, constructed: false, number: 24, content: "1999123123595é".as_bytes(), raw: b"" };
        assert_eq!(time(&t), None);
        assert_eq!(dotted(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]), "1.2.840.113549");
    }

    #[test]
    fn not_signed_data_is_an_error() {
        assert!(parse_signed_data(&[0x30, 0x03, 0x06, 0x01, 0x2a]).is_err());
        assert!(parse_signed_data(b"garbage").is_err());
    }
}
