"""Logging filter that redacts CPR numbers from every record, args included.

Code never logs a CPR number on purpose; this is the second line of defence
for what a third-party library or an exception message might print.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

from pro_portal.cpr import redact

#: What an error report shows for a value that raised while being described.
UNDESCRIBABLE = "<could not be described: {kind}>"


def _described(value: object) -> str:
    """A frame variable as text with CPR numbers redacted; never raises.

    Django's reporter guards its own formatting of variables, but this
    filter turns them into text first (to redact them), so a ``repr`` that
    raises — a lazy object, a query set on a broken connection — would
    escape and lose the report of the error being reported.
    """
    try:
        return redact(value if isinstance(value, str) else repr(value))
    except Exception as error:  # reporting an error must never fail
        return UNDESCRIBABLE.format(kind=type(error).__name__)


class RedactCprFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # A filter that raises takes the logging call — and the request — down
        # with it (logging catches errors in handlers, not in filters).
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its message
            message = str(record.msg)
            record.args = None
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            try:
                text = logging.Formatter().formatException(record.exc_info)
            except Exception as error:  # see above
                text = UNDESCRIBABLE.format(kind=type(error).__name__)
            record.exc_text = redact(text)
        return True


class CprSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports (500 pages in DEBUG, e-mails to ADMINS) show no CPR number.

    Django already hides settings and parameters marked with
    ``sensitive_post_parameters``/``sensitive_variables``; this also redacts
    any CPR-shaped value in request parameters and frame variables, in case a
    view forgets the decorator.
    """

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        try:
            params = super().get_post_parameters(request)
        except Exception as error:  # a body that cannot be parsed; reporting must not fail
            return {"(POST)": UNDESCRIBABLE.format(kind=type(error).__name__)}
        if request is None:
            return params
        cleaned = params.copy()
        for key in cleaned:
            values = cleaned.getlist(key) if hasattr(cleaned, "getlist") else [cleaned[key]]
            redacted = [_described(v) for v in values]
            if hasattr(cleaned, "setlist"):
                cleaned.setlist(key, redacted)
            else:
                cleaned[key] = redacted[0]
        return cleaned

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        try:
            variables = super().get_traceback_frame_variables(request, tb_frame)
        except Exception as error:  # reporting an error must never fail
            return [("(variables)", UNDESCRIBABLE.format(kind=type(error).__name__))]
        return [(name, _described(value)) for name, value in variables]
