"""The ``keifu`` command: subcommands gathered from the layers that provide them.

Each module in :data:`COMMAND_MODULES` has ``add_commands(subparsers)``; this is the only place
that sees every layer, so keifu.graph never has to import keifu.api.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

COMMAND_MODULES = ["keifu.graph.cli", "keifu.graph.lineage_cli", "keifu.graph.draft_cli", "keifu.api.cli"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="keifu", description="keifu 系譜: Japanese policy knowledge graph / 政策の系譜グラフ")
    sub = p.add_subparsers(dest="cmd", required=True)
    for mod in COMMAND_MODULES:
        import_module(mod).add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
