"""Optional OAuth2: metadata services, token endpoint, bearer enforcement."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

import grpc
import pytest
from flyteidl.admin import project_pb2
from flyteidl.service import (
    admin_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    identity_pb2,
    identity_pb2_grpc,
)

from flyteclient.testing import LocalAdmin, LocalAuth

C = grpc.StatusCode


def token_request(url, client_id="flytectl", secret="secret", grant="client_credentials"):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    req = urllib.request.Request(
        url,
        data=urllib.parse.urlencode({"grant_type": grant, "scope": "all"}).encode(),
        headers={
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_auth_off_services_unimplemented(env):
    am = auth_pb2_grpc.AuthMetadataServiceStub(env.channel)
    for call, req in [
        (am.GetOAuth2Metadata, auth_pb2.OAuth2MetadataRequest()),
        (am.GetPublicClientConfig, auth_pb2.PublicClientAuthConfigRequest()),
        (
            identity_pb2_grpc.IdentityServiceStub(env.channel).UserInfo,
            identity_pb2.UserInfoRequest(),
        ),
    ]:
        assert env.err(call, req).code() == C.UNIMPLEMENTED
    env.stub.GetDomains(project_pb2.GetDomainRequest())  # no token needed


@pytest.fixture
def secured():
    with LocalAdmin(
        auth=LocalAuth(
            client_id="flytectl",
            client_secret="secret",
            authorization_metadata_key="flyte-authorization",
        )
    ) as a:
        with grpc.insecure_channel(a.endpoint) as ch:
            yield a, ch


def test_auth_flow(secured):
    admin, ch = secured
    am = auth_pb2_grpc.AuthMetadataServiceStub(ch)
    meta = am.GetOAuth2Metadata(auth_pb2.OAuth2MetadataRequest())
    assert meta.token_endpoint == f"{admin.http_url}/oauth2/token"
    assert meta.issuer and meta.authorization_endpoint and meta.device_authorization_endpoint
    cfg = am.GetPublicClientConfig(auth_pb2.PublicClientAuthConfigRequest())
    assert (cfg.client_id, cfg.authorization_metadata_key) == ("flytectl", "flyte-authorization")
    assert list(cfg.scopes) and cfg.redirect_uri

    stub = admin_pb2_grpc.AdminServiceStub(ch)
    with pytest.raises(grpc.RpcError) as ei:
        stub.GetDomains(project_pb2.GetDomainRequest())
    assert ei.value.code() == C.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as ei:
        stub.GetDomains(
            project_pb2.GetDomainRequest(), metadata=[("flyte-authorization", "Bearer bogus")]
        )
    assert ei.value.code() == C.UNAUTHENTICATED

    assert token_request(meta.token_endpoint, secret="wrong")[0] == 401
    status, body = token_request(meta.token_endpoint)
    assert status == 200 and body["token_type"] == "Bearer"
    assert admin.auth.token_requests == 2
    md = [("flyte-authorization", f"Bearer {body['access_token']}")]
    assert stub.GetDomains(project_pb2.GetDomainRequest(), metadata=md).domains
    who = identity_pb2_grpc.IdentityServiceStub(ch).UserInfo(
        identity_pb2.UserInfoRequest(), metadata=md
    )
    assert who.subject == "flytectl"

    admin.auth.revoke_all()
    with pytest.raises(grpc.RpcError) as ei:
        stub.GetDomains(project_pb2.GetDomainRequest(), metadata=md)
    assert ei.value.code() == C.UNAUTHENTICATED

    # refresh grant after expiry
    status, body = token_request(meta.token_endpoint)
    md = [("flyte-authorization", f"Bearer {body['access_token']}")]
    admin.auth.expire_all()
    with pytest.raises(grpc.RpcError):
        stub.GetDomains(project_pb2.GetDomainRequest(), metadata=md)
    data = urllib.parse.urlencode(
        {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    ).encode()
    with urllib.request.urlopen(
        urllib.request.Request(meta.token_endpoint, data=data, method="POST"), timeout=5
    ) as r:
        fresh = json.loads(r.read())["access_token"]
    assert stub.GetDomains(
        project_pb2.GetDomainRequest(), metadata=[("flyte-authorization", f"Bearer {fresh}")]
    ).domains
    assert admin.auth.token_requests == 4
    assert admin.auth.token_requests_by_grant == {"client_credentials": 3, "refresh_token": 1}


def test_auth_true_defaults_and_issue_token():
    with LocalAdmin(auth=True) as a, grpc.insecure_channel(a.endpoint) as ch:
        tok = a.auth.issue_token()
        stub = admin_pb2_grpc.AdminServiceStub(ch)
        assert stub.GetDomains(
            project_pb2.GetDomainRequest(), metadata=[("authorization", f"Bearer {tok}")]
        ).domains
        assert a.auth.token_requests == 0
        cfg = auth_pb2_grpc.AuthMetadataServiceStub(ch).GetPublicClientConfig(
            auth_pb2.PublicClientAuthConfigRequest()
        )
        assert cfg.authorization_metadata_key == "authorization"
