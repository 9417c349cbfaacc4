//! `qingshan`: the one binary. Subcommands serve the platform, run the demo,
//! simulate devices, benchmark ingestion, and give field engineers HJ 212 tools.
//!
//! Only this crate reads files, environment variables and arguments.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod bench;
mod case;
mod config;
mod demo;
mod device;
mod eval;
mod field;
mod migrate;
mod plan;
mod registry;
mod services;
mod user;
mod verify;

/// Qingshan (青山): environmental monitoring platform for the 五通桥 district plan.
#[derive(Debug, Parser)]
#[command(name = "qingshan", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the configuration comes from.
#[derive(Debug, Clone, Args)]
struct ConfigArgs {
    /// Configuration file (TOML); see config/qingshan.example.toml.
    #[arg(long, short = 'c', env = "QINGSHAN_CONFIG")]
    config: Option<PathBuf>,
}

impl ConfigArgs {
    fn load(&self) -> anyhow::Result<config::Config> {
        config::Config::load(self.config.as_deref(), std::env::vars())
    }
}

/// `qingshan serve`.
#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// What this process runs: `gateway` (HJ 212 ingest; several may share one
    /// PostgreSQL database), `worker` (evaluation and web) or `all`.
    #[arg(long, value_enum, default_value = "all")]
    role: services::Role,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HJ 212 gateway, the evaluation and the HTTP server (or some of them: --role).
    Serve(ServeArgs),
    /// Run a demo: gateway + HTTP server + simulated devices + sample registry.
    Demo(demo::DemoArgs),
    /// Run simulated devices against a gateway.
    Simulate(demo::SimulateArgs),
    /// Manage devices.
    #[command(subcommand)]
    Device(device::DeviceCommand),
    /// Benchmarks.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// HJ 212 field tools: decode, encode, crc.
    #[command(subcommand)]
    Hj212(field::Hj212Command),
    /// Offline evaluation of CSV files: air daily AQI / annual statistics, water classes.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Registry (一企一档): import, export, expiring permits.
    #[command(subcommand)]
    Registry(registry::RegistryCommand),
    /// Check the hash chains of the raw packet archive and the audit log (exit 1 if broken).
    Verify(verify::VerifyArgs),
    /// Move an embedded (SQLite) deployment to PostgreSQL, verified by counts, digests and chains.
    Migrate(migrate::MigrateArgs),
    /// The district plan's indicators: status per year and assessment reports.
    #[command(subcommand)]
    Plan(plan::PlanCommand),
    /// Manage users of the web interface (the first administrator is made here).
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage API tokens of machine clients.
    #[command(subcommand)]
    Token(user::TokenCommand),
    /// Correct a stored reading: a new version with who and why (the original stays).
    Correct(case::CorrectArgs),
    /// Enforcement cases: export a point's evidence for a period as a ZIP.
    #[command(subcommand)]
    Case(case::CaseCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitCode::SUCCESS;
            }
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {error}");
            for cause in error.chain().skip(1) {
                let _ = writeln!(stderr, "  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("QINGSHAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let config = args.config.load()?;
            init_logging(&config.log.filter);
            runtime()?.block_on(serve(config, args.role))
        }
        Command::Demo(args) => runtime()?.block_on(demo::run_demo(args)),
        Command::Simulate(args) => {
            init_logging("warn");
            runtime()?.block_on(demo::run_simulate(args))
        }
        Command::Device(command) => device::run(command),
        Command::Bench(command) => bench::run(command),
        Command::Hj212(command) => field::run(command),
        Command::Eval(command) => eval::run(command),
        Command::Verify(args) => verify::run(args),
        Command::Migrate(args) => migrate::run(args),
        Command::Registry(command) => registry::run(command),
        Command::Plan(command) => plan::run(command),
        Command::User(command) => user::run_user(command),
        Command::Token(command) => user::run_token(command),
        Command::Correct(args) => case::run_correct(args),
        Command::Case(command) => case::run_case(command),
    }
}

async fn serve(config: config::Config, role: services::Role) -> anyhow::Result<()> {
    let store = services::open_store(&config)?;
    let running = services::Running::start_role(&config, store, role).await?;
    tracing::info!(gateway = ?running.gateway_addr, web = %running.web_addr, ?role, "qingshan serving");
    let mut stdout = std::io::stdout().lock();
    if let Some(gateway_addr) = running.gateway_addr {
        writeln!(stdout, "HJ 212 gateway: {gateway_addr}")?;
    }
    writeln!(stdout, "HTTP: http://{}/", running.web_addr)?;
    drop(stdout);
    services::interrupted().await;
    running.stop().await
}
