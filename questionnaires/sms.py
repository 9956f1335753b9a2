"""Sending SMS through a pluggable backend named by ``settings.SMS_BACKEND``.

Like Django's e-mail backends: the console backend prints messages (the
default), the in-memory one collects them in ``LocmemSmsBackend.outbox`` for
tests. A real gateway is one more class with a ``send`` method.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> None: ...


class ConsoleSmsBackend:
    """Prints each message to standard output (development)."""

    _lock = threading.Lock()

    def send(self, message: SmsMessage) -> None:
        with self._lock:
            sys.stdout.write(f"--- SMS to {message.to}\n{message.body}\n---\n")
            sys.stdout.flush()


class LocmemSmsBackend:
    """Keeps messages in memory (tests read ``LocmemSmsBackend.outbox``)."""

    outbox: ClassVar[list[SmsMessage]] = []

    def send(self, message: SmsMessage) -> None:
        self.outbox.append(message)


def sms_send(*, to: str, body: str) -> None:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(SmsMessage(to=to, body=body))
