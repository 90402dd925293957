#![no_main]
//! Browser extension metadata: a WebExtension `manifest.json`, a `_locales` `messages.json`,
//! Firefox's `extensions.json`, addons.mozilla.org addresses and `.xpi` zips. Never panics;
//! deep JSON is an error, not a stack overflow.
use delist_collect::browser::{self, firefox};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = browser::parse_manifest(data)
        && let Some(key) = m.name.as_deref().and_then(browser::message_key)
    {
        let _ = browser::lookup_message(data, key);
    }
    let _ = browser::lookup_message(data, "extName");
    let _ = firefox::parse_extensions_json(data);
    let _ = firefox::amo_slug(&String::from_utf8_lossy(data));
    let _ = firefox::read_xpi(data);
});
