"""Reviewing a plan: what-if sweeps, the report, exports and calendar files."""
