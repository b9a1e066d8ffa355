#!/usr/bin/env python3
"""The firmware's figures from tests/bench/fw_bench.sh's runs: fw_figures.py DIR EVENTS.

Each run left DIR/NAME.uart (the firmware's console, with its BENCH lines) and DIR/NAME.icount (the
QEMU plugin's ICOUNT line for each BENCH line, in the same order). An operation's figures are the
differences of the counters between its "BENCH begin OP" and "BENCH end OP" lines; instructions are
the plugin's "step" sum (the agent's steps) and "tls" sum (the TLS connect calls: the handshake).

The wear projection: sectors are used in ring order, the oldest compacted first (docs/STORE.md), so in
the steady state a turn of the ring copies the live set once, writes (capacity - live) new bytes and
erases every sector once: a sector is erased once per sector_size * (1 - live / capacity) new bytes,
and the sectors alike (the run's per-sector counts show the spread). New bytes a day: 200 changes (the
Ping that reports one and the Sync of that event, measured before the ring first comes round, so that
no copy is in it) and a quiet Ping every starting heartbeat (480 s): more Pings than the adaptive
heartbeat (up to 1680 s) leaves. Exits 1 when a run that must
work did not, or a figure is missing."""
import os
import re
import sys

PING_START_S, PING_MAX_S = 480, 1680  # EAS_PING_START_S, EAS_PING_MAX_S of both boards
CHANGES_A_DAY, CYCLES = 200, 10000
MS_HEARTBEAT_BYTES = 600  # Microsoft's figure for one Direct Push heartbeat

d, events_put = sys.argv[1], int(sys.argv[2])
problems = []


def load(name):
    """The run's operations: [{op, d (counter deltas), step, tls, result, changes, heartbeat}], the
    last BENCH counters, the store line, the mem line, the exit status, the error line."""
    path = os.path.join(d, name)
    try:
        uart = open(path + ".uart", errors="replace").read().splitlines()
        counts = [dict(kv.split("=") for kv in l.split()[1:]) for l in open(path + ".icount") if l.startswith("ICOUNT ")]
        rc = int(open(path + ".rc").read().strip() or 255)
    except (OSError, ValueError) as e:
        problems.append(f"{name}: no run ({e})")
        return None
    run = {"rc": rc, "ops": [], "store": {}, "mem": None, "error": None, "stored": None}
    benches, cur = [], None
    for line in uart:
        if line.startswith("BENCH "):
            parts = line.split()
            fields = {k: v for k, v in (p.split("=", 1) for p in parts[3:] if "=" in p)}
            b = {k: int(v) for k, v in fields.items() if k != "wear"}
            b["wear"] = [int(x) for x in fields.get("wear", "").split(",") if x]
            if len(benches) < len(counts):
                b.update({"i_" + k: int(v) for k, v in counts[len(benches)].items()})
            benches.append(b)
            if parts[1] == "begin":
                name = " ".join(p for p in parts[2:] if "=" not in p)
                cur = {"op": name, "begin": b, "changes": 0, "result": None, "heartbeat": None}
            elif parts[1] == "end" and cur:
                cur["end"] = b
                run["ops"].append(cur)
            run["last"] = b
        elif line.startswith("BENCH-STORE"):
            run["store"] = {k: int(v) for k, v in (p.split("=") for p in line.split()[1:])}
        elif cur and line.startswith("CHANGE "):
            cur["changes"] += 1
        elif cur and (m := re.match(r"ping: waiting for changes \(heartbeat (\d+) s\)", line)):
            cur["heartbeat"] = int(m.group(1))
        elif run["ops"] and (m := re.match(r"ping: (changed|quiet|cut|none)$", line)):
            run["ops"][-1]["result"] = m.group(1)
        elif m := re.match(r"mem: tls heap peak (\d+) of (\d+), stack high-water (\d+) of (\d+)", line):
            run["mem"] = tuple(int(x) for x in m.groups())
        elif line.startswith("error: ") and not run["error"]:
            run["error"] = line[7:]
        elif m := re.match(r"calendar: (\d+) events stored", line):
            run["stored"] = int(m.group(1))
    for o in run["ops"]:
        o["d"] = {k: o["end"][k] - o["begin"][k] for k in o["end"] if k != "wear" and k in o["begin"]}
        o["step"], o["tls"] = o["d"].get("i_step"), o["d"].get("i_tls")
    if len(counts) < len(benches):
        problems.append(f"{name}: {len(benches)} BENCH lines but {len(counts)} counts from the plugin")
    return run


def ops(run, op, result=None):
    return [o for o in (run or {}).get("ops", []) if o["op"] == op and (result is None or o["result"] == result)]


def wire(o):
    return o["d"]["eth_tx"] + o["d"]["eth_rx"]


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:,.1f}{unit}"
    return f"{v:,}{unit}"


rows, repeat = {}, []
for board, short in (("mps2-an385", "mps2"), ("lm3s6965evb", "lm3s")):
    r = {}
    sync, push = load(f"{short}-sync"), load(f"{short}-push")
    rsa = [load(f"{short}-rsa1"), load(f"{short}-rsa2")]
    firsts = [o for run in (sync, push) for o in ops(run, "Sync")[:1]]
    if sync and sync["rc"] != 0:
        problems.append(f"{board}: the first sync failed (exit {sync['rc']}: {sync['error']})")
    if len(firsts) == 2:
        repeat.append(f"{board}: P-256 handshake {firsts[0]['tls']:,} / {firsts[1]['tls']:,} instructions; "
                      f"first sync {firsts[0]['step']:,} / {firsts[1]['step']:,}, without the handshake "
                      f"{firsts[0]['step'] - firsts[0]['tls']:,} / {firsts[1]['step'] - firsts[1]['tls']:,} "
                      "(two devices, same calendar)")
    if firsts:
        f = firsts[0]
        stored = sync["stored"] if sync and sync["stored"] else events_put
        r["hs_p256"] = f["tls"]
        r["hs_p256_wire"] = f["d"]["hs_eth_tx"] + f["d"]["hs_eth_rx"]
        r["first"] = f["step"]
        r["first_per_event"] = (f["step"] - f["tls"]) // stored
        r["first_prog"] = f["d"]["prog_bytes"]
        r["first_erases"] = f["d"]["erases"]
        r["stored"] = stored
    many = [o for o in ops(push, "Sync changed") if o["changes"] > 1]
    if many:
        o = max(many, key=lambda o: o["changes"])
        r["k"] = o["changes"]
        r["per_event"] = o["step"] // o["changes"]
        r["prog_per_event"] = o["d"]["prog_bytes"] // o["changes"]
        r["erases_k"] = o["d"]["erases"]
    else:
        problems.append(f"{board}: no Sync of several changes (the push run: exit {push and push['rc']})")
    # One change: the Ping that reported it and the Sync that fetched it.
    pings = (push or {}).get("ops", [])
    cycle = None
    for i, o in enumerate(pings):
        if o["op"] == "Sync changed" and o["changes"] == 1 and i > 0 and pings[i - 1]["op"] == "Ping":
            cycle = (pings[i - 1], o)
    if cycle:
        r["cycle_instr"] = cycle[0]["step"] + cycle[1]["step"]
        r["cycle_prog"] = cycle[0]["d"]["prog_bytes"] + cycle[1]["d"]["prog_bytes"]
        r["cycle_erases"] = cycle[0]["d"]["erases"] + cycle[1]["d"]["erases"]
        r["cycle_wire"] = wire(cycle[0]) + wire(cycle[1])
    else:
        problems.append(f"{board}: no Ping with one change followed by its Sync")
    quiet = [o for o in ops(push, "Ping", "quiet") if not o["d"].get("handshakes")]
    again = [o for o in ops(push, "Ping") if o["d"].get("handshakes")]
    if again:
        o = again[0]
        r["re_tls"] = o["tls"]
        r["re_wire"] = o["d"]["hs_eth_tx"] + o["d"]["hs_eth_rx"]
        r["re_resumed"] = "resumed" if o["d"].get("resumed") else "full"
    else:
        problems.append(f"{board}: no Ping after a reconnect")
    if quiet:
        q = quiet[-1]
        r["quiet_instr"] = q["step"]
        r["quiet_prog"] = q["d"]["prog_bytes"]
        r["quiet_erases"] = q["d"]["erases"]
        r["quiet_wire"] = wire(q)
        r["quiet_tcp"] = q["d"]["tcp_tx"] + q["d"]["tcp_rx"]
        r["quiet_frames"] = q["d"]["eth_tx_frames"] + q["d"]["eth_rx_frames"]
        r["heartbeat"] = q["heartbeat"]
        r["quiet_hs"] = q["d"].get("handshakes", 0)
    else:
        problems.append(f"{board}: no quiet Ping")
    if push and push["mem"]:
        r["mem"] = push["mem"]
    st = (push or {}).get("store") or {}
    if st and "cycle_prog" in r and "quiet_prog" in r:
        # Steady state of the ring (docs/STORE.md: sectors used in ring order, the oldest compacted first):
        # a turn copies the live set once and writes (capacity - live) new bytes, erasing every sector once.
        # So a sector is erased once per sector_size * (1 - live / capacity) new bytes.
        live = st["live_bytes"] + 32 * st["live_records"]        # each record's entry is one 32-byte slot
        cap = st["capacity"] - 2 * 32 * (st["sectors"] - 1)      # less the two header slots of each sector
        per_day = CHANGES_A_DAY * r["cycle_prog"] + (86400 // PING_START_S) * r["quiet_prog"]
        new_per_erase = st["sector_size"] * (1 - live / cap)
        r["wear_live"], r["wear_capacity"], r["per_day"] = live, cap, per_day
        r["new_per_erase"] = int(new_per_erase)
        if per_day and new_per_erase > 0:
            erases_a_day = per_day / new_per_erase              # over the region; each sector gets 1/sectors
            r["cycles_a_day"] = erases_a_day / st["sectors"]
            r["years"] = CYCLES / r["cycles_a_day"] / 365.0
        if r.get("cycle_erases"):
            problems.append(f"{board}: the one change compacted (its bytes include copies): the projection is low")
        # What the run itself erased once the ring had come round, per change: the model's check.
        changed = [o for o in pings if o["op"] == "Sync changed"]
        n_changes = sum(o["changes"] for o in changed)
        erased = sum(o["d"]["erases"] for o in pings if o["op"] in ("Ping", "Sync changed"))
        r["run_erases"] = (erased, n_changes)
        wear = (push.get("last") or {}).get("wear") or []
        r["wear_spread"] = (max(wear), sum(wear) / len(wear)) if wear else None
    if all(x and x["rc"] == 0 for x in rsa):
        ts = [ops(x, "Sync")[0]["tls"] for x in rsa]
        r["hs_rsa"] = ts[0]
        r["hs_rsa_wire"] = ops(rsa[0], "Sync")[0]["d"]["hs_eth_tx"] + ops(rsa[0], "Sync")[0]["d"]["hs_eth_rx"]
        r["rsa_peak"] = rsa[0]["mem"][0] if rsa[0]["mem"] else None
        repeat.append(f"{board}: RSA-2048 handshake {ts[0]:,} / {ts[1]:,} instructions")
    elif all(x for x in rsa) and all(ops(x, "Sync") for x in rsa):
        # It stopped: what ran until it did, and why.
        ts = [ops(x, "Sync")[0]["tls"] for x in rsa]
        r["hs_rsa_failed"] = (ts[0], rsa[0]["rc"], rsa[0]["error"], rsa[0]["mem"])
        repeat.append(f"{board}: RSA-2048 handshake (stopped, exit {rsa[0]['rc']}) {ts[0]:,} / {ts[1]:,} instructions")
    else:
        problems.append(f"{board}: the RSA runs did not run")
    rows[board] = r

B = list(rows)
def line(label, key, f=fmt):
    print(f"| {label} | " + " | ".join(f(rows[b].get(key)) for b in B) + " |")

print("firmware figures (bench build, QEMU TCG plugin; instructions of the agent's steps):")
print()
print("| | " + " | ".join(B) + " |")
print("|---|" + "---:|" * len(B))
line("TLS handshake, P-256 (instructions)", "hs_p256")
def rsa_cell(b):
    r = rows[b]
    if "hs_rsa" in r:
        return fmt(r["hs_rsa"])
    if "hs_rsa_failed" in r:
        n, rc, err, mem = r["hs_rsa_failed"]
        peak = f", arena {mem[0]:,} of {mem[1]:,}" if mem else ""
        return f"does not fit (exit {rc} after {n:,}{peak})"
    return "n/a"
print("| TLS handshake, RSA-2048 chain of Exchange Online's size (instructions) | " + " | ".join(rsa_cell(b) for b in B) + " |")
line("bytes on the wire for a P-256 handshake (Ethernet frames)", "hs_p256_wire")
line("bytes on the wire for the RSA-2048 handshake", "hs_rsa_wire")
print("| first sync: events, instructions (handshake included) | " +
      " | ".join(f"{rows[b].get('stored', 'n/a')}, {fmt(rows[b].get('first'))}" for b in B) + " |")
line("first sync: instructions per event (handshake excluded)", "first_per_event")
print("| Sync of changed events: events in it | " + " | ".join(fmt(rows[b].get("k")) for b in B) + " |")
line("instructions per synced event (Sync of changed events)", "per_event")
line("flash bytes programmed per synced event", "prog_per_event")
print("| sectors erased in that Sync | " + " | ".join(fmt(rows[b].get("erases_k")) for b in B) + " |")
line("one change (Ping that reports it + Sync of 1): instructions", "cycle_instr")
line("one change: flash bytes programmed", "cycle_prog")
line("one change: sectors erased", "cycle_erases")
line("one change: bytes on the wire", "cycle_wire")
line("Ping round with no change: instructions", "quiet_instr")
line("Ping round with no change: flash bytes programmed", "quiet_prog")
line("Ping round with no change: sectors erased", "quiet_erases")
line("Ping round with no change: bytes on the wire (Ethernet frames)", "quiet_wire")
line("Ping round with no change: TLS/TCP payload bytes", "quiet_tcp")
line("Ping round with no change: frames", "quiet_frames")
line("Ping round with no change: TLS handshakes", "quiet_hs")
line("heartbeat of the measured Ping (s)", "heartbeat")
line("reconnect (the kept TLS session offered): handshake", "re_resumed", lambda v: v or "n/a")
line("reconnect: handshake instructions", "re_tls")
line("reconnect: handshake bytes on the wire", "re_wire")
def hour(b, hb):
    w = rows[b].get("quiet_wire")
    return "n/a" if w is None else f"{w * 3600 // hb:,}"
print(f"| idle hour of push at the starting heartbeat ({PING_START_S} s) (bytes) | " + " | ".join(hour(b, PING_START_S) for b in B) + " |")
print(f"| idle hour of push at the longest heartbeat ({PING_MAX_S} s) (bytes) | " + " | ".join(hour(b, PING_MAX_S) for b in B) + " |")
print(f"| Microsoft's heartbeat ({MS_HEARTBEAT_BYTES} bytes) against one Ping round | " + " | ".join(
    "n/a" if rows[b].get("quiet_wire") is None else f"{rows[b]['quiet_wire'] / MS_HEARTBEAT_BYTES:.2f}x" for b in B) + " |")
print("| store: log capacity, live set (bytes) | " + " | ".join(
    f"{fmt(rows[b].get('wear_capacity'))}, {fmt(rows[b].get('wear_live'))}" for b in B) + " |")
line("new bytes a sector takes between two erases (steady state)", "new_per_erase")
line(f"flash bytes a day ({CHANGES_A_DAY} changes, a quiet Ping every {PING_START_S} s)", "per_day")
line("erase cycles a day of each sector", "cycles_a_day")
print(f"| years until the most-erased sector reaches {CYCLES:,} cycles | " + " | ".join(fmt(rows[b].get("years")) for b in B) + " |")
print("| erases in the run's Pings and Syncs of changes / changes | " + " | ".join(
    "n/a" if not rows[b].get("run_erases") else f"{rows[b]['run_erases'][0]} / {rows[b]['run_erases'][1]}" for b in B) + " |")
print("| erases per sector in the run (most, mean) | " + " | ".join(
    "n/a" if not rows[b].get("wear_spread") else f"{rows[b]['wear_spread'][0]}, {rows[b]['wear_spread'][1]:.1f}" for b in B) + " |")
print("| TLS arena high-water / arena (P-256) | " + " | ".join(
    "n/a" if not rows[b].get("mem") else f"{rows[b]['mem'][0]:,} / {rows[b]['mem'][1]:,}" for b in B) + " |")
print("| stack high-water / stack | " + " | ".join(
    "n/a" if not rows[b].get("mem") else f"{rows[b]['mem'][2]:,} / {rows[b]['mem'][3]:,}" for b in B) + " |")
print()
print("repeatability (two runs):")
for l in repeat:
    print("  " + l)
for p in problems:
    print("fw bench: PROBLEM: " + p)
sys.exit(1 if problems else 0)
