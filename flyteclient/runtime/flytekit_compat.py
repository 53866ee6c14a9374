"""The call layer of :mod:`flyteclient.flytekit`: flytekit's scoped deadline and flytekit's
exception classes. Imports flytekit, so only the flytekit-compatible client uses it.

It is the outermost layer of that client's pipeline, so it sees every error the lower
layers raise (mapped status codes, deadlines passed before a call, authentication
failures) and turns each into an instance of the class that derives from flyteclient's
class and from flytekit's class for the same status. Nothing changes on success.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, Mapping, Optional

from flytekit.clients.grpc_utils.deadline_interceptor import get_scoped_grpc_deadline
from flytekit.exceptions.base import FlyteException as FlytekitException
from flytekit.exceptions.user import FlyteInvalidInputException as FlytekitInvalidInput

from .exceptions import FlyteException
from .methods import MethodSpec
from .pipeline import Invoker, Metadata


class FlytekitLayer:
    """Applies ``flytekit``'s ``scoped_grpc_deadline`` (per call, as flytekit does: the
    shorter of it and the call's own timeout) and raises flytekit-compatible exceptions.

    ``classes`` maps flyteclient exception classes to their flytekit-compatible
    subclasses (generated); a subclass of a mapped class gets a subclass of its own,
    made once and kept.
    """

    def __init__(self, classes: Mapping[type, type]) -> None:
        self._classes: Dict[type, type] = dict(classes)

    def intercept(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Any:
        scoped = get_scoped_grpc_deadline()
        if scoped is not None:
            timeout = scoped if timeout is None else min(timeout, scoped)
        if method.server_streaming:
            return self._stream(method, request, timeout, metadata, proceed)
        try:
            return proceed(method, request, timeout, metadata)
        except FlyteException as error:
            raise self.convert(error, request) from error.__cause__

    def _stream(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Iterator[Any]:
        try:
            yield from proceed(method, request, timeout, metadata)
        except FlyteException as error:
            raise self.convert(error, request) from error.__cause__

    def compatible_class(self, cls: type) -> type:
        """The flytekit-compatible class for flyteclient exception class ``cls``."""
        found = self._classes.get(cls)
        if found is None:
            base = next(self._classes[c] for c in cls.__mro__ if c in self._classes)
            flytekit_bases = tuple(b for b in base.__bases__ if issubclass(b, FlytekitException))
            found = self._classes[cls] = type(
                cls.__name__, (cls, *flytekit_bases), {"__module__": cls.__module__}
            )
        return found

    def convert(self, error: FlyteException, request: Any = None) -> FlyteException:
        """``error`` as an instance of its flytekit-compatible class, same fields and message."""
        if isinstance(error, FlytekitException):
            return error
        cls = self.compatible_class(type(error))
        converted: Any = cls.__new__(cls, *error.args)
        converted.__dict__.update(vars(error))
        converted.args = error.args
        converted._timestamp = None  # flytekit's FlyteException.timestamp
        if isinstance(converted, FlytekitInvalidInput):
            converted.request = request  # flytekit's FlyteInvalidInputException(request)
        converted.__traceback__ = error.__traceback__
        return converted
