"""A wheel built from the repository, installed outside the checkout, validates, builds lineage and serves
its named queries: the ontology, shapes, queries and samples travel as package data.

A wheel once held none of them, and validation then passed every draft. The virtual environment borrows the
test environment's dependencies (``--system-site-packages``) so the test needs no network; keifu itself comes
from the wheel alone, which the test checks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES

FIXTURES = REPO / "tests" / "fixtures"


def run(*cmd: str | Path, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=600)
    if check and r.returncode != 0:
        raise AssertionError(f"{cmd} exited {r.returncode}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(venv's bin folder, a working folder outside the checkout) with keifu installed from a fresh wheel."""
    if shutil.which("git") is None:
        pytest.skip("git is needed to copy the checkout's tracked files")
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"  # tracked files only: what a clean clone (and CI) builds from
    files = run("git", "ls-files", "-z", cwd=REPO).stdout.split("\0")
    for f in filter(None, files):
        if (REPO / f).is_file():
            (src / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / f, src / f)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", src, cwd=work)
    wheel = next((work / "dist").glob("keifu-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("keifu/ontology/keifu.ttl", "keifu/ontology/lineage.ttl", "keifu/shapes/rules.ttl",
                   "keifu/queries/citations.rq", "keifu/samples/objectives_compendium.txt",
                   "keifu/extract/data/document_kinds.tsv", "keifu/api/static/index.html"):
        assert needed in names, f"{needed} is not in the wheel"
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--system-site-packages", venv, cwd=work)
    bin_ = venv / "bin"
    run(bin_ / "python", "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", wheel, cwd=work)
    where = run(bin_ / "python", "-c", "import keifu.graph, keifu.resources as r; print(keifu.graph.__file__); "
                "print(r.data_dir('shapes'))", cwd=work).stdout.split()
    assert all(str(venv) in w for w in where), f"keifu not imported from the wheel: {where}"
    return bin_, work


def test_a_bad_draft_fails_validation(installed: tuple[Path, Path]) -> None:
    bin_, work = installed
    r = run(bin_ / "keifu", "validate", FIXTURES / "draft_rd_bad.txt", cwd=work, check=False)
    assert r.returncode == 1, r.stdout[-2000:] + r.stderr[-2000:]
    assert "Violation" in r.stdout and "does not conform" in r.stdout


def test_a_sample_build_has_its_lineage(installed: tuple[Path, Path]) -> None:
    bin_, work = installed
    docs = work / "docs"
    shutil.copytree(SAMPLES, docs, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    run(bin_ / "keifu", "build", docs, "--store", work / "store", cwd=work)
    r = run(bin_ / "keifu", "query", "--store", work / "store", "--format", "csv",
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/keifu/id/graph/lineage> { ?i kf:tracesTo ?p } }",
            cwd=work)
    assert int(r.stdout.split()[-1]) > 0, r.stdout


def test_missing_shapes_refuse_to_run(installed: tuple[Path, Path], tmp_path: Path) -> None:
    bin_, work = installed
    shapes = Path(run(bin_ / "python", "-c", "import keifu.resources as r; print(r.data_dir('shapes'))",
                      cwd=work).stdout.strip())
    moved = tmp_path / "shapes"
    shutil.copytree(shapes, moved)
    for f in shapes.glob("*.ttl"):
        f.unlink()
    try:
        r = run(bin_ / "keifu", "validate", FIXTURES / "draft_rd_bad.txt", cwd=work, check=False)
        assert r.returncode == 2
        assert "shapes" in r.stderr and "再インストール" in r.stderr and "reinstall" in r.stderr
    finally:
        for f in moved.glob("*.ttl"):
            shutil.copy2(f, shapes / f.name)


def test_entry_points_are_importable_from_keifu() -> None:
    import keifu

    for name, module in keifu.ENTRY_POINTS.items():
        obj = getattr(keifu, name)
        assert callable(obj) and obj.__module__ == module, name
    report = keifu.validate_path(FIXTURES / "draft_rd_bad.txt")
    assert not report.conforms


def test_settings_are_listed_and_read_from_the_environment(tmp_path: Path) -> None:
    from keifu.settings import SETTINGS

    env = {**__import__("os").environ, "KEIFU_MAX_ROWS": "123"}
    r = subprocess.run([sys.executable, "-m", "keifu.cli", "settings"], capture_output=True, text=True, env=env,
                       cwd=tmp_path, timeout=60)
    assert r.returncode == 0
    assert all(s.env in r.stdout for s in SETTINGS.values())
    assert any(line.startswith("KEIFU_MAX_ROWS") and " 123 " in line for line in r.stdout.splitlines())
