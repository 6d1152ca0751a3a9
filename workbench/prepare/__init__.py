"""Preparing a term from a plan: the PASS scheme of work week by week, and the messages that
launch a scheme (introductions, timetables, leaders' sessions, training). Nothing is sent."""
