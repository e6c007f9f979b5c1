#!/bin/sh
# TollGuard hook: ban the source IP of an alert about an IP address with nftables. Events whose
# subject is not an IP are ignored. Arguments: the ban's timeout (default 24h), then addresses
# never to ban (your offices, your carriers).
#
#   [[hooks]]
#   name = "nft-ban"
#   type = "program"
#   path = "/usr/local/lib/tollguard/hooks/nft-ban-ip.sh"
#   events = ["alert"]
#   min_severity = "high"
#   arguments = ["24h", "203.0.113.10", "2001:db8::10"]
#
# Create the table and sets once (e.g. in /etc/nftables.conf):
#
#   table inet tollguard {
#     set banned_v4 { type ipv4_addr; flags timeout; }
#     set banned_v6 { type ipv6_addr; flags timeout; }
#     chain input {
#       type filter hook input priority -10;
#       ip saddr @banned_v4 drop
#       ip6 saddr @banned_v6 drop
#     }
#   }
#
# The address is TOLLGUARD_IP, which TollGuard sets only when the alert's subject parses as an
# IP address; it is checked again here.
set -eu
ip=${TOLLGUARD_IP:-}
timeout=${1:-24h}
[ $# -gt 0 ] && shift
if [ -z "$ip" ]; then
    echo "no IP in this ${TOLLGUARD_EVENT:-} event; nothing to ban"
    exit 0
fi
case "$timeout" in
    *[!0-9smhd]* | '')
        echo "refusing timeout '$timeout'" >&2
        exit 2
        ;;
esac
case "$ip" in
    *[!0-9a-fA-F.:]*)
        echo "refusing '$ip': not an IP address" >&2
        exit 2
        ;;
esac
for allowed in "$@"; do
    if [ "$allowed" = "$ip" ]; then
        echo "$ip is allow-listed; not banned"
        exit 0
    fi
done
case "$ip" in
    *:*) set_name=banned_v6 ;;
    *) set_name=banned_v4 ;;
esac
nft add element inet tollguard "$set_name" "{ $ip timeout $timeout }"
echo "banned $ip for $timeout"
