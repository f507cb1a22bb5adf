/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_RULES_H
#define _IOTGW_RULES_H

#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <uapi/linux/iotgw.h>

#include "ratelimit.h"
#include "rules/topic_trie.h"
#include "stats.h"

#define IOTGW_RULE_NAME_BUCKETS 256

/* One rule. Immutable once added, but for its counters and bucket. */
struct iotgw_rule {
	struct list_head list;		/* iotgw_rules.list, in order added */
	struct hlist_node name_node;	/* iotgw_rules.names */
	struct rcu_head rcu;
	u64 id;				/* order added, for resuming dumps */
	u8 proto;			/* enum iotgw_proto */
	u8 hook;			/* enum iotgw_hook */
	u8 action;			/* enum iotgw_action */
	bool has_mark;
	bool has_skb_priority;
	bool has_qos;
	u8 qos;				/* CAPTURE, INGEST */
	u8 confirm;			/* INGEST: enum iotgw_confirm */
	u32 flags;			/* IOTGW_RULE_F_* */
	u32 priority;
	u32 mark;
	u32 skb_priority;
	u32 rate;
	u32 burst;
	struct iotgw_ratelimit bucket;
	struct iotgw_ratelimit_srcs *srcs;	/* IOTGW_RULE_F_PER_SOURCE */
	struct iotgw_rule_stats __percpu *stats;
	char name[IOTGW_RULE_NAME_MAX];
	u16 filter_len;
	char filter[];			/* not NUL-terminated */
};

/* A namespace's rules. Writers hold iotgw_net.lock; readers use RCU. */
struct iotgw_rules {
	struct topic_trie trie;
	struct list_head list;
	struct hlist_head names[IOTGW_RULE_NAME_BUCKETS];
	u32 count;
	u32 ingest;			/* INGEST rules among them */
	u64 next_id;
};

void iotgw_rules_init(struct iotgw_rules *rules);

/* A rule with its filter copied in; the caller sets the other fields. */
struct iotgw_rule *iotgw_rule_alloc(const char *name, const char *filter,
				    size_t filter_len);
/* Free a rule that was never added. */
void iotgw_rule_free(struct iotgw_rule *rule);

struct iotgw_rule *iotgw_rule_find(struct iotgw_rules *rules,
				   const char *name);

/*
 * Add @rule (consumed on success). With @replace, a rule of the same name
 * is replaced: readers see the old rule or the new one, never neither.
 * Returns 0, -EEXIST, -ENOSPC (@max rules), or the trie's errors
 * (*reason set for a bad filter).
 */
int iotgw_rule_add(struct iotgw_rules *rules, struct iotgw_rule *rule,
		   bool replace, u32 max, enum topic_err *reason);
int iotgw_rule_del(struct iotgw_rules *rules, const char *name);
void iotgw_rules_flush(struct iotgw_rules *rules);

/* Under rcu_read_lock(): the rule deciding @topic, or NULL. */
struct iotgw_rule *iotgw_rules_match(struct iotgw_rules *rules,
				     const char *topic, size_t len,
				     u8 proto, u8 hook);

#endif /* _IOTGW_RULES_H */
