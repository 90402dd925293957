//! msi: placeholder until this format lands.

use super::{FileFormat, FileView, Place};
use delist_core::Artifact;

pub struct Msi;

impl FileFormat for Msi {
    fn id(&self) -> &'static str {
        "msi"
    }

    fn sniff(&self, _head: &[u8]) -> bool {
        false
    }

    fn inspect(&self, _file: &dyn FileView, _place: Place<'_>) -> Result<Vec<Artifact>, String> {
        Ok(Vec::new())
    }
}
