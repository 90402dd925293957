#![no_main]
//! The OUI table and MAC lookups: never a panic, whatever the bytes.
use delist_core::catalog::oui::OuiTable;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(t) = OuiTable::parse(&text) {
        for line in text.lines().take(16) {
            let _ = t.lookup(line);
        }
    }
    let _ = OuiTable::import(&[("fuzz.csv".into(), text.into_owned())], &[]);
});
