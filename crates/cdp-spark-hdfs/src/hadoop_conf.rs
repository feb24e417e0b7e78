//! The Hadoop client configuration, read the way a CDP gateway host's
//! clients read it: `core-site.xml` then `hdfs-site.xml` from
//! `HADOOP_CONF_DIR` (else `HADOOP_HOME/etc/hadoop`, or the folder the
//! provisioner's configuration names), then the provisioner's overrides.
//!
//! It answers which filesystem an `hdfs://` location is on: one NameNode
//! (`host:port`, or a host alone on Hadoop's default port 8020), an HA name
//! service (`dfs.ha.namenodes.<ns>` and `dfs.namenode.rpc-address.<ns>.<id>`)
//! or, for `hdfs:///path` when `fs.defaultFS` is `viewfs://<cluster>`, a
//! ViewFS mount table (`fs.viewfs.mounttable.<cluster>.link.<path>` and
//! `.linkFallback`). The hdfs-native client gets the same settings.
//!
//! Like Hadoop's `Configuration`: a property marked `<final>true</final>`
//! is not overridden by a later file, and `${other.key}` / `${env.NAME}`
//! in values are expanded. XInclude is not supported (reported).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::{HdfsConfig, HdfsConfigError};

pub const DEFAULT_FS: &str = "fs.defaultFS";
pub const SECURITY_AUTHENTICATION: &str = "hadoop.security.authentication";
/// Hadoop's NameNode RPC port when a URI names a host without one.
pub const DEFAULT_NAMENODE_PORT: u16 = 8020;

const FILES: [&str; 2] = ["core-site.xml", "hdfs-site.xml"];
const MAX_EXPANSION_DEPTH: usize = 20;

/// The merged Hadoop settings and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HadoopConf {
    values: BTreeMap<String, String>,
    conf_dir: Option<PathBuf>,
    /// What named the folder: `hdfs.hadoop_conf_dir`, `HADOOP_CONF_DIR`
    /// or `HADOOP_HOME`.
    conf_dir_from: Option<&'static str>,
}

/// The filesystem an `hdfs://` location is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filesystem {
    /// What the hdfs-native client is built for (and cached under):
    /// `hdfs://host:port`, `hdfs://nameservice` or `viewfs://cluster`.
    pub uri: String,
    pub kind: FilesystemKind,
    /// `host:port` of every NameNode behind it.
    pub namenodes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilesystemKind {
    /// One NameNode at an address.
    NameNode,
    /// An HA name service: the client fails over between its NameNodes.
    NameService { name: String },
    /// A ViewFS mount table.
    ViewFs { cluster: String },
}

impl fmt::Display for Filesystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let namenodes = self.namenodes.join(", ");
        match &self.kind {
            FilesystemKind::NameNode => write!(f, "the NameNode at {namenodes}"),
            FilesystemKind::NameService { name } => {
                write!(f, "name service {name} (NameNodes {namenodes})")
            }
            FilesystemKind::ViewFs { cluster } => {
                write!(f, "ViewFS viewfs://{cluster} (NameNodes {namenodes})")
            }
        }
    }
}

impl HadoopConf {
    /// Load with the process environment (`HADOOP_CONF_DIR`, `HADOOP_HOME`,
    /// and `${env.NAME}` in values).
    pub fn load(config: &HdfsConfig) -> Result<Self, HdfsConfigError> {
        Self::load_with_env(config, |name| std::env::var(name).ok())
    }

    /// Load with `env` standing for the environment.
    pub fn load_with_env(
        config: &HdfsConfig,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, HdfsConfigError> {
        let (conf_dir, conf_dir_from) = find_conf_dir(config, &env)?;
        let mut values = BTreeMap::new();
        if let Some(dir) = &conf_dir {
            let mut finals = BTreeSet::new();
            let mut found = false;
            for name in FILES {
                let path = dir.join(name);
                if !path.exists() {
                    continue;
                }
                found = true;
                for property in read_file(&path)? {
                    if finals.contains(&property.name) {
                        continue;
                    }
                    if property.is_final {
                        finals.insert(property.name.clone());
                    }
                    values.insert(property.name, property.value);
                }
            }
            if !found {
                return Err(HdfsConfigError::hadoop(
                    format!(
                        "folder {} (from {})",
                        dir.display(),
                        conf_dir_from.unwrap_or("")
                    ),
                    "has neither core-site.xml nor hdfs-site.xml; point it at the cluster's \
                     client configuration (on CDP: /etc/hadoop/conf, or download the HDFS \
                     client configuration from Cloudera Manager)",
                ));
            }
        }
        for (key, value) in &config.extra {
            values.insert(key.clone(), value.clone());
        }
        if let Some(fs) = &config.default_fs {
            values.insert(
                DEFAULT_FS.into(),
                fs.trim().trim_end_matches('/').to_string(),
            );
        }
        let values = expand_all(&values, &env);
        Ok(HadoopConf {
            values,
            conf_dir,
            conf_dir_from,
        })
    }

    /// Settings given directly (tests, or a client without files).
    pub fn from_values(values: impl IntoIterator<Item = (String, String)>) -> Self {
        HadoopConf {
            values: values.into_iter().collect(),
            conf_dir: None,
            conf_dir_from: None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// Sets one value (after loading): used to turn Kerberos on when a
    /// principal is configured.
    pub(crate) fn set(&mut self, key: &str, value: &str) {
        self.values.insert(key.into(), value.into());
    }

    /// Every setting, merged and expanded.
    pub fn values(&self) -> &BTreeMap<String, String> {
        &self.values
    }

    /// The folder the XML files were read from, if any.
    pub fn conf_dir(&self) -> Option<&Path> {
        self.conf_dir.as_deref()
    }

    /// Where the settings came from, for messages.
    pub fn source(&self) -> String {
        match (&self.conf_dir, self.conf_dir_from) {
            (Some(dir), Some(from)) => {
                format!("Hadoop configuration in {} ({from})", dir.display())
            }
            (Some(dir), None) => format!("Hadoop configuration in {}", dir.display()),
            _ => {
                "no Hadoop configuration folder (HADOOP_CONF_DIR and HADOOP_HOME are unset)".into()
            }
        }
    }

    /// `fs.defaultFS`, if it is set.
    pub fn default_fs(&self) -> Option<&str> {
        self.get(DEFAULT_FS).filter(|v| !v.trim().is_empty())
    }

    /// Whether `hadoop.security.authentication` asks for Kerberos.
    pub fn kerberos(&self) -> bool {
        self.get(SECURITY_AUTHENTICATION)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("kerberos"))
    }

    /// Every NameNode address the configuration names (normalised, see
    /// [`crate::config::normalise_namenode`]): the values of
    /// `dfs.namenode.rpc-address*` and the NameNodes of the default
    /// filesystem. A location may name these by address.
    pub fn configured_namenodes(&self) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self
            .values
            .iter()
            .filter(|(k, _)| k.starts_with("dfs.namenode.rpc-address"))
            .filter_map(|(_, v)| crate::config::normalise_namenode(v))
            .collect();
        if let Ok(fs) = self.filesystem("") {
            out.extend(
                fs.namenodes
                    .iter()
                    .filter_map(|a| crate::config::normalise_namenode(a)),
            );
        }
        out
    }

    /// Name services: `dfs.nameservices` plus any with `dfs.ha.namenodes.*`.
    pub fn name_services(&self) -> Vec<String> {
        let mut names: BTreeSet<String> = self
            .get("dfs.nameservices")
            .map(split_list)
            .unwrap_or_default()
            .into_iter()
            .collect();
        for key in self.values.keys() {
            if let Some(ns) = key.strip_prefix("dfs.ha.namenodes.") {
                names.insert(ns.to_string());
            }
        }
        names.into_iter().collect()
    }

    /// `(id, host:port)` of each NameNode of an HA name service, in the
    /// configured order; empty if `dfs.ha.namenodes.<ns>` is not set.
    pub fn namenodes(&self, name_service: &str) -> Result<Vec<(String, String)>, String> {
        let Some(ids) = self.get(&format!("dfs.ha.namenodes.{name_service}")) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for id in split_list(ids) {
            let key = format!("dfs.namenode.rpc-address.{name_service}.{id}");
            match self.get(&key).map(str::trim).filter(|v| !v.is_empty()) {
                Some(address) => out.push((id, address.to_string())),
                None => {
                    return Err(format!(
                        "NameNode {id} of name service {name_service} has no address: set {key} \
                         (host:port) in hdfs-site.xml ({})",
                        self.source()
                    ))
                }
            }
        }
        if out.is_empty() {
            return Err(format!(
                "dfs.ha.namenodes.{name_service} lists no NameNode ({})",
                self.source()
            ));
        }
        Ok(out)
    }

    /// The ViewFS mount table of `cluster`: `(Some(path), target)` for each
    /// link, `(None, target)` for the fallback.
    pub fn viewfs_mounts(&self, cluster: &str) -> Vec<(Option<String>, String)> {
        let link = format!("fs.viewfs.mounttable.{cluster}.link.");
        let fallback = format!("fs.viewfs.mounttable.{cluster}.linkFallback");
        self.values
            .iter()
            .filter_map(|(key, target)| {
                if let Some(path) = key.strip_prefix(&link) {
                    Some((Some(path.to_string()), target.clone()))
                } else if *key == fallback {
                    Some((None, target.clone()))
                } else {
                    None
                }
            })
            .collect()
    }

    /// The filesystem of an `hdfs://authority/...` location (an empty
    /// authority is the default filesystem). The error says what is
    /// missing and where to set it.
    pub fn filesystem(&self, authority: &str) -> Result<Filesystem, String> {
        let authority = authority.trim();
        if !authority.is_empty() {
            return self.hdfs_filesystem(authority);
        }
        let Some(default) = self.default_fs() else {
            return Err(format!(
                "hdfs:///… locations name no cluster, and no default filesystem is configured: \
                 set hdfs.default_fs in the provisioner's configuration or fs.defaultFS in \
                 core-site.xml ({}), or write the name service into the location \
                 (hdfs://nameservice1/…)",
                self.source()
            ));
        };
        let (scheme, rest) = default.split_once("://").unwrap_or(("", default));
        let host = rest.split('/').next().unwrap_or("");
        match scheme.to_ascii_lowercase().as_str() {
            "hdfs" if !host.is_empty() => self.hdfs_filesystem(host),
            "viewfs" if !host.is_empty() => self.viewfs_filesystem(host),
            _ => Err(format!(
                "the default filesystem (fs.defaultFS) is {default}, not an hdfs:// or \
                 viewfs:// URI with a host, so hdfs:///… locations cannot be read: set \
                 hdfs.default_fs (e.g. hdfs://nameservice1) or write the name service into \
                 the location ({})",
                self.source()
            )),
        }
    }

    fn hdfs_filesystem(&self, authority: &str) -> Result<Filesystem, String> {
        let (host, port) = split_port(authority)?;
        if port.is_some() {
            return Ok(Filesystem {
                uri: format!("hdfs://{authority}"),
                kind: FilesystemKind::NameNode,
                namenodes: vec![authority.to_string()],
            });
        }
        let namenodes = self.namenodes(host)?;
        if !namenodes.is_empty() {
            return Ok(Filesystem {
                uri: format!("hdfs://{host}"),
                kind: FilesystemKind::NameService { name: host.into() },
                namenodes: namenodes.into_iter().map(|(_, a)| a).collect(),
            });
        }
        // A federated name service without HA: one address.
        if let Some(address) = self
            .get(&format!("dfs.namenode.rpc-address.{host}"))
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            split_port(address).map_err(|e| {
                format!("dfs.namenode.rpc-address.{host} = {address}: {e} (expected host:port)")
            })?;
            return Ok(Filesystem {
                uri: format!("hdfs://{address}"),
                kind: FilesystemKind::NameNode,
                namenodes: vec![address.to_string()],
            });
        }
        if self.name_services().iter().any(|ns| ns == host) {
            return Err(format!(
                "name service {host} is listed in dfs.nameservices but has no NameNodes: set \
                 dfs.ha.namenodes.{host} and dfs.namenode.rpc-address.{host}.<id> in \
                 hdfs-site.xml ({})",
                self.source()
            ));
        }
        // Hadoop reads a host without a port as a NameNode on port 8020.
        let address = format!("{host}:{DEFAULT_NAMENODE_PORT}");
        Ok(Filesystem {
            uri: format!("hdfs://{address}"),
            kind: FilesystemKind::NameNode,
            namenodes: vec![address],
        })
    }

    fn viewfs_filesystem(&self, cluster: &str) -> Result<Filesystem, String> {
        let prefix = format!("fs.viewfs.mounttable.{cluster}.");
        let unsupported: Vec<&String> = self
            .values
            .keys()
            .filter(|k| {
                k.strip_prefix(&prefix).is_some_and(|rest| {
                    !(rest.starts_with("link.") || rest == "linkFallback" || rest == "homedir")
                })
            })
            .collect();
        if let Some(key) = unsupported.first() {
            return Err(format!(
                "{key} is a kind of ViewFS mount the HDFS client of this provisioner does not \
                 support (only link.<path> and linkFallback are); use plain links or name the \
                 name service in the location (hdfs://nameservice1/…)"
            ));
        }
        let mounts = self.viewfs_mounts(cluster);
        if mounts.is_empty() {
            return Err(format!(
                "the default filesystem is viewfs://{cluster}, but there is no mount table for \
                 it: no fs.viewfs.mounttable.{cluster}.link.* in core-site.xml ({})",
                self.source()
            ));
        }
        if !mounts.iter().any(|(path, _)| path.is_none()) {
            return Err(format!(
                "the ViewFS mount table of viewfs://{cluster} has no \
                 fs.viewfs.mounttable.{cluster}.linkFallback; the HDFS client of this \
                 provisioner (hdfs-native) needs one: add a linkFallback to the cluster's main \
                 name service (e.g. hdfs://nameservice1/) ({})",
                self.source()
            ));
        }
        let mut namenodes = BTreeSet::new();
        for (path, target) in &mounts {
            let link = match path {
                Some(p) => format!("fs.viewfs.mounttable.{cluster}.link.{p}"),
                None => format!("fs.viewfs.mounttable.{cluster}.linkFallback"),
            };
            let authority = target
                .strip_prefix("hdfs://")
                .map(|rest| rest.split('/').next().unwrap_or(""))
                .filter(|a| !a.is_empty())
                .ok_or_else(|| {
                    format!(
                        "{link} = {target}: only hdfs://<name service or host>/path targets \
                         are supported"
                    )
                })?;
            let fs = self
                .hdfs_filesystem(authority)
                .map_err(|e| format!("{link} = {target}: {e}"))?;
            namenodes.extend(fs.namenodes);
        }
        Ok(Filesystem {
            uri: format!("viewfs://{cluster}"),
            kind: FilesystemKind::ViewFs {
                cluster: cluster.into(),
            },
            namenodes: namenodes.into_iter().collect(),
        })
    }
}

/// `host` and, if the authority has one, its port.
fn split_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    if authority.contains('@') {
        return Err(format!(
            "'{authority}' has user information; write hdfs://<name service or host[:port]>/path"
        ));
    }
    // [v6]:port
    if let Some(rest) = authority.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else {
            return Err(format!("'{authority}' has an unclosed [ in its address"));
        };
        return match after.strip_prefix(':') {
            Some(port) => parse_port(authority, port).map(|p| (host, Some(p))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(format!("'{authority}' is not host[:port]")),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => {
            parse_port(authority, port).map(|p| (host, Some(p)))
        }
        Some(_) => Err(format!(
            "'{authority}' looks like an IPv6 address: write it in brackets, [addr]:port"
        )),
        None => Ok((authority, None)),
    }
}

fn parse_port(authority: &str, port: &str) -> Result<u16, String> {
    port.parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| format!("'{authority}' has an invalid port '{port}' (1-65535)"))
}

fn split_list(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Where the XML files are: the configured folder, else `HADOOP_CONF_DIR`,
/// else `HADOOP_HOME/etc/hadoop`, else none.
fn find_conf_dir(
    config: &HdfsConfig,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(Option<PathBuf>, Option<&'static str>), HdfsConfigError> {
    let non_empty = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let (dir, from) = if let Some(dir) = &config.hadoop_conf_dir {
        (dir.clone(), "hdfs.hadoop_conf_dir")
    } else if let Some(dir) = non_empty("HADOOP_CONF_DIR") {
        (PathBuf::from(dir), "HADOOP_CONF_DIR")
    } else if let Some(home) = non_empty("HADOOP_HOME") {
        (Path::new(&home).join("etc").join("hadoop"), "HADOOP_HOME")
    } else {
        return Ok((None, None));
    };
    if !dir.is_dir() {
        let problem = if dir.exists() {
            "is not a folder"
        } else {
            "does not exist"
        };
        return Err(HdfsConfigError::hadoop(
            format!("folder {} (from {from})", dir.display()),
            format!(
                "{problem}; set {from} to the folder with the cluster's core-site.xml and \
                 hdfs-site.xml"
            ),
        ));
    }
    Ok((Some(dir), Some(from)))
}

struct Property {
    name: String,
    value: String,
    is_final: bool,
}

fn read_file(path: &Path) -> Result<Vec<Property>, HdfsConfigError> {
    let what = || path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        HdfsConfigError::hadoop(
            what(),
            format!("cannot be read ({e}); make it readable by the provisioner's user"),
        )
    })?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(&text, options)
        .map_err(|e| HdfsConfigError::hadoop(what(), format!("is not well-formed XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "configuration" {
        return Err(HdfsConfigError::hadoop(
            what(),
            format!(
                "has <{}> as its root element; a Hadoop configuration file has <configuration>",
                root.tag_name().name()
            ),
        ));
    }
    let mut properties = Vec::new();
    for node in root.children().filter(roxmltree::Node::is_element) {
        match node.tag_name().name() {
            "property" => {}
            "include" => {
                return Err(HdfsConfigError::hadoop(
                    what(),
                    "uses XInclude, which this provisioner does not read; copy the included \
                     properties into the file",
                ))
            }
            _ => continue,
        }
        let child_text = |name: &str| {
            node.children()
                .find(|c| c.is_element() && c.tag_name().name() == name)
                .map(|c| c.text().unwrap_or("").trim().to_string())
        };
        let Some(name) = child_text("name").filter(|n| !n.is_empty()) else {
            let line = doc.text_pos_at(node.range().start).row;
            return Err(HdfsConfigError::hadoop(
                what(),
                format!("the <property> at line {line} has no <name>"),
            ));
        };
        let value = child_text("value").unwrap_or_default();
        let is_final = child_text("final").is_some_and(|f| f.eq_ignore_ascii_case("true"));
        properties.push(Property {
            name,
            value,
            is_final,
        });
    }
    Ok(properties)
}

/// Expands `${key}` (another setting) and `${env.NAME}` in every value;
/// what cannot be expanded is left as written, as Hadoop does.
fn expand_all(
    values: &BTreeMap<String, String>,
    env: &impl Fn(&str) -> Option<String>,
) -> BTreeMap<String, String> {
    values
        .iter()
        .map(|(k, v)| (k.clone(), expand(v, values, env, 0)))
        .collect()
}

fn expand(
    value: &str,
    values: &BTreeMap<String, String>,
    env: &impl Fn(&str) -> Option<String>,
    depth: usize,
) -> String {
    if depth >= MAX_EXPANSION_DEPTH || !value.contains("${") {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        let replacement = match name.strip_prefix("env.") {
            Some(var) => env(var),
            None => values.get(name).map(|v| expand(v, values, env, depth + 1)),
        };
        match replacement {
            Some(r) => out.push_str(&r),
            None => out.push_str(&rest[start..start + 2 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(pairs: &[(&str, &str)]) -> HadoopConf {
        HadoopConf::from_values(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn authorities_with_ports_are_single_namenodes() {
        let c = conf(&[]);
        let fs = c.filesystem("nn1.example.com:8020").expect("valid");
        assert_eq!(fs.uri, "hdfs://nn1.example.com:8020");
        assert_eq!(fs.kind, FilesystemKind::NameNode);
        let fs = c.filesystem("[::1]:9000").expect("valid");
        assert_eq!(fs.namenodes, vec!["[::1]:9000"]);
        // A host without a port is on 8020, as in Hadoop.
        assert_eq!(
            c.filesystem("namenode").expect("valid").uri,
            "hdfs://namenode:8020"
        );
        for bad in ["nn:0", "nn:http", "user@nn:8020", "::1:9000", "[::1"] {
            assert!(c.filesystem(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn expansion_follows_keys_and_env_and_leaves_the_rest() {
        let values: BTreeMap<String, String> = [
            ("a", "x-${b}-${env.HOME_X}-${missing}-${env.NOPE}"),
            ("b", "${c}"),
            ("c", "deep"),
            ("loop", "${loop}"),
            ("open", "${unterminated"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let env = |name: &str| (name == "HOME_X").then(|| "/home/x".to_string());
        let out = expand_all(&values, &env);
        assert_eq!(out["a"], "x-deep-/home/x-${missing}-${env.NOPE}");
        assert_eq!(out["loop"], "${loop}");
        assert_eq!(out["open"], "${unterminated");
    }

    #[test]
    fn filesystem_display_names_the_namenodes() {
        let fs = Filesystem {
            uri: "hdfs://ns1".into(),
            kind: FilesystemKind::NameService { name: "ns1".into() },
            namenodes: vec!["a:8020".into(), "b:8020".into()],
        };
        assert_eq!(
            fs.to_string(),
            "name service ns1 (NameNodes a:8020, b:8020)"
        );
    }
}
