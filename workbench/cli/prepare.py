"""``scheme-of-work`` and ``messages``: preparing the term from a plan.

``python -m workbench scheme-of-work DATA --plan PLAN_DIR --out OUT`` writes ``weeks.csv``
(module_code, week, date, kind, topics, sessions, notes), ``left_out.csv`` (module_code, topic,
reason), one handbook per module (HTML) and ``scheme_of_work.ics`` when the plan has sessions.

``python -m workbench messages DATA --plan PLAN_DIR --kind KIND --out OUT [--template FILE]``
writes ``messages.csv`` (to, subject, body) and ``messages.zip`` (``.eml`` drafts). Nothing is
sent. A template file starts with a ``Subject:`` line, then a blank line, then the body.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from workbench.cli.common import UsageError, load_or_fail, output_folder, write_table
from workbench.cohort.domain import Cohort
from workbench.prepare import messages as msg
from workbench.prepare.drafts import eml_zip, make_drafts, messages_csv
from workbench.prepare.handbook import module_handbooks, scheme_ics, weeks_table
from workbench.prepare.plans import PlanFiles, read_plan
from workbench.prepare.scheme_of_work import left_out, plan_scheme_of_work, scheme_verdict
from workbench.prepare.sow_instance import SchemeSettings
from workbench.prepare.term import term_weeks


def _term_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--term-start", help="first Monday of term, YYYY-MM-DD (without term_weeks)")
    p.add_argument("--weeks", type=int, default=10, help="teaching weeks (default 10)")
    p.add_argument("--breaks", default="", help="break weeks, e.g. 6 or 6,7 (numbered through)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``scheme-of-work`` and ``messages`` commands."""
    p = subparsers.add_parser(
        "scheme-of-work",
        help="plan each PASS module's weeks: topics, revisits and open weeks",
        description="Plan each PASS module's sessions week by week from the topics table and "
        "the term's weeks. Writes weeks.csv, left_out.csv, one handbook per module and, "
        "with a PASS plan, scheme_of_work.ics.",
    )
    p.add_argument("data", help="cohort folder of CSV files, .zip or .xlsx")
    p.add_argument("--plan", help="folder of a PASS plan (its sessions.csv names the modules)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--modules", help="plan these modules (comma-separated codes)")
    _term_options(p)
    defaults = SchemeSettings()
    for flag, name, words in (
        ("--lag", "lag", "weeks from a lecture to the session on it"),
        ("--catch-up", "catch_up", "extra weeks a topic may wait for room"),
        ("--max-topics", "max_topics", "topics a session holds at most"),
        ("--open-before", "open_before", "session weeks kept open before an assessment"),
        ("--revisit-after", "revisit_after", "fewest weeks before a difficult topic comes back"),
        ("--revisit-within", "revisit_within", "most weeks before it comes back"),
        ("--difficult-from", "difficult_from", "difficulty (1-5) from which topics come back"),
    ):
        p.add_argument(
            flag, type=int, dest=name, help=f"{words} (default {getattr(defaults, name)})"
        )
    p.add_argument("--timezone", default="Europe/London", help="time zone for the calendar")
    p.set_defaults(func=run_scheme_of_work)

    p = subparsers.add_parser(
        "messages",
        help="draft the messages that launch a scheme (nothing is sent)",
        description="Draft one message per person from a plan and a template: messages.csv "
        "(mail merge: to, subject, body) and messages.zip (.eml drafts). Nothing is sent.",
        epilog="Fields per kind: "
        + "; ".join(f"{k}: {', '.join(msg.allowed_fields(k))}" for k in msg.KINDS),
    )
    p.add_argument("data", help="cohort folder of CSV files, .zip or .xlsx")
    p.add_argument("--plan", required=True, help="plan folder (matches.csv, sessions.csv, ...)")
    p.add_argument("--kind", required=True, choices=msg.KINDS, help="which messages")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--template", help="a text file: 'Subject: ...', a blank line, the body")
    p.add_argument("--coordinator", default="", help="the name that signs the messages")
    p.add_argument("--from", dest="sender", default="", help="the drafts' From address")
    _term_options(p)
    p.set_defaults(func=run_messages)


def _term(cohort: Cohort, args: argparse.Namespace):
    try:
        start = dt.date.fromisoformat(args.term_start) if args.term_start else None
        breaks = [int(b) for b in args.breaks.split(",") if b.strip()]
        return term_weeks(cohort, start, args.weeks, breaks)
    except ValueError as exc:
        raise UsageError(f"the term: {exc}") from exc


def _plan(path: str | None) -> PlanFiles:
    if not path:
        return PlanFiles()
    try:
        return read_plan(path)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def scheme_for(cohort: Cohort, plan: PlanFiles, args: argparse.Namespace, codes=None):
    """The scheme of work for the plan's PASS modules (or every module with topics)."""
    if not len(cohort.topics):
        raise UsageError(f"{args.data}: has no topics table to plan a scheme of work from")
    if codes is None and len(plan.sessions):
        codes = sorted(set(plan.sessions["module_code"]))
    values = {k: v for k, v in vars(args).items() if k in SchemeSettings.model_fields and v}
    try:
        settings = SchemeSettings(**values)
    except ValueError as exc:
        raise UsageError(f"settings: {exc}") from exc
    return plan_scheme_of_work(cohort, _term(cohort, args), codes, settings)


def run_scheme_of_work(args: argparse.Namespace) -> int:
    cohort = load_or_fail(args.data)
    plan = _plan(args.plan)
    codes = [c.strip() for c in args.modules.split(",") if c.strip()] if args.modules else None
    scheme = scheme_for(cohort, plan, args, codes)
    for problem in scheme.instance.problems:
        print(f"note: {problem}", file=sys.stderr)
    out = output_folder(args.out)
    write_table(weeks_table(scheme, plan.sessions), out / "weeks.csv")
    left = left_out(scheme)
    write_table(left, out / "left_out.csv")
    for name, page in module_handbooks(cohort, scheme, plan.sessions).values():
        (out / name).write_bytes(page)
    wrote = "weeks.csv, left_out.csv, one handbook per module"
    if len(plan.sessions):
        (out / "scheme_of_work.ics").write_bytes(scheme_ics(scheme, plan.sessions, args.timezone))
        wrote += " and scheme_of_work.ics"
    print(scheme_verdict(scheme))
    print(f"wrote {wrote} to {out}")
    return 0


def read_template(path: str, kind: str) -> msg.Template:
    """A template file: 'Subject: ...' on its first line, a blank line, then the body."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--template {path}: cannot be read ({exc})") from exc
    subject = msg.DEFAULT_TEMPLATES[kind].subject
    first, _, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        subject, text = first.split(":", 1)[1].strip(), rest.lstrip("\r\n")
    problems = msg.template_problems(subject, kind) + msg.template_problems(text, kind)
    if problems:
        raise UsageError(f"--template {path}: " + "; ".join(problems))
    return msg.Template(subject, text)


def run_messages(args: argparse.Namespace) -> int:
    cohort = load_or_fail(args.data)
    plan = _plan(args.plan)
    template = read_template(args.template, args.kind) if args.template else None
    books = None
    if args.kind == "leaders" and len(cohort.topics) and len(plan.sessions):
        books = module_handbooks(cohort, scheme_for(cohort, plan, args), plan.sessions)
    try:
        drafts = make_drafts(args.kind, cohort, plan, template, args.coordinator, books)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    out = output_folder(args.out)
    (out / "messages.csv").write_bytes(messages_csv(drafts))
    (out / "messages.zip").write_bytes(eml_zip(drafts, args.sender))
    print(f"{len(drafts.messages)} {args.kind} message(s) drafted; nothing was sent.")
    if drafts.without_address:
        shown = ", ".join(drafts.without_address[:5])
        more = len(drafts.without_address) - 5
        print(
            f"{len(drafts.without_address)} people have no usable e-mail address: {shown}"
            + (f" and {more} more" if more > 0 else "")
        )
    print(f"wrote messages.csv and messages.zip to {out}")
    return 0
