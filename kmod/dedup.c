// SPDX-License-Identifier: GPL-2.0
/*
 * CoAP message deduplication (RFC 7252 4.5): a bounded table of recent
 * exchanges, each 64 bytes or so, forgotten after EXCHANGE_LIFETIME or
 * when room is needed, oldest first.
 */
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "dedup.h"

struct iotgw_exchange {
	struct hlist_node node;
	struct list_head age;
	struct in6_addr addr;
	unsigned long seen;		/* jiffies */
	__be16 port;
	u16 mid;
	u8 code;			/* answer given; 0: being decided */
};

void iotgw_dedup_init(struct iotgw_dedup *d)
{
	int i;

	spin_lock_init(&d->lock);
	for (i = 0; i < IOTGW_DEDUP_BUCKETS; i++)
		INIT_HLIST_HEAD(&d->buckets[i]);
	INIT_LIST_HEAD(&d->age);
	d->seed = get_random_u32();
}

static void iotgw_exchange_free(struct iotgw_dedup *d, struct iotgw_exchange *x)
{
	hlist_del(&x->node);
	list_del(&x->age);
	d->count--;
	kfree(x);
}

void iotgw_dedup_destroy(struct iotgw_dedup *d)
{
	struct iotgw_exchange *x, *tmp;

	spin_lock_bh(&d->lock);
	list_for_each_entry_safe(x, tmp, &d->age, age)
		iotgw_exchange_free(d, x);
	spin_unlock_bh(&d->lock);
}

static struct hlist_head *iotgw_dedup_bucket(struct iotgw_dedup *d,
					     const struct in6_addr *addr,
					     __be16 port, u16 mid)
{
	u32 h = jhash2((const u32 *)addr, 4,
		       d->seed ^ ((u32)(__force u16)port << 16 | mid));

	return &d->buckets[h & (IOTGW_DEDUP_BUCKETS - 1)];
}

/* Under d->lock. */
static struct iotgw_exchange *iotgw_dedup_find(struct iotgw_dedup *d,
					       const struct in6_addr *addr,
					       __be16 port, u16 mid)
{
	struct iotgw_exchange *x;

	hlist_for_each_entry(x, iotgw_dedup_bucket(d, addr, port, mid), node)
		if (x->mid == mid && x->port == port &&
		    ipv6_addr_equal(&x->addr, addr))
			return time_before(jiffies, x->seen +
					   IOTGW_EXCHANGE_LIFETIME) ? x : NULL;
	return NULL;
}

/*
 * Under d->lock: forget exchanges past their lifetime, 64 at most (the
 * lookup ignores the others until then).
 */
static void iotgw_dedup_expire(struct iotgw_dedup *d)
{
	struct iotgw_exchange *x, *tmp;
	int n = 64;

	list_for_each_entry_safe(x, tmp, &d->age, age) {
		if (!n-- ||
		    time_before(jiffies, x->seen + IOTGW_EXCHANGE_LIFETIME))
			break;
		iotgw_exchange_free(d, x);
	}
}

enum iotgw_dedup_state iotgw_dedup_check(struct iotgw_dedup *d,
					 const struct in6_addr *addr,
					 __be16 port, u16 mid, u32 max,
					 u8 *code, u32 *evicted)
{
	struct iotgw_exchange *x;
	enum iotgw_dedup_state st = IOTGW_DEDUP_NEW;

	*evicted = 0;
	spin_lock_bh(&d->lock);
	iotgw_dedup_expire(d);
	x = iotgw_dedup_find(d, addr, port, mid);
	if (x) {
		*code = x->code;
		st = x->code ? IOTGW_DEDUP_ANSWERED : IOTGW_DEDUP_BUSY;
		goto out;
	}
	if (!max)
		goto out;
	/* bounded: after dedup-max was lowered, a little at a time */
	while (d->count >= max && *evicted < 64) {
		iotgw_exchange_free(d, list_first_entry(&d->age,
							struct iotgw_exchange,
							age));
		(*evicted)++;
	}
	if (d->count >= max)
		goto out;
	x = kzalloc(sizeof(*x), GFP_ATOMIC);
	if (!x)
		goto out;
	x->addr = *addr;
	x->port = port;
	x->mid = mid;
	x->seen = jiffies;
	hlist_add_head(&x->node, iotgw_dedup_bucket(d, addr, port, mid));
	list_add_tail(&x->age, &d->age);
	d->count++;
out:
	spin_unlock_bh(&d->lock);
	return st;
}

bool iotgw_dedup_seen(struct iotgw_dedup *d, const struct in6_addr *addr,
		      __be16 port, u16 mid)
{
	bool seen;

	spin_lock_bh(&d->lock);
	iotgw_dedup_expire(d);
	seen = iotgw_dedup_find(d, addr, port, mid);
	spin_unlock_bh(&d->lock);
	return seen;
}

void iotgw_dedup_answer(struct iotgw_dedup *d, const struct in6_addr *addr,
			__be16 port, u16 mid, u8 code)
{
	struct iotgw_exchange *x;

	spin_lock_bh(&d->lock);
	x = iotgw_dedup_find(d, addr, port, mid);
	if (x)
		x->code = code;
	spin_unlock_bh(&d->lock);
}

void iotgw_dedup_forget(struct iotgw_dedup *d, const struct in6_addr *addr,
			__be16 port, u16 mid)
{
	struct iotgw_exchange *x;

	spin_lock_bh(&d->lock);
	x = iotgw_dedup_find(d, addr, port, mid);
	if (x)
		iotgw_exchange_free(d, x);
	spin_unlock_bh(&d->lock);
}
