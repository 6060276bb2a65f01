"""The networking scheduler as a pure function: validity properties, optimality, König, re-scheduling."""
import itertools
import math
import subprocess
import sys
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.networking.scheduler import (
    NO_COMMON_FREE_SLOT, NO_COMMON_SLOT, NO_FREE_TABLE, PARTICIPANT_AT_CAP, Meeting, schedule_meetings)

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw, max_participants=7, max_meetings=9, max_slots=4):
    participants = draw(st.integers(2, max_participants))
    pairs = [(a, b) for a in range(participants) for b in range(a + 1, participants)]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=max_meetings, unique=True))
    meetings = [Meeting(f"m{k}", a, b, draw(st.integers(1, 3))) for k, (a, b) in enumerate(chosen)]
    slots = draw(st.integers(1, max_slots))
    tables = draw(st.integers(0, 3))
    availability = draw(st.dictionaries(st.integers(0, participants - 1),
                                        st.sets(st.integers(0, slots - 1)), max_size=participants))
    cap = draw(st.one_of(st.none(), st.integers(0, slots),
                         st.dictionaries(st.integers(0, participants - 1), st.integers(0, slots))))
    return dict(meetings=meetings, slots=slots, tables=tables, availability=availability, cap=cap)


def run(instance, **options):
    return schedule_meetings(instance["meetings"], instance["slots"], instance["tables"],
                             instance["availability"], instance["cap"], **options)


def slot_by_meeting(result):
    return {a.meeting_id: a.slot for a in result.assignments}


def cap_of(instance, participant):
    cap = instance["cap"]
    return cap.get(participant, math.inf) if isinstance(cap, dict) else (math.inf if cap is None else cap)


def can_attend(instance, participant, slot):
    return slot in instance["availability"].get(participant, range(instance["slots"]))


@PROPERTY
@given(instances())
def test_nobody_is_in_two_meetings_in_one_slot(instance):
    slots = slot_by_meeting(run(instance))
    seats = Counter((p, slots[m.id]) for m in instance["meetings"] if m.id in slots for p in (m.a, m.b))
    assert all(n == 1 for n in seats.values())


@PROPERTY
@given(instances())
def test_both_participants_can_attend_their_meeting_slot(instance):
    slots = slot_by_meeting(run(instance))
    assert all(can_attend(instance, p, slots[m.id]) for m in instance["meetings"] if m.id in slots
               for p in (m.a, m.b))


@PROPERTY
@given(instances())
def test_nobody_has_more_meetings_than_the_cap(instance):
    slots = slot_by_meeting(run(instance))
    meetings = Counter(p for m in instance["meetings"] if m.id in slots for p in (m.a, m.b))
    assert all(n <= cap_of(instance, p) for p, n in meetings.items())


@PROPERTY
@given(instances())
def test_tables_are_numbered_one_to_t_and_never_shared_within_a_slot(instance):
    result = run(instance)
    seats = [(a.slot, a.table) for a in result.assignments]
    assert len(seats) == len(set(seats))
    assert all(1 <= table <= instance["tables"] and 0 <= slot < instance["slots"] for slot, table in seats)


@PROPERTY
@given(instances())
def test_every_meeting_is_either_assigned_or_explained_once(instance):
    result = run(instance)
    listed = [a.meeting_id for a in result.assignments] + [u.meeting_id for u in result.unscheduled]
    assert sorted(listed) == sorted(m.id for m in instance["meetings"])
    assert result.scheduled == len(result.assignments)
    assert result.accepted == len(instance["meetings"])


@PROPERTY
@given(instances())
def test_score_is_the_weight_of_the_assigned_meetings(instance):
    result = run(instance)
    slots = slot_by_meeting(result)
    assert result.score == sum(m.weight for m in instance["meetings"] if m.id in slots)


@PROPERTY
@given(instances(max_participants=12, max_meetings=30, max_slots=6))
def test_the_upper_bound_is_never_below_the_score(instance):
    result = run(instance)
    assert result.upper_bound >= result.score


def brute_force_optimum(instance):
    """The best total weight over every assignment of each meeting to a slot or to none."""
    meetings = instance["meetings"]
    best = 0
    for choice in itertools.product(range(-1, instance["slots"]), repeat=len(meetings)):
        placed = [(m, s) for m, s in zip(meetings, choice) if s >= 0]
        seats = Counter((p, s) for m, s in placed for p in (m.a, m.b))
        per_slot = Counter(s for _, s in placed)
        per_participant = Counter(p for m, _ in placed for p in (m.a, m.b))
        if (all(n == 1 for n in seats.values()) and all(n <= instance["tables"] for n in per_slot.values())
                and all(n <= cap_of(instance, p) for p, n in per_participant.items())
                and all(can_attend(instance, p, s) for m, s in placed for p in (m.a, m.b))):
            best = max(best, sum(m.weight for m, _ in placed))
    return best


@PROPERTY
@given(instances(max_participants=5, max_meetings=6, max_slots=3))
def test_tiny_instances_reach_the_optimum(instance):
    result = run(instance)
    assert result.score == brute_force_optimum(instance)


@PROPERTY
@given(instances(max_participants=5, max_meetings=6, max_slots=3))
def test_an_instance_reported_optimal_has_its_bound_reached(instance):
    result = run(instance)
    assert result.optimal == (result.score == result.upper_bound)


@st.composite
def bipartite_instances(draw):
    """Italian-Russian requests (parallel ones allowed), degree at most the slots, just enough tables."""
    slots = draw(st.integers(1, 6))
    italians, russians = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    degree = Counter()
    meetings = []
    for k, (a, b) in enumerate(draw(st.lists(st.tuples(st.integers(0, italians - 1), st.integers(0, russians - 1)),
                                             max_size=40))):
        a, b = f"IT{a}", f"RU{b}"
        if degree[a] < slots and degree[b] < slots:
            degree[a] += 1
            degree[b] += 1
            meetings.append(Meeting(k, a, b, draw(st.integers(1, 3))))
    tables = max(1, math.ceil(len(meetings) / slots))
    return dict(meetings=meetings, slots=slots, tables=tables, availability={}, cap=None)


@settings(max_examples=150, deadline=None)
@given(bipartite_instances())
def test_bipartite_requests_with_degree_at_most_the_slots_are_all_scheduled(instance):
    result = run(instance, time_limit=0.0)
    assert result.scheduled == len(instance["meetings"])


def test_a_meeting_without_a_common_slot_says_so():
    result = schedule_meetings([Meeting(1, "IT1", "RU1")], slots=4, tables=2,
                               availability={"IT1": {0, 1}, "RU1": {2, 3}})
    assert result.unscheduled[0].reason == NO_COMMON_SLOT


def test_a_meeting_beyond_a_participants_cap_says_so():
    meetings = [Meeting(1, "IT1", "RU1", 3), Meeting(2, "IT1", "RU2", 1)]
    result = schedule_meetings(meetings, slots=4, tables=2, cap={"IT1": 1})
    assert [(u.meeting_id, u.reason) for u in result.unscheduled] == [(2, PARTICIPANT_AT_CAP)]


def test_a_meeting_left_without_a_table_says_so():
    meetings = [Meeting(1, "IT1", "RU1", 3), Meeting(2, "IT2", "RU2", 1)]
    result = schedule_meetings(meetings, slots=1, tables=1)
    assert [(u.meeting_id, u.reason) for u in result.unscheduled] == [(2, NO_FREE_TABLE)]


def test_a_meeting_whose_common_slots_are_all_taken_says_so():
    meetings = [Meeting(1, "IT1", "RU1", 3), Meeting(2, "IT1", "RU2", 1)]
    result = schedule_meetings(meetings, slots=2, tables=5, availability={"IT1": {0}})
    assert [(u.meeting_id, u.reason) for u in result.unscheduled] == [(2, NO_COMMON_FREE_SLOT)]


def test_the_heavier_of_two_competing_meetings_is_scheduled():
    meetings = [Meeting(1, "IT1", "RU1", 1), Meeting(2, "IT1", "RU2", 3)]
    result = schedule_meetings(meetings, slots=1, tables=5)
    assert slot_by_meeting(result) == {2: 0}


def test_the_same_seed_gives_the_same_schedule():
    meetings = [Meeting(k, f"IT{k % 7}", f"RU{k % 5}", 1 + k % 3) for k in range(30)]
    first = schedule_meetings(meetings, slots=5, tables=4, cap=4, seed=3)
    second = schedule_meetings(meetings, slots=5, tables=4, cap=4, seed=3)
    assert first.assignments == second.assignments


@PROPERTY
@given(instances(max_participants=8, max_meetings=14, max_slots=5))
def test_rescheduling_unchanged_requests_moves_nothing(instance):
    first = run(instance)
    again = run(instance, previous=slot_by_meeting(first))
    assert (again.moved, again.score) == (0, first.score)


def test_rescheduling_keeps_a_previous_slot_that_another_slot_would_equal():
    result = schedule_meetings([Meeting(1, "IT1", "RU1")], slots=4, tables=1, previous={1: 3})
    assert slot_by_meeting(result) == {1: 3}


def test_rescheduling_moves_a_published_meeting_when_that_schedules_more_weight():
    meetings = [Meeting(1, "IT1", "RU1", 1), Meeting(2, "IT1", "RU2", 2)]
    result = schedule_meetings(meetings, slots=2, tables=2, availability={"RU2": {0}}, previous={1: 0})
    assert (slot_by_meeting(result), result.moved, result.moved_meetings) == ({1: 1, 2: 0}, 1, [1])


def test_rescheduling_reports_cancelled_meetings():
    result = schedule_meetings([Meeting(1, "IT1", "RU1")], slots=2, tables=1, previous={1: 0, 7: 1})
    assert (result.cancelled, result.moved) == ([7], 0)


def test_rescheduling_reports_a_published_meeting_dropped_for_a_heavier_one():
    meetings = [Meeting(1, "IT1", "RU1", 1), Meeting(2, "IT2", "RU2", 3)]
    result = schedule_meetings(meetings, slots=1, tables=1, previous={1: 0})
    assert (slot_by_meeting(result), result.dropped) == ({2: 0}, [1])


@pytest.mark.parametrize("meetings, options", [
    ([Meeting(1, "IT1", "IT1")], {}),
    ([Meeting(1, "IT1", "RU1"), Meeting(1, "IT2", "RU2")], {}),
    ([Meeting(1, "IT1", "RU1", 0)], {}),
    ([Meeting(1, "IT1", "RU1")], {"availability": {"IT1": {5}}}),
    ([Meeting(1, "IT1", "RU1")], {"previous": {1: 9}}),
    ([Meeting(1, "IT1", "RU1")], {"cap": -1}),
], ids=["self-meeting", "duplicate-id", "zero-weight", "slot-out-of-range", "previous-out-of-range",
        "negative-cap"])
def test_malformed_input_is_refused(meetings, options):
    with pytest.raises(ValueError):
        schedule_meetings(meetings, slots=4, tables=2, **options)


def test_scheduling_prints_nothing_to_stdout():
    # Served, stdout is the request log: HiGHS' banner must not land in it.
    program = ("from api.networking.scheduler import Meeting, schedule_meetings\n"
               "schedule_meetings([Meeting(1, 'IT1', 'RU1'), Meeting(2, 'IT1', 'RU2')], slots=2, tables=1)\n")
    finished = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True)
    assert finished.stdout == ""
