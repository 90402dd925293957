//! Property lists: Apple's XML (`<plist>`) and binary (`bplist00`) forms, read into one
//! [`Value`] tree, and the bundle keys delist needs from an `Info.plist` ([`bundle_info`]).
//!
//! Owns the plist decoders only; it reads no files (callers hand it bytes: `.app` bundles, IPAs,
//! code-signature entitlements). It must never trust a count, offset or size in its input:
//! binary plists are read through their offset table with every offset, reference and count
//! checked against the buffer; a reference that loops back to an object being read (a cycle), a
//! tree deeper than [`MAX_DEPTH`], more than [`MAX_NODES`] values or more than [`MAX_BYTES`] of
//! strings and data (an object shared many times is expanded each time) is an error, never a
//! hang, a stack overflow or an allocation the input chose.

use quick_xml::events::Event;

/// Plists larger than this are refused before parsing (an Info.plist is a few KiB).
pub const MAX_INPUT: usize = 16 << 20;
/// Deepest nesting of arrays and dictionaries.
pub const MAX_DEPTH: usize = 64;
/// Most values materialised from one plist (shared binary objects count once per use).
pub const MAX_NODES: usize = 200_000;
/// Most bytes of strings and data materialised from one plist.
pub const MAX_BYTES: usize = 64 << 20;

/// One plist value. Dictionaries keep their keys in file order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Integer(i128),
    Real(f64),
    /// RFC 3339 (UTC) as written in XML, or converted from a binary plist's seconds since 2001.
    Date(String),
    Data(Vec<u8>),
    String(String),
    Array(Vec<Value>),
    Dict(Vec<(String, Value)>),
    /// A keyed-archiver object reference (binary plists only).
    Uid(u64),
    Null,
}

impl Value {
    /// The value of `key` in a dictionary (the first, if a broken plist repeats it).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A string, or a number written as one (broken plists give `CFBundleVersion` as an integer).
    pub fn to_text(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Integer(i) => Some(i.to_string()),
            Value::Real(r) if r.is_finite() => Some(r.to_string()),
            _ => None,
        }
    }
}

/// Whether the bytes look like a plist of either form.
pub fn sniff(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"bplist00") {
        return true;
    }
    let head = &bytes[..bytes.len().min(512)];
    let head = String::from_utf8_lossy(head);
    let t = head.trim_start_matches('\u{feff}').trim_start();
    t.starts_with("<?xml") && t.contains("<plist") || t.starts_with("<plist") || t.contains("<!DOCTYPE plist")
}

/// Parses a plist of either form.
pub fn parse(bytes: &[u8]) -> Result<Value, String> {
    if bytes.len() > MAX_INPUT {
        return Err(format!("plist is {} bytes, over the {MAX_INPUT}-byte limit", bytes.len()));
    }
    if bytes.starts_with(b"bplist") { parse_binary(bytes) } else { parse_xml(bytes) }
}

/// What an `Info.plist` says about its bundle (every field as written; absent keys are `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleInfo {
    pub identifier: Option<String>,
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub short_version: Option<String>,
    pub version: Option<String>,
    pub copyright: Option<String>,
    pub executable: Option<String>,
}

/// Reads the bundle keys of an `Info.plist` (XML or binary). The root must be a dictionary.
pub fn bundle_info(bytes: &[u8]) -> Result<BundleInfo, String> {
    let root = parse(bytes)?;
    if !matches!(root, Value::Dict(_)) {
        return Err("Info.plist root is not a dictionary".into());
    }
    let text = |k: &str| root.get(k).and_then(Value::to_text).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    Ok(BundleInfo {
        identifier: text("CFBundleIdentifier"),
        name: text("CFBundleName"),
        display_name: text("CFBundleDisplayName"),
        short_version: text("CFBundleShortVersionString"),
        version: text("CFBundleVersion"),
        copyright: text("NSHumanReadableCopyright"),
        executable: text("CFBundleExecutable"),
    })
}

/// Counts what has been materialised, against [`MAX_NODES`] and [`MAX_BYTES`].
#[derive(Default)]
struct Budget {
    nodes: usize,
    bytes: usize,
}

impl Budget {
    fn node(&mut self) -> Result<(), String> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(format!("more than {MAX_NODES} values"));
        }
        Ok(())
    }

    fn bytes(&mut self, n: usize) -> Result<(), String> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > MAX_BYTES {
            return Err(format!("more than {MAX_BYTES} bytes of strings and data"));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Binary plists (CoreFoundation's CFBinaryPList.c layout): header `bplist00`, objects, an offset
// table, and a 32-byte trailer giving the table's entry size, the object reference size, the
// object count, the top object and where the table is.

const TRAILER: usize = 32;

struct Bplist<'a> {
    data: &'a [u8],
    offset_size: usize,
    ref_size: usize,
    num_objects: u64,
    table: usize,
    budget: Budget,
    /// Objects being read, outermost first: a reference to one of them is a cycle.
    path: Vec<u64>,
}

fn be_uint(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 8 {
        return None;
    }
    Some(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// Parses a binary plist (`bplist00`).
pub fn parse_binary(data: &[u8]) -> Result<Value, String> {
    if data.len() > MAX_INPUT {
        return Err(format!("plist is {} bytes, over the {MAX_INPUT}-byte limit", data.len()));
    }
    if !data.starts_with(b"bplist0") {
        return Err("not a binary plist (no bplist0x header)".into());
    }
    let tstart = data.len().checked_sub(TRAILER).filter(|t| *t >= 8).ok_or("binary plist too short for its trailer")?;
    let t = data.get(tstart..).ok_or("binary plist too short")?;
    let offset_size = usize::from(*t.get(6).ok_or("trailer")?);
    let ref_size = usize::from(*t.get(7).ok_or("trailer")?);
    let num_objects = be_uint(t.get(8..16).ok_or("trailer")?).ok_or("trailer")?;
    let top = be_uint(t.get(16..24).ok_or("trailer")?).ok_or("trailer")?;
    let table = be_uint(t.get(24..32).ok_or("trailer")?).ok_or("trailer")?;
    if !(1..=8).contains(&offset_size) || !(1..=8).contains(&ref_size) {
        return Err(format!("bad binary plist trailer: offset size {offset_size}, reference size {ref_size}"));
    }
    if num_objects == 0 || top >= num_objects {
        return Err(format!("bad binary plist trailer: top object {top} of {num_objects}"));
    }
    let table = usize::try_from(table).map_err(|_| "offset table offset out of range")?;
    let table_len = usize::try_from(num_objects)
        .ok()
        .and_then(|n| n.checked_mul(offset_size))
        .ok_or("offset table size overflows")?;
    let table_end = table.checked_add(table_len).ok_or("offset table end overflows")?;
    if table < 8 || table_end > tstart {
        return Err(format!("offset table [{table}, {table_end}) is outside the object area [8, {tstart})"));
    }
    let mut p = Bplist { data, offset_size, ref_size, num_objects, table, budget: Budget::default(), path: Vec::new() };
    p.object(top)
}

impl Bplist<'_> {
    fn offset_of(&self, obj: u64) -> Result<usize, String> {
        if obj >= self.num_objects {
            return Err(format!("object reference {obj} beyond the {} objects", self.num_objects));
        }
        let at = usize::try_from(obj)
            .ok()
            .and_then(|o| o.checked_mul(self.offset_size))
            .and_then(|o| o.checked_add(self.table))
            .ok_or("offset table index overflows")?;
        let end = at.checked_add(self.offset_size).ok_or("offset table index overflows")?;
        let off = be_uint(self.data.get(at..end).ok_or("offset table truncated")?).ok_or("offset")?;
        let off = usize::try_from(off).map_err(|_| "object offset out of range")?;
        if off < 8 || off >= self.table {
            return Err(format!("object {obj} at offset {off} is outside the object area"));
        }
        Ok(off)
    }

    fn bytes_at(&self, start: usize, len: usize) -> Result<&[u8], String> {
        let end = start.checked_add(len).ok_or("object length overflows")?;
        if end > self.table {
            return Err(format!("object at {start} of {len} bytes runs past the object area"));
        }
        self.data.get(start..end).ok_or_else(|| "object truncated".to_string())
    }

    /// The object's count (low nibble, or a following integer object when it is 15) and where
    /// its contents start.
    fn count(&self, off: usize, marker: u8) -> Result<(usize, usize), String> {
        let low = marker & 0x0f;
        let start = off.checked_add(1).ok_or("overflow")?;
        if low != 0x0f {
            return Ok((usize::from(low), start));
        }
        let m = *self.data.get(start).ok_or("count marker truncated")?;
        if m & 0xf0 != 0x10 {
            return Err(format!("count at {start} is not an integer (marker {m:#04x})"));
        }
        let n = 1usize << (m & 0x0f).min(4);
        if n > 8 {
            return Err("count wider than 64 bits".into());
        }
        let first = start.checked_add(1).ok_or("overflow")?;
        let v = be_uint(self.bytes_at(first, n)?).ok_or("count")?;
        let v = usize::try_from(v).map_err(|_| "count out of range")?;
        Ok((v, first.checked_add(n).ok_or("overflow")?))
    }

    fn refs(&self, start: usize, count: usize) -> Result<Vec<u64>, String> {
        let len = count.checked_mul(self.ref_size).ok_or("reference list size overflows")?;
        // Checked against the buffer before anything is allocated.
        let raw = self.bytes_at(start, len)?;
        raw.chunks_exact(self.ref_size).map(|c| be_uint(c).ok_or_else(|| "reference".to_string())).collect()
    }

    fn object(&mut self, obj: u64) -> Result<Value, String> {
        if self.path.contains(&obj) {
            return Err(format!("object {obj} contains itself (a reference cycle)"));
        }
        if self.path.len() >= MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH}"));
        }
        self.budget.node()?;
        let off = self.offset_of(obj)?;
        let marker = *self.data.get(off).ok_or("object truncated")?;
        let body = off + 1; // off < table <= len, so no overflow
        Ok(match marker >> 4 {
            0x0 => match marker {
                0x00 => Value::Null,
                0x08 => Value::Bool(false),
                0x09 => Value::Bool(true),
                0x0f => Value::Null,
                _ => return Err(format!("unknown marker {marker:#04x} at {off}")),
            },
            0x1 => {
                let n = 1usize << (marker & 0x0f);
                let b = self.bytes_at(body, n.min(32))?;
                match n {
                    1 | 2 | 4 => Value::Integer(i128::from(be_uint(b).ok_or("integer")?)),
                    8 => Value::Integer(i128::from(be_uint(b).ok_or("integer")? as i64)),
                    16 => Value::Integer(b.iter().fold(0i128, |acc, x| (acc << 8) | i128::from(*x))),
                    _ => return Err(format!("integer of {n} bytes at {off}")),
                }
            }
            0x2 => {
                let b = self.bytes_at(body, 1usize << (marker & 0x0f).min(4))?;
                match b.len() {
                    4 => Value::Real(f64::from(f32::from_be_bytes(b.try_into().map_err(|_| "real")?))),
                    8 => Value::Real(f64::from_be_bytes(b.try_into().map_err(|_| "real")?)),
                    n => return Err(format!("real of {n} bytes at {off}")),
                }
            }
            0x3 if marker == 0x33 => {
                let b = self.bytes_at(body, 8)?;
                Value::Date(date_from_apple_epoch(f64::from_be_bytes(b.try_into().map_err(|_| "date")?)))
            }
            0x4 => {
                let (n, start) = self.count(off, marker)?;
                self.budget.bytes(n)?;
                let b = self.bytes_at(start, n)?;
                Value::Data(b.to_vec())
            }
            0x5 | 0x7 => {
                let (n, start) = self.count(off, marker)?;
                self.budget.bytes(n)?;
                let b = self.bytes_at(start, n)?;
                Value::String(String::from_utf8_lossy(b).into_owned())
            }
            0x6 => {
                let (n, start) = self.count(off, marker)?;
                let len = n.checked_mul(2).ok_or("string length overflows")?;
                self.budget.bytes(len)?;
                let b = self.bytes_at(start, len)?;
                let units: Vec<u16> = b.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
                Value::String(String::from_utf16_lossy(&units))
            }
            0x8 => {
                let n = usize::from(marker & 0x0f) + 1;
                let b = self.bytes_at(body, n)?;
                Value::Uid(be_uint(b).ok_or("UID wider than 64 bits")?)
            }
            0xa | 0xc => {
                let (n, start) = self.count(off, marker)?;
                let refs = self.refs(start, n)?;
                self.path.push(obj);
                let mut items = Vec::new();
                for r in refs {
                    items.push(self.object(r)?);
                }
                self.path.pop();
                Value::Array(items)
            }
            0xd => {
                let (n, start) = self.count(off, marker)?;
                let keys = self.refs(start, n)?;
                let vstart = start.checked_add(n.checked_mul(self.ref_size).ok_or("overflow")?).ok_or("overflow")?;
                let vals = self.refs(vstart, n)?;
                self.path.push(obj);
                let mut entries = Vec::new();
                for (k, v) in keys.into_iter().zip(vals) {
                    let key = match self.object(k)? {
                        Value::String(s) => s,
                        other => return Err(format!("dictionary key is not a string: {other:?}")),
                    };
                    let val = self.object(v)?;
                    entries.push((key, val));
                }
                self.path.pop();
                Value::Dict(entries)
            }
            _ => return Err(format!("unknown marker {marker:#04x} at {off}")),
        })
    }
}

/// Seconds since 2001-01-01T00:00:00Z (CFAbsoluteTime) as RFC 3339, whole seconds.
fn date_from_apple_epoch(secs: f64) -> String {
    // 978307200 = seconds from 1970-01-01 to 2001-01-01. Out-of-range values are clamped to
    // years 0..=9999, which no real plist needs.
    let unix = (secs.floor() + 978_307_200.0).clamp(-62_167_219_200.0, 253_402_300_799.0) as i64;
    let days = unix.div_euclid(86_400);
    let rem = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

// ---------------------------------------------------------------------------------------------
// XML plists (Apple's PropertyList-1.0.dtd).

enum Frame {
    Array(Vec<Value>),
    Dict { entries: Vec<(String, Value)>, key: Option<String> },
}

/// The scalar element being read and its text so far.
struct Scalar {
    tag: String,
    text: String,
}

/// Parses an XML plist.
pub fn parse_xml(data: &[u8]) -> Result<Value, String> {
    if data.len() > MAX_INPUT {
        return Err(format!("plist is {} bytes, over the {MAX_INPUT}-byte limit", data.len()));
    }
    if data.starts_with(&[0xfe, 0xff]) || data.starts_with(&[0xff, 0xfe]) {
        return Err("UTF-16 XML plists are not supported".into());
    }
    let mut reader = quick_xml::Reader::from_reader(data);
    reader.config_mut().expand_empty_elements = true;
    let mut budget = Budget::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut scalar: Option<Scalar> = None;
    let mut root: Option<Value> = None;
    let mut in_plist = false;
    loop {
        let ev = reader.read_event().map_err(|e| format!("XML plist at byte {}: {e}", reader.error_position()))?;
        match ev {
            Event::Start(e) => {
                let tag = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if scalar.is_some() {
                    return Err(format!("<{tag}> inside a scalar element"));
                }
                if root.is_some() {
                    // Anything after the root value is ignored, as CoreFoundation does.
                    continue;
                }
                match tag.as_str() {
                    "plist" if !in_plist && stack.is_empty() => in_plist = true,
                    "dict" | "array" => {
                        if stack.len() >= MAX_DEPTH {
                            return Err(format!("nested deeper than {MAX_DEPTH}"));
                        }
                        budget.node()?;
                        stack.push(if tag == "dict" {
                            Frame::Dict { entries: Vec::new(), key: None }
                        } else {
                            Frame::Array(Vec::new())
                        });
                    }
                    "key" | "string" | "integer" | "real" | "date" | "data" | "true" | "false" => {
                        scalar = Some(Scalar { tag, text: String::new() });
                    }
                    other => return Err(format!("unknown plist element <{other}>")),
                }
            }
            Event::Text(t) => {
                if let Some(s) = scalar.as_mut() {
                    let txt = t.unescape().map_err(|e| format!("XML plist text: {e}"))?;
                    budget.bytes(txt.len())?;
                    s.text.push_str(&txt);
                }
            }
            Event::CData(t) => {
                if let Some(s) = scalar.as_mut() {
                    budget.bytes(t.len())?;
                    s.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(e) => {
                if root.is_some() {
                    continue;
                }
                let tag = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let done = if let Some(s) = scalar.take() {
                    if s.tag != tag {
                        return Err(format!("</{tag}> closes <{}>", s.tag));
                    }
                    if s.tag == "key" {
                        match stack.last_mut() {
                            Some(Frame::Dict { key, .. }) if key.is_none() => *key = Some(s.text),
                            _ => return Err("<key> outside a dictionary or twice in a row".into()),
                        }
                        continue;
                    }
                    budget.node()?;
                    Some(scalar_value(&s.tag, s.text)?)
                } else {
                    match tag.as_str() {
                        "dict" | "array" => match stack.pop() {
                            Some(Frame::Dict { entries, key: None }) if tag == "dict" => Some(Value::Dict(entries)),
                            Some(Frame::Array(items)) if tag == "array" => Some(Value::Array(items)),
                            _ => return Err(format!("</{tag}> does not close what is open")),
                        },
                        "plist" => None,
                        other => return Err(format!("unexpected </{other}>")),
                    }
                };
                if let Some(v) = done {
                    match stack.last_mut() {
                        None => root = Some(v),
                        Some(Frame::Array(items)) => items.push(v),
                        Some(Frame::Dict { entries, key }) => match key.take() {
                            Some(k) => entries.push((k, v)),
                            None => return Err("dictionary value without a <key>".into()),
                        },
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.ok_or_else(|| "XML plist has no value".to_string())
}

fn scalar_value(tag: &str, text: String) -> Result<Value, String> {
    Ok(match tag {
        "string" => Value::String(text),
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "integer" => {
            let t = text.trim();
            let parsed = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                i128::from_str_radix(h, 16)
            } else {
                t.parse::<i128>()
            };
            Value::Integer(parsed.map_err(|_| format!("bad <integer> {t:?}"))?)
        }
        "real" => Value::Real(text.trim().parse::<f64>().map_err(|_| format!("bad <real> {:?}", text.trim()))?),
        "date" => Value::Date(text.trim().to_string()),
        "data" => Value::Data(base64_decode(&text).ok_or("bad base64 in <data>")?),
        other => return Err(format!("unknown plist element <{other}>")),
    })
}

/// Decodes standard base64 (RFC 4648), ignoring whitespace; padding is optional. `None` on any
/// other character or a dangling single symbol.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut symbols = 0usize;
    let mut padding = false;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding = true;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        if padding {
            return None;
        }
        symbols += 1;
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if symbols % 4 == 1 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a binary plist from raw objects: `objects[i]` is object i's bytes.
    fn bplist(objects: &[Vec<u8>], top: u64, offset_size: u8, ref_size: u8) -> Vec<u8> {
        let mut out = b"bplist00".to_vec();
        let mut offsets = Vec::new();
        for o in objects {
            offsets.push(out.len() as u64);
            out.extend_from_slice(o);
        }
        let table = out.len() as u64;
        for off in offsets {
            out.extend_from_slice(&off.to_be_bytes()[8 - usize::from(offset_size)..]);
        }
        out.extend_from_slice(&[0; 6]);
        out.push(offset_size);
        out.push(ref_size);
        out.extend_from_slice(&(objects.len() as u64).to_be_bytes());
        out.extend_from_slice(&top.to_be_bytes());
        out.extend_from_slice(&table.to_be_bytes());
        out
    }

    fn ascii(s: &str) -> Vec<u8> {
        let mut o = if s.len() < 15 { vec![0x50 | s.len() as u8] } else { vec![0x5f, 0x10, s.len() as u8] };
        o.extend_from_slice(s.as_bytes());
        o
    }

    #[test]
    fn binary_dict_with_ascii_utf16_ints_and_long_counts() {
        let long = "x".repeat(20);
        let mut long_obj = vec![0x5f, 0x10, 20];
        long_obj.extend_from_slice(long.as_bytes());
        let mut utf16 = vec![0x62];
        for u in "Ж☃".encode_utf16() {
            utf16.extend_from_slice(&u.to_be_bytes());
        }
        let objects = vec![
            vec![0xd4, 1, 2, 3, 4, 5, 6, 7, 8], // dict of 4
            ascii("CFBundleIdentifier"),
            ascii("CFBundleName"),
            ascii("n"),
            ascii("arr"),
            ascii("com.example.app"),
            utf16,
            vec![0x13, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], // -2 in 8 bytes
            vec![0xa3, 9, 10, 11],
            long_obj,
            vec![0x09],
            vec![0x11, 0x01, 0x00],
        ];
        let v = parse(&bplist(&objects, 0, 1, 1)).expect("parse");
        assert_eq!(v.get("CFBundleIdentifier").and_then(Value::as_str), Some("com.example.app"));
        assert_eq!(v.get("CFBundleName").and_then(Value::as_str), Some("Ж☃"));
        assert_eq!(v.get("n"), Some(&Value::Integer(-2)));
        assert_eq!(
            v.get("arr"),
            Some(&Value::Array(vec![Value::String(long), Value::Bool(true), Value::Integer(256)]))
        );
    }

    #[test]
    fn binary_reference_cycle_is_an_error() {
        // An array that contains itself, and two arrays that contain each other.
        let self_ref = bplist(&[vec![0xa1, 0]], 0, 1, 1);
        assert!(parse(&self_ref).expect_err("cycle").contains("cycle"));
        let mutual = bplist(&[vec![0xa1, 1], vec![0xa1, 0]], 0, 1, 1);
        assert!(parse(&mutual).expect_err("cycle").contains("cycle"));
        // A dictionary whose value is itself.
        let dict = bplist(&[vec![0xd1, 1, 0], ascii("k")], 0, 1, 1);
        assert!(parse(&dict).is_err());
    }

    #[test]
    fn binary_shared_objects_are_bounded() {
        // Object i is an array of 15 references to object i+1: 15^k expansion, stopped by the
        // node budget rather than memory.
        let n = 12u8;
        let mut objects: Vec<Vec<u8>> = (0..n).map(|i| [vec![0xaf, 0x10, 15], vec![i + 1; 15]].concat()).collect();
        objects.push(vec![0x09]);
        let err = parse(&bplist(&objects, 0, 1, 1)).expect_err("bomb");
        assert!(err.contains("values"), "{err}");
    }

    #[test]
    fn binary_bad_offsets_counts_and_trailers_are_errors() {
        // Offset table points past the object area.
        let mut b = bplist(&[vec![0x09]], 0, 1, 1);
        let table = b.len() - TRAILER - 1;
        b[table] = 0xf0;
        assert!(parse(&b).is_err());
        // A huge array count.
        let huge = bplist(&[vec![0xaf, 0x13, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]], 0, 1, 1);
        assert!(parse(&huge).is_err());
        // A huge string count.
        let s = bplist(&[vec![0x5f, 0x13, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]], 0, 1, 1);
        assert!(parse(&s).is_err());
        // Reference beyond the object count.
        assert!(parse(&bplist(&[vec![0xa1, 7]], 0, 1, 1)).is_err());
        // Top object beyond the count; zero-sized offsets; a trailer alone.
        assert!(parse(&bplist(&[vec![0x09]], 5, 1, 1)).is_err());
        assert!(parse(&bplist(&[vec![0x09]], 0, 0, 1)).is_err());
        assert!(parse(b"bplist00").is_err());
        let mut num = bplist(&[vec![0x09]], 0, 1, 1);
        let at = num.len() - 24;
        num[at..at + 8].copy_from_slice(&u64::MAX.to_be_bytes());
        assert!(parse(&num).is_err());
        // Unknown marker, non-string key.
        assert!(parse(&bplist(&[vec![0xb0]], 0, 1, 1)).is_err());
        assert!(parse(&bplist(&[vec![0xd1, 1, 1], vec![0x10, 1]], 0, 1, 1)).is_err());
    }

    #[test]
    fn binary_wide_offsets_and_refs() {
        let objects = vec![vec![0xa1, 0, 1], vec![0x08]];
        let v = parse(&bplist(&objects, 0, 8, 2)).expect("parse");
        assert_eq!(v, Value::Array(vec![Value::Bool(false)]));
    }

    #[test]
    fn binary_date() {
        let mut d = vec![0x33];
        d.extend_from_slice(&0.0f64.to_be_bytes());
        assert_eq!(parse(&bplist(&[d], 0, 1, 1)).expect("parse"), Value::Date("2001-01-01T00:00:00Z".into()));
        assert_eq!(date_from_apple_epoch(-978_307_200.0), "1970-01-01T00:00:00Z");
        assert_eq!(date_from_apple_epoch(700_000_000.0), "2023-03-08T20:26:40Z");
    }

    #[test]
    fn binary_deep_nesting_is_an_error() {
        let n = (MAX_DEPTH + 5) as u8;
        let mut objects: Vec<Vec<u8>> = (0..n).map(|i| vec![0xa1, i + 1]).collect();
        objects.push(vec![0x09]);
        assert!(parse(&bplist(&objects, 0, 1, 1)).expect_err("deep").contains("deeper"));
    }

    const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleExecutable</key>
	<string>Example</string>
	<key>CFBundleIdentifier</key>
	<string>com.example.app</string>
	<key>CFBundleVersion</key>
	<integer>42</integer>
	<key>NSHumanReadableCopyright</key>
	<string>© 2024 Example &amp; Co</string>
	<key>LSRequiresNativeExecution</key>
	<true/>
	<key>Icons</key>
	<array><string>a</string><data>AAEC
	/w==</data><dict/><string/></array>
</dict>
</plist>"#;

    #[test]
    fn xml_plist_reads_bundle_keys() {
        let info = bundle_info(XML.as_bytes()).expect("parse");
        assert_eq!(info.identifier.as_deref(), Some("com.example.app"));
        assert_eq!(info.executable.as_deref(), Some("Example"));
        assert_eq!(info.version.as_deref(), Some("42"));
        assert_eq!(info.copyright.as_deref(), Some("© 2024 Example & Co"));
        assert_eq!(info.name, None);
        let v = parse(XML.as_bytes()).expect("parse");
        assert_eq!(v.get("LSRequiresNativeExecution"), Some(&Value::Bool(true)));
        assert_eq!(
            v.get("Icons"),
            Some(&Value::Array(vec![
                Value::String("a".into()),
                Value::Data(vec![0, 1, 2, 255]),
                Value::Dict(vec![]),
                Value::String(String::new())
            ]))
        );
        assert!(sniff(XML.as_bytes()));
    }

    #[test]
    fn xml_errors() {
        for bad in [
            "<plist><dict><string>x</string></dict></plist>",
            "<plist><dict><key>a</key></array></plist>",
            "<plist><array><key>a</key></array></plist>",
            "<plist><integer>zz</integer></plist>",
            "<plist><data>!!</data></plist>",
            "<plist><foo/></plist>",
            "<plist><string>&bogus;</string></plist>",
            "<plist></plist>",
            "",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad}");
        }
        let deep = format!("<plist>{}{}</plist>", "<array>".repeat(100), "</array>".repeat(100));
        assert!(parse(deep.as_bytes()).expect_err("deep").contains("deeper"));
        assert!(bundle_info(b"<plist><array/></plist>").is_err());
    }

    #[test]
    fn base64() {
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("").as_deref(), Some(&b""[..]));
        assert_eq!(base64_decode("a"), None);
        assert_eq!(base64_decode("aG=Vs"), None);
        assert_eq!(base64_decode("a*"), None);
    }
}
