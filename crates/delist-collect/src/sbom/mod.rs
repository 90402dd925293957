//! SBOMs (CycloneDX, SPDX): placeholder until its collector lands.

use crate::Sink;
use std::path::Path;

/// Whether the first bytes of a file look like an SBOM this module reads.
pub fn sniff(_head: &[u8]) -> bool {
    false
}

/// Reads one SBOM file into the sink.
pub fn collect_file(path: &Path, _target: &str, out: &mut dyn Sink) {
    out.error(&path.display().to_string(), "SBOM reading is not implemented yet");
}
