"""Volunteers: recruit, train, supervise and record the mentors and PASS leaders."""

import datetime as dt

import streamlit as st

from app_common import shared, signin, tables
from app_common.file_text import plain
from workbench.cohort.domain import DAYS
from workbench.cohort.validation import ValidationReport, ValidationResult
from workbench.safe_tables import to_csv_bytes
from workbench.schemes import registry
from workbench.volunteers import recruit, training, training_explain
from workbench.volunteers.certificates import (
    certificate_file_name,
    certificate_html,
    certificates_zip,
)
from workbench.volunteers.hours import DEFAULT_SKILLS, HoursSettings, award_record, volunteer_hours
from workbench.volunteers.overview import plans_from_results
from workbench.volunteers.people import trained_only, with_names, with_uploaded_table
from workbench.volunteers.supervision import checkin_schedule, plan_supervision

st.title("Volunteers")
st.markdown(
    "Mentors and PASS leaders through their year: who to **recruit** where the scheme is "
    "short, **train** them in the fewest sessions, give each a staff **supervisor**, and "
    "**record** their hours for the university's award and a certificate."
)
cohort = shared.require_cohort()
fp = shared.fingerprint()
ss = st.session_state
HOURS = [f"{h:02d}:00" for h in range(7, 22)]


def table(frame) -> None:
    """A table with its column names in words ("staff id", not "staff_id")."""
    st.dataframe(frame.rename(columns=lambda c: str(c).replace("_", " ")), hide_index=True)


def audited(what: str):  # a download's on_click: recorded in a shared deployment
    return signin.on_export(shared.store(), what)


def download(label: str, frame, name: str, key: str) -> None:
    st.download_button(
        label,
        to_csv_bytes(frame),
        name,
        "text/csv",
        key=key,
        icon=":material/download:",
        on_click=audited(label),
    )


# Who can be recruited ("PASS leaders", "Mentors") -> the scheme; leaders before mentors.
RECRUIT_FOR = {
    entry.volunteers_word[:1].upper() + entry.volunteers_word[1:]: entry.key
    for entry in sorted(
        (registry.get(k) for k in registry.KEYS if registry.get(k).recruits),
        key=lambda entry: entry.recruits,
    )
}

recruit_tab, train_tab, supervise_tab, record_tab = st.tabs(
    ["Recruit", "Train", "Supervise", "Record"]
)

# ------------------------------------------------------------------------------ recruit
with recruit_tab:
    st.header("Recruit")
    chosen = st.radio(
        "Recruit for",
        list(RECRUIT_FOR),
        horizontal=True,
        key="rec_for",
        help="PASS leaders for the targeted modules, or mentors for programmes with mentees.",
    )
    scheme = RECRUIT_FOR[chosen]
    key = registry.get(scheme).recruit_by  # per module (PASS leaders) or programme (mentors)
    extra = st.number_input(
        "Also invite for every one of them (volunteers each; 0 = only where short)",
        0,
        20,
        0,
        help="Invite for every module or programme, not only those short, e.g. to replace "
        "volunteers who graduate.",
    )
    try:
        short = recruit.shortfall(cohort, scheme)
        needed = {
            k: max(int(n), int(extra)) for k, n in zip(short[key], short["short"], strict=True)
        }
        invited = recruit.candidates(cohort, scheme, needed=needed)
    except ValueError as exc:
        st.warning(f"Cannot tell who is short: {plain(exc)}")
    else:
        lacking = short[short["short"] > 0]
        if len(lacking):
            listed = ", ".join(
                f"{plain(r[key])} ({r['short']})" for r in lacking.to_dict("records")
            )
            st.warning(f"Short of volunteers: {listed}. {len(invited)} students to invite.")
        else:
            st.success(f"None short by today's numbers. {len(invited)} students to invite.")
        table(short)
        table(invited)
        download("Download the invitation list (CSV)", invited, "candidates.csv", "dl_candidates")

# ------------------------------------------------------------------------------ train
with train_tab:
    st.header("Train")
    with st.form("training"):
        cols = st.columns(3)
        who = cols[0].multiselect(
            "Who",
            ["mentors", "leaders"],
            ["mentors", "leaders"],
            help="Train mentors, PASS leaders, or both together.",
        )
        days = cols[1].multiselect(
            "Days", list(DAYS), list(DAYS[:5]), help="Days the training sessions may use."
        )
        minutes = cols[2].number_input(
            "Minutes per session", 30, 480, 120, 30, help="How long one training session lasts."
        )
        first = cols[0].selectbox(
            "First start", HOURS, HOURS.index("09:00"), help="The earliest a session may start."
        )
        last = cols[1].selectbox(
            "Last start", HOURS, HOURS.index("17:00"), help="The latest a session may start."
        )
        size = cols[2].number_input(
            "Largest group", 1, 200, 20, help="The most volunteers one session may take."
        )
        planned = st.form_submit_button("Plan the training", type="primary")
    if planned:
        try:
            settings = training.TrainingSettings(
                who=who,
                days=[DAYS.index(d) for d in days],
                first_start=HOURS.index(first) * 60 + 7 * 60,
                last_start=HOURS.index(last) * 60 + 7 * 60,
                minutes=minutes,
                max_size=size,
                time_limit=20,
            )
            with st.spinner("Planning the training sessions..."):
                ss["volunteer_training"] = (fp, training.solve_training(cohort, settings))
        except ValueError as exc:
            st.error(f"The training cannot be planned: {plain(exc)}")
    made = ss.get("volunteer_training")
    plan = made[1] if made and made[0] == fp else None
    if plan is not None:
        verdict = st.success if plan.trained == plan.volunteers else st.warning
        verdict(plain(plan.headline()))
        for fix in plan.fixes:
            st.markdown(f"- {plain(fix)}")
        table(training.sessions_for_csv(plan.sessions))
        table(with_names(cohort, plan.assignments))
        if len(plan.untrained):
            table(with_names(cohort, plan.untrained))
        ics = training_explain.training_ics(plan.sessions, dt.date.today())
        st.download_button(
            "Download the sessions (calendar)",
            ics,
            "training.ics",
            "text/calendar",
            on_click=audited("the training calendar"),
        )
        download(
            "Download who goes when (CSV)", plan.assignments, "training_assignments.csv", "dl_ta"
        )
        with st.expander("How this was solved"):
            st.text(f"{plan.status.label}; {plan.status.solver}; {plan.status.seconds:.2f} s")
    if len(cohort.training):
        st.caption(f"Training is recorded for {cohort.training['student_id'].nunique()} students.")
        if st.button("Plan PASS and mentoring with trained volunteers only"):
            trained = ValidationResult(trained_only(cohort), ValidationReport([]))
            shared.set_cohort(trained, "trained volunteers only", fp + "-trained")
            st.rerun()

# ------------------------------------------------------------------------------ supervise
with supervise_tab:
    st.header("Supervise")
    if len(cohort.supervisors) == 0:
        st.info("Add a supervisors table: staff_id, name, email, capacity and faculty.")
        upload = st.file_uploader(
            "Supervisors (CSV)",
            type=["csv"],
            key="supervisors_upload",
            help="One row per member of staff: staff_id, name, email, capacity, faculty.",
        )
        if upload is not None:
            result = with_uploaded_table(cohort, "supervisors", upload.getvalue())
            if result.cohort is None:
                st.error("The supervisors file has problems:")
                tables.show_problems(result.report)
            else:
                shared.set_cohort(result, "with supervisors", fp + "-supervisors")
                st.rerun()
    else:
        sup = plan_supervision(cohort, time_limit=20)
        (st.success if sup.unassigned.empty else st.warning)(plain(sup.headline()))
        table(sup.loads)
        table(sup.assignments)
        if len(sup.unassigned):
            table(sup.unassigned)
        every = st.number_input(
            "Check-ins every N weeks",
            1,
            12,
            2,
            help="A check-in in the first teaching week, then every N teaching weeks.",
        )
        checkins = checkin_schedule(cohort, sup.assignments, int(every))
        table(checkins)
        download("Download the check-ins (CSV)", checkins, "checkins.csv", "dl_checkins")

# ------------------------------------------------------------------------------ record
with record_tab:
    st.header("Record")
    chosen = shared.scenario()
    st.caption(
        "Hours come from the current plan"
        + (f" ({plain(chosen.name)})" if chosen else " (none solved yet)")
        + ", the training planned here, and the registers, meetings and training records."
    )
    cols = st.columns(3)
    coordinator = cols[0].text_input(
        "Coordinator's name (on certificates)",
        key="keep_coordinator",
        help="Printed on every certificate and in the award record.",
    )
    prep = cols[1].number_input(
        "Preparation per session (minutes)",
        0,
        240,
        30,
        5,
        help="Time a leader spends preparing each PASS session.",
    )
    meetings = cols[2].number_input(
        "Meetings per mentee (when not recorded)",
        0,
        30,
        6,
        help="Planned meetings per mentee in the term, used when there is no meetings table.",
    )
    skills = {
        role: st.text_input(
            f"Skills a {role} builds",
            text,
            key=f"keep_skills_{role}",
            help="Printed on certificates and in the award record; edit to your own words.",
        )
        for role, text in DEFAULT_SKILLS.items()
    }
    settings = HoursSettings(
        coordinator=coordinator, prep_minutes=prep, meetings_per_mentee=meetings, skills=skills
    )
    plans = plans_from_results(chosen.results if chosen else {}, plan)
    hours = volunteer_hours(cohort, plans, settings)
    active = hours[hours["total_hours"] > 0]
    st.markdown(
        f"**{len(active)} of {len(hours)} volunteers have hours: "
        f"{hours['total_hours'].sum():,.1f} in all.**"
    )
    table(hours)
    download("Download the hours (CSV)", hours, "hours.csv", "dl_hours")
    record = award_record(cohort, hours, settings)
    download("Download the award record (CSV)", record, "award_record.csv", "dl_award")
    if len(active):
        label = dict(zip(active["student_id"], active["name"], strict=True))
        person = st.selectbox(
            "Certificate for",
            active["student_id"],
            format_func=lambda sid: label[sid] if label[sid] == sid else f"{label[sid]} ({sid})",
            key="cert_for",
            help="The volunteer whose certificate to download.",
        )
        row = active[active["student_id"] == person].iloc[0].to_dict()
        st.download_button(
            "Download the certificate (HTML, prints on one page)",
            certificate_html(row, settings),
            certificate_file_name(person),
            "text/html",
            key="dl_certificate",
            on_click=audited("a certificate"),
        )
        st.download_button(
            "Download every certificate (zip)",
            certificates_zip(active, settings),
            "certificates.zip",
            "application/zip",
            key="dl_certificates",
            on_click=audited("every certificate"),
        )
