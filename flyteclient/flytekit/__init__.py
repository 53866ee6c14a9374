"""flyteclient for flytekit users: flytekit's client API on flyteclient's runtime.

Needs flytekit (``pip install 'flyteclient[flytekit]'``)::

    from flyteclient.flytekit import FlyteRemote, SynchronousFlyteClient

    remote = FlyteRemote(Config.auto(), default_project="flytesnacks", default_domain="development")
    remote.fetch_task(name="my.task")          # remote.client is flyteclient's

- :class:`SynchronousFlyteClient`: every method of flytekit's ``SynchronousFlyteClient``
  returns what flytekit's returns (flytekit models, ``(models, token)`` pages, ``None``);
  every other RPC, the pagers and ``client.raw`` return protobufs as in
  :class:`flyteclient.SynchronousFlyteClient`.
- Errors are instances of both flyteclient's and flytekit's exception class for the gRPC
  status (:mod:`flyteclient.flytekit.exceptions`).
- :class:`FlyteRemote`: flytekit's ``FlyteRemote`` whose ``client`` is the class above.
- ``python -m flyteclient.flytekit.pyflyte ...`` (or the ``pyflyte-flyteclient`` command):
  pyflyte with flyteclient as its client; plain ``pyflyte`` is unchanged.

The main :mod:`flyteclient` package never imports flytekit; only this one does.
"""

from flyteclient.runtime.extras import require_extra

require_extra("flytekit", "flyteclient.flytekit")  # before anything imports flytekit

from flyteclient.generated.flytekit_compat import SynchronousFlyteClient  # noqa: E402
from flyteclient.generated.raw import RawSynchronousFlyteClient  # noqa: E402

from . import exceptions  # noqa: E402
from .remote import FlyteRemote  # noqa: E402

__all__ = ["FlyteRemote", "RawSynchronousFlyteClient", "SynchronousFlyteClient", "exceptions"]
