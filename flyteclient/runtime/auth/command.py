"""ExternalCommand mode (and proxy_command): the token is what a program prints."""

from __future__ import annotations

import logging
import shlex
import subprocess
from typing import Callable, List, Optional, Sequence, Union

from flyteclient.runtime.auth.base import TokenAuthenticator
from flyteclient.runtime.auth.credentials import Credentials
from flyteclient.runtime.auth.errors import AuthenticationError

__all__ = ["CommandAuthenticator"]

logger = logging.getLogger(__name__)

_STDERR_TAIL = 500


class CommandAuthenticator(TokenAuthenticator):
    """Runs ``command`` (a list of arguments, or one string split like a shell would)
    and uses its stripped standard output as the token.

    ``header_key`` is either the metadata key itself or a callable returning it (so the
    key can be discovered from the server only when a token is first sent).
    """

    def __init__(
        self,
        command: Union[Sequence[str], str],
        header_key: Union[str, Callable[[], str]] = "authorization",
        timeout: Optional[float] = 300.0,
    ) -> None:
        super().__init__()
        argv: List[str] = (
            shlex.split(command) if isinstance(command, str) else [str(c) for c in command]
        )
        if not argv:
            raise ValueError("The token command is empty")
        self._argv = argv
        self._key = header_key
        self._resolved_key: Optional[str] = header_key if isinstance(header_key, str) else None
        self._timeout = timeout

    def _header_key(self) -> str:
        if self._resolved_key is None:
            assert callable(self._key)
            self._resolved_key = self._key()
        return self._resolved_key

    def _refresh(self) -> None:
        program = self._argv[0]  # only the program is named in messages: arguments may be sensitive
        logger.debug("Running %s to get a token", program)
        try:
            result = subprocess.run(
                self._argv,
                capture_output=True,
                text=True,
                timeout=self._timeout,
                stdin=subprocess.DEVNULL,
            )
        except FileNotFoundError as e:
            raise AuthenticationError(f"The token command {program!r} was not found") from e
        except subprocess.TimeoutExpired:
            # The cause names only the program: TimeoutExpired's own text holds every argument.
            cause = subprocess.TimeoutExpired([program], self._timeout or 0)
            raise AuthenticationError(
                f"The token command {program!r} did not finish within {self._timeout}s"
            ) from cause
        except OSError as e:
            raise AuthenticationError(
                f"The token command {program!r} could not be run: {e.strerror or e}"
            ) from e
        if result.returncode != 0:
            stderr = (result.stderr or "").strip()[-_STDERR_TAIL:]
            raise AuthenticationError(
                f"The token command {program!r} exited with status {result.returncode}"
                + (f"; its stderr ends with: {stderr}" if stderr else "")
                + ". Run the command in a terminal to debug it."
            )
        token = (result.stdout or "").strip()
        if not token:
            raise AuthenticationError(f"The token command {program!r} printed no token")
        self._set_credentials(Credentials.from_token(token))
