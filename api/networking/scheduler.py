"""The networking scheduler: accepted meetings into (slot, table) pairs, maximising their total priority.

A pure function of plain data (no Flask, no database). The model: each meeting gets at most one slot in
which both participants are available and in no other meeting, at most `tables` meetings per slot and at
most `cap` meetings per participant. The search is a greedy pass in the order of a fractional b-matching
(an LP solved by HiGHS), then ejection chains (a meeting takes a slot, the meetings it displaces move on,
Kempe-chain style) and trades that never lose weight. On instances of up to RELAXATION_VARIABLE_LIMIT
(meeting, slot) pairs the LP relaxation of the full model tightens the bound and seeds a second search;
up to EXACT_VARIABLE_LIMIT a MIP solves them exactly. Bipartite instances with full availability and
maximum degree at most the number of slots are coloured by König's theorem, so every meeting is scheduled
there. The reported upper bound is proven: the minimum of the b-matching LP, the table-count bound, the
full model's LP relaxation and the MIP's dual bound, each where computed."""

import ctypes
import math
import os
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Hashable

import highspy
import numpy as np

NO_COMMON_SLOT = "no_common_slot"
PARTICIPANT_AT_CAP = "participant_at_cap"
NO_FREE_TABLE = "no_free_table"
NO_COMMON_FREE_SLOT = "no_common_free_slot"

# HiGHS is used when the model has at most this many (meeting, slot) variables: its LP relaxation to
# tighten the bound and guide a second search, the MIP (whose time limit HiGHS can overrun by seconds on
# larger models) to solve exactly.
RELAXATION_VARIABLE_LIMIT = 40_000
EXACT_VARIABLE_LIMIT = 5_000
# What a solver that stopped early proves: nothing.
UNBOUNDED = 2**62
DEFAULT_TIME_LIMIT = 1.5
WEIGHT_FIRST_SHARE = 0.6
WEIGHT_WORTH, LP_BONUS, STAY_BONUS = 10, 1, 3
LOCAL_SEARCH_SHARE = 0.4
# Below this, HiGHS would spend the time reading the model and answer nothing.
MINIMUM_SOLVER_SECONDS = 0.05


@dataclass(frozen=True)
class Meeting:
    id: Hashable
    a: Hashable
    b: Hashable
    weight: int = 1


@dataclass(frozen=True)
class Assignment:
    meeting_id: Hashable
    slot: int
    table: int


@dataclass(frozen=True)
class Unscheduled:
    meeting_id: Hashable
    reason: str


@dataclass
class Result:
    assignments: list[Assignment]
    unscheduled: list[Unscheduled]
    score: int
    upper_bound: int
    requested: int | None
    accepted: int
    scheduled: int
    optimal: bool
    moved: int = 0
    moved_meetings: list = field(default_factory=list)
    dropped: list = field(default_factory=list)
    cancelled: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)


def schedule_meetings(meetings, slots, tables, availability=None, cap=None, previous=None,
                      time_limit=DEFAULT_TIME_LIMIT, seed=0, requested=None):
    """Schedule the meetings into slots 0..slots-1 and tables 1..tables, maximising the total weight.

    availability maps a participant to the set of slot indices it can attend (a participant missing from
    it is available in every slot); cap is one maximum number of meetings for everybody, a mapping
    participant -> maximum (missing = no maximum), or None. previous maps meeting ids to the slot they
    had in a published schedule: those meetings keep their slot unless moving them lets strictly more
    weight be scheduled. time_limit (seconds) bounds the search; the result is deterministic for a seed
    when the time limit is not what stops the search.
    """
    started = time.perf_counter()
    deadline = started + time_limit
    problem = _Problem(meetings, slots, tables, availability, cap)
    previous = dict(previous or {})
    known = {meeting.id for meeting in meetings}
    cancelled = [meeting_id for meeting_id in previous if meeting_id not in known]
    prev_slot = [previous.get(meeting.id, -1) for meeting in meetings]
    for slot in prev_slot:
        if slot != -1 and not (isinstance(slot, int) and 0 <= slot < slots):
            raise ValueError(f"previous slot {slot!r} is not a slot index in 0..{slots - 1}")

    bound, lp_values = problem.upper_bound(prev_slot)
    board = _Board(problem, prev_slot, _worth(problem, lp_values), random.Random(seed))
    board.seed_previous(lp_values)
    order = _greedy_order(problem, lp_values)
    board.fill(order, deadline, bound)
    variables = problem.variable_count()
    # Where HiGHS will be asked, its share of the time comes after the local search's.
    share = LOCAL_SEARCH_SHARE if variables <= RELAXATION_VARIABLE_LIMIT else 1.0
    if board.has_previous:
        # Weight first: published meetings may be traded like any other; then fewest moves: trades
        # of equal weight bring published meetings back.
        board.improve(started + time_limit * share * WEIGHT_FIRST_SHARE, bound)
        board.protect_previous()
        board.improve(started + time_limit * share, UNBOUNDED)
    else:
        board.improve(started + time_limit * share, bound)
    stats = {"heuristic_score": board.score, "lp_bound": bound}
    if board.score < bound and problem.koenig_applies():
        board.adopt(problem.koenig_colouring(prev_slot))
        stats["koenig"] = True
    optimal = board.score >= bound

    def solver_has_time():
        return deadline - time.perf_counter() > MINIMUM_SOLVER_SECONDS

    if not optimal and variables <= RELAXATION_VARIABLE_LIMIT and solver_has_time():
        leaning, model_bound, solved = problem.solve_model(board.slot, prev_slot, deadline - time.perf_counter(),
                                                           integer=False)
        bound = min(bound, model_bound)
        stats["relaxation_solved"] = solved
        if solved and board.score < bound:
            board.restart_from(leaning, order, deadline, bound)
        optimal = board.score >= bound
    if not optimal and variables <= EXACT_VARIABLE_LIMIT and solver_has_time():
        solution, model_bound, proven = problem.solve_model(board.slot, prev_slot, deadline - time.perf_counter(),
                                                            integer=True)
        if solution is not None and _ranking(problem, solution, prev_slot) > _ranking(problem, board.slot, prev_slot):
            board.adopt(solution)
        bound = min(bound, model_bound)
        optimal = board.score >= bound
        stats["exact"] = proven
    board.restore_previous_slots()
    stats["seconds"] = round(time.perf_counter() - started, 3)
    return _result(problem, board, bound, optimal, prev_slot, cancelled, requested, stats)


def _ranking(problem, slot_of, prev_slot):
    """Schedules compare by weight, then by previous meetings kept in their slot."""
    weight = sum(w for w, s in zip(problem.weight, slot_of) if s >= 0)
    return weight, sum(1 for s, p in zip(slot_of, prev_slot) if p >= 0 and s == p)


def _bits(mask):
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class _Problem:
    """The instance with participants and meetings numbered, and each meeting's common slots as a bit mask."""

    def __init__(self, meetings, slots, tables, availability, cap):
        if slots < 0 or tables < 0:
            raise ValueError("slots and tables must not be negative")
        self.meetings = list(meetings)
        self.slots, self.tables = slots, tables
        self.all_slots = (1 << slots) - 1
        index = {}
        seen = set()
        self.a, self.b, self.weight, self.common = [], [], [], []
        for meeting in self.meetings:
            if meeting.id in seen:
                raise ValueError(f"meeting id {meeting.id!r} appears twice")
            if meeting.a == meeting.b:
                raise ValueError(f"meeting {meeting.id!r} has the same participant on both sides")
            if not isinstance(meeting.weight, int) or meeting.weight < 1:
                raise ValueError(f"meeting {meeting.id!r} needs a positive integer weight")
            seen.add(meeting.id)
            self.a.append(index.setdefault(meeting.a, len(index)))
            self.b.append(index.setdefault(meeting.b, len(index)))
            self.weight.append(meeting.weight)
        self.participants = list(index)
        self.available = [self._mask(availability, p) for p in self.participants]
        self.cap = [self._cap(cap, p) for p in self.participants]
        self.common = [self.available[a] & self.available[b] for a, b in zip(self.a, self.b)]
        self.incident = [[] for _ in self.participants]
        for i, (a, b) in enumerate(zip(self.a, self.b)):
            self.incident[a].append(i)
            self.incident[b].append(i)

    def _mask(self, availability, participant):
        if availability is None or participant not in availability:
            return self.all_slots
        mask = 0
        for slot in availability[participant]:
            if not (isinstance(slot, int) and 0 <= slot < self.slots):
                raise ValueError(f"availability of {participant!r}: {slot!r} is not a slot index")
            mask |= 1 << slot
        return mask

    def _cap(self, cap, participant):
        limit = cap.get(participant) if isinstance(cap, dict) else cap
        if limit is None:
            return self.slots
        if not isinstance(limit, int) or limit < 0:
            raise ValueError(f"cap of {participant!r} must be a non-negative integer")
        return min(limit, self.slots)

    def variable_count(self):
        return sum(c.bit_count() for c in self.common)

    def degree_bound(self, v):
        """The most meetings v can have: its cap, and the slots its schedulable meetings can use."""
        usable = 0
        for i in self.incident[v]:
            usable |= self.common[i]
        return min(self.cap[v], usable.bit_count(), sum(1 for i in self.incident[v] if self.common[i]))

    def upper_bound(self, prev_slot):
        """Return a proven bound on the score and the LP relaxation's value of each meeting.

        The LP is the fractional b-matching with b(v) = degree_bound(v) plus one row limiting the count
        to tables x slots; it relaxes the model because every schedule satisfies all its rows. Previous
        meetings earn a bonus adding up to less than 1, so that among the heaviest b-matchings the LP
        keeps the one with most previous meetings; its optimum is still at least the weight's.
        """
        schedulable = [i for i, c in enumerate(self.common) if c]
        weights = sorted((self.weight[i] for i in schedulable), reverse=True)
        combinatorial = sum(weights[:self.tables * self.slots])
        values = [0.0] * len(self.meetings)
        if not schedulable:
            return 0, values
        n = len(self.participants)
        rows = np.empty(2 * len(schedulable) + len(schedulable), dtype=np.int32)
        rows[0::3] = [self.a[i] for i in schedulable]
        rows[1::3] = [self.b[i] for i in schedulable]
        rows[2::3] = n
        lp = highspy.HighsLp()
        lp.num_col_ = len(schedulable)
        lp.num_row_ = n + 1
        bonus = 1.0 / (sum(1 for p in prev_slot if p >= 0) + 1)
        lp.col_cost_ = np.array([self.weight[i] + (bonus if prev_slot[i] >= 0 else 0.0) for i in schedulable])
        lp.col_lower_ = np.zeros(len(schedulable))
        lp.col_upper_ = np.ones(len(schedulable))
        lp.row_lower_ = np.zeros(n + 1)
        lp.row_upper_ = np.array([self.degree_bound(v) for v in range(n)] + [self.tables * self.slots], dtype=float)
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.arange(0, 3 * len(schedulable) + 1, 3, dtype=np.int32)
        lp.a_matrix_.index_ = rows
        lp.a_matrix_.value_ = np.ones(3 * len(schedulable))
        highs = _highs()
        highs.passModel(lp)
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return combinatorial, values
        # Weights are integers, so is every score: the floor of the LP optimum is a bound too. The
        # tolerance covers the solver's rounding of an integral optimum.
        lp_bound = math.floor(highs.getInfo().objective_function_value + 1e-6)
        for i, value in zip(schedulable, highs.getSolution().col_value):
            values[i] = value
        return min(lp_bound, combinatorial), values

    def koenig_applies(self):
        """True when König's theorem promises that every meeting fits: see koenig_colouring."""
        if any(c != self.all_slots for c in self.common) or self.slots == 0:
            return False
        degrees = [len(edges) for edges in self.incident]
        if any(d > self.slots or d > cap for d, cap in zip(degrees, self.cap)):
            return False
        if self.tables < -(-len(self.meetings) // self.slots):
            return False
        return self._two_colouring() is not None

    def _two_colouring(self):
        side = [-1] * len(self.participants)
        for start in range(len(self.participants)):
            if side[start] != -1:
                continue
            side[start] = 0
            stack = [start]
            while stack:
                v = stack.pop()
                for i in self.incident[v]:
                    u = self.a[i] if self.b[i] == v else self.b[i]
                    if side[u] == -1:
                        side[u] = 1 - side[v]
                        stack.append(u)
                    elif side[u] == side[v]:
                        return None
        return side

    def koenig_colouring(self, prev_slot):
        """Colour a bipartite graph's edges with `slots` colours, classes balanced to at most `tables`.

        Each edge takes a colour free at both ends, after swapping two colours along an alternating
        path when needed (in a bipartite graph that path never returns to the edge's first end). Then,
        while a class exceeds ceil(m / slots), a path of the two-colour subgraph that holds one more
        edge of the large class than of a small one is swapped. Colours become slots so as to keep as
        many previous slots as a greedy matching of colours to slots can.
        """
        slots = self.slots
        at = [[-1] * slots for _ in self.participants]
        colour = [-1] * len(self.meetings)

        def other(i, v):
            return self.a[i] if self.b[i] == v else self.b[i]

        def path_from(v, first, second):
            """The edges of the alternating first/second path leaving v by colour first."""
            path = []
            want, other_colour = first, second
            while at[v][want] != -1:
                i = at[v][want]
                path.append(i)
                v = other(i, v)
                want, other_colour = other_colour, want
            return path

        def swap(path, first, second):
            for i in path:
                at[self.a[i]][colour[i]] = -1
                at[self.b[i]][colour[i]] = -1
            for i in path:
                colour[i] = second if colour[i] == first else first
                at[self.a[i]][colour[i]] = i
                at[self.b[i]][colour[i]] = i

        for i in range(len(self.meetings)):
            u, v = self.a[i], self.b[i]
            alpha = at[u].index(-1)
            beta = at[v].index(-1)
            if at[v][alpha] != -1:
                swap(path_from(v, alpha, beta), alpha, beta)
            colour[i] = alpha
            at[u][alpha] = i
            at[v][alpha] = i

        size = [0] * slots
        for c in colour:
            size[c] += 1
        limit = -(-len(self.meetings) // slots)
        while max(size) > limit:
            big = size.index(max(size))
            small = size.index(min(size))
            for i in range(len(self.meetings)):
                if colour[i] != big:
                    continue
                ends = [v for v in (self.a[i], self.b[i]) if at[v][small] == -1]
                if not ends:
                    continue
                path = path_from(ends[0], big, small)
                if sum(colour[j] == big for j in path) > sum(colour[j] == small for j in path):
                    swap(path, big, small)
                    size[big] -= 1
                    size[small] += 1
                    break
            else:
                raise AssertionError("a class above the average always has a path to swap")

        overlap = [[0] * slots for _ in range(slots)]
        for c, p in zip(colour, prev_slot):
            if p >= 0:
                overlap[c][p] += 1
        mapping, taken = {}, set()
        pairs = sorted(((overlap[c][s], c, s) for c in range(slots) for s in range(slots)), reverse=True)
        for _, c, s in pairs:
            if c not in mapping and s not in taken:
                mapping[c] = s
                taken.add(s)
        return [mapping[c] for c in colour]

    def solve_model(self, start, prev_slot, seconds, integer):
        """Solve the model with HiGHS: (slot per meeting or None, bound, proven); or its LP relaxation:
        ((meeting, slot) pairs the relaxation leans to, surest first, bound, solved).

        Each previous meeting kept in its slot earns a bonus smaller than any weight difference can be
        (1 / (number of previous meetings + 1)), so weight comes first, then fewest moves. The bonuses
        add up to less than 1 and weights are integers, so the floor of the dual bound bounds the weight.
        """
        columns = [(i, s) for i, c in enumerate(self.common) for s in _bits(c)]
        kept = sum(1 for p in prev_slot if p >= 0)
        bonus = 1.0 / (kept + 1)
        cost = [self.weight[i] + (bonus if prev_slot[i] == s else 0.0) for i, s in columns]
        n, m, slots = len(self.participants), len(self.meetings), self.slots
        # Rows: one per (participant, slot), one per meeting, one per slot (tables), one per participant (cap).
        meeting_row = n * slots
        slot_row = meeting_row + m
        cap_row = slot_row + slots
        index = np.empty(6 * len(columns), dtype=np.int32)
        for k, (i, s) in enumerate(columns):
            a, b = self.a[i], self.b[i]
            index[6 * k:6 * k + 6] = sorted((a * slots + s, b * slots + s, meeting_row + i, slot_row + s,
                                              cap_row + a, cap_row + b))
        lp = highspy.HighsLp()
        lp.num_col_ = len(columns)
        lp.num_row_ = cap_row + n
        lp.col_cost_ = np.array(cost)
        lp.col_lower_ = np.zeros(len(columns))
        lp.col_upper_ = np.ones(len(columns))
        lp.row_lower_ = np.zeros(lp.num_row_)
        lp.row_upper_ = np.array([1.0] * (n * slots) + [1.0] * m + [float(self.tables)] * slots
                                 + [float(c) for c in self.cap])
        lp.sense_ = highspy.ObjSense.kMaximize
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * len(columns)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.arange(0, 6 * len(columns) + 1, 6, dtype=np.int32)
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = np.ones(6 * len(columns))
        highs = _highs()
        highs.setOptionValue("time_limit", max(seconds, 0.01))
        highs.passModel(lp)
        if not integer:
            highs.run()
            if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return [], UNBOUNDED, False
            # Above one half, a meeting's value marks the one slot the relaxation leans to.
            leaning = sorted(((value, i, s) for (i, s), value in zip(columns, highs.getSolution().col_value)
                              if value > 0.5 + 1e-6), reverse=True)
            return [(i, s) for _, i, s in leaning], math.floor(highs.getInfo().objective_function_value + 1e-6), True
        solution = highspy.HighsSolution()
        solution.col_value = [1.0 if start[i] == s else 0.0 for i, s in columns]
        solution.value_valid = True
        highs.setSolution(solution)
        highs.run()
        info = highs.getInfo()
        dual_bound = info.mip_dual_bound
        bound = math.floor(dual_bound + 1e-6) if math.isfinite(dual_bound) else UNBOUNDED
        proven = highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
        if info.primal_solution_status != 2:
            return None, bound, proven
        slot_of = [-1] * m
        for (i, s), value in zip(columns, highs.getSolution().col_value):
            if value > 0.5:
                slot_of[i] = s
        return slot_of, bound, proven


def _without_banner():
    """Construct the process's first Highs, whose banner its C++ code prints to fd 1 before any option applies.

    Served, stdout carries one JSON log line per request: a stray banner there breaks log shippers. Done once,
    when the scheduler is imported at start, so no other thread's output is swallowed meanwhile.
    """
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        highspy.Highs()
        ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


_without_banner()


def _highs():
    highs = highspy.Highs()
    highs.silent()
    highs.setOptionValue("threads", 1)
    return highs


def _worth(problem, lp_values):
    """What trades compare: weight first, then agreement with the LP (a meeting it keeps is worth more).

    A trade must raise the total worth. Only the meeting taken in can bring a bonus (LP_BONUS, and
    STAY_BONUS in its published slot), together less than a unit of weight (WEIGHT_WORTH), so no trade
    loses weight; trades of equal weight towards the LP's choice walk the alternating paths by which
    the LP's b-matching beats the current one.
    """
    return [WEIGHT_WORTH * w + (LP_BONUS if value >= 0.5 else 0) for w, value in zip(problem.weight, lp_values)]


def _greedy_order(problem, lp_values):
    """Meetings the LP keeps first, heavier ones first among those, then those with the fewest options."""
    degree = [len(edges) for edges in problem.incident]
    return sorted(
        (i for i, c in enumerate(problem.common) if c),
        key=lambda i: (lp_values[i] < 0.5, -problem.weight[i], problem.common[i].bit_count(),
                       -(degree[problem.a[i]] + degree[problem.b[i]]), i))


class _Board:
    """A partial schedule with undo: who meets whom in which slot, loads of slots, counts of participants."""

    def __init__(self, problem, prev_slot, worth, rng):
        self.p = problem
        self.worth = worth
        self.stay_bonus = 0
        self.total_worth = 0
        self.rng = rng
        n, slots = len(problem.participants), problem.slots
        self.slot = [-1] * len(problem.meetings)
        self.busy = [0] * n
        self.occupant = [[-1] * slots for _ in range(n)]
        self.count = [0] * n
        self.load = [0] * slots
        self.members = [set() for _ in range(slots)]
        self.full = 0 if problem.tables else problem.all_slots
        self.score = 0
        self.journal = []
        self.prev_slot = prev_slot
        self.has_previous = any(s >= 0 for s in prev_slot)
        # While true, a previous meeting sitting in its previous slot may not be moved by a chain.
        self.pin_previous = True
        self.budget = 0

    def place(self, i, s):
        p = self.p
        a, b = p.a[i], p.b[i]
        self.slot[i] = s
        bit = 1 << s
        self.busy[a] |= bit
        self.busy[b] |= bit
        self.occupant[a][s] = i
        self.occupant[b][s] = i
        self.count[a] += 1
        self.count[b] += 1
        self.load[s] += 1
        self.members[s].add(i)
        if self.load[s] >= p.tables:
            self.full |= bit
        self.score += p.weight[i]
        self.total_worth += self.worth_at(i, s)
        self.journal.append((i, -1))

    def remove(self, i):
        p = self.p
        s = self.slot[i]
        a, b = p.a[i], p.b[i]
        bit = 1 << s
        self.slot[i] = -1
        self.busy[a] &= ~bit
        self.busy[b] &= ~bit
        self.occupant[a][s] = -1
        self.occupant[b][s] = -1
        self.count[a] -= 1
        self.count[b] -= 1
        self.load[s] -= 1
        self.members[s].discard(i)
        self.full &= ~bit
        self.score -= p.weight[i]
        self.total_worth -= self.worth_at(i, s)
        self.journal.append((i, s))

    def undo(self, mark):
        journal = self.journal
        while len(journal) > mark:
            i, before = journal.pop()
            if before == -1:
                self.remove(i)
            else:
                self.place(i, before)
            journal.pop()

    def worth_at(self, i, s):
        """A meeting's worth in slot s: once previous meetings are protected, a published meeting is worth
        more in its published slot, so trades of equal weight bring it back and never displace it."""
        return self.worth[i] + (self.stay_bonus if s == self.prev_slot[i] else 0)

    def protect_previous(self):
        self.stay_bonus = STAY_BONUS
        self.total_worth = sum(self.worth_at(i, s) for i, s in enumerate(self.slot) if s >= 0)

    def movable(self, i):
        return not (self.pin_previous and self.slot[i] == self.prev_slot[i])

    def free_slots(self, i):
        p = self.p
        return p.common[i] & ~self.busy[p.a[i]] & ~self.busy[p.b[i]] & ~self.full

    def has_room(self, i):
        p = self.p
        return self.count[p.a[i]] < p.cap[p.a[i]] and self.count[p.b[i]] < p.cap[p.b[i]]

    def pick(self, i, free):
        """The preferred free slot: a meeting's previous slot, else the least loaded one (ties: earliest)."""
        prev = self.prev_slot[i]
        if prev >= 0 and free >> prev & 1:
            return prev
        load = self.load
        return min(_bits(free), key=lambda s: load[s])

    def seed_previous(self, lp_values):
        """Put previous meetings the LP keeps back where they were, heavier first, when their slot fits.

        The others come later in the greedy order, their previous slot still preferred.
        """
        order = sorted((i for i, s in enumerate(self.prev_slot) if s >= 0 and lp_values[i] >= 0.5),
                       key=lambda i: -self.p.weight[i])
        for i in order:
            s = self.prev_slot[i]
            if self.has_room(i) and self.free_slots(i) >> s & 1:
                self.place(i, s)
        self.journal.clear()

    def fill(self, order, deadline, bound):
        """Insert the meetings in order; past the deadline, only where a slot is free as it is."""
        depth = 3
        for count, i in enumerate(order):
            if self.score >= bound:
                break
            if count % 256 == 0 and time.perf_counter() > deadline:
                depth = 0
            if self.slot[i] == -1:
                self.insert(i, depth)

    def insert(self, i, depth):
        """Schedule meeting i by moving others but dropping none, previous meetings last; True if done."""
        for pinned in (True, False) if self.pin_previous and self.has_previous else (False,):
            self.pin_previous = pinned
            self.budget = 60
            done = self._relocate(i, depth, {i})
            self.pin_previous = True
            if done:
                self.journal.clear()
                return True
        return False

    def _relocate(self, i, depth, locked):
        if not self.has_room(i):
            return False
        free = self.free_slots(i)
        if free:
            self.place(i, self.pick(i, free))
            return True
        if depth == 0 or self.budget <= 0:
            return False
        self.budget -= 1
        p = self.p
        a, b = p.a[i], p.b[i]
        options = []
        for s in _bits(p.common[i]):
            blockers = [e for e in {self.occupant[a][s], self.occupant[b][s]} if e >= 0]
            if any(e in locked or not self.movable(e) for e in blockers):
                continue
            needs_table = self.load[s] - len(blockers) >= p.tables
            options.append((len(blockers) + needs_table, self.rng.random(), s, blockers, needs_table))
        options.sort()
        for _, _, s, blockers, needs_table in options[:3]:
            mark = len(self.journal)
            for e in blockers:
                self.remove(e)
            displaced = list(blockers)
            if needs_table:
                victim = self._table_victim(s, locked)
                if victim is None:
                    self.undo(mark)
                    continue
                self.remove(victim)
                displaced.append(victim)
            self.place(i, s)
            locked.update(displaced)
            if all(self._relocate(e, depth - 1, locked) for e in displaced):
                return True
            locked.difference_update(displaced)
            self.undo(mark)
        return False

    def _table_victim(self, s, locked):
        """A meeting of slot s that can move straight to another slot, to free its table."""
        candidates = [e for e in self.members[s] if e not in locked and self.movable(e)]
        if not candidates:
            return None
        for e in self.rng.sample(candidates, min(8, len(candidates))):
            if self.free_slots(e) & ~(1 << s):
                return e
        return self.rng.choice(candidates)

    def improve(self, deadline, bound):
        """Ejection moves that schedule a meeting by unscheduling ones worth less, until no pass gains."""
        p = self.p
        improved = True
        passes = 0
        while improved and self.score < bound and time.perf_counter() < deadline:
            improved = False
            passes += 1
            waiting = [i for i, s in enumerate(self.slot) if s == -1 and p.common[i]]
            waiting.sort(key=lambda i: (-self.worth[i], self.rng.random()))
            for count, i in enumerate(waiting):
                if count % 64 == 0 and time.perf_counter() > deadline:
                    return
                if self.slot[i] != -1:
                    continue
                if self.insert(i, depth=4 + passes) or self._trade(i):
                    improved = True
                    if self.score >= bound:
                        return

    def _trade(self, i):
        """Schedule i in place of meetings worth less, displaced ones moving on when they can; True on gain."""
        p = self.p
        a, b = p.a[i], p.b[i]
        start = self.total_worth
        for pinned in (True, False) if self.has_previous else (False,):
            self.pin_previous = pinned
            options = []
            for s in _bits(p.common[i]):
                blockers = {self.occupant[a][s], self.occupant[b][s]} - {-1}
                if any(not self.movable(e) for e in blockers):
                    continue
                loss = sum(self.worth_at(e, s) for e in blockers)
                if loss < self.worth_at(i, s):
                    options.append((loss, self.rng.random(), s, blockers))
            options.sort()
            for loss, _, s, blockers in options[:4]:
                mark = len(self.journal)
                for e in blockers:
                    self.remove(e)
                freed = self._make_room(i, s, self.worth_at(i, s) - loss)
                if freed is None:
                    self.undo(mark)
                    continue
                self.place(i, s)
                locked = {i}
                for e in [*blockers, *freed]:
                    self.budget = 30
                    locked.add(e)
                    self._relocate(e, 2, locked)
                if self.total_worth > start:
                    self.pin_previous = True
                    self.journal.clear()
                    return True
                self.undo(mark)
        self.pin_previous = True
        return False

    def _make_room(self, i, s, allowance):
        """Unschedule meetings worth less than allowance until i fits in s; the one freeing a table, or None.

        The meeting that freed a table may move on once i holds s; meetings dropped for a cap may not,
        as i takes the room they left.
        """
        p = self.p
        freed = []
        if self.load[s] >= p.tables:
            victims = [e for e in self.members[s] if self.movable(e) and self.worth_at(e, s) < allowance]
            if not victims:
                return None
            victim = min(victims, key=lambda e: (self.worth_at(e, s), self.rng.random()))
            allowance -= self.worth_at(victim, s)
            self.remove(victim)
            freed.append(victim)
        for v in (p.a[i], p.b[i]):
            if self.count[v] >= p.cap[v]:
                victims = [e for e in p.incident[v] if self.slot[e] >= 0 and self.movable(e)
                           and self.worth_at(e, self.slot[e]) < allowance]
                if not victims:
                    return None
                victim = min(victims, key=lambda e: (self.worth_at(e, self.slot[e]), self.rng.random()))
                allowance -= self.worth_at(victim, self.slot[victim])
                self.remove(victim)
        return freed

    def adopt(self, slot_of):
        for i, s in enumerate(self.slot):
            if s >= 0:
                self.remove(i)
        for i, s in enumerate(slot_of):
            if s >= 0:
                self.place(i, s)
        self.journal.clear()

    def restart_from(self, pairs, order, deadline, bound):
        """Search again from the given (meeting, slot) pairs that fit; keep the better of both schedules."""
        best = list(self.slot)
        self.adopt([-1] * len(self.slot))
        for i, s in pairs:
            if self.has_room(i) and self.free_slots(i) >> s & 1:
                self.place(i, s)
        self.journal.clear()
        self.fill(order, deadline, bound)
        if self.score < bound:
            self.improve(deadline, bound)
        if _ranking(self.p, self.slot, self.prev_slot) < _ranking(self.p, best, self.prev_slot):
            self.adopt(best)

    def restore_previous_slots(self):
        """Move meetings back to their previous slot wherever that costs nothing."""
        for i, prev in enumerate(self.prev_slot):
            s = self.slot[i]
            if prev < 0 or s < 0 or s == prev:
                continue
            self.remove(i)
            if self.free_slots(i) >> prev & 1:
                self.place(i, prev)
            else:
                self.place(i, s)
        self.journal.clear()


def _result(problem, board, bound, optimal, prev_slot, cancelled, requested, stats):
    assignments = []
    for s in range(problem.slots):
        for table, i in enumerate(sorted(board.members[s]), start=1):
            assignments.append(Assignment(problem.meetings[i].id, s, table))
    unscheduled = [Unscheduled(problem.meetings[i].id, _reason(problem, board, i))
                   for i, s in enumerate(board.slot) if s == -1]
    moved = [problem.meetings[i].id for i, (s, prev) in enumerate(zip(board.slot, prev_slot))
             if prev >= 0 and s != prev]
    dropped = [problem.meetings[i].id for i, (s, prev) in enumerate(zip(board.slot, prev_slot)) if prev >= 0 and s < 0]
    return Result(assignments=assignments, unscheduled=unscheduled, score=board.score,
                  upper_bound=bound, requested=requested,
                  accepted=len(problem.meetings), scheduled=len(assignments), optimal=optimal,
                  moved=len(moved), moved_meetings=moved, dropped=dropped, cancelled=cancelled, stats=stats)


def _reason(problem, board, i):
    """Why meeting i stayed out, the most specific true reason first."""
    if not problem.common[i]:
        return NO_COMMON_SLOT
    a, b = problem.a[i], problem.b[i]
    if board.count[a] >= problem.cap[a] or board.count[b] >= problem.cap[b]:
        return PARTICIPANT_AT_CAP
    if problem.common[i] & ~board.busy[a] & ~board.busy[b]:
        return NO_FREE_TABLE
    return NO_COMMON_FREE_SLOT
