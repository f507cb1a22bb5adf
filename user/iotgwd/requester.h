/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The downlink's generic netlink socket, not the queue consumer's:
 * IOTGW_CMD_COAP_REQUEST out, its reply { ID, MID, TOKEN } or refusal
 * back, and the kernel's unsolicited IOTGW_CMD_COAP_RESULT (sequence
 * number 0, unicast to the socket that asked); IOTGW_CMD_DEVICE_GET
 * dumps and IOTGW_CMD_CONFIG_GET too. Non-blocking, read in the daemon's
 * poll loop; every request carries a sequence number its caller chose,
 * which its reply, refusal or dump carries back. A result may come
 * before the reply of its request. When the socket is closed, the
 * kernel gives up the requests it made.
 */
#ifndef IOTGWD_REQUESTER_H
#define IOTGWD_REQUESTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coap_text.h"
#include "iotgw_replies.h"
#include "route.h"

#define REQUESTER_RCVBUF	(2 << 20)
/* The kernel's deadline with its default parameters (MAX_TRANSMIT_WAIT). */
#define REQUESTER_DEFAULT_DEADLINE_MS	93000

struct requester;

/* A CoAP request for the kernel to send. */
struct coap_request {
	struct coap_address addr;
	bool confirmable;
	uint8_t method;
	const char *path;		/* NULL or "": none */
	int content_format;		/* -1: none */
	const void *payload;
	size_t payload_len;
	uint64_t cookie;
	uint32_t timeout_ms;		/* 0: the kernel's deadline */
};

struct requester_events {
	/* COAP_REQUEST @seq taken: the kernel's id for it. */
	void (*on_accepted)(uint32_t seq, uint64_t kernel_id, void *arg);
	/* Request @seq refused (or a dump failed at once). */
	void (*on_error)(uint32_t seq, int error, const char *extack,
			 void *arg);
	/* A result; its status is one of enum iotgw_coap_status. */
	void (*on_result)(const struct iotgw_coap_result *r, void *arg);
	/* One device of dump @seq (d->topic points into the message). */
	void (*on_device)(uint32_t seq, const struct route_device *d,
			  void *arg);
	/* Dump @seq is complete, or failed with @error. */
	void (*on_dump_done)(uint32_t seq, int error, const char *extack,
			     void *arg);
	/* CONFIG_GET @seq: the kernel's deadline without TIMEOUT_MS. */
	void (*on_deadline)(uint32_t seq, uint64_t deadline_ms, void *arg);
};

struct requester *requester_open(int family, const struct requester_events *ev,
				 void *arg, char *err, size_t errlen);
void requester_close(struct requester *rq);
int requester_fd(const struct requester *rq);

/* Read what the socket holds. Returns 0, or -EBADF if it broke. */
int requester_receive(struct requester *rq);

/* Send a request with sequence number @seq. 0, or a negative errno. */
int requester_submit(struct requester *rq, const struct coap_request *req,
		     uint32_t seq);
int requester_dump_devices(struct requester *rq, uint32_t seq);
int requester_get_config(struct requester *rq, uint32_t seq);

#endif /* IOTGWD_REQUESTER_H */
