"""Peer mentoring: pairs mentees with mentors (settings, scoring, solve, budget, stable, explain)."""
