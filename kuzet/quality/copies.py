"""Copy detection against every stored finding and recommendation, at any scale.

``remember_text`` keeps a text's fingerprint when a service saves it, ``forget_text``
drops it, ``find_copies`` lists the near copies of a text in other institutions' reports.

How: the text's character 5-grams (digits read as "0", so a changed number changes
nothing) are MinHashed (``PERMUTATIONS`` values) and the signature cut into ``BANDS``
bands; two texts with a band in common are candidates (Jaccard similarity 0.7: found
with probability 0.99; 0.3: 0.03 a band). One query fetches, band by band, at most
``ROWS_PER_BAND`` texts sharing it; the most frequent ``CANDIDATES`` are compared
with rapidfuzz on their words, by the very rule ``check_text(earlier=…)`` applies
(``similarity.similar``).

Why not datasketch: its MinHash needs scipy and its LSH index lives in memory, Redis or
Cassandra; here the bands must live in the application's own database (SQLite and
PostgreSQL), and the signature is a dozen lines of numpy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import Q

from kuzet.quality import ruledata, similarity
from kuzet.quality.models import TextBand, TextFingerprint

SHINGLE = 5
BANDS = 20
ROWS = 5
PERMUTATIONS = BANDS * ROWS
ROWS_PER_BAND = 50
CANDIDATES = 20
# Fixed forever: a change re-bands every stored text (``manage.py`` would need a rebuild).
_SEEDS = np.random.default_rng(15_2025).integers(1, 2**63, size=PERMUTATIONS, dtype=np.uint64)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_BASE = np.uint64(0x100000001B3)
_DIGITS = str.maketrans("123456789", "000000000")
_BAND_NUMBERS = np.arange(BANDS, dtype=np.uint64)
_KIND_SALT = {"finding": np.uint64(0x46494E44), "recommendation": np.uint64(0x5245434F)}


@dataclass(frozen=True)
class CopyMatch:
    """A near copy: where the earlier text lives, whose report it is, how similar (0–100)."""

    source: str
    institution_id: int
    similarity: float


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a cheap, well-mixed 64-bit hash of each value."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def signature(words: str) -> np.ndarray:
    """The MinHash signature of normalised words (``PERMUTATIONS`` unsigned 64-bit values)."""
    masked = words.translate(_DIGITS).ljust(SHINGLE)
    codes = np.frombuffer(masked.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(codes) - SHINGLE + 1
    shingles = np.zeros(count, dtype=np.uint64)
    for offset in range(SHINGLE):  # a polynomial hash of each 5-gram (wrapping arithmetic)
        shingles = shingles * _BASE + codes[offset : offset + count]
    shingles = _mix(np.unique(shingles))
    return _mix(shingles[None, :] ^ _SEEDS[:, None]).min(axis=1)


def band_hashes(kind: str, words: str) -> list[int]:
    """The text's bands as signed 64-bit integers (a BigIntegerField), the kind included."""
    rows = signature(words).reshape(BANDS, ROWS)
    folded = _BAND_NUMBERS + _KIND_SALT[kind]
    for row in range(ROWS):
        folded = _mix(folded * _BASE + rows[:, row])
    return [int(v) for v in folded.view(np.int64)]


def _limits() -> dict[str, float]:
    return ruledata.current().settings["copied"]


@transaction.atomic
def remember_text(*, kind: str, source: str, text: str, institution_id: int) -> None:
    """Keep (or replace) the fingerprint of the text stored at ``source``, with the other
    institution's text it nearly copies, if any. A text too short to be called a copy is
    not kept."""
    words = similarity.normalised(text)
    TextFingerprint.objects.filter(source=source).delete()
    if len(words) < _limits()["min_chars"]:
        return
    copies = find_copies(kind, text, exclude_institution_id=institution_id, limit=1)
    fingerprint = TextFingerprint.objects.create(
        kind=kind,
        source=source,
        institution_id=institution_id,
        text=words,
        copied_from=copies[0].source if copies else "",
    )
    TextBand.objects.bulk_create(
        TextBand(fingerprint=fingerprint, band=band, institution_id=institution_id)
        for band in band_hashes(kind, words)
    )


def copied_sources(sources: Collection[str]) -> set[str]:
    """Those of ``sources`` that nearly copied another institution's text when stored (one
    query, for the review panel and the dashboard)."""
    return set(
        TextFingerprint.objects.filter(source__in=list(sources))
        .exclude(copied_from="")
        .values_list("source", flat=True)
    )


def forget_text(source: str) -> None:
    """Drop the fingerprint of ``source`` and of its parts (``source/text_kk``)."""
    TextFingerprint.objects.filter(Q(source=source) | Q(source__startswith=f"{source}/")).delete()


def find_copies(
    kind: str,
    text: str,
    *,
    exclude_institution_id: int | None,
    limit: int = 5,
    exclude_sources: Collection[str] = (),
) -> list[CopyMatch]:
    """The near copies of ``text`` among stored texts of ``kind``, most similar first;
    those of ``exclude_institution_id`` (the text's own institution) and the sources in
    ``exclude_sources`` (the recommendation a repeat repeats, the text itself) aside."""
    limits = _limits()
    words = similarity.normalised(text)
    if len(words) < limits["min_chars"]:
        return []
    rows = _band_rows(band_hashes(kind, words), exclude_institution_id)
    candidates = [pk for pk, _count in Counter(rows).most_common(CANDIDATES)]
    stored = TextFingerprint.objects.filter(pk__in=candidates, kind=kind).values_list(
        "source", "institution_id", "text"
    )
    matches = [
        CopyMatch(source, institution, score)
        for source, institution, other in stored
        if source not in exclude_sources
        and (score := similarity.similar(words, other, limits)) is not None
    ]
    matches.sort(key=lambda m: (-m.similarity, m.source))
    return matches[:limit]


def _band_rows(bands: list[int], exclude_institution_id: int | None) -> list[int]:
    """The fingerprints sharing each band, at most ``ROWS_PER_BAND`` a band, in one query.

    One index scan per band that stops at its limit: ``band IN (…)`` would make PostgreSQL
    read every row of every band before any limit (a bitmap scan), and a band shared by
    thousands of texts (the same boilerplate everywhere) would cost as much as all of them.
    Written in SQL because Django's union() cannot limit its parts on SQLite.
    """
    table = TextBand._meta.db_table
    other = " AND institution_id <> %s" if exclude_institution_id is not None else ""
    part = (
        f"SELECT fingerprint_id FROM (SELECT fingerprint_id FROM {table} "  # noqa: S608
        f"WHERE band = %s{other} LIMIT {ROWS_PER_BAND}) AS b{{n}}"
    )
    sql = " UNION ALL ".join(part.format(n=n) for n in range(len(bands)))
    params: list[int] = []
    for band in bands:
        params += [band] if exclude_institution_id is None else [band, exclude_institution_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def repeat_chain(sources: Iterable[str]) -> set[str]:
    """The sources of a recommendation and of its Kazakh text (what a repeat may copy)."""
    return {part for source in sources for part in (source, f"{source}/text_kk")}
