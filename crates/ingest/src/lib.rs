//! The HJ 212 device gateway.
//!
//! [`Gateway::bind`] opens the TCP listener and the group-commit writer;
//! [`Gateway::run`] serves devices until shutdown. For each packet the gateway
//! deframes and decodes it (crate `hj212`), authenticates the device by MN and
//! password, archives the raw packet and stores its readings through
//! [`store::Store::commit_batch`], and answers (9014, 9013, 9011) only after
//! that commit is durable. Refusals are archived, audited, logged and counted
//! ([`events`]).
//!
//! This crate is the only one that talks to devices. It knows nothing of HTTP.

mod auth;
mod codec;
mod config;
pub mod events;
mod gateway;
mod writer;

pub use auth::{Refusal, hash_device_password};
pub use config::IngestConfig;
pub use events::Metrics;
pub use gateway::Gateway;
