/* SPDX-License-Identifier: ISC */
/* A TLS echo service (boot argument tlsecho=1) for testing the TLS layer on its own with real clients. */
#ifndef TLS_ECHO_H
#define TLS_ECHO_H

#include <stdint.h>

#define TLS_ECHO_PORT 7443

/* Listens on port with tls_listen and echoes every byte. Returns 0 or tls_listen's errors (logged). */
int tls_echo_start(uint16_t port);

#endif
