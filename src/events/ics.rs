//! The calendar entry of a registration (RFC 5545, written by `crate::ical`, which escapes and
//! folds). Mailed as an iTIP invitation (RFC 5546): a REQUEST when the person gets a seat or the
//! event moves, a CANCEL when the seat or the event goes. The personal feed shows the same entry
//! with the same UID and SEQUENCE, so mails and subscriptions agree.

use chrono::NaiveDateTime;

use super::emails::To;
use super::model::Event;
use super::registration::Registration;
use crate::ical::{Entry, Method};
use crate::mail::Attachment;

/// The entry's SEQUENCE: the event's change counter (moved, cancelled, put back on) plus the
/// registration's (cancelled, refused, made again). Both only grow, and each grows exactly when
/// the holder is told, so the sum grows with every message and never goes down.
pub fn sequence(event: &Event, reg: &Registration) -> i64 {
    i64::from(event.sequence.max(0)) + i64::from(reg.ical_sequence.max(0))
}

/// The entry itself (UID fixed per registration), stamped `stamp`.
pub fn entry(base_url: &str, event: &Event, reg: &Registration, stamp: NaiveDateTime) -> Entry {
    Entry::new(&reg.ical_uid, sequence(event, reg), stamp)
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
}

/// The entry of the person's subscribed feed: there while they hold a seat at an event that
/// takes place, with the SEQUENCE of the last invitation mailed (stamped with the last change,
/// so an unchanged feed stays the same).
pub fn feed_entry(base_url: &str, event: &Event, reg: &Registration) -> Option<Entry> {
    reg.holds_entry(event).then(|| entry(base_url, event, reg, reg.updated_at.max(event.updated_at)).cancelled(false))
}

/// The mailed iTIP message for `to`, the registrant.
pub fn invitation(base_url: &str, event: &Event, reg: &Registration, method: Method, to: To) -> Attachment {
    let e = entry(base_url, event, reg, crate::db::now()).attendee(to.name, to.email);
    let e = if method == Method::Request { e.cancelled(false) } else { e };
    crate::ical::invitation(method, &event.title, &format!("{}.ics", event.slug), vec![e])
}

#[cfg(test)]
mod tests {
    use super::*;
    use icalendar::{Component, EventStatus};

    const TO: To = To { name: "Ann Attendee", email: "ann@example.org" };

    #[test]
    fn invitations_parse_with_stable_uid_sequence_and_attendee() {
        let mut ev = crate::events::model::tests_support::event();
        ev.description = "x".repeat(300);
        ev.sequence = 2;
        let reg = crate::events::registration::tests_support::registration("reg-abc@liaison");
        let a = invitation("https://liaison.example.org", &ev, &reg, Method::Request, TO);
        assert_eq!(a.content_type, "text/calendar; charset=utf-8; method=REQUEST");
        assert!(a.body.lines().all(|l| l.len() <= 75), "unfolded line in\n{}", a.body);
        let parsed: icalendar::Calendar = a.body.parse().expect("parses");
        assert_eq!(parsed.property_value("METHOD"), Some("REQUEST"));
        let e = parsed.events().next().expect("one event");
        assert_eq!(e.get_uid(), Some("reg-abc@liaison"));
        assert_eq!(e.get_sequence(), Some(3));
        assert_eq!(e.get_status(), Some(EventStatus::Confirmed));
        assert!(e.get_timestamp().is_some());
        let attendees = e.multi_properties().get("ATTENDEE").cloned().unwrap_or_default();
        assert_eq!(attendees.iter().map(|p| p.value()).collect::<Vec<_>>(), ["mailto:ann@example.org"]);
        assert!(e.property_value("ORGANIZER").is_some());

        let c = invitation("https://x", &ev, &reg, Method::Cancel, TO);
        let cancelled: icalendar::Calendar = c.body.parse().expect("parses");
        assert_eq!(cancelled.property_value("METHOD"), Some("CANCEL"));
        assert_eq!(cancelled.events().next().and_then(|e| e.get_status()), Some(EventStatus::Cancelled));
    }

    #[test]
    fn the_feed_holds_the_entry_only_with_a_seat_at_an_event_that_takes_place() {
        let mut ev = crate::events::model::tests_support::event();
        let mut reg = crate::events::registration::tests_support::registration("reg-abc@liaison");
        assert!(feed_entry("https://x", &ev, &reg).is_some());
        reg.status = "waitlisted".into();
        assert!(feed_entry("https://x", &ev, &reg).is_none());
        reg.status = "confirmed".into();
        ev.status = "cancelled".into();
        assert!(feed_entry("https://x", &ev, &reg).is_none());
    }
}
