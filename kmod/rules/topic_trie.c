// SPDX-License-Identifier: GPL-2.0
/*
 * The topic-filter trie; the contract is in topic_trie.h. This file builds
 * in the kernel and in userspace, so it uses only ../compat.h.
 */
#include "../compat.h"
#include "../proto/topic.h"
#include "topic_trie.h"

/* One entry: a rule value on a filter. */
struct topic_trie_entry {
	struct topic_trie_entry __rcu *next;	/* in decision order */
	void *value;
	u32 priority;
	struct rcu_head rcu;
};

/*
 * The literal children of a node, open-addressed with linear probing. A
 * deleted slot holds a pointer to the table's own node (a node is never
 * its own child), so that probe runs stay unbroken for readers. Slots go
 * from NULL to a child and from a child to that tombstone in place; any
 * other change copies the table.
 */
struct topic_trie_table {
	struct rcu_head rcu;
	u32 mask;				/* slots - 1, slots a power of 2 */
	u32 used;				/* children (writers only) */
	u32 tombs;				/* tombstones (writers only) */
	struct topic_trie_node __rcu *slot[];
};

struct topic_trie_node {
	struct topic_trie_table __rcu *children;	/* literal levels */
	struct topic_trie_node __rcu *plus;		/* the "+" level */
	struct topic_trie_entry __rcu *exact;	/* filters ending here */
	struct topic_trie_entry __rcu *hash;	/* ... here with "/#" */
	struct rcu_head rcu;
	u32 hval;				/* tt_level() hash of name */
	u16 len;
	char name[];				/* the level, zero-padded */
};

/*
 * Every value in the trie, for -EEXIST: the writers' own open-addressed
 * set (linear probing, deletion by shifting back), never seen by readers.
 */
struct topic_trie_vindex {
	u32 mask;
	u32 count;
	const void *slot[];
};

/* A filter split into levels. */
struct tt_split {
	u16 off[TOPIC_TRIE_MAX_LEVELS];
	u16 len[TOPIC_TRIE_MAX_LEVELS];
	u32 flen;		/* the filter's length */
	u32 plus;		/* bit i: level i is "+" */
	u32 depth;		/* levels, not counting a final "#" */
	bool hash;		/* the last level is "#" */
};

#define TT_TABLE_MIN	4
#define TT_VINDEX_MIN	16
#define TT_HASH_INIT	0x9e3779b97f4a7c15ull
#define TT_HASH_MUL	0xff51afd7ed558ccdull

/* Writers are serialized by the caller's mutex. */
#define tt_deref(p)	rcu_dereference_protected(p, 1)

/*
 * Levels are read eight bytes at a time, as little-endian words: byte k of
 * a string is bits 8k to 8k + 7 of its word, on any host. A word never
 * holds bytes from outside the string; where fewer than eight are left,
 * the missing ones are zero.
 */
#define TT_ONES		0x0101010101010101ull

static inline u64 tt_load(const char *p)
{
	u64 w;

	memcpy(&w, p, sizeof(w));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* The 0 to 7 bytes of @s (@len bytes) from @p, @len - @p < 8. */
static inline u64 tt_tail(const char *s, u32 len, u32 p)
{
	u32 left = len - p, k;
	u64 w = 0;

	if (!left)
		return 0;
	if (len >= 8)	/* the last eight bytes of @s, shifted down */
		return tt_load(s + len - 8) >> (64 - 8 * left);
	for (k = 0; k < left; k++)
		w |= (u64)(u8)s[p + k] << (8 * k);
	return w;
}

/*
 * 0x80 in the first byte of @w that is '/', and maybe in later bytes (any
 * byte after a '/'), 0 everywhere if there is none: enough to find the
 * first '/' of a little-endian word.
 */
static inline u64 tt_slashes(u64 w)
{
	u64 x = w ^ ('/' * TT_ONES);

	return (x - TT_ONES) & ~x & (0x80 * TT_ONES);
}

/* A level of a topic or filter, as tt_level() finds it. */
struct tt_level {
	u64 last;	/* its last len % 8 bytes, as a word */
	u32 hash;
	u16 off;
	u16 len;
};

/*
 * Find the level of @s (@len bytes) that starts at @off. The level is
 * hashed in words of eight bytes, the last one holding the 0 to 7 bytes
 * left over (zero-padded); the hash mixes the words in and folds the
 * result, whose low bits index the tables. Readers hashing a topic and
 * writers hashing a filter use this one function.
 */
static inline void tt_level(const char *s, u32 len, u32 off,
			    struct tt_level *lv)
{
	u64 h = TT_HASH_INIT, w, z;
	u32 p = off, i;

	/* whole words up to the word with the next '/' in it, if any */
	while (len - p >= 8) {
		w = tt_load(s + p);
		z = tt_slashes(w);
		if (z)
			goto slash;
		h = (h ^ w) * TT_HASH_MUL;
		p += 8;
	}
	w = tt_tail(s, len, p);
	z = tt_slashes(w);
	if (!z) {
		i = len - p;
		goto mix;
	}
slash:
	i = __builtin_ctzll(z) >> 3;
	w &= ((z - 1) & ~z) >> 7;	/* the bytes before the '/' */
mix:
	h = (h ^ w) * TT_HASH_MUL;
	h ^= h >> 32;
	lv->last = w;
	lv->hash = (u32)((h * TT_HASH_MUL) >> 32);
	lv->off = off;
	lv->len = p + i - off;
}

/*
 * Whether @n is level @lv of @s. Node names are zero-padded to a multiple
 * of eight bytes (at least eight), so they compare a word at a time.
 */
static inline bool tt_node_is(const struct topic_trie_node *n, const char *s,
			      const struct tt_level *lv)
{
	u32 i;

	if (n->hval != lv->hash || n->len != lv->len)
		return false;
	if (lv->len < 8)	/* an empty name is eight zero bytes */
		return tt_load(n->name) == lv->last;
	for (i = 0; lv->len - i >= 8; i += 8)
		if (tt_load(n->name + i) != tt_load(s + lv->off + i))
			return false;
	return i == lv->len || tt_load(n->name + i) == lv->last;
}

/* ---- filters ---- */

static int tt_parse(const char *f, size_t len, struct tt_split *sp,
		    enum topic_err *reason)
{
	enum topic_err terr;
	bool long_level = false;
	size_t i, start = 0;
	u32 n = 0;

	if (reason)
		*reason = TOPIC_OK;
	if (len > TOPIC_TRIE_MAX_FILTER_LEN)
		return -ENAMETOOLONG;
	terr = topic_filter_check(f, len);
	if (terr != TOPIC_OK) {
		if (reason)
			*reason = terr;
		return -EINVAL;
	}
	sp->plus = 0;
	sp->flen = len;
	for (i = 0; i <= len; i++) {
		if (i < len && f[i] != '/')
			continue;
		if (n == TOPIC_TRIE_MAX_LEVELS)
			return -E2BIG;
		if (i - start > TOPIC_TRIE_MAX_LEVEL_LEN)
			long_level = true;
		sp->off[n] = start;
		sp->len[n] = i - start;
		if (i - start == 1 && f[start] == '+')
			sp->plus |= 1u << n;
		n++;
		start = i + 1;
	}
	if (long_level)
		return -ENAMETOOLONG;
	/* topic_filter_check() allows "#" only as the whole last level */
	sp->hash = f[len - 1] == '#';
	sp->depth = sp->hash ? n - 1 : n;
	return 0;
}

int topic_trie_check_filter(const char *filter, size_t len,
			    enum topic_err *reason)
{
	struct tt_split sp;

	return tt_parse(filter, len, &sp, reason);
}

const char *topic_trie_strerror(int err, enum topic_err reason)
{
	switch (err) {
	case 0:
		return "success";
	case -EINVAL:
		if (reason != TOPIC_OK)
			return topic_err_str(reason);
		return "rule value is NULL";
	case -ENAMETOOLONG:
		return "topic filter longer than 1024 bytes or with a level longer than 255 bytes";
	case -E2BIG:
		return "topic filter has more than 32 levels";
	case -EEXIST:
		return "rule is already in the topic trie";
	case -ENOENT:
		return "no such rule on this topic filter";
	case -ENOMEM:
		return "out of memory for the topic trie";
	default:
		return "unknown topic trie error";
	}
}

/* ---- the writers' value index ---- */

static inline u32 tt_vhash(const void *v)
{
	u64 x = (u64)(unsigned long)v * 0x9e3779b97f4a7c15ull;

	return (u32)(x >> 32);
}

static bool tt_vfind(const struct topic_trie_vindex *ix, const void *v,
		     u32 *pos)
{
	u32 i, n;

	if (!ix)
		return false;
	i = tt_vhash(v) & ix->mask;
	for (n = 0; n <= ix->mask; n++) {
		if (!ix->slot[i])
			return false;
		if (ix->slot[i] == v) {
			*pos = i;
			return true;
		}
		i = (i + 1) & ix->mask;
	}
	return false;
}

static void tt_vput(struct topic_trie_vindex *ix, const void *v)
{
	u32 i = tt_vhash(v) & ix->mask;

	while (ix->slot[i])
		i = (i + 1) & ix->mask;
	ix->slot[i] = v;
	ix->count++;
}

/* Rebuild the index with @slots slots (a power of 2, above its count). */
static int tt_vresize(struct topic_trie *t, u32 slots)
{
	struct topic_trie_vindex *old = t->values, *ix;
	u32 i;

	ix = iotgw_zalloc(sizeof(*ix) + (size_t)slots * sizeof(ix->slot[0]));
	if (!ix)
		return -ENOMEM;
	ix->mask = slots - 1;
	if (old) {
		for (i = 0; i <= old->mask; i++)
			if (old->slot[i])
				tt_vput(ix, old->slot[i]);
		iotgw_free(old);
	}
	t->values = ix;
	return 0;
}

/* Make room for one more value: at most three quarters full. */
static int tt_vreserve(struct topic_trie *t)
{
	struct topic_trie_vindex *ix = t->values;
	u32 slots;

	if (!ix)
		return tt_vresize(t, TT_VINDEX_MIN);
	slots = ix->mask + 1;
	if ((u64)(ix->count + 1) * 4 <= (u64)slots * 3)
		return 0;
	if (slots > (1u << 30))
		return -ENOMEM;
	return tt_vresize(t, slots * 2);
}

/* After a failed insert: drop an index tt_vreserve() made for nothing. */
static void tt_vrelease(struct topic_trie *t)
{
	if (t->values && !t->values->count) {
		iotgw_free(t->values);
		t->values = NULL;
	}
}

static void tt_vdel(struct topic_trie *t, const void *v)
{
	struct topic_trie_vindex *ix = t->values;
	u32 i, j, home, slots;

	if (WARN_ON_ONCE(!tt_vfind(ix, v, &i)))
		return;
	/* Shift back every later entry of the run that may fill the hole. */
	j = i;
	for (;;) {
		j = (j + 1) & ix->mask;
		if (!ix->slot[j])
			break;
		home = tt_vhash(ix->slot[j]) & ix->mask;
		/* stays if its home is cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		ix->slot[i] = ix->slot[j];
		i = j;
	}
	ix->slot[i] = NULL;
	ix->count--;
	slots = ix->mask + 1;
	if (!ix->count) {
		iotgw_free(ix);
		t->values = NULL;
	} else if (slots > TT_VINDEX_MIN && ix->count * 8 < slots) {
		tt_vresize(t, slots / 2);	/* keeps the old one on failure */
	}
}

/* ---- nodes and child tables (writers) ---- */

static struct topic_trie_node *tt_node_new(struct topic_trie *t,
					   const char *name, u32 len, u32 h)
{
	struct topic_trie_node *n;

	/* the name zero-padded to whole words for tt_node_is(), at least one */
	n = iotgw_zalloc(sizeof(*n) + (len ? (len + 7) & ~7u : 8));
	if (!n)
		return NULL;
	if (len)
		memcpy(n->name, name, len);
	n->len = len;
	n->hval = h;
	t->nodes++;
	return n;
}

static void tt_node_free(struct topic_trie *t, struct topic_trie_node *n)
{
	t->nodes--;
	iotgw_free_rcu(n, rcu);
}

static bool tt_node_empty(struct topic_trie_node *n)
{
	return !rcu_access_pointer(n->children) &&
	       !rcu_access_pointer(n->plus) &&
	       !rcu_access_pointer(n->exact) &&
	       !rcu_access_pointer(n->hash);
}

/* Slots for @n children: a power of 2, at least twice @n. */
static u32 tt_table_slots(u32 n)
{
	u32 slots = TT_TABLE_MIN;

	while (slots < 2 * n && slots < (1u << 30))
		slots <<= 1;
	return slots;
}

/* Put @c in an unpublished table (or in a free slot the probe ends on). */
static void tt_table_put(struct topic_trie_table *tbl,
			 struct topic_trie_node *c)
{
	u32 i = c->hval & tbl->mask;

	while (rcu_access_pointer(tbl->slot[i]))
		i = (i + 1) & tbl->mask;
	RCU_INIT_POINTER(tbl->slot[i], c);
	tbl->used++;
}

/*
 * Replace @parent's table by one of @slots slots holding its children and
 * @extra (if not NULL), and free the old one after a grace period.
 */
static int tt_table_rebuild(struct topic_trie_node *parent, u32 slots,
			    struct topic_trie_node *extra)
{
	struct topic_trie_table *old = tt_deref(parent->children);
	struct topic_trie_table *tbl;
	struct topic_trie_node *c;
	u32 i;

	tbl = iotgw_zalloc(sizeof(*tbl) + (size_t)slots * sizeof(tbl->slot[0]));
	if (!tbl)
		return -ENOMEM;
	tbl->mask = slots - 1;
	if (old) {
		for (i = 0; i <= old->mask; i++) {
			c = tt_deref(old->slot[i]);
			if (c && c != parent)
				tt_table_put(tbl, c);
		}
	}
	if (extra)
		tt_table_put(tbl, extra);
	rcu_assign_pointer(parent->children, tbl);
	if (old)
		iotgw_free_rcu(old, rcu);
	return 0;
}

/*
 * Find @parent's literal child named @s. If there is none,
 * *hole is the first free slot (NULL or tombstone) on its probe run, or -1.
 */
static struct topic_trie_node *
tt_table_find(struct topic_trie_node *parent, struct topic_trie_table *tbl,
	      const char *f, const struct tt_level *lv, s64 *hole)
{
	struct topic_trie_node *c;
	u32 i, n;

	*hole = -1;
	if (!tbl)
		return NULL;
	i = lv->hash & tbl->mask;
	for (n = 0; n <= tbl->mask; n++) {
		c = tt_deref(tbl->slot[i]);
		if (!c || c == parent) {
			if (*hole < 0)
				*hole = i;
			if (!c)
				return NULL;
		} else if (tt_node_is(c, f, lv)) {
			return c;
		}
		i = (i + 1) & tbl->mask;
	}
	return NULL;
}

/* The child of @parent for level @lv of @sp, created if @create. */
static struct topic_trie_node *tt_child(struct topic_trie *t,
					struct topic_trie_node *parent,
					const char *f, const struct tt_split *sp,
					u32 lv, bool create)
{
	const char *s = f + sp->off[lv];
	struct topic_trie_table *tbl;
	struct topic_trie_node *c;
	u32 len = sp->len[lv];
	struct tt_level l;
	u32 need;
	s64 hole;

	if (sp->plus & (1u << lv)) {
		c = tt_deref(parent->plus);
		if (c || !create)
			return c;
		c = tt_node_new(t, s, len, 0);
		if (c)
			rcu_assign_pointer(parent->plus, c);
		return c;
	}

	tt_level(f, sp->flen, sp->off[lv], &l);
	tbl = tt_deref(parent->children);
	c = tt_table_find(parent, tbl, f, &l, &hole);
	if (c || !create)
		return c;
	c = tt_node_new(t, s, len, l.hash);
	if (!c)
		return NULL;
	need = tbl ? tbl->used + tbl->tombs + 1 : 1;
	if (!tbl || hole < 0 || (u64)need * 2 > (u64)tbl->mask + 1) {
		if (tt_table_rebuild(parent, tt_table_slots(tbl ? tbl->used + 1 : 1),
				     c)) {
			t->nodes--;
			iotgw_free(c);		/* never published */
			return NULL;
		}
		return c;
	}
	/* In place: a reader sees the slot before or after, both fine. */
	if (tt_deref(tbl->slot[hole]))
		tbl->tombs--;
	tbl->used++;
	rcu_assign_pointer(tbl->slot[hole], c);
	return c;
}

/* Take the literal child @c out of @parent's table. */
static void tt_table_del(struct topic_trie_node *parent,
			 struct topic_trie_node *c)
{
	struct topic_trie_table *tbl = tt_deref(parent->children);
	u32 i, n, slots;

	if (WARN_ON_ONCE(!tbl))
		return;
	i = c->hval & tbl->mask;
	for (n = 0; n <= tbl->mask; n++) {
		if (tt_deref(tbl->slot[i]) == c)
			break;
		i = (i + 1) & tbl->mask;
	}
	if (WARN_ON_ONCE(n > tbl->mask))
		return;
	/* The tombstone (@parent) is published already. */
	RCU_INIT_POINTER(tbl->slot[i], parent);
	tbl->used--;
	tbl->tombs++;
	slots = tbl->mask + 1;
	if (!tbl->used) {
		RCU_INIT_POINTER(parent->children, NULL);
		iotgw_free_rcu(tbl, rcu);
	} else if (slots > TT_TABLE_MIN && tbl->used * 8 <= slots) {
		/* on failure the larger table stays, which is fine */
		tt_table_rebuild(parent, tt_table_slots(tbl->used), NULL);
	}
}

/*
 * Free the empty nodes at the bottom of @path (@path[0] the root, @path[d]
 * the node for the first d levels of @sp), from @depth up.
 */
static void tt_prune(struct topic_trie *t, struct topic_trie_node **path,
		     const struct tt_split *sp, u32 depth)
{
	struct topic_trie_node *n, *parent;
	u32 d;

	for (d = depth; ; d--) {
		n = path[d];
		if (!tt_node_empty(n))
			return;
		if (!d) {
			RCU_INIT_POINTER(t->root, NULL);
			tt_node_free(t, n);
			return;
		}
		parent = path[d - 1];
		if (sp->plus & (1u << (d - 1)))
			RCU_INIT_POINTER(parent->plus, NULL);
		else
			tt_table_del(parent, n);
		tt_node_free(t, n);
	}
}

void topic_trie_init(struct topic_trie *t)
{
	RCU_INIT_POINTER(t->root, NULL);
	t->values = NULL;
	t->nodes = 0;
	t->entries = 0;
}

int topic_trie_insert(struct topic_trie *t, const char *filter, size_t len,
		      u32 priority, void *value, enum topic_err *reason)
{
	struct topic_trie_node *path[TOPIC_TRIE_MAX_LEVELS + 1];
	struct topic_trie_entry __rcu **pp;
	struct topic_trie_entry *e, *cur;
	struct topic_trie_node *n;
	struct tt_split sp;
	u32 d, pos;
	int err;

	err = tt_parse(filter, len, &sp, reason);
	if (err)
		return err;
	if (!value)
		return -EINVAL;
	if (tt_vfind(t->values, value, &pos))
		return -EEXIST;
	err = tt_vreserve(t);
	if (err)
		return err;
	e = iotgw_zalloc(sizeof(*e));
	if (!e) {
		tt_vrelease(t);
		return -ENOMEM;
	}
	e->value = value;
	e->priority = priority;

	n = tt_deref(t->root);
	if (!n) {
		n = tt_node_new(t, NULL, 0, 0);
		if (!n)
			goto nomem;
		rcu_assign_pointer(t->root, n);
	}
	path[0] = n;
	for (d = 0; d < sp.depth; d++) {
		n = tt_child(t, n, filter, &sp, d, true);
		if (!n) {
			tt_prune(t, path, &sp, d);
			goto nomem;
		}
		path[d + 1] = n;
	}

	/* After every entry that goes first: higher or equal priority. */
	pp = sp.hash ? &n->hash : &n->exact;
	for (cur = tt_deref(*pp); cur && cur->priority >= priority;
	     cur = tt_deref(*pp))
		pp = &cur->next;
	RCU_INIT_POINTER(e->next, cur);
	rcu_assign_pointer(*pp, e);
	tt_vput(t->values, value);
	t->entries++;
	return 0;

nomem:
	iotgw_free(e);
	tt_vrelease(t);
	return -ENOMEM;
}

int topic_trie_remove(struct topic_trie *t, const char *filter, size_t len,
		      const void *value)
{
	struct topic_trie_node *path[TOPIC_TRIE_MAX_LEVELS + 1];
	struct topic_trie_entry __rcu **pp;
	struct topic_trie_entry *e;
	struct topic_trie_node *n;
	struct tt_split sp;
	u32 d;
	int err;

	err = tt_parse(filter, len, &sp, NULL);
	if (err)
		return err;
	n = tt_deref(t->root);
	if (!n)
		return -ENOENT;
	path[0] = n;
	for (d = 0; d < sp.depth; d++) {
		n = tt_child(t, n, filter, &sp, d, false);
		if (!n)
			return -ENOENT;
		path[d + 1] = n;
	}
	pp = sp.hash ? &n->hash : &n->exact;
	for (e = tt_deref(*pp); e && e->value != value; e = tt_deref(*pp))
		pp = &e->next;
	if (!e)
		return -ENOENT;
	/* A reader on @e still finds the rest of the list through it. */
	rcu_assign_pointer(*pp, tt_deref(e->next));
	iotgw_free_rcu(e, rcu);
	t->entries--;
	tt_vdel(t, value);
	tt_prune(t, path, &sp, sp.depth);
	return 0;
}

static void tt_free_entries(struct topic_trie *t,
			    struct topic_trie_entry __rcu **head)
{
	struct topic_trie_entry *e = tt_deref(*head), *next;

	RCU_INIT_POINTER(*head, NULL);
	while (e) {
		next = tt_deref(e->next);
		iotgw_free_rcu(e, rcu);
		t->entries--;
		e = next;
	}
}

void topic_trie_destroy(struct topic_trie *t)
{
	struct topic_trie_node *stack[TOPIC_TRIE_MAX_LEVELS + 1];
	u32 pos[TOPIC_TRIE_MAX_LEVELS + 1];
	struct topic_trie_table *tbl;
	struct topic_trie_node *n, *c;
	u32 d = 0;

	n = tt_deref(t->root);
	RCU_INIT_POINTER(t->root, NULL);
	stack[0] = n;
	pos[0] = 0;
	/* Depth first, freeing each node after its children. */
	while (n) {
		n = stack[d];
		c = tt_deref(n->plus);
		if (c) {
			RCU_INIT_POINTER(n->plus, NULL);
		} else {
			tbl = tt_deref(n->children);
			while (!c && tbl && pos[d] <= tbl->mask) {
				c = tt_deref(tbl->slot[pos[d]++]);
				if (c == n)
					c = NULL;	/* tombstone */
			}
		}
		if (c && !WARN_ON_ONCE(d == TOPIC_TRIE_MAX_LEVELS)) {
			stack[++d] = c;
			pos[d] = 0;
			continue;
		}
		tbl = tt_deref(n->children);
		if (tbl) {
			RCU_INIT_POINTER(n->children, NULL);
			iotgw_free_rcu(tbl, rcu);
		}
		tt_free_entries(t, &n->exact);
		tt_free_entries(t, &n->hash);
		tt_node_free(t, n);
		n = d ? stack[--d] : NULL;
	}
	iotgw_free(t->values);
	t->values = NULL;
	if (WARN_ON_ONCE(t->nodes || t->entries)) {
		t->nodes = 0;
		t->entries = 0;
	}
}

/* ---- readers ---- */

static const struct topic_trie_node *
tt_lookup(const struct topic_trie_node *parent, const char *s,
	  const struct tt_level *lv)
{
	const struct topic_trie_table *tbl = rcu_dereference(parent->children);
	const struct topic_trie_node *c;
	u32 i, n, mask;

	if (!tbl)
		return NULL;
	mask = tbl->mask;
	i = lv->hash;
	for (n = 0; n <= mask; n++, i++) {
		c = rcu_dereference(tbl->slot[i & mask]);
		if (!c)
			return NULL;
		if (c != parent && tt_node_is(c, s, lv))
			return c;
	}
	return NULL;
}

static void *tt_first(const struct topic_trie_entry *e,
		      bool (*accept)(void *value, void *ctx), void *ctx)
{
	for (; e; e = rcu_dereference(e->next))
		if (!accept || accept(e->value, ctx))
			return e->value;
	return NULL;
}

/*
 * A way-back frame's depth, and whether its "+" child has been tried.
 * TOPIC_TRIE_MAX_LEVELS must fit TT_DEPTH and TOPIC_MAX_LEN a u16 (struct
 * tt_level): the unit test checks both at compile time.
 */
#define TT_DEPTH	0x3f
#define TT_PLUS_DONE	0x40

void *topic_trie_match(const struct topic_trie *t, const char *topic,
		       size_t len, bool (*accept)(void *value, void *ctx),
		       void *ctx)
{
	/*
	 * The way back: the nodes on the current path that still have a "+"
	 * child or "#" entries to try, deepest last, at most one per depth.
	 */
	const struct topic_trie_node *back[TOPIC_TRIE_MAX_LEVELS + 1];
	u8 back_state[TOPIC_TRIE_MAX_LEVELS + 1];
	struct tt_level lv[TOPIC_TRIE_MAX_LEVELS + 1];
	const struct topic_trie_node *n, *c;
	u32 d = 0, top = 0, scanned = 0, next = 0, dollar;
	void *v;

	if (!len || len > TOPIC_MAX_LEN)
		return NULL;
	n = rcu_dereference(t->root);
	if (!n)
		return NULL;
	/* MQTT 4.7.2: no "+" or "#" first level for "$..." topics */
	dollar = topic[0] == '$';	/* 1: none at depth 0 */
	for (;;) {
		/*
		 * Down: at node @n for the first @d levels. Levels are found
		 * in order, each once; the topic ends at depth @scanned once
		 * @next is past its end.
		 */
		if (d == scanned) {
			if (next > len) {
				/* the topic ends here: "a/b", then "a/b/#" */
				v = tt_first(rcu_dereference(n->exact), accept,
					     ctx);
				if (!v)
					v = tt_first(rcu_dereference(n->hash),
						     accept, ctx);
				if (v)
					return v;
				goto up;
			}
			tt_level(topic, len, next, &lv[d]);
			scanned++;
			next += lv[d].len + 1;
		}
		if ((rcu_access_pointer(n->plus) || rcu_access_pointer(n->hash)) &&
		    d >= dollar) {
			back[top] = n;
			back_state[top] = d;
			top++;
		}
		c = tt_lookup(n, topic, &lv[d]);
		/* filters have at most TOPIC_TRIE_MAX_LEVELS levels */
		if (c && d < TOPIC_TRIE_MAX_LEVELS) {
			n = c;
			d++;
			continue;
		}
up:
		/* Back up: the "+" child, then the "#" entries, of each. */
		for (;;) {
			if (!top)
				return NULL;
			n = back[top - 1];
			d = back_state[top - 1] & TT_DEPTH;
			if (!(back_state[top - 1] & TT_PLUS_DONE)) {
				back_state[top - 1] |= TT_PLUS_DONE;
				c = rcu_dereference(n->plus);
				if (c && likely(d < TOPIC_TRIE_MAX_LEVELS)) {
					n = c;
					d++;
					break;
				}
			}
			top--;
			v = tt_first(rcu_dereference(n->hash), accept, ctx);
			if (v)
				return v;
		}
	}
}
