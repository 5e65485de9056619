#!/bin/bash
# pathkeeperd watched by a real Prometheus (Debian's package) through node_exporter's textfile collector, with
# the shipped alert rules (their "for:" shortened): round-robin writes show on both paths' I/O counters; a cable
# pull shows the path down and the map on one path, the redundancy-lost alert goes pending then firing, and
# resolves once the cable is back. The writer sees 0 errors and 0 mismatches.
# Usage: pathkeeperd_prometheus.sh BUILD_DIR
. "$(dirname "$0")/../guest/lib.sh"
require_pathkeeperd "${1:-}"
require_prober "${1:-}"
source_dir=$(cd "$(dirname "$0")/../../.." && pwd)
rules=$source_dir/packaging/prometheus/pathkeeper.rules.yml
[ -f "$rules" ] || fail "no alert rules at $rules"
command -v prometheus >/dev/null || fail "prometheus not installed (Debian's prometheus package)"
command -v prometheus-node-exporter >/dev/null || fail "prometheus-node-exporter not installed"
textfile_dir=/var/lib/prometheus/node-exporter
mkdir -p "$textfile_dir"

load_multipath_modules
start_udev
san_setup
start_system_dbus
config=/etc/pathkeeper/pathkeeper.yaml
write_pathkeeper_config "$config" "defaults:
  find_multipaths: \"on\"
  metrics_textfile_directory: $textfile_dir
  metrics_interval: 1s
  path_grouping_policy: multibus
  path_selector: round-robin
  rr_min_io_rq: 1"

# prom_query PROMQL: the instant query's samples, one per line: "<labels as JSON> <value>".
prom_query() {
    curl -sf --max-time 5 --get --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query |
        jq -r '.data.result[] | "\(.metric | tojson) \(.value[1])"'
}
# prom_has PROMQL: the query returns at least one sample. Fails the scenario at once when Prometheus has exited
# (fd 3: wait_until silences the command's own output).
exec 3>&2
prom_has() {
    if [ -n "${prom_pid:-}" ] && ! kill -0 "$prom_pid" 2>/dev/null; then
        fail "Prometheus exited: $(tail -n 5 "$PK_OUT/prometheus.log")" 2>&3
    fi
    [ -n "$(prom_query "$1")" ]
}

# The prober's O_SYNC writes alternate with cache flushes, which round-robin sends down the other path: plain
# direct writes beside them, past the prober's blocks, make both paths carry writes.
start_spreader() {
    (while :; do dd if=/dev/zero of="/dev/mapper/$map" bs=4k seek=4096 count=1000 oflag=direct status=none; done) &
    spreader_pid=$!
    PK_PIDS+=("$spreader_pid")
}
stop_spreader() {
    kill "$spreader_pid" 2>/dev/null || true
    wait "$spreader_pid" 2>/dev/null || true
}

step "pathkeeperd builds the map and writes its metrics"
start_pathkeeperd "$config"
wait_until 60 "one map with 2 paths" map_count_is 1
map=$(mpath_maps | awk '{ print $1 }')
disk_a=$(cable_disk a)
disk_b=$(cable_disk b)
wait_until 30 "both paths active" dm_path_is "$disk_a" A
wait_until 30 "both paths active" dm_path_is "$disk_b" A
log "table: $(dmsetup table "$map")"
wait_until 30 "the metrics file" test -s "$textfile_dir/pathkeeper.prom"
promtool check metrics <"$textfile_dir/pathkeeper.prom" >&2 || fail "promtool finds the metrics file malformed"

step "node_exporter and Prometheus scrape the host"
setsid prometheus-node-exporter --web.listen-address=127.0.0.1:9100 --collector.disable-defaults \
    --collector.textfile --collector.textfile.directory="$textfile_dir" >"$PK_OUT/node-exporter.log" 2>&1 &
PK_PIDS+=($!)
prom_dir=$PK_OUT/prometheus
# Its database mmaps files, which the 9p-shared output directory cannot hold.
prom_data=/run/pk-prometheus
mkdir -p "$prom_dir" "$prom_data"
sed -E 's/^( +for:) .*/\1 3s/' "$rules" >"$prom_dir/pathkeeper.rules.yml"
cat >"$prom_dir/prometheus.yml" <<PROM
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $prom_dir/pathkeeper.rules.yml
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ["127.0.0.1:9100"]
PROM
promtool check config "$prom_dir/prometheus.yml" >&2 || fail "promtool rejects the test's Prometheus config"
setsid prometheus --config.file="$prom_dir/prometheus.yml" --storage.tsdb.path="$prom_data" \
    --web.listen-address=127.0.0.1:9090 >"$PK_OUT/prometheus.log" 2>&1 &
prom_pid=$!
PK_PIDS+=("$prom_pid")
wait_until 120 "Prometheus to see both paths of $map usable" \
    prom_has "pathkeeper_map_usable_paths{map=\"$map\"} == 2"
prom_query "pathkeeper_path_state{map=\"$map\"} == 1" >&2

step "round-robin writes rise on both paths' counters"
result=$PK_OUT/prober-prometheus.json
start_prober "/dev/mapper/$map" 300 "$result"
start_spreader
wait_until 60 "write counters of both paths to rise" \
    prom_has "count(rate(pathkeeper_path_write_requests_total{map=\"$map\"}[5s]) > 0) == 2"
prom_query "rate(pathkeeper_path_written_bytes_total{map=\"$map\"}[5s])" >&2
stop_spreader

step "cable pull: the path is down and the redundancy-lost alert fires"
t_pull=$(now_s)
pull_cable a
wait_until 90 "Prometheus to see $disk_a down" \
    prom_has "pathkeeper_path_state{map=\"$map\",path=\"$disk_a\",state=\"down\"} == 1"
t_down=$(now_s)
wait_until 30 "Prometheus to see $map on one path" prom_has "pathkeeper_map_usable_paths{map=\"$map\"} == 1"
wait_until 60 "PathkeeperRedundancyLost to fire" \
    prom_has "ALERTS{alertname=\"PathkeeperRedundancyLost\",alertstate=\"firing\",map=\"$map\"}"
t_firing=$(now_s)
prom_has "max_over_time(ALERTS{alertname=\"PathkeeperRedundancyLost\",alertstate=\"pending\",map=\"$map\"}[10m])" ||
    fail "PathkeeperRedundancyLost fired without being pending first"
curl -sf http://127.0.0.1:9090/api/v1/alerts | jq -c '.data.alerts[]' >&2
prom_has "pathkeeper_path_failures_total{map=\"$map\",path=\"$disk_a\"} >= 1" ||
    fail "the failure of $disk_a is not counted"

step "cable back: the path is up again and the alert resolves"
t_restore=$(now_s)
restore_cable a
wait_until 120 "Prometheus to see both paths of $map usable again" \
    prom_has "pathkeeper_map_usable_paths{map=\"$map\"} == 2"
t_usable=$(now_s)
wait_until 60 "PathkeeperRedundancyLost to resolve" \
    bash -c "! curl -sf http://127.0.0.1:9090/api/v1/alerts | jq -e '.data.alerts[] | select(.labels.alertname == \"PathkeeperRedundancyLost\")' >/dev/null"
t_resolved=$(now_s)
prom_has "pathkeeper_path_reinstates_total{map=\"$map\",path=\"$disk_a\"} >= 1" ||
    fail "the reinstatement of $disk_a is not counted"
start_spreader
wait_until 60 "write counters of both paths to rise again" \
    prom_has "count(rate(pathkeeper_path_write_requests_total{map=\"$map\"}[5s]) > 0) == 2"
stop_spreader

kill -INT "$PK_PROBER_PID" 2>/dev/null || true
wait_prober "$result" || fail "the prober saw write errors or data mismatches"
[ "$(json_field "$result" errors)" = 0 ] || fail "write errors: $(json_field "$result" errors)"
[ "$(json_field "$result" mismatches)" = 0 ] || fail "mismatches: $(json_field "$result" mismatches)"

step "a clean stop removes the metrics file"
stop_pathkeeperd TERM
[ ! -e "$textfile_dir/pathkeeper.prom" ] || fail "pathkeeper.prom is left behind after a clean stop"

echo "prometheus: path down in Prometheus $(elapsed "$t_pull" "$t_down") s after the pull, alert firing after" \
    "$(elapsed "$t_pull" "$t_firing") s, usable again $(elapsed "$t_restore" "$t_usable") s after the cable" \
    "returned, alert resolved after $(elapsed "$t_restore" "$t_resolved") s; writes: $(json_field "$result" writes)," \
    "longest stall $(json_field "$result" max_gap_ms) ms" >"$PK_OUT/figures.txt"
cat "$PK_OUT/figures.txt" >&2
log "pathkeeperd Prometheus scenario passed"
