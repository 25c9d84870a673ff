"""The document kinds keifu knows, read from one table (``data/document_kinds.tsv``).

Every fact about a kind (its class, labels, whether its body is an objective hierarchy, the detector that finds
it, the parsers run on it, its colour in diagrams) is written once there; the segmenter, the pipeline, the
emitter, the draft checker and the lineage renderer derive theirs from this module. The table is TSV, not
Turtle, because the extraction side reads it at import and must not depend on an RDF library; the ontology
keeps the classes' and concepts' definitions, and tests/test_document_kinds.py checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import KeifuError
from .vocab import rows, split_list

#: The class of a document whose kind is not in the table.
DEFAULT_CLASS = "Document"


class KindTableError(KeifuError):
    """The kinds table contradicts itself or names a detector or parser that is not registered."""


@dataclass(frozen=True, slots=True)
class DocumentKind:
    """One row of the kinds table."""

    code: str
    doc_class: str
    words: tuple[str, ...]
    articles: tuple[str, ...]
    label_ja: str
    label_en: str
    hierarchical: bool
    detector: str
    parsers: tuple[str, ...]
    colour: str


def parse_table(table: tuple[tuple[str, ...], ...]) -> dict[str, DocumentKind]:
    """Rows of the TSV → kinds by code, in table order; class-wide columns must agree between a class's rows."""
    out: dict[str, DocumentKind] = {}
    for r in table:
        cells = [*r, *[""] * (10 - len(r))]
        k = DocumentKind(cells[0].strip(), cells[1].strip(), tuple(split_list(cells[2])), tuple(split_list(cells[3])),
                         cells[4].strip(), cells[5].strip(), cells[6].strip() == "yes", cells[7].strip(),
                         tuple(split_list(cells[8])), cells[9].strip())
        if not k.code or not k.doc_class or not k.detector:
            raise KindTableError(f"document kind row {r!r} needs a code, a class and a detector",
                                 f"文書の種類の行 {r!r} にはコード・クラス・検出器が必要です")
        if k.code in out:
            raise KindTableError(f"document kind '{k.code}' is listed twice", f"文書の種類 '{k.code}' が2回あります")
        for other in out.values():
            if other.doc_class == k.doc_class and (other.hierarchical, other.colour) != (k.hierarchical, k.colour):
                raise KindTableError(
                    f"kinds '{other.code}' and '{k.code}' share class {k.doc_class} but differ in hierarchical or colour",
                    f"種類 '{other.code}' と '{k.code}' は同じクラス {k.doc_class} なのに階層・色が異なります")
        out[k.code] = k
    return out


#: The kinds by code, in table order (tests may swap in a table with one more kind).
KINDS: dict[str, DocumentKind] = parse_table(rows("document_kinds.tsv"))


def kind(code: str) -> DocumentKind | None:
    return KINDS.get(code)


def doc_class(code: str) -> str:
    """The class name of documents of kind ``code`` (``Document`` for none)."""
    k = KINDS.get(code)
    return k.doc_class if k else DEFAULT_CLASS


def label_ja(code: str) -> str | None:
    k = KINDS.get(code)
    return k.label_ja if k else None


def hierarchical(code: str) -> bool:
    """Whether the body of a document of kind ``code`` is parsed as a numbered objective hierarchy."""
    k = KINDS.get(code)
    return bool(k and k.hierarchical)


def document_classes() -> list[str]:
    """Class names of every kind, in table order, each once."""
    return list(dict.fromkeys(k.doc_class for k in KINDS.values()))


def hierarchical_classes() -> list[str]:
    return list(dict.fromkeys(k.doc_class for k in KINDS.values() if k.hierarchical))


def detectors() -> list[tuple[str, str]]:
    """(detector, first kind code naming it), in the order the segmenter tries them."""
    out: dict[str, str] = {}
    for k in KINDS.values():
        out.setdefault(k.detector, k.code)
    return list(out.items())


def class_colours() -> dict[str, str]:
    return {k.doc_class: k.colour for k in KINDS.values() if k.colour}
