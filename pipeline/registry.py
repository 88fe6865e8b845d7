"""Components registered by name and assembled from ``configs/pipeline.yaml``, as in spaCy."""
from __future__ import annotations

from typing import Callable

_FACTORIES: dict[str, Callable] = {}


def component(name: str) -> Callable:
    """Register a component factory: ``factory(**settings) -> callable(doc, view) -> None``."""
    def wrap(factory: Callable) -> Callable:
        _FACTORIES[name] = factory
        return factory
    return wrap


def create(name: str, settings: dict | None = None):
    _import_builtin_components()
    if name not in _FACTORIES:
        raise KeyError(f"no component named {name!r}; known: {', '.join(sorted(_FACTORIES))}")
    return _FACTORIES[name](**(settings or {}))


def names() -> list[str]:
    _import_builtin_components()
    return sorted(_FACTORIES)


def _import_builtin_components() -> None:
    from . import components  # noqa: F401  (registers the built-in components)
