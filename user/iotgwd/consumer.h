/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The queue consumer: its own generic netlink socket (non-blocking, a big
 * receive buffer, no sequence checks for the kernel's unsolicited
 * IOTGW_CMD_QUEUE_MSG), bound with IOTGW_CMD_QUEUE_BIND from that very
 * socket, since the kernel knows its consumer by port id. Acks and nacks
 * go out from it too, batched: flushed when CONSUMER_BATCH ids wait or
 * CONSUMER_FLUSH_MS after the first of them, whichever comes first. So do
 * rejects (IOTGW_CMD_QUEUE_REJECT, a CoAP code for the waiting sensors).
 */
#ifndef IOTGWD_CONSUMER_H
#define IOTGWD_CONSUMER_H

#include <stddef.h>
#include <stdint.h>

#include <netlink/msg.h>

#include "message.h"

#define CONSUMER_RCVBUF		(4 << 20)
#define CONSUMER_BATCH		256
#define CONSUMER_FLUSH_MS	10
#define CONSUMER_SYNC_TIMEOUT_MS 5000
#define CONSUMER_REJECT_CODE	0xa3	/* 5.03 Service Unavailable */

struct consumer;

/* A message arrived: @m is the callee's (queue_msg_free). */
typedef void (*consumer_msg_fn)(struct queue_msg *m, void *arg);

/* Open the socket for the family @family (resolved by iotgw_nl_open). */
struct consumer *consumer_open(int family, consumer_msg_fn on_msg, void *arg,
			       char *err, size_t errlen);
void consumer_close(struct consumer *c);
int consumer_fd(const struct consumer *c);

/*
 * QUEUE_BIND { CREDIT, RETRY_MS } and wait for the kernel's answer (the
 * messages that arrive meanwhile go to on_msg). Returns 0 or a negative
 * errno with the kernel's explanation in @err.
 */
int consumer_bind(struct consumer *c, uint32_t credit, uint32_t retry_ms,
		  char *err, size_t errlen);
/* QUEUE_UNBIND, likewise. */
int consumer_unbind(struct consumer *c, char *err, size_t errlen);

/* Read what the socket holds. Returns 0, or a negative errno if it broke. */
int consumer_receive(struct consumer *c);

/* Queue an ack or a nack for @id, flushing when the batch is full. */
void consumer_ack(struct consumer *c, uint64_t id, uint64_t now_ms);
void consumer_nack(struct consumer *c, uint64_t id, uint64_t now_ms);
/*
 * Queue a reject of @id: its sensor (IOTGW_MSG_A_CONFIRM) gets @code, a
 * CoAP 4.xx or 5.xx (class << 5 | detail), and the kernel drops it.
 */
void consumer_reject(struct consumer *c, uint64_t id, uint8_t code,
		     uint64_t now_ms);
/* Send every queued ack, nack and reject now. Returns 0 or a negative errno. */
int consumer_flush(struct consumer *c);
/* Flush if the oldest queued id waited CONSUMER_FLUSH_MS. */
void consumer_tick(struct consumer *c, uint64_t now_ms);
/* Milliseconds until consumer_tick() has work, -1 for none. */
int consumer_timeout_ms(const struct consumer *c, uint64_t now_ms);
/* Ids queued and not yet sent. */
size_t consumer_pending(const struct consumer *c);

/*
 * Parse one IOTGW_CMD_QUEUE_MSG. Returns 0 and a new *out, or -EINVAL
 * with *id set if the message had one (else 0), or -ENOMEM.
 */
int consumer_parse_msg(struct nl_msg *msg, struct queue_msg **out,
		       uint64_t *id, char *err, size_t errlen);

#endif /* IOTGWD_CONSUMER_H */
