//! Delimited feeds (CSV, TSV, `;` and `|` separated, Merchant Center's TSV): the header, the
//! row loop, and the fast path.
//!
//! Rows are cut out of a fixed-size buffer by a small quote-aware scanner (`memchr` for the next
//! newline or quote; a quote opens a quoted field only at a field's start, `""` escapes one, as
//! RFC 4180 and the `csv` crate read them), so a row's raw bytes are known before it is parsed.
//! A [`Prefilter`] then marks which rows of a block may match; only those are split into fields
//! (by `csv-core`, the `csv` crate's own parser), the rest are handed on raw. The scanner is
//! written by hand because the `csv` crate hands out parsed records, never the bytes they came
//! from, and parsing every row is what the fast path exists to avoid. Rows end at `\n` (a `\r`
//! before it is dropped); a lone `\r` is not a row ending.

use super::fields::{self, Field};
use super::{FeedFormat, Header, MAX_ROW, Progress, Row};
use delist_core::screen::Prefilter;
use std::borrow::Cow;
use std::io::{self, Read};

const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// How many bytes are screened at a time.
const BLOCK: usize = 4 << 20;

/// How many bytes one read asks for once the buffer has grown: at least the input's buffer, so
/// reads bypass it.
const READ: usize = 1 << 20;

/// How a delimited feed is laid out.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) delimiter: u8,
    pub(crate) columns: [Option<usize>; Field::COUNT],
    pub(crate) headers: Vec<String>,
}

/// Splits one row (without its line ending) into fields with `csv-core`.
struct Splitter {
    reader: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Splitter {
    fn new(delimiter: u8) -> Self {
        Self { reader: csv_core::ReaderBuilder::new().delimiter(delimiter).build(), out: Vec::new(), ends: Vec::new() }
    }

    /// The fields of `row`, lossily decoded.
    fn split<'a>(&'a mut self, row: &[u8]) -> Vec<Cow<'a, str>> {
        // Output is never longer than input, and there are at most one more fields than bytes.
        self.out.resize(row.len() + 1, 0);
        self.ends.resize(row.len() + 2, 0);
        self.reader.reset();
        // The row has no line ending, so the reader takes all of it and waits for more; empty
        // input then ends the record. The buffers are sized so that neither can fill.
        let (res, _, mut nout, mut nend) = self.reader.read_record(row, &mut self.out, &mut self.ends);
        if res != csv_core::ReadRecordResult::Record {
            let (_, _, o, e) = self.reader.read_record(&[], &mut self.out[nout..], &mut self.ends[nend..]);
            nout += o;
            nend += e;
        }
        let out = self.out.get(..nout).unwrap_or(&[]);
        let mut start = 0;
        self.ends[..nend]
            .iter()
            .map(|&end| {
                let f = String::from_utf8_lossy(out.get(start..end).unwrap_or(&[]));
                start = end;
                f
            })
            .collect()
    }
}

/// The layout of a delimited feed from its first bytes (decoded), or why it is not one. Each
/// delimiter is tried; the one whose header names the most fields wins, then the most columns.
pub(crate) fn layout(head: &str, map: &[(String, Field)]) -> Result<Layout, String> {
    let line = head.trim_start_matches(['\r', '\n']).as_bytes();
    let mut best: Option<(usize, usize, Layout)> = None;
    for d in DELIMITERS {
        // Quoting follows the delimiter, so the header's end is found per delimiter.
        let end = row_end(line, 0, d).map_or(line.len(), |(e, _)| e);
        let headers: Vec<String> = crate::csv_reader::first_record(&line[..end], d)
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.trim().to_string())
            .collect();
        if headers.len() < 2 {
            continue;
        }
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let columns = fields::resolve(&refs, map);
        let named = columns.iter().filter(|c| c.is_some()).count();
        let cand = (named, headers.len(), Layout { delimiter: d, columns, headers });
        if best.as_ref().is_none_or(|(n, len, _)| (cand.0, cand.1) > (*n, *len)) {
            best = Some(cand);
        }
    }
    let Some((_, _, l)) = best else {
        return Err("not a product feed: no header of delimited columns, JSON or Merchant Center XML".into());
    };
    if !fields::identifies(&l.columns) {
        return Err(format!(
            "no column names a product's brand, manufacturer, title or GTIN (columns: {}); name them with \
             --map COLUMN=FIELD (fields: id, brand, manufacturer, title, gtin, description, seller)",
            l.headers.join(", ")
        ));
    }
    Ok(l)
}

/// Where the row starting at `from` ends: (end of its content, start of the next row), or
/// `None` when `buf` holds no complete row from there.
fn row_end(buf: &[u8], from: usize, delimiter: u8) -> Option<(usize, usize)> {
    let mut i = from;
    loop {
        let j = i + memchr::memchr2(b'\n', b'"', buf.get(i..)?)?;
        if buf[j] == b'\n' {
            let end = if j > from && buf[j - 1] == b'\r' { j - 1 } else { j };
            return Some((end, j + 1));
        }
        let field_start = j == from || buf[j - 1] == delimiter;
        if !field_start {
            i = j + 1;
            continue;
        }
        // A quoted field: find its closing quote, stepping over doubled ones.
        let mut q = j + 1;
        loop {
            let c = q + memchr::memchr(b'"', buf.get(q..)?)?;
            match buf.get(c + 1) {
                Some(b'"') => q = c + 2,
                // Whether this quote is doubled depends on a byte not read yet.
                None => return None,
                Some(_) => {
                    i = c + 1;
                    break;
                }
            }
        }
    }
}

/// Reads every row after the header; returns how many data rows there were.
pub(crate) fn read(
    mut reader: impl Read,
    layout: &Layout,
    prefilter: Option<&Prefilter>,
    progress: &mut Progress<'_>,
) -> Result<u64, String> {
    let prefilter = prefilter.filter(|p| !p.every_row());
    let mut splitter = Splitter::new(layout.delimiter);
    // `len` bytes of the buffer are filled, reads go straight into it and the unfinished last
    // row is moved to its front after each block. It grows with the feed up to
    // BLOCK + READ: zeroing the whole of it up front made each small feed cost 6 MiB of pages.
    let mut buf: Vec<u8> = Vec::new();
    let mut len = 0;
    let mut scratch = Vec::new();
    let mut hits = Vec::new();
    let mut number = 0u64;
    let mut header_done = false;
    let mut eof = false;
    let mut rows: Vec<(usize, usize, usize)> = Vec::new();
    loop {
        while !eof && len < BLOCK {
            let want = READ.min((len * 2).max(64 << 10));
            if buf.len() < len + want {
                buf.resize(len + want, 0);
            }
            match reader.read(&mut buf[len..len + want]) {
                Ok(0) => eof = true,
                Ok(n) => len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    progress.visitor.error(format!("row {}: {e}; the rest of the feed is not read", number + 1));
                    eof = true;
                    len = 0;
                }
            }
        }
        progress.tick();
        // Cut complete rows; at the end of input the rest is the last row.
        rows.clear();
        let mut at = 0;
        let filled = &buf[..len];
        while let Some((end, next)) = row_end(filled, at, layout.delimiter) {
            rows.push((at, end, next));
            at = next;
        }
        if eof && at < len {
            rows.push((at, len, len));
            at = len;
        }
        let too_long =
            |number: u64| format!("row {number}: longer than {} MiB; the rest of the feed is not read", MAX_ROW >> 20);
        if let Some(p) = prefilter {
            p.candidates(&buf[..at], &mut scratch, &mut hits);
        }
        let mut h = 0;
        let mut stop = false;
        for &(start, end, next) in &rows {
            let raw = &buf[start..end];
            if raw.len() > MAX_ROW {
                progress.visitor.error(too_long(number + 1));
                stop = true;
                break;
            }
            if raw.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            if !header_done {
                header_done = true;
                let header = Header {
                    format: FeedFormat::Delimited,
                    columns: layout.headers.clone(),
                    delimiter: Some(layout.delimiter),
                    raw: Some(raw.to_vec()),
                };
                progress.visitor.header(&header);
                continue;
            }
            number += 1;
            if prefilter.is_some() {
                while h < hits.len() && hits[h] < start {
                    h += 1;
                }
                if !(h < hits.len() && hits[h] < next) {
                    progress.visitor.skipped(number, raw);
                    continue;
                }
            }
            let cells = splitter.split(raw);
            let mut values = [""; Field::COUNT];
            for (f, col) in layout.columns.iter().enumerate() {
                if let Some(c) = col.and_then(|c| cells.get(c)) {
                    values[f] = c.as_ref();
                }
            }
            progress.visitor.row(&Row { number, values, raw: Some(raw) });
        }
        if stop || len - at > MAX_ROW {
            if !stop {
                progress.visitor.error(too_long(number + 1));
            }
            break;
        }
        buf.copy_within(at..len, 0);
        len -= at;
        if eof && len == 0 {
            break;
        }
    }
    if !header_done {
        return Err("the feed has no header row".into());
    }
    Ok(number)
}
