//! How many meetings each participant of an event holds (the draft and the published schedule
//! together, as the caps count them) and their own caps, as a snapshot per event. The directory
//! and matches pages list 25–50 people and say of each whether they can take another meeting;
//! searching every listed person's meetings on every view cut those pages to a quarter of
//! their speed on a 5,000-person event. The snapshot is rebuilt when the schedule moves on.
//! It is a hint for the pages only: sending a request checks the caps again, under the lock.

use super::*;
use crate::web::cache::Snapshots;

/// Meetings held and caps, by user id.
#[derive(Debug, Default)]
pub struct Loads {
    counts: HashMap<i64, i32>,
    caps: HashMap<i64, Option<i32>>,
}

impl Loads {
    /// Meetings `user` holds in the draft or the published schedule (a pair in both counts once).
    pub fn count(&self, user: i64) -> i32 {
        self.counts.get(&user).copied().unwrap_or(0)
    }

    /// The person's own cap, if they set one (the event's limit applies on top).
    pub fn own_cap(&self, user: i64) -> Option<i32> {
        self.caps.get(&user).copied().flatten()
    }
}

fn load(c: &mut DbConn, event_id: i64) -> Result<Loads, AppError> {
    let mut pairs: BTreeSet<(i64, i64)> = m::table
        .filter(m::event_id.eq(event_id))
        .select((m::a_user, m::b_user))
        .load::<(i64, i64)>(c)?
        .into_iter()
        .collect();
    pairs.extend(
        pm::table
            .filter(pm::event_id.eq(event_id).and(pm::active.eq(true)).and(pm::slot_id.is_not_null()))
            .select((pm::a_user, pm::b_user))
            .load::<(i64, i64)>(c)?,
    );
    let mut counts: HashMap<i64, i32> = HashMap::new();
    for (a, b) in pairs {
        *counts.entry(a).or_default() += 1;
        *counts.entry(b).or_default() += 1;
    }
    let caps = mp::table
        .filter(mp::event_id.eq(event_id).and(mp::max_meetings.is_not_null()))
        .select((mp::user_id, mp::max_meetings))
        .load::<(i64, Option<i32>)>(c)?
        .into_iter()
        .collect();
    Ok(Loads { counts, caps })
}

/// Changes when any meeting or cap of the event may have: every change to meetings bumps the
/// schedule version under the schedule lock; the counts and latest change times catch the
/// paths that do not (a deleted account's rows).
fn fingerprint(c: &mut DbConn, event_id: i64) -> Result<String, AppError> {
    use diesel::dsl::{count_star, max};
    let version: Option<i64> = ms::table.find(event_id).select(ms::schedule_version).first(c).optional()?;
    let draft: (i64, Option<NaiveDateTime>) =
        m::table.filter(m::event_id.eq(event_id)).select((count_star(), max(m::updated_at))).first(c)?;
    let held: (i64, Option<NaiveDateTime>) = pm::table
        .filter(pm::event_id.eq(event_id).and(pm::active.eq(true)))
        .select((count_star(), max(pm::changed_at)))
        .first(c)?;
    let caps: (i64, Option<NaiveDateTime>) =
        mp::table.filter(mp::event_id.eq(event_id)).select((count_star(), max(mp::updated_at))).first(c)?;
    Ok(format!("{version:?}{draft:?}{held:?}{caps:?}"))
}

/// The events' snapshots, shared by one server's requests (rechecked after two seconds or a
/// write on this server, like the page cache; never older than a minute).
pub struct LoadCache(Snapshots<Loads>);

impl Default for LoadCache {
    fn default() -> Self {
        LoadCache(Snapshots::new(std::time::Duration::from_secs(2), std::time::Duration::from_secs(60)))
    }
}

impl LoadCache {
    pub fn get(&self, c: &mut DbConn, event_id: i64, generation: u64) -> Result<std::sync::Arc<Loads>, AppError> {
        let c = std::cell::RefCell::new(c);
        self.0.get(
            event_id,
            generation,
            || fingerprint(&mut c.borrow_mut(), event_id),
            || load(&mut c.borrow_mut(), event_id),
        )
    }
}
