/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_RATELIMIT_H
#define _IOTGW_RATELIMIT_H

#include <linux/in6.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/*
 * A token bucket counted in nanoseconds of credit: each packet costs
 * NSEC_PER_SEC / rate, the bucket holds burst packets' worth and refills
 * with elapsed time.
 */
struct iotgw_ratelimit {
	spinlock_t lock;	/* protects credit and last */
	u64 credit;
	u64 last;
	u64 cost;
	u64 max;
};

void iotgw_ratelimit_init(struct iotgw_ratelimit *rl, u32 rate, u32 burst);

/* Change @rl's rate and burst; the credit it holds is kept, up to burst. */
void iotgw_ratelimit_set(struct iotgw_ratelimit *rl, u32 rate, u32 burst);

/* Whether one more packet is within the limit; takes its token if so. */
bool iotgw_ratelimit_allow(struct iotgw_ratelimit *rl);

/*
 * A rule's buckets per source address (IPv4 mapped into IPv6), for
 * "ratelimit per-source": at most IOTGW_RATELIMIT_SOURCES of them, a new
 * source taking the place of the one seen longest ago. A new source
 * starts with a full bucket if the rule's shared bucket has a token for
 * it (new sources come at most at the rule's rate), else an empty one.
 */
#define IOTGW_RATELIMIT_SOURCES		1024
#define IOTGW_RATELIMIT_SRC_BUCKETS	256

struct iotgw_ratelimit_srcs {
	spinlock_t lock;		/* everything below */
	struct hlist_head buckets[IOTGW_RATELIMIT_SRC_BUCKETS];
	struct list_head lru;		/* least recently seen first */
	u32 count;
	u32 seed;
};

/* Process context. NULL if out of memory. */
struct iotgw_ratelimit_srcs *iotgw_ratelimit_srcs_alloc(void);
void iotgw_ratelimit_srcs_free(struct iotgw_ratelimit_srcs *srcs);

/*
 * Whether one more packet from @src is within @rl's rate and burst, in
 * @src's own bucket (taking its token if so). Without memory for a new
 * source, @rl's shared bucket decides.
 */
bool iotgw_ratelimit_allow_source(struct iotgw_ratelimit *rl,
				  struct iotgw_ratelimit_srcs *srcs,
				  const struct in6_addr *src);

#endif /* _IOTGW_RATELIMIT_H */
