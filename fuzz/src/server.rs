//! The body of the fuzz target over the fleet server's upload parser (`fuzz_targets/server_upload.rs`
//! calls `server_upload::run`). This file is also compiled into delist-server's tests
//! (`tests/fuzz_regressions.rs`, by `#[path]`), which replay fuzz/regressions/server_upload/
//! through the same `run`: so it may use only delist-server, delist-core and their dependencies.

pub mod server_upload {
    //! `POST /api/v1/reports` (`delist.upload/1`): any bytes are refused with a reason or checked
    //! and evaluated, never a panic. Each input is tried twice, the second time through the
    //! engine's memo of inventories already matched, and both tries must agree.
    use delist_server::engine::{Engine, Sources};
    use delist_server::ingest::prepare;
    use delist_server::time::Clock;
    use std::sync::LazyLock;

    static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
        Engine::build(&Sources { catalog: delist_core::catalog::builtin_files(), policy: None })
            .expect("the built-in catalog loads")
    });

    /// The body of the `server_upload` fuzz target.
    pub fn run(data: &[u8]) {
        let clock = Clock { today: Some(jiff::civil::date(2026, 11, 28)) };
        let first = prepare(data, "fuzz-host", &ENGINE, &clock).map(|p| p.evaluation.live);
        let again = prepare(data, "fuzz-host", &ENGINE, &clock).map(|p| p.evaluation.live);
        assert_eq!(first.is_ok(), again.is_ok());
    }
}
