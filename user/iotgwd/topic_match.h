/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MQTT topic filters matched against topic names (MQTT 5.0 4.7): "+" is
 * one level, a last "#" the rest, none included ("a/#" matches "a"). The
 * daemon's own matching: [device] paths, command topics, reply topics.
 */
#ifndef IOTGWD_TOPIC_MATCH_H
#define IOTGWD_TOPIC_MATCH_H

#include <stdbool.h>
#include <stddef.h>

/* Whether @filter (a valid filter) matches @topic (a topic name). */
bool topic_match(const char *filter, const char *topic);

/* Levels of @topic: "a/b" 2, "a" 1, "" 1. */
size_t topic_levels(const char *topic);

/* The rest of @topic after its first @n levels, or NULL if it has fewer. */
const char *topic_skip_levels(const char *topic, size_t n);

#endif /* IOTGWD_TOPIC_MATCH_H */
