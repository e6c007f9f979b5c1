#!/bin/sh
# TollGuard hook for FreeSWITCH: on `suspend`, block the account's outbound calls and hang up
# its live calls; on `unsuspend`, unblock it. Other events (would_suspend, alert…) are ignored.
#
#   [[hooks]]
#   name = "freeswitch"
#   type = "program"
#   path = "/usr/local/lib/tollguard/hooks/freeswitch-block.sh"
#   events = ["suspend", "unsuspend"]
#   # arguments = ["/usr/local/freeswitch/bin/fs_cli"]   # the fs_cli to use (default: fs_cli on PATH)
#
# Blocking uses FreeSWITCH's mod_db store (it survives a restart): the key
# tollguard_blocked/<account> is set to 1. Add this first in the outbound dial plan context
# (use the variable your CDR accountcode comes from; ${accountcode} or ${user_name}):
#
#   <extension name="tollguard-blocked" continue="false">
#     <condition field="${db(select/tollguard_blocked/${accountcode})}" expression="^1$">
#       <action application="respond" data="403 Forbidden"/>
#     </condition>
#   </extension>
#
# Live calls are hung up one by one with `uuid_kill <uuid> CALL_REJECTED`: candidates from
# `show channels`, each confirmed by its own accountcode (`uuid_getvar`), compared exactly as
# text — never `hupall`, whose filter with an empty value would hang up every call on the switch.
#
# The account comes from call data and may be hostile: it is used only if it is a plain account
# name, and it is only ever passed as data (quoted, through awk's ENVIRON), never evaluated.
# fs_cli reads its password from ~/.fs_cli_conf (or /etc/fs_cli.conf).
set -eu
fs_cli=${1:-fs_cli}
account=${TOLLGUARD_ACCOUNT:-}
case "$account" in
    '' | *[!A-Za-z0-9_.@+-]*)
        echo "refusing account name '$account': not a plain account name" >&2
        exit 2
        ;;
esac

case "${TOLLGUARD_EVENT:-}" in
suspend)
    "$fs_cli" -x "db insert/tollguard_blocked/$account/1"
    # Candidates: the uuid (first field) of each listed channel whose line holds the account
    # anywhere. A caller-ID name or a dialled number may hold the separator, so no field after
    # the first is trusted by its position; each candidate's accountcode is asked of the switch
    # and compared with the account as a string, exactly ("01001", "1001.0" or "+1001" is not
    # "1001").
    "$fs_cli" -x "show channels as delim |" | awk '
        NR > 1 && index($0, ENVIRON["TOLLGUARD_ACCOUNT"]) > 0 { split($0, field, "|"); print field[1] }
    ' | while read -r uuid; do
        case "$uuid" in
            *[!0-9a-fA-F-]* | '') continue ;;
        esac
        code=$("$fs_cli" -x "uuid_getvar $uuid accountcode")
        [ "$code" = "$account" ] || continue
        "$fs_cli" -x "uuid_kill $uuid CALL_REJECTED"
        echo "killed $uuid"
    done
    ;;
unsuspend)
    "$fs_cli" -x "db delete/tollguard_blocked/$account"
    ;;
*)
    echo "ignoring ${TOLLGUARD_EVENT:-} event"
    ;;
esac
