//! The agenda's e-mail: changes to sessions a person chose, several changes in one message.

use crate::events::emails::EventMail;
use crate::events::model::Event;

pub fn programme_changed(base_url: &str, event: &Event, name: &str, changes: &[String]) -> EventMail {
    let mut paragraphs =
        vec![format!("the programme of {} has changed for sessions in your personal agenda:", event.title)];
    paragraphs.extend(changes.iter().map(|c| format!("• {c}")));
    paragraphs.push("Calendar apps subscribed to your personal feed update by themselves.".into());
    EventMail {
        subject: format!("Programme change: {}", event.title),
        name: name.to_string(),
        paragraphs,
        details: Vec::new(),
        action: Some(("See my agenda".into(), format!("{base_url}/events/{}/my-agenda", event.slug))),
        signature: format!("The organisers of {}, via Liaison", event.title),
    }
}
