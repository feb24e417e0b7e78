//! Configuration values that may arrive as text. An environment variable is
//! always text, so the list and table keys of each adapter's configuration
//! section take either their native form (a TOML array or table in the
//! file) or text: `a, b` or `["a", "b"]` for a list, `{K = "v"}` for a
//! table. Each field says so with `#[serde(deserialize_with = ...)]`, so
//! the conversion follows the field's type and no list of key names is
//! kept anywhere. [`KeyError`] is the error of a section's `check()`: it
//! names the key at fault.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::StringDeserializer;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A configuration key whose value cannot work: `key` in the file's
/// `section.key` form (`launcher.master`, `hdfs.allowed_namenodes[1]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key} {problem}")]
pub struct KeyError {
    pub key: String,
    pub problem: String,
}

impl KeyError {
    pub fn new(key: impl Into<String>, problem: impl Into<String>) -> Self {
        KeyError {
            key: key.into(),
            problem: problem.into(),
        }
    }
}

/// A list: a sequence, or text (`a, b`, or `["a", "b"]` as in TOML).
pub fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_any(ListVisitor(PhantomData))
}

/// [`list`] for an optional list.
pub fn optional_list<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_option(OptionalList(PhantomData))
}

/// A table of texts: a map, or text in TOML's inline form, `{K = "v"}`.
pub fn table<'de, D>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_any(TableVisitor)
}

/// Text in TOML's inline-table form, `{K = "v", "a.b" = 'c'}`, as a table.
pub fn parse_table(text: &str) -> Result<BTreeMap<String, String>, String> {
    Text::new(text.trim()).inline_table()
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list, or text such as `a, b` or `[\"a\", \"b\"]`")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element()? {
            out.push(item);
        }
        Ok(out)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        let trimmed = text.trim();
        let items: Vec<String> = if trimmed.starts_with('[') {
            Text::new(trimmed).array().map_err(E::custom)?
        } else {
            trimmed
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        items
            .into_iter()
            .map(|item| T::deserialize(StringDeserializer::<E>::new(item)))
            .collect()
    }
}

struct OptionalList<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for OptionalList<T> {
    type Value = Option<Vec<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list, or text such as `a, b` or `[\"a\", \"b\"]`")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        list(d).map(Some)
    }
}

struct TableVisitor;

impl<'de> Visitor<'de> for TableVisitor {
    type Value = BTreeMap<String, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of texts, or text such as `{K = \"v\"}`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some((k, v)) = map.next_entry::<String, String>()? {
            out.insert(k, v);
        }
        Ok(out)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        parse_table(text).map_err(E::custom)
    }
}

/// Just enough of TOML for a value written in one environment variable:
/// an array of strings, an inline table of strings.
struct Text<'a> {
    rest: &'a str,
}

impl<'a> Text<'a> {
    fn new(text: &'a str) -> Self {
        Text { rest: text }
    }

    fn skip_blank(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_blank();
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected '{c}' at '{}'", self.rest))
        }
    }

    fn end(&mut self) -> Result<(), String> {
        self.skip_blank();
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(format!("unexpected '{}' after the value", self.rest))
        }
    }

    /// `["a", 'b']`, a trailing comma allowed.
    fn array(mut self) -> Result<Vec<String>, String> {
        self.expect('[')?;
        let mut out = Vec::new();
        while !self.eat(']') {
            out.push(self.string()?);
            if !self.eat(',') {
                self.expect(']')?;
                break;
            }
        }
        self.end()?;
        Ok(out)
    }

    /// `{K = "v", "a.b" = 'c'}`.
    fn inline_table(mut self) -> Result<BTreeMap<String, String>, String> {
        self.expect('{')?;
        let mut out = BTreeMap::new();
        if !self.eat('}') {
            loop {
                let key = self.key()?;
                self.expect('=')?;
                let value = self.string()?;
                if out.insert(key.clone(), value).is_some() {
                    return Err(format!("'{key}' is given twice"));
                }
                if !self.eat(',') {
                    self.expect('}')?;
                    break;
                }
            }
        }
        self.end()?;
        Ok(out)
    }

    fn key(&mut self) -> Result<String, String> {
        self.skip_blank();
        if self.rest.starts_with(['"', '\'']) {
            return self.string();
        }
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return Err(format!("expected a key at '{}'", self.rest));
        }
        let (key, rest) = self.rest.split_at(end);
        self.rest = rest;
        Ok(key.to_string())
    }

    /// A basic string (`"…"`, with escapes) or a literal one (`'…'`).
    fn string(&mut self) -> Result<String, String> {
        self.skip_blank();
        let mut chars = self.rest.char_indices();
        let quote = match chars.next() {
            Some((_, q @ ('"' | '\''))) => q,
            _ => return Err(format!("expected a quoted string at '{}'", self.rest)),
        };
        let mut out = String::new();
        while let Some((i, c)) = chars.next() {
            match c {
                c if c == quote => {
                    self.rest = &self.rest[i + 1..];
                    return Ok(out);
                }
                '\\' if quote == '"' => {
                    let escaped = match chars.next().map(|(_, e)| e) {
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('r') => '\r',
                        Some(u @ ('u' | 'U')) => {
                            let len = if u == 'u' { 4 } else { 8 };
                            let hex: String = chars.by_ref().take(len).map(|(_, h)| h).collect();
                            u32::from_str_radix(&hex, 16)
                                .ok()
                                .filter(|_| hex.len() == len)
                                .and_then(char::from_u32)
                                .ok_or_else(|| format!("'\\{u}{hex}' is not a character"))?
                        }
                        other => {
                            return Err(format!(
                                "'\\{}' is not an escape",
                                other.map(String::from).unwrap_or_default()
                            ))
                        }
                    };
                    out.push(escaped);
                }
                c => out.push(c),
            }
        }
        Err(format!("the string {} has no closing {quote}", self.rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::value::{Error, StrDeserializer};
    use std::path::PathBuf;

    fn text_list<T: for<'de> Deserialize<'de>>(text: &str) -> Result<Vec<T>, Error> {
        list(StrDeserializer::<Error>::new(text))
    }

    #[test]
    fn lists_from_commas_or_a_toml_array() {
        assert_eq!(
            text_list::<String>("urn:a, urn:b,").expect("commas"),
            ["urn:a", "urn:b"]
        );
        assert_eq!(
            text_list::<PathBuf>(r#"["/srv/jars", '/mnt/x' ,]"#).expect("array"),
            [PathBuf::from("/srv/jars"), PathBuf::from("/mnt/x")]
        );
        assert_eq!(text_list::<String>(r#"[""]"#).expect("empty item"), [""]);
        assert_eq!(
            text_list::<String>(r#"["a\"b\u00e9"]"#).expect("escapes"),
            ["a\"bé"]
        );
        assert!(text_list::<String>("[a]").is_err());
        assert!(text_list::<String>(r#"["a" "b"]"#).is_err());
        assert!(text_list::<String>(r#"["a"] x"#).is_err());
        assert!(text_list::<String>("").expect("empty").is_empty());
    }

    #[test]
    fn tables_from_inline_toml() {
        let t = |s: &str| table(StrDeserializer::<Error>::new(s));
        assert_eq!(
            t(r#"{SPARK_LOCAL_IP = "127.0.0.1", "spark.a.b" = 'c=d'}"#).expect("table"),
            BTreeMap::from([
                ("SPARK_LOCAL_IP".to_string(), "127.0.0.1".to_string()),
                ("spark.a.b".to_string(), "c=d".to_string()),
            ])
        );
        assert!(t("{}").expect("empty").is_empty());
        for bad in [
            "A=b",
            "{A = b}",
            "{A = \"b\"",
            "{A = \"b\", A = \"c\"}",
            "{= \"b\"}",
        ] {
            assert!(t(bad).is_err(), "{bad}");
        }
    }
}
