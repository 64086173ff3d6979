"""``manage.py check_texts`` as a batch tool runs it: a subprocess, JSON Lines in and out,
no database."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run(stdin: str | bytes, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        # A database that does not exist: the command must not need one.
        "DATABASE_URL": f"sqlite:///{tmp_path}/never-created/kuzet.sqlite3",
        "KUZET_SECRET_KEY": "test-only-secret-key-not-for-production-0123456789abcdef",
        "LANG": "C",
        "LC_ALL": "C",
    }
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check_texts"],
        input=data, capture_output=True, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip


def line(**item: object) -> str:
    return json.dumps(item, ensure_ascii=False)


def test_one_answer_per_line_in_the_same_order_with_messages_in_the_lines_language(tmp_path):
    earlier = "Установить в каждом отряде не менее одного таксофона на 30 осуждённых и обеспечить доступ к нему ежедневно."
    lines = [
        line(id="a", kind="finding", lang="ru", text="Нарушений не выявлено, жалоб не поступало."),
        line(id="b", kind="finding", lang="kk",
             text="№ 4 камерада төрт төсекке алты адам, терезе тақтаймен бітелген."),
        line(id=3, kind="recommendation", lang="kk", text="Бақылауды күшейту."),
        "   ",
        line(id="d", kind="recommendation", lang="ru", text=earlier.replace("30", "25"),
             earlier=["Другой текст.", earlier]),
    ]  # fmt: skip
    result = run("\n".join(lines) + "\n", tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    answers = [json.loads(x) for x in result.stdout.decode("utf-8").splitlines()]
    assert [a["id"] for a in answers] == ["a", "b", 3, "d"]
    assert [a["weak"] for a in answers] == [True, False, True, True]
    assert [r["code"] for r in answers[0]["reasons"]] == ["too_short", "standard_answer"]
    assert "журнал" in answers[0]["reasons"][1]["message"]  # Russian
    assert "Тым қысқа" in answers[2]["reasons"][0]["message"]  # Kazakh
    assert [r["code"] for r in answers[3]["reasons"]] == ["copied"]
    assert answers[1]["reasons"] == []
    assert not (tmp_path / "never-created" / "kuzet.sqlite3").exists()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        (line(id="x", kind="finding", lang="ru"), "line 2: missing field(s): text"),
        (line(kind="finding", lang="ru", text="…"), "line 2: missing field(s): id"),
        (line(id="x", kind="report", lang="ru", text="…"), 'line 2: "kind"'),
        (line(id="x", kind="finding", lang="en", text="…"), 'line 2: "lang"'),
        (line(id="x", kind="finding", lang="ru", text="…", earlier="one"), 'line 2: "earlier"'),
        ("[1, 2]", "line 2: a JSON object is expected"),
    ],
)
def test_a_bad_line_is_named_on_stderr_with_exit_2_and_nothing_is_written(tmp_path, bad, message):
    good = line(id="a", kind="finding", lang="ru", text="Нарушений не выявлено.")
    result = run(f"{good}\n{bad}\n{good}\n", tmp_path)
    assert result.returncode == 2
    assert message in result.stderr.decode("utf-8")
    assert result.stdout == b""


def test_input_that_is_not_utf8_is_a_bad_line(tmp_path):
    result = run(b'{"id": "a", "kind": "finding", "lang": "ru", "text": "\xff"}\n', tmp_path)
    assert result.returncode == 2 and b"line 1: not UTF-8" in result.stderr


def test_empty_input_writes_nothing_and_succeeds(tmp_path):
    result = run("", tmp_path)
    assert result.returncode == 0 and result.stdout == b""
