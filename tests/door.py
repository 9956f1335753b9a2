"""Test-time enforcement of the doors to patient data (pro_portal.access).

While a request is handled, any query on a patient table must run inside a
``patient_data_scope`` — opened by ``scoring.door`` for staff or by the
patient's own session. A query made anywhere else fails the test with the
table and the SQL, so a view that reads patient data around the door cannot
pass the suite. Outside requests (fixtures, services called by tests,
Celery tasks, commands) nothing is checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.handlers.base import BaseHandler
from django.db import connection

from pro_portal.access import patient_data_door

#: Every table that holds a patient's identity, answers (on the response), scores, flags or
#: what staff did with them.
PATIENT_TABLES = frozenset(
    {
        "pro_portal_patient",
        "questionnaires_consultation",
        "questionnaires_invitation",
        "questionnaires_response",
        "questionnaires_visitcode",
        "questionnaires_unsentsafetynotice",
        "scoring_scoringresult",
        "scoring_responsereview",
        "scoring_summarypdf",
    }
)
_TABLE = re.compile('"({})"'.format("|".join(sorted(PATIENT_TABLES))))

_in_request: ContextVar[str | None] = ContextVar("in_request", default=None)


class OutsideTheDoorError(AssertionError):
    pass


def _hook(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    path = _in_request.get()
    if path is not None and patient_data_door() is None:
        found = _TABLE.search(sql)
        if found:
            raise OutsideTheDoorError(
                f"{path}: query on the patient table {found.group(1)} outside the door: {sql[:300]}"
            )
    return execute(sql, params, many, context)


@contextmanager
def doors_enforced() -> Iterator[None]:
    """Mark request handling and check every query of this thread's connection."""
    real = BaseHandler.get_response

    def get_response(self: BaseHandler, request: Any) -> Any:
        token = _in_request.set(request.path)
        try:
            return real(self, request)
        finally:
            _in_request.reset(token)

    BaseHandler.get_response = get_response  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(_hook):
            yield
    finally:
        BaseHandler.get_response = real  # type: ignore[method-assign]
