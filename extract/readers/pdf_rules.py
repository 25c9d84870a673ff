"""A ruled page laid out by pdfminer for table finding alone: the rules and boxes, without the page's text.

pdfplumber finds ruled tables from the rules and boxes of pdfminer's layout; the cells' texts come from pdfium's
glyphs, so pdfminer never has to render a string. Most of a ruled page's pdfminer time was still spent
tokenizing its text, so before pdfminer reads a content stream, the text objects (``BT … ET``) that hold only
text and colour operators are cut out of it. They cannot add, move or remove a path: PDF allows no path
operator, ``cm``, ``q``/``Q``, XObject or inline image inside ``BT … ET``, and a block that holds any of them
(some producers do), or anything else not known to be harmless, is kept. The rules, and so the tables, are
the same; a stream that cannot be scanned with certainty (an inline image, an unterminated string) is left whole.
"""

from __future__ import annotations

import re
from functools import lru_cache

_D = rb"\s\[\]{}()<>/%"  # white space and delimiters: where a token ends
_OPS = rb"Tc|Tw|Tz|TL|Tf|Tr|Ts|Td|TD|Tm|T\*|Tj|TJ|'|\"|g|G|rg|RG|k|K|cs|CS|scn|SCN|sc|SC|true|false|null"
#: a text object holding only text and colour operators and their operands: numbers, names, arrays, literal
#: strings (escapes allowed, nested parentheses not) and hex strings; a comment or anything else ends the match.
#: Every token can be matched one way only (names, numbers and operators end at a delimiter) and the loop is
#: possessive, so a failed match never backtracks: linear time on any input.
_TEXT_OBJECT = re.compile(
    rb"(?<![^\s\[\]{}()<>])BT(?![^" + _D + rb"])"
    rb"(?:\s|[\[\]]|\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f\s]*>"
    rb"|(?:/[^" + _D + rb"]*|[+-]?(?:\d+(?:\.\d*)?|\.\d+)|" + _OPS + rb")(?![^" + _D + rb"]))*+"
    rb"(?<![^\s\[\]{}()<>])ET(?![^" + _D + rb"])",
    re.S,
)
_INLINE_IMAGE = re.compile(rb"(?<![^" + _D + rb"])BI(?![^" + _D + rb"])")


def strip_text(data: bytes) -> bytes | None:
    """The content stream without its text-only ``BT … ET`` blocks (see the module); None to keep it whole.

    What is cut is only ever a run of text and colour operators with their operands, wherever the match falls:
    no path, ``cm`` or ``q``/``Q`` is ever removed. A stream with an inline image (whose data may hold any
    byte) is left whole."""
    if b"BT" not in data or _INLINE_IMAGE.search(data):
        return None
    cut = _TEXT_OBJECT.sub(b" ", data)
    return cut if len(cut) != len(data) else None


@lru_cache(maxsize=1)
def _rules_only_classes() -> tuple[type, type]:
    """pdfplumber's layout device with string rendering left out, and an interpreter that strips text blocks."""
    from pdfminer.pdfinterp import PDFPageInterpreter
    from pdfminer.pdftypes import PDFStream, resolve1
    from pdfplumber.page import PDFPageAggregatorWithMarkedContent

    class RulesOnly(PDFPageAggregatorWithMarkedContent):
        def render_string(self, *_args: object, **_kwargs: object) -> None:
            return None

    def stripped(obj: object) -> object:
        try:
            stream = resolve1(obj)
            if not isinstance(stream, PDFStream) or stream.objid is None:
                return obj
            data = strip_text(stream.get_data())
        except Exception:  # noqa: BLE001 - pdfminer meets the same damage when it reads the stream itself
            return obj
        if data is None:
            return obj
        copy = PDFStream({}, data)
        copy.set_objid(stream.objid, stream.genno)  # the same id: pdfminer's loop detection is unchanged
        return copy

    class RulesInterpreter(PDFPageInterpreter):
        def execute(self, streams: object) -> None:  # pages and form XObjects alike
            super().execute([stripped(s) for s in streams])  # type: ignore[attr-defined]

    return RulesOnly, RulesInterpreter


def lay_out_rules_only(page: object) -> None:
    """Lay a pdfplumber page out without its text, for table finding alone.

    Ruled tables are found from the page's rules and boxes (pdfplumber's "lines" strategy); cell texts come
    from pdfium's glyphs. pdfminer's per-character text handling was most of a ruled page's time (about
    twice pdfium's whole page), so strings are not rendered, and text-only blocks are not even read: paths
    are laid out by the same pdfminer code, so the edges, and the tables, are the same. A pdfplumber
    without the cached layout attribute is left alone."""
    from pdfplumber.utils.exceptions import PdfminerException

    if not isinstance(getattr(type(page), "layout", None), property) or hasattr(page, "_layout"):
        return
    device_class, interpreter_class = _rules_only_classes()
    pdf = page.pdf  # type: ignore[attr-defined]
    device = device_class(pdf.rsrcmgr, pageno=page.page_number, laparams=pdf.laparams)  # type: ignore[attr-defined]
    try:
        interpreter_class(pdf.rsrcmgr, device).process_page(page.page_obj)  # type: ignore[attr-defined]
    except Exception as e:
        raise PdfminerException(e) from e
    page._layout = device.get_result()  # type: ignore[attr-defined]
