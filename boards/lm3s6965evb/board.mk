# lm3s6965evb: TI Stellaris LM3S6965 (Cortex-M3, 256 KiB flash, 64 KiB SRAM, on-chip Ethernet MAC),
# as QEMU models it (-M lm3s6965evb). The honest test of a small footprint.
BOARD_CPU        := -mcpu=cortex-m3 -mthumb
BOARD_SRCS       := boards/lm3s6965evb/board.c boards/lm3s6965evb/startup.c boards/lm3s6965evb/stellaris_enet.c
BOARD_LDSCRIPT   := boards/lm3s6965evb/lm3s6965evb.ld
BOARD_STACK_SIZE := 0x1400
BOARD_FLASH_SIZE := 0x40000
BOARD_RAM_SIZE   := 0x10000
BOARD_QEMU       := qemu-system-arm -M lm3s6965evb -nographic -nic user,model=stellaris \
                    -semihosting-config enable=on,target=native
# mbedTLS's own sources read this too: it goes on every command line.
BOARD_DEFS       := -DMBEDTLS_SSL_OUT_CONTENT_LEN=2048
