"""A pdfium text page's characters as the PDF reader's glyph tuples, with the fewest and cheapest ctypes calls.

pdfium has no bulk call for character boxes, so a page costs one call per character for its loose box and one
for its text object (the object gives the font size). Everything else is asked once a page (the text) or once a
text object (size and matrix). The per-character calls are made by ``map`` over functions declared without
argument types, writing each box into its own slot of one buffer: no Python bytecode runs per character, ctypes
converts no argument, and the boxes are read back as one float array. A page whose text holds anything unusual
(control characters, surrogates, non-characters, characters without a text object) is read one character at a
time instead, as before, so both ways give the same glyphs.
"""

from __future__ import annotations

import ctypes
import math
import re
import struct
import threading
from collections.abc import Callable
from functools import lru_cache
from itertools import compress, repeat
from operator import sub
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keifu.extract.readers.pdf import Glyph


class _Text:
    """pdfium's per-character text functions re-declared with plain pointer arguments.

    pypdfium2 declares them with typed pointers, which ctypes converts and checks on every call. The ``*_bare``
    ones declare no argument types at all: called with ready-made ``c_void_p`` objects and ints, ctypes passes
    them as they are (about a third cheaper than the typed call again)."""

    def __init__(self, raw: object) -> None:
        def address(name: str) -> int:
            return ctypes.cast(getattr(raw, name), ctypes.c_void_p).value  # type: ignore[return-value]

        def fn(name: str, res: object, *args: object) -> Callable[..., object]:
            return ctypes.CFUNCTYPE(res, *args)(address(name))  # type: ignore[arg-type]

        vp, i = ctypes.c_void_p, ctypes.c_int
        self.unicode = fn("FPDFText_GetUnicode", ctypes.c_uint, vp, i)
        self.text = fn("FPDFText_GetText", i, vp, i, i, vp)
        self.generated = fn("FPDFText_IsGenerated", i, vp, i)
        self.box = fn("FPDFText_GetLooseCharBox", i, vp, i, vp)
        self.matrix = fn("FPDFText_GetMatrix", i, vp, i, vp)
        self.size = fn("FPDFText_GetFontSize", ctypes.c_double, vp, i)
        # pdfium ≥ 2023: the text object a character belongs to (its size and matrix are the object's)
        has_object = hasattr(raw, "FPDFText_GetTextObject")
        self.object = fn("FPDFText_GetTextObject", vp, vp, i) if has_object else None
        # cdecl functions without argument types: (c_void_p, int[, c_void_p]) are passed unconverted
        self.box_bare = ctypes.CFUNCTYPE(i)(address("FPDFText_GetLooseCharBox"))
        self.object_bare = ctypes.CFUNCTYPE(vp)(address("FPDFText_GetTextObject")) if has_object else None
        self.matrix_bare = ctypes.CFUNCTYPE(i)(address("FPDFText_GetMatrix"))
        self.size_bare = ctypes.CFUNCTYPE(ctypes.c_double)(address("FPDFText_GetFontSize"))


@lru_cache(maxsize=1)
def text_functions(raw: object) -> _Text:
    return _Text(raw)


_RECTF = struct.Struct("=4f")
#: characters of a page's bulk text compared with pdfium's per-character answer before the bulk text is used
SPOT_CHECKS = 16


def _page_text(f: _Text, h: int | None, count: int) -> str | None:
    """The page's characters in one call, when they are exactly the per-character ones (index for index).

    pdfium's page text leaves out control characters (then its length differs and None is returned: each
    character is asked instead); a sample is checked against the per-character answer all the same."""
    if count <= 0:
        return None
    buf = ctypes.create_string_buffer(2 * (count + 1))
    got = f.text(h, 0, count, ctypes.addressof(buf))
    text = buf.raw[: 2 * max(0, got - 1)].decode("utf-16-le", "surrogatepass")
    if len(text) != count:
        return None
    step = max(1, count // SPOT_CHECKS)
    if any(ord(text[i]) != f.unicode(h, i) for i in (*range(0, count, step), count - 1)):
        return None
    return text


#: characters the one-call path leaves to the character-by-character one (surrogate halves, non-characters)
_UNUSUAL = re.compile("[\ud800-\udfff\ufffe\uffff]")
#: right-to-left characters (Hebrew, Arabic, … and the RTL marks): pdfium reorders their lines, so a text object's
#: characters need not follow each other and every character is asked for its object
_RTL = re.compile("[\u0590-\u08ff\u200f\u202b\u202e\u2067\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff]")
#: line breaks (never glyphs) and spaces (glyphs unless pdfium generated them)
_BREAKS = re.compile("[\r\n ]")


class _Slots(threading.local):
    """One box buffer and its slot pointers per thread, grown as pages need, reused across pages."""

    def __init__(self) -> None:
        self.buf = (ctypes.c_float * 0)()
        self.ptrs: list[ctypes.c_void_p] = []

    def get(self, n: int) -> tuple[ctypes.Array[ctypes.c_float], list[ctypes.c_void_p]]:
        if n > len(self.ptrs):
            cap = max(n, 2 * len(self.ptrs), 4096)
            self.buf = (ctypes.c_float * (4 * cap))()
            base = ctypes.addressof(self.buf)
            self.ptrs = [ctypes.c_void_p(a) for a in range(base, base + 16 * cap, 16)]
        return self.buf, self.ptrs


_slots = _Slots()


def _object_size(f: _Text, h: int | None, i: int, pmat: int, mat: object) -> float:
    """pdfium's font size excludes the text matrix (``1 Tf`` + a scaled matrix is common): apply its scale."""
    f.matrix(h, i, pmat)
    return f.size(h, i) * math.sqrt(abs(mat.a * mat.d - mat.b * mat.c))  # type: ignore[attr-defined]


_Run = list  # [text object, first character, last character] (inclusive)


def _object_runs(obj: Callable[..., object], hv: ctypes.c_void_p, s: int, e: int, os: object, oe: object,
                 out: list[_Run]) -> None:
    """Split characters s..e (no dropped character between them) into runs of one text object, by bisection.

    pdfium appends a text object's characters one after the other (only right-to-left lines are reordered), so
    when the first and the last character share an object, every character between does too: a line drawn as
    one object costs two calls instead of one a character. ``os``/``oe`` are the objects of s and e."""
    while True:
        if os == oe:
            if out and out[-1][2] == s:  # s was the previous half's last character: same object, same run
                out[-1][2] = e
            else:
                out.append([os, s, e])
            return
        if e - s == 1:
            _object_runs(obj, hv, s, s, os, os, out)
            s, os = e, oe
            continue
        mid = (s + e) // 2
        om = obj(hv, mid)
        _object_runs(obj, hv, s, mid, os, om, out)
        s, os = mid, om


def pdfium_glyphs(raw: object, textpage: object, height: float) -> list[Glyph]:
    """Every real (not generated) character with its loose box, in top-down coordinates.

    A character's font size and matrix belong to its text object, so they are asked once per object, not
    per character; pdfium generates only spaces and line breaks, so only a space is asked whether it is."""
    f = text_functions(raw)
    h = ctypes.cast(textpage, ctypes.c_void_p).value
    count = raw.FPDFText_CountChars(textpage)  # type: ignore[attr-defined]
    if count <= 0:
        return []
    text = _page_text(f, h, count)
    obj = f.object_bare
    if text is None or obj is None or _UNUSUAL.search(text) or _RTL.search(text):
        return _glyphs_one_by_one(raw, f, h, count, text, height)
    drops = [i for i in (m.start() for m in _BREAKS.finditer(text)) if text[i] != " " or f.generated(h, i) == 1]
    hv = ctypes.c_void_p(h)
    # characters between two dropped ones (a line, mostly): their first and last characters' objects
    starts = [s for s in (0, *(d + 1 for d in drops)) if s < count]
    ends = [d - 1 for d in (*drops, count) if d > 0]
    segments = [(s, e) for s, e in zip(starts, ends, strict=False) if s <= e]  # noqa: B905 (lengths may differ)
    firsts = list(map(obj, repeat(hv), (s for s, _ in segments)))
    lasts = list(map(obj, repeat(hv), (e for _, e in segments)))
    runs: list[_Run] = []
    for (s, e), os, oe in zip(segments, firsts, lasts, strict=True):
        if os == oe:  # the usual case: a line drawn as one object
            runs.append([os, s, e])
        else:
            _object_runs(obj, hv, s, e, os, oe, runs)
    if not runs:
        return []
    mat = (ctypes.c_float * 6)()
    pmat = ctypes.c_void_p(ctypes.addressof(mat))
    size_of: dict[object, float] = {}
    sizes: list[float] = []
    pos = 0
    for o, s, e in runs:
        if o is None:  # a character without a text object is sized on its own
            return _glyphs_one_by_one(raw, f, h, count, text, height)
        size = size_of.get(o)
        if size is None:  # asked at the object's first character, as one by one
            f.matrix_bare(hv, s, pmat)
            a, b, c, d = mat[0], mat[1], mat[2], mat[3]
            size = size_of[o] = f.size_bare(hv, s) * math.sqrt(abs(a * d - b * c))
        if s > pos:
            sizes.extend(repeat(0.0, s - pos))  # dropped characters, filtered out below
        sizes.extend(repeat(size, e + 1 - s))
        pos = e + 1
    sizes.extend(repeat(0.0, count - pos))
    buf, ptrs = _slots.get(count)
    list(map(f.box_bare, repeat(hv, count), range(count), ptrs))
    corners = memoryview(buf).cast("B")[: 16 * count].cast("f").tolist()  # FS_RECTF: left, top, right, bottom
    tops = map(sub, repeat(height), corners[1::4])
    bottoms = map(sub, repeat(height), corners[3::4])
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")  # a glyph without a Unicode mapping
    glyphs = zip(text, corners[0::4], corners[2::4], tops, bottoms, sizes, strict=True)
    if not drops:
        return list(glyphs)
    keep = bytearray(b"\x01") * count
    for d in drops:
        keep[d] = 0
    return list(compress(glyphs, keep))


def _glyphs_one_by_one(raw: object, f: _Text, h: int | None, count: int, text: str | None, height: float) -> list[Glyph]:
    """The same glyphs, each character asked on its own: for pages the one-call path does not cover."""
    rect = raw.FS_RECTF()  # type: ignore[attr-defined]
    mat = raw.FS_MATRIX()  # type: ignore[attr-defined]
    prect, pmat = ctypes.addressof(rect), ctypes.addressof(mat)
    corners = _RECTF.unpack_from  # FS_RECTF: left, top, right, bottom (float32); one call reads all four
    rect_bytes = (ctypes.c_char * ctypes.sizeof(rect)).from_address(prect)
    unicode, generated, box, obj_of = f.unicode, f.generated, f.box, f.object
    sizes: dict[int | None, float] = {}
    out: list[Glyph] = []
    append = out.append
    high = 0
    for i in range(count):
        code = ord(text[i]) if text is not None else unicode(h, i)
        if code == 32 or code == 10 or code == 13:
            if code != 32 or generated(h, i) == 1:
                continue
        elif 0xD800 <= code < 0xE000:
            if code < 0xDC00:
                high = code
                continue
            if high:
                code, high = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00), 0
        elif code == 0xFFFE or code == 0xFFFF:
            continue
        elif code == 0:
            code = 0xFFFD  # glyph without a Unicode mapping
        box(h, i, prect)
        key = obj_of(h, i) if obj_of is not None else None
        size = sizes.get(key) if key is not None else None
        if size is None:
            size = _object_size(f, h, i, pmat, mat)
            if key is not None:
                sizes[key] = size
        left, top, right, bottom = corners(rect_bytes)
        append((chr(code), left, right, height - top, height - bottom, size))
    return out
