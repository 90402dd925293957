#![no_main]
//! The fleet server's upload parser (`POST /api/v1/reports`, `delist.upload/1`): any bytes are
//! refused with a reason or checked and evaluated, never a panic. Each input is tried twice, the
//! second time through the engine's memo of inventories already matched.
use delist_server::engine::{Engine, Sources};
use delist_server::ingest::prepare;
use delist_server::time::Clock;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    Engine::build(&Sources { catalog: delist_core::catalog::builtin_files(), policy: None })
        .expect("the built-in catalog loads")
});

fuzz_target!(|data: &[u8]| {
    let clock = Clock { today: Some(jiff::civil::date(2026, 11, 28)) };
    let first = prepare(data, "fuzz-host", &ENGINE, &clock).map(|p| p.evaluation.live);
    let again = prepare(data, "fuzz-host", &ENGINE, &clock).map(|p| p.evaluation.live);
    assert_eq!(first.is_ok(), again.is_ok());
});
