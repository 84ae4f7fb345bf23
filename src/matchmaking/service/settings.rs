//! Matchmaking settings, the topic taxonomy and the meeting slots.

use super::*;

// ---------- settings ----------

pub fn settings(c: &mut DbConn, event_id: i64) -> Result<Settings, AppError> {
    Ok(ms::table
        .find(event_id)
        .select(Settings::as_select())
        .first(c)
        .optional()?
        .unwrap_or(Settings::defaults(event_id)))
}

/// Takes the event's schedule lock (creating the settings row on first use) and returns the
/// settings. Must be the first statement of its transaction (see events::registration::lock_event).
pub fn lock_schedule(c: &mut DbConn, event_id: i64) -> Result<Settings, AppError> {
    let n =
        diesel::update(ms::table.find(event_id)).set(ms::schedule_version.eq(ms::schedule_version + 1)).execute(c)?;
    if n == 0 {
        diesel::insert_into(ms::table).values((ms::event_id.eq(event_id), ms::updated_at.eq(now()))).execute(c)?;
    }
    Ok(ms::table.find(event_id).select(Settings::as_select()).first(c)?)
}

pub fn save_settings(c: &mut DbConn, event_id: i64, actor: i64, s: &SettingsInput) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event_id)?;
        diesel::update(ms::table.find(event_id))
            .set((
                ms::enabled.eq(s.enabled),
                ms::meeting_minutes.eq(s.meeting_minutes),
                ms::tables_count.eq(s.tables_count),
                ms::max_meetings.eq(s.max_meetings),
                ms::cross_sector_bonus.eq(s.cross_sector_bonus),
                ms::allow_same_organisation.eq(s.allow_same_organisation),
                ms::request_ttl_hours.eq(s.request_ttl_hours),
                ms::booking_opens_at.eq(s.booking_opens_at),
                ms::booking_closes_at.eq(s.booking_closes_at),
                ms::allow_suggested.eq(s.allow_suggested),
                ms::updated_at.eq(now()),
            ))
            .execute(c)?;
        ensure_topics(c, event_id)?;
        let detail = format!(
            "{}; {} min meetings, {} tables, at most {} per person",
            if s.enabled { "open" } else { "closed" },
            s.meeting_minutes,
            s.tables_count,
            s.max_meetings
        );
        crate::audit::record_event(c, Some(actor), event_id, "matchmaking.settings", &detail)?;
        Ok(())
    })
}

// ---------- taxonomy ----------

/// Gives an event the default taxonomy when it has no topics yet.
pub fn ensure_topics(c: &mut DbConn, event_id: i64) -> Result<(), AppError> {
    let n: i64 = t::table.filter(t::event_id.eq(event_id)).count().get_result(c)?;
    if n > 0 {
        return Ok(());
    }
    let mut pos = 0;
    for (category, names) in DEFAULT_TOPICS {
        for name in *names {
            pos += 1;
            diesel::insert_into(t::table)
                .values((t::event_id.eq(event_id), t::name.eq(*name), t::category.eq(*category), t::position.eq(pos)))
                .execute(c)?;
        }
    }
    Ok(())
}

pub fn topics(c: &mut DbConn, event_id: i64) -> Result<Vec<Topic>, AppError> {
    Ok(t::table.filter(t::event_id.eq(event_id)).order((t::position, t::id)).select(Topic::as_select()).load(c)?)
}

fn topic_taken(c: &mut DbConn, event_id: i64, name: &str, except: Option<i64>) -> Result<bool, AppError> {
    let names: Vec<(i64, String)> = t::table.filter(t::event_id.eq(event_id)).select((t::id, t::name)).load(c)?;
    Ok(names.iter().any(|(id, n)| Some(*id) != except && n.to_lowercase() == name.to_lowercase()))
}

pub fn add_topic(
    c: &mut DbConn,
    event_id: i64,
    actor: i64,
    name: &str,
    category: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    let mut e = FormErrors::default();
    let name = &check_topic_name(&mut e, "name", name);
    let cat = topic_category(category);
    if cat.is_none() {
        e.add("category", "Choose whether this is a therapeutic area or a capability.");
    }
    if e.is_empty() && topic_taken(c, event_id, name, None)? {
        e.add("name", "This event already has a topic of that name.");
    }
    if !e.is_empty() {
        return Ok(Err(e));
    }
    crate::db::write_transaction(c, |c| {
        let pos: Option<i32> =
            t::table.filter(t::event_id.eq(event_id)).select(diesel::dsl::max(t::position)).first(c)?;
        diesel::insert_into(t::table)
            .values((
                t::event_id.eq(event_id),
                t::name.eq(name),
                t::category.eq(cat.unwrap_or("area")),
                t::position.eq(pos.unwrap_or(0) + 1),
            ))
            .execute(c)?;
        crate::audit::record_event(c, Some(actor), event_id, "matchmaking.topic_added", name)?;
        Ok(Ok(()))
    })
}

pub fn rename_topic(
    c: &mut DbConn,
    event_id: i64,
    actor: i64,
    topic_id: i64,
    name: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    let mut e = FormErrors::default();
    let name = &check_topic_name(&mut e, "name", name);
    if e.is_empty() && topic_taken(c, event_id, name, Some(topic_id))? {
        e.add("name", "This event already has a topic of that name.");
    }
    if !e.is_empty() {
        return Ok(Err(e));
    }
    let n = diesel::update(t::table.filter(t::id.eq(topic_id).and(t::event_id.eq(event_id))))
        .set(t::name.eq(name))
        .execute(c)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    crate::audit::record_event(c, Some(actor), event_id, "matchmaking.topic_renamed", name)?;
    Ok(Ok(()))
}

pub fn delete_topic(c: &mut DbConn, event_id: i64, actor: i64, topic_id: i64) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        let name: String = t::table
            .filter(t::id.eq(topic_id).and(t::event_id.eq(event_id)))
            .select(t::name)
            .first(c)
            .optional()?
            .ok_or(AppError::NotFound)?;
        diesel::delete(pi::table.filter(pi::topic_id.eq(topic_id))).execute(c)?;
        diesel::delete(ot::table.filter(ot::topic_id.eq(topic_id))).execute(c)?;
        diesel::delete(t::table.find(topic_id)).execute(c)?;
        crate::audit::record_event(c, Some(actor), event_id, "matchmaking.topic_deleted", &name)?;
        Ok(())
    })
}

// ---------- slots ----------

pub fn slots(c: &mut DbConn, event_id: i64) -> Result<Vec<Slot>, AppError> {
    Ok(sl::table.filter(sl::event_id.eq(event_id)).order(sl::starts_at).select(Slot::as_select()).load(c)?)
}

/// Adds the slots of a window; slots overlapping existing ones are skipped. Returns how many
/// were added, or a message when the event would exceed [`MAX_SLOTS`].
pub fn add_window(
    c: &mut DbConn,
    event_id: i64,
    actor: i64,
    start: NaiveDateTime,
    end: NaiveDateTime,
    minutes: i32,
) -> Result<Result<usize, String>, AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event_id)?;
        let existing = slots(c, event_id)?;
        let new: Vec<_> = slots_in_window(start, end, minutes)
            .into_iter()
            .filter(|(s, e)| !existing.iter().any(|x| x.starts_at < *e && *s < x.ends_at))
            .collect();
        if new.is_empty() {
            return Ok(Err(format!(
                "No new slot fits: the window is shorter than one {minutes}-minute meeting or overlaps existing slots."
            )));
        }
        if existing.len() + new.len() > MAX_SLOTS {
            return Ok(Err(format!(
                "An event can have at most {MAX_SLOTS} meeting slots; this window would make {}.",
                existing.len() + new.len()
            )));
        }
        for (s, e) in &new {
            diesel::insert_into(sl::table)
                .values((sl::event_id.eq(event_id), sl::starts_at.eq(s), sl::ends_at.eq(e)))
                .execute(c)?;
        }
        crate::audit::record_event(
            c,
            Some(actor),
            event_id,
            "matchmaking.slots_added",
            &format!("{} slots", new.len()),
        )?;
        Ok(Ok(new.len()))
    })
}

/// Deletes a slot and the draft meetings in it. A slot that holds published meetings is
/// refused: participants hold those, so the organisers move or cancel them and publish first.
pub fn delete_slot(c: &mut DbConn, event: &Event, actor: i64, slot_id: i64) -> Result<Result<(), String>, AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event.id)?;
        let slot = find_slot(c, event.id, slot_id)?.ok_or(AppError::NotFound)?;
        let held = published::meetings_in_slot(c, slot.id)?;
        if held > 0 {
            return Ok(Err(format!(
                "{held} published meeting{} take{} place in this slot. Move or cancel {} in the meeting grid and publish the schedule first; then delete the slot.",
                if held == 1 { "" } else { "s" },
                if held == 1 { "s" } else { "" },
                if held == 1 { "it" } else { "them" },
            )));
        }
        let ids: Vec<i64> = m::table.filter(m::slot_id.eq(slot.id)).select(m::id).load(c)?;
        diesel::delete(seats::table.filter(seats::meeting_id.eq_any(&ids))).execute(c)?;
        diesel::delete(m::table.filter(m::id.eq_any(&ids))).execute(c)?;
        diesel::delete(sl::table.find(slot.id)).execute(c)?;
        let when = event.local_datetime_label(slot.starts_at);
        crate::audit::record_event(c, Some(actor), event.id, "matchmaking.slot_deleted", &when)?;
        Ok(Ok(()))
    })
}

pub(super) fn find_slot(c: &mut DbConn, event_id: i64, slot_id: i64) -> Result<Option<Slot>, AppError> {
    Ok(sl::table
        .filter(sl::id.eq(slot_id).and(sl::event_id.eq(event_id)))
        .select(Slot::as_select())
        .first(c)
        .optional()?)
}
