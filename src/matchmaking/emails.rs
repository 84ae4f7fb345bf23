//! The matchmaking e-mails. They share the events area's one-shape message (greeting,
//! paragraphs, details, one button); the words live here.

use crate::ical::{Calendar, Entry};
use chrono::NaiveDateTime;

use super::service::{Person, ScheduleEntry};
use crate::events::emails::EventMail;
use crate::events::model::Event;
use crate::mail::Attachment;

fn mail(event: &Event, subject: String, name: &str, paragraphs: Vec<String>, action: (String, String)) -> EventMail {
    EventMail {
        subject,
        name: name.to_string(),
        paragraphs,
        details: Vec::new(),
        action: Some(action),
        signature: format!("The organisers of {}, via Liaison", event.title),
    }
}

pub fn meetings_link(base_url: &str, event: &Event) -> String {
    format!("{base_url}/events/{}/meetings", event.slug)
}

fn org(p: &Person) -> String {
    if p.organisation.is_empty() {
        String::new()
    } else {
        format!(" ({})", p.organisation)
    }
}

pub fn request_received(
    base_url: &str,
    event: &Event,
    name: &str,
    from: &Person,
    message: &str,
    request_id: i64,
    expires_at: NaiveDateTime,
) -> EventMail {
    let link = format!("{base_url}/events/{}/requests/{request_id}", event.slug);
    let mut paragraphs = vec![format!("{}{} would like to meet you at {}.", from.name, org(from), event.title)];
    if !message.is_empty() {
        paragraphs.push(format!("Their message: \u{201c}{message}\u{201d}"));
    }
    paragraphs.push(format!("Accept: {link}?answer=accept"));
    paragraphs.push(format!("Decline: {link}?answer=decline"));
    paragraphs.push(format!(
        "Please answer by {}; after that the request expires. Once you accept, the meeting gets a time and a table at once.",
        event.local_datetime_label(expires_at)
    ));
    let mut m = mail(
        event,
        format!("Meeting request from {}: {}", from.name, event.title),
        name,
        paragraphs,
        ("Answer the request".into(), link),
    );
    m.details = vec![("Event".into(), event.title.clone()), ("From".into(), format!("{}{}", from.name, org(from)))];
    m
}

pub fn request_accepted(base_url: &str, event: &Event, name: &str, other: &str, when: Option<&str>) -> EventMail {
    let placed = match when {
        Some(w) => format!("Your meeting is on {w}."),
        None => "There is no common free slot with a free table yet; the organisers' scheduler will place the meeting, and you will see it in your meetings.".into(),
    };
    mail(
        event,
        format!("{other} accepted your meeting request: {}", event.title),
        name,
        vec![format!("{other} accepted your request to meet at {}.", event.title), placed],
        ("See my meetings".into(), meetings_link(base_url, event)),
    )
}

pub fn request_declined(base_url: &str, event: &Event, name: &str, other: &str) -> EventMail {
    mail(
        event,
        format!("Meeting request declined: {}", event.title),
        name,
        vec![
            format!("{other} cannot meet you at {} this time.", event.title),
            "Your suggestions list has other people who match what you offer and seek.".into(),
        ],
        ("See my matches".into(), format!("{base_url}/events/{}/matches", event.slug)),
    )
}

pub fn request_expired(base_url: &str, event: &Event, name: &str, other: &str) -> EventMail {
    mail(
        event,
        format!("Meeting request expired: {}", event.title),
        name,
        vec![format!(
            "{other} did not answer your meeting request for {} in time, so it has expired. You may send a new one.",
            event.title
        )],
        ("See my matches".into(), format!("{base_url}/events/{}/matches", event.slug)),
    )
}

pub fn digest(base_url: &str, event: &Event, name: &str, senders: &[String]) -> EventMail {
    let mut paragraphs = vec![format!(
        "{} meeting request{} for {} wait{} for your answer:",
        senders.len(),
        if senders.len() == 1 { "" } else { "s" },
        event.title,
        if senders.len() == 1 { "s" } else { "" }
    )];
    paragraphs.extend(senders.iter().map(|s| format!("• {s}")));
    mail(
        event,
        format!("Meeting requests waiting for you: {}", event.title),
        name,
        paragraphs,
        ("Answer them".into(), meetings_link(base_url, event)),
    )
}

pub fn meeting_cancelled(base_url: &str, event: &Event, name: &str, partner: &str, when: &str, who: &str) -> EventMail {
    mail(
        event,
        format!("Meeting cancelled: {partner}, {}", event.title),
        name,
        vec![
            format!("{who} your meeting with {partner} on {when}."),
            "The time is free again in your schedule.".into(),
        ],
        ("See my meetings".into(), meetings_link(base_url, event)),
    )
}

pub fn meeting_moved(base_url: &str, event: &Event, name: &str, partner: &str, when: &str) -> EventMail {
    mail(
        event,
        format!("Meeting moved: {partner}, {}", event.title),
        name,
        vec![format!("The organisers moved your meeting with {partner}. It is now on {when}.")],
        ("See my meetings".into(), meetings_link(base_url, event)),
    )
}

pub fn schedule_published(base_url: &str, event: &Event, name: &str, lines: &[String]) -> EventMail {
    let mut paragraphs = vec![format!("here is your personal meeting schedule for {}:", event.title)];
    paragraphs.extend(lines.iter().map(|l| format!("• {l}")));
    paragraphs.push(
        "The attached calendar file holds one entry per meeting; your personal calendar feed shows them too.".into(),
    );
    mail(
        event,
        format!("Your meeting schedule: {}", event.title),
        name,
        paragraphs,
        ("See my meetings".into(), meetings_link(base_url, event)),
    )
}

pub fn top_matches(base_url: &str, event: &Event, name: &str, lines: &[String]) -> EventMail {
    let mut paragraphs = vec![format!("these participants of {} match what you offer and seek best:", event.title)];
    paragraphs.extend(lines.iter().map(|l| format!("• {l}")));
    paragraphs
        .push("Request a meeting from your matches page; accepted requests get a time and a table at once.".into());
    mail(
        event,
        format!("Your top matches: {}", event.title),
        name,
        paragraphs,
        ("See my matches".into(), format!("{base_url}/events/{}/matches", event.slug)),
    )
}

/// One calendar entry per meeting: stable UID per meeting, the table and the partner.
pub fn meeting_entry(base_url: &str, event: &Event, e: &ScheduleEntry) -> Entry {
    let partner = format!("{}{}", e.partner.name, org(&e.partner));
    Entry::new(
        &format!("meeting-{}@liaison", e.meeting.id),
        e.meeting.updated_at.and_utc().timestamp().rem_euclid(1 << 30),
        e.meeting.updated_at,
    )
    .summary(&format!("Meeting: {partner}"))
    .times(e.slot.starts_at, e.slot.ends_at)
    .location(&format!(
        "Table {}{}",
        e.meeting.table_no,
        if event.venue.is_empty() { String::new() } else { format!(", {}", event.venue) }
    ))
    .description(&format!("One-to-one meeting with {partner} at {}.\n{}", event.title, meetings_link(base_url, event)))
    .cancelled(false)
}

pub fn schedule_calendar(base_url: &str, event: &Event, entries: &[ScheduleEntry]) -> Attachment {
    let mut cal = Calendar::new("PUBLISH", &format!("Meetings · {}", event.title));
    for e in entries {
        cal.push(meeting_entry(base_url, event, e));
    }
    Attachment {
        filename: format!("{}-meetings.ics", event.slug),
        content_type: "text/calendar; charset=utf-8; method=PUBLISH".into(),
        body: cal.render(),
    }
}
