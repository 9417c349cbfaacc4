//! `qingshan correct …` and `qingshan case export …` (#4): correct a stored
//! reading as a new version, list a reading's versions, and write the
//! enforcement-case archive of a point and period.
//!
//! A point is named by its code or by the MN of one of its devices. Times are
//! RFC 3339, or Beijing time `YYYY-MM-DD[ HH:MM[:SS]]` (a `T` may replace the
//! space); a bare date as the end of a period means the end of that day.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::{NaiveDate, NaiveDateTime};
use clap::{Args, Subcommand};
use model::{
    BeijingTime, Clock, DataKind, Instant, Mn, ParamCode, PointId, ReadingKey, SystemClock,
};
use store::{NewCorrection, Store};

use crate::ConfigArgs;

/// Arguments of `qingshan correct`.
#[derive(Debug, Args)]
pub(crate) struct CorrectArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// The point: its code or the MN of one of its devices.
    #[arg(long)]
    point: String,
    /// `realtime`, `minute`, `hour` or `day`.
    #[arg(long, default_value = "hour")]
    kind: String,
    /// The reading's data time (Beijing `2026-03-02 05:00`, or RFC 3339).
    #[arg(long)]
    time: String,
    /// The parameter code, e.g. `a21026`.
    #[arg(long)]
    param: String,
    /// A field to change, `Avg=12.5`, `Flag=N` or `Max=` to remove it; repeatable.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    set: Vec<String>,
    /// Why (required with --set), e.g. the calibration record.
    #[arg(long)]
    reason: Option<String>,
    /// Who corrects, recorded with the version and in the audit log.
    #[arg(long)]
    actor: Option<String>,
    /// Only print the reading's versions as JSON; change nothing.
    #[arg(long)]
    history: bool,
}

/// `qingshan case …`.
#[derive(Debug, Subcommand)]
pub(crate) enum CaseCommand {
    /// Write the enforcement-case archive (ZIP) of a point and period.
    Export(ExportArgs),
}

/// Arguments of `qingshan case export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// The point: its code or the MN of one of its devices.
    #[arg(long)]
    point: String,
    /// Start (inclusive): Beijing `2026-03-01[ HH:MM]`, or RFC 3339.
    #[arg(long)]
    from: String,
    /// End: a bare date includes that whole day; a time is exclusive.
    #[arg(long)]
    to: String,
    /// The ZIP file to write.
    #[arg(long)]
    out: PathBuf,
    /// Who exports, recorded in the archive and the audit log.
    #[arg(long, default_value = "cli")]
    actor: String,
}

/// A time as the CLI takes it; `end_of_day` makes a bare date mean the next midnight.
fn parse_time(name: &str, text: &str, end_of_day: bool) -> anyhow::Result<Instant> {
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(Instant(time.to_utc()));
    }
    let normalized = text.trim().replacen('T', " ", 1);
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(local) = NaiveDateTime::parse_from_str(&normalized, format) {
            return Ok(BeijingTime(local).to_instant());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(&normalized, "%Y-%m-%d") {
        let date = if end_of_day { date.succ_opt().unwrap_or(date) } else { date };
        return Ok(BeijingTime(date.and_time(chrono::NaiveTime::MIN)).to_instant());
    }
    bail!(
        "--{name} {text:?}: expected Beijing time YYYY-MM-DD[ HH:MM[:SS]] or RFC 3339 (北京时间或 RFC 3339)"
    )
}

/// The point named by a code or a device MN.
fn find_point(store: &dyn Store, name: &str) -> anyhow::Result<PointId> {
    if let Some(record) = store.points()?.into_iter().find(|record| record.point.code == name) {
        return Ok(record.id);
    }
    if let Ok(mn) = Mn::parse(name)
        && let Some(device) = store.device_by_mn(&mn)?
    {
        return Ok(device.device.point);
    }
    bail!("no point has the code {name:?} and no active device has that MN (点位或设备不存在)")
}

/// `FIELD=VALUE` pairs as a JSON patch: numbers for numeric fields, text for
/// `Flag`, `EFlag` and `SampleTime`, an empty value removes the field.
fn patch(pairs: &[String]) -> anyhow::Result<serde_json::Map<String, serde_json::Value>> {
    let mut patch = serde_json::Map::new();
    for pair in pairs {
        let Some((field, value)) = pair.split_once('=') else {
            bail!("--set {pair:?}: expected FIELD=VALUE, e.g. Avg=12.5");
        };
        let textual = ["flag", "eflag", "sampletime"]
            .contains(&field.replace('_', "").to_ascii_lowercase().as_str());
        let value = if value.is_empty() {
            serde_json::Value::Null
        } else if textual {
            serde_json::Value::String(value.to_owned())
        } else {
            let number: f64 = value
                .parse()
                .with_context(|| format!("--set {pair:?}: {value:?} is not a number"))?;
            serde_json::Number::from_f64(number)
                .map(serde_json::Value::Number)
                .with_context(|| format!("--set {pair:?}: {value:?} is not a finite number"))?
        };
        patch.insert(field.to_owned(), value);
    }
    Ok(patch)
}

/// Runs `qingshan correct`.
pub(crate) fn run_correct(args: CorrectArgs) -> anyhow::Result<()> {
    let config = args.config.load()?;
    let store = crate::services::open_store(&config)?;
    let Some(kind) = DataKind::parse(&args.kind) else {
        bail!("--kind {:?}: expected realtime, minute, hour or day", args.kind);
    };
    let key = ReadingKey {
        point: find_point(store.as_ref(), &args.point)?,
        param: ParamCode::parse(&args.param)
            .with_context(|| format!("--param {:?}", args.param))?,
        kind,
        data_time: parse_time("time", &args.time, false)?,
    };
    let history = store.reading_history(&key)?;
    let Some(current) = history.last() else {
        bail!(
            "no {} reading of {} at {} for point {} (数据不存在)",
            kind.as_str(),
            key.param,
            key.data_time.to_beijing(),
            args.point
        );
    };
    let mut stdout = std::io::stdout().lock();
    if args.history {
        writeln!(stdout, "{}", serde_json::to_string_pretty(&history)?)?;
        return Ok(());
    }
    if args.set.is_empty() {
        bail!("nothing to correct: give --set FIELD=VALUE (or --history to list the versions)");
    }
    let Some(actor) = args.actor.filter(|actor| !actor.trim().is_empty()) else {
        bail!("--actor is required: a correction records who made it (须注明更正人)");
    };
    let values = store::patch_values(&current.values, &patch(&args.set)?)?;
    let correction = NewCorrection {
        key,
        values,
        reason: args.reason.unwrap_or_default(),
        base_version: Some(current.version),
    };
    let version = store.correct_reading(&correction, &actor, SystemClock.now())?;
    writeln!(stdout, "{}", serde_json::to_string_pretty(&version)?)?;
    Ok(())
}

/// Runs `qingshan case …`.
pub(crate) fn run_case(command: CaseCommand) -> anyhow::Result<()> {
    let CaseCommand::Export(args) = command;
    let config = args.config.load()?;
    let store = crate::services::open_store(&config)?;
    let request = casefile::CaseRequest {
        point: find_point(store.as_ref(), &args.point)?,
        from: parse_time("from", &args.from, false)?,
        to: parse_time("to", &args.to, true)?,
    };
    // Written next to the target and renamed, so a failed export leaves no partial file.
    let partial = args.out.with_extension("zip.partial");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let generated = casefile::Generated { at: SystemClock.now(), by: args.actor };
    let written =
        casefile::write_case(store.as_ref(), &request, &generated, std::io::BufWriter::new(file));
    let report = match written {
        Ok(report) => report,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error).context("the case export failed");
        }
    };
    std::fs::rename(&partial, &args.out)
        .with_context(|| format!("cannot move the archive to {}", args.out.display()))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "{}: point {} ({}), {} raw packets, {} readings ({} corrected), {} alarms; evidence chain {}",
        args.out.display(),
        report.point.point.code,
        report.point.point.name,
        report.n_raw_packets,
        report.n_readings,
        report.n_corrected,
        report.n_alarms,
        if report.chain_intact { "intact (完好)" } else { "BROKEN (已损坏)" }
    )?;
    Ok(())
}
