"""Compile and check Kuzet's translations without GNU gettext.

``python -m kuzet.core.translations compile`` writes the .mo files next to the .po files
(polib, so ``make run`` needs no system gettext); ``check`` exits non-zero listing every
untranslated, fuzzy or obsolete entry in the required languages. ``make messages``
(Django's makemessages) still needs gettext, but only when strings change.
"""

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
REQUIRED_LANGUAGES = ("ru", "kk")


def po_files() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def compile_all() -> int:
    for path in po_files():
        polib.pofile(str(path)).save_as_mofile(str(path.with_suffix(".mo")))
    return 0


def problems() -> list[str]:
    found: list[str] = []
    for language in REQUIRED_LANGUAGES:
        for domain in ("django",):
            path = LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"
            if not path.exists():
                found.append(f"{path}: missing")
                continue
            catalog = polib.pofile(str(path))
            for entry in catalog.untranslated_entries():
                found.append(f"{path}:{entry.linenum}: untranslated: {entry.msgid!r}")
            for entry in catalog.fuzzy_entries():
                found.append(f"{path}:{entry.linenum}: fuzzy: {entry.msgid!r}")
            for entry in catalog.obsolete_entries():
                found.append(f"{path}:{entry.linenum}: obsolete: {entry.msgid!r}")
    return found


def check() -> int:
    found = problems()
    for line in found:
        sys.stderr.write(line + "\n")
    if found:
        sys.stderr.write(
            f"{len(found)} translation problem(s); run `make messages` and translate them\n"
        )
        return 1
    print(f"translations complete: {', '.join(REQUIRED_LANGUAGES)}")
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    sys.exit({"compile": compile_all, "check": check}[command]())
