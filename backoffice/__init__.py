"""The reference back office (部门后台): the server side of the desk ↔ back office contract.

Its own package: FastAPI + SQLAlchemy with its own tables and migrations; it never imports ``ui/``
or ``devices/`` and uses only clerk's pure helpers (errors, privacy, CaseState values, make_engine).
"""
