//! One rpm header blob, in the form the package database stores it.
//!
//! Layout (all integers big-endian, as rpm's `headerExport` writes them):
//!
//! ```text
//! offset 0   il   u32   number of index entries
//! offset 4   dl   u32   size of the data store in bytes
//! offset 8   il × { tag u32, type u32, offset u32, count u32 }
//! 8 + 16·il  dl bytes of data; each entry's offset is relative to here
//! ```
//!
//! The first entry of a database header is normally the immutable-region tag
//! (63); it and every other tag not listed in [`RpmPackage`] are skipped
//! without being decoded. Strings are NUL-terminated inside the data store;
//! an `I18NSTRING` or `STRING_ARRAY` value is `count` such strings in a row,
//! of which the first (the untranslated one) is taken.

use super::{RpmError, RpmPackage, read_u32_be, slice, truncated};

/// Most index entries a header may have. rpm's own check (`hdrchkTags`)
/// rejects 65,536 and above.
pub const MAX_INDEX_ENTRIES: u32 = 0xffff;

/// Largest data store accepted, in bytes (256 MiB; rpm itself stops at 16 MiB
/// for the region it verifies, but databases carry larger dribble data).
pub const MAX_DATA_BYTES: u32 = 256 << 20;

/// Largest well-formed header blob: `8 + 16 · MAX_INDEX_ENTRIES + MAX_DATA_BYTES`.
/// Database readers refuse to assemble a value larger than this.
pub(super) const MAX_BLOB_BYTES: u64 = 8 + 16 * MAX_INDEX_ENTRIES as u64 + MAX_DATA_BYTES as u64;

const ENTRY_SIZE: usize = 16;
const PREAMBLE: usize = 8;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_SUMMARY: u32 = 1004;
const TAG_DISTRIBUTION: u32 = 1010;
const TAG_VENDOR: u32 = 1011;
const TAG_LICENSE: u32 = 1014;
const TAG_PACKAGER: u32 = 1015;
const TAG_URL: u32 = 1020;
const TAG_ARCH: u32 = 1022;

/// The tags decoded, with their names for error messages. The position in
/// this table is the slot used while scanning the index.
const WANTED: [(u32, &str); 11] = [
    (TAG_NAME, "NAME"),
    (TAG_VERSION, "VERSION"),
    (TAG_RELEASE, "RELEASE"),
    (TAG_EPOCH, "EPOCH"),
    (TAG_SUMMARY, "SUMMARY"),
    (TAG_DISTRIBUTION, "DISTRIBUTION"),
    (TAG_VENDOR, "VENDOR"),
    (TAG_LICENSE, "LICENSE"),
    (TAG_PACKAGER, "PACKAGER"),
    (TAG_URL, "URL"),
    (TAG_ARCH, "ARCH"),
];

/// One index entry of a wanted tag.
#[derive(Clone, Copy)]
struct Entry {
    kind: u32,
    offset: u32,
    count: u32,
    /// Where the entry itself sits in the blob, for error messages.
    at: usize,
}

/// The decoded view of a header: the data store and where it starts.
struct Store<'a> {
    data: &'a [u8],
    base: usize,
}

/// Decodes one header blob (`il`, `dl`, index entries, data store) into a
/// package record.
///
/// The blob must be exactly `8 + 16·il + dl` bytes long, as every rpm
/// database backend stores it. `NAME`, `VERSION` and `RELEASE` are required;
/// the other fields are optional.
///
/// # Errors
///
/// [`RpmError`] with the offset (from the start of `blob`) of the first field
/// that is truncated, out of range, of the wrong type or missing.
pub fn parse_header(blob: &[u8]) -> Result<RpmPackage, RpmError> {
    let il = read_u32_be(blob, 0).ok_or(truncated("header index length (il)", 0, 4, blob.len()))?;
    let dl = read_u32_be(blob, 4).ok_or(truncated("header data length (dl)", 4, 4, blob.len()))?;
    if il > MAX_INDEX_ENTRIES {
        return Err(RpmError::TooLarge {
            what: "header index length (il)",
            offset: 0,
            value: u64::from(il),
            limit: u64::from(MAX_INDEX_ENTRIES),
        });
    }
    if dl > MAX_DATA_BYTES {
        return Err(RpmError::TooLarge {
            what: "header data length (dl)",
            offset: 4,
            value: u64::from(dl),
            limit: u64::from(MAX_DATA_BYTES),
        });
    }
    let il = usize::try_from(il).map_err(|_| too_large_index(il))?;
    let dl = usize::try_from(dl).map_err(|_| too_large_index(0))?;
    let index_len = il.checked_mul(ENTRY_SIZE).ok_or(too_large_index(0))?;
    let data_start = PREAMBLE.checked_add(index_len).ok_or(too_large_index(0))?;
    let index = slice(blob, PREAMBLE, index_len, "header index entries")?;
    let data = slice(blob, data_start, dl, "header data store")?;
    let expected_len = data_start.checked_add(dl).ok_or(too_large_index(0))?;
    if blob.len() != expected_len {
        return Err(RpmError::Invalid {
            what: "header blob length",
            offset: expected_len as u64,
            expected: "the blob to end after 8 + 16·il + dl bytes",
            found: blob.len() as u64,
        });
    }

    let mut found: [Option<Entry>; WANTED.len()] = [None; WANTED.len()];
    for (i, raw) in index.chunks_exact(ENTRY_SIZE).enumerate() {
        let at = PREAMBLE + i * ENTRY_SIZE;
        let field = |k: usize| read_u32_be(raw, k).unwrap_or(0);
        let tag = field(0);
        let Some(slot) = WANTED.iter().position(|&(t, _)| t == tag) else {
            continue;
        };
        // The first occurrence wins, as a sorted lookup in rpm would find one of them.
        if let Some(place) = found.get_mut(slot)
            && place.is_none()
        {
            *place = Some(Entry { kind: field(4), offset: field(8), count: field(12), at });
        }
    }

    let store = Store { data, base: data_start };
    let get = |tag: u32| -> Option<Entry> {
        let slot = WANTED.iter().position(|&(t, _)| t == tag)?;
        found.get(slot).copied().flatten()
    };
    let required = |tag: u32| -> Result<String, RpmError> {
        let entry = get(tag).ok_or(RpmError::MissingTag { tag, name: tag_name(tag), offset: PREAMBLE as u64 })?;
        store.string(entry)
    };
    let optional = |tag: u32| -> Result<Option<String>, RpmError> {
        match get(tag) {
            None => Ok(None),
            Some(entry) => store.string(entry).map(|s| Some(s).filter(|s| !s.is_empty())),
        }
    };

    Ok(RpmPackage {
        name: required(TAG_NAME)?,
        epoch: get(TAG_EPOCH).map(|e| store.int32(e)).transpose()?,
        version: required(TAG_VERSION)?,
        release: required(TAG_RELEASE)?,
        arch: optional(TAG_ARCH)?,
        vendor: optional(TAG_VENDOR)?,
        packager: optional(TAG_PACKAGER)?,
        summary: optional(TAG_SUMMARY)?,
        url: optional(TAG_URL)?,
        distribution: optional(TAG_DISTRIBUTION)?,
        license: optional(TAG_LICENSE)?,
    })
}

fn tag_name(tag: u32) -> &'static str {
    WANTED.iter().find(|&&(t, _)| t == tag).map_or("?", |&(_, name)| name)
}

fn too_large_index(il: u32) -> RpmError {
    RpmError::TooLarge {
        what: "header index length (il)",
        offset: 0,
        value: u64::from(il),
        limit: u64::from(MAX_INDEX_ENTRIES),
    }
}

impl Store<'_> {
    /// Offset of the value of `entry` inside the data store, checked against its size.
    fn value_offset(&self, entry: Entry) -> Result<usize, RpmError> {
        let off = usize::try_from(entry.offset).unwrap_or(usize::MAX);
        if off >= self.data.len() {
            return Err(RpmError::Invalid {
                what: "header entry data offset",
                offset: (entry.at + 8) as u64,
                expected: "an offset inside the data store (below dl)",
                found: u64::from(entry.offset),
            });
        }
        if entry.count == 0 {
            return Err(RpmError::Invalid {
                what: "header entry count",
                offset: (entry.at + 12) as u64,
                expected: "at least one value",
                found: 0,
            });
        }
        Ok(off)
    }

    /// A `STRING`, or the first string of an `I18NSTRING` / `STRING_ARRAY`.
    fn string(&self, entry: Entry) -> Result<String, RpmError> {
        if !matches!(entry.kind, TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY) {
            return Err(RpmError::Invalid {
                what: "header entry type",
                offset: (entry.at + 4) as u64,
                expected: "STRING (6), STRING_ARRAY (8) or I18NSTRING (9)",
                found: u64::from(entry.kind),
            });
        }
        let off = self.value_offset(entry)?;
        let rest = self.data.get(off..).unwrap_or_default();
        let len = rest.iter().position(|&b| b == 0).ok_or(RpmError::Truncated {
            what: "NUL-terminated header string",
            offset: (self.base + off) as u64,
            needed: rest.len() as u64 + 1,
            available: rest.len() as u64,
        })?;
        let bytes = rest.get(..len).unwrap_or_default();
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }

    /// The first value of an `INT32` entry.
    fn int32(&self, entry: Entry) -> Result<u32, RpmError> {
        if entry.kind != TYPE_INT32 {
            return Err(RpmError::Invalid {
                what: "header entry type",
                offset: (entry.at + 4) as u64,
                expected: "INT32 (4)",
                found: u64::from(entry.kind),
            });
        }
        let off = self.value_offset(entry)?;
        read_u32_be(self.data, off).ok_or(truncated(
            "INT32 header value",
            self.base + off,
            4,
            self.base + self.data.len(),
        ))
    }
}
