#![no_main]
//! Container images: `manifest.json`, OCI index/manifest and image-config JSON, digests, and a
//! layer's tar (plain, or gzip/zstd when the input starts with their magic) merged into a view
//! that is then listed and read. Never panics, never hangs, never allocates from an unchecked
//! size. Seed with the layer tars and JSON of tests/fixtures/container.
use delist_collect::container::layers::{Image, Layer, Region, View};
use delist_collect::container::{docker, oci};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let _ = docker::parse_manifest(data);
    let _ = docker::diff_ids(data);
    if let Ok(d) = oci::parse(data, "fuzz") {
        let _ = d.manifests.as_deref().map(oci::choose);
    }
    let _ = oci::blob_path(&String::from_utf8_lossy(data));
    // Two layers: the input, then the input's second half (whiteouts applied over the first).
    let half = data.get(data.len() / 2..).unwrap_or(&[]);
    let layers: Vec<Layer> = [data, half]
        .iter()
        .filter_map(|b| Layer::new("fuzz".into(), Region::from_bytes(b.to_vec())).ok())
        .collect();
    let Ok((image, _)) = Image::new(layers) else { return };
    if image.layers.is_empty() {
        return;
    }
    let last = image.layers.len() - 1;
    let view = View::build(Arc::new(image), last);
    let paths: Vec<String> = view.merged.keys().take(64).cloned().collect();
    let _ = view.read_dir("/", 1000);
    for p in paths {
        let _ = view.read(&p, 1 << 20);
        let _ = view.read_dir(&p, 1000);
    }
});
