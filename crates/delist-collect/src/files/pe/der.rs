//! A bounded DER reader (with the BER indefinite lengths some old signers wrote), and the pieces
//! of X.509 that Authenticode needs: distinguished names as RFC 4514 text, serials, times, and
//! the raw bytes certificates are hashed over.
//!
//! Owns reading TLV headers and turning names and times into text. It must never trust a length
//! it has not checked against its input, recurse on input (indefinite lengths are measured with
//! a loop and a depth counter), or allocate from a count it was given.
//!
//! Why not the `cms`/`x509-cert` crates for this: their `SET OF` decoding sorts elements with an
//! insertion sort (quadratic in an element count the input chooses), they refuse BER and
//! fractional-second `GeneralizedTime` (RFC 3161 timestamps carry them), and re-encoding what
//! they decoded re-sorts multi-valued names — but thumbprints and TBS hashes must be taken over
//! the bytes exactly as signed. Walking headers keeps every raw slice and costs linear time.
//! (Mach-O and xar signatures are decoded with `x509-cert`; their names are written by
//! `crate::x509_name`.)

use std::fmt::Write as _;

/// Deepest nesting of indefinite-length values measured (certificates nest about 10 deep).
pub const MAX_DEPTH: usize = 32;

pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const OID: u8 = 0x06;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
/// `[0]` constructed (EXPLICIT, or IMPLICIT over a constructed type).
pub const CTX0: u8 = 0xA0;
/// `[1]` constructed.
pub const CTX1: u8 = 0xA1;
/// `[3]` constructed (a certificate's extensions).
pub const CTX3: u8 = 0xA3;
/// `[0]` primitive (a `SignerIdentifier`'s subjectKeyIdentifier).
pub const CTX0_PRIM: u8 = 0x80;

pub type Result<T> = std::result::Result<T, &'static str>;

/// One element: its tag, its contents, and the whole encoding (header included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// A reader over the contents (for constructed values).
    pub fn reader(&self) -> Reader<'a> {
        Reader { rest: self.value }
    }
}

/// The tag, header length and (for a definite length) the contents length at the front of `input`.
fn header(input: &[u8]) -> Result<(u8, usize, Option<usize>)> {
    let tag = *input.first().ok_or("truncated DER element")?;
    if tag & 0x1f == 0x1f {
        // High tag numbers occur nowhere in PKCS #7 or X.509.
        return Err("unsupported DER tag");
    }
    let first = *input.get(1).ok_or("truncated DER length")?;
    if first < 0x80 {
        return Ok((tag, 2, Some(usize::from(first))));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 {
        if tag & 0x20 == 0 {
            return Err("indefinite length on a primitive DER value");
        }
        return Ok((tag, 2, None));
    }
    if n > 4 {
        return Err("DER length too large");
    }
    let bytes = input.get(2..2 + n).ok_or("truncated DER length")?;
    let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Ok((tag, 2 + n, Some(len)))
}

/// Where an indefinite-length value's contents end (the offset of its end-of-contents octets)
/// within `content`, which starts right after its header. A loop with a depth counter: nested
/// indefinite values cannot drive recursion.
fn indefinite_end(content: &[u8]) -> Result<usize> {
    let mut pos = 0usize;
    let mut depth = 1usize;
    loop {
        let rest = content.get(pos..).ok_or("truncated BER value")?;
        if rest.starts_with(&[0, 0]) {
            depth -= 1;
            if depth == 0 {
                return Ok(pos);
            }
            pos = pos.checked_add(2).ok_or("BER length overflow")?;
            continue;
        }
        let (_, hlen, len) = header(rest)?;
        pos = pos.checked_add(hlen).ok_or("BER length overflow")?;
        match len {
            Some(len) => {
                pos = pos.checked_add(len).ok_or("BER length overflow")?;
                if pos > content.len() {
                    return Err("truncated BER value");
                }
            }
            None => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err("BER nesting too deep");
                }
            }
        }
    }
}

/// Reads one element from the front of `input`; returns it and the rest.
pub fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8])> {
    let (tag, hlen, len) = header(input)?;
    let body = input.get(hlen..).ok_or("truncated DER element")?;
    let (value_len, total) = match len {
        Some(len) => (len, hlen.checked_add(len).ok_or("DER length overflow")?),
        None => {
            let end = indefinite_end(body)?;
            (end, hlen.checked_add(end).and_then(|t| t.checked_add(2)).ok_or("BER length overflow")?)
        }
    };
    let value = body.get(..value_len).ok_or("truncated DER element")?;
    let raw = input.get(..total).ok_or("truncated DER element")?;
    let rest = input.get(total..).ok_or("truncated DER element")?;
    Ok((Tlv { tag, value, raw }, rest))
}

/// Reads the elements of a constructed value in order.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next element, `None` at the end.
    pub fn next_tlv(&mut self) -> Result<Option<Tlv<'a>>> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (tlv, rest) = read(self.rest)?;
        self.rest = rest;
        Ok(Some(tlv))
    }

    /// The next element, which must have tag `tag`.
    pub fn want(&mut self, tag: u8, what: &'static str) -> Result<Tlv<'a>> {
        match self.next_tlv()? {
            Some(t) if t.tag == tag => Ok(t),
            _ => Err(what),
        }
    }

    /// The next element if it has tag `tag`; otherwise nothing is consumed.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>> {
        if self.rest.first() != Some(&tag) {
            return Ok(None);
        }
        self.next_tlv()
    }
}

/// Dotted text of an OID's contents (`2.5.4.3`), or `#` and hex if it is not a valid OID.
pub fn oid_text(value: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut cur: u64 = 0;
    let mut in_arc = false;
    for b in value {
        // Base-128 digits; a leading 0x80 is a non-minimal encoding.
        if !in_arc && *b == 0x80 {
            return format!("#{}", hex(value));
        }
        let Some(next) = cur.checked_mul(128).map(|c| c | u64::from(b & 0x7f)) else {
            return format!("#{}", hex(value));
        };
        cur = next;
        in_arc = b & 0x80 != 0;
        if !in_arc {
            arcs.push(cur);
            cur = 0;
        }
    }
    let Some(first) = arcs.first().copied() else { return format!("#{}", hex(value)) };
    if in_arc {
        return format!("#{}", hex(value));
    }
    // The first subidentifier packs two arcs: 40 * X + Y, X in 0..=2.
    let (x, y) = match first {
        0..40 => (0, first),
        40..80 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut out = format!("{x}.{y}");
    for a in arcs.iter().skip(1) {
        let _ = write!(out, ".{a}");
    }
    out
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A serial number as Windows and openssl show it: upper-case hex of the integer, without the
/// sign octet DER adds to a positive number whose top bit is set.
pub fn serial_hex(value: &[u8]) -> String {
    let trimmed = match value {
        [0, rest @ ..] if !rest.is_empty() => rest,
        v => v,
    };
    hex(trimmed).to_uppercase()
}

// --- names ---------------------------------------------------------------------------------------

/// Contents of the attribute-type OIDs delist reads or names.
pub mod oids {
    pub const CN: &[u8] = &[0x55, 0x04, 0x03];
    pub const O: &[u8] = &[0x55, 0x04, 0x0a];
}

/// The short names openssl prints for attribute types (RFC 4514's set, plus the common
/// code-signing ones: EV certificates carry serialNumber, businessCategory and jurisdiction*).
fn short_name(oid: &[u8]) -> Option<&'static str> {
    Some(match oid {
        [0x55, 0x04, n] => match n {
            0x03 => "CN",
            0x04 => "SN",
            0x05 => "serialNumber",
            0x06 => "C",
            0x07 => "L",
            0x08 => "ST",
            0x09 => "street",
            0x0a => "O",
            0x0b => "OU",
            0x0c => "title",
            0x0f => "businessCategory",
            0x11 => "postalCode",
            0x2a => "GN",
            0x2e => "dnQualifier",
            _ => return None,
        },
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => "UID",
        [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, n] => match n {
            0x01 => "jurisdictionL",
            0x02 => "jurisdictionST",
            0x03 => "jurisdictionC",
            _ => return None,
        },
        _ => return None,
    })
}

/// The text of a directory string (`None` for a type that is not a string).
pub fn string_value(t: &Tlv<'_>) -> Option<String> {
    Some(match t.tag {
        // UTF8String; Printable, IA5, Visible and Numeric strings are ASCII subsets.
        0x0c | 0x12 | 0x13 | 0x16 | 0x1a => String::from_utf8_lossy(t.value).into_owned(),
        // TeletexString: in practice Latin-1.
        0x14 => t.value.iter().map(|b| char::from(*b)).collect(),
        // BMPString: UTF-16 big-endian.
        0x1e => char::decode_utf16(t.value.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])))
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
        // UniversalString: UTF-32 big-endian.
        0x1c => t
            .value
            .chunks_exact(4)
            .map(|c| {
                char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        _ => return None,
    })
}

/// Escapes an attribute value for RFC 4514 text.
fn escape_value(v: &str, out: &mut String) {
    let last = v.chars().count().saturating_sub(1);
    for (i, c) in v.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            c => out.push(c),
        }
    }
}

/// One RDN of a name: each attribute's type (OID contents) and value element.
type Rdn<'a> = Vec<(&'a [u8], Tlv<'a>)>;

/// The RDNs of a name, in encoded order.
fn attributes<'a>(name: &Tlv<'a>) -> Result<Vec<Rdn<'a>>> {
    let mut rdns = Vec::new();
    let mut r = name.reader();
    while let Some(rdn) = r.next_tlv()? {
        if rdn.tag != SET {
            return Err("malformed name: RDN is not a SET");
        }
        let mut atvs = Vec::new();
        let mut ar = rdn.reader();
        while let Some(atv) = ar.next_tlv()? {
            let mut f = atv.reader();
            let oid = f.want(OID, "malformed name: attribute without a type")?;
            let value = f.next_tlv()?.ok_or("malformed name: attribute without a value")?;
            atvs.push((oid.value, value));
        }
        rdns.push(atvs);
    }
    Ok(rdns)
}

/// A distinguished name as RFC 4514 text: RDNs last-first, `,` between them, `+` inside a
/// multi-valued RDN (its values in encoded order), known types by their short names, others as
/// dotted OIDs, and non-string values as `#` and the hex of their DER.
pub fn dn_text(name: &Tlv<'_>) -> Result<String> {
    let rdns = attributes(name)?;
    let mut out = String::new();
    for (i, rdn) in rdns.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, (oid, value)) in rdn.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            match short_name(oid) {
                Some(n) => out.push_str(n),
                None => out.push_str(&oid_text(oid)),
            }
            out.push('=');
            match string_value(value) {
                Some(s) => escape_value(&s, &mut out),
                None => {
                    out.push('#');
                    out.push_str(&hex(value.raw));
                }
            }
        }
    }
    Ok(out)
}

/// The first value of attribute `oid` in a name, in encoded order, as plain (unescaped) text.
pub fn dn_attribute(name: &Tlv<'_>, oid: &[u8]) -> Option<String> {
    attributes(name)
        .ok()?
        .into_iter()
        .flatten()
        .find(|(o, _)| *o == oid)
        .and_then(|(_, v)| string_value(&v))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

// --- times -----------------------------------------------------------------------------------------

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
}

/// A `UTCTime` or `GeneralizedTime` as RFC 3339 in UTC (`2026-06-01T12:00:00Z`). Fractional
/// seconds are dropped; times with a zone offset or without `Z` (never written by signers) give
/// `None`.
pub fn time_text(t: &Tlv<'_>) -> Option<String> {
    let v = t.value;
    let (year, rest) = match t.tag {
        UTC_TIME => {
            let yy = digits(v.get(..2)?)?;
            // RFC 5280: two-digit years 50–99 are 19xx.
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, v.get(2..)?)
        }
        GENERALIZED_TIME => (digits(v.get(..4)?)?, v.get(4..)?),
        _ => return None,
    };
    let rest = rest.strip_suffix(b"Z")?;
    let (month, day, hour, minute) =
        (digits(rest.get(0..2)?)?, digits(rest.get(2..4)?)?, digits(rest.get(4..6)?)?, digits(rest.get(6..8)?)?);
    // Seconds are optional in BER UTCTime; a fraction may follow them in GeneralizedTime.
    let second = match rest.get(8..) {
        None | Some([]) => 0,
        Some(s) => {
            let (secs, frac) = s.split_at(s.len().min(2));
            let fraction_ok = match frac {
                [] => true,
                [b'.', rest @ ..] => digits(rest).is_some(),
                _ => false,
            };
            if !fraction_ok {
                return None;
            }
            digits(secs).filter(|_| secs.len() == 2)?
        }
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"))
}

// --- certificates --------------------------------------------------------------------------------

/// The parts of an X.509 certificate delist reads, as slices of its encoding.
#[derive(Debug, Clone, Copy)]
pub struct Cert<'a> {
    /// The whole certificate (thumbprints are taken over it).
    pub raw: &'a [u8],
    /// The tbsCertificate element, header included (WDAC's TBS hash is taken over it).
    pub tbs: &'a [u8],
    /// The serial INTEGER's contents.
    pub serial: &'a [u8],
    pub issuer: Tlv<'a>,
    pub subject: Tlv<'a>,
    /// The subjectKeyIdentifier extension's key identifier, if present.
    pub ski: Option<&'a [u8]>,
}

const OID_SKI: &[u8] = &[0x55, 0x1d, 0x0e];

/// Reads a certificate element.
pub fn certificate<'a>(cert: &Tlv<'a>) -> Result<Cert<'a>> {
    if cert.tag != SEQUENCE {
        return Err("certificate is not a SEQUENCE");
    }
    let mut c = cert.reader();
    let tbs = c.want(SEQUENCE, "certificate without tbsCertificate")?;
    let mut t = tbs.reader();
    t.optional(CTX0)?; // version
    let serial = t.want(INTEGER, "certificate without a serial number")?;
    t.want(SEQUENCE, "certificate without a signature algorithm")?;
    let issuer = t.want(SEQUENCE, "certificate without an issuer")?;
    t.want(SEQUENCE, "certificate without a validity")?;
    let subject = t.want(SEQUENCE, "certificate without a subject")?;
    t.want(SEQUENCE, "certificate without a public key")?;
    let mut ski = None;
    while let Some(x) = t.next_tlv()? {
        if x.tag != CTX3 {
            continue; // issuer/subject unique ids
        }
        let mut exts = x.reader();
        let list = exts.want(SEQUENCE, "malformed extensions")?;
        let mut lr = list.reader();
        while let Some(ext) = lr.next_tlv()? {
            let mut er = ext.reader();
            let oid = er.want(OID, "extension without an id")?;
            if oid.value != OID_SKI {
                continue;
            }
            er.optional(0x01)?; // critical
            let wrapped = er.want(OCTET_STRING, "extension without a value")?;
            if let Ok((inner, _)) = read(wrapped.value)
                && inner.tag == OCTET_STRING
            {
                ski = Some(inner.value);
            }
        }
    }
    Ok(Cert { raw: cert.raw, tbs: tbs.raw, serial: serial.value, issuer, subject, ski })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(bytes: &[u8]) -> Tlv<'_> {
        read(bytes).expect("valid").0
    }

    /// DER of a name from (oid contents, string tag, value) RDNs, one attribute each.
    fn name(rdns: &[(&[u8], u8, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (oid, tag, v) in rdns {
            let mut atv = vec![OID, oid.len() as u8];
            atv.extend_from_slice(oid);
            atv.push(*tag);
            atv.push(v.len() as u8);
            atv.extend_from_slice(v);
            let mut seq = vec![SEQUENCE, atv.len() as u8];
            seq.extend(atv);
            body.extend([SET, seq.len() as u8]);
            body.extend(seq);
        }
        let mut out = vec![SEQUENCE, body.len() as u8];
        out.extend(body);
        out
    }

    #[test]
    fn lengths_short_long_and_indefinite() {
        let (t, rest) = read(&[0x04, 0x02, 0xaa, 0xbb, 0xcc]).expect("short");
        assert_eq!((t.tag, t.value, rest), (0x04, &[0xaa, 0xbb][..], &[0xcc][..]));
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7u8; 0x80]);
        assert_eq!(read(&long).expect("long").0.value.len(), 0x80);
        // SEQUENCE (indefinite) { OCTET STRING 1 byte, SEQUENCE (indefinite) {} } EOC
        let ber = [0x30, 0x80, 0x04, 0x01, 0x01, 0x30, 0x80, 0x00, 0x00, 0x00, 0x00, 0xff];
        let (t, rest) = read(&ber).expect("indefinite");
        assert_eq!(t.value, &ber[2..9]);
        assert_eq!(rest, &[0xff]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x05, 0x00],                   // longer than the input
            &[0x30, 0x85, 1, 1, 1, 1, 1],          // 5-byte length
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], // 4 GiB
            &[0x04, 0x80, 0x00, 0x00],             // indefinite primitive
            &[0x1f, 0x01, 0x00],                   // high tag number
            &[0x30, 0x80, 0x04, 0x01],             // indefinite, never closed
        ] {
            assert!(read(bad).is_err(), "{bad:02x?}");
        }
        // Indefinite values nested past the cap: an error, not a stack overflow.
        let mut deep = Vec::new();
        for _ in 0..10_000 {
            deep.extend([0x30, 0x80]);
        }
        assert!(read(&deep).is_err());
    }

    #[test]
    fn names_as_rfc_4514_text() {
        let n = name(&[
            (&[0x55, 0x04, 0x06], 0x13, b"US"),
            (&[0x55, 0x04, 0x0a], 0x0c, b"Example Corp"),
            (&[0x55, 0x04, 0x0b], 0x0c, b"Tools, Imaging"),
            (&[0x55, 0x04, 0x03], 0x0c, b" #Lead+Trail "),
            (&[0x2a, 0x03], 0x02, &[0x05]),
        ]);
        let t = tlv(&n);
        assert_eq!(
            dn_text(&t).expect("dn"),
            r"1.2.3=#020105,CN=\ #Lead\+Trail\ ,OU=Tools\, Imaging,O=Example Corp,C=US"
        );
        assert_eq!(dn_attribute(&t, oids::O).as_deref(), Some("Example Corp"));
        assert_eq!(dn_attribute(&t, oids::CN).as_deref(), Some("#Lead+Trail"));
        // BMPString and TeletexString.
        let n = name(&[(&[0x55, 0x04, 0x0a], 0x1e, &[0x04, 0x10, 0x00, 0x4f]), (&[0x55, 0x04, 0x03], 0x14, &[0xe9])]);
        assert_eq!(dn_text(&tlv(&n)).expect("dn"), "CN=é,O=АO");
    }

    #[test]
    fn broken_names_are_errors() {
        // An RDN that is not a SET; an attribute without a value.
        assert!(dn_text(&tlv(&[0x30, 0x02, 0x30, 0x00])).is_err());
        assert!(dn_text(&tlv(&[0x30, 0x09, 0x31, 0x07, 0x30, 0x05, 0x06, 0x03, 0x55, 0x04, 0x03])).is_err());
        assert_eq!(dn_attribute(&tlv(&[0x30, 0x02, 0x30, 0x00]), oids::O), None);
    }

    #[test]
    fn times_as_rfc_3339() {
        let t = |tag: u8, s: &str| time_text(&Tlv { tag, value: s.as_bytes(), raw: &[] });
        assert_eq!(t(UTC_TIME, "260601120000Z").as_deref(), Some("2026-06-01T12:00:00Z"));
        assert_eq!(t(UTC_TIME, "990101000000Z").as_deref(), Some("1999-01-01T00:00:00Z"));
        assert_eq!(t(UTC_TIME, "2606011200Z").as_deref(), Some("2026-06-01T12:00:00Z"));
        assert_eq!(t(GENERALIZED_TIME, "20260602081500.123Z").as_deref(), Some("2026-06-02T08:15:00Z"));
        for bad in ["20261301000000Z", "2026060208150Z", "20260602081500+0100", "2026060208150.Z", "", "Z"] {
            assert_eq!(t(GENERALIZED_TIME, bad), None, "{bad}");
        }
    }

    #[test]
    fn serials_drop_the_sign_octet_only() {
        assert_eq!(serial_hex(&[0x00, 0x80, 0x01]), "8001");
        assert_eq!(serial_hex(&[0x10, 0x01]), "1001");
        assert_eq!(serial_hex(&[0x00]), "00");
    }

    #[test]
    fn oid_constants_are_the_dotted_oids() {
        assert_eq!(oid_text(oids::CN), "2.5.4.3");
        assert_eq!(oid_text(oids::O), "2.5.4.10");
        assert_eq!(oid_text(OID_SKI), "2.5.29.14");
        assert_eq!(oid_text(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]), "1.2.840.113549.1.7.2");
        assert_eq!(oid_text(&[0x88, 0x37, 0x03]), "2.999.3");
        for bad in [&[][..], &[0x2a, 0x86], &[0x80, 0x01], &[0xff; 12]] {
            assert!(oid_text(bad).starts_with('#'), "{bad:02x?}");
        }
    }
}
