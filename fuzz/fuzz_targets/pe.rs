#![no_main]
//! See [`delist_fuzz::collect::pe`]: the body lives there so that the ordinary tests replay the
//! regression corpus (fuzz/regressions/pe/) through the same code.
libfuzzer_sys::fuzz_target!(|data: &[u8]| delist_fuzz::collect::pe::run(data));
