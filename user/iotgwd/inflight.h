/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The messages iotgwd is handling, by kernel id: HELD (waiting for its
 * broker), PUBLISHED (handed to libmosquitto as message id MID, waiting
 * for the confirmation) or DONE (acked or nacked to the kernel). A DONE id
 * is remembered for a while, so that a copy the kernel sent again before
 * it saw the ack is recognised and not published a second time; an id
 * that is HELD or PUBLISHED is likewise never added twice.
 */
#ifndef IOTGWD_INFLIGHT_H
#define IOTGWD_INFLIGHT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

enum inflight_state {
	INFLIGHT_HELD,
	INFLIGHT_PUBLISHED,
	INFLIGHT_DONE,
	INFLIGHT_N_STATES
};

struct inflight_entry {
	uint64_t id;
	enum inflight_state state;
	void *owner;		/* the broker it goes to */
	int mid;		/* PUBLISHED: libmosquitto's message id */
	uint64_t done_ms;	/* DONE: since when */
	void *data;		/* the caller's; freed when DONE */
	TAILQ_ENTRY(inflight_entry) link;	/* its state's list */
};

struct inflight;

/* An empty table; @free_data frees an entry's data (may be NULL). */
struct inflight *inflight_new(void (*free_data)(void *data));
void inflight_free(struct inflight *t);

/*
 * Add @id, HELD for @owner, holding @data. NULL with *err = -EEXIST when
 * the id is known already (then @data stays the caller's), or -ENOMEM.
 */
struct inflight_entry *inflight_add(struct inflight *t, uint64_t id,
				    void *owner, void *data, int *err);
struct inflight_entry *inflight_find(const struct inflight *t, uint64_t id);

/* HELD -> PUBLISHED as @mid. Returns 0, -EEXIST (mid in use) or -ENOMEM. */
int inflight_published(struct inflight *t, struct inflight_entry *e, int mid);
/* The PUBLISHED entry of @owner with @mid, or NULL. */
struct inflight_entry *inflight_find_mid(const struct inflight *t,
					 const void *owner, int mid);
/* PUBLISHED -> HELD: its broker will not confirm it, publish it again. */
void inflight_unpublish(struct inflight *t, struct inflight_entry *e);
/* Move what goes to @from to @to, HELD (a broker replaced by another). */
void inflight_reassign(struct inflight *t, const void *from, void *to);

/* HELD or PUBLISHED -> DONE at @now_ms; frees the data. */
void inflight_done(struct inflight *t, struct inflight_entry *e,
		   uint64_t now_ms);
/* Forget the ids DONE for @linger_ms or more; returns how many. */
size_t inflight_expire(struct inflight *t, uint64_t now_ms,
		       uint64_t linger_ms);

/* The entries of @state in the order they got there; next may be NULL. */
struct inflight_entry *inflight_first(const struct inflight *t,
				      enum inflight_state state);
struct inflight_entry *inflight_next(const struct inflight_entry *e);
size_t inflight_count(const struct inflight *t, enum inflight_state state);
/* The entries of @state for @owner, counting stops at @limit. */
size_t inflight_count_owned(const struct inflight *t,
			    enum inflight_state state, const void *owner,
			    size_t limit);

#endif /* IOTGWD_INFLIGHT_H */
