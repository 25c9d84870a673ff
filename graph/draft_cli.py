"""``keifu validate FILE [--format text|json|turtle]``: check a draft of objectives before it goes to council.

Exit codes: 0 the draft conforms (warnings and notes allowed), 1 violations, 2 the input cannot be validated
(empty, unreadable, not a policy document, malformed RDF, too large). ``FILE`` may be ``-`` for stdin.
"""

from __future__ import annotations

import argparse
import json
import sys

from .draft import DraftError, DraftReport, validate_bytes, validate_path


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "validate",
        help="validate a draft of objectives (text, PDF, Turtle, JSON-LD) / 目標案の検査",
        description="法令（独立行政法人通則法）・指針・グラフ整合性の規則で目標案を検査し、結果を行ごとに示す。 / "
                    "Check a draft against the Act on General Rules, the government guidelines and the graph "
                    "integrity rules; every result points at its line. Exit: 0 conforms, 1 violations, 2 unreadable.",
    )
    p.add_argument("file", help="draft file, or - for stdin / 案のファイル（- で標準入力）")
    p.add_argument("--format", choices=("text", "json", "turtle"), default="text",
                   help="report format: text (default), json, or the sh:ValidationReport as turtle / 出力形式")
    p.add_argument("--input-format", choices=("auto", "turtle", "json-ld"), default="auto",
                   help="force RDF input parsing (default: detect from name and content) / 入力形式")
    p.add_argument("--name", help="file name to report for stdin input / 標準入力の名前")
    p.set_defaults(func=cmd_validate)


def run(file: str, name: str | None = None, fmt: str | None = None) -> DraftReport:
    if file == "-":
        return validate_bytes(sys.stdin.buffer.read(), name or "stdin.txt", fmt=fmt)
    return validate_path(file, fmt=fmt)


def cmd_validate(args: argparse.Namespace) -> int:
    fmt = None if args.input_format == "auto" else args.input_format
    try:
        report = run(args.file, args.name, fmt)
    except DraftError as e:
        if args.format == "json":
            print(json.dumps(e.to_json(), ensure_ascii=False, indent=2))
        print(e.describe(), file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    elif args.format == "turtle":
        sys.stdout.write(report.turtle())
    else:
        print(report.text())
    return report.exit_code
