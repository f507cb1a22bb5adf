/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which device a command's path goes to. First the [device] sections, in
 * file order: the first whose path filter matches. Else the kernel's
 * device table (IOTGW_CMD_DEVICE_GET): for a path of two levels or more,
 * the devices whose last uplink topic lies under the path's levels but
 * the last (cabinet/7/door: a topic cabinet/7 or cabinet/7/...), the one
 * sharing the most levels with the path winning, then the one heard from
 * last. A path of one level is routed by [device] sections only.
 */
#ifndef IOTGWD_ROUTE_H
#define IOTGWD_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coap_text.h"
#include "config.h"

/* How long a device table read from the kernel is used. */
#define ROUTE_TABLE_MAX_AGE_MS	1000

/* One device of the kernel's table. */
struct route_device {
	struct coap_address addr;	/* the port is the one it sent from */
	char *topic;			/* the topic it sent last */
	uint32_t age_ms;		/* since then, when the table was read */
};

struct route_table {
	struct route_device *devices;
	size_t n, size;
};

/* Add a copy of @d (its topic copied). Returns 0 or -ENOMEM. */
int route_table_add(struct route_table *t, const struct route_device *d);
void route_table_clear(struct route_table *t);

enum route_source {
	ROUTE_NONE,		/* unroutable */
	ROUTE_SECTION,		/* a [device] section */
	ROUTE_TABLE,		/* the kernel's device table */
};

struct route {
	enum route_source source;
	struct coap_address addr;
	/* The [device] section's name or the table device's topic. */
	const char *via;
};

/* By the [device] sections: true with *out when one matches @path. */
bool route_by_section(const struct config *cfg, const char *path,
		      struct route *out);

/* Whether the device table could route @path: two levels or more. */
bool route_table_can_route(const char *path);

/*
 * By the device table: true with *out when a device serves @path. The
 * request goes to @device_port, or (0) the port the device sent from.
 */
bool route_by_table(const struct route_table *t, const char *path,
		    int device_port, struct route *out);

/* Why @path cannot be routed, for the answer. */
void route_unroutable_text(const char *path, char *buf, size_t len);

#endif /* IOTGWD_ROUTE_H */
