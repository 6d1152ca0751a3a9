"""Who may do what in a shared deployment: workspaces and roles, read-only links, the audit
log, retention and erasure ("forget this student"). No Streamlit: the app and the command line
both call these.

* :mod:`workbench.access.settings`: who may create workspaces, how long things are kept;
* :mod:`workbench.access.workspaces`: workspaces, members and roles, sharing, links;
* :mod:`workbench.access.audit`: the record of who did what;
* :mod:`workbench.access.retention`: deleting what is past its retention period;
* :mod:`workbench.access.erasure` (with :mod:`workbench.access.scrub`): forgetting a student.
"""
