# Shared set-up for scripts/run, scripts/test and scripts/bench. Source it from the repository root.
# It creates .venv, installs the pinned Python and npm dependencies when they changed, and
# installs missing Debian packages when it runs as root.

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

find_python() {
  local candidate
  for candidate in ${PYTHON:-} python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  die "Python 3.11 or newer is needed (Debian: apt-get install python3 python3-venv)."
}

# install_system_packages PACKAGE... : apt-get install what is missing, or say what to install.
install_system_packages() {
  local missing=() pkg
  command -v dpkg-query >/dev/null 2>&1 || { log "Not Debian: make sure these are installed: $*"; return 0; }
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ]; then
    log "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "Missing system packages: ${missing[*]}"
    log "Install them with: sudo apt-get install ${missing[*]}"
    return 1
  fi
}

# A stamp file remembers the hash of what was last installed, so a second run is quick.
# changed_since_stamp STAMP FILE... : true (and a STAMP.new written) when FILEs changed.
changed_since_stamp() {
  local stamp=$1 sum
  sum=$(cat "${@:2}" | sha256sum | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && return 1
  echo "$sum" > "$stamp.new"
}
mark_stamp() { mv "$1.new" "$1"; }

setup_python() {
  local requirements=$1 stamp=".venv/.installed-$1"
  if [ ! -x .venv/bin/python ]; then
    log "Creating the virtual environment in .venv"
    "$(find_python)" -m venv .venv || die "Could not create .venv (Debian: apt-get install python3-venv)."
  fi
  if changed_since_stamp "$stamp" requirements*.txt; then
    log "Installing Python packages from $requirements"
    # Some machines' pip configuration names local mirrors that do not exist: not our problem.
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip \
      2> >(grep -v "^WARNING: Location" >&2)
    .venv/bin/python -m pip install -q --disable-pip-version-check -r "$requirements" \
      2> >(grep -v "^WARNING: Location" >&2)
    mark_stamp "$stamp"
  fi
  export PATH="$PWD/.venv/bin:$PATH"
}

setup_node() {
  local stamp="node_modules/.installed-lockfile"
  command -v npm >/dev/null 2>&1 || die "npm is needed for the front-end libraries (Debian: apt-get install nodejs npm)."
  if [ ! -f "$stamp" ] || changed_since_stamp "$stamp" package.json package-lock.json; then
    log "Installing front-end libraries from package-lock.json"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    changed_since_stamp "$stamp" package.json package-lock.json || true
    mark_stamp "$stamp"
  fi
}
