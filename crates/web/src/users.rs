//! User management for administrators (issue #5): the users, a form to add
//! one, and per user a password reset and retirement. The same rules as the
//! CLI (`qingshan user add|passwd|retire`): a valid name, an enterprise
//! exactly for enterprise users, a password that [`check_password`] accepts,
//! argon2id hashes. Refusals are shown next to their fields (422); every
//! change is audited by the store with the signed-in administrator as actor.
//! Users are retired, never deleted.
//!
//! - `GET /admin/users`
//! - `POST /admin/users`: fields `name`, `role`, `enterprise`, `password`.
//! - `POST /admin/users/{name}/password`: field `password`.
//! - `POST /admin/users/{name}/retire`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use model::account::{AccountError, Role, User, UserName, check_binding, check_password};
use store::{ChangedBy, NewUser};

use crate::chart::escape;
use crate::export::{Cell, Table};
use crate::form::{self, Field, Input};
use crate::pages::{Ctx, PageError, PageResult, Section};

/// Messages next to fields, by field name.
type FieldErrors = BTreeMap<&'static str, String>;

fn role_label(ctx: &Ctx, role: Role) -> String {
    match ctx.lang {
        crate::i18n::Lang::Zh => role.name_zh().to_owned(),
        crate::i18n::Lang::En => role.as_str().to_owned(),
    }
}

/// `GET /admin/users`.
pub(crate) async fn list(ctx: Ctx) -> PageResult {
    page(&ctx, &[], &FieldErrors::new(), None, StatusCode::OK).await
}

/// The page: the users, then the add form with `values` and `errors`.
async fn page(
    ctx: &Ctx,
    values: &[(String, String)],
    errors: &FieldErrors,
    notice: Option<String>,
    status: StatusCode,
) -> PageResult {
    let users: Vec<User> = ctx.read(|store| store.users()).await?;
    let csrf = ctx.principal.csrf().unwrap_or_default();
    let rows = users
        .iter()
        .map(|user| {
            vec![
                Cell::text(user.name.as_str()),
                Cell::text(role_label(ctx, user.role)),
                Cell::text(user.enterprise.clone().unwrap_or_default()),
                if user.retired {
                    Cell::badge(ctx.t("registry.retired"), "#9E9E9E", "#FFFFFF")
                } else {
                    Cell::badge(ctx.t("registry.active"), "#00B050", "#FFFFFF")
                },
            ]
        })
        .collect();
    let table = Table {
        id: "users",
        headers: ctx.headers(&["users.name", "users.role", "users.enterprise", "registry.status"]),
        rows,
    };
    if let Some(export) = ctx.export(&[&table], "users") {
        return export;
    }
    let field = |name: &'static str, label: &str, input: Input| Field {
        name: name.to_owned(),
        label: label.to_owned(),
        value: if input == Input::Password {
            String::new()
        } else {
            form::value(values, name).to_owned()
        },
        error: errors.get(name).cloned(),
        required: name != "enterprise",
        input,
    };
    let roles: Vec<(String, String)> =
        [Role::Enterprise, Role::Inspector, Role::Analyst, Role::Admin]
            .iter()
            .map(|role| (role.as_str().to_owned(), role_label(ctx, *role)))
            .collect();
    let add = form::post_form(
        "user-add",
        "/admin/users",
        csrf,
        &[
            field("name", ctx.t("users.name"), Input::Text),
            field("role", ctx.t("users.role"), Input::Select(roles)),
            field("enterprise", ctx.t("users.enterprise_hint"), Input::Text),
            field("password", ctx.t("users.password"), Input::Password),
        ],
        ctx.t("users.add"),
    );
    // Per active user: reset the password, retire.
    let mut manage = String::new();
    for user in users.iter().filter(|user| !user.retired) {
        let name = user.name.as_str();
        let reset_field = Field {
            error: errors.get("reset").filter(|_| form::value(values, "user") == name).cloned(),
            ..field("password", ctx.t("users.new_password"), Input::Password)
        };
        manage.push_str(&format!(
            r#"<div class="actions" id="manage-{id}"><strong>{name}</strong>{reset}{retire}</div>"#,
            id = escape(name),
            name = escape(name),
            reset = form::post_form(
                &format!("reset-{name}"),
                &format!("/admin/users/{name}/password"),
                csrf,
                &[reset_field],
                ctx.t("users.reset"),
            ),
            retire = form::button_form(
                &format!("retire-{name}"),
                &format!("/admin/users/{name}/retire"),
                csrf,
                ctx.t("users.retire"),
            ),
        ));
    }
    let sections = vec![
        ctx.table_section(ctx.t("users.list"), &table),
        Section { id: "add".into(), heading: ctx.t("users.add").into(), body: add },
        Section { id: "manage".into(), heading: ctx.t("users.manage").into(), body: manage },
    ];
    let mut notices: Vec<String> = notice.into_iter().collect();
    if !errors.is_empty() {
        notices.push(ctx.t("users.refused").to_owned());
    }
    let mut response = ctx.page_with(
        ctx.chrome(),
        ctx.t("users.title").to_owned(),
        notices,
        String::new(),
        Vec::new(),
        sections,
    );
    *response.status_mut() = status;
    Ok(response)
}

fn account_message(ctx: &Ctx, error: &AccountError) -> String {
    format!("{}{error}", ctx.t("registry.field_refused"))
}

/// `POST /admin/users`: adds a user.
pub(crate) async fn add(ctx: Ctx, body: Bytes) -> Response {
    let pairs = form::fields(&body);
    let mut errors = FieldErrors::new();
    let name = match UserName::parse(form::value(&pairs, "name").trim()) {
        Ok(name) => Some(name),
        Err(error) => {
            errors.insert("name", account_message(&ctx, &error));
            None
        }
    };
    let role = match Role::parse(form::value(&pairs, "role")) {
        Ok(role) => Some(role),
        Err(error) => {
            errors.insert("role", account_message(&ctx, &error));
            None
        }
    };
    let enterprise =
        Some(form::value(&pairs, "enterprise").trim().to_owned()).filter(|text| !text.is_empty());
    if let Some(role) = role
        && let Err(error) = check_binding(role, enterprise.as_deref())
    {
        errors.insert("enterprise", account_message(&ctx, &error));
    }
    let password = form::value(&pairs, "password").to_owned();
    if let Some(name) = &name
        && let Err(error) = check_password(&password, name)
    {
        errors.insert("password", account_message(&ctx, &error));
    }
    let (Some(name), Some(role), true) = (name, role, errors.is_empty()) else {
        return page(&ctx, &pairs, &errors, None, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .into_response();
    };
    let outcome = async {
        let hash = hash(&ctx, password).await?;
        let user = NewUser { name: name.clone(), role, enterprise, password_hash: hash };
        let by = ChangedBy { actor: ctx.principal.actor(), at: ctx.state.clock.now() };
        let created = ctx.read(move |store| Ok(store.create_user(&user, &by))).await?;
        match created {
            Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
            Err(store::Error::AlreadyExists { .. }) => {
                let mut errors = FieldErrors::new();
                errors.insert("name", format!("{}{name}", ctx.t("users.exists")));
                page(&ctx, &pairs, &errors, None, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            Err(error) => Err(ctx.internal(error)),
        }
    };
    outcome.await.into_response()
}

/// Hashes `password` (argon2id) on a blocking thread.
async fn hash(ctx: &Ctx, password: String) -> Result<String, PageError> {
    tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
        .await
        .map_err(|error| ctx.internal(error))?
        .map_err(|error| ctx.internal(error))
}

/// The stored user named `name`, or 404.
async fn user_named(ctx: &Ctx, name: &str) -> Result<User, PageError> {
    let parsed = UserName::parse(name)
        .map_err(|_| ctx.not_found(format!("{} {name}", ctx.t("users.unknown"))))?;
    let record = ctx.read(move |store| store.user_by_name(&parsed)).await?;
    record
        .map(|record| record.user)
        .ok_or_else(|| ctx.not_found(format!("{} {name}", ctx.t("users.unknown"))))
}

/// `POST /admin/users/{name}/password`: sets a new password.
pub(crate) async fn reset_password(ctx: Ctx, Path(name): Path<String>, body: Bytes) -> Response {
    let outcome = async {
        let user = user_named(&ctx, &name).await?;
        let pairs = form::fields(&body);
        let password = form::value(&pairs, "password").to_owned();
        if let Err(error) = check_password(&password, &user.name) {
            let mut errors = FieldErrors::new();
            errors.insert("reset", account_message(&ctx, &error));
            let values = vec![("user".to_owned(), name.clone())];
            return page(&ctx, &values, &errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        let hash = hash(&ctx, password).await?;
        let by = ChangedBy { actor: ctx.principal.actor(), at: ctx.state.clock.now() };
        ctx.read(move |store| store.set_password(user.id, &hash, &by)).await?;
        let notice = format!("{} {name}", ctx.t("users.password_set"));
        page(&ctx, &[], &FieldErrors::new(), Some(notice), StatusCode::OK).await
    };
    outcome.await.into_response()
}

/// `POST /admin/users/{name}/retire`: the user can no longer log in (kept for the audit trail).
pub(crate) async fn retire(ctx: Ctx, Path(name): Path<String>) -> Response {
    let outcome = async {
        let user = user_named(&ctx, &name).await?;
        if ctx.principal.user_name().as_deref() == Some(user.name.as_str()) {
            let notice = ctx.t("users.not_yourself").to_owned();
            return page(&ctx, &[], &FieldErrors::new(), Some(notice), StatusCode::CONFLICT).await;
        }
        let by = ChangedBy { actor: ctx.principal.actor(), at: ctx.state.clock.now() };
        ctx.read(move |store| store.retire_user(user.id, &by)).await?;
        Ok(Redirect::to("/admin/users").into_response())
    };
    outcome.await.into_response()
}

#[cfg(test)]
mod tests;
