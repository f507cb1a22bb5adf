// SPDX-License-Identifier: GPL-2.0
/*
 * coap_bridge: a userspace CoAP-to-MQTT bridge, built the way one is
 * built today (libcoap-3 and libmosquitto), as the baseline the kernel
 * fast path and iotgwd are measured against.
 *
 *   coap_bridge [-b HOST] [-p PORT] [-q 0|1|2] [-i INFLIGHT]
 *               [-l ADDR] [-L PORT]
 *
 *   -b HOST      the MQTT broker (default 127.0.0.1)
 *   -p PORT      its port (default 1883)
 *   -q QOS       the QoS messages are published with (default 1)
 *   -i INFLIGHT  QoS 1 and 2 messages on the wire unconfirmed, at most
 *                (default 256, iotgwd's default credit)
 *   -l ADDR      the CoAP address to listen on (default 0.0.0.0)
 *   -L PORT      the CoAP UDP port (default 5683)
 *
 * A POST or PUT to any Uri-Path is published to the topic made of its
 * Uri-Path segments joined with '/' (coap://gw/sensors/kitchen/temp goes
 * to sensors/kitchen/temp), its payload the request's. A confirmable
 * request is answered with a piggybacked 2.04 Changed as soon as
 * mosquitto_publish() took the message (it is in libmosquitto's queue:
 * "admitted", as typical bridges answer, not confirmed by the broker),
 * 5.03 Service Unavailable if it did not, 4.00 Bad Request if the path
 * makes no MQTT topic (none, longer than TOPIC_MAX bytes, a segment with
 * '/', '+', '#' or NUL, not UTF-8). A non-confirmable one is published
 * and not answered. Nothing bounds what libmosquitto holds admitted and
 * unconfirmed: when the broker confirms slower than sensors send, its
 * queue (memory, and what a crash loses) grows.
 *
 * The broker connection is made before the CoAP port opens (up to
 * CONNECT_WAIT_MS, else exit 1). The MQTT side matches iotgwd's broker
 * connection (MQTT 5, TCP_NODELAY, keepalive 30 s, client id
 * coap-bridge) so that what is measured is the architecture, not a
 * setting. libmosquitto runs its own network thread
 * (mosquitto_loop_start()); CoAP is served by coap_io_process() on the
 * main thread.
 *
 * On SIGTERM or SIGINT: waits up to DRAIN_WAIT_MS for the PUBACKs of
 * what was published, prints one line and exits 0:
 *   requests N published N failed N puback N
 * requests = published + failed; puback counts the broker's successful
 * PUBACKs (PUBCOMPs at QoS 2; at QoS 0, messages written to the socket).
 *
 * Exit status: 0 after a signal, 1 on a runtime error (broker, socket),
 * 2 on a usage error.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <coap3/coap.h>
#include <mosquitto.h>

#define PROG			"coap_bridge"
#define CLIENT_ID		"coap-bridge"
#define TOPIC_MAX		256	/* bytes, without the NUL */
/*
 * The same default as iotgwd's per-broker credit (CONFIG_DEFAULT_CREDIT
 * in user/iotgwd/config.h, applied in config.c): the messages the daemon
 * may hold published and unconfirmed. iotgwd itself leaves libmosquitto's
 * MOSQ_OPT_SEND_MAXIMUM at its default of 20, so this is, if anything,
 * generous to the baseline.
 */
#define DEFAULT_INFLIGHT	256
#define KEEPALIVE_S		30	/* iotgwd's CONFIG_DEFAULT_KEEPALIVE */
#define CONNECT_WAIT_MS		10000
#define CONNECT_RETRY_MS	200
#define DRAIN_WAIT_MS		2000
#define IO_TIMEOUT_MS		100	/* how often the loop sees a signal */

static volatile sig_atomic_t stopping;

/* -1: no CONNACK yet; else its reason code (0: connected) */
static atomic_int connack = -1;

static struct mosquitto *mosq;
static int qos = 1;

/* Main thread only, but for pubacks (the mosquitto thread's). */
static unsigned long long n_requests, n_published, n_failed;
static atomic_ullong n_pubacks;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: " PROG " [-b HOST] [-p PORT] [-q 0|1|2] [-i INFLIGHT] [-l ADDR] [-L PORT]\n");
	exit(2);
}

static long number(int opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, PROG ": -%c \"%s\" is not a number from %ld to %ld\n",
			opt, s, min, max);
		exit(2);
	}
	return v;
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&t, NULL);
}

static void on_connect(struct mosquitto *m, void *arg, int rc)
{
	(void)m;
	(void)arg;
	atomic_store(&connack, rc);
}

static void on_publish(struct mosquitto *m, void *arg, int mid, int reason,
		       const mosquitto_property *props)
{
	(void)m;
	(void)arg;
	(void)mid;
	(void)props;
	/* MQTT 5: 0x80 and above is a refusal (0x10, no subscribers, is not) */
	if (reason < 0x80)
		atomic_fetch_add(&n_pubacks, 1);
}

/*
 * Joins the Uri-Path segments of @req with '/' into @topic (TOPIC_MAX + 1
 * bytes). Returns its length, or -1 when they make no MQTT topic name.
 */
static int uri_topic(const coap_pdu_t *req, char *topic)
{
	coap_opt_filter_t filter;
	coap_opt_iterator_t it;
	coap_opt_t *opt;
	size_t len = 0;
	bool first = true;

	coap_option_filter_clear(&filter);
	coap_option_filter_set(&filter, COAP_OPTION_URI_PATH);
	if (!coap_option_iterator_init(req, &it, &filter))
		return -1;
	while ((opt = coap_option_next(&it))) {
		const uint8_t *v = coap_opt_value(opt);
		uint32_t n = coap_opt_length(opt);

		if (!first) {
			if (len + 1 > TOPIC_MAX)
				return -1;
			topic[len++] = '/';
		}
		first = false;
		if (n > TOPIC_MAX - len)
			return -1;
		for (uint32_t i = 0; i < n; i++)
			if (v[i] == '/' || v[i] == '+' || v[i] == '#' || !v[i])
				return -1;
		memcpy(topic + len, v, n);
		len += n;
	}
	if (first || !len)
		return -1;
	topic[len] = '\0';
	if (mosquitto_validate_utf8(topic, (int)len) != MOSQ_ERR_SUCCESS)
		return -1;
	return (int)len;
}

/* POST and PUT, any Uri-Path (the unknown resource). */
static void handle_publish(coap_resource_t *resource, coap_session_t *session,
			   const coap_pdu_t *req, const coap_string_t *query,
			   coap_pdu_t *resp)
{
	char topic[TOPIC_MAX + 1];
	const uint8_t *data = NULL;
	size_t len = 0, offset, total;
	coap_pdu_code_t code;
	int rc;

	(void)resource;
	(void)session;
	(void)query;
	n_requests++;
	if (uri_topic(req, topic) < 0) {
		n_failed++;
		code = COAP_RESPONSE_CODE_BAD_REQUEST;
		goto answer;
	}
	/* The whole body: libcoap reassembles Block1 (COAP_BLOCK_SINGLE_BODY). */
	if (!coap_get_data_large(req, &len, &data, &offset, &total))
		len = 0;
	if (len > INT_MAX) {
		n_failed++;
		code = COAP_RESPONSE_CODE_BAD_REQUEST;
		goto answer;
	}
	rc = mosquitto_publish(mosq, NULL, topic, (int)len, data, qos, false);
	if (rc == MOSQ_ERR_SUCCESS) {
		n_published++;
		code = COAP_RESPONSE_CODE_CHANGED;
	} else {
		n_failed++;
		code = COAP_RESPONSE_CODE_SERVICE_UNAVAILABLE;
	}
answer:
	/* A response with no code set to a NON request is not sent. */
	if (coap_pdu_get_type(req) == COAP_MESSAGE_CON)
		coap_pdu_set_code(resp, code);
}

static const char *mosq_error(int rc)
{
	return rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc);
}

/*
 * Connects to the broker, trying again until CONNECT_WAIT_MS passed, and
 * starts libmosquitto's thread. Returns 0 once the broker accepted the
 * connection or a signal came, 1 otherwise (said why).
 */
static int broker_connect(const char *host, int port)
{
	uint64_t deadline = now_ms() + CONNECT_WAIT_MS;
	sigset_t block, old;
	int rc;

	for (;;) {
		rc = mosquitto_connect(mosq, host, port, KEEPALIVE_S);
		if (rc == MOSQ_ERR_SUCCESS || stopping)
			break;
		if (now_ms() >= deadline) {
			fprintf(stderr, PROG ": cannot connect to the broker %s port %d: %s\n",
				host, port, mosq_error(rc));
			return 1;
		}
		sleep_ms(CONNECT_RETRY_MS);
	}
	if (stopping)
		return 0;
	/* Signals go to the main thread, whose coap_io_process() they end. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = mosquitto_loop_start(mosq);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, PROG ": broker %s port %d: cannot start the network thread: %s\n",
			host, port, mosq_error(rc));
		return 1;
	}
	while ((rc = atomic_load(&connack)) < 0 && !stopping) {
		if (now_ms() >= deadline) {
			fprintf(stderr, PROG ": the broker %s port %d did not answer CONNECT in %d s\n",
				host, port, CONNECT_WAIT_MS / 1000);
			return 1;
		}
		sleep_ms(10);
	}
	if (rc > 0) {
		fprintf(stderr, PROG ": the broker %s port %d refused the connection: %s\n",
			host, port, mosquitto_reason_string(rc));
		return 1;
	}
	return 0;
}

/* Resolves -l ADDR and -L PORT into @out, or exits 2. */
static void listen_address(const char *addr, const char *port,
			   coap_address_t *out)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	struct addrinfo *ai;
	int rc;

	rc = getaddrinfo(addr, port, &hints, &ai);
	if (rc) {
		fprintf(stderr, PROG ": -l \"%s\" is not an address: %s\n", addr,
			gai_strerror(rc));
		exit(2);
	}
	coap_address_init(out);
	out->size = ai->ai_addrlen;
	memcpy(&out->addr, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
}

static coap_context_t *coap_listen(const coap_address_t *listen_addr,
				   const char *addr, const char *port)
{
	coap_context_t *ctx;
	coap_resource_t *r;

	ctx = coap_new_context(NULL);
	if (!ctx) {
		fprintf(stderr, PROG ": cannot create the CoAP context\n");
		return NULL;
	}
	coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP |
				    COAP_BLOCK_SINGLE_BODY);
	if (!coap_new_endpoint(ctx, listen_addr, COAP_PROTO_UDP)) {
		fprintf(stderr, PROG ": cannot listen on %s port %s: %s\n", addr,
			port, strerror(errno));
		coap_free_context(ctx);
		return NULL;
	}
	r = coap_resource_unknown_init2(handle_publish, 0);
	if (!r) {
		fprintf(stderr, PROG ": cannot create the CoAP resource\n");
		coap_free_context(ctx);
		return NULL;
	}
	coap_register_request_handler(r, COAP_REQUEST_POST, handle_publish);
	coap_add_resource(ctx, r);
	return ctx;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *listen_addr = "0.0.0.0";
	const char *listen_port = "5683";
	coap_address_t bind_addr;
	int port = 1883, inflight = DEFAULT_INFLIGHT;
	struct sigaction sa = { .sa_handler = on_signal };
	coap_context_t *ctx = NULL;
	uint64_t deadline;
	int opt, rc, status = 1;

	while ((opt = getopt(argc, argv, "b:p:q:i:l:L:h")) != -1) {
		switch (opt) {
		case 'b':
			if (!*optarg) {
				fprintf(stderr, PROG ": -b \"\" is not a host\n");
				exit(2);
			}
			host = optarg;
			break;
		case 'p':
			port = (int)number(opt, optarg, 1, 65535);
			break;
		case 'q':
			if (strcmp(optarg, "0") && strcmp(optarg, "1") &&
			    strcmp(optarg, "2")) {
				fprintf(stderr, PROG ": -q \"%s\" is not 0, 1 or 2\n",
					optarg);
				exit(2);
			}
			qos = optarg[0] - '0';
			break;
		case 'i':
			inflight = (int)number(opt, optarg, 1, 65535);
			break;
		case 'l':
			listen_addr = optarg;
			break;
		case 'L':
			number(opt, optarg, 1, 65535);
			listen_port = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument \"%s\"\n",
			argv[optind]);
		usage();
	}

	listen_address(listen_addr, listen_port, &bind_addr);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	coap_startup();
	coap_set_log_level(LOG_WARNING);
	mosquitto_lib_init();
	mosq = mosquitto_new(CLIENT_ID, true, NULL);
	if (!mosq) {
		fprintf(stderr, PROG ": mosquitto_new: %s\n", strerror(errno));
		goto out;
	}
	rc = mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION,
				  MQTT_PROTOCOL_V5);
	if (!rc)
		rc = mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
	if (!rc)
		rc = mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM, inflight);
	if (rc) {
		fprintf(stderr, PROG ": libmosquitto options: %s\n",
			mosquitto_strerror(rc));
		goto out;
	}
	mosquitto_connect_callback_set(mosq, on_connect);
	mosquitto_publish_v5_callback_set(mosq, on_publish);

	if (broker_connect(host, port))
		goto out;
	if (!stopping) {
		ctx = coap_listen(&bind_addr, listen_addr, listen_port);
		if (!ctx)
			goto out;
	}

	while (!stopping) {
		if (coap_io_process(ctx, IO_TIMEOUT_MS) < 0 && !stopping) {
			fprintf(stderr, PROG ": coap_io_process failed\n");
			goto out;
		}
	}

	deadline = now_ms() + DRAIN_WAIT_MS;
	while (atomic_load(&n_pubacks) < n_published && now_ms() < deadline)
		sleep_ms(10);
	printf("requests %llu published %llu failed %llu puback %llu\n",
	       n_requests, n_published, n_failed, atomic_load(&n_pubacks));
	fflush(stdout);
	status = 0;
out:
	if (mosq) {
		mosquitto_disconnect(mosq);
		mosquitto_loop_stop(mosq, status != 0);
		mosquitto_destroy(mosq);
	}
	if (ctx)
		coap_free_context(ctx);
	coap_cleanup();
	mosquitto_lib_cleanup();
	return status;
}
