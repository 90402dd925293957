#![no_main]
//! Windows registry hives (regf): the base block, then every key, value and certificate store the
//! Windows collector reads — Uninstall views, the current control set's services, the root
//! stores' certificate blobs — and a walk over the whole key tree, which must end (cycles and
//! fan-out are bounded) without a panic.
use delist_collect::windows::{certstore, regf::Hive, services, uninstall};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = certstore::blob_certificate(data).map(certstore::describe);
    let Ok(h) = Hive::parse(data) else { return };
    for view in uninstall::machine_views() {
        let _ = uninstall::programs(&h, &view.path);
    }
    let _ = services::services(&h);
    for store in certstore::machine_stores() {
        let _ = certstore::store_certificates(&h, &store);
    }
    let _ = h.walk(&mut |k| {
        let _ = h.values(k);
    });
});
