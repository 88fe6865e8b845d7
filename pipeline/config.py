"""Configuration lives in ``configs/`` (YAML), never as constants in code."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def config_dir() -> Path:
    return Path(os.environ.get("JIXIAO_CONFIGS", PROJECT_ROOT / "configs"))


@lru_cache(maxsize=None)
def load_config(name: str) -> dict:
    """Load ``configs/<name>.yaml`` (or a path to any YAML file)."""
    path = Path(name)
    if path.suffix not in (".yaml", ".yml"):
        path = config_dir() / f"{name}.yaml"
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}
