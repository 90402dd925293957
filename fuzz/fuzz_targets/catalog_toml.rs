#![no_main]
//! Catalog files (users write them): any bytes as a vendor and as a list file load to a catalog
//! or to diagnostics, never to a panic.
use delist_core::catalog::{SourceFile, load};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    for rel in ["vendors/fuzz.toml", "lists/fuzz.toml"] {
        let _ = load(&[SourceFile { name: rel.into(), rel: rel.into(), text: text.clone() }]);
    }
});
