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

#: what the scan must step over: comments, literal strings (simple or not), hex strings, inline images
_SCAN = re.compile(rb"%[^\r\n]*|\((?:[^()\\]*)\)|\(|(?<!<)<(?!<)|(?<![^\s\[\]{}()<>/%])BI(?![^\s\[\]{}()<>/%])")
_PAREN = re.compile(rb"\\.|[()]", re.S)
# an operator (not a name such as /BT) standing on its own
_BT = re.compile(rb"(?<![^\s\[\]{}()<>])BT(?![^\s\[\]{}()<>/])")
_BT_OR_ET = re.compile(rb"(?<![^\s\[\]{}()<>])[BE]T(?![^\s\[\]{}()<>/])")
_TOKEN = re.compile(rb"/[^\s\[\]{}()<>/]*|[^\s\[\]{}()<>/]+")
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
#: operators that only set or show text (state, position, showing) or colour; operands true/false/null
_TEXT_ONLY = frozenset(
    b"Tc Tw Tz TL Tf Tr Ts Td TD Tm T* Tj TJ ' \" g G rg RG k K cs CS sc SC scn SCN true false null".split()
)


def _blank_strings(data: bytes) -> bytes | None:
    """The stream with every string emptied and every comment removed; None if it cannot be scanned surely."""
    out: list[bytes] = []
    pos = last = 0
    while (m := _SCAN.search(data, pos)) is not None:
        tok = m.group()
        if tok == b"BI":
            return None  # inline image data may hold any byte: leave the stream whole
        if tok[:1] == b"%":
            out += (data[last : m.start()], b"\n")
            pos = last = m.end()
            continue
        if tok[:1] == b"<":
            end = data.find(b">", m.end())
            if end < 0:
                return None
            out += (data[last : m.start()], b"<>")
            pos = last = end + 1
            continue
        end = m.end()
        if len(tok) == 1:  # a string holding parentheses or escapes: count the balanced ones
            depth = 1
            while depth:
                p = _PAREN.search(data, end)
                if p is None:
                    return None
                c = p.group()
                depth += 1 if c == b"(" else -1 if c == b")" else 0
                end = p.end()
        out += (data[last : m.start()], b"()")
        pos = last = end
    out.append(data[last:])
    return b"".join(out)


def _text_only(block: bytes) -> bool:
    return all(t in _TEXT_ONLY or t[:1] == b"/" or _NUMBER.fullmatch(t) for t in _TOKEN.findall(block))


def strip_text(data: bytes) -> bytes | None:
    """The content stream without its text-only ``BT … ET`` blocks (see the module); None to keep it whole."""
    if b"BT" not in data:
        return None
    blanked = _blank_strings(data)
    if blanked is None:
        return None
    out: list[bytes] = []
    pos = last = 0
    while (m := _BT.search(blanked, pos)) is not None:
        end = _BT_OR_ET.search(blanked, m.end())
        if end is None:
            break
        if end.group() == b"BT":  # a BT inside a text object: not ours to judge
            pos = end.start()
            continue
        if _text_only(blanked[m.end() : end.start()]):
            out += (blanked[last : m.start()], b" ")
            last = end.end()
        pos = end.end()
    out.append(blanked[last:])
    return b"".join(out)


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
