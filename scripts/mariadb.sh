#!/usr/bin/env bash
# Throwaway MariaDB server for the mysql-deadlock-retry end-to-end test.
#
#   scripts/mariadb.sh start DIR   init a data directory under DIR, start
#                                  mariadbd on 127.0.0.1 (free port from 33306
#                                  up) and print ONE line on stdout: a
#                                  go-sql-driver DSN for FIXGEN_MYSQL_DSN.
#   scripts/mariadb.sh stop DIR    stop that server; safe to call twice.
#
# Nothing outside DIR is used: --no-defaults (no /etc/mysql/*.cnf), own
# datadir, socket, pid file and log, so a system MariaDB service (if any)
# is neither needed nor disturbed. Works as root (--user=root) and as a
# normal user. Exit 3 if mariadbd is not installed.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

# Debian puts mariadbd in /usr/sbin, often not on a normal user's PATH.
PATH="$PATH:/usr/sbin:/usr/local/sbin"

user=fixgen
password=fixgen
first_port=33306
last_port=33405
wait_secs=${FIXGEN_MARIADB_WAIT:-60}

log() { echo "mariadb.sh: $*" >&2; }

# pid of our server if it is running, else nothing.
running_pid() {
  local pidfile=$1 pid
  [ -s "$pidfile" ] || return 0
  pid=$(cat "$pidfile" 2>/dev/null || true)
  case "$pid" in ''|*[!0-9]*) return 0 ;; esac
  # Guard against a recycled pid: it must still be a mariadbd/mysqld.
  if kill -0 "$pid" 2>/dev/null; then
    case "$(cat "/proc/$pid/comm" 2>/dev/null || echo mariadbd)" in
      mariadbd|mysqld) echo "$pid" ;;
    esac
  fi
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

do_stop() {
  local pidfile="$dir/mariadbd.pid" pid i
  pid=$(running_pid "$pidfile")
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "mariadbd (pid $pid) ignored SIGTERM for 30s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
  if [ -s "$dir/socket" ]; then rm -f "$(cat "$dir/socket")"; fi
  return 0
}

do_start() {
  command -v mariadbd >/dev/null 2>&1 || {
    echo "mariadb.sh: mariadbd not found (install it: apt-get install -y mariadb-server)" >&2
    exit 3
  }
  command -v mariadb-install-db >/dev/null 2>&1 || {
    echo "mariadb.sh: mariadb-install-db not found (install it: apt-get install -y mariadb-server)" >&2
    exit 3
  }

  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local datadir="$dir/data" pidfile="$dir/mariadbd.pid" errlog="$dir/mariadbd.log"
  local tmpdir="$dir/tmp" sock="$dir/mariadbd.sock"

  if [ -n "$(running_pid "$pidfile")" ]; then
    log "a server is already running for $dir (pid $(cat "$pidfile")); stop it first"
    exit 1
  fi
  # Unix socket paths are limited to 107 bytes.
  if [ ${#sock} -gt 100 ]; then
    sock=$(mktemp -u /tmp/fixgen-mariadb.XXXXXX.sock)
  fi
  echo "$sock" > "$dir/socket"
  mkdir -p "$tmpdir"

  local -a as_user=()
  if [ "$(id -u)" -eq 0 ]; then as_user=(--user=root); fi

  if [ ! -d "$datadir/mysql" ]; then
    rm -rf "$datadir"
    if ! mariadb-install-db --no-defaults "${as_user[@]}" --datadir="$datadir" \
        --auth-root-authentication-method=normal --skip-test-db \
        --skip-name-resolve --tmpdir="$tmpdir" > "$dir/install-db.log" 2>&1; then
      log "mariadb-install-db failed; its output:"
      tail -n 30 "$dir/install-db.log" >&2
      exit 1
    fi
  fi

  local port pid i ok
  for ((port = first_port; port <= last_port; port++)); do
    port_busy "$port" && continue
    : > "$errlog"
    # mariadbd must get --no-defaults as its first option.
    mariadbd --no-defaults "${as_user[@]}" \
      --datadir="$datadir" --pid-file="$pidfile" --socket="$sock" \
      --tmpdir="$tmpdir" --log-error="$errlog" \
      --bind-address=127.0.0.1 --port="$port" --skip-name-resolve \
      --innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
      --max-connections=200 \
      < /dev/null > /dev/null 2>&1 &
    pid=$!
    ok=
    for ((i = 0; i < wait_secs * 10; i++)); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      if mariadb-admin --no-defaults --protocol=socket --socket="$sock" -uroot \
          --connect-timeout=2 ping > /dev/null 2>&1; then
        ok=1; break
      fi
      sleep 0.1
    done
    if [ -n "$ok" ]; then break; fi
    if kill -0 "$pid" 2>/dev/null; then
      log "mariadbd did not accept connections within ${wait_secs}s; log tail ($errlog):"
      tail -n 30 "$errlog" >&2
      kill -KILL "$pid" 2>/dev/null || true
      exit 1
    fi
    wait "$pid" 2>/dev/null || true
    if grep -q -e "Bind on TCP/IP port" -e "Address already in use" "$errlog"; then
      log "port $port taken, trying the next one"
      continue
    fi
    log "mariadbd exited during startup; log tail ($errlog):"
    tail -n 30 "$errlog" >&2
    exit 1
  done
  if [ -z "${ok:-}" ]; then
    log "no free port in $first_port..$last_port"
    exit 1
  fi
  # The pid file is written by mariadbd; make sure it is there for stop.
  [ -s "$pidfile" ] || echo "$pid" > "$pidfile"

  mariadb --no-defaults --protocol=socket --socket="$sock" -uroot <<SQL
CREATE USER IF NOT EXISTS '$user'@'%' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO '$user'@'%';
FLUSH PRIVILEGES;
SQL
  # Prove the DSN's account works over TCP before handing it out.
  if ! mariadb --no-defaults --protocol=tcp --host=127.0.0.1 --port="$port" \
      -u"$user" -p"$password" -e 'SELECT 1' > /dev/null 2>&1; then
    log "cannot log in as $user over TCP on 127.0.0.1:$port"
    exit 1
  fi

  local dsn="$user:$password@tcp(127.0.0.1:$port)/?parseTime=true"
  echo "$port" > "$dir/port"
  echo "$dsn" > "$dir/dsn"
  log "mariadbd pid $(cat "$pidfile") on 127.0.0.1:$port, data in $datadir"
  echo "$dsn"
}

case "$cmd" in
  start) do_start ;;
  stop) do_stop ;;
  *) usage ;;
esac
