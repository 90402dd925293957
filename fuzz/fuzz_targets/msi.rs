#![no_main]
//! See [`delist_fuzz::collect::msi`]: the body lives there so that the ordinary tests replay the
//! regression corpus (fuzz/regressions/msi/) through the same code.
libfuzzer_sys::fuzz_target!(|data: &[u8]| delist_fuzz::collect::msi::run(data));
