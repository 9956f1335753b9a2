"""Logging filter that redacts CPR numbers from every record, args included.

Code never logs a CPR number on purpose; this is the second line of defence
for what a third-party library or an exception message might print.
"""

from __future__ import annotations

import logging

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
