#![no_main]
//! See [`delist_fuzz::catalog::catalog_toml`]: the body lives there so that the ordinary tests replay the
//! regression corpus (fuzz/regressions/catalog_toml/) through the same code.
libfuzzer_sys::fuzz_target!(|data: &[u8]| delist_fuzz::catalog::catalog_toml::run(data));
