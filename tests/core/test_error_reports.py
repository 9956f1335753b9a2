"""Reporting an error never fails: the CPR-redacting reporter and log filter
describe what they can and say what they could not, instead of raising."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from django.views.debug import ExceptionReporter

from tests.factories import CANARY_CPR

pytestmark = pytest.mark.django_db


class Undescribable:
    """A value whose description itself fails, as a lazy object or a query
    set on a broken connection can."""

    def __repr__(self) -> str:
        raise RuntimeError("cannot describe me")


class UnreadableBody:
    """A request body that cannot be parsed (a broken multipart upload)."""

    def __get__(self, request: object, owner: object) -> object:
        raise ValueError("broken multipart body")


def failing_report(request: object) -> str:
    try:
        value = Undescribable()  # a local variable in the failing frame
        raise OverflowError("date value out of range " + str(type(value))[:0])
    except OverflowError:
        reporter = ExceptionReporter(request, *sys.exc_info())
        html = reporter.get_traceback_html()
        text = reporter.get_traceback_text()
    return html + text


def test_a_variable_that_raises_while_described_is_named_and_the_report_is_still_made(rf) -> None:
    request = rf.post("/worklist/", {"cpr": CANARY_CPR, "name": "Karen"})
    report = failing_report(request)
    assert "OverflowError" in report
    assert "date value out of range" in report
    assert "&lt;could not be described: RuntimeError&gt;" in report
    assert "Karen" in report  # the rest of the report is still there
    assert CANARY_CPR not in report


def test_a_request_body_that_cannot_be_read_does_not_stop_the_report(rf) -> None:
    request = rf.post("/worklist/", {"name": "Karen"})
    request.__class__ = type("BrokenRequest", (type(request),), {"POST": UnreadableBody()})
    report = failing_report(request)
    assert "OverflowError" in report
    assert "could not be described: ValueError" in report


def test_a_log_call_whose_arguments_do_not_fit_its_message_still_reaches_the_log() -> None:
    (handler,) = [h for h in logging.getLogger().handlers if h.filters]
    buffer = io.StringIO()
    old_stream = handler.setStream(buffer)
    try:
        # Two placeholders, one argument: logging reports this itself, later —
        # unless a filter raises first and takes the caller down.
        logging.getLogger("pro_portal.some_module").warning("patient %s and %s", CANARY_CPR)
    finally:
        handler.setStream(old_stream)
    logged = buffer.getvalue()
    assert "patient %s and %s" in logged
    assert CANARY_CPR not in logged
