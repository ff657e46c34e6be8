/* SPDX-License-Identifier: ISC */
/* newlib glue (arm32): the system calls newlib expects, over the console and the HAL's heap. */
#include "libc_heap.h"

#include <errno.h>
#include <hearth/err.h>
#include <hearth/plat.h>
#include <sys/stat.h>

/* newlib's prototypes for these live nowhere public; declaring them keeps -Wmissing-prototypes quiet. */
void *_sbrk(ptrdiff_t increment);
int _write(int fd, const char *buf, int len);
int _read(int fd, char *buf, int len);
int _close(int fd);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
int _lseek(int fd, int offset, int whence);
int _kill(int pid, int sig);
int _getpid(void);
void _exit(int status);

void *_sbrk(ptrdiff_t increment)
{
    void *old = libc_heap_sbrk(increment);
    if (old == (void *)-1)
        errno = ENOMEM;
    return old;
}

int _write(int fd, const char *buf, int len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    hearth_plat_console_write(buf, (size_t)len);
    return len;
}

int _read(int fd, char *buf, int len)
{
    (void)fd;
    (void)buf;
    (void)len;
    return 0; /* no console input: end of file */
}

int _close(int fd)
{
    (void)fd;
    errno = EBADF;
    return -1;
}

int _fstat(int fd, struct stat *st)
{
    (void)fd;
    st->st_mode = S_IFCHR;
    return 0;
}

int _isatty(int fd)
{
    return fd >= 0 && fd <= 2;
}

int _lseek(int fd, int offset, int whence)
{
    (void)fd;
    (void)offset;
    (void)whence;
    errno = ESPIPE;
    return -1;
}

/* raise() lands here, e.g. libgcc's division by zero (__aeabi_ldiv0 -> raise(SIGFPE)). */
int _kill(int pid, int sig)
{
    (void)pid;
    (void)sig;
    hearth_panic(__FILE__, __LINE__, "signal raised (e.g. integer division by zero)");
}

int _getpid(void)
{
    return 1;
}

void _exit(int status)
{
    hearth_plat_exit(status);
}
