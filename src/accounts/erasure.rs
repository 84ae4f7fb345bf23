//! What deleting an account erases beyond the rows that belong to it (those go with the
//! `users` row through ON DELETE CASCADE): the person's name and address where they appear in
//! other people's data: speaker lines of programmes, invitations organisers imported, copies
//! of e-mails sent to others (a partner's "meeting request from …"), and the audit log.
//! README ("Deleting an account") says what is kept and why.

use diesel::prelude::*;

use super::model::User;
use crate::db::schema::{agenda_sessions, audit_log, event_invitations, outbox, session_speakers};
use crate::db::{now, DbConn};
use crate::error::AppError;

/// What a deleted person's name becomes in what others keep.
pub const FORMER_PARTICIPANT: &str = "a former participant";

/// Erases `user`'s traces from other people's data. Runs inside the deletion's transaction,
/// before the `users` row is removed (speaker lines are found by their link to it).
pub fn erase_traces(c: &mut DbConn, user: &User) -> Result<(), AppError> {
    // A speaker line is the person's name on a public programme: the session stays, the line
    // goes (a talk by nobody in particular is still a talk).
    let spoke_in: Vec<i64> = session_speakers::table
        .filter(session_speakers::user_id.eq(user.id))
        .select(session_speakers::session_id)
        .load(c)?;
    diesel::delete(session_speakers::table.filter(session_speakers::user_id.eq(user.id))).execute(c)?;
    // The calendar entries of those sessions name the speakers: a new SEQUENCE makes
    // subscribed calendars replace them.
    diesel::update(agenda_sessions::table.filter(agenda_sessions::id.eq_any(&spoke_in)))
        .set((agenda_sessions::sequence.eq(agenda_sessions::sequence + 1), agenda_sessions::updated_at.eq(now())))
        .execute(c)?;
    diesel::delete(event_invitations::table.filter(event_invitations::email.eq(&user.email))).execute(c)?;
    let needles = Needles::of(user);

    // Copies of mails to others that name them.
    type Copy = (i64, String, String, String, Option<String>, Option<String>);
    let rows: Vec<Copy> = outbox::table
        .filter(outbox::to_addr.ne(&user.email))
        .filter(mentions!(needles, outbox::subject, outbox::text_body, outbox::html_body))
        .select((
            outbox::id,
            outbox::subject,
            outbox::text_body,
            outbox::html_body,
            outbox::attachment_body,
            outbox::more_attachments,
        ))
        .load(c)?;
    for (id, subject, text, html, attachment, more) in rows {
        diesel::update(outbox::table.find(id))
            .set((
                outbox::subject.eq(needles.erase(&subject)),
                outbox::text_body.eq(needles.erase(&text)),
                outbox::html_body.eq(needles.erase(&html)),
                outbox::attachment_body.eq(attachment.map(|a| needles.erase(&a))),
                outbox::more_attachments.eq(more.map(|a| needles.erase(&a))),
            ))
            .execute(c)?;
    }

    let rows: Vec<(i64, String)> = audit_log::table
        .filter(mentions!(needles, audit_log::detail, audit_log::detail, audit_log::detail))
        .select((audit_log::id, audit_log::detail))
        .load(c)?;
    for (id, detail) in rows {
        diesel::update(audit_log::table.find(id)).set(audit_log::detail.eq(needles.erase(&detail))).execute(c)?;
    }
    Ok(())
}

/// The forms in which a person's name and address appear in stored text.
struct Needles {
    /// LIKE patterns, each matching one form anywhere in a column.
    patterns: Vec<String>,
    /// (form, whether it must stand as a whole word).
    forms: Vec<(String, bool)>,
}

/// A row where any of the three text columns matches any pattern (SQL `LIKE … ESCAPE '\'`).
macro_rules! mentions {
    ($n:expr, $a:expr, $b:expr, $c:expr) => {{
        let mut cond: Box<dyn BoxableExpression<_, crate::db::DbBackend, SqlType = diesel::sql_types::Bool>> =
            Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0"));
        for p in &$n.patterns {
            cond = Box::new(
                cond.or($a.like(p.clone()).escape('\\'))
                    .or($b.like(p.clone()).escape('\\'))
                    .or($c.like(p.clone()).escape('\\')),
            );
        }
        cond
    }};
}
use mentions;

impl Needles {
    fn of(user: &User) -> Needles {
        let mut forms = vec![(user.email.clone(), false)];
        let name = user.name.trim();
        // A name of one or two letters would also match inside ordinary words and initials.
        if name.chars().count() >= 3 {
            forms.push((name.to_string(), true));
            let escaped = html_escaped(name);
            if escaped != name {
                forms.push((escaped, true));
            }
        }
        let patterns = forms.iter().map(|(f, _)| format!("%{}%", like_escaped(f))).collect();
        Needles { patterns, forms }
    }

    fn erase(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (form, whole_word) in &self.forms {
            out = replace(&out, form, FORMER_PARTICIPANT, *whole_word);
        }
        out
    }
}

/// Replaces each occurrence of `needle`; with `whole_word`, only where it is not part of a
/// longer word ("Al" stays in "Also").
fn replace(text: &str, needle: &str, with: &str, whole_word: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(needle) {
        let before = rest[..i].chars().next_back().or_else(|| out.chars().next_back());
        let after = rest[i + needle.len()..].chars().next();
        let bounded = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        out.push_str(&rest[..i]);
        if !whole_word || (bounded(before) && bounded(after)) {
            out.push_str(with);
        } else {
            out.push_str(needle);
        }
        rest = &rest[i + needle.len()..];
    }
    out.push_str(rest);
    out
}

/// The name as askama writes it into an HTML part.
fn html_escaped(s: &str) -> String {
    use askama::filters::Escaper;
    let mut out = String::new();
    askama::filters::Html.write_escaped_str(&mut out, s).map(|_| out).unwrap_or_else(|_| s.to_string())
}

fn like_escaped(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_replaced_as_whole_words_and_addresses_anywhere() {
        assert_eq!(replace("Ada wrote to Adam.", "Ada", "X", true), "X wrote to Adam.");
        assert_eq!(replace("Meeting request from Ada", "Ada", "X", true), "Meeting request from X");
        assert_eq!(replace("mail ada@x.org, ada@x.org", "ada@x.org", "X", false), "mail X, X");
        assert_eq!(replace("Ada Ada", "Ada", "X", true), "X X");
        assert_eq!(replace("nothing", "Ada", "X", true), "nothing");
    }

    #[test]
    fn html_forms_and_like_patterns_are_escaped() {
        assert_ne!(html_escaped("O'Neil & Co"), "O'Neil & Co");
        assert!(!html_escaped("O'Neil & Co").contains('\''));
        assert_eq!(like_escaped("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
