"""Naming rules shared by the schema: Python names for RPCs, modules, classes, parameters,
and the imports a generated file needs, recorded where a type is referenced."""

from __future__ import annotations

import contextlib
import contextvars
import keyword
import re
from dataclasses import dataclass
from typing import Iterator, Optional, Union

from google.protobuf.descriptor import Descriptor, EnumDescriptor

from .errors import CodegenError

# Names a flattened friendly method already uses for itself.
_RESERVED_PARAMS = {"self", "request", "timeout", "metadata", "page_size"}


def snake_case(name: str) -> str:
    """``ListNodeExecutionsForTask`` -> ``list_node_executions_for_task``; ``UserInfo`` -> ``user_info``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def python_module(file_name: str) -> str:
    """``flyteidl/admin/task.proto`` -> ``flyteidl.admin.task_pb2``."""
    return file_name[: -len(".proto")].replace("/", ".").replace("-", "_") + "_pb2"


class Imports:
    """The modules one generated file refers to (by alias), filled as the template
    renders (see :attr:`PyRef.ref`), printed afterwards as import lines."""

    def __init__(self) -> None:
        self._modules: dict[str, str] = {}  # alias -> module

    def use(self, module: str, alias: str) -> None:
        other = self._modules.setdefault(alias, module)
        if other != module:
            raise CodegenError(f"import alias {alias} names both {other} and {module}")

    def lines(self) -> str:
        """``from package import module as alias`` per module, sorted by alias."""
        out = []
        for alias, module in sorted(self._modules.items()):
            package, _, name = module.rpartition(".")
            out.append(
                f"from {package} import {name} as {alias}"
                if package
                else f"import {module} as {alias}"
            )
        return "\n".join(out)


_current: contextvars.ContextVar[Optional[Imports]] = contextvars.ContextVar(
    "codegen_imports", default=None
)


@contextlib.contextmanager
def collecting_imports() -> Iterator[Imports]:
    """Record into a new :class:`Imports` every module referenced in the block."""
    imports = Imports()
    token = _current.set(imports)
    try:
        yield imports
    finally:
        _current.reset(token)


@dataclass(frozen=True)
class PyRef:
    """A class (message, enum, model) in a module, as generated code refers to it."""

    module: str
    qualname: str

    @property
    def alias(self) -> str:
        """Import alias: the module path without its top package (``admin_task_pb2``,
        ``models_task`` for ``flytekit.models.task``)."""
        return "_".join(self.module.split(".")[1:]) or self.module

    @property
    def module_ref(self) -> str:
        """The module's alias, recording the import in the file being rendered."""
        imports = _current.get()
        if imports is not None:
            imports.use(self.module, self.alias)
        return self.alias

    @property
    def ref(self) -> str:
        """``alias.Qualname``, recording the import in the file being rendered."""
        return f"{self.module_ref}.{self.qualname}"

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.qualname}"


def python_ref(descriptor: Union[Descriptor, EnumDescriptor]) -> PyRef:
    """The class a descriptor becomes in its generated ``_pb2`` module."""
    prefix = descriptor.file.package + "."
    return PyRef(python_module(descriptor.file.name), descriptor.full_name[len(prefix) :])


def dotted_ref(dotted: str) -> PyRef:
    """A class named by its dotted path (``flytekit.models.task.Task``)."""
    module, _, name = dotted.rpartition(".")
    if not module or not name.isidentifier():
        raise ValueError(f"{dotted!r} is not a dotted class path")
    return PyRef(module, name)


def safe_param_name(name: str) -> str:
    """A request field name usable as a keyword parameter (``from`` -> ``from_``)."""
    if keyword.iskeyword(name) or name in _RESERVED_PARAMS:
        return name + "_"
    return name
