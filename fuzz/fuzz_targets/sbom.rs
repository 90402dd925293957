#![no_main]
//! The SBOM readers (CycloneDX JSON and XML, SPDX JSON and tag-value): the sniffer and every
//! reader see every input and never panic; whatever they read names the file it came from, and
//! the number of problems one document reports stays capped.
use delist_collect::Output;
use delist_collect::sbom::{self, Format, MAX_PROBLEMS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sbom::detect(data);
    let mut out = Output::default();
    sbom::read(data, "/fuzz.sbom", "sbom:fuzz", &mut out);
    for format in Format::ALL {
        let mut out = Output::default();
        sbom::read_as(format, data, "/fuzz.sbom", "sbom:fuzz", &mut out);
        assert!(out.artifacts.iter().all(|a| a.path == "/fuzz.sbom" && a.target == "sbom:fuzz"));
        assert!(out.errors.len() <= MAX_PROBLEMS + 1);
    }
});
