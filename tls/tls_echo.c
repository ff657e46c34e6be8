/* SPDX-License-Identifier: ISC */
/* TLS echo: proves handshake, plaintext delivery, back-pressure and close over tls_listen. */
#include "tls_echo.h"

#include "log.h"
#include "tls.h"

#include <hearth/err.h>

/* Writes back what the stream takes now; the rest is offered again once it drained (back-pressure). */
static size_t echo_data(struct hearth_stream *s, const uint8_t *data, size_t len, void *arg)
{
    (void)arg;
    int n = hearth_stream_write(s, data, len);
    if (n < 0) {
        hearth_stream_close(s);
        return 0;
    }
    return (size_t)n;
}

static const struct hearth_stream_handler echo_handler = {.on_data = echo_data};

static int echo_accept(struct hearth_stream *s, void *arg)
{
    (void)arg;
    s->handler = &echo_handler;
    return 0;
}

int tls_echo_start(uint16_t port)
{
    int rc = tls_listen(port, echo_accept, NULL);
    if (rc < 0)
        log_line("tls: echo not started (%s)", hearth_strerror(rc));
    else
        log_line("tls: echo listening on tcp/%u", (unsigned)port);
    return rc;
}
