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
    "report": "keifu.graph.lineage.cli", "trace": "keifu.graph.lineage.cli", "lineage": "keifu.graph.lineage.cli",
    "validate": "keifu.graph.draft_cli", "serve": "keifu.api.cli", "settings": "keifu.settings", "search": "keifu.graph.search_cli",
}
COMMAND_MODULES = list(dict.fromkeys(COMMANDS.values()))


#: an example for each command's ``--help`` (shown under "examples / 例")
EXAMPLES: dict[str, list[str]] = {
    "build": ["keifu build samples/ --store samples-store", "keifu build ../shared/corpus --store store --jobs 2 --timings"],
    "export": ["keifu export --store store -o graph.trig", "keifu export --store store --table indicators -o indicators.xlsx"],
    "query": ["keifu query --store store @queries/indicators-of-agency.rq --param agency=研究開発",
              'keifu query --store store "SELECT ?l WHERE { ?p a kf:NationalPlan ; rdfs:label ?l }" --format csv'],
    "report": ["keifu report coverage --store store"],
    "coverage": ["keifu report coverage --store store --format json"],
    "trace": ['keifu trace "健康・医療戦略" --store store --format csv > trace.csv'],
    "lineage": ['keifu lineage "日本医療研究開発機構" --store store --direction up --format svg -o amed.svg'],
    "validate": ["keifu validate draft.txt", "keifu validate draft.pdf --format json"],
    "serve": ["keifu serve --store store --port 8000   # then http://127.0.0.1:8000/home"],
    "search": ["keifu search がん --store store", "keifu search 核融合 --store store --kind indicator --format json"],
    "settings": ["keifu settings", "KEIFU_MAX_ROWS=5000 keifu settings"],
}
#: help of options that do not say themselves what they are
OPTION_HELP = {
    "store": "folder of the embedded store / ストアのフォルダ", "format": "output format / 出力形式",
    "limit": "at most this many rows (None: all) / 最大件数", "output": "output file (None: stdout) / 出力ファイル",
    "direction": "up: towards plans, down: towards indicators / 向き（up: 計画へ、down: 指標へ）",
    "depth": "edges followed from the node / たどる辺の数", "max_nodes": "nodes drawn at most / 描くノードの上限",
    "host": "address to listen on / 待ち受けるアドレス", "port": "port to listen on / ポート番号",
    "log_level": "uvicorn log level / ログの詳しさ",
}


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults after each option's help (not the empty ones: None, False); description and examples as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False) or action.default is argparse.SUPPRESS:
            return action.help
        return super()._get_help_string(action)


def _polish(parser: argparse.ArgumentParser, name: str, summary: str | None) -> None:
    """Give a sub-command's ``--help`` a description, every option's default and examples (recursively)."""
    parser.formatter_class = HelpFormatter
    if not parser.description and summary:
        parser.description = summary
    if name in EXAMPLES and not parser.epilog:
        parser.epilog = "examples / 例:\n" + "\n".join(f"  {e}" for e in EXAMPLES[name])
    for action in parser._actions:
        if action.help is None and action.option_strings:
            action.help = OPTION_HELP.get(action.dest, " ")
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for sub_name, sub_parser in action.choices.items():
                _polish(sub_parser, sub_name, helps.get(sub_name))


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line parser; given ``argv``, only the module of its command is imported."""
    p = argparse.ArgumentParser(prog="keifu", description="keifu 系譜: Japanese policy knowledge graph / 政策の系譜グラフ")
    sub = p.add_subparsers(dest="cmd", required=True)
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args and args[0] in COMMANDS else None  # an option first (keifu -h build): all
    for mod in [COMMANDS[command]] if command else COMMAND_MODULES:
        import_module(mod).add_commands(sub)
    helps = {a.dest: a.help for a in sub._choices_actions}
    for name, sp in sub.choices.items():
        _polish(sp, name, helps.get(name))
    return p


def main(argv: list[str] | None = None) -> int:
    from keifu.extract.errors import KeifuError
    from keifu.resources import require_data

    try:  # a broken install or a malformed setting: said once, exit 2
        args = parser(argv).parse_args(argv)
        require_data()
    except KeifuError as e:
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
