//! The e-mails of the events area. They share one shape (greeting, paragraphs, a table of
//! details, one button), so one pair of templates renders them all; the words live here.

use super::model::Event;
use super::registration::Registration;
use crate::ical::Method;
use crate::mail::{mail_templates, Attachment};

pub struct EventMail {
    pub subject: String,
    pub name: String,
    pub paragraphs: Vec<String>,
    pub details: Vec<(String, String)>,
    pub action: Option<(String, String)>,
    pub signature: String,
}
/// A message from the event's organisers: greeting, paragraphs and one button (the shape the
/// matchmaking and ideas mails share).
pub fn organisers_mail(
    event: &Event,
    subject: String,
    name: &str,
    paragraphs: Vec<String>,
    action: (String, String),
) -> EventMail {
    EventMail {
        subject,
        name: name.to_string(),
        paragraphs,
        details: Vec::new(),
        action: Some(action),
        signature: format!("The organisers of {}, via Liaison", event.title),
    }
}

mail_templates!(
    EventMail,
    EventMailText = "emails/event.txt",
    EventMailHtml = "emails/event.html",
    subject = |m| m.subject.clone()
);

/// What happened to a registration, each with its own e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Waiting for the organisers' approval.
    Received,
    Confirmed,
    Waitlisted,
    /// Moved from the waitlist to a seat.
    Promoted,
    Approved,
    /// Approved, but all seats are taken: on the waitlist.
    ApprovedWaitlisted,
    Rejected,
    CancelledByAttendee,
    CancelledByOrganiser,
}

impl Outcome {
    /// The calendar message the e-mail carries: an invitation when the person gets a seat, a
    /// cancellation when they lose it. Without a seat there is no calendar entry at all.
    pub fn calendar(self) -> Option<Method> {
        match self {
            Outcome::Confirmed | Outcome::Promoted | Outcome::Approved => Some(Method::Request),
            Outcome::CancelledByAttendee | Outcome::CancelledByOrganiser => Some(Method::Cancel),
            _ => None,
        }
    }
}

/// Who an e-mail goes to: the ATTENDEE of its calendar entry.
#[derive(Debug, Clone, Copy)]
pub struct To<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

fn details(event: &Event) -> Vec<(String, String)> {
    let mut d = vec![("Event".to_string(), event.title.clone()), ("When".into(), event.when_label())];
    let place = event.place_label();
    if !place.is_empty() {
        d.push(("Where".into(), place));
    }
    d
}

fn event_link(base_url: &str, event: &Event) -> String {
    format!("{base_url}/events/{}", event.slug)
}

/// The e-mail for `outcome`, with its iTIP attachment where a calendar entry applies: a
/// REQUEST with a seat, a CANCEL when a seat is lost (`had_seat`: the person held an entry).
/// `ticket`: the person's ticket code, for an outcome that gives a seat: the e-mail shows it
/// and attaches its QR code as a PNG, to show at the registration desk.
#[allow(clippy::too_many_arguments)]
pub fn outcome_mail(
    base_url: &str,
    event: &Event,
    reg: &Registration,
    to: To,
    outcome: Outcome,
    waitlist_position: Option<i64>,
    had_seat: bool,
    ticket: Option<&str>,
) -> (EventMail, Vec<Attachment>) {
    let method = outcome.calendar().filter(|m| *m == Method::Request || had_seat);
    let removes = if method.is_some() { " The attached calendar update removes the entry." } else { "" };
    let t = &event.title;
    let my = (String::from("See my registrations"), format!("{base_url}/my/registrations"));
    let (subject, paragraphs, action) = match outcome {
        Outcome::Received => (
            format!("Registration received: {t}"),
            vec![
                format!("thank you for registering for {t}. The organisers review each registration; we will write to you as soon as they have decided."),
            ],
            my,
        ),
        Outcome::Confirmed => (
            format!("You are registered: {t}"),
            vec![format!("your place at {t} is confirmed. The calendar entry is attached.")],
            my,
        ),
        Outcome::Waitlisted => (
            format!("On the waitlist: {t}"),
            vec![
                format!("all seats at {t} are taken, so you are on the waitlist at position {}.", waitlist_position.unwrap_or(1)),
                "When a seat becomes free, the first person on the waitlist gets it automatically and is told by e-mail.".into(),
            ],
            my,
        ),
        Outcome::Promoted => (
            format!("A seat is yours: {t}"),
            vec![
                format!("good news: a seat at {t} became free and it is yours. Your registration is now confirmed; the calendar entry is attached."),
                "If you can no longer come, please cancel so the next person on the waitlist gets the seat.".into(),
            ],
            my,
        ),
        Outcome::Approved => (
            format!("Registration approved: {t}"),
            vec![format!("the organisers have approved your registration for {t}. Your place is confirmed; the calendar entry is attached.")],
            my,
        ),
        Outcome::ApprovedWaitlisted => (
            format!("Approved, on the waitlist: {t}"),
            vec![
                format!("the organisers have approved your registration for {t}, but all seats are taken: you are on the waitlist at position {}.", waitlist_position.unwrap_or(1)),
                "When a seat becomes free, the first person on the waitlist gets it automatically and is told by e-mail.".into(),
            ],
            my,
        ),
        Outcome::Rejected => (
            format!("Registration not accepted: {t}"),
            vec![format!("we are sorry: the organisers of {t} could not accept your registration.")],
            ("See the event".into(), event_link(base_url, event)),
        ),
        Outcome::CancelledByAttendee => (
            format!("Registration cancelled: {t}"),
            vec![format!("your registration for {t} is cancelled, as you asked.{removes}")],
            ("See the event".into(), event_link(base_url, event)),
        ),
        Outcome::CancelledByOrganiser => (
            format!("Registration cancelled: {t}"),
            vec![format!("the organisers of {t} have cancelled your registration. If you think this is a mistake, please reply to the organisers.{removes}")],
            ("See the event".into(), event_link(base_url, event)),
        ),
    };
    let mut paragraphs = paragraphs;
    let mut details = details(event);
    let mut files: Vec<Attachment> =
        method.map(|m| super::ics::invitation(base_url, event, reg, m, to)).into_iter().collect();
    if let Some(code) = ticket {
        paragraphs.push(format!(
            "Your ticket is {code}. Show its QR code (attached, and on your registrations page) or tell the code at the registration desk to be checked in."
        ));
        details.push(("Ticket".into(), code.to_string()));
        if let Some(png) = super::ticket::qr_png(code) {
            files.push(Attachment::binary(&format!("ticket-{code}.png"), "image/png", &png));
        }
    }
    let mail = EventMail {
        subject,
        name: to.name.to_string(),
        paragraphs,
        details,
        action: Some(action),
        signature: format!("The organisers of {t}, via Liaison"),
    };
    (mail, files)
}

/// What happened to the event as a whole, for its registrants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventChange {
    /// The date, time or place changed.
    Moved,
    Cancelled,
    /// A cancelled event is on again: registrations stand as they were.
    Reinstated,
}

/// Sent to every active registrant when the date, time or place changes, the event is
/// cancelled or put back on. `holds_seat`: the person has (or had, for a cancellation) a
/// calendar entry, which the attached update moves, removes or restores.
pub fn event_changed_mail(
    base_url: &str,
    event: &Event,
    name: &str,
    change: EventChange,
    changes: &[String],
    holds_seat: bool,
) -> EventMail {
    let t = &event.title;
    let (subject, mut paragraphs) = match change {
        EventChange::Cancelled => (
            format!("Event cancelled: {t}"),
            vec![format!(
                "we are sorry to tell you that {t} has been cancelled. Your registration has ended with it.{}",
                if holds_seat { " The attached calendar update removes the entry." } else { "" }
            )],
        ),
        EventChange::Moved => (
            format!("Event changed: {t}"),
            vec![format!(
                "the organisers of {t} have changed its details. Your registration stays as it was.{}",
                if holds_seat { " The attached calendar update moves the entry in your calendar." } else { "" }
            )],
        ),
        EventChange::Reinstated => (
            format!("Event back on: {t}"),
            vec![format!(
                "{t} is no longer cancelled: it takes place as shown below, and your registration stands as it was.{}",
                if holds_seat { " The attached calendar entry puts it back in your calendar." } else { "" }
            )],
        ),
    };
    paragraphs.extend(changes.iter().cloned());
    EventMail {
        subject,
        name: name.to_string(),
        paragraphs,
        details: details(event),
        action: Some(("See the event".into(), event_link(base_url, event))),
        signature: format!("The organisers of {t}, via Liaison"),
    }
}

pub fn invitation_mail(base_url: &str, event: &Event, name: &str, inviter: &str, token: &str) -> EventMail {
    EventMail {
        subject: format!("Invitation: {}", event.title),
        name: if name.is_empty() { "there".into() } else { name.to_string() },
        paragraphs: vec![format!(
            "{inviter} invites you to {}. Registration takes two minutes; the link below leads to the form.",
            event.title
        )],
        details: details(event),
        action: Some(("Register".into(), format!("{base_url}/events/{}/invitation/{token}", event.slug))),
        signature: format!("The organisers of {}, via Liaison", event.title),
    }
}

pub fn organiser_invitation_mail(base_url: &str, event: &Event, inviter: &str, token: &str) -> EventMail {
    EventMail {
        subject: format!("Help organise {}", event.title),
        name: "there".into(),
        paragraphs: vec![
            format!("{inviter} invites you to organise {} with them on Liaison.", event.title),
            "Log in (or create an account) with this e-mail address and accept the invitation.".into(),
        ],
        details: details(event),
        action: Some(("Accept the invitation".into(), format!("{base_url}/organiser-invitations/{token}"))),
        signature: "Liaison".into(),
    }
}

pub fn announcement_mail(base_url: &str, event: &Event, name: &str, subject: &str, body: &str) -> EventMail {
    EventMail {
        subject: format!("{subject} · {}", event.title),
        name: name.to_string(),
        paragraphs: body.split("\n\n").map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(),
        details: details(event),
        action: Some(("See the event".into(), event_link(base_url, event))),
        signature: format!("The organisers of {}, via Liaison", event.title),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Mail;

    #[test]
    fn announcement_paragraphs_are_escaped_in_html() {
        let ev = crate::events::model::tests_support::event();
        let m = announcement_mail("http://x", &ev, "Ada", "Agenda", "Hello <b>all</b>\n\nSecond");
        let html = m.html().expect("html");
        assert!(html.contains("&#60;b&#62;") || html.contains("&lt;b&gt;"), "{html}");
        assert!(
            m.text().expect("text").contains("Hello <b>all</b>\n\nSecond")
                || m.text().expect("text").contains("Second")
        );
        assert_eq!(m.subject(), "Agenda · Pharma meets Academia");
    }
}
