"""The data folders keifu ships: ontology/, shapes/, queries/ and samples/.

They stay top-level folders of the repository (the design card's layout) and are installed as the data
packages ``keifu.ontology``, ``keifu.shapes``, ``keifu.queries`` and ``keifu.samples`` (pyproject.toml maps
them like the code folders). They are found through the import system, so a checkout, an editable install
and a wheel all find the same files. A wheel without them once validated every draft as conforming: the
ontology and the shapes are therefore required, and their absence is an error, never an empty graph.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from keifu.extract.errors import KeifuError

#: folders that must hold at least one Turtle file for keifu to run at all
REQUIRED = ("ontology", "shapes")


class MissingData(KeifuError):
    """A data folder keifu needs is not installed (a broken or partial install)."""


def data_dir(name: str) -> Path:
    """The installed folder ``name`` (``ontology``, ``shapes``, ``queries`` or ``samples``)."""
    try:
        spec = importlib.util.find_spec(f"keifu.{name}")
    except ImportError:
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        if Path(loc).is_dir():
            return Path(loc)
    raise MissingData(f"keifu's data folder '{name}' is not installed; reinstall keifu (pip install keifu)",
                      f"keifu のデータフォルダー '{name}' がインストールされていません。keifu を再インストールしてください")


def require_data() -> None:
    """Raise :class:`MissingData` unless the ontology and the shapes are installed (checked at every command:
    a partial install must not run and report success)."""
    for name in REQUIRED:
        turtle_files(name)


def turtle_files(name: str) -> list[Path]:
    """The Turtle files of a data folder, sorted; an error when a required folder has none."""
    files = sorted(data_dir(name).glob("*.ttl"))
    if not files and name in REQUIRED:
        raise MissingData(f"keifu's data folder '{name}' holds no Turtle file; reinstall keifu",
                          f"keifu のデータフォルダー '{name}' に Turtle ファイルがありません。keifu を再インストールしてください",
                          path=data_dir(name))
    return files
