//! The e-mails of project ideas, in the events area's one shape (greeting, paragraphs, one
//! button); the words live here.

use super::model::{Idea, Role};
use crate::events::emails::{organisers_mail as mail, EventMail};
use crate::events::model::Event;

pub fn idea_link(base_url: &str, event: &Event, idea: &Idea) -> String {
    format!("{base_url}/events/{}/ideas/{}", event.slug, idea.id)
}

fn who(name: &str, organisation: &str) -> String {
    if organisation.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({organisation})")
    }
}

pub fn application_received(
    base_url: &str,
    event: &Event,
    to: &str,
    idea: &Idea,
    role: &Role,
    applicant: (&str, &str),
    message: &str,
) -> EventMail {
    let mut paragraphs = vec![format!(
        "{} applies for the role \u{201c}{}\u{201d} in your idea \u{201c}{}\u{201d}.",
        who(applicant.0, applicant.1),
        role.description,
        idea.title
    )];
    if !message.is_empty() {
        paragraphs.push(format!("Their message: \u{201c}{message}\u{201d}"));
    }
    paragraphs.push("Accept or decline the application on the idea's page.".into());
    mail(
        event,
        format!("Application for \u{201c}{}\u{201d}: {}", role.description, idea.title),
        to,
        paragraphs,
        ("See the applications".into(), format!("{}#applications", idea_link(base_url, event, idea))),
    )
}

pub fn application_accepted(base_url: &str, event: &Event, to: &str, idea: &Idea, role: &Role) -> EventMail {
    mail(
        event,
        format!("You are in the consortium: {}", idea.title),
        to,
        vec![
            format!(
                "your application for the role \u{201c}{}\u{201d} in \u{201c}{}\u{201d} is accepted: you are now a member of the consortium.",
                role.description, idea.title
            ),
            "The idea's page lists the other members with their e-mail addresses, so you can start working together.".into(),
        ],
        ("See the consortium".into(), idea_link(base_url, event, idea)),
    )
}

/// Declined by the coordinator, or `filled` by somebody else.
pub fn application_declined(
    base_url: &str,
    event: &Event,
    to: &str,
    idea: &Idea,
    role: &Role,
    filled: bool,
) -> EventMail {
    let first = if filled {
        format!(
            "the role \u{201c}{}\u{201d} in \u{201c}{}\u{201d} has been filled by another partner, so your application for it has ended.",
            role.description, idea.title
        )
    } else {
        format!(
            "the coordinator of \u{201c}{}\u{201d} has declined your application for the role \u{201c}{}\u{201d}.",
            idea.title, role.description
        )
    };
    mail(
        event,
        format!("Application not accepted: {}", idea.title),
        to,
        vec![first, "Other ideas at this event may need you: see the list of project ideas.".into()],
        ("See the project ideas".into(), format!("{base_url}/events/{}/ideas", event.slug)),
    )
}

pub fn member_joined(
    base_url: &str,
    event: &Event,
    to: &str,
    idea: &Idea,
    role: &Role,
    newcomer: (&str, &str),
) -> EventMail {
    mail(
        event,
        format!("New member in the consortium: {}", idea.title),
        to,
        vec![format!(
            "{} has joined \u{201c}{}\u{201d} for the role \u{201c}{}\u{201d}.",
            who(newcomer.0, newcomer.1),
            idea.title,
            role.description
        )],
        ("See the consortium".into(), idea_link(base_url, event, idea)),
    )
}

/// A member left: they chose to, cancelled their registration or deleted their account.
pub fn member_left(base_url: &str, event: &Event, to: &str, idea: &Idea, role: Option<&str>, why: &str) -> EventMail {
    let role = role.map(|r| format!(" The role \u{201c}{r}\u{201d} is open again.")).unwrap_or_default();
    mail(
        event,
        format!("A member left the consortium: {}", idea.title),
        to,
        vec![format!("{why} \u{201c}{}\u{201d}.{role}", idea.title)],
        ("See the consortium".into(), idea_link(base_url, event, idea)),
    )
}

pub fn application_ended(base_url: &str, event: &Event, to: &str, idea: &Idea, why: &str) -> EventMail {
    mail(
        event,
        format!("An application ended: {}", idea.title),
        to,
        vec![format!("{why} \u{201c}{}\u{201d} has ended.", idea.title)],
        ("See the applications".into(), format!("{}#applications", idea_link(base_url, event, idea))),
    )
}

/// The idea closed (`member`: to a member; otherwise to a pending applicant).
pub fn idea_closed(base_url: &str, event: &Event, to: &str, idea: &Idea, member: bool) -> EventMail {
    let second = if member {
        "It no longer takes applications; the consortium stays as it is.".to_string()
    } else {
        "Your application for it has ended with it.".to_string()
    };
    mail(
        event,
        format!("Idea closed: {}", idea.title),
        to,
        vec![format!("the coordinator has closed the project idea \u{201c}{}\u{201d}.", idea.title), second],
        ("See the idea".into(), idea_link(base_url, event, idea)),
    )
}

/// The coordinator's account is gone, and the idea with it.
pub fn idea_removed(base_url: &str, event: &Event, to: &str, title: &str) -> EventMail {
    mail(
        event,
        format!("Idea withdrawn: {title}"),
        to,
        vec![format!(
            "the coordinator of \u{201c}{title}\u{201d} has left {}, and the idea has been withdrawn with its applications.",
            event.title
        )],
        ("See the project ideas".into(), format!("{base_url}/events/{}/ideas", event.slug)),
    )
}

pub fn invited_to_apply(
    base_url: &str,
    event: &Event,
    to: &str,
    idea: &Idea,
    role: &Role,
    coordinator: (&str, &str),
) -> EventMail {
    mail(
        event,
        format!("Invitation to apply: {}", idea.title),
        to,
        vec![
            format!(
                "{} coordinates the project idea \u{201c}{}\u{201d} and thinks you would fit its open role \u{201c}{}\u{201d}.",
                who(coordinator.0, coordinator.1),
                idea.title,
                role.description
            ),
            "If it interests you, apply with a short message on the idea's page; if not, there is nothing to do.".into(),
        ],
        (
            "See the role and apply".into(),
            format!("{base_url}/events/{}/ideas/{}/roles/{}/apply", event.slug, idea.id, role.id),
        ),
    )
}
