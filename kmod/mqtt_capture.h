/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_MQTT_CAPTURE_H
#define _IOTGW_MQTT_CAPTURE_H

#include <uapi/linux/iotgw.h>

#include "flow.h"
#include "netns.h"
#include "proto/mqtt.h"
#include "rules.h"

/*
 * A CAPTURE @rule decided the client's PUBLISH @ev on @flow (under its
 * lock): start copying it. The payload follows in PAYLOAD events, the
 * message is queued at END. Returns the verdict for the monitor: QUEUED
 * (so far), REFUSED (no memory, too large, or the copies being gathered
 * already hold QUEUE_MAX_BYTES), or DUPLICATE
 * (a QoS 2 PUBLISH sent again with DUP, captured before).
 */
enum iotgw_verdict iotgw_mqtt_capture_start(struct iotgw_net *in,
					    struct iotgw_flow *flow,
					    const struct mqtt_event *ev,
					    struct iotgw_rule *rule);

/* A PAYLOAD event of the PUBLISH being captured, if one is. */
void iotgw_mqtt_capture_data(struct iotgw_net *in, struct iotgw_flow *flow,
			     const struct mqtt_event *ev);

/* The flow goes away (under its lock): free what was being gathered. */
void iotgw_mqtt_capture_drop(struct iotgw_net *in, struct iotgw_flow *flow);

/* Under its lock: one that cannot be completed, let go and counted refused. */
void iotgw_mqtt_capture_abandon(struct iotgw_net *in, struct iotgw_flow *flow);

/* Its END: queue it. */
void iotgw_mqtt_capture_end(struct iotgw_net *in, struct iotgw_flow *flow);

#endif /* _IOTGW_MQTT_CAPTURE_H */
