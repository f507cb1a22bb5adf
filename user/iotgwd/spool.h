/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The durable spool: messages iotgwd took from the kernel's queue and
 * must not lose before their broker confirmed them, in an SQLite database
 * in WAL mode. A row is added inside the spool's open write transaction;
 * the transaction is committed (synchronous=FULL: the WAL is fsync'd)
 * after sync_count rows or sync_interval_ms, whichever comes first, and
 * only then does the commit callback hear the tokens (kernel ids) of the
 * rows it made durable: those may be acked to the kernel. Deletes
 * (a broker confirmed a row) ride in the same transactions.
 *
 * Rows are numbered by an autoincrement sequence; read back in that order
 * per broker, they keep each topic's order. Bounded by bytes (a row counts
 * its payload, its strings and SPOOL_ROW_OVERHEAD) and by age (since it
 * was spooled, CLOCK_REALTIME, so that it survives a reboot): older rows
 * are dropped and counted. A full spool refuses a row, or with
 * SPOOL_FULL_DROP_QOS0 first deletes the oldest QoS 0 rows to make room.
 *
 * The counters live in a one-row table written in the same transactions,
 * so that spool_read_status() (another process, read-only: WAL lets it
 * read while the daemon writes) sees them with the rows they count.
 */
#ifndef IOTGWD_SPOOL_H
#define IOTGWD_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "message.h"

#define SPOOL_ROW_OVERHEAD	64	/* bytes a row counts beyond its data */
#define SPOOL_SCHEMA_VERSION	1

/* What a rule does when its message does not fit (spool-full). */
enum spool_full_policy {
	SPOOL_FULL_REFUSE,	/* the kernel keeps it: back-pressure */
	SPOOL_FULL_DROP_QOS0,	/* oldest QoS 0 rows go first, else refuse */
};

struct spool_limits {
	uint64_t max_bytes;
	uint32_t max_age_s;		/* 0: no limit */
	uint32_t sync_interval_ms;	/* commit this long after a change */
	uint32_t sync_count;		/* or after this many rows added */
};

/* Counters kept across restarts (the stats table). */
struct spool_counters {
	uint64_t spooled;		/* rows added */
	uint64_t drained;		/* rows deleted: their broker confirmed */
	uint64_t dropped_age;		/* rows older than max_age_s */
	uint64_t dropped_overflow;	/* QoS 0 rows deleted to make room */
	uint64_t refused;		/* rows that did not fit */
	uint64_t commits;		/* transactions committed (fsyncs) */
};

struct spool_status {
	uint64_t rows;
	uint64_t bytes;
	uint64_t oldest_age_ms;		/* 0 without rows */
	int64_t last_seq;
	struct spool_counters counters;
};

/* A row read back; spool_entry_free() frees it all. */
struct spool_entry {
	int64_t seq;
	char *broker;
	char *cloud_topic;
	uint64_t spooled_wall_ms;
	bool paced;			/* spooled while its broker was down */
	struct queue_msg *msg;		/* id = seq, the message as it came */
};

void spool_entry_free(struct spool_entry *e);

/*
 * A commit made the rows of @tokens durable (@durable), or failed and
 * rolled them back (they are not in the spool: nack them).
 */
typedef void (*spool_commit_fn)(void *arg, const uint64_t *tokens, size_t n,
				bool durable);

struct spool;

/*
 * Open (create) the spool at @path: WAL, synchronous=FULL, the schema.
 * What it holds is counted at once. NULL with the reason in @err.
 */
struct spool *spool_open(const char *path, const struct spool_limits *lim,
			 spool_commit_fn on_commit, void *arg, char *err,
			 size_t errlen);
/* Commit what is pending (the callback runs), then close. */
void spool_close(struct spool *s);
void spool_set_limits(struct spool *s, const struct spool_limits *lim);

/*
 * Add @m for @broker on @cloud_topic; @token comes back through the
 * commit callback. @paced: the row is backlog, replayed at the drain
 * rate. @wall_ms: CLOCK_REALTIME, for the age. Returns 0 with *seq,
 * -ENOSPC when it does not fit (counted refused), or -EIO/-ENOMEM.
 */
int spool_add(struct spool *s, const char *broker, const char *cloud_topic,
	      const struct queue_msg *m, enum spool_full_policy policy,
	      bool paced, uint64_t token, uint64_t now_ms, uint64_t wall_ms,
	      int64_t *seq);
/* Its broker confirmed row @seq: delete it. 0, or -ENOENT if it is gone. */
int spool_delete(struct spool *s, int64_t seq, uint64_t now_ms);

/*
 * The first committed row of @broker after @after_seq: 0 with *out (NULL:
 * none), or a negative errno.
 */
int spool_next(struct spool *s, const char *broker, int64_t after_seq,
	       struct spool_entry **out);
/* The highest sequence number committed so far. */
int64_t spool_committed_seq(const struct spool *s);
/* Rows of @broker on @cloud_topic (committed or not). */
size_t spool_topic_rows(const struct spool *s, const char *broker,
			const char *cloud_topic);
uint64_t spool_rows(const struct spool *s);
uint64_t spool_bytes(const struct spool *s);
const struct spool_counters *spool_counters(const struct spool *s);

/* Commit now. Returns 0 or -EIO (rolled back). */
int spool_commit(struct spool *s);
/* Commit when due; drop rows older than max_age_s (once a second). */
void spool_tick(struct spool *s, uint64_t now_ms, uint64_t wall_ms);
/* Milliseconds until spool_tick() has work, -1 for none. */
int spool_timeout_ms(const struct spool *s, uint64_t now_ms);

/*
 * Read @path's rows and counters without writing (another process may
 * have it open). 0, or a negative errno with the reason in @err.
 */
int spool_read_status(const char *path, uint64_t wall_ms,
		      struct spool_status *st, char *err, size_t errlen);

#endif /* IOTGWD_SPOOL_H */
