//! `qingshan registry …` as a user runs it: the sample, export and re-import,
//! a refused file, expiring permits; and the demo's registry over HTTP.

use crate::cli::qingshan;
use crate::util::TestServer;

#[test]
fn registry_import_export_round_trip_and_refusal_through_the_cli() {
    let server = TestServer::new("");
    let config = server.config_path.to_str().unwrap().to_owned();
    let (stdout, stderr, ok) =
        qingshan(&["registry", "import", "--config", &config, "--sample"], "");
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("imported ") && stdout.contains(" created, 0 updated"), "{stdout}");

    let export_dir = tempfile::tempdir().unwrap();
    let dir = export_dir.path().to_str().unwrap().to_owned();
    let (stdout, stderr, ok) = qingshan(
        &["registry", "export", "--config", &config, "--dir", &dir, "--format", "xlsx"],
        "",
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout.lines().count(), 10, "{stdout}");
    let mut files: Vec<String> = std::fs::read_dir(export_dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path().to_str().unwrap().to_owned())
        .collect();
    files.sort();
    let mut args = vec!["registry", "import", "--config", &config, "--actor", "alice"];
    args.extend(files.iter().map(String::as_str));
    let (stdout, stderr, ok) = qingshan(&args, "");
    assert!(ok, "{stderr}");
    assert!(stdout.contains(" 0 created, 0 updated (0 retired)"), "{stdout}");

    let bad = export_dir.path().join("enterprises.csv");
    std::fs::write(
        &bad,
        "uscc,name,industry,town,address,longitude,latitude\n\
         91511112MA65J0DT84,改名（模拟）,盐磷化工,511112101,地址,103.8,29.4\n",
    )
    .unwrap();
    let (_, stderr, ok) = qingshan(
        &["registry", "import", "--config", &config, "--actor", "alice", bad.to_str().unwrap()],
        "",
    );
    assert!(!ok);
    assert!(
        stderr.contains("enterprises.csv, line 2, column uscc: invalid unified social credit code \"91511112MA65J0DT84\": check character is '4', expected '5'"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");

    let (stdout, stderr, ok) =
        qingshan(&["registry", "expiring", "--config", &config, "--days", "100000"], "");
    assert!(ok, "{stderr}");
    assert_eq!(stdout.lines().count(), 30, "every active sample permit: {stdout}");
    let store = server.open_store();
    let audit = store::Store::audit_entries(&store, 1000).unwrap();
    assert!(
        audit.iter().all(|entry| entry.actor == "cli"),
        "the re-import and refusal audit nothing"
    );
}
