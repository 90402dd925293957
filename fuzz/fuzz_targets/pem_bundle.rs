#![no_main]
//! Trust-store files: PEM bundles (CERTIFICATE, X509 CERTIFICATE, TRUSTED CERTIFICATE blocks)
//! or one DER certificate, and each certificate's subject, issuer, serial and thumbprints.
//! Never panics; an unclosed block, bad base64 or truncated DER is an error.
use delist_collect::truststore;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(certs) = truststore::certificates(data) {
        for c in certs {
            let _ = truststore::describe(&c);
        }
    }
    let _ = truststore::describe(data);
});
