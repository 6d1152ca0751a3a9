"""Table headers in a coordinator's words: what the app's tables and the report call each column.

The plan tables keep their contract-style column names (``mentee_id``, ``room_id``) so exports
read back in; everything a coordinator reads shows :func:`column_words` instead.
"""

from __future__ import annotations

COLUMN_WORDS: dict[str, str] = {
    "student_id": "Student id",
    "name": "Name",
    "mentee_id": "Mentee id",
    "mentee": "Mentee",
    "mentor_id": "Mentor id",
    "mentor": "Mentor",
    "leader_id": "Leader id",
    "leader": "Leader",
    "mentee_programme": "Mentee's programme",
    "mentee_level": "Mentee's level",
    "mentor_programme": "Mentor's programme",
    "mentor_level": "Mentor's level",
    "score": "Match score",
    "locked": "Locked",
    "lock": "Lock",
    "previous": "Kept from before",
    "why": "Why this pair",
    "explanation": "Explanation",
    "reason": "Why",
    "module_code": "Module",
    "module_name": "Module name",
    "slot": "When",
    "day_name": "Day",
    "time": "Time",
    "room_id": "Room",
    "room_capacity": "Seats",
    "capacity": "Places",
    "seats": "Seats",
    "expected_attendance": "Expected to attend",
    "students_free": "Students free",
    "free_students": "Students free",
    "enrolled": "Enrolled",
    "reachable": "Free at a session",
    "could_reach": "Most any plan could reach",
    "coverage": "Coverage",
    "sessions": "Sessions",
    "sessions_wanted": "Sessions wanted",
    "expected_at_least_once": "Expected to attend at least once",
    "expected_per_session": "Expected per session",
    "uptake_regular": "Expected regular uptake",
    "uptake_once": "Expected to come once",
    "programme": "Programme",
    "level": "Level",
    "assigned": "Mentees",
    "load": "Load",
    "group_id": "Group",
    "mentors_used": "Mentors used",
    "cost": "Cost per term",
    "cost_per_student_reached": "Cost per student reached",
}


def column_words(column: object) -> str:
    """The header a coordinator reads for a table column ("mentee_id" -> "Mentee id")."""
    text = str(column)
    if text in COLUMN_WORDS:
        return COLUMN_WORDS[text]
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else text


def money(value: float | None, currency: str = "£", pence: bool = False) -> str:
    """Money as a coordinator writes it: "£1,380", "-£4" (never "£-4.36"); "n/a" when unknown."""
    if value is None or value != value:  # None or NaN
        return "n/a"
    amount = abs(float(value))
    text = f"{amount:,.2f}" if pence else f"{amount:,.0f}"
    sign = "-" if float(value) < 0 and text.strip("0.,") else ""
    return f"{sign}{currency}{text}"


def money_change(value: float | None, currency: str = "£") -> str:
    """A difference in money in words: "£120 more", "£30 less", "no change"."""
    if value is None or value != value:
        return "n/a"
    if round(float(value)) == 0:
        return "no change"
    return f"{money(abs(float(value)), currency)} {'more' if value > 0 else 'less'}"
