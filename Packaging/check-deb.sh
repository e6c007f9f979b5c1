#!/usr/bin/env bash
# Installs a TollGuard .deb on THIS machine and checks it as a Debian admin would use it; CI runs
# it (as root, on a throwaway machine) after Packaging/build-deb.sh:
#
#   Packaging/check-deb.sh .build/debian/tollguard_*.deb
#
# It installs with dpkg -i, checks the files, user, folders and conffiles, runs `tollguard demo`
# from /usr/bin as the tollguard user, verifies the installed systemd units with
# `systemd-analyze verify`, runs the nightly unit's commands as the unit would, reinstalls over an
# edited configuration, and removes and purges the package.
set -euo pipefail
deb=${1:?usage: check-deb.sh PATH.deb}
[ "$(id -u)" = "0" ] || { echo "check-deb: run as root (it installs the package)" >&2; exit 1; }

step() { printf '\ncheck-deb: %s\n' "$*"; }
fail() { echo "check-deb: FAILED: $*" >&2; exit 1; }
scratch=$(mktemp -d)
chmod 755 "$scratch"
trap 'rm -rf "$scratch"' EXIT

step "dpkg -i $deb"
dpkg -i "$deb"
[ "$(dpkg-query -W -f='${Status}' tollguard)" = "install ok installed" ] || fail "tollguard is not installed"
dpkg-deb --info "$deb" | sed -n '/Package:/,/Description:/p'

step "files"
[ "$(command -v tollguard)" = "/usr/bin/tollguard" ] || fail "tollguard is not /usr/bin/tollguard"
/usr/bin/tollguard --version
if ldd /usr/bin/tollguard | grep libswift; then fail "the binary needs a Swift runtime"; fi
for path in /usr/lib/systemd/system/tollguard.service /usr/lib/systemd/system/tollguard-analyze.service \
    /usr/lib/systemd/system/tollguard-analyze.timer /usr/lib/systemd/system/tollguard-hooks.service \
    /usr/lib/systemd/system/tollguard-hooks.timer /etc/tollguard/tollguard.toml \
    /etc/fail2ban/filter.d/tollguard.conf /etc/fail2ban/jail.d/tollguard.local /etc/logrotate.d/tollguard \
    /usr/share/doc/tollguard/copyright; do
    [ -f "$path" ] || fail "$path is missing"
done
for hook in log-event.sh freeswitch-block.sh asterisk-block.sh nft-ban-ip.sh email-event.sh chat-relay.py; do
    [ -x "/usr/share/tollguard/hooks/$hook" ] || fail "hook example $hook is missing or not executable"
done
if grep -l /usr/local/bin /usr/lib/systemd/system/tollguard*; then fail "a unit names /usr/local/bin"; fi
conffiles=$(dpkg-query -W -f='${Conffiles}\n' tollguard)
for conffile in /etc/tollguard/tollguard.toml /etc/fail2ban/filter.d/tollguard.conf \
    /etc/fail2ban/jail.d/tollguard.local /etc/logrotate.d/tollguard; do
    grep -q " $conffile " <<<"$conffiles" || fail "$conffile is not a conffile"
done

step "the tollguard system user and its folders"
entry=$(getent passwd tollguard) || fail "no tollguard user"
echo "$entry"
uid=$(cut -d: -f3 <<<"$entry")
[ "$uid" -lt 1000 ] || fail "tollguard is not a system user (uid $uid)"
[ "$(stat -c %U /var/lib/tollguard)" = "tollguard" ] || fail "/var/lib/tollguard is not tollguard's"
[ "$(stat -c %U /var/log/tollguard)" = "tollguard" ] || fail "/var/log/tollguard is not tollguard's"
[ -f /var/log/tollguard/bans.log ] || fail "the ban log fail2ban's jail reads does not exist"

step "the installed configuration is valid"
/usr/bin/tollguard config check --config /etc/tollguard/tollguard.toml

step "systemd-analyze verify"
verify_log="$scratch/verify.log"
if ! systemd-analyze verify /usr/lib/systemd/system/tollguard*.service /usr/lib/systemd/system/tollguard*.timer \
    >"$verify_log" 2>&1; then
    cat "$verify_log"
    fail "systemd-analyze verify rejects the installed units"
fi
# It also prints what it thinks of units outside ours; ours must draw no remark.
if grep -i tollguard "$verify_log"; then fail "systemd-analyze verify has remarks on the units (above)"; fi
echo "units verified"

if command -v fail2ban-client >/dev/null; then
    step "fail2ban reads the installed jail and filter"
    # The site's other jails (Debian enables sshd) are not ours to judge: test ours on its own.
    jails="$scratch/fail2ban"
    cp -r /etc/fail2ban "$jails"
    find "$jails/jail.d" -type f ! -name tollguard.local -delete
    rm -f "$jails/jail.local"
    fail2ban-client -c "$jails" --test >"$scratch/fail2ban.log" 2>&1 || { cat "$scratch/fail2ban.log"; fail "fail2ban-client --test"; }
    fail2ban-client -c "$jails" -d 2>/dev/null | grep -q "'add', 'tollguard'" \
        || { cat "$scratch/fail2ban.log"; fail "fail2ban did not load the tollguard jail"; }
    echo "fail2ban: jail tollguard loads"
fi
if command -v logrotate >/dev/null; then
    step "logrotate reads the installed rule"
    logrotate --debug /etc/logrotate.d/tollguard >"$scratch/logrotate.log" 2>&1 || { cat "$scratch/logrotate.log"; fail "logrotate"; }
    grep -q "/var/log/tollguard/\*.log" "$scratch/logrotate.log" || { cat "$scratch/logrotate.log"; fail "logrotate did not read the rule"; }
    echo "logrotate: rule read"
fi

step "tollguard demo from /usr/bin, as the tollguard user"
work="$scratch/work"
install -d -o tollguard -g tollguard "$work"
(cd "$work" && runuser -u tollguard -- /usr/bin/tollguard demo --directory "$work/demo") | tee "$scratch/demo.log"
grep -q "alerts" "$scratch/demo.log" || fail "the demo printed no alerts"
[ -s "$work/demo/tollguard.sqlite" ] || fail "the demo wrote no store"

step "the nightly unit's commands, run as the unit runs them"
unit=/usr/lib/systemd/system/tollguard-analyze.service
value() { sed -n "s/^$1=//p" "$unit"; }
user=$(value User)
directory=$(value WorkingDirectory)
environment=$(value Environment)
cdr=/var/log/freeswitch/cdr-csv
mkdir -p "$cdr"
# A week of a PBX up to yesterday, where FreeSWITCH writes it; yesterday rotated away already.
runuser -u tollguard -- /usr/bin/tollguard simulate --days 6 --start "$(date -d '6 days ago' +%F)" \
    --out "$work/week.csv" >/dev/null
cp "$work/week.csv" "$cdr/Master.csv.1"
: >"$cdr/Master.csv"
chmod 644 "$cdr"/Master.csv*
# Unconfigured, the ingest names what to set, and analyze does not run.
status=0
(cd "$directory" && runuser -u "$user" -- env "$environment" /usr/bin/tollguard ingest --rotated) \
    2>"$scratch/ingest.err" || status=$?
cat "$scratch/ingest.err"
[ "$status" = "64" ] || fail "ingest without [ingest] files exited $status, not 64"
grep -q "\[ingest\] files in /etc/tollguard/tollguard.toml" "$scratch/ingest.err" || fail "the error does not name the setting"
# Configured as the admin would (an edit of the conffile, kept across the reinstall below).
sed -i "s|^files = \[\]|files = [\"$cdr/Master.csv\"]|" /etc/tollguard/tollguard.toml
grep -q "^files = \[\"$cdr/Master.csv\"\]" /etc/tollguard/tollguard.toml || fail "could not set [ingest] files"
while IFS= read -r command; do
    echo "+ $command"
    # shellcheck disable=SC2086 # the unit's command line, split as systemd splits it
    (cd "$directory" && runuser -u "$user" -- env "$environment" $command) || fail "'$command' failed ($?)"
done < <(value ExecStart)
[ -n "$(find /var/lib/tollguard/reports -name '*.html')" ] || fail "the nightly run wrote no report"
ls /var/lib/tollguard /var/lib/tollguard/reports

step "reinstall over the edited configuration"
dpkg -i "$deb"
grep -q "^files = \[\"$cdr/Master.csv\"\]" /etc/tollguard/tollguard.toml || fail "the reinstall lost the admin's edit"
echo "the edit of /etc/tollguard/tollguard.toml is kept"

step "remove and purge"
dpkg -r tollguard
[ ! -e /usr/bin/tollguard ] || fail "dpkg -r left /usr/bin/tollguard"
[ -f /etc/tollguard/tollguard.toml ] || fail "dpkg -r removed the configuration (only purge does)"
dpkg -P tollguard
[ ! -e /etc/tollguard/tollguard.toml ] || fail "dpkg -P left the configuration"
[ -f /var/lib/tollguard/tollguard.sqlite ] || fail "dpkg -P deleted the store"
echo "removed; purged; the store is kept"
rm -rf /var/lib/tollguard "$cdr"

printf '\ncheck-deb: the package installs, runs, verifies and removes cleanly\n'
