//! Golden tests: each `test_data/{ok,err,field}/NAME.txt` is a raw byte stream
//! from a device; `NAME.json` beside it is what the field tool prints for it
//! (one JSON value per deframer event). Update with `UPDATE_EXPECT=1 cargo test -p hj212`.
//!
//! - `ok/`: every frame decodes with no deviation;
//! - `field/`: real-device departures: every frame decodes, with deviations or skipped bytes;
//! - `err/`: at least one frame is refused or dropped.
//!
//! Files named `lenient_*` are decoded with `accept_modbus_crc` and `accept_wrong_length`.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use expect_test::expect_file;
use hj212::DecodeOptions;
use serde_json::{Value, json};

/// What the field tool prints for a byte stream.
fn render_stream(bytes: &[u8], options: &DecodeOptions) -> Vec<Value> {
    hj212::json::stream_to_json(bytes, options)
}

fn is_frame(value: &Value) -> bool {
    value.get("ok").is_some()
}

fn check(kind: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data").join(kind);
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs in {}", dir.display());
    for input in inputs {
        let name = input.file_stem().unwrap().to_string_lossy().into_owned();
        let options = if name.starts_with("lenient_") {
            DecodeOptions { accept_modbus_crc: true, accept_wrong_length: true, skip_crc: false }
        } else {
            DecodeOptions::default()
        };
        let bytes = std::fs::read(&input).unwrap();
        let events = render_stream(&bytes, &options);
        let frames: Vec<&Value> = events.iter().filter(|event| is_frame(event)).collect();
        match kind {
            "ok" => {
                assert!(!frames.is_empty(), "{name}: no frame");
                for frame in &frames {
                    assert_eq!(frame["ok"], json!(true), "{name}: {frame}");
                    assert_eq!(frame["deviations"], json!([]), "{name}: {frame}");
                }
                assert_eq!(
                    frames.len(),
                    events.iter().filter(|e| e.get("event") != Some(&json!("reassembled"))).count(),
                    "{name}"
                );
            }
            "field" => {
                assert!(!frames.is_empty(), "{name}: no frame");
                for frame in &frames {
                    assert_eq!(frame["ok"], json!(true), "{name}: {frame}");
                }
                let deviant = frames.iter().any(|frame| frame["deviations"] != json!([]))
                    || events.iter().any(|event| event.get("event").is_some());
                assert!(deviant, "{name}: nothing deviates; move it to ok/");
            }
            _ => {
                let refused = frames.iter().any(|frame| frame["ok"] == json!(false))
                    || events.iter().any(|event| event.get("event") == Some(&json!("dropped")));
                assert!(refused, "{name}: nothing refused");
                for frame in &frames {
                    if let Some(reason) = frame.get("reason") {
                        assert!(hj212::REASONS.contains(&reason.as_str().unwrap()), "{name}");
                    }
                }
            }
        }
        let rendered = serde_json::to_string_pretty(&Value::Array(events)).unwrap() + "\n";
        expect_file![input.with_extension("json")].assert_eq(&rendered);
    }
}

#[test]
fn ok() {
    check("ok");
}

#[test]
fn field() {
    check("field");
}

#[test]
fn err() {
    check("err");
}
