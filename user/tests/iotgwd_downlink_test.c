// SPDX-License-Identifier: GPL-2.0
/*
 * iotgwd's downlink end to end, without the kernel module: as in
 * iotgwd_daemon_test.c its generic netlink sockets are pointed
 * (LD_PRELOAD of iotgwd_fake_genl.c) at a NETLINK_USERSOCK socket of this
 * test, which answers as the iotgw family does: COAP_REQUEST replied
 * {ID, MID, TOKEN} (or refused with an extended ack), its COAP_RESULT
 * sent when the test says (also before the reply), DEVICE_GET dumped
 * from a table the test sets, CONFIG_GET. The cloud is a real mosquitto
 * (skipped when it is not installed): commands published with MQTT 5
 * properties, answers recorded with theirs. Checked: routing by [device]
 * section and by the device table (one dump for commands close
 * together), the request's attributes, every kind of answer (response,
 * timeout, reset, unroutable, busy, a refusal with its extack text, no
 * result by the deadline), the MQTT 3.1.1 JSON reply, an answer kept
 * while the broker is down, SIGHUP moving the subscription, SIGTERM
 * answering what is pending. IOTGWD_TEST_VALGRIND=1 runs iotgwd under
 * valgrind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iotgw.h>
#include <linux/netlink.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "clock.h"

#include "iotgwd_mosquitto.h"

#include "kselftest_harness.h"

#define IOTGWD_FAKE_FAMILY 0x42		/* as in iotgwd_fake_genl.c */
#define IOTGWD_BIN "user/iotgwd/iotgwd"
#define FAKE_GENL_SO "build/user/iotgwd_fake_genl.so"
#define MAX_REQS 32
#define MAX_ANSWERS 64

/* A COAP_REQUEST the stand-in kernel was sent. */
struct seen_request {
	uint32_t from, seq;
	char addr[INET6_ADDRSTRLEN];
	uint16_t port;
	int type, method, content_format;
	char path[128];
	char payload[64];
	bool has_cookie;
	uint64_t cookie;
	uint32_t timeout_ms;
	uint64_t id;			/* the kernel's */
	bool replied;
};

/* A device of the stand-in kernel's table. */
struct fake_device {
	const char *addr;
	uint16_t port;
	const char *topic;
	uint32_t age_ms;
};

/* An answer the cloud received. */
struct seen_answer {
	char topic[128];
	char payload[256];
	char correlation[64];
	char props[256];		/* "name=value;...content-type=...;" */
};

static struct {
	int fd;
	uint32_t port;
	uint32_t consumer;
	int binds, unbinds;
	struct seen_request reqs[MAX_REQS];
	int n_reqs;
	bool hold_replies;		/* reply only when the test says */
	const char *refuse_path;	/* COAP_REQUEST for it: -EINVAL */
	const char *extack;
	struct fake_device devices[8];
	int n_devices;
	int dumps, config_gets;
	uint64_t next_id;
	struct seen_answer answers[MAX_ANSWERS];
	int n_answers;
} k;

static int fake_kernel_open(void)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(a);

	k.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK);
	if (k.fd < 0 || bind(k.fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(k.fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	k.port = a.nl_pid;
	return 0;
}

static void send_to(uint32_t port, const void *buf, size_t len)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_pid = port };

	if (sendto(k.fd, buf, len, 0, (struct sockaddr *)&a, sizeof(a)) < 0)
		fprintf(stderr, "# fake kernel: sendto %u: %s\n", port,
			strerror(errno));
}

static void send_msg(uint32_t port, struct nl_msg *msg)
{
	send_to(port, nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
}

static struct nl_msg *new_msg(uint32_t seq, int flags, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg)
		genlmsg_put(msg, 0, seq, IOTGWD_FAKE_FAMILY, 0, flags, cmd,
			    IOTGW_GENL_VERSION);
	return msg;
}

/* An error (with k.extack), or an ack when asked for. */
static void answer(uint32_t port, const struct nlmsghdr *req, int error)
{
	struct {
		struct nlmsghdr hdr;
		struct nlmsgerr err;
		struct nlattr attr;
		char text[128];
	} ack = {
		.hdr = {
			.nlmsg_type = NLMSG_ERROR, .nlmsg_flags = NLM_F_CAPPED,
			.nlmsg_seq = req->nlmsg_seq,
		},
		.err = { .error = error, .msg = *req },
	};
	size_t len = NLMSG_HDRLEN + sizeof(ack.err);

	if (error && k.extack) {
		ack.hdr.nlmsg_flags |= NLM_F_ACK_TLVS;
		snprintf(ack.text, sizeof(ack.text), "%s", k.extack);
		ack.attr.nla_type = NLMSGERR_ATTR_MSG;
		ack.attr.nla_len = (uint16_t)(NLA_HDRLEN + strlen(ack.text) + 1);
		len += NLA_ALIGN(ack.attr.nla_len);
	}
	ack.hdr.nlmsg_len = (uint32_t)len;
	if (error || (req->nlmsg_flags & NLM_F_ACK))
		send_to(port, &ack, len);
}

/* The reply to COAP_REQUEST @i: { ID, MID, TOKEN }. */
static void send_reply(int i)
{
	struct seen_request *r = &k.reqs[i];
	struct nl_msg *msg = new_msg(r->seq, 0, IOTGW_CMD_COAP_REQUEST);
	struct nlattr *nest = nla_nest_start(msg, IOTGW_A_COAP_REQ);

	nla_put_u64(msg, IOTGW_COAP_REQ_A_ID, r->id);
	nla_put_u16(msg, IOTGW_COAP_REQ_A_MID, (uint16_t)(1000 + i));
	nla_put(msg, IOTGW_COAP_REQ_A_TOKEN, 8, "\1\2\3\4\5\6\7\10");
	nla_nest_end(msg, nest);
	send_msg(r->from, msg);
	r->replied = true;
}

/* The outcome of request @i, unsolicited (sequence number 0). */
static void send_result(int i, uint8_t status, uint8_t code,
			uint32_t transmissions, int format, const char *payload)
{
	struct seen_request *r = &k.reqs[i];
	struct nl_msg *msg = new_msg(0, 0, IOTGW_CMD_COAP_RESULT);
	struct nlattr *nest = nla_nest_start(msg, IOTGW_A_COAP_RESULT);

	nla_put_u64(msg, IOTGW_COAP_RESULT_A_ID, r->id);
	if (r->has_cookie)
		nla_put_u64(msg, IOTGW_COAP_RESULT_A_COOKIE, r->cookie);
	nla_put_u8(msg, IOTGW_COAP_RESULT_A_STATUS, status);
	nla_put_u32(msg, IOTGW_COAP_RESULT_A_TRANSMISSIONS, transmissions);
	nla_put_u32(msg, IOTGW_COAP_RESULT_A_ELAPSED_MS, 12);
	if (status == IOTGW_COAP_STATUS_RESPONSE) {
		nla_put_flag(msg, IOTGW_COAP_RESULT_A_ACKED);
		nla_put_u8(msg, IOTGW_COAP_RESULT_A_CODE, code);
		if (format >= 0)
			nla_put_u16(msg, IOTGW_COAP_RESULT_A_CONTENT_FORMAT,
				    (uint16_t)format);
		if (payload && *payload)
			nla_put(msg, IOTGW_COAP_RESULT_A_PAYLOAD,
				(int)strlen(payload), payload);
	}
	nla_nest_end(msg, nest);
	send_msg(r->from, msg);
}

static int coap_request(uint32_t from, const struct nlmsghdr *hdr,
			struct nlattr **tb)
{
	struct nlattr *qa[IOTGW_COAP_REQ_A_MAX + 1];
	struct seen_request *r;
	int len;

	if (!tb[IOTGW_A_COAP_REQ] ||
	    nla_parse_nested(qa, IOTGW_COAP_REQ_A_MAX, tb[IOTGW_A_COAP_REQ],
			     NULL) < 0 || !qa[IOTGW_COAP_REQ_A_ADDR] ||
	    !qa[IOTGW_COAP_REQ_A_METHOD] || k.n_reqs >= MAX_REQS)
		return -EINVAL;
	r = &k.reqs[k.n_reqs];
	memset(r, 0, sizeof(*r));
	r->from = from;
	r->seq = hdr->nlmsg_seq;
	len = nla_len(qa[IOTGW_COAP_REQ_A_ADDR]);
	inet_ntop(len == 4 ? AF_INET : AF_INET6,
		  nla_data(qa[IOTGW_COAP_REQ_A_ADDR]), r->addr, sizeof(r->addr));
	r->port = qa[IOTGW_COAP_REQ_A_PORT] ?
		  nla_get_u16(qa[IOTGW_COAP_REQ_A_PORT]) : 5683;
	r->type = qa[IOTGW_COAP_REQ_A_TYPE] ?
		  nla_get_u8(qa[IOTGW_COAP_REQ_A_TYPE]) : 0;
	r->method = nla_get_u8(qa[IOTGW_COAP_REQ_A_METHOD]);
	r->content_format = qa[IOTGW_COAP_REQ_A_CONTENT_FORMAT] ?
		nla_get_u16(qa[IOTGW_COAP_REQ_A_CONTENT_FORMAT]) : -1;
	if (qa[IOTGW_COAP_REQ_A_PATH])
		snprintf(r->path, sizeof(r->path), "%s",
			 nla_get_string(qa[IOTGW_COAP_REQ_A_PATH]));
	if (qa[IOTGW_COAP_REQ_A_PAYLOAD])
		snprintf(r->payload, sizeof(r->payload), "%.*s",
			 nla_len(qa[IOTGW_COAP_REQ_A_PAYLOAD]),
			 (const char *)nla_data(qa[IOTGW_COAP_REQ_A_PAYLOAD]));
	r->has_cookie = qa[IOTGW_COAP_REQ_A_COOKIE];
	if (r->has_cookie)
		r->cookie = nla_get_u64(qa[IOTGW_COAP_REQ_A_COOKIE]);
	if (qa[IOTGW_COAP_REQ_A_TIMEOUT_MS])
		r->timeout_ms = nla_get_u32(qa[IOTGW_COAP_REQ_A_TIMEOUT_MS]);
	if (k.refuse_path && !strcmp(r->path, k.refuse_path))
		return -EINVAL;		/* not recorded: nothing was sent */
	r->id = ++k.next_id;
	k.n_reqs++;
	if (!k.hold_replies)
		send_reply(k.n_reqs - 1);
	return 0;
}

static void dump_devices(uint32_t from, const struct nlmsghdr *hdr)
{
	struct {
		struct nlmsghdr hdr;
		int error;
	} done = {
		.hdr = {
			.nlmsg_len = sizeof(done), .nlmsg_type = NLMSG_DONE,
			.nlmsg_flags = NLM_F_MULTI, .nlmsg_seq = hdr->nlmsg_seq,
		},
	};

	k.dumps++;
	for (int i = 0; i < k.n_devices; i++) {
		const struct fake_device *d = &k.devices[i];
		struct nl_msg *msg = new_msg(hdr->nlmsg_seq, NLM_F_MULTI,
					     IOTGW_CMD_DEVICE_GET);
		struct nlattr *nest = nla_nest_start(msg, IOTGW_A_DEVICE);
		int family = strchr(d->addr, ':') ? AF_INET6 : AF_INET;
		uint8_t addr[16];

		inet_pton(family, d->addr, addr);
		nla_put_u8(msg, IOTGW_DEVICE_A_FAMILY, (uint8_t)family);
		nla_put(msg, IOTGW_DEVICE_A_ADDR, family == AF_INET ? 4 : 16,
			addr);
		nla_put_u16(msg, IOTGW_DEVICE_A_PORT, d->port);
		nla_put_u8(msg, IOTGW_DEVICE_A_PROTO, IOTGW_PROTO_COAP);
		nla_put_string(msg, IOTGW_DEVICE_A_TOPIC, d->topic);
		nla_put_u64(msg, IOTGW_DEVICE_A_PACKETS, 3);
		nla_put_u32(msg, IOTGW_DEVICE_A_AGE_MS, d->age_ms);
		nla_nest_end(msg, nest);
		send_msg(from, msg);
	}
	send_to(from, &done, sizeof(done));
}

static void config_get(uint32_t from, const struct nlmsghdr *hdr)
{
	struct nl_msg *msg = new_msg(hdr->nlmsg_seq, 0, IOTGW_CMD_CONFIG_GET);
	struct nlattr *nest;

	k.config_gets++;
	nla_put_string(msg, IOTGW_A_VERSION, "0.0.0");
	nest = nla_nest_start(msg, IOTGW_A_CONFIG);
	nla_put_u32(msg, IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS, 2000);
	nla_put_u32(msg, IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR, 150);
	nla_put_u32(msg, IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT, 4);
	nla_nest_end(msg, nest);
	send_msg(from, msg);
}

static int handle_request(uint32_t from, struct nlmsghdr *hdr)
{
	struct genlmsghdr *gh = nlmsg_data(hdr);
	struct nlattr *tb[IOTGW_A_MAX + 1];

	if (hdr->nlmsg_type != IOTGWD_FAKE_FAMILY ||
	    genlmsg_parse(hdr, 0, tb, IOTGW_A_MAX, NULL) < 0)
		return -EINVAL;
	switch (gh->cmd) {
	case IOTGW_CMD_QUEUE_BIND:
		k.consumer = from;
		k.binds++;
		return 0;
	case IOTGW_CMD_QUEUE_UNBIND:
		k.consumer = 0;
		k.unbinds++;
		return 0;
	case IOTGW_CMD_QUEUE_ACK:
	case IOTGW_CMD_QUEUE_NACK:
		return 0;
	case IOTGW_CMD_COAP_REQUEST:
		if (from == k.consumer)
			return -EINVAL;	/* the consumer's socket: wrong one */
		return coap_request(from, hdr, tb);
	case IOTGW_CMD_DEVICE_GET:
		dump_devices(from, hdr);
		return 0;
	case IOTGW_CMD_CONFIG_GET:
		config_get(from, hdr);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* The cloud's recorder: answers on resp/# and r311/#. */
static void on_sub_message(struct mosquitto *mosq, void *arg,
			   const struct mosquitto_message *msg,
			   const mosquitto_property *props)
{
	const mosquitto_property *p = props;
	struct seen_answer *a;
	char *name, *value;
	size_t off = 0;
	uint16_t len;
	void *data;

	(void)mosq;
	(void)arg;
	if (strncmp(msg->topic, "resp/", 5) && strncmp(msg->topic, "r311/", 5))
		return;
	if (k.n_answers >= MAX_ANSWERS)
		return;
	a = &k.answers[k.n_answers++];
	memset(a, 0, sizeof(*a));
	snprintf(a->topic, sizeof(a->topic), "%s", msg->topic);
	snprintf(a->payload, sizeof(a->payload), "%.*s", msg->payloadlen,
		 (const char *)msg->payload);
	if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA,
					   &data, &len, false)) {
		snprintf(a->correlation, sizeof(a->correlation), "%.*s",
			 (int)len, (const char *)data);
		free(data);
	}
	for (bool skip = false;
	     (p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY,
						      &name, &value, skip));
	     skip = true) {
		off += (size_t)snprintf(a->props + off, sizeof(a->props) - off,
					"%s=%s;", name, value);
		free(name);
		free(value);
	}
	if (mosquitto_property_read_string(props, MQTT_PROP_CONTENT_TYPE,
					   &value, false)) {
		snprintf(a->props + off, sizeof(a->props) - off,
			 "content-type=%s;", value);
		free(value);
	}
}

/* Answer requests for up to @ms, until @done. */
static void serve(struct mosquitto_rig *r, int ms, bool (*done)(void))
{
	uint64_t end = clock_now_ms() + (uint64_t)ms;
	static char buf[65536];

	while (clock_now_ms() < end && !(done && done())) {
		struct pollfd pfd = { .fd = k.fd, .events = POLLIN };
		struct sockaddr_nl from;
		socklen_t len = sizeof(from);
		ssize_t n;

		if (r->sub)
			mosquitto_loop(r->sub, 0, 1);
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		n = recvfrom(k.fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &len);
		if (n <= 0)
			continue;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
		     NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n))
			answer(from.nl_pid, h, handle_request(from.nl_pid, h));
	}
}

/* A cloud server's command: MQTT 5, QoS 1, with a request's properties. */
static int cloud_publish(struct mosquitto_rig *r, const char *topic,
			 const char *payload, const char *response_topic,
			 const char *correlation, const char *coap_method)
{
	struct mosquitto *pub = mosquitto_new(NULL, true, NULL);
	mosquitto_property *props = NULL;
	int rc;

	if (!pub)
		return -1;
	mosquitto_int_option(pub, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	rc = mosquitto_connect(pub, "127.0.0.1", r->port, 10);
	if (!rc && response_topic)
		rc = mosquitto_property_add_string(&props,
						   MQTT_PROP_RESPONSE_TOPIC,
						   response_topic);
	if (!rc && correlation)
		rc = mosquitto_property_add_binary(&props,
						   MQTT_PROP_CORRELATION_DATA,
						   correlation,
						   (uint16_t)strlen(correlation));
	if (!rc && coap_method)
		rc = mosquitto_property_add_string_pair(&props,
							MQTT_PROP_USER_PROPERTY,
							"coap-method",
							coap_method) ||
		     mosquitto_property_add_string(&props,
						   MQTT_PROP_CONTENT_TYPE,
						   "text/plain;charset=utf-8");
	if (!rc)
		rc = mosquitto_publish_v5(pub, NULL, topic,
					  (int)strlen(payload), payload, 1,
					  false, props);
	for (int i = 0; i < 20 && !rc; i++)
		mosquitto_loop(pub, 10, 1);
	mosquitto_property_free_all(&props);
	mosquitto_disconnect(pub);
	mosquitto_destroy(pub);
	return rc ? -1 : 0;
}

static const char conf_v1[] =
	"[gateway]\nid = gw1\ncommands-max = 3\n"
	"[broker cloud]\nhost = 127.0.0.1\nport = %1$d\n"
	"command-topic = cmd/{gateway}/#\n"
	"[broker old]\nhost = 127.0.0.1\nport = %1$d\nmqtt = 3.1.1\n"
	"client-id = iotgwd-old\ncommand-topic = c311/{gateway}/#\n"
	"reply-topic = r311/{gateway}/{path}\ncommand-method = get\n"
	"command-timeout-ms = 200\n"
	"[device cab7]\npath = cabinet/7/#\naddress = coap://192.0.2.7\n"
	"[device bad]\npath = bad/#\naddress = coap://[2001:db8::8]:5684\n"
	"[device slow]\npath = slow/#\naddress = coap://192.0.2.9\n";
/* the command-topic moved, cab7 elsewhere */
static const char conf_v2[] =
	"[gateway]\nid = gw1\n"
	"[broker cloud]\nhost = 127.0.0.1\nport = %1$d\n"
	"command-topic = cmd2/{gateway}/#\ncommand-confirmable = false\n"
	"[device cab7]\npath = cabinet/7/#\naddress = coap://192.0.2.77:5690\n";

FIXTURE(downlink) {
	struct mosquitto_rig r;
	char conf[160];
	char log[160];
	pid_t pid;
};

FIXTURE_SETUP(downlink)
{
	memset(&k, 0, sizeof(k));
	k.next_id = 100;
	self->pid = 0;
	ASSERT_LE(0, mosq_rig_setup(&self->r));
	if (!self->r.exe)
		return;
	ASSERT_EQ(0, mosquitto_lib_init());
	ASSERT_EQ(0, fake_kernel_open());
	snprintf(self->conf, sizeof(self->conf), "%s/iotgwd.conf", self->r.dir);
	snprintf(self->log, sizeof(self->log), "%s/iotgwd.log", self->r.dir);
}

FIXTURE_TEARDOWN(downlink)
{
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	if (getenv("IOTGWD_TEST_SHOW_LOG") && self->r.exe) {
		char cmd[200];

		snprintf(cmd, sizeof(cmd), "sed 's/^/# /' %s", self->log);
		if (system(cmd) != 0)
			fprintf(stderr, "# cannot show %s\n", self->log);
	}
	if (k.fd > 0)
		close(k.fd);
	mosq_rig_teardown(&self->r);
	mosquitto_lib_cleanup();
}

static int write_conf(const char *path, const char *fmt, int port)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, fmt, port);
	return fclose(f);
}

static pid_t start_iotgwd(FIXTURE_DATA(downlink) *self)
{
	char port[16], *preload = realpath(FAKE_GENL_SO, NULL);
	pid_t pid;

	if (!preload)
		return -1;
	snprintf(port, sizeof(port), "%u", k.port);
	pid = fork();
	if (pid == 0) {
		int log = open(self->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(log, 2);
		setenv("IOTGWD_FAKE_KERNEL_PORT", port, 1);
		setenv("LD_PRELOAD", preload, 1);
		if (getenv("IOTGWD_TEST_VALGRIND"))
			execlp("valgrind", "valgrind", "-q", "--leak-check=full",
			       "--error-exitcode=99", IOTGWD_BIN, "-f", "-v",
			       "-c", self->conf, (char *)NULL);
		else
			execl(IOTGWD_BIN, "iotgwd", "-f", "-v", "-c",
			      self->conf, (char *)NULL);
		_exit(127);
	}
	free(preload);
	return pid;
}

static bool log_has(const char *path, const char *text)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

static int log_count(const char *path, const char *text)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, text) != NULL;
	fclose(f);
	return n;
}

/* What the serve() conditions look at. */
static const char *log_path;
static const char *waited_text;
static int want_reqs, want_answers, want_text_count;

static bool reqs_seen(void) { return k.n_reqs >= want_reqs; }
static bool answers_seen(void) { return k.n_answers >= want_answers; }
static bool text_logged(void)
{
	return log_count(log_path, waited_text) >= want_text_count;
}
static bool unbound(void) { return k.unbinds > 0; }

static void wait_reqs(FIXTURE_DATA(downlink) *self, int n, int ms)
{
	want_reqs = n;
	serve(&self->r, ms, reqs_seen);
}

static void wait_answers(FIXTURE_DATA(downlink) *self, int n, int ms)
{
	want_answers = n;
	serve(&self->r, ms, answers_seen);
}

static bool wait_log(FIXTURE_DATA(downlink) *self, const char *text, int count,
		     int ms)
{
	log_path = self->log;
	waited_text = text;
	want_text_count = count;
	serve(&self->r, ms, text_logged);
	return text_logged();
}

/* The answer on @topic, or NULL. */
static const struct seen_answer *answer_on(const char *topic)
{
	for (int i = 0; i < k.n_answers; i++)
		if (!strcmp(k.answers[i].topic, topic))
			return &k.answers[i];
	return NULL;
}

#define NEED_RIG() do { \
	if (!self->r.exe) \
		SKIP(return, "mosquitto is not installed"); \
	if (access(IOTGWD_BIN, X_OK) || access(FAKE_GENL_SO, R_OK)) \
		SKIP(return, "build " IOTGWD_BIN " and " FAKE_GENL_SO " first"); \
} while (0)

static void start_and_subscribe(FIXTURE_DATA(downlink) *self,
				struct __test_metadata *_metadata,
				const char *conf)
{
	ASSERT_EQ(0, write_conf(self->conf, conf, self->r.port));
	ASSERT_EQ(0, mosq_rig_subscribe(&self->r, on_sub_message));
	self->pid = start_iotgwd(self);
	ASSERT_LT(0, self->pid);
	ASSERT_TRUE(wait_log(self, "subscribed to commands on \"cmd", 1,
			     20000));
}

/* SIGTERM: iotgwd exits 0 (valgrind: 99 if it found an error or a leak). */
static int stop_iotgwd(FIXTURE_DATA(downlink) *self)
{
	int status = -1;

	if (kill(self->pid, SIGTERM))
		return -1;
	for (int i = 0; i < 2000 && waitpid(self->pid, &status, WNOHANG) == 0;
	     i++)
		serve(&self->r, 10, NULL);
	self->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F_TIMEOUT(downlink, commands_and_answers, 120)
{
	const struct seen_answer *a;
	int status = -1, busy = 0;

	NEED_RIG();
	start_and_subscribe(self, _metadata, conf_v1);
	ASSERT_TRUE(wait_log(self, "subscribed to commands on \"c311/gw1/#\"",
			     1, 10000));
	serve(&self->r, 200, NULL);

	/* 1: by [device cab7]; the result comes before the reply. */
	k.hold_replies = true;
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/cabinet/7/door", "open",
				   "resp/1", "abc123", "put"));
	wait_reqs(self, 1, 10000);
	ASSERT_EQ(1, k.n_reqs);
	EXPECT_STREQ("192.0.2.7", k.reqs[0].addr);
	EXPECT_EQ(5683, k.reqs[0].port);
	EXPECT_EQ(0, k.reqs[0].type);		/* CON */
	EXPECT_EQ(3, k.reqs[0].method);		/* PUT, from coap-method */
	EXPECT_STREQ("cabinet/7/door", k.reqs[0].path);
	EXPECT_EQ(0, k.reqs[0].content_format);
	EXPECT_STREQ("open", k.reqs[0].payload);
	EXPECT_TRUE(k.reqs[0].has_cookie);
	EXPECT_EQ(0, k.reqs[0].timeout_ms);
	EXPECT_NE(k.consumer, k.reqs[0].from);
	send_result(0, IOTGW_COAP_STATUS_RESPONSE, 0x44, 1, 0, "ok:open");
	send_reply(0);
	k.hold_replies = false;
	wait_answers(self, 1, 10000);
	a = answer_on("resp/1");
	ASSERT_NE(NULL, a);
	EXPECT_STREQ("ok:open", a->payload);
	EXPECT_STREQ("abc123", a->correlation);
	EXPECT_STREQ("coap-status=response;coap-code=2.04;coap-transmissions=1;"
		     "content-type=text/plain;charset=utf-8;", a->props);

	/* 2: by the device table, one dump for two commands. */
	k.devices[0] = (struct fake_device){ "192.0.2.20", 40000,
					     "valve/3/state", 900 };
	k.devices[1] = (struct fake_device){ "192.0.2.21", 40001,
					     "valve/3/flow", 100 };
	k.devices[2] = (struct fake_device){ "192.0.2.22", 40002,
					     "valve/4/flow", 1 };
	k.n_devices = 3;
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/valve/3/open", "1",
				   "resp/2", "c2", NULL));
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/valve/3/close", "",
				   "resp/3", "c3", NULL));
	wait_reqs(self, 3, 10000);
	ASSERT_EQ(3, k.n_reqs);
	EXPECT_EQ(1, k.dumps);
	for (int i = 1; i <= 2; i++) {
		EXPECT_STREQ("192.0.2.21", k.reqs[i].addr);
		EXPECT_EQ(5683, k.reqs[i].port);	/* device-port */
		EXPECT_EQ(2, k.reqs[i].method);		/* POST */
		EXPECT_EQ(-1, k.reqs[i].content_format);
	}
	EXPECT_STREQ("valve/3/open", k.reqs[1].path);
	EXPECT_STREQ("valve/3/close", k.reqs[2].path);
	EXPECT_NE(k.reqs[1].cookie, k.reqs[2].cookie);
	/* answered in the other order: by cookie */
	send_result(2, IOTGW_COAP_STATUS_RESET, 0, 1, -1, NULL);
	send_result(1, IOTGW_COAP_STATUS_TIMEOUT, 0, 5, -1, NULL);
	wait_answers(self, 3, 10000);
	a = answer_on("resp/2");
	ASSERT_NE(NULL, a);
	EXPECT_STREQ("", a->payload);
	EXPECT_STREQ("c2", a->correlation);
	EXPECT_STREQ("coap-status=timeout;coap-transmissions=5;", a->props);
	a = answer_on("resp/3");
	ASSERT_NE(NULL, a);
	EXPECT_STREQ("c3", a->correlation);
	EXPECT_STREQ("coap-status=reset;coap-transmissions=1;", a->props);

	/* 3: unroutable, never silence. */
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/nowhere/x", "",
				   "resp/4", "c4", NULL));
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/door", "", "resp/5",
				   "c5", NULL));
	wait_answers(self, 5, 10000);
	a = answer_on("resp/4");
	ASSERT_NE(NULL, a);
	EXPECT_STREQ("c4", a->correlation);
	EXPECT_STREQ("coap-status=unroutable;coap-error=no device serves nowhere/x;",
		     a->props);
	a = answer_on("resp/5");
	ASSERT_NE(NULL, a);
	EXPECT_STREQ("coap-status=unroutable;coap-error=no device serves door (a one-level path is routed by [device] sections only);",
		     a->props);
	EXPECT_EQ(3, k.n_reqs);

	/* 4: the kernel refuses: its extack in the answer. */
	k.refuse_path = "bad/path";
	k.extack = "bad path, or a query part over 255 bytes";
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/bad/path", "", "resp/6",
				   "c6", NULL));
	wait_answers(self, 6, 10000);
	a = answer_on("resp/6");
	ASSERT_NE(NULL, a);
	EXPECT_STREQ("c6", a->correlation);
	EXPECT_STREQ("coap-status=error;coap-error=the kernel refused the request: Invalid argument: bad path, or a query part over 255 bytes;",
		     a->props);
	k.refuse_path = NULL;

	/* 5: commands-max 3 pending: the fourth is busy at once. */
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/cabinet/7/a", "", "resp/b",
				   "b1", NULL));
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/cabinet/7/b", "", "resp/b",
				   "b2", NULL));
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/cabinet/7/c", "", "resp/b",
				   "b3", NULL));
	wait_reqs(self, 6, 10000);
	ASSERT_EQ(6, k.n_reqs);
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/cabinet/7/d", "", "resp/b",
				   "b4", NULL));
	wait_answers(self, 7, 10000);
	ASSERT_EQ(7, k.n_answers);
	EXPECT_STREQ("b4", k.answers[6].correlation);
	EXPECT_STREQ("coap-status=busy;coap-error=3 commands are pending already (commands-max);",
		     k.answers[6].props);
	for (int i = 3; i < 6; i++)
		send_result(i, IOTGW_COAP_STATUS_RESPONSE, 0x44, 1, -1, NULL);
	wait_answers(self, 10, 10000);
	for (int i = 7; i < 10; i++) {
		EXPECT_STREQ("resp/b", k.answers[i].topic);
		EXPECT_STREQ("coap-status=response;coap-code=2.04;coap-transmissions=1;",
			     k.answers[i].props);
		busy += !strcmp(k.answers[i].correlation, "b4");
	}
	EXPECT_EQ(0, busy);
	EXPECT_EQ(6, k.n_reqs);

	/* 6: MQTT 3.1.1: GET, the JSON reply on the reply-topic. */
	ASSERT_EQ(0, cloud_publish(&self->r, "c311/gw1/cabinet/7/temp", "",
				   NULL, NULL, NULL));
	wait_reqs(self, 7, 10000);
	ASSERT_EQ(7, k.n_reqs);
	EXPECT_EQ(1, k.reqs[6].method);
	EXPECT_EQ(200, k.reqs[6].timeout_ms);
	send_result(6, IOTGW_COAP_STATUS_RESPONSE, 0x45, 1, 0, "21.5");
	wait_answers(self, 11, 10000);
	a = answer_on("r311/gw1/cabinet/7/temp");
	ASSERT_NE(NULL, a);
	EXPECT_STREQ("{\"status\":\"response\",\"code\":\"2.05\",\"content_format\":0,\"payload\":\"21.5\",\"transmissions\":1}",
		     a->payload);
	EXPECT_STREQ("", a->props);
	EXPECT_STREQ("", a->correlation);

	/* 7: no result by the deadline (200 ms + 5 s): an error. */
	ASSERT_EQ(0, cloud_publish(&self->r, "c311/gw1/slow/x", "", NULL, NULL,
				   NULL));
	wait_reqs(self, 8, 10000);
	ASSERT_EQ(8, k.n_reqs);
	wait_answers(self, 12, 15000);
	a = answer_on("r311/gw1/slow/x");
	ASSERT_NE(NULL, a);
	{
		static const char want[] =
			"{\"status\":\"error\",\"error\":\"no result from the kernel within ";

		EXPECT_EQ(0, strncmp(a->payload, want, strlen(want)))
			TH_LOG("%s", a->payload);
	}
	/* a late result is ignored */
	send_result(7, IOTGW_COAP_STATUS_TIMEOUT, 0, 5, -1, NULL);

	/* 8: MQTT 5 without a Response Topic, no reply-topic: logged. */
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/cabinet/7/fire", "", NULL,
				   NULL, NULL));
	wait_reqs(self, 9, 10000);
	ASSERT_EQ(9, k.n_reqs);
	send_result(8, IOTGW_COAP_STATUS_UNREACHABLE, 0, 1, -1, NULL);
	EXPECT_TRUE(wait_log(self, "answered nowhere: no Response Topic, and broker cloud has no reply-topic",
			     1, 10000));

	/* 9: SIGTERM with a command pending: answered, then unbound. */
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/cabinet/7/wait", "",
				   "resp/stop", "s1", NULL));
	wait_reqs(self, 10, 10000);
	ASSERT_EQ(10, k.n_reqs);
	ASSERT_EQ(0, kill(self->pid, SIGTERM));
	serve(&self->r, 10000, unbound);
	for (int i = 0; i < 1000 && waitpid(self->pid, &status, WNOHANG) == 0;
	     i++)
		serve(&self->r, 10, NULL);
	self->pid = 0;
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	wait_answers(self, 13, 5000);
	a = answer_on("resp/stop");
	ASSERT_NE(NULL, a);
	EXPECT_STREQ("s1", a->correlation);
	EXPECT_STREQ("coap-status=error;coap-error=iotgwd stopped before the outcome came (the request may have been sent);",
		     a->props);
	EXPECT_LE(1, k.config_gets);
}

TEST_F_TIMEOUT(downlink, answer_kept_while_the_broker_is_down, 90)
{
	const struct seen_answer *a;

	NEED_RIG();
	start_and_subscribe(self, _metadata, conf_v1);
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/cabinet/7/door", "open",
				   "resp/down", "d1", NULL));
	wait_reqs(self, 1, 10000);
	ASSERT_EQ(1, k.n_reqs);

	/* The broker goes, the result comes, the broker is back. */
	mosquitto_destroy(self->r.sub);
	self->r.sub = NULL;
	mosq_rig_kill(&self->r);
	ASSERT_TRUE(wait_log(self, "lost the connection", 1, 10000));
	send_result(0, IOTGW_COAP_STATUS_RESPONSE, 0x44, 2, -1, "done");
	serve(&self->r, 500, NULL);
	self->r.pid = mosq_rig_start(&self->r);
	ASSERT_LT(0, self->r.pid);
	ASSERT_EQ(0, mosq_rig_subscribe(&self->r, on_sub_message));
	wait_answers(self, 1, 30000);
	a = answer_on("resp/down");
	ASSERT_NE(NULL, a);
	EXPECT_STREQ("done", a->payload);
	EXPECT_STREQ("d1", a->correlation);
	EXPECT_STREQ("coap-status=response;coap-code=2.04;coap-transmissions=2;",
		     a->props);

	/* Subscribed again after the reconnect. */
	ASSERT_TRUE(wait_log(self, "subscribed to commands on \"cmd/gw1/#\"", 2,
			     10000));
	serve(&self->r, 200, NULL);
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/cabinet/7/door", "again",
				   "resp/again", NULL, NULL));
	wait_reqs(self, 2, 10000);
	EXPECT_EQ(2, k.n_reqs);
	EXPECT_EQ(0, stop_iotgwd(self));
}

TEST_F_TIMEOUT(downlink, reload_moves_the_subscription, 90)
{
	NEED_RIG();
	start_and_subscribe(self, _metadata, conf_v1);
	ASSERT_EQ(0, write_conf(self->conf, conf_v2, self->r.port));
	ASSERT_EQ(0, kill(self->pid, SIGHUP));
	ASSERT_TRUE(wait_log(self, "subscribed to commands on \"cmd2/gw1/#\"", 1,
			     10000));
	EXPECT_TRUE(log_has(self->log, "no longer subscribed to commands on \"cmd/gw1/#\""));
	serve(&self->r, 300, NULL);

	/* the old topic: nothing; the new one: the new [device] address */
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd/gw1/cabinet/7/door", "",
				   "resp/old", NULL, NULL));
	serve(&self->r, 1000, NULL);
	EXPECT_EQ(0, k.n_reqs);
	ASSERT_EQ(0, cloud_publish(&self->r, "cmd2/gw1/cabinet/7/door", "x",
				   "resp/new", NULL, NULL));
	wait_reqs(self, 1, 10000);
	ASSERT_EQ(1, k.n_reqs);
	EXPECT_STREQ("192.0.2.77", k.reqs[0].addr);
	EXPECT_EQ(5690, k.reqs[0].port);
	EXPECT_EQ(1, k.reqs[0].type);		/* NON */
	send_result(0, IOTGW_COAP_STATUS_RESPONSE, 0x44, 1, -1, NULL);
	wait_answers(self, 1, 10000);
	ASSERT_NE(NULL, answer_on("resp/new"));
	EXPECT_EQ(NULL, answer_on("resp/old"));
	EXPECT_EQ(0, stop_iotgwd(self));
}

TEST_HARNESS_MAIN
