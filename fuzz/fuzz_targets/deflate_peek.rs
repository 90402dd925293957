#![no_main]
//! See [`delist_fuzz::collect::deflate_peek`]: the body lives there so that the ordinary tests replay the
//! regression corpus (fuzz/regressions/deflate_peek/) through the same code.
libfuzzer_sys::fuzz_target!(|data: &[u8]| delist_fuzz::collect::deflate_peek::run(data));
