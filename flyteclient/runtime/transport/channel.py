"""gRPC channel creation: TLS unless ``insecure=True``, with flytekit's channel options."""

from __future__ import annotations

import importlib
from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union

import grpc

# Room for flyteadmin's largest error: a 32,000-byte message, which gRPC percent-encodes
# up to 3x in grpc-message, plus grpc-status-details-bin (the same message and the
# details, base64: 4/3x). flytekit's 32 KiB turns long "different structure" errors into
# RESOURCE_EXHAUSTED. gRPC's hard limit is 1.25x this soft one.
MAX_METADATA_SIZE = 160 * 1024

# flytekit's options, in flytekit's order (with a larger metadata limit), then ours;
# the caller's options follow them.
DEFAULT_OPTIONS: Tuple[Tuple[str, Any], ...] = (
    ("grpc.max_metadata_size", MAX_METADATA_SIZE),
    ("grpc.max_receive_message_length", 20971520),
    ("grpc.keepalive_time_ms", 30000),
    ("grpc.keepalive_timeout_ms", 10000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    # Recovering from a server restart. Each channel keeps its own connections and
    # reconnect back-off (the process-wide pool shares one back-off between clients), and
    # reconnects at most ~2 s after the server is back instead of gRPC's 1 s .. 120 s.
    ("grpc.use_local_subchannel_pool", 1),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2000),
    # Despite its name, the minimum time a connection attempt is given (default 20 s).
    ("grpc.min_reconnect_backoff_ms", 5000),
)

ChannelOptions = Union[None, Sequence[Tuple[str, Any]], Mapping[str, Any]]


def channel_options(options: ChannelOptions = None) -> List[Tuple[str, Any]]:
    """The defaults, then ``options`` (a list of pairs or a mapping), then the
    ``grpc.primary_user_agent`` naming flyteclient and flyteidl (unless given).

    A default that the caller sets too is left out: gRPC keeps the first value of a
    repeated channel argument, so otherwise the caller could not change it."""
    extra = list(options.items()) if isinstance(options, Mapping) else list(options or ())
    for pair in extra:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)):
            raise TypeError(f"options must be (name, value) pairs or a mapping, got {pair!r}")
    overridden = {name for name, _ in extra}
    opts = [*(o for o in DEFAULT_OPTIONS if o[0] not in overridden), *extra]
    if "grpc.primary_user_agent" not in overridden:
        opts.append(("grpc.primary_user_agent", user_agent()))
    return opts


def _installed_version(package: Any) -> Optional[str]:
    """The version in the name of ``package``'s ``*.dist-info`` directory beside it: a
    directory listing, where ``importlib.metadata`` would import email, zipfile and csv."""
    import os

    site = os.path.dirname(os.path.dirname(package.__file__))
    prefix = f"{package.__name__}-"
    try:
        found = [n for n in os.listdir(site) if n.startswith(prefix) and n.endswith(".dist-info")]
    except OSError:
        return None
    return found[0][len(prefix) : -len(".dist-info")] if len(found) == 1 else None


def user_agent() -> str:
    """``flyteclient/<version> flyteidl/<version>`` (the installed flyteidl's version,
    else the one the client was generated from)."""
    import flyteidl

    from flyteclient._version import __version__
    from flyteclient.generated import FLYTEIDL_VERSION

    return f"flyteclient/{__version__} flyteidl/{_installed_version(flyteidl) or FLYTEIDL_VERSION}"


def _credentials(
    insecure: bool,
    credentials: Optional[grpc.ChannelCredentials],
    root_certificates: Optional[bytes],
    private_key: Optional[bytes],
    certificate_chain: Optional[bytes],
) -> Optional[grpc.ChannelCredentials]:
    """None for plain text; else ``credentials`` or SSL credentials from the PEM parts."""
    if insecure:
        return None
    return credentials or grpc.ssl_channel_credentials(
        root_certificates, private_key, certificate_chain
    )


def create_channel(
    endpoint: str,
    insecure: bool = False,
    *,
    credentials: Optional[grpc.ChannelCredentials] = None,
    root_certificates: Optional[bytes] = None,
    private_key: Optional[bytes] = None,
    certificate_chain: Optional[bytes] = None,
    options: ChannelOptions = None,
    compression: Optional[grpc.Compression] = None,
    aio: bool = False,
) -> Any:
    """Open a channel to ``endpoint`` (``host:port``); a ``grpc.aio`` one with ``aio``.

    TLS is the default: ``credentials`` if given, else SSL credentials from
    ``root_certificates`` / ``private_key`` / ``certificate_chain`` (system roots when
    none). ``insecure=True`` opens a plain-text channel and ignores the TLS arguments.
    """
    _check_endpoint(endpoint)
    opts = channel_options(options)
    creds = _credentials(insecure, credentials, root_certificates, private_key, certificate_chain)
    module: Any = importlib.import_module("grpc.aio") if aio else grpc
    if creds is None:
        return module.insecure_channel(endpoint, options=opts, compression=compression)
    return module.secure_channel(endpoint, creds, options=opts, compression=compression)


def create_aio_channel(endpoint: str, insecure: bool = False, **channel_kwargs: Any) -> Any:
    """:func:`create_channel` for ``grpc.aio`` (same arguments and defaults)."""
    return create_channel(endpoint, insecure, aio=True, **channel_kwargs)


def _check_endpoint(endpoint: Any) -> None:
    if not isinstance(endpoint, str) or not endpoint:
        raise TypeError(f"endpoint must be a non-empty 'host:port' string, got {endpoint!r}")
