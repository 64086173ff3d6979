"""manage.py access_matrix: the access-control matrix, computed from the policy."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from kuzet.core.access_matrix import as_csv, as_markdown


class Command(BaseCommand):
    help = (
        "Print the access-control matrix computed from kuzet/core/policy.py and "
        "kuzet/core/access.py (docs/security/access-matrix.md is its Markdown output)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--format", choices=["md", "csv"], default="md")

    def handle(self, *args: Any, **options: Any) -> None:
        text = as_markdown() if options["format"] == "md" else as_csv()
        self.stdout.write(text, ending="")
