"""The REST transport against a bare httpx request to the same route (the floor), on the
benchmarks' HTTP twin of flyteadmin's gateway; and REST paging against gRPC paging.

The floor does what any HTTP client of flyteadmin must: send the request asking for the
client's body format (``Accept: application/octet-stream``, binary protobuf, the
default) and parse the body into the response message.
"""

from __future__ import annotations

from typing import List

from flyteidl.admin import execution_pb2

from . import fixtures
from .clients import Subject
from .http_server import EXECUTION_PATH

RAW_HTTPX, FLYTECLIENT_REST, FLYTECLIENT_GRPC = (
    "bare httpx + protobuf parse",
    "flyteclient (rest)",
    "flyteclient (grpc)",
)
FLYTECLIENT_REST_JSON = "flyteclient (rest, rest_codec='json')"


def unary_subjects(http_url: str) -> List[Subject]:
    import httpx

    from flyteclient import SynchronousFlyteClient

    bare = httpx.Client(base_url=http_url)
    headers = {"Accept": "application/octet-stream"}

    def raw() -> int:
        answer = bare.get(EXECUTION_PATH, headers=headers)
        execution_pb2.Execution.FromString(answer.content)
        return 1

    client = SynchronousFlyteClient(http_url, transport="rest")
    eid = fixtures.execution_id()

    def ours() -> int:
        client.get_execution(eid)
        return 1

    return [Subject(RAW_HTTPX, raw, bare.close), Subject(FLYTECLIENT_REST, ours, client.close)]


def page_subjects(
    http_url: str, grpc_endpoint: str, page_size: int = 100, codec: str = "protobuf"
) -> List[Subject]:
    """gRPC paging (the floor) and REST paging with ``codec`` bodies (binary protobuf, the
    default: targeted; JSON: for information, far slower, so measured apart)."""
    from flyteclient import SynchronousFlyteClient

    ident = fixtures.named_entity()
    clients = [
        (FLYTECLIENT_GRPC, SynchronousFlyteClient(grpc_endpoint, insecure=True)),
        (
            FLYTECLIENT_REST if codec == "protobuf" else FLYTECLIENT_REST_JSON,
            SynchronousFlyteClient(http_url, transport="rest", rest_codec=codec),
        ),
    ]
    subjects = []
    for name, client in clients:

        def run(client: SynchronousFlyteClient = client) -> int:
            return sum(1 for _ in client.iter_tasks(ident, page_size=page_size))

        subjects.append(Subject(name, run, client.close))
    return subjects
