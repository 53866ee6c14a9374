"""TLS settings derived from a PlatformConfig, for the gRPC channel and the OAuth2 HTTP calls."""

from __future__ import annotations

import logging
import ssl
import warnings
from typing import Optional, Tuple, Union

from flyteclient.runtime.config import ConfigError, PlatformConfig

__all__ = ["root_certificates_for", "requests_verify_for", "split_host_port"]

logger = logging.getLogger(__name__)


def split_host_port(endpoint: str, default_port: int = 443) -> Tuple[str, int]:
    """``"host:port"`` / ``"[v6]:port"`` / ``"host"`` -> ``(host, port)``."""
    if endpoint.startswith("["):
        host, _, rest = endpoint[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif endpoint.count(":") == 1:
        host, _, port = endpoint.partition(":")
    else:
        host, port = endpoint, ""
    return host, int(port) if port.isdigit() else default_port


def root_certificates_for(cfg: PlatformConfig) -> Optional[bytes]:
    """PEM root certificates to verify flyteadmin's TLS certificate with, or None for
    the system's default roots (and for ``insecure``, which uses no TLS).

    - ``ca_cert_file_path``: that file's contents.
    - ``insecure_skip_verify``: the certificate the server presents right now, fetched
      with :func:`ssl.get_server_certificate` and trusted as is (a warning is issued:
      this accepts any certificate, so it does not protect against impersonation).
    """
    if cfg.insecure:
        return None
    if cfg.ca_cert_file_path:
        try:
            with open(cfg.ca_cert_file_path, "rb") as f:
                return f.read()
        except OSError as e:
            raise ConfigError(
                f"Cannot read ca_cert_file_path {cfg.ca_cert_file_path}: {e.strerror or e}"
            ) from None
    if cfg.insecure_skip_verify:
        message = (
            f"insecure_skip_verify is set: trusting whatever certificate {cfg.endpoint} presents, "
            "without verification"
        )
        warnings.warn(message, stacklevel=2)
        logger.warning(message)
        host, port = split_host_port(cfg.endpoint)
        return ssl.get_server_certificate((host, port)).encode("ascii")
    return None


def requests_verify_for(cfg: PlatformConfig) -> Union[bool, str]:
    """The ``verify`` argument for ``requests`` calls to the OAuth2 endpoints:
    False for ``insecure_skip_verify``, the CA file for ``ca_cert_file_path``, else True."""
    if cfg.insecure_skip_verify:
        return False
    if cfg.ca_cert_file_path:
        return cfg.ca_cert_file_path
    return True
