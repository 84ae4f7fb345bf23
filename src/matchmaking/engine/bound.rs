//! Upper bound on objective part (2) by LP duality, improved by exact coordinate descent.
//!
//! LP relaxation (locked meetings fixed; `L_p` = locked meetings of p, `A_p` = p's available
//! slots not used by its locked meetings, `S_e = A_a ∩ A_b`, `T_s` = tables minus locked ones,
//! `K_p = min(cap_p − L_p, |A_p|)`, `c_{p,j} = fb / (L_p + j)`):
//!
//! ```text
//! max  C0 + Σ_{e,s∈S_e} w_e x_es + Σ_p Σ_{j≤K_p} c_pj y_pj
//!      Σ_s x_es ≤ 1                  (α_e ≥ 0)      every pair at most once
//!      Σ_{e∋p} x_es ≤ 1              (β_ps ≥ 0)     one meeting per person and slot
//!      Σ_e x_es ≤ T_s                (λ_s ≥ 0)      tables
//!      Σ_j y_pj − Σ_{e∋p,s} x_es = 0 (π_p free)     y counts p's meetings (cap: K_p y's)
//!      0 ≤ y_pj ≤ 1                  (γ_pj ≥ 0),  x ≥ 0
//! ```
//! `C0` = locked weights + fb Σ_p H(L_p). Any integral timetable keeping the locked meetings gives
//! a feasible (x, y) with y_pj = [j ≤ k_p − L_p], and then the LP objective equals its objective
//! part (2) exactly, because c is decreasing so the fairness term is Σ_j c_pj y_pj = fb(H(k_p) −
//! H(L_p)). (Its degree is ≤ K_p since p's meetings use distinct slots of A_p.)
//!
//! Weak duality: for ANY π (free), β ≥ 0, λ ≥ 0, taking the smallest feasible α and γ,
//! ```text
//! D(π,β,λ) = C0 + Σ_e max(0, max_{s∈S_e} v_es) + Σ β_ps + Σ_s T_s λ_s + Σ_{p,j} max(0, c_pj − π_p),
//! v_es = w_e + π_a + π_b − β_as − β_bs − λ_s
//! ```
//! is the objective of a dual-feasible solution, hence ≥ the LP optimum ≥ every timetable's
//! objective. So whatever values the descent below reaches, the returned D is a valid upper
//! bound; the descent only makes it tighter. Each coordinate step minimises D exactly along that
//! coordinate (D is convex piecewise linear in each coordinate), so D never increases.

use super::interchange::{harmonic, Problem};

#[derive(Default)]
struct Grad {
    pi: Vec<f64>,
    beta: Vec<f64>,
    lambda: Vec<f64>,
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
}

impl Lp {
    #[inline]
    fn v(&self, e: usize, sl: usize) -> f64 {
        let (a, b, w, _) = self.edges[e];
        let (a, b) = (a as usize, b as usize);
        w + self.pi[a] + self.pi[b] - self.beta[a * self.s + sl] - self.beta[b * self.s + sl] - self.lambda[sl]
    }

    /// max(0, max over S_e \ {excl} of v).
    #[inline]
    fn best_except(&self, e: usize, excl: usize) -> f64 {
        let mut m = 0.0f64;
        let mut mask = self.edges[e].3 & !(1u64 << excl);
        while mask != 0 {
            let sl = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            m = m.max(self.v(e, sl));
        }
        m
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
        let mut d = self.c0;
        for e in 0..self.edges.len() {
            d += self.best(e).max(0.0);
        }
        d += self.beta.iter().sum::<f64>();
        for sl in 0..self.s {
            d += self.tables[sl] * self.lambda[sl];
        }
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

    /// One projected subgradient step with Polyak step length towards `target`; returns D at the
    /// point before the step.
    fn subgradient_step(&mut self, target: f64, eta: f64, g: &mut Grad) -> f64 {
        let s = self.s;
        g.pi.clear();
        g.pi.resize(self.pi.len(), 0.0);
        g.beta.clear();
        g.beta.resize(self.beta.len(), 0.0);
        g.lambda.clear();
        g.lambda.extend(self.tables.iter().copied());
        let mut d = self.c0;
        for (x, &m) in self.a_mask.iter().enumerate() {
            let mut mm = m;
            while mm != 0 {
                let sl = mm.trailing_zeros() as usize;
                mm &= mm - 1;
                g.beta[x * s + sl] = 1.0;
            }
        }
        for e in 0..self.edges.len() {
            let (a, b, _, mask) = self.edges[e];
            let (mut bv, mut bs) = (0.0f64, usize::MAX);
            let mut mm = mask;
            while mm != 0 {
                let sl = mm.trailing_zeros() as usize;
                mm &= mm - 1;
                let v = self.v(e, sl);
                if v > bv {
                    bv = v;
                    bs = sl;
                }
            }
            if bs != usize::MAX {
                d += bv;
                g.pi[a as usize] += 1.0;
                g.pi[b as usize] += 1.0;
                g.lambda[bs] -= 1.0;
                g.beta[a as usize * s + bs] -= 1.0;
                g.beta[b as usize * s + bs] -= 1.0;
            }
        }
        d += self.beta.iter().sum::<f64>();
        for sl in 0..s {
            d += self.tables[sl] * self.lambda[sl];
        }
        for (p, cs) in self.c.iter().enumerate() {
            for &c in cs {
                if c > self.pi[p] {
                    d += c - self.pi[p];
                    g.pi[p] -= 1.0;
                }
            }
        }
        // Projection: no move below 0 for β, λ.
        let mut norm = 0.0;
        for (gb, &b) in g.beta.iter_mut().zip(&self.beta) {
            if b <= 0.0 && *gb > 0.0 {
                *gb = 0.0;
            }
            norm += *gb * *gb;
        }
        for (gl, &l) in g.lambda.iter_mut().zip(&self.lambda) {
            if l <= 0.0 && *gl > 0.0 {
                *gl = 0.0;
            }
            norm += *gl * *gl;
        }
        norm += g.pi.iter().map(|x| x * x).sum::<f64>();
        if norm <= 0.0 || d <= target {
            return d;
        }
        let step = eta * (d - target) / norm;
        for (x, gx) in self.pi.iter_mut().zip(&g.pi) {
            *x -= step * gx;
        }
        for (x, gx) in self.beta.iter_mut().zip(&g.beta) {
            *x = (*x - step * gx).max(0.0);
        }
        for (x, gx) in self.lambda.iter_mut().zip(&g.lambda) {
            *x = (*x - step * gx).max(0.0);
        }
        d
    }

    fn update_lambda(&mut self, sl: usize, buf: &mut Vec<f64>) {
        buf.clear();
        let old = self.lambda[sl];
        for &e in &self.s_edges[sl] {
            let e = e as usize;
            let d = self.v(e, sl) + old - self.best_except(e, sl);
            if d > 0.0 {
                buf.push(d);
            }
        }
        let t = self.tables[sl] as usize;
        // Minimiser set is [d_(t+1), d_(t)] (descending order stats, 0 if missing).
        self.lambda[sl] = if buf.len() > t {
            let (_, x, _) = buf.select_nth_unstable_by(t, |x, y| y.total_cmp(x));
            *x
        } else {
            0.0
        };
    }

    fn update_beta(&mut self, p: usize, sl: usize) {
        let old = self.beta[p * self.s + sl];
        let (mut d1, mut d2) = (0.0f64, 0.0f64);
        for &e in &self.p_edges[p] {
            let e = e as usize;
            if self.edges[e].3 & (1 << sl) == 0 {
                continue;
            }
            let d = self.v(e, sl) + old - self.best_except(e, sl);
            if d > d1 {
                d2 = d1;
                d1 = d;
            } else if d > d2 {
                d2 = d;
            }
        }
        // Minimiser set is [d_(2), d_(1)].
        self.beta[p * self.s + sl] = d2.max(0.0);
    }

    fn update_pi(&mut self, p: usize, buf: &mut Vec<f64>) {
        buf.clear();
        let old = self.pi[p];
        for &e in &self.p_edges[p] {
            // term max(0, π + r_e): breakpoint at −r_e.
            let r = self.best(e as usize) - old;
            buf.push(-r);
        }
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
pub fn upper_bound(p: &Problem, deg_hint: &[u32], lower: f64, sweeps: usize, sg_steps: usize) -> f64 {
    let mut lp = build_lp(p, deg_hint);
    let n = p.n();
    let s = p.slots as usize;
    descend(&mut lp, n, s, sweeps, lower, sg_steps)
}

fn build_lp(p: &Problem, deg_hint: &[u32]) -> Lp {
    let n = p.n();
    let s = p.slots as usize;
    let fb = p.fairness_bonus;
    let mut locked_busy = vec![0u64; n];
    let mut locked_deg = vec![0u32; n];
    let mut is_locked = vec![false; p.pairs.len()];
    let mut tables = vec![p.tables as f64; s];
    let mut c0 = 0.0;
    for l in &p.locked {
        let pr = &p.pairs[l.pair as usize];
        is_locked[l.pair as usize] = true;
        c0 += pr.weight;
        tables[l.slot as usize] -= 1.0;
        for x in [pr.a as usize, pr.b as usize] {
            locked_busy[x] |= 1 << l.slot;
            locked_deg[x] += 1;
        }
    }
    let a_mask: Vec<u64> = (0..n).map(|x| p.avail[x] & !locked_busy[x]).collect();
    let mut edges = Vec::new();
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
        p_edges[pr.a as usize].push(id);
        p_edges[pr.b as usize].push(id);
        let mut mm = m;
        while mm != 0 {
            let sl = mm.trailing_zeros() as usize;
            mm &= mm - 1;
            s_edges[sl].push(id);
        }
    }
    let mut c = Vec::with_capacity(n);
    for x in 0..n {
        c0 += fb * harmonic(locked_deg[x]);
        let k = (p.cap[x] - locked_deg[x]).min(a_mask[x].count_ones()).min(p_edges[x].len() as u32);
        c.push((1..=k).map(|j| fb / (locked_deg[x] + j) as f64).collect::<Vec<f64>>());
    }
    let pi = (0..n)
        .map(|x| {
            let k = deg_hint.get(x).copied().unwrap_or(0).max(1);
            fb / (k as f64 + 0.5)
        })
        .collect();
    Lp { s, edges, p_edges, s_edges, tables, c, a_mask, c0, pi, beta: vec![0.0; n * s], lambda: vec![0.0; s] }
}

fn sweep(lp: &mut Lp, n: usize, s: usize, buf: &mut Vec<f64>) {
    lp.shift_lambda(buf);
    for sl in 0..s {
        lp.update_lambda(sl, buf);
    }
    for x in 0..n {
        let mut m = lp.a_mask[x];
        while m != 0 {
            let sl = m.trailing_zeros() as usize;
            m &= m - 1;
            lp.update_beta(x, sl);
        }
        lp.update_pi(x, buf);
    }
}

/// Coordinate descent until it stalls, alternated with bursts of projected subgradient steps
/// (Polyak steps towards `target`, a lower bound such as a feasible objective) to leave the
/// stalling points. Returns the smallest D seen (every D is a valid bound).
fn descend(lp: &mut Lp, n: usize, s: usize, sweeps: usize, target: f64, sg_steps: usize) -> f64 {
    let debug = std::env::var("BOUND_DEBUG").is_ok();
    let mut buf = Vec::new();
    let mut g = Grad::default();
    let mut best = lp.value();
    let mut best_point = (lp.pi.clone(), lp.beta.clone(), lp.lambda.clone());
    let mut eta = 1.0;
    let mut rounds = 0;
    let mut cd_left = sweeps;
    while cd_left > 0 && rounds < 8 {
        rounds += 1;
        let mut prev = lp.value();
        while cd_left > 0 {
            cd_left -= 1;
            sweep(lp, n, s, &mut buf);
            let v = lp.value();
            if v < best {
                best = v;
                best_point = (lp.pi.clone(), lp.beta.clone(), lp.lambda.clone());
            }
            if debug {
                eprintln!("sweep D {v}");
            }
            if v > prev - 1e-4 * prev.abs().max(1.0) {
                break;
            }
            prev = v;
        }
        if sg_steps == 0 {
            break;
        }
        // Restart the subgradient burst from the best point.
        lp.pi.clone_from(&best_point.0);
        lp.beta.clone_from(&best_point.1);
        lp.lambda.clone_from(&best_point.2);
        let mut since = 0;
        for _ in 0..sg_steps {
            let d = lp.subgradient_step(target, eta, &mut g);
            if d < best {
                best = d;
                since = 0;
            } else {
                since += 1;
                if since >= 5 {
                    eta *= 0.5;
                    since = 0;
                }
            }
        }
        let v = lp.value();
        if v < best {
            best = v;
            best_point = (lp.pi.clone(), lp.beta.clone(), lp.lambda.clone());
        }
        if debug {
            eprintln!("after subgradient D {v} best {best} eta {eta}");
        }
    }
    // Guard against floating-point rounding in the sums.
    best * (1.0 + 1e-12) + 1e-9
}

#[cfg(test)]
mod tests {
    use super::super::generate::{generate_instance, random_instance, Regime};
    use super::super::interchange::Problem;
    use super::*;

    #[test]
    fn coordinate_steps_never_increase() {
        for (k, inst) in [
            generate_instance(80, Regime::ScarceTables, 2),
            generate_instance(80, Regime::ScarceTime, 3),
            random_instance(5, 12),
        ]
        .iter()
        .enumerate()
        {
            let p = Problem::from_instance(inst).unwrap();
            let mut lp = build_lp(&p, &[]);
            let mut buf = Vec::new();
            let mut cur = lp.value();
            for _ in 0..5 {
                lp.shift_lambda(&mut buf);
                let v = lp.value();
                assert!(v <= cur + 1e-7, "{k}: shift {cur} -> {v}");
                cur = v;
                for sl in 0..lp.s {
                    lp.update_lambda(sl, &mut buf);
                    let v = lp.value();
                    assert!(v <= cur + 1e-7, "{k}: lambda {cur} -> {v}");
                    cur = v;
                }
                for x in 0..p.n() {
                    for sl in 0..lp.s {
                        if lp.a_mask[x] & (1 << sl) != 0 {
                            lp.update_beta(x, sl);
                            let v = lp.value();
                            assert!(v <= cur + 1e-7, "{k}: beta {cur} -> {v}");
                            cur = v;
                        }
                    }
                    lp.update_pi(x, &mut buf);
                    let v = lp.value();
                    assert!(v <= cur + 1e-7, "{k}: pi {cur} -> {v}");
                    cur = v;
                }
            }
        }
    }
}
