// SPDX-License-Identifier: GPL-2.0
/* iotgwctl queue: the QoS queue's depth, consumer and counters; flush. */
#include <stdio.h>
#include <string.h>

#include <linux/iotgw.h>

#include "iotgwctl.h"
#include "json.h"

static struct nla_policy top_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_QUEUE] = { .type = NLA_NESTED },
};

static struct nla_policy queue_policy[IOTGW_QUEUE_A_MAX + 1] = {
	[IOTGW_QUEUE_A_CREDIT] = { .type = NLA_U32 },
	[IOTGW_QUEUE_A_CONSUMER] = { .type = NLA_U32 },
	[IOTGW_QUEUE_A_PENDING_QOS0] = { .type = NLA_U32 },
	[IOTGW_QUEUE_A_PENDING_QOS1] = { .type = NLA_U32 },
	[IOTGW_QUEUE_A_PENDING_QOS2] = { .type = NLA_U32 },
	[IOTGW_QUEUE_A_IN_FLIGHT] = { .type = NLA_U32 },
	[IOTGW_QUEUE_A_MSGS] = { .type = NLA_U32 },
	[IOTGW_QUEUE_A_BYTES] = { .type = NLA_U32 },
	[IOTGW_QUEUE_A_OLDEST_MS] = { .type = NLA_U32 },
	[IOTGW_QUEUE_A_ADMITTED] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_REFUSED] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_EVICTED] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_EXPIRED] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_DELIVERED] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_REDELIVERED] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_ACKED] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_NACKED] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_STALE_ACKS] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_FLUSHED] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_DUPLICATES] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_DEDUP_EVICTED] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_REJECTED] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_AWAITING] = { .type = NLA_U32 },
	[IOTGW_QUEUE_A_CONFIRMED] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_UNCONFIRMED] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_WITHDRAWN] = { .type = NLA_U64 },
	[IOTGW_QUEUE_A_CONFIRMS_LOST] = { .type = NLA_U64 },
};

/* The depth, in the order queue show prints it. */
static const struct {
	int attr;
	const char *name;
} depth_fields[] = {
	{ IOTGW_QUEUE_A_MSGS, "msgs" },
	{ IOTGW_QUEUE_A_BYTES, "bytes" },
	{ IOTGW_QUEUE_A_PENDING_QOS0, "pending-qos0" },
	{ IOTGW_QUEUE_A_PENDING_QOS1, "pending-qos1" },
	{ IOTGW_QUEUE_A_PENDING_QOS2, "pending-qos2" },
	{ IOTGW_QUEUE_A_IN_FLIGHT, "in-flight" },
	{ IOTGW_QUEUE_A_AWAITING, "awaiting" },
};

static const struct {
	int attr;
	const char *name;
} counter_fields[] = {
	{ IOTGW_QUEUE_A_ADMITTED, "admitted" },
	{ IOTGW_QUEUE_A_REFUSED, "refused" },
	{ IOTGW_QUEUE_A_EVICTED, "evicted" },
	{ IOTGW_QUEUE_A_EXPIRED, "expired" },
	{ IOTGW_QUEUE_A_DELIVERED, "delivered" },
	{ IOTGW_QUEUE_A_REDELIVERED, "redelivered" },
	{ IOTGW_QUEUE_A_ACKED, "acked" },
	{ IOTGW_QUEUE_A_NACKED, "nacked" },
	{ IOTGW_QUEUE_A_STALE_ACKS, "stale-acks" },
	{ IOTGW_QUEUE_A_FLUSHED, "flushed" },
	{ IOTGW_QUEUE_A_DUPLICATES, "duplicates" },
	{ IOTGW_QUEUE_A_DEDUP_EVICTED, "dedup-evicted" },
	{ IOTGW_QUEUE_A_REJECTED, "rejected" },
	{ IOTGW_QUEUE_A_CONFIRMED, "confirmed" },
	{ IOTGW_QUEUE_A_UNCONFIRMED, "unconfirmed" },
	{ IOTGW_QUEUE_A_WITHDRAWN, "withdrawn" },
	{ IOTGW_QUEUE_A_CONFIRMS_LOST, "confirms-lost" },
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct queue_show {
	struct json_object *array;	/* -j: unused, one object printed */
	struct json_object *json;
};

static unsigned long long get_u32(struct nlattr *a)
{
	return a ? nla_get_u32(a) : 0;
}

static unsigned long long get_u64(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static int show_queue(struct nl_msg *reply, void *arg)
{
	struct queue_show *show = arg;
	struct nlattr *tb[IOTGW_A_MAX + 1];
	struct nlattr *qa[IOTGW_QUEUE_A_MAX + 1];
	struct json_object *obj = NULL;
	size_t i;

	if (iotgw_nl_parse_policy(reply, tb, IOTGW_A_MAX, top_policy) < 0 ||
	    !tb[IOTGW_A_QUEUE] ||
	    nla_parse_nested(qa, IOTGW_QUEUE_A_MAX, tb[IOTGW_A_QUEUE],
			     queue_policy) < 0)
		return -1;
	if (iotgwctl_json) {
		obj = json_object_new_object();
		if (!obj)
			return 0;
	}

	if (!obj)
		fputs("queue", stdout);
	for (i = 0; i < N_OF(depth_fields); i++) {
		unsigned long long v = get_u32(qa[depth_fields[i].attr]);

		if (obj)
			json_add_u64(obj, depth_fields[i].name, v);
		else
			printf(" %s %llu", depth_fields[i].name, v);
	}
	if (qa[IOTGW_QUEUE_A_OLDEST_MS]) {
		if (obj)
			json_add_u64(obj, "oldest-ms",
				     get_u32(qa[IOTGW_QUEUE_A_OLDEST_MS]));
		else
			printf(" oldest %llums",
			       get_u32(qa[IOTGW_QUEUE_A_OLDEST_MS]));
	}
	if (obj) {
		if (qa[IOTGW_QUEUE_A_CONSUMER]) {
			json_add_u64(obj, "consumer",
				     get_u32(qa[IOTGW_QUEUE_A_CONSUMER]));
			json_add_u64(obj, "credit",
				     get_u32(qa[IOTGW_QUEUE_A_CREDIT]));
		}
	} else if (qa[IOTGW_QUEUE_A_CONSUMER]) {
		printf("\nconsumer port %llu credit %llu",
		       get_u32(qa[IOTGW_QUEUE_A_CONSUMER]),
		       get_u32(qa[IOTGW_QUEUE_A_CREDIT]));
	} else {
		fputs("\nconsumer none", stdout);
	}
	if (!obj)
		fputs("\n   ", stdout);
	for (i = 0; i < N_OF(counter_fields); i++) {
		unsigned long long v = get_u64(qa[counter_fields[i].attr]);

		if (obj)
			json_add_u64(obj, counter_fields[i].name, v);
		else
			printf(" %s %llu", counter_fields[i].name, v);
	}
	if (obj)
		show->json = obj;
	else
		putchar('\n');
	return 0;
}

static int queue_show(int argc, char **argv)
{
	struct queue_show show = { NULL, NULL };
	struct iotgw_nl *nl;
	struct nl_msg *msg;
	int rc;

	if (argc > 0)
		return iotgwctl_no_arguments("queue show", argv[0]);
	msg = iotgwctl_request(&nl, IOTGW_CMD_QUEUE_GET, 0);
	if (!msg)
		return IOTGWCTL_FAIL;
	rc = iotgwctl_transact(nl, "queue show", msg, show_queue, &show);
	if (show.json) {
		if (rc == IOTGWCTL_OK)
			json_print(show.json);
		else
			json_object_put(show.json);
	}
	return rc;
}

static int queue_flush(int argc, char **argv)
{
	struct iotgw_nl *nl;
	struct nl_msg *msg;

	if (argc > 0)
		return iotgwctl_no_arguments("queue flush", argv[0]);
	msg = iotgwctl_request(&nl, IOTGW_CMD_QUEUE_FLUSH, 0);
	if (!msg)
		return IOTGWCTL_FAIL;
	return iotgwctl_transact(nl, "queue flush", msg, NULL, NULL);
}

int do_queue(int argc, char **argv)
{
	if (argc == 0 || !strcmp(argv[0], "show"))
		return queue_show(argc ? argc - 1 : 0, argv + !!argc);
	if (!strcmp(argv[0], "flush"))
		return queue_flush(argc - 1, argv + 1);
	if (!strcmp(argv[0], "help")) {
		printf("Usage: iotgwctl [ -j ] queue [ show ]\n"
		       "       iotgwctl queue flush\n");
		return IOTGWCTL_OK;
	}
	return iotgwctl_unknown_command("queue", argv[0]);
}
