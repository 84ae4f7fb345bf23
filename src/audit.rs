//! The audit log: who changed what, shown to admins and on the event's organiser page.
//!
//! Rows keep a code (`area.action`) and a detail written as words; [`sentence`] turns the two
//! into what a person reads ("Ana moved the meeting of X and Y from … to …"), so the pages
//! never show a code.

use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{audit_log, events, users};
use crate::db::{now, DbConn};
use crate::error::AppError;

pub fn record(
    conn: &mut DbConn,
    actor: Option<i64>,
    subject_user: Option<i64>,
    action: &str,
    detail: &str,
) -> Result<(), AppError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(actor),
            audit_log::subject_user_id.eq(subject_user),
            audit_log::action.eq(action),
            audit_log::detail.eq(detail),
            audit_log::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// An organiser's action on an event, shown on the event's pages.
pub fn record_event(
    conn: &mut DbConn,
    actor: Option<i64>,
    event_id: i64,
    action: &str,
    detail: &str,
) -> Result<(), AppError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(actor),
            audit_log::event_id.eq(Some(event_id)),
            audit_log::action.eq(action),
            audit_log::detail.eq(detail),
            audit_log::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest entries about one event.
pub fn for_event(conn: &mut DbConn, event_id: i64, limit: i64) -> Result<Vec<AuditEntry>, AppError> {
    let rows: Vec<(NaiveDateTime, Option<String>, String, String)> = audit_log::table
        .left_join(users::table.on(users::id.nullable().eq(audit_log::actor_id)))
        .filter(audit_log::event_id.eq(Some(event_id)))
        .order(audit_log::id.desc())
        .limit(limit)
        .select((audit_log::created_at, users::name.nullable(), audit_log::action, audit_log::detail))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(at, actor, action, detail)| AuditEntry { at, actor, action, detail, event: None })
        .collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub at: NaiveDateTime,
    pub actor: Option<String>,
    pub action: String,
    pub detail: String,
    /// The event's title, in the admins' log (which spans every event).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

impl AuditEntry {
    /// The entry as a sentence: who did what.
    pub fn sentence(&self) -> String {
        sentence(self.actor.as_deref(), &self.action, &self.detail)
    }

    /// When, in the zone `tz` ("Tue 3 Mar, 10:05"; the year only when it is not this year's).
    pub fn when(&self, tz: Tz) -> String {
        let this_year = tz.from_utc_datetime(&now()).year();
        when_label(tz.from_utc_datetime(&self.at), this_year)
    }

    /// When, in UTC (the admins' log, which spans every event).
    pub fn when_utc(&self) -> String {
        self.when(chrono_tz::UTC)
    }

    /// The instant for a `<time datetime>` attribute.
    pub fn iso(&self) -> String {
        self.at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// "Tue 3 Mar, 10:05", with the year when it differs from `this_year`.
pub fn when_label(at: DateTime<Tz>, this_year: i32) -> String {
    let format = if at.year() == this_year { "%a %-d %b, %H:%M" } else { "%a %-d %b %Y, %H:%M" };
    at.format(format).to_string()
}

/// A detail that starts with a past-tense verb ("moved …", "added …") is a whole phrase.
fn verb_led(d: &str) -> bool {
    let first = d.split_whitespace().next().unwrap_or_default();
    ["moved", "renamed", "edited", "cancelled", "restored", "added", "deleted", "saved"].contains(&first)
}

/// Straight double quotes as typographic pairs: "X" → “X”.
fn curly(d: &str) -> String {
    let mut open = true;
    d.chars()
        .map(|c| {
            if c == '"' {
                let q = if open { '\u{201c}' } else { '\u{201d}' };
                open = !open;
                q
            } else {
                c
            }
        })
        .collect()
}

/// How the log names Liaison itself (an automatic placement, the create-admin command).
pub const LIAISON: &str = "Liaison";

/// Codes Liaison records with no person behind them. A known code without an actor is a
/// person's action whose account was deleted since (the row's actor became NULL).
const BY_LIAISON: &[&str] =
    &["event.change_notified", "matchmaking.meeting_placed", "role.admin.granted", "session.notified"];

/// The name an entry gives its actor: the person's name, [`LIAISON`], or "a former participant".
pub fn actor_label<'a>(actor: Option<&'a str>, action: &str) -> &'a str {
    match actor {
        Some(name) => name,
        None if BY_LIAISON.contains(&action) || phrase(action, "").is_none() => LIAISON,
        None => crate::accounts::erasure::FORMER_PARTICIPANT,
    }
}

/// The sentence a person reads for one row: "<actor> <what they did>.".
pub fn sentence(actor: Option<&str>, action: &str, detail: &str) -> String {
    let d = detail.trim();
    let who = actor_label(actor, action);
    let left = match action {
        "matchmaking.left" => Some("left matchmaking"),
        "matchmaking.unregistered" => Some("is no longer registered"),
        "matchmaking.deleted" => Some("deleted their account"),
        _ => None,
    };
    let s = if let Some(verb) = left {
        // "X; 3 meetings cancelled": X is the person who left, who may not be the actor.
        let (person, rest) = d.split_once("; ").map_or((d, ""), |(p, r)| (p, r));
        let rest = if rest.is_empty() { String::new() } else { format!("; {rest}") };
        match actor {
            Some(name) if action == "matchmaking.left" && name != person && !person.is_empty() => {
                format!("{name} took {person} out of matchmaking{rest}")
            }
            _ if person.is_empty() => format!("{who} {verb}{rest}"),
            _ => format!("{person} {verb}{rest}"),
        }
    } else {
        match phrase(action, d) {
            Some(p) => format!("{who} {p}"),
            None => {
                let code = readable_code(action);
                if d.is_empty() {
                    format!("{who} made a change ({code})")
                } else {
                    format!("{who} made a change ({code}): {d}")
                }
            }
        }
    };
    finish(s)
}

/// A code in words, for codes without a phrase: "matchmaking.meeting_split" → "matchmaking: meeting split".
fn readable_code(action: &str) -> String {
    let words = |s: &str| s.replace(['.', '_'], " ");
    match action.split_once('.') {
        Some((area, rest)) => format!("{}: {}", words(area), words(rest)),
        None => words(action),
    }
}

/// Capital first letter when the sentence opens with the log's own words, and a full stop.
fn finish(mut s: String) -> String {
    let former = crate::accounts::erasure::FORMER_PARTICIPANT;
    if s.starts_with(former) {
        s.replace_range(..1, &former[..1].to_uppercase());
    }
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

/// "A", "A and B", "A, B and C": names in a detail.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// What the actor did, in words, for every code Liaison records; `None` for an unknown code.
/// Details are words already (names, titles, times in the event's zone); older rows written
/// before details were words read sensibly too.
fn phrase(action: &str, d: &str) -> Option<String> {
    // The programme's details are written as the action itself ("moved \"X\" from … to …"):
    // they read as they are, with typographic quotes.
    let programme =
        ["room.", "track.", "session."].iter().any(|p| action.starts_with(p)) && action != "session.notified";
    if programme && verb_led(d) {
        return Some(curly(d));
    }
    // "the session “Keynote”", or "the session" when the detail is empty.
    let named = |what: &str| if d.is_empty() { what.to_string() } else { format!("{what} “{d}”") };
    // "moved the meeting of …", or "moved a meeting" when the detail is empty.
    let then = |verb: &str, none: &str| match (d.is_empty(), none.is_empty()) {
        (false, _) => format!("{verb} {d}"),
        (true, false) => format!("{verb} {none}"),
        (true, true) => verb.to_string(),
    };
    // Registration details were once "approved: Alice, Bruno".
    let people =
        || d.split_once(": ").filter(|(p, _)| PAST_TENSES.contains(p)).map_or(d, |(_, names)| names).to_string();
    let people = || Some(people()).filter(|p| !p.is_empty()).unwrap_or_else(|| "someone".into());
    Some(match action {
        // ----- the event and its team
        "event.created" => match d.strip_suffix(')').and_then(|x| x.rsplit_once(" (")) {
            Some((title, status)) => format!("created the event “{title}” ({status})"),
            None => named("created the event"),
        },
        "event.updated" if d.is_empty() || d == "details edited" => "edited the event's details".into(),
        "event.updated" => format!("edited the event. {d}"),
        "event.change_notified" if d.is_empty() => "told the registrants of the event's change".into(),
        "event.change_notified" => d.to_string(),
        "organiser.invited" => then("invited", "someone") + " to organise the event",
        "organiser.joined" => "joined the event's organisers".into(),
        "organiser.removed" => then("removed", "someone") + " from the organisers",
        "invitees.imported" if d.is_empty() => "imported a list of invitees".into(),
        "invitees.imported" => format!("imported a list of invitees ({d})"),
        "announcement.sent" => then("sent the announcement", ""),
        "registrants.exported" => "downloaded the list of registrants (CSV)".into(),
        // ----- registration questions
        "question.added" => named("added the registration question"),
        "question.updated" => named("edited the registration question"),
        "question.deleted" => named("deleted the registration question") + " and its answers",
        // ----- registrations (organisers' actions on them)
        "registration.approve" => format!("approved the registration of {}", people()),
        "registration.reject" => format!("rejected the registration of {}", people()),
        "registration.promote" => format!("moved {} up from the waitlist", people()),
        "registration.cancel" => format!("cancelled the registration of {}", people()),
        // "Ann cancelled their registration; 1 moved up from the waitlist": Ann is the actor.
        "registration.cancel_own" => match d.split_once("cancelled their registration") {
            Some((_, rest)) => format!("cancelled their registration{rest}"),
            None if d.is_empty() => "cancelled their registration".into(),
            None => format!("cancelled their registration ({d})"),
        },
        "registration.check_in" => format!("checked in {}", people()),
        "registration.undo_check_in" => format!("undid the check-in of {}", people()),
        // ----- the programme
        "room.saved" => named("saved the room"),
        "room.deleted" => named("deleted the room"),
        "track.saved" => named("saved the track"),
        "track.deleted" => named("deleted the track"),
        "session.created" => named("added the session"),
        // A change of time or room is written as sentences; other edits give the title.
        "session.updated" if d.ends_with('.') => format!("changed the programme: {d}"),
        "session.updated" => named("edited the session"),
        "session.cancelled" => named("cancelled the session"),
        "session.restored" => named("restored the session"),
        "session.notified" if d.is_empty() => "sent programme notices".into(),
        "session.notified" => curly(d),
        // ----- matchmaking
        "matchmaking.settings" if d.is_empty() => "changed the matchmaking settings".into(),
        "matchmaking.settings" => format!("changed the matchmaking settings ({d})"),
        "matchmaking.topic_added" => named("added the topic"),
        "matchmaking.topic_renamed" if d.is_empty() => "renamed a topic".into(),
        "matchmaking.topic_renamed" => format!("renamed a topic to “{d}”"),
        "matchmaking.topic_deleted" => named("deleted the topic"),
        "matchmaking.slots_added" => match d.strip_suffix(" slots").and_then(|n| n.parse::<u32>().ok()) {
            Some(1) => "added 1 meeting slot".into(),
            Some(n) => format!("added {n} meeting slots"),
            None if d.is_empty() => "added meeting slots".into(),
            None => format!("added meeting slots ({d})"),
        },
        "matchmaking.slot_deleted" if d.is_empty() => "deleted a meeting slot".into(),
        "matchmaking.slot_deleted" => format!("deleted the meeting slot at {d}"),
        "matchmaking.meeting_placed" => then("placed", "a meeting"),
        "matchmaking.meeting_moved" => then("moved", "a meeting"),
        "matchmaking.meeting_cancelled" => then("cancelled", "a meeting"),
        "matchmaking.meeting_locked" => then("locked", "a meeting") + " in place",
        "matchmaking.meeting_unlocked" => then("unlocked", "a meeting"),
        "matchmaking.scheduled" if d.is_empty() => "ran the scheduler (draft)".into(),
        "matchmaking.scheduled" => format!("ran the scheduler (draft): {d}"),
        "matchmaking.published" if d.is_empty() => "published the meeting schedule".into(),
        "matchmaking.published" if d.starts_with("version") => format!("published the meeting schedule, {d}"),
        "matchmaking.published" => format!("published the meeting schedule ({d} told)"),
        "matchmaking.top_matches_sent" => then("e-mailed their top matches to", "participants"),
        "matchmaking.meetings_exported" => "downloaded the list of meetings (CSV)".into(),
        "matchmaking.left" => "left matchmaking".into(), // these three are worded in `sentence`
        "matchmaking.unregistered" => "is no longer registered".into(),
        "matchmaking.deleted" => "deleted their account".into(),
        // ----- project ideas
        "idea.hide" => named("hid the project idea"),
        "idea.show" => named("showed the project idea again"),
        "eligibility.save" => "changed the eligibility rules of project ideas".into(),
        "eligibility.reset" => "reset the eligibility rules of project ideas to the default".into(),
        // ----- accounts and the site (the admins' log)
        "account.deleted" => "deleted their account".into(),
        "role.organiser.granted" => then("gave the organiser role to", "someone"),
        "role.organiser.revoked" => then("took the organiser role from", "someone"),
        "role.admin.granted" if d.is_empty() || d.contains("create-admin") => {
            "added an administrator (create-admin command)".into()
        }
        "role.admin.granted" => format!("made {d} an administrator (create-admin command)"),
        "mail.retry" => then("retried the undelivered", "e-mail"),
        "mail.discard" => then("discarded the undelivered", "e-mail"),
        _ => return None,
    })
}

/// The past tenses older registration details began with.
const PAST_TENSES: &[&str] =
    &["approved", "rejected", "moved from the waitlist", "cancelled", "checked in", "no longer checked in"];

/// The newest entries, with the actor's name where the actor still exists and the event's title.
pub fn recent(conn: &mut DbConn, limit: i64) -> Result<Vec<AuditEntry>, AppError> {
    type Row = (NaiveDateTime, Option<String>, String, String, Option<String>);
    let rows: Vec<Row> = audit_log::table
        .left_join(users::table.on(users::id.nullable().eq(audit_log::actor_id)))
        .left_join(events::table.on(events::id.nullable().eq(audit_log::event_id)))
        .order(audit_log::id.desc())
        .limit(limit)
        .select((
            audit_log::created_at,
            users::name.nullable(),
            audit_log::action,
            audit_log::detail,
            events::title.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(at, actor, action, detail, event)| AuditEntry { at, actor, action, detail, event })
        .collect())
}

/// Entries about one person (for their data export).
pub fn about_user(conn: &mut DbConn, user_id: i64) -> Result<Vec<AuditEntry>, AppError> {
    let rows: Vec<(NaiveDateTime, String, String)> = audit_log::table
        .filter(audit_log::subject_user_id.eq(user_id).or(audit_log::actor_id.eq(user_id)))
        .order(audit_log::id)
        .select((audit_log::created_at, audit_log::action, audit_log::detail))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(at, action, detail)| AuditEntry { at, actor: None, action, detail, event: None })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn says(actor: Option<&str>, action: &str, detail: &str) -> String {
        sentence(actor, action, detail)
    }

    /// Every code recorded anywhere in `src/` (kept in step by `every_recorded_code_has_a_phrase`).
    const CODES: &[&str] = &[
        "account.deleted",
        "announcement.sent",
        "event.change_notified",
        "event.created",
        "event.updated",
        "invitees.imported",
        "mail.discard",
        "mail.retry",
        "matchmaking.deleted",
        "matchmaking.left",
        "matchmaking.meeting_cancelled",
        "matchmaking.meeting_locked",
        "matchmaking.meeting_moved",
        "matchmaking.meeting_placed",
        "matchmaking.meeting_unlocked",
        "matchmaking.meetings_exported",
        "matchmaking.published",
        "matchmaking.scheduled",
        "matchmaking.settings",
        "matchmaking.unregistered",
        "matchmaking.slot_deleted",
        "matchmaking.slots_added",
        "matchmaking.top_matches_sent",
        "matchmaking.topic_added",
        "matchmaking.topic_deleted",
        "matchmaking.topic_renamed",
        "organiser.invited",
        "organiser.joined",
        "organiser.removed",
        "question.added",
        "question.deleted",
        "question.updated",
        "registrants.exported",
        "registration.approve",
        "registration.cancel",
        "registration.cancel_own",
        "registration.check_in",
        "registration.promote",
        "registration.reject",
        "registration.undo_check_in",
        "role.admin.granted",
        "role.organiser.granted",
        "role.organiser.revoked",
        "room.deleted",
        "room.saved",
        "session.cancelled",
        "session.created",
        "session.notified",
        "session.restored",
        "session.updated",
        "track.deleted",
        "track.saved",
    ];

    #[test]
    fn every_known_code_reads_as_a_sentence_without_the_code() {
        for code in CODES {
            for detail in ["", "Dietary needs"] {
                let s = says(Some("Ana Alves"), code, detail);
                assert!(!s.contains(code), "{code}: {s}");
                assert!(!s.contains('_'), "{code}: {s}");
                assert!(s.ends_with('.'), "{code}: {s}");
                assert!(!s.contains("  ") && !s.contains(" ."), "{code}: {s}");
                assert!(phrase(code, detail).is_some(), "{code} has a phrase");
            }
        }
    }

    /// Scans the sources for `record_event(…, "code"` and `audit::record(…, "code"`, so a new
    /// code without a phrase fails here rather than showing up as "made a change".
    #[test]
    fn every_recorded_code_has_a_phrase() {
        let mut found = std::collections::BTreeSet::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("src") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("audit.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("source");
                if !text.contains("record_event(") && !text.contains("audit::record(") {
                    continue;
                }
                // In the files that record, every literal shaped like `area.action` is a code.
                for quoted in text.split('"').skip(1).step_by(2) {
                    let parts: Vec<&str> = quoted.split('.').collect();
                    const FILE_TYPES: &[&str] =
                        &["ics", "html", "txt", "csv", "json", "xml", "css", "js", "eml", "png"];
                    let looks_like_code = parts.len() >= 2
                        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                        && !parts.last().is_some_and(|ext| FILE_TYPES.contains(ext));
                    if looks_like_code {
                        found.insert(quoted.to_string());
                    }
                }
            }
        }
        assert!(found.contains("event.updated") && found.contains("matchmaking.meeting_moved"), "{found:?}");
        for code in &found {
            assert!(phrase(code, "x").is_some(), "no phrase for {code} (found in src/)");
        }
        // `registration.{action}` is built from the action's name.
        for action in ["approve", "reject", "promote", "cancel", "check_in", "undo_check_in"] {
            assert!(phrase(&format!("registration.{action}"), "x").is_some(), "{action}");
        }
    }

    #[test]
    fn a_persons_own_cancellation_names_them_once() {
        assert_eq!(
            says(
                Some("Ann"),
                "registration.cancel_own",
                "Ann cancelled their registration; 1 moved up from the waitlist"
            ),
            "Ann cancelled their registration; 1 moved up from the waitlist."
        );
        assert_eq!(says(None, "event.change_notified", ""), "Liaison told the registrants of the event's change.");
    }

    #[test]
    fn meeting_changes_read_with_the_organisers_name_and_the_details_words() {
        assert_eq!(
            says(
                Some("Ana"),
                "matchmaking.meeting_moved",
                "the meeting of Xavier and Yusuf from Tue 10:00, table 3 to Tue 11:20, table 5"
            ),
            "Ana moved the meeting of Xavier and Yusuf from Tue 10:00, table 3 to Tue 11:20, table 5."
        );
        assert_eq!(
            says(Some("Ana"), "matchmaking.meeting_cancelled", "the meeting of X and Y on Tue 10:00, table 3"),
            "Ana cancelled the meeting of X and Y on Tue 10:00, table 3."
        );
        assert_eq!(
            says(Some("Ana"), "matchmaking.meeting_locked", "the meeting of X and Y"),
            "Ana locked the meeting of X and Y in place."
        );
        assert_eq!(
            says(Some("Ana"), "matchmaking.meeting_unlocked", "the meeting of X and Y"),
            "Ana unlocked the meeting of X and Y."
        );
        assert_eq!(
            says(Some("Ana"), "matchmaking.scheduled", "Kept 4 meetings; placed 3 of 5 requested."),
            "Ana ran the scheduler (draft): Kept 4 meetings; placed 3 of 5 requested."
        );
        assert_eq!(
            says(Some("Ana"), "matchmaking.published", "version 3: 12 added, 2 moved, 1 removed; 27 people notified"),
            "Ana published the meeting schedule, version 3: 12 added, 2 moved, 1 removed; 27 people notified."
        );
        assert_eq!(
            says(
                None,
                "matchmaking.meeting_placed",
                "the meeting of X and Y on Tue 10:00, table 3 (waiting for a table until now)"
            ),
            "Liaison placed the meeting of X and Y on Tue 10:00, table 3 (waiting for a table until now)."
        );
    }

    #[test]
    fn leaving_matchmaking_names_the_person_who_left() {
        assert_eq!(
            says(Some("Xavier"), "matchmaking.left", "Xavier; 3 meetings cancelled"),
            "Xavier left matchmaking; 3 meetings cancelled."
        );
        assert_eq!(
            says(None, "matchmaking.left", "Xavier; 3 meetings cancelled"),
            "Xavier left matchmaking; 3 meetings cancelled."
        );
        assert_eq!(says(None, "matchmaking.left", "Xavier"), "Xavier left matchmaking.");
        assert_eq!(
            says(Some("Ana"), "matchmaking.left", "Xavier; 1 meeting cancelled"),
            "Ana took Xavier out of matchmaking; 1 meeting cancelled."
        );
    }

    #[test]
    fn nobody_behind_an_entry_is_liaison_or_a_former_participant() {
        // Liaison's own actions, and codes it does not know.
        assert!(says(None, "matchmaking.meeting_placed", "the meeting of X and Y").starts_with("Liaison placed"));
        assert_eq!(
            says(None, "role.admin.granted", "Ada <ada@example.org>"),
            "Liaison made Ada <ada@example.org> an administrator (create-admin command)."
        );
        assert!(says(None, "test.note", "hello").starts_with("Liaison "));
        // A person's action whose account is gone (the actor became NULL).
        assert_eq!(
            says(None, "question.added", "Diet"),
            "A former participant added the registration question “Diet”."
        );
        assert_eq!(says(None, "account.deleted", ""), "A former participant deleted their account.");
        assert_eq!(
            says(None, "account.deleted", "account #12 deleted by its owner"),
            "A former participant deleted their account."
        );
    }

    #[test]
    fn organiser_actions_on_the_event_read_as_sentences() {
        let ana = Some("Ana");
        assert_eq!(
            says(ana, "event.created", "Audit Assembly (published)"),
            "Ana created the event “Audit Assembly” (published)."
        );
        assert_eq!(
            says(ana, "event.updated", "New place: Hall B (before: Hall A)."),
            "Ana edited the event. New place: Hall B (before: Hall A)."
        );
        assert_eq!(says(ana, "event.updated", "details edited"), "Ana edited the event's details.");
        assert_eq!(
            says(ana, "question.added", "Dietary needs"),
            "Ana added the registration question “Dietary needs”."
        );
        assert_eq!(
            says(ana, "question.deleted", "Dietary needs"),
            "Ana deleted the registration question “Dietary needs” and its answers."
        );
        assert_eq!(
            says(ana, "announcement.sent", "“Agenda” to 1 person"),
            "Ana sent the announcement “Agenda” to 1 person."
        );
        assert_eq!(says(ana, "registrants.exported", "CSV export"), "Ana downloaded the list of registrants (CSV).");
        assert_eq!(says(ana, "organiser.removed", "Bea Bell"), "Ana removed Bea Bell from the organisers.");
        assert_eq!(
            says(ana, "organiser.invited", "bea@example.org"),
            "Ana invited bea@example.org to organise the event."
        );
        assert_eq!(
            says(ana, "invitees.imported", "3 invitations sent"),
            "Ana imported a list of invitees (3 invitations sent)."
        );
        assert_eq!(
            says(ana, "registration.cancel", "Alice and Bruno; 1 moved up from the waitlist"),
            "Ana cancelled the registration of Alice and Bruno; 1 moved up from the waitlist."
        );
        // Rows written before details were words.
        assert_eq!(
            says(ana, "registration.approve", "approved: Alice, Bruno"),
            "Ana approved the registration of Alice, Bruno."
        );
        assert_eq!(says(ana, "registration.check_in", "Alice"), "Ana checked in Alice.");
        assert_eq!(says(ana, "matchmaking.meeting_moved", "meeting 12"), "Ana moved meeting 12.");
        assert_eq!(
            says(ana, "matchmaking.published", "27 people"),
            "Ana published the meeting schedule (27 people told)."
        );
        assert_eq!(says(ana, "matchmaking.slots_added", "1 slots"), "Ana added 1 meeting slot.");
        assert_eq!(says(ana, "matchmaking.slots_added", "6 slots"), "Ana added 6 meeting slots.");
    }

    #[test]
    fn programme_changes_read_as_sentences() {
        let ana = Some("Ana");
        assert_eq!(says(ana, "session.created", "Keynote"), "Ana added the session “Keynote”.");
        assert_eq!(says(ana, "session.updated", "Keynote"), "Ana edited the session “Keynote”.");
        assert_eq!(
            says(ana, "session.updated", "\"Keynote\" moves to Tue 3 March, 10:00–11:00 EST (was Tue 3 March, 09:00–10:00 EST)."),
            "Ana changed the programme: \"Keynote\" moves to Tue 3 March, 10:00–11:00 EST (was Tue 3 March, 09:00–10:00 EST)."
        );
        assert_eq!(says(ana, "session.cancelled", "Keynote"), "Ana cancelled the session “Keynote”.");
        assert_eq!(says(ana, "room.deleted", "Hall A"), "Ana deleted the room “Hall A”.");
    }

    #[test]
    fn an_unknown_code_reads_in_words_never_as_the_code_alone() {
        let s = says(Some("Ana"), "matchmaking.meeting_split_up", "the meeting of X and Y");
        assert_eq!(s, "Ana made a change (matchmaking: meeting split up): the meeting of X and Y.");
        assert_eq!(says(Some("Ana"), "reindexed", ""), "Ana made a change (reindexed).");
    }

    #[test]
    fn times_read_in_the_zone_given_with_the_year_only_when_it_is_another_year() {
        let utc = chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap().and_hms_opt(15, 5, 0).unwrap();
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(when_label(ny.from_utc_datetime(&utc), 2026), "Tue 3 Mar, 10:05");
        assert_eq!(when_label(ny.from_utc_datetime(&utc), 2027), "Tue 3 Mar 2026, 10:05");
        let brussels: Tz = "Europe/Brussels".parse().unwrap();
        assert_eq!(when_label(brussels.from_utc_datetime(&utc), 2026), "Tue 3 Mar, 16:05");
        // Late evening in New York is the next day in UTC.
        let late = chrono::NaiveDate::from_ymd_opt(2026, 3, 4).unwrap().and_hms_opt(2, 30, 0).unwrap();
        assert_eq!(when_label(ny.from_utc_datetime(&late), 2026), "Tue 3 Mar, 21:30");
    }

    #[test]
    fn lists_of_names_read_as_english() {
        let n = |v: &[&str]| and_list(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(n(&[]), "");
        assert_eq!(n(&["Alice"]), "Alice");
        assert_eq!(n(&["Alice", "Bruno"]), "Alice and Bruno");
        assert_eq!(n(&["Alice", "Bruno", "Chloé"]), "Alice, Bruno and Chloé");
    }
}
