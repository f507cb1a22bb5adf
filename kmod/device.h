/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_DEVICE_H
#define _IOTGW_DEVICE_H

#include <linux/list.h>
#include <linux/rculist.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <net/ipv6.h>

#define IOTGW_DEVICE_HASH_BITS	10

/* One device: an address and port that sent requests with a topic. */
struct iotgw_device {
	struct hlist_node node;		/* in iotgw_devices.hash, RCU */
	struct list_head lru;		/* in iotgw_devices.lru, under lock */
	struct rcu_head rcu;
	struct in6_addr addr;		/* IPv4 mapped into IPv6 */
	__be16 port;
	u8 proto;			/* enum iotgw_proto */
	unsigned long last_seen;	/* jiffies, written without the lock */
	unsigned long lru_moved;	/* jiffies, under lock */
	u64 packets;			/* approximate: racy increments */
	u16 topic_len;
	char topic[];
};

/*
 * Which device sent which topic last, learned in the fast path. Readers
 * walk the hash under RCU; writers hold the lock, which the fast path
 * takes only for a new device, a new topic, or to refresh the LRU order
 * (at most once a second per device).
 */
struct iotgw_devices {
	spinlock_t lock;		/* writers; BH */
	struct list_head lru;		/* least recently seen first */
	unsigned int count;
	u32 seed;
	struct hlist_head hash[1 << IOTGW_DEVICE_HASH_BITS];
};

void iotgw_devices_init(struct iotgw_devices *devs);
void iotgw_devices_destroy(struct iotgw_devices *devs);

/*
 * @addr:@port sent a message on @topic (@len bytes) of @proto. Softirq or
 * bottom halves off, under rcu_read_lock(). Keeps at most @max devices.
 */
void iotgw_device_seen(struct iotgw_devices *devs, const struct in6_addr *addr,
		       __be16 port, u8 proto, const char *topic, size_t len,
		       unsigned int max);

/* Keep at most @max devices (config change). */
void iotgw_devices_trim(struct iotgw_devices *devs, unsigned int max);

#endif /* _IOTGW_DEVICE_H */
