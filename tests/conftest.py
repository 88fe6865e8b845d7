"""Shared fixtures: the project's own data, never ../shared (a clone may not have it)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def seed_paths(root) -> list[Path]:
    return sorted((root / "samples" / "reports").glob("*.txt"))


@pytest.fixture(scope="session")
def gold_seeds(root):
    from pipeline.evaluation import load_documents
    return load_documents(root / "annotations" / "gold" / "seeds")
