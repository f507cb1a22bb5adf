/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parsers and the topic trie may use, in the kernel and in the
 * userspace build (unit tests, fuzzers, benchmarks) alike. Code under
 * kmod/proto/ and kmod/rules/ includes this header and nothing else from
 * the kernel or libc, so that the same source builds in both places; the
 * userspace half lives in user/lib/compat_user.h.
 */
#ifndef _IOTGW_COMPAT_H
#define _IOTGW_COMPAT_H

#ifdef __KERNEL__

#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/unaligned.h>

/* Writers (process context, under the caller's lock) allocate with this. */
static inline void *iotgw_zalloc(size_t size)
{
	return kzalloc(size, GFP_KERNEL);
}

/* Free after every RCU reader that could see @ptr has finished. */
#define iotgw_free_rcu(ptr, field) kfree_rcu(ptr, field)
#define iotgw_free(ptr) kfree(ptr)

#else

/* The userspace build (unit tests, fuzzers, benchmarks): user/lib/. */
#include "compat_user.h"

#endif /* __KERNEL__ */

#endif /* _IOTGW_COMPAT_H */
