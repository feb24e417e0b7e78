//! The environment variables `CDP_SPARK_PROVISIONER__SECTION__KEY` as a
//! figment provider. Every value stays the text it is: the field it lands
//! in converts it by its type (numbers and booleans read from text by
//! figment's lossy extraction, lists and tables by the field's
//! `cdp_spark_domain::config_text` helper), so no list of key names is
//! kept here and a token such as `12345` stays text. One exception keeps
//! the file's tables open to additions: where the layers below hold a table
//! (`launcher.spark_conf`, as every table field's default is one), text in
//! the inline form `{K = "v"}` becomes a table, so that figment merges its
//! entries into the file's instead of replacing them.

use cdp_spark_domain::config_text::parse_table;
use figment::value::{Dict, Map, Value};
use figment::{Error, Figment, Metadata, Profile, Provider};

use super::{env_var_name, ConfigError, ENV_PREFIX};

/// The name errors give this source: "(from the environment)".
pub(super) const SOURCE: &str = "the environment";

/// Our variables, as `{section: {key: text}}`.
pub(super) struct EnvVars(Dict);

impl EnvVars {
    /// The variables with our prefix; any other is ignored. `below` is the
    /// configuration they go over.
    pub(super) fn read(
        vars: impl IntoIterator<Item = (String, String)>,
        below: &Figment,
    ) -> Result<Self, ConfigError> {
        let mut sections = Dict::new();
        for (name, value) in vars {
            let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let parts: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
            let [section, key] = parts.as_slice() else {
                return Err(ConfigError {
                    key: None,
                    message: format!(
                        "environment variable {name} is not {ENV_PREFIX}SECTION__KEY (e.g. {ENV_PREFIX}SERVER__BIND)"
                    ),
                });
            };
            let valid =
                |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid(section) || !valid(key) {
                return Err(ConfigError {
                    key: None,
                    message: format!("environment variable {name}: section and key may hold only letters, digits and _"),
                });
            }
            let table = sections
                .entry(section.clone())
                .or_insert_with(|| Value::from(Dict::new()));
            let is_table = matches!(
                below.find_value(&format!("{section}.{key}")),
                Ok(Value::Dict(..))
            );
            let value = match parse_table(&value) {
                Ok(entries) if is_table => Value::from(entries),
                _ => Value::from(value),
            };
            if let Value::Dict(_, keys) = table {
                keys.insert(key.clone(), value);
            }
        }
        Ok(EnvVars(sections))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Provider for EnvVars {
    fn metadata(&self) -> Metadata {
        Metadata::named(SOURCE)
            .interpolater(|_: &Profile, keys: &[&str]| env_var_name(&keys.join(".")))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        Ok(Map::from([(Profile::Default, self.0.clone())]))
    }
}
