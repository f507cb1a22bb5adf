// SPDX-License-Identifier: GPL-2.0
/*
 * The table of messages in hand: a search tree by kernel id (tsearch), one
 * by (broker, libmosquitto mid) for the PUBLISHED ones, and a list per
 * state in arrival order.
 */
#include "inflight.h"

#include <errno.h>
#include <search.h>
#include <stdlib.h>

TAILQ_HEAD(inflight_list, inflight_entry);

struct inflight {
	void *by_id;
	void *by_mid;
	struct inflight_list lists[INFLIGHT_N_STATES];
	size_t counts[INFLIGHT_N_STATES];
	void (*free_data)(void *data);
};

static int compare_id(const void *a, const void *b)
{
	const struct inflight_entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int compare_mid(const void *a, const void *b)
{
	const struct inflight_entry *x = a, *y = b;
	uintptr_t ox = (uintptr_t)x->owner, oy = (uintptr_t)y->owner;

	if (ox != oy)
		return ox < oy ? -1 : 1;
	return x->mid < y->mid ? -1 : x->mid > y->mid;
}

struct inflight *inflight_new(void (*free_data)(void *data))
{
	struct inflight *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	for (int i = 0; i < INFLIGHT_N_STATES; i++)
		TAILQ_INIT(&t->lists[i]);
	t->free_data = free_data;
	return t;
}

static void set_state(struct inflight *t, struct inflight_entry *e,
		      enum inflight_state state)
{
	TAILQ_REMOVE(&t->lists[e->state], e, link);
	t->counts[e->state]--;
	e->state = state;
	TAILQ_INSERT_TAIL(&t->lists[state], e, link);
	t->counts[state]++;
}

static void free_entry_data(struct inflight *t, struct inflight_entry *e)
{
	if (t->free_data && e->data)
		t->free_data(e->data);
	e->data = NULL;
}

void inflight_free(struct inflight *t)
{
	struct inflight_entry *e;

	if (!t)
		return;
	for (int i = 0; i < INFLIGHT_N_STATES; i++) {
		while ((e = TAILQ_FIRST(&t->lists[i]))) {
			TAILQ_REMOVE(&t->lists[i], e, link);
			if (e->state == INFLIGHT_PUBLISHED)
				tdelete(e, &t->by_mid, compare_mid);
			tdelete(e, &t->by_id, compare_id);
			free_entry_data(t, e);
			free(e);
		}
	}
	free(t);
}

struct inflight_entry *inflight_add(struct inflight *t, uint64_t id,
				    void *owner, void *data, int *err)
{
	struct inflight_entry *e = calloc(1, sizeof(*e)), **slot;

	if (!e) {
		*err = -ENOMEM;
		return NULL;
	}
	e->id = id;
	slot = tsearch(e, &t->by_id, compare_id);
	if (!slot) {
		free(e);
		*err = -ENOMEM;
		return NULL;
	}
	if (*slot != e) {
		free(e);
		*err = -EEXIST;
		return NULL;
	}
	e->owner = owner;
	e->data = data;
	e->state = INFLIGHT_HELD;
	TAILQ_INSERT_TAIL(&t->lists[INFLIGHT_HELD], e, link);
	t->counts[INFLIGHT_HELD]++;
	*err = 0;
	return e;
}

struct inflight_entry *inflight_find(const struct inflight *t, uint64_t id)
{
	struct inflight_entry key = { .id = id }, **slot;

	slot = tfind(&key, &t->by_id, compare_id);
	return slot ? *slot : NULL;
}

int inflight_published(struct inflight *t, struct inflight_entry *e, int mid)
{
	struct inflight_entry **slot;

	if (e->state != INFLIGHT_HELD)
		return -EINVAL;
	e->mid = mid;
	slot = tsearch(e, &t->by_mid, compare_mid);
	if (!slot)
		return -ENOMEM;
	if (*slot != e)
		return -EEXIST;
	set_state(t, e, INFLIGHT_PUBLISHED);
	return 0;
}

struct inflight_entry *inflight_find_mid(const struct inflight *t,
					 const void *owner, int mid)
{
	struct inflight_entry key = { .owner = (void *)owner, .mid = mid };
	struct inflight_entry **slot;

	slot = tfind(&key, &t->by_mid, compare_mid);
	return slot ? *slot : NULL;
}

void inflight_unpublish(struct inflight *t, struct inflight_entry *e)
{
	if (e->state != INFLIGHT_PUBLISHED)
		return;
	tdelete(e, &t->by_mid, compare_mid);
	e->mid = 0;
	set_state(t, e, INFLIGHT_HELD);
}

void inflight_reassign(struct inflight *t, const void *from, void *to)
{
	struct inflight_entry *e, *next;

	for (e = TAILQ_FIRST(&t->lists[INFLIGHT_PUBLISHED]); e; e = next) {
		next = TAILQ_NEXT(e, link);
		if (e->owner == from)
			inflight_unpublish(t, e);
	}
	TAILQ_FOREACH(e, &t->lists[INFLIGHT_HELD], link)
		if (e->owner == from)
			e->owner = to;
}

void inflight_done(struct inflight *t, struct inflight_entry *e,
		   uint64_t now_ms)
{
	if (e->state == INFLIGHT_DONE)
		return;
	if (e->state == INFLIGHT_PUBLISHED)
		tdelete(e, &t->by_mid, compare_mid);
	free_entry_data(t, e);
	e->owner = NULL;
	e->done_ms = now_ms;
	set_state(t, e, INFLIGHT_DONE);
}

size_t inflight_expire(struct inflight *t, uint64_t now_ms,
		       uint64_t linger_ms)
{
	struct inflight_entry *e;
	size_t n = 0;

	while ((e = TAILQ_FIRST(&t->lists[INFLIGHT_DONE])) &&
	       now_ms >= e->done_ms + linger_ms) {
		TAILQ_REMOVE(&t->lists[INFLIGHT_DONE], e, link);
		t->counts[INFLIGHT_DONE]--;
		tdelete(e, &t->by_id, compare_id);
		free(e);
		n++;
	}
	return n;
}

struct inflight_entry *inflight_first(const struct inflight *t,
				      enum inflight_state state)
{
	return TAILQ_FIRST(&t->lists[state]);
}

struct inflight_entry *inflight_next(const struct inflight_entry *e)
{
	return TAILQ_NEXT(e, link);
}

size_t inflight_count(const struct inflight *t, enum inflight_state state)
{
	return t->counts[state];
}

size_t inflight_count_owned(const struct inflight *t,
			    enum inflight_state state, const void *owner,
			    size_t limit)
{
	const struct inflight_entry *e;
	size_t n = 0;

	TAILQ_FOREACH(e, &t->lists[state], link) {
		if (n >= limit)
			break;
		if (e->owner == owner)
			n++;
	}
	return n;
}
