//! The agenda's e-mails: what changed in sessions a person chose, all in one message, and the
//! removal of a session from their calendar when they take it off their agenda.

use crate::events::emails::EventMail;
use crate::events::model::Event;

/// `changes`: one sentence per session (see `notices::News::line`).
pub fn programme_changed(base_url: &str, event: &Event, name: &str, changes: &[String]) -> EventMail {
    let mut paragraphs = vec![format!(
        "the programme of {} has changed for sessions in your personal agenda (times in {} time):",
        event.title, event.timezone
    )];
    paragraphs.extend(changes.iter().map(|c| format!("• {c}")));
    paragraphs.push(
        "The attached calendar update changes these sessions in your calendar; calendar apps subscribed to \
         your personal feed update by themselves."
            .into(),
    );
    EventMail {
        subject: format!("Programme change: {}", event.title),
        name: name.to_string(),
        paragraphs,
        details: Vec::new(),
        action: Some(("See my agenda".into(), format!("{base_url}/events/{}/my-agenda", event.slug))),
        signature: format!("The organisers of {}, via Liaison", event.title),
    }
}

/// `session`: the session's title and time, in words.
pub fn removed_from_agenda(base_url: &str, event: &Event, name: &str, session: &str) -> EventMail {
    EventMail {
        subject: format!("Removed from your agenda: {}", event.title),
        name: name.to_string(),
        paragraphs: vec![
            format!("you took {session} off your agenda for {}.", event.title),
            "An earlier programme notice had put it into your calendar; the attached cancellation takes it out.".into(),
        ],
        details: Vec::new(),
        action: Some(("See my agenda".into(), format!("{base_url}/events/{}/my-agenda", event.slug))),
        signature: format!("The organisers of {}, via Liaison", event.title),
    }
}
