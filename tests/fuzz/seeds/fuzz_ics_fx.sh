#!/bin/sh
# Seeds for the FastTransfer reader: a small incremental-sync stream (the shape stage 40 dumps), after
# the byte that picks the piece size.
set -eu
out=$1
python3 - "$out/seed-contents" <<'PY'
import struct, sys
b = bytearray([7])
def u32(v): b.extend(struct.pack('<I', v))
def binp(tag, data): u32(tag); u32(len(data)); b.extend(data)
def wstr(tag, s): binp(tag, (s + '\0').encode('utf-16-le'))
u32(0x4074000B); binp(0x00000102, bytes(32))
u32(0x40120003); binp(0x65E00102, bytes([0x11]) * 22); u32(0x67AA000B); b.extend(b'\0\0')
u32(0x40150003); wstr(0x0037001F, 'Hello')
u32(0x8002001F); b.extend(bytes.fromhex('2903020000000000c000000000000046')); b.append(1)
b.extend('Key'.encode('utf-16-le') + b'\0\0')
u32(6); b.extend('ab\0'.encode('utf-16-le'))
u32(0x10901003); u32(2); u32(1); u32(2)
u32(0x40030003); wstr(0x3001001F, 'Ann'); u32(0x40040003)
u32(0x40130003); binp(0x67E50102, bytes.fromhex('01000500000000004201eb5000'))
u32(0x403A0003); binp(0x67960102, bytes.fromhex('d42f1b6a9c514e45a83b11223344556605000000000052012a5000')); u32(0x403B0003)
u32(0x40140003)
open(sys.argv[1], 'wb').write(b)
PY
