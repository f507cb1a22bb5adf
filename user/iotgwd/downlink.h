/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The downlink: commands from the cloud to the devices, and their answers
 * back (the request-response pattern). Each broker with a command-topic
 * is subscribed to it, QoS 1, on every connect. A command (command.h) is
 * routed (route.h: the [device] sections, else the kernel's device table,
 * read when needed and used for ROUTE_TABLE_MAX_AGE_MS), then sent by the
 * kernel as a CoAP request whose COOKIE is the command's id
 * (requester.h); the kernel's result is its answer (answer.h). A command
 * that cannot be routed or sent is answered with the reason at once, as
 * is one beyond commands-max pending ("busy"), and one whose result does
 * not come by its deadline. Nothing is dropped unanswered but for want of
 * memory, or answers beyond commands-max waiting for a broker that is
 * down (the oldest go, with a log line).
 */
#ifndef IOTGWD_DOWNLINK_H
#define IOTGWD_DOWNLINK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "forward.h"

/* How much longer than its deadline a result may take to come. */
#define DOWNLINK_RESULT_SLACK_MS	5000
/* How long a DEVICE_GET dump or a CONFIG_GET may take. */
#define DOWNLINK_KERNEL_WAIT_MS		5000
/* How often the kernel's default deadline is read again, at most. */
#define DOWNLINK_DEADLINE_REFRESH_MS	10000

struct downlink;

/*
 * The downlink for @cfg, its own netlink socket for the family @family,
 * listening to @fwd's brokers. @cfg and @fwd must outlive it.
 */
struct downlink *downlink_new(const struct config *cfg, struct forwarder *fwd,
			      int family, char *err, size_t errlen);
void downlink_free(struct downlink *dl);

int downlink_fd(const struct downlink *dl);
/* Read what the socket holds. Returns 0, or a negative errno if it broke. */
int downlink_receive(struct downlink *dl);

/*
 * Use @cfg from now on (after forwarder_reconfigure(); the caller frees
 * the old one after): the command settings and [device] sections apply
 * to new commands, a changed command-topic is subscribed to anew.
 */
void downlink_reconfigure(struct downlink *dl, const struct config *cfg);

/* Deadlines, the answers waiting for their brokers. */
void downlink_tick(struct downlink *dl, uint64_t now_ms);
int downlink_timeout_ms(const struct downlink *dl, uint64_t now_ms);

/* Shutting down: what is pending, and what comes, is answered "error". */
void downlink_stop(struct downlink *dl);
/* Answers for connected brokers not yet confirmed by them. */
size_t downlink_unconfirmed(const struct downlink *dl);

/* Commands routed or sent, waiting for their outcome. */
size_t downlink_pending(const struct downlink *dl);

#endif /* IOTGWD_DOWNLINK_H */
