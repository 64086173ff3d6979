"""Copy detection at scale: one text against N stored texts (issue 15: 300,000, < 50 ms on
PostgreSQL).

    DATABASE_URL=postgresql://…/kuzet_bench python bench/quality_copies.py [N]

On a throw-away database (bench/throwaway.py): N synthetic findings from 500 institutions
— varied sentences on the usual subjects (cells, showers, food, medical care), 3 % of them
one identical boilerplate paragraph (the worst case for a band index: thousands of
texts share every band) — are fingerprinted as ``remember_text`` would, then
``find_copies`` is timed for 200 texts: copies of stored texts with a number and a name
changed (must be found), new texts (must not be), and the boilerplate itself.
"""

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway import throwaway_database

PLACES = [
    "камере",
    "палате",
    "душевой блока",
    "прогулочном дворе",
    "столовой отряда",
    "ШИЗО",
    "медчасти",
    "комнате свиданий",
    "карантинном отделении",
    "сборном отделении",
]
PROBLEMS = [
    "окно не открывается",
    "нет горячей воды",
    "на стенах плесень",
    "не работает кнопка вызова",
    "матрасы изношены",
    "протекает крыша",
    "нет перегородки у туалета",
    "температура ниже нормы",
    "вентиляция не работает",
    "освещение тусклое",
    "клопы в постельном белье",
    "нет питьевой воды",
    "скамейки отсутствуют",
    "двери не закрываются",
]
SOURCES = [
    "со слов осуждённого",
    "по словам дежурного",
    "по журналу учёта",
    "при осмотре",
    "как пояснил начальник отряда",
    "по данным медкарты",
    "задержанный сообщил",
]
NAMES = ["Иванов", "Петров", "Сидоров", "Ахметов", "Серикбаев", "Ким", "Нурланов", "Оспанов"]
EXTRA = [
    "Администрация обещала устранить до конца месяца.",
    "Жалобы подавались дважды.",
    "Запись в журнале заявок отсутствует.",
    "Фото приложены.",
    "Повторно проверено вечером.",
    "Осуждённые просили сообщить прокурору.",
    "Ремонт не проводился с прошлого года.",
]
BOILERPLATE = (
    "Условия содержания в целом соответствуют требованиям действующего законодательства, "
    "санитарное состояние удовлетворительное, жалоб от осуждённых не поступало, "
    "администрацией принимаются меры по улучшению материально-технической базы."
)


def finding(rng: random.Random) -> str:
    parts = [
        f"В {rng.choice(PLACES)} № {rng.randint(1, 40)} {rng.choice(PROBLEMS)}, "
        f"{rng.choice(PROBLEMS)}; {rng.choice(SOURCES)} {rng.choice(NAMES)}, "
        f"так с {rng.randint(1, 28)}.{rng.randint(1, 12):02d}, содержится {rng.randint(2, 12)} человек."
    ]
    parts += rng.sample(EXTRA, rng.randint(1, 3))
    return " ".join(parts)


def new_text(rng: random.Random) -> str:
    """A finding written otherwise than the stored ones, on the same subjects."""
    return (
        f"Осмотр {rng.choice(PLACES)} {rng.randint(1, 40)}-го корпуса {rng.randint(1, 28)} числа: "
        f"{rng.choice(PROBLEMS)} и {rng.choice(PROBLEMS)}, о чём {rng.choice(NAMES)} говорил "
        f"ещё при прошлом посещении; на {rng.randint(10, 90)} мест приходится {rng.randint(2, 9)} "
        "исправных кроватей, остальные без сеток."
    )


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    with throwaway_database() as vendor:
        from django.db import connection, transaction

        from kuzet.quality import copies, similarity
        from kuzet.quality.models import TextBand, TextFingerprint

        rng = random.Random(15)
        stored: list[tuple[str, int]] = []
        started = time.perf_counter()
        batch = 5000
        for first in range(0, total, batch):
            texts = []
            for i in range(first, min(total, first + batch)):
                text = BOILERPLATE if rng.random() < 0.03 else finding(rng)
                texts.append((text, rng.randint(1, 500), i))
            rows = []
            for text, institution, i in texts:
                words = similarity.normalised(text)
                rows.append(
                    (
                        TextFingerprint(
                            kind="finding",
                            source=f"visits.finding:{i}",
                            institution_id=institution,
                            text=words,
                        ),
                        copies.band_hashes("finding", words),
                    )
                )
                if len(stored) < 2000 and text != BOILERPLATE:
                    stored.append((text, institution))
            with transaction.atomic():
                made = TextFingerprint.objects.bulk_create([f for f, _ in rows])
                bands = [
                    (f.pk, band, f.institution_id)
                    for f, (_, hashes) in zip(made, rows, strict=True)
                    for band in hashes
                ]
                if vendor == "postgresql":
                    with (
                        connection.cursor() as cursor,
                        cursor.cursor.copy(
                            "COPY quality_textband (fingerprint_id, band, institution_id) FROM STDIN"
                        ) as copy,
                    ):
                        for row in bands:
                            copy.write_row(row)
                else:
                    TextBand.objects.bulk_create(
                        [TextBand(fingerprint_id=f, band=b, institution_id=i) for f, b, i in bands],
                        batch_size=10000,
                    )
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE quality_textband; ANALYZE quality_textfingerprint")
        load = time.perf_counter() - started
        print(
            f"{vendor}: {total:,} texts fingerprinted and stored in {load:.0f} s "
            f"({TextBand.objects.count():,} band rows)"
        )

        def timed(text: str, institution: int) -> tuple[float, list[copies.CopyMatch]]:
            begin = time.perf_counter()
            found = copies.find_copies("finding", text, exclude_institution_id=institution)
            return (time.perf_counter() - begin) * 1000, found

        for name, cases in [
            (
                "copies (a number and a name changed)",
                [
                    (t.replace("№", "№ 1").replace(n, "Жумабаев"), inst + 1000)
                    for t, inst in rng.sample(stored, 100)
                    for n in NAMES
                    if n in t
                ][:100],
            ),
            (
                "new texts (other wording)",
                [(new_text(random.Random(10**6 + k)), 9999) for k in range(80)],
            ),
            ("the boilerplate shared by 3 %", [(BOILERPLATE, 9999)] * 20),
        ]:
            times, hits = [], 0
            timed(*cases[0])  # warm
            for text, institution in cases:
                ms, found = timed(text, institution)
                times.append(ms)
                hits += bool(found)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            begin = time.perf_counter()
            for text, _institution in cases:
                copies.band_hashes("finding", similarity.normalised(text))
            hashing = (time.perf_counter() - begin) * 1000 / len(cases)
            print(
                f"  {name:<40} {len(cases):>4} texts: median {statistics.median(times):6.1f} ms, "
                f"95th percentile {p95:6.1f} ms, max {times[-1]:6.1f} ms (of which hashing "
                f"{hashing:.1f} ms); found a copy for {hits}"
            )


if __name__ == "__main__":
    main()
