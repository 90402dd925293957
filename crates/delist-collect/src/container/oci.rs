//! OCI image layouts (`oci:DIR`, or a directory with an `oci-layout` file) and their tars
//! (`oci-archive:`): `index.json` points to a manifest (or to an index of them, one per
//! platform), whose `layers` are blobs under `blobs/ALG/HEX`, oldest first.
//!
//! Owns parsing the layout's JSON (pure functions of bytes, fuzzed by the `container` target),
//! choosing one image of a multi-platform index (this machine's architecture on Linux if
//! present, else the first real platform; attestation manifests are skipped), and checking that
//! each blob's size is what its descriptor says. Digests are checked for shape (so a blob name
//! never leaves `blobs/`), not recomputed: that would mean reading every layer twice.

use super::docker::diff_ids;
use super::layers::Layer;
use super::store::{MAX_JSON, Store};
use serde::Deserialize;

/// How deep indexes may nest.
const MAX_NESTING: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Platform {
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub architecture: String,
}

/// A content descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    pub digest: String,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub platform: Option<Platform>,
}

/// An index (`index.json`, or an image index blob) or a manifest: whichever fields it has.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Document {
    #[serde(rename = "mediaType", default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub layers: Option<Vec<Descriptor>>,
}

/// Parses an index or manifest.
pub fn parse(bytes: &[u8], what: &str) -> Result<Document, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("{what}: expected an OCI index or manifest: {e}"))
}

/// The blob path of a digest (`sha256:HEX` → `blobs/sha256/HEX`), if the digest is well formed.
pub fn blob_path(digest: &str) -> Result<String, String> {
    // A manifest's digest may be megabytes of anything: the error shows its start only.
    let bad = || format!("digest {:?}: expected ALG:HEX", crate::excerpt::excerpt(digest, 80));
    let (alg, hex) = digest.split_once(':').ok_or_else(bad)?;
    let alg_ok = !alg.is_empty() && alg.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let hex_ok = hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    if !alg_ok || !hex_ok {
        return Err(bad());
    }
    Ok(format!("blobs/{alg}/{hex}"))
}

fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        a => a,
    }
}

/// The manifest of an index to read: this machine's architecture on Linux, else the first that
/// names a real platform, else the first.
pub fn choose(manifests: &[Descriptor]) -> Option<&Descriptor> {
    let real = |d: &&Descriptor| d.platform.as_ref().is_none_or(|p| p.os != "unknown");
    manifests
        .iter()
        .find(|d| d.platform.as_ref().is_some_and(|p| p.os == "linux" && p.architecture == host_arch()))
        .or_else(|| manifests.iter().find(real))
        .or_else(|| manifests.first())
}

fn blob(store: &Store, d: &Descriptor) -> Result<super::layers::Region, String> {
    let r = store.region(&blob_path(&d.digest)?)?;
    if let Some(size) = d.size
        && crate::files::FileView::len(&r) != size
    {
        return Err(format!(
            "blob {}: {} bytes, but its descriptor says {size}",
            d.digest,
            crate::files::FileView::len(&r)
        ));
    }
    Ok(r)
}

/// The layers of the layout's image, oldest first; a note when an index offered several.
pub fn layers(store: &Store) -> Result<(Vec<Layer>, Option<String>), String> {
    let layout = store.read("oci-layout", 4096)?;
    if !String::from_utf8_lossy(&layout).contains("imageLayoutVersion") {
        return Err("oci-layout: not an OCI image layout marker".into());
    }
    let mut doc = parse(&store.read("index.json", MAX_JSON)?, "index.json")?;
    let mut note = None;
    for _ in 0..=MAX_NESTING {
        if let Some(layers) = &doc.layers {
            if layers.len() > super::layers::MAX_LAYERS {
                return Err(format!(
                    "manifest: {} layers, more than {}: refused",
                    layers.len(),
                    super::layers::MAX_LAYERS
                ));
            }
            let ids = match &doc.config {
                Some(c) => store.read(&blob_path(&c.digest)?, MAX_JSON).and_then(|b| diff_ids(&b)).unwrap_or_default(),
                None => Vec::new(),
            };
            let mut out = Vec::with_capacity(layers.len());
            for (i, d) in layers.iter().enumerate() {
                let region = blob(store, d).map_err(|e| format!("layer {}: {e}", i + 1))?;
                let id = if ids.len() == layers.len() { ids.get(i).cloned() } else { None };
                out.push(Layer::new(id.unwrap_or_else(|| d.digest.clone()), region)?);
            }
            return Ok((out, note));
        }
        let manifests = doc.manifests.as_deref().unwrap_or(&[]);
        let d = choose(manifests).ok_or("index: no manifest in it")?;
        if manifests.len() > 1 {
            note = Some(format!("the index lists {} manifests: only {} was read", manifests.len(), d.digest));
        }
        let bytes = blob(store, d)?.read_all_capped()?;
        doc = parse(&bytes, &d.digest)?;
    }
    Err(format!("indexes nested more than {MAX_NESTING} deep"))
}

trait ReadCapped {
    fn read_all_capped(&self) -> Result<Vec<u8>, String>;
}

impl ReadCapped for super::layers::Region {
    fn read_all_capped(&self) -> Result<Vec<u8>, String> {
        crate::files::FileView::read_all(self, MAX_JSON).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_name_blobs_inside() {
        let h = "a".repeat(64);
        assert_eq!(blob_path(&format!("sha256:{h}")).expect("ok"), format!("blobs/sha256/{h}"));
        for bad in ["sha256:../../etc/passwd", "sha256", ":abc", "SHA256:abc", "sha256:ABCDEF"] {
            assert!(blob_path(bad).is_err(), "{bad}");
        }
        // A huge digest is named in its error by its start only.
        let huge = format!("sha256:{}", "\u{7}".repeat(1 << 20));
        let err = blob_path(&huge).expect_err("bad digest");
        assert!(err.len() < 600 && err.contains("…") && err.starts_with("digest \"sha256:\\u{7}"), "{err}");
    }

    #[test]
    fn platform_choice_skips_attestations() {
        let d = |os: &str, arch: &str, n: &str| Descriptor {
            media_type: String::new(),
            digest: n.into(),
            size: None,
            platform: Some(Platform { os: os.into(), architecture: arch.into() }),
        };
        let list = vec![d("unknown", "unknown", "att"), d("linux", "s390x", "s390x")];
        assert_eq!(choose(&list).expect("one").digest, "s390x");
        let list = vec![d("linux", "s390x", "s390x"), d("linux", host_arch(), "mine")];
        assert_eq!(choose(&list).expect("one").digest, "mine");
        assert!(choose(&[]).is_none());
        assert!(parse(b"{\"manifests\": 3}", "x").is_err());
    }
}
