# Helpers shared by .ci/run and the suites (source it).
section() { printf '\n========== %s ==========\n' "$*"; }

# record NAME PASSED FAILED: the counts .ci/run sums into its closing line.
record() { echo "$2 $3" > "$CI_RESULTS/$1"; }

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# apt_install PKG...: installs Debian packages that are missing (apt-get update at most once per CI run).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ ! -f "$CI_RESULTS/.apt-updated" ]; then
    $SUDO apt-get update -qq && touch "$CI_RESULTS/.apt-updated"
  fi
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# mocha_counts LOGFILE: prints "passed failed" from mocha's spec reporter summary.
mocha_counts() {
  local p f
  p=$(grep -Eo '^ *[0-9]+ passing' "$1" | tail -1 | grep -Eo '[0-9]+' || true)
  f=$(grep -Eo '^ *[0-9]+ failing' "$1" | tail -1 | grep -Eo '[0-9]+' || true)
  echo "${p:-0} ${f:-0}"
}

# venv: the project's Python virtualenv (.venv), created once, with pinned requirements.
ensure_venv() {
  if [ ! -x "$REPO_ROOT/.venv/bin/python" ]; then
    python3 -m venv "$REPO_ROOT/.venv"
  fi
}

# start_loopback_postgres DIR: a private PostgreSQL cluster of Debian's server in DIR on a free loopback
# port (run by `postgres` when CI is root), with an administrator `dv_admin` that has CREATEROLE and
# CREATEDB as RDS's master user does; exports PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE for it.
# stop_loopback_postgres DIR stops it. The same server the data suite (50) and the roles test (55) run.
start_loopback_postgres() {
  local dir="$1" bindir port
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt_install postgresql postgresql-client || return 1; fi
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  mkdir -p "$dir" && echo "superpw" > "$dir/pw"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
  _as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  _as_pg "$bindir/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pw" -A scram-sha-256 >/dev/null || return 1
  _as_pg "$bindir/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -l "$dir/pg.log" -w start >/dev/null ||
    { cat "$dir/pg.log"; return 1; }
  PGPASSWORD=superpw psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE dv_admin LOGIN CREATEROLE CREATEDB PASSWORD 'adminpw'" || return 1
  export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=dv_admin PGPASSWORD=adminpw PGDATABASE=postgres
}
stop_loopback_postgres() {
  local bindir
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -f "$1/data/postmaster.pid" ] || return 0
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bindir/pg_ctl" -D "$1/data" -m immediate stop >/dev/null 2>&1
  else "$bindir/pg_ctl" -D "$1/data" -m immediate stop >/dev/null 2>&1; fi
}

# record_mocha NAME LOGFILE RC [NOTE]: mocha's counts from LOGFILE (a run that exited non-zero without a
# failing test counts one failure), printed as "NAME: P passed, F failed (NOTE)" and recorded; returns 0
# only if RC was 0.
record_mocha() {
  local p f
  read -r p f <<< "$(mocha_counts "$2")"
  if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  echo "$1: $p passed, $f failed${4:+ ($4)}"
  record "$1" "$p" "$f"
  [ "$3" -eq 0 ]
}
