"""Model fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from encrypted_fields.fields import EncryptedCharField

from pro_portal.crypto import DataCipher, data_cipher

if TYPE_CHECKING:
    # The library ships no type information; to mypy the field is the
    # CharField it behaves as (a str attribute).
    _EncryptedCharBase = models.CharField
else:
    _EncryptedCharBase = EncryptedCharField


class SafeEncryptedCharField(_EncryptedCharBase):  # type: ignore[type-arg]
    """django-fernet-encrypted-fields' char field, with PRO Portal's data keys
    and a safe ``clean``.

    The library derives its key from ``SECRET_KEY`` and offers no setting for
    a key of its own, so ``f`` (the Fernet object it encrypts and decrypts
    with) is replaced by the data cipher (``pro_portal.crypto``): the data
    keys first, the library's old derived key for reading only. Looked up on
    every use rather than cached on the field, so a changed setting applies.

    Upstream ``clean`` marks the *field* (shared by every instance and thread)
    as "already decrypted" and unmarks it only if validation succeeds: after
    one invalid value the whole process stops decrypting. The value reaching
    ``clean`` is always the model's plaintext attribute, so this validates it
    as a plain CharField without touching that shared state.
    """

    @property
    def f(self) -> DataCipher:
        return data_cipher()

    def clean(self, value: Any, model_instance: Any) -> Any:
        value = models.CharField.to_python(self, value)
        self.validate(value, model_instance)
        self.run_validators(value)
        return value
