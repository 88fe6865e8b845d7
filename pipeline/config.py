"""Configuration lives in ``configs/`` (YAML), never as constants in code.

``load_config`` reads one file.  ``settings`` turns a file (or a section of one) into a typed
dataclass whose fields have no defaults of their own: every default is written once, in the
YAML, and a key the dataclass does not know, or a field the YAML lacks, is an error that names it.
A field whose type is itself a dataclass is read from the section of that name.

``configs/`` and ``models/`` sit at the top of a checkout; an installed wheel carries them inside
the ``jixiao`` package, read through ``importlib.resources``.  ``PROJECT_ROOT`` is whichever holds them.
"""
from __future__ import annotations

import dataclasses
import os
import typing
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Optional, TypeVar

import yaml

T = TypeVar("T")
CHECKOUT_ROOT = Path(__file__).resolve().parent.parent


def _data_root() -> Path:
    """The directory holding ``configs/`` and ``models/``: the installed package's copy, else the checkout
    (``import jixiao`` is cheap: its attributes are loaded on first use)."""
    try:
        packaged = resources.files("jixiao")
    except ModuleNotFoundError:
        return CHECKOUT_ROOT
    return packaged if isinstance(packaged, Path) and (packaged / "configs").is_dir() else CHECKOUT_ROOT


PROJECT_ROOT = _data_root()


def config_dir() -> Path:
    return Path(os.environ.get("JIXIAO_CONFIGS", PROJECT_ROOT / "configs"))


def config_path(name: str) -> Path:
    """``configs/<name>.yaml``, or ``name`` itself when it is a path to a YAML file."""
    path = Path(name)
    if path.suffix not in (".yaml", ".yml"):
        return config_dir() / f"{name}.yaml"
    return path if path.is_absolute() or path.exists() else PROJECT_ROOT / path


# libyaml's safe loader where PyYAML was built with it (the same documents, parsed in C: the start-up
# of `jixiao extract` spent 0.25 s reading configs in pure Python); PyYAML's own otherwise
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=None)
def load_config(name: str) -> dict:
    """Load ``configs/<name>.yaml`` (or a path to any YAML file)."""
    with open(config_path(name), encoding="utf-8") as f:
        return yaml.load(f, Loader=_SAFE_LOADER) or {}


def settings(cls: type[T], source: str | dict, section: Optional[str] = None, **overrides: Any) -> T:
    """``cls`` (a dataclass) from a config name, path or dict (its ``section``), with ``overrides``
    (``None`` values are ignored)."""
    raw = dict(load_config(source) if isinstance(source, str) else source)
    where = (source if isinstance(source, str) else "settings") + (f".{section}" if section else "")
    if section is not None:
        raw = dict(raw.get(section) or {})
    raw.update({k: v for k, v in overrides.items() if v is not None})
    return _build(cls, raw, where)


def _build(cls: type[T], raw: dict, where: str) -> T:
    types = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ValueError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    missing = sorted(n for n in names if n not in raw)
    if missing:
        raise ValueError(f"{where}: missing setting(s) {', '.join(missing)}")
    values = {}
    for name, value in raw.items():
        kind = types.get(name)
        nested = dataclasses.is_dataclass(kind) and isinstance(kind, type) and isinstance(value, dict)
        values[name] = _build(kind, value, f"{where}.{name}") if nested else value
    return cls(**values)


def project_path(p: str | Path) -> Path:
    """A path from a config: absolute as given, else relative to the project root."""
    p = Path(p)
    return p if p.is_absolute() else PROJECT_ROOT / p


def apply_overrides(config: dict, args: list[str]) -> dict:
    """A pipeline config with dotted overrides from the command line, as in spaCy:
    ``--components.<name>.<setting>[.<key>...] VALUE`` (or ``=VALUE``) sets a setting of the component
    named <name>; VALUE is read as YAML (``0.7``, ``true``, ``[PROJECT]``, ``null``).  Anything else is an error."""
    import copy
    out = copy.deepcopy(config)
    for dotted, raw in _override_pairs(args):
        path = dotted.split(".")
        if path[0] != "components" or len(path) < 3:
            raise ValueError(f"--{dotted}: overrides take the form --components.<name>.<setting> VALUE")
        spec = next((c for c in out["components"] if c["name"] == path[1]), None)
        if spec is None:
            raise ValueError(f"--{dotted}: the pipeline has no component {path[1]!r} "
                             f"(it has {', '.join(c['name'] for c in out['components'])})")
        if spec.get("settings") is None:
            spec["settings"] = {}
        node = spec["settings"]
        for key in path[2:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = yaml.safe_load(raw)
    return out


def _override_pairs(args: list[str]) -> list[tuple[str, str]]:
    pairs, i = [], 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or len(arg) == 2:
            raise ValueError(f"unexpected argument {arg!r}")
        name, eq, value = arg[2:].partition("=")
        if not eq:
            if i + 1 >= len(args) or args[i + 1].startswith("--"):
                raise ValueError(f"--{name}: no value given")
            i += 1
            value = args[i]
        pairs.append((name, value))
        i += 1
    return pairs
