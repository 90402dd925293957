//! android: placeholder until this format lands.

use super::{FileFormat, FileView, Place};
use delist_core::Artifact;

pub struct Android;

impl FileFormat for Android {
    fn id(&self) -> &'static str {
        "android"
    }

    fn sniff(&self, _head: &[u8]) -> bool {
        false
    }

    fn inspect(&self, _file: &dyn FileView, _place: Place<'_>) -> Result<Vec<Artifact>, String> {
        Ok(Vec::new())
    }
}
