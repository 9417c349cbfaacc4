//! Tidy tests: formatting, lints and the dependency rules of ARCHITECTURE.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn crate_manifests() -> BTreeMap<String, toml::Table> {
    let mut manifests = BTreeMap::new();
    for entry in std::fs::read_dir(workspace_root().join("crates")).unwrap() {
        let path = entry.unwrap().path();
        let manifest = path.join("Cargo.toml");
        if manifest.exists() {
            let table: toml::Table = std::fs::read_to_string(&manifest).unwrap().parse().unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            manifests.insert(name, table);
        }
    }
    manifests
}

fn normal_dependencies(manifest: &toml::Table) -> Vec<String> {
    manifest
        .get("dependencies")
        .and_then(|deps| deps.as_table())
        .map(|deps| deps.keys().cloned().collect())
        .unwrap_or_default()
}

/// Which of our crates each crate may depend on: dependencies point one way.
fn allowed_internal(name: &str) -> &'static [&'static str] {
    match name {
        "hj212" | "standards" | "evidence" => &[],
        "model" => &[],
        "store" => &["model", "evidence"],
        "ingest" => &["hj212", "model", "store", "evidence"],
        "evaluation" | "alarms" | "registry" | "plan" => {
            &["standards", "model", "store", "evidence"]
        }
        "simulator" => &["hj212", "model", "store"],
        "batch" => &["standards"],
        "casefile" => &["model", "store"],
        "web" => &[
            "model",
            "store",
            "standards",
            "evidence",
            "registry",
            "plan",
            "casefile",
            "evaluation",
        ],
        "qingshan" => &[
            "hj212",
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
            "batch",
            "casefile",
        ],
        _ => &[],
    }
}

#[test]
fn dependencies_point_one_way() {
    let manifests = crate_manifests();
    let ours: Vec<&String> = manifests.keys().collect();
    for (name, manifest) in &manifests {
        assert_eq!(
            manifest["package"]["name"].as_str(),
            Some(name.as_str()),
            "folder and crate name differ"
        );
        for dependency in normal_dependencies(manifest) {
            if ours.contains(&&dependency) {
                assert!(
                    allowed_internal(name).contains(&dependency.as_str()),
                    "crate {name} must not depend on {dependency} (see ARCHITECTURE.md)"
                );
            }
        }
    }
}

#[test]
fn one_crate_per_outside_world() {
    for (name, manifest) in crate_manifests() {
        let deps = normal_dependencies(&manifest);
        for (outside, owner) in
            [("rusqlite", "store"), ("sqlx", "store"), ("postgres", "store"), ("axum", "web")]
        {
            assert!(
                owner == name || !deps.iter().any(|dep| dep == outside),
                "only {owner} may use {outside}, not {name}"
            );
        }
    }
}

#[test]
fn every_crate_uses_workspace_lints_and_has_root_docs() {
    for (name, manifest) in crate_manifests() {
        assert_eq!(
            manifest
                .get("lints")
                .and_then(|lints| lints.get("workspace"))
                .and_then(|w| w.as_bool()),
            Some(true),
            "{name}: [lints] workspace = true"
        );
        let root = workspace_root().join("crates").join(&name).join("src");
        let source = ["lib.rs", "main.rs"]
            .iter()
            .map(|file| root.join(file))
            .find(|path| path.exists())
            .unwrap();
        let text = std::fs::read_to_string(&source).unwrap();
        assert!(text.starts_with("//!"), "{} must start with //! crate docs", source.display());
    }
}

#[test]
fn pure_crates_depend_on_none_of_ours_and_do_no_io() {
    let manifests = crate_manifests();
    for pure in ["hj212", "standards"] {
        let Some(manifest) = manifests.get(pure) else { continue };
        for forbidden in ["tokio", "rusqlite", "axum", "model", "store"] {
            assert!(
                !normal_dependencies(manifest).iter().any(|dep| dep == forbidden),
                "{pure} must not depend on {forbidden}"
            );
        }
    }
}

#[test]
fn formatting_is_rustfmt_clean() {
    let output = Command::new(env!("CARGO"))
        .args(["fmt", "--all", "--", "--check"])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    if String::from_utf8_lossy(&output.stderr).contains("not installed") {
        panic!("rustfmt is not installed: run `rustup component add rustfmt`");
    }
    assert!(
        output.status.success(),
        "cargo fmt --check failed:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Clippy with warnings denied. It needs its own target directory (the test's
/// cargo holds the main one), so it runs where CI=true or QINGSHAN_TIDY_CLIPPY=1
/// and says loudly that it was skipped elsewhere.
#[test]
fn clippy_is_clean_with_warnings_denied() {
    let wanted = std::env::var("CI").is_ok_and(|value| value == "true")
        || std::env::var("QINGSHAN_TIDY_CLIPPY").is_ok();
    if !wanted {
        eprintln!(
            "SKIPPED clippy_is_clean_with_warnings_denied: set CI=true or QINGSHAN_TIDY_CLIPPY=1 to run it"
        );
        return;
    }
    let target = workspace_root().join("target/tidy-clippy");
    let output = Command::new(env!("CARGO"))
        .args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])
        .env("CARGO_TARGET_DIR", target)
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo clippy failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
