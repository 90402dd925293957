#![no_main]
//! See [`delist_fuzz::catalog::oui_csv`]: the body lives there so that the ordinary tests replay the
//! regression corpus (fuzz/regressions/oui_csv/) through the same code.
libfuzzer_sys::fuzz_target!(|data: &[u8]| delist_fuzz::catalog::oui_csv::run(data));
