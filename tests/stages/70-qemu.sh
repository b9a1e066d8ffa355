# The firmware on an emulated Cortex-M3 (QEMU mps2-an385) against the e2e server, the size report with
# its allocator check, the 64 KiB board, the core for RV32. Skips loudly only when the packages cannot
# be installed. Bounded: every QEMU run is under `timeout 120`.
exec timeout 1200 bash tests/qemu/run.sh
