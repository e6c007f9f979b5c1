#!/bin/sh
# TollGuard hook for Asterisk: on `suspend`, block the account's outbound calls and hang up its
# live channels; on `unsuspend`, unblock it. Other events (would_suspend, alert…) are ignored.
#
#   [[hooks]]
#   name = "asterisk"
#   type = "program"
#   path = "/usr/local/lib/tollguard/hooks/asterisk-block.sh"
#   events = ["suspend", "unsuspend"]
#   # arguments = ["/usr/sbin/asterisk"]   # the asterisk binary to use (default: asterisk on PATH)
#
# Blocking uses the AstDB (it survives a restart): tollguard/blocked/<account> = 1. First in the
# outbound context of extensions.conf (use what your CDR accountcode is set from):
#
#   exten => _X.,1,GotoIf($["${DB(tollguard/blocked/${CHANNEL(accountcode)})}" = "1"]?blocked,1)
#   ...
#   exten => blocked,1,Hangup(21)
#
# Live channels are picked from `core show channels concise` by an exact accountcode match (read
# from the right of each line, where the caller cannot shift it) and hung up one by one with
# `channel request hangup <channel>`.
#
# The account comes from call data and may be hostile: it is used only if it is a plain account
# name, and it is only ever passed as data, never evaluated.
set -eu
asterisk=${1:-asterisk}
account=${TOLLGUARD_ACCOUNT:-}
case "$account" in
    '' | *[!A-Za-z0-9_.@+-]*)
        echo "refusing account name '$account': not a plain account name" >&2
        exit 2
        ;;
esac

case "${TOLLGUARD_EVENT:-}" in
suspend)
    "$asterisk" -rx "database put tollguard/blocked $account 1"
    # concise (Asterisk 12+, 14 fields): Channel!Context!Exten!Priority!State!App!Data!CallerID!
    # AccountCode!PeerAccount!AMAFlags!Duration!BridgeID!UniqueID. The dialled digits, the data
    # and the caller ID are the caller's text and may hold "!", which shifts every field after
    # them: the account code is read from the right, behind the switch's own fields (uniqueid,
    # bridge, duration, AMA flags, peer account), and compared as text, exactly ("01001",
    # "1001.0" or "+1001" is not "1001").
    "$asterisk" -rx "core show channels concise" | awk -F'!' '
        NF >= 14 && $NF ~ /^[0-9]+\.[0-9]+$/ && $(NF - 2) ~ /^-?[0-9]+$/ && $(NF - 3) ~ /^[0-9]+$/ \
            && ($(NF - 5) "") == (ENVIRON["TOLLGUARD_ACCOUNT"] "") { print $1 }
    ' | while read -r channel; do
        case "$channel" in
            *[!A-Za-z0-9_./@:+-]* | '') continue ;;
        esac
        "$asterisk" -rx "channel request hangup $channel"
        echo "hung up $channel"
    done
    ;;
unsuspend)
    "$asterisk" -rx "database del tollguard/blocked $account"
    ;;
*)
    echo "ignoring ${TOLLGUARD_EVENT:-} event"
    ;;
esac
