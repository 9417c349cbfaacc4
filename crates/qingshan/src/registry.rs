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
    /// outlets, permits, limits, devices, and grid for the grid cells'
    /// inspectors). All files are validated first; if any row is bad, every
    /// problem is listed and nothing is imported.
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
    /// Export every kind and the grid (or one) into a directory, in the import layout.
    Export {
        #[command(flatten)]
        config: ConfigArgs,
        /// Directory to write `<kind>.csv` (or `.xlsx`) files into.
        #[arg(long)]
        dir: PathBuf,
        /// `csv` or `xlsx`.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Only this kind (e.g. `enterprises`, or `grid`).
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

/// A file to import: a registry kind's, or the grid sheet.
enum Sheet {
    Registry(ImportFile),
    Grid(registry::grid::GridFile),
}

/// The kind of a registry file from its name, e.g. `data/outlets.xlsx` or `grid.csv`.
fn import_file(path: &Path) -> anyhow::Result<Sheet> {
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let format = Format::of_file_name(&name)
        .with_context(|| format!("{}: expected a .csv or .xlsx file", path.display()))?;
    let stem = name.rsplit_once('.').map_or(name.as_str(), |(stem, _)| stem).to_owned();
    let read = || std::fs::read(path).with_context(|| format!("cannot read {}", path.display()));
    if stem == registry::grid::STEM {
        return Ok(Sheet::Grid(registry::grid::GridFile { name, format, bytes: read()? }));
    }
    let Some(kind) = registry::layout::kind_of_stem(&stem) else {
        let mut stems: Vec<&str> =
            RegistryKind::ALL.iter().map(|kind| registry::layout::file_stem(*kind)).collect();
        stems.push(registry::grid::STEM);
        bail!("{}: the file name must be one of {}", path.display(), stems.join(", "));
    };
    Ok(Sheet::Registry(ImportFile { name, kind, format, bytes: read()? }))
}

/// Runs a registry subcommand.
pub(crate) fn run(command: RegistryCommand) -> anyhow::Result<()> {
    match command {
        RegistryCommand::Import { config, sample, actor, files } => {
            let config = config.load()?;
            let mut imports = if sample { registry::sample::files() } else { Vec::new() };
            let mut grid = if sample { registry::sample::grid_files() } else { Vec::new() };
            for path in &files {
                match import_file(path)? {
                    Sheet::Registry(file) => imports.push(file),
                    Sheet::Grid(file) => grid.push(file),
                }
            }
            if imports.is_empty() && grid.is_empty() {
                bail!("nothing to import: give files or --sample");
            }
            let store = crate::services::open_store(&config)?;
            match registry::grid::import(
                store.as_ref(),
                &imports,
                &grid,
                &actor,
                SystemClock.now(),
                sample,
            ) {
                Ok((report, grid_report)) => {
                    let mut stdout = std::io::stdout().lock();
                    for (what, report) in [("rows", report), ("grid rows", grid_report)] {
                        if report.n_rows == 0 && what == "grid rows" {
                            continue;
                        }
                        let applied = report.applied;
                        writeln!(
                            stdout,
                            "imported {} {what}: {} created, {} updated ({} retired), {} unchanged",
                            report.n_rows,
                            applied.n_created,
                            applied.n_updated,
                            applied.n_retired,
                            applied.n_unchanged
                        )?;
                        let mut stderr = std::io::stderr().lock();
                        for warning in &report.warnings {
                            writeln!(stderr, "warning: {warning}\n  {}", warning.reason_zh)?;
                        }
                    }
                    Ok(())
                }
                Err(registry::Error::Rejected { problems }) => {
                    let mut stderr = std::io::stderr().lock();
                    for problem in &problems {
                        writeln!(stderr, "{problem}\n  {}", problem.reason_zh)?;
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
            let only_grid = kind.as_deref() == Some(registry::grid::STEM);
            let kinds = match &kind {
                Some(_) if only_grid => Vec::new(),
                Some(stem) => vec![
                    registry::layout::kind_of_stem(stem)
                        .with_context(|| format!("unknown registry kind {stem:?}"))?,
                ],
                None => RegistryKind::ALL.to_vec(),
            };
            let store = crate::services::open_store(&config)?;
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            if kind.is_none() || only_grid {
                let bytes = registry::grid::export(store.as_ref(), format)?;
                let path = dir.join(format!("{}.{}", registry::grid::STEM, format.extension()));
                std::fs::write(&path, bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                writeln!(std::io::stdout(), "{}", path.display())?;
            }
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
