#!/usr/bin/env python3
"""How many people could get at least one meeting at best: an LP upper bound, with HiGHS
(pip install highspy numpy).

usage: cover_bound.py INSTANCE.json [TIMETABLE.json]

Variables: x[e] in [0,1] for every candidate pair with a common available slot and both caps
>= 1 (slots are relaxed), z[p] in [0,1] for every person. Maximise sum z subject to
z[p] <= sum of p's x, sum of p's x <= min(cap, available slots), sum x <= slots * tables, and,
given a timetable, at least its number of requested pairs (requested pairs come first, so every
timetable the rules allow schedules at least as many). Every feasible timetable is a feasible
point, so the optimum bounds the people it can give a meeting; people with a possible partner
minus that bound is a floor under the people any such timetable leaves without a meeting.
"""
import json
import sys

import highspy
import numpy as np

inst = json.load(open(sys.argv[1]))
tt = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else None
parts = inst["participants"]
idx = {p["id"]: i for i, p in enumerate(parts)}
n = len(parts)
avail = [0] * n
for i, p in enumerate(parts):
    for s in p["available_slots"]:
        avail[i] |= 1 << s
cap = [min(p["max_meetings"], bin(avail[i]).count("1")) for i, p in enumerate(parts)]
E, req = [], []
for pr in inst["pairs"]:
    a, b = idx[pr["a"]], idx[pr["b"]]
    if cap[a] and cap[b] and avail[a] & avail[b]:
        E.append((a, b))
        req.append(1.0 if pr.get("requested") else 0.0)
m = len(E)
h = highspy.Highs()
h.setOptionValue("output_flag", False)
inf = highspy.kHighsInf
h.addVars(m, np.zeros(m), np.ones(m))
h.addVars(n, np.zeros(n), np.ones(n))
h.changeColsCost(n, np.arange(m, m + n, dtype=np.int32), -np.ones(n))
inc = [[] for _ in range(n)]
for k, (a, b) in enumerate(E):
    inc[a].append(k)
    inc[b].append(k)
possible = 0
for p in range(n):
    ks = inc[p]
    if not ks:
        h.changeColBounds(m + p, 0, 0)
        continue
    possible += 1
    h.addRow(-inf, cap[p], len(ks), np.array(ks, dtype=np.int32), np.ones(len(ks)))
    h.addRow(0, inf, len(ks) + 1, np.array(ks + [m + p], dtype=np.int32), np.array([1.0] * len(ks) + [-1.0]))
h.addRow(-inf, inst["slots"] * inst["tables_per_slot"], m, np.arange(m, dtype=np.int32), np.ones(m))
if tt is not None and tt["requested_scheduled"] > 0:
    rk = [k for k in range(m) if req[k] > 0]
    h.addRow(tt["requested_scheduled"], inf, len(rk), np.array(rk, dtype=np.int32), np.ones(len(rk)))
h.run()
best = -h.getInfo().objective_function_value
floor = possible - int(best + 1e-6)
line = f"{sys.argv[1]}: with a possible partner {possible}, at most {best:.1f} can meet someone, so at least {floor} cannot"
if tt is not None:
    got = tt["participants_without_meeting"]
    line += f"; timetable leaves {got} without a meeting, {got - floor} above that floor ({100.0 * (got - floor) / max(possible, 1):.2f} %)"
print(line)
