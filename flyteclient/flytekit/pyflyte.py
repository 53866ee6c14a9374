"""pyflyte with flyteclient as its Flyte client, opt-in::

    python -m flyteclient.flytekit.pyflyte run --remote wf.py wf     # or: pyflyte-flyteclient ...

Every command pyflyte has, with the same options; the ``FlyteRemote`` each command gets
from flytekit's configuration plugin has :class:`flyteclient.flytekit.SynchronousFlyteClient`
as its client. Installing flyteclient changes nothing for plain ``pyflyte``.

flytekit picks one ``flytekit.configuration.plugin`` entry point (another package's
plugin, or flytekit's default). This command keeps that plugin for everything and only
changes the client of the remotes it returns, so other plugins keep working. flytekit
has no public setter for the active plugin: :func:`use_flyteclient` sets it in
``flytekit.configuration.plugin``'s registry, once, when this command starts (never on
import).
"""

from __future__ import annotations

import sys
from typing import Any, List, Optional

from flytekit.configuration import plugin as _plugin
from flytekit.remote.remote import FlyteRemote as _FlytekitRemote

from .remote import FlyteRemote


def with_flyteclient(remote: _FlytekitRemote) -> _FlytekitRemote:
    """``remote`` with flyteclient's flytekit-compatible client.

    A plain flytekit ``FlyteRemote`` is rebuilt as :class:`flyteclient.flytekit.FlyteRemote`
    with the same configuration; a plugin's subclass keeps its class and behaviour, in a
    subclass whose ``client`` is flyteclient's.
    """
    if isinstance(remote, FlyteRemote):
        return remote
    cls = type(remote)
    if cls is _FlytekitRemote:
        cls = FlyteRemote
    else:
        cls = type(cls.__name__, (cls,), {"client": FlyteRemote.client})
    remote.__class__ = cls
    FlyteRemote._attach_flyteclient(remote, getattr(remote, "_kwargs", {}))
    return remote


class FlyteclientPlugin:
    """flytekit's configuration plugin protocol, delegating to ``base`` (the plugin
    flytekit selected) except that remotes get flyteclient's client."""

    def __init__(self, base: Any) -> None:
        self.base = base

    def get_remote(
        self,
        config: Optional[str],
        project: str,
        domain: str,
        data_upload_location: Optional[str] = None,
    ) -> _FlytekitRemote:
        return with_flyteclient(self.base.get_remote(config, project, domain, data_upload_location))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)


def use_flyteclient() -> None:
    """Make flytekit's active configuration plugin hand out remotes with flyteclient's
    client, for the rest of this process. Idempotent."""
    current = _plugin.get_plugin()
    if not isinstance(current, FlyteclientPlugin):
        _plugin._GLOBAL_CONFIG["plugin"] = FlyteclientPlugin(current)


def main(argv: Optional[List[str]] = None) -> Any:
    """Run pyflyte (``argv`` or ``sys.argv[1:]``) with flyteclient as the client."""
    use_flyteclient()
    from flytekit.clis.sdk_in_container.pyflyte import main as pyflyte

    return pyflyte.main(args=sys.argv[1:] if argv is None else argv, prog_name="pyflyte")


if __name__ == "__main__":
    main()
