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
