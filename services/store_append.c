/* SPDX-License-Identifier: ISC */
/* Appending to the store: the tail buffer, group commit with one flush per batch, and the commit timer. */
#include "store_int.h"
#include "trace.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <string.h>

static bool pending(const struct store *s)
{
    return s->next_seq - 1 > s->durable_seq;
}

/* Tells every waiting appender that its record will not become durable; the store stays failed. */
int store_fail(struct store *s, int rc)
{
    (void)rc; /* every device error is reported as -HEARTH_EIO: what failed is the store */
    s->failed = -HEARTH_EIO;
    uint32_t n = s->npend;
    s->npend = 0;
    s->busy = true;
    for (uint32_t i = 0; i < n; i++)
        s->pend[i].done(s->pend[i].arg, s->pend[i].seq, s->failed);
    s->busy = false;
    if (s->loop)
        timer_cancel(&s->loop->timers, &s->timer);
    return s->failed;
}

int store_append_raw(struct store *s, struct store_record *r)
{
    uint32_t size = store_rec_size(r->key_len, r->payload_len);
    int rc;
    if (s->wpos + size > s->seg_bytes) {
        uint32_t nxt = (s->head + 1) % s->nseg;
        if (nxt == s->tail)
            return -HEARTH_ENOSPC;
        /* The finished segment's last blocks go out now; the batch's one flush covers them. */
        rc = store_buf_write_out(s);
        if (rc < 0)
            return store_fail(s, rc);
        s->head = nxt;
        s->wpos = 0;
        s->buf_blk = 0;
        memset(s->buf, 0, (size_t)s->buf_cap * s->bs);
        memset(&s->sum[nxt], 0, sizeof(s->sum[nxt]));
        /* A checkpoint per segment keeps what open() has to replay to about one segment. */
        s->ckpt_due = true;
    }
    if (s->wpos + size - (uint64_t)s->buf_blk * s->bs > (uint64_t)s->buf_cap * s->bs) {
        rc = store_buf_write_out(s);
        if (rc < 0)
            return store_fail(s, rc);
    }
    r->log_seq = s->next_seq;
    r->epoch = s->epoch;
    if (!r->carried)
        r->seq = s->next_seq;
    store_rec_encode(s->buf + (s->wpos - (size_t)s->buf_blk * s->bs), r);
    store_summary_add(&s->sum[s->head], r, size);
    s->wpos += size;
    s->sum[s->head].used = s->wpos;
    s->next_seq++;
    s->last_epoch = s->epoch;
    return 0;
}

int store_commit_raw(struct store *s)
{
    int rc;
    if (s->failed)
        return s->failed;
    if (pending(s)) {
        /* The span is the batch's write and flush: what a QoS 1 publisher waits for. */
        trace_begin(TRACE_STORE_COMMIT, 0, (int32_t)s->npend, 0);
        rc = store_buf_write_out(s);
        if (rc == 0)
            rc = store_dev_flush(s);
        trace_end(TRACE_STORE_COMMIT, 0, rc < 0 ? 0 : (int32_t)(s->next_seq - 1 - s->durable_seq), rc);
        if (rc < 0)
            return store_fail(s, rc);
        s->durable_seq = s->next_seq - 1;
        s->st.commits++;
        uint32_t n = s->npend;
        s->npend = 0;
        s->busy = true;
        for (uint32_t i = 0; i < n; i++)
            s->pend[i].done(s->pend[i].arg, s->pend[i].seq, 0);
        s->busy = false;
    }
    /*
     * Only now, with the data it describes flushed, may a checkpoint point past it; and never into the
     * middle of a compaction, whose copies recovery must be able to roll back as a whole.
     */
    if (s->ckpt_due && !s->compacting) {
        rc = store_ckpt_write(s);
        if (rc < 0)
            return store_fail(s, rc);
    }
    if (s->loop)
        timer_cancel(&s->loop->timers, &s->timer);
    return 0;
}

int store_commit(struct store *s)
{
    if (s->busy)
        return -HEARTH_EBUSY;
    return store_commit_raw(s);
}

static void on_timer(struct timer *t, void *arg)
{
    (void)t;
    /* Errors reach the appenders through their callbacks; the store is failed from then on. */
    store_commit(arg);
}

static void arm_timer(struct store *s)
{
    if (s->loop && !s->timer.armed && pending(s))
        timer_arm(&s->loop->timers, &s->timer, hearth_plat_monotonic_ns() + s->delay_ns, 0, on_timer, s);
}

void store_attach_loop(struct store *s, struct loop *l)
{
    if (s->loop)
        timer_cancel(&s->loop->timers, &s->timer);
    s->loop = l;
    arm_timer(s);
}

int store_append(struct store *s, const struct store_record *rec, store_done_fn done, void *arg,
                 uint64_t *seq_out)
{
    if (s->busy)
        return -HEARTH_EBUSY;
    if (s->failed)
        return s->failed;
    if (!rec || rec->type == 0 || rec->type > STORE_T_MAX || rec->key_len > STORE_KEY_MAX ||
        rec->payload_len > STORE_PAYLOAD_MAX || (rec->key_len && !rec->key) ||
        (rec->payload_len && !rec->payload))
        return -HEARTH_EINVAL;
    uint32_t size = store_rec_size(rec->key_len, rec->payload_len);
    if (s->wpos + size > s->seg_bytes || (s->quota && store_live_segments(s) > s->quota)) {
        int rc = store_make_room(s, size);
        if (rc < 0)
            return rc;
    }
    struct store_record r = *rec;
    r.carried = 0;
    int rc = store_append_raw(s, &r);
    if (rc < 0)
        return rc;
    if (seq_out)
        *seq_out = r.seq;
    if (done)
        s->pend[s->npend++] = (struct store_pending){.seq = r.seq, .done = done, .arg = arg};
    if (store_buf_dirty_blocks(s) >= s->batch_blocks || s->npend == s->pend_cap)
        return store_commit_raw(s);
    arm_timer(s);
    return 0;
}
