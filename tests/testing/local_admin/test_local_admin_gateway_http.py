"""LocalAdmin's HTTP/JSON gateway on the wire: grpc-gateway's query, body, marshaler, routing
and header rules, auth, the data proxy round trip, and the command line's banner."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import urllib.parse
from typing import Any, Callable, Dict, List, Optional, Tuple

import grpc
import pytest
from conftest import RT, D, Env, P, ident
from flyteidl.admin import common_pb2, project_pb2, task_pb2
from flyteidl.service import auth_pb2, identity_pb2
from flyteidl.service import dataproxy_pb2 as dp
from google.rpc import status_pb2

from flyteclient.runtime.rest import json_to_message
from flyteclient.testing import LocalAdmin, LocalAuth
from tests.support.gateway import call_grpc, call_http, send
from tests.support.processes import AdminProcess

C = grpc.StatusCode
JSON = {"Accept": "application/json"}


def get(
    admin: LocalAdmin, target: str, headers: Optional[Dict[str, str]] = None
) -> Tuple[int, Dict[str, str], Any]:
    status, got, body = send(admin.http_url, "GET", target, headers={**JSON, **(headers or {})})
    return status, got, json.loads(body) if got.get("content-type") == "application/json" else body


def error(status_headers_body: Tuple[int, Dict[str, str], Any]) -> Tuple[int, int, str]:
    status, _, body = status_headers_body
    return status, body["code"], body["message"]


@pytest.fixture
def tasks(penv: Env) -> Env:
    """``t`` in versions v1, v2 and ``u`` in v1, in project flytesnacks."""
    penv.task("t", "v1"), penv.task("t", "v2"), penv.task("u", "v1")
    return penv


def names(body: Dict[str, Any]) -> List[Tuple[str, str]]:
    return [(t["id"]["name"], t["id"]["version"]) for t in body["tasks"]]


# -- query parameters ------------------------------------------------------------------
def test_query_parameters_take_proto_or_json_names_and_enums_by_name_or_number(tasks: Env) -> None:
    base = f"/api/v1/tasks/{P}/{D}/t?limit=5"
    _, _, proto = get(tasks.admin, base + "&sort_by.key=version&sort_by.direction=ASCENDING")
    _, _, json_names = get(tasks.admin, base + "&sortBy.key=version&sortBy.direction=1")
    assert names(proto) == names(json_names) == [("t", "v1"), ("t", "v2")]
    _, _, desc = get(tasks.admin, base + "&sort_by.key=version")
    assert names(desc) == [("t", "v2"), ("t", "v1")]


def test_filters_are_percent_encoded_and_decoded(tasks: Env) -> None:
    filters = urllib.parse.quote("eq(version,v1)+value_in(name,t;u)", safe="")
    status, _, body = get(
        tasks.admin, f"/api/v1/tasks/{P}/{D}?limit=5&filters={filters}&sort_by.key=name"
    )
    assert status == 200 and names(body) == [("u", "v1"), ("t", "v1")]


def test_unknown_and_path_bound_query_parameters_are_ignored(tasks: Env) -> None:
    """grpc-gateway skips a parameter naming no field, and one under a path-bound field."""
    status, _, body = get(
        tasks.admin, f"/api/v1/tasks/{P}/{D}/t/v1?bogus=1&id.name=u&id.resourceType=TASK"
    )
    assert status == 200 and (body["id"]["name"], body["id"]["resource_type"]) == ("t", "TASK")


@pytest.mark.parametrize(
    "query, message",
    [
        ("limit=1&limit=2", 'too many values for field "limit": 1, 2'),
        ("limit=x", 'parsing field "limit": strconv.ParseUint: parsing "x": invalid syntax'),
        ("limit=-1", 'parsing field "limit": strconv.ParseUint: parsing "-1": invalid syntax'),
        (
            "limit=4294967296",
            'parsing field "limit": strconv.ParseUint: parsing "4294967296": value out of range',
        ),
        ("limit=5;token=1", "invalid semicolon separator in query"),
        ("limit=%zz", 'invalid URL escape "%zz"'),
        ("limit.x=1", 'invalid path: "limit" is not a message'),
        (
            "sort_by=name",
            'parsing field "sort_by": unsupported message type: "flyteidl.admin.Sort"',
        ),
        (
            "sort_by.direction=SIDEWAYS",
            'parsing field "direction": "SIDEWAYS" is not a valid value',
        ),
    ],
)
def test_bad_query_parameters_are_invalid_argument(tasks: Env, query: str, message: str) -> None:
    assert error(get(tasks.admin, f"/api/v1/tasks/{P}/{D}/t?{query}")) == (400, 3, message)


def test_a_path_value_of_the_wrong_type_is_invalid_argument(tasks: Env) -> None:
    got = error(get(tasks.admin, f"/api/v1/named_entities/NOPE/{P}/{D}?limit=5"))
    assert got == (400, 3, "type mismatch, parameter: resource_type, error: NOPE is not valid")
    got = error(
        get(tasks.admin, f"/api/v1/description_entities/NOPE/{P}/{D}/t/v1")
    )  # nested: id.resource_type
    assert got == (
        400,
        3,
        'type mismatch, parameter: id.resource_type, error: parsing field "resource_type": '
        '"NOPE" is not a valid value',
    )
    status, _, body = get(
        tasks.admin, f"/api/v1/named_entities/1/{P}/{D}?limit=5"
    )  # enum by number
    assert status == 200 and [e["id"]["name"] for e in body["entities"]] == ["t", "u"]


def test_form_post_to_a_get_route_is_served_as_a_get(tasks: Env) -> None:
    """grpc-gateway's path-length fallback: filters too long for a URL go in a form body."""
    form = urllib.parse.urlencode({"limit": "5", "filters": "eq(version,v2)"}).encode()
    headers = {**JSON, "Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = send(tasks.admin.http_url, "POST", f"/api/v1/tasks/{P}/{D}", form, headers)
    assert status == 200 and names(json.loads(body)) == [("t", "v2")]
    status, _, body = send(
        tasks.admin.http_url,
        "POST",
        f"/api/v1/tasks/{P}/{D}",
        form,
        {**headers, "X-HTTP-Method-Override": "DELETE"},
    )
    assert (status, json.loads(body)["code"]) == (501, 12)


# -- bodies and marshalers ---------------------------------------------------------------
def test_json_body_unknown_fields_depend_on_the_content_type(env: Env) -> None:
    """flyteadmin's application/json unmarshaler rejects unknown fields; the default
    marshaler (no registered Content-Type) drops them and answers in JSON names."""
    body = json.dumps({"project": {"id": "p1", "name": "P1", "colour": "red"}}).encode()
    status, _, answer = send(
        env.admin.http_url, "POST", "/api/v1/projects", body, {"Content-Type": "application/json"}
    )
    assert (
        status == 400
        and json.loads(answer)["code"] == 3
        and "colour" in json.loads(answer)["message"]
    )
    status, _, answer = send(
        env.admin.http_url, "POST", "/api/v1/projects", body, {"Content-Type": "text/plain"}
    )
    assert (status, json.loads(answer)) == (200, {})
    env.task("t", project="p1")
    _, _, default = send(env.admin.http_url, "GET", f"/api/v1/tasks/p1/{D}/t/v1")
    _, _, named = send(env.admin.http_url, "GET", f"/api/v1/tasks/p1/{D}/t/v1", headers=JSON)
    assert "shortDescription" in json.loads(default) and "short_description" in json.loads(named)
    assert json_to_message(default, task_pb2.Task()) == json_to_message(named, task_pb2.Task())


def test_unpopulated_fields_are_emitted_as_flyteadmin_does(tasks: Env) -> None:
    _, _, body = get(tasks.admin, f"/api/v1/tasks/{P}/{D}/t/v1")
    assert body["short_description"] == ""  # scalars at their zero value
    spec = body["closure"]["compiled_task"]["template"]
    assert spec["security_context"] is None  # unset messages as null
    assert spec["config"] == {} and spec["container"]["env"] == []  # empty maps and lists
    assert "k8s_pod" not in spec and "sql" not in spec  # unset oneof members are left out


def test_protobuf_bodies_with_application_octet_stream(tasks: Env) -> None:
    proto = {"Accept": "application/octet-stream"}
    status, got, body = send(
        tasks.admin.http_url, "GET", f"/api/v1/tasks/{P}/{D}/t/v1", headers=proto
    )
    assert (status, got["content-type"]) == (200, "application/octet-stream")
    assert task_pb2.Task.FromString(body) == tasks.stub.GetTask(
        common_pb2.ObjectGetRequest(id=ident(RT.TASK, "t"))
    )
    status, got, body = send(
        tasks.admin.http_url, "GET", f"/api/v1/tasks/{P}/{D}/t/v9", headers=proto
    )
    assert status == 404 and status_pb2.Status.FromString(body).code == C.NOT_FOUND.value[0]
    request = project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="p2", name="P2"))
    status, _, _ = send(
        tasks.admin.http_url,
        "POST",
        "/api/v1/projects",
        request.SerializeToString(),
        {"Content-Type": "application/octet-stream"},
    )
    assert (
        status == 200 and tasks.stub.GetProject(project_pb2.ProjectGetRequest(id="p2")).name == "P2"
    )


# -- routing ----------------------------------------------------------------------------
def test_routing_errors_and_flyteadmins_other_http_handlers(env: Env) -> None:
    assert error(get(env.admin, "/api/v1/nothing")) == (404, 5, "Not Found")
    assert error(get(env.admin, "/")) == (404, 5, "Not Found")
    status, _, body = send(env.admin.http_url, "DELETE", "/api/v1/projects")
    assert (status, json.loads(body)["code"], json.loads(body)["message"]) == (
        501,
        12,
        "Method Not Allowed",
    )
    assert send(env.admin.http_url, "HEAD", "/api/v1/version")[0] == 501
    assert send(env.admin.http_url, "GET", "/healthcheck")[0] == 200
    status, got, _ = send(
        env.admin.http_url, "GET", f"/api/v1/tasks/{P}//t/v1?limit=1"
    )  # an empty path value
    assert (status, got["location"]) == (301, f"/api/v1/tasks/{P}/t/v1?limit=1")
    status, got, body = send(env.admin.http_url, "GET", "/api/v1/projects/%zz")
    assert (status, got["content-type"]) == (400, "text/plain")


# -- headers, interceptors, deadlines --------------------------------------------------------
class Recorder(grpc.ServerInterceptor):
    """Records the method and metadata of every call it sees."""

    def __init__(self) -> None:
        self.calls: List[Tuple[str, Dict[str, Any]]] = []
        self.lock = threading.Lock()

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        with self.lock:
            self.calls.append((details.method, dict(details.invocation_metadata or ())))
        return continuation(details)


def test_headers_become_metadata_and_interceptors_see_the_call() -> None:
    recorder = Recorder()
    with LocalAdmin(interceptors=[recorder]) as admin:
        status, _, _ = get(
            admin,
            "/api/v1/version",
            {
                "Grpc-Metadata-Tenant": "acme",
                "Grpc-Metadata-Blob-Bin": base64.b64encode(b"\x00\x01").decode(),
                "X-Request-Id": "req-1",
                "Authorization": "Bearer t",
                "User-Agent": "ua/1",
                "X-Other": "dropped",
            },
        )
        assert status == 200
        method, md = recorder.calls[-1]
        assert method == "/flyteidl.service.AdminService/GetVersion"
        assert (
            md["tenant"] == "acme"
            and md["blob-bin"] == b"\x00\x01"
            and md["x-request-id"] == "req-1"
        )
        assert md["authorization"] == md["grpcgateway-authorization"] == "Bearer t"
        assert (
            md["grpcgateway-user-agent"] == "ua/1"
            and md["grpcgateway-accept"] == "application/json"
        )
        assert md["x-forwarded-for"] == "127.0.0.1" and "x-other" not in md
        assert error(get(admin, "/api/v1/version", {"Grpc-Timeout": "soon"})) == (
            400,
            3,
            "invalid grpc-timeout: soon",
        )
        assert get(admin, "/api/v1/version", {"Grpc-Timeout": "5S"})[0] == 200


# -- auth -------------------------------------------------------------------------------------
def test_auth_on_the_gateway_is_the_grpc_auth() -> None:
    with LocalAdmin(auth=LocalAuth(client_id="cli")) as admin:
        assert admin.auth is not None
        status, got, body = get(admin, "/api/v1/projects?limit=5")
        assert (status, body["code"], got["www-authenticate"]) == (
            401,
            16,
            "Request unauthenticated with Bearer",
        )
        assert admin.auth.rejected_calls == 1
        token = admin.auth.issue_token()
        bearer = {"Authorization": f"Bearer {token}"}
        with grpc.insecure_channel(admin.endpoint) as channel:
            metadata = (("authorization", f"Bearer {token}"),)
            registered = call_http(
                admin.http_url,
                "AdminService.RegisterProject",
                project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="p", name="p")),
                bearer,
            )
            assert (
                registered.code == C.OK
                and call_grpc(
                    channel,
                    "AdminService.GetProject",
                    project_pb2.ProjectGetRequest(id="p"),
                    metadata,
                ).code
                == C.OK
            )
            for rpc, request in [
                ("AdminService.ListProjects", project_pb2.ProjectListRequest(limit=5)),
                ("AdminService.GetProject", project_pb2.ProjectGetRequest(id="ghost")),
                ("IdentityService.UserInfo", identity_request()),
            ]:
                assert (
                    call_http(admin.http_url, rpc, request, bearer).key()
                    == call_grpc(channel, rpc, request, metadata).key()
                ), rpc
            for rpc in (
                "AuthMetadataService.GetPublicClientConfig",
                "AuthMetadataService.GetOAuth2Metadata",
            ):
                over_http = call_http(admin.http_url, rpc, auth_request(rpc))  # exempt: no token
                assert (
                    over_http.code == C.OK
                    and over_http.key() == call_grpc(channel, rpc, auth_request(rpc)).key()
                )
        status, got, body = get(admin, "/me", bearer)
        assert (status, body["subject"], got["x-user-subject"]) == (200, "cli", "cli")
        admin.auth.expire_all()
        assert get(admin, "/api/v1/projects?limit=5", bearer)[0] == 401
        token_status, _, _ = send(
            admin.http_url,
            "POST",
            "/oauth2/token",
            b"grant_type=client_credentials",
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": "Basic " + base64.b64encode(b"cli:secret").decode(),
            },
        )
        assert token_status == 200  # the OAuth2 routes still answer next to the gateway


def identity_request() -> Any:
    return identity_pb2.UserInfoRequest()


def auth_request(rpc: str) -> Any:
    return (
        auth_pb2.PublicClientAuthConfigRequest()
        if rpc.endswith("Config")
        else auth_pb2.OAuth2MetadataRequest()
    )


# -- data proxy and the blob store ---------------------------------------------------------------
def test_upload_and_download_through_the_gateway_and_the_blob_store(env: Env) -> None:
    env.project()
    data = b"payload " * 1000
    loc = call_http(
        env.admin.http_url,
        "DataProxyService.CreateUploadLocation",
        dp.CreateUploadLocationRequest(
            project=P,
            domain=D,
            filename_root="r",
            filename="f.bin",
            content_md5=hashlib.md5(data).digest(),
            add_content_md5_metadata=True,
        ),
    )
    assert loc.code == C.OK and loc.response is not None
    url = urllib.parse.urlsplit(loc.response.signed_url)
    headers = dict(loc.response.headers)
    assert send(env.admin.http_url, "PUT", f"{url.path}?{url.query}", data, headers)[0] == 200
    dl = call_http(
        env.admin.http_url,
        "DataProxyService.CreateDownloadLocation",
        dp.CreateDownloadLocationRequest(native_url=loc.response.native_url),
    )
    assert dl.response is not None
    url = urllib.parse.urlsplit(dl.response.signed_url)
    assert send(env.admin.http_url, "GET", f"{url.path}?{url.query}")[::2] == (200, data)


# -- the command line -----------------------------------------------------------------------------
def test_the_command_prints_the_grpc_address_and_the_gateway_url(tmp_path: Any) -> None:
    with AdminProcess(str(tmp_path / "state.db")) as proc:
        found = re.search(r"HTTP/JSON gateway (http://127\.0\.0\.1:\d+)/api/v1/", proc.banner)
        assert found is not None and f"serving on {proc.endpoint} (gRPC)" in proc.banner
        status, _, body = send(found.group(1), "GET", "/api/v1/version", headers=JSON)
        assert status == 200 and "control_plane_version" in json.loads(body)


def test_concurrent_calls_over_http_and_grpc(penv: Env) -> None:
    """32 threads registering tasks over HTTP while others list them over gRPC: every
    call succeeds and every task arrives once."""
    from concurrent.futures import ThreadPoolExecutor

    def register(i: int) -> int:
        tid = ident(RT.TASK, f"c{i}")
        return call_http(
            penv.admin.http_url,
            "AdminService.CreateTask",
            task_pb2.TaskCreateRequest(id=tid, spec=Env.task_spec(f"c{i}")),
        ).code.value[0]

    def read(_: int) -> int:
        return call_grpc(
            penv.channel,
            "AdminService.ListTaskIds",
            common_pb2.NamedEntityIdentifierListRequest(project=P, domain=D, limit=100),
        ).code.value[0]

    with ThreadPoolExecutor(32) as pool:
        codes = list(pool.map(register, range(64))) + list(pool.map(read, range(32)))
    assert codes == [0] * 96
    listed = penv.stub.ListTaskIds(
        common_pb2.NamedEntityIdentifierListRequest(project=P, domain=D, limit=100)
    )
    assert sorted(e.name for e in listed.entities) == sorted(f"c{i}" for i in range(64))
