//! Archive tests on archives built in memory; the fixtures made by real tools are exercised in
//! `tests/walk.rs`.

use super::*;
use crate::files::formats;
use std::io::Write;

fn place() -> Place<'static> {
    Place { path: "/a", target: "dir:/t", depth: 0 }
}

/// A stored (method 0) or deflated (method 8) zip, written by hand.
pub(crate) fn zip(members: &[(&str, &[u8])], deflate: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in members {
        let body = if deflate {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
            e.write_all(data).expect("deflate");
            e.finish().expect("deflate")
        } else {
            data.to_vec()
        };
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let method: u16 = if deflate { 8 } else { 0 };
        let off = out.len() as u32;
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&body);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&method.to_le_bytes());
        central.extend_from_slice(&[0; 4]);
        central.extend_from_slice(&crc.sum().to_le_bytes());
        central.extend_from_slice(&(body.len() as u32).to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&off.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_off = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_off.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

fn tar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in members {
        out.extend_from_slice(&tar::tests_support::header(name, data.len() as u64));
        out.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        out.resize(out.len() + pad, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

fn parts(data: &[u8]) -> Result<Inspection, String> {
    Archive.inspect_parts(&Bytes(data), place())
}

#[test]
fn sniffs_zip_tar_and_compressed_tar_only() {
    let t = tar(&[("x", b"hello")]);
    assert!(Archive.sniff(&zip(&[("x", b"y")], false)));
    assert!(Archive.sniff(&t));
    assert!(Archive.sniff(&gzip(&t)));
    assert!(!Archive.sniff(&gzip(b"a gzipped man page, not a tar")));
    assert!(!Archive.sniff(b"plain text"));
}

#[test]
fn nested_archives_are_opened_and_bounded_by_depth() {
    // Nothing in these members is claimed by a format: no artifacts, no errors.
    let inner = zip(&[("readme.txt", b"hello")], true);
    let outer = zip(&[("inner.zip", &inner)], true);
    let ins = parts(&outer).expect("zip");
    assert!(ins.artifacts.is_empty());
    assert!(ins.errors.is_empty(), "{:?}", ins.errors);
    // Six levels: the fifth is not opened, and says so.
    let mut z = zip(&[("readme.txt", b"hello")], false);
    for _ in 0..5 {
        z = zip(&[("n.zip", &z)], false);
    }
    let ins = parts(&z).expect("zip");
    assert_eq!(ins.errors.len(), 1, "{:?}", ins.errors);
    assert!(ins.errors[0].0.starts_with("/a!n.zip!n.zip!n.zip!n.zip"), "{:?}", ins.errors);
    assert!(ins.errors[0].1.contains("nested"), "{:?}", ins.errors);
    // Tar inside gzip inside zip.
    let tgz = gzip(&tar(&[("inner.zip", &inner)]));
    let ins = parts(&zip(&[("x.tgz", &tgz)], false)).expect("zip");
    assert!(ins.errors.is_empty(), "{:?}", ins.errors);
}

#[test]
fn bombs_are_refused() {
    // Overlapping members: every central entry points at the same data.
    let one = zip(&[("zeros", &vec![0u8; 1 << 20])], true);
    let mut z = one.clone();
    let eocd = z.len() - 22;
    let cd_off = u32::from_le_bytes(z[eocd + 16..eocd + 20].try_into().expect("4")) as usize;
    let entry = z[cd_off..eocd].to_vec();
    z.truncate(cd_off);
    for _ in 0..200 {
        z.extend_from_slice(&entry);
    }
    z.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    z.extend_from_slice(&200u16.to_le_bytes());
    z.extend_from_slice(&200u16.to_le_bytes());
    z.extend_from_slice(&((entry.len() * 200) as u32).to_le_bytes());
    z.extend_from_slice(&(cd_off as u32).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    let e = parts(&z).expect_err("bomb");
    assert!(e.contains("zip bomb"), "{e}");
    // A gzip stream that unpacks past its ratio: refused while streaming.
    let big = gzip(&tar(&[("zeros", &vec![0u8; 80 << 20])]));
    let e = parts(&big).expect_err("bomb");
    assert!(e.contains("refused"), "{e}");
}

#[test]
fn broken_archives_are_errors_not_panics() {
    let inner = zip(&[("readme.txt", b"hello"), ("b", &[3u8; 3000])], true);
    let samples = [
        zip(&[("inner.zip", &inner), ("t", b"text")], true),
        gzip(&tar(&[("inner.zip", &inner)])),
        tar(&[("i", &inner)]),
    ];
    let formats = formats();
    for s in &samples {
        for len in 0..s.len() {
            let _ = Archive.inspect_parts(&Bytes(&s[..len]), place());
        }
        for i in 0..s.len() {
            let mut b = s.clone();
            b[i] ^= 0x55;
            if let Some(f) = formats.iter().find(|f| f.sniff(&b)) {
                let _ = f.inspect(&Bytes(&b), place());
            }
        }
    }
    assert!(parts(&samples[0][..samples[0].len() - 5]).is_err());
}

/// A member every format run would report: a PE header cut short, so inspecting it is an error.
fn broken_pe() -> Vec<u8> {
    let mut b = vec![0u8; 0x44];
    b[..2].copy_from_slice(b"MZ");
    b[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
    b[0x40..0x44].copy_from_slice(b"PE\0\0");
    b.extend_from_slice(&[0x4c, 0x01, 0, 0]);
    b
}

fn class_file(i: usize) -> Vec<u8> {
    let mut c = vec![0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34];
    c.extend((0..200).map(|k| ((k * 7 + i) % 251) as u8));
    c
}

#[test]
fn members_are_trusted_by_name_only_after_a_sample_proves_them() {
    let pe = broken_pe();
    let classes: Vec<(String, Vec<u8>)> = (0..40).map(|i| (format!("p/C{i}.class"), class_file(i))).collect();
    let build = |extra: &[(usize, &str)]| {
        let mut members: Vec<(&str, &[u8])> = classes.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
        for (at, name) in extra {
            members.insert(*at, (name, &pe));
        }
        zip(&members, true)
    };
    let reported = |z: &[u8]| -> Vec<String> { parts(z).expect("zip").errors.into_iter().map(|(p, _)| p).collect() };

    // Inside the sample, a PE named `.class` is sniffed, reported, and revokes the trust: a
    // second one far past the sample is sniffed too.
    let z = build(&[(3, "p/Evil.class"), (41, "p/Late.class")]);
    assert_eq!(reported(&z), ["/a!p/Evil.class", "/a!p/Late.class"]);
    // Members not named `.class` are always sniffed.
    let z = build(&[(40, "p/tool.bin")]);
    assert_eq!(reported(&z), ["/a!p/tool.bin"]);
    // The documented limit: once 32 `.class` members proved honest, later ones are not read.
    let z = build(&[(40, "p/Hidden.class")]);
    assert!(reported(&z).is_empty());
    // The same PE with the sample unproven (fewer class files before it) is found.
    let z = build(&[(20, "p/Early.class")]);
    assert_eq!(reported(&z), ["/a!p/Early.class"]);
    // The trust is per extension and earned by bytes: class files named `.sig` (as in `ct.sym`)
    // earn it for `.sig`, not for `.class`.
    let sigs: Vec<(String, Vec<u8>)> = (0..40).map(|i| (format!("s/C{i}.sig"), class_file(i))).collect();
    let mut members: Vec<(&str, &[u8])> = sigs.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    members.push(("s/Hidden.sig", &pe));
    members.push(("s/Seen.class", &pe));
    assert_eq!(reported(&zip(&members, true)), ["/a!s/Seen.class"]);
    // Text earns it too (a source zip), but never for members without an extension.
    let texts: Vec<(String, Vec<u8>)> =
        (0..40).map(|i| (format!("src/F{i}.java"), format!("package p;\nclass F{i} {{}}\n").into_bytes())).collect();
    let mut members: Vec<(&str, &[u8])> = texts.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    let readmes: Vec<(String, Vec<u8>)> = (0..40).map(|i| (format!("d{i}/README"), b"read me\n".to_vec())).collect();
    members.extend(readmes.iter().map(|(n, d)| (n.as_str(), d.as_slice())));
    members.push(("src/Hidden.java", &pe));
    members.push(("bin/tool", &pe));
    assert_eq!(reported(&zip(&members, true)), ["/a!bin/tool"]);
}

#[test]
fn name_trust_is_keyed_on_the_last_extension() {
    assert_eq!(NameTrust::ext("a/b.c/D.class"), "class");
    assert_eq!(NameTrust::ext("a/b.c/README"), "");
    assert_eq!(NameTrust::ext("x.tar.gz"), "gz");
    let mut c = NameTrust::default();
    for _ in 0..NAME_SAMPLE {
        c.record("class", Seen::Class);
        c.record("java", Seen::Text);
        c.record("", Seen::Text);
    }
    assert!(c.trusted("class") && c.trusted("java"));
    // Members without an extension are never trusted.
    assert!(!c.trusted(""));
    c.record("class", Seen::Other);
    assert!(!c.trusted("class"));
    // A kind change revokes too: text where class files were.
    c.record("java", Seen::Class);
    assert!(!c.trusted("java"));
    // `.class` is always looked at first for a class header; another revoked extension is not.
    c.record("sig", Seen::Other);
    assert!(!c.expects_class("sig") && c.expects_class("class"));
    assert!(
        is_text(b"package a;\n// caf\xc3\xa9") && is_text(b"caf\xc3") && !is_text(b"a\0b") && !is_text(b"\xff\xfe")
    );
}

#[test]
fn a_tar_header_is_ruled_out_from_its_first_156_bytes() {
    let t = tar(&[("some/long/name.txt", b"hello")]);
    assert!(tar::may_be_header(&t[..tar::CHECKSUM_END]));
    assert!(tar::is_header(&t));
    let man = b".\\\" Automatically generated by Pod::Man 4.14\n.TH LS 1 \"2024-01-01\" \"GNU coreutils\" \"User Commands\"\n.SH NAME\nls \\- list directory contents\n.SH SYNOPSIS\n.B ls\n[\\fI\\,OPTION\\/\\fR]... [\\fI\\,FILE\\/\\fR]...\n";
    assert!(!tar::may_be_header(&man[..tar::CHECKSUM_END]));
    assert!(!tar::may_be_header(&[0u8; tar::CHECKSUM_END]));
    assert!(!tar::may_be_header(&t[..100]));
    // A gzipped tar is still claimed, a gzipped man page not.
    assert!(Archive.sniff(&gzip(&t)));
    assert!(!Archive.sniff(&gzip(man)));
}

#[test]
fn compressed_tars_inside_zips_are_opened() {
    // A PE cut short inside a gzipped tar inside a zip: its error proves each level was opened.
    let pe = broken_pe();
    let filler: Vec<u8> = (0..3000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let tgz = gzip(&tar(&[("docs/notes.bin", &filler), ("bin/tool.exe", &pe)]));
    for deflate in [false, true] {
        let ins = parts(&zip(&[("pkg/x.tgz", &tgz)], deflate)).expect("zip");
        let paths: Vec<&str> = ins.errors.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["/a!pkg/x.tgz!bin/tool.exe"], "deflate {deflate}: {:?}", ins.errors);
    }
}
