"""Every setting of keifu in one table: name, environment variable, default, and what it is for.

The command line's defaults, the service's limits and the library's constants all read their values here,
so a default is written once and each environment variable is documented in one place (``keifu settings``
lists them with the values in force). Values come from the environment when the setting is first read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    env: str
    default: object
    help_en: str
    help_ja: str

    def value(self) -> object:
        raw = os.environ.get(self.env)
        if raw is None or raw.strip() == "":
            return self.default
        kind = type(self.default)
        try:
            return kind(raw.strip()) if kind is not str else raw
        except ValueError as e:
            from keifu.extract.errors import KeifuError

            raise KeifuError(f"environment variable {self.env}={raw!r} is not a {_KINDS[kind][0]}",
                             f"環境変数 {self.env}={raw!r} が{_KINDS[kind][1]}ではありません") from e


_KINDS = {int: ("whole number", "整数"), float: ("number", "数値"), str: ("text", "文字列")}


MiB = 1024 * 1024

SETTINGS: dict[str, Setting] = {s.name: s for s in [
    Setting("id_base", "KEIFU_ID_BASE", "https://w3id.org/keifu/id/", "base of instance IRIs", "インスタンス IRI の基底"),
    Setting("store", "KEIFU_STORE", "store", "store folder read by the lineage API when the app has none",
            "アプリにストアがないとき系譜 API が読むストアのフォルダー"),
    Setting("query_timeout", "KEIFU_QUERY_TIMEOUT", 30.0, "time limit of one SPARQL query (s)", "SPARQL クエリ1件の時間制限（秒）"),
    Setting("slow_query_after", "KEIFU_SLOW_QUERY_AFTER", 0.25,
            "a query running this long (s) yields the CPU to short queries until it answers",
            "この秒数を超えて実行中のクエリは、答えるまで短いクエリに CPU を譲る"),
    Setting("slow_query_policy", "KEIFU_SLOW_QUERY_POLICY", "idle",
            "how a long query yields: idle (Linux SCHED_IDLE: runs only on CPU time nothing else wants) or nice "
            "(nice 10)", "長いクエリの譲り方: idle（SCHED_IDLE: 空いた CPU 時間だけで実行）または nice（nice 10）"),
    Setting("reserve_workers", "KEIFU_RESERVE_WORKERS", 1,
            "query workers beyond --workers kept for short queries while every other worker runs a long one",
            "--workers のほかに、全プロセスが長いクエリを実行中のとき短いクエリに使うクエリ実行プロセス数"),
    Setting("max_rows", "KEIFU_MAX_ROWS", 100_000, "result rows before truncation", "結果の最大行数"),
    Setting("max_body", "KEIFU_MAX_BODY", 10 * MiB, "request body limit (bytes)", "要求本文の上限（バイト）"),
    Setting("write_token", "KEIFU_WRITE_TOKEN", "", "bearer token enabling SPARQL Update and Graph Store writes",
            "更新と Graph Store の書き込みを許すトークン"),
    Setting("memory_max_quads", "KEIFU_MEMORY_MAX_QUADS", 1_000_000,
            "stores up to this many quads are copied into each query worker's memory",
            "この四つ組数までのストアはクエリ実行プロセスのメモリに複製する"),
    Setting("validate_max_bytes", "KEIFU_VALIDATE_MAX_BYTES", 32 * MiB, "largest draft accepted (bytes)", "受け付ける案の最大バイト数"),
    Setting("validate_max_text_bytes", "KEIFU_VALIDATE_MAX_TEXT_BYTES", 4 * MiB, "largest text or RDF draft (bytes)",
            "テキストまたは RDF の案の最大バイト数"),
    Setting("validate_memory_mib", "KEIFU_VALIDATE_MEMORY", 1024,
            "memory one draft-validation worker may add (MiB): a 150-page PDF or a five-agency compendium needs far "
            "less; three hostile PDFs at once stay within about 1 GB above idle",
            "目標案の検査プロセス1つが増やせるメモリ（MiB）"),
    Setting("max_pages", "KEIFU_MAX_PAGES", 2000, "pages of one PDF", "PDF 1件のページ数の上限"),
    Setting("max_page_chars", "KEIFU_MAX_PAGE_CHARS", 60_000, "characters on one PDF page", "PDF 1ページの文字数の上限"),
    Setting("max_chars", "KEIFU_MAX_CHARS", 20_000_000, "characters of one input file", "入力1件の文字数の上限"),
    Setting("max_file_bytes", "KEIFU_MAX_FILE_BYTES", 256 * MiB, "bytes of one input file", "入力1件のバイト数の上限"),
    Setting("endpoint_password", "KEIFU_ENDPOINT_PASSWORD", "", "password of a remote SPARQL server (never an option)",
            "外部 SPARQL サーバーのパスワード（コマンド行では渡さない）"),
]}


@cache
def setting(name: str) -> object:
    """The value in force of setting ``name`` (read once per process)."""
    return SETTINGS[name].value()


def describe() -> str:
    """The settings as a table: name, environment variable, value in force, default, what it is for."""
    rows = []
    for s in SETTINGS.values():
        secret = "password" in s.name or "token" in s.name
        try:
            shown = ("(set)" if setting(s.name) else "(unset)") if secret else setting(s.name)
        except Exception:  # noqa: BLE001 - a malformed value is shown as such, not raised
            shown = f"invalid 不正: {os.environ.get(s.env)!r}"
        rows.append(f"{s.env:<32} {str(shown):<28} default {s.default!s:<28} {s.help_ja} / {s.help_en}")
    return "\n".join(rows)


def add_commands(sub: object) -> None:
    """``keifu settings``: every setting, its environment variable, the value in force and the default."""
    p = sub.add_parser("settings", help="list keifu's settings and their environment variables / 設定の一覧",  # type: ignore[attr-defined]
                       description="keifu の設定と環境変数、現在の値と既定値の一覧 / keifu's settings, their "
                                   "environment variables, the values in force and the defaults")
    p.set_defaults(func=lambda _args: print(describe()) or 0)
