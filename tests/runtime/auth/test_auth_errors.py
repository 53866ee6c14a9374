"""Authentication failures are FlyteExceptions that carry their cause."""

from __future__ import annotations

import grpc
import pytest

from flyteclient import SynchronousFlyteClient
from flyteclient.exceptions import FlyteAuthenticationException, FlyteException
from flyteclient.runtime.auth import AuthenticationError, AuthNotEnabledError, TokenRequestError
from flyteclient.runtime.config import PlatformConfig
from tests.support.servers import Fail


def test_auth_errors_are_flyte_authentication_exceptions():
    for cls in (AuthenticationError, AuthNotEnabledError, TokenRequestError):
        assert issubclass(cls, FlyteAuthenticationException) and issubclass(cls, FlyteException)
    error = TokenRequestError("refused", error="invalid_grant", status=400)
    assert (str(error), error.error, error.status) == ("refused", "invalid_grant", 400)


def test_a_failed_login_during_a_call_is_caught_as_flyte_exception(server):
    server.set_default("GetVersion", Fail(grpc.StatusCode.UNAUTHENTICATED, "no token"))
    cfg = PlatformConfig(
        endpoint=server.endpoint, insecure=True, command=["/no/such/token-program"]
    )
    with SynchronousFlyteClient(cfg) as client:
        with pytest.raises(FlyteException) as info:
            client.get_control_plane_version()
    error = info.value
    assert isinstance(error, AuthenticationError) and "not found" in str(error)
    assert isinstance(error.__cause__, FileNotFoundError)
    assert error.rpc == "GetVersion"
