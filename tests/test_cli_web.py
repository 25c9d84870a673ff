"""The command line of issue 18: named-query parameters, error positions in the user's own text, --help with
descriptions, defaults and examples, the build progress bar, and the indicators table (CSV and XLSX)."""

from __future__ import annotations

import csv
import io
import sys

import pytest
from pages_fixtures import build_pages_store

from keifu.cli import COMMANDS, main, parser
from keifu.graph.progress import Progress
from keifu.graph.store import Store
from keifu.graph.vocab import sparql_prefixes

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(build_pages_store(tmp_path_factory.mktemp("cli")))


def _rq(tmp_path, text: str) -> str:
    f = tmp_path / "q.rq"
    f.write_text(text, encoding="utf-8")
    return f"@{f}"


Q = """# title: 指標 / indicators of an agency
# param: agency text required 法人名の一部 / part of the agency's name
# param: year integer optional 年度 / fiscal year
SELECT DISTINCT ?label WHERE {
  ?ag a kf:Agency ; rdfs:label ?name . FILTER(CONTAINS(?name, ?agency))
  ?d kf:setFor ?ag . ?i kf:inDocument ?d ; a kf:Indicator ; rdfs:label ?label .
} ORDER BY ?label
"""


def test_query_param_bound_and_required(store_path: str, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    rq = _rq(tmp_path, Q)
    assert main(["query", rq, "--store", store_path]) == 2
    err = capsys.readouterr().err
    assert "必須のパラメーター agency" in err and "missing required parameter agency" in err
    assert main(["query", rq, "--store", store_path, "--param", "agency=海洋未来", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))[1:]
    with Store.for_reading(store_path) as st:
        expected = sorted({r["l"] for r in st.select(sparql_prefixes() + """SELECT ?l WHERE { ?ag a kf:Agency ;
            rdfs:label ?n . FILTER(CONTAINS(?n, "海洋未来")) ?d kf:setFor ?ag . ?i kf:inDocument ?d ; a kf:Indicator ;
            rdfs:label ?l }""")})
    assert expected and sorted(r[0] for r in rows) == expected
    assert main(["query", rq, "--store", store_path, "--param", "agency=海洋", "--param", "year=二〇二五"]) == 2
    assert "year" in capsys.readouterr().err
    assert main(["query", rq, "--store", store_path, "--param", "agenc=x"]) == 2
    err = capsys.readouterr().err
    assert "未知のパラメーター agenc" in err and "unknown parameter(s) agenc" in err
    assert main(["query", rq, "--store", store_path, "--param", "agency"]) == 2  # not name=value


def test_query_error_position_in_users_text(store_path: str, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    rq = _rq(tmp_path, "SELECT ?x\nWHERE {\n  ?x a kf:Indicator . BIND(1 AS) }\n")
    assert main(["query", rq, "--store", store_path]) == 2
    err = capsys.readouterr().err
    # line 3 of the user's file (keifu's PREFIX lines before it are not counted), quoted, a caret under the column
    assert "at 3:" in err and "     3 |   ?x a kf:Indicator . BIND(1 AS) }" in err
    col = int(err.split("at 3:")[1].split(":")[0])
    caret = err.rstrip("\n").splitlines()[-1]
    assert caret.index("^") == len("       | ") + col - 1
    assert main(["query", "SELECT * WHERE { ?s ?p }", "--store", store_path]) == 2
    assert "1:" in capsys.readouterr().err


@pytest.mark.parametrize("command", sorted(set(COMMANDS)))
def test_help_has_description_defaults_examples(command: str) -> None:
    p = parser([command])
    sub = next(a for a in p._actions if a.dest == "cmd").choices[command]
    text = sub.format_help()
    assert sub.description, command
    assert "examples / 例:" in text and f"keifu {command}" in text.split("examples / 例:")[1]
    defaults = [a for a in sub._actions if a.option_strings and a.default not in (None, False, "==SUPPRESS==")
                and not isinstance(a.default, bool)]
    for a in defaults:
        assert f"(default: {a.default})" in " ".join(text.split()), (command, a.dest)


def test_progress_silent_off_terminal_and_drawn_when_asked() -> None:
    quiet = io.StringIO()
    with Progress(stream=quiet) as bar:  # StringIO is no terminal
        bar.file(1, 2, __import__("pathlib").Path("a.txt"))
        bar.phase("lineage")
    assert quiet.getvalue() == ""
    shown = io.StringIO()
    with Progress(True, stream=shown) as bar:
        bar.file(1, 2, __import__("pathlib").Path("a.txt"))
        bar.phase("lineage")
    out = shown.getvalue()
    assert "1/2" in out and "a.txt" in out and "系譜 / lineage" in out and out.endswith("\r")


def test_build_progress_on_stderr(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import SAMPLES
    assert main(["build", str(SAMPLES), "--store", str(tmp_path / "s"), "--no-validate", "--jobs", "1"]) == 0
    assert "[" not in capsys.readouterr().err  # captured stderr is not a terminal: no bar
    assert main(["build", str(SAMPLES), "--store", str(tmp_path / "s"), "--no-validate", "--jobs", "1",
                 "--progress", "always"]) == 0
    err = capsys.readouterr().err
    assert "2/2" in err and "系譜 / lineage" in err


def test_indicators_table_every_indicator(store_path: str, tmp_path) -> None:
    out = tmp_path / "ind.csv"
    assert main(["export", "--store", store_path, "--table", "indicators", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    with Store.for_reading(store_path) as st:
        inds = {r["i"] for r in st.select(sparql_prefixes() + "SELECT ?i WHERE { ?i a kf:Indicator }")}
        no_values = {r["i"] for r in st.select(sparql_prefixes() + """SELECT ?i WHERE { ?i a kf:Indicator
            FILTER NOT EXISTS { ?i kf:hasObservation ?o } FILTER NOT EXISTS { ?i kf:hasMissingValue ?m } }""")}
    assert {r["iri"] for r in rows} == inds and no_values  # the evaluation indicators without values too
    for r in rows:
        assert r["file"] and r["line"] and r["document"], r
    for i in no_values:
        [row] = [r for r in rows if r["iri"] == i]
        assert row["year"] == "" and row["value"] == ""
    xl = tmp_path / "ind.xlsx"
    assert main(["export", "--store", store_path, "--table", "indicators", "-o", str(xl)]) == 0
    ws = openpyxl.load_workbook(xl).active
    assert ws.max_row == len(rows) + 1
    head = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(head)}
    for r in ws.iter_rows(min_row=2, values_only=True):
        assert isinstance(r[col["line"]], int)
        if r[col["value"]] is not None and r[col["missing"]] == "false":
            assert isinstance(r[col["value"]], int | float) or not str(r[col["value"]])[0].isdigit()


if sys.platform == "win32":  # pragma: no cover
    pytest.skip("POSIX only", allow_module_level=True)
