/* shim_pty.h - a pseudo-terminal for the host stand-ins of board links. */
#ifndef SHIM_PTY_H
#define SHIM_PTY_H

#include <stdint.h>

/* Open a pty master, print "pty /dev/pts/N" on stdout, return its fd. */
int shim_pty_open(void);
/* One byte from the pty, or -1 after @wait_ms with none; exits when the
 * other side hung up for good (stdin closed). */
int shim_pty_getc(int wait_ms);
void shim_pty_putc(unsigned char c);
/* Monotonic nanoseconds: the stand-in cycle counter (1 GHz). */
uint64_t shim_ns(void);

#endif
