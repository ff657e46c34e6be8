/* SPDX-License-Identifier: ISC */
/* lwIP's compiler and platform glue: byte order, diagnostics, assertions and randomness for Hearth. */
#ifndef NETSTACK_ARCH_CC_H
#define NETSTACK_ARCH_CC_H

#include <hearth/err.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

/* ssize_t comes from the C library's sys/types.h on every board; without SSIZE_MAX (picolibc's limits.h
 * leaves it out) lwIP would typedef its own, conflicting one. */
#ifndef SSIZE_MAX
#define SSIZE_MAX __PTRDIFF_MAX__
#endif
#define LWIP_NO_UNISTD_H 1

/* Every Hearth target (arm32, arm64, x86-64 hosted) is little-endian; let the compiler confirm it. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define BYTE_ORDER BIG_ENDIAN
#else
#define BYTE_ORDER LITTLE_ENDIAN
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))
#endif

/* lwIP's diagnostics (LWIP_DEBUG builds and assertion messages) go to the console as log lines. */
void netstack_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define LWIP_PLATFORM_DIAG(x)                                                                                \
    do {                                                                                                     \
        netstack_diag x;                                                                                     \
    } while (0)

/* A failed lwIP assertion is a broken invariant like any other: panic with the location. */
#define LWIP_PLATFORM_ASSERT(x) hearth_panic(__FILE__, __LINE__, (x))

/* Not a CSPRNG itself, but reseeded from the TLS DRBG (netstack/sys_arch.c). */
uint32_t netstack_rand(void);
#define LWIP_RAND() (netstack_rand())

#endif
