/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The topic-filter trie: maps MQTT topic filters (with "+" and "#", see
 * ../proto/topic.h) to rule values, and finds the most specific rule for a
 * topic in time that depends on the topic, not on the number of rules.
 *
 * Entries
 *
 *   An entry is (filter, priority, value). Several entries may share one
 *   filter (rules for different protocols or hooks on the same filter). A
 *   value pointer is in the trie at most once, whatever its filter: a
 *   second insert of it fails with -EEXIST. topic_trie_remove(filter, value)
 *   removes exactly that entry. NULL is not a valid value.
 *
 * Decision order
 *
 *   topic_trie_match() visits the entries whose filter matches the topic in
 *   decision order and returns the first value that accept(value, ctx)
 *   takes (every value if accept is NULL), or NULL. The most specific
 *   filter wins:
 *
 *   1. Filters are compared level by level from the left; at the first
 *      level where they differ, a literal level beats "+", and "+" beats
 *      "#".
 *   2. A filter that matches the topic exactly, level for level, beats
 *      "x/#" matching the same topic with "#" standing for zero levels
 *      ("sport/#" also matches "sport", but "sport" wins there).
 *   3. Between entries of the same filter, the higher priority wins, then
 *      the earlier insertion.
 *
 *   Two different filters that match the same topic always differ at some
 *   level by rule 1 or 2, so the order is total. Topics that start with
 *   '$' are not matched by filters whose first level is "+" or "#" (MQTT
 *   3.1.1 section 4.7.2): "$SYS/#" matches "$SYS/x", "#" and "+/x" do not.
 *   Empty levels ("a//b", "/a", "a/") are ordinary levels: "+" matches an
 *   empty level, a literal empty level matches only an empty level.
 *   Topics are compared byte for byte; the caller validates them with
 *   topic_name_check(). An empty topic or one longer than TOPIC_MAX_LEN
 *   matches nothing.
 *
 * Limits and errors
 *
 *   Filters are checked in this order; the first failure is returned:
 *     -ENAMETOOLONG  longer than TOPIC_TRIE_MAX_FILTER_LEN bytes
 *     -EINVAL        not a valid filter; *reason says why (topic_err_str())
 *     -E2BIG         more than TOPIC_TRIE_MAX_LEVELS levels ("#" counts)
 *     -ENAMETOOLONG  a level longer than TOPIC_TRIE_MAX_LEVEL_LEN bytes
 *   then insert fails with -EINVAL (reason TOPIC_OK) for a NULL value,
 *   -EEXIST for a value already in the trie, -ENOMEM; remove fails with
 *   -ENOENT if the filter has no entry with that value. A failed call
 *   leaves the trie as it was. topic_trie_strerror() words these for
 *   extack.
 *
 * Concurrency
 *
 *   Readers call topic_trie_match() under rcu_read_lock(), which the
 *   caller takes; match never blocks, allocates or writes shared memory,
 *   and may run in softirq context (the netfilter fast path). Writers
 *   (insert, remove, destroy) are serialized by the caller's mutex and run
 *   in process context; they publish with rcu_assign_pointer() and free
 *   whatever a reader may still see with iotgw_free_rcu() (kfree_rcu), so
 *   readers need no lock. A reader that races with a writer sees the trie
 *   either before or after each single insert or remove of the entry it
 *   concerns; other entries are unaffected. accept() is called under the
 *   caller's rcu_read_lock() and must not block either. destroy() frees
 *   everything; call it once no reader can reach the trie any more.
 *
 * Structure and cost
 *
 *   One node per distinct filter prefix of non-"#" levels (the root is the
 *   empty prefix). A node holds its literal children in an open-addressed
 *   hash table (linear probing, at most half full counting deleted slots;
 *   grown and shrunk copy-on-write, the old table freed after a grace
 *   period), its "+" child, and two entry lists sorted in decision order:
 *   filters ending at the node, and filters ending at the node with "/#".
 *   Removing a node's last entry frees the node and every ancestor left
 *   empty; an empty trie holds no memory.
 *
 *   Memory (64-bit): a node is 56 bytes plus its level's name (kmalloc
 *   rounds up: 64 bytes for levels up to 8 bytes), an entry 40 bytes
 *   (kmalloc-64); a literal child takes 2 to 4 eight-byte slots in its
 *   parent's table while the table grows, up to 8 before it shrinks (a
 *   32-byte header per table); the writers' value index takes 1.3 to 2.7
 *   eight-byte slots per entry while growing, up to 8 before it shrinks.
 *   Tables are single allocations: 10,000 children under one node take a
 *   256 KiB table.
 *
 *   Match: each topic level is found and hashed once, when the walk first
 *   reaches its depth (O(topic length) in all). The walk is depth first
 *   and visits each trie node at most once: at a node it takes the literal
 *   child (one hash lookup: expected one or two probes, at most the
 *   longest run of occupied slots), and on the way back the "+" child,
 *   then the "#" entries; where the topic ends, the node's exact entries,
 *   then its "#" entries. That is decision order, and the walk stops at
 *   the first accepted value. Nodes visited: at most 2^(n+1) - 1 for a
 *   topic of n levels (n capped at TOPIC_TRIE_MAX_LEVELS: a literal and a
 *   "+" child per level), and never more than the trie holds; with no "+"
 *   filters on the way, n + 1. Entries visited: those whose filter matches,
 *   each once, up to the first accepted one. Rules that do not match the
 *   topic cost nothing. The walk keeps its way back in fixed arrays for
 *   TOPIC_TRIE_MAX_LEVELS + 1 depths (about 650 bytes of stack on 64-bit),
 *   only for nodes that have a "+" child or "#" entries.
 *
 *   A reader that races with writers may be offered a value twice if its
 *   entry is removed and inserted again during the one match.
 */
#ifndef _IOTGW_RULES_TOPIC_TRIE_H
#define _IOTGW_RULES_TOPIC_TRIE_H

#include "../compat.h"
#include "../proto/topic.h"

#define TOPIC_TRIE_MAX_LEVELS		32	/* levels in a filter */
#define TOPIC_TRIE_MAX_LEVEL_LEN	255	/* bytes in a filter level */
#define TOPIC_TRIE_MAX_FILTER_LEN	1024	/* bytes in a filter */

struct topic_trie_node;
struct topic_trie_vindex;

struct topic_trie {
	struct topic_trie_node __rcu *root;	/* NULL when empty */
	/* The rest is the writers' alone. */
	struct topic_trie_vindex *values;	/* every value, for -EEXIST */
	u32 nodes;				/* nodes allocated */
	u32 entries;				/* entries inserted */
};

/* An empty trie; it holds no memory until the first insert. */
void topic_trie_init(struct topic_trie *t);

/*
 * The checks insert and remove apply to a filter, on their own (for
 * validating a rule before taking the writers' mutex). Returns 0 or a
 * negative errno as above; *reason (if not NULL) is the topic_filter_check
 * result for -EINVAL, TOPIC_OK otherwise.
 */
int topic_trie_check_filter(const char *filter, size_t len,
			    enum topic_err *reason);

/* Writer side: the caller's mutex held, process context. */
int __must_check topic_trie_insert(struct topic_trie *t, const char *filter,
				   size_t len, u32 priority, void *value,
				   enum topic_err *reason);
int topic_trie_remove(struct topic_trie *t, const char *filter, size_t len,
		      const void *value);
void topic_trie_destroy(struct topic_trie *t);

/* Reader side: under rcu_read_lock(). @accept may be NULL (take any). */
void *topic_trie_match(const struct topic_trie *t, const char *topic,
		       size_t len, bool (*accept)(void *value, void *ctx),
		       void *ctx);

/* Counters for statistics and tests (writer side, or racy reads). */
static inline u32 topic_trie_node_count(const struct topic_trie *t)
{
	return READ_ONCE(t->nodes);
}

static inline u32 topic_trie_entry_count(const struct topic_trie *t)
{
	return READ_ONCE(t->entries);
}

/* A short English message for an error from insert/remove/check_filter. */
const char *topic_trie_strerror(int err, enum topic_err reason);

#endif /* _IOTGW_RULES_TOPIC_TRIE_H */
