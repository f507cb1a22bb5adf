/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_RATELIMIT_H
#define _IOTGW_RATELIMIT_H

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

#endif /* _IOTGW_RATELIMIT_H */
