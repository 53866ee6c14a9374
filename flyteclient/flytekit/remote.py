"""flytekit's ``FlyteRemote`` with flyteclient's flytekit-compatible client."""

from __future__ import annotations

import threading
from typing import Any, Mapping, Optional

from flytekit.configuration import Config
from flytekit.remote.remote import FlyteRemote as _FlytekitRemote

from flyteclient.generated.flytekit_compat import SynchronousFlyteClient


class FlyteRemote(_FlytekitRemote):
    """flytekit's ``FlyteRemote`` (same constructor, same methods) whose :attr:`client` is
    :class:`flyteclient.flytekit.SynchronousFlyteClient`, built from
    ``config.platform`` and the extra keyword arguments, as flytekit builds its own."""

    def __init__(
        self,
        config: Config,
        default_project: Optional[str] = None,
        default_domain: Optional[str] = None,
        data_upload_location: str = "flyte://my-s3-bucket/",
        interactive_mode_enabled: Optional[bool] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            config,
            default_project=default_project,
            default_domain=default_domain,
            data_upload_location=data_upload_location,
            interactive_mode_enabled=interactive_mode_enabled,
            **kwargs,
        )
        self._attach_flyteclient(kwargs)

    def _attach_flyteclient(self, kwargs: Mapping[str, Any]) -> None:
        """The state :attr:`client` needs: the client's keyword arguments, no client yet."""
        self._flyteclient_kwargs = dict(kwargs)
        self._flyteclient: Optional[SynchronousFlyteClient] = None
        self._flyteclient_lock = threading.Lock()

    @property
    def client(self) -> SynchronousFlyteClient:
        """The client, created on first use (flyteclient's, flytekit-compatible)."""
        if self._flyteclient is None:
            with self._flyteclient_lock:
                if self._flyteclient is None:
                    self._flyteclient = SynchronousFlyteClient(
                        self.config.platform, **self._flyteclient_kwargs
                    )
        return self._flyteclient
