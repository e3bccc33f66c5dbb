/* f28p55x_runner.cmd - linker command file of the Quantizer runner on the
 * TMS320F28P550SJ9 (LAUNCHXL-F28P55X), TI C2000 EABI, running from flash.
 *
 * Copyright 2026 The Quantizer developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Addresses and lengths are in 16-bit words (TI SPRSP85, F28P55x memory
 * map). Flash: five banks from 0x080000 (four of 128 K words, one of
 * 32 K words: 1088 KiB); the boot ROM jumps to 0x080000
 * in flash boot mode, where code_start (C2000Ware's
 * f28p55x_codestartbranch.asm) branches to the C start-up. RAM: the model
 * arena and the runner's buffers (.bss) take the 48 K words of RAMGS0-3
 * and RAMLS8-9, contiguous from 0x00C000; the stack lives in RAMLS6-7
 * (it must stay below 0x10000: the C28x stack pointer is 16 bits);
 * .TI.ramfunc (the flash set-up of Device_init) is copied to RAMLS0.
 */
MEMORY
{
   BEGIN          : origin = 0x080000, length = 0x000002
   BOOT_RSVD      : origin = 0x000002, length = 0x000126  /* boot ROM stack in M0 */
   RAMM0          : origin = 0x000128, length = 0x0002D8
   RAMM1          : origin = 0x000400, length = 0x000400
   RAMLS0         : origin = 0x008000, length = 0x000800
   RAMLS1_5       : origin = 0x008800, length = 0x002800
   RAMLS6_7       : origin = 0x00B000, length = 0x001000
   RAMGS_LS89     : origin = 0x00C000, length = 0x00C000  /* RAMGS0-3, RAMLS8-9 */
   FLASH_BANK0    : origin = 0x080002, length = 0x01FFFE
   FLASH_BANK1    : origin = 0x0A0000, length = 0x020000
   FLASH_BANK2    : origin = 0x0C0000, length = 0x020000
   FLASH_BANK3    : origin = 0x0E0000, length = 0x020000
   FLASH_BANK4    : origin = 0x100000, length = 0x008000
   RESET          : origin = 0x3FFFC0, length = 0x000002
}

SECTIONS
{
   codestart      : > BEGIN
   /* Sections never straddle a bank; large ones are split among banks
    * (a single weight array above one bank's 128 K words does not link). */
   .text          : >> FLASH_BANK0 | FLASH_BANK1 | FLASH_BANK2, ALIGN(8)
   .cinit         : > FLASH_BANK0, ALIGN(8)
   .switch        : > FLASH_BANK0, ALIGN(8)
   .const         : >> FLASH_BANK1 | FLASH_BANK2 | FLASH_BANK3 | FLASH_BANK4, ALIGN(8)
   .init_array    : > FLASH_BANK0, ALIGN(8)
   .reset         : > RESET, TYPE = DSECT
   .stack         : > RAMLS6_7
   .data          : > RAMLS1_5
   .sysmem        : > RAMM1
   .bss           : > RAMGS_LS89, RUN_END(qr_bss_end)
   .TI.ramfunc    : {} LOAD = FLASH_BANK0,
                       RUN = RAMLS0,
                       LOAD_START(RamfuncsLoadStart),
                       LOAD_SIZE(RamfuncsLoadSize),
                       LOAD_END(RamfuncsLoadEnd),
                       RUN_START(RamfuncsRunStart),
                       RUN_SIZE(RamfuncsRunSize),
                       RUN_END(RamfuncsRunEnd),
                       ALIGN(8)
}
