"""What every generated client class stands on: channel, call pipeline, cache, lifecycle."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type, TypeVar

import grpc

from .auth_interceptor import AuthInterceptor, Authenticator
from .cache import LRUCache
from .channel import create_channel
from .deadline import DeadlineInterceptor
from .endpoint import strip_dns_scheme
from .metadata import MetadataInterceptor
from .methods import MethodSpec
from .pipeline import Interceptor, Metadata, Transport, compose
from .retry import RetryInterceptor, RetryPolicy

_Client = TypeVar("_Client", bound="ClientBase")
_CHANNEL_KWARGS = ("credentials", "root_certificates", "private_key", "certificate_chain", "options", "compression")


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
    values = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(PlatformConfig) if hasattr(cfg, f.name)}
    mode = getattr(values.get("auth_mode"), "value", values.get("auth_mode"))
    if mode is None or str(mode).lower() == "standard":
        values.pop("auth_mode", None)  # flytekit's default: leave ours implicit too
    else:
        values["auth_mode"] = str(mode)
    if values.get("scopes") is not None:
        values["scopes"] = tuple(values["scopes"])
    return PlatformConfig(**values)


class ClientBase:
    """Connection and call machinery shared by the raw and friendly clients.

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
        **channel_kwargs: ``credentials``, ``root_certificates``, ``private_key``,
            ``certificate_chain``, ``options`` (after flytekit's defaults),
            ``compression``.
    """

    _error_codes: Dict[grpc.StatusCode, type]
    _error_messages: Tuple[Tuple[grpc.StatusCode, str, type], ...]
    _default_error: type

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
        **channel_kwargs: Any,
    ) -> None:
        unknown = sorted(set(channel_kwargs) - set(_CHANNEL_KWARGS))
        if unknown:
            raise TypeError(f"unexpected keyword argument(s) {', '.join(unknown)}; channel arguments are {', '.join(_CHANNEL_KWARGS)}")
        if isinstance(cfg, str):
            endpoint, config = cfg, None
        elif hasattr(cfg, "endpoint"):
            endpoint, config = cfg.endpoint, cfg
        else:
            raise TypeError(f"cfg must be an endpoint 'host:port' or a config with an endpoint attribute, not {type(cfg).__name__}")
        if not isinstance(endpoint, str) or not endpoint:
            raise ValueError(f"endpoint must be a non-empty 'host:port' string, got {endpoint!r}")
        self._endpoint = strip_dns_scheme(endpoint)
        if insecure is None:
            insecure = bool(getattr(config, "insecure", False))
        self._insecure = insecure
        if config is not None and _uses_auth(config):
            config = _as_platform_config(config)
        self._config = config
        if config is not None and not insecure and _uses_auth(config):
            if not any(channel_kwargs.get(k) for k in ("credentials", "root_certificates")):
                from .tls import root_certificates_for

                roots = root_certificates_for(config)
                if roots:
                    channel_kwargs["root_certificates"] = roots
        if retry is None:
            retries = getattr(config, "rpc_retries", None)
            retry = RetryPolicy(max_retries=retries) if isinstance(retries, int) and retries >= 0 else RetryPolicy()
        self._channel = create_channel(self._endpoint, insecure, **channel_kwargs)
        self._retry = RetryInterceptor(retry, self._error_codes, self._error_messages, self._default_error)
        layers: list = [*self._outer_interceptors(), DeadlineInterceptor(timeout), self._retry]
        proxy: List[AuthInterceptor] = []  # filled below; the server's factory reads it later
        server: Optional[AuthInterceptor] = None
        if authenticator is not None or (config is not None and _uses_auth(config)):
            server = AuthInterceptor(self._authenticator_factory(authenticator, proxy))
            layers.append(server)
        if proxy_authenticator is not None or getattr(config, "proxy_command", None):
            # Inside the server's layer: a rejection by the proxy is handled before the
            # server's credentials would be refreshed for nothing.
            proxy.append(AuthInterceptor(self._proxy_factory(proxy_authenticator), proxy_for=server))
            layers.append(proxy[0])
        layers.append(MetadataInterceptor(headers))
        layers.extend(interceptors)
        self._interceptors = tuple(layers)
        self._invoke = compose(self._interceptors, Transport(self._channel))
        self._cache = LRUCache(cache_size)

    # -- construction helpers ----------------------------------------------------
    def _outer_interceptors(self) -> Tuple[Interceptor, ...]:
        """Layers a subclass puts outside all others (flyteclient.flytekit's)."""
        return ()

    def _authenticator_factory(self, given: Optional[Authenticator], proxy: List[AuthInterceptor]) -> Callable[[], Optional[Authenticator]]:
        if given is not None:
            return lambda: given
        config, channel = self._config, self._channel

        def create() -> Optional[Authenticator]:
            from .auth import create_authenticator

            if config is None:
                return None
            # The OAuth2 discovery and token requests go through the same proxy, with the
            # same proxy credentials as the calls.
            proxy_authenticator: Any = proxy[0].authenticator if proxy else None
            return create_authenticator(config, channel, proxy_authenticator=proxy_authenticator)

        return create

    def _proxy_factory(self, given: Optional[Authenticator]) -> Callable[[], Optional[Authenticator]]:
        if given is not None:
            return lambda: given
        config = self._config

        def create() -> Optional[Authenticator]:
            from .auth import create_proxy_authenticator

            return create_proxy_authenticator(config) if config is not None else None

        return create

    @classmethod
    def with_root_certificate(cls: Type[_Client], cfg: Any, root_cert_file: str, **kwargs: Any) -> _Client:
        """A TLS client that trusts the PEM certificates in ``root_cert_file``."""
        with open(root_cert_file, "rb") as f:
            return cls(cfg, root_certificates=f.read(), **kwargs)

    @classmethod
    def from_config(cls: Type[_Client], config_file: Optional[str] = None, **kwargs: Any) -> _Client:
        """A client for ``PlatformConfig.auto(config_file)`` (environment, then config file)."""
        from .config import PlatformConfig

        return cls(PlatformConfig.auto(config_file), **kwargs)

    # -- call helpers used by the generated methods --------------------------------
    def _call(self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata) -> Any:
        """Send ``request`` (checked to be the RPC's request message) through the pipeline."""
        if type(request) is not method.request_type:
            request = method.coerce(request)
        return self._invoke(method, request, timeout, metadata)

    def _fetcher(self, method: MethodSpec) -> Callable[[Any], Any]:
        invoke = self._invoke
        return lambda request: invoke(method, request, None, None)

    def _cached_call(self, method: MethodSpec, request: Any, timeout: Optional[float] = None, metadata: Metadata = None) -> Any:
        key = (method.path, request.SerializeToString(deterministic=True))
        value = self._cache.get_or_load(key, lambda: self._invoke(method, request, timeout, metadata))
        copy = type(value)()
        copy.CopyFrom(value)  # callers may mutate what they get; the cache stays intact
        return copy

    def _view(self, cls: Type[_Client]) -> _Client:
        """This client as a ``cls`` (another generated client class) sharing everything:
        channel, pipeline, cache. Made once per class."""
        views: Dict[type, Any] = self.__dict__.setdefault("_views", {})
        view = views.get(cls)
        if view is None:
            view = views[cls] = cls.__new__(cls)
            view.__dict__ = self.__dict__
        return view

    # -- public surface ------------------------------------------------------------
    @property
    def url(self) -> str:
        """The endpoint, ``host:port``."""
        return self._endpoint

    @property
    def channel(self) -> grpc.Channel:
        return self._channel

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._retry.policy

    def close(self) -> None:
        """Close the channel and drop cached entities. Calls after this raise."""
        self._cache.clear()
        self._channel.close()

    def __enter__(self: _Client) -> _Client:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._endpoint!r}, insecure={self._insecure})"
