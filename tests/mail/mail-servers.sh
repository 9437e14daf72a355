#!/usr/bin/env bash
# Throwaway mail servers for the e-mail channel's tests, on loopback and free high ports:
# Debian's dovecot (IMAP, one passwd-file user, a Maildir) and OpenSMTPD (SMTP, delivering mail for
# example.test into that same Maildir, refusing every other domain with 550).
#   tests/mail/mail-servers.sh start DIR   starts both and prints the export lines for the tests
#   tests/mail/mail-servers.sh stop DIR    stops both and removes DIR
# Needs root (OpenSMTPD drops privileges itself) and the packages dovecot-imapd and opensmtpd.
set -euo pipefail

user=support@example.test
password=mailbox-password

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "The $2 test server did not start; its log:" >&2
  cat "$3" >&2 || true
  return 1
}

start() {
  dir=$1
  mkdir -p "$dir/Maildir/cur" "$dir/Maildir/new" "$dir/Maildir/tmp" "$dir/run" "$dir/state"
  # The mailbox belongs to nobody: dovecot never runs a mailbox as root, and OpenSMTPD delivers as that user.
  chmod 755 "$dir"
  chown -R nobody:nogroup "$dir/Maildir"
  imap_port=$(free_port)
  smtp_port=$(free_port)

  printf '%s:{PLAIN}%s:65534:65534::%s\n' "$user" "$password" "$dir" > "$dir/users"
  cat > "$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
last_valid_uid = 0
mail_location = maildir:$dir/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dir/users
}
userdb {
  driver = passwd-file
  args = $dir/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0600
  }
}
CONF
  dovecot -c "$dir/dovecot.conf"

  # Every address at example.test is the one mailbox; OpenSMTPD delivers as the user the virtual table names.
  echo "@example.test nobody" > "$dir/recipients"
  cat > "$dir/smtpd.conf" <<CONF
table recipients file:$dir/recipients
listen on 127.0.0.1 port $smtp_port hostname mail.example.test
action "mailbox" maildir "$dir/Maildir" virtual <recipients>
match from any for domain "example.test" action "mailbox"
CONF
  mkdir -p /var/spool/smtpd && chmod 711 /var/spool/smtpd
  smtpd -d -f "$dir/smtpd.conf" > "$dir/smtpd.log" 2>&1 &
  echo $! > "$dir/smtpd.pid"

  wait_port "$imap_port" dovecot "$dir/dovecot.log"
  wait_port "$smtp_port" OpenSMTPD "$dir/smtpd.log"
  echo "export RAPPORT_TEST_IMAP=127.0.0.1:$imap_port"
  echo "export RAPPORT_TEST_SMTP=127.0.0.1:$smtp_port"
  echo "export RAPPORT_TEST_MAIL_USER=$user"
  echo "export RAPPORT_TEST_MAIL_PASSWORD=$password"
}

stop() {
  dir=$1
  [ -f "$dir/dovecot.conf" ] && doveadm -c "$dir/dovecot.conf" stop >/dev/null 2>&1 || true
  [ -f "$dir/smtpd.pid" ] && kill "$(cat "$dir/smtpd.pid")" 2>/dev/null || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "$2" ;;
  stop) stop "$2" ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
