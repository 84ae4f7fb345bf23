//! Upper bound on objective part (2) by LP duality, improved by exact coordinate descent.
//!
//! The objective is lexicographic: (0) the number of group meetings, (1) the number of requested
//! pairs, (2) `Σ pair weights + Σ group weights + fb Σ_p H(k_p)`, where `k_p` counts p's pair
//! and group meetings. The bound is on part (2).
//!
//! LP relaxation (locked pair and group meetings fixed; `L_p` = locked meetings of p, `A_p` = p's
//! available slots not used by its locked meetings, `S_e = A_a ∩ A_b`, `T_s` = tables minus locked
//! ones; a free group g of `k_g` members has `S_g` = ∩ A_p over its members, restricted to slots
//! with a free room holding k_g; `R_sc` = rooms with capacity ≥ c not taken by a locked group in
//! slot s, for c = 1..C (C = largest group); `K_p = min(cap_p − L_p, |A_p|, #pairs and groups of
//! p)`, `c_{p,j} = fb / (L_p + j)`):
//!
//! ```text
//! max  C0 + Σ_{e,s∈S_e} w_e x_es + Σ_{g,s∈S_g} w_g z_gs + Σ_p Σ_{j≤K_p} c_pj y_pj
//!      Σ_s x_es ≤ 1                          (α_e ≥ 0)   every pair at most once
//!      Σ_s z_gs ≤ 1                          (α_g ≥ 0)   every group at most once
//!      Σ_{e∋p} x_es + Σ_{g∋p} z_gs ≤ 1       (β_ps ≥ 0)  one meeting per person and slot
//!      Σ_e x_es ≤ T_s                        (λ_s ≥ 0)   tables
//!      Σ_{g: k_g ≥ c} z_gs ≤ R_sc            (μ_sc ≥ 0)  rooms (Hall's condition, see groups.rs)
//!      Σ_j y_pj − Σ_{e∋p,s} x_es − Σ_{g∋p,s} z_gs = 0   (π_p free)  y counts p's meetings
//!      Σ_{e requested,s} x_es + M Σ_{g,s} z_gs ≥ R + M G   (ρ ≥ 0)  priority (below)
//!      0 ≤ y_pj ≤ 1                          (γ_pj ≥ 0),  x, z ≥ 0
//! ```
//! R and G are the free requested pairs and free groups the engine scheduled, and M = (number of
//! free requested pairs) + 1. A timetable lexicographically at least as good as ours has more
//! groups (then M·groups alone exceeds M·G + R, as R < M) or as many groups and at least as many
//! requested pairs, so it satisfies the priority row: the bound covers the best possible
//! timetable whatever the engine achieved on (0) and (1). (With no groups this is the plain
//! "at least R requested pairs" row.) `C0` = locked weights + fb Σ_p H(L_p). Any integral
//! timetable keeping the locked meetings gives a feasible (x, z, y) with y_pj = [j ≤ k_p − L_p],
//! and then the LP objective equals its objective part (2) exactly, because c is decreasing so
//! the fairness term is Σ_j c_pj y_pj = fb(H(k_p) − H(L_p)). (Its degree is ≤ K_p since p's
//! meetings use distinct slots of A_p; its groups fit the rooms, so every level count holds.)
//!
//! Weak duality: for ANY π (free), β, λ, μ, ρ ≥ 0, taking the smallest feasible α and γ,
//! ```text
//! D = C0 − ρ(R + M G) + Σ_e max(0, max_{s∈S_e} v_es) + Σ_g max(0, max_{s∈S_g} u_gs)
//!     + Σ β_ps + Σ_s T_s λ_s + Σ_{s,c} R_sc μ_sc + Σ_{p,j} max(0, c_pj − π_p),
//! v_es = w_e + ρ[e requested] + π_a + π_b − β_as − β_bs − λ_s
//! u_gs = w_g + ρM + Σ_{p∈g} (π_p − β_ps) − Σ_{c ≤ k_g} μ_sc
//! ```
//! is the objective of a dual-feasible solution, hence ≥ the LP optimum ≥ every such timetable's
//! objective. So whatever values the descent below reaches, the returned D is a valid upper
//! bound; the descent only makes it tighter. Each coordinate step minimises D exactly along that
//! coordinate (D is convex piecewise linear in each coordinate), so D never increases. Besides
//! single coordinates (ρ, each λ_s, each μ_sc, each β_ps, each π_p) we line-search two aggregate
//! directions that single coordinates cannot follow: "all λ_s += t" and "all π_p += t, all
//! λ_s += 2t, all μ_sc += t" (pair and group values unchanged), plus per person "π_p −= t,
//! β_p· −= t". On generated events the result is within ~0.05 % of the HiGHS LP optimum for
//! pairs alone (see docs/engine.md); with groups see engine/README.md.

use super::interchange::{harmonic, Problem};

/// Best two values of an edge over its slots (v2 from a different slot than v1).
#[derive(Clone, Copy, Debug)]
struct Top2 {
    v1: f64,
    s1: u8,
    v2: f64,
    s2: u8,
}

impl Top2 {
    const EMPTY: Top2 = Top2 { v1: f64::NEG_INFINITY, s1: u8::MAX, v2: f64::NEG_INFINITY, s2: u8::MAX };
    #[inline]
    fn insert(&mut self, v: f64, sl: u8) {
        if v > self.v1 {
            self.v2 = self.v1;
            self.s2 = self.s1;
            self.v1 = v;
            self.s1 = sl;
        } else if v > self.v2 {
            self.v2 = v;
            self.s2 = sl;
        }
    }
    /// Slot `sl`'s value rose to `v` (or changed while not in the top two).
    #[inline]
    fn raise(&mut self, v: f64, sl: u8) {
        if sl == self.s1 {
            self.v1 = v;
        } else if sl == self.s2 {
            if v > self.v1 {
                self.v2 = self.v1;
                self.s2 = self.s1;
                self.v1 = v;
                self.s1 = sl;
            } else {
                self.v2 = v;
            }
        } else {
            self.insert(v, sl);
        }
    }
    /// max(0, best value over slots other than `sl`).
    #[inline]
    fn other(&self, sl: u8) -> f64 {
        if sl == self.s1 { self.v2 } else { self.v1 }.max(0.0)
    }
}

struct Lp {
    s: usize,
    /// (a, b, w, slot mask) of free pairs with S_e ≠ ∅.
    edges: Vec<(u32, u32, f64, u64)>,
    p_edges: Vec<Vec<u32>>,
    s_edges: Vec<Vec<u32>>,
    tables: Vec<f64>,
    /// Fairness marginals c_pj for each person (length K_p).
    c: Vec<Vec<f64>>,
    a_mask: Vec<u64>,
    c0: f64,
    pi: Vec<f64>,
    beta: Vec<f64>,
    lambda: Vec<f64>,
    /// 1.0 for requested pairs.
    req: Vec<f64>,
    /// Dual of "requested pairs + M × groups ≥ r_min + M × g_min" (ρ ≥ 0).
    rho: f64,
    r_min: f64,
    /// Free groups with S_g ≠ ∅: members, weight, slot mask.
    g_members: Vec<Vec<u32>>,
    g_w: Vec<f64>,
    g_mask: Vec<u64>,
    p_groups: Vec<Vec<u32>>,
    s_groups: Vec<Vec<u32>>,
    /// Largest free group (room levels 1..=cmax).
    cmax: usize,
    /// slot * (cmax + 1) + c → free rooms with capacity ≥ c (R_sc), and their duals μ_sc ≥ 0.
    rooms: Vec<f64>,
    mu: Vec<f64>,
    /// M: a group outweighs all requested pairs in the priority constraint.
    big_m: f64,
}

impl Lp {
    #[inline]
    fn v(&self, e: usize, sl: usize) -> f64 {
        let (a, b, w, _) = self.edges[e];
        let (a, b) = (a as usize, b as usize);
        w + self.rho * self.req[e] + self.pi[a] + self.pi[b]
            - self.beta[a * self.s + sl]
            - self.beta[b * self.s + sl]
            - self.lambda[sl]
    }

    /// Value of free group `g` in slot `sl`.
    #[inline]
    fn vg(&self, g: usize, sl: usize) -> f64 {
        let s = self.s;
        let mut v = self.g_w[g] + self.rho * self.big_m;
        for &x in &self.g_members[g] {
            v += self.pi[x as usize] - self.beta[x as usize * s + sl];
        }
        let b = sl * (self.cmax + 1);
        v - self.mu[b + 1..=b + self.g_members[g].len()].iter().sum::<f64>()
    }

    #[inline]
    fn top2g(&self, g: usize) -> Top2 {
        let mut t = Top2::EMPTY;
        let mut mask = self.g_mask[g];
        while mask != 0 {
            let sl = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            t.insert(self.vg(g, sl), sl as u8);
        }
        t
    }

    #[inline]
    fn best(&self, e: usize) -> f64 {
        let mut m = f64::NEG_INFINITY;
        let mut mask = self.edges[e].3;
        while mask != 0 {
            let sl = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            m = m.max(self.v(e, sl));
        }
        m
    }

    fn value(&self) -> f64 {
        let mut d = self.c0 - self.rho * self.r_min;
        for e in 0..self.edges.len() {
            d += self.best(e).max(0.0);
        }
        d += self.beta.iter().sum::<f64>();
        for sl in 0..self.s {
            d += self.tables[sl] * self.lambda[sl];
        }
        for g in 0..self.g_w.len() {
            d += self.top2g(g).v1.max(0.0);
        }
        d += self.rooms.iter().zip(&self.mu).map(|(r, m)| r * m).sum::<f64>();
        for (p, cs) in self.c.iter().enumerate() {
            for &c in cs {
                d += (c - self.pi[p]).max(0.0);
            }
        }
        d
    }

    /// Exact line search along "all λ_s += t" (t ≥ −min λ).
    fn shift_lambda(&mut self, buf: &mut Vec<f64>) {
        buf.clear();
        let lo = -self.lambda.iter().copied().fold(f64::INFINITY, f64::min);
        for e in 0..self.edges.len() {
            let m = self.best(e);
            if m > lo {
                buf.push(m);
            }
        }
        let tt: f64 = self.tables.iter().sum();
        let t_total = tt.max(0.0) as usize;
        // D(t) = t ΣT + Σ_e max(0, M_e − t): minimiser = (ΣT+1)-th largest M_e (or below all).
        let t = if buf.len() > t_total {
            let (_, x, _) = buf.select_nth_unstable_by(t_total, |x, y| y.total_cmp(x));
            *x
        } else {
            f64::NEG_INFINITY
        };
        let t = t.max(lo);
        for l in &mut self.lambda {
            *l = (*l + t).max(0.0);
        }
    }

    /// Exact line search along "all π_p += t, all λ_s += 2t, all μ_sc += t" (edge and group
    /// values unchanged: a group of k members gains k t from π and pays k t from μ).
    fn shift_pi_lambda(&mut self, buf: &mut Vec<f64>) {
        buf.clear();
        let mut lo = -0.5 * self.lambda.iter().copied().fold(f64::INFINITY, f64::min);
        let levels = |i: usize| !i.is_multiple_of(self.cmax + 1);
        if self.cmax > 0 {
            let m =
                self.mu.iter().enumerate().filter(|&(i, _)| levels(i)).map(|(_, &m)| m).fold(f64::INFINITY, f64::min);
            lo = lo.max(-m);
        }
        for (p, cs) in self.c.iter().enumerate() {
            for &c in cs {
                if c - self.pi[p] > lo {
                    buf.push(c - self.pi[p]);
                }
            }
        }
        let room_slope: f64 = self.rooms.iter().enumerate().filter(|&(i, _)| levels(i)).map(|(_, &r)| r).sum();
        let slope = (2.0 * self.tables.iter().sum::<f64>() + room_slope).max(0.0) as usize;
        // D(t) = 2ΣT t + Σ max(0, b − t).
        let t = if buf.len() > slope {
            let (_, x, _) = buf.select_nth_unstable_by(slope, |x, y| y.total_cmp(x));
            *x
        } else {
            f64::NEG_INFINITY
        };
        let t = t.max(lo);
        if t.is_finite() && t != 0.0 {
            for x in &mut self.pi {
                *x += t;
            }
            for l in &mut self.lambda {
                *l = (*l + 2.0 * t).max(0.0);
            }
            let c1 = self.cmax + 1;
            if self.cmax > 0 {
                for (i, m) in self.mu.iter_mut().enumerate() {
                    if !i.is_multiple_of(c1) {
                        *m = (*m + t).max(0.0);
                    }
                }
            }
        }
    }

    /// Per person: π_p −= t and β_ps −= t for all s ∈ A_p, t ≤ min β (edge values unchanged);
    /// D changes by −t (|A_p| − #{j: c_pj > π_p}) ≤ 0 … evaluated exactly.
    fn shift_pi_beta(&mut self, p: usize) {
        let s = self.s;
        let mut m = self.a_mask[p];
        let mut minb = f64::INFINITY;
        let mut na = 0usize;
        while m != 0 {
            let sl = m.trailing_zeros() as usize;
            m &= m - 1;
            minb = minb.min(self.beta[p * s + sl]);
            na += 1;
        }
        if na == 0 || minb <= 0.0 {
            return;
        }
        // D(t) = −t na + Σ_j max(0, c_j − π + t), t ∈ [0, minb]: slope −na + #{c_j > π − t} ≤ 0
        // since #c ≤ K_p ≤ na: t = minb is optimal.
        self.pi[p] -= minb;
        let mut m = self.a_mask[p];
        while m != 0 {
            let sl = m.trailing_zeros() as usize;
            m &= m - 1;
            self.beta[p * s + sl] -= minb;
        }
    }

    /// Exact minimisation over ρ: D(ρ) = −(R + M G)ρ + Σ_{e requested} max(0, B_e + ρ)
    /// + Σ_g max(0, B_g + Mρ) + const.
    fn update_rho(&mut self, buf: &mut Vec<f64>) {
        let rhs = self.r_min;
        if rhs <= 0.0 {
            self.rho = 0.0;
            return;
        }
        buf.clear();
        let old = self.rho;
        for e in 0..self.edges.len() {
            if self.req[e] > 0.0 {
                buf.push(-(self.best(e) - old));
            }
        }
        let r_edges = buf.len();
        if self.g_w.is_empty() {
            // Slope −R + #{e: −B_e < ρ}: minimiser = R-th smallest breakpoint (clamped at 0).
            let r = rhs as usize;
            self.rho = if r_edges >= r {
                let (_, x, _) = buf.select_nth_unstable_by(r - 1, |x, y| x.total_cmp(y));
                x.max(0.0)
            } else {
                old
            };
            return;
        }
        // Weighted: edges weigh 1, groups M; the minimiser is the first breakpoint where the
        // weight of the breakpoints up to it reaches the right-hand side.
        let mut items: Vec<(f64, f64)> = buf.iter().map(|&b| (b, 1.0)).collect();
        for g in 0..self.g_w.len() {
            let b = self.top2g(g).v1 - self.big_m * old;
            items.push((-b / self.big_m, self.big_m));
        }
        items.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut acc = 0.0;
        for (bp, w) in items {
            acc += w;
            if acc >= rhs - 1e-9 {
                self.rho = bp.max(0.0);
                return;
            }
        }
    }

    /// Each μ_sc in turn, exactly: D(μ) = R_sc μ + Σ_{g: ≥ c members, s ∈ S_g} max(other_g, A_g − μ).
    fn mu_pass(&mut self, buf: &mut Vec<f64>) {
        let c1 = self.cmax + 1;
        for sl in 0..self.s {
            for c in 1..=self.cmax {
                buf.clear();
                let old = self.mu[sl * c1 + c];
                for &g in &self.s_groups[sl] {
                    let g = g as usize;
                    if self.g_members[g].len() < c {
                        continue;
                    }
                    let t = self.top2g(g);
                    let d = self.vg(g, sl) + old - t.other(sl as u8);
                    if d > 0.0 {
                        buf.push(d);
                    }
                }
                let r = self.rooms[sl * c1 + c] as usize;
                self.mu[sl * c1 + c] = if buf.len() > r {
                    let (_, x, _) = buf.select_nth_unstable_by(r, |x, y| y.total_cmp(x));
                    *x
                } else {
                    0.0
                };
            }
        }
    }

    /// Top-2 (value, slot) of v over S_e.
    #[inline]
    fn top2(&self, e: usize) -> Top2 {
        let mut t = Top2::EMPTY;
        let mut mask = self.edges[e].3;
        while mask != 0 {
            let sl = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            t.insert(self.v(e, sl), sl as u8);
        }
        t
    }

    /// All λ_s in turn, exactly, with cached per-edge top-2 values kept up to date.
    fn lambda_pass(&mut self, buf: &mut Vec<f64>, cache: &mut Vec<Top2>) {
        cache.clear();
        cache.extend((0..self.edges.len()).map(|e| self.top2(e)));
        for sl in 0..self.s {
            buf.clear();
            let old = self.lambda[sl];
            for &e in &self.s_edges[sl] {
                let e = e as usize;
                let d = self.v(e, sl) + old - cache[e].other(sl as u8);
                if d > 0.0 {
                    buf.push(d);
                }
            }
            let t = self.tables[sl] as usize;
            let new = if buf.len() > t {
                let (_, x, _) = buf.select_nth_unstable_by(t, |x, y| y.total_cmp(x));
                *x
            } else {
                0.0
            };
            if new != old {
                self.lambda[sl] = new;
                for &e in &self.s_edges[sl] {
                    let e = e as usize;
                    if new > old && (cache[e].s1 == sl as u8 || cache[e].s2 == sl as u8) {
                        cache[e] = self.top2(e);
                    } else {
                        let v = self.v(e, sl);
                        cache[e].raise(v, sl as u8);
                    }
                }
            }
        }
    }

    /// β_ps for all s ∈ A_p, then the (π_p, β_p) shift and π_p, each exactly; uses a local table of
    /// p's edge values.
    fn person_pass(&mut self, p: usize, buf: &mut Vec<f64>, vals: &mut Vec<f64>, tops: &mut Vec<Top2>) {
        let s = self.s;
        let ke = self.p_edges[p].len();
        let k = ke + self.p_groups[p].len();
        vals.clear();
        vals.resize(k * s, f64::NEG_INFINITY);
        tops.clear();
        for (i, &e) in self.p_edges[p].iter().enumerate() {
            let e = e as usize;
            let mut mask = self.edges[e].3;
            let mut t = Top2::EMPTY;
            while mask != 0 {
                let sl = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                let v = self.v(e, sl);
                vals[i * s + sl] = v;
                t.insert(v, sl as u8);
            }
            tops.push(t);
        }
        for (j, &g) in self.p_groups[p].iter().enumerate() {
            let (g, i) = (g as usize, ke + j);
            let mut mask = self.g_mask[g];
            let mut t = Top2::EMPTY;
            while mask != 0 {
                let sl = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                let v = self.vg(g, sl);
                vals[i * s + sl] = v;
                t.insert(v, sl as u8);
            }
            tops.push(t);
        }
        let mut am = self.a_mask[p];
        while am != 0 {
            let sl = am.trailing_zeros() as usize;
            am &= am - 1;
            let old = self.beta[p * s + sl];
            let (mut d1, mut d2) = (0.0f64, 0.0f64);
            for i in 0..k {
                let v = vals[i * s + sl];
                if v == f64::NEG_INFINITY {
                    continue;
                }
                let d = v + old - tops[i].other(sl as u8);
                if d > d1 {
                    d2 = d1;
                    d1 = d;
                } else if d > d2 {
                    d2 = d;
                }
            }
            let new = d2.max(0.0);
            if new != old {
                self.beta[p * s + sl] = new;
                let delta = new - old;
                for i in 0..k {
                    let v = vals[i * s + sl];
                    if v == f64::NEG_INFINITY {
                        continue;
                    }
                    let nv = v - delta;
                    vals[i * s + sl] = nv;
                    if delta > 0.0 && (tops[i].s1 == sl as u8 || tops[i].s2 == sl as u8) {
                        let mut t = Top2::EMPTY;
                        for (j, &x) in vals[i * s..i * s + s].iter().enumerate() {
                            if x != f64::NEG_INFINITY {
                                t.insert(x, j as u8);
                            }
                        }
                        tops[i] = t;
                    } else {
                        tops[i].raise(nv, sl as u8);
                    }
                }
            }
        }
        self.shift_pi_beta(p);
        // π_p: edge terms max(0, π + r_e) with r_e = top value − π (unchanged by the shift).
        buf.clear();
        let old = self.pi[p];
        for t in tops.iter() {
            buf.push(-(t.v1 - old));
        }
        self.set_pi_from_breakpoints(p, buf);
    }

    /// `buf` holds the edge breakpoints −r_e; adds the y breakpoints and sets π_p to the middle
    /// of the minimiser interval.
    fn set_pi_from_breakpoints(&mut self, p: usize, buf: &mut Vec<f64>) {
        buf.extend(self.c[p].iter().copied());
        let k = self.c[p].len();
        if buf.is_empty() {
            return;
        }
        // Slope at −∞ is −k, +1 at every breakpoint: minimiser set [z_(k), z_(k+1)] (ascending,
        // 1-based); with k = 0 any π ≤ z_(1) is optimal.
        let lo = if k == 0 {
            let (_, x, _) = buf.select_nth_unstable_by(0, |x, y| x.total_cmp(y));
            *x
        } else {
            let (_, x, _) = buf.select_nth_unstable_by(k - 1, |x, y| x.total_cmp(y));
            *x
        };
        let hi = if k < buf.len() && k > 0 {
            let (_, x, _) = buf.select_nth_unstable_by(k, |x, y| x.total_cmp(y));
            *x
        } else {
            lo
        };
        self.pi[p] = 0.5 * (lo + hi);
    }
}

/// Upper bound on objective part (2) of any feasible timetable of `p` (see module docs).
/// `deg_hint`: degrees of a good heuristic solution, used only to start the descent.
/// `sweeps`: at most this many coordinate-descent sweeps, and at most `work / (edge-slot
/// entries)` (but at least 3) so that large events stay fast.
pub fn upper_bound(
    p: &Problem,
    deg_hint: &[u32],
    min_requested: usize,
    min_groups: usize,
    sweeps: usize,
    work: usize,
) -> f64 {
    let mut lp = build_lp(p, deg_hint, min_requested, min_groups);
    let n = p.n();
    let entries: usize = lp.edges.iter().map(|e| e.3.count_ones() as usize).sum::<usize>()
        + lp.g_mask.iter().zip(&lp.g_members).map(|(m, g)| (m.count_ones() as usize) * g.len()).sum::<usize>();
    let sweeps = sweeps.min((work / entries.max(1)).max(3));
    descend(&mut lp, n, sweeps)
}

fn build_lp(p: &Problem, deg_hint: &[u32], min_requested: usize, min_groups: usize) -> Lp {
    let n = p.n();
    let s = p.slots as usize;
    let fb = p.fairness_bonus;
    let mut locked_busy = vec![0u64; n];
    let mut locked_deg = vec![0u32; n];
    let mut is_locked = vec![false; p.pairs.len()];
    let mut tables = vec![p.tables as f64; s];
    let mut c0 = 0.0;
    let mut r_min = min_requested as f64;
    for l in &p.locked {
        let pr = &p.pairs[l.pair as usize];
        if pr.requested {
            r_min -= 1.0;
        }
        is_locked[l.pair as usize] = true;
        c0 += pr.weight;
        tables[l.slot as usize] -= 1.0;
        for x in [pr.a as usize, pr.b as usize] {
            locked_busy[x] |= 1 << l.slot;
            locked_deg[x] += 1;
        }
    }
    // Locked group meetings: constant weight, members busy, their room taken in their slot.
    let cmax = p.groups.iter().map(|g| g.members.len()).max().unwrap_or(0);
    let c1 = cmax + 1;
    let mut is_locked_group = vec![false; p.groups.len()];
    let mut room_taken = vec![false; s * p.rooms.len()];
    let mut g_min = min_groups as f64;
    for l in &p.locked_groups {
        let g = &p.groups[l.group as usize];
        is_locked_group[l.group as usize] = true;
        room_taken[l.slot as usize * p.rooms.len() + l.room as usize] = true;
        g_min -= 1.0;
        c0 += g.weight;
        for &x in &g.members {
            locked_busy[x as usize] |= 1 << l.slot;
            locked_deg[x as usize] += 1;
        }
    }
    let mut rooms = vec![0.0; s * c1];
    for sl in 0..s {
        for (r, &cap) in p.rooms.iter().enumerate() {
            if !room_taken[sl * p.rooms.len() + r] {
                for c in 1..=(cap as usize).min(cmax) {
                    rooms[sl * c1 + c] += 1.0;
                }
            }
        }
    }
    let a_mask: Vec<u64> = (0..n).map(|x| p.avail[x] & !locked_busy[x]).collect();
    let mut edges = Vec::new();
    let mut req = Vec::new();
    let mut p_edges = vec![Vec::new(); n];
    let mut s_edges = vec![Vec::new(); s];
    for (e, pr) in p.pairs.iter().enumerate() {
        if is_locked[e] {
            continue;
        }
        let m = a_mask[pr.a as usize] & a_mask[pr.b as usize];
        if m == 0 {
            continue;
        }
        let id = edges.len() as u32;
        edges.push((pr.a, pr.b, pr.weight, m));
        req.push(if pr.requested { 1.0 } else { 0.0 });
        p_edges[pr.a as usize].push(id);
        p_edges[pr.b as usize].push(id);
        let mut mm = m;
        while mm != 0 {
            let sl = mm.trailing_zeros() as usize;
            mm &= mm - 1;
            s_edges[sl].push(id);
        }
    }
    let (mut g_members, mut g_w, mut g_mask) = (Vec::new(), Vec::new(), Vec::new());
    let mut p_groups = vec![Vec::new(); n];
    let mut s_groups = vec![Vec::new(); s];
    for (gi, g) in p.groups.iter().enumerate() {
        if is_locked_group[gi] || g.members.iter().any(|&x| p.cap[x as usize] <= locked_deg[x as usize]) {
            continue;
        }
        let mut m = g.members.iter().fold(p.slot_mask(), |m, &x| m & a_mask[x as usize]);
        for sl in 0..s {
            if rooms[sl * c1 + g.members.len()] < 1.0 {
                m &= !(1u64 << sl);
            }
        }
        if m == 0 {
            continue;
        }
        let id = g_w.len() as u32;
        g_members.push(g.members.clone());
        g_w.push(g.weight);
        g_mask.push(m);
        for &x in &g.members {
            p_groups[x as usize].push(id);
        }
        for (sl, list) in s_groups.iter_mut().enumerate() {
            if m & (1 << sl) != 0 {
                list.push(id);
            }
        }
    }
    // M exceeds the number of free requested pairs any timetable can have more than ours, so
    // "requested + M·groups ≥ ours" holds for every lexicographically better timetable.
    let big_m = req.iter().sum::<f64>() + 1.0;
    let r_min = r_min.max(0.0) + big_m * g_min.max(0.0);
    let mut c = Vec::with_capacity(n);
    for x in 0..n {
        c0 += fb * harmonic(locked_deg[x]);
        let items = (p_edges[x].len() + p_groups[x].len()) as u32;
        let k = (p.cap[x] - locked_deg[x]).min(a_mask[x].count_ones()).min(items);
        c.push((1..=k).map(|j| fb / (locked_deg[x] + j) as f64).collect::<Vec<f64>>());
    }
    let pi = (0..n)
        .map(|x| {
            let k = deg_hint.get(x).copied().unwrap_or(0).max(1);
            fb / (k as f64 + 0.5)
        })
        .collect();
    Lp {
        s,
        edges,
        p_edges,
        s_edges,
        tables,
        c,
        a_mask,
        c0,
        pi,
        beta: vec![0.0; n * s],
        lambda: vec![0.0; s],
        req,
        rho: 0.0,
        r_min,
        g_members,
        g_w,
        g_mask,
        p_groups,
        s_groups,
        cmax,
        rooms,
        mu: vec![0.0; s * c1],
        big_m,
    }
}

#[derive(Default)]
struct Work {
    buf: Vec<f64>,
    vals: Vec<f64>,
    tops: Vec<Top2>,
    cache: Vec<Top2>,
    lambda_idle: bool,
}

fn sweep(lp: &mut Lp, n: usize, w: &mut Work, k: usize) {
    lp.update_rho(&mut w.buf);
    lp.shift_lambda(&mut w.buf);
    lp.shift_pi_lambda(&mut w.buf);
    // When tables do not bind, the λ pass keeps every λ at 0: after one such idle pass, run it
    // only every third sweep (skipping coordinates never invalidates the bound).
    let idle = w.lambda_idle && lp.lambda.iter().all(|&l| l == 0.0);
    if !idle || k.is_multiple_of(3) {
        lp.lambda_pass(&mut w.buf, &mut w.cache);
        w.lambda_idle = lp.lambda.iter().all(|&l| l == 0.0);
    }
    if lp.cmax > 0 {
        lp.mu_pass(&mut w.buf);
    }
    for x in 0..n {
        lp.person_pass(x, &mut w.buf, &mut w.vals, &mut w.tops);
    }
}

/// Coordinate descent until the relative improvement of a sweep falls below 1e-4 (or `sweeps`).
/// Returns the smallest D seen (every D is a valid bound).
fn descend(lp: &mut Lp, n: usize, sweeps: usize) -> f64 {
    let mut w = Work::default();
    lp.shift_lambda(&mut w.buf);
    lp.update_rho(&mut w.buf);
    let mut best = lp.value();
    for k in 0..sweeps {
        sweep(lp, n, &mut w, k);
        let v = lp.value();
        let improved = v < best - 1e-4 * best.abs().max(1.0);
        best = best.min(v);
        if !improved {
            break;
        }
    }
    // Guard against floating-point rounding in the sums.
    best * (1.0 + 1e-12) + 1e-9
}

#[cfg(test)]
mod tests {
    use super::super::generate::{generate_instance, random_group_instance, random_instance, Regime};
    use super::super::interchange::Problem;
    use super::*;

    #[test]
    fn coordinate_steps_never_increase() {
        for (k, inst) in [
            generate_instance(60, Regime::ScarceTables, 2),
            generate_instance(60, Regime::ScarceTime, 3),
            random_instance(5, 12),
            random_group_instance(7, 12),
            random_group_instance(21, 12),
        ]
        .iter()
        .enumerate()
        {
            let p = Problem::from_instance(inst).expect("valid instance");
            let req = p.pairs.iter().filter(|x| x.requested).count() / 2;
            let mut lp = build_lp(&p, &[], req, p.groups.len() / 2);
            let mut w = Work::default();
            let mut cur = lp.value();
            let mut check = |lp: &Lp, what: &str| {
                let v = lp.value();
                assert!(v <= cur + 1e-7 * cur.abs().max(1.0), "{k}: {what} {cur} -> {v}");
                cur = v;
            };
            for _ in 0..4 {
                lp.update_rho(&mut w.buf);
                check(&lp, "rho");
                lp.shift_lambda(&mut w.buf);
                check(&lp, "shift lambda");
                lp.shift_pi_lambda(&mut w.buf);
                check(&lp, "shift pi lambda");
                lp.lambda_pass(&mut w.buf, &mut w.cache);
                check(&lp, "lambda");
                lp.mu_pass(&mut w.buf);
                check(&lp, "mu");
                for x in 0..p.n() {
                    lp.person_pass(x, &mut w.buf, &mut w.vals, &mut w.tops);
                    if x.is_multiple_of(16) {
                        check(&lp, "person");
                    }
                }
                check(&lp, "person");
            }
        }
    }
}
