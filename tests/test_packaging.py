"""The package as a user installs it: a wheel built from an sdist of the checkout, installed in a fresh
venv outside the checkout, runs ``jixiao extract`` on a seed and ``import jixiao`` with the configs and
the model it carries; spaCy finds its component there.

The venv gets the wheel alone (``pip install --no-deps``); its dependencies (torch, spaCy, ...) come from
the test interpreter's site-packages, named in a ``.pth`` file, so nothing is downloaded.  The ``.pth``
line only adds that directory to ``sys.path`` (its own ``.pth`` files, such as an editable install's
finder, are not run), and the venv's own site-packages comes first, so ``jixiao`` and ``pipeline`` are
the wheel's."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("pyproject.toml", "README.md", "MANIFEST.in", "pipeline", "jixiao", "configs", "models")
SEED = ROOT / "samples" / "reports" / "003_b2570951c4ea1818.txt"


def test_every_package_of_the_checkout_is_in_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for top in ("pipeline", "jixiao")
             for p in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SHIPPED:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        kwargs = {"ignore": shutil.ignore_patterns("__pycache__")} if (ROOT / name).is_dir() else {}
        copy(ROOT / name, src / name, **kwargs)
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp / "dist"), str(src)],
                   check=True, capture_output=True, timeout=600)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    (wheel,) = (tmp / "dist").glob("jixiao-*.whl")
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True,
                   capture_output=True, timeout=300)
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], check=True,
                          capture_output=True, text=True).stdout.strip()
    (Path(site) / "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    home = tmp / "home"
    home.mkdir()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    work = tmp / "work"  # outside the checkout: nothing there to import or read by accident
    work.mkdir()
    return {"py": py, "bin": venv / "bin", "site": Path(site), "env": env, "work": work, "sdist": next(
        (tmp / "dist").glob("jixiao-*.tar.gz"))}


def run(installed: dict, *cmd: str) -> subprocess.CompletedProcess:
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=installed["work"],
                         env=installed["env"], timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    return res


@pytest.mark.integration
@pytest.mark.slow
def test_the_sdist_carries_configs_models_and_the_schema(installed):
    with tarfile.open(installed["sdist"]) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    assert {"configs/pipeline.yaml", "configs/schema/documents.v1.json", "configs/labels.yaml"} <= names
    assert any(n.startswith("models/") and n.endswith(".safetensors") for n in names)


@pytest.mark.integration
@pytest.mark.slow
def test_jixiao_extract_runs_from_the_installed_wheel(installed):
    out = installed["work"] / "out"
    res = run(installed, installed["bin"] / "jixiao", "extract", SEED, "-o", out)
    assert "1 extracted" in res.stderr
    (doc,) = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert doc["id"] == SEED.stem and doc["entities"] and doc["checks"]
    assert run(installed, installed["bin"] / "jixiao", "--version").stdout.strip().startswith("jixiao ")


@pytest.mark.integration
@pytest.mark.slow
def test_import_jixiao_reads_the_configs_and_model_inside_the_package(installed):
    code = """
import json, jixiao, pipeline, pipeline.config as c
doc = jixiao.extract("怀南水产品市场项目全年共拆除房屋164栋，基本支出284.32万元，占比57.23%。")
print(json.dumps({"jixiao": jixiao.__file__, "pipeline": pipeline.__file__, "root": str(c.PROJECT_ROOT),
                  "entities": [[e.text, e.label, e.value] for e in doc.entities]}, ensure_ascii=False))
"""
    found = json.loads(run(installed, installed["py"], "-c", code).stdout)
    for key in ("jixiao", "pipeline", "root"):
        assert Path(found[key]).is_relative_to(installed["site"]), (key, found[key])
    assert Path(found["root"]) == installed["site"] / "jixiao" and (Path(found["root"]) / "models").is_dir()
    assert ["284.32万元", "MONEY", 2843200.0] in found["entities"]


@pytest.mark.integration
@pytest.mark.slow
def test_spacy_finds_the_component_of_the_installed_package(installed):
    code = ("import spacy; nlp = spacy.blank('zh'); nlp.add_pipe('jixiao'); "
            "print([(e.text, e.label_, e._.value) for e in nlp('基本支出284.32万元，占比57.23%').ents])")
    assert "('284.32万元', 'MONEY', 2843200.0)" in run(installed, installed["py"], "-c", code).stdout


