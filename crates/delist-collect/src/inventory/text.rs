//! Bytes to UTF-8 text, as a stream: byte-order marks, UTF-16 (Intune writes its CSV exports in
//! UTF-16 LE with a BOM from some consoles), and a guard that stops a single record from growing
//! without bound.
//!
//! Owns only encodings. It must never interpret what the text says.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::rc::Rc;

/// The encodings inventories arrive in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

/// The encoding of a file from its first bytes, and the length of its byte-order mark.
///
/// A BOM decides. Without one, text that has a zero byte in most odd (or even) positions is
/// UTF-16 of mostly ASCII text: exports re-saved by tools that drop the BOM still read.
pub(crate) fn encoding(head: &[u8]) -> (Encoding, usize) {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return (Encoding::Utf8, 3);
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return (Encoding::Utf16Le, 2);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return (Encoding::Utf16Be, 2);
    }
    let sample = &head[..head.len().min(512) & !1];
    if sample.len() >= 8 {
        let pairs = sample.len() / 2;
        let odd_zero = sample.chunks_exact(2).filter(|c| c[1] == 0 && c[0] != 0).count();
        let even_zero = sample.chunks_exact(2).filter(|c| c[0] == 0 && c[1] != 0).count();
        if odd_zero * 10 >= pairs * 9 {
            return (Encoding::Utf16Le, 0);
        }
        if even_zero * 10 >= pairs * 9 {
            return (Encoding::Utf16Be, 0);
        }
    }
    (Encoding::Utf8, 0)
}

/// The first bytes of a file as text, for telling what it is. Lossy: a head cut in the middle
/// of a character ends in U+FFFD, which no detection depends on.
pub(crate) fn decode_head(head: &[u8]) -> String {
    let (enc, bom) = encoding(head);
    let body = &head[bom.min(head.len())..];
    match enc {
        Encoding::Utf8 => String::from_utf8_lossy(body).into_owned(),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let mut out = Vec::new();
            let mut r = Utf16Reader::new(body, enc == Encoding::Utf16Le);
            // Reading from a slice cannot fail.
            let _ = r.read_to_end(&mut out);
            String::from_utf8_lossy(&out).into_owned()
        }
    }
}

/// Transcodes UTF-16 to UTF-8 as it is read. Unpaired surrogates become U+FFFD; an odd trailing
/// byte (a truncated file) is dropped.
pub(crate) struct Utf16Reader<R> {
    inner: R,
    le: bool,
    out: Vec<u8>,
    pos: usize,
    carry: Option<u8>,
    high: Option<u16>,
    eof: bool,
}

impl<R: Read> Utf16Reader<R> {
    pub(crate) fn new(inner: R, le: bool) -> Self {
        Self { inner, le, out: Vec::new(), pos: 0, carry: None, high: None, eof: false }
    }

    fn push_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }

    fn unit(&mut self, u: u16) {
        if let Some(h) = self.high.take() {
            if (0xDC00..0xE000).contains(&u) {
                let cp = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(u) - 0xDC00);
                self.push_char(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                return;
            }
            self.push_char('\u{FFFD}');
        }
        match u {
            0xD800..=0xDBFF => self.high = Some(u),
            0xDC00..=0xDFFF => self.push_char('\u{FFFD}'),
            _ => self.push_char(char::from_u32(u32::from(u)).unwrap_or('\u{FFFD}')),
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.pos = 0;
        let mut raw = [0u8; 8192];
        while self.out.is_empty() && !self.eof {
            let n = self.inner.read(&mut raw)?;
            if n == 0 {
                self.eof = true;
                if self.high.take().is_some() {
                    self.push_char('\u{FFFD}');
                }
                break;
            }
            let mut bytes = &raw[..n];
            if let Some(c) = self.carry.take() {
                let pair = [c, bytes[0]];
                bytes = &bytes[1..];
                let u = if self.le { u16::from_le_bytes(pair) } else { u16::from_be_bytes(pair) };
                self.unit(u);
            }
            let mut chunks = bytes.chunks_exact(2);
            for c in &mut chunks {
                let pair = [c[0], c[1]];
                let u = if self.le { u16::from_le_bytes(pair) } else { u16::from_be_bytes(pair) };
                self.unit(u);
            }
            if let [last] = chunks.remainder() {
                self.carry = Some(*last);
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.out.len() {
            self.fill()?;
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// What a [`Track`] saw: bytes since the last reset (for the cap) and where the newlines are
/// (for line numbers that count blank lines, which the CSV reader skips without counting).
#[derive(Debug, Default)]
pub(crate) struct Seen {
    used: u64,
    offset: u64,
    /// Offsets of newlines not yet passed by a record, and whether a `\r` came just before;
    /// only the read-ahead window is kept.
    newlines: VecDeque<(u64, bool)>,
    passed: u64,
    last: u8,
}

impl Seen {
    /// Starts counting a new record against the cap.
    pub(crate) fn reset(&mut self) {
        self.used = 0;
    }

    /// The 1-based line a record starting at byte `offset` is on. The CSV reader starts a
    /// record at the blank lines before it, so those are passed too. Offsets must not go
    /// backwards.
    pub(crate) fn line_at(&mut self, offset: u64) -> u64 {
        let mut at = offset;
        while let Some(&(n, cr)) = self.newlines.front() {
            let blank = n == at || (cr && n == at + 1);
            if n >= at && !blank {
                break;
            }
            if blank {
                at = n + 1;
            }
            self.newlines.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

/// Counts the bytes read since the caller last reset the counter and fails once they pass a
/// cap, and notes newlines. The CSV reader buffers a whole record before it hands it over, so
/// without the cap a file with one endless quoted field would be read into memory whole.
pub(crate) struct Track<R> {
    inner: R,
    seen: Rc<RefCell<Seen>>,
    cap: u64,
}

impl<R> Track<R> {
    pub(crate) fn new(inner: R, cap: u64) -> (Self, Rc<RefCell<Seen>>) {
        let seen = Rc::new(RefCell::new(Seen::default()));
        (Self { inner, seen: seen.clone(), cap }, seen)
    }
}

impl<R: Read> Read for Track<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut seen = self.seen.borrow_mut();
        if seen.used > self.cap {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a record longer than {} MiB; the rest of the file is not read", self.cap >> 20),
            ));
        }
        let n = self.inner.read(buf)?;
        let base = seen.offset;
        for i in 0..n {
            if buf[i] == b'\n' {
                let cr = if i == 0 { seen.last == b'\r' } else { buf[i - 1] == b'\r' };
                seen.newlines.push_back((base + i as u64, cr));
            }
        }
        if n > 0 {
            seen.last = buf[n - 1];
        }
        seen.offset += n as u64;
        seen.used += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut v = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v
    }

    #[test]
    fn boms_and_bomless_utf16_are_recognised() {
        assert_eq!(encoding(b"\xEF\xBB\xBFa,b"), (Encoding::Utf8, 3));
        assert_eq!(encoding(&utf16le("DeviceName,AppName", true)), (Encoding::Utf16Le, 2));
        assert_eq!(encoding(&utf16le("DeviceName,AppName", false)), (Encoding::Utf16Le, 0));
        assert_eq!(encoding(b"\xFE\xFF\x00a"), (Encoding::Utf16Be, 2));
        assert_eq!(encoding(b"plain,ascii,text"), (Encoding::Utf8, 0));
        assert_eq!(decode_head(&utf16le("Gerät,微信 😀", true)), "Gerät,微信 😀");
    }

    #[test]
    fn utf16_stream_survives_odd_chunking_and_broken_surrogates() {
        let text = "a😀b".repeat(5000);
        let bytes = utf16le(&text, false);
        let mut out = String::new();
        Utf16Reader::new(&bytes[..], true).read_to_string(&mut out).expect("read");
        assert_eq!(out, text);
        // A lone high surrogate, a lone low one, and an odd trailing byte.
        let broken = [0x00, 0xD8, 0x41, 0x00, 0x00, 0xDC, 0x42];
        let mut out = String::new();
        Utf16Reader::new(&broken[..], true).read_to_string(&mut out).expect("read");
        assert_eq!(out, "\u{FFFD}A\u{FFFD}");
    }

    #[test]
    fn track_stops_an_endless_record_and_knows_lines() {
        let data = vec![b'x'; 10_000];
        let (mut g, seen) = Track::new(&data[..], 100);
        let mut buf = [0u8; 64];
        let mut total = 0;
        let err = loop {
            match g.read(&mut buf) {
                Ok(0) => panic!("should have stopped"),
                Ok(n) => total += n,
                Err(e) => break e,
            }
        };
        assert!(total <= 192 && err.to_string().contains("longer than"));
        seen.borrow_mut().reset();
        assert!(g.read(&mut buf).is_ok());
        // Records at 0, at 2 (after a blank line: line 3), at 6 (after a CRLF blank: line 5).
        let text = b"a\n\nb\n\r\nc";
        let (mut t, seen) = Track::new(&text[..], 1 << 20);
        let mut sink = Vec::new();
        t.read_to_end(&mut sink).expect("read");
        let mut s = seen.borrow_mut();
        assert_eq!([s.line_at(0), s.line_at(2), s.line_at(5)], [1, 3, 5]);
    }
}
