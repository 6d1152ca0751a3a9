"""PASS sessions: optimality against brute force, every hard rule, locks, diagnostics, reasons."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pandas as pd
import pytest

from workbench.cohort.availability import (
    busy_intervals,
    free_matrix,
    room_free_matrix,
    weekly_slots,
)
from workbench.cohort.domain import Cohort, Slot, SolveStatus
from workbench.cohort.generate import generate_cohort
from workbench.cohort.validation import cohort_from_records
from workbench.schemes.pass_sessions.settings import LUNCH, LockedSession, targeted_modules
from workbench.schemes.pass_sessions.solve import (
    PassSettings,
    free_students_by_slot,
    greedy_plan,
    lp_bound,
    solve_pass,
)

# ------------------------------------------------------------------------------------------
# Helpers


def tiny(
    students: list[str],
    enrol: list[tuple[str, str]],
    *,
    modules: list[str] | None = None,
    timetable: list[tuple] = (),
    busy: list[tuple] = (),
    leaders: list[tuple] = (),
    rooms: list[tuple] = (("R1", 30),),
    room_busy: list[tuple] = (),
) -> Cohort:
    """A hand-built cohort; times as a coordinator types them ("Mon", "09:00")."""
    mods = modules or sorted(
        {m for _, m in enrol} | {r[0] for r in timetable} | {r[1] for r in leaders}
    )
    tables = {
        "students": [{"student_id": s, "programme": "Physics", "level": "UG1"} for s in students],
        "modules": [{"module_code": m, "fail_rate": "0.3"} for m in mods],
        "enrolments": [{"student_id": s, "module_code": m} for s, m in enrol],
        "timetable": [
            {"module_code": m, "day": d, "start": a, "end": b, "activity": "lecture"}
            for m, d, a, b in timetable
        ],
        "busy": [
            {"student_id": s, "day": d, "start": a, "end": b, "reason": r} for s, d, a, b, r in busy
        ],
        "leaders": [
            {"student_id": s, "module_code": m, "max_sessions": str(n)} for s, m, n in leaders
        ],
        "rooms": [{"room_id": r, "capacity": str(c)} for r, c in rooms],
        "room_busy": [{"room_id": r, "day": d, "start": a, "end": b} for r, d, a, b in room_busy],
    }
    return cohort_from_records(**{k: v for k, v in tables.items() if v})


MON = {"days": [0], "first_start": 9 * 60, "last_start": 11 * 60}  # Mon 09:00, 10:00, 11:00


def assert_hard_rules(cohort: Cohort, settings: PassSettings, result) -> None:
    """Every hard rule of the issue, checked from the cohort tables, not the model."""
    s = result.sessions
    grid = set(
        weekly_slots(
            settings.days,
            settings.first_start,
            settings.last_start,
            settings.session_minutes,
            settings.avoid(),
        )
    )
    locked = {(lk.module_code, lk.day, lk.start) for lk in settings.locked_sessions}
    targeted, _ = targeted_modules(cohort, settings)
    assert set(s["module_code"]) <= set(targeted)
    leaders = cohort.leaders
    intervals = busy_intervals(cohort)
    rooms, room_free = room_free_matrix(
        cohort, [Slot(r.day, r.start, r.end) for r in s.itertuples()]
    )
    cap = dict(zip(cohort.rooms["room_id"], cohort.rooms["capacity"], strict=True))
    for i, row in enumerate(s.itertuples()):
        slot = Slot(row.day, row.start, row.end)
        is_locked = (row.module_code, row.day, row.start) in locked
        assert is_locked or slot in grid, f"{row.module_code} at {slot.label} is off the grid"
        assert row.end - row.start == settings.session_minutes
        if not is_locked:
            assert isinstance(row.leader_id, str), f"{row.module_code} {slot.label} has no leader"
            listed = leaders[
                (leaders["student_id"] == row.leader_id)
                & (leaders["module_code"] == row.module_code)
            ]
            assert len(listed) == 1, f"{row.leader_id} does not lead {row.module_code}"
            assert free_matrix(cohort, [row.leader_id], [slot], intervals)[0, 0], (
                f"leader {row.leader_id} is busy at {slot.label}"
            )
            assert isinstance(row.room_id, str)
            assert room_free[rooms.index(row.room_id), i], f"{row.room_id} booked {slot.label}"
        if isinstance(row.room_id, str):
            assert cap[row.room_id] >= row.expected_attendance - 1e-9, (
                f"{row.room_id} seats {cap[row.room_id]} < {row.expected_attendance}"
            )
    # distinct slots per module, at most the sessions wanted (more only when locked)
    for code, grp in s.groupby("module_code"):
        assert not grp.duplicated(["day", "start"]).any()
        n_locked = sum(1 for lk in settings.locked_sessions if lk.module_code == code)
        assert len(grp) <= max(settings.sessions_per_module, n_locked)
    # one place at a time: leaders and rooms
    for col in ("leader_id", "room_id"):
        used = s.dropna(subset=[col])
        for _, grp in used.groupby(col):
            rows = list(grp.itertuples())
            for a, b in itertools.combinations(rows, 2):
                assert not (a.day == b.day and a.start < b.end and b.start < a.end), (
                    f"{col} {getattr(a, col)} in two places on day {a.day}"
                )
    # weekly limits: per module the row's max_sessions; in all, the largest of their rows
    for lid, grp in s.dropna(subset=["leader_id"]).groupby("leader_id"):
        rows = leaders[leaders["student_id"] == lid]
        n_locked = sum(1 for lk in settings.locked_sessions if lk.leader_id == lid)
        assert len(grp) <= max(int(rows["max_sessions"].max()) if len(rows) else 0, n_locked)
        for code, per in grp.groupby("module_code"):
            row = rows[rows["module_code"] == code]
            limit = int(row["max_sessions"].iloc[0]) if len(row) else 0
            n_locked_m = sum(
                1
                for lk in settings.locked_sessions
                if lk.leader_id == lid and lk.module_code == code
            )
            assert len(per) <= max(limit, n_locked_m)
    # reach recomputed from the free-at rule
    enrol = cohort.enrolments[cohort.enrolments["module_code"].isin(targeted)]
    expected_reach = {}
    for code, grp in enrol.groupby("module_code"):
        mine = s[s["module_code"] == code]
        slots = [Slot(r.day, r.start, r.end) for r in mine.itertuples()]
        ids = sorted(grp["student_id"])
        free = (
            free_matrix(cohort, ids, slots, intervals) if slots else np.zeros((len(ids), 0), bool)
        )
        for sid, ok in zip(ids, free.any(axis=1), strict=True):
            expected_reach[sid, code] = bool(ok)
    got = {(r.student_id, r.module_code): bool(r.reached) for r in result.reach.itertuples()}
    assert got == expected_reach
    assert (result.reach["reason"] == "").eq(result.reach["reached"]).all()
    # coverage and expected attendance follow from reach
    cov = result.coverage.set_index("module_code")
    for code in targeted:
        reach = sum(v for (sid, m), v in expected_reach.items() if m == code)
        assert cov.loc[code, "reachable"] == reach
        uptake = settings.uptake(code)
        assert cov.loc[code, "expected_attendance"] == pytest.approx(
            uptake.regular * reach, abs=0.01
        )
        n = (s["module_code"] == code).sum()
        if n:
            assert s.loc[s["module_code"] == code, "expected_attendance"].sum() == (
                pytest.approx(uptake.regular * reach, abs=0.05)
            )
    summary = result.summary()
    assert summary["reach"] == sum(expected_reach.values())
    assert summary["targeted"] == len(expected_reach)


# ------------------------------------------------------------------------------------------
# Brute force on small instances


def random_tiny(seed: int) -> tuple[Cohort, PassSettings]:
    rng = random.Random(seed)
    days = ["Mon", "Tue"]
    hours = ["09:00", "10:00", "11:00"]
    n_mod = rng.choice([2, 2, 3])
    mods = [f"M{i}01" for i in range(n_mod)]
    students = [f"S{i}" for i in range(rng.randint(6, 10))]
    leaders_ids = [f"L{i}" for i in range(rng.randint(2, 3))]
    enrol = []
    for sid in students:
        for m in rng.sample(mods, rng.randint(1, 2)):
            enrol.append((sid, m))
        enrol.append((sid, "X101"))
    timetable = [
        ("X101", rng.choice(days), h, f"{int(h[:2]) + 1:02d}:00") for h in rng.sample(hours, 1)
    ]
    for m in mods:
        for _ in range(rng.randint(0, 2)):
            h = rng.choice(hours)
            timetable.append((m, rng.choice(days), h, f"{int(h[:2]) + 1:02d}:00"))
    busy = []
    for sid in students + leaders_ids:
        for _ in range(rng.randint(0, 3)):
            h = rng.choice(hours)
            busy.append((sid, rng.choice(days), h, f"{int(h[:2]) + 1:02d}:00", "job"))
    leaders = []
    for lid in leaders_ids:
        for m in rng.sample(mods, rng.randint(1, 2)):
            leaders.append((lid, m, rng.randint(1, 2)))
    rooms = [("R1", 50)] + ([("R2", 50)] if rng.random() < 0.5 else [])
    room_busy = [
        (r, rng.choice(days), h, f"{int(h[:2]) + 1:02d}:00")
        for r, _ in rooms
        for h in rng.sample(hours, rng.randint(0, 2))
    ]
    cohort = tiny(
        students + leaders_ids,
        enrol,
        modules=mods + ["X101"],
        timetable=timetable,
        busy=busy,
        leaders=leaders,
        rooms=rooms,
        room_busy=room_busy,
    )
    settings = PassSettings(
        modules=mods,
        days=[0, 1],
        first_start=540,
        last_start=660,
        sessions_per_module=rng.choice([1, 2]),
        time_limit=20,
    )
    return cohort, settings


def brute_force(cohort: Cohort, settings: PassSettings) -> tuple[int, int]:
    """(most sessions, then most reach) over every choice of slots, leaders and rooms."""
    slots = weekly_slots(
        settings.days, settings.first_start, settings.last_start, settings.session_minutes
    )
    mods = settings.modules
    k = settings.sessions_per_module
    _, room_free = room_free_matrix(cohort, slots)
    rooms_at = room_free.sum(axis=0)
    lead = cohort.leaders
    leader_ids = sorted(set(lead["student_id"]))
    lfree = free_matrix(cohort, leader_ids, slots)
    can = {(row.student_id, row.module_code): int(row.max_sessions) for row in lead.itertuples()}
    total_max = {
        lid: int(lead.loc[lead["student_id"] == lid, "max_sessions"].max()) for lid in leader_ids
    }
    reach_of = {}
    for m in mods:
        ids = sorted(cohort.enrolments.loc[cohort.enrolments["module_code"] == m, "student_id"])
        reach_of[m] = free_matrix(cohort, ids, slots)
    options = []
    for m in mods:
        subsets = [c for n in range(k + 1) for c in itertools.combinations(range(len(slots)), n)]
        options.append(
            [(c, int(reach_of[m][:, list(c)].any(axis=1).sum()) if c else 0) for c in subsets]
        )
    combos = []
    for choice in itertools.product(*options):
        combos.append(
            (sum(len(c) for c, _ in choice), sum(r for _, r in choice), [c for c, _ in choice])
        )
    combos.sort(key=lambda t: (-t[0], -t[1]))

    def feasible(picks: list[tuple[int, ...]]) -> bool:
        sessions = [(m, s) for m, c in zip(mods, picks, strict=True) for s in c]
        per_slot = {}
        for _, s in sessions:
            per_slot[s] = per_slot.get(s, 0) + 1
        if any(n > rooms_at[s] for s, n in per_slot.items()):
            return False
        choices = []
        for m, s in sessions:
            ok = [
                lid
                for lid in leader_ids
                if can.get((lid, m), 0) > 0 and lfree[leader_ids.index(lid), s]
            ]
            if not ok:
                return False
            choices.append(ok)
        for assign in itertools.product(*choices):
            seen = set()
            count: dict[str, int] = {}
            per_mod: dict[tuple[str, str], int] = {}
            good = True
            for (m, s), lid in zip(sessions, assign, strict=True):
                if (lid, s) in seen:
                    good = False
                    break
                seen.add((lid, s))
                count[lid] = count.get(lid, 0) + 1
                per_mod[lid, m] = per_mod.get((lid, m), 0) + 1
                if count[lid] > total_max[lid] or per_mod[lid, m] > can[(lid, m)]:
                    good = False
                    break
            if good:
                return True
        return False

    for n, reach, picks in combos:
        if feasible(picks):
            return n, reach
    return 0, 0


@pytest.mark.parametrize("seed", range(40))
def test_brute_force_proves_the_plan_optimal(seed):
    cohort, settings = random_tiny(seed)
    best_sessions, best_reach = brute_force(cohort, settings)
    for formulation in ("patterns", "compact"):
        s = settings.model_copy(update={"formulation": formulation})
        result = solve_pass(cohort, s)
        assert result.status.status == "optimal"
        assert_hard_rules(cohort, s, result)
        assert len(result.sessions) == best_sessions, formulation
        assert result.reach_count == best_reach, formulation
    greedy = greedy_plan(cohort, settings)
    assert_hard_rules(cohort, settings, greedy)
    assert (len(greedy.sessions), greedy.reach_count) <= (best_sessions, best_reach)


# ------------------------------------------------------------------------------------------
# Generated cohorts


@pytest.fixture(scope="module")
def generated() -> Cohort:
    return generate_cohort(500, seed=4)


@pytest.mark.parametrize(
    "settings",
    [
        PassSettings(),
        PassSettings(top=8, sessions_per_module=3),
        PassSettings(threshold=0.25, avoid_slots=[LUNCH], days=[0, 1, 2, 3]),
        PassSettings(top=6, sessions_per_module=1, first_start=600, last_start=900),
        PassSettings(top=6, formulation="compact", uptake_regular=0.5, uptake_once=0.6),
        PassSettings(top=6, solver="cbc"),
        PassSettings(top=6, solver="cbc", formulation="compact"),
    ],
    ids=[
        "default",
        "top8-k3",
        "threshold-lunch",
        "k1-narrow",
        "compact-uptake",
        "cbc",
        "cbc-compact",
    ],
)
def test_every_hard_rule_holds_on_generated_cohorts(generated, settings):
    result = solve_pass(generated, settings)
    assert result.status.status == "optimal"
    assert_hard_rules(generated, settings, result)
    assert result.reach_count >= result.greedy_reach
    bound = lp_bound(generated, settings, formulation="compact")
    assert result.reach_count <= bound + 0.5


def test_both_models_agree_with_each_other_and_bound_the_greedy(generated):
    settings = PassSettings(top=10)
    a = solve_pass(generated, settings.model_copy(update={"formulation": "patterns"}))
    b = solve_pass(generated, settings.model_copy(update={"formulation": "compact"}))
    assert a.formulation == "patterns" and b.formulation == "compact"
    assert a.reach_count == b.reach_count
    assert a.reach_count >= greedy_plan(generated, settings).reach_count


def test_same_input_same_plan(generated):
    settings = PassSettings(top=6)
    a = solve_pass(generated, settings)
    b = solve_pass(generated, settings)
    pd.testing.assert_frame_equal(a.sessions, b.sessions)
    pd.testing.assert_frame_equal(a.reach, b.reach)


def test_settings_round_trip_as_json():
    settings = PassSettings(
        modules=["A101"],
        module_uptake={"A101": (0.2, 0.5)},
        avoid_slots=[LUNCH],
        locked_sessions=[LockedSession(module_code="A101", day=1, start=600)],
    )
    again = PassSettings.model_validate_json(settings.model_dump_json())
    assert again == settings
    assert again.uptake("A101").regular == 0.2 and again.uptake("B").regular == 0.30


def test_targeting_rules():
    with pytest.raises(ValueError, match="one way only"):
        PassSettings(top=3, threshold=0.2)
    with pytest.raises(ValueError):
        PassSettings(uptake_regular=0.5, uptake_once=0.4)


# ------------------------------------------------------------------------------------------
# Locks


def test_locked_sessions_stay_and_the_rest_is_solved(generated):
    base = PassSettings(top=4)
    free_plan = solve_pass(generated, base)
    led = [m for m in free_plan.targeted if m in set(generated.leaders["module_code"])]
    code, other = led[0], led[1]
    leader = sorted(generated.leaders.loc[generated.leaders["module_code"] == code, "student_id"])[
        0
    ]
    slot_day, slot_start = 4, 16 * 60  # Friday 16:00: penalised, so not chosen freely
    room = sorted(generated.rooms["room_id"])[0]
    locks = [
        LockedSession(
            module_code=code, day=slot_day, start=slot_start, room_id=room, leader_id=leader
        ),
        LockedSession(module_code=other, day=2, start=12 * 60 + 30),
    ]
    settings = base.model_copy(update={"locked_sessions": locks})
    result = solve_pass(generated, settings)
    s = result.sessions
    mine = s[(s["module_code"] == code) & (s["day"] == slot_day) & (s["start"] == slot_start)]
    assert len(mine) == 1
    assert mine.iloc[0]["room_id"] == room and mine.iloc[0]["leader_id"] == leader
    assert bool(mine.iloc[0]["locked"])
    off = s[(s["module_code"] == other) & (s["start"] == 12 * 60 + 30)]
    assert len(off) == 1 and off.iloc[0]["day"] == 2 and isinstance(off.iloc[0]["room_id"], str)
    assert result.status.status == "optimal"
    assert_hard_rules(generated, settings, result)
    assert (s["module_code"] == code).sum() == 2  # the lock plus one freely chosen session


def test_a_locked_busy_leader_is_kept_and_reported():
    cohort = tiny(
        ["S1", "S2", "L1"],
        [("S1", "A101"), ("S2", "A101")],
        busy=[("L1", "Mon", "10:00", "11:00", "lab")],
        leaders=[("L1", "A101", 2)],
    )
    settings = PassSettings(
        modules=["A101"],
        sessions_per_module=1,
        locked_sessions=[LockedSession(module_code="A101", day=0, start=600, leader_id="L1")],
        **MON,
    )
    result = solve_pass(cohort, settings)
    assert any("leader L1 is busy then (kept as locked)" in d for d in result.diagnostics)
    row = result.sessions.iloc[0]
    assert (row["start"], row["leader_id"], bool(row["locked"])) == (600, "L1", True)


@pytest.mark.parametrize(
    "locks, match",
    [
        ([("A101", 0, 600, "R1", None), ("B101", 0, 600, "R1", None)], "both use room R1"),
        ([("A101", 0, 600, None, "L1"), ("B101", 0, 600, None, "L1")], "both led by L1"),
        ([("A101", 0, 600, None, None), ("A101", 0, 630, None, None)], "overlap"),
        ([("A101", 0, 600, "R9", None)], "unknown room R9"),
        ([("C101", 0, 600, None, None)], "unknown module C101"),
    ],
)
def test_clashing_or_unknown_locks_are_bad_input(locks, match):
    cohort = tiny(
        ["S1", "L1"],
        [("S1", "A101"), ("S1", "B101")],
        leaders=[("L1", "A101", 2), ("L1", "B101", 2)],
    )
    settings = PassSettings(
        modules=["A101", "B101"],
        locked_sessions=[
            LockedSession(module_code=m, day=d, start=t, room_id=r, leader_id=lid)
            for m, d, t, r, lid in locks
        ],
        **MON,
    )
    with pytest.raises(ValueError, match=match):
        solve_pass(cohort, settings)


# ------------------------------------------------------------------------------------------
# Diagnostics and reasons on instances built to have them


def test_module_without_leader_is_named_before_and_after():
    cohort = tiny(["S1", "S2", "L1"], [("S1", "A101"), ("S2", "B101")], leaders=[("L1", "A101", 2)])
    result = solve_pass(cohort, PassSettings(modules=["A101", "B101"], **MON))
    assert "B101: no leader is listed for this module." in result.diagnostics
    assert "B101: 0 of 2 sessions placed: no leader is listed for this module." in (result.messages)
    row = result.reach.set_index("module_code").loc["B101"]
    assert not row["reached"] and row["reason"] == "no B101 session could be placed"
    assert result.status.status == "optimal"  # explained, never a bare infeasible


def test_leader_with_no_free_slot():
    cohort = tiny(
        ["S1", "L1"],
        [("S1", "A101")],
        busy=[("L1", "Mon", "09:00", "12:00", "placement")],
        leaders=[("L1", "A101", 2)],
    )
    result = solve_pass(cohort, PassSettings(modules=["A101"], **MON))
    assert "Leader L1 (A101): not free at any slot of the grid." in result.diagnostics
    assert "A101: no leader free at any candidate slot." in result.diagnostics
    assert "A101: 0 of 2 sessions placed: no leader free at any candidate slot." in (
        result.messages
    )


def test_slot_with_no_free_room():
    cohort = tiny(
        ["S1", "L1"],
        [("S1", "A101")],
        leaders=[("L1", "A101", 2)],
        room_busy=[("R1", "Mon", "09:00", "10:00")],
    )
    result = solve_pass(cohort, PassSettings(modules=["A101"], **MON))
    assert "Mon 09:00-10:00: no room is free." in result.diagnostics
    assert set(result.sessions["start"]) == {600, 660}


def test_no_room_big_enough():
    students = [f"S{i}" for i in range(40)]
    cohort = tiny(
        students + ["L1"],
        [(s, "A101") for s in students],
        leaders=[("L1", "A101", 2)],
        rooms=[("R1", 10)],
    )
    result = solve_pass(cohort, PassSettings(modules=["A101"], sessions_per_module=1, **MON))
    assert "A101: no room seats the 12 expected per session (the largest holds 10)." in (
        result.diagnostics
    )
    assert len(result.sessions) == 0
    assert "A101: 0 of 1 sessions placed: no room seats the 12 expected per session." in (
        result.messages
    )


def test_room_capacity_rules_out_small_rooms():
    students = [f"S{i}" for i in range(20)]
    # 20 students x 0.30 / 1 session = 6 seats: the small room is never used
    cohort = tiny(
        students + ["L1"],
        [(s, "A101") for s in students],
        leaders=[("L1", "A101", 2)],
        rooms=[("SMALL", 5), ("BIG", 6)],
        room_busy=[("BIG", "Mon", "10:00", "12:00")],
    )
    result = solve_pass(cohort, PassSettings(modules=["A101"], sessions_per_module=1, **MON))
    assert list(result.sessions["room_id"]) == ["BIG"]
    assert list(result.sessions["start"]) == [540]


def test_reasons_for_students_not_reached():
    # A101: one session (K=1). Leader L1 busy at 11:00. S1 busy all morning, S2 free only at
    # 11:00, S3 free only at 10:00, S4-S6 free at 09:00 and 10:00 but X101 runs at 10:00.
    students = ["S1", "S2", "S3", "S4", "S5", "S6", "L1"]
    enrol = [(s, "A101") for s in students[:6]] + [(s, "X101") for s in ("S4", "S5", "S6")]
    cohort = tiny(
        students,
        enrol,
        modules=["A101", "X101"],
        timetable=[("X101", "Mon", "10:00", "11:00")],
        busy=[
            ("S1", "Mon", "09:00", "12:00", "job"),
            ("S2", "Mon", "09:00", "11:00", "caring"),
            ("S3", "Mon", "09:00", "10:00", "sport"),
            ("S3", "Mon", "11:00", "12:00", "sport"),
            ("L1", "Mon", "11:00", "12:00", "lab"),
        ],
        leaders=[("L1", "A101", 2)],
    )
    result = solve_pass(cohort, PassSettings(modules=["A101"], sessions_per_module=1, **MON))
    assert list(result.sessions["start"]) == [540]  # 09:00 reaches S4-S6
    why = result.reach.set_index("student_id")["reason"]
    assert why["S1"] == "their timetable covers every candidate slot"
    assert why["S2"] == "free only at slots with no A101 leader or room free"
    assert why["S3"] == "busy at every chosen session: Mon 09:00 (own commitment: sport)"
    assert why["S4"] == ""
    # at 10:00 instead, S4 would be busy with X101's lecture: lock it and ask why
    locked = PassSettings(
        modules=["A101"],
        sessions_per_module=1,
        locked_sessions=[LockedSession(module_code="A101", day=0, start=600)],
        **MON,
    )
    why = solve_pass(cohort, locked).reach.set_index("student_id")["reason"]
    assert why["S4"] == "busy at every chosen session: Mon 10:00 (X101 lecture)"
    assert why["S3"] == ""


def test_leader_weekly_maximum_explains_a_missing_session():
    cohort = tiny(["S1", "L1"], [("S1", "A101")], leaders=[("L1", "A101", 1)])
    result = solve_pass(cohort, PassSettings(modules=["A101"], **MON))
    assert "A101: its leaders can lead 1 session(s) a week between them; 2 wanted." in (
        result.diagnostics
    )
    assert len(result.sessions) == 1
    assert result.status.status == "optimal"


def test_shared_leader_splits_between_modules_and_says_why():
    # L1 leads both modules but only 2 sessions a week: 4 wanted, 2 placed, reach decides:
    # two A101 sessions reach S1 and S2, two B101 sessions S3 and S4, one of each reaches 3.
    students = ["S1", "S2", "S3", "S4", "L1"]
    enrol = [("S1", "A101"), ("S2", "A101"), ("S3", "B101"), ("S4", "B101")]
    cohort = tiny(
        students,
        enrol,
        leaders=[("L1", "A101", 2), ("L1", "B101", 2)],
        busy=[("S1", "Mon", "09:00", "10:00", "job"), ("S2", "Mon", "10:00", "12:00", "job")],
    )
    result = solve_pass(cohort, PassSettings(modules=["A101", "B101"], **MON))
    assert len(result.sessions) == 2
    assert result.reach_count == 3
    assert sorted(result.sessions["module_code"]) == ["A101", "B101"]
    assert any("at their weekly maximum" in m for m in result.messages)
    assert_hard_rules(cohort, PassSettings(modules=["A101", "B101"], **MON), result)


def test_free_students_by_slot_counts():
    cohort = tiny(
        ["S1", "S2", "S3", "L1"],
        [("S1", "A101"), ("S2", "A101"), ("S2", "B101"), ("S3", "B101")],
        busy=[("S1", "Mon", "09:00", "10:00", "job"), ("S2", "Mon", "10:00", "11:00", "job")],
        leaders=[("L1", "A101", 2), ("L1", "B101", 2)],
    )
    settings = PassSettings(modules=["A101", "B101"], **MON)
    table = free_students_by_slot(cohort, settings).set_index("start")
    assert list(table["free_students"]) == [2, 2, 3]
    assert list(table["free_pairs"]) == [3, 2, 4]
    assert list(table["label"]) == ["Mon 09:00-10:00", "Mon 10:00-11:00", "Mon 11:00-12:00"]
    assert list(table["leaders_free"]) == [1, 1, 1] and list(table["rooms_free"]) == [1, 1, 1]
    per = free_students_by_slot(cohort, settings, by_module=True)
    a = per[per["module_code"] == "A101"].set_index("start")
    assert list(a["free_students"]) == [1, 1, 2] and a["candidate"].all()


# ------------------------------------------------------------------------------------------
# Preferences (never at the cost of reach) and uptake


def test_slot_preferences_break_ties():
    students = ["S1", "S2", "L1", "L2"]
    cohort = tiny(
        students, [("S1", "A101"), ("S2", "A101")], leaders=[("L1", "A101", 2), ("L2", "A101", 2)]
    )
    week = {"days": [0, 1, 4], "first_start": 9 * 60, "last_start": 17 * 60}
    result = solve_pass(cohort, PassSettings(modules=["A101"], **week))
    s = result.sessions
    assert s["day"].nunique() == 2  # not twice on one day
    assert (s["start"] >= 600).all() and (s["start"] < 17 * 60).all()  # not early or late
    assert not ((s["day"] == 4) & (s["start"] >= 13 * 60)).any()  # not Friday afternoon
    assert s["leader_id"].nunique() == 1  # one leader for the module


def test_reach_comes_before_preferences():
    # The only slot S2 can make is Friday 17:00: early, late and Friday afternoon all lose.
    cohort = tiny(
        ["S1", "S2", "L1"],
        [("S1", "A101"), ("S2", "A101")],
        busy=[("S2", "Fri", "09:00", "17:00", "job")],
        leaders=[("L1", "A101", 2)],
    )
    settings = PassSettings(
        modules=["A101"], sessions_per_module=1, days=[4], first_start=540, last_start=17 * 60
    )
    result = solve_pass(cohort, settings)
    assert list(result.sessions["start"]) == [17 * 60] and result.reach_count == 2
    # a coordinator may let preferences weigh in students instead
    traded = solve_pass(
        cohort,
        PassSettings.model_validate(
            {
                **settings.model_dump(),
                "reach_first": False,
                "penalties": {"late": 5.0, "friday_afternoon": 5.0},
            }
        ),
    )
    assert traded.reach_count == 1


def test_module_uptake_override():
    students = [f"S{i}" for i in range(10)]
    cohort = tiny(students + ["L1"], [(s, "A101") for s in students], leaders=[("L1", "A101", 2)])
    result = solve_pass(
        cohort,
        PassSettings(
            modules=["A101"], sessions_per_module=2, module_uptake={"A101": (0.5, 0.8)}, **MON
        ),
    )
    row = result.coverage.iloc[0]
    assert row["expected_attendance"] == 5.0 and row["expected_at_least_once"] == 8.0
    assert list(result.sessions["expected_attendance"]) == [2.5, 2.5]


# ------------------------------------------------------------------------------------------
# Honest status


def test_time_limit_with_no_plan_falls_back_to_greedy(monkeypatch, generated):
    import workbench.schemes.pass_sessions.solve as ps

    def no_plan(prob, solver="highs", time_limit=None, **kwargs):
        return SolveStatus("timed out", seconds=float(time_limit or 0), solver=solver)

    monkeypatch.setattr(ps, "solve", no_plan)
    settings = PassSettings(top=5, time_limit=3)
    result = solve_pass(generated, settings)
    assert result.status.status == "feasible" and result.status.gap is None  # not proven
    assert any("found no plan within 3 s; showing the greedy plan" in m for m in result.messages)
    assert result.reach_count == result.greedy_reach > 0
    assert_hard_rules(generated, settings, result)


def test_a_time_limited_hard_run_reports_its_proven_gap():
    cohort = generate_cohort(600, seed=2)
    rng = np.random.default_rng(0)
    rows = [
        (sid, d, h * 60, h * 60 + 60, "stress")
        for sid in cohort.students["student_id"]
        for d in range(5)
        for h in range(9, 18)
        if rng.random() < 0.6
    ]
    extra = pd.DataFrame(rows, columns=["student_id", "day", "start", "end", "reason"])
    busy = pd.concat(
        [cohort.busy, extra.astype({"day": "int64", "start": "int64", "end": "int64"})],
        ignore_index=True,
    )
    hard = cohort.model_copy(update={"busy": busy})
    settings = PassSettings(top=12, sessions_per_module=3, formulation="compact", time_limit=0.5)
    result = solve_pass(hard, settings)
    assert result.status.status in ("optimal", "feasible")
    assert_hard_rules(hard, settings, result)
    if result.status.status == "feasible":
        assert result.status.bound >= result.status.objective - 1e-6
        assert result.status.gap == pytest.approx(
            (result.status.bound - result.status.objective) / max(1, result.status.objective)
        )
    # the plan-enumeration model proves the same instance optimal
    proven = solve_pass(hard, settings.model_copy(update={"formulation": "auto", "time_limit": 30}))
    assert proven.status.status == "optimal"
    assert proven.reach_count >= result.reach_count
    assert math.isclose(proven.status.gap or 0.0, 0.0, abs_tol=1e-6)
