"""Saved scenarios: the scenario file, the store and the solve workers."""
