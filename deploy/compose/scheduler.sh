#!/bin/sh
# The scheduled jobs for the container layout (the systemd timers' counterpart): every five
# minutes recover_reports and catch_up_dashboard_facts; once a day expire_uploads,
# expire_reports, anchor_audit and apply_application_retention. Every command is harmless when run twice, so a restart
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
    last_day=$today
  fi
  sleep 300
done
