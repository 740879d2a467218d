#!/usr/bin/env bash
# Queue mode, as n8n users scale out: real n8n 2.40.7 main + two workers (`n8n worker --concurrency=1`), each with its
# own user folder as on separate hosts, Redis 7 and Postgres 15 from Debian (private instances, scripts/services.sh),
# EXECUTIONS_MODE=queue, binary data in the database, our package installed in every user folder as n8n's Community
# Nodes installer does. Runs go through the REST API and webhooks (`n8n execute` would run in the CLI process).
#   1. train (REST) and classify (webhook) on both store backends: Folder on a shared folder, and Postgres
#   2. retraining under load (Postgres): a burst of webhook classifications while a worker trains and publishes v+1:
#      0 failed, 0 mixed, the switch shown, which worker ran each execution read from n8n's own log lines
#   3. SIGKILL of a worker mid-training; 4. SIGKILL mid-publish (RESNET18_FAULT_PAUSE, the kill asserted to land in
#      the pause); after each: the store audited (no half-written version or row), the live version serving, and the
#      next run succeeding. (20+ pairs of processes publishing at once: test/store-faults.test.ts, in `npm test`.)
# `npm run test:e2e:queue` (builds first). Shares test/e2e/n8n.sh's n8n install ($E2E_LAB) with e2e.sh.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"
# shellcheck source=test/e2e/n8n.sh
source test/e2e/n8n.sh
: "${QUEUE_BURST_MAX:=400}"   # bounded: a few hundred requests to 127.0.0.1
: "${QUEUE_STALL_WAIT:=240}"  # n8n's stall detection (Bull lock 30 s + stalled check 30 s) plus a re-run
Q=$(mktemp -d /tmp/resnet18-queue.XXXXXX)   # under /tmp: as root, Postgres runs as `postgres` and must reach it
chmod 755 "$Q"
DATA=$Q/data
WF=$Q/workflows
SHARED_MODELS=$Q/shared-models               # the Folder store: stands in for an NFS or RWX volume
LOGS=$Q/logs
ARTIFACTS=$REPO/test-artifacts/e2e-queue
FLATTED=$E2E_N8N_DIR/node_modules/flatted
WORKERS=(w1 w2)
declare -A HEALTH_PORT=([w1]=5691 [w2]=5692) BROKER_PORT=([main]=5679 [w1]=5693 [w2]=5694)
mkdir -p "$DATA" "$WF" "$SHARED_MODELS" "$LOGS"
T0=$SECONDS
declare -a TIMES=()
STEP_T0=$SECONDS
step() { TIMES+=("$1: $((SECONDS - STEP_T0)) s"); echo "== $1: $((SECONDS - STEP_T0)) s (load $(cut -d' ' -f1-3 /proc/loadavg))"; STEP_T0=$SECONDS; }
qcheck() { node dist/test/e2e/queue-check.js "$@"; }
fail() { echo "FAIL: $*"; for f in "$LOGS"/*.log; do echo "--- tail $f"; tail -15 "$f"; done; exit 1; }

home_of() { echo "$Q/home-$1"; }
# The environment of every instance: n8n_env's fixed settings, then queue mode on Postgres and Redis.
q_env() {
  n8n_env
  export N8N_USER_FOLDER=$1
  export EXECUTIONS_MODE=queue OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS=true
  export QUEUE_BULL_REDIS_HOST=127.0.0.1 QUEUE_BULL_REDIS_PORT=$SERVICES_REDIS_PORT
  export DB_TYPE=postgresdb DB_POSTGRESDB_HOST=127.0.0.1 DB_POSTGRESDB_PORT=$SERVICES_PG_PORT
  export DB_POSTGRESDB_DATABASE=$SERVICES_PG_DB DB_POSTGRESDB_USER=$SERVICES_PG_USER DB_POSTGRESDB_PASSWORD=$SERVICES_PG_PASSWORD
  export N8N_DEFAULT_BINARY_DATA_MODE=database
  export N8N_RESTRICT_FILE_ACCESS_TO=$DATA
  unset RESNET18_MODELS_FOLDER RESNET18_FAULT_PAUSE RESNET18_FAULT_MARKER
}
q_cli() { ( q_env "$(home_of main)"; _n8n_bin "$@" ); }

# q_up NAME [VAR=value…]: start main (`n8n start`) or a worker, wait until it is ready. Extra variables (the fault
# hook) go to that instance only.
q_up() {
  local name=$1 t0=$SECONDS pid url; shift
  ( q_env "$(home_of "$name")"
    export N8N_RUNNERS_BROKER_PORT=${BROKER_PORT[$name]}
    for kv in "$@"; do export "${kv?}"; done
    export PATH="$E2E_NODE24/bin:$PATH"
    if [ "$name" = main ]; then
      nohup "$E2E_N8N_DIR/node_modules/.bin/n8n" start >> "$LOGS/$name.log" 2>&1 < /dev/null &
    else
      export QUEUE_HEALTH_CHECK_ACTIVE=true QUEUE_HEALTH_CHECK_PORT=${HEALTH_PORT[$name]}
      nohup "$E2E_N8N_DIR/node_modules/.bin/n8n" worker --concurrency=1 >> "$LOGS/$name.log" 2>&1 < /dev/null &
    fi
    echo $! > "$Q/$name.pid" )
  pid=$(cat "$Q/$name.pid")
  if [ "$name" = main ]; then url=$(n8n_url)/healthz/readiness; else url=http://127.0.0.1:${HEALTH_PORT[$name]}/healthz/readiness; fi
  while [ $((SECONDS - t0)) -lt 240 ]; do
    [ "$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$url")" = 200 ] && { echo "$name ready after $((SECONDS - t0)) s (pid $pid)"; return 0; }
    kill -0 "$pid" 2>/dev/null || fail "$name exited during start"
    sleep 1
  done
  fail "$name not ready after 240 s"
}
q_pids() { local p; p=$(cat "$Q/$1.pid" 2>/dev/null) || return 0; kill -0 "$p" 2>/dev/null || return 0; echo "$p"; _n8n_descendants "$p"; }
q_down() {   # graceful: n8n finishes or hands back its jobs
  local p i; p=$(cat "$Q/$1.pid" 2>/dev/null) || return 0
  kill -TERM "$p" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
  # shellcheck disable=SC2046
  kill -KILL $(q_pids "$1") 2>/dev/null || true
  rm -f "$Q/$1.pid"
}
q_kill() {   # the host dies: the worker and its task runner, at once
  local pids; pids=$(q_pids "$1")
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  rm -f "$Q/$1.pid"
}
cleanup() {
  for n in main "${WORKERS[@]}"; do q_down "$n" >/dev/null 2>&1 || true; done
  [ -z "${SVC:-}" ] || bash scripts/services.sh stop "$SVC" || true
  if [ "${QUEUE_KEEP:-}" = 1 ]; then echo "kept $Q"; else rm -rf "$Q"; fi
}
trap cleanup EXIT

# A manual run through the REST API (offloaded to a worker): prints the execution id.
rest_run() {
  local id=$1 body
  body=$(n8n_rest GET "/rest/workflows/$id" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify({workflowData: JSON.parse(s).data, triggerToStartFrom: {name: "Start"}})))')
  n8n_rest POST "/rest/workflows/$id/run" "$body" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).data.executionId))'
}
exec_status() { n8n_rest GET "/rest/executions/$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).data.status))'; }
# wait_exec ID SECONDS: until the execution is over; prints its final status
wait_exec() {
  local s="" i
  for ((i = 0; i < $2 * 2; i++)); do
    s=$(exec_status "$1" || true)
    case $s in success|error|crashed|canceled) echo "$s"; return 0 ;; esac
    sleep 0.5
  done
  echo "${s:-unknown}"
}
exec_facts() { n8n_rest GET "/rest/executions/$1" > "$Q/exec-$1.json" && qcheck execution "$Q/exec-$1.json" "$FLATTED"; }
# The workers whose log says they started execution $1 (none, one, or both after a re-queue); never fails.
ran_on() {
  local w
  for w in "${WORKERS[@]}"; do
    if grep -q "Worker started execution $1 (job" "$LOGS/$w.log" 2>/dev/null; then echo "$w"; fi
  done
  return 0
}
facts_field() { node -p "JSON.parse(process.argv[1]).$2" "$1"; }
PG_URL() { echo "postgres://$SERVICES_PG_USER:$SERVICES_PG_PASSWORD@127.0.0.1:$SERVICES_PG_PORT/$SERVICES_PG_DB?schema=resnet18"; }
store_of() { if [ "$1" = folder ]; then echo "$SHARED_MODELS"; else PG_URL; fi; }
audit() { qcheck audit "$(store_of "$1")" shapes; }

# train BACKEND: one training run through REST, to success; prints its facts (JSON)
train() {
  local backend=$1 id status facts wf
  [ "$backend" = folder ] && wf=resnet18QTrainFld || wf=resnet18QTrainPg
  id=$(rest_run "$wf")
  status=$(wait_exec "$id" 300)
  [ "$status" = success ] || { exec_facts "$id" || true; fail "training on the $backend store ended as '$status'"; }
  facts=$(exec_facts "$id")
  echo "$facts" > "$Q/last-train.json"
  echo "train ($backend): execution $id on $(ran_on "$id"): $facts" >&2
}

# ---- services, n8n, package, workflows --------------------------------------------------------------------
n8n_install
step "n8n install (or reuse)"
SVC=$(mktemp -d /tmp/resnet18-queue-svc.XXXXXX)
REDIS_PORT=${QUEUE_REDIS_PORT:-16380} PG_PORT=${QUEUE_PG_PORT:-15433} bash scripts/services.sh start "$SVC"
# shellcheck disable=SC1091
source "$SVC/env"
step "Redis and Postgres (Debian's, private)"
for n in main "${WORKERS[@]}"; do N8N_USER_FOLDER=$(home_of "$n") n8n_deploy "$REPO"; done
step "package installed in 3 user folders (as the Community Nodes installer does)"
node dist/test/e2e/make-data.js "$DATA" > "$Q/data.json"
node dist/test/e2e/queue-workflows.js "$REPO/examples/workflows" "$WF" "$DATA" "$SHARED_MODELS" \
  "{\"host\":\"127.0.0.1\",\"port\":$SERVICES_PG_PORT,\"database\":\"$SERVICES_PG_DB\",\"user\":\"$SERVICES_PG_USER\",\"password\":\"$SERVICES_PG_PASSWORD\"}" \
  "$Q/credentials.json"
q_cli import:workflow --separate --input="$WF" >> "$LOGS/import.log" 2>&1 || fail "import of the workflows in $WF"
q_cli import:credentials --input="$Q/credentials.json" >> "$LOGS/import.log" 2>&1 || fail "import of the store credentials"
for id in resnet18QClsFld resnet18QClsPg; do q_cli publish:workflow --id="$id" >> "$LOGS/import.log" 2>&1 || fail "publish $id"; done
step "data, workflows and ResNet Model Store credentials imported (into Postgres)"
q_up main
n8n_owner
q_up w1
step "main + worker 1 started"
IMAGE=$(ls "$DATA"/incoming/square-* | head -1)
URL=$(n8n_url)/webhook

# ---- 1. both store backends ------------------------------------------------------------------------------
# Worker 2 starts once worker 1 holds the first training job: it is another host that never saw a model written.
for backend in folder postgres; do
  id=$(rest_run "$([ "$backend" = folder ] && echo resnet18QTrainFld || echo resnet18QTrainPg)")
  if [ "$backend" = folder ]; then
    for _ in $(seq 1 60); do [ -n "$(ran_on "$id")" ] && break; sleep 0.5; done
    q_up w2
  fi
  status=$(wait_exec "$id" 300)
  [ "$status" = success ] || { exec_facts "$id" || true; fail "training on the $backend store ended as '$status'"; }
  facts=$(exec_facts "$id")
  [ "$(facts_field "$facts" version)" = 1 ] && [ "$(facts_field "$facts" published)" = true ] && [ "$(facts_field "$facts" binary)" = false ] \
    && [ "$(facts_field "$facts" evaluatedVersion)" = 1 ] \
    || fail "training on $backend: expected v1 published, no model binary (Train v2), Evaluate by name on v1: $facts"
  echo "PASS train ($backend store): execution $id ran on $(ran_on "$id"); $facts"
  audit "$backend" > /dev/null
  # Classify on both workers: the second never saw the model written, nor the upload (binary data in Postgres).
  qcheck burst "$URL/classify-$backend" "$IMAGE" "$Q/classify-$backend.jsonl" "$Q/none" 12 0 4
  qcheck answers "$Q/classify-$backend.jsonl" "$LOGS" w1,w2 --both --versions 1
  step "train and classify on the $backend store"
done

# ---- 2. retraining under load (Postgres) ----------------------------------------------------------------------
# Worker 2 stops so that worker 1 takes the training job; it comes back once worker 1 trains, and serves the burst.
q_down w2
id=$(rest_run resnet18QTrainPg)
for _ in $(seq 1 60); do [ -n "$(ran_on "$id")" ] && break; sleep 0.5; done
[ "$(ran_on "$id")" = w1 ] || fail "the training job did not go to worker 1"
q_up w2
rm -f "$Q/trained"
qcheck burst "$URL/classify-postgres" "$IMAGE" "$Q/load.jsonl" "$Q/trained" "$QUEUE_BURST_MAX" 60 4 &
burst_pid=$!
status=$(wait_exec "$id" 300)
touch "$Q/trained"
wait "$burst_pid" || fail "the burst failed"
[ "$status" = success ] || fail "the retrain under load ended as '$status'"
facts=$(exec_facts "$id")
[ "$(facts_field "$facts" version)" = 2 ] && [ "$(facts_field "$facts" published)" = true ] || fail "the retrain under load: $facts"
echo "retrain under load: execution $id on worker 1: $facts"
qcheck answers "$Q/load.jsonl" "$LOGS" w1,w2 --versions 1,2 --switch | tee "$Q/load-result.txt"
step "retraining under load: burst of webhook classifications while worker 1 trains and publishes v2"

# ---- 3. SIGKILL of a worker mid-training -------------------------------------------------------------------------
before=$(audit postgres)
live_before=$(facts_field "$before" live)
id=$(rest_run resnet18QTrainPg)
victim=""
for _ in $(seq 1 60); do victim=$(ran_on "$id"); [ -n "$victim" ] && break; sleep 0.5; done
[ -n "$victim" ] || fail "no worker took the training job"
for _ in $(seq 1 120); do grep -q "shapes: epoch 1/" "$LOGS/$victim.log" && break; sleep 0.5; done
q_kill "$victim"
kill_t=$SECONDS
echo "killed $victim (SIGKILL, with its task runner) during execution $id's training"
after=$(audit postgres)
[ "$(facts_field "$after" live)" = "$live_before" ] || fail "the live version moved when a worker died mid-training: $after"
other=$([ "$victim" = w1 ] && echo w2 || echo w1)
qcheck burst "$URL/classify-postgres" "$IMAGE" "$Q/after-kill.jsonl" "$Q/none" 4 0 1
qcheck answers "$Q/after-kill.jsonl" "$LOGS" w1,w2 --versions "$live_before"
status=$(wait_exec "$id" "$QUEUE_STALL_WAIT")
echo "execution $id after its worker died: '$status' $((SECONDS - kill_t)) s after the kill (started on: $(ran_on "$id" | tr '\n' ' ')); $(exec_facts "$id" || true)"
case $status in success|crashed|error) ;; *) fail "the killed training ended as '$status' after $QUEUE_STALL_WAIT s" ;; esac
q_up "$victim"
audit postgres
train postgres
[ "$(facts_field "$(cat "$Q/last-train.json")" published)" = true ] || fail "the next run after the kill did not publish"
audit postgres
echo "PASS SIGKILL mid-training: $victim killed; execution ended '$status'; live stayed v$live_before and served from $other; the next run published v$(facts_field "$(cat "$Q/last-train.json")" version)"
step "SIGKILL of a worker mid-training, and the next run"

# ---- 4. SIGKILL mid-publish (test-only fault hook) -------------------------------------------------------------
before=$(audit postgres)
live_before=$(facts_field "$before" live)
q_down w1
q_down w2
marker=$Q/fault-marker
rm -f "$marker"
q_up w2 RESNET18_FAULT_PAUSE=publish:60000 "RESNET18_FAULT_MARKER=$marker"
id=$(rest_run resnet18QTrainPg)
for _ in $(seq 1 300); do [ -s "$marker" ] && break; sleep 0.5; done
[ -s "$marker" ] || fail "the training never reached the publish pause"
grep -q "paused in publish of shapes v" "$marker" || fail "the fault marker is not the publish pause: $(cat "$marker")"
pause_pid=$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' "$marker")
q_pids w2 | grep -x "$pause_pid" >/dev/null || fail "the paused process $pause_pid is not worker 2's"
q_kill w2
kill_t=$SECONDS
echo "killed worker 2 inside publish ($(cat "$marker"))"
after=$(audit postgres)
[ "$(facts_field "$after" live)" = "$live_before" ] || fail "the live pointer moved although publish was killed: $after"
q_up w1
qcheck burst "$URL/classify-postgres" "$IMAGE" "$Q/after-publish-kill.jsonl" "$Q/none" 2 0 1
qcheck answers "$Q/after-publish-kill.jsonl" "$LOGS" w1,w2
status=$(wait_exec "$id" "$QUEUE_STALL_WAIT")
echo "execution $id after its worker died in publish: '$status' $((SECONDS - kill_t)) s after the kill (started on: $(ran_on "$id" | tr '\n' ' ')); $(exec_facts "$id" || true)"
case $status in success|crashed|error) ;; *) fail "the execution killed in publish ended as '$status'" ;; esac
q_up w2
train postgres
audit postgres
echo "PASS SIGKILL mid-publish: the kill landed in the pause (pid $pause_pid); live stayed v$live_before until a run published; the next run published v$(facts_field "$(cat "$Q/last-train.json")" version)"
step "SIGKILL mid-publish, and the next run"

mkdir -p "$ARTIFACTS"
cp "$Q"/*.jsonl "$Q/load-result.txt" "$ARTIFACTS/" 2>/dev/null || true
echo "queue-mode e2e passed in $((SECONDS - T0)) s:"
printf '  %s\n' "${TIMES[@]}"
