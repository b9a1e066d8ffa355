# mps2-an385: ARM MPS2 with the AN385 Cortex-M3 image, as QEMU models it (-M mps2-an385).
BOARD_CPU        := -mcpu=cortex-m3 -mthumb
BOARD_SRCS       := boards/mps2-an385/board.c boards/mps2-an385/startup.c boards/mps2-an385/lan9118.c
BOARD_LDSCRIPT   := boards/mps2-an385/mps2-an385.ld
BOARD_STACK_SIZE := 0x2000
BOARD_QEMU       := qemu-system-arm -M mps2-an385 -nographic -nic user,model=lan9118 \
                    -semihosting-config enable=on,target=native
BOARD_FLASH_SIZE := 0x400000
BOARD_RAM_SIZE   := 0x400000
BOARD_OAUTH      := 1
