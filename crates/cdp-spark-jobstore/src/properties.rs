//! `java.util.Properties` text, as Quartz's `StdJDBCDelegate` writes and
//! reads `JOB_DATA` with `useProperties=true`: ISO-8859-1 bytes, one
//! `key=value` a line, characters outside printable ASCII as `\uXXXX`
//! (UTF-16 code units), `\t \n \r \f` and `= : # !` escaped with `\`.
//!
//! [`encode`] writes pure ASCII (so the bytes are the same in ISO-8859-1
//! and UTF-8); [`decode`] reads anything `Properties.load(InputStream)`
//! reads: comments, blank lines, `=`/`:`/whitespace separators, line
//! continuations and every escape.

use std::collections::BTreeMap;

/// Why bytes are not `Properties` text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PropertiesError {
    #[error("malformed \\uXXXX escape at line {line}")]
    BadUnicodeEscape { line: usize },
    #[error("unpaired UTF-16 surrogate \\u{unit:04X} at line {line}")]
    UnpairedSurrogate { line: usize, unit: u16 },
}

/// The `Properties` text of `map`, keys in order.
pub fn encode(map: &BTreeMap<String, String>) -> Vec<u8> {
    let mut out = String::new();
    for (key, value) in map {
        escape_into(&mut out, key, true);
        out.push('=');
        escape_into(&mut out, value, false);
        out.push('\n');
    }
    out.into_bytes()
}

fn escape_into(out: &mut String, text: &str, is_key: bool) {
    let mut units = [0u16; 2];
    for (i, c) in text.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            ' ' if is_key || i == 0 => out.push_str("\\ "),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '=' | ':' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => {
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
        }
    }
}

/// The entries of `Properties` text; a key given twice keeps its last value.
pub fn decode(bytes: &[u8]) -> Result<BTreeMap<String, String>, PropertiesError> {
    // ISO-8859-1: every byte is the character of the same code.
    let chars: Vec<char> = bytes.iter().map(|&b| char::from(b)).collect();
    let mut map = BTreeMap::new();
    for (line_no, line) in logical_lines(&chars) {
        let (key, value) = split_entry(&line);
        let key = unescape(key, line_no)?;
        let value = unescape(value, line_no)?;
        map.insert(key, value);
    }
    Ok(map)
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

/// Natural lines joined across continuations, without comments and blank
/// lines; each with its 1-based starting line number. Escapes are kept.
fn logical_lines(chars: &[char]) -> Vec<(usize, Vec<char>)> {
    let mut lines = Vec::new();
    let mut i = 0;
    let mut line_no = 1;
    while i < chars.len() {
        // Start of a natural line: skip leading whitespace.
        while i < chars.len() && is_blank(chars[i]) {
            i += 1;
        }
        let start_line = line_no;
        if i < chars.len() && (chars[i] == '#' || chars[i] == '!') {
            while i < chars.len() && chars[i] != '\n' && chars[i] != '\r' {
                i += 1;
            }
            i = skip_terminator(chars, i, &mut line_no);
            continue;
        }
        let mut current = Vec::new();
        loop {
            // Read up to the end of this natural line.
            let mut backslashes = 0usize;
            while i < chars.len() && chars[i] != '\n' && chars[i] != '\r' {
                if chars[i] == '\\' {
                    backslashes += 1;
                } else {
                    backslashes = 0;
                }
                current.push(chars[i]);
                i += 1;
            }
            let continued = backslashes % 2 == 1 && i < chars.len();
            i = skip_terminator(chars, i, &mut line_no);
            if continued {
                current.pop();
                while i < chars.len() && is_blank(chars[i]) {
                    i += 1;
                }
                continue;
            }
            if backslashes % 2 == 1 {
                // A lone trailing backslash at the end of input is dropped.
                current.pop();
            }
            break;
        }
        if !current.is_empty() {
            lines.push((start_line, current));
        }
    }
    lines
}

fn skip_terminator(chars: &[char], mut i: usize, line_no: &mut usize) -> usize {
    if i < chars.len() {
        if chars[i] == '\r' && i + 1 < chars.len() && chars[i + 1] == '\n' {
            i += 1;
        }
        i += 1;
        *line_no += 1;
    }
    i
}

/// Key and value (both still escaped) of one logical line.
fn split_entry(line: &[char]) -> (&[char], &[char]) {
    let mut key_end = line.len();
    let mut escaped = false;
    let mut separator_is_blank = false;
    for (i, &c) in line.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' {
            escaped = true;
        } else if c == '=' || c == ':' {
            key_end = i;
            break;
        } else if is_blank(c) {
            key_end = i;
            separator_is_blank = true;
            break;
        }
    }
    let key = &line[..key_end];
    let mut v = key_end.min(line.len());
    if v < line.len() {
        // Skip the separator itself.
        v += 1;
    }
    while v < line.len() && is_blank(line[v]) {
        v += 1;
    }
    if separator_is_blank && v < line.len() && (line[v] == '=' || line[v] == ':') {
        v += 1;
        while v < line.len() && is_blank(line[v]) {
            v += 1;
        }
    }
    (key, &line[v..])
}

fn unescape(text: &[char], line: usize) -> Result<String, PropertiesError> {
    let mut units: Vec<u16> = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        i += 1;
        if c != '\\' {
            units.push(c as u16);
            continue;
        }
        let Some(&next) = text.get(i) else {
            break;
        };
        i += 1;
        match next {
            'u' => {
                let hex: String = text
                    .get(i..i + 4)
                    .map(|s| s.iter().collect())
                    .unwrap_or_default();
                let unit = (hex.len() == 4)
                    .then(|| u16::from_str_radix(&hex, 16).ok())
                    .flatten()
                    .ok_or(PropertiesError::BadUnicodeEscape { line })?;
                units.push(unit);
                i += 4;
            }
            't' => units.push(u16::from(b'\t')),
            'n' => units.push(u16::from(b'\n')),
            'r' => units.push(u16::from(b'\r')),
            'f' => units.push(0x0c),
            other => units.push(other as u16),
        }
    }
    let mut out = String::with_capacity(units.len());
    for decoded in char::decode_utf16(units.iter().copied()) {
        match decoded {
            Ok(c) => out.push(c),
            Err(e) => {
                return Err(PropertiesError::UnpairedSurrogate {
                    line,
                    unit: e.unpaired_surrogate(),
                })
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn encodes_like_java_properties_store() {
        let m = map(&[
            ("a key", " lead space, inner space"),
            ("conf", "{\"spark.x\":\"a=b#c!d\"}"),
            ("text", "tab\there\nnew line\r\u{c}back\\slash"),
            ("uni", "città €💡"),
        ]);
        let text = String::from_utf8(encode(&m)).expect("ascii");
        assert!(text.is_ascii());
        assert_eq!(
            text,
            "a\\ key=\\ lead space, inner space\n\
             conf={\"spark.x\"\\:\"a\\=b\\#c\\!d\"}\n\
             text=tab\\there\\nnew line\\r\\fback\\\\slash\n\
             uni=citt\\u00E0 \\u20AC\\uD83D\\uDCA1\n"
        );
        assert_eq!(decode(text.as_bytes()).expect("decode"), m);
    }

    #[test]
    fn decodes_what_properties_load_accepts() {
        let text = b"#Thu Jan 01 00:00:00 UTC 2030\n\
            ! another comment\n\
            \n\
            \x20\x20spaced   =   value with trailing  \n\
            colon:v1\n\
            blank sep\n\
            blankeq  =  x\n\
            multi = first \\\n\
            \x20\x20\x20 second\\\\\n\
            crlf=1\r\nlatin=caf\xe9\n\
            emptykey\n\
            dup=1\ndup=2";
        let m = decode(text).expect("decode");
        assert_eq!(
            m,
            map(&[
                ("spaced", "value with trailing  "),
                ("colon", "v1"),
                ("blank", "sep"),
                ("blankeq", "x"),
                ("multi", "first second\\"),
                ("crlf", "1"),
                ("latin", "café"),
                ("emptykey", ""),
                ("dup", "2"),
            ])
        );
    }

    #[test]
    fn bad_escapes_are_errors_not_panics() {
        assert_eq!(
            decode(b"a=\\u12"),
            Err(PropertiesError::BadUnicodeEscape { line: 1 })
        );
        assert_eq!(
            decode(b"x=1\na=\\uZZZZ"),
            Err(PropertiesError::BadUnicodeEscape { line: 2 })
        );
        assert!(matches!(
            decode(b"a=\\uD83D"),
            Err(PropertiesError::UnpairedSurrogate { unit: 0xD83D, .. })
        ));
    }

    #[test]
    fn round_trips_awkward_strings() {
        let samples = [
            "",
            " ",
            "  x  ",
            "\\",
            "\\\\\n",
            "=",
            "a:b",
            "#!",
            "\u{0}\u{1f}\u{7f}",
            "ÿ",
            "𝄞",
            "tail\\",
        ];
        for (i, s) in samples.iter().enumerate() {
            let m = map(&[(s, s), ("k", s)]);
            let back = decode(&encode(&m)).unwrap_or_else(|e| panic!("{i}: {e}"));
            assert_eq!(back, m, "sample {i} {s:?}");
        }
    }
}
