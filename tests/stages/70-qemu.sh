# The firmware on an emulated Cortex-M3 (QEMU mps2-an385) against the e2e server: Sync, today's agenda
# and the NOW/NEXT line compared with `eas-agent agenda --json`, a reset, Ping with a change pushed
# through CalDAV; the TLS refusals; the same on the 64 KiB board in another zone; the size reports with
# their allocator check and the docs' size tables against them; the core for RV32. Skips loudly only
# when the packages cannot be installed.
# Bounded: every QEMU run is under `timeout 120`; about 90 s once the packages are in and the
# firmware is built.
exec timeout 1200 bash tests/qemu/run.sh
