"""A shared deployment's settings: who may create workspaces, and how long things are kept.

They come from the ``[workbench]`` table of ``.streamlit/secrets.toml``::

    [workbench]
    coordinators = ["@uni.ac.uk", "head.of.pass@other.ac.uk"]
    retention_days = 365
    audit_days = 730

and the environment overrides each one (``WORKBENCH_COORDINATORS`` as a comma list,
``WORKBENCH_RETENTION_DAYS``, ``WORKBENCH_AUDIT_DAYS``), so a container sets them without a
secrets file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_DAYS = 36_500  # a hundred years: anything longer is a typing slip


@dataclass(frozen=True)
class DeploymentSettings:
    """Who may create workspaces (e-mails, or ``@uni.ac.uk`` for a whole domain), and after
    how many days saved cohorts and plans (``retention_days``) and audit entries
    (``audit_days``) are deleted; 0 keeps them."""

    coordinators: tuple[str, ...] = ()
    retention_days: int = 0
    audit_days: int = 0

    def may_coordinate(self, email: str) -> bool:
        """Whether this person may create a workspace of their own."""
        address = normalise_email(email)
        if "@" not in address:
            return False
        domain = address[address.rindex("@") :]
        return any(
            address == entry or (entry.startswith("@") and domain == entry)
            for entry in self.coordinators
        )

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> DeploymentSettings:
        """The settings from the secrets' ``[workbench]`` table, the environment winning.

        A bad value raises ValueError naming the setting in words."""
        environ = os.environ if environ is None else environ
        coordinators = mapping.get("coordinators", ())
        if environ.get("WORKBENCH_COORDINATORS", "").strip():
            coordinators = environ["WORKBENCH_COORDINATORS"]
        retention = environ.get("WORKBENCH_RETENTION_DAYS", "").strip() or mapping.get(
            "retention_days", 0
        )
        audit = environ.get("WORKBENCH_AUDIT_DAYS", "").strip() or mapping.get("audit_days", 0)
        return cls(
            coordinators=_coordinators(coordinators),
            retention_days=_days(retention, "The retention period (retention_days)"),
            audit_days=_days(audit, "How long the audit log is kept (audit_days)"),
        )


def normalise_email(email: str) -> str:
    """An e-mail address as compared: stripped and lower case."""
    return str(email or "").strip().lower()


def _coordinators(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise ValueError(
            "The list of coordinators (coordinators) must be a list of e-mail addresses or "
            "domains such as @uni.ac.uk, or one comma-separated line of them."
        )
    out = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(
                f"The list of coordinators (coordinators) holds {item!r}, which is not an "
                "e-mail address or a domain such as @uni.ac.uk."
            )
        entry = normalise_email(item)
        if not entry:
            continue
        if "@" not in entry or entry.endswith("@") or " " in entry:
            raise ValueError(
                f"The list of coordinators (coordinators) holds '{item.strip()}', which is not "
                "an e-mail address or a domain such as @uni.ac.uk."
            )
        out.append(entry)
    return tuple(dict.fromkeys(out))


def _days(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number of days (0 keeps everything).")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit():
            raise ValueError(
                f"{what} must be a whole number of days (0 keeps everything), not '{text}'."
            )
        value = int(text)
    if not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number of days (0 keeps everything).")
    if value < 0 or value > MAX_DAYS:
        raise ValueError(f"{what} must be between 0 and {MAX_DAYS:,} days, not {value}.")
    return value
