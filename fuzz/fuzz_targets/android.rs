#![no_main]
//! APK and IPA files: the zip reader, binary XML, APK Signing Block, PKCS#7/X.509 and
//! provisioning-profile parsers never panic, never hang and never allocate from an unchecked
//! size. The whole input is read as a package; each piece also sees it raw, so one corpus
//! (seed it with tests/fixtures/mobile/*.apk and *.ipa) covers all of them.
use delist_collect::files::android::{Android, apksig, axml, ipa, pkcs7};
use delist_collect::files::{Bytes, FileFormat, Place};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let place = Place { path: "/fuzz.apk", target: "fuzz", depth: 0 };
    if Android.sniff(&data[..data.len().min(4096)]) {
        let _ = Android.inspect(&Bytes(data), place);
    }
    let _ = axml::parse_manifest(data);
    let _ = apksig::signers(data);
    let _ = apksig::find_block(&Bytes(data), data.len() as u64);
    let _ = ipa::parse_profile(data);
    if let Ok(sd) = pkcs7::parse_signed_data(data) {
        let _ = pkcs7::signers(&sd);
    }
    if let Ok(c) = pkcs7::parse_cert(data) {
        let _ = pkcs7::signer_of(&c, &[c]);
    }
});
