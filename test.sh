#!/usr/bin/env bash
# Runs every test of Rapport on a fresh machine: installs what the tests need (PostgreSQL, Chromium, dovecot,
# OpenSMTPD, nginx, ss), starts a throwaway PostgreSQL cluster and mail servers on loopback, runs the test projects, and
# stops them.
# Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/imap ] || need+=(dovecot-imapd)
[ -x /usr/sbin/smtpd ] || need+=(opensmtpd)
[ -x /usr/bin/ss ] || need+=(iproute2)
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]}…"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# A throwaway cluster: its own folder, a free port, no fsync, gone when the tests end.
pgbin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
pgdir=$(mktemp -d /tmp/rapport-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$pgdir"
  as_pg=(runuser -u postgres --)
fi
"${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
  -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
maildir=$(mktemp -d /tmp/rapport-mail.XXXXXX)
cleanup() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$pgdir"
  $SUDO tests/mail/mail-servers.sh stop "$maildir" || true
}
trap cleanup EXIT
export RAPPORT_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Pooling=true;Maximum Pool Size=20"
echo "PostgreSQL test cluster on port $port."

# IMAP (dovecot) and SMTP (OpenSMTPD) for the e-mail channel: one mailbox, delivered to by SMTP, read by IMAP.
eval "$($SUDO tests/mail/mail-servers.sh start "$maildir")"
echo "Mail test servers: IMAP $RAPPORT_TEST_IMAP, SMTP $RAPPORT_TEST_SMTP."

results=$(mktemp -d /tmp/rapport-results.XXXXXX)
status=0
dotnet test Rapport.slnx --logger "trx" --results-directory "$results" "$@" || status=$?

# One closing line for every test project together.
python3 - "$results" <<'PY'
import sys, glob, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find(".//{*}Counters")
    if c is None: continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
rm -rf "$results"
exit $status
