"""``keifu`` command line: build, export, query.

Messages are bilingual (ja / en). Exit codes: 0 success, 1 some input failed, 2 bad usage or store error.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from keifu import STARTED
from keifu.extract.errors import KeifuError
from keifu.extract.limits import ReadLimits, read_limits, set_read_limits

from .build import FileResult, build
from .named_query import ParamError, bound_query, parse_query_text
from .progress import Progress
from .remote import endpoint_password, mirror, open_remote, push_changes
from .store import MEMORY_MAX_QUADS, Store, incomplete_warning
from .tabulate import render
from .vocab import PREFIXES, sparql_prefixes

DEFAULT_STORE = Path("store")


def _curie(name: str) -> str:
    """kf: names are counted bare; other vocabularies (qb:Observation) by prefix."""
    for prefix, ns in PREFIXES.items():
        if name.startswith(str(ns)):
            return f"{prefix}:{name.removeprefix(str(ns))}"
    return name


def _summary(results: list[FileResult]) -> str:
    """One row per document, then every node count (axes, indicators by kind, targets …) in full."""
    rows, detail = [], []
    for r in results:
        if r.error:
            rows.append([r.path.name, "-", "ERROR", "", "", "", ""])
            continue
        for d in r.documents:
            rows.append([r.path.name, d.number, d.kind, d.agency or "-", d.objectives, d.citations,
                         f"{d.violations}/{d.warnings}"])
            if d.counts:
                detail.append([r.path.name, d.number, " ".join(f"{_curie(k)}:{v}" for k, v in d.counts.items())])
    head = ["file ファイル", "#", "kind 種別", "agency 法人", "objectives 目標", "citations 引用",
            "violations/warnings 違反/警告"]
    out = render(head, rows, max_width=60)
    if detail:
        out += "\n\n" + render(["file ファイル", "#", "nodes by class 種類別の節点数"], detail, max_width=10_000)
    return out


#: a build compacts the store once it wrote at least 1/COMPACT_SHARE of its quads
COMPACT_SHARE = 8


def cmd_build(args: argparse.Namespace) -> int:
    remote = None
    try:
        if args.endpoint:  # build into a mirror of the remote graphs, then push back what changed
            remote = open_remote(args.endpoint, args.update_endpoint, args.graph_store_endpoint, args.user,
                                 endpoint_password(args.user), args.auth_scheme)
            store, before = mirror(remote)
        else:
            if incomplete_warning(args.store):
                print("前回の構築が完了していません。今回の構築でリンクと系譜を再計算して修復します / the last build did "
                      "not finish: this build recomputes the links and the lineage and so repairs the store", file=sys.stderr)
            store = Store(args.store)
    except KeifuError as e:
        print(e.describe(), file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    links: list[str] = []
    timings: dict[str, float] = {"start-up": t0 - STARTED}
    set_read_limits(ReadLimits(args.max_pages, args.max_page_chars, args.max_chars, round(args.max_file_mb * 1024**2)))
    with Progress({"auto": None, "always": True, "never": False}[args.progress]) as bar:
        results = list(build(args.paths, store, validate=not args.no_validate, progress=bar.file, jobs=args.jobs,
                             on_links=lambda r: links.extend(r.lines()), timings=timings,
                             memory=args.max_memory * 1024**2, on_phase=bar.phase))
    elapsed = time.perf_counter() - t0
    if not results:
        print("入力ファイルがありません / no input files", file=sys.stderr)
        return 1
    print(_summary(results))
    for line in links:
        print(line)
    for r in results:
        if r.error:
            print(f"エラー / error: {r.error}", file=sys.stderr)
        shown = [v for v in r.results if v.severity == "Violation"] + [v for v in r.results if v.severity != "Violation"]
        for v in shown[: args.max_results]:
            print(f"  {v.describe()}")
        if len(shown) > args.max_results:
            print(f"  … 他 {len(shown) - args.max_results} 件 / {len(shown) - args.max_results} more")
    ok = sum(1 for r in results if not r.error)
    quads = len(store)
    if remote is not None:
        try:
            pushed = push_changes(store, remote, before)
        except KeifuError as e:
            print(e.describe(), file=sys.stderr)
            return 2
        print(f"{len(pushed)} グラフを送信 / graphs sent to {args.endpoint}")
        remote.close()
    elif quads > MEMORY_MAX_QUADS and sum(r.triples for r in results) * COMPACT_SHARE >= quads:
        # compacting pays where the server reads from disk, after a build that wrote a good share of the store;
        # after one file rebuilt in a large store, it would rewrite everything for little (5 s at 2.4 M quads)
        t = time.perf_counter()
        store.optimize()
        timings["optimize"] = time.perf_counter() - t
    store.close()
    print(f"{ok}/{len(results)} ファイルを格納 / files stored; {quads} トリプル / quads in {args.endpoint or args.store}; "
          f"{elapsed:.2f} s")
    if args.timings:
        timings["total"] = time.perf_counter() - STARTED
        print("所要時間 / timings: " + ", ".join(f"{k} {v:.3f} s" for k, v in timings.items()), file=sys.stderr)
    return 0 if ok == len(results) else 1


def _format_for(path: Path) -> ox.RdfFormat:
    ext = path.suffix.lstrip(".").lower()
    fmt = ox.RdfFormat.from_extension(ext) if ext else None
    if fmt is None:
        raise KeifuError(f"unknown export format .{ext} (use .nq .trig .ttl .nt .jsonld .rdf)",
                         f"未知の出力形式 .{ext} です（.nq .trig .ttl .nt .jsonld .rdf を指定）", path)
    return fmt


def cmd_export(args: argparse.Namespace) -> int:
    if getattr(args, "table", None):  # keifu export --table indicators -o FILE.csv (issue 4)
        from .table_export import export_table_command
        return export_table_command(args)
    try:
        out = Path(args.output)
        fmt = _format_for(out)
        with Store.for_reading(args.store) as store:
            store.dump(out, fmt)
    except KeifuError as e:
        print(e.describe(), file=sys.stderr)
        return 2
    print(f"{out} に書き出しました / written ({out.stat().st_size} bytes)")
    return 0


def _term(t: object) -> str:
    if t is None:
        return ""
    return getattr(t, "value", str(t))


def _params(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ParamError(f"--param takes name=value, not {pair!r}", f"--param は 名前=値 の形で指定します（{pair!r}）")
        out[name.strip()] = value
    return out


_POSITION = re.compile(r"(?:at |line )(\d+):(\d+)")


def user_position(message: str, added: int, text: str) -> str:
    """A SPARQL error message with its line:column counted in the user's own text (keifu prepends ``added``
    lines of prefixes), followed by that line of the user's text and a caret under the column."""
    m = _POSITION.search(message)
    if not m:
        return message
    line, col = int(m.group(1)) - added, int(m.group(2))
    if line < 1:  # inside the prefixes keifu added: say so rather than point at a line the user never wrote
        return message[:m.start(1)] + f"(keifu の PREFIX 宣言 / keifu's PREFIX lines) {m.group(1)}:{m.group(2)}" + message[m.end():]
    out = message[:m.start(1)] + f"{line}:{col}" + message[m.end():]
    lines = text.splitlines()
    if line <= len(lines):
        src = lines[line - 1]
        out += f"\n  {line:>4} | {src}\n       | {' ' * max(col - 1, 0)}^"
    else:
        out += " (クエリの末尾 / at the end of the query)"
    return out


def cmd_query(args: argparse.Namespace) -> int:
    text = args.query
    try:
        if text.startswith("@"):
            path = Path(text[1:])
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as e:
                print(f"クエリファイルを読めません / cannot read the query file {path}: {e.strerror}", file=sys.stderr)
                return 2
            nq = parse_query_text(text, path.stem, str(path))
        else:
            nq = parse_query_text(text)
        given = _params(args.param or [])
        prefixes = "" if "PREFIX kf:" in text else sparql_prefixes().rstrip("\n") + "\n"
        added = prefixes.count("\n")  # lines keifu puts before the user's text: error positions subtract them
        nq.text = prefixes + text
        # declared parameters are bound as RDF terms (VALUES); a missing required one is an error
        full = bound_query(nq, given) if nq.params or given else nq.text
    except ParamError as e:
        print(f"パラメーターの誤り: {e.ja} / bad parameter: {e}", file=sys.stderr)
        if nq.params:
            print("宣言されたパラメーター / declared parameters: " + ", ".join(
                f"{p.name} ({p.type}, {'必須 required' if p.required else '任意 optional'})" for p in nq.params),
                file=sys.stderr)
        return 2
    except ValueError as e:  # a bad # param: header line
        print(f"クエリの見出しの誤り / bad query header: {e}", file=sys.stderr)
        return 2
    try:
        store = Store.for_reading(args.store)
        res = store.query(full)
    except KeifuError as e:
        print(e.describe(), file=sys.stderr)
        return 2
    except SyntaxError as e:
        print(f"SPARQL の構文エラー / SPARQL syntax error: {user_position(str(e), added, text)}", file=sys.stderr)
        return 2
    if isinstance(res, bool | ox.QueryBoolean):
        print(json.dumps({"boolean": bool(res)}) if args.format == "json" else str(bool(res)).lower())
        return 0
    if isinstance(res, ox.QueryTriples):
        buf = io.BytesIO()
        ox.serialize(list(res), buf, format=ox.RdfFormat.TURTLE)
        sys.stdout.write(buf.getvalue().decode("utf-8"))
        return 0
    variables = [v.value for v in res.variables]
    rows = [[_term(sol[v]) for v in variables] for sol in res]
    if args.format == "json":
        print(json.dumps([dict(zip(variables, r, strict=True)) for r in rows], ensure_ascii=False, indent=1))
    elif args.format in ("csv", "tsv"):
        w = csv.writer(sys.stdout, delimiter="," if args.format == "csv" else "\t", lineterminator="\n")
        w.writerow(variables)
        w.writerows(rows)
    else:
        print(render(variables, rows, max_width=60))
        print(f"({len(rows)} 行 / rows)")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register build, export and query on the top-level ``keifu`` parser (see keifu.cli)."""
    b = sub.add_parser("build", help="build files or folders into the store / ファイルをストアに構築")
    b.add_argument("paths", nargs="+", help="text or PDF files, or folders of them / 入力ファイルまたはフォルダ")
    b.add_argument("--store", default=str(DEFAULT_STORE), help="folder of the embedded store / ストアのフォルダ")
    b.add_argument("--no-validate", action="store_true", help="skip SHACL validation / 検証を省略")
    b.add_argument("--max-results", type=int, default=20, help="validation results shown per file / 1ファイルに表示する検証結果の数")
    b.add_argument("--jobs", type=int, default=None, help="worker processes (None: the CPUs available) / 並列数")
    b.add_argument("--timings", action="store_true",
                   help="print the seconds of each phase to stderr (start-up, files, links, lineage, flush) / 工程別の所要時間")
    caps = read_limits()
    b.add_argument("--max-pages", type=int, default=caps.max_pages,
                   help="refuse a PDF with more pages (0: no cap) / これを超えるページ数の PDF は読まない")
    b.add_argument("--max-page-chars", type=int, default=caps.max_page_chars,
                   help="refuse a PDF page with more characters / 1ページの文字数の上限")
    b.add_argument("--max-chars", type=int, default=caps.max_chars, help="characters per file / 1ファイルの文字数の上限")
    # a float, so that KEIFU_MAX_FILE_BYTES below 1 MiB (or not a whole MiB) is kept, not rounded down to 0 = no cap
    b.add_argument("--max-file-mb", type=float, default=caps.max_file_bytes / 1024**2,
                   help="size of one input file in MiB / 1ファイルの大きさの上限（MiB）")
    b.add_argument("--max-memory", type=int, default=4096,
                   help="memory each worker process may add, in MiB (0: no cap) / 作業プロセス1つのメモリ上限（MiB）")
    b.add_argument("--endpoint", help="build into a SPARQL 1.1 server (query URL) instead / 外部 SPARQL サーバーに構築")
    b.add_argument("--update-endpoint", help="its SPARQL Update URL (None: --endpoint) / 更新用 URL")
    b.add_argument("--graph-store-endpoint", help="its Graph Store Protocol URL (PUT per graph; optional)")
    b.add_argument("--user", help="user name for the remote server / 外部サーバーのユーザー名")
    b.add_argument("--auth-scheme", choices=["basic", "digest"], default="basic", help="HTTP authentication / 認証方式")
    b.add_argument("--progress", choices=["auto", "always", "never"], default="auto",
                   help="progress bar on stderr (auto: only on a terminal) / 進捗表示")
    b.set_defaults(func=cmd_build)
    e = sub.add_parser("export", help="export the store (.nq .trig .ttl .jsonld …) / ストアを書き出す")
    e.add_argument("--store", default=str(DEFAULT_STORE), help="folder of the embedded store / ストアのフォルダ")
    e.add_argument("-o", "--output", required=True,
                   help="output file; its extension picks the format / 出力ファイル（拡張子で形式を選ぶ）")
    e.add_argument("--table", choices=["indicators"],
                   help="a table for spreadsheets: -o FILE.csv (UTF-8 with BOM) or FILE.xlsx / 表形式で書き出す")
    e.set_defaults(func=cmd_export)
    q = sub.add_parser("query", help="run a SPARQL query (text or @file.rq) / SPARQL を実行")
    q.add_argument("query", help="SPARQL text, or @FILE.rq (kf: rdfs: … prefixes added when absent) / SPARQL 文または @ファイル")
    q.add_argument("--store", default=str(DEFAULT_STORE), help="folder of the embedded store / ストアのフォルダ")
    q.add_argument("--format", choices=["table", "json", "csv", "tsv"], default="table", help="output format / 出力形式")
    q.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="a parameter declared in the query's '# param:' header, bound as an RDF term; repeatable "
                        "/ クエリ見出しで宣言されたパラメーター（繰り返し可）")
    q.set_defaults(func=cmd_query)
