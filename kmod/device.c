// SPDX-License-Identifier: GPL-2.0
/*
 * The device table: the addresses and ports that send topics, learned from
 * uplink classification, so that downlink requests can find a device.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "device.h"

/* Bytes of topic a device entry keeps (the rest is cut). */
#define IOTGW_DEVICE_TOPIC_MAX	256

static u32 iotgw_device_hash(const struct iotgw_devices *devs,
			     const struct in6_addr *addr, __be16 port)
{
	return hash_32(jhash2((__force const u32 *)addr->s6_addr32, 4,
			      devs->seed ^ (__force u32)port),
		       IOTGW_DEVICE_HASH_BITS);
}

void iotgw_devices_init(struct iotgw_devices *devs)
{
	spin_lock_init(&devs->lock);
	INIT_LIST_HEAD(&devs->lru);
	devs->count = 0;
	devs->seed = get_random_u32();
	memset(devs->hash, 0, sizeof(devs->hash));
}

/* Under the lock. */
static void iotgw_device_remove(struct iotgw_devices *devs,
				struct iotgw_device *dev)
{
	hlist_del_rcu(&dev->node);
	list_del(&dev->lru);
	devs->count--;
	kfree_rcu(dev, rcu);
}

void iotgw_devices_trim(struct iotgw_devices *devs, unsigned int max)
{
	struct iotgw_device *dev, *tmp;

	spin_lock_bh(&devs->lock);
	list_for_each_entry_safe(dev, tmp, &devs->lru, lru) {
		if (devs->count <= max)
			break;
		iotgw_device_remove(devs, dev);
	}
	spin_unlock_bh(&devs->lock);
}

void iotgw_devices_destroy(struct iotgw_devices *devs)
{
	iotgw_devices_trim(devs, 0);
}

static struct iotgw_device *iotgw_device_find(struct hlist_head *head,
					      const struct in6_addr *addr,
					      __be16 port)
{
	struct iotgw_device *dev;

	hlist_for_each_entry_rcu(dev, head, node)
		if (dev->port == port && ipv6_addr_equal(&dev->addr, addr))
			return dev;
	return NULL;
}

/* Under the lock: a new entry for a new device, or a device's new topic. */
static void iotgw_device_insert(struct iotgw_devices *devs,
				struct hlist_head *head,
				const struct in6_addr *addr, __be16 port,
				u8 proto, const char *topic, size_t len,
				unsigned int max)
{
	struct iotgw_device *old, *dev;

	old = iotgw_device_find(head, addr, port);
	if (old && old->proto == proto && old->topic_len == len &&
	    !memcmp(old->topic, topic, len))
		return;		/* another CPU was first */
	dev = kmalloc(struct_size(dev, topic, len), GFP_ATOMIC);
	if (!dev)
		return;
	dev->addr = *addr;
	dev->port = port;
	dev->proto = proto;
	dev->last_seen = jiffies;
	dev->lru_moved = dev->last_seen;
	dev->packets = old ? READ_ONCE(old->packets) + 1 : 1;
	dev->topic_len = len;
	memcpy(dev->topic, topic, len);
	if (old) {
		hlist_replace_rcu(&old->node, &dev->node);
		list_del(&old->lru);
		kfree_rcu(old, rcu);
	} else {
		if (devs->count >= max)
			iotgw_device_remove(devs,
					    list_first_entry(&devs->lru,
							     struct iotgw_device,
							     lru));
		hlist_add_head_rcu(&dev->node, head);
		devs->count++;
	}
	list_add_tail(&dev->lru, &devs->lru);
}

void iotgw_device_seen(struct iotgw_devices *devs, const struct in6_addr *addr,
		       __be16 port, u8 proto, const char *topic, size_t len,
		       unsigned int max)
{
	struct hlist_head *head = &devs->hash[iotgw_device_hash(devs, addr,
								 port)];
	unsigned long now = jiffies;
	struct iotgw_device *dev;

	if (!max)
		return;
	len = min_t(size_t, len, IOTGW_DEVICE_TOPIC_MAX);
	dev = iotgw_device_find(head, addr, port);
	if (dev && dev->proto == proto && dev->topic_len == len &&
	    !memcmp(dev->topic, topic, len)) {
		WRITE_ONCE(dev->packets, READ_ONCE(dev->packets) + 1);
		if (READ_ONCE(dev->last_seen) != now)
			WRITE_ONCE(dev->last_seen, now);
		if (time_before(now, READ_ONCE(dev->lru_moved) + HZ))
			return;
		spin_lock(&devs->lock);
		/* still in the table: move it to the recent end */
		if (iotgw_device_find(head, addr, port) == dev) {
			list_move_tail(&dev->lru, &devs->lru);
			WRITE_ONCE(dev->lru_moved, now);
		}
		spin_unlock(&devs->lock);
		return;
	}
	spin_lock(&devs->lock);
	iotgw_device_insert(devs, head, addr, port, proto, topic, len, max);
	spin_unlock(&devs->lock);
}
