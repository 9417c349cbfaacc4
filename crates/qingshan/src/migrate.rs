//! `qingshan migrate --from sqlite://FILE --to postgres://…`: move an embedded
//! deployment to PostgreSQL without loss.
//!
//! The store copies every table in one transaction into an empty database
//! (`store::copy_sqlite_to_postgres`) and checks the copy; this prints per
//! table the rows in the source and the target and the start of the SHA-256
//! digest over all its values on both sides, and the evidence chains as
//! verified on the target. Exit code 0 only when everything agrees. Stop the
//! gateway before migrating: packets received during the copy would stay behind.

use std::io::Write;

use anyhow::{Context, bail};
use clap::Args;

use crate::config::{StoreUrl, parse_store_url};
use crate::services::redacted;

/// Arguments of `qingshan migrate`.
#[derive(Debug, Args)]
pub(crate) struct MigrateArgs {
    /// The embedded store to move: `sqlite://PATH`.
    #[arg(long)]
    from: String,
    /// The empty PostgreSQL database to move it to: `postgres://USER:PASSWORD@HOST:PORT/DATABASE`.
    #[arg(long)]
    to: String,
}

pub(crate) fn run(args: MigrateArgs) -> anyhow::Result<()> {
    let StoreUrl::Sqlite(from) = parse_store_url(&args.from)? else {
        bail!("--from must be sqlite://PATH, not {}", redacted(&args.from));
    };
    let StoreUrl::Postgres(to) = parse_store_url(&args.to)? else {
        bail!("--to must be postgres://…, not {}", args.to);
    };
    if !from.exists() {
        bail!("--from {}: no such file", from.display());
    }
    let report = store::copy_sqlite_to_postgres(&from, &to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), redacted(&to)))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "{:<18} {:>12} {:>12}  {:<16}  {:<16}",
        "table", "source rows", "target rows", "source sha256", "target sha256"
    )?;
    for table in &report.tables {
        let mark = if table.matches() { "" } else { "  MISMATCH" };
        writeln!(
            stdout,
            "{:<18} {:>12} {:>12}  {:<16}  {:<16}{mark}",
            table.name,
            table.rows.0,
            table.rows.1,
            table.sha256.0.get(..16).unwrap_or_default(),
            table.sha256.1.get(..16).unwrap_or_default(),
        )?;
    }
    for check in &report.target_chains {
        match &check.outcome {
            Ok(_) => writeln!(
                stdout,
                "{} chain on the target: intact, {} records, head {}",
                check.table,
                check.n_intact,
                check.head_hex().unwrap_or_default()
            )?,
            Err(error) => writeln!(stdout, "{} chain on the target: BROKEN: {error}", check.table)?,
        }
    }
    if !report.is_complete() {
        bail!("the copy does not match the source (see above)");
    }
    writeln!(stdout, "migrated without loss: counts, digests and evidence chains agree")?;
    Ok(())
}
