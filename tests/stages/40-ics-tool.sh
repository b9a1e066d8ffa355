# eas-ics on the command line (build/host/eas-ics): IDSETs both ways and in both forms, the PCL verbs, a
# FastTransfer stream dumped with its offsets, and bad input refused with exit 1 and "at offset N".
# The stream is built here byte by byte (python3) by the MS-OXCFXICS 2.2.4.3 grammar; no server.
set -uo pipefail
cd "$(dirname "$0")/../.."
tool=build/host/eas-ics
[ -x "$tool" ] || make -s "$tool" >/dev/null
out=build/ics-tool
mkdir -p "$out"
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "ics-tool: FAIL $*"; }
check_eq() { # name got want
    if [ "$2" = "$3" ]; then ok; else bad "$1: got [$2] want [$3]"; fi
}
# A command that must fail with exit 1 and "error: ... at offset N".
check_error() { # name want-offset command...
    local name=$1 want=$2; shift 2
    local err rc
    err=$("$@" 2>&1 >/dev/null); rc=$?
    if [ $rc = 1 ] && echo "$err" | grep -Eq "^error: .* at offset $want\$"; then ok; else bad "$name: exit $rc, [$err]"; fi
}

# --- idset: the specification's Bitmask example (3.1.5.4.3.1.3), REPLID 1
enc=$(printf 'REPLID 1\n1-3\n5\n0x7\n8\n9\n' | $tool idset encode)
check_eq "idset encode bitmask" "$enc" "01000500000000004201eb5000"
dec=$(echo "$enc" | $tool idset decode | tr '\n' ' ')
check_eq "idset decode bitmask" "$dec" "REPLID 0x0001 0x1-0x3 0x5 0x7-0x9 "
# Decoded lines encode back to the same bytes (two replicas, a singleton, a long run).
two="01000500000000004201eb500003000600000001000000"
check_eq "idset two replicas round trip" "$(echo "$two" | $tool idset decode | $tool idset encode)" "$two"
guid="d42f1b6a9c514e45a83b11223344556605000000000052012a5000"
gdec=$(echo "$guid" | $tool idset decode --replguid | tr '\n' ' ')
check_eq "idset decode replguid" "$gdec" "REPLGUID {6a1b2fd4-519c-454e-a83b-112233445566} 0x1-0x2a "
check_eq "idset replguid round trip" "$(echo "$guid" | $tool idset decode --replguid | $tool idset encode --replguid)" "$guid"
# Whitespace and line breaks in the hex are fine.
check_eq "idset hex with spaces" "$(printf '01 00\n05 00000000 00 42 01 eb 50 00\n' | $tool idset decode | wc -l)" "4"
# Bad input.
check_error "idset push past 6 bytes" 8 sh -c "echo 0100050000000000042010eb5000 | $tool idset decode"
check_error "idset bitmask without 5 bytes" 2 sh -c "echo 01004201eb00 | $tool idset decode"
check_error "idset truncated" 6 sh -c "echo 010006000000 | $tool idset decode"
check_error "idset invalid hex" 3 sh -c "echo 010g | $tool idset decode"
check_error "idset encode bad value" 9 sh -c "printf 'REPLID 1\nxyz\n' | $tool idset encode"
check_error "idset encode value over 48 bits" 9 sh -c "printf 'REPLID 1\n0x1000000000000\n' | $tool idset encode"

# --- pcl
g1=11111111111111111111111111111111; g2=22222222222222222222222222222222
x() { printf '16%s%012x' "$1" "$2"; } # SizedXid: size 22, GUID, 6-byte LocalId
a="$(x $g1 300)$(x $g2 7)"
check_eq "pcl decode" "$($tool pcl decode "$a" | tr '\n' ' ')" \
    "{11111111-1111-1111-1111-111111111111} 0x00000000012c {22222222-2222-2222-2222-222222222222} 0x000000000007 "
check_eq "pcl compare equal" "$($tool pcl compare "$a" "$(x $g2 7)$(x $g1 300)")" "equal"
check_eq "pcl compare a-includes-b" "$($tool pcl compare "$a" "$(x $g1 299)")" "a-includes-b"
check_eq "pcl compare b-includes-a" "$($tool pcl compare "$(x $g2 7)" "$a")" "b-includes-a"
check_eq "pcl compare conflict" "$($tool pcl compare "$(x $g1 301)" "$a")" "conflict"
check_eq "pcl merge" "$($tool pcl merge "$(x $g2 9)" "$a")" "$(x $g1 300)$(x $g2 9)"
check_error "pcl bad size byte" 23 $tool pcl decode "$(x $g1 1)10$g2"
check_error "pcl truncated" 17 $tool pcl decode "16$g1"

# --- fxstream: an incremental content sync download stream
python3 - "$out/contents.fx" <<'EOF'
import struct, sys
b = bytearray()
def u32(v): b.extend(struct.pack('<I', v))
def binp(tag, data): u32(tag); u32(len(data)); b.extend(data)
def wstr(tag, s): binp(tag, (s + '\0').encode('utf-16-le'))
u32(0x40120003)                                  # IncrSyncChg
binp(0x65E00102, bytes([0x11]) * 22)             # PidTagSourceKey
u32(0x67AA000B); b.extend(b'\0\0')               # PidTagAssociated
u32(0x40150003)                                  # IncrSyncMessage
wstr(0x0037001F, 'Hello')                        # PidTagSubject
u32(0x8001000B); b.extend(bytes.fromhex('0820060000000000c000000000000046')); b.append(0)
u32(0x8503); b.extend(b'\1\0')                   # PidLidReminderSet (named by LID)
u32(0x40030003); wstr(0x3001001F, 'Ann'); u32(0x40040003)   # a recipient
u32(0x40130003)                                  # IncrSyncDel
binp(0x67E50102, bytes.fromhex('01000500000000004201eb5000'))
u32(0x403A0003)                                  # IncrSyncStateBegin
binp(0x67960102, bytes.fromhex('d42f1b6a9c514e45a83b11223344556605000000000052012a5000'))
u32(0x403B0003)                                  # IncrSyncStateEnd
u32(0x40140003)                                  # IncrSyncEnd
open(sys.argv[1], 'wb').write(b)
EOF
dump=$($tool fxstream dump "$out/contents.fx"); rc=$?
check_eq "fxstream dump exit" "$rc" "0"
echo "$dump" > "$out/contents.txt"
line() { echo "$dump" | grep -c -- "$1" | tr -d ' '; }
check_eq "fxstream IncrSyncChg at 0" "$(line '^000000 IncrSyncChg (0x40120003)$')" "1"
check_eq "fxstream source key at 4" "$(line '^000004 0x65E00102 PidTagSourceKey PtypBinary$')" "1"
check_eq "fxstream subject text" "$(line '"Hello"')" "1"
check_eq "fxstream named by LID" "$(line 'named {00062008-0000-0000-c000-000000000046} lid 0x8503')" "1"
check_eq "fxstream recipient nested" "$(line '^[0-9a-f]\{6\}   0x3001001F PidTagDisplayName')" "1"
check_eq "fxstream deleted IDSET decoded" "$(line '^ *0x7-0x9$')" "1"
check_eq "fxstream state CNSET decoded" "$(line '^ *0x1-0x2a$')" "1"
size=$(stat -c %s "$out/contents.fx")
check_eq "fxstream end offset" "$(line "^$(printf '%06x' "$size") end of stream$")" "1"
# A stream longer than the tool's 4096-byte reads: 300 message changes, atoms cut between reads.
python3 - "$out/long.fx" <<'EOF'
import struct, sys
b = bytearray()
def u32(v): b.extend(struct.pack('<I', v))
for i in range(300):
    u32(0x40120003)
    s = ('message %d of a long stream' % i + '\0').encode('utf-16-le')
    u32(0x0037001F); u32(len(s)); b.extend(s)
u32(0x40140003)
open(sys.argv[1], 'wb').write(b)
EOF
long=$($tool fxstream dump "$out/long.fx"); rc=$?
check_eq "fxstream long stream exit" "$rc" "0"
check_eq "fxstream long stream changes" "$(echo "$long" | grep -c 'IncrSyncChg (0x40120003)$')" "300"
check_eq "fxstream long stream last subject" "$(echo "$long" | grep -c '"message 299 of a long stream"')" "1"
# Cut inside the subject's value: truncated at the end of what is there.
head -c 60 "$out/contents.fx" > "$out/cut.fx"
check_error "fxstream truncated" 60 $tool fxstream dump "$out/cut.fx"
# An unknown property type at offset 4.
printf '\x03\x00\x12\x40\x99\x00\x37\x00' > "$out/badtype.fx"
check_error "fxstream unknown type" 4 $tool fxstream dump "$out/badtype.fx"
# A marker closing what is not open.
printf '\x03\x00\x03\x40\x03\x00\x0d\x40' > "$out/badnest.fx"
check_error "fxstream mismatched end" 4 $tool fxstream dump "$out/badnest.fx"

echo "ics-tool: $pass passed, $fail failed"
[ $fail = 0 ]
