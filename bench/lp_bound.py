#!/usr/bin/env python3
"""LP upper bound for a Liaison scheduling instance, with HiGHS (pip install highspy numpy).

usage: lp_bound.py INSTANCE.json [TIMETABLE.json ...]

Variables: x[e,s] in [0,1] for every candidate pair e and slot s available to both people
(and not taken by a locked meeting of either); locked meetings are fixed (constant term).
Fairness: per person p with L_p locked meetings, y[p,j] in [0,1] for j = 1..K_p,
K_p = min(cap_p - L_p, |free available slots|), y[p,j] <= y[p,j-1], sum_j y[p,j] = sum of p's
x, objective coefficient fb / (L_p + j) (concave piecewise linear H(k)).
Constraints: sum_s x[e,s] <= 1; per person and slot sum_e x[e,s] <= 1; per slot
sum_e x[e,s] <= tables - locked tables.

Requested pairs, lexicographically: stage 1 maximises the number of requested pairs (LP value
R_lp is printed). Stage 2 adds sum_{requested} x >= R, where R = the timetable's
requested_scheduled (any lexicographically optimal timetable schedules at least as many, so the
bound stays valid for all of them; with no timetable R = floor(R_lp + 1e-6)), and maximises
objective part (2). The printed LP bound is the stage-2 optimum (interior point without
crossover above 20k columns: optimal to HiGHS's default 1e-8 relative tolerance).
LP_NO_REQUESTED=1 drops the stage-2 requested constraint (for comparison).

Group meetings (instance "rooms", "groups", "locked_groups"): z[g,s] in [0,1] for every free
group g and slot s where all members are available (and free of locked meetings) and a free
room holds it. Rows: sum_s z[g,s] <= 1; z joins its members' person-slot rows and link rows
(a group meeting is one meeting for each member's cap and fairness); per slot s and size level
c = 1..C: sum of z[g,s] over groups with >= c members <= free rooms of capacity >= c (Hall's
condition for rooms, exact for integral placements). Locked groups are constants (weight,
members' slots and counts, their room). Stages: 0 maximises the number of groups (printed);
1 keeps groups >= G (G = the timetable's groups_scheduled, else floor of the stage-0 value)
and maximises requested pairs; 2 keeps groups >= G and requested >= R and maximises part (2).
With G = the largest number of groups (the engine prints how many are schedulable at all)
this bounds the best timetable.
"""
import json
import os
import sys
import time

import highspy
import numpy as np


def harmonic(k):
    return sum(1.0 / j for j in range(1, k + 1))


def build(inst):
    S = inst["slots"]
    T = inst["tables_per_slot"]
    fb = inst.get("fairness_bonus", 0.0) or 0.0
    parts = inst["participants"]
    idx = {p["id"]: i for i, p in enumerate(parts)}
    n = len(parts)
    avail = np.zeros(n, dtype=np.int64)
    cap = np.array([p["max_meetings"] for p in parts], dtype=np.int64)
    for i, p in enumerate(parts):
        m = 0
        for s in p["available_slots"]:
            m |= 1 << s
        avail[i] = m
    locked = inst.get("locked", []) or []
    key = lambda a, b: (min(a, b), max(a, b))
    weight = {}
    req = {}
    for pr in inst["pairs"]:
        k = key(idx[pr["a"]], idx[pr["b"]])
        weight[k] = pr["weight"]
        req[k] = bool(pr.get("requested", False))
    lbusy = np.zeros(n, dtype=np.int64)
    ldeg = np.zeros(n, dtype=np.int64)
    tables = [T] * S
    c0 = 0.0
    locked_keys = set()
    r_locked = 0
    for l in locked:
        a, b = idx[l["a"]], idx[l["b"]]
        k = key(a, b)
        locked_keys.add(k)
        c0 += weight.get(k, 0.0)
        r_locked += 1 if req.get(k, False) else 0
        tables[l["slot"]] -= 1
        for x in (a, b):
            lbusy[x] |= 1 << l["slot"]
            ldeg[x] += 1
    rooms = inst.get("rooms", []) or []
    groups = inst.get("groups", []) or []
    room_ix = {r["id"]: i for i, r in enumerate(rooms)}
    C = max([len(g["members"]) for g in groups], default=0)
    room_taken = set()
    locked_group_ids = set()
    for l in inst.get("locked_groups", []) or []:
        g = next(g for g in groups if g["id"] == l["group"])
        locked_group_ids.add(g["id"])
        room_taken.add((l["slot"], room_ix[l["room"]]))
        c0 += g.get("weight", 0.0)
        for m in g["members"]:
            x = idx[m]
            lbusy[x] |= 1 << l["slot"]
            ldeg[x] += 1
    g_locked = len(locked_group_ids)
    R_sc = np.zeros((S, C + 1))
    for s in range(S):
        for r, room in enumerate(rooms):
            if (s, r) not in room_taken:
                for c in range(1, min(room["capacity"], C) + 1):
                    R_sc[s, c] += 1
    amask = avail & ~lbusy
    c0 += fb * sum(harmonic(int(k)) for k in ldeg)
    free_groups = []
    for g in groups:
        if g["id"] in locked_group_ids:
            continue
        mem = [idx[m] for m in g["members"]]
        if any(cap[x] <= ldeg[x] for x in mem):
            continue
        m = (1 << S) - 1
        for x in mem:
            m &= int(amask[x])
        m &= sum(1 << s for s in range(S) if R_sc[s, len(mem)] >= 1)
        if m:
            free_groups.append((mem, g.get("weight", 0.0), m))
    G = len(free_groups)

    # Rows: [pair rows E][group rows G][person-slot rows n*S][slot rows S][room rows S*C][link rows n][monotone rows]
    edges = [(k, w) for k, w in weight.items() if k not in locked_keys]
    E = len(edges)
    ps_row = lambda p, s: E + G + p * S + s
    slot_row0 = E + G + n * S
    room_row0 = slot_row0 + S
    room_row = lambda s, c: room_row0 + s * C + (c - 1)
    link_row0 = room_row0 + S * C
    mono_row0 = link_row0 + n

    col_start = [0]
    col_index = []
    col_value = []
    cost = []
    is_req = []
    for ei, ((a, b), w) in enumerate(edges):
        m = int(amask[a] & amask[b])
        s = 0
        while m:
            if m & 1:
                col_index += [ei, ps_row(a, s), ps_row(b, s), slot_row0 + s, link_row0 + a, link_row0 + b]
                col_value += [1.0, 1.0, 1.0, 1.0, -1.0, -1.0]
                col_start.append(len(col_index))
                cost.append(w)
                is_req.append(req[(a, b)])
            m >>= 1
            s += 1
    nx = len(cost)
    is_group = [False] * nx
    for gi, (mem, w, m) in enumerate(free_groups):
        for s in range(S):
            if m >> s & 1:
                col_index += [E + gi] + [ps_row(x, s) for x in mem] + [room_row(s, c) for c in range(1, len(mem) + 1)]
                col_index += [link_row0 + x for x in mem]
                col_value += [1.0] * (1 + len(mem) + len(mem)) + [-1.0] * len(mem)
                col_start.append(len(col_index))
                cost.append(w)
                is_req.append(False)
                is_group.append(True)
    nxz = len(cost)
    # y variables
    mono = 0
    deg_e = np.zeros(n, dtype=np.int64)
    for (a, b), _ in edges:
        if amask[a] & amask[b]:
            deg_e[a] += 1
            deg_e[b] += 1
    for mem, _, _ in free_groups:
        for x in mem:
            deg_e[x] += 1
    for p in range(n):
        K = int(min(cap[p] - ldeg[p], bin(int(amask[p])).count("1"), deg_e[p]))
        base = mono_row0 + mono  # row base + (j - 2): y_j - y_{j-1} <= 0, j = 2..K
        for j in range(1, K + 1):
            idxs = [link_row0 + p]
            vals = [1.0]
            if j >= 2:
                idxs.append(base + j - 2)
                vals.append(1.0)
            if j < K:
                idxs.append(base + j - 1)
                vals.append(-1.0)
            col_index += idxs
            col_value += vals
            col_start.append(len(col_index))
            cost.append(fb / (ldeg[p] + j))
            is_req.append(False)
            is_group.append(False)
        mono += max(K - 1, 0)
    ncol = len(cost)
    nrow = mono_row0 + mono
    row_lo = np.full(nrow, -highspy.kHighsInf)
    row_hi = np.zeros(nrow)
    row_hi[:E + G] = 1.0
    row_hi[E + G:E + G + n * S] = 1.0
    row_hi[slot_row0:slot_row0 + S] = tables
    for s in range(S):
        for c in range(1, C + 1):
            row_hi[room_row(s, c)] = R_sc[s, c]
    row_lo[link_row0:link_row0 + n] = 0.0
    row_hi[link_row0:link_row0 + n] = 0.0
    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = nrow
    lp.col_cost_ = np.array(cost)
    lp.col_lower_ = np.zeros(ncol)
    lp.col_upper_ = np.ones(ncol)
    lp.row_lower_ = row_lo
    lp.row_upper_ = row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(col_start, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(col_index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(col_value)
    lp.sense_ = highspy.ObjSense.kMaximize
    return lp, np.array(cost), np.array(is_req, dtype=bool), np.array(is_group, dtype=bool), nxz, c0, r_locked, g_locked


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    inst = json.load(open(sys.argv[1]))
    tts = [json.load(open(f)) for f in sys.argv[2:]]
    t0 = time.time()
    lp, cost, is_req, is_group, nx, c0, r_locked, g_locked = build(inst)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "ipm" if lp.num_col_ > 20000 else "simplex")
    h.setOptionValue("run_crossover", "off")
    gidx = np.nonzero(is_group)[0].astype(np.int32)
    if len(gidx):
        # Stage 0: maximise the number of groups.
        lp.col_cost_ = np.where(is_group, 1.0, 0.0)
        h.passModel(lp)
        h.run()
        g_lp = h.getInfo().objective_function_value + g_locked
        Gmin = min(t.get("groups_scheduled", 0) for t in tts) if tts else int(np.floor(g_lp + 1e-6))
        print(f"LP max groups {g_lp:.3f}; constraint groups >= {Gmin}")
        if Gmin - g_locked > 0:
            h.addRow(float(Gmin - g_locked) - 1e-7, highspy.kHighsInf, len(gidx), gidx, np.ones(len(gidx)))
        h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), np.where(is_req, 1.0, 0.0))
    else:
        # Stage 1: maximise the number of requested pairs.
        lp.col_cost_ = np.where(is_req, 1.0, 0.0)
        h.passModel(lp)
    h.run()
    r_lp = h.getInfo().objective_function_value + r_locked
    # Stage 2
    if os.environ.get("LP_NO_REQUESTED"):
        R = 0
    elif tts:
        R = min(t["requested_scheduled"] for t in tts)
    else:
        R = int(np.floor(r_lp + 1e-6))
    need = R - r_locked
    ridx = np.nonzero(is_req)[0].astype(np.int32)
    if len(ridx) and need > 0:
        h.addRow(float(need) - 1e-7, highspy.kHighsInf, len(ridx), ridx, np.ones(len(ridx)))
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    ub = h.getInfo().objective_function_value + c0
    elapsed = time.time() - t0
    print(f"columns {lp.num_col_} rows {lp.num_row_} status {status} time {elapsed:.1f}s")
    print(f"LP max requested {r_lp:.3f}; stage-2 constraint requested >= {R}")
    sol = np.array(h.getSolution().col_value)
    print(f"LP meetings (sum x) {sol[:nx].sum():.1f}; fractional x {(np.abs(sol[:nx] - np.round(sol[:nx])) > 1e-6).sum()}")
    print(f"LP upper bound {ub:.6f}")
    for f, t in zip(sys.argv[2:], tts):
        obj = t["objective"]
        print(
            f"{f}: objective {obj:.6f} ratio {obj / ub:.5f} requested {t['requested_scheduled']}/{t['requested_total']}"
            f" without_meeting {t['participants_without_meeting']} engine_bound {t.get('upper_bound', 0):.6f}"
            f" engine_quality {t.get('quality', 0):.5f} engine_bound/LP {t.get('upper_bound', 0) / ub:.5f}"
            f" groups {t.get('groups_scheduled', 0)}/{t.get('groups_total', 0)}"
        )


if __name__ == "__main__":
    main()
