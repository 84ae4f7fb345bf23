//! The scheduler: requested pairs first (exact search on small sets, greedy + Kempe-chain repair
//! otherwise), marginal-gain greedy with a flexibility-preserving slot choice, then local search
//! (Kempe-chain relocation, insertion by ejecting cheaper meetings) with a deterministic budget.

use super::bound;
use super::groups::{self, GroupPlan};
use super::interchange::{harmonic, GroupMeeting, Instance, InstanceError, Meeting, Problem, Solution, Timetable};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

const NONE: u32 = u32::MAX;
const NO_SLOT: u8 = u8::MAX;
const EPS: f64 = 1e-9;

/// Tuning knobs; all budgets are iteration counts (deterministic).
#[derive(Clone, Debug)]
pub struct SolveOptions {
    /// Local-search passes over the unplaced pairs.
    pub ls_passes: usize,
    /// Exact branch-and-bound for requested pairs when there are at most this many.
    pub exact_requested_max: usize,
    /// Node limit of that search.
    pub exact_node_limit: usize,
    /// Maximal Kempe chain length (edges).
    pub kempe_max_len: usize,
    /// Coordinate-descent sweeps for the upper bound.
    pub bound_sweeps: usize,
    /// Work limit of the bound: sweeps × (pair, slot) entries.
    pub bound_work: usize,
    /// Ejection-chain rounds, depth and branching.
    pub chain_rounds: usize,
    pub chain_depth: usize,
    pub chain_branch: usize,
    /// Node budgets: per chain start, and in total per participant.
    pub chain_nodes_per_start: usize,
    pub chain_nodes_per_person: usize,
    /// Minimal total node budget (small events).
    pub chain_nodes_min: usize,
    /// Coverage repair (people with a possible partner but no meeting): chain depth, rounds,
    /// node budget per person repaired and per participant of the event (at least `cover_nodes_min` in all).
    pub cover_depth: usize,
    pub cover_rounds: usize,
    pub cover_nodes_per_start: usize,
    pub cover_nodes_per_person: usize,
    pub cover_nodes_min: usize,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            ls_passes: 1,
            exact_requested_max: 16,
            exact_node_limit: 200_000,
            kempe_max_len: 24,
            bound_sweeps: 8,
            bound_work: 5_000_000,
            chain_rounds: 8,
            chain_depth: 6,
            chain_branch: 10,
            chain_nodes_per_start: 1000,
            chain_nodes_per_person: 40,
            chain_nodes_min: 120_000,
            cover_depth: 10,
            cover_rounds: 12,
            cover_nodes_per_start: 1000,
            cover_nodes_per_person: 10,
            cover_nodes_min: 10_000,
        }
    }
}

/// The set bits of a slot mask, lowest first.
#[inline]
pub(crate) fn bits(mut m: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if m == 0 {
            None
        } else {
            let b = m.trailing_zeros() as usize;
            m &= m - 1;
            Some(b)
        }
    })
}

#[derive(PartialEq)]
struct HeapItem {
    loss: f64,
    pair: u32,
    version: u32,
}
impl Eq for HeapItem {}
impl PartialOrd for HeapItem {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for HeapItem {
    // Min-heap on loss (BinaryHeap is a max-heap).
    fn cmp(&self, o: &Self) -> Ordering {
        o.loss.total_cmp(&self.loss).then(o.pair.cmp(&self.pair))
    }
}

/// Mutable schedule state over an index-based problem.
pub(super) struct State<'a> {
    pub p: &'a Problem,
    pub s: usize,
    pub adj: Vec<Vec<u32>>,
    /// person * s + slot → pair or NONE.
    pub at: Vec<u32>,
    pub busy: Vec<u64>,
    pub deg: Vec<u32>,
    pub slot_of: Vec<u8>,
    pub used: Vec<u32>,
    pub locked: Vec<bool>,
    use_heaps: bool,
    heaps: Vec<BinaryHeap<HeapItem>>,
    version: Vec<u32>,
    open_mask: u64,
    /// Node budget of the current ejection-chain search.
    nodes_left: usize,
    /// Per-person visit stamps of the current chain search (each person expanded once).
    visit: Vec<u32>,
    stamp: u32,
    /// inv[k] = fairness_bonus / k (inv[0] unused).
    inv: Vec<f64>,
}

impl<'a> State<'a> {
    pub fn new(p: &'a Problem) -> State<'a> {
        let n = p.n();
        let s = p.slots as usize;
        let mut adj = vec![Vec::new(); n];
        for (e, pr) in p.pairs.iter().enumerate() {
            adj[pr.a as usize].push(e as u32);
            adj[pr.b as usize].push(e as u32);
        }
        for l in &mut adj {
            l.sort_by(|&x, &y| p.pairs[y as usize].weight.total_cmp(&p.pairs[x as usize].weight).then(x.cmp(&y)));
        }
        let mut st = State {
            p,
            s,
            adj,
            at: vec![NONE; n * s],
            busy: vec![0; n],
            deg: vec![0; n],
            slot_of: vec![NO_SLOT; p.pairs.len()],
            used: vec![0; s],
            locked: vec![false; p.pairs.len()],
            use_heaps: false,
            heaps: (0..s).map(|_| BinaryHeap::new()).collect(),
            version: vec![0; p.pairs.len()],
            open_mask: p.slot_mask(),
            nodes_left: 0,
            visit: vec![0; n],
            stamp: 0,
            inv: (0..=s + 2).map(|k| if k == 0 { 0.0 } else { p.fairness_bonus / k as f64 }).collect(),
        };
        for l in &p.locked {
            st.locked[l.pair as usize] = true;
            st.place(l.pair, l.slot as usize);
        }
        st
    }

    #[inline]
    fn ends(&self, e: u32) -> (usize, usize) {
        let pr = &self.p.pairs[e as usize];
        (pr.a as usize, pr.b as usize)
    }

    #[inline]
    pub fn placed(&self, e: u32) -> bool {
        self.slot_of[e as usize] != NO_SLOT
    }

    #[inline]
    fn ejectable(&self, e: u32) -> bool {
        !self.locked[e as usize] && !self.p.pairs[e as usize].requested
    }

    #[inline]
    fn free_mask(&self, x: usize) -> u64 {
        self.p.avail[x] & !self.busy[x]
    }

    #[inline]
    fn has_cap(&self, x: usize) -> bool {
        self.deg[x] < self.p.cap[x]
    }

    /// Slots where `e` can be placed right now.
    #[inline]
    fn feasible(&self, e: u32) -> u64 {
        let (a, b) = self.ends(e);
        if !self.has_cap(a) || !self.has_cap(b) {
            return 0;
        }
        self.free_mask(a) & self.free_mask(b) & self.open_mask
    }

    pub fn place(&mut self, e: u32, slot: usize) {
        let (a, b) = self.ends(e);
        debug_assert!(!self.placed(e));
        debug_assert_eq!(self.at[a * self.s + slot], NONE);
        debug_assert_eq!(self.at[b * self.s + slot], NONE);
        self.at[a * self.s + slot] = e;
        self.at[b * self.s + slot] = e;
        self.busy[a] |= 1 << slot;
        self.busy[b] |= 1 << slot;
        self.deg[a] += 1;
        self.deg[b] += 1;
        self.slot_of[e as usize] = slot as u8;
        self.used[slot] += 1;
        if self.used[slot] >= self.p.tables {
            self.open_mask &= !(1u64 << slot);
        }
        if self.use_heaps {
            self.refresh(a);
            self.refresh(b);
        }
    }

    pub fn remove(&mut self, e: u32) {
        let (a, b) = self.ends(e);
        let slot = self.slot_of[e as usize] as usize;
        debug_assert!(slot < self.s);
        self.at[a * self.s + slot] = NONE;
        self.at[b * self.s + slot] = NONE;
        self.busy[a] &= !(1 << slot);
        self.busy[b] &= !(1 << slot);
        self.deg[a] -= 1;
        self.deg[b] -= 1;
        self.slot_of[e as usize] = NO_SLOT;
        self.used[slot] -= 1;
        self.open_mask |= 1u64 << slot;
        self.version[e as usize] = self.version[e as usize].wrapping_add(1);
        if self.use_heaps {
            self.refresh(a);
            self.refresh(b);
        }
    }

    /// Marginal loss of removing placed meeting `e`.
    #[inline]
    fn loss(&self, e: u32) -> f64 {
        let (a, b) = self.ends(e);
        self.p.pairs[e as usize].weight + self.inv[self.deg[a] as usize] + self.inv[self.deg[b] as usize]
    }

    /// Marginal gain of adding unplaced `e` with the current degrees.
    #[inline]
    fn gain(&self, e: u32) -> f64 {
        let (a, b) = self.ends(e);
        self.p.pairs[e as usize].weight + self.inv[self.deg[a] as usize + 1] + self.inv[self.deg[b] as usize + 1]
    }

    fn refresh(&mut self, x: usize) {
        for sl in bits(self.busy[x]) {
            let f = self.at[x * self.s + sl];
            if self.ejectable(f) {
                self.version[f as usize] = self.version[f as usize].wrapping_add(1);
                let item = HeapItem { loss: self.loss(f), pair: f, version: self.version[f as usize] };
                self.heaps[sl].push(item);
            }
        }
    }

    fn enable_heaps(&mut self) {
        self.use_heaps = true;
        for h in &mut self.heaps {
            h.clear();
        }
        for e in 0..self.p.pairs.len() as u32 {
            if self.placed(e) && self.ejectable(e) {
                let sl = self.slot_of[e as usize] as usize;
                let item = HeapItem { loss: self.loss(e), pair: e, version: self.version[e as usize] };
                self.heaps[sl].push(item);
            }
        }
    }

    #[inline]
    fn valid_item(&self, it: &HeapItem, slot: usize) -> bool {
        self.version[it.pair as usize] == it.version && self.slot_of[it.pair as usize] as usize == slot
    }

    /// Cheapest ejectable meeting in `slot` not in `skip`.
    fn cheapest_in_slot(&mut self, slot: usize, skip: &[u32]) -> Option<(u32, f64)> {
        let mut held: Vec<HeapItem> = Vec::new();
        let mut res = None;
        while let Some(top) = self.heaps[slot].peek() {
            if !self.valid_item(top, slot) {
                self.heaps[slot].pop();
                continue;
            }
            if skip.contains(&top.pair) {
                held.push(self.heaps[slot].pop().expect("peeked"));
                continue;
            }
            res = Some((top.pair, top.loss));
            break;
        }
        for h in held {
            self.heaps[slot].push(h);
        }
        res
    }

    /// Cheapest ejectable meeting of person `x` not in `skip`.
    fn cheapest_of(&self, x: usize, skip: &[u32]) -> Option<(u32, f64)> {
        let mut best: Option<(u32, f64)> = None;
        for sl in bits(self.busy[x]) {
            let f = self.at[x * self.s + sl];
            if !self.ejectable(f) || skip.contains(&f) {
                continue;
            }
            let l = self.loss(f);
            if best.is_none_or(|(_, bl)| l < bl) {
                best = Some((f, l));
            }
        }
        best
    }

    /// Slot choice: among `cands`, the slot that the fewest other potential meetings of a and b
    /// could use (keeps flexibility), then the one with most free tables, then the lowest.
    fn choose_slot(&self, e: u32, cands: u64, requested_only: bool) -> usize {
        if cands.count_ones() == 1 {
            return cands.trailing_zeros() as usize;
        }
        let (a, b) = self.ends(e);
        let mut cnt = [0u32; 64];
        for x in [a, b] {
            if self.deg[x] + 1 >= self.p.cap[x] {
                continue; // x will be full: its free slots no longer matter
            }
            for &f in &self.adj[x] {
                if f == e || self.placed(f) {
                    continue;
                }
                let pr = &self.p.pairs[f as usize];
                if requested_only && !pr.requested {
                    continue;
                }
                let q = if pr.a as usize == x { pr.b } else { pr.a } as usize;
                if !self.has_cap(q) {
                    continue;
                }
                for sl in bits(cands & self.free_mask(q)) {
                    cnt[sl] += 1;
                }
            }
        }
        let mut best = usize::MAX;
        let mut key = (u32::MAX, u32::MAX);
        for sl in bits(cands) {
            let k = (cnt[sl], self.used[sl]);
            if k < key {
                key = k;
                best = sl;
            }
        }
        best
    }

    /// Kempe-chain relocation: make room for unplaced `e` (caps must allow it) by swapping two
    /// slots along an alternating path, then place it. Returns true on success.
    fn kempe_insert(&mut self, e: u32, max_len: usize) -> bool {
        let (a, b) = self.ends(e);
        if !self.has_cap(a) || !self.has_cap(b) {
            return false;
        }
        let common = self.p.avail[a] & self.p.avail[b];
        for (x, y) in [(a, b), (b, a)] {
            // Place e at s1 where x is free; y is busy at s1 with a movable meeting, y is free at s2.
            let s1_cands = common & self.free_mask(x) & self.busy[y];
            let s2_cands = self.free_mask(y);
            let t = self.p.tables;
            for s1 in bits(s1_cands) {
                for s2 in bits(s2_cands) {
                    // Both slots full: no path can make room at s1.
                    if s1 == s2 || (self.used[s1] >= t && self.used[s2] >= t) {
                        continue;
                    }
                    if let Some(path) = self.kempe_path(y, x, s1, s2, max_len) {
                        // Table balance: path edges alternate s1, s2, s1 …; odd length moves one
                        // meeting from s1 to s2.
                        let to_s2 = path.len().div_ceil(2) as u32;
                        let to_s1 = (path.len() / 2) as u32;
                        if self.used[s2] + to_s2 - to_s1 > t || self.used[s1] - to_s2 + to_s1 + 1 > t {
                            continue;
                        }
                        for &f in &path {
                            self.remove(f);
                        }
                        for (i, &f) in path.iter().enumerate() {
                            self.place(f, if i % 2 == 0 { s2 } else { s1 });
                        }
                        self.place(e, s1);
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Alternating path from `start` (busy at s1, free at s2): its s1 meeting, the partner's s2
    /// meeting, … Every meeting must be movable and both ends available in the other slot; the
    /// path must not touch `avoid`.
    fn kempe_path(&self, start: usize, avoid: usize, s1: usize, s2: usize, max_len: usize) -> Option<Vec<u32>> {
        let mut path = Vec::new();
        let mut cur = start;
        let mut slot = s1;
        loop {
            let f = self.at[cur * self.s + slot];
            if f == NONE {
                return Some(path);
            }
            if self.locked[f as usize] || path.len() >= max_len {
                return None;
            }
            let other_slot = if slot == s1 { s2 } else { s1 };
            let (fa, fb) = self.ends(f);
            let next = if fa == cur { fb } else { fa };
            if next == avoid {
                return None;
            }
            if self.p.avail[fa] & self.p.avail[fb] & (1 << other_slot) == 0 {
                return None;
            }
            path.push(f);
            cur = next;
            slot = other_slot;
        }
    }

    /// Insertion of `e` by ejecting ejectable meetings (never requested or locked ones).
    /// `force`: accept the best move even if it lowers the objective (for requested `e`).
    /// Ejected pairs are appended to `out`. Returns true if `e` was placed.
    fn eject_insert(&mut self, e: u32, force: bool, out: &mut Vec<u32>) -> bool {
        let (a, b) = self.ends(e);
        let pr = self.p.pairs[e as usize];
        let fb = self.p.fairness_bonus;
        let t = self.p.tables;
        let mut best: Option<(f64, usize, [u32; 4], usize)> = None;
        for sl in bits(self.p.avail[a] & self.p.avail[b]) {
            let mut x = [NONE; 4];
            let mut nx = 0;
            let mut ok = true;
            for q in [a, b] {
                let f = self.at[q * self.s + sl];
                if f != NONE {
                    if !self.ejectable(f) {
                        ok = false;
                        break;
                    }
                    x[nx] = f;
                    nx += 1;
                }
            }
            if !ok {
                continue;
            }
            for q in [a, b] {
                let freed = x[..nx]
                    .iter()
                    .filter(|&&f| {
                        let (u, v) = self.ends(f);
                        u == q || v == q
                    })
                    .count() as u32;
                if self.deg[q] - freed >= self.p.cap[q] {
                    match self.cheapest_of(q, &x[..nx]) {
                        Some((f, _)) => {
                            x[nx] = f;
                            nx += 1;
                        }
                        None => {
                            ok = false;
                            break;
                        }
                    }
                }
            }
            if !ok {
                continue;
            }
            let in_slot = x[..nx].iter().filter(|&&f| self.slot_of[f as usize] as usize == sl).count() as u32;
            if self.used[sl] - in_slot >= t {
                match self.cheapest_in_slot(sl, &x[..nx]) {
                    Some((f, _)) => {
                        x[nx] = f;
                        nx += 1;
                    }
                    None => continue,
                }
            }
            // Exact objective change.
            let mut people: [(usize, i32); 10] = [(usize::MAX, 0); 10];
            let mut np = 0;
            let mut bump = |q: usize, d: i32, people: &mut [(usize, i32); 10]| {
                for item in people.iter_mut().take(np) {
                    if item.0 == q {
                        item.1 += d;
                        return;
                    }
                }
                people[np] = (q, d);
                np += 1;
            };
            let mut delta = pr.weight;
            bump(a, 1, &mut people);
            bump(b, 1, &mut people);
            for &f in &x[..nx] {
                let (u, v) = self.ends(f);
                delta -= self.p.pairs[f as usize].weight;
                bump(u, -1, &mut people);
                bump(v, -1, &mut people);
            }
            if fb > 0.0 {
                for &(q, d) in &people[..np] {
                    let k = self.deg[q] as i32;
                    delta += fb * h_diff(k, k + d);
                }
            }
            if best.as_ref().is_none_or(|b| delta > b.0) {
                best = Some((delta, sl, x, nx));
            }
        }
        match best {
            Some((delta, sl, x, nx)) if force || delta > EPS => {
                for &f in &x[..nx] {
                    self.remove(f);
                    out.push(f);
                }
                self.place(e, sl);
                true
            }
            _ => false,
        }
    }

    /// Objective change of placing `e` now.
    #[inline]
    fn place_delta(&self, e: u32) -> f64 {
        self.gain(e)
    }

    /// Journaled place/remove returning the objective change.
    fn jplace(&mut self, e: u32, sl: usize, j: &mut Vec<(bool, u32, u8)>) -> f64 {
        let d = self.place_delta(e);
        self.place(e, sl);
        j.push((true, e, sl as u8));
        d
    }

    fn jremove(&mut self, e: u32, j: &mut Vec<(bool, u32, u8)>) -> f64 {
        let d = -self.loss(e);
        let sl = self.slot_of[e as usize];
        self.remove(e);
        j.push((false, e, sl));
        d
    }

    fn undo_to(&mut self, j: &mut Vec<(bool, u32, u8)>, len: usize) {
        while j.len() > len {
            let (placed, e, sl) = j.pop().expect("non-empty");
            if placed {
                self.remove(e);
            } else {
                self.place(e, sl as usize);
            }
        }
    }

    /// Ejection chain: give person `x` (under cap) one more meeting, possibly taking a partner's
    /// slot/cap by ejecting one of the partner's meetings, whose other end then continues the
    /// chain (`depth` more steps). Accepts as soon as the running objective change `delta` is
    /// positive; otherwise everything is undone. Never ejects requested or locked meetings, nor
    /// meetings placed by this chain.
    fn augment(
        &mut self,
        x: usize,
        depth: usize,
        delta: f64,
        j: &mut Vec<(bool, u32, u8)>,
        start: usize,
        branch: usize,
    ) -> bool {
        if self.nodes_left == 0 || self.visit[x] == self.stamp {
            return false;
        }
        self.visit[x] = self.stamp;
        self.nodes_left -= 1;
        // Prune: even the best remaining pair of x (adj is sorted by weight) with both fairness
        // marginals cannot make the chain profitable.
        if let Some(&f) = self.adj[x].iter().find(|&&f| !self.placed(f)) {
            let optimistic = self.p.pairs[f as usize].weight + 2.0 * self.inv[self.deg[x] as usize + 1];
            if delta + optimistic <= EPS {
                return false;
            }
        } else {
            return false;
        }
        let mut tried = 0;
        // adj is sorted by weight descending.
        for idx in 0..self.adj[x].len() {
            let f = self.adj[x][idx];
            if self.placed(f) {
                continue;
            }
            if tried >= branch {
                break;
            }
            let (a, b) = self.ends(f);
            let y = if a == x { b } else { a };
            let common = self.p.avail[x] & self.p.avail[y] & self.free_mask(x);
            if common == 0 {
                continue;
            }
            tried += 1;
            if self.has_cap(y) {
                let direct = common & self.free_mask(y) & self.open_mask;
                if direct != 0 {
                    let mark = j.len();
                    let d = self.jplace(f, direct.trailing_zeros() as usize, j);
                    if delta + d > EPS {
                        return true;
                    }
                    self.undo_to(j, mark);
                }
                // y busy in all common slots: eject y's meeting in one of them.
            }
            if depth == 0 {
                continue;
            }
            // Eject one meeting g of y: in a common slot (frees slot and cap), or — if y is at
            // cap and free in a common slot — y's cheapest meeting anywhere.
            // The two cheapest options (loss, meeting, slot).
            let mut opt = [(f64::INFINITY, NONE, 0usize); 2];
            let mut consider = |l: f64, g: u32, sl: usize| {
                if l < opt[0].0 {
                    opt[1] = opt[0];
                    opt[0] = (l, g, sl);
                } else if l < opt[1].0 {
                    opt[1] = (l, g, sl);
                }
            };
            for sl in bits(common & self.busy[y]) {
                let g = self.at[y * self.s + sl];
                if self.ejectable(g) && !j[start..].iter().any(|o| o.0 && o.1 == g) {
                    consider(self.loss(g), g, sl);
                }
            }
            if !self.has_cap(y) {
                let free_common = common & self.free_mask(y);
                if free_common != 0 {
                    if let Some((g, l)) = self.cheapest_of(y, &[]) {
                        if !j[start..].iter().any(|o| o.0 && o.1 == g) {
                            consider(l, g, free_common.trailing_zeros() as usize);
                        }
                    }
                }
            }
            for (_, g, sl) in opt {
                if g == NONE {
                    continue;
                }
                let mark = j.len();
                let (ga, gb) = self.ends(g);
                let r = if ga == y { gb } else { ga };
                let mut d = self.jremove(g, j);
                if self.used[sl] >= self.p.tables || self.busy[x] & (1 << sl) != 0 || self.busy[y] & (1 << sl) != 0 {
                    self.undo_to(j, mark);
                    continue;
                }
                d += self.jplace(f, sl, j);
                if delta + d > EPS {
                    return true;
                }
                if r != x && self.has_cap(r) && self.augment(r, depth - 1, delta + d, j, start, branch) {
                    return true;
                }
                self.undo_to(j, mark);
            }
        }
        false
    }

    pub fn objective(&self) -> f64 {
        let w: f64 =
            (0..self.p.pairs.len()).filter(|&e| self.slot_of[e] != NO_SLOT).map(|e| self.p.pairs[e].weight).sum();
        let h: f64 = self.deg.iter().map(|&k| harmonic(k)).sum();
        w + self.p.fairness_bonus * h
    }
}

/// H(k2) - H(k1).
fn h_diff(k1: i32, k2: i32) -> f64 {
    if k2 >= k1 {
        (k1 + 1..=k2).map(|j| 1.0 / j as f64).sum()
    } else {
        -(k2 + 1..=k1).map(|j| 1.0 / j as f64).sum::<f64>()
    }
}

/// Requested phase, exact: branch and bound maximising the number of placed requested pairs.
fn exact_requested(st: &mut State, req: &[u32], node_limit: usize) {
    struct Dfs<'b> {
        order: &'b [u32],
        best: usize,
        best_assign: Vec<u8>,
        cur: Vec<u8>,
        nodes: usize,
        limit: usize,
    }
    fn go(st: &mut State, d: &mut Dfs, i: usize, placed: usize) {
        d.nodes += 1;
        if placed + (d.order.len() - i) <= d.best && i > 0 {
            return;
        }
        if i == d.order.len() {
            if placed > d.best || d.best_assign.is_empty() {
                d.best = placed;
                d.best_assign = d.cur.clone();
            }
            return;
        }
        if d.nodes > d.limit {
            return;
        }
        let e = d.order[i];
        for sl in bits(st.feasible(e)) {
            st.place(e, sl);
            d.cur[i] = sl as u8;
            go(st, d, i + 1, placed + 1);
            st.remove(e);
            d.cur[i] = NO_SLOT;
            if d.best == d.order.len() {
                return;
            }
        }
        go(st, d, i + 1, placed);
    }
    let mut order = req.to_vec();
    order.sort_by_key(|&e| (st.feasible(e).count_ones(), e));
    let mut d = Dfs {
        order: &order,
        best: 0,
        best_assign: Vec::new(),
        cur: vec![NO_SLOT; order.len()],
        nodes: 0,
        limit: node_limit,
    };
    go(st, &mut d, 0, 0);
    let assign = d.best_assign.clone();
    for (i, &e) in order.iter().enumerate() {
        if let Some(&sl) = assign.get(i) {
            if sl != NO_SLOT {
                st.place(e, sl as usize);
            }
        }
    }
}

/// Requested phase, heuristic: most constrained first, then Kempe repair and 1-for-1 exchanges.
fn greedy_requested(st: &mut State, req: &[u32], opts: &SolveOptions) {
    let mut order = req.to_vec();
    order.sort_by_key(|&e| (st.feasible(e).count_ones(), e));
    let mut failed = Vec::new();
    for &e in &order {
        let f = st.feasible(e);
        if f != 0 {
            let sl = st.choose_slot(e, f, true);
            st.place(e, sl);
        } else {
            failed.push(e);
        }
    }
    for _ in 0..2 {
        let mut still = Vec::new();
        for &e in &failed {
            if st.feasible(e) != 0 {
                let sl = st.choose_slot(e, st.feasible(e), true);
                st.place(e, sl);
            } else if !st.kempe_insert(e, opts.kempe_max_len) && !swap_requested(st, e, opts) {
                still.push(e);
            }
        }
        failed = still;
        if failed.is_empty() {
            break;
        }
    }
}

/// Eject one requested meeting g of an endpoint, place `e`, and re-place g elsewhere; undone if g
/// cannot be re-placed.
fn swap_requested(st: &mut State, e: u32, opts: &SolveOptions) -> bool {
    let (a, b) = st.ends(e);
    let mut cands = Vec::new();
    for q in [a, b] {
        for sl in bits(st.busy[q]) {
            let g = st.at[q * st.s + sl];
            if !st.locked[g as usize] && !cands.contains(&g) {
                cands.push(g);
            }
        }
    }
    for g in cands {
        let old = st.slot_of[g as usize] as usize;
        st.remove(g);
        let f = st.feasible(e);
        if f == 0 {
            st.place(g, old);
            continue;
        }
        let sl = st.choose_slot(e, f, true);
        st.place(e, sl);
        let fg = st.feasible(g);
        if fg != 0 {
            st.place(g, fg.trailing_zeros() as usize);
            return true;
        }
        if st.kempe_insert(g, opts.kempe_max_len) {
            return true;
        }
        st.remove(e);
        st.place(g, old);
    }
    false
}

/// Marginal-gain greedy over the non-requested pairs (lazy max-heap).
fn greedy_gain(st: &mut State) -> Vec<u32> {
    #[derive(PartialEq)]
    struct It(f64, u32);
    impl Eq for It {}
    impl PartialOrd for It {
        fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for It {
        fn cmp(&self, o: &Self) -> Ordering {
            self.0.total_cmp(&o.0).then(o.1.cmp(&self.1))
        }
    }
    let mut heap: BinaryHeap<It> = (0..st.p.pairs.len() as u32)
        .filter(|&e| !st.placed(e) && !st.p.pairs[e as usize].requested)
        .map(|e| It(st.gain(e), e))
        .collect();
    let mut unplaced = Vec::new();
    while let Some(It(g, e)) = heap.pop() {
        let (a, b) = st.ends(e);
        if !st.has_cap(a) || !st.has_cap(b) {
            unplaced.push(e);
            continue;
        }
        let cur = st.gain(e);
        if cur < g - 1e-12 {
            heap.push(It(cur, e));
            continue;
        }
        let f = st.feasible(e);
        if f == 0 {
            unplaced.push(e);
            continue;
        }
        let sl = st.choose_slot(e, f, false);
        st.place(e, sl);
    }
    unplaced
}

/// Local search over the unplaced pairs.
fn local_search(st: &mut State, opts: &SolveOptions) {
    st.enable_heaps();
    let mut ejected = Vec::new();
    for _pass in 0..opts.ls_passes {
        let mut work: Vec<u32> =
            (0..st.p.pairs.len() as u32).filter(|&e| !st.placed(e) && pair_possible(st.p, e)).collect();
        work.sort_by(|&x, &y| {
            let (rx, ry) = (st.p.pairs[x as usize].requested, st.p.pairs[y as usize].requested);
            ry.cmp(&rx).then(st.gain(y).total_cmp(&st.gain(x))).then(x.cmp(&y))
        });
        let mut improved = false;
        let mut i = 0;
        while i < work.len() {
            let e = work[i];
            i += 1;
            if st.placed(e) {
                continue;
            }
            let req = st.p.pairs[e as usize].requested;
            let f = st.feasible(e);
            if f != 0 {
                if req || st.gain(e) > EPS {
                    let sl = st.choose_slot(e, f, false);
                    st.place(e, sl);
                    improved = true;
                }
                continue;
            }
            if (req || st.gain(e) > EPS) && st.kempe_insert(e, opts.kempe_max_len) {
                improved = true;
                continue;
            }
            ejected.clear();
            if st.eject_insert(e, req, &mut ejected) {
                improved = true;
                work.extend(ejected.iter().copied());
                // People who lost a meeting may now take another one: retry their pairs.
                for &g in ejected.iter() {
                    let (u, v) = st.ends(g);
                    for x in [u, v] {
                        for &f in &st.adj[x] {
                            if !st.placed(f) && f != g {
                                work.push(f);
                            }
                        }
                    }
                }
            }
        }
        if !improved {
            break;
        }
    }
    // Ejection chains for people below their effective capacity (no heap maintenance needed).
    st.use_heaps = false;
    let mut j = Vec::new();
    // With every slot's tables taken (tables are the binding resource) a chain can only trade
    // meetings, which the ejection passes above already do; skip the search then.
    let mut budget =
        if st.open_mask == 0 { 0 } else { (opts.chain_nodes_per_person * st.p.n()).max(opts.chain_nodes_min) };
    for _round in 0..opts.chain_rounds {
        let mut any = false;
        let mut order: Vec<usize> =
            (0..st.p.n()).filter(|&x| st.deg[x] < st.p.cap[x].min(st.p.avail[x].count_ones())).collect();
        order.sort_by_key(|&x| (st.deg[x], x));
        st.stamp += 1;
        for x in order {
            if !st.has_cap(x) || budget == 0 {
                continue;
            }
            j.clear();
            st.nodes_left = opts.chain_nodes_per_start.min(budget);
            let before = st.nodes_left;
            // As in Hopcroft–Karp, people explored by a failed search stay marked until the
            // next success (the state is unchanged after a failure).
            if st.augment(x, opts.chain_depth, 0.0, &mut j, 0, opts.chain_branch) {
                any = true;
                st.stamp += 1;
            }
            budget -= before - st.nodes_left;
        }
        if !any {
            break;
        }
    }
}

/// A move that gives a person without a meeting their first one: place `pair` in `slot` after
/// removing `eject` (at most two meetings: the partner's, and one to free a table).
#[derive(Clone, Copy)]
struct CoverMove {
    delta: f64,
    pair: u32,
    slot: usize,
    eject: [u32; 2],
    /// Someone the ejections leave without a meeting (NONE if nobody).
    orphan: u32,
}

/// Per slot, meetings whose two people have another meeting, cheapest first, for freeing a
/// table (slot and degrees are checked again when used: meetings move).
struct SlotLists(Vec<Vec<u32>>);

/// Entries of a slot list looked at per query: a table is freed only by a cheap meeting.
const SLOT_SCAN: usize = 48;

impl State<'_> {
    /// May meeting `g` make way for pair `f`? Never a locked one; a requested one only for a
    /// requested `f` (the requested count is kept; the table-freeing meeting is never requested).
    #[inline]
    fn may_make_way(&self, g: u32, f: u32) -> bool {
        self.ejectable(g) || (!self.locked[g as usize] && self.p.pairs[f as usize].requested)
    }

    /// Degree of `q` after removing `eject`.
    fn deg_without(&self, q: usize, eject: &[u32]) -> u32 {
        let lost = eject
            .iter()
            .filter(|&&g| {
                let (u, v) = self.ends(g);
                u == q || v == q
            })
            .count() as u32;
        self.deg[q] - lost
    }

    /// Exact objective change of removing `eject` and placing `e`.
    fn move_delta(&self, e: u32, eject: &[u32]) -> f64 {
        let mut people: [(usize, i32); 6] = [(usize::MAX, 0); 6];
        let mut np = 0;
        let mut bump = |q: usize, d: i32| {
            if let Some(item) = people[..np].iter_mut().find(|it| it.0 == q) {
                item.1 += d;
            } else {
                people[np] = (q, d);
                np += 1;
            }
        };
        let (a, b) = self.ends(e);
        bump(a, 1);
        bump(b, 1);
        let mut delta = self.p.pairs[e as usize].weight;
        for &g in eject {
            let (u, v) = self.ends(g);
            delta -= self.p.pairs[g as usize].weight;
            bump(u, -1);
            bump(v, -1);
        }
        let fb = self.p.fairness_bonus;
        if fb > 0.0 {
            for &(q, d) in &people[..np] {
                let k = self.deg[q] as i32;
                delta += fb * h_diff(k, k + d);
            }
        }
        delta
    }

    /// Moves that give `x` (no meeting, free in all its slots) a meeting with a partner: the
    /// partner's meeting in that slot (or, at cap, its cheapest one) and, if the slot has no free
    /// table, a cheap meeting of two people who keep another one make way. Requested and locked
    /// meetings never move. Moves that leave someone else without a meeting are kept only if
    /// `orphans` (then that person is `orphan`).
    fn cover_moves(&self, x: usize, lists: &SlotLists, orphans: bool, out: &mut Vec<CoverMove>) {
        out.clear();
        let table_meeting = |sl: usize, ej: &[u32]| {
            lists.0[sl].iter().take(SLOT_SCAN).copied().find(|&g| {
                if self.slot_of[g as usize] as usize != sl || !self.ejectable(g) || ej.contains(&g) {
                    return false;
                }
                let (u, v) = self.ends(g);
                self.deg_without(u, ej) >= 2 && self.deg_without(v, ej) >= 2
            })
        };
        // The table-freeing meeting of each slot before any partner's ejection: the same for
        // every partner unless that ejection touches it (then the list is scanned again).
        let mut first = [None; 64];
        for sl in bits(self.p.avail[x] & !self.busy[x]) {
            if self.used[sl] >= self.p.tables {
                first[sl] = table_meeting(sl, &[]);
            }
        }
        for &f in &self.adj[x] {
            let (a, b) = self.ends(f);
            let y = if a == x { b } else { a };
            if self.placed(f) || self.p.cap[y] == 0 {
                continue;
            }
            // At cap, the partner gives up its cheapest meeting whose other person keeps one.
            let mut at_cap = None;
            if !self.has_cap(y) {
                let mut best: Option<(bool, f64, u32)> = None;
                for s2 in bits(self.busy[y]) {
                    let g = self.at[y * self.s + s2];
                    if !self.may_make_way(g, f) {
                        continue;
                    }
                    let (u, v) = self.ends(g);
                    let z = if u == y { v } else { u };
                    let key = (self.deg[z] < 2, self.p.pairs[g as usize].weight, g);
                    if best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
                        best = Some(key);
                    }
                }
                at_cap = best.map(|b| b.2);
            }
            for sl in bits(self.p.avail[x] & self.p.avail[y] & !self.busy[x]) {
                let mut ej = [NONE; 2];
                let mut ne = 0;
                let g1 = self.at[y * self.s + sl];
                if g1 != NONE {
                    if !self.may_make_way(g1, f) {
                        continue;
                    }
                    ej[0] = g1;
                    ne = 1;
                } else if !self.has_cap(y) {
                    match at_cap {
                        Some(g) => {
                            ej[0] = g;
                            ne = 1;
                        }
                        None => continue,
                    }
                }
                let freed = ej[..ne].iter().filter(|&&g| self.slot_of[g as usize] as usize == sl).count() as u32;
                if self.used[sl] - freed >= self.p.tables {
                    // A table in `sl`: the cheapest meeting whose two people keep another one.
                    let touched = |g: u32| {
                        let (u, v) = self.ends(g);
                        ej[..ne].iter().any(|&h| {
                            let (hu, hv) = self.ends(h);
                            h == g || hu == u || hu == v || hv == u || hv == v
                        })
                    };
                    // Ejections only lower degrees: nothing invalid before becomes valid.
                    let found = match first[sl] {
                        Some(g) if !touched(g) => Some(g),
                        Some(_) => table_meeting(sl, &ej[..ne]),
                        None => None,
                    };
                    match found {
                        Some(g) => {
                            ej[ne] = g;
                            ne += 1;
                        }
                        None => continue,
                    }
                }
                let mut orphan = NONE;
                let mut many = false;
                for &g in &ej[..ne] {
                    let (u, v) = self.ends(g);
                    for q in [u, v] {
                        if q != y && self.deg_without(q, &ej[..ne]) == 0 {
                            if orphan == NONE || orphan == q as u32 {
                                orphan = q as u32;
                            } else {
                                many = true;
                            }
                        }
                    }
                }
                if many || (orphan != NONE && (!orphans || self.visit[orphan as usize] == self.stamp)) {
                    continue;
                }
                let delta = self.move_delta(f, &ej[..ne]);
                out.push(CoverMove { delta, pair: f, slot: sl, eject: ej, orphan });
            }
        }
    }

    /// Gives `x` a meeting by the best move that leaves nobody else without one; failing that
    /// (`depth` > 0), by a move that leaves one person without, who is then covered in turn.
    /// Everything is undone on failure.
    fn cover(&mut self, x: usize, depth: usize, lists: &SlotLists, j: &mut Vec<(bool, u32, u8)>) -> bool {
        if self.nodes_left == 0 {
            return false;
        }
        self.nodes_left -= 1;
        self.visit[x] = self.stamp;
        let mut moves = Vec::new();
        self.cover_moves(x, lists, depth > 0, &mut moves);
        moves.sort_by(|m1, m2| (m1.orphan != NONE).cmp(&(m2.orphan != NONE)).then(m2.delta.total_cmp(&m1.delta)));
        for m in &moves {
            if m.orphan != NONE && self.visit[m.orphan as usize] == self.stamp {
                continue;
            }
            let mark = j.len();
            for &g in m.eject.iter().filter(|&&g| g != NONE) {
                self.jremove(g, j);
            }
            self.jplace(m.pair, m.slot, j);
            if m.orphan == NONE || self.cover(m.orphan as usize, depth - 1, lists, j) {
                return true;
            }
            self.undo_to(j, mark);
            if self.nodes_left == 0 {
                break;
            }
        }
        false
    }
}

/// Coverage repair: everyone with a possible partner should leave with at least one meeting,
/// even at some cost in weight (meeting nobody is the failure people remember). Runs after the
/// local search; each person without a meeting gets the best move that leaves nobody else
/// without one, or a short chain of them; requested and locked meetings never move, so the
/// requested count is kept. Budgeted by nodes, proportional to the event's size.
fn cover_repair(st: &mut State, opts: &SolveOptions) {
    let p = st.p;
    let n = p.n();
    let mut todo: Vec<usize> = (0..n)
        .filter(|&x| st.deg[x] == 0 && p.cap[x] > 0 && st.adj[x].iter().any(|&e| !st.placed(e) && pair_possible(p, e)))
        .collect();
    if todo.is_empty() {
        return;
    }
    // The hardest first: fewest possible partners.
    todo.sort_by_key(|&x| (st.adj[x].len(), x));
    let mut lists = SlotLists(vec![Vec::new(); st.s]);
    let keeps_one = |st: &State, e: u32| {
        let (a, b) = st.ends(e);
        st.deg[a] >= 2 && st.deg[b] >= 2
    };
    for e in 0..p.pairs.len() as u32 {
        if st.placed(e) && st.ejectable(e) && keeps_one(st, e) {
            lists.0[st.slot_of[e as usize] as usize].push(e);
        }
    }
    for l in &mut lists.0 {
        l.sort_by(|&x, &y| p.pairs[x as usize].weight.total_cmp(&p.pairs[y as usize].weight).then(x.cmp(&y)));
    }
    let mut budget = (opts.cover_nodes_per_person * n).max(opts.cover_nodes_min);
    let mut j = Vec::new();
    // Rounds as in Hopcroft–Karp: within a round everyone a search expanded stays marked, so
    // later searches neither retry people who could not be covered (a failure leaves the state
    // unchanged) nor undo a chain just found; the next round starts afresh.
    for _round in 0..opts.cover_rounds {
        st.stamp += 1;
        let mut any = false;
        for &x in &todo {
            if st.deg[x] > 0 || budget == 0 || st.visit[x] == st.stamp {
                continue;
            }
            st.nodes_left = budget.min(opts.cover_nodes_per_start);
            let before = st.nodes_left;
            j.clear();
            any |= st.cover(x, opts.cover_depth, &lists, &mut j);
            budget -= before - st.nodes_left;
            // New meetings can free tables later: keep the lists current for them.
            for &(placed, e, sl) in &j {
                if placed && st.placed(e) && st.ejectable(e) && keeps_one(st, e) {
                    let l = &mut lists.0[sl as usize];
                    let w = p.pairs[e as usize].weight;
                    let at = l.partition_point(|&g| p.pairs[g as usize].weight < w);
                    l.insert(at, e);
                }
            }
        }
        if !any || budget == 0 {
            break;
        }
    }
}

/// Does the pair have a common available slot and caps ≥ 1 at both ends?
fn pair_possible(p: &Problem, e: u32) -> bool {
    let pr = &p.pairs[e as usize];
    p.avail[pr.a as usize] & p.avail[pr.b as usize] != 0 && p.cap[pr.a as usize] > 0 && p.cap[pr.b as usize] > 0
}

/// Builds the index solution (tables, statistics, bound) from a final state; `p` is the full
/// problem (the state's may have the group meetings' slots removed).
fn finish(p: &Problem, st: &State, plan: &GroupPlan, opts: &SolveOptions) -> Solution {
    let t = p.tables as usize;
    let mut placed = vec![None; p.pairs.len()];
    let mut taken = vec![false; p.slots as usize * (t + 1)];
    for l in &p.locked {
        placed[l.pair as usize] = Some((l.slot, l.table));
        taken[l.slot as usize * (t + 1) + l.table as usize] = true;
    }
    let mut next = vec![1usize; p.slots as usize];
    for (e, pl) in placed.iter_mut().enumerate() {
        if st.locked[e] || st.slot_of[e] == NO_SLOT {
            continue;
        }
        let sl = st.slot_of[e] as usize;
        while taken[sl * (t + 1) + next[sl]] {
            next[sl] += 1;
        }
        taken[sl * (t + 1) + next[sl]] = true;
        *pl = Some((sl as u32, next[sl] as u32));
    }
    let requested_total = p.pairs.iter().filter(|x| x.requested).count();
    let requested_scheduled = (0..p.pairs.len()).filter(|&e| p.pairs[e].requested && placed[e].is_some()).count();
    let mut possible = vec![false; p.n()];
    for e in 0..p.pairs.len() as u32 {
        if pair_possible(p, e) || st.locked[e as usize] {
            let pr = &p.pairs[e as usize];
            possible[pr.a as usize] = true;
            possible[pr.b as usize] = true;
        }
    }
    for (g, &ok) in plan.possible.iter().enumerate() {
        if ok {
            for &x in &p.groups[g].members {
                possible[x as usize] = true;
            }
        }
    }
    // st.deg counts the group meetings too.
    let participants_without_meeting = (0..p.n()).filter(|&x| possible[x] && st.deg[x] == 0).count();
    let objective = st.objective() + plan.weight;
    let upper_bound =
        bound::upper_bound(p, &st.deg, requested_scheduled, plan.scheduled, opts.bound_sweeps, opts.bound_work)
            .max(0.0);
    Solution {
        placed,
        objective,
        requested_scheduled,
        requested_total,
        participants_without_meeting,
        upper_bound,
        group_placed: plan.placed.clone(),
        groups_scheduled: plan.scheduled,
        groups_total: p.groups.len(),
    }
}

/// Full solver on a validated index problem: group meetings first, then the pairs around them.
pub fn solve(p: &Problem, opts: &SolveOptions) -> Solution {
    solve_profiled(p, opts).0
}

/// [`solve`], also returning the time spent in each phase (for benchmarks).
pub fn solve_profiled(p: &Problem, opts: &SolveOptions) -> (Solution, Vec<(&'static str, std::time::Duration)>) {
    let mut phases = Vec::new();
    let mut t = std::time::Instant::now();
    let mut lap = |name: &'static str, phases: &mut Vec<_>| {
        let now = std::time::Instant::now();
        phases.push((name, now - t));
        t = now;
    };
    let plan = groups::place_groups(p);
    let pp = plan.pair_problem(p);
    let full = p;
    let p: &Problem = &pp;
    lap("groups", &mut phases);
    let mut st = State::new(p);
    for (d, c) in st.deg.iter_mut().zip(&plan.count) {
        *d += c;
    }
    let req: Vec<u32> = (0..p.pairs.len() as u32)
        .filter(|&e| p.pairs[e as usize].requested && !st.placed(e) && pair_possible(p, e))
        .collect();
    lap("state", &mut phases);
    if req.len() <= opts.exact_requested_max {
        exact_requested(&mut st, &req, opts.exact_node_limit);
    } else {
        greedy_requested(&mut st, &req, opts);
    }
    lap("requested", &mut phases);
    greedy_gain(&mut st);
    lap("greedy", &mut phases);
    local_search(&mut st, opts);
    lap("local search", &mut phases);
    cover_repair(&mut st, opts);
    lap("coverage repair", &mut phases);
    let sol = finish(full, &st, &plan, opts);
    lap("tables and bound", &mut phases);
    (sol, phases)
}

/// Baseline: requested first, then best weight first, each in the first free feasible slot.
pub fn solve_greedy_baseline(p: &Problem, opts: &SolveOptions) -> Solution {
    let plan = groups::place_groups_greedy(p);
    let pp = plan.pair_problem(p);
    let full = p;
    let p: &Problem = &pp;
    let mut st = State::new(p);
    for (d, c) in st.deg.iter_mut().zip(&plan.count) {
        *d += c;
    }
    let mut order: Vec<u32> = (0..p.pairs.len() as u32).filter(|&e| !st.placed(e)).collect();
    order.sort_by(|&x, &y| {
        let (px, py) = (&p.pairs[x as usize], &p.pairs[y as usize]);
        py.requested.cmp(&px.requested).then(py.weight.total_cmp(&px.weight)).then(x.cmp(&y))
    });
    for e in order {
        let f = st.feasible(e);
        if f != 0 {
            st.place(e, f.trailing_zeros() as usize);
        }
    }
    finish(full, &st, &plan, opts)
}

fn to_timetable(inst: &Instance, p: &Problem, sol: &Solution, start: std::time::Instant) -> Timetable {
    let mut meetings: Vec<Meeting> = Vec::new();
    for (e, pl) in sol.placed.iter().enumerate() {
        if let Some((slot, table)) = *pl {
            let pr = &p.pairs[e];
            meetings.push(Meeting {
                a: inst.participants[pr.a as usize].id.clone(),
                b: inst.participants[pr.b as usize].id.clone(),
                slot,
                table,
                weight: pr.weight,
            });
        }
    }
    meetings.sort_by_key(|m| (m.slot, m.table));
    let mut group_meetings: Vec<GroupMeeting> = sol
        .group_placed
        .iter()
        .enumerate()
        .filter_map(|(g, pl)| {
            pl.map(|(slot, room)| GroupMeeting {
                group: inst.groups[g].id.clone(),
                slot,
                room: inst.rooms[room as usize].id.clone(),
            })
        })
        .collect();
    group_meetings.sort_by(|x, y| (x.slot, &x.room).cmp(&(y.slot, &y.room)));
    // The bound carries a 1e-9 rounding guard: an empty schedule with nothing possible is 100 %.
    let quality = if sol.upper_bound > 1e-6 { (sol.objective / sol.upper_bound).min(1.0) } else { 1.0 };
    Timetable {
        meetings,
        requested_scheduled: sol.requested_scheduled,
        requested_total: sol.requested_total,
        objective: sol.objective,
        participants_without_meeting: sol.participants_without_meeting,
        elapsed_ms: start.elapsed().as_millis() as u64,
        upper_bound: sol.upper_bound,
        quality,
        group_meetings,
        groups_scheduled: sol.groups_scheduled,
        groups_total: sol.groups_total,
    }
}

/// Validates the instance and computes a timetable.
pub fn schedule(inst: &Instance) -> Result<Timetable, InstanceError> {
    schedule_with(inst, &SolveOptions::default())
}

pub fn schedule_with(inst: &Instance, opts: &SolveOptions) -> Result<Timetable, InstanceError> {
    let start = std::time::Instant::now();
    let p = Problem::from_instance(inst)?;
    let sol = solve(&p, opts);
    Ok(to_timetable(inst, &p, &sol, start))
}

/// The plain greedy baseline ("best pair first, first free slot"), for comparison.
pub fn schedule_greedy(inst: &Instance) -> Result<Timetable, InstanceError> {
    let start = std::time::Instant::now();
    let p = Problem::from_instance(inst)?;
    let sol = solve_greedy_baseline(&p, &SolveOptions::default());
    Ok(to_timetable(inst, &p, &sol, start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_feasible;
    use crate::generate::{
        generate_profiles_with, instance_from_pairs_with, random_instance, Caps, InstanceOptions, ProfileOptions,
        Regime, TopicSkew,
    };
    use crate::interchange::{PairIn, Participant};
    use crate::scoring::ScoringParams;

    fn person(id: &str, cap: u32, slots: &[u32]) -> Participant {
        Participant { id: id.into(), max_meetings: cap, available_slots: slots.to_vec() }
    }

    fn pair(a: &str, b: &str, weight: f64) -> PairIn {
        PairIn { a: a.into(), b: b.into(), weight, requested: false }
    }

    /// People without a meeting who have a partner with room, both free in a slot with a free
    /// table: the repair must never leave such a person out.
    fn left_out_with_easy_partner(inst: &Instance, tt: &Timetable) -> Vec<String> {
        let p = Problem::from_instance(inst).expect("valid instance");
        let ids: std::collections::HashMap<&str, usize> =
            inst.participants.iter().enumerate().map(|(i, x)| (x.id.as_str(), i)).collect();
        let mut busy = vec![0u64; p.n()];
        let mut deg = vec![0u32; p.n()];
        let mut used = vec![0u32; p.slots as usize];
        for m in &tt.meetings {
            for q in [ids[m.a.as_str()], ids[m.b.as_str()]] {
                busy[q] |= 1 << m.slot;
                deg[q] += 1;
            }
            used[m.slot as usize] += 1;
        }
        let mut out = Vec::new();
        for pr in &p.pairs {
            for (x, y) in [(pr.a as usize, pr.b as usize), (pr.b as usize, pr.a as usize)] {
                let free = p.avail[x] & p.avail[y] & !busy[x] & !busy[y];
                let table = bits(free).any(|sl| used[sl] < p.tables);
                if deg[x] == 0 && p.cap[x] > 0 && deg[y] < p.cap[y] && table {
                    out.push(inst.participants[x].id.clone());
                }
            }
        }
        out
    }

    /// Small events from the generator's harder corners (short day, mixed caps, 40 % away,
    /// skewed topics), both regimes.
    fn tight_instances() -> Vec<Instance> {
        let mut v = Vec::new();
        let mixed = Caps::Mixed(vec![(0.5, 1, 1), (0.5, 2, 6)]);
        for seed in 0..12u64 {
            let n = 40 + 9 * seed as usize;
            let popts = if seed % 2 == 0 {
                ProfileOptions { topics: TopicSkew::Hot { hot: 3, share: 0.8 }, ..Default::default() }
            } else {
                ProfileOptions::default().with_sector_share("academia", 0.7)
            };
            let profiles = generate_profiles_with(n, seed, &popts);
            let pairs = crate::scored_pairs(&profiles, &ScoringParams::default(), 6);
            let iopts = InstanceOptions {
                slots: 3 + (seed % 4) as u32,
                unavailable: 0.4,
                caps: Some(mixed.clone()),
                requested: 0.1,
            };
            for regime in [Regime::ScarceTables, Regime::ScarceTime] {
                v.push(instance_from_pairs_with(&profiles, &pairs, regime, seed, &iopts));
            }
        }
        v
    }

    #[test]
    fn repair_gives_the_left_out_person_a_meeting() {
        // Two slots, one table: the best-weight timetable is (a,b) + (a,c), which leaves d out.
        // Covering d means giving up (a,b) for (b,d): a keeps (a,c).
        let inst = Instance {
            slots: 2,
            tables_per_slot: 1,
            fairness_bonus: 0.0,
            participants: vec![
                person("a", 2, &[0, 1]),
                person("b", 2, &[0, 1]),
                person("c", 1, &[1]),
                person("d", 1, &[0]),
            ],
            pairs: vec![pair("a", "b", 10.0), pair("a", "c", 9.0), pair("b", "d", 1.0)],
            locked: vec![],
            rooms: vec![],
            groups: vec![],
            locked_groups: vec![],
        };
        let tt = schedule(&inst).expect("valid instance");
        check_feasible(&inst, &tt).expect("feasible");
        assert_eq!(tt.participants_without_meeting, 0, "{:?}", tt.meetings);
        let met: Vec<(&str, &str)> = tt.meetings.iter().map(|m| (m.a.as_str(), m.b.as_str())).collect();
        assert!(met.contains(&("b", "d")) && met.contains(&("a", "c")), "{met:?}");
        // The same with (a,b) locked: nothing may move it, so d stays out.
        let mut locked = inst.clone();
        locked.locked = vec![crate::LockedMeeting { a: "a".into(), b: "b".into(), slot: 0, table: 1 }];
        let tt = schedule(&locked).expect("valid instance");
        check_feasible(&locked, &tt).expect("feasible");
        assert_eq!(tt.participants_without_meeting, 1);
    }

    #[test]
    fn repair_follows_a_chain() {
        // One slot, three tables, caps 1: the best weight is (a,b) + (c,e), which leaves d and f
        // out (d meets only c, f only e). Covering d takes c from e, and e is then covered by
        // f: a chain of two moves, worse in weight (10.5 + 0.5 < 19) but nobody is left out.
        let inst = Instance {
            slots: 1,
            tables_per_slot: 3,
            fairness_bonus: 0.0,
            participants: ["a", "b", "c", "d", "e", "f"].iter().map(|x| person(x, 1, &[0])).collect(),
            pairs: vec![pair("a", "b", 10.0), pair("c", "e", 9.0), pair("c", "d", 0.5), pair("e", "f", 0.5)],
            locked: vec![],
            rooms: vec![],
            groups: vec![],
            locked_groups: vec![],
        };
        let tt = schedule(&inst).expect("valid instance");
        check_feasible(&inst, &tt).expect("feasible");
        assert_eq!(tt.participants_without_meeting, 0, "{:?}", tt.meetings);
        assert_eq!(tt.meetings.len(), 3);
    }

    #[test]
    fn repair_keeps_timetables_feasible_and_leaves_no_easy_cover() {
        let mut cases: Vec<Instance> = (0..300u64).map(|seed| random_instance(seed, 10)).collect();
        cases.extend(tight_instances());
        for (i, inst) in cases.iter().enumerate() {
            let tt = schedule(inst).expect("valid instance");
            check_feasible(inst, &tt).unwrap_or_else(|e| panic!("case {i}: {e}"));
            let out = left_out_with_easy_partner(inst, &tt);
            assert!(out.is_empty(), "case {i}: {out:?} left out with a free partner, slot and table");
        }
    }

    #[test]
    fn repair_from_a_poor_start_keeps_feasibility_and_requested() {
        // Start from the plain greedy (many people left out when tables are scarce), repair,
        // and check the result as an independent reader would.
        let mut improved = 0;
        for inst in tight_instances() {
            let p = Problem::from_instance(&inst).expect("valid instance");
            let opts = SolveOptions::default();
            let base = solve_greedy_baseline(&p, &opts);
            let mut st = State::new(&p);
            for (e, pl) in base.placed.iter().enumerate() {
                if let Some((slot, _)) = pl {
                    if !st.locked[e] {
                        st.place(e as u32, *slot as usize);
                    }
                }
            }
            cover_repair(&mut st, &opts);
            let sol = finish(&p, &st, &groups::place_groups(&p), &opts);
            let tt = to_timetable(&inst, &p, &sol, std::time::Instant::now());
            check_feasible(&inst, &tt).expect("repaired timetable is feasible");
            assert!(sol.requested_scheduled >= base.requested_scheduled, "requested count kept");
            assert!(sol.participants_without_meeting <= base.participants_without_meeting);
            assert!(left_out_with_easy_partner(&inst, &tt).is_empty());
            if sol.participants_without_meeting < base.participants_without_meeting {
                improved += 1;
            }
        }
        assert!(improved >= 6, "the repair covered people in only {improved} of 24 cases");
    }
}
