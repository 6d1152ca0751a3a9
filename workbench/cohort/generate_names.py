"""Plausible names and university-style e-mails for generated students (synthetic, no real person).

Names come from their own random stream (seeded from the cohort's seed), so adding them changes
no other generated table. First names follow the recorded gender where there is one; home and
international students draw from different (overlapping) pools, as in a UK university.
E-mails are ``first.last.ID@students.example.ac.uk`` (with the student id), unique because ids are.
"""

from __future__ import annotations

import unicodedata

import numpy as np

EMAIL_DOMAIN = "students.example.ac.uk"

_FEMALE = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Sophia", "Grace",
    "Freya", "Emily", "Ella", "Poppy", "Evie", "Chloe", "Hannah", "Ruby", "Aisha", "Zara",
    "Maryam", "Sophie", "Megan", "Erin", "Niamh", "Holly", "Lucy", "Jessica", "Eleanor", "Katie",
)  # fmt: skip
_MALE = (
    "Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Oscar", "Jack", "Charlie", "Jacob",
    "Thomas", "James", "William", "Henry", "Alfie", "Joshua", "Daniel", "Samuel", "Ethan", "Adam",
    "Mohammed", "Yusuf", "Ibrahim", "Callum", "Ryan", "Liam", "Owen", "Rhys", "Lewis", "Ben",
)  # fmt: skip
_NEUTRAL = ("Alex", "Sam", "Jordan", "Charlie", "Robin", "Morgan", "Jamie", "Riley", "Ash", "Kai")
_SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Thomas", "Clarke", "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper",
    "Hill", "Ward", "Hughes", "Moore", "Clark", "King", "Harrison", "Lewis", "Baker", "Lee",
    "Allen", "Morris", "Khan", "Scott", "Watson", "Davis", "Parker", "James", "Bennett", "Young",
    "Ahmed", "Hussain", "Begum", "Ali", "Kaur", "Singh", "Murphy", "O'Brien", "MacDonald", "Okafor",
)  # fmt: skip
# International students' names by region: (female, male, surnames), drawn together.
_REGIONS = (
    (("Mei", "Xinyi", "Yuxuan", "Wen"), ("Wei", "Hao", "Jun", "Yi"), ("Wang", "Li", "Zhang", "Chen", "Liu", "Huang")),
    (("Priya", "Ananya", "Shreya", "Divya"), ("Arjun", "Rahul", "Vikram", "Rohan"), ("Sharma", "Gupta", "Reddy", "Iyer", "Nair")),
    (("Chiamaka", "Amara", "Ngozi", "Abena"), ("Chinedu", "Tunde", "Kwame", "Emeka"), ("Okonkwo", "Adeyemi", "Mensah", "Eze")),
    (("Sofia", "Lucia", "Elena", "Camille"), ("Mateo", "Luca", "Pierre", "Nikos"), ("Garcia", "Rossi", "Dubois", "Papadopoulos", "Müller")),
    (("Fatima", "Nour", "Leila", "Aylin"), ("Omar", "Karim", "Ali", "Emre"), ("Hassan", "Haddad", "Yilmaz", "Khalil")),
    (("Yuki", "Hana", "Jiwoo", "Linh"), ("Kenji", "Minjun", "Duc", "Hiro"), ("Tanaka", "Sato", "Kim", "Park", "Nguyen")),
)  # fmt: skip


def _pick(rng: np.random.Generator, pool: tuple[str, ...], size: int) -> np.ndarray:
    return np.array(pool, dtype=object)[rng.integers(0, len(pool), size)]


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def student_names(
    seed: int, ids: np.ndarray, gender: np.ndarray, international: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(names, e-mails) for students with these ids, genders and home/international flags."""
    n = len(ids)
    rng = np.random.default_rng([int(seed), 0x4E414D45])  # "NAME": a stream of its own
    abroad = np.asarray(international, dtype=bool) & (rng.random(n) < 0.75)
    region = rng.integers(0, len(_REGIONS), n)
    pick = rng.random((3, n))  # one uniform draw each for female, male and surname

    def from_pool(pool: tuple[str, ...], u: float) -> str:
        return pool[int(u * len(pool))]

    home_f, home_m = _pick(rng, _FEMALE, n), _pick(rng, _MALE, n)
    home_last, neutral = _pick(rng, _SURNAMES, n), _pick(rng, _NEUTRAL, n)
    either = rng.random(n) < 0.5
    gender = np.asarray(gender, dtype=object)
    first, last = [], []
    for i in range(n):
        female_name, male_name, surname = (
            (from_pool(_REGIONS[region[i]][k], pick[k, i]) for k in range(3))
            if abroad[i]
            else (home_f[i], home_m[i], home_last[i])
        )
        g = gender[i]
        if g == "female" or (g == "" and either[i]):
            first.append(female_name)
        elif g in ("male", ""):
            first.append(male_name)
        else:
            first.append(neutral[i])
        last.append(surname)
    names = np.array([f"{f} {s}" for f, s in zip(first, last, strict=True)], dtype=object)
    emails = np.array(
        [
            f"{_ascii(f)}.{_ascii(s)}.{i}@{EMAIL_DOMAIN}"
            for f, s, i in zip(first, last, ids, strict=True)
        ],
        dtype=object,
    )
    return names, emails
