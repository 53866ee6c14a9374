"""Stage 1: find the gRPC service descriptors, in the installed flyteidl or in a pool.

By default the descriptors come from the runtime descriptor pool that flyteidl's
``*_pb2`` modules fill when imported; no .proto files are needed. ``load_pool_services``
takes them from a pool built from another IDL instead (``codegen/idl.py``: a descriptor
set, a ``.proto`` tree); the rest of the generator cannot tell the difference.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Mapping, Sequence

from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.descriptor_pool import DescriptorPool

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


def load_services(modules: Mapping[str, str], only: Sequence[str] | None = None) -> LoadedServices:
    """Import each service's ``_pb2`` module and return its descriptor.

    ``modules`` maps service names (``"AdminService"``) to the Python module that
    defines them. ``only`` restricts generation to some of those names.
    """
    found = []
    for name in _selected(modules, only):
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


def _selected(modules: Mapping[str, str], only: Sequence[str] | None) -> list[str]:
    names = list(modules)
    if only:
        unknown = [n for n in only if n not in modules]
        if unknown:
            raise CodegenError(
                f"unknown service {', '.join(unknown)}; known services: {', '.join(names)}"
            )
        names = [n for n in names if n in only]
    return names


def load_pool_services(
    pool: DescriptorPool,
    version: str,
    modules: Mapping[str, str],
    only: Sequence[str] | None = None,
    *,
    allow_missing: bool = False,
) -> LoadedServices:
    """The services named by ``modules`` (and ``only``) from ``pool``.

    A service the pool lacks is an error unless ``allow_missing`` (the change report
    compares whatever services an IDL has); a pool with none of them always is.
    """
    found, missing = [], []
    for name in _selected(modules, only):
        full_name = f"{SERVICE_PACKAGE}.{name}"
        try:
            found.append(pool.FindServiceByName(full_name))
        except KeyError:
            missing.append(full_name)
    if (missing and not allow_missing) or not found:
        raise CodegenError(f"{version} does not define service {', '.join(missing)}")
    return LoadedServices(version, tuple(found))
