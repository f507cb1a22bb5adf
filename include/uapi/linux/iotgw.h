/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iotgw: generic netlink interface of the IoT gateway fast path.
 *
 * One generic netlink family, IOTGW_GENL_NAME, available in every network
 * namespace; all state it shows or changes belongs to the namespace of the
 * requesting socket. Every request is strictly validated: an attribute the
 * command does not take, or a value out of range, is refused with -EINVAL
 * and an extended ack message naming the attribute.
 *
 * Commands
 * --------
 * IOTGW_CMD_CONFIG_GET (do)
 *	Request: no attributes.
 *	Reply:   IOTGW_A_VERSION, IOTGW_A_CONFIG.
 *	Reports the module version and the namespace's current configuration.
 *	Needs no privilege.
 *
 * Attributes
 * ----------
 * IOTGW_A_VERSION (NLA_NUL_STRING, reply only)
 *	Module version, the same string as /sys/module/iotgw/version.
 * IOTGW_A_CONFIG (NLA_NESTED, enum iotgw_config_attr)
 *	The namespace's configuration:
 *	IOTGW_CONFIG_A_COAP_PORT	u16, UDP port classified as CoAP
 *					(default 5683)
 *	IOTGW_CONFIG_A_MQTT_PORT	u16, TCP port classified as MQTT
 *					(default 1883)
 *	IOTGW_CONFIG_A_MAX_RULES	u32, most rules the namespace holds
 *	IOTGW_CONFIG_A_FLOW_MAX		u32, most MQTT flows tracked at once
 *	IOTGW_CONFIG_A_FLOW_IDLE_MS	u32, idle time after which a flow is
 *					forgotten
 *	IOTGW_CONFIG_A_QUEUE_MAX_BYTES	u32, QoS queue byte limit
 *	IOTGW_CONFIG_A_QUEUE_MAX_MSGS	u32, QoS queue message limit
 */
#ifndef _UAPI_LINUX_IOTGW_H
#define _UAPI_LINUX_IOTGW_H

#define IOTGW_GENL_NAME		"iotgw"
#define IOTGW_GENL_VERSION	1

enum iotgw_cmd {
	IOTGW_CMD_UNSPEC,
	IOTGW_CMD_CONFIG_GET,

	__IOTGW_CMD_MAX
};

#define IOTGW_CMD_MAX (__IOTGW_CMD_MAX - 1)

enum iotgw_attr {
	IOTGW_A_UNSPEC,
	IOTGW_A_VERSION,
	IOTGW_A_CONFIG,

	__IOTGW_A_MAX
};

#define IOTGW_A_MAX (__IOTGW_A_MAX - 1)

enum iotgw_config_attr {
	IOTGW_CONFIG_A_UNSPEC,
	IOTGW_CONFIG_A_COAP_PORT,
	IOTGW_CONFIG_A_MQTT_PORT,
	IOTGW_CONFIG_A_MAX_RULES,
	IOTGW_CONFIG_A_FLOW_MAX,
	IOTGW_CONFIG_A_FLOW_IDLE_MS,
	IOTGW_CONFIG_A_QUEUE_MAX_BYTES,
	IOTGW_CONFIG_A_QUEUE_MAX_MSGS,

	__IOTGW_CONFIG_A_MAX
};

#define IOTGW_CONFIG_A_MAX (__IOTGW_CONFIG_A_MAX - 1)

#endif /* _UAPI_LINUX_IOTGW_H */
