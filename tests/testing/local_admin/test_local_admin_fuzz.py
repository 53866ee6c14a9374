"""Fuzz every RPC of the five services with seeded random requests.

Any status code is acceptable except UNKNOWN (an uncaught Python exception);
the server must keep serving afterwards.
"""

from __future__ import annotations

import math
import random
from typing import Any, Dict, List, Tuple

import grpc
import pytest
from conftest import Env
from flyteidl.admin import launch_plan_pb2, version_pb2
from flyteidl.service import admin_pb2, auth_pb2, dataproxy_pb2, identity_pb2, signal_pb2
from google.protobuf import descriptor as _d
from google.protobuf import message_factory

from flyteclient.testing import LocalAdmin
from tests.support.messages import is_repeated

SERVICES = [
    admin_pb2.DESCRIPTOR.services_by_name["AdminService"],
    dataproxy_pb2.DESCRIPTOR.services_by_name["DataProxyService"],
    signal_pb2.DESCRIPTOR.services_by_name["SignalService"],
    identity_pb2.DESCRIPTOR.services_by_name["IdentityService"],
    auth_pb2.DESCRIPTOR.services_by_name["AuthMetadataService"],
]
STRINGS = [
    "",
    "flytesnacks",
    "development",
    "staging",
    "wf",
    "lp",
    "t",
    "v1",
    "exec-1",
    "n0",
    "x" * 300,
    "eq(name,t)",
    "eq(foo",
    "value_in(version,v1;v2)+eq(project,flytesnacks)",
    "gt(created_at,2020-01-01)",
    "flyte://v1/flytesnacks/development/exec-1/n0/o",
    "flyte://v1/x",
    "s3://local-bucket/uploads/a",
    "Ünïcödé ✓",
    "-1",
    "7",
    "../../etc",
    "a;b;c",
    "contains(phase,RUN)",
    "name",
    "version",
]
FT = _d.FieldDescriptor
INTS = [0, 1, 2, 3, 5, -1, 2**31 - 1, -(2**31)]
UINTS = [0, 1, 2, 3, 10, 2**32 - 1]


def _msg_class(desc: _d.Descriptor) -> Any:
    return message_factory.GetMessageClass(desc)


def fill(msg: Any, rng: random.Random, depth: int = 0) -> Any:
    """Populate ``msg`` with random values chosen from its descriptor."""
    for f in msg.DESCRIPTOR.fields:
        if rng.random() < (0.35 if depth == 0 else 0.55):
            continue
        if f.containing_oneof is not None and msg.WhichOneof(f.containing_oneof.name) is not None:
            continue
        is_map = f.type == FT.TYPE_MESSAGE and f.message_type.GetOptions().map_entry
        if is_map:
            kf, vf = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
            target = getattr(msg, f.name)
            for _ in range(rng.randint(0, 2)):
                k = _scalar(kf, rng)
                if vf.type == FT.TYPE_MESSAGE:
                    if depth < 4:
                        fill(target[k], rng, depth + 1)
                else:
                    target[k] = _scalar(vf, rng)
            continue
        if is_repeated(f):
            target = getattr(msg, f.name)
            for _ in range(rng.randint(0, 2)):
                if f.type == FT.TYPE_MESSAGE:
                    if depth < 4:
                        fill(target.add(), rng, depth + 1)
                else:
                    target.append(_scalar(f, rng))
            continue
        if f.type == FT.TYPE_MESSAGE:
            if depth < 4:
                sub = getattr(msg, f.name)
                sub.SetInParent()
                fill(sub, rng, depth + 1)
        else:
            setattr(msg, f.name, _scalar(f, rng))
    return msg


PLAUSIBLE = {
    "project": "flytesnacks",
    "domain": "development",
    "name": ["wf", "lp", "exec-1", "wf-t"],
    "version": "v1",
    "org": "",
    "node_id": "n0",
    "signal_id": "s",
}


def steer(msg: Any, rng: random.Random, p: float = 0.8) -> Any:
    """Overwrite id-like string fields at every depth with values that exist, so calls get past validation."""
    for f, v in msg.ListFields():
        if f.type == FT.TYPE_MESSAGE:
            if f.message_type.GetOptions().map_entry:
                continue
            for sub in v if is_repeated(f) else [v]:
                steer(sub, rng, p)
    for f in msg.DESCRIPTOR.fields:
        if (
            f.type == FT.TYPE_STRING
            and not is_repeated(f)
            and f.name in PLAUSIBLE
            and rng.random() < p
        ):
            val = PLAUSIBLE[f.name]
            setattr(msg, f.name, rng.choice(val) if isinstance(val, list) else val)
    return msg


def _scalar(f: _d.FieldDescriptor, rng: random.Random) -> Any:
    t = f.type
    if t == FT.TYPE_STRING:
        return rng.choice(STRINGS)
    if t == FT.TYPE_BYTES:
        return rng.choice([b"", bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 20)))])
    if t == FT.TYPE_BOOL:
        return rng.random() < 0.5
    if t in (FT.TYPE_FLOAT, FT.TYPE_DOUBLE):
        return rng.choice([0.0, 1.5, -3.0, math.inf, math.nan, 1e30])
    if t == FT.TYPE_ENUM:
        vals = [v.number for v in f.enum_type.values]
        return rng.choice(vals + [max(vals) + 7])
    if t in (FT.TYPE_UINT32, FT.TYPE_FIXED32):
        return rng.choice(UINTS)
    if t in (FT.TYPE_UINT64, FT.TYPE_FIXED64):
        return rng.choice(UINTS + [2**64 - 1])
    if t in (FT.TYPE_INT64, FT.TYPE_SINT64, FT.TYPE_SFIXED64):
        return rng.choice(INTS + [2**63 - 1, -(2**63)])
    return rng.choice(INTS)


def _seed_state(env: Env) -> None:
    env.project("flytesnacks")
    wf = env.workflow("wf", "v1")
    lp = env.launch_plan("lp", "v1", wf=wf)
    env.stub.UpdateLaunchPlan(
        launch_plan_pb2.LaunchPlanUpdateRequest(id=lp, state=launch_plan_pb2.ACTIVE)
    )
    env.execute(lp, "exec-1")


@pytest.mark.parametrize("auth", [False, True], ids=["noauth", "auth"])
def test_fuzz_all_rpcs(auth):
    rng = random.Random(20240611 + int(auth))
    per_method = 40 if not auth else 4
    failures: List[Tuple[str, str]] = []
    codes: Dict[str, int] = {}
    with LocalAdmin(auth=auth or None) as admin, grpc.insecure_channel(admin.endpoint) as ch:
        md = [("authorization", f"Bearer {admin.auth.issue_token()}")] if auth else None
        env = Env(admin, ch)
        if not auth:
            _seed_state(env)
        methods = [(s, m) for s in SERVICES for m in s.methods]
        assert len(methods) == 56 + 4 + 3 + 1 + 2
        for svc, m in methods:
            req_cls, resp_cls = _msg_class(m.input_type), _msg_class(m.output_type)
            call = ch.unary_unary(
                f"/{svc.full_name}/{m.name}",
                request_serializer=req_cls.SerializeToString,
                response_deserializer=resp_cls.FromString,
            )
            for i in range(per_method):
                req = fill(req_cls(), rng) if i else req_cls()
                if i % 2:
                    steer(req, rng)
                try:
                    call(req, timeout=10, metadata=md)
                    code = grpc.StatusCode.OK
                except grpc.RpcError as e:
                    code = e.code()
                    if code in (
                        grpc.StatusCode.UNKNOWN,
                        grpc.StatusCode.INTERNAL,
                        grpc.StatusCode.DEADLINE_EXCEEDED,
                    ):
                        failures.append((f"{m.name}", f"{code}: {e.details()}"))
                    if code == grpc.StatusCode.UNIMPLEMENTED and svc.name not in (
                        "IdentityService",
                        "AuthMetadataService",
                    ):
                        failures.append((f"{m.name}", "UNIMPLEMENTED"))
                codes[code.name] = codes.get(code.name, 0) + 1
        # still serving
        stub_version = ch.unary_unary(
            "/flyteidl.service.AdminService/GetVersion",
            request_serializer=version_pb2.GetVersionRequest.SerializeToString,
            response_deserializer=version_pb2.GetVersionResponse.FromString,
        )
        assert stub_version(
            version_pb2.GetVersionRequest(), timeout=5, metadata=md
        ).control_plane_version.Version
    print(sorted(codes.items()))
    assert not failures, failures[:10]
    assert codes.get("OK", 0) > 0
