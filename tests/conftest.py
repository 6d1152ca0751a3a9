"""Shared test settings: every test's own scenario store, and a "fuzz" Hypothesis profile.

No test writes to the user's real data folder: each gets a scratch ``WORKBENCH_DATA_DIR``.

``WORKBENCH_FUZZ_EXAMPLES=N`` loads the profile: every Hypothesis test collected runs at least
``N`` examples (also those whose ``@settings`` name a smaller number) with no deadline.
Without the variable nothing changes.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = int(os.environ.get("WORKBENCH_FUZZ_EXAMPLES", "0") or 0)

if FUZZ_EXAMPLES > 0:
    settings.register_profile(
        "fuzz",
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("fuzz")


def pytest_collection_modifyitems(config, items) -> None:
    if FUZZ_EXAMPLES <= 0:
        return
    for item in items:
        test = getattr(item, "obj", None)
        chosen = getattr(test, "_hypothesis_internal_use_settings", None)
        if chosen is not None and chosen.max_examples < FUZZ_EXAMPLES:
            # Explicit @settings win over a profile; Hypothesis reads these when the test runs.
            test._hypothesis_internal_use_settings = settings(
                chosen, max_examples=FUZZ_EXAMPLES, deadline=None
            )


@pytest.fixture(autouse=True)
def _scratch_scenario_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path_factory.mktemp("store")))
