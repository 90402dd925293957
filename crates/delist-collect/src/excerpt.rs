//! Short quotes of scanned text for error messages.
//!
//! A parser that rejects a line quotes it so the user can find it in the file, but the line came
//! from the scanned file and may be megabytes long (one fuzz input made a megabyte error message
//! out of an OCI digest). [`excerpt`] cuts a quote to a fixed number of characters, then "…"
//! when something was cut, and copies at most that. The package databases (dpkg, apk, pacman,
//! snap, flatpak), SPDX tag-value and OCI digests quote through it; `network` quotes through its
//! own `clean`, which also drops control characters and cuts at `network::MAX_VALUE` bytes.

/// The first `max` characters of `s`, then "…" when `s` is longer.
pub(crate) fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn short_text_is_whole_and_long_text_is_cut_on_a_character() {
        assert_eq!(excerpt("", 3), "");
        assert_eq!(excerpt("abc", 3), "abc");
        assert_eq!(excerpt("abcd", 3), "abc…");
        // Multi-byte characters count as one and are never split.
        assert_eq!(excerpt("ééé", 3), "ééé");
        assert_eq!(excerpt("éééé", 3), "ééé…");
        assert_eq!(excerpt("a\u{1F600}b", 2), "a\u{1F600}…");
        assert_eq!(excerpt(&"x".repeat(1 << 20), 60).chars().count(), 61);
    }
}
