//! The CMS (PKCS #7) SignedData of Apple signatures — a Mach-O code signature's blob wrapper and a
//! .pkg's `x-signature` — and the X.509 certificates they carry, read into [`CertInfo`]s and a
//! [`Signer`].
//!
//! Owns: BER to DER normalisation (Apple's Security framework writes indefinite lengths, which
//! the `cms`/`der` crates refuse), the signer's certificate and chain, the signed attributes
//! delist uses (message digest, signing time). It must never consult a trust store or claim a
//! chain is trusted: it reports what the certificates say. The signer's RSA/ECDSA signature over
//! the attributes is not verified; callers compare the signed message digest with the content.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use delist_core::Signer;
use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Tag, Tagged};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_cert::name::Name;

/// Deepest BER nesting converted (certificates nest about 10 deep).
pub const MAX_BER_DEPTH: usize = 40;
/// Largest signature blob read (real ones are 5–20 KiB).
pub const MAX_CMS: usize = 1 << 20;
/// Most certificates read from one signature.
pub const MAX_CERTS: usize = 32;

const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const OID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_OU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
const OID_SKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");

/// A digest algorithm of a CMS signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlg {
    fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Some(match oid.to_string().as_str() {
            "1.3.14.3.2.26" => Self::Sha1,
            "2.16.840.1.101.3.4.2.1" => Self::Sha256,
            "2.16.840.1.101.3.4.2.2" => Self::Sha384,
            "2.16.840.1.101.3.4.2.3" => Self::Sha512,
            _ => return None,
        })
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => Sha1::digest(data).to_vec(),
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

/// What one certificate says about its holder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertInfo {
    /// RFC 4514 string (most significant RDN last, as x509-cert writes it).
    pub subject: String,
    pub organization: Option<String>,
    pub common_name: Option<String>,
    pub org_unit: Option<String>,
    pub issuer: String,
    /// Upper-case hex, without the sign byte.
    pub serial: String,
    pub sha1: String,
    pub sha256: String,
    /// SHA-256 of this certificate's TBS part (what WDAC pins for an issuing CA).
    pub tbs_sha256: String,
    /// The subject key identifier extension, when present.
    ski: Option<Vec<u8>>,
    subject_der: Vec<u8>,
    issuer_der: Vec<u8>,
}

/// A CMS SignedData as delist reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignedInfo {
    pub certs: Vec<CertInfo>,
    /// Index in `certs` of the first signer's certificate.
    pub leaf: Option<usize>,
    pub digest_alg: Option<DigestAlg>,
    /// The signed `messageDigest` attribute: the digest of the signed content.
    pub message_digest: Option<Vec<u8>>,
    /// The signed `signingTime` attribute, RFC 3339.
    pub signing_time: Option<String>,
}

impl SignedInfo {
    pub fn leaf_cert(&self) -> Option<&CertInfo> {
        self.leaf.and_then(|i| self.certs.get(i))
    }

    /// Whether the signed message digest matches `content` (`None` without a digest or with an
    /// unknown algorithm).
    pub fn digest_matches(&self, content: &[u8]) -> Option<bool> {
        let (alg, md) = (self.digest_alg?, self.message_digest.as_ref()?);
        Some(alg.digest(content) == *md)
    }

    /// The signer as delist reports it: the leaf's subject fields and the issuing certificate's
    /// TBS hash (found in the same signature), without Apple fields or a digest verdict.
    pub fn signer(&self) -> Option<Signer> {
        let leaf = self.leaf_cert()?;
        let mut s = cert_signer(leaf);
        s.issuer_tbs_sha256 = self
            .certs
            .iter()
            .find(|c| c.subject_der == leaf.issuer_der && c.sha256 != leaf.sha256)
            .map(|c| c.tbs_sha256.clone());
        s.signing_time = self.signing_time.clone();
        Some(s)
    }
}

/// A certificate's subject fields as a [`Signer`] (no Apple fields, no digest verdict).
pub fn cert_signer(c: &CertInfo) -> Signer {
    Signer {
        subject: Some(c.subject.clone()).filter(|s| !s.is_empty()),
        organization: c.organization.clone(),
        common_name: c.common_name.clone(),
        issuer: Some(c.issuer.clone()).filter(|s| !s.is_empty()),
        serial: Some(c.serial.clone()).filter(|s| !s.is_empty()),
        sha1: Some(c.sha1.clone()),
        sha256: Some(c.sha256.clone()),
        ..Signer::default()
    }
}

/// Whether a string has the shape of an Apple Team ID (ten upper-case letters and digits).
pub fn is_team_id(s: &str) -> bool {
    s.len() == 10 && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------------
// BER → DER.

struct Tlv<'a> {
    tag: &'a [u8],
    constructed: bool,
    /// `None` for the indefinite form.
    len: Option<usize>,
    header_len: usize,
}

fn read_header(input: &[u8]) -> Result<Tlv<'_>, String> {
    let first = *input.first().ok_or("BER: truncated tag")?;
    let mut tag_len = 1usize;
    if first & 0x1f == 0x1f {
        loop {
            let b = *input.get(tag_len).ok_or("BER: truncated tag")?;
            tag_len += 1;
            if tag_len > 5 {
                return Err("BER: tag number too large".into());
            }
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let l0 = *input.get(tag_len).ok_or("BER: truncated length")?;
    let (len, n) = match l0 {
        0..=0x7f => (Some(usize::from(l0)), 1),
        0x80 => (None, 1),
        0x81..=0x84 => {
            let k = usize::from(l0 & 0x7f);
            let b = input.get(tag_len + 1..tag_len + 1 + k).ok_or("BER: truncated length")?;
            (Some(b.iter().fold(0usize, |acc, x| (acc << 8) | usize::from(*x))), 1 + k)
        }
        _ => return Err(format!("BER: unsupported length byte {l0:#04x}")),
    };
    let constructed = first & 0x20 != 0;
    if len.is_none() && !constructed {
        return Err("BER: indefinite length on a primitive value".into());
    }
    Ok(Tlv { tag: input.get(..tag_len).ok_or("BER: tag")?, constructed, len, header_len: tag_len + n })
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let sig = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | sig.len() as u8);
        out.extend_from_slice(sig);
    }
}

/// Converts the first BER value of `input` to DER lengths (definite, minimal), flattening
/// constructed OCTET STRINGs. Trailing bytes (Apple pads signature blobs with zeros) are ignored.
pub fn ber_to_der(input: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(input.len());
    convert(input, 0, &mut out)?;
    Ok(out)
}

/// Converts one value into `out`; returns the input bytes consumed.
fn convert(input: &[u8], depth: usize, out: &mut Vec<u8>) -> Result<usize, String> {
    if depth > MAX_BER_DEPTH {
        return Err(format!("BER: nested deeper than {MAX_BER_DEPTH}"));
    }
    let h = read_header(input)?;
    if !h.constructed {
        let len = h.len.ok_or("BER: length")?;
        let end = h.header_len.checked_add(len).ok_or("BER: length overflows")?;
        let content = input.get(h.header_len..end).ok_or("BER: value runs past its container")?;
        out.extend_from_slice(h.tag);
        push_len(out, len);
        out.extend_from_slice(content);
        return Ok(end);
    }
    // Constructed: convert the children into a scratch buffer, then write the definite header.
    let mut children = Vec::new();
    let mut pos = h.header_len;
    let limit = match h.len {
        Some(len) => Some(h.header_len.checked_add(len).ok_or("BER: length overflows")?),
        None => None,
    };
    if let Some(l) = limit
        && l > input.len()
    {
        return Err("BER: value runs past its container".into());
    }
    loop {
        match limit {
            Some(l) if pos >= l => break,
            None if input.get(pos..pos + 2) == Some(&[0, 0]) => {
                pos += 2;
                break;
            }
            _ => {}
        }
        let rest = match limit {
            Some(l) => input.get(pos..l),
            None => input.get(pos..),
        }
        .ok_or("BER: truncated")?;
        if rest.is_empty() {
            return Err("BER: missing end-of-contents".into());
        }
        pos += convert(rest, depth + 1, &mut children)?;
    }
    if h.tag == [0x24] {
        // A constructed OCTET STRING: concatenate its (now DER) primitive pieces.
        let mut flat = Vec::new();
        let mut p = 0usize;
        while p < children.len() {
            let rest = children.get(p..).unwrap_or_default();
            let c = read_header(rest)?;
            if c.tag != [0x04] {
                return Err("BER: constructed OCTET STRING holds something else".into());
            }
            let end = c.header_len.checked_add(c.len.unwrap_or(0)).ok_or("BER: length overflows")?;
            flat.extend_from_slice(rest.get(c.header_len..end).ok_or("BER: truncated")?);
            p += end;
        }
        out.push(0x04);
        push_len(out, flat.len());
        out.extend_from_slice(&flat);
    } else {
        out.extend_from_slice(h.tag);
        push_len(out, children.len());
        out.extend_from_slice(&children);
    }
    Ok(pos)
}

// ---------------------------------------------------------------------------------------------
// Certificates and SignedData.

fn any_string(v: &Any) -> Option<String> {
    let b = v.value();
    Some(match v.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            String::from_utf8_lossy(b).into_owned()
        }
        // T.61: in practice Latin-1.
        Tag::TeletexString => b.iter().map(|c| char::from(*c)).collect(),
        Tag::BmpString => {
            let units: Vec<u16> = b.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            String::from_utf16_lossy(&units)
        }
        // UniversalString (UTF-32BE).
        t if t.octet() == 0x1c => {
            b.chunks_exact(4).filter_map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))).collect()
        }
        _ => return None,
    })
}

/// The first value of an attribute type in a name (most significant RDN first).
fn name_attr(name: &Name, oid: ObjectIdentifier) -> Option<String> {
    name.0.iter().flat_map(|rdn| rdn.0.iter()).find(|atv| atv.oid == oid).and_then(|atv| any_string(&atv.value))
}

fn serial_hex(bytes: &[u8]) -> String {
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(bytes.len().saturating_sub(1));
    bytes.get(skip..).unwrap_or_default().iter().map(|b| format!("{b:02X}")).collect()
}

fn cert_info_of(cert: &Certificate, der_bytes: &[u8]) -> CertInfo {
    let tbs = &cert.tbs_certificate;
    let ski = tbs.extensions.as_ref().and_then(|exts| {
        exts.iter()
            .find(|e| e.extn_id == OID_SKI)
            .and_then(|e| OctetString::from_der(e.extn_value.as_bytes()).ok())
            .map(|o| o.as_bytes().to_vec())
    });
    CertInfo {
        subject: crate::x509_name::to_string(&tbs.subject),
        organization: name_attr(&tbs.subject, OID_O),
        common_name: name_attr(&tbs.subject, OID_CN),
        org_unit: name_attr(&tbs.subject, OID_OU),
        issuer: crate::x509_name::to_string(&tbs.issuer),
        serial: serial_hex(tbs.serial_number.as_bytes()),
        sha1: hex(&Sha1::digest(der_bytes)),
        sha256: hex(&Sha256::digest(der_bytes)),
        tbs_sha256: tbs.to_der().map(|t| hex(&Sha256::digest(&t))).unwrap_or_default(),
        ski,
        subject_der: tbs.subject.to_der().unwrap_or_default(),
        issuer_der: tbs.issuer.to_der().unwrap_or_default(),
    }
}

/// Reads one DER (or BER) X.509 certificate.
pub fn parse_certificate(bytes: &[u8]) -> Result<CertInfo, String> {
    if bytes.len() > MAX_CMS {
        return Err(format!("certificate over {MAX_CMS} bytes"));
    }
    let der_bytes = ber_to_der(bytes)?;
    let cert = Certificate::from_der(&der_bytes).map_err(|e| format!("certificate: {e}"))?;
    Ok(cert_info_of(&cert, &der_bytes))
}

/// The certificate that issued no other in the set: the leaf of a chain (first such, or the
/// first certificate when the set is a loop).
pub fn leaf_of(certs: &[CertInfo]) -> Option<usize> {
    if certs.is_empty() {
        return None;
    }
    let issues_another = |c: &CertInfo| certs.iter().any(|o| o.issuer_der == c.subject_der && o.sha256 != c.sha256);
    Some(certs.iter().position(|c| !issues_another(c)).unwrap_or(0))
}

/// Reads a CMS ContentInfo holding SignedData (BER or DER; trailing padding ignored).
pub fn parse_signed_data(blob: &[u8]) -> Result<SignedInfo, String> {
    if blob.len() > MAX_CMS {
        return Err(format!("signature over {MAX_CMS} bytes"));
    }
    let der_bytes = ber_to_der(blob)?;
    let ci = ContentInfo::from_der(&der_bytes).map_err(|e| format!("CMS ContentInfo: {e}"))?;
    if ci.content_type != OID_SIGNED_DATA {
        return Err(format!("CMS content is {}, not SignedData", ci.content_type));
    }
    let sd: SignedData = ci.content.decode_as().map_err(|e| format!("CMS SignedData: {e}"))?;
    let mut out = SignedInfo::default();
    for choice in sd.certificates.iter().flat_map(|set| set.0.iter()) {
        if out.certs.len() >= MAX_CERTS {
            break;
        }
        if let CertificateChoices::Certificate(cert) = choice {
            let Ok(bytes) = cert.to_der() else { continue };
            out.certs.push(cert_info_of(cert, &bytes));
        }
    }
    if let Some(si) = sd.signer_infos.0.iter().next() {
        out.leaf = match &si.sid {
            SignerIdentifier::IssuerAndSerialNumber(isn) => {
                let issuer = isn.issuer.to_der().unwrap_or_default();
                let serial = serial_hex(isn.serial_number.as_bytes());
                out.certs.iter().position(|c| c.issuer_der == issuer && c.serial == serial)
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                out.certs.iter().position(|c| c.ski.as_deref() == Some(ski.0.as_bytes()))
            }
        };
        out.digest_alg = DigestAlg::from_oid(&si.digest_alg.oid);
        for attr in si.signed_attrs.iter().flat_map(|a| a.iter()) {
            let Some(v) = attr.values.iter().next() else { continue };
            if attr.oid == OID_MESSAGE_DIGEST {
                out.message_digest = v.decode_as::<OctetString>().ok().map(|o| o.as_bytes().to_vec());
            } else if attr.oid == OID_SIGNING_TIME {
                out.signing_time = v.to_der().ok().and_then(|d| x509_cert::time::Time::from_der(&d).ok()).map(|t| {
                    let d = t.to_date_time();
                    format!(
                        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                        d.year(),
                        d.month(),
                        d.day(),
                        d.hour(),
                        d.minutes(),
                        d.seconds()
                    )
                });
            }
        }
    }
    if out.leaf.is_none() {
        out.leaf = leaf_of(&out.certs);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ber_indefinite_lengths_become_definite() {
        // SEQUENCE (indefinite) { INTEGER 5, OCTET STRING (constructed, indefinite) { "ab", "c" } }
        let ber =
            [0x30, 0x80, 0x02, 0x01, 0x05, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0, 0, 0, 0, 0xff];
        let der = ber_to_der(&ber).expect("convert");
        assert_eq!(der, [0x30, 0x08, 0x02, 0x01, 0x05, 0x04, 0x03, b'a', b'b', b'c']);
        // Long-form lengths are re-encoded minimally.
        let long = [0x04, 0x82, 0x00, 0x01, 0x07];
        assert_eq!(ber_to_der(&long).expect("convert"), [0x04, 0x01, 0x07]);
    }

    #[test]
    fn ber_errors_never_panic() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x80],
            &[0x30, 0x80, 0x02, 0x01],
            &[0x04, 0x80, 0, 0],
            &[0x30, 0x05, 0x02, 0x01],
            &[0x04, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9],
            &[0x24, 0x80, 0x02, 0x01, 0x00, 0, 0],
            &[0x1f, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00],
        ] {
            assert!(ber_to_der(bad).is_err(), "{bad:?}");
        }
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert!(ber_to_der(&deep).expect_err("deep").contains("deeper"));
    }

    #[test]
    fn serials_and_team_ids() {
        assert_eq!(serial_hex(&[0x00, 0xa1, 0x02]), "A102");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert!(is_team_id("2Y8XE5CQ94"));
        assert!(!is_team_id("2y8xe5cq94"));
        assert!(!is_team_id("Kaspersky"));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse_signed_data(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
        assert!(parse_certificate(&[0x30, 0x00]).is_err());
    }
}
