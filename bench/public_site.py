"""Benchmark: the public site's pages and data files, answered from the cache.

Builds a throw-away database (``throwaway.py``) with the demo year (60 visits, their
recommendations, the demo official's answers), then for every public page and data file of
the three languages: one load that renders it (a cache miss), then ``--loads`` loads from the
cache (each still reads the data's version: five indexed MAX queries). Prints median and p95
of both, through Django's test client.

    .venv/bin/python bench/public_site.py --loads 50
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kuzet .venv/bin/python bench/public_site.py
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway import throwaway_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=50)
    args = parser.parse_args()
    with throwaway_database() as vendor:
        run(args.loads, vendor)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def run(loads: int, vendor: str) -> None:
    from datetime import date

    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from kuzet.public import data
    from kuzet.public.views import DATASETS
    from kuzet.recommendations.models import Addressee

    settings.DEMO = True  # the demo year's generator refuses to run otherwise
    call_command("load_library", stdout=io.StringIO())
    call_command("load_demo_data", "--today", date(2026, 12, 3).isoformat(), "--no-reports",
                 stdout=io.StringIO())  # fmt: skip
    settings.DEMO = False
    cache.clear()
    urls = []
    for lang in ("ru", "kk", "en"):
        urls.append(reverse("public:index", args=[lang]))
        urls += [reverse("public:index", args=[lang]) + f"?year={y}" for y in data.years()]
        urls.append(reverse("public:reports", args=[lang]))
        urls.append(reverse("public:open_data", args=[lang]))
        urls.append(reverse("public:addressees", args=[lang]))
        urls += [
            reverse("public:addressees", args=[lang]) + f"?addressee={a.code}"
            for a in Addressee.objects.filter(recommendations__isnull=False).distinct()
        ]
        urls += [
            reverse("public:data_file", args=[lang, d, f])
            for d in DATASETS
            for f in ("csv", "json")
        ]
    client = Client()
    misses: list[float] = []
    hits: list[float] = []
    for url in urls:
        began = time.perf_counter()
        response = client.get(url)
        misses.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200 and response["X-Kuzet-Cache"] == "miss", url
        for _ in range(loads):
            began = time.perf_counter()
            response = client.get(url)
            hits.append((time.perf_counter() - began) * 1000)
            assert response["X-Kuzet-Cache"] == "hit", url
    print(f"{vendor}: {len(urls)} public pages and data files, {loads} cached loads each")
    print(
        f"  rendered (cache miss): median {statistics.median(misses):.1f} ms, p95 {p95(misses):.1f} ms"
    )
    print(
        f"  from the cache:        median {statistics.median(hits):.1f} ms, p95 {p95(hits):.1f} ms"
    )


if __name__ == "__main__":
    main()
