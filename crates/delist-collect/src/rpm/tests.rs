//! Tests across the module: header decoding, the malformed-input corpus, and
//! the fixtures made by the real tools (`tests/fixtures/rpm/make.sh`).

use super::*;

const SQLITE_FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/rpm/sqlite/rpmdb.sqlite");
const NDB_FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/rpm/ndb/Packages.db");
const BDB_FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/rpm/bdb/Packages");

// ---------------------------------------------------------------- a header writer for tests

const T_INT32: u32 = 4;
const T_STRING: u32 = 6;
const T_BIN: u32 = 7;
const T_I18N: u32 = 9;

/// One index entry to write: tag, type, count and the value's bytes.
struct Tag {
    tag: u32,
    kind: u32,
    count: u32,
    data: Vec<u8>,
}

fn string(tag: u32, s: &str) -> Tag {
    let mut data = s.as_bytes().to_vec();
    data.push(0);
    Tag { tag, kind: T_STRING, count: 1, data }
}

fn i18n(tag: u32, values: &[&str]) -> Tag {
    let mut data = Vec::new();
    for v in values {
        data.extend_from_slice(v.as_bytes());
        data.push(0);
    }
    Tag { tag, kind: T_I18N, count: values.len() as u32, data }
}

fn int32(tag: u32, v: u32) -> Tag {
    Tag { tag, kind: T_INT32, count: 1, data: v.to_be_bytes().to_vec() }
}

/// Writes a header blob as rpm's `headerExport` does: an immutable region
/// entry (tag 63) first, values in entry order, INT32 values 4-aligned, the
/// region trailer last in the data store.
fn header_blob(tags: &[Tag]) -> Vec<u8> {
    let il = tags.len() as u32 + 1;
    let mut index = Vec::new();
    let mut data: Vec<u8> = Vec::new();
    let push_entry = |index: &mut Vec<u8>, tag: u32, kind: u32, off: u32, count: u32| {
        for v in [tag, kind, off, count] {
            index.extend_from_slice(&v.to_be_bytes());
        }
    };
    let mut entries = Vec::new();
    for t in tags {
        if t.kind == T_INT32 {
            while !data.len().is_multiple_of(4) {
                data.push(0);
            }
        }
        entries.push((t.tag, t.kind, data.len() as u32, t.count));
        data.extend_from_slice(&t.data);
    }
    let trailer_at = data.len() as u32;
    for v in [63u32, T_BIN, (-(il as i32 * 16)) as u32, 16] {
        data.extend_from_slice(&v.to_be_bytes());
    }
    push_entry(&mut index, 63, T_BIN, trailer_at, 16);
    for (tag, kind, off, count) in entries {
        push_entry(&mut index, tag, kind, off, count);
    }
    let mut blob = Vec::new();
    blob.extend_from_slice(&il.to_be_bytes());
    blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
    blob.extend_from_slice(&index);
    blob.extend_from_slice(&data);
    blob
}

/// A small valid header for package `name`, used by the format tests.
pub(super) fn sample_header(name: &str) -> Vec<u8> {
    header_blob(&[
        string(1000, name),
        string(1001, "1.2.3"),
        string(1002, "4.el9"),
        int32(1003, 7),
        i18n(1004, &["A summary", "Eine Zusammenfassung"]),
        string(1011, "Example Corp"),
        string(1014, "MIT"),
        string(1022, "x86_64"),
    ])
}

// ---------------------------------------------------------------- header decoding

#[test]
fn decodes_a_sample_header() {
    let pkg = parse_header(&sample_header("demo")).unwrap();
    assert_eq!(
        pkg,
        RpmPackage {
            name: "demo".into(),
            epoch: Some(7),
            version: "1.2.3".into(),
            release: "4.el9".into(),
            arch: Some("x86_64".into()),
            vendor: Some("Example Corp".into()),
            packager: None,
            summary: Some("A summary".into()),
            url: None,
            distribution: None,
            license: Some("MIT".into()),
        }
    );
}

#[test]
fn empty_optional_strings_are_none_and_bad_utf8_is_lossy() {
    let blob = header_blob(&[
        string(1000, "n"),
        string(1001, "v"),
        string(1002, "r"),
        string(1011, ""),
        Tag { tag: 1015, kind: T_STRING, count: 1, data: b"Bad \xff\xfe byte\0".to_vec() },
    ]);
    let pkg = parse_header(&blob).unwrap();
    assert_eq!(pkg.vendor, None);
    assert_eq!(pkg.packager.as_deref(), Some("Bad \u{fffd}\u{fffd} byte"));
}

#[test]
fn required_tags_and_types_are_checked() {
    let base = || vec![string(1000, "n"), string(1001, "v"), string(1002, "r")];
    // Each required tag missing in turn.
    for missing in [1000u32, 1001, 1002] {
        let tags: Vec<Tag> = base().into_iter().filter(|t| t.tag != missing).collect();
        let err = parse_header(&header_blob(&tags)).unwrap_err();
        assert!(matches!(err, RpmError::MissingTag { tag, .. } if tag == missing), "{err}");
    }
    // NAME as an integer, EPOCH as a string.
    let mut tags = base();
    tags[0] = int32(1000, 1);
    assert!(matches!(parse_header(&header_blob(&tags)), Err(RpmError::Invalid { .. })));
    let mut tags = base();
    tags.push(string(1003, "1"));
    assert!(matches!(parse_header(&header_blob(&tags)), Err(RpmError::Invalid { .. })));
    // A count of zero.
    let mut tags = base();
    tags[1].count = 0;
    assert!(parse_header(&header_blob(&tags)).is_err());
    // A string that runs to the end of the store without its NUL.
    let mut blob = header_blob(&[string(1001, "v"), string(1002, "r"), string(1000, "n")]);
    // Point NAME (entry 3) at the last byte of the data store, which is not NUL.
    let dl = u32::from_be_bytes(blob[4..8].try_into().unwrap());
    let entry = 8 + 3 * 16;
    blob[entry + 8..entry + 12].copy_from_slice(&(dl - 1).to_be_bytes());
    blob[entry + 4..entry + 8].copy_from_slice(&T_STRING.to_be_bytes());
    let last = blob.len() - 1;
    blob[last] = b'x';
    assert!(matches!(parse_header(&blob), Err(RpmError::Truncated { .. })));
}

#[test]
fn hostile_sizes_and_offsets_are_errors() {
    let good = sample_header("demo");
    let with = |at: usize, v: u32| {
        let mut b = good.clone();
        b[at..at + 4].copy_from_slice(&v.to_be_bytes());
        b
    };
    let name_entry = 8 + 16; // entry 1 (after the region entry)
    let cases = [
        ("il huge", with(0, u32::MAX)),
        ("il at the cap", with(0, MAX_INDEX_ENTRIES + 1)),
        ("dl huge", with(4, u32::MAX)),
        ("dl over the cap", with(4, MAX_DATA_BYTES + 1)),
        ("il one more", with(0, u32::from_be_bytes(good[0..4].try_into().unwrap()) + 1)),
        ("dl one less", with(4, u32::from_be_bytes(good[4..8].try_into().unwrap()) - 1)),
        ("offset past dl", with(name_entry + 8, 1 << 20)),
        ("offset u32::MAX", with(name_entry + 8, u32::MAX)),
        ("count huge is fine but type bad", with(name_entry + 4, 77)),
    ];
    for (label, blob) in cases {
        let err = parse_header(&blob).unwrap_err();
        assert!(!err.to_string().is_empty(), "{label}");
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(parse_header(&longer), Err(RpmError::Invalid { .. })));
    // A huge count on a string entry only means "take the first".
    assert!(parse_header(&with(name_entry + 12, u32::MAX)).is_ok());
}

/// The header of the first package in the NDB fixture, as rpm wrote it.
fn real_header() -> Vec<u8> {
    let blkoff = u32::from_le_bytes(NDB_FIXTURE[32 + 8..32 + 12].try_into().unwrap()) as usize;
    let start = blkoff * 16;
    let len = u32::from_le_bytes(NDB_FIXTURE[start + 12..start + 16].try_into().unwrap()) as usize;
    NDB_FIXTURE[start + 16..start + 16 + len].to_vec()
}

#[test]
fn truncation_at_every_length_is_an_error() {
    for blob in [sample_header("demo"), real_header()] {
        assert!(parse_header(&blob).is_ok());
        for n in 0..blob.len() {
            assert!(parse_header(&blob[..n]).is_err(), "length {n}");
        }
    }
}

#[test]
fn every_single_bit_flip_is_survived() {
    for blob in [sample_header("demo"), real_header()] {
        for byte in 0..blob.len() {
            for bit in 0..8 {
                let mut b = blob.clone();
                b[byte] ^= 1 << bit;
                let result = parse_header(&b);
                // il and dl fix the blob's length exactly: any change there is an error.
                if byte < 8 {
                    assert!(result.is_err(), "flip {byte}.{bit}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------- the real-tool fixtures

fn fixture_packages() -> Vec<RpmPackage> {
    let pkg = |name: &str, epoch, version: &str, release: &str| RpmPackage {
        name: name.into(),
        epoch,
        version: version.into(),
        release: release.into(),
        arch: Some("noarch".into()),
        vendor: None,
        packager: None,
        summary: None,
        url: None,
        distribution: None,
        license: None,
    };
    vec![
        RpmPackage {
            vendor: Some("Example Corp".into()),
            summary: Some("Client for Hikvision cameras".into()),
            license: Some("GPL-2.0-or-later".into()),
            ..pkg("camera-client", None, "0.9.1", "2")
        },
        RpmPackage {
            vendor: Some("Example Corp".into()),
            summary: Some("Hello world, clean".into()),
            url: Some("https://example.com/hello".into()),
            distribution: Some("Example Linux".into()),
            license: Some("MIT".into()),
            ..pkg("hello-clean", None, "1.0", "1")
        },
        RpmPackage {
            vendor: Some("Hangzhou Hikvision Digital Technology Co.,Ltd.".into()),
            summary: Some("Demo tool".into()),
            license: Some("Proprietary".into()),
            ..pkg("hik-demo-tool", Some(2), "3.4.5", "1")
        },
        RpmPackage {
            vendor: Some("AO Kaspersky Lab".into()),
            packager: Some("AO Kaspersky Lab <support@kaspersky.com>".into()),
            summary: Some("Kaspersky Endpoint Security for Linux".into()),
            url: Some("https://www.kaspersky.com/".into()),
            license: Some("Proprietary".into()),
            ..pkg("kesl", None, "12.1.0", "1234")
        },
    ]
}

fn sorted(mut pkgs: Vec<RpmPackage>) -> Vec<RpmPackage> {
    pkgs.sort_by(|a, b| a.name.cmp(&b.name));
    pkgs
}

#[test]
fn sqlite_fixture() {
    assert_eq!(sniff(SQLITE_FIXTURE), Some(DbFormat::Sqlite));
    // rpm left it in WAL mode, as on a live system.
    assert_eq!(&SQLITE_FIXTURE[18..20], &[2, 2]);
    let (pkgs, errs) = read_sqlite(SQLITE_FIXTURE);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(sorted(pkgs), fixture_packages());
}

#[test]
fn ndb_fixture() {
    assert_eq!(sniff(NDB_FIXTURE), Some(DbFormat::Ndb));
    let (pkgs, errs) = read_ndb(NDB_FIXTURE);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(sorted(pkgs), fixture_packages());
}

#[test]
fn bdb_fixture() {
    assert_eq!(sniff(BDB_FIXTURE), Some(DbFormat::BerkeleyDb));
    let (pkgs, errs) = read_bdb(BDB_FIXTURE);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(sorted(pkgs), fixture_packages());
}

#[test]
fn read_any_dispatches_and_refuses_unknown_bytes() {
    for bytes in [SQLITE_FIXTURE, NDB_FIXTURE, BDB_FIXTURE] {
        let (pkgs, errs) = read_any(bytes);
        assert!(errs.is_empty());
        assert_eq!(sorted(pkgs), fixture_packages());
    }
    assert_eq!(sniff(b""), None);
    assert_eq!(sniff(b"\x7fELF and so on"), None);
    let (pkgs, errs) = read_any(b"not a database");
    assert!(pkgs.is_empty() && errs.len() == 1);
}

#[test]
fn each_reader_refuses_the_other_formats() {
    for bytes in [SQLITE_FIXTURE, NDB_FIXTURE, BDB_FIXTURE] {
        let readers: [(DbFormat, Reader); 3] =
            [(DbFormat::Sqlite, read_sqlite), (DbFormat::Ndb, read_ndb), (DbFormat::BerkeleyDb, read_bdb)];
        for (format, read) in readers {
            if sniff(bytes) != Some(format) {
                let (pkgs, errs) = read(bytes);
                assert!(pkgs.is_empty() && errs.len() == 1, "{format:?}: {errs:?}");
            }
        }
    }
}

// ---------------------------------------------------------------- mutation corpus on the fixtures

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Copies of `bytes` with a few random changes each: bit flips, bytes set
/// to 0x00 / 0xff, 32-bit words set to extremes, truncation.
fn mutants(bytes: &[u8], seed: u64, count: usize) -> impl Iterator<Item = Vec<u8>> + '_ {
    let mut rng = Rng(seed);
    (0..count).map(move |_| {
        let mut m = bytes.to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(m.len());
            match rng.below(5) {
                0 => m[at] ^= 1 << rng.below(8),
                1 => m[at] = 0,
                2 => m[at] = 0xff,
                3 => {
                    let v: [u8; 4] = match rng.below(3) {
                        0 => u32::MAX.to_le_bytes(),
                        1 => 0x8000_0000u32.to_be_bytes(),
                        _ => (rng.next() as u32).to_le_bytes(),
                    };
                    let end = (at + 4).min(m.len());
                    m[at..end].copy_from_slice(&v[..end - at]);
                }
                _ => m.truncate(at),
            }
            if m.is_empty() {
                break;
            }
        }
        m
    })
}

type Reader = fn(&[u8]) -> (Vec<RpmPackage>, Vec<RpmError>);

#[test]
fn mutated_ndb_and_bdb_fixtures_never_panic() {
    let cases: [(&[u8], Reader, u64); 2] = [(NDB_FIXTURE, read_ndb, 0x1234_5678), (BDB_FIXTURE, read_bdb, 0x8765_4321)];
    for (bytes, read, seed) in cases {
        for m in mutants(bytes, seed, 4000) {
            let (pkgs, errs) = read(&m);
            assert!(pkgs.len() <= 4, "{} packages, {} errors", pkgs.len(), errs.len());
            for e in &errs {
                assert!(!e.to_string().is_empty());
            }
        }
    }
}

#[test]
fn mutated_sqlite_fixture_never_panics() {
    for m in mutants(SQLITE_FIXTURE, 0x5eed, 300) {
        let (pkgs, _) = read_sqlite(&m);
        assert!(pkgs.len() <= 4);
    }
}

#[test]
fn ndb_fixture_truncated_at_every_length() {
    for n in 0..NDB_FIXTURE.len() {
        let (pkgs, errs) = read_ndb(&NDB_FIXTURE[..n]);
        assert!(pkgs.len() < 4 && !errs.is_empty(), "length {n}");
    }
}

#[test]
fn bdb_fixture_truncated_at_every_length() {
    for n in 0..BDB_FIXTURE.len() {
        let (pkgs, errs) = read_bdb(&BDB_FIXTURE[..n]);
        assert!(pkgs.len() < 4 && !errs.is_empty(), "length {n}");
    }
}
