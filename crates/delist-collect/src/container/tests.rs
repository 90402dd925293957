use super::layers::{Change, Image, Layer, NodeKind, Region, View, index_layer};
use super::*;
use std::io::Write;

/// One tar entry for [`tar`]: name, type flag, data, link target.
type E<'a> = (&'a str, u8, &'a [u8], &'a str);

/// A ustar archive of `entries`, written by hand so that tests can hold what `tar` refuses to
/// write (`../` names, link loops).
pub(super) fn tar(entries: &[E<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, kind, data, link) in entries {
        let mut b = [0u8; 512];
        b[..name.len()].copy_from_slice(name.as_bytes());
        b[100..107].copy_from_slice(b"0000644");
        b[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        b[156] = *kind;
        b[157..157 + link.len()].copy_from_slice(link.as_bytes());
        b[257..263].copy_from_slice(b"ustar\0");
        b[263..265].copy_from_slice(b"00");
        b[148..156].copy_from_slice(b"        ");
        let sum: u64 = b.iter().map(|x| u64::from(*x)).sum();
        b[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&b);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

fn image(layers: Vec<Vec<u8>>) -> (Image, Vec<(String, String)>) {
    let layers = layers
        .into_iter()
        .enumerate()
        .map(|(i, b)| Layer::new(format!("sha256:l{}", i + 1), Region::from_bytes(b)).expect("layer"))
        .collect();
    Image::new(layers).expect("image")
}

fn view(layers: Vec<Vec<u8>>) -> View {
    let (img, _) = image(layers);
    let n = img.layers.len() - 1;
    View::build(Arc::new(img), n)
}

#[test]
fn whiteouts_and_opaque_directories() {
    let l1 = tar(&[
        ("a/", b'5', b"", ""),
        ("a/x", b'0', b"x", ""),
        ("a/sub/y", b'0', b"y", ""),
        ("b/", b'5', b"", ""),
        ("b/z", b'0', b"z", ""),
        ("b/keep", b'0', b"k", ""),
        ("c", b'0', b"c", ""),
        ("d/f", b'0', b"f", ""),
    ]);
    let l2 = tar(&[
        ("a/.wh..wh..opq", b'0', b"", ""),
        ("a/new", b'0', b"new", ""),
        ("b/.wh.z", b'0', b"", ""),
        (".wh.c", b'0', b"", ""),
        // A file where a directory was: what was under it is gone.
        ("d", b'0', b"now a file", ""),
    ]);
    let v = view(vec![l1, gzip(&l2)]);
    let keys: Vec<&str> = v.merged.keys().map(String::as_str).collect();
    assert_eq!(keys, ["/a", "/a/new", "/b", "/b/keep", "/d"]);
    assert_eq!(v.read("/a/new", 10).expect("read"), b"new");
    assert_eq!(v.read("/d", 100).expect("read"), b"now a file");
    assert_eq!(v.merged.get("/a/new").expect("node").layer, 1);
    assert!(!v.is_file("/a/x") && !v.is_dir("/a/sub") && !v.is_file("/c"));
    let names: Vec<String> = v.read_dir("/", 10).expect("list").into_iter().map(|e| e.name).collect();
    assert_eq!(names, ["a", "b", "d"]);
    // The view of layer 1 alone still has everything.
    let (img, _) = image(vec![tar(&[("a/x", b'0', b"x", "")]), tar(&[(".wh.a", b'0', b"", "")])]);
    let img = Arc::new(img);
    assert!(View::build(Arc::clone(&img), 0).is_file("/a/x"));
    assert!(!View::build(img, 1).is_dir("/a"));
}

#[test]
fn links_resolve_inside_the_image() {
    let l = tar(&[
        ("usr/lib/os-release", b'0', b"ID=x", ""),
        ("etc/os-release", b'2', b"", "../usr/lib/os-release"),
        ("lib", b'2', b"", "/usr/lib"),
        ("hard", b'1', b"", "usr/lib/os-release"),
        ("loop1", b'2', b"", "loop2"),
        ("loop2", b'2', b"", "loop1"),
        ("out", b'2', b"", "../../../../etc/passwd"),
    ]);
    let v = view(vec![l]);
    assert_eq!(v.read("/etc/os-release", 100).expect("symlink"), b"ID=x");
    assert_eq!(v.read("/lib/os-release", 100).expect("dir symlink"), b"ID=x");
    assert_eq!(v.read("/hard", 100).expect("hard link"), b"ID=x");
    assert!(v.read("/loop1", 100).is_err());
    // A link out of the image names the image's own /etc/passwd, which is not there.
    assert!(v.read("/out", 100).expect_err("outside").to_string().contains("no such file"));
    assert!(v.read("/etc/os-release", 3).is_err(), "the cap holds");
}

#[test]
fn hostile_entries_are_errors_and_left_out() {
    let l = tar(&[
        ("../evil", b'0', b"x", ""),
        ("/abs", b'0', b"x", ""),
        ("a/../../x", b'0', b"x", ""),
        ("h1", b'1', b"", "h2"),
        ("h2", b'1', b"", "h1"),
        ("self", b'1', b"", "self"),
        ("up", b'1', b"", "../x"),
        ("ok", b'0', b"fine", ""),
    ]);
    let (img, problems) = image(vec![l]);
    let v = View::build(Arc::new(img), 0);
    assert_eq!(v.merged.keys().collect::<Vec<_>>(), ["/ok"]);
    let text = format!("{problems:?}");
    assert_eq!(problems.len(), 7, "{text}");
    assert!(text.contains("climbs out") && text.contains("absolute") && text.contains("a loop?"), "{text}");
    // A hard link to a lower layer's file is refused too (its bytes are not in this layer).
    let (_, p) = image(vec![tar(&[("f", b'0', b"1", "")]), tar(&[("g", b'1', b"", "f")])]);
    assert_eq!(p.len(), 1);
}

#[test]
fn broken_layers_are_errors_not_panics() {
    let l = tar(&[("a", b'0', &[7u8; 700], ""), ("b", b'0', b"hello", "")]);
    let z = gzip(&l);
    for data in [&l, &z] {
        for len in 0..data.len() {
            let cut = data.get(..len).unwrap_or(&[]).to_vec();
            if let Ok(layer) = Layer::new("t".into(), Region::from_bytes(cut)) {
                let _ = index_layer(&layer);
            }
        }
        let mut flipped = data.clone();
        for i in (0..flipped.len()).step_by(61) {
            flipped[i] ^= 0x55;
        }
        if let Ok(layer) = Layer::new("t".into(), Region::from_bytes(flipped)) {
            let _ = index_layer(&layer);
        }
    }
    let cut = Layer::new("t".into(), Region::from_bytes(l[..600].to_vec())).expect("layer");
    assert!(index_layer(&cut).is_err(), "a cut member");
    assert!(Layer::new("t".into(), Region::from_bytes(b"not a tar at all".repeat(40))).is_err());
}

#[test]
fn change_touches() {
    let p = |s: &str| Change::Put(s.into(), NodeKind::File { data_at: 0, size: 0 });
    let paths = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    assert!(View::touched(&[p("/var/lib/dpkg/status")], &paths(&["/var/lib/dpkg/status"])));
    assert!(View::touched(&[p("/var/lib/dpkg/status.d/x")], &paths(&["/var/lib/dpkg/status.d"])));
    assert!(View::touched(&[Change::Whiteout("/var/lib".into())], &paths(&["/var/lib/dpkg/status"])));
    assert!(View::touched(&[Change::Opaque("/var/lib/dpkg".into())], &paths(&["/var/lib/dpkg/status"])));
    assert!(!View::touched(&[Change::Put("/var".into(), NodeKind::Dir)], &paths(&["/var/lib/dpkg/status"])));
    assert!(!View::touched(&[p("/etc/motd")], &paths(&["/var/lib/dpkg/status"])));
}

const KESL: &[u8] = b"Package: kesl\nStatus: install ok installed\nVersion: 12\nMaintainer: AO Kaspersky Lab <x@example.org>\nArchitecture: all\nDescription: x\n";
const HELLO: &[u8] = b"Package: hello\nStatus: install ok installed\nVersion: 1\nMaintainer: Example <x@example.org>\nArchitecture: all\nDescription: x\n";

fn layers_of(image_layers: Vec<Vec<u8>>) -> Vec<(String, Option<String>)> {
    let (img, _) = image(image_layers);
    let mut out = Output::default();
    let opts = WalkOptions { enabled: false, ..WalkOptions::default() };
    collect_image(img, Path::new("/img.tar"), "docker-archive:/img.tar", &opts, &mut out, &|_| {});
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.artifacts.into_iter().map(|a| (a.name, a.layer)).collect()
}

#[test]
fn a_record_is_attributed_to_the_layer_that_introduced_it() {
    let status = |parts: &[&[u8]]| parts.join(&b"\n"[..]);
    let s1 = status(&[KESL]);
    let s2 = status(&[KESL, HELLO]);
    let s3 = status(&[HELLO]);
    let file = |d: &[u8]| tar(&[("var/lib/dpkg/status", b'0', d, "")]);
    let motd = tar(&[("etc/motd", b'0', b"hi", "")]);
    let l = |n: u8| Some(format!("sha256:l{n}"));
    // Installed in 1; 2 rewrites the database for another package; 3 is unrelated.
    let got = layers_of(vec![file(&s1), file(&s2), gzip(&motd)]);
    assert_eq!(got, [("kesl".into(), l(1)), ("hello".into(), l(2))]);
    // Removed in 2 and installed again in 3: from 3.
    let got = layers_of(vec![file(&s1), file(&s3), file(&s2)]);
    assert_eq!(got, [("kesl".into(), l(3)), ("hello".into(), l(2))]);
    // Removed in a later layer: not there at all.
    let got = layers_of(vec![file(&s2), gzip(&file(&s3))]);
    assert_eq!(got, [("hello".into(), l(1))]);
}

#[test]
fn units_and_modules_inside_an_image() {
    let unit = b"[Service]\nExecStart=/opt/kaspersky/kesl/libexec/kesl --daemon\n";
    let l1 = tar(&[("lib/systemd/system/kesl.service", b'0', unit, "")]);
    let l2 = tar(&[("etc/systemd/system/alias.service", b'2', b"", "/lib/systemd/system/kesl.service")]);
    let (img, _) = image(vec![l1, gzip(&l2)]);
    let mut out = Output::default();
    let opts = WalkOptions { enabled: false, ..WalkOptions::default() };
    collect_image(img, Path::new("/img.tar"), "oci:/img", &opts, &mut out, &|_| {});
    let units: Vec<(&str, &str, Option<&str>)> =
        out.artifacts.iter().map(|a| (a.name.as_str(), a.path.as_str(), a.layer.as_deref())).collect();
    // The alias in layer 2 is the same unit: read once, under its own name, from layer 1.
    assert_eq!(units, [("kesl.service", "/lib/systemd/system/kesl.service", Some("sha256:l1"))]);
}

#[test]
fn docker_25_archives_name_layers_by_blob_path() {
    // `docker save` since Docker 25: an OCI layout, plus a manifest.json naming blob paths.
    let layer = gzip(&tar(&[("var/lib/dpkg/status", b'0', KESL, "")]));
    let hex = "ab".repeat(32);
    let blob = format!("blobs/sha256/{hex}");
    let manifest =
        format!(r#"[{{"Config":"blobs/sha256/{}","RepoTags":["x:1"],"Layers":["{blob}"]}}]"#, "cd".repeat(32));
    let config = format!(r#"{{"rootfs":{{"type":"layers","diff_ids":["sha256:{}"]}}}}"#, "ef".repeat(32));
    let outer = tar(&[
        ("oci-layout", b'0', br#"{"imageLayoutVersion":"1.0.0"}"#, ""),
        ("manifest.json", b'0', manifest.as_bytes(), ""),
        (&format!("blobs/sha256/{}", "cd".repeat(32)), b'0', config.as_bytes(), ""),
        (&blob, b'0', &layer, ""),
    ]);
    let t = tempfile::tempdir().expect("tempdir");
    let p = t.path().join("img.tar");
    std::fs::write(&p, &outer).expect("write");
    assert_eq!(sniff_archive(&p), Some(Format::DockerArchive));
    let mut out = Output::default();
    let opts = WalkOptions { enabled: false, ..WalkOptions::default() };
    collect(Format::DockerArchive, &p, "docker-archive:x", &opts, &mut out, &|_| {});
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<(&str, Option<&str>)> = out.artifacts.iter().map(|a| (a.name.as_str(), a.layer.as_deref())).collect();
    assert_eq!(got, [("kesl", Some(format!("sha256:{}", "ef".repeat(32)).as_str()))]);
    // Nothing was written beside the archive.
    assert_eq!(std::fs::read_dir(t.path()).expect("list").count(), 1);
}

#[test]
fn compressed_layers_read_right_in_any_order() {
    let names: Vec<String> = (0..40).map(|i| format!("d{}/f{i:02}", i % 3)).collect();
    let bodies: Vec<Vec<u8>> = (0..40u8).map(|i| vec![i; 100 + usize::from(i) * 37]).collect();
    let entries: Vec<E<'_>> = names.iter().zip(&bodies).map(|(n, b)| (n.as_str(), b'0', b.as_slice(), "")).collect();
    let v = view(vec![gzip(&tar(&entries))]);
    // Backwards, forwards, and skipping about: each read gives that file's bytes.
    let order: Vec<usize> = (0..40).rev().chain(0..40).chain((0..40).step_by(7)).collect();
    for i in order {
        assert_eq!(v.read(&format!("/{}", names[i]), 10_000).expect("read"), bodies[i], "{}", names[i]);
    }
}
