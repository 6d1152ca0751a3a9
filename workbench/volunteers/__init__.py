"""The volunteers' year: recruit, train, supervise and record mentors and PASS leaders.

- :mod:`.recruit`: candidates for modules short of leaders and programmes short of mentors;
- :mod:`.training` (model) and :mod:`.training_explain` (reasons, fixes, calendar): the fewest
  training sessions that place every volunteer who can come;
- :mod:`.supervision`: one staff supervisor per volunteer, same faculty preferred, check-ins;
- :mod:`.hours` and :mod:`.certificates`: hours per volunteer, the award record, certificates.
"""
