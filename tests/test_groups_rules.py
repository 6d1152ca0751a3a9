"""One tiny hand-built instance per rule of the group models, each showing the rule binding:
the plan with the rule differs from (or is worse than) the plan the other rules alone allow.

The group model (:mod:`workbench.schemes.groups.model`) is built from hand-made classes and
places; the block model (:mod:`workbench.schemes.groups.blocks`) from a hand-made cohort."""

from __future__ import annotations

import pytest

from workbench.cohort.validation import cohort_from_records
from workbench.schemes.groups.blocks import _add_rules, _block_model, _blocks_milp, model_slots
from workbench.schemes.groups.model import GroupModel, ModelClass, Place
from workbench.schemes.groups.prepare import prepare
from workbench.schemes.groups.rules import Criterion, Rules
from workbench.schemes.groups.settings import GroupSettings

NO_CRITERIA = Rules(2, 6, (), (), 1)


def one(units: int, **counts) -> ModelClass:
    """A class of ``units`` single students with these (attribute, value) counts."""
    return ModelClass(list(range(units)), 1, counts.get("counts", {}), frozenset({0}))


def solved(model: GroupModel, level: str = "placed") -> GroupModel:
    out = model.run_phase(level, "highs", 10)
    assert out.status == "optimal"
    return model


def sizes(model: GroupModel) -> list[int]:
    return [
        sum(model.classes[c].size * k for c, k in counts.items()) for _, _, counts in model.plan()
    ]


def placed(model: GroupModel) -> int:
    return sum(sizes(model))


# -- the group model ---------------------------------------------------------------------------
def test_units_of_class_a_class_has_only_so_many_units() -> None:
    # One place of up to 6; a class of 5: the place could hold 6, the class gives 5.
    model = solved(GroupModel("t", [one(5)], [Place(6)], 1, NO_CRITERIA, []))
    assert "units_of_class_0" in model.prob.constraints
    assert placed(model) == 5


def test_group_size_at_most_leaves_the_seventh_student_out() -> None:
    rules = Rules(4, 6, (), (), 1)
    model = solved(GroupModel("t", [one(7)], [Place(6)], 1, rules, []))
    assert sizes(model) == [6]


def test_group_size_at_least_opens_no_group_of_three() -> None:
    rules = Rules(4, 6, (), (), 1)
    model = solved(GroupModel("t", [one(3)], [Place(6)], 1, rules, []))
    assert placed(model) == 0


def test_a_mentors_capacity_caps_the_group() -> None:
    rules = Rules(2, 6, (), (), 1)
    model = solved(GroupModel("t", [one(6)], [Place(3, mentor="M1")], 1, rules, []))
    assert sizes(model) == [3]


def test_order_places_puts_the_larger_of_twin_groups_first() -> None:
    rules = Rules(2, 6, (), (), 1)
    model = solved(GroupModel("t", [one(8)], [Place(6), Place(6)], 1, rules, []))
    assert "order_places_0" in model.prob.constraints
    got = sizes(model)
    assert sum(got) == 8 and got == sorted(got, reverse=True)


def test_meeting_slot_rules_keep_students_with_no_common_free_time_apart() -> None:
    # Three students free only at slot 0, three only at slot 1, groups of 4-6: no slot holds 4.
    rules = Rules(4, 6, (), (), 1)
    early = ModelClass([0, 1, 2], 1, {}, frozenset({0}))
    late = ModelClass([3, 4, 5], 1, {}, frozenset({1}))
    apart = solved(GroupModel("t", [early, late], [Place(6)], 2, rules, []))
    assert {"one_meeting_slot_0", "free_at_meeting_0_0"} <= set(apart.prob.constraints)
    assert placed(apart) == 0
    # The same six students with a common free time make one group.
    both = ModelClass([3, 4, 5], 1, {}, frozenset({0, 1}))
    together = solved(GroupModel("t", [early, both], [Place(6)], 2, rules, []))
    assert sizes(together) == [6] and together.plan()[0][1] == 0


def test_no_isolation_changes_the_plan_of_six_students() -> None:
    # Five home students and one international student, groups of 3-6.
    def classes() -> list[ModelClass]:
        home = ModelClass([0, 1, 2, 3, 4], 1, {("home_status", "home"): 1}, frozenset({0}))
        intl = ModelClass([5], 1, {("home_status", "international"): 1}, frozenset({0}))
        return [home, intl]

    free = Rules(3, 6, (), (("home_status", ()),), 1)
    ruled = Rules(3, 6, (), (("home_status", ("home", "international")),), 1)
    without = solved(GroupModel("t", classes(), [Place(6), Place(6)], 1, free, []))
    assert placed(without) == 6
    with_rule = solved(GroupModel("t", classes(), [Place(6), Place(6)], 1, ruled, []))
    assert "no_isolation_home_status_1_0_two" in with_rule.prob.constraints
    # Nobody is the only international student: they are left out, the five home students kept.
    assert placed(with_rule) == 5
    assert all(1 not in counts for _, _, counts in with_rule.plan())


def test_avoid_keeps_a_pair_out_of_one_group() -> None:
    rules = Rules(2, 6, (), (), 1)
    a = ModelClass([0], 1, {}, frozenset({0}), solo=True)
    b = ModelClass([1], 1, {}, frozenset({0}), solo=True)
    others = ModelClass([2, 3], 1, {}, frozenset({0}))
    together = solved(GroupModel("t", [a, b, others], [Place(6), Place(6)], 1, rules, []))
    assert sizes(together) == [4]
    apart = solved(GroupModel("t", [a, b, others], [Place(6), Place(6)], 1, rules, [(0, 1)]))
    assert "avoid_0_1_in_0" in apart.prob.constraints
    assert sorted(sizes(apart)) == [2, 2]
    assert all(not (0 in counts and 1 in counts) for _, _, counts in apart.plan())


def _mixed() -> list[ModelClass]:
    chem = ModelClass([0, 1], 1, {("programme", "Chem"): 1}, frozenset({0}))
    phys = ModelClass([2, 3], 1, {("programme", "Phys"): 1}, frozenset({0}))
    return [chem, phys]


@pytest.mark.parametrize("mode", ["diverse", "similar"])
def test_the_worst_group_score_decides_how_programmes_mix(mode: str) -> None:
    # Two Chem and two Phys students in two pairs: diverse mixes each pair, similar keeps them.
    crit = Criterion("programme", mode, False, ("Chem", "Phys"), 2, 1)
    rules = Rules(2, 2, (crit,), (), 1)
    model = solved(GroupModel("t", _mixed(), [Place(2), Place(2)], 1, rules, []), "placed+worst")
    assert placed(model) == 4 and model.evaluate("worst") == 1
    mixed = [len(counts) == 2 for _, _, counts in model.plan()]
    assert mixed == ([True, True] if mode == "diverse" else [False, False])


def test_a_shared_interest_is_counted_once_per_group() -> None:
    # Interests are a list: three share chess, one has film; groups of 2 to 4 of one place.
    crit = Criterion("interests", "similar", True, ("chess", "film"), 2, 1)
    rules = Rules(2, 4, (crit,), (), 1)
    chess = ModelClass([0, 1, 2], 1, {("interests", "chess"): 1}, frozenset({0}))
    film = ModelClass([3], 1, {("interests", "film"): 1}, frozenset({0}))
    model = solved(GroupModel("t", [chess, film], [Place(4)], 1, rules, []), "placed+worst")
    assert placed(model) == 4 and model.evaluate("worst") == 1
    assert "shared_part_0_0" in model.prob.constraints


def test_the_total_counts_each_student_once_so_splitting_a_good_group_adds_nothing() -> None:
    crit = Criterion("programme", "diverse", False, ("Chem", "Phys"), 2, 1)
    rules = Rules(2, 4, (crit,), (), 1)
    model = solved(GroupModel("t", _mixed(), [Place(4), Place(4)], 1, rules, []), "total")
    # Every student in a mixed group: total = 4 students x score 1, however the groups split.
    assert model.evaluate("total") == 4


# -- the block model ---------------------------------------------------------------------------
def _cohort(
    n: int,
    international: tuple[int, ...] = (),
    busy: tuple = (),
    mentors: tuple = (),
    avoid: tuple = (),
):
    students = [
        {
            "student_id": f"S{i + 1:02d}",
            "programme": "Maths",
            "level": "UG1",
            "home_status": "international" if i in international else "home",
        }
        for i in range(n)
    ]
    students += [{"student_id": m, "programme": "Maths", "level": "UG2"} for m, _ in mentors]
    tables = {
        "students": students,
        "modules": [{"module_code": "M1"}],
        "enrolments": [{"student_id": f"S{i + 1:02d}", "module_code": "M1"} for i in range(n)],
        "timetable": [{"module_code": "M1", "day": "Wed", "start": "10:00", "end": "11:00"}],
        "busy": [
            {"student_id": s, "day": d, "start": a, "end": b, "reason": "part-time job"}
            for s, d, a, b in busy
        ],
        "mentors": [{"student_id": m, "capacity": c} for m, c in mentors],
        "avoid": [{"student_id_a": a, "student_id_b": b} for a, b in avoid],
    }
    return cohort_from_records(**{k: v for k, v in tables.items() if v})


GRID = {"first_start": 9 * 60, "last_start": 10 * 60, "time_limit": 10}
EARLY, LATE = ("Mon", "09:00", "10:00"), ("Mon", "10:00", "11:00")


def _blocks(cohort, **settings):
    """The blocks chosen over every usable slot, and the names of the block model's rules."""
    inst = prepare(cohort, GroupSettings(module="M1", **{"days": [0], **GRID, **settings}))
    units = inst.placeable
    slots = model_slots(inst, units)
    total = inst.students(units)
    outcome = _blocks_milp(inst, units, slots, "highs", 1e9, lambda: 0.0, total)
    bm = _block_model(inst, units, slots, total)
    _add_rules(bm, units)
    return inst, outcome, set(bm.rows)


def placed_in_blocks(inst, outcome) -> list[int]:
    return [inst.students(b.units) for b in outcome.blocks]


def test_block_size_a_block_holds_whole_groups_only() -> None:
    # Six students free together, groups of exactly 4: the block holds one group of four.
    inst, outcome, names = _blocks(_cohort(6), min_size=4, max_size=4)
    assert {"block_size_at_least_0", "block_size_at_most_0", "block_open_0"} <= names
    assert outcome.proven and outcome.placed_bound == 4 and placed_in_blocks(inst, outcome) == [4]


def test_block_avoid_a_pair_shares_a_block_only_across_two_groups() -> None:
    # Four students, groups of 3-4: one group only, so S01 and S02 (to avoid) cannot both join.
    inst, outcome, names = _blocks(_cohort(4, avoid=(("S01", "S02"),)), min_size=3, max_size=4)
    assert any(n.startswith("avoid_") for n in names)
    assert outcome.placed_bound == 3
    # With six students two groups fit in the block, and the pair can be in it (apart).
    inst, outcome, _ = _blocks(_cohort(6, avoid=(("S01", "S02"),)), min_size=3, max_size=4)
    assert outcome.placed_bound == 6


def test_block_mentor_places_a_block_holds_what_its_mentors_can_take() -> None:
    # Six students, one mentor who takes 4: four placed.
    cohort = _cohort(6, mentors=(("M1", 4),))
    inst, outcome, names = _blocks(cohort, min_size=3, max_size=6, led_by_mentors=True)
    assert {"mentor_places_0", "one_group_per_mentor_0"} <= names
    assert outcome.placed_bound == 4 and [b.mentors for b in outcome.blocks] == [[0]]


def test_block_one_group_per_mentor_one_mentor_leads_at_one_time() -> None:
    # Four students free only early, four only late, one mentor free at both: one block led.
    busy = [(f"S{i:02d}", *LATE) for i in range(1, 5)] + [
        (f"S{i:02d}", *EARLY) for i in range(5, 9)
    ]
    cohort = _cohort(8, busy=busy, mentors=(("M1", 6),))
    inst, outcome, _ = _blocks(cohort, min_size=3, max_size=6, led_by_mentors=True)
    assert outcome.placed_bound == 4 and placed_in_blocks(inst, outcome) == [4]
    # A second mentor leads the other block.
    cohort = _cohort(8, busy=busy, mentors=(("M1", 6), ("M2", 6)))
    inst, outcome, _ = _blocks(cohort, min_size=3, max_size=6, led_by_mentors=True)
    assert outcome.placed_bound == 8 and placed_in_blocks(inst, outcome) == [4, 4]


def test_block_no_isolation_keeps_the_only_international_student_of_a_slot_out() -> None:
    # S01-S04 early (S04 international), S05-S08 late (S05 international), groups of 3-6:
    # without the rule both blocks hold four; with it, each international student needs company.
    busy = [(f"S{i:02d}", *LATE) for i in range(1, 5)] + [
        (f"S{i:02d}", *EARLY) for i in range(5, 9)
    ]
    cohort = _cohort(8, international=(3, 4), busy=busy)
    inst, free, _ = _blocks(cohort, min_size=3, max_size=6)
    assert free.placed_bound == 8
    inst, ruled, names = _blocks(cohort, min_size=3, max_size=6, no_isolation=["home_status"])
    assert any(n.startswith("no_isolation_home_status") for n in names)
    assert ruled.placed_bound == 6
    for block in ruled.blocks:
        intl = sum(
            inst.unit_counts[u].get(("home_status", "international"), 0) for u in block.units
        )
        assert intl != 1


def test_block_units_of_class_each_student_takes_one_slot() -> None:
    # S01-S03 free only early, S04-S06 only late, S07-S09 at both: nine placed, not twelve.
    busy = [(f"S{i:02d}", *LATE) for i in (1, 2, 3)] + [(f"S{i:02d}", *EARLY) for i in (4, 5, 6)]
    inst, outcome, names = _blocks(_cohort(9, busy=busy), min_size=3, max_size=6)
    assert outcome.placed_bound == 9 and sum(placed_in_blocks(inst, outcome)) == 9
    placed_units = [u for b in outcome.blocks for u in b.units]
    assert sorted(placed_units) == sorted(inst.placeable)
