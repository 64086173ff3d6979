"""The HTML form of a response, built from its instrument version's document.

The page is rendered on the server (``visits/response_form.html``) so that it works, and
can be tested, without JavaScript; ``visits/static/visits/response-form.js`` then hides
questions whose conditions do not hold (with the same evaluator as the field app) and saves
the draft as it is typed. Field names are the answer paths: ``name``, or
``repeat[N].name`` for the N-th instance of a repeat, whose instance numbers are posted as
``repeat[]`` (``services.responses.answers_from_form`` reads them back).
"""

import json
from dataclasses import dataclass, field
from typing import Any

from kuzet.instruments.schema import COMPLIANCE_LIST, MEDIA_TYPES, text_in


@dataclass
class Choice:
    name: str
    label: str
    checked: bool


@dataclass
class Field:
    question: dict[str, Any]
    path: str
    label: str
    hint: str
    value: Any
    errors: list[str]
    choices: list[Choice]
    relevant: str
    constraint_message: str
    mark: Any = None  # the ComplianceMark of an answered compliance question

    @property
    def type(self) -> str:
        return str(self.question["type"])

    @property
    def text(self) -> str:
        """The value as the text input shows it."""
        value = self.value
        if value is None:
            return ""
        if isinstance(value, list):
            return " ".join(str(v) for v in value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    @property
    def is_media(self) -> bool:
        return self.type in MEDIA_TYPES

    is_repeat = False


@dataclass
class Instance:
    number: str
    fields: list[Field]


@dataclass
class Repeat:
    name: str
    label: str
    relevant: str
    instances: list[Instance]
    blank: Instance  # the template of a new instance, numbered __N__

    is_repeat = True


@dataclass
class SectionForm:
    name: str
    label: str
    relevant: str
    items: list[Field | Repeat] = field(default_factory=list)

    @property
    def answered(self) -> int:
        count = 0
        for item in self.items:
            fields = (
                [f for i in item.instances for f in i.fields]
                if isinstance(item, Repeat)
                else [item]
            )
            count += sum(1 for f in fields if f.value not in (None, "", []))
        return count


def _condition(condition: Any) -> str:
    return "" if condition is None else json.dumps(condition, ensure_ascii=False)


def build_form(
    document: dict[str, Any],
    answers: dict[str, Any],
    errors: dict[str, list[str]],
    language: str,
    marks: dict[str, Any] | None = None,
) -> list[SectionForm]:
    marks = marks or {}
    lists = document["choice_lists"]

    def make(question: dict[str, Any], path: str, value: Any) -> Field:
        list_name = COMPLIANCE_LIST if question["type"] == "compliance" else question.get("choices")
        selected = value if isinstance(value, list) else [value]
        choices = [
            Choice(c["name"], text_in(c["label"], language), c["name"] in selected)
            for c in lists.get(list_name or "", [])
        ]
        return Field(
            question=question,
            path=path,
            label=text_in(question["label"], language),
            hint=text_in(question.get("hint"), language),
            value=value,
            errors=errors.get(path, []),
            choices=choices,
            relevant=_condition(question.get("relevant")),
            constraint_message=text_in(question.get("constraint_message"), language),
            mark=marks.get(path),
        )

    sections = []
    for section in document["sections"]:
        form = SectionForm(
            section["name"],
            text_in(section["label"], language),
            _condition(section.get("relevant")),
        )
        for item in section["items"]:
            if item["kind"] == "repeat":
                stored = answers.get(item["name"])
                rows = stored if isinstance(stored, list) else []
                instances = [
                    Instance(
                        str(n),
                        [
                            make(q, f"{item['name']}[{n}].{q['name']}", row.get(q["name"]))
                            for q in item["items"]
                        ],
                    )
                    for n, row in enumerate(rows, start=1)
                    if isinstance(row, dict)
                ]
                blank = Instance(
                    "__N__",
                    [make(q, f"{item['name']}[__N__].{q['name']}", None) for q in item["items"]],
                )
                form.items.append(
                    Repeat(
                        item["name"],
                        text_in(item["label"], language),
                        _condition(item.get("relevant")),
                        instances,
                        blank,
                    )
                )
            else:
                form.items.append(make(item, item["name"], answers.get(item["name"])))
        sections.append(form)
    return sections
