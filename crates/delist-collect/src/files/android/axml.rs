//! axml: Android's binary XML (the compiled `AndroidManifest.xml` inside an APK), read just far
//! enough for the manifest's identity — `<manifest package versionCode versionName>`,
//! `<uses-sdk minSdkVersion targetSdkVersion>` and `<application label>` when the label is a
//! literal string.
//!
//! Layout (AOSP `ResourceTypes.h`): a chain of chunks, each `u16 type, u16 header size, u32
//! size`; a string pool (UTF-8 or UTF-16 strings at offsets), a resource map (the resource id of
//! each attribute-name string) and start/end element chunks whose attributes point into the pool.
//! Attributes are recognised by resource id first (obfuscators blank the names), by name second.
//!
//! Owns this decoder; it is a pure function of bytes. It must never index without a bounds check,
//! allocate from a count it has not checked against the chunk that holds it, or decode the whole
//! string pool (strings are decoded one at a time, when an attribute needs them).

use super::zip::{u16_at, u32_at};

/// Most chunks walked (a manifest has a few thousand at most).
pub const MAX_CHUNKS: usize = 1_000_000;

const RES_XML_TYPE: u16 = 0x0003;
const RES_STRING_POOL_TYPE: u16 = 0x0001;
const RES_XML_RESOURCE_MAP_TYPE: u16 = 0x0180;
const RES_XML_START_ELEMENT_TYPE: u16 = 0x0102;
const RES_XML_END_ELEMENT_TYPE: u16 = 0x0103;
const UTF8_FLAG: u32 = 0x100;
const NO_INDEX: u32 = 0xffff_ffff;

const ATTR_LABEL: u32 = 0x0101_0001;
const ATTR_VERSION_CODE: u32 = 0x0101_021b;
const ATTR_VERSION_NAME: u32 = 0x0101_021c;
const ATTR_MIN_SDK: u32 = 0x0101_020c;
const ATTR_TARGET_SDK: u32 = 0x0101_0270;

const TYPE_REFERENCE: u8 = 0x01;
const TYPE_STRING: u8 = 0x03;
const TYPE_INT_DEC: u8 = 0x10;
const TYPE_INT_HEX: u8 = 0x11;
const TYPE_INT_BOOLEAN: u8 = 0x12;

/// What a manifest says about its app. Values as written; a label given as a resource reference
/// (`@string/app_name`) is in `label_ref`, not `label`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub package: Option<String>,
    pub version_code: Option<String>,
    pub version_name: Option<String>,
    pub label: Option<String>,
    pub label_ref: Option<u32>,
    pub min_sdk: Option<String>,
    pub target_sdk: Option<String>,
}

/// A string pool, decoded lazily.
pub struct StringPool<'a> {
    chunk: &'a [u8],
    count: usize,
    offsets_at: usize,
    strings_at: usize,
    utf8: bool,
}

impl<'a> StringPool<'a> {
    /// Reads a string pool chunk (`chunk` is the whole chunk, header included).
    pub fn new(chunk: &'a [u8]) -> Result<Self, String> {
        let header = usize::from(u16_at(chunk, 2).ok_or("string pool header cut short")?);
        let count = u32_at(chunk, 8).ok_or("string pool header cut short")? as usize;
        let flags = u32_at(chunk, 16).ok_or("string pool header cut short")?;
        let strings_at = u32_at(chunk, 20).ok_or("string pool header cut short")? as usize;
        if header < 28 || header > chunk.len() {
            return Err("string pool header size out of range".into());
        }
        let offsets_end = count.checked_mul(4).and_then(|n| n.checked_add(header));
        if offsets_end.is_none_or(|end| end > chunk.len()) {
            return Err(format!("string pool claims {count} strings, more than its chunk holds"));
        }
        if count > 0 && strings_at > chunk.len() {
            return Err("string pool data starts past its chunk".into());
        }
        Ok(Self { chunk, count, offsets_at: header, strings_at, utf8: flags & UTF8_FLAG != 0 })
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// String `i`, or `None` if the index or its bytes are out of range.
    pub fn get(&self, i: u32) -> Option<String> {
        let i = i as usize;
        if i >= self.count {
            return None;
        }
        let off = u32_at(self.chunk, self.offsets_at.checked_add(i.checked_mul(4)?)?)? as usize;
        let at = self.strings_at.checked_add(off)?;
        let data = self.chunk.get(at..)?;
        if self.utf8 {
            // u16 length (1–2 bytes, ignored), then the UTF-8 byte length (1–2 bytes).
            let (_, n1) = len8(data)?;
            let (len, n2) = len8(data.get(n1..)?)?;
            let start = n1 + n2;
            let bytes = data.get(start..start.checked_add(len)?)?;
            Some(String::from_utf8_lossy(bytes).into_owned())
        } else {
            let first = u16_at(data, 0)?;
            let (len, start): (usize, usize) = if first & 0x8000 != 0 {
                let second = u16_at(data, 2)?;
                ((usize::from(first & 0x7fff) << 16) | usize::from(second), 4)
            } else {
                (usize::from(first), 2)
            };
            let bytes = data.get(start..start.checked_add(len.checked_mul(2)?)?)?;
            let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            Some(String::from_utf16_lossy(&units))
        }
    }
}

/// A UTF-8 pool length: one byte, or two when the high bit is set.
fn len8(b: &[u8]) -> Option<(usize, usize)> {
    let first = *b.first()?;
    if first & 0x80 != 0 {
        let second = *b.get(1)?;
        Some(((usize::from(first & 0x7f) << 8) | usize::from(second), 2))
    } else {
        Some((usize::from(first), 1))
    }
}

/// Reads the manifest's identity from a binary `AndroidManifest.xml`.
pub fn parse_manifest(data: &[u8]) -> Result<Manifest, String> {
    if u16_at(data, 0) != Some(RES_XML_TYPE) {
        return Err("AndroidManifest.xml is not binary XML".into());
    }
    let header = usize::from(u16_at(data, 2).ok_or("binary XML header cut short")?);
    let total = (u32_at(data, 4).ok_or("binary XML header cut short")? as usize).min(data.len());
    if header < 8 || header > total {
        return Err("binary XML header size out of range".into());
    }
    let mut pool: Option<StringPool<'_>> = None;
    let mut resmap: &[u8] = &[];
    let mut m = Manifest::default();
    let mut depth = 0usize;
    let mut manifest_depth: Option<usize> = None;
    let mut seen_app = false;
    let mut pos = header;
    let mut chunks = 0usize;
    while pos.checked_add(8).is_some_and(|e| e <= total) {
        chunks += 1;
        if chunks > MAX_CHUNKS {
            return Err(format!("more than {MAX_CHUNKS} chunks"));
        }
        let ty = u16_at(data, pos).unwrap_or(0);
        let hsize = usize::from(u16_at(data, pos + 2).unwrap_or(0));
        let size = u32_at(data, pos + 4).unwrap_or(0) as usize;
        let end = pos.checked_add(size).filter(|&e| e <= total && size >= 8 && hsize <= size && hsize >= 8);
        let Some(end) = end else {
            return Err(format!("chunk at {pos} has a bad size ({size}, header {hsize})"));
        };
        let chunk = &data[pos..end];
        match ty {
            RES_STRING_POOL_TYPE if pool.is_none() => pool = Some(StringPool::new(chunk)?),
            RES_XML_RESOURCE_MAP_TYPE => resmap = chunk.get(hsize..).unwrap_or_default(),
            RES_XML_START_ELEMENT_TYPE => {
                let p = pool.as_ref().ok_or("element before the string pool")?;
                let el = Element::new(chunk, hsize)?;
                let name = p.get(el.name).unwrap_or_default();
                let in_manifest = manifest_depth.is_some_and(|d| depth == d + 1);
                if name == "manifest" && manifest_depth.is_none() {
                    manifest_depth = Some(depth);
                    for a in el.attrs() {
                        match attr_id(p, resmap, &a) {
                            Attr::Package => m.package = a.text(p),
                            Attr::Id(ATTR_VERSION_CODE) => m.version_code = a.text(p),
                            Attr::Id(ATTR_VERSION_NAME) => m.version_name = a.text(p),
                            _ => {}
                        }
                    }
                } else if name == "application" && in_manifest && !seen_app {
                    seen_app = true;
                    for a in el.attrs() {
                        if attr_id(p, resmap, &a) == Attr::Id(ATTR_LABEL) {
                            if a.data_type == TYPE_REFERENCE {
                                m.label_ref = Some(a.data);
                            } else {
                                m.label = a.text(p);
                            }
                        }
                    }
                } else if name == "uses-sdk" && in_manifest {
                    for a in el.attrs() {
                        match attr_id(p, resmap, &a) {
                            Attr::Id(ATTR_MIN_SDK) => m.min_sdk = a.text(p),
                            Attr::Id(ATTR_TARGET_SDK) => m.target_sdk = a.text(p),
                            _ => {}
                        }
                    }
                }
                depth = depth.saturating_add(1);
            }
            RES_XML_END_ELEMENT_TYPE => depth = depth.saturating_sub(1),
            _ => {}
        }
        pos = end;
    }
    if manifest_depth.is_none() {
        return Err("no <manifest> element".into());
    }
    Ok(m)
}

/// A start-element chunk's attribute table.
struct Element<'a> {
    name: u32,
    table: &'a [u8],
    size: usize,
    count: usize,
}

impl<'a> Element<'a> {
    fn new(chunk: &'a [u8], hsize: usize) -> Result<Self, String> {
        let ext = hsize;
        let name = u32_at(chunk, ext + 4).ok_or("element cut short")?;
        let start = usize::from(u16_at(chunk, ext + 8).ok_or("element cut short")?);
        let size = usize::from(u16_at(chunk, ext + 10).ok_or("element cut short")?);
        let count = usize::from(u16_at(chunk, ext + 12).ok_or("element cut short")?);
        if count > 0 && size < 20 {
            return Err("attribute size under 20 bytes".into());
        }
        let table = chunk.get(ext + start..).ok_or("attributes start past their element")?;
        // Only whole attributes that fit are read.
        let count = count.min(table.len() / size.max(1));
        Ok(Self { name, table, size, count })
    }

    fn attrs(&self) -> impl Iterator<Item = RawAttr> + '_ {
        (0..self.count).filter_map(move |i| {
            let b = self.table.get(i * self.size..i * self.size + 20)?;
            Some(RawAttr {
                ns: u32_at(b, 0)?,
                name: u32_at(b, 4)?,
                raw: u32_at(b, 8)?,
                data_type: *b.get(15)?,
                data: u32_at(b, 16)?,
            })
        })
    }
}

struct RawAttr {
    ns: u32,
    name: u32,
    raw: u32,
    data_type: u8,
    data: u32,
}

impl RawAttr {
    /// The value as text: a string, or a number as Android prints it.
    fn text(&self, p: &StringPool<'_>) -> Option<String> {
        let s = match self.data_type {
            TYPE_STRING => p.get(self.data).or_else(|| p.get(self.raw)),
            TYPE_INT_DEC => Some((self.data as i32).to_string()),
            TYPE_INT_HEX => Some(self.data.to_string()),
            TYPE_INT_BOOLEAN => Some((self.data != 0).to_string()),
            TYPE_REFERENCE => None,
            _ if self.raw != NO_INDEX => p.get(self.raw),
            _ => None,
        }?;
        let s = s.trim().to_string();
        (!s.is_empty()).then_some(s)
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Attr {
    Package,
    Id(u32),
    Other,
}

/// Which attribute this is: by resource id when the resource map gives one, by name otherwise.
fn attr_id(p: &StringPool<'_>, resmap: &[u8], a: &RawAttr) -> Attr {
    if let Some(id) = (a.name as usize).checked_mul(4).and_then(|at| u32_at(resmap, at))
        && id != 0
    {
        return Attr::Id(id);
    }
    let name = p.get(a.name).unwrap_or_default();
    if a.ns == NO_INDEX {
        return if name == "package" { Attr::Package } else { Attr::Other };
    }
    match name.as_str() {
        "versionCode" => Attr::Id(ATTR_VERSION_CODE),
        "versionName" => Attr::Id(ATTR_VERSION_NAME),
        "label" => Attr::Id(ATTR_LABEL),
        "minSdkVersion" => Attr::Id(ATTR_MIN_SDK),
        "targetSdkVersion" => Attr::Id(ATTR_TARGET_SDK),
        _ => Attr::Other,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn chunk(ty: u16, header: &[u8], body: &[u8]) -> Vec<u8> {
        let hsize = 8 + header.len();
        let mut c = Vec::new();
        c.extend(ty.to_le_bytes());
        c.extend((hsize as u16).to_le_bytes());
        c.extend(((hsize + body.len()) as u32).to_le_bytes());
        c.extend(header);
        c.extend(body);
        c
    }

    /// A string pool chunk in UTF-8 or UTF-16.
    pub(crate) fn pool(strings: &[&str], utf8: bool) -> Vec<u8> {
        let mut offsets = Vec::new();
        let mut data = Vec::new();
        for s in strings {
            offsets.extend((data.len() as u32).to_le_bytes());
            if utf8 {
                let u16len = s.encode_utf16().count();
                for n in [u16len, s.len()] {
                    if n > 0x7f {
                        data.extend([0x80 | (n >> 8) as u8, n as u8]);
                    } else {
                        data.push(n as u8);
                    }
                }
                data.extend(s.as_bytes());
                data.push(0);
            } else {
                let units: Vec<u16> = s.encode_utf16().collect();
                if units.len() > 0x7fff {
                    data.extend((0x8000 | (units.len() >> 16) as u16).to_le_bytes());
                    data.extend((units.len() as u16).to_le_bytes());
                } else {
                    data.extend((units.len() as u16).to_le_bytes());
                }
                for u in units {
                    data.extend(u.to_le_bytes());
                }
                data.extend([0, 0]);
            }
        }
        while data.len() % 4 != 0 {
            data.push(0);
        }
        let mut header = Vec::new();
        header.extend((strings.len() as u32).to_le_bytes());
        header.extend(0u32.to_le_bytes());
        header.extend((if utf8 { UTF8_FLAG } else { 0 }).to_le_bytes());
        header.extend((28 + offsets.len() as u32).to_le_bytes());
        header.extend(0u32.to_le_bytes());
        let mut body = offsets;
        body.extend(data);
        chunk(RES_STRING_POOL_TYPE, &header, &body)
    }

    fn start(name: u32, attrs: &[(u32, u32, u32, u8, u32)]) -> Vec<u8> {
        let mut header = Vec::new();
        header.extend(1u32.to_le_bytes()); // line
        header.extend(NO_INDEX.to_le_bytes()); // comment
        let mut body = Vec::new();
        body.extend(NO_INDEX.to_le_bytes()); // ns
        body.extend(name.to_le_bytes());
        body.extend(20u16.to_le_bytes()); // attributeStart
        body.extend(20u16.to_le_bytes()); // attributeSize
        body.extend((attrs.len() as u16).to_le_bytes());
        body.extend([0u8; 6]);
        for (ns, n, raw, ty, data) in attrs {
            body.extend(ns.to_le_bytes());
            body.extend(n.to_le_bytes());
            body.extend(raw.to_le_bytes());
            body.extend(8u16.to_le_bytes());
            body.push(0);
            body.push(*ty);
            body.extend(data.to_le_bytes());
        }
        chunk(RES_XML_START_ELEMENT_TYPE, &header, &body)
    }

    fn end() -> Vec<u8> {
        chunk(RES_XML_END_ELEMENT_TYPE, &[0u8; 8], &[0u8; 8])
    }

    /// A manifest as aapt writes it: names 0..=2 carry resource ids through the map.
    pub(crate) fn manifest(utf8: bool, package: &str, label: &str) -> Vec<u8> {
        let strings = [
            "versionCode",
            "versionName",
            "label",
            "http://schemas.android.com/apk/res/android",
            "package",
            "manifest",
            "application",
            package,
            "1.2.3",
            label,
        ];
        let mut body = pool(&strings, utf8);
        let mut map = Vec::new();
        for id in [ATTR_VERSION_CODE, ATTR_VERSION_NAME, ATTR_LABEL] {
            map.extend(id.to_le_bytes());
        }
        body.extend(chunk(RES_XML_RESOURCE_MAP_TYPE, &[], &map));
        body.extend(start(
            5,
            &[(3, 0, NO_INDEX, TYPE_INT_DEC, 42), (3, 1, 8, TYPE_STRING, 8), (NO_INDEX, 4, 7, TYPE_STRING, 7)],
        ));
        body.extend(start(6, &[(3, 2, 9, TYPE_STRING, 9)]));
        body.extend(end());
        body.extend(end());
        chunk(RES_XML_TYPE, &[], &body)
    }

    #[test]
    fn reads_manifest_in_both_encodings() {
        for utf8 in [true, false] {
            let m = parse_manifest(&manifest(utf8, "com.example.app", "Zażółć 日本")).unwrap();
            assert_eq!(m.package.as_deref(), Some("com.example.app"));
            assert_eq!(m.version_code.as_deref(), Some("42"));
            assert_eq!(m.version_name.as_deref(), Some("1.2.3"));
            assert_eq!(m.label.as_deref(), Some("Zażółć 日本"));
        }
    }

    #[test]
    fn long_strings_use_two_length_units() {
        let long = "x".repeat(40_000);
        for utf8 in [true, false] {
            let long = if utf8 { "y".repeat(300) } else { long.clone() };
            let p = pool(&["a", &long, ""], utf8);
            let sp = StringPool::new(&p).unwrap();
            assert_eq!(sp.len(), 3);
            assert_eq!(sp.get(0).as_deref(), Some("a"));
            assert_eq!(sp.get(1).as_deref(), Some(long.as_str()));
            assert_eq!(sp.get(2).as_deref(), Some(""));
            assert_eq!(sp.get(3), None);
            assert_eq!(sp.get(u32::MAX), None);
        }
    }

    #[test]
    fn hostile_pools_are_errors_or_none() {
        let mut p = pool(&["a", "b"], false);
        // A string count far past the chunk.
        p[8..12].copy_from_slice(&0x4000_0000u32.to_le_bytes());
        assert!(StringPool::new(&p).is_err());
        p[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(StringPool::new(&p).is_err());
        // An offset past the data, a length past the data.
        let mut p = pool(&["a", "b"], false);
        p[28..32].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
        let sp = StringPool::new(&p).unwrap();
        assert_eq!(sp.get(0), None);
        assert_eq!(sp.get(1).as_deref(), Some("b"));
        let mut p = pool(&["ab"], true);
        let at = 28 + 4;
        p[at + 1] = 0x7f; // UTF-8 byte length 127, past the chunk
        assert_eq!(StringPool::new(&p).unwrap().get(0), None);
        let mut p = pool(&["ab"], false);
        p[at..at + 2].copy_from_slice(&0xffffu16.to_le_bytes());
        assert_eq!(StringPool::new(&p).unwrap().get(0), None);
        // A pool header size larger than the chunk.
        let mut p = pool(&["a"], true);
        p[2..4].copy_from_slice(&0xfff0u16.to_le_bytes());
        assert!(StringPool::new(&p).is_err());
    }

    #[test]
    fn hostile_manifests_are_errors() {
        let good = manifest(true, "com.example.app", "L");
        assert!(parse_manifest(&good[..4]).is_err());
        assert!(parse_manifest(b"<?xml version='1.0'?><manifest/>").is_err());
        for cut in (8..good.len()).step_by(7) {
            let _ = parse_manifest(&good[..cut]);
        }
        // A chunk with size 0 would loop forever if it were followed.
        let mut bad = good.clone();
        bad[8 + 4..8 + 8].copy_from_slice(&0u32.to_le_bytes());
        assert!(parse_manifest(&bad).is_err());
        // An element before any string pool.
        let mut body = start(0, &[]);
        body.extend(end());
        assert!(parse_manifest(&chunk(RES_XML_TYPE, &[], &body)).is_err());
        // A huge attribute count only reads what fits.
        let mut body = pool(&["manifest"], true);
        let mut el = start(0, &[]);
        let at = 8 + 8 + 12;
        el[at..at + 2].copy_from_slice(&0xffffu16.to_le_bytes());
        body.extend(el);
        let m = parse_manifest(&chunk(RES_XML_TYPE, &[], &body)).unwrap();
        assert_eq!(m.package, None);
    }

    #[test]
    fn label_references_are_not_labels() {
        let mut body = pool(&["label", "manifest", "application", "package", "p.q"], true);
        body.extend(chunk(RES_XML_RESOURCE_MAP_TYPE, &[], &ATTR_LABEL.to_le_bytes()));
        body.extend(start(1, &[(NO_INDEX, 3, 4, TYPE_STRING, 4)]));
        body.extend(start(2, &[(9, 0, NO_INDEX, TYPE_REFERENCE, 0x7f0a_0001)]));
        let m = parse_manifest(&chunk(RES_XML_TYPE, &[], &body)).unwrap();
        assert_eq!(m.package.as_deref(), Some("p.q"));
        assert_eq!(m.label, None);
        assert_eq!(m.label_ref, Some(0x7f0a_0001));
    }
}
