//! `qingshan plan`: the district plan's indicators from the command line.
//!
//! `qingshan plan show --year Y` prints every indicator's value, target and
//! status for the year; `qingshan plan report --year Y --format html|xlsx
//! --output FILE` writes the assessment report. The plan is the shipped
//! 五通桥区“十四五” plan unless `--plan-file` (or `[plan] file`) names another.
//!
//! Sites are the store's points (air stations; surface-water stations with
//! no river known) until the registry supplies rivers, main streams and
//! drinking-water sources: river-specific indicators report "no data" meanwhile.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use plan::SiteSource;

use crate::ConfigArgs;
use crate::config::Config;

/// `qingshan plan …`.
#[derive(Debug, Subcommand)]
pub(crate) enum PlanCommand {
    /// Print every indicator's value, target and status in a year.
    Show(ShowArgs),
    /// Write the assessment report of a year (HTML or XLSX).
    Report(ReportArgs),
}

/// Which plan and store.
#[derive(Debug, Args)]
pub(crate) struct PlanSource {
    #[command(flatten)]
    config: ConfigArgs,
    /// A plan file (TOML) instead of `[plan] file` or the shipped plan.
    #[arg(long)]
    plan_file: Option<PathBuf>,
}

/// Arguments of `qingshan plan show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    #[command(flatten)]
    source: PlanSource,
    /// The year.
    #[arg(long)]
    year: i32,
    /// Print the assessment as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Report formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ReportFormat {
    /// A self-contained HTML page.
    Html,
    /// An Excel workbook.
    Xlsx,
}

/// Arguments of `qingshan plan report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    source: PlanSource,
    /// The year (the mid-term and final assessments are the plan's midterm and target years).
    #[arg(long)]
    year: i32,
    /// Output format.
    #[arg(long, value_enum, default_value = "html")]
    format: ReportFormat,
    /// Where to write the report.
    #[arg(long)]
    output: PathBuf,
}

/// Loads the plan named by `override_file`, else `[plan] file`, else the shipped plan.
pub(crate) fn load_plan(
    config: &Config,
    override_file: Option<&Path>,
) -> anyhow::Result<plan::Plan> {
    let configured = (!config.plan.file.is_empty()).then(|| PathBuf::from(&config.plan.file));
    match override_file.map(Path::to_path_buf).or(configured) {
        None => Ok(plan::Plan::shipped()?),
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read the plan file {}", path.display()))?;
            plan::Plan::parse(&text).with_context(|| format!("in {}", path.display()))
        }
    }
}

fn assess(source: &PlanSource, year: i32) -> anyhow::Result<plan::Assessment> {
    let config = source.config.load()?;
    let plan = load_plan(&config, source.plan_file.as_deref())?;
    plan::entry::check_year(&plan, year)?;
    let store = crate::services::open_store(&config)?;
    let sites = plan::RegistrySites.sites(store.as_ref())?;
    let emissions = web::RegistryEmissions::new(std::sync::Arc::new(model::SystemClock));
    let context =
        plan::Context { plan: &plan, store: store.as_ref(), sites: &sites, emissions: &emissions };
    Ok(plan::assess_year(&context, year)?)
}

pub(crate) fn run(command: PlanCommand) -> anyhow::Result<()> {
    match command {
        PlanCommand::Show(args) => {
            let assessment = assess(&args.source, args.year)?;
            let mut stdout = std::io::stdout().lock();
            if args.json {
                writeln!(stdout, "{}", serde_json::to_string_pretty(&assessment)?)?;
                return Ok(());
            }
            writeln!(
                stdout,
                "{} {}年{}",
                assessment.plan_name.zh, assessment.year, assessment.kind_text.zh
            )?;
            for indicator in &assessment.indicators {
                writeln!(
                    stdout,
                    "{:>4}  {}  值 {} {}  目标 {}  {}（{}）",
                    indicator.id,
                    indicator.name.zh,
                    indicator.value_text,
                    indicator.unit,
                    indicator.target.zh,
                    indicator.status_text.zh,
                    indicator.status_text.en,
                )?;
            }
            let counts: Vec<String> = assessment
                .n_by_status
                .iter()
                .map(|(status, n)| format!("{} {n}", status.zh()))
                .collect();
            writeln!(stdout, "{}", counts.join("，"))?;
            Ok(())
        }
        PlanCommand::Report(args) => {
            let assessment = assess(&args.source, args.year)?;
            let bytes = match args.format {
                ReportFormat::Html => plan::report::html(&assessment)?.into_bytes(),
                ReportFormat::Xlsx => plan::report::xlsx(&assessment)?,
            };
            std::fs::write(&args.output, bytes)
                .with_context(|| format!("cannot write {}", args.output.display()))?;
            let mut stderr = std::io::stderr().lock();
            writeln!(
                stderr,
                "wrote {} ({} indicators)",
                args.output.display(),
                assessment.indicators.len()
            )?;
            Ok(())
        }
    }
}
