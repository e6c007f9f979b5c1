#!/bin/sh
# TollGuard hook: e-mail each event through the local sendmail interface (Postfix, Exim, or msmtp
# with msmtp-mta installed). Arguments: the recipient, then optionally the sender.
#
#   [[hooks]]
#   name = "mail-ops"
#   type = "program"
#   path = "/usr/share/tollguard/hooks/email-event.sh"
#   arguments = ["noc@example.net", "tollguard@pbx.example.net"]
#   events = ["suspend", "unsuspend", "quota_warning", "alert"]
#   min_severity = "high"
#
# Everything in an event can come from an attacker (account names, caller names, numbers): it is
# only ever quoted, never evaluated; control characters (line breaks included) are dropped from
# the subject, so nothing in an event can add a header or a recipient. The recipient is given to
# sendmail as an argument (not read from the headers, no -t).
set -eu
to=${1:?usage: email-event.sh RECIPIENT [SENDER]}
from=${2:-tollguard@$(hostname 2>/dev/null || echo localhost)}
case "$to$from" in
*[!A-Za-z0-9@._+-]*) echo "email-event.sh: refusing an address with other characters: $to $from" >&2; exit 2 ;;
esac
clean() { printf '%s' "$1" | tr -d '\000-\037\177' | cut -c1-180; }
json=$(cat)
subject=$(clean "[TollGuard] ${TOLLGUARD_EVENT:-event} ${TOLLGUARD_SUBJECT_TYPE:-} ${TOLLGUARD_SUBJECT:-}: ${TOLLGUARD_REASON:-}")
{
    printf 'From: %s\n' "$from"
    printf 'To: %s\n' "$to"
    printf 'Subject: %s\n' "$subject"
    printf 'Content-Type: text/plain; charset=utf-8\n'
    printf 'Auto-Submitted: auto-generated\n'
    printf '\n'
    printf 'Event:    %s (%s)\n' "$(clean "${TOLLGUARD_EVENT:-}")" "$(clean "${TOLLGUARD_EVENT_ID:-}")"
    printf 'Time:     %s\n' "$(clean "${TOLLGUARD_TIME:-}")"
    printf 'Subject:  %s %s\n' "$(clean "${TOLLGUARD_SUBJECT_TYPE:-}")" "$(clean "${TOLLGUARD_SUBJECT:-}")"
    printf 'Severity: %s\n' "$(clean "${TOLLGUARD_SEVERITY:-}")"
    printf 'Reason:   %s\n' "$(clean "${TOLLGUARD_REASON:-}")"
    if [ -n "${TOLLGUARD_COST:-}" ]; then
        printf 'Calls:    %s, %s %s\n' "$(clean "${TOLLGUARD_CALLS:-}")" "$(clean "$TOLLGUARD_COST")" \
            "$(clean "${TOLLGUARD_CURRENCY:-}")"
    fi
    printf '\nThe event as JSON:\n%s\n' "$json"
} | ${TOLLGUARD_SENDMAIL:-sendmail} -i -f "$from" -- "$to"
