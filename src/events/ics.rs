//! The calendar entry of a registration (RFC 5545, written by `crate::ical`, which escapes and
//! folds). The UID is fixed per registration; SEQUENCE grows with every update so calendar
//! clients replace the entry instead of adding a second one.

use super::model::Event;
use super::registration::Registration;
use crate::ical::{Calendar, Entry};
use crate::mail::Attachment;

pub fn registration_calendar(base_url: &str, event: &Event, reg: &Registration, cancelled: bool) -> String {
    let sequence = i64::from(event.sequence.max(0)) + i64::from(reg.ical_sequence.max(0));
    let entry = Entry::new(&reg.ical_uid, sequence, crate::db::now())
        .summary(&event.title)
        .times(event.starts_at, event.ends_at)
        .url(&format!("{base_url}/events/{}", event.slug))
        .description(&format!(
            "{}\n\nTimes: {} ({})\n{base_url}/events/{}",
            event.title,
            event.when_label(),
            event.timezone,
            event.slug
        ))
        .location(&event.place_label())
        .cancelled(cancelled);
    let mut cal = Calendar::new(if cancelled { "CANCEL" } else { "PUBLISH" }, &event.title);
    cal.push(entry);
    cal.render()
}

pub fn attachment(base_url: &str, event: &Event, reg: &Registration, cancelled: bool) -> Attachment {
    Attachment {
        filename: format!("{}.ics", event.slug),
        content_type: format!("text/calendar; charset=utf-8; method={}", if cancelled { "CANCEL" } else { "PUBLISH" }),
        body: registration_calendar(base_url, event, reg, cancelled),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use icalendar::{Component, EventStatus};

    #[test]
    fn calendar_parses_with_stable_uid_and_sequence() {
        let mut ev = crate::events::model::tests_support::event();
        ev.description = "x".repeat(300);
        ev.sequence = 2;
        let reg = crate::events::registration::tests_support::registration("reg-abc@liaison");
        let text = registration_calendar("https://liaison.example.org", &ev, &reg, false);
        assert!(text.lines().all(|l| l.len() <= 75), "unfolded line in\n{text}");
        assert!(text.contains("\r\n"));
        let parsed: icalendar::Calendar = text.parse().expect("parses");
        let e = parsed.events().next().expect("one event");
        assert_eq!(e.get_uid(), Some("reg-abc@liaison"));
        assert_eq!(e.get_sequence(), Some(3));
        assert_eq!(e.get_status(), Some(EventStatus::Confirmed));
        assert!(e.get_timestamp().is_some());
        let cancelled: icalendar::Calendar =
            registration_calendar("https://x", &ev, &reg, true).parse().expect("parses");
        assert_eq!(cancelled.events().next().and_then(|e| e.get_status()), Some(EventStatus::Cancelled));
        assert_eq!(cancelled.property_value("METHOD"), Some("CANCEL"));
    }
}
