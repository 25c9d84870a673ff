"""The ``keifu`` command: subcommands gathered from the layers that provide them.

Each module in :data:`COMMAND_MODULES` has ``add_commands(subparsers)``; this is the only place
that sees every layer, so keifu.graph never has to import keifu.api.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module

#: Sub-command → the module that adds it. A command imports only its own module: the others' imports (the
#: lineage viewer's networkx, the server's FastAPI) cost up to a third of a second that ``keifu build`` would
#: spend before its first file. Help without a command lists them all.
COMMANDS: dict[str, str] = {
    "build": "keifu.graph.cli", "export": "keifu.graph.cli", "query": "keifu.graph.cli",
    "report": "keifu.graph.lineage_cli", "trace": "keifu.graph.lineage_cli", "lineage": "keifu.graph.lineage_cli",
    "validate": "keifu.graph.draft_cli", "serve": "keifu.api.cli",
}
COMMAND_MODULES = list(dict.fromkeys(COMMANDS.values()))


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line parser; given ``argv``, only the module of its command is imported."""
    p = argparse.ArgumentParser(prog="keifu", description="keifu 系譜: Japanese policy knowledge graph / 政策の系譜グラフ")
    sub = p.add_subparsers(dest="cmd", required=True)
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args and args[0] in COMMANDS else None  # an option first (keifu -h build): all
    for mod in [COMMANDS[command]] if command else COMMAND_MODULES:
        import_module(mod).add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from keifu.resources import MissingData, require_data

    args = parser(argv).parse_args(argv)
    try:
        require_data()
    except MissingData as e:
        print(f"keifu: {e.describe()}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        return 0


def run() -> None:
    """The console command: :func:`main`, then leave without tearing the interpreter down.

    Freeing every object of a finished run (parsed shapes, ontology, caches, rdflib graphs) took about 0.2 s of
    a 3 s build. Commands close their stores before they return and the output is flushed here, so nothing
    is lost (mypy ends the same way). :func:`main` itself returns normally, for callers in Python."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed, or a pipe whose reader is gone
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
