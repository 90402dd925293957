#![no_main]
//! See [`delist_fuzz::server::server_upload`]: the body lives there so that the ordinary tests
//! replay the regression corpus (fuzz/regressions/server_upload/) through the same code.
libfuzzer_sys::fuzz_target!(|data: &[u8]| delist_fuzz::server::server_upload::run(data));
