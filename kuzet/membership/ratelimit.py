"""Fixed-window limits on public requests (applying, looking up a mandate), counted in the
database under a row lock as people.throttle counts failed sign-ins, so that every app
server shares them; the key is a keyed hash, so no address or e-mail is stored in clear."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from kuzet.membership.models import RateCounter


class RateLimited(Exception):
    """Too many requests of this kind from this source in the window."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _key(scope: str, value: str) -> str:
    return salted_hmac("kuzet.membership.rate", f"{scope}\0{value}", algorithm="sha256").hexdigest()


@transaction.atomic
def rate_take(*, scope: str, value: str, limit: int, window: timedelta) -> None:
    """Count one request of ``scope`` from ``value``; raise RateLimited past ``limit``."""
    now: datetime = timezone.now()
    RateCounter.objects.filter(window_start__lt=now - timedelta(days=2)).delete()
    row, _created = RateCounter.objects.select_for_update().get_or_create(
        scope=scope, key=_key(scope, value), defaults={"window_start": now}
    )
    if row.window_start + window <= now:
        row.window_start, row.count = now, 0
    if row.count >= limit:
        remaining = row.window_start + window - now
        raise RateLimited(max(1, int(remaining.total_seconds())))
    row.count += 1
    row.save(update_fields=["window_start", "count"])
