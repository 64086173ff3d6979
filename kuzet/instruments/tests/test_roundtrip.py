"""Export then import gives the same version, for instruments hypothesis makes up."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuzet.instruments.schema import COMPLIANCE_CHOICES, FORMAT, document_problems
from kuzet.instruments.xlsform import read_xlsform, write_xlsform

names = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
# Cell text as pyxform's reader keeps it: no surrounding blanks, no control characters, and
# ordinary spaces (it turns no-break spaces into them).
words = (
    st.text(
        alphabet=st.characters(
            codec="utf-8",
            categories=["L", "N", "P"],
            include_characters=" ",
            exclude_characters="'\"",
        ),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
label = st.fixed_dictionaries({"ru": words, "kk": words}, optional={"en": words})
SIMPLE_TYPES = ["text", "long_text", "integer", "decimal", "date", "time", "photo", "audio", "video", "file",
                "geopoint", "note"]  # fmt: skip


@st.composite
def conditions(draw: st.DrawFn, earlier: list[str]) -> Any:
    if not earlier:
        return None
    ref = ["ref", draw(st.sampled_from(earlier))]
    literal = draw(
        st.one_of(
            words, st.integers(-1000, 1000), st.decimals("-99.5", "99.5", places=1).map(float)
        )
    )
    leaf = draw(
        st.sampled_from(
            [
                ["=", ref, literal],
                ["!=", ref, literal],
                [">", ref, literal],
                ["<=", ref, literal],
                ["selected", ref, draw(words)],
                [">", ["count-selected", ref], draw(st.integers(0, 5))],
                ["<", ["string-length", ref], draw(st.integers(0, 50))],
            ]
        )
    )
    shape = draw(st.integers(0, 3))
    if shape == 0:
        return leaf
    if shape == 1:
        return ["not", leaf]
    return ["and" if shape == 2 else "or", leaf, ["=", ref, draw(words)]]


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    pool = draw(st.lists(names, min_size=4, max_size=40, unique=True))
    used = iter(pool)
    lists = {"compliance": [{"name": c, "label": draw(label)} for c in COMPLIANCE_CHOICES]}
    for list_name in draw(st.lists(names.map(lambda n: f"l_{n}"), max_size=3, unique=True)):
        choice_names = draw(st.lists(names, min_size=1, max_size=5, unique=True))
        lists[list_name] = [{"name": c, "label": draw(label)} for c in choice_names]
    earlier: list[str] = []

    def question() -> dict[str, Any] | None:
        name = next(used, None)
        if name is None:
            return None
        kinds = [*SIMPLE_TYPES, "compliance"] + (
            ["select_one", "select_multiple"] if len(lists) > 1 else []
        )
        qtype = draw(st.sampled_from(kinds))
        q: dict[str, Any] = {"kind": "question", "name": name, "type": qtype, "label": draw(label)}
        if qtype in ("select_one", "select_multiple"):
            q["choices"] = draw(st.sampled_from([n for n in lists if n != "compliance"]))
        if draw(st.booleans()):
            q["hint"] = draw(label)
        if qtype != "note" and draw(st.booleans()):
            q["required"] = True
        relevant = draw(conditions(list(earlier)))
        if relevant is not None:
            q["relevant"] = relevant
        if qtype in ("integer", "decimal") and draw(st.booleans()):
            q["constraint"] = [
                "and",
                [">=", ["self"], 0],
                ["<=", ["self"], draw(st.integers(1, 5000))],
            ]
            q["constraint_message"] = draw(label)
        if qtype == "compliance":
            if draw(st.booleans()):
                q["norms"] = draw(
                    st.lists(
                        st.from_regex(r"[A-Z]{2}-[A-Z]{2,5}-[0-9]{1,3}", fullmatch=True),
                        min_size=1,
                        max_size=3,
                        unique=True,
                    )
                )
            if draw(st.booleans()):
                q["finding_required"] = True
        earlier.append(name)
        return q

    sections = []
    for _ in range(draw(st.integers(1, 3))):
        section_name = next(used, None)
        if section_name is None:
            break
        items: list[dict[str, Any]] = []
        for _ in range(draw(st.integers(1, 5))):
            if draw(st.integers(0, 5)) == 0:
                repeat_name = next(used, None)
                if repeat_name is None:
                    break
                inner = [q for q in (question() for _ in range(draw(st.integers(1, 3)))) if q]
                if inner:
                    items.append(
                        {
                            "kind": "repeat",
                            "name": repeat_name,
                            "label": draw(label),
                            "items": inner,
                        }
                    )
                    # Questions of a repeat are only for that repeat's own conditions.
                    for q in inner:
                        earlier.remove(q["name"])
            else:
                q = question()
                if q:
                    items.append(q)
        if items:
            sections.append({"name": section_name, "label": draw(label), "items": items})
    return {
        "format": FORMAT,
        "code": draw(st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)),
        "version": draw(st.from_regex(r"20[0-9]{2}\.[0-9]{1,2}", fullmatch=True)),
        "kind": draw(st.sampled_from(["checklist", "interview"])),
        "title": draw(label),
        "institution_types": draw(
            st.lists(st.sampled_from(["ivs", "sizo", "psychiatric"]), unique=True)
        ),
        "choice_lists": lists,
        "sections": sections,
    }


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(documents())
def test_export_then_import_gives_the_same_version(document: dict[str, Any]) -> None:
    if not document["sections"]:
        return
    assert document_problems(document) == []
    result = read_xlsform(write_xlsform(document))
    assert result.errors == []
    assert result.document == document
