"""Evaluation-axis tables printed as ruled tables in a PDF give the same rows as the same table read from text
(issue 13, item 6): invented agencies, each table once as ruled PDF cells, once as the text path prints it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdfgen import make_pdf, make_table_pdf
from test_axis_table import PDF_BODY, PDF_TABLE, _merge_pdfs

from keifu.extract.pipeline import ExtractedDocument, extract_file

CAPTION = "架空観測機構の評価に関する評価軸等について"
# A second agency: two item columns (a merged parent cell carried over two rows), 《》 labels, a note.
BODY_2 = [
    "独立行政法人通則法第29条の規定により、干潟保全機構（以下「機構」という。）が達成すべき業務運営に関する目標（以下「中期目標」という。）を定める。",
    "第１ 政策体系における法人の位置付け及び役割",
    "機構は干潟の保全と再生を担う。",
    "第２ 中期目標の期間",
    "令和８年４月から令和13年３月までの５年間とする。",
    "第３ 国民に対して提供するサービスその他の業務の質の向上に関する事項",
    "１．干潟の調査",
    "（１）生物の調査",
    "干潟の生物を毎年調査する。",
    "（２）地形の調査",
    "干潟の地形を測量する。",
    "２．干潟の再生",
    "再生事業を実施する。",
    "第４ 業務運営の効率化に関する事項",
    "経費を効率化する。",
]
TABLE_2 = [
    [
        ["研究領域等", "", "評価軸", "関連する評価指標、モニタリング指標"],
        ["干潟の調査", "生物の調査", "○生物調査が着実に実施されているか。", "《評価指標》\n・調査地点数\n《モニタリング指標》\n・確認種数"],
        ["", "地形の調査", "○地形が把握されているか。", "《評価指標》\n・測量面積"],
        ["干潟の再生", "", "○再生が進んでいるか。\n※再生の効果は中期目標期間の終わりに評価する。", "《評価指標》\n・再生面積"],
    ],
]

# A third: 〇 evaluation indicators each with its own （関連するモニタリング指標） list, 【】 labels, a list end 等,
# and a row whose indicator cell runs onto the next page (no header repeated there).
BODY_3 = [
    "独立行政法人通則法第35条の４の規定により、国立研究開発法人潮流研究機構（以下「機構」という。）が達成すべき業務運営に関する目標（以下「中長期目標」という。）を定める。",
    "Ⅰ．政策体系における法人の位置付け及び役割",
    "機構は潮流の研究を担う。",
    "Ⅱ．中長期目標の期間",
    "令和８年４月から令和15年３月までの７年間とする。",
    "Ⅲ．研究開発の成果の最大化その他の業務の質の向上に関する事項",
    "１．潮流の予測",
    "１．１．外洋の潮流",
    "外洋の潮流を予測する。",
    "１．２．沿岸の潮流",
    "沿岸の潮流を予測する。",
    "Ⅳ．業務運営の効率化に関する事項",
    "経費を効率化する。",
]
TABLE_3 = [
    [
        ["項目", "評価軸", "備考（関連する評価指標、モニタリング指標等）"],
        ["外洋の潮流", "〇外洋の予測精度が向上しているか。",
         "【評価指標】\n〇予測精度の向上の状況\n（関連するモニタリング指標）\n・予測誤差\n〇観測データの活用状況"],
    ],
    [
        ["", "", "（関連するモニタリング指標）\n・データ取得件数\n等"],
        ["沿岸の潮流", "〇沿岸の予測が活用されているか。", "【評価指標】\n〇自治体での活用状況"],
    ],
]


def _text_table(caption: str, pages: list[list[list[str]]]) -> list[str]:
    """The table as the text path reads a table: cells left to right, one item per line, a trailing space at the
    end of each item; the header on one line; a row the page break splits is printed whole."""
    rows = [r for page in pages for r in page]
    out = [caption, " ".join(c for c in rows[0] if c)]
    merged: list[list[str]] = []
    for r in rows[1:]:
        if not any(r[:-2]) and merged and not r[0]:  # the page break's continuation row
            prev = merged[-1]
            for k in range(len(r)):
                if r[k]:
                    prev[k] = (prev[k] + r[k]) if not r[k].startswith(("・", "【", "《", "（", "○", "〇")) \
                        else f"{prev[k]}\n{r[k]}"
            continue
        merged.append(list(r))
    for r in merged:
        for cell in r:
            out.extend(part for part in cell.split("\n") if part)
    return out


def _double(lines: list[str]) -> str:
    return "\n".join(x for ln in lines for x in (ln + " ", "")) + "\n"


def _rows(doc: ExtractedDocument) -> list[tuple]:
    res = doc.extras["axis_table"]
    return [(doc.headings[r.objective].title if r.objective is not None else None, [a.text for a in r.axes],
             [(i.kind, i.text, i.paired) for i in r.indicators], [n.text for n in r.notes]) for r in res.rows]


@pytest.mark.parametrize(("body", "table", "cols"), [
    (PDF_BODY, PDF_TABLE, [10, 16, 18]),
    (BODY_2, TABLE_2, [6, 6, 16, 16]),
    (BODY_3, TABLE_3, [10, 16, 20]),
], ids=["split-row", "two-item-columns", "monitoring-per-indicator"])
def test_ruled_pdf_table_gives_the_rows_of_the_text_path(tmp_path: Path, body, table, cols) -> None:
    text = tmp_path / "doc.txt"
    text.write_text(_double(body + _text_table(CAPTION, table)), encoding="utf-8")
    (from_text,) = extract_file(text).documents
    pdf = _merge_pdfs(tmp_path / "doc.pdf", [make_pdf(tmp_path / "b.pdf", [body], width_chars=30),
                                              make_table_pdf(tmp_path / "t.pdf", table, captions=[CAPTION],
                                                             col_chars=cols)])
    (from_pdf,) = extract_file(pdf).documents
    assert from_pdf.extras["axis_table"].from_cells and not from_text.extras["axis_table"].from_cells
    assert _rows(from_pdf) == _rows(from_text)
    assert len(_rows(from_text)) == len(table[0]) - 1 + sum(1 for p in table[1:] for r in p if r[0])
