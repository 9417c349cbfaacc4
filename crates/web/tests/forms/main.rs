//! The staff pages' forms in-process, as a browser uses them (session
//! cookie, CSRF token in the form, urlencoded or multipart bodies), through
//! the guarded router: the plan's entry form, device editing in the
//! registry forms, the alarm close form's attachment, and the corrected
//! readings' marker.

#![allow(clippy::unwrap_used)]

mod close_attachment;
mod corrected;
mod devices;
mod inbox_pages;
mod plan_entry;
mod registry_reasons;
mod util;
