//! `cargo xtask helm-docs`: renders `helm/README.md` from the chart, in the
//! style of helm-docs: `helm/README.md.tmpl` with its placeholders filled,
//! `{{ version }}` from `helm/Chart.yaml` and `{{ values }}` the table of
//! `helm/values.yaml` (key, type, default, description).
//!
//! A key's description is the `# -- text` comment right above it (and the
//! `#` lines that follow that one); `# -- (type) text` names the type and
//! `# @default -- text` replaces the default shown. Listed: every
//! documented key, and every undocumented leaf (a scalar, a list or an
//! empty map) that no documented key holds; sorted by key. The defaults are
//! the values as JSON, read by a real YAML parser; the comments and the
//! keys' paths are read line by line, so `values.yaml` keeps to block
//! mappings indented by spaces (lists and block scalars may be anywhere
//! below a key).

use std::collections::BTreeMap;

use serde_json::Value;

/// The files, relative to the workspace root.
pub const VALUES: &str = "helm/values.yaml";
pub const CHART: &str = "helm/Chart.yaml";
pub const TEMPLATE: &str = "helm/README.md.tmpl";
pub const README: &str = "helm/README.md";

/// One key of `values.yaml` as its comments document it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Doc {
    description: String,
    type_name: Option<String>,
    default: Option<String>,
}

/// The README: the template with its placeholders filled.
pub fn render(template: &str, chart_yaml: &str, values_yaml: &str) -> Result<String, String> {
    let chart: Value = serde_saphyr::from_str(chart_yaml).map_err(|e| format!("{CHART}: {e}"))?;
    let field = |k: &str| chart[k].as_str().map(str::to_string).unwrap_or_default();
    let version = format!(
        "Version: `{}` · Type: `{}` · AppVersion: `{}`",
        field("version"),
        field("type"),
        field("appVersion")
    );
    let table = values_table(values_yaml)?;
    for placeholder in ["{{ version }}", "{{ values }}"] {
        if !template.contains(placeholder) {
            return Err(format!(
                "{TEMPLATE}: the placeholder {placeholder} is missing"
            ));
        }
    }
    Ok(template
        .replace("{{ version }}", &version)
        .replace("{{ values }}", &table))
}

/// The Markdown table of the values.
pub fn values_table(values_yaml: &str) -> Result<String, String> {
    let values: Value =
        serde_saphyr::from_str(values_yaml).map_err(|e| format!("{VALUES}: {e}"))?;
    let docs = documented_keys(values_yaml)?;
    let mut rows = BTreeMap::new();
    collect(&values, "", false, &docs, &mut rows)?;
    let mut out = String::from(
        "| Key | Type | Default | Description |\n|-----|------|---------|-------------|\n",
    );
    for (key, (type_name, default, description)) in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&key),
            type_name,
            cell(&default),
            cell(&description)
        ));
    }
    Ok(out)
}

/// The table's rows under `value` at `path`.
fn collect(
    value: &Value,
    path: &str,
    documented_above: bool,
    docs: &BTreeMap<String, Doc>,
    rows: &mut BTreeMap<String, (String, String, String)>,
) -> Result<(), String> {
    let doc = docs.get(path);
    let is_leaf = !matches!(value, Value::Object(m) if !m.is_empty());
    if !path.is_empty() && (doc.is_some() || (is_leaf && !documented_above)) {
        let doc = doc.cloned().unwrap_or_default();
        let default = match doc.default {
            Some(d) => d,
            None => format!("`{}`", json(value)),
        };
        let type_name = doc.type_name.unwrap_or_else(|| type_of(value).to_string());
        rows.insert(path.to_string(), (type_name, default, doc.description));
    }
    if let Value::Object(map) = value {
        for (k, v) in map {
            let child = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            collect(v, &child, documented_above || doc.is_some(), docs, rows)?;
        }
    }
    Ok(())
}

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null | Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// JSON with the keys of every object sorted (as Go's encoder writes maps).
fn json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, String> = map.iter().map(|(k, v)| (k, json(v))).collect();
            let fields: Vec<String> = sorted
                .into_iter()
                .map(|(k, v)| format!("{}:{v}", Value::String(k.clone())))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            format!("[{}]", items.iter().map(json).collect::<Vec<_>>().join(","))
        }
        other => other.to_string(),
    }
}

/// A table cell: one line, `|` escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The `# --` comments of `values.yaml`, by the dotted path of the key they
/// stand above.
fn documented_keys(values_yaml: &str) -> Result<BTreeMap<String, Doc>, String> {
    let mut docs = BTreeMap::new();
    // The keys that hold the current line: (indentation, key).
    let mut parents: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<Doc> = None;
    // Inside a list or a block scalar: lines more indented than this are skipped.
    let mut skip_deeper_than: Option<usize> = None;
    for (n, line) in values_yaml.lines().enumerate() {
        let at = || format!("{VALUES}:{}", n + 1);
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.is_empty() {
            pending = None;
            continue;
        }
        if let Some(limit) = skip_deeper_than {
            if indent > limit || (indent == limit && trimmed.starts_with("- ")) {
                continue;
            }
            skip_deeper_than = None;
        }
        if line.starts_with('\t') {
            return Err(format!("{}: indent with spaces", at()));
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            let comment = comment.strip_prefix(' ').unwrap_or(comment);
            if let Some(text) = comment.strip_prefix("-- ") {
                let (type_name, text) =
                    match text.strip_prefix('(').and_then(|t| t.split_once(") ")) {
                        Some((t, rest)) => (Some(t.to_string()), rest),
                        None => (None, text),
                    };
                pending = Some(Doc {
                    description: text.trim().to_string(),
                    type_name,
                    default: None,
                });
            } else if let Some(text) = comment.strip_prefix("@default -- ") {
                if let Some(doc) = pending.as_mut() {
                    doc.default = Some(text.trim().to_string());
                }
            } else if let Some(doc) = pending.as_mut() {
                if doc.default.is_none() && !comment.trim().is_empty() {
                    doc.description.push(' ');
                    doc.description.push_str(comment.trim());
                }
            }
            continue;
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            return Err(format!("{}: a list item outside a key's list", at()));
        }
        let Some((key, rest)) = trimmed.split_once(':') else {
            return Err(format!("{}: not `key: value`", at()));
        };
        let key = key.trim().trim_matches('"').to_string();
        while parents.last().is_some_and(|(i, _)| *i >= indent) {
            parents.pop();
        }
        let path = parents
            .iter()
            .map(|(_, k)| k.as_str())
            .chain([key.as_str()])
            .collect::<Vec<_>>()
            .join(".");
        if let Some(doc) = pending.take() {
            docs.insert(path, doc);
        }
        let rest = rest.trim();
        if rest.is_empty() {
            // A map (its keys follow, more indented) or a list (its items follow).
            parents.push((indent, key));
            skip_deeper_than = None;
            if next_is_list_item(values_yaml, n) {
                parents.pop();
                skip_deeper_than = Some(indent);
            }
        } else if rest.starts_with('|') || rest.starts_with('>') {
            skip_deeper_than = Some(indent);
        }
    }
    Ok(docs)
}

/// Whether the first line with content after line `n` is a list item.
fn next_is_list_item(text: &str, n: usize) -> bool {
    text.lines()
        .skip(n + 1)
        .map(str::trim_start)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.starts_with("- ") || l == "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUES_SAMPLE: &str = "\
# -- The name.
name: \"\"
image:
  # -- Where from.
  # Continued.
  registry: reg.example.com
  tag: 1
probe:
  httpGet:
    path: /ready
# -- (string) The file.
# @default -- the chart's
config: |
  [server]
  x: 1
# -- A documented map.
ctx:
  runAsUser: 10001
  drop:
    - ALL
list:
  - a: 1
    b: 2
after: true
";

    #[test]
    fn documents_keys_leaves_and_overrides() {
        let table = values_table(VALUES_SAMPLE).unwrap();
        let rows: Vec<&str> = table.lines().skip(2).collect();
        assert_eq!(
            rows,
            [
                "| after | bool | `true` |  |",
                "| config | string | the chart's | The file. |",
                "| ctx | object | `{\"drop\":[\"ALL\"],\"runAsUser\":10001}` | A documented map. |",
                "| image.registry | string | `\"reg.example.com\"` | Where from. Continued. |",
                "| image.tag | int | `1` |  |",
                "| list | list | `[{\"a\":1,\"b\":2}]` |  |",
                "| name | string | `\"\"` | The name. |",
                "| probe.httpGet.path | string | `\"/ready\"` |  |",
            ]
        );
    }

    #[test]
    fn a_blank_line_ends_a_comment_and_pipes_are_escaped() {
        let table = values_table("# -- Lost.\n\na: \"x|y\"\n").unwrap();
        assert!(table.contains("| a | string | `\"x\\|y\"` |  |"), "{table}");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(values_table("a:\n\tb: 1\n").is_err());
        assert!(render("no placeholders", "version: 1", "a: 1").is_err());
    }

    #[test]
    fn fills_the_template() {
        let out = render(
            "# c\n{{ version }}\n\n{{ values }}",
            "version: 0.1.0\ntype: application\nappVersion: \"0.0.0\"\n",
            "# -- A.\na: 1\n",
        )
        .unwrap();
        assert!(
            out.starts_with("# c\nVersion: `0.1.0` · Type: `application` · AppVersion: `0.0.0`\n")
        );
        assert!(out.ends_with("| a | int | `1` | A. |\n"), "{out}");
    }
}
