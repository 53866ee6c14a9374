"""flyteclient.flytekit.SynchronousFlyteClient against flytekit's own client: same
signatures, and for the same server answer the same result (flytekit models, pages,
None, protobufs) or the same exception, method by method."""

from __future__ import annotations

import inspect
import random
import subprocess
import sys
import time

import grpc
import pytest
from flytekit.clients.friendly import SynchronousFlyteClient as FlytekitClient
from flytekit.clients.grpc_utils.deadline_interceptor import scoped_grpc_deadline
from flytekit.exceptions import system as fk_system
from flytekit.exceptions import user as fk_user
from flytekit.models.core.identifier import WorkflowExecutionIdentifier

import flyteclient
from codegen.load import load_services
from codegen.schema import build_api
from codegen.surface import load_surface
from flyteclient import exceptions as fc
from flyteclient.flytekit import SynchronousFlyteClient
from flyteclient.flytekit import exceptions as compat
from flyteclient.generated import errors
from flyteclient.runtime.interceptors.retry import RetryPolicy
from tests.flytekit.support import flytekit_client, normalize
from tests.generated.test_flytekit_compat import FLYTEKIT_METHODS
from tests.support.messages import argument_value, populate
from tests.support.servers import Fail, RecordingServer

SURFACE = load_surface()
API = build_api(load_services(SURFACE.services), SURFACE)
FLYTEKIT_STYLE = [m for m in API.methods if m.flytekit_style]
EXECUTION = WorkflowExecutionIdentifier("p", "d", "run")


@pytest.mark.parametrize("name", FLYTEKIT_METHODS)
def test_same_signature_as_flytekit(name):
    theirs = inspect.signature(getattr(FlytekitClient, name))
    mine = inspect.signature(getattr(SynchronousFlyteClient, name))
    theirs_params = [(p.name, p.kind, p.default) for p in theirs.parameters.values()]
    mine_params = [(p.name, p.kind, p.default) for p in mine.parameters.values()]
    if name in vars(
        FlytekitClient
    ):  # flytekit's friendly method: its parameters, then call options
        assert mine_params[: len(theirs_params)] == theirs_params, (
            f"{name}: flytekit {theirs} vs ours {mine}"
        )
        extra = mine_params[len(theirs_params) :]
        assert [n for n, _, _ in extra] in (["timeout", "metadata"], ["timeout"], []), name
        assert all(
            kind == inspect.Parameter.KEYWORD_ONLY and default is None for _, kind, default in extra
        )
    else:  # a raw method flytekit inherits: same names and kinds (ours may default the request)
        assert [p[:2] for p in mine_params[: len(theirs_params)]] == [
            p[:2] for p in theirs_params
        ], name


@pytest.fixture(scope="module")
def recording():
    with RecordingServer() as server:
        yield server


@pytest.mark.parametrize("method", FLYTEKIT_STYLE, ids=lambda m: m.friendly_name)
def test_same_result_as_flytekit(method, recording):
    """The server answers both clients with the same populated response; the results
    (type and content) are equal, or both raise the same exception class."""
    rng = random.Random(method.name)
    args = [argument_value(p, rng, as_model=True) for p in method.params]
    response = populate(method.response.descriptor._concrete_class(), random.Random(method.name))
    with (
        flytekit_client(recording.endpoint) as theirs,
        SynchronousFlyteClient(recording.endpoint, insecure=True) as ours,
    ):
        results = []
        for client in (theirs, ours):
            recording.script(method.name, response)
            try:
                value = getattr(client, method.friendly_name)(*args)
                results.append(("ok", type(value).__name__, normalize(value)))
            except Exception as exc:  # noqa: BLE001 - compared below
                results.append(
                    ("raised", type(exc).__name__, [c.__name__ for c in type(exc).__mro__])
                )
    flytekit_result, ours_result = results
    if flytekit_result[0] == "raised":  # flytekit's model conversion fails on this data: ours too
        assert ours_result[0] == "raised" and flytekit_result[1] in ours_result[2], (
            method.friendly_name
        )
    else:
        assert ours_result == flytekit_result, method.friendly_name


def test_every_flytekit_model_method_is_covered():
    """The surface's flytekit_model entries are exactly the methods whose flytekit result is
    a model: each is a method of flytekit's SynchronousFlyteClient."""
    names = {m.friendly_name for m in API.flytekit_methods}
    assert names <= set(vars(FlytekitClient))
    assert len(names) == 26


STATUS_CASES = [
    (grpc.StatusCode.NOT_FOUND, fk_user.FlyteEntityNotExistException),
    (grpc.StatusCode.ALREADY_EXISTS, fk_user.FlyteEntityAlreadyExistsException),
    (grpc.StatusCode.INVALID_ARGUMENT, fk_user.FlyteInvalidInputException),
    (grpc.StatusCode.UNAUTHENTICATED, fk_user.FlyteAuthenticationException),
    (grpc.StatusCode.UNAVAILABLE, fk_system.FlyteSystemUnavailableException),
    (grpc.StatusCode.DEADLINE_EXCEEDED, fk_user.FlyteTimeout),
    (grpc.StatusCode.PERMISSION_DENIED, fk_system.FlyteSystemException),
    (grpc.StatusCode.FAILED_PRECONDITION, fk_system.FlyteSystemException),
    (grpc.StatusCode.RESOURCE_EXHAUSTED, fk_system.FlyteSystemException),
    (grpc.StatusCode.INTERNAL, fk_system.FlyteSystemException),
    (grpc.StatusCode.UNIMPLEMENTED, fk_system.FlyteSystemException),
]


@pytest.mark.parametrize("code,flytekit_class", STATUS_CASES, ids=lambda v: getattr(v, "name", ""))
def test_errors_are_flytekits_and_flyteclients(code, flytekit_class, recording):
    no_retry = RetryPolicy(max_retries=0)
    recording.script("GetExecution", Fail(code, "scripted"))
    with flytekit_client(recording.endpoint, rpc_retries=0) as theirs:
        with pytest.raises(Exception) as flytekit_error:
            theirs.get_execution(EXECUTION)
    if code != grpc.StatusCode.UNAUTHENTICATED:  # flytekit's auth layer turns that one into a
        assert type(flytekit_error.value) is flytekit_class  # FlyteSystemException; else its table
    recording.script("GetExecution", Fail(code, "scripted"))
    with SynchronousFlyteClient(recording.endpoint, insecure=True, retry=no_retry) as ours:
        with pytest.raises(flytekit_class) as error:
            ours.get_execution(EXECUTION)
    ours_class = errors.CODES.get(code, errors.DEFAULT)
    assert isinstance(error.value, ours_class) and isinstance(error.value, fc.FlyteException)
    assert (
        error.value.code == code
        and error.value.rpc == "GetExecution"
        and error.value.message == "scripted"
    )
    assert isinstance(error.value.__cause__, grpc.RpcError)
    if isinstance(error.value, fk_user.FlyteInvalidInputException):
        assert error.value.request.id == EXECUTION.to_flyte_idl()  # flytekit's (request) argument


def test_different_structure_is_flytekits_invalid_input(recording):
    recording.script(
        "CreateTask",
        Fail(
            grpc.StatusCode.INVALID_ARGUMENT,
            "t task with different structure already exists. (Please register a new version of the task):\n- x",
        ),
    )
    from flyteidl.admin import task_pb2
    from flyteidl.core import identifier_pb2

    with SynchronousFlyteClient(recording.endpoint, insecure=True) as ours:
        with pytest.raises(compat.FlyteEntityDifferentStructureException) as error:
            ours.create_task(identifier_pb2.Identifier(name="t"), task_pb2.TaskSpec())
    assert isinstance(error.value, fk_user.FlyteInvalidInputException)
    assert isinstance(error.value, fc.FlyteEntityDifferentStructureException)
    assert error.value.diff == "- x"
    assert error.value.request.id.name == "t"  # flytekit's FlyteInvalidInputException(request)


def test_identical_registration_is_success(recording):
    recording.script(
        "CreateTask",
        Fail(grpc.StatusCode.ALREADY_EXISTS, "task with identical structure already exists"),
    )
    from flyteidl.admin import task_pb2
    from flyteidl.core import identifier_pb2

    with SynchronousFlyteClient(recording.endpoint, insecure=True) as ours:
        assert ours.create_task(identifier_pb2.Identifier(name="t"), task_pb2.TaskSpec()) is None


def test_errors_raised_before_a_call_are_flytekits_too(recording):
    with SynchronousFlyteClient(recording.endpoint, insecure=True) as ours:
        with flyteclient.scoped_deadline(0.001):
            time.sleep(0.01)
            with pytest.raises(fk_user.FlyteTimeout) as error:
                ours.get_execution(EXECUTION)
    assert isinstance(error.value, fc.FlyteTimeout)


def test_subclasses_get_compatible_subclasses():
    from flyteclient.runtime.flytekit_compat import FlytekitLayer

    class Special(fc.FlyteAuthenticationException):
        pass

    layer = FlytekitLayer(compat.EXCEPTIONS)
    converted = layer.convert(Special("no token", code=grpc.StatusCode.UNAUTHENTICATED, rpc="X"))
    assert isinstance(converted, Special) and isinstance(
        converted, fk_user.FlyteAuthenticationException
    )
    assert layer.compatible_class(Special) is type(converted)  # made once, kept
    assert str(converted) == "X UNAUTHENTICATED: no token"


def test_flytekit_scoped_deadline_bounds_calls():
    with RecordingServer(delay=2.0) as slow:
        with SynchronousFlyteClient(slow.endpoint, insecure=True) as ours:
            started = time.monotonic()
            with scoped_grpc_deadline(0.3):
                with pytest.raises(fk_user.FlyteTimeout) as error:
                    ours.get_execution(EXECUTION)
            elapsed = time.monotonic() - started
    assert isinstance(error.value, fc.FlyteTimeout)
    assert elapsed < 1.5


def test_main_package_never_imports_flytekit():
    code = (
        "import sys, flyteclient\n"
        "from flyteclient import SynchronousFlyteClient\n"
        "from flyteclient.exceptions import FlyteException\n"
        "c = SynchronousFlyteClient('127.0.0.1:1', insecure=True); c.close()\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'flytekit'], 'flytekit imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
