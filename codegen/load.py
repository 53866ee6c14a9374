"""Stage 1: find the gRPC service descriptors in the installed flyteidl.

The descriptors come from the runtime descriptor pool that flyteidl's ``*_pb2`` modules
fill when imported; no .proto files are needed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Mapping, Sequence

from google.protobuf.descriptor import ServiceDescriptor

from .errors import CodegenError

SERVICE_PACKAGE = "flyteidl.service"


@dataclass(frozen=True)
class LoadedServices:
    """The descriptors to generate from, in the order of the surface file."""

    flyteidl_version: str
    services: tuple[ServiceDescriptor, ...]


def flyteidl_version() -> str:
    """The installed flyteidl distribution's version (``"unknown"`` if not installed)."""
    from importlib import metadata

    try:
        return metadata.version("flyteidl")
    except metadata.PackageNotFoundError:
        return "unknown"


def load_services(
    modules: Mapping[str, str], only: Sequence[str] | None = None
) -> LoadedServices:
    """Import each service's ``_pb2`` module and return its descriptor.

    ``modules`` maps service names (``"AdminService"``) to the Python module that
    defines them. ``only`` restricts generation to some of those names.
    """
    names = list(modules)
    if only:
        unknown = [n for n in only if n not in modules]
        if unknown:
            raise CodegenError(
                f"unknown service {', '.join(unknown)}; known services: {', '.join(names)}"
            )
        names = [n for n in names if n in only]
    found = []
    for name in names:
        module_name = modules[name]
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise CodegenError(
                f"flyteidl {flyteidl_version()} has no module {module_name} for {name}: {exc}"
            ) from exc
        full_name = f"{SERVICE_PACKAGE}.{name}"
        descriptor = module.DESCRIPTOR.services_by_name.get(name)
        if descriptor is None or descriptor.full_name != full_name:
            raise CodegenError(
                f"flyteidl {flyteidl_version()} does not define service {full_name} in {module_name}"
            )
        found.append(descriptor)
    return LoadedServices(flyteidl_version(), tuple(found))
