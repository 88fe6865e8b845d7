"""Configuration lives in ``configs/`` (YAML), never as constants in code.

``load_config`` reads one file.  ``settings`` turns a file (or a section of one) into a typed
dataclass whose fields have no defaults of their own: every default is written once, in the
YAML, and a key the dataclass does not know, or a field the YAML lacks, is an error that names it.
"""
from __future__ import annotations

import dataclasses
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, TypeVar

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def config_dir() -> Path:
    return Path(os.environ.get("JIXIAO_CONFIGS", PROJECT_ROOT / "configs"))


def config_path(name: str) -> Path:
    """``configs/<name>.yaml``, or ``name`` itself when it is a path to a YAML file."""
    path = Path(name)
    if path.suffix not in (".yaml", ".yml"):
        return config_dir() / f"{name}.yaml"
    return path if path.is_absolute() or path.exists() else PROJECT_ROOT / path


@lru_cache(maxsize=None)
def load_config(name: str) -> dict:
    """Load ``configs/<name>.yaml`` (or a path to any YAML file)."""
    with open(config_path(name), encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def settings(cls: type[T], source: str | dict, section: Optional[str] = None, **overrides: Any) -> T:
    """``cls`` (a dataclass) from a config name, path or dict (its ``section``), with ``overrides``
    (``None`` values are ignored)."""
    raw = dict(load_config(source) if isinstance(source, str) else source)
    if section is not None:
        raw = dict(raw.get(section) or {})
    raw.update({k: v for k, v in overrides.items() if v is not None})
    names = {f.name for f in dataclasses.fields(cls)}
    where = source if isinstance(source, str) else "settings"
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ValueError(f"{where}{'.' + section if section else ''}: unknown setting(s) {', '.join(unknown)}")
    missing = sorted(n for n in names if n not in raw)
    if missing:
        raise ValueError(f"{where}{'.' + section if section else ''}: missing setting(s) {', '.join(missing)}")
    return cls(**raw)


def project_path(p: str | Path) -> Path:
    """A path from a config: absolute as given, else relative to the project root."""
    p = Path(p)
    return p if p.is_absolute() else PROJECT_ROOT / p
