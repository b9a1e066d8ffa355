#!/usr/bin/env python3
"""fw_size.py MAP ELF --board NAME --flash BYTES --ram BYTES [--stack BYTES] [--nm TOOL]

Flash and RAM of a firmware image per component, read from the GNU ld map file (input sections kept
after --gc-sections, each charged to the object it came from):
  flash = text + rodata + vectors + exidx + data (its load image);  RAM = data + bss + stack.
The big static arenas inside bss are shown on their own lines (mbedTLS's heap, lwIP's heap and
pools). Then the totals against the board's memories: FITS, or DOES NOT FIT with the overflow.

Exit status 1 when an allocator (malloc, free, calloc, realloc, _malloc_r, _free_r, ...) is in the
image: everything here runs on static memory.
"""
import argparse
import re
import subprocess
import sys

COMPONENTS = ["core", "platform", "port", "board", "lwIP", "mbedTLS", "cJSON", "libc"]
ALLOCATORS = {"malloc", "free", "calloc", "realloc", "_malloc_r", "_free_r", "_calloc_r", "_realloc_r",
              "memalign", "_memalign_r", "reallocf", "_sbrk", "_sbrk_r", "sbrk"}
ARENAS = [  # (label, section-name pattern): static arenas, shown apart from their component's RAM
    ("mbedTLS heap arena", re.compile(r"^\.bss\.tls_heap$")),
    ("lwIP heap and pools", re.compile(r"^\.bss\.(ram_heap|memp_memory_.*)$")),
    ("cJSON arena (sign-in)", re.compile(r"^\.bss\.json_arena$")),
    ("state region (emulated)", re.compile(r"^\.noinit")),
]


def component(obj):
    if "/obj/core/" in obj:
        return "core"
    if "/obj/platform/" in obj:
        return "platform"
    if "/obj/port/" in obj:
        return "port"
    if "/obj/boards/" in obj or "/obj/gen/" in obj:
        return "board"
    if "liblwip.a" in obj:
        return "lwIP"
    if "libmbedtls.a" in obj:
        return "mbedTLS"
    if "/obj/cjson/" in obj:
        return "cJSON"
    if re.search(r"lib(c|c_nano|g|g_nano|m|gcc|nosys)\.a", obj) or "crt" in obj:
        return "libc"
    return None


def kind(section):
    if section.startswith((".text", ".rodata", ".vectors", ".ARM.exidx", ".ARM.extab", ".glue", ".vfp11",
                           ".v4_bx", ".iplt", ".rel.")):
        return "flash"
    if section.startswith(".data"):
        return "data"
    if section.startswith((".bss", "COMMON", ".noinit")):
        return "bss"
    return None


def parse_map(path):
    """Yields (section, size, object) of every input section placed in the image."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    try:
        start = next(i for i, l in enumerate(lines) if l.startswith("Linker script and memory map"))
    except StopIteration:
        sys.exit("fw_size: %s: not a GNU ld map file" % path)
    pending = None
    full = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    name_only = re.compile(r"^ (\.\S+|COMMON)$")
    cont = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    for line in lines[start:]:
        if line.startswith("OUTPUT(") or line.startswith(".debug") or line.startswith(" .debug"):
            pending = None
        m = full.match(line)
        if m and (m.group(1).startswith(".") or m.group(1) == "COMMON"):
            pending = None
            yield m.group(1), int(m.group(3), 16), m.group(4).strip()
            continue
        m = name_only.match(line)
        if m:
            pending = m.group(1)
            continue
        if pending:
            m = cont.match(line)
            if m:
                yield pending, int(m.group(2), 16), m.group(3).strip()
            pending = None


def symbols(nm, elf):
    out = subprocess.run([nm, "-P", elf], capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            syms[parts[0]] = (parts[1], int(parts[2], 16) if len(parts) > 2 and re.fullmatch(r"[0-9a-f]+", parts[2]) else 0)
    return syms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("map")
    ap.add_argument("elf")
    ap.add_argument("--board", required=True)
    ap.add_argument("--flash", required=True, type=lambda s: int(s, 0))
    ap.add_argument("--ram", required=True, type=lambda s: int(s, 0))
    ap.add_argument("--nm", default="arm-none-eabi-nm")
    args = ap.parse_args()

    flash = {c: 0 for c in COMPONENTS}
    ram = {c: 0 for c in COMPONENTS}
    arenas = {label: 0 for label, _ in ARENAS}
    other_flash = other_ram = 0
    for section, size, obj in parse_map(args.map):
        k = kind(section)
        if not k or size == 0:
            continue
        c = component(obj)
        arena = next((label for label, pat in ARENAS if pat.match(section)), None)
        if k in ("flash", "data"):
            if c:
                flash[c] += size
            else:
                other_flash += size
        if k in ("data", "bss"):
            if arena:
                arenas[arena] += size
            elif c:
                ram[c] += size
            else:
                other_ram += size

    syms = symbols(args.nm, args.elf)
    stack = 0
    if "__stack_top" in syms and "__stack_bottom" in syms:
        stack = syms["__stack_top"][1] - syms["__stack_bottom"][1]

    print("size of %s (%s): bytes" % (args.board, args.elf))
    print("%-24s %10s %10s" % ("component", "flash", "RAM"))
    for c in COMPONENTS:
        print("%-24s %10d %10d" % (c, flash[c], ram[c]))
    if other_flash or other_ram:
        print("%-24s %10d %10d" % ("other (fill, linker)", other_flash, other_ram))
    for label, _ in ARENAS:
        print("%-24s %10s %10d" % (label, "", arenas[label]))
    print("%-24s %10s %10d" % ("main stack", "", stack))
    total_flash = sum(flash.values()) + other_flash
    total_ram = sum(ram.values()) + other_ram + sum(arenas.values()) + stack
    print("%-24s %10d %10d" % ("total", total_flash, total_ram))
    print("%-24s %10d %10d" % ("board has", args.flash, args.ram))
    verdicts = []
    if total_flash > args.flash:
        verdicts.append("flash over by %d" % (total_flash - args.flash))
    if total_ram > args.ram:
        verdicts.append("RAM over by %d" % (total_ram - args.ram))
    print("%s: %s" % (args.board, "DOES NOT FIT: " + ", ".join(verdicts) if verdicts else "fits (flash %d%%, RAM %d%%)" % (
        100 * total_flash // args.flash, 100 * total_ram // args.ram)))

    found = sorted(s for s, (t, _) in syms.items() if s in ALLOCATORS and t.upper() in ("T", "W", "U"))
    if found:
        print("%s: FAIL: allocator in the image: %s" % (args.board, " ".join(found)))
        return 1
    print("%s: no allocator in the image (malloc, free, _malloc_r, _free_r, ... absent)" % args.board)
    return 0


if __name__ == "__main__":
    sys.exit(main())
