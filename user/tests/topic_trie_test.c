// SPDX-License-Identifier: GPL-2.0
/*
 * The topic-filter trie (kmod/rules/topic_trie.c) against MQTT 3.1.1 / 5.0
 * section 4.7, its own decision order, and the reference matcher
 * (user/lib/topic_ref.c). Every insert, remove and match in the fixture
 * runs on both and must agree, including the order of accept() calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/topic_trie.h"
#include "topic_ref.h"
#include "kselftest_harness.h"

_Static_assert(TOPIC_REF_MAX_LEVELS == TOPIC_TRIE_MAX_LEVELS, "limits");
_Static_assert(TOPIC_REF_MAX_LEVEL_LEN == TOPIC_TRIE_MAX_LEVEL_LEN, "limits");
_Static_assert(TOPIC_REF_MAX_FILTER_LEN == TOPIC_TRIE_MAX_FILTER_LEN, "limits");
/* what topic_trie_match() packs into its frames (TT_DEPTH, struct tt_level) */
_Static_assert(TOPIC_TRIE_MAX_LEVELS <= 0x3f, "depth fits TT_DEPTH");
_Static_assert(TOPIC_MAX_LEN <= 0xffff, "topic offsets fit in u16");

/*
 * Allocation failure injection: the trie allocates with iotgw_zalloc(),
 * which is calloc() in userspace; this definition takes its place in the
 * test program. fail_after < 0: never fail; otherwise that many calls
 * succeed, then every call fails.
 */
static long fail_after = -1;

void *calloc(size_t n, size_t size)
{
	/* not memset(): the compiler would turn malloc+memset into calloc */
	void *(*volatile zero)(void *, int, size_t) = memset;
	void *p;

	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	if (size && n > (size_t)-1 / size)
		return NULL;
	p = malloc(n * size);
	if (p)
		zero(p, 0, n * size);
	return p;
}

/* Valgrind and the sanitizers put their own calloc() in its place. */
static bool injection_works(void)
{
	void *(*volatile alloc)(size_t, size_t) = calloc;
	void *p;

	fail_after = 0;
	p = alloc(1, 1);
	fail_after = -1;
	free(p);
	return !p;
}

#define NVAL 256
#define DISAGREE (-10000)

FIXTURE(tt) {
	struct topic_trie t;
	struct topic_ref r;
	char v[NVAL];		/* value i is &v[i] */
};

FIXTURE_SETUP(tt)
{
	topic_trie_init(&self->t);
	topic_ref_init(&self->r);
}

FIXTURE_TEARDOWN(tt)
{
	topic_trie_destroy(&self->t);
	topic_ref_destroy(&self->r);
}

typedef FIXTURE_DATA(tt) tt_t;

/* Insert into both; the shared result, or DISAGREE. */
static int ins_len(tt_t *self, const char *f, size_t len, u32 prio, int i,
		   enum topic_err *reason)
{
	enum topic_err a = TOPIC_ERR_EMPTY, b = TOPIC_ERR_UTF8;
	void *v = i < 0 ? NULL : &self->v[i];
	int e1, e2;

	e1 = topic_trie_insert(&self->t, f, len, prio, v, &a);
	e2 = topic_ref_insert(&self->r, f, len, prio, v, &b);
	if (e1 != e2 || a != b)
		return DISAGREE;
	if (reason)
		*reason = a;
	return e1;
}

static int ins(tt_t *self, const char *f, u32 prio, int i)
{
	return ins_len(self, f, strlen(f), prio, i, NULL);
}

static int rm(tt_t *self, const char *f, int i)
{
	int e1 = topic_trie_remove(&self->t, f, strlen(f), &self->v[i]);
	int e2 = topic_ref_remove(&self->r, f, strlen(f), &self->v[i]);

	return e1 == e2 ? e1 : DISAGREE;
}

/* accept(): logs each value offered, takes those not in @reject. */
struct offer_log {
	const char *base;
	const u8 *reject;	/* NVAL flags, or NULL: take all */
	int seen[NVAL];
	int n;
};

static bool log_accept(void *value, void *ctx)
{
	struct offer_log *log = ctx;
	int i = (int)((char *)value - log->base);

	if (log->n < NVAL)
		log->seen[log->n++] = i;
	return !log->reject || !log->reject[i];
}

/*
 * Match @topic on both with @reject; the index of the value found, -1 for
 * none, DISAGREE if the results or the offers differ. @order (if not NULL)
 * receives the trie's offers, terminated by -1.
 */
static int match_len(tt_t *self, const char *topic, size_t len,
		     const u8 *reject, int *order)
{
	struct offer_log a = { .base = self->v, .reject = reject };
	struct offer_log b = { .base = self->v, .reject = reject };
	void *va, *vb;
	int i;

	va = topic_trie_match(&self->t, topic, len, log_accept, &a);
	vb = topic_ref_match(&self->r, topic, len, log_accept, &b);
	if (va != vb || a.n != b.n || memcmp(a.seen, b.seen, a.n * sizeof(int)))
		return DISAGREE;
	/* without accept() the answer is the first offer */
	if (topic_trie_match(&self->t, topic, len, NULL, NULL) !=
	    (a.n ? &self->v[a.seen[0]] : NULL))
		return DISAGREE;
	if (order) {
		for (i = 0; i < a.n; i++)
			order[i] = a.seen[i];
		order[a.n] = -1;
	}
	return va ? (int)((char *)va - self->v) : -1;
}

static int match(tt_t *self, const char *topic)
{
	return match_len(self, topic, strlen(topic), NULL, NULL);
}

static int match_rej(tt_t *self, const char *topic, const u8 *reject)
{
	return match_len(self, topic, strlen(topic), reject, NULL);
}

/* The structure agrees with the entries: counts and node count. */
static bool consistent(tt_t *self)
{
	return topic_trie_entry_count(&self->t) == self->r.count &&
	       topic_trie_node_count(&self->t) == topic_ref_node_count(&self->r) &&
	       (self->r.count != 0) == (rcu_access_pointer(self->t.root) != NULL);
}

/* Offer order of @topic with every value rejected, as a -1 ended list. */
static void offer_order(tt_t *self, const char *topic, int *order)
{
	u8 none[NVAL];

	memset(none, 1, sizeof(none));
	if (match_rej(self, topic, none) != -1)
		order[0] = DISAGREE;
	else
		match_len(self, topic, strlen(topic), none, order);
}

/* ---- MQTT 3.1.1 section 4.7 ---- */

TEST_F(tt, spec_multi_level_wildcard)
{
	/* 4.7.1.2 */
	ASSERT_EQ(0, ins(self, "sport/tennis/player1/#", 0, 1));
	EXPECT_EQ(1, match(self, "sport/tennis/player1"));
	EXPECT_EQ(1, match(self, "sport/tennis/player1/ranking"));
	EXPECT_EQ(1, match(self, "sport/tennis/player1/score/wimbledon"));
	EXPECT_EQ(-1, match(self, "sport/tennis/player2"));
	EXPECT_EQ(-1, match(self, "sport/tennis"));
	ASSERT_EQ(0, ins(self, "sport/#", 0, 2));
	EXPECT_EQ(2, match(self, "sport"));
	EXPECT_EQ(2, match(self, "sport/tennis/player2"));
	EXPECT_EQ(1, match(self, "sport/tennis/player1/x"));
	ASSERT_EQ(0, ins(self, "#", 0, 3));
	EXPECT_EQ(3, match(self, "anything/at/all"));
	EXPECT_EQ(3, match(self, "/"));
	EXPECT_TRUE(consistent(self));
}

TEST_F(tt, spec_single_level_wildcard)
{
	/* 4.7.1.3 */
	ASSERT_EQ(0, ins(self, "sport/tennis/+", 0, 1));
	EXPECT_EQ(1, match(self, "sport/tennis/player1"));
	EXPECT_EQ(1, match(self, "sport/tennis/player2"));
	EXPECT_EQ(-1, match(self, "sport/tennis/player1/ranking"));
	ASSERT_EQ(0, ins(self, "sport/+", 0, 2));
	EXPECT_EQ(-1, match(self, "sport"));
	EXPECT_EQ(2, match(self, "sport/"));
	ASSERT_EQ(0, ins(self, "+/+", 0, 3));
	ASSERT_EQ(0, ins(self, "/+", 0, 4));
	/* "/+" is more specific than "+/+" for "/finance" */
	EXPECT_EQ(4, match(self, "/finance"));
	EXPECT_EQ(0, rm(self, "/+", 4));
	EXPECT_EQ(3, match(self, "/finance"));
	ASSERT_EQ(0, ins(self, "+", 0, 5));
	EXPECT_EQ(5, match(self, "finance"));
	EXPECT_EQ(3, match(self, "/finance"));
	ASSERT_EQ(0, ins(self, "sport/+/player1", 0, 6));
	EXPECT_EQ(1, match(self, "sport/tennis/player1"));
	EXPECT_EQ(6, match(self, "sport/golf/player1"));
	EXPECT_TRUE(consistent(self));
}

TEST_F(tt, spec_dollar_topics)
{
	/* 4.7.2 */
	ASSERT_EQ(0, ins(self, "#", 0, 1));
	ASSERT_EQ(0, ins(self, "+/monitor/Clients", 0, 2));
	ASSERT_EQ(0, ins(self, "+", 0, 3));
	ASSERT_EQ(0, ins(self, "+/#", 0, 4));
	EXPECT_EQ(-1, match(self, "$SYS/monitor/Clients"));
	EXPECT_EQ(-1, match(self, "$SYS"));
	EXPECT_EQ(-1, match(self, "$"));
	ASSERT_EQ(0, ins(self, "$SYS/#", 0, 5));
	EXPECT_EQ(5, match(self, "$SYS/monitor/Clients"));
	EXPECT_EQ(5, match(self, "$SYS"));
	ASSERT_EQ(0, ins(self, "$SYS/monitor/+", 0, 6));
	EXPECT_EQ(6, match(self, "$SYS/monitor/Clients"));
	/* only the first level is special, and only a leading '$' */
	EXPECT_EQ(2, match(self, "a/monitor/Clients"));
	ASSERT_EQ(0, ins(self, "a/+", 0, 7));
	EXPECT_EQ(7, match(self, "a/$SYS"));
	EXPECT_EQ(3, match(self, "x$"));
	EXPECT_TRUE(consistent(self));
}

TEST_F(tt, empty_levels_are_levels)
{
	ASSERT_EQ(0, ins(self, "a//b", 0, 1));
	ASSERT_EQ(0, ins(self, "/a", 0, 2));
	ASSERT_EQ(0, ins(self, "/", 0, 3));
	ASSERT_EQ(0, ins(self, "a/+/b", 0, 4));
	ASSERT_EQ(0, ins(self, "+/+", 0, 5));
	ASSERT_EQ(0, ins(self, "a/", 0, 6));
	EXPECT_EQ(1, match(self, "a//b"));
	EXPECT_EQ(4, match(self, "a/x/b"));
	EXPECT_EQ(5, match(self, "a/b"));
	EXPECT_EQ(2, match(self, "/a"));
	EXPECT_EQ(3, match(self, "/"));
	EXPECT_EQ(6, match(self, "a/"));
	EXPECT_EQ(5, match(self, "b/"));
	EXPECT_EQ(5, match(self, "/b"));
	EXPECT_EQ(-1, match(self, "//"));
	EXPECT_EQ(-1, match(self, "a"));
	EXPECT_TRUE(consistent(self));
}

/* ---- decision order, one rule at a time ---- */

TEST_F(tt, order_literal_beats_plus)
{
	ASSERT_EQ(0, ins(self, "a/+", 9, 1));
	ASSERT_EQ(0, ins(self, "a/b", 0, 2));
	EXPECT_EQ(2, match(self, "a/b"));
	EXPECT_EQ(1, match(self, "a/c"));
}

TEST_F(tt, order_plus_beats_hash)
{
	ASSERT_EQ(0, ins(self, "a/#", 9, 1));
	ASSERT_EQ(0, ins(self, "a/+", 0, 2));
	EXPECT_EQ(2, match(self, "a/b"));
	EXPECT_EQ(1, match(self, "a/b/c"));
	EXPECT_EQ(1, match(self, "a"));
}

TEST_F(tt, order_literal_beats_hash)
{
	ASSERT_EQ(0, ins(self, "#", 9, 1));
	ASSERT_EQ(0, ins(self, "a", 0, 2));
	EXPECT_EQ(2, match(self, "a"));
	EXPECT_EQ(1, match(self, "b"));
}

TEST_F(tt, order_plus_level_beats_hash_level)
{
	/* "+/#" vs "#" on "a": "+" against "#" at the first level */
	ASSERT_EQ(0, ins(self, "#", 9, 1));
	ASSERT_EQ(0, ins(self, "+/#", 0, 2));
	EXPECT_EQ(2, match(self, "a"));
	EXPECT_EQ(2, match(self, "a/b"));
	ASSERT_EQ(0, ins(self, "+", 0, 3));
	EXPECT_EQ(3, match(self, "a"));	/* exact beats "+/#" on zero levels */
}

TEST_F(tt, order_leftmost_difference_decides)
{
	/* one literal at the left beats two literals further right */
	ASSERT_EQ(0, ins(self, "+/b/c", 9, 1));
	ASSERT_EQ(0, ins(self, "a/+/+", 0, 2));
	EXPECT_EQ(2, match(self, "a/b/c"));
	ASSERT_EQ(0, ins(self, "a/#", 0, 3));
	ASSERT_EQ(0, ins(self, "+/b/#", 9, 4));
	EXPECT_EQ(2, match(self, "a/b/c"));
	EXPECT_EQ(3, match(self, "a/b/c/d"));
	EXPECT_EQ(4, match(self, "x/b/c/d"));
}

TEST_F(tt, order_exact_beats_hash_zero_levels)
{
	ASSERT_EQ(0, ins(self, "sport/#", 9, 1));
	ASSERT_EQ(0, ins(self, "sport", 0, 2));
	EXPECT_EQ(2, match(self, "sport"));
	EXPECT_EQ(1, match(self, "sport/x"));
	ASSERT_EQ(0, ins(self, "sport/+/#", 9, 3));
	ASSERT_EQ(0, ins(self, "sport/+", 0, 4));
	EXPECT_EQ(4, match(self, "sport/x"));
	EXPECT_EQ(3, match(self, "sport/x/y"));
}

TEST_F(tt, order_priority_within_a_filter)
{
	ASSERT_EQ(0, ins(self, "a/b", 1, 1));
	ASSERT_EQ(0, ins(self, "a/b", 7, 2));
	ASSERT_EQ(0, ins(self, "a/b", 3, 3));
	EXPECT_EQ(2, match(self, "a/b"));
	EXPECT_EQ(0, rm(self, "a/b", 2));
	EXPECT_EQ(3, match(self, "a/b"));
	/* priority never beats specificity */
	ASSERT_EQ(0, ins(self, "a/+", 0xffffffff, 4));
	ASSERT_EQ(0, ins(self, "#", 0xffffffff, 5));
	EXPECT_EQ(3, match(self, "a/b"));
}

TEST_F(tt, order_ties_go_to_the_earlier_insertion)
{
	int order[NVAL + 1];
	const int want[] = { 6, 1, 3, 5, 2, 4, -1 };

	ASSERT_EQ(0, ins(self, "a/+/#", 5, 1));
	ASSERT_EQ(0, ins(self, "a/+/#", 0, 2));
	ASSERT_EQ(0, ins(self, "a/+/#", 5, 3));
	ASSERT_EQ(0, ins(self, "a/+/#", 0, 4));
	ASSERT_EQ(0, ins(self, "a/+/#", 5, 5));
	ASSERT_EQ(0, ins(self, "a/+/#", 6, 6));
	offer_order(self, "a/b/c", order);
	EXPECT_EQ(0, memcmp(want, order, sizeof(want)));
	/* removing and reinserting puts an entry last among its equals */
	EXPECT_EQ(0, rm(self, "a/+/#", 1));
	ASSERT_EQ(0, ins(self, "a/+/#", 5, 1));
	offer_order(self, "a/b", order);
	EXPECT_EQ(6, order[0]);
	EXPECT_EQ(3, order[1]);
	EXPECT_EQ(5, order[2]);
	EXPECT_EQ(1, order[3]);
}

TEST_F(tt, order_everything_at_once)
{
	/* every filter matching "a/b/c", in decision order */
	static const char * const want[] = {
		"a/b/c", "a/b/c/#", "a/b/+", "a/b/+/#", "a/b/#", "a/+/c",
		"a/+/c/#", "a/+/+", "a/+/#", "a/#", "+/b/c", "+/b/+", "+/b/#",
		"+/+/c", "+/+/+", "+/+/+/#", "+/+/#", "+/#", "#",
	};
	const int n = ARRAY_SIZE(want);
	int order[NVAL + 1];
	int i, k;

	/* inserted in a scrambled order, each with the same priority */
	for (i = 0; i < n; i++) {
		k = (i * 7) % n;
		ASSERT_EQ(0, ins(self, want[k], 1, k));
	}
	/* noise that does not match */
	ASSERT_EQ(0, ins(self, "a/b/c/d", 1, 100));
	ASSERT_EQ(0, ins(self, "a/b", 1, 101));
	ASSERT_EQ(0, ins(self, "+/+", 1, 102));
	ASSERT_EQ(0, ins(self, "b/#", 1, 103));
	offer_order(self, "a/b/c", order);
	for (i = 0; i < n; i++)
		EXPECT_EQ(i, order[i]);
	EXPECT_EQ(-1, order[n]);
	EXPECT_TRUE(consistent(self));
}

/* ---- accept() ---- */

TEST_F(tt, accept_skips_to_the_next_candidate)
{
	u8 reject[NVAL] = { 0 };

	ASSERT_EQ(0, ins(self, "a/b", 2, 1));
	ASSERT_EQ(0, ins(self, "a/b", 1, 2));
	ASSERT_EQ(0, ins(self, "a/+", 0, 3));
	ASSERT_EQ(0, ins(self, "#", 0, 4));
	EXPECT_EQ(1, match_rej(self, "a/b", reject));
	reject[1] = 1;
	EXPECT_EQ(2, match_rej(self, "a/b", reject));
	reject[2] = 1;
	EXPECT_EQ(3, match_rej(self, "a/b", reject));
	reject[3] = 1;
	EXPECT_EQ(4, match_rej(self, "a/b", reject));
	reject[4] = 1;
	EXPECT_EQ(-1, match_rej(self, "a/b", reject));
	reject[2] = 0;
	EXPECT_EQ(2, match_rej(self, "a/b", reject));
	EXPECT_EQ(-1, match_rej(self, "x/y", reject));
}

/* ---- removal ---- */

TEST_F(tt, remove_exactly_that_entry)
{
	ASSERT_EQ(0, ins(self, "a/b", 0, 1));
	ASSERT_EQ(0, ins(self, "a/b", 0, 2));
	ASSERT_EQ(0, ins(self, "a/b/#", 0, 3));
	EXPECT_EQ(-ENOENT, rm(self, "a/b/#", 1));	/* other filter */
	EXPECT_EQ(-ENOENT, rm(self, "a/+", 1));
	EXPECT_EQ(-ENOENT, rm(self, "a/b", 4));		/* other value */
	EXPECT_EQ(-ENOENT, rm(self, "a", 1));		/* a prefix */
	EXPECT_EQ(-ENOENT, rm(self, "a/b/c", 1));	/* longer */
	EXPECT_EQ(0, rm(self, "a/b", 1));
	EXPECT_EQ(-ENOENT, rm(self, "a/b", 1));		/* twice */
	EXPECT_EQ(2, match(self, "a/b"));
	EXPECT_EQ(0, rm(self, "a/b", 2));
	EXPECT_EQ(3, match(self, "a/b"));
	EXPECT_EQ(3, match(self, "a/b/c"));
	EXPECT_TRUE(consistent(self));
	EXPECT_EQ(0, rm(self, "a/b/#", 3));
	EXPECT_EQ(-1, match(self, "a/b"));
	EXPECT_TRUE(consistent(self));
	EXPECT_EQ(0, topic_trie_node_count(&self->t));
}

TEST_F(tt, remove_frees_the_nodes_of_a_path)
{
	ASSERT_EQ(0, ins(self, "a", 0, 1));
	EXPECT_EQ(2, topic_trie_node_count(&self->t));	/* root, a */
	ASSERT_EQ(0, ins(self, "a/b/c/d", 0, 2));
	EXPECT_EQ(5, topic_trie_node_count(&self->t));
	ASSERT_EQ(0, ins(self, "a/+/c/#", 0, 3));
	EXPECT_EQ(7, topic_trie_node_count(&self->t));	/* +, + / c */
	ASSERT_EQ(0, ins(self, "a/b/c/d", 1, 4));
	EXPECT_EQ(7, topic_trie_node_count(&self->t));
	EXPECT_EQ(0, rm(self, "a/b/c/d", 2));
	EXPECT_EQ(7, topic_trie_node_count(&self->t));	/* 4 still there */
	EXPECT_EQ(0, rm(self, "a/b/c/d", 4));
	EXPECT_EQ(4, topic_trie_node_count(&self->t));	/* b, c, d gone */
	EXPECT_EQ(3, match(self, "a/x/c"));
	EXPECT_EQ(0, rm(self, "a/+/c/#", 3));
	EXPECT_EQ(2, topic_trie_node_count(&self->t));
	EXPECT_EQ(0, rm(self, "a", 1));
	EXPECT_EQ(0, topic_trie_node_count(&self->t));
	EXPECT_EQ(0, topic_trie_entry_count(&self->t));
	EXPECT_NULL(rcu_access_pointer(self->t.root));
	EXPECT_NULL(self->t.values);
	/* a "#" filter lives on its parent: no node of its own */
	ASSERT_EQ(0, ins(self, "#", 0, 1));
	EXPECT_EQ(1, topic_trie_node_count(&self->t));
	ASSERT_EQ(0, ins(self, "x/#", 0, 2));
	EXPECT_EQ(2, topic_trie_node_count(&self->t));
	EXPECT_EQ(0, rm(self, "#", 1));
	EXPECT_EQ(0, rm(self, "x/#", 2));
	EXPECT_EQ(0, topic_trie_node_count(&self->t));
}

TEST_F(tt, siblings_grow_and_shrink_the_child_table)
{
	char f[32];
	int i, round;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < 200; i++) {
			snprintf(f, sizeof(f), "p/%d", i);
			ASSERT_EQ(0, ins(self, f, 0, i));
		}
		for (i = 0; i < 200; i++) {
			snprintf(f, sizeof(f), "p/%d", i);
			ASSERT_EQ(i, match(self, f));
		}
		/* remove all but every tenth, leaving tombstones */
		for (i = 0; i < 200; i++) {
			snprintf(f, sizeof(f), "p/%d", i);
			if (i % 10)
				ASSERT_EQ(0, rm(self, f, i));
		}
		for (i = 0; i < 200; i++) {
			snprintf(f, sizeof(f), "p/%d", i);
			ASSERT_EQ(i % 10 ? -1 : i, match(self, f));
		}
		ASSERT_TRUE(consistent(self));
		for (i = 0; i < 200; i += 10) {
			snprintf(f, sizeof(f), "p/%d", i);
			ASSERT_EQ(0, rm(self, f, i));
		}
		ASSERT_EQ(0, topic_trie_node_count(&self->t));
	}
}

/* ---- errors and limits ---- */

TEST_F(tt, errors)
{
	enum topic_err why;

	ASSERT_EQ(0, ins(self, "a/b", 0, 1));
	EXPECT_EQ(-EEXIST, ins(self, "a/b", 0, 1));
	EXPECT_EQ(-EEXIST, ins(self, "c/#", 3, 1));	/* any filter */
	EXPECT_EQ(-ENOENT, rm(self, "c/#", 1));
	EXPECT_EQ(-ENOENT, rm(self, "zz", 2));
	EXPECT_EQ(-EINVAL, ins_len(self, "a/b", 3, 0, -1, &why));	/* NULL */
	EXPECT_EQ(TOPIC_OK, why);
	EXPECT_EQ(-EINVAL, ins_len(self, "a/b#", 4, 0, 2, &why));
	EXPECT_EQ(TOPIC_ERR_HASH, why);
	EXPECT_EQ(-EINVAL, ins_len(self, "a+", 2, 0, 2, &why));
	EXPECT_EQ(TOPIC_ERR_PLUS, why);
	EXPECT_EQ(-EINVAL, ins_len(self, "", 0, 0, 2, &why));
	EXPECT_EQ(TOPIC_ERR_EMPTY, why);
	EXPECT_EQ(-EINVAL, ins_len(self, "a\0b", 3, 0, 2, &why));
	EXPECT_EQ(TOPIC_ERR_NUL, why);
	EXPECT_EQ(-EINVAL, ins_len(self, "\xc0\xaf", 2, 0, 2, &why));
	EXPECT_EQ(TOPIC_ERR_UTF8, why);
	EXPECT_EQ(-EINVAL, rm(self, "#/a", 1));
	/* nothing above changed anything */
	EXPECT_EQ(1, topic_trie_entry_count(&self->t));
	EXPECT_EQ(3, topic_trie_node_count(&self->t));
	EXPECT_EQ(1, match(self, "a/b"));

	EXPECT_STREQ("'#' must be the whole last topic level",
		     topic_trie_strerror(-EINVAL, TOPIC_ERR_HASH));
	EXPECT_STREQ("rule value is NULL", topic_trie_strerror(-EINVAL, TOPIC_OK));
	EXPECT_NE(NULL, strstr(topic_trie_strerror(-E2BIG, 0), "32"));
	EXPECT_NE(NULL, strstr(topic_trie_strerror(-ENAMETOOLONG, 0), "1024"));
	EXPECT_NE(NULL, strstr(topic_trie_strerror(-ENAMETOOLONG, 0), "255"));
	EXPECT_STRNE(topic_trie_strerror(-EEXIST, 0),
		     topic_trie_strerror(-ENOENT, 0));
	EXPECT_STRNE(topic_trie_strerror(-ENOMEM, 0),
		     topic_trie_strerror(-12345, 0));
}

/* "x/x/.../x" with @levels levels of @width bytes, last level @last. */
static size_t build(char *buf, int levels, int width, const char *last)
{
	size_t n = 0;
	int i;

	for (i = 0; i < levels; i++) {
		if (i)
			buf[n++] = '/';
		if (i == levels - 1 && last) {
			strcpy(buf + n, last);
			n += strlen(last);
		} else {
			memset(buf + n, 'x', width);
			n += width;
		}
	}
	buf[n] = '\0';
	return n;
}

TEST_F(tt, limits)
{
	static char f[70000];
	enum topic_err why;
	size_t n;

	/* levels */
	n = build(f, TOPIC_TRIE_MAX_LEVELS, 1, NULL);
	EXPECT_EQ(0, ins_len(self, f, n, 0, 1, NULL));
	n = build(f, TOPIC_TRIE_MAX_LEVELS, 1, "#");
	EXPECT_EQ(0, ins_len(self, f, n, 0, 2, NULL));
	n = build(f, TOPIC_TRIE_MAX_LEVELS + 1, 1, NULL);
	EXPECT_EQ(-E2BIG, ins_len(self, f, n, 0, 3, NULL));
	EXPECT_EQ(-E2BIG, topic_trie_check_filter(f, n, NULL));
	n = build(f, TOPIC_TRIE_MAX_LEVELS + 1, 1, "#");
	EXPECT_EQ(-E2BIG, ins_len(self, f, n, 0, 3, NULL));
	/* level length */
	n = build(f, 2, TOPIC_TRIE_MAX_LEVEL_LEN, NULL);
	EXPECT_EQ(0, ins_len(self, f, n, 0, 4, NULL));
	n = build(f, 2, TOPIC_TRIE_MAX_LEVEL_LEN + 1, NULL);
	EXPECT_EQ(-ENAMETOOLONG, ins_len(self, f, n, 0, 5, NULL));
	/* filter length: 4 levels of 255 and 3 slashes is 1023 bytes */
	n = build(f, 4, TOPIC_TRIE_MAX_LEVEL_LEN, NULL);
	ASSERT_EQ(1023, n);
	strcpy(f + n, "/");
	EXPECT_EQ(0, ins_len(self, f, n + 1, 0, 6, NULL));
	strcpy(f + n, "/y");
	EXPECT_EQ(-ENAMETOOLONG, ins_len(self, f, n + 2, 0, 7, NULL));
	/* the order of the checks: length, validity, levels, level length */
	strcpy(f + n, "/#/");
	EXPECT_EQ(-ENAMETOOLONG, ins_len(self, f, n + 3, 0, 7, &why));
	EXPECT_EQ(TOPIC_OK, why);
	n = build(f, 40, 1, "+x");
	EXPECT_EQ(-EINVAL, ins_len(self, f, n, 0, 7, &why));
	EXPECT_EQ(TOPIC_ERR_PLUS, why);
	/* a 301-byte first level and 32 more levels */
	memset(f, 'y', 300);
	n = 300 + build(f + 300, TOPIC_TRIE_MAX_LEVELS + 1, 1, NULL);
	f[300] = 'y';
	EXPECT_EQ(-ENAMETOOLONG, topic_trie_check_filter(f, 300 + 2, NULL));
	EXPECT_EQ(-E2BIG, ins_len(self, f, n, 0, 7, NULL));
	EXPECT_EQ(-E2BIG, rm(self, f, 7));
	EXPECT_TRUE(consistent(self));

	/* deep topics */
	n = build(f, TOPIC_TRIE_MAX_LEVELS, 1, NULL);
	EXPECT_EQ(1, match_len(self, f, n, NULL, NULL));
	EXPECT_EQ(2, match_len(self, f, n - 2, NULL, NULL));	/* "#" zero */
	n = build(f, 1000, 1, NULL);
	EXPECT_EQ(2, match_len(self, f, n, NULL, NULL));
	ASSERT_EQ(0, ins(self, "#", 0, 8));
	EXPECT_EQ(2, match_len(self, f, n, NULL, NULL));
	f[0] = 'z';
	EXPECT_EQ(8, match_len(self, f, n, NULL, NULL));
	/* topic length */
	memset(f, 'a', TOPIC_MAX_LEN + 1);
	EXPECT_EQ(8, match_len(self, f, TOPIC_MAX_LEN, NULL, NULL));
	EXPECT_EQ(-1, match_len(self, f, TOPIC_MAX_LEN + 1, NULL, NULL));
	EXPECT_EQ(-1, match_len(self, f, 0, NULL, NULL));
	memset(f, '/', TOPIC_MAX_LEN);	/* 65536 empty levels */
	EXPECT_EQ(8, match_len(self, f, TOPIC_MAX_LEN, NULL, NULL));
}

TEST_F(tt, out_of_memory_leaves_the_trie_unchanged)
{
	const char *f = "a/b/c/d/+/e";
	int fails = 0, k, i;
	long budget;
	char g[16];

	if (!injection_works())
		SKIP(return, "calloc() is not ours (valgrind?)");
	/* enough siblings under "a" that the next one grows its table */
	for (i = 0; i < 4; i++) {
		snprintf(g, sizeof(g), "a/%d", i);
		ASSERT_EQ(0, ins(self, g, 0, 10 + i));
	}
	for (budget = 0; ; budget++) {
		fail_after = budget;
		k = topic_trie_insert(&self->t, f, strlen(f), 0, &self->v[1],
				      NULL);
		fail_after = -1;
		if (!k)
			break;
		ASSERT_EQ(-ENOMEM, k);
		fails++;
		EXPECT_TRUE(consistent(self));
		EXPECT_EQ(-1, match(self, "a/b/c/d/x/e"));
		EXPECT_EQ(11, match(self, "a/1"));
	}
	/*
	 * entry, 5 nodes, 4 tables (a's grows); once a's bigger table has
	 * been published, it stays (only half full), so one fewer
	 */
	EXPECT_EQ(9, fails);
	ASSERT_EQ(0, topic_ref_insert(&self->r, f, strlen(f), 0, &self->v[1],
				      NULL));
	EXPECT_TRUE(consistent(self));
	EXPECT_EQ(1, match(self, "a/b/c/d/x/e"));
}

TEST_F(tt, out_of_memory_on_removal_keeps_the_big_tables)
{
	char g[16];
	int i;

	if (!injection_works())
		SKIP(return, "calloc() is not ours (valgrind?)");
	for (i = 0; i < 100; i++) {
		snprintf(g, sizeof(g), "s/%d", i);
		ASSERT_EQ(0, ins(self, g, 0, i));
	}
	/* table and value index shrinks fail: removal still works */
	fail_after = 0;
	for (i = 0; i < 95; i++) {
		snprintf(g, sizeof(g), "s/%d", i);
		ASSERT_EQ(0, rm(self, g, i));
	}
	fail_after = -1;
	for (i = 0; i < 100; i++) {
		snprintf(g, sizeof(g), "s/%d", i);
		ASSERT_EQ(i < 95 ? -1 : i, match(self, g));
	}
	EXPECT_TRUE(consistent(self));
	ASSERT_EQ(0, ins(self, "s/x", 0, 200));
	EXPECT_EQ(200, match(self, "s/x"));
}

/* ---- scale ---- */

static u64 rng_next(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Rule @i of the 10,000 and a topic that it, and only it, matches. */
static void big_rule(int i, char *f, char *topic, size_t size)
{
	switch (i % 4) {
	case 0:
		snprintf(f, size, "b%d/f%d/d%d/temp", i / 7, i, i);
		snprintf(topic, size, "b%d/f%d/d%d/temp", i / 7, i, i);
		break;
	case 1:
		snprintf(f, size, "b%d/f%d/d%d/#", i / 7, i, i);
		snprintf(topic, size, "b%d/f%d/d%d/x/y", i / 7, i, i);
		break;
	case 2:
		snprintf(f, size, "b%d/+/d%d/hum", i / 7, i);
		snprintf(topic, size, "b%d/zz/d%d/hum", i / 7, i);
		break;
	default:
		snprintf(f, size, "+/f%d/d%d", i, i);
		snprintf(topic, size, "q/f%d/d%d", i, i);
		break;
	}
}

TEST(ten_thousand_filters)
{
	enum { N = 10000 };
	static char vals[N];
	static int perm[N];
	struct topic_trie t;
	char f[64], topic[64];
	u64 seed = 42;
	int i, j, k;

	topic_trie_init(&t);
	for (i = 0; i < N; i++) {
		big_rule(i, f, topic, sizeof(f));
		ASSERT_EQ(0, topic_trie_insert(&t, f, strlen(f), 0, &vals[i],
					       NULL));
	}
	EXPECT_EQ(N, topic_trie_entry_count(&t));
	for (i = 0; i < N; i++) {
		big_rule(i, f, topic, sizeof(f));
		ASSERT_EQ(&vals[i], topic_trie_match(&t, topic, strlen(topic),
						     NULL, NULL));
		strcat(topic, "/no");
		if (i % 4 != 1)
			ASSERT_NULL(topic_trie_match(&t, topic, strlen(topic),
						     NULL, NULL));
	}
	/* remove in random order, checking a sample as we go */
	for (i = 0; i < N; i++)
		perm[i] = i;
	for (i = N - 1; i > 0; i--) {
		j = rng_next(&seed) % (i + 1);
		k = perm[i];
		perm[i] = perm[j];
		perm[j] = k;
	}
	for (i = 0; i < N; i++) {
		big_rule(perm[i], f, topic, sizeof(f));
		ASSERT_EQ(0, topic_trie_remove(&t, f, strlen(f), &vals[perm[i]]));
		ASSERT_NULL(topic_trie_match(&t, topic, strlen(topic), NULL,
					     NULL));
		if (i + 1 < N && !(i % 97)) {
			k = perm[i + 1];
			big_rule(k, f, topic, sizeof(f));
			ASSERT_EQ(&vals[k], topic_trie_match(&t, topic,
							     strlen(topic),
							     NULL, NULL));
		}
	}
	EXPECT_EQ(0, topic_trie_entry_count(&t));
	EXPECT_EQ(0, topic_trie_node_count(&t));
	EXPECT_NULL(rcu_access_pointer(t.root));
	EXPECT_NULL(t.values);
	topic_trie_destroy(&t);
}

/* ---- against the reference, on generated rule sets ---- */

static const char * const filter_levels[] = {
	"a", "b", "c", "", "$x", "+", "+", "#", "ab",
};
static const char * const topic_levels[] = { "a", "b", "c", "", "$x", "ab" };

static size_t gen(u64 *s, char *buf, const char * const *alpha, int nalpha,
		  int maxlevels)
{
	int levels = 1 + rng_next(s) % maxlevels, i;
	size_t n = 0;

	for (i = 0; i < levels; i++) {
		const char *lv = alpha[rng_next(s) % nalpha];

		if (i)
			buf[n++] = '/';
		/* mostly keep "#" last, sometimes not (an error) */
		if (!strcmp(lv, "#") && i != levels - 1 && rng_next(s) % 8)
			lv = "a";
		memcpy(buf + n, lv, strlen(lv));
		n += strlen(lv);
	}
	buf[n] = '\0';
	return n;
}

TEST_F(tt, random_rule_sets_agree_with_the_reference)
{
	struct { char f[64]; int live; } rules[NVAL];
	u8 reject[NVAL];
	char f[64], topic[64];
	int seed_no, op, i, k, r;
	u64 s;

	for (seed_no = 1; seed_no <= 6; seed_no++) {
		s = 0x9e3779b97f4a7c15ull * seed_no;
		memset(rules, 0, sizeof(rules));
		for (op = 0; op < 3000; op++) {
			k = rng_next(&s) % 10;
			i = rng_next(&s) % NVAL;
			if (k < 5) {
				gen(&s, f, filter_levels,
				    ARRAY_SIZE(filter_levels), 5);
				r = ins(self, f, rng_next(&s) % 3, i);
				ASSERT_NE(DISAGREE, r);
				if (!r) {
					strcpy(rules[i].f, f);
					rules[i].live = 1;
				}
			} else if (k < 7) {
				if (rules[i].live && rng_next(&s) % 4) {
					ASSERT_EQ(0, rm(self, rules[i].f, i));
					rules[i].live = 0;
				} else {
					gen(&s, f, filter_levels,
					    ARRAY_SIZE(filter_levels), 5);
					r = rm(self, f, i);
					ASSERT_NE(DISAGREE, r);
					if (!r)
						rules[i].live = 0;
				}
			} else {
				gen(&s, topic, topic_levels,
				    ARRAY_SIZE(topic_levels), 6);
				for (i = 0; i < NVAL; i++)
					reject[i] = rng_next(&s) % 3 == 0;
				ASSERT_NE(DISAGREE, match_rej(self, topic, reject));
				ASSERT_NE(DISAGREE, match(self, topic));
			}
			/* the node count oracle is quadratic: now and then */
			ASSERT_EQ(self->r.count, topic_trie_entry_count(&self->t));
			if (!(op % 20))
				ASSERT_TRUE(consistent(self));
		}
		ASSERT_TRUE(consistent(self));
		/* tear down by removal: nothing left */
		for (i = 0; i < NVAL; i++)
			if (rules[i].live)
				ASSERT_EQ(0, rm(self, rules[i].f, i));
		ASSERT_EQ(0, topic_trie_node_count(&self->t));
		ASSERT_EQ(0, self->r.count);
	}
}

TEST_F(tt, destroy_a_full_trie)
{
	char f[64];
	u64 s = 7;
	int i;

	for (i = 0; i < NVAL; i++) {
		gen(&s, f, filter_levels, ARRAY_SIZE(filter_levels), 8);
		ASSERT_NE(DISAGREE, ins(self, f, i, i));
	}
	EXPECT_TRUE(consistent(self));
	topic_trie_destroy(&self->t);
	EXPECT_EQ(0, topic_trie_node_count(&self->t));
	EXPECT_EQ(0, topic_trie_entry_count(&self->t));
	EXPECT_NULL(topic_trie_match(&self->t, "a", 1, NULL, NULL));
	/* usable again after destroy */
	ASSERT_EQ(0, topic_trie_insert(&self->t, "a", 1, 0, &self->v[0], NULL));
	EXPECT_EQ(&self->v[0], topic_trie_match(&self->t, "a", 1, NULL, NULL));
	topic_ref_destroy(&self->r);
	ASSERT_EQ(0, topic_ref_insert(&self->r, "a", 1, 0, &self->v[0], NULL));
}

TEST_HARNESS_MAIN
