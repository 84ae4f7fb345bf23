//! Placing meetings: occupancy, placing accepted requests, cancelling, locking, moving, withdrawing.

use super::*;

// ---------- meetings ----------

/// The organisers' working copy (the draft), in grid order.
pub fn meetings(c: &mut DbConn, event_id: i64) -> Result<Vec<Meeting>, AppError> {
    Ok(m::table
        .filter(m::event_id.eq(event_id))
        .order((m::slot_id, m::table_no))
        .select(Meeting::as_select())
        .load(c)?)
}

/// Why a person cannot have a meeting in a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Busy {
    Meeting,
    Unavailable,
    Session,
}

/// The state of the meeting grid that placement needs, over the draft and the published
/// version together (a participant's own change lands in both, so it must fit both): busy
/// slots per person, meetings per person, used tables per slot, unavailability (marked, and
/// the sessions in people's agendas unless they meet during sessions), and caps.
pub(super) struct Occupancy {
    busy: BTreeSet<(i64, i64)>,
    count: HashMap<i64, i32>,
    tables: HashMap<i64, BTreeSet<i32>>,
    pub(super) unavailable: BTreeSet<(i64, i64)>,
    pub(super) in_session: BTreeSet<(i64, i64)>,
    caps: HashMap<i64, Option<i32>>,
}

pub(super) fn occupancy(c: &mut DbConn, event_id: i64) -> Result<Occupancy, AppError> {
    let draft: Vec<(i64, i32, i64, i64)> =
        m::table.filter(m::event_id.eq(event_id)).select((m::slot_id, m::table_no, m::a_user, m::b_user)).load(c)?;
    let shown: Vec<(Option<i64>, i32, i64, i64)> = pm::table
        .filter(pm::event_id.eq(event_id).and(pm::active.eq(true)))
        .select((pm::slot_id, pm::table_no, pm::a_user, pm::b_user))
        .load(c)?;
    let mut o = Occupancy {
        busy: BTreeSet::new(),
        count: HashMap::new(),
        tables: HashMap::new(),
        unavailable: BTreeSet::new(),
        in_session: BTreeSet::new(),
        caps: HashMap::new(),
    };
    let mut pairs: BTreeSet<(i64, i64)> = BTreeSet::new();
    let rows = draft.into_iter().chain(shown.into_iter().filter_map(|(s, t, a, b)| Some((s?, t, a, b))));
    for (slot, table, a, b) in rows {
        o.busy.insert((slot, a));
        o.busy.insert((slot, b));
        o.tables.entry(slot).or_default().insert(table);
        if pairs.insert((a, b)) {
            *o.count.entry(a).or_default() += 1;
            *o.count.entry(b).or_default() += 1;
        }
    }
    let un_rows: Vec<(i64, i64)> =
        un::table.inner_join(sl::table).filter(sl::event_id.eq(event_id)).select((un::slot_id, un::user_id)).load(c)?;
    o.unavailable = un_rows.into_iter().collect();
    let caps: Vec<(i64, Option<i32>, bool)> = mp::table
        .filter(mp::event_id.eq(event_id))
        .select((mp::user_id, mp::max_meetings, mp::meet_during_sessions))
        .load(c)?;
    let free_in_sessions: BTreeSet<i64> = caps.iter().filter(|x| x.2).map(|x| x.0).collect();
    o.caps = caps.into_iter().map(|(u, cap, _)| (u, cap)).collect();
    // Sessions people chose, against the slots they overlap.
    let chosen: Vec<(i64, NaiveDateTime, NaiveDateTime)> = su::table
        .inner_join(ags::table)
        .filter(ags::event_id.eq(event_id).and(ags::status.ne("cancelled")))
        .select((su::user_id, ags::starts_at, ags::ends_at))
        .load(c)?;
    if !chosen.is_empty() {
        let slot_rows: Vec<(i64, NaiveDateTime, NaiveDateTime)> =
            sl::table.filter(sl::event_id.eq(event_id)).select((sl::id, sl::starts_at, sl::ends_at)).load(c)?;
        for (u, s0, s1) in chosen {
            if free_in_sessions.contains(&u) {
                continue;
            }
            for (slot, m0, m1) in &slot_rows {
                if *m0 < s1 && s0 < *m1 {
                    o.in_session.insert((*slot, u));
                }
            }
        }
    }
    Ok(o)
}

impl Occupancy {
    pub(super) fn cap(&self, s: &Settings, user: i64) -> i32 {
        self.caps.get(&user).copied().flatten().map_or(s.max_meetings, |c| c.min(s.max_meetings))
    }
    pub(super) fn at_cap(&self, s: &Settings, user: i64) -> bool {
        self.count.get(&user).copied().unwrap_or(0) >= self.cap(s, user)
    }
    fn free_table(&self, s: &Settings, slot: i64) -> Option<i32> {
        let used = self.tables.get(&slot);
        (1..=s.tables_count).find(|t| used.is_none_or(|u| !u.contains(t)))
    }
    fn free_tables(&self, s: &Settings, slot: i64) -> usize {
        (s.tables_count as usize).saturating_sub(self.tables.get(&slot).map_or(0, BTreeSet::len))
    }
    fn busy(&self, slot: i64, user: i64) -> Option<Busy> {
        if self.busy.contains(&(slot, user)) {
            Some(Busy::Meeting)
        } else if self.unavailable.contains(&(slot, user)) {
            Some(Busy::Unavailable)
        } else if self.in_session.contains(&(slot, user)) {
            Some(Busy::Session)
        } else {
            None
        }
    }
    fn free(&self, slot: i64, user: i64) -> bool {
        self.busy(slot, user).is_none()
    }
}

/// Where an accepted request could go, or why it cannot go yet.
pub(super) enum Placement {
    At(Slot, i32),
    /// Both are free at some time, but every table is taken then.
    NoTable,
    /// They have no free time in common.
    NoCommonTime,
}

/// The slot where both are free and most tables are free (keeping busy slots open for
/// others), earliest on a tie. Call it under the schedule lock.
pub(super) fn find_place(
    c: &mut DbConn,
    event_id: i64,
    s: &Settings,
    occ: &Occupancy,
    a: i64,
    b: i64,
) -> Result<Placement, AppError> {
    let common: Vec<Slot> =
        slots(c, event_id)?.into_iter().filter(|sl| occ.free(sl.id, a) && occ.free(sl.id, b)).collect();
    if common.is_empty() {
        return Ok(Placement::NoCommonTime);
    }
    let best = common
        .into_iter()
        .filter(|sl| occ.free_table(s, sl.id).is_some())
        .max_by_key(|sl| (occ.free_tables(s, sl.id), std::cmp::Reverse(sl.starts_at)));
    Ok(match best {
        Some(slot) => {
            let table = occ.free_table(s, slot.id).unwrap_or(1);
            Placement::At(slot, table)
        }
        None => Placement::NoTable,
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn insert_meeting(
    c: &mut DbConn,
    event_id: i64,
    slot_id: i64,
    table: i32,
    a: i64,
    b: i64,
    origin: &str,
    request_id: Option<i64>,
    score: f64,
    locked: bool,
) -> Result<Meeting, AppError> {
    let (a, b) = ordered(a, b);
    let t0 = now();
    let id: i64 = diesel::insert_into(m::table)
        .values((
            m::event_id.eq(event_id),
            m::slot_id.eq(slot_id),
            m::table_no.eq(table),
            m::a_user.eq(a),
            m::b_user.eq(b),
            m::request_id.eq(request_id),
            m::origin.eq(origin),
            m::locked.eq(locked),
            m::score.eq(score),
            m::created_at.eq(t0),
            m::updated_at.eq(t0),
        ))
        .returning(m::id)
        .get_result(c)?;
    for u in [a, b] {
        diesel::insert_into(seats::table)
            .values((seats::slot_id.eq(slot_id), seats::user_id.eq(u), seats::meeting_id.eq(id)))
            .execute(c)?;
    }
    Ok(m::table.find(id).select(Meeting::as_select()).first(c)?)
}

/// Places an accepted request's meeting in the draft and the published version at once.
#[allow(clippy::too_many_arguments)]
pub(super) fn place_request(
    c: &mut DbConn,
    event_id: i64,
    rq: &MeetingRequest,
    slot: &Slot,
    table: i32,
    score: f64,
    change: published::Change,
    by: Option<i64>,
) -> Result<(), AppError> {
    insert_meeting(c, event_id, slot.id, table, rq.from_user, rq.to_user, "request", Some(rq.id), score, false)?;
    published::put(c, event_id, rq.from_user, rq.to_user, slot, table, "request", change, by)
}

/// Accepted requests that have no meeting: they wait for a table (oldest answer first).
pub(super) fn waiting_requests(c: &mut DbConn, event_id: i64) -> Result<Vec<MeetingRequest>, AppError> {
    let accepted: Vec<MeetingRequest> = mr::table
        .filter(mr::event_id.eq(event_id).and(mr::status.eq("accepted")))
        .order((mr::responded_at, mr::id))
        .select(MeetingRequest::as_select())
        .load(c)?;
    without_meeting(c, event_id, accepted)
}

/// Those of `accepted` whose pair has no meeting in the draft or the published version. Only
/// the meetings of these pairs are read (by the lower id of each pair, which leads the index).
fn without_meeting(
    c: &mut DbConn,
    event_id: i64,
    accepted: Vec<MeetingRequest>,
) -> Result<Vec<MeetingRequest>, AppError> {
    if accepted.is_empty() {
        return Ok(accepted);
    }
    let firsts: BTreeSet<i64> = accepted.iter().map(|q| ordered(q.from_user, q.to_user).0).collect();
    let firsts: Vec<i64> = firsts.into_iter().collect();
    let mut placed: BTreeSet<(i64, i64)> = BTreeSet::new();
    for chunk in firsts.chunks(500) {
        placed.extend(
            m::table
                .filter(m::event_id.eq(event_id).and(m::a_user.eq_any(chunk)))
                .select((m::a_user, m::b_user))
                .load::<(i64, i64)>(c)?,
        );
        placed.extend(
            pm::table
                .filter(pm::event_id.eq(event_id).and(pm::active.eq(true)).and(pm::a_user.eq_any(chunk)))
                .select((pm::a_user, pm::b_user))
                .load::<(i64, i64)>(c)?,
        );
    }
    Ok(accepted.into_iter().filter(|q| !placed.contains(&ordered(q.from_user, q.to_user))).collect())
}

/// The ids of a person's accepted requests that wait for a table.
pub fn waiting_requests_of(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<Vec<i64>, AppError> {
    let mine: Vec<MeetingRequest> = mr::table
        .filter(mr::event_id.eq(event_id).and(mr::status.eq("accepted")))
        .filter(mr::from_user.eq(user_id).or(mr::to_user.eq(user_id)))
        .select(MeetingRequest::as_select())
        .load(c)?;
    Ok(without_meeting(c, event_id, mine)?.into_iter().map(|q| q.id).collect())
}

/// Whether an accepted request of these two people is still waiting for a table.
pub fn is_waiting(c: &mut DbConn, event_id: i64, rq: &MeetingRequest) -> Result<bool, AppError> {
    Ok(rq.status == "accepted" && !without_meeting(c, event_id, vec![rq.clone()])?.is_empty())
}

/// Gives every waiting accepted request a table where one is free now (after a cancellation,
/// someone leaving, more tables). Call under the schedule lock; the caller notifies.
/// Returns how many were placed.
pub(in crate::matchmaking) fn place_waiting(c: &mut DbConn, event_id: i64, s: &Settings) -> Result<usize, AppError> {
    let mut n = 0;
    for rq in waiting_requests(c, event_id)? {
        let occ = occupancy(c, event_id)?;
        if occ.at_cap(s, rq.from_user) || occ.at_cap(s, rq.to_user) {
            continue;
        }
        if let Placement::At(slot, table) = find_place(c, event_id, s, &occ, rq.from_user, rq.to_user)? {
            place_request(c, event_id, &rq, &slot, table, 0.0, published::Change::Placed, None)?;
            let detail = format!(
                "the meeting of {} and {} on {}, table {table} (waiting for a table until now)",
                name_of(c, rq.from_user)?,
                name_of(c, rq.to_user)?,
                event_local(c, event_id, slot.starts_at)?
            );
            crate::audit::record_event(c, None, event_id, "matchmaking.meeting_placed", &detail)?;
            n += 1;
        }
    }
    Ok(n)
}

fn event_local(c: &mut DbConn, event_id: i64, t: NaiveDateTime) -> Result<String, AppError> {
    Ok(match crate::events::model::find(c, event_id)? {
        Some(ev) => ev.local(t).format("%a %-d %b %H:%M").to_string(),
        None => t.format("%a %-d %b %H:%M UTC").to_string(),
    })
}

/// Places what waits and tells everyone concerned: call at the end of any change that may
/// have freed a table.
pub fn settle(c: &mut DbConn, base_url: &str, event: &Event, skip: Option<i64>) -> Result<usize, AppError> {
    let s = settings(c, event.id)?;
    place_waiting(c, event.id, &s)?;
    published::notify(c, base_url, event, skip)
}

/// After the organisers change tables or slots: waiting requests that now fit get a table.
pub fn place_waiting_now(c: &mut DbConn, base_url: &str, event: &Event) -> Result<usize, AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event.id)?;
        settle(c, base_url, event, None)
    })
}

fn draft_meeting(c: &mut DbConn, event_id: i64, id: i64) -> Result<Option<Meeting>, AppError> {
    Ok(m::table.filter(m::id.eq(id).and(m::event_id.eq(event_id))).select(Meeting::as_select()).first(c).optional()?)
}

/// Either participant cancels their published meeting: it ends at once in both versions, both
/// are told (the partner that it was cancelled, the canceller with the calendar cancellation),
/// and the freed table goes to a waiting request.
pub fn cancel_own_meeting(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    id: i64,
    user_id: i64,
) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event.id)?;
        let row = published::find(c, event.id, id)?
            .filter(|r| r.active && (r.a_user == user_id || r.b_user == user_id))
            .ok_or(AppError::NotFound)?;
        if let Some(mt) = published::drop_from_draft(c, event.id, row.a_user, row.b_user)? {
            if let Some(rid) = mt.request_id {
                diesel::update(mr::table.find(rid)).set(mr::status.eq("cancelled")).execute(c)?;
            }
        }
        end_requests_of_pair(c, event.id, row.a_user, row.b_user)?;
        published::end(c, &row, published::Change::Cancelled, Some(user_id))?;
        let (who, other) = (name_of(c, user_id)?, name_of(c, row.partner_of(user_id))?);
        crate::audit::record_event(
            c,
            Some(user_id),
            event.id,
            "matchmaking.meeting_cancelled",
            &format!(
                "the meeting of {who} and {other} on {}",
                published::when_label(event, row.starts_at, row.ends_at, row.table_no)
            ),
        )?;
        settle(c, base_url, event, None)?;
        Ok(())
    })
}

/// The accepted request behind a pair's meeting ends with it.
fn end_requests_of_pair(c: &mut DbConn, event_id: i64, a: i64, b: i64) -> Result<(), AppError> {
    diesel::update(
        mr::table
            .filter(mr::event_id.eq(event_id).and(mr::status.eq("accepted")))
            .filter(mr::from_user.eq(a).and(mr::to_user.eq(b)).or(mr::from_user.eq(b).and(mr::to_user.eq(a)))),
    )
    .set(mr::status.eq("cancelled"))
    .execute(c)?;
    Ok(())
}

fn pair_names(c: &mut DbConn, mt: &Meeting) -> Result<String, AppError> {
    Ok(format!("{} and {}", name_of(c, mt.a_user)?, name_of(c, mt.b_user)?))
}

fn slot_label(event: &Event, slot: &Slot, table: i32) -> String {
    format!("{}, table {table}", event.local(slot.starts_at).format("%a %-d %b %H:%M"))
}

/// The organisers remove a meeting from the draft; participants see it go when the draft is
/// published. Its request ends as cancelled then too.
pub fn cancel_meeting_by_organiser(c: &mut DbConn, event: &Event, actor: i64, id: i64) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event.id)?;
        let mt = draft_meeting(c, event.id, id)?.ok_or(AppError::NotFound)?;
        let slot = find_slot(c, event.id, mt.slot_id)?.ok_or(AppError::NotFound)?;
        diesel::delete(seats::table.filter(seats::meeting_id.eq(mt.id))).execute(c)?;
        diesel::delete(m::table.find(mt.id)).execute(c)?;
        if let Some(rid) = mt.request_id {
            diesel::update(mr::table.find(rid)).set(mr::status.eq("cancelled")).execute(c)?;
        }
        let detail =
            format!("the meeting of {} on {} (draft)", pair_names(c, &mt)?, slot_label(event, &slot, mt.table_no));
        crate::audit::record_event(c, Some(actor), event.id, "matchmaking.meeting_cancelled", &detail)?;
        Ok(())
    })
}

pub fn set_locked(c: &mut DbConn, event_id: i64, actor: i64, id: i64, locked: bool) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event_id)?;
        let mt = draft_meeting(c, event_id, id)?.ok_or(AppError::NotFound)?;
        diesel::update(m::table.find(mt.id)).set((m::locked.eq(locked), m::updated_at.eq(now()))).execute(c)?;
        let action = if locked { "matchmaking.meeting_locked" } else { "matchmaking.meeting_unlocked" };
        let detail = format!("the meeting of {}", pair_names(c, &mt)?);
        crate::audit::record_event(c, Some(actor), event_id, action, &detail)?;
        Ok(())
    })
}

/// Moves a meeting of the draft to another slot and table; refusals come back as a message.
/// A moved meeting is locked, so the scheduler keeps the organiser's choice. Participants see
/// the move when the draft is published.
pub fn move_meeting(
    c: &mut DbConn,
    event: &Event,
    actor: i64,
    id: i64,
    slot_id: i64,
    table: i32,
) -> Result<Result<(), String>, AppError> {
    crate::db::write_transaction(c, |c| {
        let s = lock_schedule(c, event.id)?;
        let mt = draft_meeting(c, event.id, id)?.ok_or(AppError::NotFound)?;
        let Some(slot) = find_slot(c, event.id, slot_id)? else {
            return Ok(Err("Choose one of the event's slots.".into()));
        };
        if table < 1 || table > s.tables_count {
            return Ok(Err(format!("Tables are numbered 1 to {}.", s.tables_count)));
        }
        // The draft alone decides here: the published version changes only when published.
        let draft: Vec<Meeting> = meetings(c, event.id)?.into_iter().filter(|x| x.id != mt.id).collect();
        let mut occ = occupancy(c, event.id)?;
        occ.busy = draft.iter().flat_map(|x| [(x.slot_id, x.a_user), (x.slot_id, x.b_user)]).collect();
        occ.tables = HashMap::new();
        for x in &draft {
            occ.tables.entry(x.slot_id).or_default().insert(x.table_no);
        }
        for u in [mt.a_user, mt.b_user] {
            let why = match occ.busy(slot.id, u) {
                Some(Busy::Meeting) => "already has a meeting at that time",
                Some(Busy::Unavailable) => "is not available at that time",
                Some(Busy::Session) => "has a session in their agenda at that time",
                None => continue,
            };
            return Ok(Err(format!("{} {why}.", name_of(c, u)?)));
        }
        if occ.tables.get(&slot.id).is_some_and(|t| t.contains(&table)) {
            return Ok(Err(format!("Table {table} is taken at that time.")));
        }
        let from = find_slot(c, event.id, mt.slot_id)?.map(|f| slot_label(event, &f, mt.table_no)).unwrap_or_default();
        diesel::delete(seats::table.filter(seats::meeting_id.eq(mt.id))).execute(c)?;
        diesel::update(m::table.find(mt.id))
            .set((m::slot_id.eq(slot.id), m::table_no.eq(table), m::locked.eq(true), m::updated_at.eq(now())))
            .execute(c)?;
        for u in [mt.a_user, mt.b_user] {
            diesel::insert_into(seats::table)
                .values((seats::slot_id.eq(slot.id), seats::user_id.eq(u), seats::meeting_id.eq(mt.id)))
                .execute(c)?;
        }
        let detail = format!(
            "the meeting of {} from {from} to {} (draft)",
            pair_names(c, &mt)?,
            slot_label(event, &slot, table)
        );
        crate::audit::record_event(c, Some(actor), event.id, "matchmaking.meeting_moved", &detail)?;
        Ok(Ok(()))
    })
}

/// Someone stops taking part: they left matchmaking, their registration ended, or their
/// account is being deleted. Their meetings end at once in both versions, their open requests
/// end, partners are told (and the person, unless deleted), and freed tables go to waiting
/// requests. Returns how many meetings ended.
pub fn withdraw(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    user_id: i64,
    why: published::Change,
) -> Result<usize, AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event.id)?;
        let ids: Vec<i64> = m::table
            .filter(m::event_id.eq(event.id).and(m::a_user.eq(user_id).or(m::b_user.eq(user_id))))
            .select(m::id)
            .load(c)?;
        for chunk in ids.chunks(500) {
            diesel::delete(seats::table.filter(seats::meeting_id.eq_any(chunk.to_vec()))).execute(c)?;
            diesel::delete(m::table.filter(m::id.eq_any(chunk.to_vec()))).execute(c)?;
        }
        let mut ended = 0;
        for row in published::rows_of(c, event.id, user_id)?.into_iter().filter(|r| r.active) {
            published::end(c, &row, why, Some(user_id))?;
            ended += 1;
        }
        diesel::update(
            mr::table
                .filter(mr::event_id.eq(event.id).and(mr::status.eq_any(["pending", "accepted"])))
                .filter(mr::from_user.eq(user_id).or(mr::to_user.eq(user_id))),
        )
        .set((mr::status.eq("cancelled"), mr::responded_at.eq(Some(now()))))
        .execute(c)?;
        if ended > 0 || !ids.is_empty() {
            let detail = format!("{}; {ended} meetings cancelled", name_of(c, user_id)?);
            let action = match why {
                published::Change::Deleted => "matchmaking.deleted",
                published::Change::Unregistered => "matchmaking.unregistered",
                _ => "matchmaking.left",
            };
            crate::audit::record_event(c, Some(user_id), event.id, action, &detail)?;
        }
        let skip = (why == published::Change::Deleted).then_some(user_id);
        settle(c, base_url, event, skip)?;
        Ok(ended)
    })
}

/// [`withdraw`] from every event where the person has meetings or open requests (an account
/// about to be deleted).
pub fn withdraw_everywhere(c: &mut DbConn, base_url: &str, user_id: i64) -> Result<usize, AppError> {
    let mut events: BTreeSet<i64> = pm::table
        .filter(pm::a_user.eq(user_id).or(pm::b_user.eq(user_id)))
        .filter(pm::active.eq(true))
        .select(pm::event_id)
        .load::<i64>(c)?
        .into_iter()
        .collect();
    events.extend(m::table.filter(m::a_user.eq(user_id).or(m::b_user.eq(user_id))).select(m::event_id).load::<i64>(c)?);
    events.extend(
        mr::table
            .filter(mr::from_user.eq(user_id).or(mr::to_user.eq(user_id)))
            .filter(mr::status.eq_any(["pending", "accepted"]))
            .select(mr::event_id)
            .load::<i64>(c)?,
    );
    let mut n = 0;
    for event_id in events {
        if let Some(event) = crate::events::model::find(c, event_id)? {
            n += withdraw(c, base_url, &event, user_id, published::Change::Deleted)?;
        }
    }
    Ok(n)
}
