#!/usr/bin/env bash
# Run a command again whenever it exits, after a pause that grows while it keeps failing fast
# (1 s, doubling up to 30 s; back to 1 s once it has run a minute). Stopped by SIGTERM/SIGINT,
# which it passes on to the command. `make run` keeps the task worker alive with it:
#   scripts/keep_alive.sh .venv/bin/maillage db_worker --no-reload
set -u
child=0
stop() {
    trap - TERM INT
    if [ "$child" -ne 0 ]; then kill -TERM "$child" 2>/dev/null; wait "$child"; fi
    exit 0
}
trap stop TERM INT
delay=1
while true; do
    started=$(date +%s)
    "$@" &
    child=$!
    wait "$child"
    status=$?
    child=0
    if [ $(( $(date +%s) - started )) -ge 60 ]; then delay=1; fi
    echo "keep_alive: '$1' exited with status $status; starting it again in ${delay} s" >&2
    sleep "$delay" & wait $!
    delay=$(( delay * 2 > 30 ? 30 : delay * 2 ))
done
