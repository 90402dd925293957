#![no_main]
//! See [`delist_fuzz::collect::android`]: the body lives there so that the ordinary tests replay the
//! regression corpus (fuzz/regressions/android/) through the same code.
libfuzzer_sys::fuzz_target!(|data: &[u8]| delist_fuzz::collect::android::run(data));
