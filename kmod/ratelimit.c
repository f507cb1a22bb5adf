// SPDX-License-Identifier: GPL-2.0
/* Token buckets: the ratelimit action's, and the event sampler's. */
#include <linux/jhash.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/time64.h>
#include <net/ipv6.h>

#include "ratelimit.h"

void iotgw_ratelimit_init(struct iotgw_ratelimit *rl, u32 rate, u32 burst)
{
	spin_lock_init(&rl->lock);
	rl->cost = div_u64(NSEC_PER_SEC, max_t(u32, rate, 1));
	rl->max = rl->cost * max_t(u32, burst, 1);
	rl->credit = rl->max;	/* start with a full bucket */
	rl->last = ktime_get_ns();
}

void iotgw_ratelimit_set(struct iotgw_ratelimit *rl, u32 rate, u32 burst)
{
	spin_lock_bh(&rl->lock);
	rl->cost = div_u64(NSEC_PER_SEC, max_t(u32, rate, 1));
	rl->max = rl->cost * max_t(u32, burst, 1);
	rl->credit = min(rl->credit, rl->max);
	spin_unlock_bh(&rl->lock);
}

/* Refill a bucket of @max for the time since *@last, take @cost if held. */
static bool iotgw_tokens_take(u64 cost, u64 max, u64 *credit, u64 *last,
			      u64 now)
{
	*credit = min(max, *credit + (now - *last));
	*last = now;
	if (*credit < cost)
		return false;
	*credit -= cost;
	return true;
}

bool iotgw_ratelimit_allow(struct iotgw_ratelimit *rl)
{
	u64 now = ktime_get_ns();
	bool ok;

	spin_lock(&rl->lock);
	ok = iotgw_tokens_take(rl->cost, rl->max, &rl->credit, &rl->last, now);
	spin_unlock(&rl->lock);
	return ok;
}

/* One source's bucket. */
struct iotgw_ratelimit_src {
	struct hlist_node node;		/* iotgw_ratelimit_srcs.buckets */
	struct list_head lru;
	struct in6_addr addr;
	u64 credit;
	u64 last;
};

struct iotgw_ratelimit_srcs *iotgw_ratelimit_srcs_alloc(void)
{
	struct iotgw_ratelimit_srcs *srcs;
	int i;

	srcs = kzalloc(sizeof(*srcs), GFP_KERNEL);
	if (!srcs)
		return NULL;
	spin_lock_init(&srcs->lock);
	for (i = 0; i < IOTGW_RATELIMIT_SRC_BUCKETS; i++)
		INIT_HLIST_HEAD(&srcs->buckets[i]);
	INIT_LIST_HEAD(&srcs->lru);
	srcs->seed = get_random_u32();
	return srcs;
}

void iotgw_ratelimit_srcs_free(struct iotgw_ratelimit_srcs *srcs)
{
	struct iotgw_ratelimit_src *e, *tmp;

	if (!srcs)
		return;
	list_for_each_entry_safe(e, tmp, &srcs->lru, lru)
		kfree(e);
	kfree(srcs);
}

bool iotgw_ratelimit_allow_source(struct iotgw_ratelimit *rl,
				  struct iotgw_ratelimit_srcs *srcs,
				  const struct in6_addr *src)
{
	struct hlist_head *head;
	struct iotgw_ratelimit_src *e;
	u64 now = ktime_get_ns();
	bool ok;

	head = &srcs->buckets[jhash(src, sizeof(*src), srcs->seed) %
			      IOTGW_RATELIMIT_SRC_BUCKETS];
	spin_lock(&srcs->lock);
	hlist_for_each_entry(e, head, node)
		if (ipv6_addr_equal(&e->addr, src))
			goto found;
	if (srcs->count < IOTGW_RATELIMIT_SOURCES) {
		e = kmalloc(sizeof(*e), GFP_ATOMIC);
		if (!e) {
			spin_unlock(&srcs->lock);
			return iotgw_ratelimit_allow(rl);
		}
		srcs->count++;
	} else {
		/* full: the source seen longest ago makes room */
		e = list_first_entry(&srcs->lru, struct iotgw_ratelimit_src,
				     lru);
		hlist_del(&e->node);
		list_del(&e->lru);
	}
	e->addr = *src;
	/*
	 * A full bucket for a new source only as fast as the rule's own
	 * rate allows: sources beyond the table's size (or forged ones)
	 * must not each bring a burst of credit.
	 */
	e->credit = iotgw_ratelimit_allow(rl) ? rl->max : 0;
	e->last = now;
	hlist_add_head(&e->node, head);
	list_add_tail(&e->lru, &srcs->lru);
found:
	list_move_tail(&e->lru, &srcs->lru);
	ok = iotgw_tokens_take(rl->cost, rl->max, &e->credit, &e->last, now);
	spin_unlock(&srcs->lock);
	return ok;
}
