"""A local, in-process flyteadmin look-alike for tests.

``LocalAdmin`` serves flyteidl's AdminService, DataProxyService, SignalService,
IdentityService and AuthMetadataService on 127.0.0.1 with flyteadmin's status
codes and messages, over gRPC and over flyteadmin's HTTP/JSON gateway routes
(``/api/v1/...``, see :mod:`.gateway`), a signed-URL blob store over HTTP, optional
OAuth2 (``LocalAuth``) and optional SQLite persistence.  Run it standalone with
``python -m flyteclient.testing --port 8089 [--db state.db]``.
"""

from .auth import AuthState, LocalAuth
from .server import LocalAdmin

__all__ = ["LocalAdmin", "LocalAuth", "AuthState"]
