#![no_main]
//! Policy files: any bytes parse to a policy or to diagnostics, never to a panic.
use delist_core::catalog::{builtin_files, load};
use delist_core::policy::Policy;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static CATALOG: OnceLock<delist_core::Catalog> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let catalog = CATALOG.get_or_init(|| load(&builtin_files()).expect("built-in catalog is valid"));
    let _ = Policy::parse("delist.toml", &String::from_utf8_lossy(data), catalog);
});
