//! Name normalisation: the one place that decides when two organisation names are the same name.
//!
//! A name becomes a sequence of tokens: Unicode NFKC, lower-cased, e-mail addresses and URLs
//! dropped, punctuation turned into token breaks, Han/Kana characters one token each (they are
//! written without spaces), and legal-form words (JSC, AO, ZAO, OOO, Co., Ltd., Inc., GmbH,
//! Corporation, 有限公司 …) removed. Two names are equal when their tokens are; one text mentions a
//! name when the name's tokens occur in it on token boundaries, so ZTE never matches "Aztech" and
//! Dahua never matches "Dahuang".
//!
//! This module must never know a vendor: vendor knowledge lives in the catalog.

use unicode_normalization::UnicodeNormalization;

/// Words that say what legal form a company has, not who it is. Compared after lower-casing.
const LEGAL_FORMS: &[&str] = &[
    "ao",
    "zao",
    "oao",
    "pao",
    "ooo",
    "jsc",
    "ojsc",
    "cjsc",
    "pjsc",
    "co",
    "company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "llp",
    "lp",
    "plc",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "ab",
    "oy",
    "kk",
    "pte",
    "pty",
    "pvt",
    "private",
    "sdn",
    "bhd",
    "ug",
];

/// Legal forms in scripts written without spaces; removed before Han characters are split.
const LEGAL_FORMS_CJK: &[&str] = &["股份有限公司", "有限责任公司", "有限公司", "株式会社", "公司"];

/// Removes e-mail addresses (`<a@b>` or bare `a@b`) and URLs, which say how to reach someone,
/// not who they are.
fn strip_contacts(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        match rest[open..].find('>') {
            Some(close) => rest = &rest[open + close + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace()
        .filter(|w| !w.contains('@') && !w.contains("://") && !w.starts_with("www."))
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // Extensions B–F, compatibility supplement
}

/// The tokens of a name, without legal-form words. Empty input gives no tokens.
pub fn tokens(s: &str) -> Vec<String> {
    let mut text: String = strip_contacts(s).nfkc().collect::<String>().to_lowercase();
    for form in LEGAL_FORMS_CJK {
        text = text.replace(form, " ");
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if is_cjk(c) {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            cur.push(c);
        } else if c == '\'' || c == '\u{2019}' {
            // "Kaspersky's" → "kasperskys" would lose the name; drop the apostrophe's tail instead.
            continue;
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    let kept: Vec<String> = out.iter().filter(|t| !LEGAL_FORMS.contains(&t.as_str())).cloned().collect();
    // A name that is nothing but legal-form words ("Company Limited") keeps them: an empty key
    // would equal every other empty key.
    if kept.is_empty() { out } else { kept }
}

/// The normalised key of a name: its tokens joined by single spaces.
pub fn key(s: &str) -> String {
    tokens(s).join(" ")
}

/// Whether two names are the same name.
pub fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (key(a), key(b));
    !a.is_empty() && a == b
}

/// The key padded with a space on each side: searching for `" zte "` in `" aztech zte "` can
/// only match whole tokens, which is how mentions keep to token boundaries.
pub fn padded(key: &str) -> String {
    format!(" {key} ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_forms_and_punctuation_do_not_change_a_name() {
        assert_eq!(key("AO Kaspersky Lab"), "kaspersky lab");
        assert_eq!(key("Kaspersky Lab ZAO"), "kaspersky lab");
        assert_eq!(key("Kaspersky Lab, Inc."), "kaspersky lab");
        assert_eq!(key("HUAWEI TECHNOLOGIES CO.,LTD"), "huawei technologies");
        assert_eq!(key("Huawei Technologies Co., Ltd."), "huawei technologies");
        assert_eq!(key("zte corporation"), "zte");
        assert_eq!(key("Hytera Communications Co .,ltd"), "hytera communications");
        assert_eq!(key("Hangzhou Hikvision Digital Technology Co.,Ltd."), "hangzhou hikvision digital technology");
        assert_eq!(key("OOO Kaspersky Group"), "kaspersky group");
        assert_eq!(key("Example GmbH"), "example");
    }

    #[test]
    fn contacts_are_not_part_of_a_name() {
        assert_eq!(key("AO Kaspersky Lab <support@kaspersky.com>"), "kaspersky lab");
        assert_eq!(key("Jane Doe jane@example.org"), "jane doe");
        assert_eq!(key("Example https://example.org"), "example");
    }

    #[test]
    fn nfkc_and_case_folding() {
        // Full-width letters and a ligature fold to their plain forms.
        assert_eq!(key("ＺＴＥ Ｃｏｒｐｏｒａｔｉｏｎ"), "zte");
        assert_eq!(key("ﬁrm"), "firm");
        assert_eq!(key("ЛАБОРАТОРИЯ Касперского"), "лаборатория касперского");
    }

    #[test]
    fn tencent_spacing_variants_are_one_name() {
        assert!(same_name(
            "Tencent Technology(Shenzhen) Company Limited",
            "Tencent Technology (Shenzhen) Company Limited"
        ));
    }

    #[test]
    fn han_characters_are_tokens_and_legal_forms_drop() {
        assert_eq!(key("华为技术有限公司"), "华 为 技 术");
        assert_eq!(key("华为"), "华 为");
    }

    #[test]
    fn token_boundaries() {
        assert!(!same_name("Aztech Systems", "ZTE"));
        assert!(!same_name("Dahuang", "Dahua"));
        assert!(!same_name("Honor Device Co., Ltd.", "Huawei Device Co., Ltd."));
        let text = padded(&key("Aztech Dahuang Honor"));
        for name in ["ZTE", "Dahua", "Huawei"] {
            assert!(!text.contains(&padded(&key(name))), "{name} must not be found in {text}");
        }
        assert!(padded(&key("new ZTE router")).contains(&padded(&key("ZTE"))));
    }

    #[test]
    fn a_name_of_only_legal_forms_is_kept() {
        assert_eq!(key("Company Limited"), "company limited");
        assert_eq!(key(""), "");
        assert!(!same_name("", ""));
    }
}
