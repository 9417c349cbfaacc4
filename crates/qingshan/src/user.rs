//! `qingshan user …` and `qingshan token …`: accounts from the command line.
//!
//! The first administrator is created here (there is no default account and
//! no default password): `echo "$PASSWORD" | qingshan user add --name admin --role admin`.
//! Passwords are read from the first line of standard input, never from the
//! command line, and weak ones are refused (`model::account::check_password`).
//! API tokens are printed once at creation; the store keeps only their hash.
//! Every change is audited with the actor `cli`.

use std::io::{BufRead, Write};

use anyhow::{Context, bail};
use clap::Subcommand;
use model::Clock;
use model::account::{Role, UserName, check_binding, check_password};
use store::{ChangedBy, NewApiToken, NewUser};

use crate::ConfigArgs;

/// User management.
#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Create a user. The password is read from the first line of standard input.
    Add {
        #[command(flatten)]
        config: ConfigArgs,
        /// Login name (letters, digits, _ . - @).
        #[arg(long)]
        name: String,
        /// Role: admin, analyst, inspector or enterprise.
        #[arg(long)]
        role: String,
        /// The enterprise an enterprise user is bound to (as the points name it).
        #[arg(long)]
        enterprise: Option<String>,
    },
    /// List users.
    List {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Set a user's password (read from standard input); ends the user's sessions.
    Passwd {
        #[command(flatten)]
        config: ConfigArgs,
        /// Login name.
        #[arg(long)]
        name: String,
    },
    /// Retire a user: it can no longer log in; its history stays.
    Retire {
        #[command(flatten)]
        config: ConfigArgs,
        /// Login name.
        #[arg(long)]
        name: String,
    },
}

/// API token management.
#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create an API token for a machine client and print it (once).
    Create {
        #[command(flatten)]
        config: ConfigArgs,
        /// A label, e.g. the client's name.
        #[arg(long)]
        name: String,
        /// Role: public, enterprise, inspector, analyst or admin.
        #[arg(long)]
        role: String,
        /// The enterprise an enterprise token is bound to.
        #[arg(long)]
        enterprise: Option<String>,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// Revoke a token by id.
    Revoke {
        #[command(flatten)]
        config: ConfigArgs,
        /// The token's id (see `token list`).
        #[arg(long)]
        id: i64,
    },
}

fn cli_change() -> ChangedBy {
    ChangedBy { actor: "cli".to_owned(), at: model::SystemClock.now() }
}

fn read_password(name: &UserName) -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .context("cannot read the password from stdin")?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    check_password(&password, name).context(
        "refused (echo PASSWORD | qingshan user add …; at least 10 characters of two kinds)",
    )?;
    Ok(password)
}

fn hash(password: &str) -> anyhow::Result<String> {
    web::auth::hash_password(password)
        .map_err(|error| anyhow::anyhow!("cannot hash the password: {error}"))
}

fn find_user(store: &dyn store::Store, name: &str) -> anyhow::Result<store::UserRecord> {
    let name = UserName::parse(name)?;
    store.user_by_name(&name)?.with_context(|| format!("no user {name}"))
}

/// Runs a user subcommand.
pub(crate) fn run_user(command: UserCommand) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match command {
        UserCommand::Add { config, name, role, enterprise } => {
            let name = UserName::parse(&name)?;
            let role = Role::parse(&role)?;
            if role == Role::Public {
                bail!("role public is for anonymous visitors and tokens, not for users");
            }
            check_binding(role, enterprise.as_deref())?;
            let password = read_password(&name)?;
            let store = crate::services::open_store(&config.load()?)?;
            let id = store.create_user(
                &NewUser { name: name.clone(), role, enterprise, password_hash: hash(&password)? },
                &cli_change(),
            )?;
            writeln!(stdout, "user {name} created ({}, id {})", role.as_str(), id.0)?;
        }
        UserCommand::List { config } => {
            let store = crate::services::open_store(&config.load()?)?;
            for user in store.users()? {
                writeln!(
                    stdout,
                    "{}\t{}\t{}\t{}\t{}",
                    user.id.0,
                    user.name,
                    user.role.as_str(),
                    user.enterprise.as_deref().unwrap_or("-"),
                    if user.retired { "retired" } else { "active" }
                )?;
            }
        }
        UserCommand::Passwd { config, name } => {
            let store = crate::services::open_store(&config.load()?)?;
            let user = find_user(store.as_ref(), &name)?;
            let password = read_password(&user.user.name)?;
            store.set_password(user.user.id, &hash(&password)?, &cli_change())?;
            writeln!(stdout, "password of {} changed; its sessions ended", user.user.name)?;
        }
        UserCommand::Retire { config, name } => {
            let store = crate::services::open_store(&config.load()?)?;
            let user = find_user(store.as_ref(), &name)?;
            store.retire_user(user.user.id, &cli_change())?;
            writeln!(stdout, "user {} retired", user.user.name)?;
        }
    }
    Ok(())
}

/// Runs a token subcommand.
pub(crate) fn run_token(command: TokenCommand) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match command {
        TokenCommand::Create { config, name, role, enterprise } => {
            let role = Role::parse(&role)?;
            check_binding(role, enterprise.as_deref())?;
            if name.trim().is_empty() {
                bail!("--name is empty");
            }
            let store = crate::services::open_store(&config.load()?)?;
            let token = web::auth::new_token();
            let id = store.create_api_token(
                &NewApiToken { name, token_hash: web::auth::token_hash(&token), role, enterprise },
                &cli_change(),
            )?;
            writeln!(stdout, "token {id} ({}): {token}", role.as_str())?;
            writeln!(stdout, "use it as: Authorization: Bearer {token}")?;
            writeln!(stdout, "it is shown only now; the store keeps its hash")?;
        }
        TokenCommand::List { config } => {
            let store = crate::services::open_store(&config.load()?)?;
            for token in store.api_tokens()? {
                writeln!(
                    stdout,
                    "{}\t{}\t{}\t{}\tcreated {} by {}\t{}",
                    token.id,
                    token.name,
                    token.role.as_str(),
                    token.enterprise.as_deref().unwrap_or("-"),
                    token.created_at,
                    token.created_by,
                    token.revoked_at.map_or("active".to_owned(), |at| format!("revoked {at}"))
                )?;
            }
        }
        TokenCommand::Revoke { config, id } => {
            let store = crate::services::open_store(&config.load()?)?;
            store.revoke_api_token(id, &cli_change())?;
            writeln!(stdout, "token {id} revoked")?;
        }
    }
    Ok(())
}

/// The demo's accounts: the administrator `demo-admin` with a random password
/// (new each run; no default password exists) and an analyst API token.
/// Returns (password, token) to print.
pub(crate) fn demo_accounts(store: &dyn store::Store) -> anyhow::Result<(String, String)> {
    let name = UserName::parse("demo-admin")?;
    // A random password with letters, digits and a dash: passes the password rule.
    let password = format!("qs-{}", &web::auth::new_token()[..20]);
    let by = ChangedBy { actor: "demo".to_owned(), at: model::SystemClock.now() };
    match store.user_by_name(&name)? {
        Some(user) => store.set_password(user.user.id, &hash(&password)?, &by)?,
        None => {
            store.create_user(
                &NewUser {
                    name,
                    role: Role::Admin,
                    enterprise: None,
                    password_hash: hash(&password)?,
                },
                &by,
            )?;
        }
    }
    let token = web::auth::new_token();
    store.create_api_token(
        &NewApiToken {
            name: "demo".to_owned(),
            token_hash: web::auth::token_hash(&token),
            role: Role::Analyst,
            enterprise: None,
        },
        &by,
    )?;
    Ok((password, token))
}
