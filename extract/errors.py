"""Errors that name the file (and page or line) in Japanese and English."""

from __future__ import annotations

from pathlib import Path


class KeifuError(Exception):
    """Base error: carries a bilingual message and where it happened."""

    def __init__(
        self,
        message_en: str,
        message_ja: str,
        path: Path | str | None = None,
        page: int | None = None,
        line: int | None = None,
    ) -> None:
        self.message_en = message_en
        self.message_ja = message_ja
        self.path = Path(path) if path is not None else None
        self.page = page
        self.line = line
        super().__init__(self.describe())

    def where(self) -> str:
        parts = [str(self.path)] if self.path else []
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        return ":".join(parts) if parts else ""

    def describe(self) -> str:
        w = self.where()
        prefix = f"{w}: " if w else ""
        return f"{prefix}{self.message_ja} / {self.message_en}"


class ReadError(KeifuError):
    """The file cannot be read as text or PDF (corrupt, encrypted, empty, image-only, binary, unknown encoding)."""


class TooLargeError(ReadError):
    """The file passes a cap on what one input may cost (:mod:`keifu.extract.limits`): bytes, pages, characters."""


class UnknownDocumentError(KeifuError):
    """The file was read but holds no document of a kind we know."""
