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


class RedactCprFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
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
        params = super().get_post_parameters(request)
        if request is None:
            return params
        cleaned = params.copy()
        for key in cleaned:
            values = cleaned.getlist(key) if hasattr(cleaned, "getlist") else [cleaned[key]]
            redacted = [redact(v) if isinstance(v, str) else v for v in values]
            if hasattr(cleaned, "setlist"):
                cleaned.setlist(key, redacted)
            else:
                cleaned[key] = redacted[0]
        return cleaned

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        return [
            (name, redact(value) if isinstance(value, str) else redact(repr(value)))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]
