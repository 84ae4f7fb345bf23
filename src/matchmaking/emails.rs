//! The matchmaking e-mails. They share the events area's one-shape message (greeting,
//! paragraphs, details, one button); the words live here.

use chrono::NaiveDateTime;

use super::service::Person;
use crate::events::emails::{organisers_mail as mail, EventMail};
use crate::events::model::Event;

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

/// The one notice a person gets when their meetings change: the net change, then their whole
/// schedule as it is now; the invitations are attached by the caller.
pub fn meetings_changed(
    base_url: &str,
    event: &Event,
    name: &str,
    subject: String,
    changes: &[String],
    schedule: &[String],
) -> EventMail {
    let mut paragraphs = Vec::new();
    if changes.len() > 1 {
        paragraphs.push(format!("your meetings at {} changed:", event.title));
        paragraphs.extend(changes.iter().map(|l| format!("• {l}")));
    } else {
        paragraphs.extend(changes.iter().cloned());
    }
    if schedule.is_empty() {
        paragraphs.push("You have no meetings now.".into());
    } else {
        paragraphs.push("Your meetings now:".into());
        paragraphs.extend(schedule.iter().map(|l| format!("• {l}")));
    }
    paragraphs.push(
        "The attached invitation updates your calendar by itself; your personal calendar feed shows the same.".into(),
    );
    mail(event, subject, name, paragraphs, ("See my meetings".into(), meetings_link(base_url, event)))
}

/// A request was accepted but no table is free at a time both people are free: it waits, and
/// gets a table the moment one frees.
pub fn request_waiting(base_url: &str, event: &Event, name: &str, line: &str) -> EventMail {
    mail(
        event,
        format!("Meeting accepted, waiting for a table: {}", event.title),
        name,
        vec![
            line.to_string(),
            "Every table is taken at the times you are both free. The meeting is waiting for a table: it gets one automatically as soon as one frees up (or the organisers add tables), and you will both get an e-mail with the time.".into(),
        ],
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
