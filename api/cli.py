"""``keifu serve``: the SPARQL service over the embedded store or a remote SPARQL 1.1 server."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from keifu import cpus
from keifu.graph.remote import RemoteConfig, endpoint_password
from keifu.graph.store import MEMORY_MAX_QUADS, Store, incomplete_warning
from keifu.settings import setting

DEFAULT_STORE = Path("store")


def build_app(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The app for parsed ``serve`` arguments (kept apart from uvicorn so tests can call it)."""
    from .app import DEFAULT_QUERIES, create_app
    from .backend import LocalBackend, RemoteBackend
    from .security import Limits

    token = args.write_token or setting("write_token") or None
    limits = Limits(timeout=args.timeout, max_rows=args.max_rows, max_body=args.max_body, write_token=token,
                    cors_origins=tuple(o for o in (args.cors or "").split(",") if o), allow_service=args.allow_service,
                    validate_workers=args.validate_workers, validate_timeout=args.validate_timeout,
                    validate_memory=args.validate_memory * 1024**2)
    if args.endpoint:
        cfg = RemoteConfig(args.endpoint, args.update_endpoint, args.graph_store_endpoint, args.user,
                           endpoint_password(args.user), args.auth_scheme,
                           timeout=args.timeout)
        backend = RemoteBackend(cfg, timeout=args.timeout)
    else:
        backend = LocalBackend(args.store, workers=args.workers, timeout=args.timeout,
                               memory=_use_memory(args.memory, Path(args.store)), network=args.allow_service)
    queries = Path(args.queries) if args.queries else DEFAULT_QUERIES
    return create_app(backend, limits, queries)


def default_workers() -> int:
    """One query worker per CPU and one more: the server process only relays, so while one worker's answer
    travels back another can already run (on 2 CPUs, 3 workers served 4–6 % more point queries than 2)."""
    return max(2, cpus() + 1)


def _use_memory(choice: str, store: Path) -> bool:
    """Point lookups are ~3x faster from memory; large stores stay on disk."""
    if choice != "auto":
        return choice == "on"
    if not store.is_dir():
        return False  # LocalBackend reports the missing store
    st = Store(store, read_only=True)
    try:
        return len(st.ox) <= MEMORY_MAX_QUADS
    finally:
        st.close()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    try:
        app = build_app(args)
    except FileNotFoundError as e:
        print(f"ストアがありません（先に keifu build を実行） / {e}", file=sys.stderr)
        return 2
    where = args.endpoint or args.store
    if not args.endpoint and (warning := incomplete_warning(args.store)):
        print(warning, file=sys.stderr)
    print(f"keifu serve: http://{args.host}:{args.port}/ ({where}); "
          f"{'書き込み可 / writable' if app.state.service.limits.write_token else '読み取り専用 / read-only'}",
          file=sys.stderr)
    # uvicorn picks httptools and uvloop when installed (uvicorn[standard]): several times less CPU per request
    # than h11 and asyncio's loop. One process: the queries run in the worker pool's processes anyway.
    from .header_guard import guarded_protocol

    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                access_log=args.log_level in ("debug", "trace", "info"), http=guarded_protocol(args.header_timeout))
    return 0


def add_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--store", default=str(DEFAULT_STORE), help="embedded store directory / ストアのディレクトリ")
    s.add_argument("--endpoint", help="use a remote SPARQL 1.1 query URL instead / 外部 SPARQL サーバーの URL")
    s.add_argument("--update-endpoint", help="its SPARQL Update URL (default: --endpoint)")
    s.add_argument("--graph-store-endpoint", help="its Graph Store Protocol URL (optional)")
    s.add_argument("--user", help="user for the remote server")
    s.add_argument("--auth-scheme", choices=["basic", "digest"], default="basic",
                   help="HTTP auth for the remote server (Virtuoso's /sparql-auth: digest)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--timeout", type=float, default=setting("query_timeout"), help="query time limit in seconds / 時間制限（秒）")
    s.add_argument("--workers", type=int, default=default_workers(),
                   help="query worker processes (default: CPUs + 1), and one more kept for short queries while all "
                   "of these run long ones / クエリ実行プロセス数（既定: CPU 数 + 1）。ほかに短いクエリ用に1つ")
    s.add_argument("--memory", choices=["auto", "on", "off"], default="auto",
                   help="each query worker copies the store into memory: lookups ~3x faster, for the graph's size "
                   "in RAM per worker (with its default graph, the merge of all graphs, up to twice that) and a copy (~1.5 s per 100k quads) whenever a worker starts, i.e. after a "
                   "write or a stopped query; auto: up to KEIFU_MEMORY_MAX_QUADS (1,000,000) quads / "
                   "各クエリ実行プロセスがストアをメモリに複製（検索が約3倍速い）。auto は100万クアッドまで")
    s.add_argument("--header-timeout", type=float, default=10.0,
                   help="close a connection whose request headers are not complete this many seconds after it opened "
                   "or after its last answer / リクエストヘッダーがこの秒数内に揃わない接続を閉じる")
    s.add_argument("--max-rows", type=int, default=setting("max_rows"), help="result rows before truncation / 最大行数")
    s.add_argument("--max-body", type=int, default=setting("max_body"), help="request body limit in bytes")
    s.add_argument("--write-token", help="enable update and Graph Store writes with this bearer token "
                   "(or KEIFU_WRITE_TOKEN) / 書き込みを有効にするトークン")
    s.add_argument("--cors", help="comma-separated allowed origins (off by default) / CORS を許すオリジン")
    s.add_argument("--allow-service", action="store_true", help="allow federated SERVICE queries and LOAD (query workers then keep network access)")
    s.add_argument("--validate-workers", type=int, default=max(1, cpus() // 2),
                   help="draft validation worker processes / 目標案の検査プロセス数")
    s.add_argument("--validate-timeout", type=float, default=60.0,
                   help="time limit of one draft validation in seconds / 検査1件の時間制限（秒）")
    s.add_argument("--validate-memory", type=int, default=setting("validate_memory_mib"),
                   help="memory one validation worker may use, in MiB / 検査プロセス1つのメモリ上限（MiB）")
    s.add_argument("--queries", help="folder of named queries (*.rq) / 保存クエリのフォルダ")
    s.add_argument("--log-level", default="warning")


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    s = sub.add_parser("serve", help="SPARQL endpoint and query page / SPARQL エンドポイントとクエリ画面")
    add_arguments(s)
    s.set_defaults(func=cmd_serve)
