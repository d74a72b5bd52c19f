#!/usr/bin/env bash
# Runs a command with throw-away PostgreSQL and Redis servers on loopback (own temp data
# dirs, free ports), stopped at the end even on failure. Exports for the command:
#   BK_TEST_POSTGRES_URL  postgresql://postgres@127.0.0.1:PORT/postgres (trust auth)
#   BK_TEST_REDIS_URL     redis://127.0.0.1:PORT/0
#   BK_TEST_PG_CTL        pg_ctl command prefix (append "restart -m fast -w")
#   BK_TEST_REDIS_SERVER  path of redis-server (tests start their own to kill it)
set -euo pipefail

work=$(mktemp -d /tmp/barkeep-servers.XXXXXX)
chmod 755 "$work"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
pg_data="$work/pg"
redis_pid=""
cleanup() {
    set +e
    [[ -f "$pg_data/postmaster.pid" ]] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1
    [[ -n "$redis_pid" ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 20000))
        (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
    done
}

pg_port=$(free_port)
mkdir -p "$pg_data" && chown postgres "$pg_data"
runuser -u postgres -- "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/log" -w \
    -o "-p $pg_port -k $pg_data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null

redis_port=$(free_port)
mkdir -p "$work/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$work/redis" --logfile "$work/redis/log" &
redis_pid=$!
for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$redis_port) 2>/dev/null && break
    sleep 0.1
done

export BK_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres"
export BK_TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"
export BK_TEST_PG_CTL="runuser -u postgres -- $pg_bin/pg_ctl -D $pg_data -l $pg_data/log"
BK_TEST_REDIS_SERVER=$(command -v redis-server)
export BK_TEST_REDIS_SERVER
echo "barkeep: PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port" >&2
"$@"
