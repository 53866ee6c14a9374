"""The REST transport against a bare httpx request to the same route (the floor), on the
benchmarks' HTTP/JSON server; and REST paging against gRPC paging.

The floor does what any HTTP client of flyteadmin must: send the request with
``Accept: application/json`` and parse the JSON into the response message
(``json_format.Parse``).
"""

from __future__ import annotations

from typing import List

from flyteidl.admin import execution_pb2
from google.protobuf import json_format

from . import fixtures
from .clients import Subject
from .http_server import EXECUTION_PATH

RAW_HTTPX, FLYTECLIENT_REST, FLYTECLIENT_GRPC = (
    "bare httpx + json_format",
    "flyteclient (rest)",
    "flyteclient (grpc)",
)
FLYTECLIENT_REST_PROTO = "flyteclient (rest, binary protobuf bodies)"


def unary_subjects(http_url: str) -> List[Subject]:
    import httpx

    from flyteclient import SynchronousFlyteClient

    bare = httpx.Client(base_url=http_url)
    headers = {"Accept": "application/json"}

    def raw() -> int:
        answer = bare.get(EXECUTION_PATH, headers=headers)
        json_format.Parse(answer.content, execution_pb2.Execution(), ignore_unknown_fields=True)
        return 1

    client = SynchronousFlyteClient(http_url, transport="rest")
    eid = fixtures.execution_id()

    def ours() -> int:
        client.get_execution(eid)
        return 1

    return [Subject(RAW_HTTPX, raw, bare.close), Subject(FLYTECLIENT_REST, ours, client.close)]


def page_subjects(http_url: str, grpc_endpoint: str, page_size: int = 100) -> List[Subject]:
    from flyteclient import SynchronousFlyteClient

    ident = fixtures.named_entity()
    subjects = []
    from flyteclient.runtime.rest import PROTOBUF
    from flyteclient.runtime.transport.rest import RestTransport

    for name, client in (
        (FLYTECLIENT_GRPC, SynchronousFlyteClient(grpc_endpoint, insecure=True)),
        (FLYTECLIENT_REST, SynchronousFlyteClient(http_url, transport="rest")),
        (
            FLYTECLIENT_REST_PROTO,
            SynchronousFlyteClient(http_url, transport=RestTransport(http_url, codec=PROTOBUF)),
        ),
    ):

        def run(client: SynchronousFlyteClient = client) -> int:
            return sum(1 for _ in client.iter_tasks(ident, page_size=page_size))

        subjects.append(Subject(name, run, client.close))
    return subjects
