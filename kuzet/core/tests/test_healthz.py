"""/healthz: the database, the cache, the background worker's heartbeat and the queue; no
secrets; 503 when this instance cannot serve, "degraded" when no worker runs."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kuzet.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def beat(worker_id: str, seconds_ago: int) -> None:
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="app-1", pid=1, started_at=seen, seen_at=seen
    )


def health() -> tuple[int, dict[str, Any]]:
    response = Client().get("/healthz")
    return response.status_code, response.json()


def test_all_well_with_a_live_worker_and_an_empty_queue() -> None:
    beat("w1", seconds_ago=3)
    status, body = health()
    assert status == 200
    assert body == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "worker": {
            "status": "ok",
            "live": 1,
            "last_seen_seconds": body["worker"]["last_seen_seconds"],
        },
        "queue": {"waiting": 0, "running": 0, "oldest_waiting_seconds": None},
    }
    assert 0 <= body["worker"]["last_seen_seconds"] <= 60
    assert "app-1" not in str(body)  # no host names, process ids or task ids


def test_no_worker_ever_seen_is_degraded_but_the_instance_still_serves() -> None:
    status, body = health()
    assert status == 200
    assert body["status"] == "degraded"
    assert body["worker"] == {"status": "none", "live": 0, "last_seen_seconds": None}


def test_a_worker_unseen_for_longer_than_the_limit_is_stale(settings: Any) -> None:
    settings.WORKER_STALE_SECONDS = 60
    beat("w1", seconds_ago=600)
    status, body = health()
    assert status == 200 and body["status"] == "degraded"
    assert body["worker"]["status"] == "stale" and body["worker"]["last_seen_seconds"] >= 600


@override_settings(TASKS=DATABASE_TASKS)
def test_the_queue_counts_waiting_and_running_tasks() -> None:
    from kuzet.dashboard.tasks import catch_up_facts

    beat("w1", seconds_ago=1)
    catch_up_facts.enqueue()
    catch_up_facts.enqueue()
    DBTaskResult.objects.order_by("enqueued_at").first().claim("w1")  # type: ignore[union-attr]
    _status, body = health()
    assert body["queue"]["waiting"] == 1 and body["queue"]["running"] == 1
    assert body["queue"]["oldest_waiting_seconds"] is not None


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 1: the cache is down.
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
)
def test_a_cache_that_does_not_answer_gives_503() -> None:
    beat("w1", seconds_ago=1)
    status, body = health()
    assert status == 503
    assert body["status"] == "error" and body["cache"] == "unreachable"
    assert body["database"] == "ok"


@override_settings(TASKS=DATABASE_TASKS)
def test_the_worker_records_the_task_it_runs_and_leaves_no_heartbeat_when_it_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kuzet.dashboard import tasks

    # The worker closes connections that are not in autocommit, as a test's transaction is not.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    seen: list[tuple[str, str]] = []

    def catch_up() -> int:
        seen.extend(WorkerHeartbeat.objects.values_list("worker_id", "task_id"))
        return 0

    monkeypatch.setattr(tasks, "facts_catch_up", catch_up)
    result = tasks.catch_up_facts.enqueue()
    call_command(
        "db_worker",
        batch=True,
        reload=False,
        startup_delay=False,
        interval=0,
        verbosity=0,
        worker_id="worker-7",
    )
    assert seen == [("worker-7", str(result.id))]
    assert not WorkerHeartbeat.objects.exists()
    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"
