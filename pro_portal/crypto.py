"""Data at rest: one cipher for CPR numbers and stored summary PDFs.

The keys come from ``DATA_ENCRYPTION_KEYS`` (settings), not from
``SECRET_KEY``: the first encrypts, all of them decrypt, so a key is rotated
by putting a new one first and running ``manage.py rotate_data_key``.
Fernet (from ``cryptography``, already installed for
django-fernet-encrypted-fields) does the encryption; this module only chooses
the keys.

Data written before the data keys existed was encrypted by
django-fernet-encrypted-fields under a key derived from ``SECRET_KEY``
(and ``SECRET_KEY_FALLBACKS``) with ``FIELD_ENCRYPTION_SALT``. While
``DATA_ENCRYPTION_LEGACY_READ`` is on, those derived keys are tried after the
data keys, for reading only; ``rotate_data_key`` moves such values over.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Cast
from encrypted_fields.fields import EncryptedFieldMixin

__all__ = [
    "DataCipher",
    "InvalidToken",
    "RotationCounts",
    "data_cipher",
    "encrypted_field_rotate",
    "encrypted_fields",
    "legacy_key",
]


def legacy_key(secret_key: str, salt: str) -> bytes:
    """The key django-fernet-encrypted-fields 0.4 derives from a secret key
    and a salt (``EncryptedFieldMixin.keys``; a test encrypts with the
    library itself and decrypts with this)."""
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt.encode(), iterations=100_000)
    return base64.urlsafe_b64encode(kdf.derive(secret_key.encode()))


@dataclass(frozen=True)
class DataCipher:
    """Encrypts under the current data key, decrypts under any accepted one."""

    keys: tuple[str, ...]
    legacy_secrets: tuple[str, ...] = ()
    legacy_salts: tuple[str, ...] = ()

    @functools.cached_property
    def current(self) -> Fernet:
        return Fernet(self.keys[0])

    @functools.cached_property
    def accepted(self) -> MultiFernet:
        return MultiFernet([Fernet(key) for key in self.keys])

    @functools.cached_property
    def legacy(self) -> MultiFernet | None:
        # Derived on first need only: PBKDF2 with 100,000 rounds per
        # (secret, salt) pair would otherwise slow every process start.
        if not self.legacy_secrets or not self.legacy_salts:
            return None
        return MultiFernet(
            [
                Fernet(legacy_key(secret, salt))
                for secret in self.legacy_secrets
                for salt in self.legacy_salts
            ]
        )

    def encrypt(self, data: bytes) -> bytes:
        return self.current.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        """The plain bytes; ``InvalidToken`` when no accepted key opens it."""
        try:
            return self.accepted.decrypt(token)
        except InvalidToken:
            if self.legacy is None:
                raise
            return self.legacy.decrypt(token)

    def is_current(self, token: bytes) -> bool:
        try:
            self.current.decrypt(token)
        except InvalidToken:
            return False
        return True

    def rotate(self, token: bytes) -> bytes:
        """The same plain bytes encrypted under the current key."""
        return self.encrypt(self.decrypt(token))


def data_cipher() -> DataCipher:
    """The cipher for the keys settings hold now (cached per set of keys, so
    a changed setting — in a test — takes effect at once)."""
    legacy = bool(getattr(settings, "DATA_ENCRYPTION_LEGACY_READ", True))
    salts = settings.SALT_KEY if isinstance(settings.SALT_KEY, list) else [settings.SALT_KEY]
    return _cipher(
        tuple(settings.DATA_ENCRYPTION_KEYS),
        (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS) if legacy else (),
        tuple(salts) if legacy else (),
    )


@functools.lru_cache(maxsize=8)
def _cipher(
    keys: tuple[str, ...], legacy_secrets: tuple[str, ...], legacy_salts: tuple[str, ...]
) -> DataCipher:
    return DataCipher(keys=keys, legacy_secrets=legacy_secrets, legacy_salts=legacy_salts)


@dataclass
class RotationCounts:
    """What ``rotate_data_key`` did with one kind of stored data."""

    rotated: int = 0
    current: int = 0
    unreadable: int = 0
    missing: int = 0


def encrypted_fields() -> list[tuple[type[models.Model], models.Field[Any, Any]]]:
    """Every encrypted model field of every installed app."""
    return [
        (model, model_field)
        for model in apps.get_models()
        for model_field in model._meta.concrete_fields
        if isinstance(model_field, EncryptedFieldMixin)
    ]


def encrypted_field_rotate(
    model: type[models.Model], model_field: models.Field[Any, Any], *, batch_size: int = 500
) -> RotationCounts:
    """Re-encrypt one encrypted column under the current data key, a batch of
    rows per transaction (locked while rewritten).

    Idempotent: a value already under the current key is not rewritten. The
    stored text is read as it is in the database (a cast, so the field does
    not decrypt it) and written back through the field, which encrypts.
    A value no accepted key opens is counted and left unchanged.
    """
    cipher = data_cipher()
    counts = RotationCounts()
    manager = model._base_manager
    last: Any = None
    while True:
        with transaction.atomic():
            rows = manager.select_for_update().order_by("pk")
            if last is not None:
                rows = rows.filter(pk__gt=last)
            batch = list(
                rows.annotate(_stored=Cast(model_field.name, models.TextField())).values_list(
                    "pk", "_stored"
                )[:batch_size]
            )
            for pk, stored in batch:
                if not stored:
                    continue
                token = stored.encode()
                if cipher.is_current(token):
                    counts.current += 1
                    continue
                try:
                    plain = cipher.decrypt(token).decode()
                except InvalidToken:
                    counts.unreadable += 1
                    continue
                manager.filter(pk=pk).update(**{model_field.attname: plain})
                counts.rotated += 1
        if len(batch) < batch_size:
            return counts
        last = batch[-1][0]
