// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the topic-filter trie (kmod/rules/topic_trie.c) against
 * the reference matcher (user/lib/topic_ref.c). The input is a sequence of
 * operations, each applied to both; any difference in a result, an error
 * code, a reason, the order in which accept() is offered candidates, the
 * entry count or the node count traps. The trie is destroyed at the end
 * (ASan reports what it leaks).
 *
 * Input, byte by byte (a missing byte reads as 0):
 *   op      op % 4: 0, 1 insert; 2 remove; 3 match
 *   insert  FILTER, priority (byte % 4), value (byte % NVAL)
 *   remove  FILTER, value (byte % NVAL)
 *   match   TOPIC, reject (0: accept NULL, else value i is rejected when
 *           (i ^ reject) % 3 == 0)
 *   FILTER, TOPIC: count byte (1 + count % 40 levels), then one byte per
 *           level, an index into levels[] (modulo its size); the topic
 *           uses the same words, wildcards and bad bytes included, since
 *           both sides must treat them as plain bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rules/topic_trie.h"
#include "topic_ref.h"

#define NVAL	64
#define MAXTXT	(40 * 260)
#define LONG_L	"llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"
#define LONG_255 LONG_L LONG_L LONG_L "lllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"

_Static_assert(sizeof(LONG_255) - 1 == 255, "LONG_255");
_Static_assert(TOPIC_REF_MAX_LEVELS == TOPIC_TRIE_MAX_LEVELS, "limits");
_Static_assert(TOPIC_REF_MAX_LEVEL_LEN == TOPIC_TRIE_MAX_LEVEL_LEN, "limits");
_Static_assert(TOPIC_REF_MAX_FILTER_LEN == TOPIC_TRIE_MAX_FILTER_LEN, "limits");

static const char * const levels[] = {
	"a", "b", "+", "#", "$x", "", "ab", "a", "+", "$", "b",
	"\xc3\xa9",		/* é */
	"a+",			/* '+' not a whole level */
	"\xff",			/* not UTF-8 */
	LONG_255,		/* the longest level */
	LONG_255 "l",		/* one too long */
	"#",
};

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t next(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static size_t text(struct input *in, char *buf)
{
	int count = 1 + next(in) % 40, i;
	const char *lv;
	size_t n = 0, l;

	for (i = 0; i < count; i++) {
		lv = levels[next(in) % (sizeof(levels) / sizeof(levels[0]))];
		l = strlen(lv);
		if (i)
			buf[n++] = '/';
		memcpy(buf + n, lv, l);
		n += l;
	}
	return n;
}

static char vals[NVAL];

struct offers {
	uint8_t reject;
	int n;
	int seen[NVAL];
};

static bool offer(void *value, void *ctx)
{
	struct offers *o = ctx;
	int i = (int)((char *)value - vals);

	if (i < 0 || i >= NVAL || o->n >= NVAL)
		__builtin_trap();
	o->seen[o->n++] = i;
	return (i ^ o->reject) % 3 != 0;
}

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[MAXTXT];
	struct input in = { data, size };
	struct offers oa, ob;
	struct topic_trie t;
	struct topic_ref r;
	enum topic_err ra, rb;
	int ea, eb, ops = 0;
	uint8_t op, prio;
	void *va, *vb, *v;
	size_t n;

	topic_trie_init(&t);
	topic_ref_init(&r);
	while (in.n) {
		op = next(&in) % 4;
		switch (op) {
		case 0:
		case 1:
			n = text(&in, buf);
			prio = next(&in) % 4;
			v = &vals[next(&in) % NVAL];
			ra = TOPIC_ERR_EMPTY;
			rb = TOPIC_ERR_UTF8;
			ea = topic_trie_insert(&t, buf, n, prio, v, &ra);
			eb = topic_ref_insert(&r, buf, n, prio, v, &rb);
			check(ea == eb && ra == rb);
			check(topic_trie_check_filter(buf, n, &ra) ==
			      topic_ref_check_filter(buf, n, &rb) && ra == rb);
			break;
		case 2:
			n = text(&in, buf);
			v = &vals[next(&in) % NVAL];
			ea = topic_trie_remove(&t, buf, n, v);
			eb = topic_ref_remove(&r, buf, n, v);
			check(ea == eb);
			break;
		default:
			n = text(&in, buf);
			memset(&oa, 0, sizeof(oa));
			memset(&ob, 0, sizeof(ob));
			oa.reject = ob.reject = next(&in);
			if (oa.reject) {
				va = topic_trie_match(&t, buf, n, offer, &oa);
				vb = topic_ref_match(&r, buf, n, offer, &ob);
				check(oa.n == ob.n &&
				      !memcmp(oa.seen, ob.seen,
					      oa.n * sizeof(oa.seen[0])));
			} else {
				va = topic_trie_match(&t, buf, n, NULL, NULL);
				vb = topic_ref_match(&r, buf, n, NULL, NULL);
			}
			check(va == vb);
			break;
		}
		check(topic_trie_entry_count(&t) == r.count);
		if (op == 2 || !(++ops % 8) || !in.n)
			check(topic_trie_node_count(&t) ==
			      topic_ref_node_count(&r));
	}
	topic_trie_destroy(&t);
	check(!topic_trie_node_count(&t) && !topic_trie_entry_count(&t));
	topic_ref_destroy(&r);
	return 0;
}
