/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_DEDUP_H
#define _IOTGW_DEDUP_H

#include <linux/in6.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#define IOTGW_DEDUP_BUCKETS	4096
/* RFC 7252 4.8.2: how long a message ID is remembered. */
#define IOTGW_EXCHANGE_LIFETIME	(247 * HZ)

/*
 * CoAP exchanges a namespace remembers, to recognise a sensor's
 * retransmissions by (source address, port, message ID) and answer them
 * as the first time. Bounded by config dedup-max; the oldest go first.
 */
struct iotgw_dedup {
	spinlock_t lock;		/* everything below */
	struct hlist_head buckets[IOTGW_DEDUP_BUCKETS];
	struct list_head age;		/* oldest first */
	u32 count;
	u32 seed;
};

/* What a remembered exchange says about a new copy of its message. */
enum iotgw_dedup_state {
	IOTGW_DEDUP_NEW,	/* first seen: remembered now, in progress */
	IOTGW_DEDUP_BUSY,	/* the first copy is still being decided */
	IOTGW_DEDUP_ANSWERED,	/* seen: *code is the answer it got */
};

void iotgw_dedup_init(struct iotgw_dedup *d);
void iotgw_dedup_destroy(struct iotgw_dedup *d);

/*
 * Look up (@addr, @port, @mid); remember it if new, making room under
 * @max entries (*evicted counts the exchanges forgotten for it, at most
 * 64 a call). Atomic context. NEW without memory or room too (then
 * iotgw_dedup_answer() is a no-op).
 */
enum iotgw_dedup_state iotgw_dedup_check(struct iotgw_dedup *d,
					 const struct in6_addr *addr,
					 __be16 port, u16 mid, u32 max,
					 u8 *code, u32 *evicted);

/* Whether (@addr, @port, @mid) is remembered (answered or not). */
bool iotgw_dedup_seen(struct iotgw_dedup *d, const struct in6_addr *addr,
		      __be16 port, u16 mid);

/* The answer given to the exchange iotgw_dedup_check() found NEW. */
void iotgw_dedup_answer(struct iotgw_dedup *d, const struct in6_addr *addr,
			__be16 port, u16 mid, u8 code);

/* Forget it: the message was not taken, a retransmission may try again. */
void iotgw_dedup_forget(struct iotgw_dedup *d, const struct in6_addr *addr,
			__be16 port, u16 mid);

#endif /* _IOTGW_DEDUP_H */
