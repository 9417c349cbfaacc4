//! HTML forms (and fact lists) of the staff pages (alarm handling, registry editing, user
//! management): fields with their label and, next to each field, the message
//! that refused its value; every POST form carries the session's CSRF token.
//!
//! Bodies arrive as `application/x-www-form-urlencoded` and are read by
//! [`fields`] into name/value pairs (the route guard has already checked the
//! `csrf` field).

use crate::chart::escape;

/// How a field is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Input {
    /// One line of text.
    Text,
    /// Several lines.
    Textarea,
    /// A password (never echoed back).
    Password,
    /// A choice among (value, label) pairs.
    Select(Vec<(String, String)>),
    /// A file (only in an [`upload_form`]; never echoed back).
    File,
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    /// The field's name in the body.
    pub(crate) name: String,
    /// The label shown.
    pub(crate) label: String,
    /// The value shown (what was sent, or the stored value).
    pub(crate) value: String,
    /// Why the value was refused; shown next to the field.
    pub(crate) error: Option<String>,
    /// Whether a value is required (marked with `*`).
    pub(crate) required: bool,
    /// How it is drawn.
    pub(crate) input: Input,
}

impl Field {
    /// A text field.
    pub(crate) fn text(name: &str, label: &str, value: &str) -> Field {
        Field {
            name: name.to_owned(),
            label: label.to_owned(),
            value: value.to_owned(),
            error: None,
            required: false,
            input: Input::Text,
        }
    }

    /// The field's HTML: label, input and its message (`id="error-<name>"`).
    fn html(&self) -> String {
        let name = escape(&self.name);
        let id = format!("field-{name}");
        let invalid = if self.error.is_some() { r#" aria-invalid="true""# } else { "" };
        let required = if self.required { " required" } else { "" };
        let input = match &self.input {
            Input::Text => format!(
                r#"<input id="{id}" name="{name}" value="{}"{invalid}{required}>"#,
                escape(&self.value)
            ),
            Input::File => {
                format!(r#"<input id="{id}" name="{name}" type="file"{invalid}{required}>"#)
            }
            Input::Password => format!(
                r#"<input id="{id}" name="{name}" type="password" autocomplete="new-password"{invalid}{required}>"#
            ),
            Input::Textarea => format!(
                r#"<textarea id="{id}" name="{name}" rows="3"{invalid}{required}>{}</textarea>"#,
                escape(&self.value)
            ),
            Input::Select(options) => {
                let options: String = options
                    .iter()
                    .map(|(value, label)| {
                        let selected = if *value == self.value { " selected" } else { "" };
                        format!(
                            r#"<option value="{}"{selected}>{}</option>"#,
                            escape(value),
                            escape(label)
                        )
                    })
                    .collect();
                format!(r#"<select id="{id}" name="{name}"{invalid}>{options}</select>"#)
            }
        };
        let error = self.error.as_ref().map_or_else(String::new, |error| {
            format!(r#"<span class="field-error" id="error-{name}">{}</span>"#, escape(error))
        });
        let mark = if self.required { " *" } else { "" };
        format!(
            r#"<div class="field"><label for="{id}">{}{mark}</label>{input}{error}</div>"#,
            escape(&self.label)
        )
    }
}

/// A POST form to `action` with the CSRF token, `fields` and a submit button
/// (`id="<id>-submit"`).
pub(crate) fn post_form(
    id: &str,
    action: &str,
    csrf: &str,
    fields: &[Field],
    submit: &str,
) -> String {
    let fields: String = fields.iter().map(Field::html).collect();
    format!(
        r#"<form class="stack" method="post" action="{action}" id="{id}"><input type="hidden" name="csrf" value="{csrf}">{fields}<button type="submit" class="button" id="{id}-submit">{submit}</button></form>"#,
        id = escape(id),
        action = escape(action),
        csrf = escape(csrf),
        submit = escape(submit),
    )
}

/// A POST form like [`post_form`] sent as `multipart/form-data`, for forms
/// with a file field (the CSRF token is its first field; the guard reads it).
pub(crate) fn upload_form(
    id: &str,
    action: &str,
    csrf: &str,
    fields: &[Field],
    submit: &str,
) -> String {
    post_form(id, action, csrf, fields, submit).replacen(
        r#"method="post""#,
        r#"method="post" enctype="multipart/form-data""#,
        1,
    )
}

/// A form that is only a button (acknowledge, retire): POST to `action`.
pub(crate) fn button_form(id: &str, action: &str, csrf: &str, submit: &str) -> String {
    post_form(id, action, csrf, &[], submit).replace(r#"class="stack""#, r#"class="inline""#)
}

/// A record's facts as a definition list: (label, value) pairs, both escaped.
pub(crate) fn facts(id: &str, pairs: &[(String, String)]) -> String {
    let items: String = pairs
        .iter()
        .map(|(label, value)| format!("<dt>{}</dt><dd>{}</dd>", escape(label), escape(value)))
        .collect();
    format!(r#"<dl class="facts" id="{}">{items}</dl>"#, escape(id))
}

/// The name/value pairs of a urlencoded body, without the CSRF token.
pub(crate) fn fields(body: &[u8]) -> Vec<(String, String)> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    pairs.into_iter().filter(|(name, _)| name != "csrf").collect()
}

/// A file sent with an upload form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UploadedFile {
    /// The form field it came in.
    pub(crate) field: String,
    /// The file name the browser gave.
    pub(crate) file_name: String,
    /// Its media type (`application/octet-stream` when the browser gave none).
    pub(crate) media_type: String,
    /// Its bytes.
    pub(crate) bytes: Vec<u8>,
}

/// What an [`upload_form`] sent: its text fields (without the CSRF token) and its files.
#[derive(Debug, Default)]
pub(crate) struct Upload {
    /// Name/value pairs of the text fields.
    pub(crate) fields: Vec<(String, String)>,
    /// The files; a file field left empty (no name, no bytes) is not one.
    pub(crate) files: Vec<UploadedFile>,
}

impl Upload {
    /// The file sent in `field`, if any.
    pub(crate) fn take_file(&mut self, field: &str) -> Option<UploadedFile> {
        let index = self.files.iter().position(|file| file.field == field)?;
        Some(self.files.remove(index))
    }
}

/// Reads a `multipart/form-data` body; `Err` with the reason when it is not one.
pub(crate) async fn upload(
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Upload, String> {
    let mut multipart = multipart.map_err(|rejection| rejection.body_text())?;
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(|error| error.body_text())? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let media_type =
                    field.content_type().unwrap_or("application/octet-stream").to_owned();
                let bytes = field.bytes().await.map_err(|error| error.body_text())?.to_vec();
                if !(file_name.is_empty() && bytes.is_empty()) {
                    upload.files.push(UploadedFile { field: name, file_name, media_type, bytes });
                }
            }
            None => {
                let text = field.text().await.map_err(|error| error.body_text())?;
                if name != "csrf" {
                    upload.fields.push((name, text));
                }
            }
        }
    }
    Ok(upload)
}

/// The value of `name` among `pairs` (empty if absent).
pub(crate) fn value<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().find(|(key, _)| key == name).map_or("", |(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_field_shows_its_message_and_keeps_the_value() {
        let mut field = Field::text("uscc", "统一社会信用代码", "<bad>");
        field.error = Some("not a valid code".into());
        field.required = true;
        let html = post_form("edit", "/registry/enterprises", "tok", &[field], "保存");
        assert!(html.contains(r#"value="&lt;bad&gt;" aria-invalid="true" required"#), "{html}");
        assert!(
            html.contains(r#"<span class="field-error" id="error-uscc">not a valid code</span>"#)
        );
        assert!(html.contains(r#"name="csrf" value="tok""#));
        let pairs = fields(b"csrf=tok&note=%E5%B7%B2%E5%A4%84%E7%90%86&x=1");
        assert_eq!(value(&pairs, "note"), "已处理");
        assert_eq!(value(&pairs, "csrf"), "", "the token is not a field");
    }
}
