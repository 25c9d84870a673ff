"""Code comments cite docs/formats.md by section: every cited section exists, and no comment cites a file that is
not in the repository (the corpus's FORMAT-NOTES) or a corpus line number."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CODE = ("extract", "graph", "api", "keifu", "ontology", "shapes", "queries")
SUFFIXES = {".py", ".tsv", ".ttl", ".rq", ".json"}
_CITE = re.compile(r"(?:docs/formats\.md|formats\.md)\s*§(\d+(?:\.\d+)?)((?:\s*(?:,|and)\s*§?\d+(?:\.\d+)?)*)")
_HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", re.M)
_CORPUS_LINE = re.compile(r"\b00[0-9]:\d{1,4}\b|FORMAT-NOTES")


def _sources() -> list[Path]:
    return sorted(p for d in CODE for p in (REPO / d).rglob("*")
                  if p.suffix in SUFFIXES and "static" not in p.parts and p.is_file())


def _cited(text: str) -> set[str]:
    out = set()
    for m in _CITE.finditer(text):
        out.add(m.group(1))
        out.update(re.findall(r"\d+(?:\.\d+)?", m.group(2)))
    return out


def test_cited_sections_exist() -> None:
    sections = set(_HEADING.findall((REPO / "docs" / "formats.md").read_text(encoding="utf-8")))
    assert {"1", "2.2", "5.4", "10"} <= sections  # the pattern reads the document's numbering
    cited = {(p.relative_to(REPO).as_posix(), s) for p in _sources() for s in _cited(p.read_text(encoding="utf-8"))}
    assert len(cited) >= 20, "the extractors cite the format document"
    missing = sorted((f, s) for f, s in cited if s not in sections)
    assert not missing, f"sections cited but absent from docs/formats.md: {missing}"


def test_no_comment_cites_outside_the_repository() -> None:
    hits = [f"{p.relative_to(REPO)}:{n}" for p in _sources()
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if _CORPUS_LINE.search(line)]
    assert not hits, f"cite docs/formats.md instead: {hits}"


def test_the_citation_pattern_reads_lists_of_sections() -> None:
    assert _cited("see docs/formats.md §4.6 and §5.1; also (docs/formats.md §7.4)") == {"4.6", "5.1", "7.4"}
    assert _cited("docs/formats.md §1.3, §9") == {"1.3", "9"}
