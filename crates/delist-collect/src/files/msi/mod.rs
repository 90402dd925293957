//! msi: Windows Installer packages — the `Property` table's Manufacturer, ProductName,
//! ProductVersion, ProductCode and UpgradeCode, and the Authenticode signature stream
//! (`\x05DigitalSignature`: the signer's subject, O, CN, issuer, serial and thumbprints).
//!
//! An MSI is a compound file ([`cfb`]) whose root storage holds one stream per database table.
//! Table stream names are compressed (each pair of `[0-9A-Za-z._]` characters in one code point
//! from U+3800, single ones from U+4800, tables prefixed with U+4840); every string in every table
//! is a 2-byte (3 with the long-references flag) index into the string pool (`_StringPool`: a
//! codepage word then one `(length, refcount)` pair per string; `_StringData`: the strings'
//! bytes back to back in that codepage); table streams are column-major. The layout is the one
//! Wine's `dlls/msi` and `mdsteele/rust-msi` read; both were read to learn it, no code was taken.
//!
//! Why not the `msi` and `cfb` crates: `msi` opens every table through its `_Columns` schema and
//! decodes the whole string pool up front; `cfb` validates and loads the FAT eagerly. This
//! format needs four streams of a possibly gigabyte-sized file (the rest is embedded cabinets),
//! must never panic or allocate on a hostile count, and reads through [`FileView`] positioned
//! reads; a direct reader of those four streams is small and keeps every bound in view.
//!
//! Owns the [`Msi`] file format. It must never verify the signature's digest (`digest_ok` stays
//! `None`), run or extract anything, or read streams other than the string pool, the Property
//! table and the signature. A compound file that is not an MSI (an Office document) gives no
//! artifact and no error.

pub mod cfb;

use super::android::pkcs7;
use super::{FileFormat, FileView, Place};
use delist_core::{Artifact, ArtifactKind, Role};

/// Largest `_StringPool` read (4 bytes a string).
pub const MAX_POOL: u64 = 8 << 20;
/// Largest `_StringData` read.
pub const MAX_STRING_DATA: u64 = 64 << 20;
/// Largest `Property` table read.
pub const MAX_PROPERTY: u64 = 4 << 20;
/// Largest signature stream read.
pub const MAX_SIGNATURE: u64 = 1 << 20;

/// The root storage class of an installer package ({000C1084-0000-0000-C000-000000000046}).
const CLSID_MSI: [u8; 16] = [0x84, 0x10, 0x0c, 0x00, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46];

pub struct Msi;

impl FileFormat for Msi {
    fn id(&self) -> &'static str {
        "msi"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        head.starts_with(&cfb::MAGIC)
    }

    fn inspect(&self, file: &dyn FileView, place: Place<'_>) -> Result<Vec<Artifact>, String> {
        let mut c = cfb::Cfb::open(file)?;
        let streams = c.root_streams();
        let find = |name: &str, table: bool| {
            streams.iter().find(|(n, _)| decode_name(n) == (name.to_string(), table)).map(|(_, i)| *i)
        };
        let is_msi = c.entries.first().is_some_and(|r| r.clsid == CLSID_MSI);
        let (Some(pool), Some(data), Some(prop)) =
            (find("_StringPool", true), find("_StringData", true), find("Property", true))
        else {
            return if is_msi {
                Err("installer package without a string pool or Property table".into())
            } else {
                Ok(Vec::new())
            };
        };
        let pool = StringPool::new(c.read_stream(pool, MAX_POOL)?, c.read_stream(data, MAX_STRING_DATA)?)?;
        let props = properties(&pool, &c.read_stream(prop, MAX_PROPERTY)?)?;
        let get = |k: &str| props.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let name = get("ProductName");
        let name = if name.is_empty() { place.path.rsplit('/').next().unwrap_or(place.path).to_string() } else { name };
        let mut a = Artifact::new(ArtifactKind::Installer, name, place.path, place.target)
            .version(get("ProductVersion"))
            .field("msi.manufacturer", get("Manufacturer"), Role::Publisher)
            .field("msi.product_name", get("ProductName"), Role::Name)
            .field("msi.product_version", get("ProductVersion"), Role::Other)
            .field("msi.product_code", get("ProductCode"), Role::Other)
            .field("msi.upgrade_code", get("UpgradeCode"), Role::Other)
            .field("msi.product_language", get("ProductLanguage"), Role::Other)
            .field("msi.url_info_about", get("ARPURLINFOABOUT"), Role::Homepage)
            .field("msi.help_link", get("ARPHELPLINK"), Role::Homepage)
            .field("msi.codepage", pool.codepage.to_string(), Role::Other);
        let code = get("ProductCode");
        if !code.is_empty() {
            a = a.id(code);
        }
        if let Some(sig) = find("\u{5}DigitalSignature", false) {
            let signers = c.read_stream(sig, MAX_SIGNATURE).and_then(|b| {
                let sd = pkcs7::parse_signed_data(&b)?;
                Ok(pkcs7::signers(&sd))
            });
            match signers {
                Ok(list) if list.is_empty() => {
                    a = a.field("msi.signature_error", "signature names no certificate it carries", Role::Other)
                }
                Ok(list) => {
                    for s in list {
                        a = a.signer(s);
                    }
                }
                Err(e) => a = a.field("msi.signature_error", e, Role::Other),
            }
        }
        Ok(vec![a])
    }
}

fn b64_char(v: u32) -> char {
    match v {
        0..=9 => char::from(b'0' + v as u8),
        10..=35 => char::from(b'A' + (v - 10) as u8),
        36..=61 => char::from(b'a' + (v - 36) as u8),
        62 => '.',
        _ => '_',
    }
}

/// A stream name as MSI wrote it: (decoded name, whether it is a table).
pub fn decode_name(raw: &str) -> (String, bool) {
    let mut chars = raw.chars().peekable();
    let table = chars.peek() == Some(&'\u{4840}');
    if table {
        chars.next();
    }
    let mut out = String::new();
    for c in chars {
        let v = c as u32;
        if (0x3800..0x4800).contains(&v) {
            let v = v - 0x3800;
            out.push(b64_char(v & 0x3f));
            out.push(b64_char(v >> 6));
        } else if (0x4800..0x4840).contains(&v) {
            out.push(b64_char(v - 0x4800));
        } else {
            out.push(c);
        }
    }
    (out, table)
}

/// The string pool: where each string's bytes are in `_StringData`, decoded on demand.
pub struct StringPool {
    pub codepage: u32,
    /// Whether string references are 3 bytes wide (else 2).
    pub long_refs: bool,
    /// (offset, length) in `data` of string `i + 1` (an empty slot has length 0). `u32`s: the
    /// data is capped far below 4 GiB, and a hostile pool of millions of entries stays small.
    spans: Vec<(u32, u32)>,
    data: Vec<u8>,
    encoding: &'static encoding_rs::Encoding,
}

impl StringPool {
    pub fn new(pool: Vec<u8>, data: Vec<u8>) -> Result<Self, String> {
        if data.len() as u64 > MAX_STRING_DATA || pool.len() as u64 > MAX_POOL {
            return Err("string pool over its limit".into());
        }
        let word = |i: usize| -> Option<usize> {
            pool.get(2 * i..2 * i + 2).map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
        };
        let header = pool.get(..4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).unwrap_or(0);
        let codepage = header & 0x7fff_ffff;
        let long_refs = header & 0x8000_0000 != 0;
        let count = pool.len() / 4;
        let mut spans = Vec::with_capacity(count);
        let mut offset = 0usize;
        let mut i = 1;
        // As Wine reads it: an entry (0, refs) is empty; (0, refs>0) followed by (lo, hi) is one
        // string of (hi << 16) + lo bytes, longer than 64 KiB.
        while i < count {
            let len = word(2 * i).unwrap_or(0);
            let refs = word(2 * i + 1).unwrap_or(0);
            if len == 0 && refs == 0 {
                spans.push((0, 0));
                i += 1;
                continue;
            }
            let len = if len == 0 {
                let lo = word(2 * i + 2).ok_or("string pool cut short")?;
                let hi = word(2 * i + 3).ok_or("string pool cut short")?;
                i += 2;
                (hi << 16) + lo
            } else {
                i += 1;
                len
            };
            let end = offset.checked_add(len).filter(|&e| e <= data.len());
            let Some(end) = end else { return Err("string pool runs past its string data".into()) };
            spans.push((offset as u32, len as u32));
            offset = end;
        }
        Ok(Self { codepage, long_refs, spans, data, encoding: encoding_for(codepage) })
    }

    /// String reference `r` (1-based; 0 is the null string).
    pub fn get(&self, r: usize) -> Option<String> {
        let (at, len) = *self.spans.get(r.checked_sub(1)?)?;
        if len == 0 {
            return None;
        }
        let bytes = self.data.get(at as usize..at as usize + len as usize)?;
        Some(self.encoding.decode_without_bom_handling(bytes).0.into_owned())
    }

    fn ref_width(&self) -> usize {
        if self.long_refs { 3 } else { 2 }
    }
}

/// The encoding of a Windows codepage number (Windows-1252 for 0, "neutral", and unknown ones).
fn encoding_for(codepage: u32) -> &'static encoding_rs::Encoding {
    use encoding_rs::*;
    match codepage {
        65001 => UTF_8,
        874 => WINDOWS_874,
        932 => SHIFT_JIS,
        936 | 54936 => GB18030,
        949 => EUC_KR,
        950 => BIG5,
        1250 => WINDOWS_1250,
        1251 => WINDOWS_1251,
        1253 => WINDOWS_1253,
        1254 => WINDOWS_1254,
        1255 => WINDOWS_1255,
        1256 => WINDOWS_1256,
        1257 => WINDOWS_1257,
        1258 => WINDOWS_1258,
        20866 => KOI8_R,
        21866 => KOI8_U,
        28592 => ISO_8859_2,
        28595 => ISO_8859_5,
        _ => WINDOWS_1252,
    }
}

/// The `Property` table's rows: (Property, Value), both strings, stored column-major.
pub fn properties(pool: &StringPool, table: &[u8]) -> Result<Vec<(String, String)>, String> {
    let w = pool.ref_width();
    let row = 2 * w;
    if !table.len().is_multiple_of(row) {
        return Err(format!("Property table of {} bytes is not whole rows of {row}", table.len()));
    }
    let rows = table.len() / row;
    let reference = |at: usize| -> usize {
        table.get(at..at + w).map_or(0, |b| b.iter().rev().fold(0usize, |acc, x| (acc << 8) | usize::from(*x)))
    };
    let mut out = Vec::with_capacity(rows.min(4096));
    for r in 0..rows {
        let key = pool.get(reference(r * w)).unwrap_or_default();
        let value = pool.get(reference(rows * w + r * w)).unwrap_or_default();
        if !key.is_empty() {
            out.push((key, value));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::Bytes;

    fn encode_name(name: &str, table: bool) -> String {
        let idx = |c: char| -> Option<u32> {
            Some(match c {
                '0'..='9' => c as u32 - '0' as u32,
                'A'..='Z' => c as u32 - 'A' as u32 + 10,
                'a'..='z' => c as u32 - 'a' as u32 + 36,
                '.' => 62,
                '_' => 63,
                _ => return None,
            })
        };
        let mut out = String::new();
        if table {
            out.push('\u{4840}');
        }
        let cs: Vec<char> = name.chars().collect();
        let mut i = 0;
        while i < cs.len() {
            match (idx(cs[i]), cs.get(i + 1).and_then(|c| idx(*c))) {
                (Some(a), Some(b)) => {
                    out.push(char::from_u32(0x3800 + (b << 6) + a).unwrap());
                    i += 2;
                }
                (Some(a), None) => {
                    out.push(char::from_u32(0x4800 + a).unwrap());
                    i += 1;
                }
                _ => {
                    out.push(cs[i]);
                    i += 1;
                }
            }
        }
        out
    }

    #[test]
    fn stream_names_decode() {
        assert_eq!(decode_name("\u{4840}\u{3b3f}\u{43f2}\u{4438}\u{45b1}"), ("_Columns".into(), true));
        assert_eq!(decode_name("\u{44ca}\u{47b3}\u{46e8}\u{4828}"), ("App.exe".into(), false));
        assert_eq!(decode_name("\u{5}DigitalSignature"), ("\u{5}DigitalSignature".into(), false));
        for n in ["_StringPool", "_StringData", "Property", "a", "x.y_z9"] {
            assert_eq!(decode_name(&encode_name(n, true)), (n.to_string(), true));
        }
    }

    fn pool_bytes(codepage: u32, strings: &[&[u8]]) -> (Vec<u8>, Vec<u8>) {
        let mut pool = codepage.to_le_bytes().to_vec();
        let mut data = Vec::new();
        for s in strings {
            if s.len() > 0xffff {
                pool.extend([0, 0, 1, 0]);
                pool.extend(((s.len() & 0xffff) as u16).to_le_bytes());
                pool.extend(((s.len() >> 16) as u16).to_le_bytes());
            } else if s.is_empty() {
                pool.extend([0, 0, 0, 0]);
            } else {
                pool.extend((s.len() as u16).to_le_bytes());
                pool.extend(1u16.to_le_bytes());
            }
            data.extend(*s);
        }
        (pool, data)
    }

    #[test]
    fn string_pool_edge_cases() {
        let long = vec![b'L'; 70_000];
        let (p, d) = pool_bytes(1251, &[b"Manufacturer", b"", &long, b"\xcb\xe0\xe1"]);
        let sp = StringPool::new(p, d).unwrap();
        assert_eq!(sp.get(0), None);
        assert_eq!(sp.get(1).as_deref(), Some("Manufacturer"));
        assert_eq!(sp.get(2), None);
        assert_eq!(sp.get(3).map(|s| s.len()), Some(70_000));
        assert_eq!(sp.get(4).as_deref(), Some("Лаб"));
        assert_eq!(sp.get(5), None);
        assert_eq!(sp.get(usize::MAX), None);
        // A pool claiming more bytes than the data has.
        let (p, _) = pool_bytes(65001, &[b"abc"]);
        assert!(StringPool::new(p, b"ab".to_vec()).is_err());
        // A long-string marker cut short.
        assert!(StringPool::new(vec![0xe9, 0xfd, 0, 0, 0, 0, 1, 0], Vec::new()).is_err());
        // Empty and odd-sized pools.
        assert!(StringPool::new(Vec::new(), Vec::new()).is_ok());
        assert!(StringPool::new(vec![1, 2, 3, 4, 5], Vec::new()).is_ok());
    }

    #[test]
    fn property_rows_are_column_major() {
        let (p, d) = pool_bytes(65001, &[b"Manufacturer", b"ProductName", b"Zoo Corp", b"Zoo"]);
        let sp = StringPool::new(p, d).unwrap();
        let table: Vec<u8> = [1u16, 2, 3, 4].iter().flat_map(|v| v.to_le_bytes()).collect();
        let rows = properties(&sp, &table).unwrap();
        assert_eq!(rows, vec![("Manufacturer".into(), "Zoo Corp".into()), ("ProductName".into(), "Zoo".into())]);
        assert!(properties(&sp, &table[..3]).is_err());
        // Long references: 3 bytes each.
        let (mut p, d) = pool_bytes(65001, &[b"Manufacturer", b"X"]);
        p[3] |= 0x80;
        let sp = StringPool::new(p, d).unwrap();
        assert!(sp.long_refs);
        let rows = properties(&sp, &[1, 0, 0, 2, 0, 0]).unwrap();
        assert_eq!(rows, vec![("Manufacturer".into(), "X".into())]);
        // Dangling references read as empty.
        let rows = properties(&sp, &[9, 9, 9, 9, 9, 9]).unwrap();
        assert!(rows.is_empty());
    }

    #[test]
    fn an_msi_built_in_memory() {
        let (pool, data) =
            pool_bytes(1252, &[b"Manufacturer", b"ProductName", b"Caf\xe9 Soft", b"Menu", b"ProductVersion", b"1.0"]);
        let table: Vec<u8> = [1u16, 2, 5, 3, 4, 6].iter().flat_map(|v| v.to_le_bytes()).collect();
        let f = cfb::tests::build(
            &[
                (&encode_name("_StringPool", true), pool),
                (&encode_name("_StringData", true), data),
                (&encode_name("Property", true), table),
            ],
            &[],
        );
        let place = Place { path: "/x/setup.msi", target: "dir:/x", depth: 0 };
        assert!(Msi.sniff(&f));
        let a = Msi.inspect(&Bytes(&f), place).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].name, "Menu");
        assert_eq!(a[0].version.as_deref(), Some("1.0"));
        assert_eq!(a[0].publisher.as_deref(), Some("Café Soft"));
        // A compound file without MSI tables (an Office document): nothing, no error.
        let doc = cfb::tests::build(&[("WordDocument", vec![0; 10])], &[]);
        assert_eq!(Msi.inspect(&Bytes(&doc), place).unwrap(), vec![]);
        for cut in 0..f.len() {
            let _ = Msi.inspect(&Bytes(&f[..cut]), place);
        }
    }
}
