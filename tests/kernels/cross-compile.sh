#!/bin/sh
# cross-compile.sh COMPILER CPU FILE... - the portable int8 kernels must
# build for a Cortex-M with warnings as errors (C99, no host headers).
# Exit 77 (skipped) when the compiler is absent.
cc="$1"; cpu="$2"; shift 2
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "SKIP: $cc not found"
  exit 77
fi
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
n=0
for f in "$@"; do
  case "$f" in *.c) ;; *) continue ;; esac
  "$cc" -mcpu="$cpu" -mthumb -std=c99 -Wall -Wextra -Werror -pedantic -Wconversion \
    -Wno-sign-conversion -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wcast-align \
    -Wdouble-promotion -Os -ffreestanding -c "$f" -o "$out/$(basename "$f").o" || exit 1
  n=$((n + 1))
done
# No host-only symbol may be referenced: only libgcc helpers (soft float,
# division) and memcpy/memmove/memset.
undef=$(arm-none-eabi-nm -u "$out"/*.o 2>/dev/null | awk '{print $2}' | sort -u |
  grep -v -E '^(__aeabi_|__gnu_|memcpy$|memmove$|memset$)' || true)
if [ -n "$undef" ]; then
  echo "kernels reference host symbols: $undef"
  exit 1
fi
echo "$n kernel sources built for $cpu with $cc"
