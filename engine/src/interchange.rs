//! JSON interchange types (instance, timetable), validation, and the index-based [`Problem`].

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// Slots are kept in a 64-bit mask.
pub const MAX_SLOTS: u32 = 64;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub slots: u32,
    pub tables_per_slot: u32,
    #[serde(default)]
    pub fairness_bonus: f64,
    pub participants: Vec<Participant>,
    pub pairs: Vec<PairIn>,
    #[serde(default)]
    pub locked: Vec<LockedMeeting>,
    /// Meeting rooms for group meetings (separate from the 1:1 tables; every room exists in
    /// every slot).
    #[serde(default)]
    pub rooms: Vec<Room>,
    /// Requested group meetings (all requested: as many as possible come first).
    #[serde(default)]
    pub groups: Vec<GroupIn>,
    /// Group meetings fixed by the organiser (slot and room kept as given).
    #[serde(default)]
    pub locked_groups: Vec<LockedGroup>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Room {
    pub id: String,
    pub capacity: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupIn {
    pub id: String,
    pub members: Vec<String>,
    #[serde(default)]
    pub weight: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LockedGroup {
    pub group: String,
    pub slot: u32,
    pub room: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupMeeting {
    pub group: String,
    pub slot: u32,
    pub room: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    pub id: String,
    pub max_meetings: u32,
    pub available_slots: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairIn {
    pub a: String,
    pub b: String,
    pub weight: f64,
    #[serde(default)]
    pub requested: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LockedMeeting {
    pub a: String,
    pub b: String,
    pub slot: u32,
    pub table: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    pub a: String,
    pub b: String,
    pub slot: u32,
    pub table: u32,
    pub weight: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timetable {
    pub meetings: Vec<Meeting>,
    pub requested_scheduled: usize,
    pub requested_total: usize,
    /// Part (2) of the objective: Σ weights + fairness_bonus × Σ_p H(k_p).
    pub objective: f64,
    /// People with at least one possible partner (a pair with a common available slot and both
    /// caps ≥ 1, or a locked meeting) who got no meeting.
    pub participants_without_meeting: usize,
    pub elapsed_ms: u64,
    /// Valid upper bound on part (2) over all feasible timetables keeping the locked meetings.
    pub upper_bound: f64,
    /// objective / upper_bound (1 when both are 0).
    pub quality: f64,
    #[serde(default)]
    pub group_meetings: Vec<GroupMeeting>,
    #[serde(default)]
    pub groups_scheduled: usize,
    #[serde(default)]
    pub groups_total: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum InstanceError {
    NoSlots,
    TooManySlots(u32),
    NoTables,
    BadFairnessBonus(f64),
    EmptyParticipantId,
    DuplicateParticipant(String),
    SlotOutOfRange { participant: String, slot: u32 },
    UnknownParticipant { context: String, id: String },
    SelfPair(String),
    DuplicatePair { a: String, b: String },
    BadWeight { a: String, b: String, weight: f64 },
    LockedSlotOutOfRange { a: String, b: String, slot: u32 },
    LockedTableOutOfRange { a: String, b: String, table: u32 },
    LockedClash(String),
    LockedOverCap(String),
    EmptyRoomId,
    DuplicateRoom(String),
    UnknownRoom { context: String, id: String },
    EmptyGroupId,
    DuplicateGroup(String),
    UnknownGroup { context: String, id: String },
    DuplicateMember { group: String, member: String },
    GroupTooSmall { group: String, members: usize },
    GroupTooLarge { group: String, members: usize, largest_room: u32 },
    BadGroupWeight { group: String, weight: f64 },
    LockedGroupSlotOutOfRange { group: String, slot: u32 },
    LockedRoomTooSmall { group: String, room: String, capacity: u32, members: usize },
}

impl fmt::Display for InstanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use InstanceError::*;
        match self {
            NoSlots => write!(f, "the event has no slots (slots must be ≥ 1)"),
            TooManySlots(n) => write!(f, "{n} slots requested; at most {MAX_SLOTS} are supported"),
            NoTables => write!(f, "tables_per_slot must be ≥ 1"),
            BadFairnessBonus(x) => write!(f, "fairness_bonus must be finite and ≥ 0, got {x}"),
            EmptyParticipantId => write!(f, "a participant has an empty id"),
            DuplicateParticipant(id) => write!(f, "participant id {id:?} appears more than once"),
            SlotOutOfRange { participant, slot } => {
                write!(f, "participant {participant:?} lists available slot {slot}, outside the event's slots")
            }
            UnknownParticipant { context, id } => {
                write!(f, "{context} refers to unknown participant {id:?}")
            }
            SelfPair(id) => write!(f, "pair of participant {id:?} with themself"),
            DuplicatePair { a, b } => write!(f, "pair ({a:?}, {b:?}) appears more than once"),
            BadWeight { a, b, weight } => {
                write!(f, "pair ({a:?}, {b:?}) has weight {weight}; weights must be finite and ≥ 0")
            }
            LockedSlotOutOfRange { a, b, slot } => {
                write!(f, "locked meeting ({a:?}, {b:?}) is in slot {slot}, outside the event's slots")
            }
            LockedTableOutOfRange { a, b, table } => write!(
                f,
                "locked meeting ({a:?}, {b:?}) is at table {table}; tables are numbered from 1 to tables_per_slot"
            ),
            LockedClash(s) => write!(f, "locked meetings clash: {s}"),
            LockedOverCap(s) => write!(f, "locked meetings exceed max_meetings of {s}"),
            EmptyRoomId => write!(f, "a room has an empty id"),
            DuplicateRoom(id) => write!(f, "room id {id:?} appears more than once"),
            UnknownRoom { context, id } => write!(f, "{context} refers to unknown room {id:?}"),
            EmptyGroupId => write!(f, "a group meeting has an empty id"),
            DuplicateGroup(id) => write!(f, "group meeting id {id:?} appears more than once"),
            UnknownGroup { context, id } => write!(f, "{context} refers to unknown group meeting {id:?}"),
            DuplicateMember { group, member } => {
                write!(f, "group meeting {group:?} lists participant {member:?} more than once")
            }
            GroupTooSmall { group, members } => {
                write!(f, "group meeting {group:?} has {members} member(s); a group meeting needs at least 2")
            }
            GroupTooLarge { group, members, largest_room } => {
                write!(f, "group meeting {group:?} has {members} members but the largest room holds {largest_room}")
            }
            BadGroupWeight { group, weight } => {
                write!(f, "group meeting {group:?} has weight {weight}; weights must be finite and ≥ 0")
            }
            LockedGroupSlotOutOfRange { group, slot } => {
                write!(f, "locked group meeting {group:?} is in slot {slot}, outside the event's slots")
            }
            LockedRoomTooSmall { group, room, capacity, members } => write!(
                f,
                "locked group meeting {group:?} has {members} members but room {room:?} holds only {capacity}"
            ),
        }
    }
}

impl std::error::Error for InstanceError {}

/// A candidate pair in index form (`a`, `b` are participant indexes, `a != b`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairIdx {
    pub a: u32,
    pub b: u32,
    pub weight: f64,
    pub requested: bool,
}

/// A locked meeting in index form; `pair` indexes [`Problem::pairs`], `table` counts from 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LockedIdx {
    pub pair: u32,
    pub slot: u32,
    pub table: u32,
}

/// A group meeting in index form: distinct participant indexes (at least 2).
#[derive(Clone, Debug, PartialEq)]
pub struct GroupIdx {
    pub members: Vec<u32>,
    pub weight: f64,
}

/// A locked group meeting in index form (`group` indexes [`Problem::groups`], `room`
/// [`Problem::rooms`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LockedGroupIdx {
    pub group: u32,
    pub slot: u32,
    pub room: u32,
}

/// Index-based problem, usable by the web layer without strings.
/// Invariants (checked by [`Problem::validate`]): 1 ≤ slots ≤ 64, tables ≥ 1, avail masks within
/// slots, pairs with distinct valid endpoints and no duplicates, weights finite ≥ 0, locked
/// meetings consistent (no person/table/pair clash, within caps); groups of ≥ 2 distinct valid
/// members that fit the largest room; locked groups in a large enough room, with no person or
/// room clash (also against locked pairs) and within caps.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub slots: u32,
    pub tables: u32,
    pub fairness_bonus: f64,
    pub cap: Vec<u32>,
    /// Bit s set ⇔ available in slot s.
    pub avail: Vec<u64>,
    pub pairs: Vec<PairIdx>,
    pub locked: Vec<LockedIdx>,
    /// Room capacities.
    pub rooms: Vec<u32>,
    pub groups: Vec<GroupIdx>,
    pub locked_groups: Vec<LockedGroupIdx>,
}

/// Index-based solution: for every pair of the problem, its (slot, table) or None.
#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    pub placed: Vec<Option<(u32, u32)>>,
    pub objective: f64,
    pub requested_scheduled: usize,
    pub requested_total: usize,
    pub participants_without_meeting: usize,
    pub upper_bound: f64,
    /// For every group of the problem, its (slot, room index) or None.
    pub group_placed: Vec<Option<(u32, u32)>>,
    pub groups_scheduled: usize,
    pub groups_total: usize,
}

impl Problem {
    pub fn n(&self) -> usize {
        self.cap.len()
    }

    pub fn slot_mask(&self) -> u64 {
        if self.slots >= 64 {
            u64::MAX
        } else {
            (1u64 << self.slots) - 1
        }
    }

    /// Checks the invariants; errors name participants, rooms and groups by index.
    pub fn validate(&self) -> Result<(), InstanceError> {
        self.validate_pairs()?;
        self.validate_groups(&|i| format!("#{i}"), &|i| format!("room {i}"), &|i| format!("group {i}"))
    }

    /// The capacity of the largest room (0 without rooms).
    pub fn largest_room(&self) -> u32 {
        self.rooms.iter().copied().max().unwrap_or(0)
    }

    fn validate_pairs(&self) -> Result<(), InstanceError> {
        let name = |i: u32| format!("#{i}");
        if self.slots == 0 {
            return Err(InstanceError::NoSlots);
        }
        if self.slots > MAX_SLOTS {
            return Err(InstanceError::TooManySlots(self.slots));
        }
        if self.tables == 0 {
            return Err(InstanceError::NoTables);
        }
        if !self.fairness_bonus.is_finite() || self.fairness_bonus < 0.0 {
            return Err(InstanceError::BadFairnessBonus(self.fairness_bonus));
        }
        if self.avail.len() != self.cap.len() {
            return Err(InstanceError::UnknownParticipant {
                context: "availability list".into(),
                id: "(length mismatch)".into(),
            });
        }
        for (i, &m) in self.avail.iter().enumerate() {
            if m & !self.slot_mask() != 0 {
                return Err(InstanceError::SlotOutOfRange {
                    participant: name(i as u32),
                    slot: 63 - (m & !self.slot_mask()).leading_zeros(),
                });
            }
        }
        let n = self.n() as u32;
        let mut seen = HashMap::with_capacity(self.pairs.len());
        for p in &self.pairs {
            for x in [p.a, p.b] {
                if x >= n {
                    return Err(InstanceError::UnknownParticipant { context: "a pair".into(), id: name(x) });
                }
            }
            if p.a == p.b {
                return Err(InstanceError::SelfPair(name(p.a)));
            }
            if !p.weight.is_finite() || p.weight < 0.0 {
                return Err(InstanceError::BadWeight { a: name(p.a), b: name(p.b), weight: p.weight });
            }
            if seen.insert((p.a.min(p.b), p.a.max(p.b)), ()).is_some() {
                return Err(InstanceError::DuplicatePair { a: name(p.a), b: name(p.b) });
            }
        }
        let mut person_slot = HashMap::new();
        let mut table_slot = HashMap::new();
        let mut pair_seen = HashMap::new();
        let mut count = vec![0u32; self.n()];
        for l in &self.locked {
            let Some(p) = self.pairs.get(l.pair as usize) else {
                return Err(InstanceError::UnknownParticipant {
                    context: "a locked meeting".into(),
                    id: format!("pair #{}", l.pair),
                });
            };
            let (a, b) = (name(p.a), name(p.b));
            if l.slot >= self.slots {
                return Err(InstanceError::LockedSlotOutOfRange { a, b, slot: l.slot });
            }
            if l.table == 0 || l.table > self.tables {
                return Err(InstanceError::LockedTableOutOfRange { a, b, table: l.table });
            }
            if pair_seen.insert(l.pair, ()).is_some() {
                return Err(InstanceError::LockedClash(format!("pair ({a}, {b}) is locked twice")));
            }
            if table_slot.insert((l.slot, l.table), l.pair).is_some() {
                return Err(InstanceError::LockedClash(format!("table {} in slot {} is used twice", l.table, l.slot)));
            }
            for x in [p.a, p.b] {
                if person_slot.insert((x, l.slot), l.pair).is_some() {
                    return Err(InstanceError::LockedClash(format!(
                        "participant {} has two locked meetings in slot {}",
                        name(x),
                        l.slot
                    )));
                }
                count[x as usize] += 1;
                if count[x as usize] > self.cap[x as usize] {
                    return Err(InstanceError::LockedOverCap(name(x)));
                }
            }
        }
        Ok(())
    }

    /// Groups, rooms and locked groups; `person`, `room`, `group` name indexes in errors.
    fn validate_groups(
        &self,
        person: &dyn Fn(u32) -> String,
        room: &dyn Fn(u32) -> String,
        group: &dyn Fn(u32) -> String,
    ) -> Result<(), InstanceError> {
        let n = self.n() as u32;
        let largest = self.largest_room();
        for (gi, g) in self.groups.iter().enumerate() {
            let gname = group(gi as u32);
            for (k, &m) in g.members.iter().enumerate() {
                if m >= n {
                    return Err(InstanceError::UnknownParticipant {
                        context: format!("group meeting {gname:?}"),
                        id: person(m),
                    });
                }
                if g.members[..k].contains(&m) {
                    return Err(InstanceError::DuplicateMember { group: gname, member: person(m) });
                }
            }
            if g.members.len() < 2 {
                return Err(InstanceError::GroupTooSmall { group: gname, members: g.members.len() });
            }
            if g.members.len() > largest as usize {
                return Err(InstanceError::GroupTooLarge {
                    group: gname,
                    members: g.members.len(),
                    largest_room: largest,
                });
            }
            if !g.weight.is_finite() || g.weight < 0.0 {
                return Err(InstanceError::BadGroupWeight { group: gname, weight: g.weight });
            }
        }
        // Locked pairs' people and counts, then the locked groups on top.
        let mut person_slot: HashMap<(u32, u32), ()> = HashMap::new();
        let mut count = vec![0u32; self.n()];
        for l in &self.locked {
            let p = self.pairs[l.pair as usize];
            for x in [p.a, p.b] {
                person_slot.insert((x, l.slot), ());
                count[x as usize] += 1;
            }
        }
        let mut room_slot = HashMap::new();
        let mut group_seen = HashMap::new();
        for l in &self.locked_groups {
            let Some(g) = self.groups.get(l.group as usize) else {
                return Err(InstanceError::UnknownGroup {
                    context: "a locked group meeting".into(),
                    id: group(l.group),
                });
            };
            let gname = group(l.group);
            let Some(&cap) = self.rooms.get(l.room as usize) else {
                return Err(InstanceError::UnknownRoom {
                    context: format!("locked group meeting {gname:?}"),
                    id: room(l.room),
                });
            };
            if l.slot >= self.slots {
                return Err(InstanceError::LockedGroupSlotOutOfRange { group: gname, slot: l.slot });
            }
            if (cap as usize) < g.members.len() {
                return Err(InstanceError::LockedRoomTooSmall {
                    group: gname,
                    room: room(l.room),
                    capacity: cap,
                    members: g.members.len(),
                });
            }
            if group_seen.insert(l.group, ()).is_some() {
                return Err(InstanceError::LockedClash(format!("group meeting {gname:?} is locked twice")));
            }
            if room_slot.insert((l.slot, l.room), l.group).is_some() {
                return Err(InstanceError::LockedClash(format!(
                    "room {:?} in slot {} is used twice",
                    room(l.room),
                    l.slot
                )));
            }
            for &x in &g.members {
                if person_slot.insert((x, l.slot), ()).is_some() {
                    return Err(InstanceError::LockedClash(format!(
                        "participant {:?} has two locked meetings in slot {} (one is group meeting {gname:?})",
                        person(x),
                        l.slot
                    )));
                }
                count[x as usize] += 1;
                if count[x as usize] > self.cap[x as usize] {
                    return Err(InstanceError::LockedOverCap(format!("{:?}", person(x))));
                }
            }
        }
        Ok(())
    }

    /// Converts and validates an interchange instance. Locked meetings whose pair is not in
    /// `pairs` get an extra pair of weight 0 (not requested).
    pub fn from_instance(inst: &Instance) -> Result<Problem, InstanceError> {
        if inst.slots == 0 {
            return Err(InstanceError::NoSlots);
        }
        if inst.slots > MAX_SLOTS {
            return Err(InstanceError::TooManySlots(inst.slots));
        }
        if inst.tables_per_slot == 0 {
            return Err(InstanceError::NoTables);
        }
        let mut ids: HashMap<&str, u32> = HashMap::with_capacity(inst.participants.len());
        let mut cap = Vec::with_capacity(inst.participants.len());
        let mut avail = Vec::with_capacity(inst.participants.len());
        for (i, p) in inst.participants.iter().enumerate() {
            if p.id.is_empty() {
                return Err(InstanceError::EmptyParticipantId);
            }
            if ids.insert(p.id.as_str(), i as u32).is_some() {
                return Err(InstanceError::DuplicateParticipant(p.id.clone()));
            }
            let mut m = 0u64;
            for &s in &p.available_slots {
                if s >= inst.slots {
                    return Err(InstanceError::SlotOutOfRange { participant: p.id.clone(), slot: s });
                }
                m |= 1 << s;
            }
            cap.push(p.max_meetings);
            avail.push(m);
        }
        let look = |id: &str, context: &str| {
            ids.get(id)
                .copied()
                .ok_or_else(|| InstanceError::UnknownParticipant { context: context.to_string(), id: id.to_string() })
        };
        let mut pairs = Vec::with_capacity(inst.pairs.len());
        let mut pair_ix: HashMap<(u32, u32), u32> = HashMap::with_capacity(inst.pairs.len());
        for p in &inst.pairs {
            let ctx = format!("pair ({:?}, {:?})", p.a, p.b);
            let (a, b) = (look(&p.a, &ctx)?, look(&p.b, &ctx)?);
            if a == b {
                return Err(InstanceError::SelfPair(p.a.clone()));
            }
            if !p.weight.is_finite() || p.weight < 0.0 {
                return Err(InstanceError::BadWeight { a: p.a.clone(), b: p.b.clone(), weight: p.weight });
            }
            if pair_ix.insert((a.min(b), a.max(b)), pairs.len() as u32).is_some() {
                return Err(InstanceError::DuplicatePair { a: p.a.clone(), b: p.b.clone() });
            }
            pairs.push(PairIdx { a, b, weight: p.weight, requested: p.requested });
        }
        let mut locked = Vec::with_capacity(inst.locked.len());
        for l in &inst.locked {
            let ctx = format!("locked meeting ({:?}, {:?})", l.a, l.b);
            let (a, b) = (look(&l.a, &ctx)?, look(&l.b, &ctx)?);
            if a == b {
                return Err(InstanceError::SelfPair(l.a.clone()));
            }
            let pair = *pair_ix.entry((a.min(b), a.max(b))).or_insert_with(|| {
                pairs.push(PairIdx { a, b, weight: 0.0, requested: false });
                pairs.len() as u32 - 1
            });
            locked.push(LockedIdx { pair, slot: l.slot, table: l.table });
        }
        let mut room_ix: HashMap<&str, u32> = HashMap::with_capacity(inst.rooms.len());
        for (i, r) in inst.rooms.iter().enumerate() {
            if r.id.is_empty() {
                return Err(InstanceError::EmptyRoomId);
            }
            if room_ix.insert(r.id.as_str(), i as u32).is_some() {
                return Err(InstanceError::DuplicateRoom(r.id.clone()));
            }
        }
        let mut group_ix: HashMap<&str, u32> = HashMap::with_capacity(inst.groups.len());
        let mut groups = Vec::with_capacity(inst.groups.len());
        for (i, g) in inst.groups.iter().enumerate() {
            if g.id.is_empty() {
                return Err(InstanceError::EmptyGroupId);
            }
            if group_ix.insert(g.id.as_str(), i as u32).is_some() {
                return Err(InstanceError::DuplicateGroup(g.id.clone()));
            }
            let ctx = format!("group meeting {:?}", g.id);
            let members = g.members.iter().map(|m| look(m, &ctx)).collect::<Result<Vec<u32>, _>>()?;
            groups.push(GroupIdx { members, weight: g.weight });
        }
        let mut locked_groups = Vec::with_capacity(inst.locked_groups.len());
        for l in &inst.locked_groups {
            let group = *group_ix.get(l.group.as_str()).ok_or_else(|| InstanceError::UnknownGroup {
                context: "a locked group meeting".into(),
                id: l.group.clone(),
            })?;
            let room = *room_ix.get(l.room.as_str()).ok_or_else(|| InstanceError::UnknownRoom {
                context: format!("locked group meeting {:?}", l.group),
                id: l.room.clone(),
            })?;
            locked_groups.push(LockedGroupIdx { group, slot: l.slot, room });
        }
        let prob = Problem {
            slots: inst.slots,
            tables: inst.tables_per_slot,
            fairness_bonus: inst.fairness_bonus,
            cap,
            avail,
            pairs,
            locked,
            rooms: inst.rooms.iter().map(|r| r.capacity).collect(),
            groups,
            locked_groups,
        };
        // Re-validate with readable names.
        prob.validate_pairs().map_err(|e| rename(e, inst))?;
        prob.validate_groups(
            &|i| inst.participants[i as usize].id.clone(),
            &|i| inst.rooms[i as usize].id.clone(),
            &|i| inst.groups[i as usize].id.clone(),
        )?;
        Ok(prob)
    }
}

/// Replaces "#i" participant names in an index-level error by the instance's ids.
fn rename(e: InstanceError, inst: &Instance) -> InstanceError {
    let fixq = |s: String, quote: bool| -> String {
        let mut out = String::new();
        let mut rest = s.as_str();
        while let Some(pos) = rest.find('#') {
            out.push_str(&rest[..pos]);
            let tail = &rest[pos + 1..];
            let digits: String = tail.chars().take_while(|c| c.is_ascii_digit()).collect();
            match digits.parse::<usize>().ok().and_then(|i| inst.participants.get(i)) {
                Some(p) if !digits.is_empty() && quote => out.push_str(&format!("{:?}", p.id)),
                Some(p) if !digits.is_empty() => out.push_str(&p.id),
                _ => {
                    out.push('#');
                    out.push_str(&digits);
                }
            }
            rest = &tail[digits.len()..];
        }
        out.push_str(rest);
        out
    };
    let fix = |s: String| fixq(s, true);
    let plain = |s: String| fixq(s, false);
    use InstanceError::*;
    match e {
        LockedClash(s) => LockedClash(fix(s)),
        LockedOverCap(s) => LockedOverCap(fix(s)),
        LockedSlotOutOfRange { a, b, slot } => LockedSlotOutOfRange { a: plain(a), b: plain(b), slot },
        LockedTableOutOfRange { a, b, table } => LockedTableOutOfRange { a: plain(a), b: plain(b), table },
        other => other,
    }
}

/// Harmonic number H(k) = 1 + 1/2 + … + 1/k.
pub fn harmonic(k: u32) -> f64 {
    (1..=k).map(|j| 1.0 / j as f64).sum()
}
