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
//! The gateway's loop: deframe, decode, read typed values, answer.
//!
//! ```
//! use hj212::{DecodeOptions, Deframer, DeframerConfig, Direction, FrameEvent, Key, Value};
//!
//! let mut deframer = Deframer::new(DeframerConfig::default());
//! let mut answers = Vec::new();
//! deframer.push(b"noise##0141QN=20240512103015001;ST=32;CN=2011;PW=123456;MN=010000A8900016F000169DC0;");
//! deframer.push(b"Flag=5;CP=&&DataTime=20240512103015;w01018-Rtd=166.9,w01018-Flag=N&&4100\r\n");
//! while let Some(event) = deframer.next_event() {
//!     let FrameEvent::Frame(frame) = event else { continue }; // Skipped / Dropped: count them
//!     let packet = match hj212::decode_frame(&frame, &DecodeOptions::default()) {
//!         Ok(packet) => packet,
//!         Err(error) => { let _ = error.reason(); continue } // archive `frame`, count the reason
//!     };
//!     for item in packet.cp.items() {
//!         match (item.key, item.value()) {
//!             (Key::Param { code, field }, Value::Number(value)) => { let _ = (code, field, value); }
//!             (key, value) => { let _ = (key, value); } // flags, DataTime, command keys
//!         }
//!     }
//!     if packet.expected_answer(Direction::Uplink) == Some(hj212::AnswerKind::Data) {
//!         hj212::encode::data_answer(&mut answers, &packet).unwrap(); // 9014, after commit
//!     }
//! }
//! assert!(answers.starts_with(b"##0087QN=20240512103015001;ST=91;CN=9014;"));
//! ```
//!
//! The simulator builds uploads into one reusable buffer:
//!
//! ```
//! use hj212::{Field, Flag, Header, PacketWriter};
//!
//! let mut buf = Vec::with_capacity(1024);
//! let header = Header { qn: Some("20240512103000123"), st: "32", cn: "2051", pw: Some("123456"),
//!     mn: "010000A8900016F000169DC0", flag: Some(Flag(5)), subpacket: None };
//! let mut writer = PacketWriter::begin(&mut buf, &header);
//! writer.plain("DataTime", "20240512102900");
//! writer.param("w01018").number(Field::Avg, 21.4, 1).text(Field::Flag, "N");
//! writer.param("w00000").number(Field::Avg, 12.5, 1).number(Field::Cou, 750.0, 1).text(Field::Flag, "N");
//! let frame = writer.finish().unwrap(); // range of the whole frame in `buf`
//! assert!(hj212::decode_frame(&buf[frame], &Default::default()).unwrap().deviations.is_empty());
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
