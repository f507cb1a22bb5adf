/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's replies that iotgwctl and iotgwd both read, each parsed in
 * one place: the outcome of a downlink CoAP request (IOTGW_A_COAP_RESULT)
 * and one entry of the device table (IOTGW_A_DEVICE). Pointers in the
 * parsed structs point into the message, valid as long as it is.
 */
#ifndef IOTGW_REPLIES_H
#define IOTGW_REPLIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/msg.h>

/*
 * An IOTGW_CMD_COAP_RESULT message's IOTGW_A_COAP_RESULT. In this and
 * iotgw_device_entry an absent number reads as 0 unless said otherwise,
 * an absent flag as false.
 */
struct iotgw_coap_result {
	bool has_id;			/* false only after -EINVAL */
	uint64_t id;
	bool has_cookie;
	uint64_t cookie;
	uint8_t status;			/* enum iotgw_coap_status, or newer */
	uint32_t transmissions;
	uint32_t elapsed_ms;
	bool acked;
	uint8_t code;			/* RESPONSE: class << 5 | detail */
	bool separate;
	bool has_format;
	uint16_t content_format;
	bool has_max_age;
	uint32_t max_age;
	const uint8_t *payload;		/* NULL when absent */
	size_t payload_len;
};

/*
 * Read @msg's COAP_RESULT into @out. Returns 0, or -EINVAL when there is
 * none, an attribute is too short for its type, ID or STATUS is missing,
 * or a RESPONSE has no CODE. out->id is read first: after -EINVAL,
 * out->has_id says whether the result can be matched to its request.
 * A status enum iotgw_coap_status does not name is let through (iotgwctl
 * prints its number).
 */
int iotgw_parse_coap_result(struct nl_msg *msg, struct iotgw_coap_result *out);

/* An IOTGW_CMD_DEVICE_GET message's IOTGW_A_DEVICE. */
struct iotgw_device_entry {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* network order: 4 or 16 bytes of it */
	uint16_t port;			/* host order */
	uint8_t proto;			/* enum iotgw_proto; COAP when absent */
	const char *topic;		/* NULL when absent */
	uint64_t packets;
	uint32_t age_ms;
};

/*
 * Read @msg's DEVICE into @out. Returns 0; -EINVAL when there is none,
 * an attribute is too short for its type or a string is not terminated,
 * or FAMILY, ADDR or PORT is missing; -EAFNOSUPPORT when FAMILY is
 * neither AF_INET nor AF_INET6 or ADDR is not its length (4 or 16 bytes),
 * with the other fields read all the same.
 */
int iotgw_parse_device(struct nl_msg *msg, struct iotgw_device_entry *out);

#endif /* IOTGW_REPLIES_H */
