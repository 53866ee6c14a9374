"""flyteadmin's HTTP/JSON gateway (grpc-gateway routes under ``/api/v1/...``) for LocalAdmin."""

from .context import Aborted, GatewayContext
from .handler import Gateway

__all__ = ["Aborted", "Gateway", "GatewayContext"]
