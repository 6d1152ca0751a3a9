"""The plan's verdict in the app: warned before solving, told after, with measured fixes.

A generated cohort whose three highest-fail-rate modules have no PASS leader: the Scheme page
warns before solving and offers the preset of the top modules that have leaders; the Solve page
says which modules get no session and why (never "optimal" in green), with "Recruit a PASS
leader for ..." and the places it would add; the preset then gives a plan that reaches every
targeted module.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from workbench.cohort.generate import generate_tables
from workbench.cohort.loading import tables_to_bytes
from workbench.schemes.form_values import LEADER_PRESET

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"


@pytest.fixture(autouse=True)
def _own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))


def _cohort_without_top_leaders() -> tuple[bytes, list[str], list[str]]:
    """The cohort, its top three modules (no leader) and the top five that have a leader."""
    tables = generate_tables(400, seed=11)
    modules = tables["modules"].assign(rate=tables["modules"]["fail_rate"].astype(float))
    order = modules.sort_values(["rate", "module_code"], ascending=[False, True])["module_code"]
    top = order.head(3).tolist()
    leaders = tables["leaders"].loc[~tables["leaders"]["module_code"].isin(top)]
    tables["leaders"] = leaders
    led = [code for code in order if code in set(leaders["module_code"])][:5]
    return tables_to_bytes(tables, "zip"), top, led


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption]
    for kind in (at.info, at.warning, at.error, at.success):
        parts += [e.value for e in kind]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def _page(at: AppTest, name: str) -> AppTest:
    return at.switch_page(f"app_pages/{name}.py").run()


def _solve(at: AppTest) -> AppTest:
    at.session_state["keep_time_limit"] = 20
    at = _page(at, "solve")
    [solve] = [b for b in at.button if b.label == "Solve"]
    solve.click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_pass_without_leaders_is_warned_told_and_fixed() -> None:
    data, top, led = _cohort_without_top_leaders()
    assert led
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at = _page(at, "cohort")
    at.file_uploader[0].set_value(("cohort.zip", data, "application/zip")).run()
    assert at.session_state["cohort_label"] == "Uploaded: cohort.zip"

    at.session_state["keep_scheme"] = "pass"
    at = _page(at, "scheme")
    at.session_state["keep_p_targeting"] = "top"
    at.session_state["keep_p_top"] = 5
    at = at.run()
    warned = [w.value.replace("\\", "") for w in at.warning if "no PASS leader" in w.value]
    assert warned, [w.value for w in at.warning]
    for code in top:
        assert code in warned[0]
    assert LEADER_PRESET in at.selectbox(key="preset_pass").options

    at = _solve(at)
    chosen = at.session_state["scenario"]
    assert chosen.summary["verdict"] == "partial"
    assert not at.success  # no green box beside a plan that leaves modules without a session
    told = "\n".join(w.value.replace("\\", "") for w in at.warning)
    for code in top:
        assert code in told
    assert "no PASS leader is listed" in told
    text = _text(at)
    assert "What would help" in text
    recruit = [f for f in chosen.summary["fixes"] if f["action"].startswith("Recruit")]
    assert {code for code in top if any(code in f["action"] for f in recruit)} == set(top)
    assert recruit[0]["text"] in text

    at = _page(at, "scheme")
    at.selectbox(key="preset_pass").set_value(LEADER_PRESET).run()
    [apply] = [b for b in at.button if b.label == "Apply preset"]
    apply.click().run()
    assert not [w for w in at.warning if "no PASS leader" in w.value]
    at = _solve(at)
    chosen = at.session_state["scenario"]
    targeted = chosen.summary["targeted_modules"]
    assert targeted == led
    assert chosen.summary["leaders_used"] > 0 and chosen.summary["reached"] > 0
