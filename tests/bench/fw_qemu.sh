# Sourced by tests/bench/fw_bench.sh and fw_tls_options.sh: how to run a board under QEMU with the
# instruction-counting plugin (tests/bench/qemu_insn.c). The caller defines T (its directory) and skip.

# fw_setup WHO [PACKAGE...]: the toolchain, QEMU, the sources and the plugin ($T/qemu_insn.so), or skip
fw_setup() {
    local who=$1; shift
    local pkgs="gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm dpkg-dev xz-utils python3 gcc $*"
    scripts/ensure-deps.sh $pkgs > "$T/deps.log" 2>&1 || skip "cannot install $pkgs: $(tail -2 "$T/deps.log" | tr '\n' ' ')"
    scripts/fetch-sources.sh lwip mbedtls > "$T/sources.log" 2>&1 \
        || skip "cannot fetch the lwip and mbedtls sources: $(tail -2 "$T/sources.log" | tr '\n' ' ')"
    gcc -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -o "$T/qemu_insn.so" tests/bench/qemu_insn.c \
        || { echo "$who: the QEMU plugin does not build"; exit 1; }
    # Debian's QEMU 7.2 loads plugins; one that cannot is said so, not measured around.
    timeout 5 qemu-system-arm -M lm3s6965evb -display none -monitor none -S -plugin "$T/qemu_insn.so" > "$T/plugin-check.log" 2>&1
    grep -qi 'plugin' "$T/plugin-check.log" && skip "this qemu-system-arm cannot load the TCG plugin: $(grep -i plugin "$T/plugin-check.log" | head -1)"
    return 0
}

# qemu_of BOARD: the QEMU command line of a board
qemu_of() {
    case $1 in
    mps2-an385)  echo "qemu-system-arm -M mps2-an385 -nographic -nic user,model=lan9118 -semihosting-config enable=on,target=native" ;;
    lm3s6965evb) echo "qemu-system-arm -M lm3s6965evb -nographic -nic user,model=stellaris -semihosting-config enable=on,target=native" ;;
    esac
}
# plugin_args ELF: the markers' addresses and the interrupt handlers' ranges, from the symbol table
plugin_args() {
    local elf=$1 m a s args=""
    for m in step_on step_off step_drop tls_on tls_off tls_drop report; do
        a=$(arm-none-eabi-nm "$elf" | awk -v n="fw_bench_mark_$m" '$3 == n {print $1}')
        [ -n "$a" ] || return 1
        args+=",$m=0x$a"
    done
    while read -r a s; do
        args+=",skip=0x$a-0x$(printf '%x' $((0x$a + 0x$s)))"
    done < <(arm-none-eabi-nm -S "$elf" | awk '$3 == "T" && $4 ~ /_Handler$/ && $4 != "Reset_Handler" {print $1, $2}')
    echo "$args"
}
