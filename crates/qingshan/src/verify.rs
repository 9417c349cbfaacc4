//! `qingshan verify`: check the hash chains of the evidence tables.
//!
//! Walks `raw_packet` and `audit` in id order and prints, per table, the number
//! of records checked and the chain head, or the first broken link (table, row
//! id, reason). Exit code 0 when both chains are intact, 1 when one is broken
//! (or the store cannot be read; the message on stderr says which).

use std::io::Write;

use anyhow::bail;
use clap::Args;

use crate::ConfigArgs;

/// Arguments of `qingshan verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let config = args.config.load()?;
    let store = crate::services::open_store(&config)?;
    let checks = store.verify_evidence()?;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        let tables: Vec<_> = checks.iter().map(store::ChainCheck::to_json).collect();
        let intact = checks.iter().all(|check| check.outcome.is_ok());
        writeln!(stdout, "{}", serde_json::json!({ "intact": intact, "tables": tables }))?;
    } else {
        for check in &checks {
            match &check.outcome {
                Ok(_) => writeln!(
                    stdout,
                    "{}: {} records checked, OK (head {})",
                    check.table,
                    check.n_intact,
                    check.head_hex().unwrap_or_default()
                )?,
                Err(error) => writeln!(
                    stdout,
                    "{}: BROKEN at row {} ({}): {} ({} records intact before it)",
                    check.table,
                    error.id(),
                    error.reason(),
                    error,
                    check.n_intact
                )?,
            }
        }
    }
    drop(stdout);
    if let Some(check) = checks.iter().find(|check| check.outcome.is_err()) {
        bail!("the evidence chain of {} is broken", check.table);
    }
    Ok(())
}
