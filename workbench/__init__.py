"""Peer-support planning workbench: the importable core (no Streamlit in here).

Load and validate a cohort (:mod:`workbench.cohort.loading`), solve a scheme (mentoring, PASS,
groups), chart coverage and cost, run what-if scenarios, and export a plan.
"""

__version__ = "0.1.0"
