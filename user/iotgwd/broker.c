// SPDX-License-Identifier: GPL-2.0
/* One cloud broker connection: libmosquitto without its thread. */
#include "broker.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "clock.h"
#include "log.h"

enum broker_state {
	BROKER_IDLE,		/* not started */
	BROKER_CONNECTING,	/* waiting for the socket, then CONNACK */
	BROKER_CONNECTED,
	BROKER_BACKOFF,		/* waiting to try again */
	BROKER_STOPPED,
};

struct broker {
	const struct broker_cfg *cfg;
	struct mosquitto *mosq;
	enum broker_state state;
	/* connect() in progress: poll for POLLOUT, libmosquitto does not ask */
	bool connect_pending;
	uint64_t deadline_ms;	/* CONNECTING: give up; BACKOFF: try again */
	unsigned int backoff_ms;
	const struct broker_events *events;
	void *arg;
	int corked_fd;		/* the socket broker_cork() corked, or -1 */
};

int broker_lib_init(void)
{
	return mosquitto_lib_init() == MOSQ_ERR_SUCCESS ? 0 : -EIO;
}

void broker_lib_cleanup(void)
{
	mosquitto_lib_cleanup();
}

static void schedule_reconnect(struct broker *b, uint64_t now_ms,
			       const char *what)
{
	log_warn("broker %s: %s; connecting again in %u s", b->cfg->name, what,
		 b->backoff_ms / 1000);
	b->state = BROKER_BACKOFF;
	b->connect_pending = false;
	b->deadline_ms = now_ms + b->backoff_ms;
	b->backoff_ms *= 2;
	if (b->backoff_ms > BROKER_BACKOFF_MAX_MS)
		b->backoff_ms = BROKER_BACKOFF_MAX_MS;
}

static void on_connect(struct mosquitto *mosq, void *arg, int rc)
{
	struct broker *b = arg;

	(void)mosq;
	if (b->state == BROKER_STOPPED)
		return;
	if (rc) {
		/* libmosquitto drops the connection: on_disconnect follows. */
		log_error("broker %s: connection refused: %s", b->cfg->name,
			  b->cfg->mqtt_version == CONFIG_MQTT_5 ?
			  mosquitto_reason_string(rc) :
			  mosquitto_connack_string(rc));
		return;
	}
	log_info("broker %s: connected to %s:%d", b->cfg->name, b->cfg->host,
		 b->cfg->port);
	b->state = BROKER_CONNECTED;
	b->connect_pending = false;
	b->backoff_ms = BROKER_BACKOFF_MIN_MS;
	if (b->events->on_connect)
		b->events->on_connect(b, b->arg);
}

static void on_disconnect(struct mosquitto *mosq, void *arg, int rc)
{
	struct broker *b = arg;
	char what[160];

	(void)mosq;
	if (b->state == BROKER_STOPPED || b->state == BROKER_IDLE)
		return;
	snprintf(what, sizeof(what), "%s %s:%d (%s)",
		 b->state == BROKER_CONNECTED ? "lost the connection to" :
		 "cannot connect to", b->cfg->host, b->cfg->port,
		 rc ? mosquitto_strerror(rc) : "closed");
	schedule_reconnect(b, clock_now_ms(), what);
	if (b->events->on_disconnect)
		b->events->on_disconnect(b, b->arg);
}

static void on_publish(struct mosquitto *mosq, void *arg, int mid,
		       int reason_code, const mosquitto_property *props)
{
	struct broker *b = arg;

	(void)mosq;
	(void)props;
	if (b->events->on_confirm)
		b->events->on_confirm(b, mid, reason_code, b->arg);
}

static void on_subscribe(struct mosquitto *mosq, void *arg, int mid,
			 int qos_count, const int *granted_qos,
			 const mosquitto_property *props)
{
	struct broker *b = arg;

	(void)mosq;
	(void)props;
	if (b->events->on_subscribed && qos_count > 0)
		b->events->on_subscribed(b, mid, granted_qos[0], b->arg);
}

/* A delivered message, with its MQTT 5 properties read, to on_message. */
static void on_message(struct mosquitto *mosq, void *arg,
		       const struct mosquitto_message *msg,
		       const mosquitto_property *props)
{
	struct broker *b = arg;
	struct broker_property user[BROKER_USER_PROPS_MAX];
	struct broker_incoming m = {
		.topic = msg->topic,
		.payload = msg->payload,
		.payload_len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0,
		.qos = msg->qos,
		.retain = msg->retain,
		.user_props = user,
	};
	char *response_topic = NULL, *content_type = NULL;
	const mosquitto_property *p = props;
	void *correlation = NULL;
	uint16_t correlation_len = 0;
	char *name, *value;

	(void)mosq;
	if (!b->events->on_message || b->state == BROKER_STOPPED)
		return;
	if (mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC,
					   &response_topic, false))
		m.response_topic = response_topic;
	if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA,
					   &correlation, &correlation_len,
					   false)) {
		m.correlation_data = correlation;
		m.correlation_len = correlation_len;
	}
	if (mosquitto_property_read_string(props, MQTT_PROP_CONTENT_TYPE,
					   &content_type, false))
		m.content_type = content_type;
	for (bool skip = false;
	     m.n_user_props < BROKER_USER_PROPS_MAX &&
	     (p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY,
						      &name, &value, skip));
	     skip = true)
		user[m.n_user_props++] = (struct broker_property){
			.name = name, .value = value,
		};
	b->events->on_message(b, &m, b->arg);
	for (size_t i = 0; i < m.n_user_props; i++) {
		free((char *)user[i].name);
		free((char *)user[i].value);
	}
	free(response_topic);
	free(correlation);
	free(content_type);
}

struct broker *broker_new(const struct broker_cfg *cfg,
			  const struct broker_events *events, void *arg,
			  char *err, size_t errlen)
{
	struct broker *b = calloc(1, sizeof(*b));
	int rc;

	if (!b) {
		snprintf(err, errlen, "broker %s: out of memory", cfg->name);
		return NULL;
	}
	b->cfg = cfg;
	b->events = events;
	b->arg = arg;
	b->corked_fd = -1;
	b->backoff_ms = BROKER_BACKOFF_MIN_MS;
	b->mosq = mosquitto_new(cfg->client_id, cfg->clean_start, b);
	if (!b->mosq) {
		snprintf(err, errlen, "broker %s: %s", cfg->name,
			 strerror(errno));
		free(b);
		return NULL;
	}
	rc = mosquitto_int_option(b->mosq, MOSQ_OPT_PROTOCOL_VERSION,
				  cfg->mqtt_version == CONFIG_MQTT_5 ?
				  MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
	if (!rc)
		rc = mosquitto_int_option(b->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	/*
	 * The kernel's credit already bounds what is unconfirmed; the
	 * library's own default of 20 in flight held QoS 1 to 20 messages
	 * a round trip. An MQTT 5 broker's Receive Maximum still applies.
	 */
	if (!rc)
		rc = mosquitto_int_option(b->mosq, MOSQ_OPT_SEND_MAXIMUM, 65535);
	if (!rc && cfg->username)
		rc = mosquitto_username_pw_set(b->mosq, cfg->username,
					       cfg->password);
	if (!rc && cfg->ca_file)
		rc = mosquitto_tls_set(b->mosq, cfg->ca_file, NULL,
				       cfg->cert_file, cfg->key_file, NULL);
	if (rc) {
		snprintf(err, errlen, "broker %s: %s", cfg->name,
			 mosquitto_strerror(rc));
		mosquitto_destroy(b->mosq);
		free(b);
		return NULL;
	}
	mosquitto_connect_callback_set(b->mosq, on_connect);
	mosquitto_disconnect_callback_set(b->mosq, on_disconnect);
	mosquitto_publish_v5_callback_set(b->mosq, on_publish);
	mosquitto_message_v5_callback_set(b->mosq, on_message);
	mosquitto_subscribe_v5_callback_set(b->mosq, on_subscribe);
	return b;
}

void broker_free(struct broker *b)
{
	if (!b)
		return;
	b->state = BROKER_STOPPED;
	mosquitto_destroy(b->mosq);
	free(b);
}

static void connect_now(struct broker *b, uint64_t now_ms)
{
	int rc;

	b->state = BROKER_CONNECTING;
	b->deadline_ms = now_ms + BROKER_CONNECT_TIMEOUT_MS;
	/* Non-blocking but for the name lookup. Keeps unconfirmed messages. */
	rc = mosquitto_connect_async(b->mosq, b->cfg->host, b->cfg->port,
				     b->cfg->keepalive);
	if (rc) {
		char what[160];

		snprintf(what, sizeof(what), "cannot connect to %s:%d (%s)",
			 b->cfg->host, b->cfg->port,
			 rc == MOSQ_ERR_ERRNO ? strerror(errno) :
			 mosquitto_strerror(rc));
		schedule_reconnect(b, now_ms, what);
		return;
	}
	b->connect_pending = true;
}

void broker_start(struct broker *b, uint64_t now_ms)
{
	if (b->state == BROKER_IDLE)
		connect_now(b, now_ms);
}

void broker_stop(struct broker *b)
{
	bool connected = b->state == BROKER_CONNECTED;

	b->state = BROKER_STOPPED;
	if (connected && mosquitto_disconnect(b->mosq) == MOSQ_ERR_SUCCESS)
		mosquitto_loop_write(b->mosq, 1);
}

const char *broker_name(const struct broker *b)
{
	return b->cfg->name;
}

const struct broker_cfg *broker_get_cfg(const struct broker *b)
{
	return b->cfg;
}

void broker_set_cfg(struct broker *b, const struct broker_cfg *cfg)
{
	b->cfg = cfg;
}

bool broker_is_connected(const struct broker *b)
{
	return b->state == BROKER_CONNECTED;
}

static int add_properties(mosquitto_property **props,
			  const struct broker_message *msg)
{
	static const char *const names[] = {
		"src", "src-port", "proto", "received",
	};
	const char *const values[] = {
		msg->src, msg->src_port, msg->proto, msg->received,
	};
	int rc;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!values[i])
			continue;
		rc = mosquitto_property_add_string_pair(props,
							MQTT_PROP_USER_PROPERTY,
							names[i], values[i]);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < msg->n_user_props; i++) {
		rc = mosquitto_property_add_string_pair(props,
							MQTT_PROP_USER_PROPERTY,
							msg->user_props[i].name,
							msg->user_props[i].value);
		if (rc)
			return rc;
	}
	if (msg->correlation_data) {
		rc = mosquitto_property_add_binary(props,
						   MQTT_PROP_CORRELATION_DATA,
						   msg->correlation_data,
						   (uint16_t)msg->correlation_len);
		if (rc)
			return rc;
	}
	if (msg->content_type)
		return mosquitto_property_add_string(props,
						     MQTT_PROP_CONTENT_TYPE,
						     msg->content_type);
	return MOSQ_ERR_SUCCESS;
}

enum broker_publish_result broker_publish(struct broker *b,
					  const struct broker_message *msg,
					  int *mid, const char **why)
{
	mosquitto_property *props = NULL;
	int rc;

	*why = NULL;
	if (b->state != BROKER_CONNECTED)
		return BROKER_RETRY;
	if (msg->payload_len > MQTT_MAX_PAYLOAD) {
		*why = mosquitto_strerror(MOSQ_ERR_PAYLOAD_SIZE);
		return BROKER_REFUSED;
	}
	if (msg->correlation_len > UINT16_MAX) {
		*why = "correlation data longer than 65535 bytes";
		return BROKER_REFUSED;
	}
	if (b->cfg->mqtt_version == CONFIG_MQTT_5) {
		rc = add_properties(&props, msg);
		if (rc) {
			mosquitto_property_free_all(&props);
			/* only a lack of memory may pass: bad text never will */
			if (rc == MOSQ_ERR_NOMEM)
				return BROKER_RETRY;
			*why = mosquitto_strerror(rc);
			return BROKER_REFUSED;
		}
	}
	*mid = 0;
	rc = mosquitto_publish_v5(b->mosq, mid, msg->topic,
				  (int)msg->payload_len, msg->payload,
				  msg->qos, false, props);
	mosquitto_property_free_all(&props);
	switch (rc) {
	case MOSQ_ERR_SUCCESS:
		return BROKER_PUBLISHED;
	case MOSQ_ERR_NO_CONN:
	case MOSQ_ERR_CONN_LOST:
	case MOSQ_ERR_ERRNO:
		/*
		 * The connection broke while sending. A QoS 1 or 2 message
		 * is libmosquitto's already (it sends it again after the
		 * reconnect); a QoS 0 one is gone.
		 */
		return msg->qos > 0 && *mid ? BROKER_PUBLISHED : BROKER_RETRY;
	case MOSQ_ERR_NOMEM:
		return BROKER_RETRY;
	default:
		*why = mosquitto_strerror(rc);
		return BROKER_REFUSED;
	}
}

int broker_subscribe(struct broker *b, const char *filter, int qos, int *mid,
		     const char **why)
{
	bool v5 = b->cfg->mqtt_version == CONFIG_MQTT_5;
	int rc;

	*mid = 0;
	rc = mosquitto_subscribe_v5(b->mosq, mid, filter, qos,
				    v5 ? MQTT_SUB_OPT_NO_LOCAL : 0, NULL);
	*why = rc ? mosquitto_strerror(rc) : NULL;
	return rc ? -EIO : 0;
}

int broker_unsubscribe(struct broker *b, const char *filter, const char **why)
{
	int rc = mosquitto_unsubscribe(b->mosq, NULL, filter);

	*why = rc ? mosquitto_strerror(rc) : NULL;
	return rc ? -EIO : 0;
}

const char *broker_reason_string(int reason_code)
{
	return mosquitto_reason_string(reason_code);
}

int broker_fd(const struct broker *b)
{
	if (b->state != BROKER_CONNECTING && b->state != BROKER_CONNECTED)
		return -1;
	return mosquitto_socket(b->mosq);
}

static void set_cork(int fd, int on)
{
	/* a failure only costs segments */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
}

void broker_cork(struct broker *b)
{
	int fd = broker_fd(b);

	if (fd < 0 || b->corked_fd == fd)
		return;
	set_cork(fd, 1);
	b->corked_fd = fd;
}

void broker_uncork(struct broker *b)
{
	/* a socket closed and replaced since needs nothing */
	if (b->corked_fd >= 0 && b->corked_fd == mosquitto_socket(b->mosq))
		set_cork(b->corked_fd, 0);
	b->corked_fd = -1;
}

short broker_poll_events(const struct broker *b)
{
	short events = POLLIN;

	if (b->connect_pending || mosquitto_want_write(b->mosq))
		events |= POLLOUT;
	return events;
}

void broker_handle(struct broker *b, short revents, uint64_t now_ms)
{
	(void)now_ms;
	if (broker_fd(b) < 0)
		return;
	if (b->connect_pending) {
		/* Connected or failed: loop_write finds out which. */
		if (revents & (POLLOUT | POLLERR | POLLHUP)) {
			b->connect_pending = false;
			mosquitto_loop_write(b->mosq, 1);
		}
		return;
	}
	if (revents & (POLLIN | POLLERR | POLLHUP))
		mosquitto_loop_read(b->mosq, 1);
	if (broker_fd(b) >= 0 && (revents & POLLOUT))
		mosquitto_loop_write(b->mosq, 1);
}

void broker_tick(struct broker *b, uint64_t now_ms)
{
	switch (b->state) {
	case BROKER_CONNECTED:
		mosquitto_loop_misc(b->mosq);
		break;
	case BROKER_CONNECTING:
		if (now_ms >= b->deadline_ms) {
			char what[160];

			snprintf(what, sizeof(what),
				 "no answer from %s:%d within %d s",
				 b->cfg->host, b->cfg->port,
				 BROKER_CONNECT_TIMEOUT_MS / 1000);
			schedule_reconnect(b, now_ms, what);
		}
		break;
	case BROKER_BACKOFF:
		if (now_ms >= b->deadline_ms)
			connect_now(b, now_ms);
		break;
	default:
		break;
	}
}

int broker_timeout_ms(const struct broker *b, uint64_t now_ms)
{
	uint64_t wait;

	switch (b->state) {
	case BROKER_CONNECTED:
		return 1000;	/* keepalive */
	case BROKER_CONNECTING:
	case BROKER_BACKOFF:
		wait = b->deadline_ms > now_ms ? b->deadline_ms - now_ms : 0;
		return wait > 1000 ? 1000 : (int)wait;
	default:
		return -1;
	}
}
