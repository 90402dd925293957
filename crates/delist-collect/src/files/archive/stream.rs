//! Byte sources for archives: a positioned reader over a [`FileView`], the decompressors
//! (gzip, xz, zstd), and a meter that stops a stream once it has expanded past its limit.
//!
//! Everything here reads forward in bounded chunks; nothing allocates from a size read in the
//! data. A decompressor's memory is bounded by what it has produced (xz's by an explicit
//! dictionary limit), and the meter bounds what it may produce.

use crate::files::FileView;
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

/// How much is read from a file at a time.
const CHUNK: usize = 64 * 1024;

/// The largest xz dictionary accepted, in KiB: `xz -9` uses 64 MiB.
const XZ_MEM_KIB: u32 = 80 * 1024;

/// Reads `[pos, end)` of a file in order.
pub(crate) struct ViewReader<'a> {
    file: &'a dyn FileView,
    pos: u64,
    end: u64,
}

impl<'a> ViewReader<'a> {
    pub(crate) fn new(file: &'a dyn FileView, start: u64, len: u64) -> Self {
        let end = start.saturating_add(len).min(file.len());
        Self { file, pos: start.min(end), end }
    }

    /// Skips `n` bytes without reading them.
    pub(crate) fn skip(&mut self, n: u64) {
        self.pos = self.pos.saturating_add(n).min(self.end);
    }

    pub(crate) fn remaining(&self) -> u64 {
        self.end - self.pos
    }
}

impl Read for ViewReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = usize::try_from(self.remaining()).unwrap_or(usize::MAX).min(buf.len()).min(CHUNK);
        if want == 0 {
            return Ok(0);
        }
        let data = self.file.read_at(self.pos, want)?;
        let n = data.len().min(want);
        buf.get_mut(..n).ok_or_else(|| io::Error::other("short buffer"))?.copy_from_slice(data.get(..n).unwrap_or(&[]));
        self.pos += n as u64;
        if n == 0 {
            // The file shrank while read: what is left is gone.
            self.pos = self.end;
        }
        Ok(n)
    }
}

/// A compression around a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    Gzip,
    Xz,
    Zstd,
}

impl Codec {
    /// The codec whose magic the bytes start with.
    pub(crate) fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(&[0x1f, 0x8b, 0x08]) {
            Some(Self::Gzip)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Some(Self::Xz)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Self::Zstd)
        } else {
            None
        }
    }

    /// Whether the container header is well formed. For xz and zstd this is all a sniff can
    /// check: their first block may be far larger than the bytes sniffed, so whether a tar is
    /// inside is decided when the file is opened.
    pub(crate) fn header_ok(self, head: &[u8]) -> bool {
        match self {
            Self::Gzip => head.get(3).is_some_and(|flags| flags & 0xe0 == 0),
            Self::Xz => {
                let Some(flags) = head.get(6..8) else { return false };
                let Some(stored) = head.get(8..12).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes) else {
                    return false;
                };
                let mut crc = flate2::Crc::new();
                crc.update(flags);
                flags.first() == Some(&0) && flags.get(1).is_some_and(|f| f & 0xf0 == 0) && crc.sum() == stored
            }
            // Frame header descriptor: bit 3 is reserved and must be zero.
            Self::Zstd => head.get(4).is_some_and(|d| d & 0x08 == 0),
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Xz => "xz",
            Self::Zstd => "zstd",
        }
    }

    /// A decompressing reader over `r` that can move between threads (kept between reads).
    pub(crate) fn decoder_send(self, r: impl Read + Send + 'static) -> io::Result<Box<dyn Read + Send>> {
        let r = io::BufReader::with_capacity(CHUNK, r);
        Ok(match self {
            Self::Gzip => Box::new(flate2::read::MultiGzDecoder::new(r)),
            Self::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(r, true, XZ_MEM_KIB)),
            Self::Zstd => Box::new(
                ruzstd::decoding::StreamingDecoder::new(r)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}")))?,
            ),
        })
    }

    /// A decompressing reader over `r`.
    pub(crate) fn decoder<'a>(self, r: impl Read + 'a) -> io::Result<Box<dyn Read + 'a>> {
        let r = io::BufReader::with_capacity(CHUNK, r);
        Ok(match self {
            Self::Gzip => Box::new(flate2::read::MultiGzDecoder::new(r)),
            Self::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(r, true, XZ_MEM_KIB)),
            Self::Zstd => Box::new(
                ruzstd::decoding::StreamingDecoder::new(r)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}")))?,
            ),
        })
    }
}

/// Up to `n` bytes from the start of a stream: what was produced before the input ran out or
/// turned out broken. For sniffing a compressed file from its first bytes.
pub(crate) fn read_up_to(r: &mut dyn Read, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() < n {
        let want = (n - out.len()).min(buf.len());
        match r.read(buf.get_mut(..want).unwrap_or(&mut [])) {
            Ok(0) => break,
            Ok(k) => out.extend_from_slice(buf.get(..k).unwrap_or(&[])),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    out
}

/// The first `n` decompressed bytes of a compressed buffer (as many as it gives).
pub(crate) fn inflate_head(codec: Codec, compressed: &[u8], n: usize) -> Vec<u8> {
    if codec == Codec::Gzip {
        // The common case (every gzipped man page is sniffed): no stream set-up, no window.
        return match gzip_body(compressed) {
            Some(body) => match super::peek::peek(body, n) {
                Ok(v) if n <= super::peek::MAX_PEEK => v,
                _ => inflate_raw_head(&mut &body[..], n).unwrap_or_default(),
            },
            None => Vec::new(),
        };
    }
    match codec.decoder(compressed) {
        Ok(mut d) => read_up_to(&mut d, n),
        Err(_) => Vec::new(),
    }
}

/// Where the deflate data of a gzip member starts (RFC 1952 header and its optional fields).
fn gzip_body(b: &[u8]) -> Option<&[u8]> {
    if b.get(..3)? != [0x1f, 0x8b, 0x08] {
        return None;
    }
    let flags = *b.get(3)?;
    let mut at = 10usize;
    if flags & 0x04 != 0 {
        let xlen = usize::from(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?));
        at = at.checked_add(2 + xlen)?;
    }
    for bit in [0x08, 0x10] {
        if flags & bit != 0 {
            at = at.checked_add(b.get(at..)?.iter().position(|c| *c == 0)? + 1)?;
        }
    }
    if flags & 0x02 != 0 {
        at = at.checked_add(2)?;
    }
    b.get(at..)
}

/// Inflates the first bytes of raw deflate streams (zip members, gzip bodies) into a buffer of
/// exactly that size, with one decoder per thread reset between streams: sniffing a member costs
/// what its first bytes cost, not a stream set-up.
pub(crate) struct HeadInflater {
    z: flate2::Decompress,
}

thread_local! {
    static INFLATER: std::cell::RefCell<HeadInflater> = std::cell::RefCell::new(HeadInflater::new());
}

/// [`HeadInflater::head`] with this thread's decoder.
pub(crate) fn inflate_raw_head(src: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    INFLATER.with(|i| match i.try_borrow_mut() {
        Ok(mut i) => i.head(src, n),
        // Not reentrant; a fresh decoder if it ever were.
        Err(_) => HeadInflater::new().head(src, n),
    })
}

impl HeadInflater {
    pub(crate) fn new() -> Self {
        Self { z: flate2::Decompress::new(false) }
    }

    /// Up to `n` bytes inflated from the raw deflate data `src` gives; fewer if the stream ends
    /// (or breaks) first. An error only if the data is not deflate at all.
    pub(crate) fn head(&mut self, src: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
        self.z.reset(false);
        let mut out = vec![0u8; n];
        let mut out_pos = 0usize;
        let mut input = [0u8; 4096];
        let (mut in_pos, mut in_len, mut eof) = (0usize, 0usize, false);
        // Each round consumes input or produces output, or ends: the cap only guards the loop.
        for _ in 0..1_000_000 {
            if in_pos == in_len && !eof {
                in_len = fill(src, &mut input)?;
                in_pos = 0;
                eof = in_len < input.len();
            }
            let (before_in, before_out) = (self.z.total_in(), self.z.total_out());
            let chunk = input.get(in_pos..in_len).unwrap_or(&[]);
            let dest = out.get_mut(out_pos..).unwrap_or(&mut []);
            let status = self.z.decompress(chunk, dest, flate2::FlushDecompress::None);
            let used = usize::try_from(self.z.total_in() - before_in).unwrap_or(usize::MAX);
            let written = usize::try_from(self.z.total_out() - before_out).unwrap_or(usize::MAX);
            in_pos = in_pos.saturating_add(used).min(in_len);
            out_pos = out_pos.saturating_add(written).min(n);
            match status {
                Ok(flate2::Status::StreamEnd) => break,
                Ok(_) if out_pos >= n => break,
                Ok(_) if used == 0 && written == 0 && (eof || in_pos < in_len) => break,
                Ok(_) => {}
                Err(_) if out_pos == 0 => {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "invalid deflate data"));
                }
                Err(_) => break,
            }
        }
        out.truncate(out_pos);
        Ok(out)
    }
}

/// What may still be unpacked from one file on disk, shared by everything nested in it.
#[derive(Clone)]
pub(crate) struct Pool(Rc<Cell<u64>>);

impl Pool {
    pub(crate) fn new(bytes: u64) -> Self {
        Self(Rc::new(Cell::new(bytes)))
    }

    /// Charges `n` unpacked bytes; fails once the pool is spent.
    pub(crate) fn take(&self, n: u64) -> io::Result<()> {
        match self.0.get().checked_sub(n) {
            Some(left) => {
                self.0.set(left);
                Ok(())
            }
            None => {
                self.0.set(0);
                Err(refusal("the limit on what one file may unpack to"))
            }
        }
    }
}

/// Counts what a stream produces and fails once it passes `limit` or spends its pool: the
/// decompression-bomb stop.
pub(crate) struct Meter<R> {
    inner: R,
    produced: u64,
    limit: u64,
    why: &'static str,
    pool: Option<Pool>,
}

impl<R: Read> Meter<R> {
    pub(crate) fn new(inner: R, limit: u64, why: &'static str) -> Self {
        Self { inner, produced: 0, limit, why, pool: None }
    }

    pub(crate) fn pooled(inner: R, pool: Pool) -> Self {
        Self { inner, produced: 0, limit: u64::MAX, why: "", pool: Some(pool) }
    }
}

/// How the errors of a [`Meter`] or a [`Pool`] begin; recognised by [`is_refusal`].
pub(crate) const REFUSED: &str = "refused: unpacks past";

fn refusal(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{REFUSED} {why} (a decompression bomb?): not followed"))
}

pub(crate) fn is_refusal(e: &io::Error) -> bool {
    e.to_string().starts_with(REFUSED)
}

impl<R: Read> Read for Meter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced = self.produced.saturating_add(n as u64);
        if self.produced > self.limit {
            return Err(refusal(self.why));
        }
        if let Some(p) = &self.pool {
            p.take(n as u64)?;
        }
        Ok(n)
    }
}

/// Reads exactly `buf.len()` bytes, or reports how many there were.
pub(crate) fn fill(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(buf.get_mut(got..).unwrap_or(&mut [])) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Reads and drops `n` bytes; fails if the stream ends first.
pub(crate) fn discard(r: &mut dyn Read, n: u64) -> io::Result<()> {
    let copied = io::copy(&mut r.take(n), &mut io::sink())?;
    if copied < n {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("ends {} bytes early", n - copied)));
    }
    Ok(())
}

/// Reads the rest of a stream of at most `cap` bytes; more is an error.
pub(crate) fn read_capped(r: &mut dyn Read, cap: u64, what: &str) -> io::Result<Vec<u8>> {
    read_capped_into(r, cap, what, Vec::new())
}

/// [`read_capped`] appending to `out`, whose capacity the caller may have reserved for a size it
/// checked (a member's declared size, within the member limit): a large member then costs its
/// size once, not the doublings of a growing buffer.
pub(crate) fn read_capped_into(r: &mut dyn Read, cap: u64, what: &str, mut out: Vec<u8>) -> io::Result<Vec<u8>> {
    let cap = cap.saturating_add(out.len() as u64);
    r.take(cap.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > cap {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{what} is over the {cap}-byte limit")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::Bytes;

    #[test]
    fn view_reader_stays_in_range() {
        let data: Vec<u8> = (0..=255).collect();
        let f = Bytes(&data);
        let mut r = ViewReader::new(&f, 250, 100);
        let mut out = Vec::new();
        r.read_to_end(&mut out).expect("read");
        assert_eq!(out, vec![250, 251, 252, 253, 254, 255]);
        let mut r = ViewReader::new(&f, 10, 4);
        r.skip(2);
        let mut out = Vec::new();
        r.read_to_end(&mut out).expect("read");
        assert_eq!(out, vec![12, 13]);
    }

    #[test]
    fn meter_stops_a_stream() {
        let data = vec![0u8; 1000];
        let mut m = Meter::new(&data[..], 100, "test");
        let mut out = Vec::new();
        let e = m.read_to_end(&mut out).expect_err("over the limit");
        assert!(is_refusal(&e));
        let pool = Pool::new(500);
        let mut a = Meter::pooled(&data[..300], pool.clone());
        let mut b = Meter::pooled(&data[..300], pool.clone());
        a.read_to_end(&mut Vec::new()).expect("within the pool");
        assert!(is_refusal(&b.read_to_end(&mut Vec::new()).expect_err("pool spent")));
        assert!(pool.take(1).is_err());
    }

    #[test]
    fn head_inflater_stops_at_its_size() {
        use std::io::Write;
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&data).expect("deflate");
        let z = e.finish().expect("deflate");
        let mut h = HeadInflater::new();
        assert_eq!(h.head(&mut &z[..], 512).expect("head"), data[..512]);
        assert_eq!(h.head(&mut &z[..], 5000).expect("head"), data[..5000]);
        let partial = h.head(&mut &z[..z.len() / 2], 200_000).expect("head");
        assert!(!partial.is_empty() && partial.len() < data.len());
        assert_eq!(partial, data[..partial.len()]);
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        g.write_all(&data).expect("gzip");
        let gz = g.finish().expect("gzip");
        assert_eq!(inflate_head(Codec::Gzip, &gz[..300], 64), data[..64]);
        assert!(
            h.head(&mut &b"\xff\xff\xff garbage"[..], 10).is_err()
                || h.head(&mut &b"\xff\xff"[..], 10).expect("x").is_empty()
        );
    }

    #[test]
    fn codecs_sniff_and_garbage_gives_nothing() {
        assert_eq!(Codec::sniff(&[0x1f, 0x8b, 0x08, 0]), Some(Codec::Gzip));
        assert_eq!(Codec::sniff(b"\xfd7zXZ\x00"), Some(Codec::Xz));
        assert_eq!(Codec::sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Some(Codec::Zstd));
        for c in [Codec::Gzip, Codec::Xz, Codec::Zstd] {
            assert!(inflate_head(c, b"garbage that is not compressed", 512).is_empty());
        }
    }
}
