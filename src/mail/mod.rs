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

/// A file attached to a message (e.g. an `.ics` invitation).
#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub body: String,
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
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(t),
            outbox::created_at.eq(t),
        ))
        .returning(outbox::id)
        .get_result(conn)?;
    Ok(id)
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
