//! peek: the first bytes of a raw deflate stream (RFC 1951), decoded without building tables.
//!
//! Sniffing a jar means learning the first few bytes of each of its members — 50,000 of them in
//! a big one. A general inflater (zlib-rs here, through flate2) first builds 1,024-entry lookup
//! tables for each dynamic Huffman block, which is the right trade for megabytes of output and the
//! wrong one for sixteen bytes: on `/usr` that table building was a fifth of the whole scan. No
//! crate offers a decoder tuned for a short prefix, so this one is written by hand after Mark
//! Adler's `puff` (zlib's contrib/puff): canonical codes decoded a bit at a time from symbol
//! counts, no tables, no window beyond the output itself.
//!
//! It owns decoding a prefix only. Whatever asks for more than [`MAX_PEEK`] bytes, or whatever
//! this decoder cannot finish from the input it was given, goes to the general inflater. Every
//! count and distance is checked; nothing allocates beyond the requested output and two small
//! fixed arrays; a malformed stream is an error, never a panic. A differential test and a fuzz
//! target hold it to the same output as zlib-rs.

/// The most bytes a peek produces.
pub const MAX_PEEK: usize = 4096;

const MAX_BITS: usize = 15;
const MAX_LCODES: usize = 286;
const MAX_DCODES: usize = 30;
const FIX_LCODES: usize = 288;

/// Why a peek stopped short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The input ended before the stream or the wanted bytes did: more input may finish it.
    NeedInput,
    /// Not deflate data (or corrupt).
    Invalid,
}

struct Bits<'a> {
    input: &'a [u8],
    pos: usize,
    buf: u64,
    cnt: u32,
}

impl Bits<'_> {
    fn need(&mut self, n: u32) -> Result<u32, Stop> {
        debug_assert!(n <= 32);
        while self.cnt < n {
            let b = *self.input.get(self.pos).ok_or(Stop::NeedInput)?;
            self.pos += 1;
            self.buf |= u64::from(b) << self.cnt;
            self.cnt += 8;
        }
        let v = (self.buf & ((1u64 << n) - 1)) as u32;
        self.buf >>= n;
        self.cnt -= n;
        Ok(v)
    }

    /// Loads whole bytes into the buffer while there is room and input.
    fn refill(&mut self) {
        if let Some(b) = self.input.get(self.pos..self.pos + 8) {
            // Eight bytes at once; only the whole bytes that fit are counted as loaded.
            let v = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            self.buf |= v << self.cnt;
            let take = (63 - self.cnt) / 8;
            self.pos += take as usize;
            self.cnt += take * 8;
            // The bits above `cnt` hold the next bytes' low bits: clear them, as the
            // byte-wise path leaves them clear.
            self.buf &= if self.cnt >= 64 { u64::MAX } else { (1u64 << self.cnt) - 1 };
            return;
        }
        while self.cnt <= 56 {
            let Some(b) = self.input.get(self.pos) else { break };
            self.pos += 1;
            self.buf |= u64::from(*b) << self.cnt;
            self.cnt += 8;
        }
    }

    /// Drops the bits left in the current byte (before a stored block), and gives back the
    /// whole bytes loaded ahead, so that `pos` is where the stored block's header starts.
    fn align(&mut self) {
        self.pos -= (self.cnt / 8) as usize;
        self.buf = 0;
        self.cnt = 0;
    }
}

/// A canonical Huffman code as counts per length and symbols in code order.
struct Huffman<const N: usize> {
    count: [u16; MAX_BITS + 1],
    symbol: [u16; N],
}

/// Whether a code is complete (`Ok(true)`), incomplete (`Ok(false)`) or over-subscribed.
fn build<const N: usize>(h: &mut Huffman<N>, lengths: &[u8]) -> Result<bool, Stop> {
    h.count = [0; MAX_BITS + 1];
    for &l in lengths {
        // Lengths come from 3-, 7- or 4-bit fields and are checked by the callers: <= 15.
        let slot = h.count.get_mut(usize::from(l)).ok_or(Stop::Invalid)?;
        *slot += 1;
    }
    if usize::from(h.count[0]) == lengths.len() {
        return Ok(false);
    }
    let mut left: i32 = 1;
    for len in 1..=MAX_BITS {
        left <<= 1;
        left -= i32::from(h.count[len]);
        if left < 0 {
            return Err(Stop::Invalid);
        }
    }
    let mut offs = [0u16; MAX_BITS + 1];
    for len in 1..MAX_BITS {
        offs[len + 1] = offs[len] + h.count[len];
    }
    for (sym, &l) in lengths.iter().enumerate() {
        if l != 0 {
            let o = &mut offs[usize::from(l)];
            *h.symbol.get_mut(usize::from(*o)).ok_or(Stop::Invalid)? = sym as u16;
            *o += 1;
        }
    }
    Ok(left == 0)
}

fn decode<const N: usize>(bits: &mut Bits<'_>, h: &Huffman<N>) -> Result<usize, Stop> {
    if bits.cnt < MAX_BITS as u32 {
        bits.refill();
    }
    let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
    let mut buf = bits.buf;
    for len in 1..=MAX_BITS {
        if len as u32 > bits.cnt {
            return Err(Stop::NeedInput);
        }
        code |= (buf & 1) as i32;
        buf >>= 1;
        let count = i32::from(h.count[len]);
        if code - first < count {
            bits.buf = buf;
            bits.cnt -= len as u32;
            let at = usize::try_from(index + code - first).map_err(|_| Stop::Invalid)?;
            return h.symbol.get(at).map(|s| usize::from(*s)).ok_or(Stop::Invalid);
        }
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    Err(Stop::Invalid)
}

/// Bits of the literal/length lookup table of [`Fast`].
const FAST_BITS: u32 = 9;

/// Decoding a few bytes, a bit at a time from counts beats building any table; past a few dozen
/// symbols a small table wins: this one resolves every literal/length code of up to
/// [`FAST_BITS`] bits (nearly all of them in text) with one lookup, and leaves longer codes to
/// [`decode`]. Each entry is `length << 9 | symbol`, 0 where no short code starts.
struct Fast([u16; 1 << FAST_BITS]);

impl Fast {
    /// Bytes wanted from a block from which the table pays for itself.
    const WORTH: usize = 32;

    fn new<const N: usize>(h: &Huffman<N>) -> Self {
        let mut table = [0u16; 1 << FAST_BITS];
        // Canonical codes in order: each length's first code follows the previous length's last.
        let (mut code, mut index) = (0u32, 0usize);
        for len in 1..=FAST_BITS {
            for _ in 0..h.count[len as usize] {
                let Some(&sym) = h.symbol.get(index) else { return Self(table) };
                // `build` refused over-subscribed codes, so `code` fits in `len` bits.
                let mut i = (code.reverse_bits() >> (32 - len)) as usize;
                while let Some(slot) = table.get_mut(i) {
                    *slot = ((len as u16) << 9) | sym;
                    i += 1 << len;
                }
                code += 1;
                index += 1;
            }
            code <<= 1;
        }
        Self(table)
    }

    fn decode<const N: usize>(&self, bits: &mut Bits<'_>, h: &Huffman<N>) -> Result<usize, Stop> {
        if bits.cnt < FAST_BITS {
            bits.refill();
        }
        // Bits past `cnt` are zero: an entry whose code fits in what is loaded is still right.
        let e = self.0[(bits.buf & ((1 << FAST_BITS) - 1)) as usize];
        let len = u32::from(e >> 9);
        if e != 0 && len <= bits.cnt {
            bits.buf >>= len;
            bits.cnt -= len;
            return Ok(usize::from(e & 0x1ff));
        }
        decode(bits, h)
    }
}

/// The code-length code (19 symbols, at most 7 bits) as a direct table indexed by the next 7
/// input bits: each entry is `length << 8 | symbol`, 0 where no code starts.
struct Short([u16; 128]);

impl Short {
    fn new(lengths: &[u8; 19]) -> Result<Self, Stop> {
        let mut count = [0u16; 8];
        for &l in lengths {
            count[usize::from(l & 7)] += 1;
        }
        count[0] = 0;
        let mut left: i32 = 1;
        for c in &count[1..] {
            left = (left << 1) - i32::from(*c);
            if left < 0 {
                return Err(Stop::Invalid);
            }
        }
        if left != 0 {
            // The code-length code must be complete.
            return Err(Stop::Invalid);
        }
        let mut next = [0u16; 8];
        let mut code = 0u16;
        for l in 1..8 {
            code = (code + count[l - 1]) << 1;
            next[l] = code;
        }
        let mut table = [0u16; 128];
        for (sym, &l) in lengths.iter().enumerate() {
            if l == 0 {
                continue;
            }
            let l = usize::from(l);
            let c = next[l];
            next[l] += 1;
            // Huffman codes are sent most significant bit first into an LSB-first stream.
            let rev = (c.reverse_bits() >> (16 - l)) as usize;
            let mut i = rev;
            while i < 128 {
                table[i] = ((l as u16) << 8) | sym as u16;
                i += 1 << l;
            }
        }
        Ok(Self(table))
    }

    fn decode(&self, bits: &mut Bits<'_>) -> Result<usize, Stop> {
        if bits.cnt < 7 {
            bits.refill();
        }
        let e = self.0[(bits.buf & 127) as usize];
        let len = u32::from(e >> 8);
        if len == 0 {
            return Err(Stop::Invalid);
        }
        if len > bits.cnt {
            return Err(Stop::NeedInput);
        }
        bits.buf >>= len;
        bits.cnt -= len;
        Ok(usize::from(e & 0xff))
    }
}

const LBASE: [u16; 29] =
    [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEXT: [u8; 29] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DBASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
    8193, 12289, 16385, 24577,
];
const DEXT: [u8; 30] =
    [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/// Decodes one Huffman-coded block into `out` until it ends (`Ok(false)`) or `out` holds `n`
/// bytes (`Ok(true)`).
fn codes(
    bits: &mut Bits<'_>,
    out: &mut Vec<u8>,
    n: usize,
    lencode: &Huffman<FIX_LCODES>,
    distcode: &Huffman<MAX_DCODES>,
) -> Result<bool, Stop> {
    let fast = (n.saturating_sub(out.len()) >= Fast::WORTH).then(|| Fast::new(lencode));
    loop {
        if out.len() >= n {
            return Ok(true);
        }
        let sym = match &fast {
            Some(f) => f.decode(bits, lencode)?,
            None => decode(bits, lencode)?,
        };
        match sym {
            0..=255 => out.push(sym as u8),
            256 => return Ok(false),
            _ => {
                let i = sym - 257;
                let (base, ext) = (LBASE.get(i).ok_or(Stop::Invalid)?, LEXT.get(i).ok_or(Stop::Invalid)?);
                let len = usize::from(*base) + bits.need(u32::from(*ext))? as usize;
                let d = decode(bits, distcode)?;
                let (dbase, dext) = (DBASE.get(d).ok_or(Stop::Invalid)?, DEXT.get(d).ok_or(Stop::Invalid)?);
                let dist = usize::from(*dbase) + bits.need(u32::from(*dext))? as usize;
                if dist > out.len() {
                    return Err(Stop::Invalid);
                }
                // Byte by byte: a copy may overlap what it writes (a run).
                for _ in 0..len.min(n - out.len()) {
                    let b = out[out.len() - dist];
                    out.push(b);
                }
            }
        }
    }
}

fn fixed() -> (Huffman<FIX_LCODES>, Huffman<MAX_DCODES>) {
    let mut lengths = [0u8; FIX_LCODES];
    for (i, l) in lengths.iter_mut().enumerate() {
        *l = match i {
            0..=143 => 8,
            144..=255 => 9,
            256..=279 => 7,
            _ => 8,
        };
    }
    let mut lencode = Huffman { count: [0; MAX_BITS + 1], symbol: [0; FIX_LCODES] };
    let mut distcode = Huffman { count: [0; MAX_BITS + 1], symbol: [0; MAX_DCODES] };
    // Both fixed codes are complete by construction (RFC 1951 3.2.6).
    let _ = build(&mut lencode, &lengths);
    let _ = build(&mut distcode, &[5u8; MAX_DCODES]);
    (lencode, distcode)
}

const ORDER: [usize; 19] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

fn dynamic(bits: &mut Bits<'_>) -> Result<(Huffman<FIX_LCODES>, Huffman<MAX_DCODES>), Stop> {
    let nlen = bits.need(5)? as usize + 257;
    let ndist = bits.need(5)? as usize + 1;
    let ncode = bits.need(4)? as usize + 4;
    if nlen > MAX_LCODES || ndist > MAX_DCODES {
        return Err(Stop::Invalid);
    }
    let mut short = [0u8; 19];
    for &i in ORDER.iter().take(ncode) {
        short[i] = bits.need(3)? as u8;
    }
    let short = Short::new(&short)?;
    let mut lengths = [0u8; MAX_LCODES + MAX_DCODES];
    let mut index = 0;
    while index < nlen + ndist {
        let sym = short.decode(bits)?;
        let (value, times) = match sym {
            0..=15 => (sym as u8, 1),
            16 => {
                let prev = *lengths.get(index.checked_sub(1).ok_or(Stop::Invalid)?).ok_or(Stop::Invalid)?;
                (prev, 3 + bits.need(2)? as usize)
            }
            17 => (0, 3 + bits.need(3)? as usize),
            18 => (0, 11 + bits.need(7)? as usize),
            _ => return Err(Stop::Invalid),
        };
        if index + times > nlen + ndist {
            return Err(Stop::Invalid);
        }
        // The array starts zeroed: runs of zeros (the common case) need no writes, and the
        // others are at most six bytes long, too short to be worth a call to memset.
        if value != 0 {
            for slot in lengths.iter_mut().skip(index).take(times) {
                *slot = value;
            }
        }
        index += times;
    }
    if lengths[256] == 0 {
        // No end-of-block code: the block could never end.
        return Err(Stop::Invalid);
    }
    let mut lencode = Huffman { count: [0; MAX_BITS + 1], symbol: [0; FIX_LCODES] };
    let complete = build(&mut lencode, &lengths[..nlen])?;
    // An incomplete literal/length code is only allowed when it holds a single code.
    if !complete && nlen.saturating_sub(usize::from(lencode.count[0])) != 1 {
        return Err(Stop::Invalid);
    }
    let mut distcode = Huffman { count: [0; MAX_BITS + 1], symbol: [0; MAX_DCODES] };
    let complete = build(&mut distcode, &lengths[nlen..nlen + ndist])?;
    if !complete && ndist.saturating_sub(usize::from(distcode.count[0])) > 1 {
        return Err(Stop::Invalid);
    }
    Ok((lencode, distcode))
}

/// The first `n` (at most [`MAX_PEEK`]) bytes that the raw deflate stream `input` decodes to —
/// fewer if the stream ends first. `Err(Stop::NeedInput)` when `input` ends before either.
pub fn peek(input: &[u8], n: usize) -> Result<Vec<u8>, Stop> {
    let n = n.min(MAX_PEEK);
    let mut out = Vec::with_capacity(n);
    let mut bits = Bits { input, pos: 0, buf: 0, cnt: 0 };
    loop {
        if out.len() >= n {
            break;
        }
        let last = bits.need(1)? == 1;
        match bits.need(2)? {
            0 => {
                bits.align();
                let len = bits.need(16)?;
                let nlen = bits.need(16)?;
                if len != !nlen & 0xffff {
                    return Err(Stop::Invalid);
                }
                let take = (len as usize).min(n - out.len());
                let end = bits.pos.checked_add(take).ok_or(Stop::Invalid)?;
                out.extend_from_slice(bits.input.get(bits.pos..end).ok_or(Stop::NeedInput)?);
                bits.pos = end;
                if take < len as usize {
                    break;
                }
            }
            1 => {
                let (l, d) = fixed();
                if codes(&mut bits, &mut out, n, &l, &d)? {
                    break;
                }
            }
            2 => {
                let (l, d) = dynamic(&mut bits)?;
                if codes(&mut bits, &mut out, n, &l, &d)? {
                    break;
                }
            }
            _ => return Err(Stop::Invalid),
        }
        if last {
            break;
        }
    }
    out.truncate(n);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::DeflateEncoder;
    use std::io::Write;

    fn deflate(data: &[u8], level: u32) -> Vec<u8> {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::new(level));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// zlib-rs's answer: the first `n` bytes of the whole stream.
    fn reference(compressed: &[u8], n: usize) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut d = flate2::read::DeflateDecoder::new(compressed);
        std::io::Read::read_to_end(&mut d, &mut out).ok()?;
        out.truncate(n);
        Some(out)
    }

    fn samples() -> Vec<Vec<u8>> {
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let text = b"<?xml version=\"1.0\"?><project><dependency>kaspersky</dependency></project>\n".repeat(40);
        let mut class = vec![0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34];
        class.extend((0..3000).map(|i| (i % 251) as u8));
        let random: Vec<u8> = (0..5000).map(|_| next() as u8).collect();
        let mut mixed = b"MZ\x90\x00".to_vec();
        mixed.extend(std::iter::repeat_n(0u8, 60));
        mixed.extend((0..4000).map(|_| (next() % 7) as u8));
        vec![Vec::new(), b"a".to_vec(), text, class, random, mixed, vec![0u8; 70_000]]
    }

    #[test]
    fn agrees_with_zlib_on_every_level_and_length() {
        for data in samples() {
            for level in [0, 1, 6, 9] {
                let z = deflate(&data, level);
                for n in [0, 1, 8, 16, 128, 512, 4096] {
                    assert_eq!(peek(&z, n).ok(), reference(&z, n), "level {level}, n {n}, {} bytes", data.len());
                }
            }
        }
    }

    #[test]
    fn stored_blocks_between_coded_ones() {
        // A sync flush ends a coded block with an empty stored one, mid-stream.
        let mut e = DeflateEncoder::new(Vec::new(), Compression::new(6));
        let mut expect = Vec::new();
        for part in [&b"CAFE first part, compressible compressible compressible. "[..], b"second", b"third part"] {
            e.write_all(part).unwrap();
            e.flush().unwrap();
            expect.extend_from_slice(part);
        }
        let z = e.finish().unwrap();
        assert_eq!(peek(&z, 4096).unwrap(), expect);
        assert_eq!(peek(&z, 60).unwrap(), expect[..60]);
    }

    #[test]
    fn a_short_input_asks_for_more_and_garbage_is_refused() {
        let data = samples().swap_remove(2);
        let z = deflate(&data, 9);
        assert_eq!(peek(&z[..3], 128), Err(Stop::NeedInput));
        assert_eq!(peek(&[0xff; 64], 16), Err(Stop::Invalid));
        // Every prefix and every single-bit flip: an answer or an error, never a panic.
        for cut in 0..z.len().min(400) {
            let _ = peek(&z[..cut], 128);
        }
        for i in 0..z.len().min(200) * 8 {
            let mut bad = z.clone();
            bad[i / 8] ^= 1 << (i % 8);
            if let (Ok(p), Some(r)) = (peek(&bad, 64), reference(&bad, 64)) {
                // Where both decode the flipped stream, they decode it alike.
                assert_eq!(p, r, "bit {i}");
            }
        }
    }
}
