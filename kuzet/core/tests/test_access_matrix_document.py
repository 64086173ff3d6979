"""docs/security/access-matrix.md is exactly what `manage.py access_matrix` prints now."""

import io
from pathlib import Path

from django.core.management import call_command

from kuzet.core.access_matrix import ACTION_MEANING
from kuzet.core.policy import Action

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "security" / "access-matrix.md"


def _output(*args: str) -> str:
    out = io.StringIO()
    call_command("access_matrix", *args, stdout=out)
    return out.getvalue()


def test_the_committed_matrix_is_the_commands_output() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == _output("--format", "md"), (
        "docs/security/access-matrix.md is stale: run "
        "`manage.py access_matrix --format md > docs/security/access-matrix.md`"
    )


def test_every_action_of_the_policy_is_explained_in_the_matrix() -> None:
    assert set(ACTION_MEANING) == set(Action)


def test_the_matrix_says_what_the_policy_says() -> None:
    text = _output("--format", "md")
    # The technical administrator reads no visit content; auditors read and write nothing.
    assert "| administrator | another region | — | — | — | — | — | — | — | — |" in text
    assert (
        "| view_audit | read the audit trail | — | — | — | — | — | all regions | all regions |"
        in text
    )
    csv_text = _output("--format", "csv")
    assert 'visit_action,coordinator,"same region, not on the team",yes' in csv_text
