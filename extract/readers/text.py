"""Text reader: decode (UTF-8, UTF-16 with BOM, CP932, EUC-JP, ISO-2022-JP) and split into raw lines.

Lines are split on ``\\n`` only, blank lines counted, so ``Line.no`` matches the file's line numbers
that every citation uses; only ``\\r`` is stripped, because a trailing space ends a paragraph.
"""

from __future__ import annotations

from pathlib import Path

from keifu.extract.errors import ReadError
from keifu.extract.limits import check_chars
from keifu.extract.model import Line, SourceText
from keifu.extract.readers.pages import mark_page_starts

# Control bytes allowed in text: tab, LF, VT, FF, CR, ESC (ISO-2022-JP).
_TEXT_CONTROLS = frozenset(b"\t\n\x0b\x0c\r\x1b")
# Share of other control bytes above which a file is binary, not text.
BINARY_RATIO = 0.01
# Multi-byte Japanese encodings tried when UTF-8 fails; the most plausible decoding wins.
# euc_jis_2004 (JIS X 0213) covers Ⅰ, ① and other marks plain EUC-JP lacks.
LEGACY = ("cp932", "euc_jp", "euc_jis_2004")


def _plausibility(text: str) -> float:
    """Share of characters typical of Japanese documents (kana, kanji, ASCII, full-width forms).

    Wrong legacy decodings produce half-width katakana and rare symbols, which score low.
    """
    good = 0
    for ch in text:
        o = ord(ch)
        if (
            o < 0x80
            or 0x3000 <= o <= 0x30FF  # punctuation, hiragana, katakana
            or 0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
            or 0xFF01 <= o <= 0xFF5E  # full-width ASCII
            or 0x2460 <= o <= 0x24FF  # circled numbers
            or 0x2160 <= o <= 0x217F  # roman numerals
            or 0x25A0 <= o <= 0x25FF  # shapes: ○ ■ ◆
        ):
            good += 1
    return good / max(len(text), 1)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """Decode file bytes; return (text, encoding name) or raise a bilingual ReadError."""
    if not data.strip():
        raise ReadError("file is empty (or whitespace only)", "空のファイルです（または空白のみ）", path=path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as e:
            raise ReadError(f"invalid UTF-16 at byte {e.start}", f"UTF-16として不正なバイト（{e.start}バイト目）", path=path) from e
    nul = data.find(b"\x00")
    controls = sum(data.count(bytes([b])) for b in range(32) if b not in _TEXT_CONTROLS) + data.count(b"\x7f")
    if nul >= 0 or controls > BINARY_RATIO * len(data):
        at = f" (NUL at byte {nul}, line {_line_of(data, nul)})" if nul >= 0 else f" ({controls} control bytes)"
        at_ja = f"（{nul}バイト目・{_line_of(data, nul)}行目にNUL）" if nul >= 0 else f"（制御文字{controls}バイト）"
        raise ReadError(f"binary data, not text{at}", f"テキストではなくバイナリデータです{at_ja}", path=path)
    if data.startswith(b"\xef\xbb\xbf"):
        enc = "utf-8-sig"
    else:
        enc = "utf-8"
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as e:
        failures = [(e.start, enc)]
    else:
        if "\x1b$" in text or "\x1b(" in text:
            for name in ("iso2022_jp", "iso2022_jp_2004"):
                try:
                    return data.decode(name), name
                except UnicodeDecodeError:
                    pass
        return text, enc
    decoded: list[tuple[float, int, str, str]] = []
    for rank, name in enumerate(LEGACY):
        try:
            cand = data.decode(name)
        except UnicodeDecodeError as e:
            failures.append((e.start, name))
            continue
        decoded.append((_plausibility(cand), -rank, cand, name))
    if decoded:
        _, _, text, name = max(decoded)
        return text, name
    start, name = max(failures)  # the encoding that got furthest is the most likely one
    line = _line_of(data, start)
    raise ReadError(
        f"cannot decode as UTF-8, CP932 or EUC-JP (byte {start}, line {line}, is invalid {name})",
        f"UTF-8・CP932・EUC-JPのいずれでも読めません（{line}行目・{start}バイト目が{name}として不正）",
        path=path,
        line=line,
    )


def split_lines(text: str) -> list[Line]:
    """Split on ``\\n`` (or lone ``\\r`` for old Mac files), stripping only ``\\r``."""
    sep = "\n" if "\n" in text or "\r" not in text else "\r"
    raw = text.split(sep)
    return [Line(i, i + 1, s[:-1] if s.endswith("\r") else s) for i, s in enumerate(raw)]


def read_text(path: Path, data: bytes, sha256: str) -> SourceText:
    """Read a text file into raw lines, with page starts marked (see :mod:`.pages`)."""
    text, enc = decode(path, data)
    check_chars(len(text), path)
    if not text.strip():
        raise ReadError("file is empty (whitespace only)", "空のファイルです（空白のみ）", path=path)
    lines = mark_page_starts(split_lines(text))
    pages = max((ln.page for ln in lines if ln.page is not None), default=None)
    return SourceText(path=path, sha256=sha256, media="text", lines=lines, encoding=enc, pages=pages)
