"""flyteidl.service.AdminService: all 56 RPCs, composed from the entity mixins."""

from __future__ import annotations

from typing import Tuple

from flyteidl.service import admin_pb2, admin_pb2_grpc

from .entities import EntitiesMixin
from .errors import service
from .executions import ExecutionsMixin
from .projects import ProjectsMixin
from .store import Store


@service(admin_pb2.DESCRIPTOR.services_by_name["AdminService"])
class AdminServicer(
    EntitiesMixin, ExecutionsMixin, ProjectsMixin, admin_pb2_grpc.AdminServiceServicer
):
    """Admin RPCs over a :class:`Store`; every method runs in one store transaction."""

    def __init__(self, store: Store, domains: Tuple[str, ...], auto_complete: bool = False) -> None:
        self.store = store
        self.domains = tuple(domains)
        self.auto_complete = auto_complete
