#!/bin/sh
# TollGuard hook: log every event it receives to a file — one readable line, then the event's
# JSON on the next line. The file is the first argument (default /var/log/tollguard/hook-events.log).
#
#   [[hooks]]
#   name = "log"
#   type = "program"
#   path = "/usr/local/lib/tollguard/hooks/log-event.sh"
#   arguments = ["/var/log/tollguard/hook-events.log"]
#   events = ["alert", "suspend", "unsuspend", "quota_warning"]
#
# Everything in an event can come from an attacker (account names, caller names, numbers): it is
# only ever quoted here, never evaluated, and control characters are dropped from the line.
set -eu
log=${1:-/var/log/tollguard/hook-events.log}
json=$(cat)
line=$(printf '%s %s %s %s: %s' "${TOLLGUARD_TIME:-}" "${TOLLGUARD_EVENT:-}" "${TOLLGUARD_SUBJECT_TYPE:-}" \
    "${TOLLGUARD_SUBJECT:-}" "${TOLLGUARD_REASON:-}" | tr -d '\000-\037')
printf '%s\n%s\n' "$line" "$json" >> "$log"
