"""Secrets in links and on tablets: random tokens of which only a hash is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings

#: 32 random bytes = 256 bits, URL-safe (43 characters).
TOKEN_BYTES = 32
VISIT_CODE_DIGITS = 6


def token_new() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """SHA-256 of a random token. Unkeyed on purpose: 256 random bits cannot
    be guessed from the hash, and a key rotation must not break live links."""
    return hashlib.sha256(token.encode()).hexdigest()


def visit_code_new() -> str:
    """Six digits: typed on a tablet's number pad; valid one day, at one
    organisation, only together with the patient's birth date."""
    return f"{secrets.randbelow(10**VISIT_CODE_DIGITS):0{VISIT_CODE_DIGITS}d}"


def visit_code_hash(*, organisation_id: int, valid_on: dt.date, code: str) -> str:
    """Keyed, because a six-digit code's unkeyed hash is trivially reversed."""
    message = f"{organisation_id}:{valid_on.isoformat()}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
