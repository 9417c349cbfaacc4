//! `qingshan device …`: register devices and list them.

use std::io::{BufRead, Write};

use anyhow::{Context, bail};
use clap::Subcommand;
use store::{DeviceLeniency, NewDevice, NewPoint, PointKind};

use crate::ConfigArgs;

/// Device management.
#[derive(Debug, Subcommand)]
pub(crate) enum DeviceCommand {
    /// Register a device (and its point). The password is read from the first
    /// line of standard input, never from the command line.
    Add {
        #[command(flatten)]
        config: ConfigArgs,
        /// The device's MN.
        #[arg(long)]
        mn: String,
        /// Code of the point it reports for (created if new).
        #[arg(long)]
        point_code: String,
        /// Name of the point.
        #[arg(long)]
        point_name: String,
        /// Kind of point: flue_gas, wastewater, air_station, micro_station, surface_water, vocs, fume, dust, electricity, noise.
        #[arg(long, default_value = "flue_gas")]
        kind: String,
        /// Protocol edition the device speaks: 2005, 2017 or 2025.
        #[arg(long, default_value = "2017")]
        protocol: String,
        /// Owning enterprise.
        #[arg(long)]
        enterprise: Option<String>,
        /// Accept a CRC-16/MODBUS checksum from this device (a recorded deviation).
        #[arg(long)]
        accept_modbus_crc: bool,
        /// Accept a wrong length field from this device (a recorded deviation).
        #[arg(long)]
        accept_wrong_length: bool,
    },
    /// List registered devices.
    List {
        #[command(flatten)]
        config: ConfigArgs,
    },
}

/// Runs a device subcommand.
pub(crate) fn run(command: DeviceCommand) -> anyhow::Result<()> {
    match command {
        DeviceCommand::Add {
            config,
            mn,
            point_code,
            point_name,
            kind,
            protocol,
            enterprise,
            accept_modbus_crc,
            accept_wrong_length,
        } => {
            let config = config.load()?;
            let mn = model::Mn::parse(&mn)?;
            let kind =
                PointKind::parse(&kind).with_context(|| format!("unknown point kind {kind:?}"))?;
            if !["2005", "2017", "2025"].contains(&protocol.as_str()) {
                bail!("protocol {protocol:?}: expected 2005, 2017 or 2025");
            }
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("cannot read the password from stdin")?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.is_empty() {
                bail!("no password on standard input (echo PASSWORD | qingshan device add …)");
            }
            let store = crate::services::open_store(&config)?;
            let point = store.upsert_point(&NewPoint {
                code: point_code,
                name: point_name,
                kind,
                enterprise,
                simulated: false,
            })?;
            let password_hash =
                ingest::hash_device_password(password).map_err(anyhow::Error::msg)?;
            let id = store.upsert_device(&NewDevice {
                mn: mn.clone(),
                password_hash,
                protocol,
                point,
                leniency: DeviceLeniency {
                    accept_modbus_crc,
                    accept_wrong_length,
                    skip_crc: false,
                },
                simulated: false,
            })?;
            writeln!(std::io::stdout(), "device {mn} registered as {id} for point {point}")?;
            Ok(())
        }
        DeviceCommand::List { config } => {
            let config = config.load()?;
            let store = crate::services::open_store(&config)?;
            let mut stdout = std::io::stdout().lock();
            for device in store.devices()? {
                writeln!(
                    stdout,
                    "{}\t{}\tpoint {}\tprotocol {}\tlast seen {}",
                    device.id,
                    device.device.mn,
                    device.device.point,
                    device.device.protocol,
                    device.last_seen.map(|at| at.to_string()).unwrap_or_else(|| "never".to_owned())
                )?;
            }
            Ok(())
        }
    }
}
