#!/usr/bin/env bash
# Redis and Postgres for the tests and the queue-mode e2e: private instances on 127.0.0.1, from Debian's packages
# (`apt-get install redis-server postgresql`), with their data in DIR so that nothing of the host's is touched.
#
#   scripts/services.sh start DIR   starts both (ports REDIS_PORT / PG_PORT, default 16379 / 15432) and writes DIR/env
#   scripts/services.sh stop DIR    stops both and removes DIR
#
# DIR/env holds RESNET18_TEST_POSTGRES (a postgres:// URL with a password: the cluster uses scram-sha-256 over TCP,
# as a deployment does) and RESNET18_TEST_REDIS, plus the parts n8n's DB_POSTGRESDB_* and QUEUE_BULL_REDIS_* take.
# Postgres refuses to run as root, so as root the cluster runs as the `postgres` user that Debian's package creates.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?DIR}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
REDIS_PORT=${REDIS_PORT:-16379}
PG_PORT=${PG_PORT:-15432}
PG_USER=resnet18
PG_PASSWORD=resnet18-test
PG_DB=resnet18

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  command -v redis-server >/dev/null || { echo "services: redis-server missing (apt-get install redis-server)"; exit 1; }
  [ -x "$PG_BIN/initdb" ] || { echo "services: Postgres missing (apt-get install postgresql)"; exit 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  mkdir -p "$dir/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$dir" "$dir/pg"
  printf '%s\n' "$PG_PASSWORD" > "$dir/pg.pw"
  [ "$(id -u)" = 0 ] && chown postgres "$dir/pg.pw"
  as_pg "$PG_BIN/initdb" -D "$dir/pg/data" -U "$PG_USER" --pwfile="$dir/pg.pw" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
  as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" -w \
    -o "-p $PG_PORT -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  PGPASSWORD=$PG_PASSWORD "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" "$PG_DB"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  cat > "$dir/env" <<EOF
export RESNET18_TEST_POSTGRES=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB
export RESNET18_TEST_REDIS=redis://127.0.0.1:$REDIS_PORT
export SERVICES_PG_PORT=$PG_PORT SERVICES_PG_USER=$PG_USER SERVICES_PG_PASSWORD=$PG_PASSWORD SERVICES_PG_DB=$PG_DB
export SERVICES_REDIS_PORT=$REDIS_PORT SERVICES_PG_BIN=$PG_BIN
EOF
  echo "services: redis on 127.0.0.1:$REDIS_PORT, postgres $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT ($dir/env)"
}

stop() {
  [ -d "$dir" ] || return 0
  if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  if [ -d "$dir/pg/data" ]; then as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
}

"$cmd"
