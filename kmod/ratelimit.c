// SPDX-License-Identifier: GPL-2.0
/* Token buckets: the ratelimit action's, and the event sampler's. */
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/time64.h>

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

bool iotgw_ratelimit_allow(struct iotgw_ratelimit *rl)
{
	u64 now = ktime_get_ns();
	bool ok = false;

	spin_lock(&rl->lock);
	rl->credit = min(rl->max, rl->credit + (now - rl->last));
	rl->last = now;
	if (rl->credit >= rl->cost) {
		rl->credit -= rl->cost;
		ok = true;
	}
	spin_unlock(&rl->lock);
	return ok;
}
