#!/usr/bin/env python3
"""The TLS options' table from tests/bench/fw_tls_options.sh's runs:
fw_tls_figures.py DIR "BOARD..." "NAME|DEFINES|WHAT"...

Each run DIR/BOARD-VARIANT-SERVER left .uart (the bench build's BENCH lines: one "end Sync" per round, each
round one full handshake, with the TLS arena's and the stack's high-water so far) and .icount (the QEMU
plugin's ICOUNT line for each BENCH line, in the same order; "tls" is the sum over the TLS connect calls).
DIR/BOARD-VARIANT.size is boards/fw_size.py's table of the variant's bench image. Ratios are against the
first variant (the shared default) on the same board, measured in the same run. Exits 1 when a run gave
no figure."""
import os
import sys

d, boards, variants = sys.argv[1], sys.argv[2].split(), [v.split("|") for v in sys.argv[3:]]
SERVERS = ("p256", "p256-ec", "p384", "rsa", "rsa-ec", "rsa-small")
problems = []


def run(name):
    """[(tls instructions of the handshake, arena peak, stack peak, handshakes so far)] per round, and the
    first error line."""
    try:
        uart = open(os.path.join(d, name + ".uart"), errors="replace").read().splitlines()
        counts = [dict(kv.split("=") for kv in l.split()[1:]) for l in open(os.path.join(d, name + ".icount"))
                  if l.startswith("ICOUNT ")]
    except OSError as e:
        problems.append(f"{name}: no run ({e})")
        return [], None
    rounds, n, last_tls, err = [], 0, 0, None
    for line in uart:
        if line.startswith("error: ") and err is None:
            err = line[7:]
        if not line.startswith("BENCH "):
            continue
        parts = line.split()
        f = {k: v for k, v in (p.split("=", 1) for p in parts[3:] if "=" in p)}
        if n < len(counts) and parts[1] == "end" and parts[2] == "Sync":
            tls = int(counts[n]["tls"])
            rounds.append((tls - last_tls, int(f["tls_peak"]), int(f["stack_peak"]), int(f.get("handshakes", 0))))
            last_tls = tls
        n += 1
    return rounds, err


def size(board, name):
    out = {}
    try:
        for line in open(os.path.join(d, f"{board}-{name}.size")):
            p = line.split()
            if p and p[0] == "mbedTLS" and len(p) == 3:
                out["tls_flash"] = int(p[1])
            elif p and p[0] == "total" and len(p) >= 3:
                out["flash"], out["ram"] = int(p[1]), int(p[2])
    except OSError:
        pass
    if "flash" not in out:
        problems.append(f"{board} {name}: no size")
    return out


def m(v):
    return f"{v / 1e6:.1f} M"


for board in boards:
    res = {}
    for name, _defs, _what in variants:
        res[name] = {"size": size(board, name)}
        for s in SERVERS:
            rounds, err = run(f"{board}-{name}-{s}")
            full = [r for r in rounds if r[0] > 1000000]  # a full handshake (a refused one is counted too)
            res[name][s] = (rounds, err)
            refused = bool(err and "TLS arena was nearly full" in err)  # the chain does not fit the board
            res[name][s] = (rounds, err, refused)
            if len(rounds) < 2:
                problems.append(f"{board} {name} {s}: {len(rounds)} rounds of 2 ({err or 'no error line'})")
            elif len(full) < 2 and not refused:
                problems.append(f"{board} {name} {s}: not two full handshakes: {[r[0] for r in rounds]}")
    base = variants[0][0]

    def hs(name, s, i):
        r = res[name][s][0]
        return r[i][0] if len(r) > i else None

    def cell(name, s, i=0):
        v, b = hs(name, s, i), hs(base, s, 0)
        if v is None:
            return "n/a"
        if res[name][s][2]:
            return f"does not fit (refused after {m(v)})"
        return m(v) if name == base and i == 0 else f"{m(v)} ({v / b:.2f})" if b else m(v)

    def peak(name, *servers):
        r = [x for s in servers for x in res[name][s][0]]
        return f"{max(x[1] for x in r):,}" if r else "n/a"

    print(f"{board}: TLS handshake instructions (ratio to {base} in this run), arena and stack high-water, image")
    print()
    print("| variant | P-256 chain, X25519 (1st / 2nd) | P-256 chain, ECDHE P-256 | P-384 chain, X25519 | "
          "RSA-2048 chain, X25519 | RSA-2048 chain, ECDHE P-256 | RSA-2048, small leaf, X25519 | "
          "arena peak P-256 / P-384 / RSA / RSA small | stack peak | mbedTLS flash | RAM (bench image) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    bs = res[base]["size"]
    for name, _defs, what in variants:
        sz = res[name]["size"]
        stack = max((x[2] for s in SERVERS for x in res[name][s][0]), default=None)
        dflash = "n/a" if "tls_flash" not in sz or "tls_flash" not in bs else (
            f"{sz['tls_flash']:,}" if name == base else f"{sz['tls_flash'] - bs['tls_flash']:+,}")
        dram = "n/a" if "ram" not in sz or "ram" not in bs else (
            f"{sz['ram']:,}" if name == base else f"{sz['ram'] - bs['ram']:+,}")
        print(f"| {name}: {what} | {cell(name, 'p256')} / {cell(name, 'p256', 1)} | {cell(name, 'p256-ec')} | "
              f"{cell(name, 'p384')} | {cell(name, 'rsa')} | {cell(name, 'rsa-ec')} | {cell(name, 'rsa-small')} | "
              f"{peak(name, 'p256', 'p256-ec')} / {peak(name, 'p384')} / {peak(name, 'rsa', 'rsa-ec')} / "
              f"{peak(name, 'rsa-small')} | {'n/a' if stack is None else f'{stack:,}'} | {dflash} | {dram} |")
    print()
for p in problems:
    print("fw tls options: PROBLEM: " + p)
sys.exit(1 if problems else 0)
