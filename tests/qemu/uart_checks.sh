# The checks of tests/qemu/run.sh that read only files: a firmware's UART log ($T/NAME.uart), the host's
# agendas ($T/*.json) and what the run noted ($T/NAME.ping). No server and no QEMU, so they can be run
# on a log by hand:  T=DIR; ok() {...}; bad() {...}; check() {...}; . tests/qemu/uart_checks.sh
# Sourced by run.sh, which defines T, ok, bad and check. A block the UART lacks (the firmware stopped
# before printing it) is a failed check that names it, never a shell error under `set -u`.

# agenda_block NAME N: the local day (YYYY-MM-DD) of the N-th agenda block of the UART (0 first, -1
# last); nothing, and status 1, when the UART has no such block.
agenda_block() {
    local d
    d=$(python3 tests/qemu/agenda_check.py day "$T/$1.uart" "$2" 2>/dev/null) || return 1
    [[ $d =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || return 1
    echo "$d"
}
# agenda_boundary NAME N: seconds from the N-th block's 'now' to the next change of its NOW/NEXT line;
# nothing, and status 1, when the UART has no such block.
agenda_boundary() {
    local s
    s=$(python3 tests/qemu/agenda_check.py boundary "$T/$1.uart" "$2" 2>/dev/null) || return 1
    [[ $s =~ ^-?[0-9]+$ ]] || return 1
    echo "$s"
}
# no_block NAME N: what a check says when the N-th block is missing
no_block() { echo "the UART ($T/$1.uart) has no agenda block $2 ($(python3 tests/qemu/agenda_check.py count "$T/$1.uart" 2>/dev/null || echo 0) blocks in it)"; }

agenda_ok() {  # NAME N HOSTFILE [args]: the block against the host's agenda; problems in $T/NAME.agenda.N
    local name=$1 n=$2 hostf=$3; shift 3
    python3 tests/qemu/agenda_check.py compare "$T/$name.uart" "$n" "$hostf" "$@" > "$T/$name.agenda.$n" 2>&1 \
        || { sed 's/^/    /' "$T/$name.agenda.$n"; return 1; }
}

# pushed_in_agenda NAME SUMMARY: the CHANGE line's ServerId, with the event's times, is in the agenda
# shown after the change (when that agenda is of the day the event was put on)
pushed_in_agenda() {
    local sid day start end last
    sid=$(sed -n "s/^CHANGE added Calendar \([^ ]*\) $2\$/\1/p" "$T/$1.uart" | head -1)
    read -r day start end < "$T/$1.ping" || { echo "    (no event was put: the firmware never reached Ping)"; return 1; }
    last=$(agenda_block "$1" -1) || { echo "    $(no_block "$1" -1)"; return 1; }
    [ "$last" = "$day" ] || { echo "    (the day changed meanwhile: not checked)"; return 0; }
    agenda_ok "$1" -1 "$T/$1.host.2.json" --expect "${sid:-none}|$start|$end|false|$2"
}

# heartbeat_checks NAME: the first Ping's heartbeat (the UART's 'ping: waiting' line) is short (60 to
# 90 s in the test) and ends by the next change of boot 2's NOW/NEXT line (block 1; at least 60 s).
heartbeat_checks() {
    local hb bound lim
    hb=$(sed -n 's/^ping: waiting for changes (heartbeat \([0-9]*\) s)$/\1/p' "$T/$1.uart" | head -1)
    check "the firmware stayed on Ping with a short heartbeat (${hb:-none} s; the test allows 90)" \
        [ "${hb:-0}" -ge 60 -a "${hb:-0}" -le 90 ]
    if bound=$(agenda_boundary "$1" 1); then
        lim=$(( bound + 2 > 60 ? bound + 2 : 60 ))
        check "the heartbeat ends by the next change of NOW/NEXT ($bound s away; at least 60 s)" [ "${hb:-999}" -le "$lim" ]
    else
        bad "the heartbeat ends by the next change of NOW/NEXT: $(no_block "$1" 1), boot 2's, to take that change from"
    fi
}

# refresh_checks NAME HOSTFILE: the quiet Ping's heartbeat was cut to the next change of the NOW/NEXT line
# of the agenda after the change (block 2; at least 60 s): when that change was due within the minute, the
# display must have shown it (REFRESH, then NOW/NEXT consistent with the agenda at that time).
refresh_checks() {
    local bound
    if ! bound=$(agenda_boundary "$1" 2); then
        bad "the quiet Ping's refresh: $(no_block "$1" 2), the agenda after the change, to time it from"
    elif [ "$bound" -le 58 ]; then
        check "the second Ping was quiet and ended in time for the display to move on" \
            bash -c "grep -q '^ping: quiet' '$T/$1.uart' && grep -q '^REFRESH ' '$T/$1.uart'"
        check "the NOW/NEXT line after it is consistent with the agenda at that time" agenda_ok "$1" -1 "$2" --utc
    else
        echo "  (the NOW/NEXT line changes only in $bound s: its refresh is not checked)"
    fi
}
