"""Start-up check of the text rules: a broken lexicon line or threshold is named with its
file and line by ``manage.py check`` (and at every start), not discovered by a user."""

from typing import Any

from django.core import checks

from kuzet.quality import ruledata


def rule_files(**kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            str(problem),
            hint="Correct the line in kuzet/quality/rules/; until then it is ignored.",
            id="quality.E001",
        )
        for problem in ruledata.check_rule_files()
    ]
