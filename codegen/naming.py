"""Naming rules shared by the schema: Python names for RPCs, modules, classes, parameters."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import Union

from google.protobuf.descriptor import Descriptor, EnumDescriptor

# Names a flattened friendly method already uses for itself.
_RESERVED_PARAMS = {"self", "request", "timeout", "metadata", "page_size"}


def snake_case(name: str) -> str:
    """``ListNodeExecutionsForTask`` -> ``list_node_executions_for_task``; ``UserInfo`` -> ``user_info``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def python_module(file_name: str) -> str:
    """``flyteidl/admin/task.proto`` -> ``flyteidl.admin.task_pb2``."""
    return file_name[: -len(".proto")].replace("/", ".").replace("-", "_") + "_pb2"


@dataclass(frozen=True)
class PyRef:
    """A class (message or enum) in a generated ``_pb2`` module, as the output imports it."""

    module: str
    qualname: str

    @property
    def alias(self) -> str:
        """Import alias: the module's last two dotted parts (``admin_task_pb2``)."""
        return "_".join(self.module.split(".")[-2:])

    @property
    def ref(self) -> str:
        return f"{self.alias}.{self.qualname}"


def python_ref(descriptor: Union[Descriptor, EnumDescriptor]) -> PyRef:
    """The class a descriptor becomes in its generated ``_pb2`` module."""
    prefix = descriptor.file.package + "."
    return PyRef(python_module(descriptor.file.name), descriptor.full_name[len(prefix) :])


def safe_param_name(name: str) -> str:
    """A request field name usable as a keyword parameter (``from`` -> ``from_``)."""
    if keyword.iskeyword(name) or name in _RESERVED_PARAMS:
        return name + "_"
    return name


@dataclass(frozen=True)
class DottedRef:
    """A class named by its dotted path (``flytekit.models.task.Task``), as the output imports it."""

    module: str
    name: str

    @classmethod
    def parse(cls, dotted: str) -> "DottedRef":
        module, _, name = dotted.rpartition(".")
        if not module or not name.isidentifier():
            raise ValueError(f"{dotted!r} is not a dotted class path")
        return cls(module, name)

    @property
    def alias(self) -> str:
        """Import alias: the module path without its top package (``models_task``)."""
        return "_".join(self.module.split(".")[1:]) or self.module

    @property
    def ref(self) -> str:
        return f"{self.alias}.{self.name}"

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.name}"
