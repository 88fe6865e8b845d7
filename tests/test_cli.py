"""Command-line conventions: --version, -v/-q, choices named in the help, help without type noise,
dotted config overrides, progress lines off a terminal, and a --help that loads no model library."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import apply_overrides, load_config

ROOT = Path(__file__).resolve().parent.parent
JIXIAO = [sys.executable, "-m", "pipeline.cli"]
RULES = "configs/pipeline-rules.yaml"
pytestmark = pytest.mark.integration  # the command, in subprocesses


def jixiao(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*JIXIAO, *map(str, args)], capture_output=True, text=True, cwd=cwd or ROOT, env=env,
                          timeout=600)


def test_version_and_help_name_the_allowed_values_without_type_noise():
    assert re.fullmatch(r"jixiao \d+\.\d+\.\d+\S*\n", jixiao("--version").stdout)
    for command in ("extract", "batch", "export", "report", "evaluate"):
        help_text = jixiao(command, "--help").stdout
        assert "<bool>" not in help_text and "{" not in help_text and "<list[" not in help_text, command
    extract_help = jixiao("extract", "--help").stdout
    assert "PATHS..." in extract_help and "<rapidocr|tesseract>" in extract_help
    assert "<auto|bar|log|none>" in extract_help and "--components.<name>.<setting>" in extract_help
    assert "<local|ray>" in jixiao("batch", "--help").stdout
    assert "<parquet|jsonl|csv>" in jixiao("export", "--help").stdout


def test_a_value_outside_the_choices_is_refused_before_any_work(tmp_path):
    res = jixiao("extract", tmp_path, "--ocr-engine", "nope")
    assert res.returncode == 2 and "'nope' is not one of" in res.stderr and "rapidocr" in res.stderr


def test_help_loads_no_model_or_segmenter_library():
    code = ("import sys; sys.argv = ['jixiao', '--help']\nfrom pipeline.cli import app\ntry:\n    app()\n"
            "except SystemExit:\n    pass\nprint(sorted(m for m in ('torch', 'transformers', 'jieba', 'spacy', 'duckdb') "
            "if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert res.stdout.strip().splitlines()[-1] == "[]"


def test_quiet_leaves_errors_only_and_verbose_says_more(tmp_path):
    seed = ROOT / "samples" / "reports" / "003_b2570951c4ea1818.txt"
    loud = jixiao("extract", seed, tmp_path / "missing.txt", "-o", tmp_path / "a", "--config", RULES)
    assert "1 extracted" in loud.stderr
    quiet = jixiao("-q", "extract", seed, tmp_path / "missing.txt", "-o", tmp_path / "b", "--config", RULES)
    assert quiet.returncode == 1
    assert [line for line in quiet.stderr.splitlines() if line.strip()] == [
        f"jixiao: error: {tmp_path / 'missing.txt'}: no such file or directory"]


def test_dotted_overrides_reach_the_component_and_a_wrong_one_is_an_error(tmp_path):
    base = load_config("pipeline")
    cfg = apply_overrides(base, ["--components.model_tagger.policy.min_confidence", "0.7",
                                 "--components.model_tagger.gate=false"])
    tagger = next(c for c in cfg["components"] if c["name"] == "model_tagger")
    assert tagger["settings"] == {"policy": {"min_confidence": 0.7}, "gate": False}
    assert base == load_config("pipeline")  # the loaded config itself is untouched
    with pytest.raises(ValueError, match="no component 'tagger'"):
        apply_overrides(base, ["--components.tagger.x", "1"])
    with pytest.raises(ValueError, match="no value given"):
        apply_overrides(base, ["--components.model_tagger.gate"])
    seed = ROOT / "samples" / "reports" / "003_b2570951c4ea1818.txt"
    res = jixiao("extract", seed, "-o", tmp_path / "o", "--config", RULES, "--components.resolver.nope", "1")
    assert res.returncode == 2 and res.stderr.startswith("jixiao: error: cannot load the pipeline: TypeError")
    assert "nope" in res.stderr and "Traceback" not in res.stderr
    res = jixiao("extract", seed, "-o", tmp_path / "o", "--config", RULES, "--components.nothing.x", "1")
    assert res.returncode == 2 and "no component 'nothing'" in res.stderr


def test_off_a_terminal_progress_lines_come_only_when_something_moved(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for i, p in enumerate(sorted((ROOT / "samples" / "reports").glob("*.txt"))):
        (inp / p.name).write_bytes(p.read_bytes())
    res = jixiao("batch", inp, "--db", tmp_path / "r.duckdb", "--workers", "1", "--progress", "log",
                 "--config", RULES)
    assert res.returncode == 0, res.stderr
    lines = [line for line in res.stderr.splitlines() if re.match(r"batch: \d+/\d+ done", line)]
    counts = [re.match(r"batch: (\d+/\d+ done, \d+ committed)", line).group(1) for line in lines]
    assert lines and len(counts) == len(set(counts)) and counts[-1] == "5/5 done, 5 committed"
