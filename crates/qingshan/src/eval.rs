//! `qingshan eval …`: offline evaluation of CSV files for analysts.
//!
//! The layouts, columns and refusal rules are documented in the `batch`
//! crate; this module only opens the files and maps the flags.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::PathBuf;

use anyhow::Context;
use batch::Format;
use batch::air::{AirConfig, AirEdition, AirReport, EditionChoice, HourLabel};
use batch::water::{WaterBody, WaterConfig, WaterPeriod};
use clap::{Args, Subcommand, ValueEnum};

const AIR_HELP: &str = "\
INPUT (UTF-8 CSV, optional BOM, LF or CRLF, quoted fields allowed; blank lines skipped):
  long:  station,time,pollutant,value
         S1,2025-01-01 01:00,PM2.5,36
  wide:  station,time,SO2,NO2,CO,O3,PM10,PM2.5   (any subset, any order)
         S1,2025-01-01 01:00,8,30,0.8,40,60,36
  Pollutants: SO2 NO2 CO O3 PM10 PM2.5, or HJ 212 codes a21026 a21004 a21005 a05024 a34002 a34004.
  Values: hourly means in µg/m³ (CO mg/m³); empty or NA = missing hour.
  Times: Beijing local time YYYY-MM-DD HH:MM[:SS] or YYYYMMDDhhmmss, on whole hours.
  --hour-label end (default, national publishing): 01:00 is the hour 00:00-01:00, 24:00 ends the day.
  --hour-label start (HJ 212 DataTime): 00:00 is the hour 00:00-01:00.

OUTPUT (--report daily): one row per station and day, columns
  station,date,edition,aqi,level,category,primary,missing,publishable,
  SO2,SO2_iaqi,NO2,NO2_iaqi,PM10,PM10_iaqi,PM2.5,PM2.5_iaqi,CO,CO_iaqi,O3_8h,O3_8h_iaqi,O3_1h,O3_1h_iaqi,
  SO2_hours,NO2_hours,CO_hours,O3_hours,PM10_hours,PM2.5_hours,O3_8h_windows
  primary/missing: indicator names joined by |; primary is empty when AQI <= 50.
  HJ 633-2026 5.3.1: with an indicator missing, AQI/level/category/primary are published only above 100.
OUTPUT (--report annual): one row per station, calendar year and edition piece (HJ 663 statistics).
JSON: an array of objects with the same keys as the CSV columns, null for empty cells.

REFUSED ROWS: a row with any bad field (field count, empty station/time, bad time, unknown pollutant,
  value not a non-negative decimal) is refused whole. The same station-hour-pollutant again with the
  same value is accepted once; with a different value both are withdrawn (the hour counts as missing).
  A summary goes to stderr: rows read, refused, and the first --max-errors errors as line:column.
EXIT CODE: 0 when some rows were accepted (even with refusals); 1 when the input cannot be read,
  its header is unusable, or every row was refused.";

const WATER_HELP: &str = "\
INPUT (UTF-8 CSV, optional BOM, LF or CRLF, quoted fields allowed; blank lines skipped):
  long:  section,time,item,value
         X1,2025-03-01 10:00,NH3-N,0.8
  wide:  section,time,pH,DO,CODMn,NH3-N,TP      (any items, any order)
         X1,2025-03-01 10:00,7.2,6.5,4.1,0.8,0.15
  Items: short names pH WT DO CODMn COD BOD5 NH3-N TP TN Cu Zn F Se As Hg Cd Cr6 Pb CN Phenol Oil
         LAS S2- FC SO4 Cl NO3-N Fe Mn, or HJ 212 codes (w21003 ...).
  Values: decimals in the item's unit; non-detects as <0.01 or 0.01L; empty or NA = not measured.
  Times: Beijing local time YYYY-MM-DD HH:MM[:SS], YYYYMMDDhhmmss, or a date YYYY-MM-DD / YYYYMMDD.
  The rows of one section and time form one sample.

OUTPUT: one row per sample (kind=sample), and with --period one row per section and period
  (kind=month|quarter|year|all, time=2025-03 / 2025-Q1 / 2025 / all), columns
  section,kind,time,n_samples,class,deciding,main_pollutants,missing,unjudged, then <item>,<item>_class
  for each item in the input. class is I, II, III, IV, V or 劣V; item lists are joined by |.
JSON: an array of objects with the same keys as the CSV columns, null for empty cells.

REFUSED ROWS and EXIT CODE: as for `qingshan eval air` (a refused row is reported with line:column;
  exit 1 only when the input cannot be read, its header is unusable, or every row was refused).";

/// Offline evaluation of CSV files.
#[derive(Debug, Subcommand)]
pub(crate) enum EvalCommand {
    /// Daily AQI or annual statistics from hourly air data (HJ 633, GB 3095, HJ 663).
    #[command(after_help = AIR_HELP)]
    Air(AirArgs),
    /// Sample and period classes from surface-water samples (GB 3838-2002, 2011 method).
    #[command(after_help = WATER_HELP)]
    Water(WaterArgs),
}

/// Input, output and summary flags shared by the subcommands.
#[derive(Debug, Args)]
pub(crate) struct IoArgs {
    /// Input CSV file; `-` for standard input.
    #[arg(long, short = 'i')]
    input: PathBuf,
    /// Output file; standard output when absent.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: FormatArg,
    /// How many refused rows to list on stderr.
    #[arg(long, default_value_t = 20)]
    max_errors: usize,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Json,
}

/// Flags of `qingshan eval air`.
#[derive(Debug, Args)]
pub(crate) struct AirArgs {
    #[command(flatten)]
    io: IoArgs,
    /// What the CSV times label: the end of the hour (national publishing) or its start (HJ 212).
    #[arg(long, value_enum, default_value = "end")]
    hour_label: HourLabelArg,
    /// Edition: `by-date` (each day under the edition in force on it), `2012` (HJ 633-2012)
    /// or `2026` (HJ 633-2026).
    #[arg(long, default_value = "by-date", value_parser = parse_edition)]
    edition: EditionChoice,
    /// Report: daily AQI rows, or annual statistics per station and year.
    #[arg(long, value_enum, default_value = "daily")]
    report: ReportArg,
    /// Same as `--report annual`.
    #[arg(long, conflicts_with = "report")]
    annual: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum HourLabelArg {
    Start,
    End,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportArg {
    Daily,
    Annual,
}

fn parse_edition(text: &str) -> Result<EditionChoice, String> {
    if ["by-date", "bydate", "date", "auto"].iter().any(|n| n.eq_ignore_ascii_case(text.trim())) {
        return Ok(EditionChoice::ByDate);
    }
    AirEdition::parse(text)
        .map(EditionChoice::Fixed)
        .ok_or_else(|| format!("unknown edition {text:?}: expected by-date, 2012 or 2026"))
}

/// Flags of `qingshan eval water`.
#[derive(Debug, Args)]
pub(crate) struct WaterArgs {
    #[command(flatten)]
    io: IoArgs,
    /// Water body: river, or lake (lakes and reservoirs: other TP limits, TN graded).
    #[arg(long, value_enum, default_value = "river")]
    body: BodyArg,
    /// Also write each section's class per period, from the period means of its items.
    #[arg(long, value_enum)]
    period: Option<PeriodArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum BodyArg {
    River,
    Lake,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PeriodArg {
    Month,
    Quarter,
    Year,
    All,
}

fn format(arg: FormatArg) -> Format {
    match arg {
        FormatArg::Csv => Format::Csv,
        FormatArg::Json => Format::Json,
    }
}

/// Runs an `eval` subcommand.
pub(crate) fn run(command: EvalCommand) -> anyhow::Result<()> {
    match command {
        EvalCommand::Air(args) => {
            let config = AirConfig {
                hour_label: match args.hour_label {
                    HourLabelArg::Start => HourLabel::PeriodStart,
                    HourLabelArg::End => HourLabel::PeriodEnd,
                },
                edition: args.edition,
                report: match (args.annual, args.report) {
                    (true, _) | (false, ReportArg::Annual) => AirReport::Annual,
                    (false, ReportArg::Daily) => AirReport::Daily,
                },
                format: format(args.io.format),
                ..AirConfig::default()
            };
            with_files(&args.io, |input, output| batch::air::eval_air(input, output, &config))
        }
        EvalCommand::Water(args) => {
            let config = WaterConfig {
                body: match args.body {
                    BodyArg::River => WaterBody::River,
                    BodyArg::Lake => WaterBody::LakeReservoir,
                },
                period: args.period.map(|p| match p {
                    PeriodArg::Month => WaterPeriod::Month,
                    PeriodArg::Quarter => WaterPeriod::Quarter,
                    PeriodArg::Year => WaterPeriod::Year,
                    PeriodArg::All => WaterPeriod::All,
                }),
                format: format(args.io.format),
                ..WaterConfig::default()
            };
            with_files(&args.io, |input, output| batch::water::eval_water(input, output, &config))
        }
    }
}

/// Opens the input and output, runs `eval`, prints the summary to stderr,
/// and fails when every row was refused.
fn with_files(
    io: &IoArgs,
    eval: impl FnOnce(&mut dyn std::io::BufRead, &mut dyn Write) -> batch::Result<batch::Summary>,
) -> anyhow::Result<()> {
    let mut input: Box<dyn std::io::BufRead> = if io.input.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = File::open(&io.input)
            .with_context(|| format!("cannot open the input {}", io.input.display()))?;
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    let mut output: Box<dyn Write> = match &io.output {
        Some(path) => Box::new(
            File::create(path)
                .with_context(|| format!("cannot create the output {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let summary = eval(&mut input, &mut output)
        .with_context(|| format!("cannot evaluate {}", io.input.display()))?;
    output.flush().context("cannot write the output")?;
    summary.write_report(std::io::stderr().lock(), io.max_errors)?;
    if summary.every_row_refused() {
        anyhow::bail!("every one of the {} rows was refused", summary.n_rows);
    }
    Ok(())
}
