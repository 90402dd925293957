//! Turning the bytes of an RPM package database into package records.
//!
//! # What this module owns
//!
//! The three on-disk formats that rpm has used for its package database, each
//! read from a byte slice that the caller has already loaded:
//!
//! * [`DbFormat::Sqlite`]: `rpmdb.sqlite` (rpm ≥ 4.16, Fedora 33+, RHEL 9+).
//!   Opened **in memory** from the bytes ([`read_sqlite`]): nothing is written
//!   beside the target's file, and no lock, journal, WAL or shm file is made.
//! * [`DbFormat::BerkeleyDb`]: the Berkeley DB hash file `Packages` (RHEL ≤ 8,
//!   SUSE before 2021, …), read by a small page walker of its own
//!   ([`read_bdb`]); libdb is never linked.
//! * [`DbFormat::Ndb`]: rpm's own `Packages.db` (openSUSE / SLE 15 SP3+),
//!   read by [`read_ndb`].
//!
//! All three store the same thing: one *header blob* per installed package,
//! the "immutable region" form that [`parse_header`] decodes (index length,
//! data length, big-endian index entries, data store). Only the handful of
//! tags in [`RpmPackage`] are decoded.
//!
//! # What it must never do
//!
//! * No I/O: no file is opened, created, locked or written; the caller hands
//!   over bytes and gets values back.
//! * No panics on any input: every length, count and offset taken from the
//!   input is checked (`get(a..b)`, `checked_add`, `checked_mul`) before use;
//!   no indexing that can fail, no `unwrap`.
//! * No allocation driven by an unchecked size: nothing is pre-allocated from
//!   a count or length read from the input; buffers grow only as real bytes
//!   are copied, and hard caps apply ([`MAX_INDEX_ENTRIES`],
//!   [`MAX_DATA_BYTES`], [`MAX_SQLITE_BYTES`]).
//! * No unbounded work: no recursion on file data, page chains are bounded by
//!   the page count and cycle-checked, slot tables are bounded by the file
//!   size.
//!
//! # Partial results
//!
//! A damaged database is still evidence. The `read_*` functions return every
//! package they could decode together with one [`RpmError`] per record (or
//! per structure) they could not: one bad header never hides the others. A
//! file that is not the expected format at all yields no packages and one
//! error.
//!
//! # Not covered here
//!
//! * A SQLite database whose last transactions are still only in its `-wal`
//!   file: only the main file's bytes are read. rpm checkpoints on a clean
//!   close, so this is an interrupted-transaction case only.
//! * Berkeley DB *btree* databases (rpm only ever wrote `Packages` as a hash),
//!   and Berkeley DB files with page checksums or encryption (rpm never
//!   enabled either).

mod bdb;
mod collect;
mod header;
mod ndb;
mod sqlite;

#[cfg(test)]
mod tests;

pub use bdb::read_bdb;
pub use collect::{Rpm, artifact};
pub use header::{MAX_DATA_BYTES, MAX_INDEX_ENTRIES, parse_header};
pub use ndb::read_ndb;
pub use sqlite::{MAX_SQLITE_BYTES, read_sqlite};

use std::fmt;

/// One installed package, as its header in the rpm database describes it.
///
/// Optional fields are `None` when the tag is absent or holds an empty string.
/// Strings that are not valid UTF-8 are converted lossily (U+FFFD).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RpmPackage {
    /// `NAME` (tag 1000).
    pub name: String,
    /// `EPOCH` (tag 1003), absent for most packages.
    pub epoch: Option<u32>,
    /// `VERSION` (tag 1001).
    pub version: String,
    /// `RELEASE` (tag 1002).
    pub release: String,
    /// `ARCH` (tag 1022); absent e.g. on `gpg-pubkey` pseudo-packages.
    pub arch: Option<String>,
    /// `VENDOR` (tag 1011).
    pub vendor: Option<String>,
    /// `PACKAGER` (tag 1015).
    pub packager: Option<String>,
    /// `SUMMARY` (tag 1004); the first (untranslated, "C" locale) entry.
    pub summary: Option<String>,
    /// `URL` (tag 1020).
    pub url: Option<String>,
    /// `DISTRIBUTION` (tag 1010).
    pub distribution: Option<String>,
    /// `LICENSE` (tag 1014).
    pub license: Option<String>,
}

/// The on-disk format of an rpm package database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DbFormat {
    /// `rpmdb.sqlite`.
    Sqlite,
    /// Berkeley DB hash database `Packages`.
    BerkeleyDb,
    /// rpm's native `Packages.db`.
    Ndb,
}

/// Recognises a database format by its magic bytes only.
///
/// * SQLite: the 16-byte `"SQLite format 3\0"` file header.
/// * NDB: `"RpmP"` at offset 0.
/// * Berkeley DB: the hash magic `0x00061561` at offset 12, in either byte
///   order (the writer's native order).
#[must_use]
pub fn sniff(bytes: &[u8]) -> Option<DbFormat> {
    if bytes.starts_with(sqlite::SQLITE_MAGIC) {
        Some(DbFormat::Sqlite)
    } else if bytes.starts_with(ndb::NDB_MAGIC) {
        Some(DbFormat::Ndb)
    } else if bdb::has_hash_magic(bytes) {
        Some(DbFormat::BerkeleyDb)
    } else {
        None
    }
}

/// Sniffs the format and reads the database with the matching reader.
///
/// Unrecognised bytes give no packages and one [`RpmError::Invalid`].
#[must_use]
pub fn read_any(bytes: &[u8]) -> (Vec<RpmPackage>, Vec<RpmError>) {
    match sniff(bytes) {
        Some(DbFormat::Sqlite) => read_sqlite(bytes),
        Some(DbFormat::BerkeleyDb) => read_bdb(bytes),
        Some(DbFormat::Ndb) => read_ndb(bytes),
        None => (
            Vec::new(),
            vec![RpmError::Invalid {
                what: "database magic",
                offset: 0,
                expected: "an rpm database (SQLite, Berkeley DB hash or NDB)",
                found: u64::from(read_u32_be(bytes, 0).unwrap_or(0)),
            }],
        ),
    }
}

/// Why (part of) an rpm database could not be decoded.
///
/// Every variant names what was expected and where: `offset` is a byte
/// offset from the start of the input given to the function that failed
/// (for errors inside one package, from the start of that package's header
/// blob; [`RpmError::Record`] then says where that record sits in the file).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RpmError {
    /// The input ended before `needed` bytes of `what` starting at `offset`.
    Truncated { what: &'static str, offset: u64, needed: u64, available: u64 },
    /// The field `what` at `offset` does not hold what the format requires.
    Invalid { what: &'static str, offset: u64, expected: &'static str, found: u64 },
    /// The size, count or offset `what` at `offset` exceeds a hard limit.
    TooLarge { what: &'static str, offset: u64, value: u64, limit: u64 },
    /// A header lacks a required tag; `offset` is where its index starts.
    MissingTag { tag: u32, name: &'static str, offset: u64 },
    /// A chain of pages (`what`) reached page `page` a second time.
    Cycle { what: &'static str, offset: u64, page: u64 },
    /// One package record could not be decoded. `id` is its instance number
    /// (rpm's `hnum` / `pkgidx`), `offset` where the record lies in the file
    /// when that is a single place.
    Record { id: u64, offset: Option<u64>, source: Box<RpmError> },
    /// SQLite refused the database or the query (`what` says which step).
    Sqlite { what: &'static str, message: String },
}

impl fmt::Display for RpmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { what, offset, needed, available } => write!(
                f,
                "truncated: expected {needed} bytes of {what} at byte offset {offset}, \
                 but the input has only {available} bytes"
            ),
            Self::Invalid { what, offset, expected, found } => {
                write!(f, "invalid {what} at byte offset {offset}: expected {expected}, found {found:#x}")
            }
            Self::TooLarge { what, offset, value, limit } => {
                write!(f, "{what} at byte offset {offset} is {value}, over the limit of {limit}")
            }
            Self::MissingTag { tag, name, offset } => {
                write!(f, "header index at byte offset {offset} has no {name} tag ({tag})")
            }
            Self::Cycle { what, offset, page } => {
                write!(f, "{what} reaches page {page} twice (at byte offset {offset}): cycle or shared page")
            }
            Self::Record { id, offset: Some(offset), source } => {
                write!(f, "package record {id} at byte offset {offset}: {source}")
            }
            Self::Record { id, offset: None, source } => write!(f, "package record {id}: {source}"),
            Self::Sqlite { what, message } => write!(f, "sqlite: {what}: {message}"),
        }
    }
}

impl std::error::Error for RpmError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Record { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------- byte helpers shared by the readers

/// `bytes[offset..offset + len]`, or [`RpmError::Truncated`] naming `what`.
fn slice<'a>(bytes: &'a [u8], offset: usize, len: usize, what: &'static str) -> Result<&'a [u8], RpmError> {
    offset.checked_add(len).and_then(|end| bytes.get(offset..end)).ok_or(RpmError::Truncated {
        what,
        offset: offset as u64,
        needed: len as u64,
        available: bytes.len() as u64,
    })
}

fn array4(bytes: &[u8], offset: usize) -> Option<[u8; 4]> {
    let end = offset.checked_add(4)?;
    bytes.get(offset..end)?.try_into().ok()
}

fn array2(bytes: &[u8], offset: usize) -> Option<[u8; 2]> {
    let end = offset.checked_add(2)?;
    bytes.get(offset..end)?.try_into().ok()
}

fn read_u32_be(bytes: &[u8], offset: usize) -> Option<u32> {
    array4(bytes, offset).map(u32::from_be_bytes)
}

fn read_u32_le(bytes: &[u8], offset: usize) -> Option<u32> {
    array4(bytes, offset).map(u32::from_le_bytes)
}

fn truncated(what: &'static str, offset: usize, needed: usize, available: usize) -> RpmError {
    RpmError::Truncated { what, offset: offset as u64, needed: needed as u64, available: available as u64 }
}
