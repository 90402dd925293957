//! `docker save` archives (`docker-archive:`): `manifest.json` names the image's config and its
//! layers, oldest first, as paths inside the archive — `ID/layer.tar` (Docker before 25, often a
//! link to `../DIGEST.tar`) or `blobs/sha256/HEX` (Docker 25+, which also writes an OCI layout
//! beside it).
//!
//! Owns parsing `manifest.json` (a pure function of bytes, fuzzed by the `container` target) and
//! naming each layer by its diff id from the config (`rootfs.diff_ids`, the digest of the
//! uncompressed layer — what `docker inspect` shows, and the same id an OCI copy of the image
//! has). Never trusts a path in the manifest to leave the archive.

use super::layers::Layer;
use super::store::{MAX_JSON, Store};
use serde::Deserialize;

/// One image of `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Manifest {
    #[serde(rename = "Config")]
    pub config: String,
    #[serde(rename = "RepoTags", default)]
    pub repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers")]
    pub layers: Vec<String>,
}

/// Parses `manifest.json`: a list of images.
pub fn parse_manifest(bytes: &[u8]) -> Result<Vec<Manifest>, String> {
    let list: Vec<Manifest> =
        serde_json::from_slice(bytes).map_err(|e| format!("manifest.json: expected a list of images: {e}"))?;
    if list.is_empty() {
        return Err("manifest.json: no image in it".into());
    }
    Ok(list)
}

#[derive(Debug, Deserialize)]
struct Config {
    #[serde(default)]
    rootfs: Option<RootFs>,
}

#[derive(Debug, Deserialize)]
struct RootFs {
    #[serde(default)]
    diff_ids: Vec<String>,
}

/// The diff ids of an image config (`rootfs.diff_ids`), or none if it has none.
pub fn diff_ids(config: &[u8]) -> Result<Vec<String>, String> {
    let c: Config = serde_json::from_slice(config).map_err(|e| format!("image config: {e}"))?;
    Ok(c.rootfs.map(|r| r.diff_ids).unwrap_or_default())
}

/// The layers of the first image in the archive, oldest first; a note when it holds more.
pub fn layers(store: &Store) -> Result<(Vec<Layer>, Option<String>), String> {
    let manifests = parse_manifest(&store.read("manifest.json", MAX_JSON)?)?;
    let m = manifests.first().ok_or("manifest.json: no image in it")?;
    let note = (manifests.len() > 1)
        .then(|| format!("manifest.json holds {} images: only the first ({}) was read", manifests.len(), m.config));
    if m.layers.len() > super::layers::MAX_LAYERS {
        return Err(format!(
            "manifest.json: {} layers, more than {}: refused",
            m.layers.len(),
            super::layers::MAX_LAYERS
        ));
    }
    let ids = store.read(&m.config, MAX_JSON).and_then(|c| diff_ids(&c)).unwrap_or_default();
    let mut out = Vec::with_capacity(m.layers.len());
    for (i, name) in m.layers.iter().enumerate() {
        let region = store.region(name).map_err(|e| format!("manifest.json: layer {}: {e}", i + 1))?;
        let id = if ids.len() == m.layers.len() { ids.get(i).cloned() } else { None };
        out.push(Layer::new(id.unwrap_or_else(|| name.clone()), region)?);
    }
    Ok((out, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests() {
        let m = parse_manifest(br#"[{"Config":"c.json","RepoTags":null,"Layers":["a/layer.tar"]}]"#).expect("ok");
        assert_eq!(m[0].layers, vec!["a/layer.tar"]);
        for bad in [&b"[]"[..], b"{}", b"[{\"Config\":1}]", b"", b"[{\"Config\":\"c\",\"Layers\":[\"a\"]"] {
            assert!(parse_manifest(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(diff_ids(br#"{"rootfs":{"type":"layers","diff_ids":["sha256:ab"]}}"#).expect("ok"), ["sha256:ab"]);
        assert!(diff_ids(b"{").is_err());
    }
}
