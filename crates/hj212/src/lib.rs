//! The HJ 212 wire codec (HJ/T 212-2005, HJ 212-2017, HJ 212-2025): bytes from
//! field devices in, typed packets out; packets for devices out.
//!
//! # Main types
//!
//! - [`Deframer`] ([`frame`]): a streaming deframer. Push socket reads into it,
//!   pull [`FrameEvent`]s: whole frames as owned bytes (for archiving), skipped
//!   garbage, dropped frames. Memory is bounded.
//! - [`decode_frame`] ([`packet`]): a frame into a [`Packet`] that borrows from
//!   the frame: header fields, [`Version`], the [`Deviations`] it was accepted
//!   with, and the CP data area ([`Cp`], [`cp`]) read lazily into
//!   [`CpItem`]s with typed [`Value`]s. [`DecodeOptions`] relaxes checks per device.
//! - [`crc`]: the HJ 212 CRC-16 (and CRC-16/MODBUS, seen in the wild).
//! - [`encode`]: answers (9011–9014), downlink commands (1011, 1012, 1062,
//!   history requests) and a general [`PacketWriter`] for uploads.
//! - [`version`]: every per-version difference in one table, command-code
//!   classification ([`CnKind`]) and the answer the standard expects.
//! - [`reassembly`]: sub-packet (PNUM/PNO) reassembly with bounds.
//! - [`codes`]: parameter-code registry and the 2005 → 2017 code mapping.
//! - [`json`]: the field tool's JSON rendering and encode-from-JSON.
//! - [`Error`] ([`error`]): one error enum, each variant with a fixed [`Error::reason`].
//!
//! # Example
//!
//! ```
//! use hj212::{Deframer, DeframerConfig, DecodeOptions, FrameEvent, Direction, Value};
//!
//! let mut deframer = Deframer::new(DeframerConfig::default());
//! deframer.push(b"noise##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;");
//! deframer.push(b"MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n");
//! assert_eq!(deframer.next_event(), Some(FrameEvent::Skipped { n_bytes: 5 }));
//! let Some(FrameEvent::Frame(frame)) = deframer.next_event() else { panic!() };
//! let packet = hj212::decode_frame(&frame, &DecodeOptions::default()).unwrap();
//! assert_eq!(packet.mn, "010000A8900016F000169DC0");
//! let item = packet.cp.items().next().unwrap();
//! assert_eq!(item.value(), Value::Number(30.0));
//! assert_eq!(packet.expected_answer(Direction::Downlink), Some(hj212::AnswerKind::Request));
//! ```
//!
//! # What this crate must not know
//!
//! It does no I/O, reads no clock (time-dependent parts take `now` as an
//! argument), spawns nothing, and never panics on any input. It depends on no
//! crate of ours: it is a pure leaf, and times stay local wall-clock times
//! ([`LocalDateTime`]) — conversion to UTC belongs to `model::time`.

pub mod codes;
pub mod cp;
pub mod crc;
pub mod deviation;
pub mod encode;
pub mod error;
pub mod frame;
pub mod json;
pub mod packet;
pub mod reassembly;
pub mod time;
pub mod version;

pub use cp::{Cp, CpItem, Field, Key, Value};
pub use deviation::{Deviation, Deviations};
pub use encode::{Header, PacketWriter};
pub use error::{Error, REASONS, Result};
pub use frame::{Deframer, DeframerConfig, DropReason, FrameEvent};
pub use packet::{DecodeOptions, Packet, decode_frame, decode_segment};
pub use reassembly::{Reassembler, ReassemblyConfig};
pub use time::LocalDateTime;
pub use version::{AnswerKind, CnKind, DataKind, Direction, ExeRtn, Flag, QnRtn, Version};
