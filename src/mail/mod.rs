//! E-mail: messages are rendered (text and HTML parts from askama templates) and written to
//! the outbox table inside the caller's transaction; `worker` delivers them.

pub mod messages;
pub mod worker;

use diesel::prelude::*;

use crate::db::schema::outbox;
use crate::db::{now, DbConn};
use crate::error::AppError;

/// A message ready for the outbox.
pub trait Mail {
    fn subject(&self) -> String;
    fn text(&self) -> Result<String, askama::Error>;
    fn html(&self) -> Result<String, askama::Error>;
}

/// A file attached to a message (e.g. an `.ics` invitation). A text file (`text/*`) is kept as
/// it is; any other (an image) is kept base64-encoded, as the outbox's columns hold text, and
/// the worker decodes it when it sends.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub body: String,
}

impl Attachment {
    /// A binary file, such as a PNG.
    pub fn binary(filename: &str, content_type: &str, bytes: &[u8]) -> Attachment {
        use base64::Engine;
        Attachment {
            filename: filename.to_string(),
            content_type: content_type.to_string(),
            body: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    fn is_text(&self) -> bool {
        self.content_type.trim_start().to_ascii_lowercase().starts_with("text/")
    }

    /// The decoded bytes of a binary file; None for a text file, sent as it is kept.
    pub fn binary_body(&self) -> anyhow::Result<Option<Vec<u8>>> {
        use base64::Engine;
        if self.is_text() {
            return Ok(None);
        }
        Ok(Some(base64::engine::general_purpose::STANDARD.decode(self.body.trim())?))
    }
}

/// Writes `mail` for `to` into the outbox. Call it inside the transaction of the change that
/// caused the message, so both happen or neither does.
pub fn enqueue(conn: &mut DbConn, to: &str, to_name: &str, mail: &dyn Mail) -> Result<i64, AppError> {
    enqueue_with(conn, to, to_name, mail, None)
}

pub fn enqueue_with(
    conn: &mut DbConn,
    to: &str,
    to_name: &str,
    mail: &dyn Mail,
    attachment: Option<Attachment>,
) -> Result<i64, AppError> {
    enqueue_with_all(conn, to, to_name, mail, attachment.into_iter().collect())
}

/// Like [`enqueue`], with any number of attachments (a change notice carries an iTIP REQUEST
/// and a CANCEL: one calendar object holds one method).
pub fn enqueue_with_all(
    conn: &mut DbConn,
    to: &str,
    to_name: &str,
    mail: &dyn Mail,
    attachments: Vec<Attachment>,
) -> Result<i64, AppError> {
    let mut files = attachments.into_iter();
    let attachment = files.next();
    let more: Vec<serde_json::Value> = files
        .map(|a| serde_json::json!({"filename": a.filename, "content_type": a.content_type, "body": a.body}))
        .collect();
    let more = (!more.is_empty()).then(|| serde_json::Value::Array(more).to_string());
    let t = now();
    let id = diesel::insert_into(outbox::table)
        .values((
            outbox::message_id.eq(format!("{}@liaison", uuid::Uuid::new_v4().simple())),
            outbox::to_addr.eq(to),
            outbox::to_name.eq(to_name),
            outbox::subject.eq(mail.subject()),
            outbox::text_body.eq(mail.text()?),
            outbox::html_body.eq(mail.html()?),
            outbox::attachment_name.eq(attachment.as_ref().map(|a| a.filename.clone())),
            outbox::attachment_type.eq(attachment.as_ref().map(|a| a.content_type.clone())),
            outbox::attachment_body.eq(attachment.map(|a| a.body)),
            outbox::more_attachments.eq(more),
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(t),
            outbox::created_at.eq(t),
        ))
        .returning(outbox::id)
        .get_result(conn)?;
    Ok(id)
}

/// The attachments after the first, as the outbox keeps them.
pub(crate) fn more_attachments(stored: Option<&str>) -> anyhow::Result<Vec<Attachment>> {
    let Some(text) = stored.filter(|t| !t.is_empty()) else { return Ok(Vec::new()) };
    let list: Vec<serde_json::Value> = serde_json::from_str(text)?;
    list.iter()
        .map(|v| {
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
            match (field("filename"), field("content_type"), field("body")) {
                (Some(filename), Some(content_type), Some(body)) => Ok(Attachment { filename, content_type, body }),
                _ => anyhow::bail!("an attachment of this message is incomplete"),
            }
        })
        .collect()
}

/// Declares the text and HTML template wrappers of a message type and implements [`Mail`].
macro_rules! mail_templates {
    ($msg:ident, $text:ident = $text_path:literal, $html:ident = $html_path:literal, subject = |$m:ident| $subject:expr) => {
        #[derive(askama::Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            m: &'a $msg,
        }

        #[derive(askama::Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            m: &'a $msg,
        }

        impl $crate::mail::Mail for $msg {
            fn subject(&self) -> String {
                let $m = self;
                $subject
            }
            fn text(&self) -> Result<String, askama::Error> {
                askama::Template::render(&$text { m: self })
            }
            fn html(&self) -> Result<String, askama::Error> {
                askama::Template::render(&$html { m: self })
            }
        }
    };
}
pub(crate) use mail_templates;

/// A dead letter as admins see it (no bodies: they may hold single-use links).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct DeadLetter {
    pub id: i64,
    pub to_addr: String,
    pub to_name: String,
    pub subject: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}

/// The newest dead letters (up to `limit`) and how many there are.
pub fn dead_letters(conn: &mut DbConn, limit: i64) -> Result<(Vec<DeadLetter>, i64), AppError> {
    let dead = || outbox::table.filter(outbox::status.eq(worker::DEAD));
    let total = dead().count().get_result(conn)?;
    let rows = dead().order(outbox::id.desc()).limit(limit).select(DeadLetter::as_select()).load(conn)?;
    Ok((rows, total))
}

/// Puts a dead letter back in the queue with a fresh count of attempts; audited. `NotFound`
/// when `id` is not a dead letter (any more).
pub fn retry_dead_letter(conn: &mut DbConn, admin: i64, id: i64) -> Result<DeadLetter, AppError> {
    crate::db::write_transaction(conn, |c| {
        let letter = one_dead_letter(c, id)?;
        diesel::update(outbox::table.find(id).filter(outbox::status.eq(worker::DEAD)))
            .set((outbox::status.eq("pending"), outbox::attempts.eq(0), outbox::next_attempt_at.eq(now())))
            .execute(c)?;
        crate::audit::record(c, Some(admin), None, "mail.retry", &describe(&letter))?;
        Ok(letter)
    })
}

/// Deletes a dead letter; audited.
pub fn discard_dead_letter(conn: &mut DbConn, admin: i64, id: i64) -> Result<DeadLetter, AppError> {
    crate::db::write_transaction(conn, |c| {
        let letter = one_dead_letter(c, id)?;
        diesel::delete(outbox::table.find(id).filter(outbox::status.eq(worker::DEAD))).execute(c)?;
        crate::audit::record(c, Some(admin), None, "mail.discard", &describe(&letter))?;
        Ok(letter)
    })
}

fn one_dead_letter(c: &mut DbConn, id: i64) -> Result<DeadLetter, AppError> {
    Ok(outbox::table.find(id).filter(outbox::status.eq(worker::DEAD)).select(DeadLetter::as_select()).first(c)?)
}

fn describe(letter: &DeadLetter) -> String {
    format!("e-mail #{} to {}: {}", letter.id, letter.to_addr, worker::one_line(&letter.subject))
}
