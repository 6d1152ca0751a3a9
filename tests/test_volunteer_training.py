"""Volunteer training sessions: brute force on small instances, one tiny test per rule, the
reasons and fixes in words, the samples solve with every rule held."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from workbench.cohort.domain import Cohort
from workbench.cohort.loading import load_cohort
from workbench.cohort.validation import cohort_from_records
from workbench.volunteers.training import (
    TrainingSettings,
    build_instance,
    build_model,
    solve_model,
    solve_training,
)
from workbench.volunteers.training_explain import check_plan
from workbench.volunteers.training_start import first_plan

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"


def hm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


DAY = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5}


class Tiny:
    """A hand-built cohort plus the raw rows, so the tests check freeness from the tables."""

    def __init__(
        self,
        mentors: list[str],
        leaders: list[str] = (),
        busy: list[tuple] = (),
        lectures: list[tuple] = (),
        rooms: list[tuple] = (("R1", 30),),
        room_busy: list[tuple] = (),
    ) -> None:
        people = list(dict.fromkeys([*mentors, *leaders]))
        self.busy = [(s, DAY[d], hm(a), hm(b)) for s, d, a, b, _ in busy]
        # lectures: (student, day, start, end) for the student's own module M_<student>
        self.lectures = [(s, DAY[d], hm(a), hm(b)) for s, d, a, b in lectures]
        self.room_busy = [(r, DAY[d], hm(a), hm(b)) for r, d, a, b in room_busy]
        self.rooms = {r: c for r, c in rooms}
        tables = {
            "students": [{"student_id": s, "programme": "Physics", "level": "UG2"} for s in people],
            "mentors": [{"student_id": s, "capacity": "2"} for s in mentors],
            "modules": [{"module_code": f"M_{s}"} for s in people] + [{"module_code": "PH1"}],
            "leaders": [{"student_id": s, "module_code": "PH1"} for s in leaders],
            "enrolments": [{"student_id": s, "module_code": f"M_{s}"} for s in people],
            "timetable": [
                {"module_code": f"M_{s}", "day": d, "start": a, "end": b, "activity": "lecture"}
                for s, d, a, b in lectures
            ],
            "busy": [
                {"student_id": s, "day": d, "start": a, "end": b, "reason": r}
                for s, d, a, b, r in busy
            ],
            "rooms": [{"room_id": r, "capacity": str(c)} for r, c in rooms],
            "room_busy": [
                {"room_id": r, "day": d, "start": a, "end": b} for r, d, a, b in room_busy
            ],
        }
        self.cohort: Cohort = cohort_from_records(**{k: v for k, v in tables.items() if v})
        self.people = people

    def free(self, sid: str, day: int, start: int, end: int) -> bool:
        rows = [r for r in self.busy + self.lectures if r[0] == sid]
        return not any(d == day and a < end and start < b for _, d, a, b in rows)

    def room_free(self, room: str, day: int, start: int, end: int) -> bool:
        rows = [r for r in self.room_busy if r[0] == room]
        return not any(d == day and a < end and start < b for _, d, a, b in rows)


def times_of(settings: TrainingSettings) -> list[tuple[int, int, int]]:
    return [
        (d, m, m + settings.minutes)
        for d in settings.days
        for m in range(settings.first_start, settings.last_start + 1, 60)
    ]


def max_placed(tiny: Tiny, sessions: list[tuple], size: int) -> int:
    """Largest matching of volunteers to seats of the chosen sessions (augmenting paths)."""
    seats = [s for s in sessions for _ in range(min(size, tiny.rooms[s[3]]))]
    owner: dict[int, str] = {}

    def augment(person: str, seen: set[int]) -> bool:
        for k, (d, a, b, _) in enumerate(seats):
            if k in seen or not tiny.free(person, d, a, b):
                continue
            seen.add(k)
            if k not in owner or augment(owner[k], seen):
                owner[k] = person
                return True
        return False

    return sum(augment(p, set()) for p in tiny.people)


def brute_force(tiny: Tiny, settings: TrainingSettings) -> tuple[int, int]:
    """(most volunteers placed, fewest sessions placing that many) over every set of sessions."""
    candidates = [
        (d, a, b, room)
        for d, a, b in times_of(settings)
        for room in tiny.rooms
        if tiny.room_free(room, d, a, b)
    ]
    best = (0, 0)
    for k in range(len(candidates) + 1):
        for chosen in itertools.combinations(candidates, k):
            clash = any(
                x[3] == y[3] and x[0] == y[0] and x[1] < y[2] and y[1] < x[2]
                for x, y in itertools.combinations(chosen, 2)
            )
            if clash:
                continue
            placed = max_placed(tiny, list(chosen), settings.max_size)
            if placed > best[0]:
                best = (placed, k)
    return best


def assert_rules(tiny: Tiny, plan) -> None:
    """Every rule, checked from the raw rows (not from the model's matrices)."""
    by_id = {r["session_id"]: r for r in plan.sessions.to_dict("records")}
    assert not plan.assignments["student_id"].duplicated().any()
    for row in plan.assignments.to_dict("records"):
        s = by_id[row["session_id"]]
        assert tiny.free(row["student_id"], s["day"], s["start"], s["end"])
    counts = plan.assignments["session_id"].value_counts()
    for sid, s in by_id.items():
        assert tiny.room_free(s["room_id"], s["day"], s["start"], s["end"])
        assert (
            1
            <= counts[sid]
            == s["trainees"]
            <= min(plan.settings.max_size, tiny.rooms[s["room_id"]])
        )
    for a, b in itertools.combinations(by_id.values(), 2):
        same = a["room_id"] == b["room_id"] and a["day"] == b["day"]
        assert not (same and a["start"] < b["end"] and b["start"] < a["end"])
    inst = build_instance(tiny.cohort, plan.settings)
    assert check_plan(inst, plan.sessions, plan.assignments) == []


def random_tiny(seed: int) -> tuple[Tiny, TrainingSettings]:
    rng = random.Random(seed)
    people = [f"V{i}" for i in range(rng.randint(3, 6))]
    busy = []
    for p in people:
        for _ in range(rng.randint(0, 3)):
            start = rng.choice([9, 10, 11, 12])
            busy.append((p, rng.choice(["Mon", "Tue"]), f"{start}:00", f"{start + 1}:00", "job"))
    rooms = [("R1", rng.choice([2, 3, 30])), ("R2", rng.choice([1, 2, 4]))]
    room_busy = [("R2", "Mon", "09:00", "11:00")] if rng.random() < 0.5 else []
    tiny = Tiny(people[:2], people[2:], busy=busy, rooms=rooms, room_busy=room_busy)
    settings = TrainingSettings(
        days=[0, 1] if rng.random() < 0.5 else [0],
        first_start=9 * 60,
        last_start=11 * 60,
        minutes=rng.choice([60, 120]),
        max_size=rng.choice([2, 3, 20]),
    )
    return tiny, settings


@pytest.mark.parametrize("seed", range(14))
def test_fewest_sessions_and_most_placed_as_brute_force(seed: int) -> None:
    tiny, settings = random_tiny(seed)
    plan = solve_training(tiny.cohort, settings)
    placed, sessions = brute_force(tiny, settings)
    assert plan.status.status == "optimal"
    assert plan.trained == placed
    assert len(plan.sessions) == sessions
    assert_rules(tiny, plan)
    assert len(plan.untrained) == len(tiny.people) - placed
    assert plan.trained + len(plan.untrained) == plan.volunteers == len(tiny.people)


def test_everyone_who_can_attend_is_trained() -> None:
    """Everyone free at some time with a free room is placed when the seats allow."""
    tiny = Tiny(
        ["A", "B", "C"],
        ["D"],
        busy=[("A", "Mon", "09:00", "10:00", "job"), ("B", "Mon", "10:00", "12:00", "job")],
    )
    settings = TrainingSettings(days=[0], first_start=540, last_start=660, minutes=60)
    plan = solve_training(tiny.cohort, settings)
    assert plan.trained == 4 and plan.untrained.empty
    assert len(plan.sessions) == 2  # A is free 10-12, B only 9-10: no one time suits both
    assert_rules(tiny, plan)


# ------------------------------------------------------------------------------ one test per rule


def test_rule_free_for_it_volunteer() -> None:
    """A volunteer busy at the only time is never placed there (lecture and own commitment)."""
    tiny = Tiny(
        ["A", "B"],
        busy=[("A", "Mon", "09:00", "10:00", "part-time job")],
        lectures=[("B", "Mon", "09:30", "10:30")],
    )
    plan = solve_training(
        tiny.cohort, TrainingSettings(days=[0], first_start=540, last_start=540, minutes=60)
    )
    assert plan.trained == 0 and len(plan.sessions) == 0
    reasons = dict(zip(plan.untrained["student_id"], plan.untrained["reason"], strict=True))
    assert reasons["A"] == "free at none of the 1 possible times: part-time job on Mon"
    assert reasons["B"] == "free at none of the 1 possible times: lectures on Mon"


def test_rule_free_for_it_room() -> None:
    """A session never uses a booked room; with every room booked the reason says so."""
    tiny = Tiny(["A"], rooms=[("R1", 5), ("R2", 5)], room_busy=[("R1", "Mon", "09:00", "10:00")])
    plan = solve_training(
        tiny.cohort, TrainingSettings(days=[0], first_start=540, last_start=540, minutes=60)
    )
    assert plan.sessions["room_id"].tolist() == ["R2"]
    tiny = Tiny(["A"], rooms=[("R1", 5)], room_busy=[("R1", "Mon", "08:00", "12:00")])
    plan = solve_training(
        tiny.cohort, TrainingSettings(days=[0], first_start=540, last_start=600, minutes=60)
    )
    assert plan.trained == 0
    assert plan.untrained["reason"].iloc[0] == (
        "free at 2 of the 2 possible times (Mon 09:00-10:00, Mon 10:00-11:00), "
        "but no room is free then"
    )
    assert any(f.startswith("Book a room") for f in plan.fixes)


def test_rule_one_session_each() -> None:
    """Two free times and seats for all: each volunteer appears once, in one session."""
    tiny = Tiny(["A", "B"], rooms=[("R1", 1), ("R2", 1)])
    plan = solve_training(
        tiny.cohort, TrainingSettings(days=[0], first_start=540, last_start=600, minutes=60)
    )
    assert sorted(plan.assignments["student_id"]) == ["A", "B"]
    assert len(plan.sessions) == 2


def test_rule_seats() -> None:
    """Five volunteers, a largest group of 2 and one room: three sessions at three times."""
    tiny = Tiny(["A", "B", "C", "D", "E"], rooms=[("R1", 10)])
    settings = TrainingSettings(days=[0], first_start=540, last_start=720, minutes=60, max_size=2)
    plan = solve_training(tiny.cohort, settings)
    assert plan.trained == 5
    assert sorted(plan.sessions["trainees"]) == [1, 2, 2]
    small = Tiny(["A", "B", "C"], rooms=[("R1", 2)])
    plan = solve_training(
        small.cohort, TrainingSettings(days=[0], first_start=540, last_start=540, minutes=60)
    )
    assert plan.trained == 2  # a 2-seat room holds two at the one time
    assert "are full" in plan.untrained["reason"].iloc[0]


def test_rule_room_holds_one_session_at_a_time() -> None:
    """2-hour sessions at 09:00 and 10:00 overlap, so one room cannot hold both."""
    tiny = Tiny(
        ["A", "B"],
        busy=[("A", "Mon", "11:00", "12:00", "job"), ("B", "Mon", "09:00", "10:00", "job")],
        rooms=[("R1", 10)],
    )
    settings = TrainingSettings(days=[0], first_start=540, last_start=600, minutes=120)
    plan = solve_training(tiny.cohort, settings)
    assert plan.trained == 1 and len(plan.sessions) == 1
    two_rooms = Tiny(
        ["A", "B"],
        busy=[("A", "Mon", "11:00", "12:00", "job"), ("B", "Mon", "09:00", "10:00", "job")],
        rooms=[("R1", 10), ("R2", 10)],
    )
    plan = solve_training(two_rooms.cohort, settings)
    assert plan.trained == 2 and sorted(plan.sessions["room_id"]) == ["R1", "R2"]


# ------------------------------------------------------------------------------ words


def test_reason_and_help_for_a_volunteer_free_at_no_time() -> None:
    """Lectures Mon-Thu and a job on Fri: the reason says so; an evening or Saturday would help."""
    lectures = [("A", d, "09:00", "18:00") for d in ("Mon", "Tue", "Wed", "Thu")]
    tiny = Tiny(["A", "B"], busy=[("A", "Fri", "08:00", "19:00", "job")], lectures=lectures)
    plan = solve_training(tiny.cohort, TrainingSettings())
    row = plan.untrained.set_index("student_id").loc["A"]
    assert row["reason"] == "free at none of the 45 possible times: lectures on Mon-Thu, job on Fri"
    assert "another day (Sat)" in row["help"] and "an evening slot" in row["help"]
    assert "Offer another day: 1 of the 1 volunteers not placed could come." in plan.fixes
    assert plan.headline() == "1 of 2 volunteers placed in 1 training session; 1 cannot be placed."


def test_who_limits_the_volunteers() -> None:
    tiny = Tiny(["A"], ["B"])
    plan = solve_training(tiny.cohort, TrainingSettings(who="leaders"))
    assert plan.assignments["student_id"].tolist() == ["B"]
    assert plan.assignments["role"].tolist() == ["PASS leader"]
    with pytest.raises(ValueError, match="mentors, leaders or both"):
        TrainingSettings(who="tutors")


def test_constraints_are_named_after_their_rules() -> None:
    tiny = Tiny(["A", "B"], rooms=[("R1", 1)])
    settings = TrainingSettings(days=[0], first_start=540, last_start=600, minutes=120)
    model = build_model(build_instance(tiny.cohort, settings))
    names = set(model.prob.constraints)
    assert any(n.startswith("one_session_each") for n in names)
    assert any(n.startswith("seats_at_time") for n in names)
    assert any(n.startswith("room_one_session_at_a_time") for n in names)
    assert all(v.name.startswith(("session_runs", "trained_at")) for v in model.prob.variables())
    solved, _ = solve_model(build_instance(tiny.cohort, settings), settings)
    assert {"everyone_who_can_come_is_placed", "seat_bound"} <= set(solved.prob.constraints)


@pytest.mark.parametrize("name", ["department", "faculty"])
def test_sample_solves_with_every_rule_held(name: str) -> None:
    cohort = load_cohort(SAMPLES / name).cohort
    plan = solve_training(cohort)
    inst = build_instance(cohort, plan.settings)
    assert plan.status.status == "optimal"
    assert check_plan(inst, plan.sessions, plan.assignments) == []
    trainable = int(inst.usable().any(axis=1).sum())
    assert plan.trained == trainable  # everyone who can come is placed
    # no fewer sessions could seat them (the seat bound); no more than the quick first plan
    assert len(plan.sessions) >= -(-plan.trained // plan.settings.max_size)
    assert len(plan.sessions) <= len(first_plan(inst))
