"""Networking scheduler benchmark: our scheduler against its proven bound and OR-Tools CP-SAT, per size.

    .venv/bin/pip install -q -e '.[bench]'
    .venv/bin/python -m bench.networking                      # CP-SAT gets 60 s per case
    .venv/bin/python -m bench.networking --cpsat-seconds 5 --cases S,M --seed 3

Each case runs our scheduler in a fresh subprocess, so its wall time and peak memory (maxrss) are its own.
"""
import argparse
import math
import multiprocessing
import os
import random
import resource
import time
from dataclasses import dataclass

from api.networking.scheduler import Meeting, schedule_meetings

SECTORS = ["agrifood", "machinery", "energy", "fashion", "furniture", "logistics", "health", "tourism",
           "chemicals", "construction", "ict", "automotive"]


@dataclass
class Instance:
    meetings: list
    slots: int
    tables: int
    availability: dict
    cap: int | None


def venue_tables(meetings, slots):
    """The venue rule: enough tables for the meetings spread over the slots, plus 20 %."""
    return math.ceil(meetings / slots * 1.2)


def generate_instance(participants, meetings, slots, tables=None, seed=0, bipartite=False,
                      full_availability=False, max_degree=None, cap="default"):
    """Two countries, sector-clustered interests with a few popular organisations, partial availabilities."""
    rng = random.Random(seed)
    people = []
    for k in range(participants):
        country = "IT" if k % 2 == 0 else "RU"
        sectors = {rng.choice(SECTORS)} | ({rng.choice(SECTORS)} if rng.random() < 0.4 else set())
        popularity = rng.paretovariate(1.8)
        people.append((f"{country}-{k}", country, sectors, popularity))
    pairs = set()
    degree = dict.fromkeys((p[0] for p in people), 0)
    limit = max_degree or participants
    by_country = {c: [p for p in people if p[1] == c] for c in ("IT", "RU")}
    attempts = 0
    while len(pairs) < meetings:
        attempts += 1
        if attempts > meetings * 200:
            raise ValueError("could not draw that many distinct requests")
        requester = rng.choice(people)
        same_country = not bipartite and rng.random() < 0.15
        pool = by_country[requester[1] if same_country else ("RU" if requester[1] == "IT" else "IT")]
        candidates = rng.sample(pool, min(12, len(pool)))
        target = max(candidates, key=lambda p: p[3] * (4 if p[2] & requester[2] else 1) * rng.random())
        if target[0] == requester[0] or degree[target[0]] >= limit or degree[requester[0]] >= limit:
            continue
        key = tuple(sorted((requester[0], target[0])))
        if key in pairs:
            continue
        pairs.add(key)
        degree[key[0]] += 1
        degree[key[1]] += 1
    sector_of = {p[0]: p[2] for p in people}
    result = []
    for n, (a, b) in enumerate(sorted(pairs)):
        shared = bool(sector_of[a] & sector_of[b])
        weight = rng.choices([1, 2, 3], weights=[2, 3, 5] if shared else [4, 3, 2])[0]
        result.append(Meeting(n, a, b, weight))
    availability = {}
    if not full_availability:
        for name, *_ in people:
            roll = rng.random()
            if roll < 0.6:
                continue
            missing = rng.randint(max(1, slots // 8), max(1, slots // 2))
            if roll < 0.75:
                kept = range(missing, slots)
            elif roll < 0.9:
                kept = range(0, slots - missing)
            else:
                start = rng.randrange(slots)
                kept = [s for s in range(slots) if not start <= s < start + missing]
            availability[name] = set(kept)
    if cap == "default":
        cap = math.ceil(slots * 0.75)
    return Instance(result, slots, tables or venue_tables(meetings, slots), availability, cap)


def cpsat_score(instance, seconds):
    """The best score CP-SAT finds on the same model in the given time, and its own bound."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    everybody = set(range(instance.slots))
    x = {}
    per_participant_slot, per_slot, per_participant = {}, {}, {}
    for m in instance.meetings:
        common = instance.availability.get(m.a, everybody) & instance.availability.get(m.b, everybody)
        for s in common:
            var = model.NewBoolVar(f"x{m.id}_{s}")
            x[m.id, s] = var
            for v in (m.a, m.b):
                per_participant_slot.setdefault((v, s), []).append(var)
                per_participant.setdefault(v, []).append(var)
            per_slot.setdefault(s, []).append(var)
        model.AddAtMostOne(x[m.id, s] for s in common)
    for group in per_participant_slot.values():
        model.AddAtMostOne(group)
    for group in per_slot.values():
        model.Add(sum(group) <= instance.tables)
    if instance.cap is not None:
        for group in per_participant.values():
            model.Add(sum(group) <= instance.cap)
    weight = {m.id: m.weight for m in instance.meetings}
    model.Maximize(sum(weight[i] * var for (i, _), var in x.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = os.cpu_count() or 1
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, None
    return round(solver.ObjectiveValue()), math.floor(solver.BestObjectiveBound() + 1e-6)


def run_isolated(instance, previous=None, time_limit=None, seed=0):
    """Our scheduler in a fresh process: (result, wall seconds, peak RSS in MiB)."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    kwargs = {} if time_limit is None else {"time_limit": time_limit}
    process = context.Process(target=_run_kw, args=(instance, previous, kwargs, seed, sender))
    process.start()
    answer = receiver.recv()
    process.join()
    return answer


def _run_kw(instance, previous, kwargs, seed, pipe):
    started = time.perf_counter()
    result = schedule_meetings(instance.meetings, instance.slots, instance.tables, instance.availability,
                               instance.cap, previous=previous, seed=seed, **kwargs)
    wall = time.perf_counter() - started
    pipe.send((result, wall, peak_mib()))


def peak_mib():
    """This process's peak RSS. Linux's ru_maxrss keeps the peak of the parent forked before exec, so the
    kernel's high-water mark of the process's own memory is read first."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


CASES = {
    # name: (participants, meetings, slots, tables, extra generator options, goal)
    "S": (60, 150, 8, 25, {}, "= optimum"),
    "M": (500, 2000, 16, 150, {}, ">= CP-SAT, <= 2 s"),
    "L": (2000, 10000, 24, 500, {}, ">= CP-SAT, <= 5 s, <= 1 GiB"),
    "Scarce": (2000, 12000, 24, 150, {}, ">= CP-SAT, <= 5 s"),
    # Just enough tables: every slot must be full, which only a balanced König colouring guarantees.
    "Bipartite": (1000, 10000, 24, math.ceil(10000 / 24),
                  {"bipartite": True, "full_availability": True, "max_degree": 24, "cap": None}, "all scheduled"),
}


def rescheduled(instance, result, seed):
    """L after cancelling 5 % of its meetings and accepting 5 % new ones; the previous assignment."""
    rng = random.Random(seed)
    meetings = list(instance.meetings)
    cancelled = set(rng.sample(range(len(meetings)), len(meetings) // 20))
    kept = [m for k, m in enumerate(meetings) if k not in cancelled]
    fresh = generate_instance(len({p for m in meetings for p in (m.a, m.b)}), len(meetings) // 20,
                              instance.slots, seed=seed + 1000).meetings
    existing = {frozenset((m.a, m.b)) for m in kept}
    added = [Meeting(f"new-{m.id}", m.a, m.b, m.weight) for m in fresh if frozenset((m.a, m.b)) not in existing]
    previous = {a.meeting_id: a.slot for a in result.assignments}
    return Instance(kept + added, instance.slots, instance.tables, instance.availability, instance.cap), previous


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpsat-seconds", type=float, default=60.0)
    parser.add_argument("--cases", default=",".join(CASES) + ",Reschedule")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=None, help="our scheduler's budget (default: its own)")
    args = parser.parse_args()
    wanted = args.cases.split(",")
    header = (f"{'case':<10} {'meet':>6} {'T':>4} {'sched':>6} {'score':>6} {'bound':>6} {'CP-SAT':>7} "
              f"{'ours/bd':>8} {'ours/CP':>8} {'time s':>7} {'MiB':>5}  goal")
    print(f"seed {args.seed}, CP-SAT {args.cpsat_seconds:g} s with {os.cpu_count()} workers")
    print(header)
    results = {}
    for name, (participants, meetings, slots, tables, options, goal) in CASES.items():
        if name not in wanted and not (name == "L" and "Reschedule" in wanted):
            continue
        instance = generate_instance(participants, meetings, slots, tables, seed=args.seed, **options)
        result, wall, peak = run_isolated(instance, time_limit=args.time_limit, seed=args.seed)
        results[name] = (instance, result)
        if name not in wanted:
            continue
        cp, cp_bound = cpsat_score(instance, args.cpsat_seconds) if args.cpsat_seconds > 0 else (None, None)
        bound = min(result.upper_bound, cp_bound) if cp_bound is not None else result.upper_bound
        _print_row(name, instance, result, bound, cp, wall, peak, goal)
    if "Reschedule" in wanted:
        instance, previous = rescheduled(*results["L"], seed=args.seed)
        result, wall, peak = run_isolated(instance, previous=previous, time_limit=args.time_limit, seed=args.seed)
        _print_row("Resched.", instance, result, result.upper_bound, None, wall, peak,
                   f"moved {result.moved} ({len(result.dropped)} of them unscheduled) of "
                   f"{len(previous) - len(result.cancelled)} published meetings still requested "
                   f"({len(result.cancelled)} cancelled)")


def _print_row(name, instance, result, bound, cp, wall, peak, goal):
    ratio_bound = result.score / bound if bound else 1.0
    ratio_cp = f"{'-':>8}" if cp is None else f"{result.score / cp:8.4f}" if cp else f"{'inf':>8}"
    print(f"{name:<10} {len(instance.meetings):>6} {instance.tables:>4} {result.scheduled:>6} {result.score:>6} "
          f"{bound:>6} {cp if cp is not None else '-':>7} {ratio_bound:8.4f} {ratio_cp} {wall:7.2f} "
          f"{peak:5.0f}  {goal}", flush=True)


if __name__ == "__main__":
    main()
