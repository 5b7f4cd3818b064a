"""The deployment's master key, and sealing small secrets under it (envelope encryption's top).

Veil never encrypts bulk data with the master key. It *wraps*: data keys (one per camera per
day for media, ``privacy.keys``) and small secrets (camera passwords, ``vms.fields``) are sealed
by a key provider with AES-256-GCM. A token names the master key that sealed it, so a rotation
(``manage.py keys_rotate``) can re-wrap everything under a new key while the old one still opens
what it sealed.

Where the master key comes from is configuration (``VMS_KEY_PROVIDER``, a dotted path):

* ``ConfiguredKeyProvider`` (the default): ``VMS_MASTER_KEY`` (32 bytes, URL-safe base64), or the
  key file ``VMS_MASTER_KEY_FILE`` (default ``<data dir>/master_key``, created owner-only on first
  use in the embedded default; production must configure one: it is never generated there).
  Earlier keys stay usable for opening while a rotation runs: ``VMS_MASTER_KEYS_PREVIOUS``
  (comma-separated) or ``<key file>.previous`` lines.
* A KMS (AWS KMS, Vault transit, …) is another provider class with the same two methods,
  ``seal`` and ``open``; nothing else in Veil touches key material.

Token format: ``vk1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``; the key id is the first 12
hex digits of SHA-256 of the key (not secret; it says which key to ask for). The associated data
(``context``) binds a token to where it belongs: a camera password sealed for one field cannot be
pasted into another.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from vms.files import secret_file

TOKEN_PREFIX = "vk1"  # noqa: S105 (a format tag, not a secret)
KEY_BYTES = 32
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A token or file could not be opened: wrong or unknown key, or altered data."""


@dataclass(frozen=True, slots=True)
class MasterKey:
    key_id: str
    material: bytes

    def __repr__(self) -> str:  # never the material, even in a traceback
        return f"MasterKey(key_id={self.key_id!r})"


def master_key_from_text(text: str) -> MasterKey:
    """A master key from its URL-safe base64 text form (what ``keys_generate`` prints)."""
    try:
        material = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (ValueError, TypeError):
        raise ImproperlyConfigured("a master key must be URL-safe base64") from None
    if len(material) != KEY_BYTES:
        raise ImproperlyConfigured(f"a master key is {KEY_BYTES} bytes, not {len(material)}")
    return MasterKey(key_id=hashlib.sha256(material).hexdigest()[:12], material=material)


def master_key_text_new() -> str:
    """A new random master key, as text."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode().rstrip("=")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ConfiguredKeyProvider:
    """Master keys from the environment or a key file; AES-256-GCM done here."""

    def __init__(self) -> None:
        self._current, previous = self._load()
        self._keys = {key.key_id: key for key in (self._current, *previous)}

    @property
    def current_key_id(self) -> str:
        return self._current.key_id

    def key_ids(self) -> list[str]:
        """The current key first, then those still usable for opening."""
        return list(self._keys)

    def seal(self, plaintext: bytes, *, context: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self._current.material).encrypt(nonce, plaintext, context)
        return f"{TOKEN_PREFIX}.{self._current.key_id}.{_b64(nonce + sealed)}"

    def open(self, token: str, *, context: bytes) -> bytes:
        key_id = token_key_id(token)
        key = self._keys.get(key_id)
        if key is None:
            raise DecryptionError(f"sealed under master key {key_id}, which is not configured")
        try:
            blob = _unb64(token.split(".", 2)[2])
        except ValueError:
            raise DecryptionError("not a sealed value") from None
        try:
            return AESGCM(key.material).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context)
        except InvalidTag:
            raise DecryptionError("the data was altered or belongs elsewhere") from None

    # --- where the keys come from --------------------------------------------------------------
    @staticmethod
    def _load() -> tuple[MasterKey, list[MasterKey]]:
        configured = getattr(settings, "MASTER_KEY", "")
        key_file = Path(settings.MASTER_KEY_FILE)
        previous_texts = list(getattr(settings, "MASTER_KEYS_PREVIOUS", []))
        if configured:
            current = master_key_from_text(configured)
        else:
            if not key_file.exists() and settings.PRODUCTION:
                raise ImproperlyConfigured(
                    "no master key: set VMS_MASTER_KEY or VMS_MASTER_KEY_FILE (see README, "
                    "'Keys'); production never generates one"
                )
            current = master_key_from_text(secret_file(key_file, master_key_text_new))
        previous_file = key_file.with_name(key_file.name + ".previous")
        if previous_file.exists():
            previous_texts += [line for line in previous_file.read_text().split() if line]
        previous = [master_key_from_text(text) for text in previous_texts if text.strip()]
        return current, [key for key in previous if key.key_id != current.key_id]


def token_key_id(token: str) -> str:
    """Which master key sealed ``token``."""
    parts = token.split(".", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise DecryptionError("not a sealed value")
    return parts[1]


def is_sealed(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX + ".") and value.count(".") >= 2


_provider = None
_provider_lock = threading.Lock()


def key_provider():
    """The deployment's key provider (one per process)."""
    global _provider
    with _provider_lock:
        if _provider is None:
            _provider = import_string(settings.KEY_PROVIDER)()
        return _provider


def key_provider_reset() -> None:
    """Forget the loaded keys (after a rotation, or in tests that change them)."""
    global _provider
    with _provider_lock:
        _provider = None


def seal_text(plaintext: str, *, context: str) -> str:
    return key_provider().seal(plaintext.encode(), context=context.encode())


def open_text(token: str, *, context: str) -> str:
    return key_provider().open(token, context=context.encode()).decode()
