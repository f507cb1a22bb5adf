// SPDX-License-Identifier: GPL-2.0
/* Which device a command's path goes to. */
#include "route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topic_match.h"

int route_table_add(struct route_table *t, const struct route_device *d)
{
	struct route_device *slot;

	if (t->n == t->size) {
		size_t size = t->size ? t->size * 2 : 16;
		struct route_device *bigger;

		bigger = realloc(t->devices, size * sizeof(*bigger));
		if (!bigger)
			return -ENOMEM;
		t->devices = bigger;
		t->size = size;
	}
	slot = &t->devices[t->n];
	*slot = *d;
	slot->topic = strdup(d->topic ? d->topic : "");
	if (!slot->topic)
		return -ENOMEM;
	t->n++;
	return 0;
}

void route_table_clear(struct route_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->devices[i].topic);
	free(t->devices);
	*t = (struct route_table){ NULL, 0, 0 };
}

bool route_by_section(const struct config *cfg, const char *path,
		      struct route *out)
{
	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct device_cfg *d = &cfg->devices[i];

		if (!topic_match(d->path, path))
			continue;
		*out = (struct route){
			.source = ROUTE_SECTION, .addr = d->addr, .via = d->name,
		};
		return true;
	}
	return false;
}

bool route_table_can_route(const char *path)
{
	return topic_levels(path) >= 2;
}

/*
 * The levels @topic has in common with @path, from the first; 0 when it
 * does not hold all of @path's levels but the last.
 */
static size_t shared_levels(const char *topic, const char *path)
{
	size_t need = topic_levels(path) - 1, n = 0;
	const char *t = topic, *p = path;

	for (;;) {
		size_t tl = strcspn(t, "/"), pl = strcspn(p, "/");

		if (tl != pl || memcmp(t, p, tl))
			break;
		n++;
		if (!t[tl] || !p[pl])
			break;
		t += tl + 1;
		p += pl + 1;
	}
	return n >= need ? n : 0;
}

bool route_by_table(const struct route_table *t, const char *path,
		    int device_port, struct route *out)
{
	const struct route_device *best = NULL;
	size_t best_levels = 0;

	if (!route_table_can_route(path))
		return false;
	for (size_t i = 0; i < t->n; i++) {
		const struct route_device *d = &t->devices[i];
		size_t n = shared_levels(d->topic, path);

		if (!n)
			continue;
		if (!best || n > best_levels ||
		    (n == best_levels && d->age_ms < best->age_ms)) {
			best = d;
			best_levels = n;
		}
	}
	if (!best)
		return false;
	*out = (struct route){
		.source = ROUTE_TABLE, .addr = best->addr, .via = best->topic,
	};
	if (device_port)
		out->addr.port = (uint16_t)device_port;
	return true;
}

void route_unroutable_text(const char *path, char *buf, size_t len)
{
	if (!*path)
		snprintf(buf, len, "the command has no path");
	else if (!route_table_can_route(path))
		snprintf(buf, len,
			 "no device serves %s (a one-level path is routed by [device] sections only)",
			 path);
	else
		snprintf(buf, len, "no device serves %s", path);
}
