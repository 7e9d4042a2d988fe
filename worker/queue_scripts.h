/*
 * The Lua scripts behind every multi-step queue move (see queue.h for the
 * key layout). Each one runs atomically in Redis, so a worker killed at any
 * point leaves every job in exactly one place.
 *
 * Every script returns a flat array: a status word, then zero or more job
 * summaries of SV_QUEUE_SUMMARY_FIELDS entries each (see queue.h), one per
 * job whose state it changed. Each summary gives its job a new, higher
 * revision, so the reports can be ordered wherever they are written.
 */

#ifndef SV_QUEUE_SCRIPTS_H
#define SV_QUEUE_SCRIPTS_H

enum sv_queue_script {
    SV_QS_INBOX_TAKE,       /* worker, max_bytes, now_iso */
    SV_QS_INBOX_RESTORE,    /* worker */
    SV_QS_INJECT,           /* worker, raw, id, type, prio, max, spec, now, deps... */
    SV_QS_REJECT,           /* worker, raw, entry */
    SV_QS_RESTORE,          /* id, type, prio, max, spec, now, attempts, deps... */
    SV_QS_TAKE,             /* worker, now, lease_ms */
    SV_QS_EXTEND,           /* worker, id, lease_until */
    SV_QS_ACK,              /* worker, id, now */
    SV_QS_FAIL,             /* worker, id, now, delay_ms, error */
    SV_QS_RELEASE,          /* worker, id, now */
    SV_QS_REAP,             /* now */
    SV_QS_PROMOTE,          /* now */
    SV_QS_RETRY,            /* id, now, type, prio, max, spec, deps... */
    SV_QS_CANCEL,           /* id */
    SV_QS_COUNT
};

/* The full source of a script (a shared prelude plus its body). */
const char *sv_queue_script_source(enum sv_queue_script s);

#endif /* SV_QUEUE_SCRIPTS_H */
