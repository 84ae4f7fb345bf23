//! Changes to when and where an event takes place reach its registrants once, as the net change
//! from what they were last told, after the organisers have paused editing for a quiet period
//! (the programme's, `Config::change_quiet_ms`). Fixing the venue twice mails one notice with
//! the final venue; a change undone before the period ends mails nobody. Cancelling an event and
//! putting it back on are told at once (see `service::update`).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::emails::EventChange;
use super::model::{self, Event, EventInput, EventStatus};
use crate::db::schema::events;
use crate::db::{now, DbConn};
use crate::error::AppError;

/// When and where the event takes place, as registrants hold it in their calendars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub timezone: String,
    pub venue: String,
    pub address: String,
}

impl Held {
    pub fn of(e: &Event) -> Held {
        Held {
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            timezone: e.timezone.clone(),
            venue: e.venue.clone(),
            address: e.address.clone(),
        }
    }

    pub fn of_input(i: &EventInput) -> Held {
        Held {
            starts_at: i.starts_at,
            ends_at: i.ends_at,
            timezone: i.timezone.clone(),
            venue: i.venue.clone(),
            address: i.address.clone(),
        }
    }

    /// `event` as it was when this was true, for its labels.
    fn on(&self, event: &Event) -> Event {
        Event {
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            timezone: self.timezone.clone(),
            venue: self.venue.clone(),
            address: self.address.clone(),
            ..event.clone()
        }
    }
}

/// The lines of the registrants' e-mail: what differs between what they were told and the
/// event now. Empty when nothing does (a change undone).
pub fn net_change(told: &Held, event: &Event) -> Vec<String> {
    let before = told.on(event);
    let mut out = Vec::new();
    if told.starts_at != event.starts_at || told.ends_at != event.ends_at || told.timezone != event.timezone {
        out.push(format!("New dates: {} (before: {}).", event.when_label(), before.when_label()));
    }
    if told.venue != event.venue || told.address != event.address {
        let label = |e: &Event| Some(e.place_label()).filter(|p| !p.is_empty()).unwrap_or_else(|| "not given".into());
        out.push(format!("New place: {} (before: {}).", label(event), label(&before)));
    }
    out
}

/// What registrants were last told, when it may differ from the event now (a notice waits, or
/// the event is cancelled); `None` means "what the event says".
pub fn told(c: &mut DbConn, event_id: i64) -> Result<Option<Held>, AppError> {
    type Row = (Option<NaiveDateTime>, Option<NaiveDateTime>, Option<String>, Option<String>, Option<String>);
    let row: Row = events::table
        .find(event_id)
        .select((
            events::told_starts_at,
            events::told_ends_at,
            events::told_timezone,
            events::told_venue,
            events::told_address,
        ))
        .first(c)?;
    Ok(match row {
        (Some(starts_at), Some(ends_at), Some(timezone), Some(venue), Some(address)) => {
            Some(Held { starts_at, ends_at, timezone, venue, address })
        }
        _ => None,
    })
}

/// Stores what registrants hold and when the last change they have not heard of was made.
pub fn store(
    c: &mut DbConn,
    event_id: i64,
    told: Option<&Held>,
    pending: Option<NaiveDateTime>,
) -> Result<(), AppError> {
    diesel::update(events::table.find(event_id))
        .set((
            events::told_starts_at.eq(told.map(|h| h.starts_at)),
            events::told_ends_at.eq(told.map(|h| h.ends_at)),
            events::told_timezone.eq(told.map(|h| h.timezone.clone())),
            events::told_venue.eq(told.map(|h| h.venue.clone())),
            events::told_address.eq(told.map(|h| h.address.clone())),
            events::change_pending_at.eq(pending),
        ))
        .execute(c)?;
    Ok(())
}

/// Mails the net change of every event whose last change is `quiet` old. Returns the number
/// of e-mails written.
pub fn send_due(c: &mut DbConn, base_url: &str, quiet: TimeDelta) -> Result<usize, AppError> {
    let cutoff = now() - quiet;
    let due: Vec<(i64, Option<NaiveDateTime>)> = events::table
        .filter(events::change_pending_at.le(cutoff))
        .order(events::id)
        .select((events::id, events::change_pending_at))
        .load(c)?;
    let mut sent = 0;
    for (event_id, at) in due {
        let Some(at) = at else { continue };
        match notify(c, base_url, event_id, at) {
            Ok(n) => sent += n,
            Err(e) => tracing::warn!(event_id, error = %e, "event change notices failed; retrying later"),
        }
    }
    Ok(sent)
}

/// Claims one event's waiting change and tells its registrants, in one transaction: the claim
/// clears the mark only if it is still the one read, so of two servers one sends, and a save
/// made meanwhile moves the mark and restarts the quiet period.
fn notify(c: &mut DbConn, base_url: &str, event_id: i64, pending_at: NaiveDateTime) -> Result<usize, AppError> {
    crate::db::write_transaction(c, |c| {
        let claimed =
            diesel::update(events::table.find(event_id).filter(events::change_pending_at.eq(Some(pending_at))))
                .set(events::change_pending_at.eq(None::<NaiveDateTime>))
                .execute(c)?;
        if claimed == 0 {
            return Ok(0);
        }
        let told = told(c, event_id)?;
        store(c, event_id, None, None)?;
        let event = model::find(c, event_id)?.ok_or(AppError::NotFound)?;
        let lines = told.map(|t| net_change(&t, &event)).unwrap_or_default();
        // Undone before the quiet period ended, or the event is off (its cancellation said so).
        if lines.is_empty() || event.status() == EventStatus::Cancelled {
            return Ok(0);
        }
        // The invitation goes out with a SEQUENCE above any mailed so far (a seat given after
        // the change carried the counter of then); the feed shows the same.
        diesel::update(events::table.find(event_id))
            .set((events::sequence.eq(events::sequence + 1), events::updated_at.eq(now())))
            .execute(c)?;
        let event = model::find(c, event_id)?.ok_or(AppError::NotFound)?;
        let people = super::service::notify_registrants(c, base_url, &event, EventChange::Moved, &lines)?;
        if people > 0 {
            let whom = if people == 1 { "1 registrant".to_string() } else { format!("{people} registrants") };
            let words = format!("told {whom} of the event's change. {}", lines.join(" "));
            crate::audit::record_event(c, None, event_id, "event.change_notified", &words)?;
        }
        Ok(people)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_net_change_names_only_what_differs_from_what_was_told() {
        let ev = crate::events::model::tests_support::event();
        let told = Held::of(&ev);
        assert!(net_change(&told, &ev).is_empty(), "nothing changed");

        let moved = Event { venue: "The Egg".into(), address: "Rue Bara 175".into(), ..ev.clone() };
        let lines = net_change(&told, &moved);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("New place: The Egg, Rue Bara 175 (before: "), "{lines:?}");
        assert!(lines[0].contains(&ev.place_label()), "{lines:?}");

        let later =
            Event { starts_at: ev.starts_at + TimeDelta::days(1), ends_at: ev.ends_at + TimeDelta::days(1), ..moved };
        let lines = net_change(&told, &later);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0], format!("New dates: {} (before: {}).", later.when_label(), ev.when_label()));

        let zone = Event { timezone: "Europe/Lisbon".into(), ..ev.clone() };
        assert!(net_change(&told, &zone)[0].starts_with("New dates:"), "a new zone moves the times");
    }
}
