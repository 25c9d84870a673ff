"""Text reader: encodings, raw lines, bilingual errors, page starts. Fixtures are invented sentences."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from keifu.extract.errors import ReadError
from keifu.extract.model import Line
from keifu.extract.readers import mark_page_starts, read_source

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

# Invented text in the corpus formats: trailing space ends a unit, wrapped lines have none.
SAMPLE = "Ⅰ．架空機構の役割 \n\n 本機構は、海洋の観測と予測に関する研究開発を行\nい、その成果を社会に届ける。 \n（１）観測網の整備 \n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def assert_bilingual(err: ReadError, path: Path) -> None:
    msg = str(err)
    assert path.name in msg
    assert err.path == path
    assert " / " in msg
    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in err.message_ja)
    assert err.message_en.isascii()


@pytest.mark.parametrize(
    ("codec", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("cp932", "cp932"),
        ("euc_jis_2004", "euc_jis_2004"),  # plain EUC-JP has no Ⅰ
        ("utf-16", "utf-16"),
        ("iso2022_jp_2004", "iso2022_jp_2004"),
    ],
)
def test_encodings_decode_to_the_same_lines(tmp_path: Path, codec: str, expected: str) -> None:
    data = SAMPLE.encode(codec)
    st = read_source(write(tmp_path, f"s_{codec}.txt", data))
    assert st.encoding == expected
    assert [ln.text for ln in st.lines] == SAMPLE.split("\n")
    assert st.media == "text"
    assert st.sha256 == hashlib.sha256(data).hexdigest()


def test_short_cp932_text_is_not_mistaken_for_euc(tmp_path: Path) -> None:
    text = "予算の執行状況を確認する。\n令和８年度の計画。\n"
    assert read_source(write(tmp_path, "a.txt", text.encode("cp932"))).encoding == "cp932"
    assert read_source(write(tmp_path, "b.txt", text.encode("euc_jp"))).encoding == "euc_jp"


def test_crlf_stripped_but_trailing_spaces_kept(tmp_path: Path) -> None:
    data = "見出しの行 \r\n折り返された行\r\n続きの行。 \r\n\r\n  \r\n".encode()
    st = read_source(write(tmp_path, "crlf.txt", data))
    assert [ln.text for ln in st.lines] == ["見出しの行 ", "折り返された行", "続きの行。 ", "", "  ", ""]


def test_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    st = read_source(write(tmp_path, "n.txt", SAMPLE.encode()))
    assert [ln.no for ln in st.lines] == list(range(1, 7))
    assert [ln.index for ln in st.lines] == list(range(6))
    assert all(ln.page is None for ln in st.lines)
    assert st.lines[2].cite() == "l.3"


def test_old_mac_line_ends(tmp_path: Path) -> None:
    st = read_source(write(tmp_path, "mac.txt", "一行目 \r二行目".encode()))
    assert [ln.text for ln in st.lines] == ["一行目 ", "二行目"]


def test_dispatch_by_content_not_extension(tmp_path: Path) -> None:
    st = read_source(write(tmp_path, "really_text.pdf", SAMPLE.encode()))
    assert st.media == "text"
    st = read_source(write(tmp_path, "mentions.txt", "この文章は %PDF-1.7 という文字列を含むだけである。\n".encode()))
    assert st.media == "text"


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("empty.txt", b"", "empty"),
        ("spaces.txt", b"  \n\t\r\n  ", "empty"),
        ("ideographic.txt", "\u3000\u3000\n".encode(), "empty"),
        ("bom_only.txt", b"\xef\xbb\xbf", "empty"),
        ("nul.txt", "本文".encode() + b"\x00\x01\x02" + "続き".encode(), "binary"),
        ("controls.txt", bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15]) * 30 + "文字".encode() * 10, "binary"),
    ],
)
def test_unreadable_text_raises_bilingual_error(tmp_path: Path, name: str, data: bytes, needle: str) -> None:
    p = write(tmp_path, name, data)
    with pytest.raises(ReadError) as ei:
        read_source(p)
    assert needle in ei.value.message_en
    assert_bilingual(ei.value, p)


def test_invalid_bytes_name_the_line(tmp_path: Path) -> None:
    data = "一行目は正しい。\n二行目も正しい。\n".encode() + b"\xff\xfe\xfd\x80\x80" + "三行目".encode() + b"\n"
    p = write(tmp_path, "bad.txt", data)
    with pytest.raises(ReadError) as ei:
        read_source(p)
    assert ei.value.line == 3
    assert "line 3" in str(ei.value)
    assert_bilingual(ei.value, p)


def test_missing_file_is_a_read_error(tmp_path: Path) -> None:
    p = tmp_path / "nothing.txt"
    with pytest.raises(ReadError) as ei:
        read_source(p)
    assert_bilingual(ei.value, p)


# --- page starts -----------------------------------------------------------------------------


def lines_of(text: str) -> list[Line]:
    return [Line(i, i + 1, s) for i, s in enumerate(text.split("\n"))]


def double_spaced(rows: list[str]) -> str:
    """Join rows with a blank line between, as PDF-to-text output of double-spaced pages; a row given as
    a tuple of two strings puts them on consecutive lines (no blank between)."""
    out: list[str] = []
    for r in rows:
        out.extend(r if isinstance(r, tuple) else (r,))
        out.append("")
    return "\n".join(out)


BODY = [f"架空の文章の{i}行目であり、折り返しのため行末に空白がな" for i in range(12)]


def test_page_start_inside_a_word_in_double_spaced_text() -> None:
    text = double_spaced([*BODY, ("観測機器の更新を進めるため、共同利用セ", " ンターを整備する。 "), *BODY])
    got = mark_page_starts(lines_of(text))
    starts = [ln.text for ln in got if ln.page_start]
    assert starts == [" ンターを整備する。 "]
    assert all(ln.page is None for ln in got)


def test_page_start_after_paragraph_end_and_before_indented_heading() -> None:
    text = double_spaced([*BODY, ("以上の取組を着実に進める。 ", " Ⅱ．目標の期間 "), *BODY])
    assert [ln.text for ln in mark_page_starts(lines_of(text)) if ln.page_start] == [" Ⅱ．目標の期間 "]


def test_heading_followed_by_indented_paragraph_is_not_a_page_start() -> None:
    text = double_spaced([*BODY, ("（２）研究体制の強化 ", " 本機構の総合力を高めるため、組織の在り方を"), *BODY])
    assert not any(ln.page_start for ln in mark_page_starts(lines_of(text)))


def test_unindented_insert_is_not_a_page_start() -> None:
    # a footnote printed single-spaced inside a double-spaced page
    text = double_spaced([*BODY, (" ", "1 架空の財団法人、架空県、架空市による共同体 "), *BODY])
    assert not any(ln.page_start for ln in mark_page_starts(lines_of(text)))


def test_single_spaced_text_has_no_spacing_page_starts() -> None:
    text = "\n".join(f" 単一行間隔の{i}行目で、続く行との間に空行がない" for i in range(40))
    assert not any(ln.page_start for ln in mark_page_starts(lines_of(text)))


def test_regime_is_judged_locally() -> None:
    single = [f"単一行間隔の部分の{i}行目" for i in range(40)]
    dbl = double_spaced([*BODY, ("その成果を広く公表し、効果的な普", " 及に努める。 "), *BODY])
    got = mark_page_starts(lines_of("\n".join(single) + "\n\n" + dbl))
    assert [ln.text for ln in got if ln.page_start] == [" 及に努める。 "]


def test_form_feeds_give_page_numbers(tmp_path: Path) -> None:
    data = "一頁目の一行目 \n一頁目の二行目\n\f二頁目の一行目 \n二頁目の二行目\n\f\f四頁目の一行目\n\f".encode()
    st = read_source(write(tmp_path, "ff.txt", data))
    got = [(ln.no, ln.page, ln.page_start, ln.text) for ln in st.lines]
    assert got == [
        (1, 1, True, "一頁目の一行目 "),
        (2, 1, False, "一頁目の二行目"),
        (3, 2, True, "二頁目の一行目 "),
        (4, 2, False, "二頁目の二行目"),
        (5, 4, True, "四頁目の一行目"),
        (6, 4, False, ""),
    ]
    assert st.pages == 4
    assert st.lines[2].cite() == "p.2 l.3"


def test_form_feed_at_line_end_starts_the_next_page() -> None:
    got = mark_page_starts(lines_of("前の頁の最後\f\n次の頁の最初"))
    assert [(ln.page, ln.page_start, ln.text) for ln in got] == [(1, True, "前の頁の最後"), (2, True, "次の頁の最初")]


# --- the real corpus, when present ------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not available at {CORPUS}")
    return CORPUS


def corpus_lines(corpus: Path, prefix: str) -> list[Line]:
    found = sorted(corpus.glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"corpus file {prefix}_*.txt not present")
    return read_source(found[0]).lines


def test_every_corpus_file_reads_raw_lines(corpus: Path) -> None:
    files = sorted(corpus.glob("*.txt"))
    assert files
    for f in files:
        st = read_source(f)
        raw = f.read_bytes().decode("utf-8").split("\n")
        assert len(st.lines) == len(raw), f.name
        assert [ln.text for ln in st.lines] == raw, f.name
        assert st.encoding == "utf-8"


def test_corpus_known_page_starts(corpus: Path) -> None:
    q = corpus_lines(corpus, "000")
    assert q[73].page_start  # 000:74, page break inside a word
    assert not q[641].page_start and q[644].page_start  # 000:642 footnote, 000:645 resumes on the next page
    starts = [ln.no for ln in q if ln.page_start]
    assert 10 <= len(starts) < len(q) / 40
    c = corpus_lines(corpus, "002")
    assert c[297].page_start  # 002:298
    assert not c[2450].page_start  # 002:2451 heading followed by an indented paragraph
    assert not any(ln.page_start for ln in c[7025:7450])  # single-spaced AIST body


def test_corpus_single_spaced_files_have_no_guessed_page_starts(corpus: Path) -> None:
    for prefix in ("001", "003"):
        assert not any(ln.page_start for ln in corpus_lines(corpus, prefix))
