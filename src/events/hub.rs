//! The event hub: what a person should do next at an event, in words, most urgent first.
//! The facts are gathered in a handful of counting queries (never one per item); turning them
//! into steps is pure, so every rule is unit-tested here.

use diesel::prelude::*;

use super::model::Event;
use super::registration::{self, Registration};
use crate::db::schema::{match_settings, meeting_requests as mr, profile_interests, published_meetings as pm, users};
use crate::db::{now, DbConn};
use crate::error::AppError;

/// What the hub knows about one signed-in person at one event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub email_confirmed: bool,
    /// The registration's stored status ("confirmed", "waitlisted", …), if any.
    pub status: Option<String>,
    pub waitlist_position: Option<i64>,
    /// The event was cancelled: registrations ended with it.
    pub event_cancelled: bool,
    pub has_organisation: bool,
    pub has_about: bool,
    pub has_topic: bool,
    /// Requests from others that wait for this person's answer.
    pub requests_to_answer: i64,
    /// Accepted requests of this person that have no table yet.
    pub accepted_waiting: i64,
    /// The organisers published the meeting schedule.
    pub schedule_published: bool,
    /// This person's meetings in the published version.
    pub meetings: i64,
    /// When meeting requests open, in words, if that is still ahead.
    pub matchmaking_opens: Option<String>,
}

/// What needs an organiser's attention at their event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrganiserFacts {
    pub awaiting_approval: i64,
    /// Meetings added, moved or removed in the draft since the last publication.
    pub unpublished_changes: usize,
    /// E-mails the mail queue gave up on (counted for admins only: only they can act on them).
    pub dead_letters: i64,
}

/// One next step: a sentence and, where there is one, the page to do it on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub text: String,
    pub href: Option<String>,
    /// "todo" for something to do, "info" for news.
    pub kind: &'static str,
}

fn todo(text: impl Into<String>, href: impl Into<String>) -> Step {
    Step { text: text.into(), href: Some(href.into()), kind: "todo" }
}

fn info(text: impl Into<String>, href: Option<String>) -> Step {
    Step { text: text.into(), href, kind: "info" }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The person's next steps at the event whose pages start at `base` (`/events/{slug}`), most
/// urgent first: what blocks them, then what others wait for, then news.
pub fn next_steps(f: &Facts, base: &str) -> Vec<Step> {
    let mut out = Vec::new();
    if !f.email_confirmed {
        out.push(todo("Confirm your e-mail address: we sent you a link.", "/confirm/resend"));
    }
    if f.event_cancelled {
        if f.status.is_some() {
            out.push(info(
                "The event is cancelled; your registration ended with it.",
                Some("/my/registrations".into()),
            ));
        }
        return out;
    }
    match f.status.as_deref() {
        Some("confirmed") => {}
        Some("waitlisted") => {
            let at = f.waitlist_position.map(|p| format!(" (position {p})")).unwrap_or_default();
            out.push(info(
                format!("You are on the waiting list{at}. We will e-mail you when a seat becomes free."),
                Some("/my/registrations".into()),
            ));
            return out;
        }
        Some("pending") => {
            out.push(info(
                "Your registration awaits the organisers' approval. We will e-mail you their decision.",
                Some("/my/registrations".into()),
            ));
            return out;
        }
        _ => return out,
    }
    if f.requests_to_answer > 0 {
        let n = f.requests_to_answer;
        let verb = if n == 1 { "waits" } else { "wait" };
        out.push(todo(
            format!("{} {verb} for your answer.", plural(n, "meeting request", "meeting requests")),
            format!("{base}/meetings#incoming"),
        ));
    }
    let mut missing = Vec::new();
    if !f.has_about {
        missing.push("an about text");
    }
    if !f.has_organisation {
        missing.push("your organisation");
    }
    if !f.has_topic {
        missing.push("at least one topic");
    }
    if !missing.is_empty() {
        out.push(todo(format!("Complete your profile: add {}.", join_words(&missing)), format!("{base}/profile")));
    }
    if f.accepted_waiting > 0 {
        let n = f.accepted_waiting;
        let verb = if n == 1 { "waits" } else { "wait" };
        out.push(info(
            format!(
                "{} {verb} for a table; it gets one as soon as one frees up.",
                plural(n, "accepted request", "accepted requests")
            ),
            Some(format!("{base}/meetings#waiting")),
        ));
    }
    if f.schedule_published && f.meetings > 0 {
        out.push(info(
            format!("Your meeting schedule is published: {}.", plural(f.meetings, "meeting", "meetings")),
            Some(format!("{base}/meetings")),
        ));
    } else if f.schedule_published {
        // "Published: 0 meetings" reads like a fault; say what the person can do instead.
        out.push(info(
            "The meeting schedule is published and holds no meeting for you yet: find people in your matches and ask them.",
            Some(format!("{base}/matches")),
        ));
    }
    if let Some(when) = &f.matchmaking_opens {
        out.push(info(format!("Matchmaking opens on {when}."), Some(format!("{base}/matches"))));
    }
    out.push(info("Registration confirmed.", Some("/my/registrations".into())));
    out
}

/// "a, b and c".
fn join_words(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The organiser's steps at their event, most urgent first.
pub fn organiser_steps(f: &OrganiserFacts, event_id: i64) -> Vec<Step> {
    let base = format!("/organise/events/{event_id}");
    let mut out = Vec::new();
    if f.awaiting_approval > 0 {
        let n = f.awaiting_approval;
        let verb = if n == 1 { "awaits" } else { "await" };
        out.push(todo(
            format!("{} {verb} your approval.", plural(n, "registration", "registrations")),
            format!("{base}/registrants?status=pending"),
        ));
    }
    if f.unpublished_changes > 0 {
        out.push(todo(
            format!(
                "{} to the meeting schedule not yet published.",
                plural(f.unpublished_changes as i64, "change", "changes")
            ),
            format!("{base}/meetings/review"),
        ));
    }
    if f.dead_letters > 0 {
        let n = f.dead_letters;
        out.push(todo(format!("{} could not be delivered.", plural(n, "e-mail", "e-mails")), "/admin/mail"));
    }
    out
}

/// The facts for `user_id` at `event` (their registration `reg`, already read): about ten
/// small queries, each a count or one row.
pub fn facts(c: &mut DbConn, event: &Event, user_id: i64, reg: Option<&Registration>) -> Result<Facts, AppError> {
    let (confirmed_at, organisation, bio): (Option<chrono::NaiveDateTime>, String, String) =
        users::table.find(user_id).select((users::email_confirmed_at, users::organisation, users::bio)).first(c)?;
    let mut f = Facts {
        email_confirmed: confirmed_at.is_some(),
        status: reg.map(|r| r.status.clone()),
        event_cancelled: reg.is_some_and(|r| r.ended_by_event(event))
            || event.status() == super::model::EventStatus::Cancelled,
        has_organisation: !organisation.trim().is_empty(),
        has_about: !bio.trim().is_empty(),
        ..Facts::default()
    };
    let Some(reg) = reg else { return Ok(f) };
    f.waitlist_position = registration::shown_position(c, event, reg)?;
    if reg.status() != registration::RegStatus::Confirmed {
        return Ok(f);
    }
    let id = event.id;
    f.has_topic = profile_interests::table
        .filter(profile_interests::event_id.eq(id).and(profile_interests::user_id.eq(user_id)))
        .count()
        .get_result::<i64>(c)?
        > 0;
    f.requests_to_answer = mr::table
        .filter(mr::event_id.eq(id).and(mr::to_user.eq(user_id)).and(mr::status.eq("pending")))
        .count()
        .get_result(c)?;
    f.accepted_waiting = crate::matchmaking::service::waiting_requests_of(c, id, user_id)?.len() as i64;
    let settings: Option<(bool, Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>)> = match_settings::table
        .find(id)
        .select((match_settings::enabled, match_settings::booking_opens_at, match_settings::published_at))
        .first(c)
        .optional()?;
    if let Some((enabled, opens, published)) = settings {
        let t = now();
        f.matchmaking_opens =
            opens.filter(|at| enabled && t < *at && t < event.ends_at).map(|at| event.local_datetime_label(at));
        f.schedule_published = published.is_some();
    }
    if f.schedule_published {
        // One index search per side (an OR reads every meeting of the event on SQLite).
        let active = pm::table.filter(pm::event_id.eq(id).and(pm::active.eq(true)));
        f.meetings = active.filter(pm::a_user.eq(user_id)).count().get_result::<i64>(c)?
            + active.filter(pm::b_user.eq(user_id)).count().get_result::<i64>(c)?;
    }
    Ok(f)
}

/// What needs the organisers of `event_id` now (and an admin, the mail queue's dead letters).
pub fn organiser_facts(c: &mut DbConn, event_id: i64, admin: bool) -> Result<OrganiserFacts, AppError> {
    use crate::db::schema::registrations as r;
    let awaiting_approval =
        r::table.filter(r::event_id.eq(event_id).and(r::status.eq("pending"))).count().get_result(c)?;
    let d = crate::matchmaking::published::pending_diff(c, event_id)?;
    let dead_letters = if admin {
        crate::db::schema::outbox::table
            .filter(crate::db::schema::outbox::status.eq(crate::mail::worker::DEAD))
            .count()
            .get_result(c)?
    } else {
        0
    };
    Ok(OrganiserFacts {
        awaiting_approval,
        unpublished_changes: d.added.len() + d.moved.len() + d.removed.len(),
        dead_letters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "/events/day";

    fn complete() -> Facts {
        Facts {
            email_confirmed: true,
            status: Some("confirmed".into()),
            has_organisation: true,
            has_about: true,
            has_topic: true,
            ..Facts::default()
        }
    }

    fn texts(f: &Facts) -> Vec<String> {
        next_steps(f, BASE).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn a_complete_confirmed_participant_is_only_told_they_are_confirmed() {
        assert_eq!(texts(&complete()), vec!["Registration confirmed."]);
    }

    #[test]
    fn an_unconfirmed_address_comes_first() {
        let f = Facts { email_confirmed: false, has_about: false, ..complete() };
        let steps = next_steps(&f, BASE);
        assert!(steps[0].text.starts_with("Confirm your e-mail"));
        assert_eq!(steps[0].href.as_deref(), Some("/confirm/resend"));
        assert!(steps[1].text.starts_with("Complete your profile"));
    }

    #[test]
    fn the_profile_step_names_exactly_what_is_missing() {
        let f = Facts { has_about: false, has_organisation: false, has_topic: false, ..complete() };
        let s = &next_steps(&f, BASE)[0];
        assert_eq!(s.text, "Complete your profile: add an about text, your organisation and at least one topic.");
        assert_eq!(s.href.as_deref(), Some("/events/day/profile"));
        let f = Facts { has_topic: false, ..complete() };
        assert_eq!(texts(&f)[0], "Complete your profile: add at least one topic.");
        let f = Facts { has_about: false, has_topic: false, ..complete() };
        assert_eq!(texts(&f)[0], "Complete your profile: add an about text and at least one topic.");
    }

    #[test]
    fn requests_to_answer_outrank_the_profile_and_news_comes_after() {
        let f = Facts {
            has_topic: false,
            requests_to_answer: 3,
            accepted_waiting: 2,
            schedule_published: true,
            meetings: 4,
            ..complete()
        };
        assert_eq!(
            texts(&f),
            vec![
                "3 meeting requests wait for your answer.",
                "Complete your profile: add at least one topic.",
                "2 accepted requests wait for a table; it gets one as soon as one frees up.",
                "Your meeting schedule is published: 4 meetings.",
                "Registration confirmed.",
            ]
        );
        let f =
            Facts { requests_to_answer: 1, accepted_waiting: 1, schedule_published: true, meetings: 1, ..complete() };
        let t = texts(&f);
        assert_eq!(t[0], "1 meeting request waits for your answer.");
        assert_eq!(t[1], "1 accepted request waits for a table; it gets one as soon as one frees up.");
        assert_eq!(t[2], "Your meeting schedule is published: 1 meeting.");
        let t = texts(&Facts { schedule_published: true, meetings: 0, ..complete() });
        assert!(t[0].starts_with("The meeting schedule is published and holds no meeting for you yet"), "{t:?}");
    }

    #[test]
    fn matchmaking_opening_is_announced() {
        let f = Facts { matchmaking_opens: Some("Monday 1 June 2026, 09:00 CEST".into()), ..complete() };
        assert_eq!(texts(&f)[0], "Matchmaking opens on Monday 1 June 2026, 09:00 CEST.");
    }

    #[test]
    fn waitlisted_and_pending_people_see_their_place_and_nothing_that_needs_a_seat() {
        let f = Facts { status: Some("waitlisted".into()), waitlist_position: Some(3), has_topic: false, ..complete() };
        assert_eq!(
            texts(&f),
            vec!["You are on the waiting list (position 3). We will e-mail you when a seat becomes free."]
        );
        let f = Facts { status: Some("pending".into()), requests_to_answer: 2, ..complete() };
        assert_eq!(texts(&f).len(), 1);
        assert!(texts(&f)[0].contains("awaits the organisers' approval"));
    }

    #[test]
    fn people_without_a_registration_or_at_a_cancelled_event_get_no_participant_steps() {
        let f = Facts { status: None, has_topic: false, ..complete() };
        assert!(texts(&f).is_empty());
        let f = Facts { status: Some("cancelled".into()), ..complete() };
        assert!(texts(&f).is_empty());
        let f = Facts { event_cancelled: true, requests_to_answer: 2, ..complete() };
        assert_eq!(texts(&f), vec!["The event is cancelled; your registration ended with it."]);
    }

    #[test]
    fn organisers_see_what_waits_for_them() {
        assert!(organiser_steps(&OrganiserFacts::default(), 7).is_empty());
        let s = organiser_steps(&OrganiserFacts { awaiting_approval: 2, unpublished_changes: 1, dead_letters: 3 }, 7);
        assert_eq!(s[0].text, "2 registrations await your approval.");
        assert_eq!(s[0].href.as_deref(), Some("/organise/events/7/registrants?status=pending"));
        assert_eq!(s[1].text, "1 change to the meeting schedule not yet published.");
        assert_eq!(s[1].href.as_deref(), Some("/organise/events/7/meetings/review"));
        assert_eq!(s[2].text, "3 e-mails could not be delivered.");
        assert_eq!(s[2].href.as_deref(), Some("/admin/mail"));
    }
}
