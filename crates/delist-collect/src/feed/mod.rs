//! Retail and marketplace product feeds, read row by row for `delist screen`.
//!
//! Owns reading a feed: telling compression (gzip, zstd, xz, by magic bytes) and format (by
//! content, never the file name) apart; delimited text with any of `,` `;` tab `|`, quoted
//! fields and a byte-order mark (UTF-8 or UTF-16); JSON lines and JSON arrays; Google Merchant
//! Center feeds (its TSV is delimited text, its XML is RSS 2.0 `<item>`s or Atom `<entry>`s with
//! `g:` fields); knowing which column is which field ([`Field`], `--map COLUMN=FIELD` for the
//! rest); and handing each row on as a [`Row`] to a [`Visitor`].
//!
//! It must never decide whose product a row is (that is `delist_core::screen`) and never hold
//! more than one block of rows in memory: rows stream through a fixed-size buffer, a row longer
//! than [`MAX_ROW`] stops the file with an error, and a broken JSON line or XML item is an
//! error for that row only. Delimited rows that a [`Prefilter`] rules out are handed on raw,
//! without being split into fields: that is what lets a 10-million-row feed screen at the speed
//! of a plain text search.

mod delimited;
mod fields;
mod json;
mod xml;

pub use fields::Field;

use crate::files::archive::stream::Codec;
use crate::inventory::Mapping;
use crate::inventory::text::{self, Encoding};
use delist_core::screen::Prefilter;
use std::io::{self, BufRead, BufReader, Read};

/// The longest row (a delimited row, a JSON line or array element, an XML item) read.
pub const MAX_ROW: usize = 1 << 20;

/// How many bytes decide the format.
const HEAD: usize = 64 * 1024;

/// One row of a feed: the known fields as written (empty when absent), and for delimited feeds
/// the row's bytes as they stand in the file, without the line ending.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// 1-based, counting data rows only (not the header).
    pub number: u64,
    pub values: [&'a str; Field::COUNT],
    pub raw: Option<&'a [u8]>,
}

impl<'a> Row<'a> {
    pub fn get(&self, f: Field) -> &'a str {
        self.values[f as usize]
    }
}

/// The layout of a feed, known before its first row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub format: FeedFormat,
    /// The column names as written (delimited feeds), or the known fields' names (others).
    pub columns: Vec<String>,
    /// The delimiter of a delimited feed.
    pub delimiter: Option<u8>,
    /// The raw bytes of the header row of a delimited feed, without the line ending.
    pub raw: Option<Vec<u8>>,
}

/// What a feed was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Delimited,
    JsonLines,
    JsonArray,
    /// Google Merchant Center XML (RSS 2.0 or Atom).
    MerchantXml,
}

impl FeedFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delimited => "delimited",
            Self::JsonLines => "jsonl",
            Self::JsonArray => "json",
            Self::MerchantXml => "merchant-xml",
        }
    }
}

/// What a feed's rows are handed to.
pub trait Visitor {
    fn header(&mut self, header: &Header);
    /// A row that may hold a covered vendor's product (every row without a prefilter).
    fn row(&mut self, row: &Row<'_>);
    /// A delimited row the prefilter ruled out: its number and raw bytes.
    fn skipped(&mut self, number: u64, raw: &[u8]);
    /// A broken row; the rest of the feed is still read.
    fn error(&mut self, message: String);
    /// How far the input has been read (compressed bytes), for a progress bar.
    fn progress(&mut self, _bytes: u64) {}
}

/// How to read a feed.
#[derive(Default, Clone, Copy)]
pub struct Options<'a> {
    pub map: Option<&'a Mapping>,
    /// Rows it rules out are not parsed ([`Visitor::skipped`]); `None` parses every row.
    pub prefilter: Option<&'a Prefilter>,
}

/// Checks `--map COLUMN=FIELD` pairs for a feed before reading.
pub fn validate_map(map: &Mapping) -> Result<(), String> {
    fields::mapped(map).map(|_| ())
}

/// Counts the bytes taken from the underlying reader, for progress.
struct Counted<R> {
    inner: R,
    seen: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen.set(self.seen.get() + n as u64);
        Ok(n)
    }
}

/// Reports progress from the shared counter.
pub(crate) struct Progress<'v> {
    seen: std::rc::Rc<std::cell::Cell<u64>>,
    pub(crate) visitor: &'v mut dyn Visitor,
}

impl Progress<'_> {
    pub(crate) fn tick(&mut self) {
        self.visitor.progress(self.seen.get());
    }
}

/// Reads a feed into the visitor; returns how many data rows it had. `Err` is a feed that could
/// not be read at all (not a feed, a broken compression header, bad `--map`), with why.
pub fn read(reader: impl Read, opts: Options<'_>, visitor: &mut dyn Visitor) -> Result<u64, String> {
    let map = match opts.map {
        Some(m) => fields::mapped(m)?,
        None => Vec::new(),
    };
    let seen = std::rc::Rc::new(std::cell::Cell::new(0));
    let mut raw = BufReader::with_capacity(256 * 1024, Counted { inner: reader, seen: seen.clone() });
    let magic = raw.fill_buf().map_err(|e| format!("cannot read: {e}"))?.to_vec();
    let decoded: Box<dyn Read + '_> = match Codec::sniff(&magic) {
        Some(c) => c.decoder(raw).map_err(|e| format!("{} stream: {e}", c.name()))?,
        None => Box::new(raw),
    };
    let mut decoded = decoded;
    let mut head = Vec::new();
    (&mut decoded).take(HEAD as u64).read_to_end(&mut head).map_err(|e| format!("cannot read: {e}"))?;
    let (encoding, bom) = text::encoding(&head);
    let head_text = text::decode_head(&head);
    let start = io::Cursor::new(head).chain(decoded);
    let mut start = start;
    io::copy(&mut (&mut start).take(bom as u64), &mut io::sink()).map_err(|e| format!("cannot read: {e}"))?;
    let body: Box<dyn Read + '_> = match encoding {
        Encoding::Utf8 => Box::new(start),
        Encoding::Utf16Le => Box::new(text::Utf16Reader::new(start, true)),
        Encoding::Utf16Be => Box::new(text::Utf16Reader::new(start, false)),
    };
    let mut progress = Progress { seen, visitor };
    let t = head_text.trim_start();
    if t.is_empty() {
        return Err("the feed is empty".into());
    }
    if t.starts_with('<') {
        xml::read(body, &map, &mut progress)
    } else if t.starts_with('[') {
        json::read_array(body, &map, &mut progress)
    } else if t.starts_with('{') {
        json::read_lines(body, &map, &mut progress)
    } else {
        let layout = delimited::layout(&head_text, &map)?;
        delimited::read(body, &layout, opts.prefilter, &mut progress)
    }
}

#[cfg(test)]
mod tests;
