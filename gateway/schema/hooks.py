"""Strawberry's schema-extension hooks, wrapped once per extension class instead of per request.

Strawberry builds every extension anew for each request and, for each of the four lifecycle
steps (operation, parse, validation, execution), wraps each hook an extension defines with
`contextlib.contextmanager` (after `inspect.isgeneratorfunction`, `types.MethodType` and
`functools.wraps`). That wrapping is the same on every request, only the instance differs: on a
page of ten rooms it was about a twentieth of the gateway's CPU.

`HookRunner` is Strawberry's own `SchemaExtensionsRunner` with the same four context managers,
except that `get_hook` takes the wrapper made once for the extension's class and binds it to the
instance with `functools.partial`. Entering and leaving hooks is still Strawberry's code (its exit
stacks), so the order, exceptions and async hooks behave exactly as before. A hook that is not a
generator (a plain method or coroutine) is left to Strawberry's own `get_hook`.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner

__all__ = ["HookRunner"]


_NOT_OURS = object()
"""A hook Strawberry wraps itself: not a generator (a plain method or a coroutine)."""


def _wrap(cls: type[SchemaExtension], name: str) -> tuple[Callable[..., Any], bool] | object | None:
    """The context-manager factory for `cls`'s hook `name` and whether it is async; None when
    `cls` does not override the hook."""
    hook = getattr(cls, name)
    if hook is getattr(SchemaExtension, name):
        return None
    if inspect.isasyncgenfunction(hook):
        return contextlib.asynccontextmanager(hook), True
    if inspect.isgeneratorfunction(hook):
        return contextlib.contextmanager(hook), False
    return _NOT_OURS


class _OnceWrapped(ExtensionContextManagerBase):
    __slots__ = ()
    _wrappers: ClassVar[dict[type[SchemaExtension], Any]]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._wrappers = {}  # one per lifecycle step (each subclass names one hook)

    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        cls = type(extension)
        try:
            wrapped = self._wrappers[cls]
        except KeyError:
            wrapped = self._wrappers[cls] = _wrap(cls, self.HOOK_NAME)
        if wrapped is None:
            return None
        if wrapped is _NOT_OURS:
            return super().get_hook(extension)
        factory, is_async = wrapped
        return WrappedHook(extension, partial(factory, extension), is_async)


class _Operation(_OnceWrapped, OperationContextManager):
    __slots__ = ()


class _Parsing(_OnceWrapped, ParsingContextManager):
    __slots__ = ()


class _Validation(_OnceWrapped, ValidationContextManager):
    __slots__ = ()


class _Executing(_OnceWrapped, ExecutingContextManager):
    __slots__ = ()


class HookRunner(SchemaExtensionsRunner):
    """What `GatewaySchema.create_extensions_runner` returns (streamed results keep
    Strawberry's own manager: the schema has no subscriptions)."""

    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)
