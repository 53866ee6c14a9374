"""DataProxy: signed upload/download URLs against the loopback blob store."""

from __future__ import annotations

import base64
import hashlib
import time
import urllib.error
import urllib.parse
import urllib.request

import grpc
from conftest import D, P
from flyteidl.admin import event_pb2 as admin_event
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.event import event_pb2
from flyteidl.service import dataproxy_pb2 as dp
from google.protobuf import duration_pb2

C = grpc.StatusCode


def http(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def upload_loc(env, **kw):
    kw.setdefault("project", P)
    kw.setdefault("domain", D)
    return env.dp.CreateUploadLocation(dp.CreateUploadLocationRequest(**kw))


def test_round_trip_with_md5(env):
    data = b"hello world" * 100
    md5 = hashlib.md5(data).digest()
    loc = upload_loc(env, content_md5=md5, filename="f.txt", add_content_md5_metadata=True)
    root = base64.b32encode(md5).decode().rstrip("=")
    assert loc.native_url == f"s3://local-bucket/uploads/{P}/{D}/{root}/f.txt"
    assert dict(loc.headers) == {"Content-MD5": base64.b64encode(md5).decode()}
    assert loc.expires_at.seconds > time.time() + 3500
    assert http("PUT", loc.signed_url, data, dict(loc.headers))[0] == 200
    dl = env.dp.CreateDownloadLocation(dp.CreateDownloadLocationRequest(native_url=loc.native_url))
    assert http("GET", dl.signed_url) == (200, data)


def test_md5_mismatch_rejected(env):
    data = b"payload"
    loc = upload_loc(env, content_md5=hashlib.md5(data).digest(), add_content_md5_metadata=True)
    assert http("PUT", loc.signed_url, b"other", dict(loc.headers))[0] == 400
    assert http("PUT", loc.signed_url, b"other")[0] == 400  # signed md5 still enforced
    loc2 = upload_loc(env, filename_root="r", filename="x")
    bad = base64.b64encode(hashlib.md5(b"zzz").digest()).decode()
    assert http("PUT", loc2.signed_url, data, {"Content-MD5": bad})[0] == 400
    assert http("PUT", loc2.signed_url, data)[0] == 200


def test_tampered_and_expired(env):
    loc = upload_loc(
        env, filename_root="r", filename="x", expires_in=duration_pb2.Duration(seconds=1)
    )
    parts = urllib.parse.urlsplit(loc.signed_url)
    other_path = parts._replace(path=parts.path.replace("/x", "/y")).geturl()
    assert http("PUT", other_path, b"d")[0] == 403
    q = dict(urllib.parse.parse_qsl(parts.query))
    q["X-Expires"] = str(int(q["X-Expires"]) + 1000)
    assert http("PUT", parts._replace(query=urllib.parse.urlencode(q)).geturl(), b"d")[0] == 403
    assert http("GET", loc.signed_url)[0] == 403  # signed for PUT only
    time.sleep(2.1)
    assert http("PUT", loc.signed_url, b"d")[0] == 403
    assert http("GET", parts._replace(query="").geturl())[0] == 403


def test_validation(env):
    e = env.err(lambda r: upload_loc(env, project="", filename_root="r"), None)
    assert (e.code(), e.details()) == (
        C.INVALID_ARGUMENT,
        "project and domain are required parameters",
    )
    e = env.err(lambda r: upload_loc(env, filename="f"), None)
    assert e.code() == C.INVALID_ARGUMENT
    e = env.err(
        lambda r: upload_loc(
            env, filename_root="r", expires_in=duration_pb2.Duration(seconds=3601)
        ),
        None,
    )
    assert e.code() == C.INVALID_ARGUMENT
    loc = upload_loc(env, filename_root="r")  # random filename
    assert (
        loc.native_url.startswith(f"s3://local-bucket/uploads/{P}/{D}/r/")
        and len(loc.native_url.split("/")[-1]) > 0
    )


def test_overwrite_rule(env):
    data = b"abc"
    md5 = hashlib.md5(data).digest()
    loc = upload_loc(env, filename_root="root", filename="f")
    assert http("PUT", loc.signed_url, data)[0] == 200
    e = env.err(lambda r: upload_loc(env, filename_root="root", filename="f"), None)
    assert e.code() == C.ALREADY_EXISTS
    e = env.err(
        lambda r: upload_loc(
            env, filename_root="root", filename="f", content_md5=hashlib.md5(b"x").digest()
        ),
        None,
    )
    assert e.code() == C.ALREADY_EXISTS
    assert upload_loc(env, filename_root="root", filename="f", content_md5=md5).native_url.endswith(
        "/root/f"
    )


def test_download_link_and_get_data(penv):
    lp = penv.launch_plan("lp")
    eid = penv.execute(lp, "e1")
    loc = upload_loc(penv, filename_root="decks", filename="deck.html")
    assert http("PUT", loc.signed_url, b"<html/>")[0] == 200
    nid = identifier_pb2.NodeExecutionIdentifier(node_id="n0", execution_id=eid)
    outs = literals_pb2.LiteralMap(
        literals={
            "o0": literals_pb2.Literal(
                scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=5))
            )
        }
    )
    penv.stub.CreateNodeEvent(
        admin_event.NodeExecutionEventRequest(
            event=event_pb2.NodeExecutionEvent(
                id=nid, phase=3, output_data=outs, deck_uri=loc.native_url
            )
        )
    )
    link = penv.dp.CreateDownloadLink(
        dp.CreateDownloadLinkRequest(artifact_type=dp.ARTIFACT_TYPE_DECK, node_execution_id=nid)
    )
    assert http("GET", link.signed_url[0]) == (200, b"<html/>")
    assert link.pre_signed_urls.signed_url[0] == link.signed_url[0]
    e = penv.err(penv.dp.CreateDownloadLink, dp.CreateDownloadLinkRequest(node_execution_id=nid))
    assert e.code() == C.INVALID_ARGUMENT
    e = penv.err(
        penv.dp.CreateDownloadLink,
        dp.CreateDownloadLinkRequest(artifact_type=dp.ARTIFACT_TYPE_DECK),
    )
    assert e.code() == C.INVALID_ARGUMENT
    nodeck = identifier_pb2.NodeExecutionIdentifier(node_id="n1", execution_id=eid)
    penv.stub.CreateNodeEvent(
        admin_event.NodeExecutionEventRequest(
            event=event_pb2.NodeExecutionEvent(id=nodeck, phase=2)
        )
    )
    e = penv.err(
        penv.dp.CreateDownloadLink,
        dp.CreateDownloadLinkRequest(artifact_type=dp.ARTIFACT_TYPE_DECK, node_execution_id=nodeck),
    )
    assert e.code() == C.NOT_FOUND

    got = penv.dp.GetData(dp.GetDataRequest(flyte_url=f"flyte://v1/{P}/{D}/e1/n0/o"))
    assert got.literal_map == outs
    got = penv.dp.GetData(dp.GetDataRequest(flyte_url=f"flyte://v1/{P}/{D}/e1/n0/o/o0"))
    assert got.literal.scalar.primitive.integer == 5
    e = penv.err(penv.dp.GetData, dp.GetDataRequest(flyte_url="s3://bucket/x"))
    assert e.code() == C.INVALID_ARGUMENT
    e = penv.err(penv.dp.GetData, dp.GetDataRequest(flyte_url=f"flyte://v1/{P}/{D}/e1/n0/i"))
    assert e.code() == C.NOT_FOUND
