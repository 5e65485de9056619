#!/usr/bin/env python3
"""Formats bench/guest/bench.sh's key<TAB>value results as the Markdown report bench/run.sh prints and saves.

Prints only what was measured: a missing or failed figure shows as "n/a (reason)"; there are no thresholds."""
import argparse
import sys

MPD, PK = "multipathd", "pathkeeperd"


def load(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if "\t" in line:
                key, value = line.split("\t", 1)
                values[key] = value
    return values


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def cell(values, key, unit):
    if key not in values:
        return "n/a (not measured)"
    value = values[key]
    return f"{value} {unit}" if number(value) is not None else value


# How to say "multipathd's figure is r times pathkeeper's" for a lower-is-better figure of each kind.
WORDS = {"time": ("faster", "slower"), "mem": ("smaller", "larger"), "cpu": ("less CPU", "more CPU")}


def ratio(values, mpd_key, pk_key, kind):
    m, p = number(values.get(mpd_key)), number(values.get(pk_key))
    if m is None or p is None:
        return "n/a"
    better, worse = WORDS[kind]
    if p <= 0:
        return f"pathkeeper {better} (its figure rounds to 0)" if m > 0 else "both 0"
    r = m / p
    if r >= 1:
        return f"{r:.1f}x {better} (mpd/pk = {r:.2f})"
    return f"{1 / r:.1f}x {worse} (pk/mpd = {1 / r:.2f})"


def sizes_in(values):
    return sorted({int(k.split(".")[1]) for k in values if k.startswith("size.") and k.split(".")[1].isdigit()})


SIZE_ROWS = [
    # (suffix, label, unit, kind)
    ("maps_s", "{n} paths, {m} maps: daemon start -> all maps created", "s", "time"),
    ("maps_settled_s", "{n} paths: daemon start -> all maps created and udev settled", "s", "time"),
    ("create_cpu_s", "{n} paths: the daemon's own CPU from its start until maps created and udev settled "
     "(utime+stime, callouts included)", "CPU-s", "cpu"),
    ("show_paths_ms", "`show paths` with {n} paths (`multipathd show paths` / `pathctl show paths`)", "ms", "time"),
    ("show_maps_json_ms", "`show maps` as JSON with {m} maps (`multipathd show maps json` / `pathctl show maps --json`)",
     "ms", "time"),
    ("show_paths_json_ms", "`pathctl show paths --json` with {n} paths", "ms", "time"),
    ("udev_decision_ms", "udev rule's decision per disk event at {n} disks (`multipath -u` / pathkeeper-udev-helper, "
     "find_multipaths on, no daemon; program start included)", "ms", "time"),
    ("rss_mb", "daemon RSS (VmRSS) with {n} paths, after the idle window", "MiB", "mem"),
    ("idle_cpu_s", "idle CPU with {n} paths over {idle} s (checks every {ci} s; utime+stime)", "CPU-s", "cpu"),
]


# Path failure detection (bench_detection_rows): (label, row, suffix); keys are detect.ROW.DAEMON.SUFFIX, each the
# median of the repetitions with every repetition under KEY.runs.
DETECTION_ROWS = [
    ("detection: SCSI device `offline` (sysfs state) -> path failed in dm (polled dmsetup)", "offline", "failed_s"),
    ("detection: same, kernel log (marker -> dm's `Failing path`)", "offline", "k_failed_s"),
    ("detection: device back to `running` -> path active in dm (polled)", "offline", "back_s"),
    ("detection: same, kernel log (marker -> dm's `Reinstating path`)", "offline", "k_back_s"),
    ("detection: scsi_debug disk deleted (`device/delete`) -> path out of the map (polled)", "sd_delete", "failed_s"),
    ("detection: host rescan -> the disk found again and active in dm (polled, udev included)", "sd_delete",
     "back_s"),
    ("detection: iSCSI target deletes the LUN, sessions up -> path failed in dm (polled)", "target_lun", "failed_s"),
    ("detection: same, kernel log", "target_lun", "k_failed_s"),
    ("detection: target adds the LUN back -> path active in dm (polled)", "target_lun", "back_s"),
    ("detection: same, kernel log", "target_lun", "k_back_s"),
    ("detection: iSCSI connection aborted by the target, reconnects unanswered -> path failed in dm (polled)",
     "session", "failed_s"),
    ("detection: same, kernel log", "session", "k_failed_s"),
    ("detection: target answers again -> path active in dm (polled; includes iscsid's re-login)", "session",
     "back_s"),
    ("detection: disk `transport-offline` (recovery_tmo expired) -> path failed in dm (negative: dm failed it "
     "before)", "toffline", "failed_s"),
]


def reps_cell(values, key):
    cell_text = cell(values, key, "s")
    runs = values.get(key + ".runs")
    if runs and number(values.get(key)) is not None and "," in runs:
        cell_text += f" (runs: {runs})"
    return cell_text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--note", action="append", default=[], help="an extra line for the header (repeatable)")
    for opt in ("command", "date", "host-cpu", "host-cores", "load", "minutes", "guest-exit", "logs"):
        ap.add_argument("--" + opt, default="?")
    a = ap.parse_args()
    v = load(a.results)
    idle, ci = v.get("meta.idle_s", "?"), v.get("meta.check_interval_s", "?")
    out = []
    w = out.append
    w(f"# pathkeeper vs multipathd benchmark, {a.date}")
    w("")
    w(f"- command: `{a.command}` (VM run took about {a.minutes} min; guest exit code {a.guest_exit})")
    # The load average is what the script can see; whether other work shared the host is for the person who ran
    # it to add (the bench's own VM keeps about one core busy).
    w(f"- host: {a.host_cpu}, {a.host_cores} cores (load average at the end: {a.load}; the bench's own VM "
      f"accounts for about 1); qemu TCG (no KVM)")
    w(f"- guest: kernel {v.get('meta.kernel', '?')}, {v.get('meta.vcpus', '?')} vCPUs, "
      f"{v.get('meta.mem_mb', '?')} MiB")
    w(f"- multipathd: Debian multipath-tools {v.get('meta.multipathd_version', '?')}; "
      f"pathkeeperd: {v.get('meta.pathkeeperd_version', '?')}")
    sizes = sizes_in(v)
    w(f"- sizes: {', '.join(str(s) for s in sizes) or 'none'} scsi_debug paths (2 hosts, 2 paths per map); "
      f"latencies are the median of {v.get('meta.reps', '?')} runs, wall time including CLI start-up")
    w(f"- check interval on the scsi_debug rows: {ci} s for both daemons (multipathd polling_interval = "
      f"max_polling_interval = {ci}; pathkeeperd polling_interval = max_polling_interval = {ci}s)")
    w("- lower is better in every row; ratio = multipathd / pathkeeperd")
    for note in a.note:
        w(f"- note: {note}")
    w("")
    w("| workload | multipathd | pathkeeper | ratio |")
    w("|---|---|---|---|")

    if any(k.startswith("iscsi.") for k in v):
        rows = [
            ("local cable pull (host link down) under write load, stock open-iscsi: longest write stall (pk-io-prober)",
             "iscsi.stock.multipathd.stall_s", "iscsi.stock.pathkeeperd.stall_s"),
            ("same, noop 2/2 + replacement_timeout 5: longest write stall",
             "iscsi.tuned.multipathd.stall_s", "iscsi.tuned.pathkeeperd.stall_s"),
            ("target-side link lost (netem loss 100%, local carrier stays), stock: longest write stall",
             "iscsi.remote.multipathd.stall_s", "iscsi.remote.pathkeeperd.stall_s"),
            ("cable restored -> path active again, stock (kernel log)",
             "iscsi.stock.multipathd.k_reinstated_s", "iscsi.stock.pathkeeperd.k_reinstated_s"),
            ("cable restored -> path active again, multipathd polling_interval 2 vs pathkeeperd defaults (kernel log)",
             "iscsi.stock_poll2.multipathd.k_reinstated_s", "iscsi.stock.pathkeeperd.k_reinstated_s"),
            ("cable restored -> path active again, noop 2/2 (kernel log)",
             "iscsi.tuned.multipathd.k_reinstated_s", "iscsi.tuned.pathkeeperd.k_reinstated_s"),
            ("session logged in -> path active, stock (polled sysfs, then dmsetup: an upper bound, see below)",
             "iscsi.stock.multipathd.after_login_s", "iscsi.stock.pathkeeperd.after_login_s"),
            ("session logged in -> path active, noop 2/2 (polled, upper bound)",
             "iscsi.tuned.multipathd.after_login_s", "iscsi.tuned.pathkeeperd.after_login_s"),
        ]
        for label, mk, pk in rows:
            w(f"| {label} | {cell(v, mk, 's')} | {cell(v, pk, 's')} | {ratio(v, mk, pk, 'time')} |")

    for label, row, suffix in DETECTION_ROWS:
        mk, pk = f"detect.{row}.{MPD}.{suffix}", f"detect.{row}.{PK}.{suffix}"
        if mk not in v and pk not in v:
            continue
        # A difference of two moments (it can be negative) has no meaningful ratio.
        r = "n/a (a difference)" if row == "toffline" else ratio(v, mk, pk, "time")
        w(f"| {label} | {reps_cell(v, mk)} | {reps_cell(v, pk)} | {r} |")

    for n in sizes:
        m = n // 2
        for suffix, label, unit, kind in SIZE_ROWS:
            mk, pk = f"size.{n}.{MPD}.{suffix}", f"size.{n}.{PK}.{suffix}"
            if mk not in v and pk not in v:
                continue
            text = label.format(n=n, m=m, idle=idle, ci=ci)
            w(f"| {text} | {cell(v, mk, unit)} | {cell(v, pk, unit)} | {ratio(v, mk, pk, kind)} |")

    notes = []
    for tuning in ("stock", "stock_poll2", "tuned"):
        for d in (MPD, PK):
            k = f"iscsi.{tuning}.{d}"
            if f"{k}.errors" in v:
                notes.append(f"{d} {tuning}: write errors {v[f'{k}.errors']}, mismatches {v[f'{k}.mismatches']}, "
                             f"failed over {v.get(f'{k}.failed_over', '?')}, dm failed the path "
                             f"{v.get(f'{k}.k_failed_s', '?')} s after the pull (kernel log)")
    if any(k.startswith("detect.") for k in v):
        notes.append(f"detection rows: no I/O running, both daemons checking every {ci} s "
                     f"(median of {v.get('detect.reps', '?')} repetitions; dm polled every ~0.1 s with one "
                     "`dmsetup status --target multipath` per poll)")
        for d in (MPD, PK):
            k = f"detect.session.{d}"
            if f"{k}.session_failed_s" in v:
                notes.append(f"{d}, connection aborted: session FAILED in sysfs after "
                             f"{v[f'{k}.session_failed_s.runs']} s, disk transport-offline after "
                             f"{v.get(f'{k}.toffline_s.runs', '?')} s (session recovery_tmo as the daemon set it: "
                             f"{v.get(f'{k}.recovery_tmo', '?')} s)")
        for key in sorted(k for k in v if k.startswith("detect.note")):
            notes.append(f"detection: {key[len('detect.note'):].lstrip('.') or 'all'}: {v[key]}")
    if any(k.endswith(".after_login_s") for k in v):
        notes.append("the polled 'session logged in -> path active' rows carry the guest's polling lag (a sysfs "
                     "read, then a dmsetup process per poll: seconds under a loaded TCG host); the session cannot "
                     "log in before the cable returns, so the kernel-log 'cable restored -> path active' figure is "
                     "a tighter upper bound of the same delay")
    for n in sizes:
        udev = v.get(f"size.{n}.udev_s")
        mapped = ", ".join(f"{d} {v[f'size.{n}.{d}.paths_in_maps']}" for d in (MPD, PK)
                           if f"size.{n}.{d}.paths_in_maps" in v)
        notes.append(f"{n} paths: udev made them ready in {udev} s (once, shared by both daemons); "
                     f"paths in maps: {mapped or '?'}")
    if notes:
        w("")
        w("Checks behind the rows:")
        for note in notes:
            w(f"- {note}")

    if len(sizes) >= 2:
        lo, hi = sizes[0], sizes[-1]
        w("")
        w(f"Growth with the number of paths (least-squares slope over {', '.join(map(str, sizes))} paths, "
          f"and the {hi}/{lo} ratio; linear growth gives a ratio near {hi / lo:.0f} for costs proportional to paths):")
        w("")
        w(f"| figure | multipathd slope per 100 paths | multipathd {hi}/{lo} | "
          f"pathkeeper slope per 100 paths | pathkeeper {hi}/{lo} |")
        w("|---|---|---|---|---|")
        for suffix, label, unit, _ in SIZE_ROWS:
            cells = []
            for d in (MPD, PK):
                pts = [(s, number(v.get(f"size.{s}.{d}.{suffix}"))) for s in sizes]
                pts = [(x, y) for x, y in pts if y is not None]
                if len(pts) < 2:
                    cells += ["n/a", "n/a"]
                    continue
                mx = sum(x for x, _ in pts) / len(pts)
                my = sum(y for _, y in pts) / len(pts)
                sxx = sum((x - mx) ** 2 for x, _ in pts)
                slope = sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else 0.0
                cells.append(f"{slope * 100:.3g} {unit}")
                first, last = dict(pts).get(lo), dict(pts).get(hi)
                cells.append(f"{last / first:.1f}" if first and last is not None else "n/a")
            name = {"maps_s": "start -> all maps created",
                    "maps_settled_s": "start -> maps created and udev settled"}.get(
                        suffix, label.split(" with ")[0].split(",")[0])
            w(f"| {name} ({unit}) | " + " | ".join(cells) + " |")

    w("")
    w(f"VM logs of this run: `{a.logs}` (guest.log has every step; bench-results.tsv the raw figures).")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
