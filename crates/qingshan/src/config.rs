//! Configuration: defaults, then the file, then environment variables, then flags.
//!
//! Each crate owns its section's struct (`ingest::IngestConfig`,
//! `web::WebConfig`); this module composes them. An environment variable
//! `QINGSHAN_<SECTION>__<KEY>` overrides `[section] key` (`QINGSHAN_A__B__C` for
//! `[a.b] c`), its value read as a
//! TOML value (so numbers and booleans work) or else as a string.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

/// Settings of the store, `[store]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct StoreConfig {
    /// Where data lives: `sqlite://PATH` (the embedded default) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (several processes, one database).
    pub(crate) url: String,
    /// Settings of the embedded SQLite store, `[store.sqlite]`.
    pub(crate) sqlite: store::SqliteOptions,
    /// Settings of the PostgreSQL store, `[store.postgres]`.
    pub(crate) postgres: store::PgOptions,
}

/// The backend a `[store] url` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreUrl {
    /// `sqlite://PATH`.
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`, passed to the driver as it is.
    Postgres(String),
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            url: "sqlite://qingshan-data/qingshan.sqlite".to_owned(),
            sqlite: store::SqliteOptions::default(),
            postgres: store::PgOptions::default(),
        }
    }
}

impl StoreConfig {
    /// The backend the URL names.
    pub(crate) fn backend(&self) -> anyhow::Result<StoreUrl> {
        parse_store_url(&self.url)
    }
}

/// Parses a store URL: `sqlite://PATH`, `postgres://…` or `postgresql://…`.
pub(crate) fn parse_store_url(url: &str) -> anyhow::Result<StoreUrl> {
    if let Some(path) = url.strip_prefix("sqlite://").filter(|path| !path.is_empty()) {
        return Ok(StoreUrl::Sqlite(PathBuf::from(path)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(StoreUrl::Postgres(url.to_owned()));
    }
    bail!("store url {url:?}: expected sqlite://PATH or postgres://USER@HOST:PORT/DATABASE")
}

/// Settings of logging, `[log]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct LogConfig {
    /// A `tracing` filter, e.g. `info` or `ingest=debug,info`.
    pub(crate) filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { filter: "info".to_owned() }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Config {
    /// `[store]`.
    pub(crate) store: StoreConfig,
    /// `[ingest]`.
    pub(crate) ingest: ingest::IngestConfig,
    /// `[web]`.
    pub(crate) web: web::WebConfig,
    /// `[evaluation]`.
    pub(crate) evaluation: evaluation::EvaluationConfig,
    /// `[registry]`.
    pub(crate) registry: registry::RegistryConfig,
    /// `[alarms]`.
    pub(crate) alarms: alarms::AlarmsConfig,
    /// `[log]`.
    pub(crate) log: LogConfig,
    /// `[plan]`.
    pub(crate) plan: plan::PlanConfig,
}

impl Config {
    /// Loads defaults, then `file` if given, then `QINGSHAN_*` variables from `environment`.
    pub(crate) fn load(
        file: Option<&Path>,
        environment: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Config> {
        let mut layered = toml::Value::try_from(Config::default())
            .context("cannot serialise the default configuration")?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read configuration file {}", path.display()))?;
            let from_file: toml::Value = toml::from_str(&text)
                .with_context(|| format!("{} is not valid TOML", path.display()))?;
            merge(&mut layered, from_file);
        }
        for (name, value) in environment {
            let Some(rest) = name.strip_prefix("QINGSHAN_") else { continue };
            let path: Vec<String> = rest.split("__").map(str::to_lowercase).collect();
            if path.len() < 2 || path.iter().any(String::is_empty) {
                continue;
            }
            let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
                .ok()
                .and_then(|mut table| table.remove("v"))
                .unwrap_or(toml::Value::String(value.clone()));
            // QINGSHAN_STORE__SQLITE__N_READERS → [store.sqlite] n_readers.
            let mut nested = parsed;
            for key in path.iter().rev() {
                let mut table = toml::Table::new();
                table.insert(key.clone(), nested);
                nested = toml::Value::Table(table);
            }
            let toml::Value::Table(table) = nested else { continue };
            merge(&mut layered, toml::Value::Table(table));
        }
        let config: Config = layered.try_into().context("invalid configuration")?;
        config
            .alarms
            .validate()
            .map_err(|error| anyhow::anyhow!("invalid configuration: {error}"))?;
        Ok(config)
    }
}

fn merge(base: &mut toml::Value, overlay: toml::Value) {
    match (base, overlay) {
        (toml::Value::Table(base), toml::Value::Table(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_loads_and_equals_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/qingshan.example.toml");
        let loaded = Config::load(Some(&path), []).unwrap();
        assert_eq!(loaded, Config::default());
    }

    #[test]
    fn environment_overrides_the_file_and_unknown_keys_are_refused() {
        let env = [
            ("QINGSHAN_INGEST__IDLE_TIMEOUT_SECS".to_owned(), "7".to_owned()),
            ("QINGSHAN_STORE__URL".to_owned(), "sqlite:///tmp/x.sqlite".to_owned()),
            ("QINGSHAN_STORE__SQLITE__N_READERS".to_owned(), "2".to_owned()),
        ];
        let loaded = Config::load(None, env).unwrap();
        assert_eq!(loaded.ingest.idle_timeout_secs, 7);
        assert_eq!(
            loaded.store.backend().unwrap(),
            StoreUrl::Sqlite(PathBuf::from("/tmp/x.sqlite"))
        );
        assert_eq!(loaded.store.sqlite.n_readers, 2);
        let postgres = [
            ("QINGSHAN_STORE__URL".to_owned(), "postgres://qs@db:5432/qingshan".to_owned()),
            ("QINGSHAN_STORE__POSTGRES__REALTIME_RETENTION_DAYS".to_owned(), "90".to_owned()),
        ];
        let loaded = Config::load(None, postgres).unwrap();
        assert_eq!(
            loaded.store.backend().unwrap(),
            StoreUrl::Postgres("postgres://qs@db:5432/qingshan".to_owned())
        );
        assert_eq!(loaded.store.postgres.realtime_retention_days, 90);
        assert!(parse_store_url("mysql://x").is_err());
        let bad = [("QINGSHAN_INGEST__NO_SUCH_KEY".to_owned(), "1".to_owned())];
        assert!(Config::load(None, bad).is_err());
    }

    #[test]
    fn alarm_channels_and_kinds_are_validated() {
        let dir = tempfile::tempdir().unwrap();
        let write = |text: &str| {
            let path = dir.path().join("c.toml");
            std::fs::write(&path, text).unwrap();
            path
        };
        let ok = write(
            "[alarms.by_kind.wastewater]\noffline_after_mins = 60\n[[alarms.channels]]\nname = \"wecom\"\nkind = \"wecom\"\nurl = \"http://relay.local:8080/cgi-bin/webhook/send?key=k\"\n",
        );
        let loaded = Config::load(Some(&ok), []).unwrap();
        let wastewater = loaded.alarms.rules_for(store::PointKind::Wastewater);
        assert_eq!(wastewater.offline_after_mins, 60);
        assert_eq!(wastewater.constant_min_mins, 120, "other keys keep their defaults");
        assert_eq!(loaded.alarms.rules_for(store::PointKind::FlueGas).offline_after_mins, 30);
        assert_eq!(
            loaded.alarms.rules_for(store::PointKind::SurfaceWater).expected_hours_per_day,
            6
        );
        let https = write(
            "[[alarms.channels]]\nname = \"x\"\nkind = \"generic\"\nurl = \"https://example.org/\"\n",
        );
        assert_eq!(
            Config::load(Some(&https), []).unwrap().alarms.channels[0].url,
            "https://example.org/"
        );
        let ftp = write(
            "[[alarms.channels]]\nname = \"x\"\nkind = \"generic\"\nurl = \"ftp://example.org/\"\n",
        );
        let error = format!("{:#}", Config::load(Some(&ftp), []).unwrap_err());
        assert!(error.contains("only http:// and https://"), "{error}");
        let unknown_channel = write(
            "[[alarms.escalation]]\nafter_mins = 30\nassign_to = \"deputy\"\nchannels = [\"nobody\"]\n",
        );
        let error = format!("{:#}", Config::load(Some(&unknown_channel), []).unwrap_err());
        assert!(error.contains("\"nobody\" is not in [[alarms.channels]]"), "{error}");
        let bad_target =
            write("[[alarms.escalation]]\nafter_mins = 30\nassign_to = \"role:boss\"\n");
        assert!(
            format!("{:#}", Config::load(Some(&bad_target), []).unwrap_err()).contains("role:boss")
        );
        let kind = write("[alarms.by_kind.volcano]\n");
        assert!(format!("{:#}", Config::load(Some(&kind), []).unwrap_err()).contains("volcano"));
    }
}
