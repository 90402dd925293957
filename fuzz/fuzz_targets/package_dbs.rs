#![no_main]
//! See [`delist_fuzz::collect::package_dbs`]: the body lives there so that the ordinary tests replay the
//! regression corpus (fuzz/regressions/package_dbs/) through the same code.
libfuzzer_sys::fuzz_target!(|data: &[u8]| delist_fuzz::collect::package_dbs::run(data));
