/* SPDX-License-Identifier: ISC */
/* Durable appends per second: the store over a real file (fdatasync) next to SQLite WAL, synchronous=FULL. */
#define _GNU_SOURCE
#include "store.h"

#include <fcntl.h>
#include <hearth/err.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 64
#define FIRST_BLOCK 512 /* the 256 KiB of key slots in front of the store */

uint64_t hearth_plat_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

_Noreturn void hearth_panic(const char *file, int line, const char *msg)
{
    fprintf(stderr, "PANIC at %s:%d: %s\n", file, line, msg);
    abort();
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "store_bench: %s: %s\n", what, detail);
    exit(1);
}

static double store_rate(const char *dir, unsigned records, unsigned batch)
{
    /* hearth/blk.h has no close, and the hosted device stays busy: a new file for every run. */
    static unsigned run;
    char path[512];
    snprintf(path, sizeof(path), "%s/store-%u.img", dir, run++);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0 || ftruncate(fd, 64ll << 20) != 0)
        die("cannot create", path);
    close(fd);
    int rc;
    struct hearth_blkdev *dev = hearth_blk_open(path, &rc);
    if (!dev)
        die("hearth_blk_open", hearth_strerror(rc));
    struct store *s;
    struct store_config cfg = {.first_block = FIRST_BLOCK, .batch_blocks = 1024};
    if ((rc = store_open(dev, &cfg, &s)) < 0) /* formats: the region is written once, like a used device */
        die("store_open", hearth_strerror(rc));
    uint8_t payload[PAYLOAD];
    memset(payload, 0x5a, sizeof(payload));
    struct store_record r = {.type = STORE_T_READING,
                             .key = (const uint8_t *)"sensor-0042",
                             .key_len = 11,
                             .payload = payload,
                             .payload_len = PAYLOAD};
    uint64_t t0 = hearth_plat_monotonic_ns();
    for (unsigned i = 0; i < records; i++) {
        r.timestamp_ns = i;
        if ((rc = store_append(s, &r, NULL, NULL, NULL)) < 0)
            die("store_append", hearth_strerror(rc));
        if ((i + 1) % batch == 0 && (rc = store_commit(s)) < 0)
            die("store_commit", hearth_strerror(rc));
    }
    if ((rc = store_commit(s)) < 0)
        die("store_commit", hearth_strerror(rc));
    double secs = (double)(hearth_plat_monotonic_ns() - t0) / 1e9;
    store_close(s);
    unlink(path);
    return records / secs;
}

static void sql(sqlite3 *db, const char *q)
{
    char *err = NULL;
    if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK)
        die(q, err ? err : "?");
}

static double sqlite_rate(const char *dir, unsigned records, unsigned batch)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/bench.db", dir);
    unlink(path);
    sqlite3 *db;
    sqlite3_stmt *ins;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("sqlite3_open", path);
    sql(db, "PRAGMA journal_mode=WAL");
    sql(db, "PRAGMA synchronous=FULL");
    sql(db, "CREATE TABLE r(seq INTEGER PRIMARY KEY, type INTEGER, key TEXT, ts INTEGER, payload BLOB)");
    if (sqlite3_prepare_v2(db, "INSERT INTO r(type, key, ts, payload) VALUES (1, ?1, ?2, ?3)", -1, &ins,
                           NULL))
        die("prepare", sqlite3_errmsg(db));
    uint8_t payload[PAYLOAD];
    memset(payload, 0x5a, sizeof(payload));
    uint64_t t0 = hearth_plat_monotonic_ns();
    for (unsigned i = 0; i < records; i++) {
        if (i % batch == 0)
            sql(db, "BEGIN");
        sqlite3_bind_text(ins, 1, "sensor-0042", 11, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, i);
        sqlite3_bind_blob(ins, 3, payload, PAYLOAD, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            die("insert", sqlite3_errmsg(db));
        sqlite3_reset(ins);
        if ((i + 1) % batch == 0 || i + 1 == records)
            sql(db, "COMMIT");
    }
    double secs = (double)(hearth_plat_monotonic_ns() - t0) / 1e9;
    sqlite3_finalize(ins);
    sqlite3_close(db);
    unlink(path);
    return records / secs;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s <dir on a real disk> <records> [batch...]\n", argv[0]);
        return 2;
    }
    unsigned records = (unsigned)strtoul(argv[2], NULL, 10);
    for (int i = 3; i < argc || i == 3; i++) {
        unsigned batch = argc > 3 ? (unsigned)strtoul(argv[i], NULL, 10) : 16;
        double st = store_rate(argv[1], records, batch), sq = sqlite_rate(argv[1], records, batch);
        printf("batch %4u: store %10.0f durable appends/s   sqlite WAL+FULL %10.0f appends/s   ratio %.2fx\n",
               batch, st, sq, st / sq);
    }
    return 0;
}
