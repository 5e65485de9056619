#!/usr/bin/env bash
# Host-side benchmark of what the Prometheus metrics cost: the real pathkeeperd on its simulated back end (lib/sim;
# no kernel needed) writing pathkeeper.prom into a textfile directory, beside the same daemon with
# `metrics_textfile_directory: off`, for the same windows. For each size it prints the daemon's CPU per metrics
# write (on minus off, divided by the writes seen), its RSS with the metrics on and off, the file's size, and what
# a scrape of that file through node_exporter's textfile collector costs, with promtool's verdict on the file.
# It prints figures only: no thresholds, no pass/fail.
#
#   bench/host-metrics-cost.sh [--build BUILD] [--sizes 512] [--window 30] [--rounds 2] [--churn-window 30]
#                              [--scrapes 21]
#
# --window: seconds of each idle window (metrics_interval 1s, so about one write a second); --rounds: windows per
# mode, in the order off on on off...; --churn-window: seconds of one window per mode while paths go down and
# up through the simulator's control FIFO, with the default metrics_interval (0: skipped).
# BUILD (default: $PK_BUILD_DIR or ./build) must hold daemon/pathkeeperd and cli/pathctl; node_exporter
# (prometheus-node-exporter), promtool, curl and python3 must be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=${PK_BUILD_DIR:-$src/build}
sizes=512
window=30
rounds=2
churn_window=30
scrapes=21
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --churn-window) churn_window=$2; shift 2 ;;
    --scrapes) scrapes=$2; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "host-metrics-cost.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
daemon=$build/daemon/pathkeeperd
pathctl=$build/cli/pathctl
for bin in "$daemon" "$pathctl"; do
    [ -x "$bin" ] || { echo "host-metrics-cost.sh: $bin is not built (cmake --build $build)" >&2; exit 2; }
done
node_exporter=$(command -v prometheus-node-exporter || command -v node_exporter || true)
[ -n "$node_exporter" ] || { echo "host-metrics-cost.sh: node_exporter is not installed" >&2; exit 2; }
for tool in dbus-daemon promtool curl python3; do
    command -v "$tool" >/dev/null || { echo "host-metrics-cost.sh: $tool is not installed" >&2; exit 2; }
done

work=$(mktemp -d /tmp/pathkeeper-metrics-bench.XXXXXX)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=host_lib.sh
. "$src/bench/host_lib.sh"
start_private_bus host-metrics-cost.sh

# watch_window PID DIR SECONDS: "CPU-ms writes" of the daemon over SECONDS: the run time of all its threads
# (/proc/PID/task/*/schedstat, nanoseconds: the 10 ms ticks of /proc/PID/stat are too coarse for one window), and
# the renames onto DIR/pathkeeper.prom seen by inotify (each is one complete write). A thread that ends within
# the window would take its time with it: the watcher fails then rather than print a figure short of it.
watch_window() {
    python3 - "$@" <<'EOF'
import ctypes, glob, os, select, struct, sys, time
pid, directory, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
libc = ctypes.CDLL(None, use_errno=True)
IN_MOVED_TO, IN_NONBLOCK = 0x80, 0o4000
fd = libc.inotify_init1(IN_NONBLOCK)
if fd < 0 or libc.inotify_add_watch(fd, directory.encode(), IN_MOVED_TO) < 0:
    sys.exit("inotify on %s failed: %s" % (directory, os.strerror(ctypes.get_errno())))
def run_ns():
    times = {}
    for path in glob.glob("/proc/%s/task/*/schedstat" % pid):
        try:
            with open(path) as f:
                times[path] = int(f.read().split()[0])
        except FileNotFoundError:
            pass
    return times
writes, start, end = 0, run_ns(), time.monotonic() + seconds
while (left := end - time.monotonic()) > 0:
    if select.select([fd], [], [], left)[0]:
        data = os.read(fd, 65536)
        while data:
            _, mask, _, size = struct.unpack_from("iIII", data)
            name = data[16:16 + size].split(b"\0", 1)[0]
            writes += name == b"pathkeeper.prom"
            data = data[16 + size:]
stop = run_ns()
if set(start) - set(stop):
    sys.exit("a thread of %s ended within the window: its CPU time is lost" % pid)
print("%.1f" % (sum(stop[t] - start.get(t, 0) for t in stop) / 1e6), writes)
EOF
}

# churn N SECONDS: every second one more path's checker goes down and the one taken down 3 s before comes up
# again, so a few paths of the N change state all the time.
churn() {
    local n=$1 seconds=$2 k
    for ((k = 0; k < seconds; k++)); do
        echo "checker $(disk_name $((k % n))) down" >"$fifo"
        [ "$k" -lt 3 ] || echo "checker $(disk_name $(((k - 3) % n))) up" >"$fifo"
        sleep 1
    done
    for ((k = seconds > 3 ? seconds - 3 : 0; k < seconds; k++)); do
        echo "checker $(disk_name $((k % n))) up" >"$fifo"
    done
}

# config MODE INTERVAL: the bench's configuration with the metrics on (written to /prom) or off.
config() {
    sim_config
    if [ "$1" = on ]; then
        printf '  metrics_textfile_directory: /prom\n  metrics_interval: %s\n' "$2"
    else
        printf '  metrics_textfile_directory: "off"\n'
    fi
}

# start_daemon N MODE TAG: the daemon on N simulated paths, its metrics on or off; sets pid, state and prom.
start_daemon() {
    local n=$1 mode=$2 tag=$3
    state=$work/state-$tag
    prom=$state/sim-root/prom
    mkdir -p "$prom"
    config "$mode" 1s >"$work/pathkeeper-$tag.yaml"
    "$daemon" --backend sim --sim-scenario "$work/scenario-$n.yaml" --config "$work/pathkeeper-$tag.yaml" \
        --state-dir "$state" --foreground --log-level warning >"$work/daemon-$tag.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    wait_for_paths "$pathctl" "$n" ||
        { echo "host-metrics-cost.sh: the daemon did not publish $n paths; log:" >&2; tail "$work/daemon-$tag.log" >&2; exit 1; }
    if [ "$mode" = on ]; then
        for _ in $(seq 100); do [ -s "$prom/pathkeeper.prom" ] && break; sleep 0.1; done
        [ -s "$prom/pathkeeper.prom" ] || { echo "host-metrics-cost.sh: no $prom/pathkeeper.prom" >&2; exit 1; }
    fi
    sleep 6 # one check interval of rest: every path checked once more, the start-up work done
}

# forget PID: a process that is gone leaves the list, so the cleanup never signals a reused id.
forget() {
    local p kept=()
    for p in "${pids[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
    pids=("${kept[@]}")
}

stop_daemon() {
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    forget "$pid"
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# free_port: a localhost TCP port nobody listens on now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# scrape DIR: node_exporter with only the textfile collector on DIR, scraped $scrapes times; the times go to
# $work/curl-ms (whole request) and $work/collector-ms (its textfile collector), the last scrape's parse error
# flag and size to scrape_errors and scrape_bytes.
scrape() {
    local dir=$1 port ne_pid body=$work/scrape.txt
    port=$(free_port)
    "$node_exporter" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.textfile \
        --collector.textfile.directory="$dir" >"$work/node_exporter.log" 2>&1 &
    ne_pid=$!
    pids+=("$ne_pid")
    for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && break; sleep 0.1; done
    curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" ||
        { echo "host-metrics-cost.sh: node_exporter did not answer; log:" >&2; tail "$work/node_exporter.log" >&2; exit 1; }
    : >"$work/curl-ms"
    : >"$work/collector-ms"
    for _ in $(seq "$scrapes"); do
        curl -s -o "$body" -w '%{time_total}\n' "http://127.0.0.1:$port/metrics" |
            awk '{ printf "%.1f\n", $1 * 1000 }' >>"$work/curl-ms"
        awk '/^node_scrape_collector_duration_seconds\{collector="textfile"\}/ { printf "%.1f\n", $2 * 1000 }' \
            "$body" >>"$work/collector-ms"
    done
    scrape_errors=$(awk '/^node_textfile_scrape_error / { print $2 }' "$body")
    scrape_bytes=$(wc -c <"$body")
    kill "$ne_pid"
    wait "$ne_pid" 2>/dev/null || true
    forget "$ne_pid"
}

difference() { awk -v a="$1" -v b="$2" 'BEGIN { print a - b }'; }

# ms_per MS DIVISOR: MS / DIVISOR, two decimals.
ms_per() { awk -v t="$1" -v d="$2" 'BEGIN { if (d > 0) printf "%.2f", t / d; else print "n/a (no write)" }'; }

printf '# pathkeeperd metrics cost on the simulated back end, %s, %s (%s cores), load %s\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
    "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '# idle: %s x %s s per mode (metrics_interval 1s vs off, order off on on off ...); churn: %s s per mode\n' \
    "$rounds" "$window" "$churn_window"
printf '# (default metrics_interval); %s scrapes; %s\n\n' "$scrapes" "$("$node_exporter" --version 2>&1 | head -1)"
printf '| paths | file | idle: CPU off / on, writes | CPU per write | churn: CPU off / on, writes | CPU per write (churn) | RSS off / on | scrape (curl) | textfile collector |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
verdicts=()
IFS=, read -ra size_list <<<"$sizes"
for n in "${size_list[@]}"; do
    fifo=$work/control-$n.fifo
    { sim_scenario "$n"; printf 'control_fifo: %s\n' "$fifo"; } >"$work/scenario-$n.yaml"
    declare -A cpu_ms=([off]=0 [on]=0) writes=([off]=0 [on]=0) rss=([off]=0 [on]=0)
    for ((r = 0; r < rounds; r++)); do
        if ((r % 2 == 0)); then order="off on"; else order="on off"; fi
        for mode in $order; do
            start_daemon "$n" "$mode" "$n-$mode-$r"
            read -r t w < <(watch_window "$pid" "$prom" "$window")
            cpu_ms[$mode]=$(awk -v a="${cpu_ms[$mode]}" -v b="$t" 'BEGIN { print a + b }')
            writes[$mode]=$((writes[$mode] + w))
            rss[$mode]=$(rss_kib "$pid")
            if [ "$mode" = on ] && [ "$r" = 0 ]; then
                cp "$prom/pathkeeper.prom" "$work/sample-$n.prom"
                scrape "$prom"
                curl_ms=$(stats <"$work/curl-ms" | awk '{ printf "%s ms (%s-%s)", $1, $2, $3 }')
                if [ -s "$work/collector-ms" ]; then
                    collector_ms=$(stats <"$work/collector-ms" | awk '{ printf "%s ms (%s-%s)", $1, $2, $3 }')
                else
                    collector_ms="n/a (not reported)"
                fi
                # promtool exits non-zero on lint problems: its verdict is printed, not fatal here.
                verdict=$(promtool check metrics <"$work/sample-$n.prom" 2>&1) && verdict="${verdict:-SUCCESS (no problems)}" ||
                    verdict="problems: $(echo "$verdict" | tr '\n' ';')"
                verdicts+=("$n paths: promtool check metrics: $verdict; node_exporter scrape error: ${scrape_errors:-n/a}; scrape body $scrape_bytes bytes")
            fi
            stop_daemon
        done
    done
    churn_cells=("n/a (skipped)" "n/a (skipped)")
    if [ "$churn_window" -gt 0 ]; then
        declare -A ccpu_ms=([off]=0 [on]=0) cwrites=([off]=0 [on]=0)
        for mode in off on; do
            start_daemon "$n" "$mode" "$n-$mode-churn"
            # The default interval (15 s) from here on: the writes in this window are the ones state changes cause.
            config "$mode" 15s >"$work/pathkeeper-$n-$mode-churn.yaml"
            kill -HUP "$pid"
            sleep 2
            churn "$n" "$churn_window" &
            churn_pid=$!
            read -r t w < <(watch_window "$pid" "$prom" "$churn_window")
            wait "$churn_pid"
            ccpu_ms[$mode]=$t
            cwrites[$mode]=$w
            stop_daemon
        done
        churn_cells=("$(ms_per "${ccpu_ms[off]}" 1) / $(ms_per "${ccpu_ms[on]}" 1) ms, ${cwrites[on]}"
            "$(ms_per "$(difference "${ccpu_ms[on]}" "${ccpu_ms[off]}")" "${cwrites[on]}") ms")
    fi
    file_bytes=$(wc -c <"$work/sample-$n.prom")
    file_lines=$(wc -l <"$work/sample-$n.prom")
    file_series=$(grep -vc '^#' "$work/sample-$n.prom")
    printf '| %s | %s KiB, %s lines (%s series) | %s / %s ms, %s | %s ms | %s | %s | %.1f / %.1f MiB | %s | %s |\n' \
        "$n" "$(awk -v b="$file_bytes" 'BEGIN { printf "%.0f", b / 1024 }')" "$file_lines" "$file_series" \
        "$(ms_per "${cpu_ms[off]}" 1)" "$(ms_per "${cpu_ms[on]}" 1)" "${writes[on]}" \
        "$(ms_per "$(difference "${cpu_ms[on]}" "${cpu_ms[off]}")" "${writes[on]}")" "${churn_cells[0]}" "${churn_cells[1]}" \
        "$(awk -v k="${rss[off]}" 'BEGIN { print k / 1024 }')" "$(awk -v k="${rss[on]}" 'BEGIN { print k / 1024 }')" \
        "$curl_ms" "$collector_ms"
done
printf '\n'
for v in "${verdicts[@]}"; do printf -- '- %s\n' "$v"; done
