// SPDX-License-Identifier: GPL-2.0
/*
 * parse_bench: the cost of classifying one packet in userspace, with the
 * same parser and trie sources the module uses.
 *
 *   parse_bench time                 ns per packet, table on stdout
 *   parse_bench count WHAT N ITERS   run WHAT ITERS times with N rules, the
 *                                    loop alone instrumented for callgrind
 *
 * WHAT: coap (parse a CoAP POST + match its Uri-Path), mqtt (parse an MQTT
 * PUBLISH from a stream + match its topic), trie (match only), linear
 * (match only, with the linear reference matcher).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <valgrind/callgrind.h>

#include "proto/coap.h"
#include "proto/mqtt.h"
#include "rules/topic_trie.h"
#include "topic_ref.h"

#define TOPIC "sensors/bedroom/temp"

struct bench {
	struct topic_trie trie;
	struct topic_ref ref;
	int *values;
	u8 coap[128];
	size_t coap_len;
	u8 mqtt[128];
	size_t mqtt_len;
	struct mqtt_stream stream;
	struct mqtt_event ev;
	char topic[256];
};

static void die(const char *what)
{
	fprintf(stderr, "parse_bench: %s\n", what);
	exit(1);
}

/*
 * N rules of the shapes a gateway has (per-device literals, per-site
 * wildcards), one of which ("sensors/+/temp") decides TOPIC.
 */
static void add_rules(struct bench *b, unsigned int n)
{
	char f[64];
	unsigned int i;

	topic_trie_init(&b->trie);
	topic_ref_init(&b->ref);
	b->values = calloc(n + 1, sizeof(int));
	if (!b->values)
		die("out of memory");
	for (i = 0; i < n; i++) {
		switch (i % 4) {
		case 0:
			snprintf(f, sizeof(f), "sensors/room%u/temp", i);
			break;
		case 1:
			snprintf(f, sizeof(f), "site/%u/+/temp", i);
			break;
		case 2:
			snprintf(f, sizeof(f), "fleet/%u/#", i);
			break;
		default:
			snprintf(f, sizeof(f), "+/dev%u/status", i);
			break;
		}
		if (i == n / 2)
			snprintf(f, sizeof(f), "sensors/+/temp");
		if (topic_trie_insert(&b->trie, f, strlen(f), i % 7,
				      &b->values[i], NULL) ||
		    topic_ref_insert(&b->ref, f, strlen(f), i % 7,
				     &b->values[i], NULL))
			die("insert failed");
	}
}

static void build_packets(struct bench *b)
{
	static const u8 token[4] = { 1, 2, 3, 4 };
	static const char payload[] = "{\"t\":21.5}";
	struct coap_request req = {
		.type = COAP_TYPE_CON, .code = COAP_CODE_POST, .mid = 0x1234,
		.tkl = sizeof(token), .token = token,
		.path = TOPIC, .path_len = sizeof(TOPIC) - 1,
		.has_content_format = true, .content_format = 50,
		.payload = (const u8 *)payload,
		.payload_len = sizeof(payload) - 1,
	};
	size_t tl = sizeof(TOPIC) - 1, pl = sizeof(payload) - 1;
	u8 *p = b->mqtt;
	int len;

	len = coap_build_request(b->coap, sizeof(b->coap), &req);
	if (len < 0)
		die("coap_build_request");
	b->coap_len = len;

	/* PUBLISH QoS 1, packet id 7, MQTT 3.1.1 */
	*p++ = 0x32;
	*p++ = (u8)(2 + tl + 2 + pl);
	*p++ = 0;
	*p++ = (u8)tl;
	memcpy(p, TOPIC, tl);
	p += tl;
	*p++ = 0;
	*p++ = 7;
	memcpy(p, payload, pl);
	p += pl;
	b->mqtt_len = p - b->mqtt;
	mqtt_stream_init(&b->stream, MQTT_ROLE_CLIENT, MQTT_LEVEL_311);
	/* as the module follows a PUBLISH it does not capture */
	mqtt_stream_set_payload_events(&b->stream, false);
}

static void *classify_coap(struct bench *b)
{
	struct coap_msg msg;

	if (coap_parse(b->coap, b->coap_len, &msg, b->topic,
		       sizeof(b->topic)) != COAP_OK)
		die("coap_parse");
	return topic_trie_match(&b->trie, msg.topic, msg.topic_len, NULL, NULL);
}

static void *classify_mqtt(struct bench *b)
{
	const u8 *data = b->mqtt;
	size_t len = b->mqtt_len, used;
	void *v = NULL;
	int ev;

	while ((ev = mqtt_stream_next(&b->stream, data, len, &used,
				      &b->ev)) != MQTT_EV_NEED_MORE) {
		if (ev == MQTT_EV_ERROR)
			die("mqtt_stream_next");
		if (ev == MQTT_EV_PACKET && b->ev.type == MQTT_PUBLISH)
			v = topic_trie_match(&b->trie, b->ev.topic,
					     b->ev.topic_len, NULL, NULL);
		data += used;
		len -= used;
	}
	return v;
}

static void *match_trie(struct bench *b)
{
	return topic_trie_match(&b->trie, TOPIC, sizeof(TOPIC) - 1, NULL, NULL);
}

static void *match_linear(struct bench *b)
{
	return topic_ref_match(&b->ref, TOPIC, sizeof(TOPIC) - 1, NULL, NULL);
}

typedef void *(*classify_fn)(struct bench *b);

static classify_fn classifier(const char *what)
{
	if (!strcmp(what, "coap"))
		return classify_coap;
	if (!strcmp(what, "mqtt"))
		return classify_mqtt;
	if (!strcmp(what, "trie"))
		return match_trie;
	if (!strcmp(what, "linear"))
		return match_linear;
	die("unknown benchmark");
	return NULL;
}

static void setup(struct bench *b, unsigned int rules)
{
	memset(b, 0, sizeof(*b));
	add_rules(b, rules);
	build_packets(b);
}

static void teardown(struct bench *b)
{
	topic_trie_destroy(&b->trie);
	topic_ref_destroy(&b->ref);
	free(b->values);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Best of 5 runs of @iters, in ns per packet. */
static double time_one(const char *what, unsigned int rules,
		       unsigned int iters)
{
	static struct bench b;
	classify_fn classify = classifier(what);
	double best = 1e30;
	unsigned int run, i;

	setup(&b, rules);
	if (classify(&b) != &b.values[rules / 2])
		die("the benchmark packet is not decided by its rule");
	for (run = 0; run < 5; run++) {
		double t0 = now_ns(), t;

		for (i = 0; i < iters; i++)
			if (!classify(&b))
				die("no match");
		t = (now_ns() - t0) / iters;
		if (t < best)
			best = t;
	}
	teardown(&b);
	return best;
}

int main(int argc, char **argv)
{
	static struct bench b;

	if (argc == 2 && !strcmp(argv[1], "time")) {
		static const unsigned int rules[] = { 10, 1000, 10000 };
		static const unsigned int scan[] = { 8, 512, 8192 };
		unsigned int i;

		printf("what rules ns_per_packet\n");
		for (i = 0; i < 3; i++)
			printf("coap %u %.1f\n", rules[i],
			       time_one("coap", rules[i], 200000));
		for (i = 0; i < 3; i++)
			printf("mqtt %u %.1f\n", rules[i],
			       time_one("mqtt", rules[i], 200000));
		for (i = 0; i < 3; i++) {
			printf("trie %u %.1f\n", scan[i],
			       time_one("trie", scan[i], 200000));
			printf("linear %u %.1f\n", scan[i],
			       time_one("linear", scan[i],
					scan[i] > 1000 ? 2000 : 50000));
		}
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "count")) {
		unsigned int rules = strtoul(argv[3], NULL, 10);
		unsigned int iters = strtoul(argv[4], NULL, 10);
		classify_fn classify = classifier(argv[2]);
		unsigned int i;

		setup(&b, rules);
		if (classify(&b) != &b.values[rules / 2])
			die("the benchmark packet is not decided by its rule");
		CALLGRIND_ZERO_STATS;
		CALLGRIND_START_INSTRUMENTATION;
		for (i = 0; i < iters; i++)
			classify(&b);
		CALLGRIND_STOP_INSTRUMENTATION;
		teardown(&b);
		return 0;
	}
	fprintf(stderr, "usage: parse_bench time | count coap|mqtt|trie|linear RULES ITERS\n");
	return 2;
}
