// SPDX-License-Identifier: GPL-2.0
/* The reference topic matcher: see topic_ref.h. Plain, slow, obvious. */
#include <stdlib.h>
#include <string.h>

#include "topic_ref.h"

/* A cursor over the '/'-separated levels of a string. */
struct ref_levels {
	const char *s;
	size_t len;
	size_t pos;		/* start of the next level; > len: none left */
};

static void levels_start(struct ref_levels *it, const char *s, size_t len)
{
	it->s = s;
	it->len = len;
	it->pos = 0;
}

static bool levels_next(struct ref_levels *it, const char **lv, size_t *n)
{
	const char *slash;

	if (it->pos > it->len)
		return false;
	*lv = it->s + it->pos;
	slash = memchr(*lv, '/', it->len - it->pos);
	*n = slash ? (size_t)(slash - *lv) : it->len - it->pos;
	it->pos += *n + 1;
	return true;
}

static bool is_level(const char *lv, size_t n, char c)
{
	return n == 1 && lv[0] == c;
}

int topic_ref_check_filter(const char *filter, size_t len,
			   enum topic_err *reason)
{
	struct ref_levels it;
	enum topic_err e;
	const char *lv;
	size_t n, levels = 0, longest = 0;

	if (reason)
		*reason = TOPIC_OK;
	if (len > TOPIC_REF_MAX_FILTER_LEN)
		return -ENAMETOOLONG;
	e = topic_filter_check(filter, len);
	if (e != TOPIC_OK) {
		if (reason)
			*reason = e;
		return -EINVAL;
	}
	levels_start(&it, filter, len);
	while (levels_next(&it, &lv, &n)) {
		levels++;
		if (n > longest)
			longest = n;
	}
	if (levels > TOPIC_REF_MAX_LEVELS)
		return -E2BIG;
	if (longest > TOPIC_REF_MAX_LEVEL_LEN)
		return -ENAMETOOLONG;
	return 0;
}

bool topic_ref_filter_matches(const char *filter, size_t flen,
			      const char *topic, size_t tlen)
{
	struct ref_levels f, t;
	const char *fl, *tl;
	size_t fn, tn;
	bool first = true;

	if (!tlen)
		return false;
	levels_start(&f, filter, flen);
	levels_start(&t, topic, tlen);
	for (;;) {
		if (!levels_next(&f, &fl, &fn))
			return !levels_next(&t, &tl, &tn);	/* both done */
		if (is_level(fl, fn, '#'))	/* the rest, maybe nothing */
			return !(first && topic[0] == '$');
		if (!levels_next(&t, &tl, &tn))
			return false;		/* filter is longer */
		if (is_level(fl, fn, '+')) {
			if (first && topic[0] == '$')
				return false;
		} else if (fn != tn || memcmp(fl, tl, fn)) {
			return false;
		}
		first = false;
	}
}

/* How a filter level ranks: lower goes first. */
enum ref_rank {
	RANK_END,		/* no level: an exact match ends here */
	RANK_LITERAL,
	RANK_PLUS,
	RANK_HASH,
};

static enum ref_rank rank_next(struct ref_levels *it)
{
	const char *lv;
	size_t n;

	if (!levels_next(it, &lv, &n))
		return RANK_END;
	if (is_level(lv, n, '#'))
		return RANK_HASH;
	if (is_level(lv, n, '+'))
		return RANK_PLUS;
	return RANK_LITERAL;
}

int topic_ref_filter_cmp(const char *a, size_t alen,
			 const char *b, size_t blen)
{
	struct ref_levels ia, ib;
	enum ref_rank ra, rb;

	levels_start(&ia, a, alen);
	levels_start(&ib, b, blen);
	for (;;) {
		ra = rank_next(&ia);
		rb = rank_next(&ib);
		if (ra != rb)
			return ra < rb ? -1 : 1;
		if (ra == RANK_END || ra == RANK_HASH)
			return 0;
	}
}

/* Decision order between two entries whose filters match one topic. */
static int entry_cmp(const struct topic_ref_entry *a,
		     const struct topic_ref_entry *b)
{
	int c = topic_ref_filter_cmp(a->filter, a->len, b->filter, b->len);

	if (c)
		return c;
	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

void *topic_ref_match(const struct topic_ref *r, const char *topic,
		      size_t len, bool (*accept)(void *value, void *ctx),
		      void *ctx)
{
	const struct topic_ref_entry *prev = NULL, *best, *e;
	size_t i;

	if (!len || len > TOPIC_MAX_LEN)
		return NULL;
	/*
	 * Selection: each round finds the first matching entry after @prev
	 * in decision order, and offers it to accept().
	 */
	for (;;) {
		best = NULL;
		for (i = 0; i < r->count; i++) {
			e = &r->v[i];
			if (!topic_ref_filter_matches(e->filter, e->len,
						      topic, len))
				continue;
			if (prev && entry_cmp(e, prev) <= 0)
				continue;
			if (!best || entry_cmp(e, best) < 0)
				best = e;
		}
		if (!best)
			return NULL;
		if (!accept || accept(best->value, ctx))
			return best->value;
		prev = best;
	}
}

void topic_ref_init(struct topic_ref *r)
{
	memset(r, 0, sizeof(*r));
}

void topic_ref_destroy(struct topic_ref *r)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		free(r->v[i].filter);
	free(r->v);
	topic_ref_init(r);
}

int topic_ref_insert(struct topic_ref *r, const char *filter, size_t len,
		     u32 priority, void *value, enum topic_err *reason)
{
	struct topic_ref_entry *e, *grown;
	size_t i, cap;
	int err;

	err = topic_ref_check_filter(filter, len, reason);
	if (err)
		return err;
	if (!value)
		return -EINVAL;
	for (i = 0; i < r->count; i++)
		if (r->v[i].value == value)
			return -EEXIST;
	if (r->count == r->cap) {
		cap = r->cap ? r->cap * 2 : 16;
		grown = realloc(r->v, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		r->v = grown;
		r->cap = cap;
	}
	e = &r->v[r->count];
	e->filter = malloc(len);
	if (!e->filter)
		return -ENOMEM;
	memcpy(e->filter, filter, len);
	e->len = len;
	e->priority = priority;
	e->seq = r->next_seq++;
	e->value = value;
	r->count++;
	return 0;
}

int topic_ref_remove(struct topic_ref *r, const char *filter, size_t len,
		     const void *value)
{
	size_t i;
	int err;

	err = topic_ref_check_filter(filter, len, NULL);
	if (err)
		return err;
	for (i = 0; i < r->count; i++) {
		if (r->v[i].value != value || r->v[i].len != len ||
		    memcmp(r->v[i].filter, filter, len))
			continue;
		free(r->v[i].filter);
		r->v[i] = r->v[--r->count];	/* order lives in seq */
		return 0;
	}
	return -ENOENT;
}

/* Levels of @f that are not "#": its node's depth in a prefix tree. */
static size_t filter_depth(const char *f, size_t len)
{
	struct ref_levels it;
	const char *lv;
	size_t n, depth = 0;

	levels_start(&it, f, len);
	while (levels_next(&it, &lv, &n))
		if (!is_level(lv, n, '#'))
			depth++;
	return depth;
}

/* How many leading levels @a and @b have in common, at most @max. */
static size_t common_levels(const struct topic_ref_entry *a,
			    const struct topic_ref_entry *b, size_t max)
{
	struct ref_levels ia, ib;
	const char *la, *lb;
	size_t na, nb, k;

	levels_start(&ia, a->filter, a->len);
	levels_start(&ib, b->filter, b->len);
	for (k = 0; k < max; k++) {
		if (!levels_next(&ia, &la, &na) || !levels_next(&ib, &lb, &nb) ||
		    na != nb || memcmp(la, lb, na))
			break;
	}
	return k;
}

size_t topic_ref_node_count(const struct topic_ref *r)
{
	size_t i, j, d, dj, shared, c, count = 0;

	/*
	 * Entry i has depth + 1 prefixes (the empty one included); those up
	 * to the longest it shares with an earlier entry are counted already.
	 */
	for (i = 0; i < r->count; i++) {
		d = filter_depth(r->v[i].filter, r->v[i].len);
		shared = 0;
		for (j = 0; j < i; j++) {
			dj = filter_depth(r->v[j].filter, r->v[j].len);
			c = 1 + common_levels(&r->v[i], &r->v[j],
					      d < dj ? d : dj);
			if (c > shared)
				shared = c;
		}
		count += d + 1 - shared;
	}
	return count;
}
