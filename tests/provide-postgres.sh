#!/usr/bin/env bash
# Provides a throwaway PostgreSQL server for the CodeActSdk.Postgres tests and benchmark, and prints its connection
# string (the only thing written to stdout):
#
#   export CODEACT_POSTGRES="$(tests/provide-postgres.sh)"   # start (or reuse) the server
#   tests/provide-postgres.sh stop                            # stop it and delete the cluster
#
# The cluster lives in <repo>/tests/.postgres (ignored by git; as root, when the 'postgres' user cannot reach the
# checkout, in /var/tmp/codeact-postgres-<hash of the checkout's path>), listens on 127.0.0.1 only, on port 54329 unless
# CODEACT_POSTGRES_PORT says otherwise, and trusts every loopback connection: it holds nothing but test data.
# The server binaries come from Debian's packages (apt-get install postgresql) when no PostgreSQL is installed.
# Idempotent: a server this script started earlier and that is still up is reused; a cluster left behind by a
# crashed run is started again, or created anew when it is unusable.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="${CODEACT_POSTGRES_DIR:-$repo_root/tests/.postgres}"
port="${CODEACT_POSTGRES_PORT:-54329}"
database="codeact_test"
connection_string="Host=127.0.0.1;Port=$port;Username=postgres;Database=$database"

say() { echo "provide-postgres.sh: $*" >&2; }
fail() {
  say "$*"
  exit 1
}

as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else return 1; fi
}

# The newest installed server, as Debian lays it out (/usr/lib/postgresql/<major>/bin); then whatever is on PATH.
find_bin_dir() {
  local candidate
  candidate="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$candidate" && -x "$candidate/postgres" && -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
    echo "$candidate"
    return 0
  fi
  candidate="$(command -v pg_ctl 2>/dev/null || true)"
  if [[ -n "$candidate" ]]; then
    candidate="$(dirname "$(readlink -f "$candidate")")"
    [[ -x "$candidate/postgres" && -x "$candidate/initdb" ]] && { echo "$candidate"; return 0; }
  fi
  return 1
}

# PostgreSQL refuses to run as root, so as root the server and its files belong to the 'postgres' user that
# Debian's package creates.
as_server_user() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Whether the server running on our port is the one whose files are in $data.
ours_is_running() {
  [[ -f "$data/postmaster.pid" ]] || return 1
  local pid
  pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  # The fourth line is the port it listens on; a cluster from a run with another port is not the one we want.
  [[ "$(sed -n 4p "$data/postmaster.pid")" == "$port" ]]
}

stop_server() {
  if [[ -d "$data" && -n "${bin_dir:-}" && -f "$data/postmaster.pid" ]]; then
    as_server_user "$bin_dir/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  # pg_ctl cannot stop a server whose binaries are gone; the pid file still names it.
  if [[ -f "$data/postmaster.pid" ]]; then
    local pid
    pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && grep -q postgres "/proc/$pid/comm" 2>/dev/null; then
      kill -QUIT "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
}

# As root the server runs as 'postgres', which cannot reach a checkout inside a folder only root may enter (a
# `mktemp -d` folder is 0700). The cluster then lives in a folder of its own under /var/tmp, named after the checkout,
# so that 'stop' finds the same one. CODEACT_POSTGRES_DIR, when set, is used as it is.
choose_base() {
  if [[ -z "${CODEACT_POSTGRES_DIR:-}" && "$(id -u)" == 0 ]] && id postgres >/dev/null 2>&1 &&
    ! runuser -u postgres -- test -x "$repo_root/tests" 2>/dev/null; then
    base="/var/tmp/codeact-postgres-$(printf '%s' "$repo_root" | sha256sum | cut -c1-12)"
  fi
  data="$base/data"
  sockets="$base/sock"
  server_log="$base/server.log"
}

bin_dir="$(find_bin_dir || true)"

if [[ "${1:-}" == "stop" ]]; then
  choose_base
  stop_server
  rm -rf "$base"
  exit 0
elif [[ $# -gt 0 ]]; then
  fail "unknown argument '$1'. Usage: provide-postgres.sh [stop]"
fi

# ---- the server binaries ----------------------------------------------------------------------------------------

if [[ -z "$bin_dir" ]]; then
  command -v apt-get >/dev/null 2>&1 ||
    fail "no PostgreSQL server is installed and apt-get is not available. Install PostgreSQL (initdb, pg_ctl, postgres), or point CODEACT_POSTGRES at a server of your own and run the tests directly."
  install_log="$(mktemp)"
  say "installing PostgreSQL from Debian's packages (apt-get install postgresql)..."
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >>"$install_log" 2>&1; then
    as_root apt-get update >>"$install_log" 2>&1 || true
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >>"$install_log" 2>&1 || {
      cat "$install_log" >&2
      rm -f "$install_log"
      fail "could not install PostgreSQL with apt-get. Run 'apt-get install postgresql' as root, or point CODEACT_POSTGRES at a server of your own."
    }
  fi
  rm -f "$install_log"
  bin_dir="$(find_bin_dir)" || fail "apt-get installed postgresql, but no server binaries were found under /usr/lib/postgresql/*/bin."
fi

if [[ "$(id -u)" == 0 ]]; then
  id postgres >/dev/null 2>&1 ||
    fail "running as root, but there is no 'postgres' user to run the server as (PostgreSQL refuses to run as root). Create one, or run this script as an ordinary user."
fi

choose_base
major="$("$bin_dir/postgres" --version | sed -E 's/[^0-9]*([0-9]+).*/\1/')"

# ---- reuse a server that is already up --------------------------------------------------------------------------

ready() { "$bin_dir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1 >/dev/null 2>&1; }

create_database() {
  local exists
  exists="$("$bin_dir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")" ||
    return 1
  if [[ "$exists" != 1 ]]; then
    "$bin_dir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE $database" >/dev/null 2>&1 ||
      # Two runs creating it at once: the loser's CREATE fails, but the database is there.
      [[ "$("$bin_dir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")" == 1 ]]
  fi
}

if ours_is_running && ready; then
  create_database || fail "the server in $data is up on port $port but does not accept the test user; stop it with 'tests/provide-postgres.sh stop' and run again."
  echo "$connection_string"
  exit 0
fi

# A server of our own that does not answer (hung, or on another port): start over with a fresh one.
if [[ -f "$data/postmaster.pid" ]]; then
  stop_server
fi

# A server of ours whose folder was deleted under it still holds the port; it is recognisable by its working
# directory, which PostgreSQL sets to its data folder.
stop_orphan() {
  command -v ss >/dev/null 2>&1 || return 1
  local pid
  pid="$(ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)"
  [[ -n "$pid" ]] && grep -qx postgres "/proc/$pid/comm" 2>/dev/null || return 1
  [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$data"* ]] || return 1
  kill -QUIT "$pid" 2>/dev/null || return 1
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

if ready && ! stop_orphan; then
  fail "something else is already listening on 127.0.0.1:$port. Stop it, or choose another port with CODEACT_POSTGRES_PORT=<port>."
fi

# ---- the cluster ------------------------------------------------------------------------------------------------

# Reuse a cluster from an earlier run only when this server version wrote it and it was initialised completely.
if [[ -d "$data" ]] && ! [[ -f "$data/PG_VERSION" && "$(cat "$data/PG_VERSION")" == "$major" && -f "$data/global/pg_control" && -f "$base/.initialised" ]]; then
  rm -rf "$base"
fi

# As root, a folder left by a run as another user would be unreadable to the server: start it afresh.
if [[ "$(id -u)" == 0 && -d "$data" && "$(stat -c %U "$data")" != postgres ]]; then
  rm -rf "$base"
fi

mkdir -p "$base"
if [[ "$(id -u)" == 0 ]]; then
  chown postgres: "$base"
  as_server_user test -w "$base" ||
    fail "the 'postgres' user cannot write to $base (a parent folder is not accessible to it). Set CODEACT_POSTGRES_DIR to a folder it can use."
fi

if [[ ! -f "$base/.initialised" ]]; then
  init_log="$base/initdb.log"
  # --no-sync and the settings below trade durability for speed: this cluster only ever holds test data.
  as_server_user "$bin_dir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >"$init_log" 2>&1 || {
    cat "$init_log" >&2
    fail "initdb failed (see above)."
  }

  socket_setting="unix_socket_directories = '$sockets'"
  # A Unix socket path longer than about 100 bytes is refused; TCP on loopback is all the tests need anyway.
  if (( ${#sockets} > 90 )); then
    socket_setting="unix_socket_directories = ''"
  else
    as_server_user mkdir -p "$sockets"
    as_server_user chmod 700 "$sockets"
  fi

  as_server_user tee -a "$data/postgresql.conf" >/dev/null <<EOF

# ---- provide-postgres.sh: a throwaway server for tests --------------------------------------------------------
listen_addresses = '127.0.0.1'
port = $port
$socket_setting
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
log_min_messages = warning
EOF
  as_server_user tee "$data/pg_hba.conf" >/dev/null <<'EOF'
# Trust on loopback only: the server listens on 127.0.0.1 and holds nothing but test data.
local   all   all                  trust
host    all   all   127.0.0.1/32   trust
EOF
  touch "$base/.initialised"
fi

# ---- start ------------------------------------------------------------------------------------------------------

as_server_user "$bin_dir/pg_ctl" -D "$data" -l "$server_log" -w -t 30 -o "-p $port" start >/dev/null 2>&1 || {
  tail -n 20 "$server_log" >&2 2>/dev/null || true
  fail "the server did not start (its log is above, and in $server_log)."
}

for _ in $(seq 100); do
  ready && break
  sleep 0.1
done
ready || fail "the server started but does not accept connections on 127.0.0.1:$port (see $server_log)."

create_database || fail "could not create the database '$database' (see $server_log)."
echo "$connection_string"
