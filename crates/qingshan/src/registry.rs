//! `qingshan registry …`: import and export registry files, list expiring permits.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;
use model::{Clock, SystemClock};
use registry::{Format, ImportFile};
use store::RegistryKind;

use crate::ConfigArgs;

/// Registry management (一企一档).
#[derive(Debug, Subcommand)]
pub(crate) enum RegistryCommand {
    /// Import registry files (CSV or XLSX, one per kind, named after the kind:
    /// towns, water_bodies, sections, air_stations, noise_points, enterprises,
    /// outlets, permits, limits, devices). All files are validated first; if any
    /// row is bad, every problem is listed and nothing is imported.
    Import {
        #[command(flatten)]
        config: ConfigArgs,
        /// Import the built-in sample registry of the district (fictional, marked 模拟).
        #[arg(long)]
        sample: bool,
        /// Who is importing, recorded in the audit log.
        #[arg(long, default_value = "cli")]
        actor: String,
        /// The files, e.g. `enterprises.csv outlets.xlsx`.
        files: Vec<PathBuf>,
    },
    /// Export every kind (or one) into a directory, in the import layout.
    Export {
        #[command(flatten)]
        config: ConfigArgs,
        /// Directory to write `<kind>.csv` (or `.xlsx`) files into.
        #[arg(long)]
        dir: PathBuf,
        /// `csv` or `xlsx`.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Only this kind (e.g. `enterprises`).
        #[arg(long)]
        kind: Option<String>,
    },
    /// List active permits expiring within the warning window (and expired ones).
    Expiring {
        #[command(flatten)]
        config: ConfigArgs,
        /// Days ahead (default: `[registry] permit_warning_days`).
        #[arg(long)]
        days: Option<u32>,
    },
}

/// The kind of a registry file from its name, e.g. `data/outlets.xlsx`.
fn import_file(path: &Path) -> anyhow::Result<ImportFile> {
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let format = Format::of_file_name(&name)
        .with_context(|| format!("{}: expected a .csv or .xlsx file", path.display()))?;
    let stem = name.rsplit_once('.').map_or(name.as_str(), |(stem, _)| stem);
    let Some(kind) = registry::layout::kind_of_stem(stem) else {
        let stems: Vec<&str> =
            RegistryKind::ALL.iter().map(|kind| registry::layout::file_stem(*kind)).collect();
        bail!("{}: the file name must be one of {}", path.display(), stems.join(", "));
    };
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(ImportFile { name, kind, format, bytes })
}

/// Runs a registry subcommand.
pub(crate) fn run(command: RegistryCommand) -> anyhow::Result<()> {
    match command {
        RegistryCommand::Import { config, sample, actor, files } => {
            let config = config.load()?;
            let mut imports = if sample { registry::sample::files() } else { Vec::new() };
            for path in &files {
                imports.push(import_file(path)?);
            }
            if imports.is_empty() {
                bail!("nothing to import: give files or --sample");
            }
            let store = crate::services::open_store(&config)?;
            match registry::import::import(
                store.as_ref(),
                &imports,
                &actor,
                SystemClock.now(),
                sample,
            ) {
                Ok(report) => {
                    let applied = report.applied;
                    writeln!(
                        std::io::stdout(),
                        "imported {} rows: {} created, {} updated ({} retired), {} unchanged",
                        report.n_rows,
                        applied.n_created,
                        applied.n_updated,
                        applied.n_retired,
                        applied.n_unchanged
                    )?;
                    Ok(())
                }
                Err(registry::Error::Rejected { problems }) => {
                    let mut stderr = std::io::stderr().lock();
                    for problem in &problems {
                        writeln!(stderr, "{problem}")?;
                    }
                    bail!("import refused: {} problem(s); nothing was imported", problems.len())
                }
                Err(error) => Err(error.into()),
            }
        }
        RegistryCommand::Export { config, dir, format, kind } => {
            let config = config.load()?;
            let format = match format.as_str() {
                "csv" => Format::Csv,
                "xlsx" => Format::Xlsx,
                _ => bail!("--format {format:?}: expected csv or xlsx"),
            };
            let kinds = match &kind {
                Some(stem) => vec![
                    registry::layout::kind_of_stem(stem)
                        .with_context(|| format!("unknown registry kind {stem:?}"))?,
                ],
                None => RegistryKind::ALL.to_vec(),
            };
            let store = crate::services::open_store(&config)?;
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for kind in kinds {
                let bytes = registry::export::export(store.as_ref(), kind, format)?;
                let path = dir.join(format!(
                    "{}.{}",
                    registry::layout::file_stem(kind),
                    format.extension()
                ));
                std::fs::write(&path, bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                writeln!(std::io::stdout(), "{}", path.display())?;
            }
            Ok(())
        }
        RegistryCommand::Expiring { config, days } => {
            let config = config.load()?;
            let days = days.unwrap_or(config.registry.permit_warning_days);
            let store = crate::services::open_store(&config)?;
            let today = SystemClock.now().to_beijing().date();
            let mut stdout = std::io::stdout().lock();
            for permit in registry::expiry::expiring_permits(store.as_ref(), today, days)? {
                writeln!(
                    stdout,
                    "{}\t{}\t{}\t{} days\t{}",
                    permit.number,
                    permit.valid_to,
                    permit.enterprise,
                    permit.days_left,
                    permit.enterprise_name.unwrap_or_default()
                )?;
            }
            Ok(())
        }
    }
}
