//! Tidy: `hj212` is a pure leaf. It depends on none of our crates, and its
//! sources read no clock and do no I/O.

// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::Path;

const OUR_CRATES: &[&str] = &[
    "standards",
    "model",
    "evidence",
    "store",
    "ingest",
    "evaluation",
    "alarms",
    "registry",
    "plan",
    "web",
    "simulator",
    "qingshan",
];

#[test]
fn depends_on_no_crate_of_ours() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let mut section = "";
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
            continue;
        }
        if section.contains("dependencies") {
            let name = line.split(['=', '.', ' ']).next().unwrap_or("");
            assert!(!OUR_CRATES.contains(&name), "hj212 must not depend on {name} ({section})");
        }
    }
}

#[test]
fn sources_do_no_io_and_read_no_clock() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for forbidden in [
            "std::fs",
            "std::net",
            "std::time",
            "SystemTime::now",
            "Instant::now",
            "std::thread",
            "std::env",
            "tokio",
        ] {
            assert!(!text.contains(forbidden), "{} uses {forbidden}", path.display());
        }
    }
}
