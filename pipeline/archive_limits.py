"""The bounds that protect memory and disk from hostile archives, and the one-line refusals
that name them (``limits`` of ``configs/batch.yaml``)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Bounds that protect memory and disk from hostile archives (``limits`` of ``configs/batch.yaml``)."""

    max_member_bytes: int
    max_ratio: float
    ratio_min_bytes: int
    max_archive_bytes: int
    max_depth: int


def bomb_ratio(expanded: int, compressed: int, limits: Limits) -> bool:
    return expanded >= limits.ratio_min_bytes and expanded > limits.max_ratio * max(1, compressed)


def too_large(size: int, limits: Limits) -> str:
    return f"refused: expands to {size} bytes, over the {limits.max_member_bytes} byte limit (max_member_bytes)"


def too_compressed(expanded: int, compressed: int, limits: Limits) -> str:
    return (f"refused: compression ratio {expanded / max(1, compressed):.0f} is over the limit of "
            f"{limits.max_ratio:g} (max_ratio), likely a zip bomb")


def archive_too_large(limits: Limits) -> str:
    return (f"refused: archive expands beyond {limits.max_archive_bytes} bytes (max_archive_bytes); "
            "remaining members skipped")
