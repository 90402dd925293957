//! Small serde seeds shared by the CycloneDX and SPDX JSON readers.
//!
//! Owns reading the leaves of an SBOM (strings, small objects, short lists) without building a
//! `serde_json::Value`: keys are matched against a static table without allocating, values are
//! capped, lists keep their first [`MAX_LIST`] entries and skip the rest. Structure is strict
//! (an object where a list belongs is an error with serde's line and column); scalars are lenient
//! (a number where a string belongs is read as its text), because generators get that wrong and
//! it costs nothing to accept.
//!
//! It must never build a `serde_json::Value` or keep a string longer than `MAX_VALUE`.

use super::{MAX_LIST, cap};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// What a serde_json error means for the user: where, and what was expected.
pub(super) fn describe(format: &str, e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => format!("{format} ends before the document is complete (truncated?): {e}"),
        Category::Io => format!("cannot read {format}: {e}"),
        Category::Syntax => format!("{format} is malformed: {e}"),
        Category::Data => format!("{format} does not follow its schema: {e}"),
    }
}

/// An object key, as its index in a table of known keys (`None` for any other key).
#[derive(Clone, Copy)]
pub(super) struct KeySeed(pub &'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|k| *k == v))
    }
}

/// A string-like value, capped: strings as they are, numbers and booleans as their text,
/// `null` as nothing; an object or array where a string belongs is skipped as nothing.
#[derive(Clone, Copy)]
pub(super) struct Scalar;

impl<'de> DeserializeSeed<'de> for Scalar {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Scalar {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        // Copy only what is kept: a megabyte description costs no megabyte allocation.
        let mut end = v.len().min(super::MAX_VALUE);
        while !v.is_char_boundary(end) {
            end -= 1;
        }
        Ok(Some(v[..end].to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(cap(v)))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// An object's string members named in a table, in the table's order; other members skipped.
#[derive(Clone, Copy)]
pub(super) struct Fields<const N: usize>(pub &'static [&'static str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for Fields<N> {
    type Value = [Option<String>; N];

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for Fields<N> {
    type Value = [Option<String>; N];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with {}", self.0.join(", "))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
        while let Some(k) = map.next_key_seed(KeySeed(self.0))? {
            match k {
                Some(i) => out[i] = map.next_value_seed(Scalar)?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// A JSON array read element by element with `S`; the first [`MAX_LIST`] values kept.
#[derive(Clone, Copy)]
pub(super) struct List<S>(pub S);

impl<'de, S, T> DeserializeSeed<'de> for List<S>
where
    S: DeserializeSeed<'de, Value = T> + Copy,
{
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, S, T> Visitor<'de> for List<S>
where
    S: DeserializeSeed<'de, Value = T> + Copy,
{
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while out.len() < MAX_LIST {
            match seq.next_element_seed(self.0)? {
                Some(v) => out.push(v),
                None => return Ok(out),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(out)
    }
}

/// A CycloneDX organizational entity (`supplier`, `manufacturer`, `provider`): its name and URLs.
#[derive(Clone, Copy)]
pub(super) struct Entity;

#[derive(Debug, Default)]
pub(super) struct EntityValue {
    pub name: Option<String>,
    pub urls: Vec<String>,
}

impl<'de> DeserializeSeed<'de> for Entity {
    type Value = EntityValue;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Entity {
    type Value = EntityValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an organizational entity object (name, url)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        const KEYS: &[&str] = &["name", "url"];
        let mut out = EntityValue::default();
        while let Some(k) = map.next_key_seed(KeySeed(KEYS))? {
            match k {
                Some(0) => out.name = map.next_value_seed(Scalar)?,
                Some(1) => out.urls = map.next_value_seed(List(Scalar))?.into_iter().flatten().collect(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// One entry of a CycloneDX `licenses` list: `{"license": {"id" | "name"}}` or
/// `{"expression"}`.
#[derive(Clone, Copy)]
pub(super) struct License;

impl<'de> DeserializeSeed<'de> for License {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for License {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a licence object (license or expression)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        const KEYS: &[&str] = &["license", "expression"];
        let mut out = None;
        while let Some(k) = map.next_key_seed(KeySeed(KEYS))? {
            match k {
                Some(0) => {
                    let [id, name] = map.next_value_seed(Fields(&["id", "name"]))?;
                    out = id.or(name).or(out);
                }
                Some(1) => out = map.next_value_seed(Scalar)?.or(out),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de<'a, S: DeserializeSeed<'a>>(seed: S, text: &'a str) -> Result<S::Value, serde_json::Error> {
        let mut d = serde_json::Deserializer::from_str(text);
        seed.deserialize(&mut d)
    }

    #[test]
    fn scalars_are_lenient() {
        assert_eq!(de(Scalar, r#""x""#).expect("str"), Some("x".into()));
        assert_eq!(de(Scalar, "1.5").expect("num"), Some("1.5".into()));
        assert_eq!(de(Scalar, "true").expect("bool"), Some("true".into()));
        assert_eq!(de(Scalar, "null").expect("null"), None);
        assert_eq!(de(Scalar, r#"{"a":[1,2]}"#).expect("obj"), None);
        assert_eq!(de(Scalar, "[1,[2]]").expect("arr"), None);
        let long = format!("\"{}\"", "a".repeat(super::super::MAX_VALUE * 2));
        assert_eq!(de(Scalar, &long).expect("long").map(|s| s.len()), Some(super::super::MAX_VALUE));
    }

    #[test]
    fn lists_keep_their_first_entries() {
        let many = format!("[{}]", vec!["\"u\""; MAX_LIST + 5].join(","));
        assert_eq!(de(List(Scalar), &many).expect("list").len(), MAX_LIST);
        assert!(de(List(Scalar), r#"{"a":1}"#).expect_err("object").to_string().contains("expected an array"));
    }

    #[test]
    fn entities_and_licences() {
        let e =
            de(Entity, r#"{"name":"AO Kaspersky Lab","url":["https://www.kaspersky.com"],"contact":[{"name":"x"}]}"#)
                .expect("entity");
        assert_eq!(e.name.as_deref(), Some("AO Kaspersky Lab"));
        assert_eq!(e.urls, ["https://www.kaspersky.com"]);
        assert_eq!(de(License, r#"{"license":{"id":"MIT","url":"x"}}"#).expect("id"), Some("MIT".into()));
        assert_eq!(de(License, r#"{"license":{"name":"Custom"}}"#).expect("name"), Some("Custom".into()));
        assert_eq!(
            de(License, r#"{"expression":"MIT OR Apache-2.0"}"#).expect("expr"),
            Some("MIT OR Apache-2.0".into())
        );
        let [a, b] = de(Fields(&["alg", "content"]), r#"{"content":"ab","alg":"SHA-256","x":{}}"#).expect("hash");
        assert_eq!((a.as_deref(), b.as_deref()), (Some("SHA-256"), Some("ab")));
    }
}
