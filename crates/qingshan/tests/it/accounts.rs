//! Accounts end to end: the first administrator and an API token made with
//! the CLI, then used against a real `qingshan serve`.

use crate::cli::qingshan;
use crate::util::TestServer;

/// Runs `qingshan <args> --config <server's config>` with `stdin`.
fn cli(server: &TestServer, args: &[&str], stdin: &str) -> (String, String, bool) {
    let config = server.config_path.to_str().unwrap();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--config", config]);
    qingshan(&all, stdin)
}

/// Creates an API token of `role` with the CLI and returns it.
pub(crate) fn create_token(server: &TestServer, role: &str) -> String {
    let (stdout, stderr, ok) =
        cli(server, &["token", "create", "--name", "e2e", "--role", role], "");
    assert!(ok, "{stderr}");
    let line = stdout.lines().next().unwrap();
    line.rsplit(": ").next().unwrap().trim().to_owned()
}

#[test]
fn the_first_administrator_and_tokens_come_from_the_cli() {
    let mut server = TestServer::new("");
    let add =
        |stdin: &str| cli(&server, &["user", "add", "--name", "admin", "--role", "admin"], stdin);
    let (_, stderr, ok) = add("");
    assert!(!ok && stderr.contains("the password is empty"), "{stderr}");
    let (_, stderr, ok) = add("short1\n");
    assert!(!ok && stderr.contains("fewer than 10 characters"), "{stderr}");
    let (stdout, stderr, ok) = add("qingshan-2026!\n");
    assert!(ok, "{stderr}");
    assert!(stdout.contains("user admin created (admin"), "{stdout}");
    let (_, stderr, ok) = add("qingshan-2026!\n");
    assert!(!ok && stderr.contains("exists already"), "{stderr}");
    let (_, stderr, ok) =
        cli(&server, &["user", "add", "--name", "e1", "--role", "enterprise"], "qingshan-2026!\n");
    assert!(!ok && stderr.contains("must be bound to an enterprise"), "{stderr}");
    let (stdout, _, ok) = cli(&server, &["user", "list"], "");
    assert!(ok);
    assert!(stdout.contains("admin\tadmin\t-\tactive"), "{stdout}");

    let inspector = create_token(&server, "inspector");
    assert_eq!(inspector.len(), 64);
    let enterprise_token = {
        let (stdout, stderr, ok) = cli(
            &server,
            &["token", "create", "--name", "e", "--role", "enterprise", "--enterprise", "E1"],
            "",
        );
        assert!(ok, "{stderr}");
        stdout.lines().next().unwrap().rsplit(": ").next().unwrap().trim().to_owned()
    };
    server.start();
    let (status, _) = server.http_get_as("/api/v1/devices", None);
    assert_eq!(status, 401, "raw data needs a token");
    let (status, body) = server.http_get_as("/api/v1/devices", Some(&inspector));
    assert_eq!(status, 200, "{body}");
    let (status, _) = server.http_get_as("/api/v1/devices", Some(&enterprise_token));
    assert_eq!(status, 403, "devices are for staff");
    let (status, _) = server.http_get_as("/api/v1/devices", Some("not-a-token"));
    assert_eq!(status, 401);

    // Revoked tokens stop working at once.
    let (stdout, _, _) = cli(&server, &["token", "list"], "");
    let id = stdout.lines().next().unwrap().split('\t').next().unwrap().to_owned();
    let (_, stderr, ok) = cli(&server, &["token", "revoke", "--id", &id], "");
    assert!(ok, "{stderr}");
    let (status, _) = server.http_get_as("/api/v1/devices", Some(&inspector));
    assert_eq!(status, 401);

    let store = server.open_store();
    let actions: Vec<String> = store::Store::audit_entries(&store, 10)
        .unwrap()
        .into_iter()
        .map(|entry| format!("{} {}", entry.actor, entry.action))
        .collect();
    assert_eq!(
        actions[..4],
        ["cli token_revoked", "cli token_created", "cli token_created", "cli user_created"]
    );
}
