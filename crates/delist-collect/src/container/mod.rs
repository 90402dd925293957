//! Container images: `docker-archive:` (the `docker save` layout), `oci-archive:` (a tar of an
//! OCI image layout) and `oci:` (an OCI layout directory, also recognised by its `oci-layout`
//! file).
//!
//! Owns turning an image into what a container started from it would see — its layers applied
//! in order with whiteouts ([`layers`]) — and running on that every collector a root filesystem
//! gets: the package databases of [`crate::all`] through a [`Root`] over the merged view, then a
//! file walk over the view's regular files ([`walk`]). Each artifact names the layer that
//! introduced it (`artifact.layer`, the layer's diff id): for a file, the layer its bytes come
//! from; for a package-database record, the lowest layer from which on that record is in every
//! later view of the database (so a product installed in layer 2 stays attributed to layer 2
//! when layer 5 installs something else, and one removed in a later layer is not reported at
//! all). Telling that costs a collector run per layer that changed the files the collector read,
//! and only when it found something.
//!
//! It must never extract an image to disk or write anything: see [`layers`] for how reads are
//! served in place and how memory stays bounded.
//!
//! Measured (`bench/container.sh`, release build, 2 cores shared with other jobs; layer 2 whites
//! out half of layer 1's top directories):
//!
//! | layer 1 | entries | plain | gzip | zstd |
//! |---|---|---|---|---|
//! | /usr/share + /usr/bin | 55,310 | 1.1 GB: 1.1 s, 31 MB | 0.5 GB: 13.4 s, 129 MB | 0.4 GB: 14.3 s, 190 MB |
//! | /usr | ~170,000 | 6.3 GB: 10.1 s, 86 MB | 2.5 GB: 69 s, 223 MB | 2.1 GB: 83 s, 305 MB |
//!
//! The time of compressed layers is decompression: the walk streams each layer once, and the
//! files collectors read go through one kept decompressor with read-ahead of their siblings
//! (without it, 130 systemd units in a 2.5 GB gzip layer cost one decompression each: 855 s).
//! Peak memory is the path index, the read cache ([`layers::CACHE_BYTES`]) and the largest file a
//! format claimed in a compressed layer (a 99 MB ELF, held whole because a compressed stream
//! cannot be read backwards) — never a whole layer.

pub mod docker;
pub mod layers;
pub mod oci;
pub mod store;

use crate::files::archive::{MAX_MEMBER, TarKind, TarNext, read_capped_into, tar_entries};
use crate::files::{self, Bytes, FileFormat, FileView, HEAD, Place};
use crate::walk::{Excludes, WalkOptions, WalkStats};
use crate::{Context, Output, Root, Sink, all};
use delist_core::Artifact;
use layers::{Image, NodeKind, View};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use store::Store;

/// How an image is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `docker save`: `manifest.json` and layer tars.
    DockerArchive,
    /// A tar of an OCI image layout.
    OciArchive,
    /// An OCI image layout directory.
    OciLayout,
}

/// What an image file is, from its tar members (`manifest.json` → docker-archive, which Docker
/// 25+ writes beside an OCI layout; `oci-layout` alone → oci-archive). `None` if neither.
pub fn sniff_archive(path: &Path) -> Option<Format> {
    let store = Store::tar(path).ok()?;
    if store.region("manifest.json").is_ok() {
        Some(Format::DockerArchive)
    } else if store.region("oci-layout").is_ok() {
        Some(Format::OciArchive)
    } else {
        None
    }
}

/// Whether a directory is an OCI image layout.
pub fn is_layout(dir: &Path) -> bool {
    dir.join("oci-layout").is_file()
}

/// Checks that an image's archive, manifests and layer list can be read (headers and JSON only,
/// no layer is read): a target that fails this cannot be scanned at all.
pub fn check(format: Format, path: &Path) -> Result<(), String> {
    match format {
        Format::DockerArchive => docker::layers(&Store::tar(path)?).map(|_| ()),
        Format::OciArchive => oci::layers(&Store::tar(path)?).map(|_| ()),
        Format::OciLayout => oci::layers(&Store::Dir(path.to_path_buf())).map(|_| ()),
    }
}

/// Opens and indexes an image. Problems with single entries of its layers come back as
/// `(path, error)`, beside a note when the archive held more images than the one read.
pub fn open(format: Format, path: &Path) -> Result<(Image, layers::Problems), String> {
    let (layers, note) = match format {
        Format::DockerArchive => docker::layers(&Store::tar(path)?)?,
        Format::OciArchive => oci::layers(&Store::tar(path)?)?,
        Format::OciLayout => oci::layers(&Store::Dir(path.to_path_buf()))?,
    };
    let (image, mut problems) = Image::new(layers)?;
    if let Some(n) = note {
        problems.insert(0, ("/".into(), n));
    }
    Ok((image, problems))
}

/// Scans an image: package databases, then the file walk. `label` is the target as given.
pub fn collect(
    format: Format,
    path: &Path,
    label: &str,
    opts: &WalkOptions,
    out: &mut dyn Sink,
    progress: &dyn Fn(&str),
) -> WalkStats {
    progress("layers");
    let (image, problems) = match open(format, path) {
        Ok(x) => x,
        Err(e) => {
            out.error("/", e);
            return WalkStats::default();
        }
    };
    for (p, e) in problems {
        out.error(&p, e);
    }
    collect_image(image, path, label, opts, out, progress)
}

/// [`collect`] for an image already indexed.
pub fn collect_image(
    image: Image,
    path: &Path,
    label: &str,
    opts: &WalkOptions,
    out: &mut dyn Sink,
    progress: &dyn Fn(&str),
) -> WalkStats {
    if image.layers.is_empty() {
        return WalkStats::default();
    }
    let image = Arc::new(image);
    let last = image.layers.len() - 1;
    let view = Arc::new(View::build(Arc::clone(&image), last));
    let mut earlier: HashMap<usize, Arc<View>> = HashMap::new();
    for c in all() {
        progress(c.id());
        databases(c.as_ref(), &view, &mut earlier, path, label, out);
    }
    if !opts.enabled {
        return WalkStats::default();
    }
    progress("files");
    walk(&view, label, opts, out, &|n| progress(&format!("files: {n}")))
}

/// Runs one collector over the final view and tells each artifact's layer (see the module
/// doc).
fn databases(
    c: &dyn crate::Collector,
    view: &Arc<View>,
    earlier: &mut HashMap<usize, Arc<View>>,
    path: &Path,
    label: &str,
    out: &mut dyn Sink,
) {
    let image = Arc::clone(&view.image);
    let run = |v: &Arc<View>| {
        let root = Root::image(path, Arc::clone(v));
        let mut o = Output::default();
        c.collect(&Context { target: label, root: &root }, &mut o);
        o
    };
    view.track();
    let found = run(view);
    let read = view.untrack();
    for e in found.errors {
        out.push_error(e);
    }
    if found.artifacts.is_empty() {
        return;
    }
    // The layers after which what this collector read may differ; the last is the final view.
    let touched: Vec<usize> =
        image.changes.iter().enumerate().filter(|(_, ch)| View::touched(ch, &read)).map(|(k, _)| k).collect();
    let mut seen: BTreeMap<usize, Vec<Artifact>> = BTreeMap::new();
    if let Some((&top, lower)) = touched.split_last() {
        seen.insert(top, found.artifacts.clone());
        for &k in lower {
            let v = earlier.entry(k).or_insert_with(|| Arc::new(View::build(Arc::clone(&image), k)));
            seen.insert(k, run(v).artifacts);
        }
    }
    for mut a in found.artifacts {
        // The lowest touched layer from which the artifact is in every later view.
        let mut from = None;
        for (&k, arts) in seen.iter().rev() {
            if arts.contains(&a) {
                from = Some(k);
            } else {
                break;
            }
        }
        a.layer = from.and_then(|k| image.layers.get(k)).map(|l| l.digest.clone());
        out.push(a);
    }
}

/// Sends one file's artifacts and errors, each artifact marked with its layer.
fn inspect(
    formats: &[Box<dyn FileFormat>],
    file: &dyn FileView,
    path: &str,
    label: &str,
    layer: &str,
    out: &mut dyn Sink,
) {
    match files::inspect_parts(formats, file, Place { path, target: label, depth: 0 }) {
        None => {}
        Some(Ok(ins)) => {
            for mut a in ins.artifacts {
                a.layer = Some(layer.to_string());
                out.push(a);
            }
            for (p, e) in ins.errors {
                out.error(&p, e);
            }
        }
        Some(Err(e)) => out.error(path, e),
    }
}

/// The file walk over an image: every regular file of the merged view, each read from the
/// layer that holds its bytes. An uncompressed layer's files are read in place; a compressed
/// layer is streamed once, and a file is held in memory (up to the smaller of the size cap and
/// [`MAX_MEMBER`]) only when a format claims its first bytes.
pub fn walk(view: &View, label: &str, opts: &WalkOptions, out: &mut dyn Sink, progress: &dyn Fn(u64)) -> WalkStats {
    let excludes = match Excludes::new(&opts.exclude) {
        Ok(e) => e,
        Err(e) => {
            out.error("/", e);
            return WalkStats::default();
        }
    };
    let formats = files::formats();
    let mut stats = WalkStats::default();
    // Per layer: offset of a file's bytes → the paths that show them (hard links share bytes).
    let mut wanted: Vec<BTreeMap<u64, (u64, Vec<String>)>> = vec![BTreeMap::new(); view.image.layers.len()];
    for (p, n) in &view.merged {
        match n.kind {
            NodeKind::File { data_at, size } => {
                if excludes.matches(p) {
                    continue;
                }
                stats.files += 1;
                if size > opts.max_file_size {
                    stats.too_large += 1;
                    continue;
                }
                if size == 0 {
                    continue;
                }
                if let Some(w) = wanted.get_mut(n.layer) {
                    w.entry(data_at).or_insert_with(|| (size, Vec::new())).1.push(p.clone());
                }
            }
            NodeKind::Symlink(_) => stats.special += 1,
            NodeKind::Dir => {}
        }
    }
    let sniffs = |head: &[u8]| formats.iter().any(|f| f.sniff(head));
    for (k, layer) in view.image.layers.iter().enumerate() {
        let Some(want) = wanted.get(k).filter(|w| !w.is_empty()) else { continue };
        if !layer.compressed() {
            for (&data_at, (size, paths)) in want {
                let Some(region) = layer.region_of(data_at, *size) else {
                    out.error(paths.first().map_or("/", String::as_str), "layer ends inside the file");
                    continue;
                };
                for p in paths {
                    inspect(&formats, &region, p, label, &layer.digest, out);
                }
            }
            progress(stats.files);
            continue;
        }
        let cap = opts.max_file_size.min(MAX_MEMBER);
        let mut src = match layer.source() {
            Ok(s) => s,
            Err(e) => {
                out.error("/", format!("layer {}: {e}", layer.digest));
                continue;
            }
        };
        let res = tar_entries(&mut src, layers::MAX_LAYER_ENTRIES, |e, r| {
            if e.kind != TarKind::File {
                return Ok(TarNext::Continue);
            }
            let Some((size, paths)) = want.get(&e.data_at) else { return Ok(TarNext::Continue) };
            let mut head = Vec::new();
            if let Err(err) = r.take(HEAD as u64).read_to_end(&mut head) {
                return Err(format!("layer {}: {err}", layer.digest));
            }
            if !sniffs(&head) {
                return Ok(TarNext::Continue);
            }
            if *size > cap {
                for p in paths {
                    out.error(p, format!("{size} bytes in a compressed layer: over the {cap}-byte limit, not read"));
                }
                return Ok(TarNext::Continue);
            }
            let data = match read_capped_into(r, cap, "file", head) {
                Ok(d) => d,
                Err(err) => return Err(format!("layer {}: {err}", layer.digest)),
            };
            for p in paths {
                inspect(&formats, &Bytes(&data), p, label, &layer.digest, out);
            }
            Ok(TarNext::Continue)
        });
        if let Err(e) = res {
            out.error("/", e);
        }
        progress(stats.files);
    }
    stats
}

#[cfg(test)]
mod tests;
