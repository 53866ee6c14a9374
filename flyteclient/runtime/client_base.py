"""What every generated client class stands on: connection settings, transport, call
pipeline, cache and lifecycle. :class:`ClientBase` is the sync form; the async form
(:mod:`flyteclient.runtime.aio`) shares every construction step through :class:`CoreBase`.

Construction, one named step each:

1. :meth:`Connection.resolve` — the endpoint, TLS and config from ``cfg`` (a
   ``"host:port"`` string, or flyteclient's or flytekit's ``PlatformConfig``);
2. the transport — the one given (``transport=``), else a gRPC channel to the endpoint;
3. :func:`retry_policy_for` — the retry policy given, or one from ``cfg.rpc_retries``;
4. :meth:`CoreBase._layers` — the interceptors, outermost first: the subclass's own,
   deadline, version skew (:mod:`.interceptors.skew`), retry and error mapping, server
   credentials, proxy credentials, metadata, the caller's;
5. the per-client cache of immutable entities.
"""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    List,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
)

import grpc

from .cache import LRUCache
from .endpoint import DNS_SCHEME, strip_dns_scheme
from .interceptors.auth import Authenticator, AuthInterceptor
from .interceptors.deadline import DeadlineInterceptor
from .interceptors.metadata import MetadataInterceptor
from .interceptors.retry import RetryInterceptor, RetryPolicy
from .interceptors.skew import SkewInterceptor
from .methods import MethodSpec
from .pipeline import Interceptor, Metadata, compose
from .release import ServerRelease
from .transport.base import TRANSPORTS, AsyncTransport, Transport
from .transport.grpc import GrpcTransport

if TYPE_CHECKING:
    from .compatibility import CompatibilityReport

_Client = TypeVar("_Client", bound="CoreBase")
CHANNEL_KWARGS = (
    "credentials",
    "root_certificates",
    "private_key",
    "certificate_chain",
    "options",
    "compression",
)


def closed_invoker(method: MethodSpec, request: Any, timeout: Any, metadata: Metadata) -> Any:
    """What a closed client calls instead of its pipeline."""
    from .exceptions import ClientClosedError

    raise ClientClosedError("the client is closed", rpc=method.name)


def deprecated(rpc: str) -> None:
    """Warn that ``rpc`` is deprecated in flyteidl (called by its generated methods)."""
    import warnings

    warnings.warn(f"{rpc} is deprecated in flyteidl", DeprecationWarning, stacklevel=3)


def _uses_auth(cfg: Any) -> bool:
    """A flyteclient or flytekit PlatformConfig (as opposed to a bare endpoint holder)."""
    return hasattr(cfg, "auth_mode") and hasattr(cfg, "client_id")


def _as_platform_config(cfg: Any) -> Any:
    """flyteclient's PlatformConfig with the settings of ``cfg`` (e.g. flytekit's)."""
    import dataclasses

    from .config import PlatformConfig

    if isinstance(cfg, PlatformConfig):
        return cfg
    values = {
        f.name: getattr(cfg, f.name)
        for f in dataclasses.fields(PlatformConfig)
        if hasattr(cfg, f.name)
    }
    mode = getattr(values.get("auth_mode"), "value", values.get("auth_mode"))
    if mode is None or str(mode).lower() == "standard":
        values.pop("auth_mode", None)  # flytekit's default: leave ours implicit too
    else:
        values["auth_mode"] = str(mode)
    if values.get("scopes") is not None:
        values["scopes"] = tuple(values["scopes"])
    return PlatformConfig(**values)


class Connection:
    """Where and how to connect: the endpoint, plain text or TLS, the config (with its
    auth settings, when it has any) and the channel arguments (TLS roots from the config
    added)."""

    __slots__ = ("endpoint", "insecure", "config", "channel_kwargs", "kind", "rest", "implied")

    def __init__(
        self,
        endpoint: str,
        insecure: bool,
        config: Any,
        channel_kwargs: Dict[str, Any],
        kind: str = "grpc",
        rest: Optional[Dict[str, Any]] = None,
        implied: bool = False,
    ) -> None:
        self.endpoint = endpoint
        self.insecure = insecure
        self.config = config
        self.channel_kwargs = channel_kwargs
        self.kind = kind
        """The default transport: ``grpc`` or ``rest``."""
        self.rest: Dict[str, Any] = rest or {}
        """The REST transport's options (``codec``, ``max_response_bytes``)."""
        self.implied = implied
        """Plain text only because the endpoint is an ``http://`` URL (``insecure`` unset):
        enough for calls, not for credentials (see :meth:`refuse_implied_plaintext`)."""

    def refuse_implied_plaintext(self) -> None:
        """Raise ValueError when credentials would go over plain text nobody asked for with
        ``insecure=True`` (an ``http://`` URL alone does not ask for that)."""
        if self.implied:
            raise ValueError(
                f"endpoint {self.endpoint!r} is plain HTTP and credentials were given: pass "
                "insecure=True to send them in plain text (a local server), or use an "
                "https:// endpoint"
            )

    @classmethod
    def resolve(
        cls,
        cfg: Any,
        insecure: Optional[bool],
        channel_kwargs: Dict[str, Any],
        transport: Any = None,
        rest_codec: Optional[str] = None,
        max_response_bytes: Optional[int] = None,
    ) -> "Connection":
        """Check the constructor's arguments (before any I/O) and derive the settings;
        ``transport`` is the constructor's (a name, a transport object or None)."""
        unknown = sorted(set(channel_kwargs) - set(CHANNEL_KWARGS))
        if unknown:
            raise TypeError(
                f"unexpected keyword argument(s) {', '.join(unknown)}; channel arguments are {', '.join(CHANNEL_KWARGS)}"
            )
        if isinstance(cfg, str):
            endpoint, config = cfg, None
        elif hasattr(cfg, "endpoint"):
            endpoint, config = cfg.endpoint, cfg
        else:
            raise TypeError(
                f"cfg must be an endpoint 'host:port' or a config with an endpoint attribute, not {type(cfg).__name__}"
            )
        if not isinstance(endpoint, str) or not endpoint:
            raise ValueError(f"endpoint must be a non-empty 'host:port' string, got {endpoint!r}")
        kind = _transport_kind(transport, config)
        rest = _rest_options(kind, rest_codec, max_response_bytes, config)
        implied = False
        if endpoint.startswith(("http://", "https://")):
            if kind == "grpc":
                raise ValueError(
                    f"endpoint {endpoint!r} is a URL: use transport='rest', or 'host:port' for gRPC"
                )
            if insecure is None and config is None:
                implied = insecure = endpoint.startswith("http://")  # the URL asks for it
        elif kind == "rest" and endpoint.startswith(DNS_SCHEME):
            raise ValueError(
                f"endpoint {endpoint!r} is a gRPC target: transport='rest' needs flyteadmin's "
                "HTTP endpoint, e.g. 'https://flyte.example.com' (TLS: the same port as gRPC) "
                "or 'http://localhost:8088' (an insecure flyteadmin serves HTTP on 8088, gRPC "
                "on 8089)"
            )
        if insecure is None:
            insecure = bool(getattr(config, "insecure", False))
        if endpoint.startswith("http://") and not insecure:
            raise ValueError(
                f"endpoint {endpoint!r} is plain HTTP but insecure=False: credentials and data "
                "would cross the network unencrypted. Use an https:// endpoint, or insecure=True "
                "(admin.insecure: true) to ask for plain text"
            )
        if config is not None and _uses_auth(config):
            config = _as_platform_config(config)
            if (
                kind == "grpc"
                and not insecure
                and not any(channel_kwargs.get(k) for k in ("credentials", "root_certificates"))
            ):
                from .tls import root_certificates_for

                roots = root_certificates_for(config)
                if roots:
                    channel_kwargs = {**channel_kwargs, "root_certificates": roots}
        return cls(
            strip_dns_scheme(endpoint), insecure, config, channel_kwargs, kind, rest, implied
        )

    def open_sync(self) -> Any:
        """A new sync transport to this endpoint (gRPC channel, or HTTP/JSON for ``rest``)."""
        if self.kind == "rest":
            from .transport.rest import RestTransport

            return RestTransport.connect(self)
        return GrpcTransport.connect(self.endpoint, self.insecure, **self.channel_kwargs)

    def open_async(self) -> Any:
        """A new async transport to this endpoint (``grpc.aio``, or HTTP/JSON for ``rest``)."""
        if self.kind == "rest":
            from .transport.rest import AsyncRestTransport

            return AsyncRestTransport.connect(self)
        from .transport.aio_grpc import AioGrpcTransport

        return AioGrpcTransport.connect(self.endpoint, self.insecure, **self.channel_kwargs)

    @property
    def authenticates(self) -> bool:
        """The config carries auth settings (it may still need no login: see the factory)."""
        return self.config is not None and _uses_auth(self.config)


def _warn_plaintext_credentials(connection: Connection) -> None:
    """Log, once per client, that credentials will be sent without TLS (asked for with
    ``insecure=True``)."""
    if connection.insecure and connection.kind != "custom":
        import logging

        logging.getLogger("flyteclient").warning(
            "sending credentials to %s in plain text (insecure=True): anyone on the network "
            "path can read and reuse them; use TLS for anything but a local server",
            connection.endpoint,
        )


def _transport_kind(transport: Any, config: Any) -> str:
    """The default transport's name: ``transport`` when it is one, else the config's."""
    if transport is None:
        transport = getattr(config, "transport", None) or "grpc"
    elif not isinstance(transport, str):
        return "custom"
    if transport not in TRANSPORTS:
        raise ValueError(
            f"transport must be one of {', '.join(TRANSPORTS)} or a transport object, got {transport!r}"
        )
    return str(transport)


def _rest_options(
    kind: str, codec: Optional[str], max_response_bytes: Optional[int], config: Any
) -> Dict[str, Any]:
    """The REST transport's options from the constructor's arguments (checked, naming
    them) and the config's ``rest_codec``."""
    if kind != "rest":
        for name, value in (("rest_codec", codec), ("max_response_bytes", max_response_bytes)):
            if value is not None:
                raise ValueError(
                    f"{name} applies to transport='rest'"
                    + (
                        "; for gRPC use options=[('grpc.max_receive_message_length', n)]"
                        if name == "max_response_bytes" and kind == "grpc"
                        else ""
                    )
                )
        return {}
    from .transport.rest import check_max_response_bytes, codec_for

    options: Dict[str, Any] = {}
    chosen = codec if codec is not None else getattr(config, "rest_codec", None)
    if chosen is not None:
        options["codec"] = codec_for(chosen)
    if max_response_bytes is not None:
        options["max_response_bytes"] = check_max_response_bytes(max_response_bytes)
    return options


def _cache_key(method: MethodSpec, request: Any) -> Tuple[str, bytes]:
    """The key of a cached call: the RPC and its request's deterministic bytes."""
    return method.path, request.SerializeToString(deterministic=True)


def _copy(value: Any) -> Any:
    """A copy of a cached message: callers may mutate what they get; the cache stays intact."""
    copy = type(value)()
    copy.CopyFrom(value)
    return copy


def retry_policy_for(retry: Optional[RetryPolicy], config: Any) -> RetryPolicy:
    """``retry``, else a policy with the config's ``rpc_retries``, else the default."""
    if retry is not None:
        return retry
    retries = getattr(config, "rpc_retries", None)
    return (
        RetryPolicy(max_retries=retries)
        if isinstance(retries, int) and retries >= 0
        else RetryPolicy()
    )


class CoreBase:
    """Construction and call helpers shared by the sync and async client bases.

    Args:
        cfg: ``"host:port"``, or a config with ``endpoint`` and ``insecure`` attributes
            (flyteclient's or flytekit's ``PlatformConfig``; its auth, TLS and
            ``rpc_retries`` settings are used too).
        insecure: plain-text channel (default: TLS; from ``cfg.insecure`` for a config).
        authenticator: an object with ``fetch_grpc_call_auth_metadata()`` and
            ``refresh_credentials()``; default: built from the config when it has auth
            settings, created on the first call.
        proxy_authenticator: the same interface, sent as ``proxy-authorization``.
        retry: a :class:`RetryPolicy` (default: 3 retries, or ``cfg.rpc_retries``).
        timeout: default seconds per call (None: no deadline).
        headers: extra ``(key, value)`` metadata for every call.
        interceptors: extra interceptors (``intercept(method, request, timeout,
            metadata, proceed)``), innermost, just before the transport.
        cache_size: entries kept by the per-client cache of immutable entities.
        transport: ``"grpc"`` (default), ``"rest"`` (HTTP to flyteadmin's gateway
            routes; the endpoint may then be an ``http(s)://`` URL; ``http://`` needs
            ``insecure=True`` unless ``cfg`` is that URL itself), or a transport object
            (see :mod:`flyteclient.runtime.transport`); default: ``cfg.transport``.
        rest_codec: bodies of ``rest`` calls: ``"protobuf"`` (default: binary, as
            flyteconsole sends them) or ``"json"``; default: ``cfg.rest_codec``.
        max_response_bytes: largest response body a ``rest`` call accepts (default 20 MiB,
            the gRPC channel's receive limit).
        **channel_kwargs: ``credentials``, ``root_certificates``, ``private_key``,
            ``certificate_chain``, ``options`` (after flytekit's defaults),
            ``compression`` (for the default transport).
    """

    _error_codes: Dict[grpc.StatusCode, type]
    _error_messages: Tuple[Tuple[grpc.StatusCode, str, type], ...]
    _default_error: type
    # The layer classes of this flavour (the async base uses their async forms).
    _retry_layer: Type[RetryInterceptor] = RetryInterceptor
    _auth_layer: Type[AuthInterceptor] = AuthInterceptor
    _skew_layer: Type[SkewInterceptor] = SkewInterceptor

    def __init__(
        self,
        cfg: Any,
        insecure: Optional[bool] = None,
        *,
        authenticator: Optional[Authenticator] = None,
        proxy_authenticator: Optional[Authenticator] = None,
        retry: Optional[RetryPolicy] = None,
        timeout: Optional[float] = None,
        headers: Sequence[Tuple[str, str]] = (),
        interceptors: Sequence[Interceptor] = (),
        cache_size: int = 256,
        transport: Union[str, Transport, AsyncTransport, None] = None,
        rest_codec: Optional[str] = None,
        max_response_bytes: Optional[int] = None,
        **channel_kwargs: Any,
    ) -> None:
        self._connection = Connection.resolve(
            cfg, insecure, channel_kwargs, transport, rest_codec, max_response_bytes
        )
        chosen: Any = transport
        if transport is None or isinstance(transport, str):
            chosen = self._connect(self._connection)
        self._transport = chosen
        self._retry = self._retry_layer(
            retry_policy_for(retry, self._connection.config),
            self._error_codes,
            self._error_messages,
            self._default_error,
        )
        self._release = self._retry.release = ServerRelease()
        self._skew = self._skew_layer(self._release)
        self._interceptors = self._layers(
            timeout, authenticator, proxy_authenticator, headers, interceptors
        )
        self._invoke = compose(self._interceptors, self._transport)
        # The server's release is asked for on the side: one attempt, no skew check.
        direct = [i for i in self._interceptors if i is not self._skew and i is not self._retry]
        self._version_invoke = compose(direct, self._transport)
        self._skew.fetch = self._version_call
        self._cache = self._new_cache(cache_size)

    # -- construction steps ----------------------------------------------------------
    def _connect(self, connection: Connection) -> Any:
        """The default transport for ``connection``."""
        raise NotImplementedError

    def _discovery_transport(self) -> Any:
        """A *sync* transport without auth layers, for the authenticator's discovery of
        the server's OAuth2 settings (it runs on worker threads)."""
        raise NotImplementedError

    def _new_cache(self, size: int) -> Any:
        return LRUCache(size)

    def _layers(
        self,
        timeout: Optional[float],
        authenticator: Optional[Authenticator],
        proxy_authenticator: Optional[Authenticator],
        headers: Sequence[Tuple[str, str]],
        interceptors: Sequence[Interceptor],
    ) -> Tuple[Interceptor, ...]:
        config = self._connection.config
        layers: List[Any] = [
            *self._outer_interceptors(),
            DeadlineInterceptor(timeout),
            self._skew,
            self._retry,
        ]
        proxy: List[AuthInterceptor] = []  # filled below; the server's factory reads it later
        server: Optional[AuthInterceptor] = None
        if authenticator is not None or proxy_authenticator is not None:
            self._connection.refuse_implied_plaintext()
        if authenticator is not None or self._connection.authenticates:
            server = self._auth_layer(self._authenticator_factory(authenticator, proxy))
            layers.append(server)
        if proxy_authenticator is not None or getattr(config, "proxy_command", None):
            # Inside the server's layer: a rejection by the proxy is handled before the
            # server's credentials would be refreshed for nothing.
            proxy.append(
                self._auth_layer(self._proxy_factory(proxy_authenticator), proxy_for=server)
            )
            layers.append(proxy[0])
        layers.append(MetadataInterceptor(headers))
        layers.extend(interceptors)
        return tuple(layers)

    def _outer_interceptors(self) -> Tuple[Interceptor, ...]:
        """Layers a subclass puts outside all others (flyteclient.flytekit's)."""
        return ()

    def _authenticator_factory(
        self, given: Optional[Authenticator], proxy: List[AuthInterceptor]
    ) -> Callable[[], Optional[Authenticator]]:
        connection = self._connection
        if given is not None:
            _warn_plaintext_credentials(connection)
            return lambda: given
        config = connection.config

        def create() -> Optional[Authenticator]:
            from .auth import create_authenticator

            if config is None:
                return None
            # The OAuth2 discovery and token requests go through the same proxy, with the
            # same proxy credentials as the calls.
            proxy_authenticator: Any = proxy[0].authenticator if proxy else None
            created = create_authenticator(
                config, self._discovery_transport(), proxy_authenticator=proxy_authenticator
            )
            if created is not None:
                _warn_plaintext_credentials(connection)
            return created

        return create

    def _proxy_factory(
        self, given: Optional[Authenticator]
    ) -> Callable[[], Optional[Authenticator]]:
        if given is not None:
            return lambda: given
        config = self._connection.config

        def create() -> Optional[Authenticator]:
            from .auth import create_proxy_authenticator

            return create_proxy_authenticator(config) if config is not None else None

        return create

    @classmethod
    def with_root_certificate(
        cls: Type[_Client], cfg: Any, root_cert_file: str, **kwargs: Any
    ) -> _Client:
        """A TLS client that trusts the PEM certificates in ``root_cert_file``."""
        with open(root_cert_file, "rb") as f:
            return cls(cfg, root_certificates=f.read(), **kwargs)

    @classmethod
    def from_config(
        cls: Type[_Client], config_file: Optional[str] = None, **kwargs: Any
    ) -> _Client:
        """A client for ``PlatformConfig.auto(config_file)`` (environment, then config file)."""
        from .config import PlatformConfig

        return cls(PlatformConfig.auto(config_file), **kwargs)

    def _version_call(self, timeout: Optional[float]) -> Any:
        """GetVersion, once, through this client's credentials and metadata but without
        retries (the async client awaits the result): how the server's release is learnt
        (:class:`~.release.ServerRelease`)."""
        from flyteclient.generated.methods import AdminService_GetVersion as spec

        return self._version_invoke(spec, spec.request_type(), timeout, None)

    # -- call helpers used by the generated methods ----------------------------------
    def _call(
        self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata
    ) -> Any:
        """Send ``request`` (checked to be the RPC's request message) through the pipeline
        (the async client awaits what this returns)."""
        if type(request) is not method.request_type:
            request = method.coerce(request)
        return self._invoke(method, request, timeout, metadata)

    def _fetcher(self, method: MethodSpec) -> Callable[[Any], Any]:
        # Looked up per page: a pager outliving close() gets the closed client's error.
        return lambda request: self._invoke(method, request, None, None)

    def _view(self, cls: Type[_Client]) -> _Client:
        """This client as a ``cls`` (another generated client class) sharing everything:
        transport, pipeline, cache. Made once per class."""
        views: Dict[type, Any] = self.__dict__.setdefault("_views", {})
        view = views.get(cls)
        if view is None:
            view = views[cls] = cls.__new__(cls)
            view.__dict__ = self.__dict__
        return view

    # -- public surface --------------------------------------------------------------
    @property
    def url(self) -> str:
        """The endpoint, ``host:port``."""
        return self._connection.endpoint

    @property
    def transport(self) -> Any:
        """What sends the calls (see :mod:`flyteclient.runtime.transport`)."""
        return self._transport

    @property
    def channel(self) -> Any:
        """The gRPC channel of the default transport (None for a transport without one)."""
        return getattr(self._transport, "channel", None)

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._retry.policy

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._connection.endpoint!r}, insecure={self._connection.insecure})"


class ClientBase(CoreBase):
    """The sync client base: calls return results; ``close()`` and ``with`` close the
    transport. See :class:`CoreBase` for the constructor's arguments."""

    def _connect(self, connection: Connection) -> Any:
        return connection.open_sync()

    def _discovery_transport(self) -> Any:
        return self._transport

    def _cached_call(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float] = None,
        metadata: Metadata = None,
    ) -> Any:
        value = self._cache.get_or_load(
            _cache_key(method, request), lambda: self._invoke(method, request, timeout, metadata)
        )
        return _copy(value)

    def compatibility(self, *, timeout: Optional[float] = None) -> "CompatibilityReport":
        """Which of this client's RPCs and request fields the server's release lacks.

        Asks the server's version (flyteadmin's ``GetVersion``; flyteadmin and flyteidl
        share release numbers) and compares it with the API's history
        (:mod:`flyteclient.generated.history`). ``print(client.compatibility())`` prints
        the report; see :class:`~flyteclient.runtime.compatibility.CompatibilityReport`.
        """
        from flyteclient.generated.methods import AdminService_GetVersion as spec

        from .compatibility import build_report

        response = self._invoke(spec, spec.request_type(), timeout, None)
        self._release.learn(response)
        return build_report(response.control_plane_version.Version)

    def close(self) -> None:
        """Close the transport (the channel) and drop cached entities. Calls after this,
        and calls in progress on other threads, raise
        :class:`~flyteclient.exceptions.ClientClosedError`."""
        self._invoke = closed_invoker
        self._cache.clear()
        self._transport.close()

    def __enter__(self: _Client) -> _Client:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
