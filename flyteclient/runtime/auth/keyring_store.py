"""Caching tokens in the OS keyring (the ``keyring`` extra).

Entries use service = the Flyte endpoint and usernames ``access_token``,
``refresh_token`` and ``id_token``, like flytekit, so both share a login. The cache is
best effort: when ``keyring`` is not installed, has no backend, is locked or fails in
any way, the problem is logged at DEBUG and the call goes on without the cache.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from flyteclient.runtime.auth.credentials import Credentials

__all__ = ["KeyringTokenCache"]

logger = logging.getLogger(__name__)

ACCESS_TOKEN = "access_token"
REFRESH_TOKEN = "refresh_token"
ID_TOKEN = "id_token"


def _keyring() -> Optional[Any]:
    from ..extras import MissingExtraError, require_extra

    try:
        return require_extra("keyring", "caching tokens")
    except MissingExtraError as exc:
        logger.debug("%s; tokens are not cached", exc)
        return None


class KeyringTokenCache:
    """Token cache for one endpoint. No method ever raises."""

    def __init__(self, service: str) -> None:
        self.service = service

    def load(self) -> Optional[Credentials]:
        """The cached credentials, or None (nothing cached or no usable keyring)."""
        keyring = _keyring()
        if keyring is None:
            return None
        try:
            access = keyring.get_password(self.service, ACCESS_TOKEN)
            refresh = keyring.get_password(self.service, REFRESH_TOKEN)
            id_token = keyring.get_password(self.service, ID_TOKEN)
        except Exception as e:
            logger.debug(
                "Reading cached tokens from the keyring failed (%s); continuing without",
                type(e).__name__,
            )
            return None
        if not access:
            return None
        return Credentials.from_token(access, refresh or None, id_token or None)

    def save(self, creds: Credentials) -> None:
        """Store ``creds``; tokens they lack are left as they are."""
        keyring = _keyring()
        if keyring is None:
            return
        try:
            keyring.set_password(self.service, ACCESS_TOKEN, creds.access_token)
            if creds.refresh_token:
                keyring.set_password(self.service, REFRESH_TOKEN, creds.refresh_token)
            if creds.id_token:
                keyring.set_password(self.service, ID_TOKEN, creds.id_token)
        except Exception as e:
            logger.debug(
                "Storing tokens in the keyring failed (%s); they are not cached", type(e).__name__
            )

    def clear(self) -> None:
        """Remove the cached tokens (a logout). Failed refreshes never call this."""
        keyring = _keyring()
        if keyring is None:
            return
        for username in (ACCESS_TOKEN, REFRESH_TOKEN, ID_TOKEN):
            try:
                keyring.delete_password(self.service, username)
            except Exception as e:
                logger.debug("Deleting %s from the keyring failed (%s)", username, type(e).__name__)
