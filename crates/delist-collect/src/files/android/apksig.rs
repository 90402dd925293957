//! apksig: the APK Signing Block (APK Signature Scheme v2, v3 and v3.1) — the certificates each
//! signer lists. The block sits right before the zip central directory:
//! `u64 size, (u64 len, u32 id, value)*, u64 size, "APK Sig Block 42"`; a v2/v3 value is a
//! length-prefixed sequence of length-prefixed signers, each starting with its signed data,
//! which holds length-prefixed digests and then the length-prefixed certificates (X.509 DER).
//!
//! Owns locating and walking that block. It must never verify digests or signatures (delist
//! reports who signed, `digest_ok: None`), read more than [`MAX_BLOCK`] bytes, or trust a length
//! prefix it has not checked against the bytes that hold it.

use super::super::FileView;
use super::zip::{u32_at, u64_at};

/// Largest signing block read.
pub const MAX_BLOCK: u64 = 16 << 20;
/// Most id/value pairs, signers per scheme, and certificates per signer read.
pub const MAX_PAIRS: usize = 256;
pub const MAX_SIGNERS: usize = 16;
pub const MAX_CERTS: usize = 16;

const MAGIC: &[u8; 16] = b"APK Sig Block 42";
/// Scheme ids, as apksigner names them.
pub const V2: u32 = 0x7109_871a;
pub const V3: u32 = 0xf053_68c0;
pub const V31: u32 = 0x1b93_ad61;

/// The signing block's bytes, if the APK has one right before its central directory.
pub fn find_block(file: &dyn FileView, cd_offset: u64) -> Result<Option<Vec<u8>>, String> {
    let Some(footer_at) = cd_offset.checked_sub(24) else { return Ok(None) };
    let footer = file.read_at(footer_at, 24).map_err(|e| format!("cannot read signing block: {e}"))?;
    if footer.get(8..24) != Some(&MAGIC[..]) {
        return Ok(None);
    }
    let size = u64_at(&footer, 0).ok_or("signing block footer cut short")?;
    if !(24..=MAX_BLOCK).contains(&size) {
        return Err(format!("APK signing block size {size} out of range"));
    }
    let start = cd_offset.checked_sub(size + 8).ok_or("APK signing block starts before the file")?;
    let block = file.read_at(start, (size + 8) as usize).map_err(|e| format!("cannot read signing block: {e}"))?;
    if block.len() as u64 != size + 8 || u64_at(&block, 0) != Some(size) {
        return Err("APK signing block sizes disagree".into());
    }
    Ok(Some(block))
}

/// A `u32`-length-prefixed slice from the front of `b`, and the rest.
fn prefixed(b: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let len = u32_at(b, 0).ok_or("length prefix cut short")? as usize;
    let body =
        b.get(4..).and_then(|r| r.get(..len)).ok_or_else(|| format!("length prefix {len} overruns its container"))?;
    Ok((body, &b[4 + len..]))
}

/// One signer of the signing block: its scheme and its certificates (DER), the signer's own first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockSigner {
    pub scheme: u32,
    pub certificates: Vec<Vec<u8>>,
}

/// Every v2, v3 and v3.1 signer, in block order.
pub fn signers(block: &[u8]) -> Result<Vec<BlockSigner>, String> {
    let pairs_end = block.len().checked_sub(24).ok_or("signing block cut short")?;
    let mut pairs = block.get(8..pairs_end).ok_or("signing block cut short")?;
    let mut out = Vec::new();
    let mut n = 0;
    while !pairs.is_empty() {
        n += 1;
        if n > MAX_PAIRS {
            return Err(format!("more than {MAX_PAIRS} pairs in the signing block"));
        }
        let len = u64_at(pairs, 0).ok_or("signing block pair cut short")?;
        let len = usize::try_from(len).ok().filter(|&l| l >= 4 && l <= pairs.len() - 8);
        let Some(len) = len else { return Err("signing block pair length out of range".into()) };
        let pair = &pairs[8..8 + len];
        pairs = &pairs[8 + len..];
        let id = u32_at(pair, 0).unwrap_or(0);
        if matches!(id, V2 | V3 | V31) {
            let (signers, _) = prefixed(&pair[4..])?;
            let mut rest = signers;
            let mut count = 0;
            while !rest.is_empty() && count < MAX_SIGNERS {
                count += 1;
                let (signer, r) = prefixed(rest)?;
                rest = r;
                let (signed_data, _) = prefixed(signer)?;
                let (_digests, after) = prefixed(signed_data)?;
                let (certs, _) = prefixed(after)?;
                let mut signer = BlockSigner { scheme: id, certificates: Vec::new() };
                let mut c = certs;
                while !c.is_empty() && signer.certificates.len() < MAX_CERTS {
                    let (cert, r) = prefixed(c)?;
                    c = r;
                    signer.certificates.push(cert.to_vec());
                }
                out.push(signer);
            }
        }
    }
    Ok(out)
}

/// A scheme id's name.
pub fn scheme_name(id: u32) -> &'static str {
    match id {
        V2 => "v2",
        V3 => "v3",
        V31 => "v3.1",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::Bytes;

    fn lp(body: &[u8]) -> Vec<u8> {
        let mut v = (body.len() as u32).to_le_bytes().to_vec();
        v.extend(body);
        v
    }

    /// A signing block with one signer per scheme id, listing `certs`.
    fn block(ids: &[u32], certs: &[&[u8]]) -> Vec<u8> {
        let mut pairs = Vec::new();
        for id in ids {
            let mut cs = Vec::new();
            for c in certs {
                cs.extend(lp(c));
            }
            let mut signed = lp(&lp(b"digest"));
            signed.extend(lp(&cs));
            signed.extend(lp(b""));
            let mut signer = lp(&signed);
            signer.extend(lp(b"sigs"));
            signer.extend(lp(b"pubkey"));
            let mut value = id.to_le_bytes().to_vec();
            value.extend(lp(&lp(&signer)));
            pairs.extend((value.len() as u64).to_le_bytes());
            pairs.extend(value);
        }
        let size = (pairs.len() + 8 + 16) as u64;
        let mut b = size.to_le_bytes().to_vec();
        b.extend(pairs);
        b.extend(size.to_le_bytes());
        b.extend(MAGIC);
        b
    }

    #[test]
    fn finds_and_walks_the_block() {
        let b = block(&[V2, 0x4272_7765, V3], &[b"leaf", b"ca"]);
        let mut file = b"zip data".to_vec();
        let at = file.len();
        file.extend(&b);
        let cd = file.len() as u64;
        file.extend(b"central directory");
        let found = find_block(&Bytes(&file), cd).unwrap().unwrap();
        assert_eq!(found, &file[at..cd as usize]);
        let got = signers(&found).unwrap();
        let certs = vec![b"leaf".to_vec(), b"ca".to_vec()];
        assert_eq!(
            got,
            vec![
                BlockSigner { scheme: V2, certificates: certs.clone() },
                BlockSigner { scheme: V3, certificates: certs }
            ]
        );
        // No magic: no block.
        assert_eq!(find_block(&Bytes(b"PK\x05\x06 nothing before the directory"), 30).unwrap(), None);
        assert_eq!(find_block(&Bytes(b"short"), 3).unwrap(), None);
    }

    #[test]
    fn hostile_lengths_are_errors() {
        let good = block(&[V2], &[b"leaf"]);
        // Every single-byte corruption of a length gives an error or a smaller result, never a panic.
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0xff;
            let _ = signers(&bad);
        }
        let mut bad = good.clone();
        bad[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(signers(&bad).is_err());
        assert!(signers(&good[..10]).is_err());
        // A footer size that points before the file, or past the cap.
        let mut file = good.clone();
        let n = file.len();
        file[n - 24..n - 16].copy_from_slice(&(MAX_BLOCK + 1).to_le_bytes());
        assert!(find_block(&Bytes(&file), n as u64).is_err());
        file[n - 24..n - 16].copy_from_slice(&(n as u64 + 100).to_le_bytes());
        assert!(find_block(&Bytes(&file), n as u64).is_err());
    }
}
