// SPDX-License-Identifier: GPL-2.0
/*
 * A namespace's rules: by name for the netlink API, in order for dumps,
 * and in the topic trie for the fast path, which reads them under RCU.
 */
#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "rules.h"

struct iotgw_match_ctx {
	u8 proto;
	u8 hook;
};

void iotgw_rules_init(struct iotgw_rules *rules)
{
	int i;

	topic_trie_init(&rules->trie);
	INIT_LIST_HEAD(&rules->list);
	for (i = 0; i < IOTGW_RULE_NAME_BUCKETS; i++)
		INIT_HLIST_HEAD(&rules->names[i]);
	rules->count = 0;
	rules->ingest = 0;
	rules->next_id = 1;
}

static struct hlist_head *iotgw_rule_bucket(struct iotgw_rules *rules,
					    const char *name)
{
	u32 h = jhash(name, strlen(name), 0);

	return &rules->names[h % IOTGW_RULE_NAME_BUCKETS];
}

struct iotgw_rule *iotgw_rule_alloc(const char *name, const char *filter,
				    size_t filter_len)
{
	struct iotgw_rule *rule;

	if (filter_len > IOTGW_FILTER_MAX)
		return NULL;
	rule = kzalloc(struct_size(rule, filter, filter_len), GFP_KERNEL);
	if (!rule)
		return NULL;
	rule->stats = iotgw_rule_stats_alloc();
	if (!rule->stats) {
		kfree(rule);
		return NULL;
	}
	strscpy(rule->name, name, sizeof(rule->name));
	memcpy(rule->filter, filter, filter_len);
	rule->filter_len = filter_len;
	INIT_LIST_HEAD(&rule->list);
	INIT_HLIST_NODE(&rule->name_node);
	return rule;
}

void iotgw_rule_free(struct iotgw_rule *rule)
{
	iotgw_ratelimit_srcs_free(rule->srcs);
	free_percpu(rule->stats);
	kfree(rule);
}

static void iotgw_rule_free_rcu(struct rcu_head *head)
{
	iotgw_rule_free(container_of(head, struct iotgw_rule, rcu));
}

struct iotgw_rule *iotgw_rule_find(struct iotgw_rules *rules,
				   const char *name)
{
	struct iotgw_rule *rule;

	hlist_for_each_entry(rule, iotgw_rule_bucket(rules, name), name_node)
		if (!strcmp(rule->name, name))
			return rule;
	return NULL;
}

/* Take @rule out of every index; it is freed after a grace period. */
static void iotgw_rule_unlink(struct iotgw_rules *rules,
			      struct iotgw_rule *rule)
{
	WARN_ON_ONCE(topic_trie_remove(&rules->trie, rule->filter,
				       rule->filter_len, rule));
	hlist_del(&rule->name_node);
	list_del(&rule->list);
	rules->count--;
	if (rule->action == IOTGW_ACTION_INGEST)
		WRITE_ONCE(rules->ingest, rules->ingest - 1);
	call_rcu(&rule->rcu, iotgw_rule_free_rcu);
}

int iotgw_rule_add(struct iotgw_rules *rules, struct iotgw_rule *rule,
		   bool replace, u32 max, enum topic_err *reason)
{
	struct iotgw_rule *old = iotgw_rule_find(rules, rule->name);
	int err;

	if (old && !replace)
		return -EEXIST;
	if (!old && rules->count >= max)
		return -ENOSPC;

	/* The new rule is visible before the old one goes. */
	err = topic_trie_insert(&rules->trie, rule->filter, rule->filter_len,
				rule->priority, rule, reason);
	if (err)
		return err;

	rule->id = rules->next_id++;
	if (old) {
		/* Keep the old rule's place in dumps. */
		list_add(&rule->list, &old->list);
		iotgw_rule_unlink(rules, old);
	} else {
		list_add_tail(&rule->list, &rules->list);
	}
	hlist_add_head(&rule->name_node, iotgw_rule_bucket(rules, rule->name));
	rules->count++;
	if (rule->action == IOTGW_ACTION_INGEST)
		WRITE_ONCE(rules->ingest, rules->ingest + 1);
	return 0;
}

int iotgw_rule_del(struct iotgw_rules *rules, const char *name)
{
	struct iotgw_rule *rule = iotgw_rule_find(rules, name);

	if (!rule)
		return -ENOENT;
	iotgw_rule_unlink(rules, rule);
	return 0;
}

void iotgw_rules_flush(struct iotgw_rules *rules)
{
	struct iotgw_rule *rule, *tmp;

	list_for_each_entry_safe(rule, tmp, &rules->list, list)
		iotgw_rule_unlink(rules, rule);
}

static bool iotgw_rule_covers(void *value, void *arg)
{
	const struct iotgw_rule *rule = value;
	const struct iotgw_match_ctx *ctx = arg;

	return (rule->proto == IOTGW_PROTO_ANY || rule->proto == ctx->proto) &&
	       (rule->hook == IOTGW_HOOK_ANY || rule->hook == ctx->hook);
}

struct iotgw_rule *iotgw_rules_match(struct iotgw_rules *rules,
				     const char *topic, size_t len,
				     u8 proto, u8 hook)
{
	struct iotgw_match_ctx ctx = { .proto = proto, .hook = hook };

	return topic_trie_match(&rules->trie, topic, len, iotgw_rule_covers,
				&ctx);
}
