//! Group meetings: placed before the pairs (they are all requested and come first in the
//! objective), then handed to the pair search as taken person-slots and used caps.
//!
//! A group meeting takes one slot and one room whose capacity is at least its number of members;
//! every member must be available in that slot and free of any other meeting, and it counts as one
//! meeting towards each member's `max_meetings` (and towards the fairness term `H(k)`).
//!
//! Rooms: every room exists in every slot. Whether a set of groups fits the free rooms of a slot
//! is Hall's condition on a threshold structure: for every size level `c`, the groups with ≥ c
//! members must not outnumber the free rooms with capacity ≥ c. Rooms are handed out at the end,
//! largest group first, each taking the smallest free room that holds it (so large rooms stay for
//! large groups); that succeeds whenever the level counts hold.
//!
//! Placement (deterministic):
//! 1. Locked group meetings keep their slot and room.
//! 2. With at most [`EXACT_GROUPS`] free groups, a branch and bound finds the largest number of
//!    groups that can be placed together, and among those the placement of least pair loss (below).
//! 3. Otherwise, most constrained group first (fewest feasible slots, then most members), each in
//!    the feasible slot that (a) the fewest other unplaced groups sharing a member could still use,
//!    then (b) costs the pairs least, then (c) has the most free rooms. Groups that found no slot are
//!    repaired by augmenting paths: place the group in a slot where exactly one placed group is in
//!    the way (a shared member, a member's cap, or the last fitting room), and move that group to
//!    another slot, recursively (depth [`REPAIR_DEPTH`]), undoing failed attempts.
//!
//! **Pair loss** of a slot s for a group: Σ over members q and over q's candidate pairs e that could
//! meet in s of `value(e) / |S_e|` × `tight(q)`, where `S_e` is the pair's set of common free slots
//! (a pair whose only common slot is s loses everything, one with six loses a sixth), `value(e)` is
//! its weight plus the fairness bonus (requested pairs count [`REQUESTED_FACTOR`] times more, as
//! they come first), and `tight(q) = min(1, remaining cap / free slots)` (someone whose cap is far
//! below their free slots loses little with one slot).

use super::interchange::Problem;
use super::schedule::bits;

/// Exact branch and bound up to this many free groups.
pub const EXACT_GROUPS: usize = 12;
/// Node limit of the exact search.
const EXACT_NODES: usize = 200_000;
/// Depth of the augmenting-path repair, groups moved per step, nodes per repaired group.
pub const REPAIR_DEPTH: usize = 4;
pub const MAX_BLOCKERS: usize = 2;
const REPAIR_NODES: usize = 2000;
/// A requested pair's loss weighs this much more than another pair's.
const REQUESTED_FACTOR: f64 = 100.0;

const NONE: u32 = u32::MAX;
const LOCKED: u32 = u32::MAX - 1;

/// Result of the group phase.
#[derive(Clone, Debug)]
pub struct GroupPlan {
    /// Per group: (slot, room index) or None.
    pub placed: Vec<Option<(u32, u32)>>,
    /// Per person: slots taken by group meetings (locked ones included).
    pub busy: Vec<u64>,
    /// Per person: number of group meetings (locked ones included).
    pub count: Vec<u32>,
    /// Σ weights of the placed groups.
    pub weight: f64,
    pub scheduled: usize,
    /// Per group: could it be placed on its own (locked meetings kept)?
    pub possible: Vec<bool>,
}

impl GroupPlan {
    /// The problem the pair search sees: the group meetings' slots are no longer available.
    pub fn pair_problem<'a>(&self, p: &'a Problem) -> std::borrow::Cow<'a, Problem> {
        if self.busy.iter().all(|&b| b == 0) {
            return std::borrow::Cow::Borrowed(p);
        }
        let mut q = p.clone();
        for (a, b) in q.avail.iter_mut().zip(&self.busy) {
            *a &= !b;
        }
        std::borrow::Cow::Owned(q)
    }
}

struct Placer<'a> {
    p: &'a Problem,
    s: usize,
    /// Largest group size (room levels 1..=cmax).
    cmax: usize,
    /// person * s + slot → free group placed there, LOCKED (locked pair or group) or NONE.
    at: Vec<u32>,
    busy: Vec<u64>,
    deg: Vec<u32>,
    /// slot * (cmax + 1) + c → free rooms (not locked in that slot) with capacity ≥ c.
    rooms_ge: Vec<u32>,
    /// slot * (cmax + 1) + c → placed free groups with ≥ c members.
    used_ge: Vec<u32>,
    slot_of: Vec<u32>,
    locked_group: Vec<bool>,
    /// Groups of each person (free ones only).
    groups_of: Vec<Vec<u32>>,
    /// Pairs of each person (for the pair-loss estimate).
    pairs_of: Vec<Vec<u32>>,
    /// Slots free of locked meetings, per person.
    base_free: Vec<u64>,
    in_chain: Vec<bool>,
    /// (placed?, group, slot) of every change while `journal_on`, for undoing repairs.
    journal: Vec<(bool, u32, u32)>,
    journal_on: bool,
    /// Node budget of the current repair.
    nodes_left: usize,
}

impl<'a> Placer<'a> {
    fn new(p: &'a Problem) -> Placer<'a> {
        let n = p.n();
        let s = p.slots as usize;
        let cmax = p.groups.iter().map(|g| g.members.len()).max().unwrap_or(0);
        let mut pl = Placer {
            p,
            s,
            cmax,
            at: vec![NONE; n * s],
            busy: vec![0; n],
            deg: vec![0; n],
            rooms_ge: vec![0; s * (cmax + 1)],
            used_ge: vec![0; s * (cmax + 1)],
            slot_of: vec![NONE; p.groups.len()],
            locked_group: vec![false; p.groups.len()],
            groups_of: vec![Vec::new(); n],
            pairs_of: vec![Vec::new(); n],
            base_free: Vec::new(),
            in_chain: vec![false; p.groups.len()],
            journal: Vec::new(),
            journal_on: false,
            nodes_left: 0,
        };
        for l in &p.locked {
            let pr = p.pairs[l.pair as usize];
            for x in [pr.a as usize, pr.b as usize] {
                pl.at[x * s + l.slot as usize] = LOCKED;
                pl.busy[x] |= 1 << l.slot;
                pl.deg[x] += 1;
            }
        }
        let mut room_locked = vec![false; s * p.rooms.len()];
        for l in &p.locked_groups {
            pl.locked_group[l.group as usize] = true;
            pl.slot_of[l.group as usize] = l.slot;
            room_locked[l.slot as usize * p.rooms.len() + l.room as usize] = true;
            for &x in &p.groups[l.group as usize].members {
                pl.at[x as usize * s + l.slot as usize] = LOCKED;
                pl.busy[x as usize] |= 1 << l.slot;
                pl.deg[x as usize] += 1;
            }
        }
        for sl in 0..s {
            for (r, &cap) in p.rooms.iter().enumerate() {
                if !room_locked[sl * p.rooms.len() + r] {
                    for c in 0..=cap.min(cmax as u32) as usize {
                        pl.rooms_ge[sl * (cmax + 1) + c] += 1;
                    }
                }
            }
        }
        for (g, gr) in p.groups.iter().enumerate() {
            if !pl.locked_group[g] {
                for &x in &gr.members {
                    pl.groups_of[x as usize].push(g as u32);
                }
            }
        }
        for (e, pr) in p.pairs.iter().enumerate() {
            pl.pairs_of[pr.a as usize].push(e as u32);
            pl.pairs_of[pr.b as usize].push(e as u32);
        }
        pl.base_free = (0..n).map(|x| p.avail[x] & !pl.busy[x]).collect();
        pl
    }

    #[inline]
    fn members(&self, g: u32) -> &'a [u32] {
        &self.p.groups[g as usize].members
    }

    /// Does one more group of `size` fit the free rooms of `slot`?
    #[inline]
    fn room_fits(&self, slot: usize, size: usize) -> bool {
        let b = slot * (self.cmax + 1);
        (1..=size).all(|c| self.used_ge[b + c] < self.rooms_ge[b + c])
    }

    /// Slots where `g` could go on its own: members available, free of locked meetings, a room
    /// large enough exists, every member has a cap ≥ locked meetings + 1.
    fn base_mask(&self, g: u32) -> u64 {
        let mut m = self.p.slot_mask();
        for &x in self.members(g) {
            m &= self.base_free[x as usize];
        }
        let size = self.members(g).len();
        let b = |sl: usize| sl * (self.cmax + 1) + size;
        for sl in bits(m) {
            if self.rooms_ge[b(sl)] == 0 {
                m &= !(1 << sl);
            }
        }
        m
    }

    /// Slots where `g` can be placed now.
    fn feasible(&self, g: u32) -> u64 {
        let mut m = self.p.slot_mask();
        for &x in self.members(g) {
            let x = x as usize;
            if self.deg[x] >= self.p.cap[x] {
                return 0;
            }
            m &= self.p.avail[x] & !self.busy[x];
        }
        let size = self.members(g).len();
        for sl in bits(m) {
            if !self.room_fits(sl, size) {
                m &= !(1 << sl);
            }
        }
        m
    }

    fn place(&mut self, g: u32, slot: usize) {
        debug_assert_eq!(self.slot_of[g as usize], NONE);
        for &x in self.members(g) {
            let x = x as usize;
            debug_assert_eq!(self.at[x * self.s + slot], NONE);
            self.at[x * self.s + slot] = g;
            self.busy[x] |= 1 << slot;
            self.deg[x] += 1;
        }
        let b = slot * (self.cmax + 1);
        for c in 0..=self.members(g).len() {
            self.used_ge[b + c] += 1;
        }
        self.slot_of[g as usize] = slot as u32;
        if self.journal_on {
            self.journal.push((true, g, slot as u32));
        }
    }

    fn remove(&mut self, g: u32) {
        let slot = self.slot_of[g as usize] as usize;
        debug_assert!(!self.locked_group[g as usize] && slot < self.s);
        for &x in self.members(g) {
            let x = x as usize;
            self.at[x * self.s + slot] = NONE;
            self.busy[x] &= !(1 << slot);
            self.deg[x] -= 1;
        }
        let b = slot * (self.cmax + 1);
        for c in 0..=self.members(g).len() {
            self.used_ge[b + c] -= 1;
        }
        self.slot_of[g as usize] = NONE;
        if self.journal_on {
            self.journal.push((false, g, slot as u32));
        }
    }

    #[inline]
    fn placed(&self, g: u32) -> bool {
        self.slot_of[g as usize] != NONE
    }

    /// Pair loss of putting `g` in `slot` (see the module docs).
    fn pair_loss(&self, g: u32, slot: usize) -> f64 {
        let p = self.p;
        let fb = p.fairness_bonus;
        let mut loss = 0.0;
        for &q in self.members(g) {
            let q = q as usize;
            let free_q = (p.avail[q] & !self.busy[q]).count_ones().max(1);
            let rem = p.cap[q].saturating_sub(self.deg[q]);
            let tight = (rem as f64 / free_q as f64).min(1.0);
            let mut lq = 0.0;
            for &e in &self.pairs_of[q] {
                let pr = p.pairs[e as usize];
                let (a, b) = (pr.a as usize, pr.b as usize);
                let common = p.avail[a] & p.avail[b] & !self.busy[a] & !self.busy[b];
                if common & (1 << slot) == 0 {
                    continue;
                }
                let v = (pr.weight + fb) * if pr.requested { REQUESTED_FACTOR } else { 1.0 };
                lq += v / common.count_ones() as f64;
            }
            loss += tight * lq;
        }
        loss
    }

    /// Other unplaced groups sharing a member with `g` that could use `slot` now.
    fn conflicts(&self, g: u32, slot: usize) -> usize {
        let mut n = 0;
        for &x in self.members(g) {
            for &h in &self.groups_of[x as usize] {
                if h != g && !self.placed(h) && self.feasible(h) & (1 << slot) != 0 {
                    n += 1;
                }
            }
        }
        n
    }

    fn choose_slot(&self, g: u32, cands: u64) -> usize {
        let mut best = (usize::MAX, f64::INFINITY, 0u32, usize::MAX);
        for sl in bits(cands) {
            let free_rooms = self.rooms_ge[sl * (self.cmax + 1) + 1] - self.used_ge[sl * (self.cmax + 1) + 1];
            let key = (self.conflicts(g, sl), self.pair_loss(g, sl), u32::MAX - free_rooms, sl);
            if key.0 < best.0
                || (key.0 == best.0 && (key.1 < best.1 - 1e-12 || (key.1 <= best.1 + 1e-12 && key.2 < best.2)))
            {
                best = key;
            }
        }
        best.3
    }

    /// The placed free groups that must move for `g` to go into `slot` (at most [`MAX_BLOCKERS`]):
    /// those of its members in that slot, one group of each member at cap, and the smallest
    /// group of the slot that frees a fitting room. `None` when a locked meeting or a group of
    /// the current chain is in the way, or more groups would have to move.
    fn blockers(&self, g: u32, slot: usize) -> Option<Vec<u32>> {
        let mut out: Vec<u32> = Vec::new();
        for &x in self.members(g) {
            let h = self.at[x as usize * self.s + slot];
            if h == LOCKED || (h != NONE && self.in_chain[h as usize]) {
                return None;
            }
            if h != NONE && !out.contains(&h) {
                out.push(h);
            }
        }
        for &x in self.members(g) {
            let x = x as usize;
            let freed = out.iter().filter(|&&h| self.members(h).contains(&(x as u32))).count() as u32;
            if self.deg[x] - freed >= self.p.cap[x] {
                let h = self.groups_of[x]
                    .iter()
                    .copied()
                    .find(|&h| self.placed(h) && !self.in_chain[h as usize] && !out.contains(&h))?;
                out.push(h);
            }
        }
        let size = self.members(g).len();
        let b = slot * (self.cmax + 1);
        let leaving = |c: usize, out: &[u32]| {
            out.iter().filter(|&&h| self.slot_of[h as usize] as usize == slot && self.members(h).len() >= c).count()
                as u32
        };
        let short = (1..=size).filter(|&c| self.used_ge[b + c] - leaving(c, &out) >= self.rooms_ge[b + c]).max();
        if let Some(c) = short {
            let mut best: Option<(usize, u32)> = None;
            for h in 0..self.p.groups.len() as u32 {
                if self.slot_of[h as usize] as usize == slot
                    && !self.locked_group[h as usize]
                    && !self.in_chain[h as usize]
                    && !out.contains(&h)
                    && self.members(h).len() >= c
                    && best.is_none_or(|(sz, _)| self.members(h).len() < sz)
                {
                    best = Some((self.members(h).len(), h));
                }
            }
            out.push(best?.1);
        }
        (out.len() <= MAX_BLOCKERS).then_some(out)
    }

    fn undo_to(&mut self, mark: usize) {
        while self.journal.len() > mark {
            let (placed, g, sl) = self.journal.pop().expect("non-empty");
            if placed {
                self.remove(g);
            } else {
                self.place(g, sl as usize);
            }
            self.journal.pop(); // the entry the undo itself wrote
        }
    }

    /// Augmenting path: place `g`, moving the groups in the way elsewhere, recursively; undone
    /// through the journal when it fails.
    fn try_place(&mut self, g: u32, depth: usize) -> bool {
        let f = self.feasible(g);
        if f != 0 {
            let sl = self.choose_slot(g, f);
            self.place(g, sl);
            return true;
        }
        if depth == 0 || self.nodes_left == 0 {
            return false;
        }
        self.nodes_left -= 1;
        self.in_chain[g as usize] = true;
        let mut cands: Vec<(usize, usize, Vec<u32>)> =
            bits(self.base_mask(g)).filter_map(|sl| self.blockers(g, sl).map(|b| (b.len(), sl, b))).collect();
        cands.sort_by_key(|c| (c.0, c.1));
        let mut done = false;
        for (_, sl, bl) in cands {
            let mark = self.journal.len();
            for &h in &bl {
                self.remove(h);
            }
            if self.feasible(g) & (1 << sl) != 0 {
                self.place(g, sl);
                if bl.iter().all(|&h| self.try_place(h, depth - 1)) {
                    done = true;
                    break;
                }
            }
            self.undo_to(mark);
        }
        self.in_chain[g as usize] = false;
        done
    }

    /// Exchanges: take out the groups in the way of an unplaced group g (they may fail to go
    /// elsewhere), place g, then every other unplaced group that now fits; kept when more
    /// groups are placed than before, undone otherwise.
    fn swap_pass(&mut self, failed: &mut Vec<u32>) {
        let mut k = 0;
        while k < failed.len() {
            let g = failed[k];
            k += 1;
            let mut improved = false;
            for sl in bits(self.base_mask(g)) {
                let Some(bl) = self.blockers(g, sl) else { continue };
                if bl.is_empty() {
                    continue;
                }
                self.journal.clear();
                self.nodes_left = REPAIR_NODES;
                for &h in &bl {
                    self.remove(h);
                }
                if self.feasible(g) & (1 << sl) == 0 {
                    self.undo_to(0);
                    continue;
                }
                self.place(g, sl);
                let mut placed = 1usize;
                let mut lost = Vec::new();
                for &h in &bl {
                    if self.try_place(h, REPAIR_DEPTH) {
                        placed += 1;
                    } else {
                        lost.push(h);
                    }
                }
                let mut gained = Vec::new();
                for &o in failed.iter() {
                    if o != g && self.try_place(o, REPAIR_DEPTH) {
                        gained.push(o);
                    }
                }
                if placed + gained.len() > bl.len() {
                    failed.retain(|&x| x != g && !gained.contains(&x));
                    failed.extend(lost);
                    improved = true;
                    break;
                }
                self.undo_to(0);
            }
            if improved {
                k = 0;
            }
        }
    }

    fn free_groups(&self) -> Vec<u32> {
        (0..self.p.groups.len() as u32).filter(|&g| !self.locked_group[g as usize]).collect()
    }

    fn greedy(&mut self, repair: bool) {
        let mut order: Vec<(u32, u32, usize)> = self
            .free_groups()
            .into_iter()
            .map(|g| (self.feasible(g).count_ones(), g, self.members(g).len()))
            .filter(|&(f, _, _)| f > 0)
            .collect();
        order.sort_by_key(|&(f, g, size)| (f, std::cmp::Reverse(size), g));
        let mut failed = Vec::new();
        for (_, g, _) in order {
            let f = self.feasible(g);
            if f == 0 {
                failed.push(g);
            } else if repair {
                let sl = self.choose_slot(g, f);
                self.place(g, sl);
            } else {
                self.place(g, f.trailing_zeros() as usize);
            }
        }
        if repair {
            self.journal_on = true;
            for _round in 0..3 {
                let before = failed.len();
                failed.retain(|&g| {
                    self.journal.clear();
                    self.nodes_left = REPAIR_NODES;
                    !self.try_place(g, REPAIR_DEPTH)
                });
                if failed.len() == before || failed.is_empty() {
                    break;
                }
            }
            self.swap_pass(&mut failed);
            self.journal_on = false;
            self.journal.clear();
        }
    }

    /// Branch and bound on (number of groups, −pair loss).
    fn exact(&mut self) {
        struct Dfs {
            order: Vec<u32>,
            best: (usize, f64),
            best_slots: Vec<u32>,
            cur: Vec<u32>,
            nodes: usize,
        }
        fn go(pl: &mut Placer, d: &mut Dfs, i: usize, placed: usize, loss: f64) {
            d.nodes += 1;
            let rest = d.order.len() - i;
            if placed + rest < d.best.0 || (placed + rest == d.best.0 && loss >= d.best.1) {
                return;
            }
            if i == d.order.len() {
                d.best = (placed, loss);
                d.best_slots = d.cur.clone();
                return;
            }
            if d.nodes > EXACT_NODES {
                return;
            }
            let g = d.order[i];
            let f = pl.feasible(g);
            let mut opts: Vec<(f64, usize)> = bits(f).map(|sl| (pl.pair_loss(g, sl), sl)).collect();
            opts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (l, sl) in opts {
                pl.place(g, sl);
                d.cur[i] = sl as u32;
                go(pl, d, i + 1, placed + 1, loss + l);
                pl.remove(g);
                d.cur[i] = NONE;
            }
            go(pl, d, i + 1, placed, loss);
        }
        let mut order: Vec<u32> = self.free_groups().into_iter().filter(|&g| self.feasible(g) != 0).collect();
        order.sort_by_key(|&g| (self.feasible(g).count_ones(), g));
        let k = order.len();
        let mut d = Dfs { order, best: (0, f64::INFINITY), best_slots: vec![NONE; k], cur: vec![NONE; k], nodes: 0 };
        go(self, &mut d, 0, 0, 0.0);
        let (order, slots) = (d.order, d.best_slots);
        for (g, sl) in order.into_iter().zip(slots) {
            if sl != NONE {
                self.place(g, sl as usize);
            }
        }
    }

    /// Rooms: per slot, largest group first into the smallest free room that holds it.
    fn finish(&self) -> GroupPlan {
        let p = self.p;
        let mut placed: Vec<Option<(u32, u32)>> = vec![None; p.groups.len()];
        let mut room_taken = vec![false; self.s * p.rooms.len()];
        for l in &p.locked_groups {
            placed[l.group as usize] = Some((l.slot, l.room));
            room_taken[l.slot as usize * p.rooms.len() + l.room as usize] = true;
        }
        let mut by_slot: Vec<Vec<u32>> = vec![Vec::new(); self.s];
        for g in self.free_groups() {
            if self.placed(g) {
                by_slot[self.slot_of[g as usize] as usize].push(g);
            }
        }
        let mut rooms_by_cap: Vec<u32> = (0..p.rooms.len() as u32).collect();
        rooms_by_cap.sort_by_key(|&r| (p.rooms[r as usize], r));
        for (sl, gs) in by_slot.iter_mut().enumerate() {
            gs.sort_by_key(|&g| (std::cmp::Reverse(self.members(g).len()), g));
            for &g in gs.iter() {
                let size = self.members(g).len() as u32;
                let r = rooms_by_cap
                    .iter()
                    .copied()
                    .find(|&r| p.rooms[r as usize] >= size && !room_taken[sl * p.rooms.len() + r as usize])
                    .expect("level counts guarantee a room");
                room_taken[sl * p.rooms.len() + r as usize] = true;
                placed[g as usize] = Some((sl as u32, r));
            }
        }
        let mut busy = vec![0u64; p.n()];
        let mut count = vec![0u32; p.n()];
        let mut weight = 0.0;
        for (g, pl) in placed.iter().enumerate() {
            if let Some((sl, _)) = pl {
                weight += p.groups[g].weight;
                for &x in &p.groups[g].members {
                    busy[x as usize] |= 1 << sl;
                    count[x as usize] += 1;
                }
            }
        }
        let possible = (0..p.groups.len() as u32)
            .map(|g| {
                self.locked_group[g as usize]
                    || (self.base_mask(g) != 0
                        && self.members(g).iter().all(|&x| self.locked_deg(x as usize) < p.cap[x as usize]))
            })
            .collect();
        let scheduled = placed.iter().filter(|x| x.is_some()).count();
        GroupPlan { placed, busy, count, weight, scheduled, possible }
    }

    /// Locked meetings of `x` (pairs and groups).
    fn locked_deg(&self, x: usize) -> u32 {
        (0..self.s).filter(|&sl| self.at[x * self.s + sl] == LOCKED).count() as u32
    }
}

/// The group phase of the scheduler (see the module docs).
pub fn place_groups(p: &Problem) -> GroupPlan {
    let mut pl = Placer::new(p);
    if pl.free_groups().len() <= EXACT_GROUPS {
        pl.exact();
    } else {
        pl.greedy(true);
    }
    pl.finish()
}

/// The number of groups that could be placed on their own (members available together in a slot
/// free of their locked meetings, with a room that holds them, every member's cap above their
/// locked meetings), locked ones included; 0 for an invalid instance. When the scheduler places
/// this many, every schedulable group meeting is placed.
pub fn schedulable_groups(inst: &super::interchange::Instance) -> usize {
    match Problem::from_instance(inst) {
        Ok(p) => Placer::new(&p).finish().possible.iter().filter(|&&x| x).count(),
        Err(_) => 0,
    }
}

/// Baseline: groups in a fixed order (most constrained first), each in its first feasible slot.
pub fn place_groups_greedy(p: &Problem) -> GroupPlan {
    let mut pl = Placer::new(p);
    pl.greedy(false);
    pl.finish()
}

#[cfg(test)]
mod tests {
    use super::super::check::check_feasible;
    use super::super::generate::random_group_instance;
    use super::super::interchange::{harmonic, GroupIn, Instance, LockedGroup, Participant, Problem, Room};
    use super::super::schedule::{schedule, schedule_greedy};
    use super::Placer;

    /// Do groups of these sizes fit these free room capacities (matching, checked directly)?
    fn rooms_fit(sizes: &[usize], rooms: &[u32]) -> bool {
        let mut s = sizes.to_vec();
        let mut r = rooms.to_vec();
        s.sort_unstable_by(|a, b| b.cmp(a));
        r.sort_unstable_by(|a, b| b.cmp(a));
        s.len() <= r.len() && s.iter().zip(&r).all(|(&g, &c)| g <= c as usize)
    }

    /// Exhaustive lexicographic optimum: (groups, requested pairs, objective part 2).
    fn brute_force(inst: &Instance) -> (usize, usize, f64) {
        let p = Problem::from_instance(inst).expect("test instance");
        let n = p.n();
        let s = p.slots as usize;
        struct B<'a> {
            p: &'a Problem,
            busy: Vec<u64>,
            deg: Vec<u32>,
            tables: Vec<u32>,
            /// Per slot: sizes of free groups placed there.
            sizes: Vec<Vec<usize>>,
            /// Per slot: free room capacities.
            free_rooms: Vec<Vec<u32>>,
            locked_pair: Vec<bool>,
            locked_group: Vec<bool>,
            best: (usize, usize, f64),
        }
        fn go_pairs(b: &mut B, e: usize, groups: usize, req: usize, w: f64) {
            let p = b.p;
            if e == p.pairs.len() {
                let obj = w + p.fairness_bonus * b.deg.iter().map(|&k| harmonic(k)).sum::<f64>();
                if (groups, req) > (b.best.0, b.best.1) || ((groups, req) == (b.best.0, b.best.1) && obj > b.best.2) {
                    b.best = (groups, req, obj);
                }
                return;
            }
            if b.locked_pair[e] {
                return go_pairs(b, e + 1, groups, req, w);
            }
            let pr = p.pairs[e];
            let (x, y) = (pr.a as usize, pr.b as usize);
            for sl in 0..p.slots as usize {
                let bit = 1u64 << sl;
                if p.avail[x] & p.avail[y] & bit != 0
                    && (b.busy[x] | b.busy[y]) & bit == 0
                    && b.deg[x] < p.cap[x]
                    && b.deg[y] < p.cap[y]
                    && b.tables[sl] < p.tables
                {
                    b.busy[x] |= bit;
                    b.busy[y] |= bit;
                    b.deg[x] += 1;
                    b.deg[y] += 1;
                    b.tables[sl] += 1;
                    go_pairs(b, e + 1, groups, req + usize::from(pr.requested), w + pr.weight);
                    b.busy[x] &= !bit;
                    b.busy[y] &= !bit;
                    b.deg[x] -= 1;
                    b.deg[y] -= 1;
                    b.tables[sl] -= 1;
                }
            }
            go_pairs(b, e + 1, groups, req, w);
        }
        fn go_groups(b: &mut B, g: usize, groups: usize, w: f64) {
            let p = b.p;
            if g == p.groups.len() {
                return go_pairs(b, 0, groups, 0, w);
            }
            if b.locked_group[g] {
                return go_groups(b, g + 1, groups, w);
            }
            let gr = &p.groups[g];
            for sl in 0..p.slots as usize {
                let bit = 1u64 << sl;
                let ok = gr.members.iter().all(|&x| {
                    let x = x as usize;
                    p.avail[x] & bit != 0 && b.busy[x] & bit == 0 && b.deg[x] < p.cap[x]
                });
                b.sizes[sl].push(gr.members.len());
                if ok && rooms_fit(&b.sizes[sl], &b.free_rooms[sl]) {
                    for &x in &gr.members {
                        b.busy[x as usize] |= bit;
                        b.deg[x as usize] += 1;
                    }
                    go_groups(b, g + 1, groups + 1, w + gr.weight);
                    for &x in &gr.members {
                        b.busy[x as usize] &= !bit;
                        b.deg[x as usize] -= 1;
                    }
                }
                b.sizes[sl].pop();
            }
            go_groups(b, g + 1, groups, w);
        }
        let mut b = B {
            p: &p,
            busy: vec![0; n],
            deg: vec![0; n],
            tables: vec![0; s],
            sizes: vec![Vec::new(); s],
            free_rooms: vec![p.rooms.clone(); s],
            locked_pair: vec![false; p.pairs.len()],
            locked_group: vec![false; p.groups.len()],
            best: (0, 0, f64::NEG_INFINITY),
        };
        let mut w = 0.0;
        let mut groups = 0;
        let mut req0 = 0;
        for l in &p.locked {
            let pr = p.pairs[l.pair as usize];
            b.locked_pair[l.pair as usize] = true;
            for x in [pr.a as usize, pr.b as usize] {
                b.busy[x] |= 1 << l.slot;
                b.deg[x] += 1;
            }
            b.tables[l.slot as usize] += 1;
            w += pr.weight;
            req0 += usize::from(pr.requested);
        }
        for l in &p.locked_groups {
            b.locked_group[l.group as usize] = true;
            let cap = p.rooms[l.room as usize];
            let fr = &mut b.free_rooms[l.slot as usize];
            let i = fr.iter().position(|&c| c == cap).expect("room");
            fr.remove(i);
            for &x in &p.groups[l.group as usize].members {
                b.busy[x as usize] |= 1 << l.slot;
                b.deg[x as usize] += 1;
            }
            w += p.groups[l.group as usize].weight;
            groups += 1;
        }
        go_groups(&mut b, 0, groups, w);
        (b.best.0, b.best.1 + req0, b.best.2)
    }

    #[test]
    fn groups_maximal_feasible_and_bounded_against_brute_force() {
        let (mut compared, mut same_requested, mut optimal, mut with_groups) = (0, 0, 0, 0);
        for seed in 0..800u64 {
            let inst = random_group_instance(seed, if seed.is_multiple_of(3) { 8 } else { 6 });
            let tt = schedule(&inst).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            check_feasible(&inst, &tt).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            let g = schedule_greedy(&inst).expect("test instance");
            check_feasible(&inst, &g).unwrap_or_else(|e| panic!("greedy seed {seed}: {e}"));
            let combos = (inst.slots as f64 + 1.0).powi((inst.pairs.len() + inst.groups.len()) as i32);
            if combos > 200_000.0 {
                continue;
            }
            let (groups, req, obj) = brute_force(&inst);
            compared += 1;
            with_groups += usize::from(groups > 0);
            assert_eq!(tt.groups_scheduled, groups, "seed {seed}: as many groups as possible");
            assert!(tt.requested_scheduled <= req, "seed {seed}: more requested than possible?");
            assert!(obj <= tt.upper_bound + 1e-9, "seed {seed}: bound {} below the optimum {obj}", tt.upper_bound);
            if tt.requested_scheduled == req {
                same_requested += 1;
                assert!(tt.objective <= obj + 1e-9, "seed {seed}: beat the optimum?");
                if tt.objective >= obj - 1e-9 {
                    optimal += 1;
                }
            }
        }
        assert!(compared >= 400 && with_groups >= 120, "too few comparisons: {compared} ({with_groups} with groups)");
        assert!(same_requested * 100 >= compared * 95, "requested pairs maximal on {same_requested}/{compared}");
        assert!(optimal * 100 >= compared * 80, "optimal on only {optimal}/{compared}");
    }

    /// Small group-heavy problems: 6–12 people, 1–4 slots, 1–3 rooms of 2–4, 3–10 groups of 2–4.
    fn group_heavy(seed: u64) -> Problem {
        let mut rng = super::super::generate::Rng::new(seed);
        let n = rng.range(6, 12) as usize;
        let slots = rng.range(1, 4) as u32;
        let mut inst = Instance {
            slots,
            tables_per_slot: 1,
            fairness_bonus: 1.0,
            participants: (0..n)
                .map(|i| Participant {
                    id: format!("p{i}"),
                    max_meetings: rng.range(1, slots as u64) as u32,
                    available_slots: (0..slots).filter(|_| rng.chance(0.8)).collect(),
                })
                .collect(),
            pairs: vec![],
            locked: vec![],
            rooms: (0..rng.range(1, 3))
                .map(|r| Room { id: format!("r{r}"), capacity: rng.range(2, 4) as u32 })
                .collect(),
            groups: vec![],
            locked_groups: vec![],
        };
        let largest = inst.rooms.iter().map(|r| r.capacity).max().expect("rooms") as u64;
        for g in 0..rng.range(3, 10) {
            let size = rng.range(2, largest) as usize;
            let mut ids: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                ids.swap(i, rng.range(0, i as u64) as usize);
            }
            inst.groups.push(group(&format!("g{g}"), &ids[..size]));
        }
        Problem::from_instance(&inst).expect("valid")
    }

    #[test]
    fn heuristic_group_phase_is_maximal_on_small_cases() {
        let (mut same, mut total, mut contested) = (0, 0, 0);
        for seed in 0..400u64 {
            let p = group_heavy(seed);
            let mut exact = Placer::new(&p);
            exact.exact();
            let best = exact.finish().scheduled;
            let mut heur = Placer::new(&p);
            heur.greedy(true);
            let plan = heur.finish();
            // The heuristic's placement is consistent (rooms assigned, nobody twice in a slot).
            let mut seen = std::collections::HashSet::new();
            for (g, pl) in plan.placed.iter().enumerate() {
                if let Some((sl, r)) = pl {
                    assert!(p.rooms[*r as usize] as usize >= p.groups[g].members.len());
                    assert!(seen.insert((u32::MAX, *sl, *r)), "seed {seed}: room twice");
                    for &x in &p.groups[g].members {
                        assert!(seen.insert((x, *sl, 0)), "seed {seed}: person twice");
                        assert!(p.avail[x as usize] & (1 << sl) != 0);
                    }
                }
            }
            assert!(plan.scheduled <= best, "seed {seed}: beat the exact search?");
            total += 1;
            same += usize::from(plan.scheduled == best);
            contested += usize::from(plan.possible.iter().filter(|&&x| x).count() > best);
        }
        assert!(contested >= 100, "too few instances where groups compete: {contested}");
        assert!(same * 100 >= total * 99, "heuristic maximal on only {same}/{total}");
    }

    fn people(n: usize, slots: &[u32], cap: u32) -> Vec<Participant> {
        (0..n)
            .map(|i| Participant { id: format!("p{i}"), max_meetings: cap, available_slots: slots.to_vec() })
            .collect()
    }

    fn group(id: &str, members: &[usize]) -> GroupIn {
        GroupIn { id: id.into(), members: members.iter().map(|i| format!("p{i}")).collect(), weight: 1.0 }
    }

    #[test]
    fn rooms_go_to_the_groups_that_need_them() {
        // Two slots, a room of 3 and a room of 6; one group of 5 that can only meet in slot 0
        // and three groups of 3. Smallest fitting room first keeps the large room for the
        // large group, and all four fit.
        let mut ps = people(14, &[0, 1], 2);
        for p in ps.iter_mut().take(5) {
            p.available_slots = vec![0];
        }
        let inst = Instance {
            slots: 2,
            tables_per_slot: 1,
            fairness_bonus: 0.0,
            participants: ps,
            pairs: vec![],
            locked: vec![],
            rooms: vec![Room { id: "big".into(), capacity: 6 }, Room { id: "small".into(), capacity: 3 }],
            groups: vec![
                group("a", &[5, 6, 7]),
                group("b", &[8, 9, 10]),
                group("c", &[11, 12, 13]),
                group("large", &[0, 1, 2, 3, 4]),
            ],
            locked_groups: vec![],
        };
        let tt = schedule(&inst).expect("valid");
        check_feasible(&inst, &tt).expect("feasible");
        assert_eq!(tt.groups_scheduled, 4);
        let large = tt.group_meetings.iter().find(|g| g.group == "large").expect("placed");
        assert_eq!((large.slot, large.room.as_str()), (0, "big"));
    }

    #[test]
    fn group_meetings_block_people_and_count_towards_caps() {
        // p0 and p1 have one slot in common and a cap of 1; a group with p0 in that slot leaves
        // no room for the pair.
        let mut inst = Instance {
            slots: 1,
            tables_per_slot: 5,
            fairness_bonus: 1.0,
            participants: people(3, &[0], 1),
            pairs: vec![super::super::interchange::PairIn {
                a: "p0".into(),
                b: "p1".into(),
                weight: 9.0,
                requested: true,
            }],
            locked: vec![],
            rooms: vec![Room { id: "r".into(), capacity: 3 }],
            groups: vec![group("g", &[0, 2])],
            locked_groups: vec![],
        };
        let tt = schedule(&inst).expect("valid");
        check_feasible(&inst, &tt).expect("feasible");
        // Groups come first, even before a requested pair.
        assert_eq!((tt.groups_scheduled, tt.requested_scheduled), (1, 0));
        assert_eq!(tt.participants_without_meeting, 1);
        // With a locked group in the same slot and room, nothing else fits.
        inst.groups.push(group("h", &[1, 2]));
        inst.locked_groups = vec![LockedGroup { group: "h".into(), slot: 0, room: "r".into() }];
        let tt = schedule(&inst).expect("valid");
        check_feasible(&inst, &tt).expect("feasible");
        assert_eq!(tt.groups_scheduled, 1);
        assert_eq!(tt.group_meetings[0].group, "h");
        assert_eq!(tt.meetings.len(), 0);
    }

    #[test]
    fn invalid_groups_give_clear_errors() {
        let good = Instance {
            slots: 2,
            tables_per_slot: 1,
            fairness_bonus: 0.0,
            participants: people(4, &[0, 1], 2),
            pairs: vec![],
            locked: vec![super::super::interchange::LockedMeeting {
                a: "p0".into(),
                b: "p3".into(),
                slot: 1,
                table: 1,
            }],
            rooms: vec![Room { id: "r".into(), capacity: 3 }, Room { id: "s".into(), capacity: 2 }],
            groups: vec![group("g", &[0, 1, 2]), group("h", &[1, 2])],
            locked_groups: vec![LockedGroup { group: "g".into(), slot: 0, room: "r".into() }],
        };
        let tt = schedule(&good).expect("valid");
        check_feasible(&good, &tt).expect("feasible");
        type Edit = Box<dyn Fn(&mut Instance)>;
        let cases: Vec<(Edit, &str)> = vec![
            (
                Box::new(|i| i.groups[1].members[1] = "zz".into()),
                "group meeting \"h\" refers to unknown participant \"zz\"",
            ),
            (Box::new(|i| i.rooms[1].id = "r".into()), "room id \"r\" appears more than once"),
            (Box::new(|i| i.rooms[1].id = String::new()), "a room has an empty id"),
            (Box::new(|i| i.groups[1].id = "g".into()), "group meeting id \"g\" appears more than once"),
            (Box::new(|i| i.groups[1].id = String::new()), "a group meeting has an empty id"),
            (
                Box::new(|i| i.groups[1].members = vec!["p1".into()]),
                "has 1 member(s); a group meeting needs at least 2",
            ),
            (
                Box::new(|i| i.groups[1].members = vec!["p1".into(), "p1".into()]),
                "lists participant \"p1\" more than once",
            ),
            (
                Box::new(|i| i.groups[1].members = (0..4).map(|k| format!("p{k}")).collect()),
                "group meeting \"h\" has 4 members but the largest room holds 3",
            ),
            (Box::new(|i| i.groups[1].weight = f64::NAN), "weights must be finite"),
            (Box::new(|i| i.locked_groups[0].group = "x".into()), "refers to unknown group meeting \"x\""),
            (Box::new(|i| i.locked_groups[0].room = "x".into()), "refers to unknown room \"x\""),
            (Box::new(|i| i.locked_groups[0].slot = 2), "is in slot 2, outside the event's slots"),
            (Box::new(|i| i.locked_groups[0].room = "s".into()), "has 3 members but room \"s\" holds only 2"),
            (
                Box::new(|i| i.locked_groups.push(LockedGroup { group: "g".into(), slot: 1, room: "r".into() })),
                "group meeting \"g\" is locked twice",
            ),
            (
                Box::new(|i| {
                    i.groups.push(group("k", &[3]));
                    i.groups[2].members.push("p2".into());
                    i.groups[2].members = vec!["p3".into(), "p2".into()];
                    i.participants[3].max_meetings = 2;
                    i.locked_groups.push(LockedGroup { group: "k".into(), slot: 0, room: "s".into() });
                }),
                "\"p2\" has two locked meetings in slot 0",
            ),
            (
                Box::new(|i| {
                    i.groups.push(group("k", &[3]));
                    i.groups[2].members = vec!["p3".into(), "p2".into()];
                    i.participants[2].max_meetings = 2;
                    i.participants[3].max_meetings = 2;
                    i.locked_groups.push(LockedGroup { group: "k".into(), slot: 0, room: "r".into() });
                }),
                "room \"r\" in slot 0 is used twice",
            ),
            (
                Box::new(|i| i.locked_groups[0].group = "h".into()),
                "", // valid: h locked in r (p1, p2 free in slot 0)
            ),
            (
                Box::new(|i| {
                    i.groups[1].members = vec!["p0".into(), "p3".into()];
                    i.participants[0].max_meetings = 1;
                    i.locked_groups[0] = LockedGroup { group: "h".into(), slot: 0, room: "s".into() };
                }),
                "locked meetings exceed max_meetings of \"p0\"",
            ),
        ];
        for (i, (edit, msg)) in cases.iter().enumerate() {
            let mut x = good.clone();
            edit(&mut x);
            match schedule(&x) {
                Err(e) => {
                    assert!(!msg.is_empty() && e.to_string().contains(msg), "case {i}: {e} (wanted {msg:?})");
                    assert!(check_feasible(&x, &tt).is_err());
                }
                Ok(t) => {
                    assert!(msg.is_empty(), "case {i} should fail with {msg:?}");
                    check_feasible(&x, &t).expect("feasible");
                }
            }
        }
    }

    #[test]
    fn checker_rejects_broken_group_timetables() {
        let inst = Instance {
            slots: 2,
            tables_per_slot: 2,
            fairness_bonus: 1.0,
            participants: people(6, &[0, 1], 2),
            pairs: vec![super::super::interchange::PairIn {
                a: "p0".into(),
                b: "p5".into(),
                weight: 2.0,
                requested: false,
            }],
            locked: vec![],
            rooms: vec![Room { id: "r".into(), capacity: 3 }, Room { id: "s".into(), capacity: 2 }],
            groups: vec![group("g", &[0, 1, 2]), group("h", &[3, 4])],
            locked_groups: vec![],
        };
        let tt = schedule(&inst).expect("valid");
        check_feasible(&inst, &tt).expect("feasible");
        assert_eq!((tt.groups_scheduled, tt.meetings.len()), (2, 1));
        let g = tt.group_meetings.iter().position(|m| m.group == "g").expect("g");
        let h = 1 - g;
        let mut bad = Vec::new();
        let mut x = tt.clone();
        x.group_meetings[g].room = "s".into(); // too small
        bad.push(x);
        let mut x = tt.clone();
        x.group_meetings[h].room = "r".into();
        x.group_meetings[h].slot = x.group_meetings[g].slot; // room twice
        bad.push(x);
        let mut x = tt.clone();
        x.group_meetings[g].slot = tt.meetings[0].slot; // p0 in two places
        x.group_meetings[h].slot = 1 - tt.meetings[0].slot;
        bad.push(x);
        let mut x = tt.clone();
        x.group_meetings[g].slot = 2;
        bad.push(x);
        let mut x = tt.clone();
        x.group_meetings.push(x.group_meetings[h].clone());
        x.group_meetings.last_mut().expect("one").slot = 1 - x.group_meetings[h].slot;
        x.groups_scheduled += 1;
        bad.push(x); // twice
        let mut x = tt.clone();
        x.group_meetings[h].group = "zz".into();
        bad.push(x);
        let mut x = tt.clone();
        x.groups_scheduled -= 1;
        bad.push(x);
        let mut x = tt.clone();
        x.group_meetings.remove(h);
        x.groups_scheduled -= 1;
        bad.push(x); // objective no longer matches
        for (i, x) in bad.iter().enumerate() {
            assert!(check_feasible(&inst, x).is_err(), "case {i} accepted");
        }
        // Availability and caps.
        let mut inst2 = inst.clone();
        inst2.participants[1].available_slots = vec![1 - tt.group_meetings[g].slot];
        assert!(check_feasible(&inst2, &tt).is_err());
        let mut inst3 = inst.clone();
        inst3.participants[0].max_meetings = 1;
        assert!(check_feasible(&inst3, &tt).is_err());
    }

    #[test]
    fn json_with_groups_roundtrips() {
        let j = r#"{ "slots": 2, "tables_per_slot": 1,
            "participants": [ { "id": "a", "max_meetings": 2, "available_slots": [0,1] },
                              { "id": "b", "max_meetings": 2, "available_slots": [0,1] },
                              { "id": "c", "max_meetings": 2, "available_slots": [1] } ],
            "pairs": [ { "a": "a", "b": "b", "weight": 2.0 } ],
            "rooms": [ { "id": "Room 1", "capacity": 4 } ],
            "groups": [ { "id": "idea-7", "members": ["a", "b", "c"], "weight": 1.5 } ] }"#;
        let inst: Instance = serde_json::from_str(j).expect("test instance");
        assert!(inst.locked_groups.is_empty());
        let tt = schedule(&inst).expect("valid");
        assert_eq!(tt.group_meetings.len(), 1);
        assert_eq!((tt.group_meetings[0].slot, tt.group_meetings[0].room.as_str()), (1, "Room 1"));
        assert_eq!((tt.meetings[0].slot, tt.groups_scheduled, tt.groups_total), (0, 1, 1));
        let back: super::super::interchange::Timetable =
            serde_json::from_str(&serde_json::to_string(&tt).expect("json")).expect("json");
        check_feasible(&inst, &back).expect("feasible");
        assert!((back.objective - (2.0 + 1.5)).abs() < 1e-12);
        // A timetable written before group meetings existed still reads.
        let old = r#"{ "meetings": [], "requested_scheduled": 0, "requested_total": 0, "objective": 0.0,
            "participants_without_meeting": 0, "elapsed_ms": 1, "upper_bound": 0.0, "quality": 1.0 }"#;
        let t: super::super::interchange::Timetable = serde_json::from_str(old).expect("old timetable");
        assert!(t.group_meetings.is_empty());
    }
}
