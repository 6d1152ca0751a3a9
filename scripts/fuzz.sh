#!/usr/bin/env bash
# Fuzz the cohort loaders with many more examples than the test suite runs.
#
#   scripts/fuzz.sh                   # 2,000 examples per Hypothesis fuzz test (~10 min)
#   FUZZ_EXAMPLES=50000 scripts/fuzz.sh
#   FUZZ_SECONDS=600 scripts/fuzz.sh  # also how long atheris runs (when it is installed)
#
# Hypothesis keeps any failing example in .hypothesis/ and replays it first next time. Extra
# arguments go to pytest (e.g. -x, -k byte). When the optional atheris package is installed,
# a coverage-guided run of load_uploads on arbitrary bytes follows; it stops on the first
# exception that is not a validation report and saves the input as crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."

examples="${FUZZ_EXAMPLES:-2000}"
seconds="${FUZZ_SECONDS:-120}"

echo "Hypothesis: ${examples} examples per test (tests/test_fuzz_loading.py)"
WORKBENCH_FUZZ_EXAMPLES="${examples}" python -m pytest -p no:cacheprovider -q \
  --hypothesis-show-statistics tests/test_fuzz_loading.py "$@"

if ! python -c "import atheris" >/dev/null 2>&1; then
  echo "atheris is not installed: skipping the coverage-guided run (pip install atheris)."
  exit 0
fi

echo "atheris: ${seconds} s on load_uploads (arbitrary bytes as a zip, a workbook and CSVs)"
mkdir -p artifacts/fuzz
python - "-max_total_time=${seconds}" -max_len=20000 "-artifact_prefix=artifacts/fuzz/crash-" <<'PY'
import sys

import atheris

with atheris.instrument_imports():
    from workbench.cohort.loading import Upload, load_uploads

NAMES = ("cohort.zip", "cohort.xlsx", "students.csv")


def one_input(data: bytes) -> None:
    if not data:
        return
    name = NAMES[data[0] % len(NAMES)]
    result = load_uploads([Upload(name, data[1:])])
    assert result.cohort is not None or not result.report.ok
    for problem in result.report.problems:
        assert problem.file and problem.message


atheris.Setup(sys.argv, one_input)
atheris.Fuzz()
PY
