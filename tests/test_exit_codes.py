"""Exit codes of every bad-input case, for ``keifu validate`` and ``keifu build`` (issue 16).

validate: 2 when the input cannot be validated (with the reason on stderr, no traceback), 1 violations,
0 conforms. build: 1 when a file failed, the file named on stderr with the reason, the other file of the batch
stored; 0 when every file was stored. A build stores any text it can read as a document (a text that is no
policy document becomes a ``GovernmentDocument``, and build does not read RDF), so "unknown kind" and
malformed Turtle or JSON-LD are refused by validate and stored by build.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO
from pdfgen import make_corrupt_pdf, make_encrypted_pdf

GOOD = REPO / "tests" / "fixtures" / "draft_rd_good.txt"
BAD = REPO / "tests" / "fixtures" / "draft_rd_bad.txt"


def keifu(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "keifu.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def _write(name: str, data: bytes | str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        p = d / name
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return p
    return make


def _fifo(d: Path) -> Path:
    os.mkfifo(d / "pipe.txt")
    return d / "pipe.txt"


def _folder(d: Path) -> Path:
    (d / "folder").mkdir()
    return d / "folder"


#: case → (make the input in a folder, validate's exit code and words on stderr, build's exit code and words)
CASES: dict[str, tuple[Callable[[Path], Path], int, tuple[str, ...], int, tuple[str, ...]]] = {
    "folder": (_folder, 2, ("not a regular file but a folder", "フォルダー"), 1, ("no input files",)),
    "fifo": (_fifo, 2, ("a pipe (FIFO)", "パイプ"), 1, ("pipe.txt", "a pipe (FIFO)", "パイプ")),
    "device": (lambda _d: Path("/dev/zero"), 2, ("a device", "デバイス"), 1, ("/dev/zero", "a device", "デバイス")),
    "empty": (_write("empty.txt", b""), 2, ("empty", "空"), 1, ("empty.txt", "empty", "空のファイル")),
    "corrupt PDF": (lambda d: make_corrupt_pdf(d / "broken.pdf"), 2, ("corrupt", "壊れ"),
                    1, ("broken.pdf", "corrupt", "壊れ")),
    "encrypted PDF": (lambda d: make_encrypted_pdf(d / "locked.pdf", [["鍵のかかった文書です。"]]), 2,
                      ("encrypted", "暗号化"), 1, ("locked.pdf", "encrypted", "暗号化")),
    "unknown kind": (_write("memo.txt", "買い物の覚え書き\n牛乳と卵\n"), 2, ("not a policy document", "政策文書"), 0, ()),
    "malformed Turtle": (_write("broken.ttl", "@prefix ex: <http://example.org/> .\nex:a ex:b\n"), 2,
                         ("cannot parse the draft as turtle", "解析できません"), 0, ()),
    "malformed JSON-LD": (_write("broken.jsonld", '{"@context": {"@vocab": "http://example.org/"}, "a": [1,}'), 2,
                          ("not valid JSON", "JSON として不正"), 0, ()),
    # 5 MB of text: over validate's default cap on a text draft (4 MB) and over build's --max-file-mb 4
    "oversized": (_write("huge.txt", "本文の一文です。\n" * 200_000), 2, ("too large", "大きすぎます"),
                  1, ("huge.txt", "too many bytes", "バイト数")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_validate_exit_code(case: str, tmp_path: Path) -> None:
    make, code, words, _, _ = CASES[case]
    r = keifu("validate", make(tmp_path), timeout=60)
    assert r.returncode == code, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)


@pytest.mark.parametrize(("draft", "code", "verdict"), [(BAD, 1, "does not conform"), (GOOD, 0, "conforms")])
def test_validate_exit_code_of_a_readable_draft(draft: Path, code: int, verdict: str) -> None:
    r = keifu("validate", draft)
    assert r.returncode == code and f"/ {verdict}" in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize("case", list(CASES))
def test_build_exit_code(case: str, tmp_path: Path) -> None:
    """The bad input and a good draft in one batch: the bad one is named with its reason, the good one stored.
    A folder is what build reads files from: alone and empty, it is a build of nothing."""
    make, _, _, code, words = CASES[case]
    inputs = [make(tmp_path)] if case == "folder" else [make(tmp_path), GOOD]
    r = keifu("build", *inputs, "--store", tmp_path / "store", "--no-validate", "--max-file-mb", "4")
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)
    if case != "folder":
        stored = 2 if code == 0 else 1
        assert f"{stored}/2" in r.stdout and GOOD.name in r.stdout, r.stdout
