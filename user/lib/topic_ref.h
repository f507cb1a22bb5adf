/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A deliberately simple reference for the topic-filter trie
 * (kmod/rules/topic_trie.h): a flat array of (filter, priority, value)
 * entries, a plain filter-matches-topic function and the "most specific
 * filter wins" order written out on its own. It shares no code with the
 * trie beyond topic_filter_check(); the unit tests and the fuzzer check the
 * trie against it, and the benchmark uses it as the linear scan.
 *
 * Same contract as the trie: the same limits, errors in the same order,
 * the same decision order, accept() called on candidates in that order.
 * Userspace only, single-threaded. Matching costs O(entries) for each
 * candidate offered to accept().
 */
#ifndef IOTGW_TOPIC_REF_H
#define IOTGW_TOPIC_REF_H

#include "proto/topic.h"

/* The trie's limits, restated (the tests assert they agree). */
#define TOPIC_REF_MAX_LEVELS		32
#define TOPIC_REF_MAX_LEVEL_LEN		255
#define TOPIC_REF_MAX_FILTER_LEN	1024

struct topic_ref_entry {
	char *filter;		/* a copy, not terminated */
	size_t len;
	u32 priority;
	u64 seq;		/* insertion order */
	void *value;
};

struct topic_ref {
	struct topic_ref_entry *v;
	size_t count;
	size_t cap;
	u64 next_seq;
};

void topic_ref_init(struct topic_ref *r);
void topic_ref_destroy(struct topic_ref *r);

/* 0, -ENAMETOOLONG, -EINVAL (*reason set), -E2BIG, -ENAMETOOLONG. */
int topic_ref_check_filter(const char *filter, size_t len,
			   enum topic_err *reason);
/* Adds -EINVAL (NULL value), -EEXIST (value present), -ENOMEM. */
int topic_ref_insert(struct topic_ref *r, const char *filter, size_t len,
		     u32 priority, void *value, enum topic_err *reason);
/* Adds -ENOENT. */
int topic_ref_remove(struct topic_ref *r, const char *filter, size_t len,
		     const void *value);

/* Does @filter (valid) match @topic? MQTT 4.7, including the '$' rule. */
bool topic_ref_filter_matches(const char *filter, size_t flen,
			      const char *topic, size_t tlen);

/*
 * Order two filters that match the same topic: < 0 if @a is more specific
 * (goes first), > 0 if @b is, 0 if they have the same shape (which, for
 * two filters matching one topic, means the same filter).
 */
int topic_ref_filter_cmp(const char *a, size_t alen,
			 const char *b, size_t blen);

/* The first value in decision order that @accept (NULL: any) takes. */
void *topic_ref_match(const struct topic_ref *r, const char *topic,
		      size_t len, bool (*accept)(void *value, void *ctx),
		      void *ctx);

/*
 * The number of distinct prefixes of non-"#" levels (the empty prefix
 * included) over all filters, 0 if there are none: the nodes a trie with
 * one node per prefix must hold. For checking that removal prunes.
 */
size_t topic_ref_node_count(const struct topic_ref *r);

#endif /* IOTGW_TOPIC_REF_H */
