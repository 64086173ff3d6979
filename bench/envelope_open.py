"""Benchmark: the server's CPU time to open one sealed record, envelope v1 against v2.

    .venv/bin/python bench/envelope_open.py [--records 1000] [--rounds 5] [--kib 18]

v1 (``RSA-OAEP-256+A256GCM``) unwraps the record's AES key with RSA-3072; v2
(``ECDH-ES+HKDF-SHA256+A256GCM``) derives it with one P-256 ECDH and HKDF-SHA256
(docs/field-api.md, "Sealing"). Each record is the response record of
``bench/sync_throughput.py`` (a checklist of 250 answers: 12.8 KiB of JSON, about 18 KiB
as sent in base64), padded with a note to ``--kib`` KiB of ciphertext (18 by default, the
issue's figure; ``--kib 0`` leaves it as it is), sealed before the clock starts, each with its own key and IV, as tablets seal them; the
clock covers ``kuzet.field.keys.open_envelope`` alone (base64, the key, AES-GCM), not
the JSON or the database. Rounds alternate v1 and v2, so a change of the machine's load
hits both; the figures are CPU time of this process (``time.process_time``), with
``uptime`` before and after: other engineers share the CPU.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000, help="records per version and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kib", type=float, default=18, help="ciphertext size (0: as it is)")
    args = parser.parse_args()

    from django.conf import settings

    work = Path(tempfile.mkdtemp(prefix="kuzet-bench-envelope-"))
    settings.configure(
        FIELD_PRIVATE_KEY_FILE=work / "field-private-key.pem",
        FIELD_OLD_PRIVATE_KEY_FILES=[],
        FIELD_EC_PRIVATE_KEY_FILE=work / "field-ec-private-key.pem",
        FIELD_OLD_EC_PRIVATE_KEY_FILES=[],
    )
    from sync_throughput import SEALS, answers, record  # type: ignore[import-not-found]

    from kuzet.field import keys

    server_keys = {1: keys.current_key(), 2: keys.current_ec_key()}
    filled = answers()

    def sealed(version: int) -> dict[str, Any]:
        rec = record("response", 1, {"version": 1, "answers": filled})
        plaintext = json.dumps(rec).encode()
        missing = int(args.kib * 1024) - 16 - len(plaintext)  # GCM's tag is 16 bytes
        if missing > 0:
            rec["note"] = "x" * max(0, missing - len(', "note": ""'))
            plaintext = json.dumps(rec).encode()
        key = server_keys[version]
        return SEALS[version](plaintext, spki=key.spki_base64, kid=key.kid)

    envelopes = {v: [sealed(v) for _ in range(args.records)] for v in (1, 2)}
    sample = envelopes[2][0]
    ct_kib = len(keys._b64(sample["ct"])) / 1024
    plain_bytes = len(keys.open_envelope(v=2, **_fields(sample)))
    # Both open to the same record; a damaged one would raise and stop the bench.
    assert plain_bytes == len(keys.open_envelope(v=1, **_fields(envelopes[1][0])))

    def timed(version: int) -> float:
        batch = envelopes[version]
        began = time.process_time()
        for envelope in batch:
            keys.open_envelope(v=version, **_fields(envelope))
        return (time.process_time() - began) / len(batch)

    for version in (1, 2):  # warm-up: the key files read, the code paths taken
        timed(version)
    before = uptime()
    per_record: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.rounds):
        for version in (1, 2):
            per_record[version].append(timed(version))
    after = uptime()

    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; one record: {plain_bytes / 1024:.1f} KiB of "
        f"JSON, {ct_kib:.1f} KiB of ciphertext; {args.records} records × {args.rounds} rounds "
        "per version.\n"
    )
    print("| envelope | CPU per open, median of rounds | best round | worst round |")
    print("|---|---|---|---|")
    names = {1: "v1 RSA-OAEP-3072 + AES-256-GCM", 2: "v2 ECDH-ES P-256 + HKDF + AES-256-GCM"}
    for version in (1, 2):
        rounds = per_record[version]
        print(
            f"| {names[version]} | {statistics.median(rounds) * 1000:.3f} ms | "
            f"{min(rounds) * 1000:.3f} ms | {max(rounds) * 1000:.3f} ms |"
        )
    saved = statistics.median(per_record[1]) - statistics.median(per_record[2])
    print(f"\nv2 saves {saved * 1000:.3f} ms of CPU per record "
          f"({statistics.median(per_record[1]) / statistics.median(per_record[2]):.1f}× faster to open).")  # fmt: skip
    print(f"\nuptime before: {before}\nuptime after:  {after}")


def _fields(envelope: dict[str, Any]) -> dict[str, str]:
    return {name: envelope[name] for name in ("kid", "key", "iv", "ct")}


if __name__ == "__main__":
    main()
