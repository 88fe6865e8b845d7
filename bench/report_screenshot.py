"""The report index of the five seed reports, rendered by headless Chromium into
bench/results/screenshots/report-index.png (the picture the README shows).

    .venv/bin/python bench/report_screenshot.py [--config configs/pipeline-rules.yaml]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.report import load_inputs, write_report  # noqa: E402


def screenshot(page: Path, target: Path, size: str = "1400,1500") -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed (scripts/setup-system.sh)")
    with tempfile.TemporaryDirectory() as home:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--hide-scrollbars",
                        f"--user-data-dir={home}/profile", f"--window-size={size}", f"--screenshot={target}",
                        page.as_uri()], check=True, capture_output=True, timeout=120, env={**os.environ, "HOME": home})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=None, help="pipeline config (default configs/pipeline.yaml)")
    ap.add_argument("-o", "--out", type=Path, default=ROOT / "bench" / "results" / "screenshots" / "report-index.png")
    args = ap.parse_args()
    from pipeline.language import Pipeline

    def fail(exc: Exception) -> None:
        raise exc

    docs = load_inputs(sorted((ROOT / "samples" / "reports").glob("*.txt")), fail,
                       nlp=Pipeline.from_config(args.config))
    with tempfile.TemporaryDirectory() as tmp:
        index = write_report(docs, Path(tmp))[0]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        screenshot(index, args.out)
    print(f"{len(docs)} documents -> {args.out}")


if __name__ == "__main__":
    main()
