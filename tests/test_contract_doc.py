"""The documented data contract is the one the validator enforces."""

from pathlib import Path

from workbench.cohort.contract import contract_markdown


def test_docs_show_the_contract_the_validator_uses() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "data-contract.md").read_text()
    assert doc.endswith(contract_markdown())
