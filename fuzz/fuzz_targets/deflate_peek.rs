#![no_main]
//! The prefix decoder of zip members and gzip bodies: never panics, and wherever it decodes a
//! stream's first bytes, they are the bytes zlib-rs (through flate2) decodes — so a member is
//! sniffed by what it really holds.
use delist_collect::files::archive::peek::{MAX_PEEK, peek};
use libfuzzer_sys::fuzz_target;
use std::io::Read;

fuzz_target!(|data: &[u8]| {
    let Some((&n, stream)) = data.split_first() else { return };
    let n = usize::from(n) * 16 % (MAX_PEEK + 1);
    let Ok(ours) = peek(stream, n) else { return };
    // zlib-rs's answer: what it decodes before the stream ends or breaks.
    let mut theirs = Vec::new();
    let mut d = flate2::read::DeflateDecoder::new(stream).take(n as u64);
    if d.read_to_end(&mut theirs).is_ok() {
        assert_eq!(ours, theirs);
    }
});
