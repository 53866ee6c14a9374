"""TLS roots for the channel (ca_cert_file_path, insecure_skip_verify) and http_proxy_url,
against a real TLS gRPC server and a real forwarding HTTP proxy on loopback."""

from __future__ import annotations

import ssl
import threading
import urllib.request
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
import pytest
from auth_test_servers import SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET, Admin
from flyteidl.admin import version_pb2
from flyteidl.service import admin_pb2_grpc

from flyteclient.runtime.auth import create_authenticator
from flyteclient.runtime.config import ConfigError, PlatformConfig
from flyteclient.runtime.tls import requests_verify_for, root_certificates_for, split_host_port
from tests.support.tls import self_signed_certificate


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_server(certificate):
    cert, key = certificate
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    admin_pb2_grpc.add_AdminServiceServicer_to_server(Admin(), server)
    credentials = grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())])
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    yield f"localhost:{port}"
    server.stop(None)


def version_over_tls(endpoint: str, roots) -> str:
    with grpc.secure_channel(endpoint, grpc.ssl_channel_credentials(roots)) as channel:
        stub = admin_pb2_grpc.AdminServiceStub(channel)
        return stub.GetVersion(
            version_pb2.GetVersionRequest(), timeout=5
        ).control_plane_version.Version


def same_certificate(a: bytes, b: bytes) -> bool:
    return ssl.PEM_cert_to_DER_cert(a.decode()) == ssl.PEM_cert_to_DER_cert(b.decode())


def test_default_and_insecure_use_no_custom_roots():
    assert root_certificates_for(PlatformConfig()) is None
    assert root_certificates_for(PlatformConfig(insecure=True, ca_cert_file_path="/nope")) is None


def test_ca_cert_file(certificate, tls_server):
    cert, _ = certificate
    roots = root_certificates_for(PlatformConfig(endpoint=tls_server, ca_cert_file_path=str(cert)))
    assert roots == cert.read_bytes()
    assert version_over_tls(tls_server, roots) == "v-test"


def test_missing_ca_cert_file_names_it(tmp_path):
    with pytest.raises(ConfigError, match="missing-ca.pem"):
        root_certificates_for(PlatformConfig(ca_cert_file_path=str(tmp_path / "missing-ca.pem")))


def test_insecure_skip_verify_trusts_the_presented_certificate(certificate, tls_server, caplog):
    cert, _ = certificate
    with pytest.raises(grpc.RpcError):  # the self-signed certificate is not trusted by default
        version_over_tls(tls_server, None)
    with pytest.warns(UserWarning, match="insecure_skip_verify"):
        roots = root_certificates_for(
            PlatformConfig(endpoint=tls_server, insecure_skip_verify=True)
        )
    assert "without verification" in caplog.text
    assert same_certificate(roots, cert.read_bytes())
    assert version_over_tls(tls_server, roots) == "v-test"


def test_requests_verify():
    assert requests_verify_for(PlatformConfig()) is True
    assert requests_verify_for(PlatformConfig(ca_cert_file_path="/ca.pem")) == "/ca.pem"
    assert (
        requests_verify_for(PlatformConfig(insecure_skip_verify=True, ca_cert_file_path="/ca.pem"))
        is False
    )


@pytest.mark.parametrize(
    "endpoint, expected",
    [
        ("host:81", ("host", 81)),
        ("host", ("host", 443)),
        ("[::1]:82", ("::1", 82)),
        ("[::1]", ("::1", 443)),
    ],
)
def test_split_host_port(endpoint, expected):
    assert split_host_port(endpoint) == expected


# -- http_proxy_url ----------------------------------------------------------------------


class _ForwardingProxy(BaseHTTPRequestHandler):
    """A plain HTTP forward proxy: requests arrive with an absolute URL and are passed on."""

    def log_message(self, format, *args):
        pass

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append(self.path)
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in ("host", "proxy-connection", "connection")
        }
        request = urllib.request.Request(self.path, data=body, headers=headers, method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            response = opener.open(request, timeout=10)
            status, payload = response.status, response.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def http_proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ForwardingProxy)
    server.daemon_threads = True
    server.seen = []
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_http_proxy_url_is_used_for_oauth_requests(oauth, flyte, http_proxy, monkeypatch):
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    cfg = PlatformConfig(
        endpoint=flyte.endpoint,
        client_id=SERVICE_CLIENT_ID,
        client_credentials_secret=SERVICE_CLIENT_SECRET,
        http_proxy_url=f"http://127.0.0.1:{http_proxy.server_address[1]}",
    )
    auth = create_authenticator(cfg, flyte.channel)
    auth.refresh_credentials()
    assert http_proxy.seen == [f"{oauth.url}/token"]
    assert auth.fetch_grpc_call_auth_metadata() is not None
