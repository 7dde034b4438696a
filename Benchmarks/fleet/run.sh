#!/usr/bin/env bash
# The fleet benchmark (issue 13): N `staple serve --store` nodes on this machine sharing one
# PostgreSQL 15, C certificates, `staple respond` as a responder that keeps up (pre-signed answers).
#
#   Benchmarks/fleet/run.sh NODES CERTIFICATES SECONDS
#   STAPLE_BIN=.build/debug/staple Benchmarks/fleet/run.sh 5 1000 120
#   PEER=0 Benchmarks/fleet/run.sh 20 1000 120      # without the no-store phase
#
# STAPLE_BIN is the staple binary (default .build/release/staple); PKI_CACHE=DIR reuses the PKI;
# VALIDITY (default 16m, any `staple respond --validity`) is each response's validity: with 160m a
# certificate is refreshed every ~80 minutes instead of every minute (10,000 certificates at 16m make
# ~167 writes a second, more than 20 nodes sharing these 2 cores can verify and install).
#
# Responses are valid 16 minutes, so every node is due for every certificate about a minute after
# installing it (the refresh policy's floor): the run sees ~C refreshes a minute. Reported, over the
# measured window (SECONDS) after every node has a staple for every certificate and one more minute:
#   - responder requests per hour (its ocsp_responder_requests_total); the target is flat in N. With
#     PEER=1 (the default) the same N nodes then run WITHOUT --store for the same window, and their
#     requests per hour are the peer figure: what the fleet costs the responder without the store;
#   - propagation: time from a write to its installation on a node that did not write it, from the
#     nodes' "Staple from the store" lines (store.age_seconds: the row's age in the database's clock
#     when read for installation), median and p99 over every install from the store in the window,
#     and over those announced by a notification; target p99 <= 1 s;
#   - PostgreSQL CPU: utime+stime of the postmaster and all its children (/proc/PID/stat 14+15), per
#     responder request and as a share of one core; connections per node (pg_stat_activity), target <= 2.
# Each figure is also a `RESULT {json}` line for Benchmarks/run.
# Needs: postgresql (15), openssl, curl, python3, iproute2; run as root (PostgreSQL runs as postgres).
# No pipefail: a grep that finds nothing (N=1 has no installs from the store) is an empty list, not a failure.
set -eu
N=${1:-5}
C=${2:-1000}
T=${3:-120}
PEER=${PEER:-1}
export VALIDITY=${VALIDITY:-16m}
root=$(cd "$(dirname "$0")/../.." && pwd)
STAPLE=$(cd "$root" && readlink -f "${STAPLE_BIN:-.build/release/staple}")
[ -x "$STAPLE" ] || { echo "no staple binary at $STAPLE (set STAPLE_BIN)" >&2; exit 2; }
PGBIN=/usr/lib/postgresql/15/bin
[ -x "$PGBIN/initdb" ] || { echo "needs PostgreSQL 15: apt-get install postgresql" >&2; exit 2; }
work=$(mktemp -d /tmp/staple-fleet-bench.XXXXXX)
chmod 755 "$work"
cd "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
pids=()
nodes=()
stop_nodes() {
    for pid in "${nodes[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${nodes[@]}"; do wait "$pid" 2>/dev/null || true; done
    nodes=()
}
cleanup() {
    stop_nodes
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -f data/postmaster.pid ] && runuser -u postgres -- $PGBIN/pg_ctl -D data -m fast -w stop >/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

RPORT=$(free_port); MPORT=$(free_port); PGPORT=$(free_port)
# PKI_CACHE=DIR keeps the PKI between runs (making 10,000 leaves with openssl takes minutes): the
# responder then listens on the port the leaves' AIA names.
if [ -n "${PKI_CACHE:-}" ] && [ -f "$PKI_CACHE/$C/rport" ]; then
    cp -r "$PKI_CACHE/$C/." .
    RPORT=$(cat rport)
fi
echo "work $work, $N nodes, $C certificates, $T s measured, staple $STAPLE" >&2

# One --cert-list for every node: 10,000 --cert/--key pairs took 37 s of start-up to parse.
for i in $(seq 1 "$C"); do echo "l/$i.pem leaf.key"; done > certificates.list
certargs=(--cert-list certificates.list)
if [ ! -f rport ]; then
# PKI: a P-256 CA, C leaves sharing one key (key generation is not what is measured).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -subj /CN=fleet-bench-ca \
    -days 30 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature 2>/dev/null
openssl ecparam -genkey -name prime256v1 -noout -out leaf.key
openssl req -new -key leaf.key -subj /CN=leaf.bench -out leaf.csr
mkdir -p l
: > index.txt
expiry=$(date -u -d '+20 days' +%y%m%d%H%M%SZ)
for i in $(seq 1 "$C"); do
    serial=$(printf '%X' $((0x100000 + i)))
    printf 'V\t%s\t\t%s\tunknown\t/CN=leaf%d.bench\n' "$expiry" "$serial" "$i" >> index.txt
done
# Signed four at a time (relative paths keep the nodes' command lines short at 10,000 certificates).
export RPORT
seq 1 "$C" | xargs -P 4 -I{} bash -c \
    'openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(printf %X $((0x100000 + {})))" -days 20 \
        -extfile <(printf "subjectAltName=DNS:leaf{}.bench\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:%d/\nbasicConstraints=critical,CA:FALSE\n" "$RPORT") \
        -out l/{}.pem 2>/dev/null && cat ca.pem >> l/{}.pem'
echo "$RPORT" > rport
if [ -n "${PKI_CACHE:-}" ]; then
    mkdir -p "$PKI_CACHE/$C" && cp -r ca.pem ca.key leaf.key index.txt l rport "$PKI_CACHE/$C/"
fi
fi

"$STAPLE" respond --ca ca.pem --ca-key ca.key --index index.txt --listen "127.0.0.1:$RPORT" --validity "$VALIDITY" --refresh 20s \
    --metrics-listen "127.0.0.1:$MPORT" > responder.log 2>&1 &
pids+=($!)

chown postgres "$work"
runuser -u postgres -- $PGBIN/initdb -D data -A trust -U staple --no-sync >/dev/null
runuser -u postgres -- $PGBIN/pg_ctl -D data -o "-p $PGPORT -k $work -c listen_addresses=127.0.0.1 -c max_connections=200" \
    -l pg.log -w start >/dev/null
URL="postgresql://staple@127.0.0.1:$PGPORT/postgres?sslmode=disable"
psql_() { $PGBIN/psql -h 127.0.0.1 -p "$PGPORT" -U staple -d postgres -At -c "$1"; }

requests() { curl -s "http://127.0.0.1:$MPORT/metrics" | awk '/^ocsp_responder_requests_total/ { s += $2 } END { print s + 0 }'; }
pg_ticks() {
    local pm; pm=$(head -1 data/postmaster.pid)
    local total=0
    for pid in $pm $(ps -o pid= --ppid "$pm"); do
        [ -r "/proc/$pid/stat" ] || continue
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    echo $total
}
for _ in $(seq 1 100); do [ "$(requests)" != "" ] && curl -sf "http://127.0.0.1:$MPORT/metrics" >/dev/null && break; sleep 0.2; done

# start_nodes PREFIX [serve options...]: N nodes, each with its own state directory.
start_nodes() {
    local prefix=$1; shift
    for n in $(seq 1 "$N"); do
        local port; port=$(free_port)
        "$STAPLE" serve --listen "127.0.0.1:$port" --backend 127.0.0.1:9 --state-dir "$work/state-$prefix$n" \
            --startup-wait 1 --log-level debug "$@" "${certargs[@]}" > "$prefix$n.log" 2>&1 &
        nodes+=($!)
    done
}
# node_ticks: utime+stime of the running nodes, summed (/proc/PID/stat 14+15).
node_ticks() {
    local total=0 pid
    for pid in "${nodes[@]}"; do
        [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    echo $total
}
# alive PREFIX: exits 3 naming the node when one has exited (a port taken between free_port and its
# bind, say), rather than wait for the warm-up's deadline.
alive() {
    local i
    for i in "${!nodes[@]}"; do
        kill -0 "${nodes[$i]}" 2>/dev/null && continue
        echo "node $1$((i + 1)) exited: $(tail -1 "$1$((i + 1)).log")" >&2
        exit 3
    done
}
# installed PREFIX: certificates with a staple taken (the engine's "Staple refreshed"), summed over the nodes.
installed() {
    local total=0 f k
    for f in "$1"*.log; do
        [ -f "$f" ] || continue
        k=$(grep 'Staple refreshed' "$f" | grep -o 'cert.serial=[0-9A-Fa-f]*' | sort -u | wc -l)
        total=$((total + k))
    done
    echo "$total"
}

# ---- Phase 1: the fleet with the store.
start_nodes node --store "$URL"
echo "waiting for every node to staple all $C certificates..." >&2
deadline=$((SECONDS + 1800))
while :; do
    alive node
    got=$(installed node)
    [ "$got" -ge $((N * C)) ] && break
    [ $SECONDS -lt $deadline ] || { echo "warm-up did not finish: $got of $((N * C)) staples" >&2; exit 1; }
    sleep 2
done
warm=$SECONDS
sleep 70   # one refresh round
r0=$(requests); p0=$(pg_ticks); n0=$(node_ticks); t0=$(date +%s.%N)
marks=(); for n in $(seq 1 "$N"); do marks+=($(wc -l < "node$n.log")); done
sleep "$T"
r1=$(requests); p1=$(pg_ticks); n1=$(node_ticks); t1=$(date +%s.%N)
alive node
connections=$(psql_ "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'staple %'")
window=$(for n in $(seq 1 "$N"); do tail -n +"$((${marks[$((n-1))]} + 1))" "node$n.log"; done | grep 'Staple from the store' || true)
ages_all=$(printf '%s\n' "$window" | grep -o 'store.age_seconds=[0-9.]*' | cut -d= -f2 | sort -n)
ages_announced=$(printf '%s\n' "$window" | grep 'store.announced=true' | grep -o 'store.age_seconds=[0-9.]*' | cut -d= -f2 | sort -n)
rejected=$(cat node*.log | grep -c 'Store row rejected' || true)
printf 'r0=%s r1=%s t0=%s t1=%s p0=%s p1=%s connections=%s rejected=%s\n' "$r0" "$r1" "$t0" "$t1" "$p0" "$p1" \
    "$connections" "$rejected" > phase1.txt   # kept with KEEP=1
stop_nodes

# ---- Phase 2 (PEER=1): the same nodes without the store, same window.
q0=0; q1=0; u0=0; u1=0
if [ "$PEER" = 1 ]; then
    start_nodes peer
    echo "peer: the same $N nodes without --store..." >&2
    deadline=$((SECONDS + 1800))
    while :; do
        alive peer
        got=$(installed peer)
        [ "$got" -ge $((N * C)) ] && break
        [ $SECONDS -lt $deadline ] || { echo "peer warm-up did not finish: $got of $((N * C))" >&2; exit 1; }
        sleep 2
    done
    sleep 70
    q0=$(requests); u0=$(date +%s.%N)
    sleep "$T"
    q1=$(requests); u1=$(date +%s.%N)
    stop_nodes
fi

hz=$(getconf CLK_TCK)
python3 - "$N" "$C" "$r0" "$r1" "$t0" "$t1" "$p0" "$p1" "$hz" "$connections" "$q0" "$q1" "$u0" "$u1" "$rejected" \
    "$STAPLE" "$n0" "$n1" 3<<<"$ages_all" 4<<<"$ages_announced" <<'PY'
import json, os, sys
n, c, r0, r1, t0, t1, p0, p1, hz, conns, q0, q1, u0, u1, rejected, staple, n0, n1 = sys.argv[1:]
n, c = int(n), int(c)
def ages(fd):
    with os.fdopen(fd) as f:
        return [float(x) for x in f.read().split()]
every, announced = ages(3), ages(4)
def pct(values, p):
    return values[int((len(values) - 1) * p)] if values else float("nan")
seconds = float(t1) - float(t0)
reqs = float(r1) - float(r0)
per_hour = reqs * 3600 / seconds
cpu = (int(p1) - int(p0)) / int(hz)
nodes_cpu = (int(n1) - int(n0)) / int(hz)
peer_seconds = float(u1) - float(u0)
peer_hour = (float(q1) - float(q0)) * 3600 / peer_seconds if peer_seconds > 0 else float("nan")
validity = os.environ.get("VALIDITY", "16m")
label = f"N={n}, {c} certificates" + ("" if validity == "16m" else f", {validity} responses")
print(f"nodes={n} certificates={c} validity={validity} window={seconds:.0f}s responder_requests={reqs:.0f} "
      f"requests_per_hour={per_hour:.0f} (per certificate {per_hour / c:.1f}) "
      f"peer_without_store_requests_per_hour={peer_hour:.0f} "
      f"installs_from_store={len(every)} (announced {len(announced)}) "
      f"propagation_p50={pct(every, .5):.3f}s p99={pct(every, .99):.3f}s max={max(every or [float('nan')]):.3f}s "
      f"announced_p50={pct(announced, .5):.3f}s announced_p99={pct(announced, .99):.3f}s "
      f"postgres_cpu={cpu:.2f}s ({100 * cpu / seconds:.1f}% of a core, {1000 * cpu / max(reqs, 1):.2f} ms per responder request) "
      f"nodes_cpu={nodes_cpu:.2f}s ({100 * nodes_cpu / seconds:.1f}% of a core for {n} nodes, "
      f"{1000 * nodes_cpu / max(len(every) + reqs, 1):.2f} ms per install or fetch) "
      f"connections={conns} per_node={int(conns) / n:.1f} rejected_rows={rejected} staple={staple}")
def result(metric, ours, peer, peer_name, unit):
    print("RESULT " + json.dumps({"benchmark": "fleet", "metric": f"{metric} ({label})", "staple": ours, "peer": peer,
                                  "peerName": peer_name, "unit": unit, "higherIsBetter": False}, sort_keys=True))
if peer_seconds > 0:
    result("responder requests per hour", round(per_hour), round(peer_hour), f"{n} nodes without a store", "requests/h")
if every:  # N=1 installs nothing from the store
    result("write-to-install p99", round(pct(every, .99), 3), 1.0, "issue 13 target", "s")
    result("write-to-install median", round(pct(every, .5), 3), 1.0, "issue 13 target", "s")
result("PostgreSQL connections per node", int(conns) / n, 2, "issue 13 target", "connections")
PY
