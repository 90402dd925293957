//! App inventories (MDM, EDR, osquery, Fleet): placeholder until its collector lands.

use crate::Sink;
use std::path::Path;

/// `--map column=field`: which column of an inventory holds which field, for headers delist
/// does not recognise on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    /// (column header as written, field name: device, name, id, version, publisher, platform)
    pub columns: Vec<(String, String)>,
}

/// Whether the first bytes of a file look like an app inventory this module reads.
pub fn sniff(_head: &[u8]) -> bool {
    false
}

/// Reads one inventory file into the sink.
pub fn collect_file(path: &Path, _target: &str, _map: &Mapping, out: &mut dyn Sink) {
    out.error(&path.display().to_string(), "inventory reading is not implemented yet");
}
