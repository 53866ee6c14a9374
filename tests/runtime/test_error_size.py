"""Long error messages: LocalAdmin truncates by encoded size, and the client's metadata
limit holds the largest error flyteadmin sends."""

from __future__ import annotations

import urllib.parse

import grpc
import pytest
from flyteidl.admin import project_pb2, workflow_pb2
from flyteidl.core import identifier_pb2

from flyteclient import SynchronousFlyteClient
from flyteclient import exceptions as fx
from flyteclient.testing import LocalAdmin
from flyteclient.testing.errors import MAX_MESSAGE_BYTES, truncate_message
from tests.support.servers import Fail, RecordingServer
from tests.testing.local_admin.conftest import RT, Env, ident

P = "flytesnacks"


def grpc_encoded_size(text: str) -> int:
    return len(
        urllib.parse.quote(text, safe="".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%"))
    )


def task_with_args(args):
    spec = Env.task_spec("t")
    del spec.template.container.args[:]
    spec.template.container.args.extend(args)
    return spec


@pytest.mark.parametrize(
    "client_options", [(), [("grpc.max_metadata_size", 32768)]], ids=["default", "flytekit-limit"]
)
def test_600_changed_args_raise_different_structure_not_resource_exhausted(client_options):
    with (
        LocalAdmin() as admin,
        SynchronousFlyteClient(admin.endpoint, insecure=True, options=client_options) as client,
    ):
        client.register_project(project_pb2.Project(id=P, name=P))
        tid = ident(RT.TASK, "t")
        client.create_task(tid, task_with_args([f"arg-{i}" for i in range(600)]))
        with pytest.raises(fx.FlyteEntityDifferentStructureException) as info:
            client.create_task(tid, task_with_args([f"ärg-{i}\n" for i in range(600)]))
    message = info.value.message
    assert message.startswith("t task with different structure already exists.")
    assert "[truncated:" in message and grpc_encoded_size(message) <= MAX_MESSAGE_BYTES
    assert "/template/container/args/0" in info.value.diff


def test_client_holds_flyteadmins_largest_error():
    # flyteadmin cuts at 32,000 raw bytes: all of them non-ASCII is 96,000 when encoded,
    # and the details trailer repeats the message.
    head = "wf workflow with different structure already exists. (Please register a new version of the workflow):\n"
    message = (head + "\t\t- /x: \n\t\t\t- 'ä' \n" * 4000).encode()[:32000].decode(errors="ignore")
    reason = workflow_pb2.CreateWorkflowFailureReason(
        exists_different_structure=workflow_pb2.WorkflowErrorExistsDifferentStructure(
            id=identifier_pb2.Identifier(name="wf")
        )
    )
    with RecordingServer() as server:
        server.set_default(
            "CreateWorkflow", Fail(grpc.StatusCode.INVALID_ARGUMENT, message, [reason])
        )
        with SynchronousFlyteClient(server.endpoint, insecure=True) as client:
            with pytest.raises(fx.FlyteEntityDifferentStructureException) as info:
                client.raw.create_workflow(workflow_pb2.WorkflowCreateRequest())
        assert len(server.calls("CreateWorkflow")) == 1
    assert info.value.message == message and info.value.details == (reason,)


def test_truncate_message_counts_encoded_bytes_and_keeps_characters_whole():
    assert truncate_message("short") == "short"
    ascii_text = "a" * 40_000
    cut = truncate_message(ascii_text)
    assert len(cut) <= MAX_MESSAGE_BYTES and cut.endswith(
        f"[truncated: 40000 bytes when encoded, limit {MAX_MESSAGE_BYTES}]"
    )
    umlauts = "ä" * 8_000  # 16,000 UTF-8 bytes, 48,000 encoded
    cut = truncate_message(umlauts)
    assert grpc_encoded_size(cut) <= MAX_MESSAGE_BYTES and cut.startswith("ä" * 5000)
    assert cut.lstrip("ä").startswith(" ... [truncated: 48000 bytes")
    exact = "%" * (MAX_MESSAGE_BYTES // 3)
    assert truncate_message(exact) == exact
