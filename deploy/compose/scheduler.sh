#!/bin/sh
# The scheduled jobs for the container layout (the systemd timers' counterpart): every five
# minutes recover_reports and catch_up_dashboard_facts; once a day expire_uploads,
# expire_reports, anchor_audit and apply_application_retention, and, when KUZET_BACKUP_DIR is set
# (a volume on another disk, with KUZET_BACKUP_KEY_FILE a secret), an encrypted backup verified
# after. Every command is harmless when run twice, so a restart
# of this container that repeats a run does no damage.
set -u
last_day=""
while true; do
  python manage.py recover_reports || echo "recover_reports failed" >&2
  python manage.py catch_up_dashboard_facts -v0 || echo "catch_up_dashboard_facts failed" >&2
  today=$(date +%F)
  if [ "$today" != "$last_day" ] && [ "$(date +%H)" -ge 2 ]; then
    for job in expire_uploads expire_reports anchor_audit apply_application_retention; do
      python manage.py "$job" || echo "$job failed" >&2
    done
    if [ -n "${KUZET_BACKUP_DIR:-}" ]; then
      dir="$KUZET_BACKUP_DIR/$(date -u +%Y%m%dT%H%M%SZ)"
      { python manage.py backup --to "$dir" && python manage.py backup --verify "$dir"; } \
        || echo "backup failed" >&2
    fi
    last_day=$today
  fi
  sleep 300
done
