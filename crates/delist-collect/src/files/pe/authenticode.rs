//! Authenticode: the signatures in a PE's certificate table, and the PE image hash they sign.
//!
//! Owns reading `WIN_CERTIFICATE` entries, the PKCS #7 `SignedData` inside each (with nested
//! signatures, the `1.3.6.1.4.1.311.2.4.1` unsigned attribute), the signer's certificate and its
//! issuer, the signing and timestamp times, and the digest the signature commits to
//! (`SpcIndirectDataContent`). Also which byte ranges of a PE that digest covers ([`hashed_ranges`],
//! after Microsoft's "Windows Authenticode Portable Executable Signature Format").
//!
//! It must never consult a trust store or call a signature trusted: delist reports who the
//! certificate says signed and whether the signed digest matches the file. It does not verify
//! the RSA/ECDSA signature over the signed attributes either — anyone can make a certificate
//! that names any company, so the check that matters without a trust store is whether the
//! signed digest is this file's (a signature lifted onto other bytes, or a patched file, fails).

use super::der::{self, CTX0, CTX0_PRIM, CTX1, INTEGER, OCTET_STRING, OID, SEQUENCE, SET, Tlv};
use super::{u16_at, u32_at};
use delist_core::Signer;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// Most `WIN_CERTIFICATE` entries read from one table (real files have one).
pub const MAX_ENTRIES: usize = 8;
/// Most signatures read from one file, nested ones included (dual-signed files have two).
pub const MAX_SIGNATURES: usize = 16;
/// Deepest chain of nested signatures followed.
pub const MAX_NESTING: usize = 4;
/// Most certificates read from one `SignedData`.
pub const MAX_CERTS: usize = 64;
/// Most `SignerInfo`s read from one `SignedData` (Authenticode allows one).
pub const MAX_SIGNER_INFOS: usize = 4;
/// Most attributes read from one `SignerInfo`.
pub const MAX_ATTRIBUTES: usize = 64;

/// `WIN_CERT_TYPE_PKCS_SIGNED_DATA`.
const WIN_CERT_TYPE_PKCS_SIGNED_DATA: u16 = 0x0002;

// OID contents (the bytes after the tag and length), compared as bytes.
const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const OID_SPC_INDIRECT_DATA: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x01, 0x04];
const OID_NESTED_SIGNATURE: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x04, 0x01];
const OID_MS_TIMESTAMP: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x03, 0x03, 0x01];
const OID_MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
const OID_SIGNING_TIME: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05];
const OID_COUNTERSIGNATURE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x06];
const OID_TST_INFO: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04];

/// A digest algorithm an Authenticode signature can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlg {
    /// From an AlgorithmIdentifier's OID contents. Signers sometimes write the signature
    /// algorithm (`sha256WithRSAEncryption`) where the digest algorithm belongs; both are read.
    pub fn from_oid(oid: &[u8]) -> Option<Self> {
        const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
        const NIST: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02];
        match oid {
            [0x2b, 0x0e, 0x03, 0x02, 0x1a] => Some(Self::Sha1),
            [p @ .., n] if p == NIST => match n {
                1 => Some(Self::Sha256),
                2 => Some(Self::Sha384),
                3 => Some(Self::Sha512),
                _ => None,
            },
            [p @ .., n] if p == RSA => match n {
                5 => Some(Self::Sha1),
                11 => Some(Self::Sha256),
                12 => Some(Self::Sha384),
                13 => Some(Self::Sha512),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    pub fn hasher(self) -> Hasher {
        match self {
            Self::Sha1 => Hasher::Sha1(Sha1::new()),
            Self::Sha256 => Hasher::Sha256(Sha256::new()),
            Self::Sha384 => Hasher::Sha384(Sha384::new()),
            Self::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = self.hasher();
        h.update(data);
        h.finish()
    }
}

/// A running digest of one of the [`DigestAlg`]s.
#[derive(Clone)]
pub enum Hasher {
    Sha1(Sha1),
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl Hasher {
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha1(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    pub fn finish(self) -> Vec<u8> {
        match self {
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha384(h) => h.finalize().to_vec(),
            Self::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// Where the fields Authenticode leaves out of the image hash are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashLayout {
    /// File offset of the optional header's CheckSum (4 bytes).
    pub checksum: u64,
    /// File offset of the certificate-table data-directory entry (8 bytes).
    pub security_entry: u64,
    /// The certificate table: file offset and size (the entry's VirtualAddress is a file offset).
    pub table: (u64, u64),
}

/// The byte ranges the Authenticode image hash covers, in order: everything before the
/// certificate table except the CheckSum and the certificate-table entry.
///
/// Microsoft's algorithm hashes the headers, then the sections by file offset, then what
/// follows them up to the certificate table; for the contiguous layout every linker writes
/// that is exactly this range list (which is also what osslsigncode and Windows compute). Bytes
/// after the certificate table are not covered, as Windows does not cover them either.
pub fn hashed_ranges(l: &HashLayout, file_len: u64) -> Result<[(u64, u64); 3], &'static str> {
    let checksum_end = l.checksum.checked_add(4).ok_or("checksum offset overflows")?;
    let entry_end = l.security_entry.checked_add(8).ok_or("certificate entry offset overflows")?;
    let (table, size) = l.table;
    let table_end = table.checked_add(size).ok_or("certificate table overflows")?;
    if checksum_end > l.security_entry || entry_end > table || table_end > file_len {
        return Err("certificate table overlaps the headers or runs past the end of the file");
    }
    Ok([(0, l.checksum), (checksum_end, l.security_entry), (entry_end, table)])
}

/// The Authenticode image hash of a PE held in memory.
pub fn image_digest(data: &[u8], l: &HashLayout, alg: DigestAlg) -> Result<Vec<u8>, &'static str> {
    let mut h = alg.hasher();
    for (start, end) in hashed_ranges(l, data.len() as u64)? {
        let (s, e) = (usize::try_from(start).map_err(|_| "offset")?, usize::try_from(end).map_err(|_| "offset")?);
        h.update(data.get(s..e).ok_or("range outside the file")?);
    }
    Ok(h.finish())
}

/// What `SpcIndirectDataContent` says the signed image digest is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedDigest {
    Known(DigestAlg, Vec<u8>),
    /// An algorithm delist does not compute (MD5 on very old files): the verdict is unknown.
    UnknownAlgorithm(String),
    /// No readable DigestInfo: nothing this file could match.
    Malformed,
}

impl SignedDigest {
    pub fn algorithm(&self) -> Option<DigestAlg> {
        match self {
            Self::Known(alg, _) => Some(*alg),
            _ => None,
        }
    }
}

/// One signature read from the certificate table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Who the signing certificate names; `digest_ok` is left for the caller, who has the file.
    pub signer: Signer,
    /// The image digest the signature commits to (`SpcIndirectDataContent`'s DigestInfo).
    pub digest: SignedDigest,
    /// Whether the signer's messageDigest attribute is the digest of the signed content — that
    /// is, whether `digest` is what was signed. `None` without the attribute (then the content
    /// is signed directly) or with a digest algorithm delist does not compute.
    pub content_ok: Option<bool>,
    /// The time an RFC 3161 timestamp or PKCS #9 countersignature vouches for, RFC 3339.
    pub timestamp: Option<String>,
    /// 0 for a primary signature, 1 for one nested in it, and so on.
    pub nesting: usize,
}

impl Signature {
    /// The [`Signer`] with `digest_ok` decided from the file's image digest under this
    /// signature's algorithm (`None` when that could not be computed).
    pub fn verdict(&self, image_digest: Option<&[u8]>) -> Signer {
        let mut s = self.signer.clone();
        s.digest_ok = match (&self.digest, image_digest) {
            (SignedDigest::Malformed, _) => Some(false),
            (SignedDigest::Known(_, signed), Some(actual)) => {
                Some(signed.as_slice() == actual && self.content_ok != Some(false))
            }
            // The file could not be hashed, or not with this algorithm; but a messageDigest
            // that does not cover the content already says this is not what was signed.
            _ => (self.content_ok == Some(false)).then_some(false),
        };
        if s.signing_time.is_none() {
            s.signing_time = self.timestamp.clone();
        }
        s
    }
}

/// Every signature in a certificate table, and what could not be read (one line each).
pub fn parse_table(table: &[u8]) -> (Vec<Signature>, Vec<String>) {
    let mut sigs = Vec::new();
    let mut errors = Vec::new();
    let mut off = 0usize;
    for _ in 0..MAX_ENTRIES {
        // WIN_CERTIFICATE: dwLength (header included), wRevision, wCertificateType, bCertificate.
        let (Some(len), Some(kind)) = (u32_at(table, off), u16_at(table, off.saturating_add(6))) else { break };
        let len = len as usize;
        if len < 8 {
            if off == 0 {
                errors.push(format!("certificate table entry of {len} bytes"));
            }
            break;
        }
        let end = off.saturating_add(len);
        let Some(body) = table.get(off + 8..end) else {
            errors.push(format!("certificate table entry of {len} bytes runs past the table"));
            break;
        };
        if kind == WIN_CERT_TYPE_PKCS_SIGNED_DATA {
            // bCertificate is padded to 8 bytes: read one DER element and ignore the rest.
            match der::read(body) {
                Ok((ci, _)) => {
                    if let Err(e) = content_info(&ci, 0, &mut sigs, &mut errors) {
                        errors.push(format!("signature {}: {e}", sigs.len() + 1));
                    }
                }
                Err(e) => errors.push(format!("signature {}: {e}", sigs.len() + 1)),
            }
        }
        // Entries are aligned to 8 bytes.
        off = match end.checked_add(7) {
            Some(e) => e & !7,
            None => break,
        };
    }
    (sigs, errors)
}

/// Reads a ContentInfo holding an Authenticode SignedData into `out` (its nested signatures
/// after it). Errors in nested signatures go to `errors`; the outer one still counts.
fn content_info(ci: &Tlv<'_>, nesting: usize, out: &mut Vec<Signature>, errors: &mut Vec<String>) -> der::Result<()> {
    if out.len() >= MAX_SIGNATURES {
        return Err("too many signatures");
    }
    let mut r = ci.reader();
    let ty = r.want(OID, "ContentInfo without a content type")?;
    if ty.value != OID_SIGNED_DATA {
        return Err("not a PKCS #7 SignedData");
    }
    let explicit = r.want(CTX0, "ContentInfo without content")?;
    let (sd, _) = der::read(explicit.value)?;
    if sd.tag != SEQUENCE {
        return Err("SignedData is not a SEQUENCE");
    }
    let mut s = sd.reader();
    s.want(INTEGER, "SignedData without a version")?;
    s.want(SET, "SignedData without digest algorithms")?;
    let encap = s.want(SEQUENCE, "SignedData without content")?;
    let certs_tlv = s.optional(CTX0)?;
    s.optional(CTX1)?; // CRLs
    let signer_infos = s.want(SET, "SignedData without signer infos")?;

    // Authenticode's content is SpcIndirectDataContent, written directly under [0] (PKCS #7),
    // not wrapped in an OCTET STRING as CMS would.
    let mut e = encap.reader();
    let ct = e.want(OID, "content without a type")?;
    if ct.value != OID_SPC_INDIRECT_DATA {
        return Err("content is not SpcIndirectDataContent");
    }
    let spc_wrapper = e.want(CTX0, "SpcIndirectDataContent missing")?;
    let (spc, _) = der::read(spc_wrapper.value)?;
    let digest = spc_digest(&spc);

    let mut certs = Vec::new();
    if let Some(set) = certs_tlv {
        let mut cr = set.reader();
        while let Some(c) = cr.next_tlv()? {
            if certs.len() >= MAX_CERTS {
                break;
            }
            // Other CertificateChoices (attribute certificates) are tagged, not SEQUENCEs.
            if c.tag == SEQUENCE
                && let Ok(cert) = der::certificate(&c)
            {
                certs.push(cert);
            }
        }
    }

    let mut si_reader = signer_infos.reader();
    let mut read_one = false;
    for _ in 0..MAX_SIGNER_INFOS {
        let Some(si) = si_reader.next_tlv()? else { break };
        if out.len() >= MAX_SIGNATURES {
            break;
        }
        let info = signer_info(&si)?;
        let cert = find_cert(&certs, &info.sid);
        let mut signer = match cert {
            Some(c) => describe(c, &certs),
            None => from_sid(&info.sid),
        };
        signer.signing_time = info.signing_time.clone();
        // The messageDigest attribute covers the contents octets of SpcIndirectDataContent.
        let content_ok = match (info.message_digest, info.digest_alg) {
            (Some(md), Some(alg)) => Some(alg.digest(spc.value) == md),
            _ => None,
        };
        out.push(Signature { signer, digest: digest.clone(), content_ok, timestamp: info.timestamp, nesting });
        read_one = true;
        for n in info.nested {
            if nesting + 1 > MAX_NESTING {
                errors.push("nested signatures deeper than the limit".into());
                break;
            }
            if let Err(e) = content_info(&n, nesting + 1, out, errors) {
                errors.push(format!("nested signature: {e}"));
            }
        }
    }
    if !read_one {
        return Err("SignedData without a signer");
    }
    Ok(())
}

/// SpcIndirectDataContent ::= SEQUENCE { data SpcAttributeTypeAndOptionalValue, messageDigest
/// DigestInfo } — the digest algorithm and the image digest.
fn spc_digest(spc: &Tlv<'_>) -> SignedDigest {
    let read = || -> der::Result<(Tlv<'_>, Tlv<'_>)> {
        let mut r = spc.reader();
        r.want(SEQUENCE, "SpcIndirectDataContent without data")?;
        let mut d = r.want(SEQUENCE, "SpcIndirectDataContent without a digest")?.reader();
        let alg_oid =
            d.want(SEQUENCE, "DigestInfo without an algorithm")?.reader().want(OID, "algorithm without an id")?;
        Ok((alg_oid, d.want(OCTET_STRING, "DigestInfo without a digest")?))
    };
    match read() {
        Ok((oid, digest)) => match DigestAlg::from_oid(oid.value) {
            Some(alg) => SignedDigest::Known(alg, digest.value.to_vec()),
            None => SignedDigest::UnknownAlgorithm(der::oid_text(oid.value)),
        },
        Err(_) => SignedDigest::Malformed,
    }
}

/// How a SignerInfo names its certificate.
enum Sid<'a> {
    IssuerSerial { issuer: Tlv<'a>, serial: &'a [u8] },
    KeyId(&'a [u8]),
}

struct SignerInfoParts<'a> {
    sid: Sid<'a>,
    digest_alg: Option<DigestAlg>,
    message_digest: Option<&'a [u8]>,
    signing_time: Option<String>,
    timestamp: Option<String>,
    nested: Vec<Tlv<'a>>,
}

/// The attributes of a `[0]`/`[1]` IMPLICIT SET OF Attribute: (type OID contents, values SET).
fn attributes<'a>(set: &Tlv<'a>) -> der::Result<Vec<(&'a [u8], Tlv<'a>)>> {
    let mut out = Vec::new();
    let mut r = set.reader();
    while let Some(attr) = r.next_tlv()? {
        if out.len() >= MAX_ATTRIBUTES {
            break;
        }
        let mut a = attr.reader();
        let oid = a.want(OID, "attribute without a type")?;
        let values = a.want(SET, "attribute without values")?;
        out.push((oid.value, values));
    }
    Ok(out)
}

/// The first value of an attribute's SET.
fn first_value<'a>(values: &Tlv<'a>) -> Option<Tlv<'a>> {
    values.reader().next_tlv().ok().flatten()
}

fn signer_info<'a>(si: &Tlv<'a>) -> der::Result<SignerInfoParts<'a>> {
    let mut r = si.reader();
    r.want(INTEGER, "SignerInfo without a version")?;
    let sid_tlv = r.next_tlv()?.ok_or("SignerInfo without a signer id")?;
    let sid = match sid_tlv.tag {
        SEQUENCE => {
            let mut s = sid_tlv.reader();
            let issuer = s.want(SEQUENCE, "signer id without an issuer")?;
            let serial = s.want(INTEGER, "signer id without a serial")?;
            Sid::IssuerSerial { issuer, serial: serial.value }
        }
        CTX0_PRIM => Sid::KeyId(sid_tlv.value),
        _ => return Err("SignerInfo with an unknown signer id"),
    };
    let alg_id = r.want(SEQUENCE, "SignerInfo without a digest algorithm")?;
    let digest_alg =
        alg_id.reader().want(OID, "digest algorithm without an id").ok().and_then(|o| DigestAlg::from_oid(o.value));
    let signed = r.optional(CTX0)?;
    r.want(SEQUENCE, "SignerInfo without a signature algorithm")?;
    r.want(OCTET_STRING, "SignerInfo without a signature")?;
    let unsigned = r.optional(CTX1)?;

    let mut parts = SignerInfoParts {
        sid,
        digest_alg,
        message_digest: None,
        signing_time: None,
        timestamp: None,
        nested: Vec::new(),
    };
    if let Some(signed) = signed {
        for (oid, values) in attributes(&signed)? {
            match oid {
                OID_MESSAGE_DIGEST => {
                    parts.message_digest = first_value(&values).filter(|v| v.tag == OCTET_STRING).map(|v| v.value);
                }
                OID_SIGNING_TIME => parts.signing_time = first_value(&values).and_then(|v| der::time_text(&v)),
                _ => {}
            }
        }
    }
    if let Some(unsigned) = unsigned {
        for (oid, values) in attributes(&unsigned)? {
            match oid {
                OID_NESTED_SIGNATURE => {
                    let mut vr = values.reader();
                    while let Ok(Some(v)) = vr.next_tlv() {
                        if parts.nested.len() >= MAX_SIGNATURES {
                            break;
                        }
                        parts.nested.push(v);
                    }
                }
                OID_COUNTERSIGNATURE if parts.timestamp.is_none() => {
                    parts.timestamp = first_value(&values).and_then(|v| countersignature_time(&v));
                }
                OID_MS_TIMESTAMP if parts.timestamp.is_none() => {
                    parts.timestamp = first_value(&values).and_then(|v| rfc3161_time(&v));
                }
                _ => {}
            }
        }
    }
    Ok(parts)
}

/// A PKCS #9 countersignature (a SignerInfo) vouches for its signingTime attribute.
fn countersignature_time(si: &Tlv<'_>) -> Option<String> {
    let mut r = si.reader();
    r.want(INTEGER, "").ok()?;
    r.next_tlv().ok()??; // sid
    r.want(SEQUENCE, "").ok()?;
    let signed = r.optional(CTX0).ok()??;
    attributes(&signed)
        .ok()?
        .into_iter()
        .find(|(oid, _)| *oid == OID_SIGNING_TIME)
        .and_then(|(_, values)| first_value(&values))
        .and_then(|v| der::time_text(&v))
}

/// An RFC 3161 timestamp token (a ContentInfo whose SignedData holds a TSTInfo) vouches for
/// TSTInfo's genTime.
fn rfc3161_time(token: &Tlv<'_>) -> Option<String> {
    let mut r = token.reader();
    if r.want(OID, "").ok()?.value != OID_SIGNED_DATA {
        return None;
    }
    let (sd, _) = der::read(r.want(CTX0, "").ok()?.value).ok()?;
    let mut s = sd.reader();
    s.want(INTEGER, "").ok()?;
    s.want(SET, "").ok()?;
    let mut e = s.want(SEQUENCE, "").ok()?.reader();
    if e.want(OID, "").ok()?.value != OID_TST_INFO {
        return None;
    }
    let (octets, _) = der::read(e.want(CTX0, "").ok()?.value).ok()?;
    if octets.tag != OCTET_STRING {
        return None;
    }
    let (tst, _) = der::read(octets.value).ok()?;
    // TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, … }
    let mut t = tst.reader();
    t.want(INTEGER, "").ok()?;
    t.want(OID, "").ok()?;
    t.want(SEQUENCE, "").ok()?;
    t.want(INTEGER, "").ok()?;
    der::time_text(&t.want(der::GENERALIZED_TIME, "").ok()?)
}

/// The certificate a SignerInfo names: by issuer and serial (the encodings compared as bytes),
/// or by subject key identifier.
fn find_cert<'c, 'a>(certs: &'c [der::Cert<'a>], sid: &Sid<'_>) -> Option<&'c der::Cert<'a>> {
    match sid {
        Sid::IssuerSerial { issuer, serial } => {
            certs.iter().find(|c| c.serial == *serial && c.issuer.raw == issuer.raw)
        }
        Sid::KeyId(id) => certs.iter().find(|c| c.ski == Some(*id)),
    }
}

/// What a signing certificate says, with the TBS hash of the certificate that issued it (found
/// among the signature's certificates by subject; a self-signed signer has none).
fn describe(cert: &der::Cert<'_>, all: &[der::Cert<'_>]) -> Signer {
    let issuer_cert = all.iter().find(|c| c.subject.raw == cert.issuer.raw && c.raw != cert.raw);
    Signer {
        subject: der::dn_text(&cert.subject).ok(),
        organization: der::dn_attribute(&cert.subject, der::oids::O),
        common_name: der::dn_attribute(&cert.subject, der::oids::CN),
        issuer: der::dn_text(&cert.issuer).ok(),
        serial: Some(der::serial_hex(cert.serial)),
        sha1: Some(der::hex(&Sha1::digest(cert.raw))),
        sha256: Some(der::hex(&Sha256::digest(cert.raw))),
        issuer_tbs_sha256: issuer_cert.map(|c| der::hex(&Sha256::digest(c.tbs))),
        ..Signer::default()
    }
}

/// What a signer id says when its certificate is not in the signature: issuer and serial only,
/// which name no organisation and so attribute nothing.
fn from_sid(sid: &Sid<'_>) -> Signer {
    match sid {
        Sid::IssuerSerial { issuer, serial } => {
            Signer { issuer: der::dn_text(issuer).ok(), serial: Some(der::serial_hex(serial)), ..Signer::default() }
        }
        Sid::KeyId(_) => Signer::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DER of one element (definite length).
    fn el(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match body.len() {
            n if n < 0x80 => out.push(n as u8),
            n if n < 0x100 => out.extend([0x81, n as u8]),
            n => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        out.extend_from_slice(body);
        out
    }

    fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn hashed_ranges_skip_checksum_entry_and_table() {
        let l = HashLayout { checksum: 0xd8, security_entry: 0x128, table: (0x1000, 0x200) };
        assert_eq!(hashed_ranges(&l, 0x1200), Ok([(0, 0xd8), (0xdc, 0x128), (0x130, 0x1000)]));
        // The table past the end of the file, before the entry, or overflowing: no hash.
        assert!(hashed_ranges(&l, 0x11ff).is_err());
        assert!(hashed_ranges(&HashLayout { table: (0x100, 8), ..l }, 0x1200).is_err());
        assert!(hashed_ranges(&HashLayout { table: (u64::MAX, 8), ..l }, u64::MAX).is_err());
        assert!(hashed_ranges(&HashLayout { checksum: 0x130, ..l }, 0x1200).is_err());
    }

    #[test]
    fn image_digest_ignores_exactly_the_skipped_bytes() {
        let l = HashLayout { checksum: 4, security_entry: 12, table: (24, 8) };
        let mut a = (0u8..32).collect::<Vec<_>>();
        let d = image_digest(&a, &l, DigestAlg::Sha256).expect("digest");
        let expect: Vec<u8> = [&a[0..4], &a[8..12], &a[20..24]].concat();
        assert_eq!(d, DigestAlg::Sha256.digest(&expect));
        // Changing the checksum, the entry or the table changes nothing; any other byte does.
        for i in [4, 7, 12, 19, 24, 31] {
            a[i] ^= 0xff;
        }
        assert_eq!(image_digest(&a, &l, DigestAlg::Sha256).expect("digest"), d);
        a[20] ^= 1;
        assert_ne!(image_digest(&a, &l, DigestAlg::Sha256).expect("digest"), d);
        assert_eq!(image_digest(&a, &l, DigestAlg::Sha1).expect("digest").len(), 20);
    }

    #[test]
    fn digest_algorithms_by_oid() {
        assert_eq!(DigestAlg::from_oid(&[0x2b, 0x0e, 0x03, 0x02, 0x1a]), Some(DigestAlg::Sha1));
        assert_eq!(
            DigestAlg::from_oid(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]),
            Some(DigestAlg::Sha256)
        );
        assert_eq!(
            DigestAlg::from_oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
            Some(DigestAlg::Sha256)
        );
        // MD5 is not computed: such signatures get digest_ok = None.
        assert_eq!(DigestAlg::from_oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05]), None);
        assert_eq!(der::oid_text(OID_NESTED_SIGNATURE), "1.3.6.1.4.1.311.2.4.1");
        assert_eq!(der::oid_text(OID_MS_TIMESTAMP), "1.3.6.1.4.1.311.3.3.1");
        assert_eq!(der::oid_text(OID_TST_INFO), "1.2.840.113549.1.9.16.1.4");
        assert_eq!(der::oid_text(OID_COUNTERSIGNATURE), "1.2.840.113549.1.9.6");
    }

    /// A minimal Authenticode ContentInfo: SHA-256 SpcIndirectDataContent over `image`, no
    /// certificates, one SignerInfo (issuer+serial) whose messageDigest is `md`, with `nested`
    /// ContentInfos in its unsigned attributes.
    fn signed_data(image: &[u8], md: Option<&[u8]>, nested: &[Vec<u8>]) -> Vec<u8> {
        let digest_info = cat(&[el(SEQUENCE, &el(OID, SHA256)), el(OCTET_STRING, &DigestAlg::Sha256.digest(image))]);
        signed_data_with(el(SEQUENCE, &digest_info), md, nested)
    }

    const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];

    /// The same with SpcIndirectDataContent's DigestInfo element as given.
    fn signed_data_with(digest_info: Vec<u8>, md: Option<&[u8]>, nested: &[Vec<u8>]) -> Vec<u8> {
        let alg = el(SEQUENCE, &el(OID, SHA256));
        let spc_body =
            cat(&[el(SEQUENCE, &el(OID, &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x01, 0x0f])), digest_info]);
        let spc = el(SEQUENCE, &spc_body);
        let encap = el(SEQUENCE, &cat(&[el(OID, OID_SPC_INDIRECT_DATA), el(CTX0, &spc)]));
        let md = md.map(<[u8]>::to_vec).unwrap_or_else(|| DigestAlg::Sha256.digest(&spc_body));
        let signed_attrs =
            el(CTX0, &el(SEQUENCE, &cat(&[el(OID, OID_MESSAGE_DIGEST), el(SET, &el(OCTET_STRING, &md))])));
        let mut unsigned = Vec::new();
        if !nested.is_empty() {
            unsigned = el(CTX1, &el(SEQUENCE, &cat(&[el(OID, OID_NESTED_SIGNATURE), el(SET, &nested.concat())])));
        }
        let issuer = el(SEQUENCE, &el(SET, &el(SEQUENCE, &cat(&[el(OID, der::oids::CN), el(0x0c, b"CA")]))));
        let si = el(
            SEQUENCE,
            &cat(&[
                el(INTEGER, &[1]),
                el(SEQUENCE, &cat(&[issuer, el(INTEGER, &[0x30, 0x01])])),
                alg.clone(),
                signed_attrs,
                el(SEQUENCE, &el(OID, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b])),
                el(OCTET_STRING, &[0; 4]),
                unsigned,
            ]),
        );
        let sd = el(SEQUENCE, &cat(&[el(INTEGER, &[1]), el(SET, &alg), encap, el(SET, &si)]));
        el(SEQUENCE, &cat(&[el(OID, OID_SIGNED_DATA), el(CTX0, &sd)]))
    }

    fn table(blobs: &[Vec<u8>]) -> Vec<u8> {
        let mut t = Vec::new();
        for b in blobs {
            let len = 8 + b.len();
            t.extend((len as u32).to_le_bytes());
            t.extend(0x0200u16.to_le_bytes());
            t.extend(WIN_CERT_TYPE_PKCS_SIGNED_DATA.to_le_bytes());
            t.extend(b);
            while t.len() % 8 != 0 {
                t.push(0);
            }
        }
        t
    }

    #[test]
    fn signatures_digests_and_nesting() {
        let image = b"image bytes";
        let inner = signed_data(image, None, &[]);
        let outer = signed_data(image, None, &[inner]);
        let (sigs, errors) = parse_table(&table(&[outer]));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(sigs.len(), 2);
        assert_eq!(sigs.iter().map(|s| s.nesting).collect::<Vec<_>>(), vec![0, 1]);
        let actual = DigestAlg::Sha256.digest(image);
        for s in &sigs {
            // Without its certificate a signer is known by issuer and serial only.
            assert_eq!(s.signer.issuer.as_deref(), Some("CN=CA"));
            assert_eq!(s.signer.serial.as_deref(), Some("3001"));
            assert_eq!(s.signer.organization, None);
            assert_eq!(s.content_ok, Some(true));
            assert_eq!(s.verdict(Some(&actual)).digest_ok, Some(true));
            assert_eq!(s.verdict(Some(&DigestAlg::Sha256.digest(b"other"))).digest_ok, Some(false));
            assert_eq!(s.verdict(None).digest_ok, None);
        }
        // A messageDigest that is not the content's: the digest was not what was signed.
        let (sigs, _) = parse_table(&table(&[signed_data(image, Some(&[0; 32]), &[])]));
        assert_eq!(sigs[0].content_ok, Some(false));
        assert_eq!(sigs[0].verdict(Some(&actual)).digest_ok, Some(false));
    }

    #[test]
    fn unknown_algorithms_are_unknown_and_garbage_is_false() {
        // SHA-224 (not computed): no verdict either way.
        let sha224 = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04];
        let di = el(SEQUENCE, &cat(&[el(SEQUENCE, &el(OID, &sha224)), el(OCTET_STRING, &[0; 28])]));
        let (sigs, _) = parse_table(&table(&[signed_data_with(di, None, &[])]));
        assert_eq!(sigs[0].digest, SignedDigest::UnknownAlgorithm("2.16.840.1.101.3.4.2.4".into()));
        assert_eq!(sigs[0].verdict(None).digest_ok, None);
        // A DigestInfo that is not one: nothing this file could match.
        let (sigs, _) = parse_table(&table(&[signed_data_with(el(INTEGER, &[1]), None, &[])]));
        assert_eq!(sigs[0].digest, SignedDigest::Malformed);
        assert_eq!(sigs[0].verdict(Some(&[0; 32])).digest_ok, Some(false));
        assert_eq!(sigs[0].verdict(None).digest_ok, Some(false));
    }

    #[test]
    fn nesting_and_counts_are_capped() {
        let image = b"x";
        let mut sig = signed_data(image, None, &[]);
        for _ in 0..MAX_NESTING + 3 {
            sig = signed_data(image, None, &[sig]);
        }
        let (sigs, errors) = parse_table(&table(&[sig]));
        assert_eq!(sigs.len(), MAX_NESTING + 1);
        assert!(!errors.is_empty());
        let wide: Vec<Vec<u8>> = (0..40).map(|_| signed_data(image, None, &[])).collect();
        let (sigs, _) = parse_table(&table(&[signed_data(image, None, &wide)]));
        assert_eq!(sigs.len(), MAX_SIGNATURES);
    }

    #[test]
    fn broken_tables_are_errors_not_panics() {
        let good = table(&[signed_data(b"x", None, &[])]);
        for cut in 0..good.len() {
            let _ = parse_table(&good[..cut]);
        }
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x55;
            let _ = parse_table(&bad);
        }
        let (sigs, errors) = parse_table(&[0u8; 16]);
        assert!(sigs.is_empty());
        assert_eq!(errors, vec!["certificate table entry of 0 bytes".to_string()]);
        let (_, errors) = parse_table(&[0xff, 0xff, 0, 0, 0, 2, 2, 0]);
        assert!(errors[0].contains("runs past the table"), "{errors:?}");
    }
}
