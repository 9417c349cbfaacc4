//! `qingshan hj212 …`: tools for the engineers who commission devices.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use hj212::{DecodeOptions, FrameEvent};

/// HJ 212 field tools.
#[derive(Debug, Subcommand)]
pub(crate) enum Hj212Command {
    /// Decode packets (stdin or a file; one per line, or a capture with several per
    /// line) into one JSON object per packet.
    Decode {
        /// Input file; standard input when absent.
        file: Option<PathBuf>,
        #[command(flatten)]
        leniency: LeniencyArgs,
    },
    /// Build a packet from a JSON description (the shape `decode` prints), filling
    /// in length and CRC. Reads the description from the argument or stdin.
    Encode {
        /// The JSON description; standard input when absent.
        json: Option<String>,
    },
    /// Print the HJ 212 CRC (and the CRC-16/MODBUS values) of a data segment.
    Crc {
        /// The data segment (from `QN=` to the closing `&&`); standard input when absent.
        segment: Option<String>,
    },
}

/// Relaxed checks, as a device's leniency settings would allow.
#[derive(Debug, Clone, Args)]
pub(crate) struct LeniencyArgs {
    /// Accept a CRC-16/MODBUS checksum.
    #[arg(long)]
    accept_modbus_crc: bool,
    /// Do not check the CRC.
    #[arg(long)]
    skip_crc: bool,
    /// Accept a length field that disagrees with the data segment.
    #[arg(long)]
    accept_wrong_length: bool,
}

fn read_input(file: Option<&PathBuf>) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match file {
        Some(path) => {
            bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        }
        None => {
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .context("cannot read standard input")?;
        }
    }
    Ok(bytes)
}

/// Runs a field tool.
pub(crate) fn run(command: Hj212Command) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match command {
        Hj212Command::Decode { file, leniency } => {
            let options = DecodeOptions {
                accept_modbus_crc: leniency.accept_modbus_crc,
                skip_crc: leniency.skip_crc,
                accept_wrong_length: leniency.accept_wrong_length,
            };
            let input = read_input(file.as_ref())?;
            let mut deframer =
                hj212::Deframer::new(hj212::DeframerConfig { max_segment_bytes: 9999 });
            deframer.push(&input);
            deframer.finish();
            let mut n_bad = 0usize;
            while let Some(event) = deframer.next_event() {
                let json = match event {
                    FrameEvent::Frame(frame) => {
                        let json = hj212::json::decode_to_json(&frame, &options);
                        if json["ok"] != serde_json::Value::Bool(true) {
                            n_bad += 1;
                        }
                        json
                    }
                    // Whitespace between packets (line ends) is not worth a line.
                    FrameEvent::Skipped { .. } => continue,
                    FrameEvent::Dropped { n_bytes, reason } => {
                        n_bad += 1;
                        serde_json::json!({
                            "ok": false,
                            "error": format!("dropped {n_bytes} bytes: {}", reason.label()),
                            "reason": reason.label(),
                        })
                    }
                };
                writeln!(stdout, "{json}")?;
            }
            if n_bad > 0 {
                writeln!(std::io::stderr(), "{n_bad} packet(s) not ok")?;
            }
            Ok(())
        }
        Hj212Command::Encode { json } => {
            let text = match json {
                Some(text) => text,
                None => {
                    String::from_utf8(read_input(None)?).context("the description is not UTF-8")?
                }
            };
            let description: serde_json::Value =
                serde_json::from_str(&text).context("the description is not JSON")?;
            let mut buffer = Vec::new();
            let range = hj212::json::encode_json(&description, &mut buffer)?;
            stdout.write_all(&buffer[range])?;
            Ok(())
        }
        Hj212Command::Crc { segment } => {
            let segment = match segment {
                Some(text) => text.into_bytes(),
                None => {
                    let mut bytes = read_input(None)?;
                    while bytes.last().is_some_and(|byte| *byte == b'\n' || *byte == b'\r') {
                        bytes.pop();
                    }
                    bytes
                }
            };
            writeln!(stdout, "{}", hj212::json::crc_report(&segment))?;
            Ok(())
        }
    }
}
