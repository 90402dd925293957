//! archive: placeholder until this format lands.

use super::{FileFormat, FileView, Place};
use delist_core::Artifact;

pub struct Archive;

impl FileFormat for Archive {
    fn id(&self) -> &'static str {
        "archive"
    }

    fn sniff(&self, _head: &[u8]) -> bool {
        false
    }

    fn inspect(&self, _file: &dyn FileView, _place: Place<'_>) -> Result<Vec<Artifact>, String> {
        Ok(Vec::new())
    }
}
pub const MAX_DEPTH: usize = 4;
