/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iotgw: generic netlink interface of the IoT gateway fast path.
 *
 * One generic netlink family, IOTGW_GENL_NAME, available in every network
 * namespace; all state it shows or changes belongs to the namespace of the
 * requesting socket. Every request is strictly validated: an attribute the
 * command does not take, or a value out of range, is refused with -EINVAL
 * and an extended ack message naming the attribute. Commands marked
 * "admin" need CAP_NET_ADMIN in the user namespace that owns the network
 * namespace (-EPERM otherwise); the others are open to every user.
 *
 * Commands
 * --------
 * IOTGW_CMD_CONFIG_GET (do)
 *	Request: nothing. Reply: IOTGW_A_VERSION, IOTGW_A_CONFIG.
 *	The module version and the namespace's configuration.
 *
 * IOTGW_CMD_CONFIG_SET (do, admin)
 *	Request: IOTGW_A_CONFIG holding the settings to change; the others
 *	keep their values.
 *
 * IOTGW_CMD_RULE_NEW (do, admin)
 *	Request: IOTGW_A_RULE with at least NAME, FILTER and ACTION, and
 *	optionally IOTGW_A_REPLACE.
 *	Adds a rule. A rule of the same name is an error (-EEXIST) unless the
 *	request has IOTGW_A_REPLACE, which replaces it atomically (packets
 *	see the old rule or the new one, never neither; the counters start
 *	again) or adds it if there is none. More than the configured
 *	max-rules: -ENOSPC. (Generic netlink refuses NLM_F_CREATE, _EXCL and
 *	_REPLACE in nlmsg_flags, hence the attribute.)
 *
 * IOTGW_CMD_RULE_DEL (do, admin)
 *	Request: IOTGW_A_RULE { NAME }. -ENOENT if there is none.
 *
 * IOTGW_CMD_RULE_GET (do, dump)
 *	do: IOTGW_A_RULE { NAME }, dump: nothing. Reply: one message per rule
 *	holding IOTGW_A_RULE with every attribute set and IOTGW_RULE_A_STATS.
 *	Dumps list rules in the order they were added.
 *
 * IOTGW_CMD_RULE_FLUSH (do, admin)
 *	Request: nothing. Removes every rule of the namespace.
 *
 * IOTGW_CMD_STATS_GET (do)
 *	Request: nothing. Reply: IOTGW_A_STATS, the namespace's counters.
 *
 * IOTGW_CMD_STATS_RESET (do, admin)
 *	Request: nothing. Zeroes the namespace's and every rule's counters.
 *
 * IOTGW_CMD_FLOW_GET (dump)
 *	Request: nothing. Reply: one message per tracked MQTT connection,
 *	holding IOTGW_A_FLOW.
 *
 * IOTGW_CMD_QUEUE_BIND (do, admin)
 *	Request: IOTGW_A_QUEUE { CREDIT }, optionally { RETRY_MS }.
 *	The requesting socket becomes the namespace's queue consumer: the
 *	kernel sends it up to CREDIT messages it has not acked (in flight)
 *	as IOTGW_CMD_QUEUE_MSG, oldest first. Another socket bound already:
 *	-EBUSY. Binding again from the same socket changes its credit. A
 *	message not acked within RETRY_MS (default 5000) is sent again, the
 *	wait doubling each time up to 64 times RETRY_MS. When the socket is
 *	closed (the consumer exited or crashed) or unbinds, its messages in
 *	flight become pending again, in their order.
 *
 * IOTGW_CMD_QUEUE_UNBIND (do, admin)
 *	Request: nothing. The consumer lets go; -ENOENT if the requesting
 *	socket is not the consumer.
 *
 * IOTGW_CMD_QUEUE_MSG (kernel to consumer)
 *	One queued message: IOTGW_A_MSG. Many are sent in one buffer.
 *
 * IOTGW_CMD_QUEUE_ACK (do, admin)
 *	Request: IOTGW_A_MSG_IDS. The consumer is done with these messages
 *	(forwarded and confirmed by the broker): they leave the queue and
 *	their credit returns. Ids not in flight to this socket are ignored
 *	and counted (STALE_ACKS): a message sent again and acked twice.
 *	Only the consumer may ack (-ENOENT otherwise). A sensor awaiting a
 *	message's confirmation gets its 2.04 now (IOTGW_MSG_A_CONFIRM).
 *
 * IOTGW_CMD_QUEUE_NACK (do, admin)
 *	Request: IOTGW_A_MSG_IDS. The consumer could not forward these: they
 *	are sent again after their retry wait, and count against the
 *	credit until then.
 *
 * IOTGW_CMD_QUEUE_REJECT (do, admin)
 *	Request: IOTGW_A_MSG_IDS, optionally IOTGW_A_MSG_CODE. The consumer
 *	gives these messages up (the broker refused them): they leave the
 *	queue, counted REJECTED, and a sensor awaiting a message's
 *	confirmation (IOTGW_MSG_A_CONFIRM) gets CODE as its separate
 *	response. Ids not in flight to this socket are ignored (STALE_ACKS).
 *
 * IOTGW_CMD_QUEUE_GET (do)
 *	Request: nothing. Reply: IOTGW_A_QUEUE, the queue's state and
 *	counters.
 *
 * IOTGW_CMD_QUEUE_FLUSH (do, admin)
 *	Request: nothing. Drops every queued message, in flight or not
 *	(counted FLUSHED); sensors awaiting confirmation get 5.03. The
 *	only way to lose a QoS 1 or 2 message on purpose: while the
 *	namespace holds one, the module cannot be unloaded (rmmod: "in
 *	use").
 *
 * IOTGW_CMD_COAP_REQUEST (do, admin)
 *	Request: IOTGW_A_COAP_REQ with ADDR and METHOD, optionally PORT
 *	(default 5683), TYPE (default CON), PATH, QUERY, CONTENT_FORMAT,
 *	PAYLOAD, COOKIE and TIMEOUT_MS. Reply: IOTGW_A_COAP_REQ { ID, MID, TOKEN }.
 *	The kernel sends a CoAP request to the device from the namespace's
 *	CoAP port, with a message ID and an 8-byte random token of its own,
 *	and reports the outcome to the requesting socket, once, as
 *	IOTGW_CMD_COAP_RESULT. A CON is retransmitted as RFC 7252 4.2 says:
 *	the first wait random between COAP_ACK_TIMEOUT_MS and that times
 *	COAP_ACK_RANDOM_FACTOR / 100, doubling after each of at most
 *	COAP_MAX_RETRANSMIT retransmissions. At most COAP_NSTART requests
 *	to one device (address and port) are outstanding (sent, neither
 *	acknowledged nor answered); the others wait,
 *	in the order they came. A response is matched by the device's
 *	address, and by message ID and token when piggybacked in an ACK,
 *	by token when separate; a separate CON response is acknowledged
 *	(again, if it is repeated). The outcome comes at the first of: a
 *	response, a Reset, an ICMP port unreachable or prohibited, the
 *	retransmissions running out without an ACK, or TIMEOUT_MS after the
 *	request (default: the RFC's MAX_TRANSMIT_WAIT for these parameters,
 *	93 s by default). An ICMP host or net unreachable is only a hint
 *	(RFC 1122 3.2.2.1): the retransmissions go on, and if they run out
 *	the outcome is UNREACHABLE rather than TIMEOUT.
 *	Requests waiting or outstanding in the namespace number at most
 *	COAP_REQUESTS_MAX (-ENOSPC beyond). When the requesting socket is
 *	closed, its requests are given up. A request whose message does
 *	not fit IOTGW_COAP_REQ_MSG_MAX bytes: -EMSGSIZE.
 *
 * IOTGW_CMD_COAP_RESULT (kernel to requester)
 *	The outcome of one request: IOTGW_A_COAP_RESULT.
 *
 * IOTGW_CMD_DEVICE_GET (dump)
 *	Request: nothing. Reply: one message per device, IOTGW_A_DEVICE:
 *	the addresses and ports CoAP requests with a topic came from (seen
 *	at LOCAL_IN or FORWARD), the topic each sent last, and when. At most
 *	DEVICE_MAX are remembered; the one not heard from longest makes
 *	room for a new one.
 *
 * IOTGW_CMD_EVENT (notification only)
 *	Sent to the multicast group IOTGW_MCGRP_EVENTS, holding IOTGW_A_EVENT:
 *	one classified message (a CoAP datagram or an MQTT PUBLISH), what
 *	decided it and how, or one malformed message and why. Joining the
 *	group needs CAP_NET_ADMIN in the namespace's user namespace (events
 *	show sensor addresses and topics). Events are sampled: at most
 *	EVENT_RATE a second per namespace (a token bucket of one second's
 *	worth); the others are counted in EVENTS_SKIPPED, as are events lost
 *	for lack of memory. Nothing is built while nobody listens.
 *
 * MQTT connections
 * ----------------
 * TCP connections to the namespace's MQTT port are followed from their
 * SYN as two byte streams, so that a PUBLISH is found wherever it starts:
 * split across segments, several in one segment, retransmitted segments
 * seen once. An out-of-order segment makes the connection "lost sync":
 * from then on its packets pass unclassified (counted), never guessed.
 * Connections end with FIN or RST or after FLOW_IDLE_MS without traffic;
 * at most FLOW_MAX are tracked, the others pass unclassified (counted).
 * A connection already open when the module loaded is not tracked. A
 * segment carrying PUBLISH packets gets the verdict of the most severe
 * rule deciding them (drop, then ratelimit over its limit, then mark, then
 * accept); a dropped PUBLISH resets the connection at both ends.
 *
 * The QoS queue
 * -------------
 * Rules with action CAPTURE (CoAP and MQTT: a copy is queued, the packet
 * goes on) and INGEST (CoAP only: the kernel is the endpoint) put
 * messages in the namespace's queue, bounded by QUEUE_MAX_BYTES and
 * QUEUE_MAX_MSGS (a message costs its topic and payload bytes and
 * IOTGW_QUEUE_MSG_OVERHEAD). A message's QoS is the rule's QOS, else
 * the message's own: CoAP CON 1, NON 0; MQTT the PUBLISH's QoS. When
 * the queue is full, the oldest QoS 0 messages make room; a QoS 1 or 2
 * message is never evicted, a new one is refused instead (counted
 * REFUSED), as is one of more than IOTGW_QUEUE_DATA_MAX bytes. With
 * QUEUE_TTL_MS set, a message pending longer is dropped (EXPIRED). A
 * namespace deleted with QoS 1 or 2 messages queued loses them (the
 * kernel log says how many).
 *
 * INGEST answers the sensor itself. A CON POST or PUT gets a
 * piggybacked ACK 2.04 Changed, its token echoed, once queued; 5.03
 * Service Unavailable with Max-Age QUEUE_BUSY_MAX_AGE when a QoS 1 or
 * 2 message could not be queued; 4.05 Method Not Allowed for other
 * methods (a NON request gets a NON response). A CON repeated with the
 * same message ID from the same address and port within
 * EXCHANGE_LIFETIME (247 s) is queued once and answered as the first
 * time (DUPLICATES); these exchanges are remembered up to DEDUP_MAX,
 * the oldest forgotten first (DEDUP_EVICTED). A NON of a QoS 2 rule is
 * deduplicated the same way. The datagram does not go on to a userspace
 * server; CoAP that no ingest rule matches does. While the namespace has
 * an ingest rule, a malformed CON (whose topic is unknown) is answered as
 * RFC 7252 asks of an endpoint and goes no further: 4.02 Bad Option or
 * 4.00 Bad Request piggybacked for an option or Uri-Path error, a Reset
 * for a message format error, nothing for a wrong version.
 *
 * CAPTURE takes CoAP POST and PUT requests (other messages go on as
 * ACCEPT; a QoS 2 rule queues a retransmitted CON once) and the PUBLISH
 * packets an MQTT client sends to its broker, gathered from the stream's
 * segments (a broker's PUBLISH to a subscriber is counted ACCEPTED, so
 * that one reading is not queued once per subscriber). A QoS 2 PUBLISH
 * sent again with DUP by the same client id, with the same packet id,
 * is queued once (DUPLICATES).
 *
 * Which rule decides a packet
 * ---------------------------
 * A packet on a classified port is parsed; its topic (the CoAP Uri-Path
 * joined with "/", or the MQTT PUBLISH topic) is matched against the
 * rules' MQTT topic filters ("+" one level, "#" the rest). Among the rules
 * whose filter matches and whose PROTO and HOOK cover the packet, the one
 * with the most specific filter decides:
 *  1. filters are compared level by level from the left; at the first
 *     level where they differ, a literal level beats "+", "+" beats "#";
 *  2. a filter matching the topic level for level beats "x/#" matching it
 *     with "#" standing for no level ("a/#" matches "a", "a" wins);
 *  3. between rules with the same filter, the higher PRIORITY wins, then
 *     the older rule.
 * Topics starting with "$" are not matched by filters whose first level is
 * "+" or "#". A packet no rule matches is accepted and counted unmatched.
 *
 * Attributes
 * ----------
 * IOTGW_A_VERSION (string, reply only)
 *	Module version, the same string as /sys/module/iotgw/version.
 * IOTGW_A_CONFIG (nest, enum iotgw_config_attr)
 *	IOTGW_CONFIG_A_COAP_PORT	u16, UDP port classified as CoAP
 *					(default 5683)
 *	IOTGW_CONFIG_A_MQTT_PORT	u16, TCP port classified as MQTT
 *					(default 1883)
 *	IOTGW_CONFIG_A_MAX_RULES	u32, most rules the namespace holds
 *					(1 to 100000, default 10000)
 *	IOTGW_CONFIG_A_FLOW_MAX		u32, most MQTT flows tracked at once
 *	IOTGW_CONFIG_A_FLOW_IDLE_MS	u32, idle time after which a flow is
 *					forgotten
 *	IOTGW_CONFIG_A_QUEUE_MAX_BYTES	u32, QoS queue byte limit
 *	IOTGW_CONFIG_A_QUEUE_MAX_MSGS	u32, QoS queue message limit
 *	IOTGW_CONFIG_A_EVENT_RATE	u32, most events a second sent to the
 *					monitor group (0: none; default 100,
 *					at most 100000)
 *	IOTGW_CONFIG_A_QUEUE_TTL_MS	u32, pending messages older than this
 *					are dropped (0: never, the default)
 *	IOTGW_CONFIG_A_QUEUE_BUSY_MAX_AGE u32, seconds, the Max-Age of a
 *					5.03 answer (1 to 3600, default 10)
 *	IOTGW_CONFIG_A_DEDUP_MAX	u32, CoAP exchanges remembered for
 *					deduplication (default 16384)
 *	IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS u32, RFC 7252 ACK_TIMEOUT (100
 *					to 60000, default 2000)
 *	IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR u32, ACK_RANDOM_FACTOR in
 *					hundredths (100 to 400, default 150)
 *	IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT u32, MAX_RETRANSMIT (0 to 10,
 *					default 4)
 *	IOTGW_CONFIG_A_COAP_NSTART	u32, NSTART, requests outstanding to
 *					one device (1 to 16, default 1)
 *	IOTGW_CONFIG_A_COAP_REQUESTS_MAX u32, requests waiting or
 *					outstanding (1 to 65536, default 1024)
 *	IOTGW_CONFIG_A_DEVICE_MAX	u32, devices remembered (0: none, to
 *					65536, default 4096)
 *	IOTGW_CONFIG_A_CONFIRM_TIMEOUT_MS u32, a sensor awaiting a STORE or
 *					CLOUD confirmation gets 5.04 after
 *					this (1000 to 3600000, default 60000)
 *	IOTGW_CONFIG_A_QUEUE_BATCH	u32, queue messages the kernel puts in
 *					one netlink datagram to the consumer
 *					(1 to 256, default 256; 1 is one
 *					datagram, one wakeup, per message)
 * IOTGW_A_RULE (nest, enum iotgw_rule_attr)
 *	IOTGW_RULE_A_NAME	string, 1 to IOTGW_RULE_NAME_MAX - 1 bytes of
 *				[A-Za-z0-9_.-]
 *	IOTGW_RULE_A_FILTER	string, an MQTT topic filter, at most
 *				IOTGW_FILTER_MAX bytes and 32 levels
 *	IOTGW_RULE_A_PROTO	u8, enum iotgw_proto (default ANY)
 *	IOTGW_RULE_A_HOOK	u8, enum iotgw_hook (default ANY)
 *	IOTGW_RULE_A_ACTION	u8, enum iotgw_action
 *	IOTGW_RULE_A_PRIORITY	u32, tie-break between rules of one filter
 *				(default 0; higher wins)
 *	IOTGW_RULE_A_MARK	u32, skb mark to set: required by MARK, and a
 *				modifier of any other action
 *	IOTGW_RULE_A_SKB_PRIORITY u32, skb priority to set, likewise
 *	IOTGW_RULE_A_RATE	u32, packets per second (RATELIMIT, required)
 *	IOTGW_RULE_A_BURST	u32, bucket size in packets (RATELIMIT,
 *				default: RATE)
 *	IOTGW_RULE_A_FLAGS	u32, IOTGW_RULE_F_*: PER_SOURCE (RATELIMIT
 *				only) gives each source address its own
 *				bucket, at most 1024 a rule, the source seen
 *				longest ago making room for a new one; a new
 *				source's bucket starts full if the rule's
 *				shared bucket (RATE, BURST) has a token for
 *				it, else empty
 *	IOTGW_RULE_A_QOS	u8, 0 to 2: the QoS of the messages CAPTURE or
 *				INGEST queue (default: the message's own)
 *	IOTGW_RULE_A_CONFIRM	u8, enum iotgw_confirm, INGEST only (default
 *				ADMIT): when a confirmable request's 2.04
 *				is sent. STORE and CLOUD need HOOK IN (the
 *				sensor's ACK must reach the gateway) and
 *				refuse QOS 0 (a CON's own QoS is 1): the
 *				request gets an empty ACK at once and
 *				its 2.04 as a separate confirmable response
 *				(RFC 7252 5.2.2), from the address the
 *				request went to, once the consumer acks the
 *				message; REJECT sends the consumer's code
 *				instead, CONFIRM_TIMEOUT_MS passing (or the
 *				queue's TTL) 5.04, a FLUSH 5.03. The
 *				separate responses are retransmitted as
 *				downlink requests are (NSTART included),
 *				but do not count against COAP_REQUESTS_MAX.
 *				Without a dedup table (DEDUP_MAX 0) a
 *				retransmitted request is a new message.
 *	IOTGW_RULE_A_STATS	nest (reply only), enum iotgw_stats_attr:
 *				PACKETS, BYTES and the per-action counters
 * IOTGW_A_FLOW (nest, enum iotgw_flow_attr, reply only)
 *	IOTGW_FLOW_A_FAMILY	u8, AF_INET or AF_INET6
 *	IOTGW_FLOW_A_CLIENT	binary, the client's address (4 or 16 bytes)
 *	IOTGW_FLOW_A_SERVER	binary, the server's address
 *	IOTGW_FLOW_A_CLIENT_PORT u16, host order
 *	IOTGW_FLOW_A_SERVER_PORT u16, host order
 *	IOTGW_FLOW_A_LEVEL	u8, MQTT protocol level (4, 5; 0 before CONNECT)
 *	IOTGW_FLOW_A_CLIENT_ID	string, as far as it was read
 *	IOTGW_FLOW_A_STATE	u8, enum iotgw_flow_state
 *	IOTGW_FLOW_A_PUBLISHES	u64, PUBLISH packets classified
 *	IOTGW_FLOW_A_BYTES	u64, stream bytes followed, both directions
 *	IOTGW_FLOW_A_IDLE_MS	u32, time since the last segment
 * IOTGW_A_QUEUE (nest, enum iotgw_queue_attr)
 *	IOTGW_QUEUE_A_CREDIT	u32, BIND: messages in flight at most
 *				(1 to 65536)
 *	IOTGW_QUEUE_A_RETRY_MS	u32, BIND: first retry wait (100 to 600000)
 *	reply only:
 *	IOTGW_QUEUE_A_CONSUMER	u32, the consumer's netlink port id (absent
 *				when none is bound)
 *	IOTGW_QUEUE_A_PENDING_QOS0, _QOS1, _QOS2	u32, messages queued and
 *				not in flight, by QoS
 *	IOTGW_QUEUE_A_IN_FLIGHT	u32, sent to the consumer, not acked
 *	IOTGW_QUEUE_A_MSGS, _BYTES	u32, what the queue holds, as counted
 *				against QUEUE_MAX_MSGS and QUEUE_MAX_BYTES
 *	IOTGW_QUEUE_A_OLDEST_MS	u32, age of the oldest message (absent when
 *				empty)
 *	u64 counters: ADMITTED, REFUSED, EVICTED (QoS 0 making room),
 *	EXPIRED, DELIVERED (sent, including again), REDELIVERED (sent
 *	again), ACKED, NACKED, STALE_ACKS, FLUSHED, DUPLICATES (sensor
 *	retransmissions recognised), DEDUP_EVICTED, REJECTED (given up by
 *	the consumer), CONFIRMED (separate 2.04 sent), UNCONFIRMED (a
 *	separate 4.xx/5.xx sent: rejected, or CONFIRM_TIMEOUT_MS passed),
 *	WITHDRAWN (confirmation timed out before the consumer had it: the
 *	sensor was told 5.04 and the message left the queue), CONFIRMS_LOST
 *	(a separate response that could not be sent: no memory, or as many
 *	in progress as QUEUE_MAX_MSGS)
 *	IOTGW_QUEUE_A_AWAITING	u32, messages whose sensor awaits confirmation
 * IOTGW_A_MSG (nest, enum iotgw_msg_attr, QUEUE_MSG only)
 *	IOTGW_MSG_A_ID		u64, the queue's id, increasing
 *	IOTGW_MSG_A_QOS		u8, 0 to 2
 *	IOTGW_MSG_A_PROTO	u8, enum iotgw_proto (COAP or MQTT)
 *	IOTGW_MSG_A_RULE	string, the rule that queued it
 *	IOTGW_MSG_A_FAMILY	u8, AF_INET or AF_INET6
 *	IOTGW_MSG_A_SRC		binary, the sensor's address (4 or 16)
 *	IOTGW_MSG_A_SRC_PORT	u16, host order
 *	IOTGW_MSG_A_TOPIC	string, the topic
 *	IOTGW_MSG_A_PAYLOAD	binary, the payload (absent when empty)
 *	IOTGW_MSG_A_CONTENT_FORMAT u16, CoAP Content-Format (absent if none)
 *	IOTGW_MSG_A_TIME_NS	u64, when it was received (CLOCK_REALTIME)
 *	IOTGW_MSG_A_ATTEMPTS	u32, 1 the first time it is sent
 *	IOTGW_MSG_A_CONFIRM	u8, enum iotgw_confirm, STORE or CLOUD: a
 *				sensor awaits the message's confirmation.
 *				STORE: ack once it is on durable storage;
 *				CLOUD: ack once the broker confirmed it.
 *				Absent: nobody waits for the ack.
 * IOTGW_A_MSG_IDS (binary, ACK, NACK and REJECT)
 *	An array of u64 message ids, host order, 1 to IOTGW_ACK_MAX of them.
 * IOTGW_A_MSG_CODE (u8, REJECT only)
 *	A CoAP error code (class 4 or 5, class << 5 | detail) for the
 *	sensors awaiting confirmation; default 5.03 (Service Unavailable).
 * IOTGW_A_EVENT (nest, enum iotgw_event_attr, notification only)
 *	IOTGW_EVENT_A_PROTO	u8, enum iotgw_proto (COAP or MQTT)
 *	IOTGW_EVENT_A_HOOK	u8, enum iotgw_hook (IN or FWD)
 *	IOTGW_EVENT_A_FAMILY	u8, AF_INET or AF_INET6
 *	IOTGW_EVENT_A_SRC	binary, source address of the packet (4 or 16)
 *	IOTGW_EVENT_A_DST	binary, its destination address
 *	IOTGW_EVENT_A_SRC_PORT	u16, host order
 *	IOTGW_EVENT_A_DST_PORT	u16, host order
 *	IOTGW_EVENT_A_VERDICT	u8, enum iotgw_verdict
 *	IOTGW_EVENT_A_TOPIC	string, the message's topic (not MALFORMED)
 *	IOTGW_EVENT_A_RULE	string, the deciding rule's name (if one did)
 *	IOTGW_EVENT_A_LEN	u32, the message's length in bytes (the CoAP
 *				datagram, or the whole MQTT PUBLISH packet)
 *	IOTGW_EVENT_A_COAP_TYPE	u8, CoAP only: 0 CON, 1 NON, 2 ACK, 3 RST
 *	IOTGW_EVENT_A_COAP_CODE	u8, CoAP only: class << 5 | detail
 *	IOTGW_EVENT_A_MQTT_QOS	u8, MQTT only: the PUBLISH's QoS
 *	IOTGW_EVENT_A_REASON	string, MALFORMED only: what was wrong, as
 *				in IOTGW_REASON_A_NAME
 * IOTGW_A_COAP_REQ (nest, enum iotgw_coap_req_attr, COAP_REQUEST)
 *	IOTGW_COAP_REQ_A_ADDR	binary, the device's address (4 or 16 bytes)
 *	IOTGW_COAP_REQ_A_PORT	u16, its UDP port, host order (default 5683)
 *	IOTGW_COAP_REQ_A_TYPE	u8, 0 CON (the default) or 1 NON
 *	IOTGW_COAP_REQ_A_METHOD	u8, a request code 0.01 to 0.31 (1 GET,
 *				2 POST, 3 PUT, 4 DELETE, ...)
 *	IOTGW_COAP_REQ_A_PATH	string, "a/b/c": one Uri-Path option per
 *				level, each at most 255 bytes, no "+" or "#"
 *				(absent: none)
 *	IOTGW_COAP_REQ_A_QUERY	string, "a=1&b": one Uri-Query option per
 *				"&"-separated argument, each at most 255
 *				bytes (absent: none)
 *	IOTGW_COAP_REQ_A_CONTENT_FORMAT u16, of the payload
 *	IOTGW_COAP_REQ_A_PAYLOAD binary, at most IOTGW_COAP_REQ_MSG_MAX bytes
 *	IOTGW_COAP_REQ_A_COOKIE	u64, the requester's, echoed in the result
 *	IOTGW_COAP_REQ_A_TIMEOUT_MS u32, the deadline (100 to 3600000)
 *	reply only:
 *	IOTGW_COAP_REQ_A_ID	u64, the request's id in the namespace
 *	IOTGW_COAP_REQ_A_MID	u16, the message ID sent
 *	IOTGW_COAP_REQ_A_TOKEN	binary, the token sent
 * IOTGW_A_COAP_RESULT (nest, enum iotgw_coap_result_attr, COAP_RESULT)
 *	IOTGW_COAP_RESULT_A_ID	u64, as COAP_REQUEST replied
 *	IOTGW_COAP_RESULT_A_COOKIE u64, the request's (absent if it had none)
 *	IOTGW_COAP_RESULT_A_STATUS u8, enum iotgw_coap_status
 *	IOTGW_COAP_RESULT_A_TRANSMISSIONS u32, times the request was sent
 *	IOTGW_COAP_RESULT_A_ELAPSED_MS u32, from the request to the outcome
 *	IOTGW_COAP_RESULT_A_ACKED flag, the device acknowledged the request
 *				(an empty ACK, or a piggybacked response)
 *	RESPONSE only:
 *	IOTGW_COAP_RESULT_A_CODE u8, the response code, class << 5 | detail
 *	IOTGW_COAP_RESULT_A_SEPARATE flag, the response came on its own, not
 *				in the ACK
 *	IOTGW_COAP_RESULT_A_CONTENT_FORMAT u16 (absent if none)
 *	IOTGW_COAP_RESULT_A_MAX_AGE u32, seconds (absent if no Max-Age)
 *	IOTGW_COAP_RESULT_A_PAYLOAD binary (absent when empty)
 * IOTGW_A_DEVICE (nest, enum iotgw_device_attr, reply only)
 *	IOTGW_DEVICE_A_FAMILY	u8, AF_INET or AF_INET6
 *	IOTGW_DEVICE_A_ADDR	binary, its address (4 or 16 bytes)
 *	IOTGW_DEVICE_A_PORT	u16, the UDP port it sent from, host order
 *	IOTGW_DEVICE_A_PROTO	u8, enum iotgw_proto (COAP)
 *	IOTGW_DEVICE_A_TOPIC	string, the topic it sent last
 *	IOTGW_DEVICE_A_PACKETS	u64, requests seen from it (approximate)
 *	IOTGW_DEVICE_A_AGE_MS	u32, time since it was last seen
 * IOTGW_A_REPLACE (flag, RULE_NEW only)
 *	Replace the rule of the same name, see IOTGW_CMD_RULE_NEW.
 * IOTGW_A_STATS (nest, enum iotgw_stats_attr, reply only)
 *	u64 counters, and IOTGW_STATS_A_REASON nests (one per non-zero
 *	reason: { IOTGW_REASON_A_NAME string, IOTGW_REASON_A_COUNT u64 })
 *	counting parse errors and unclassified packets by kind.
 */
#ifndef _UAPI_LINUX_IOTGW_H
#define _UAPI_LINUX_IOTGW_H

#define IOTGW_GENL_NAME		"iotgw"
#define IOTGW_GENL_VERSION	1
#define IOTGW_MCGRP_EVENTS	"events"	/* IOTGW_CMD_EVENT */

#define IOTGW_RULE_NAME_MAX	32	/* with the terminating NUL */
#define IOTGW_FILTER_MAX	1024	/* bytes, without the NUL */

enum iotgw_cmd {
	IOTGW_CMD_UNSPEC,
	IOTGW_CMD_CONFIG_GET,
	IOTGW_CMD_CONFIG_SET,
	IOTGW_CMD_RULE_NEW,
	IOTGW_CMD_RULE_DEL,
	IOTGW_CMD_RULE_GET,
	IOTGW_CMD_RULE_FLUSH,
	IOTGW_CMD_STATS_GET,
	IOTGW_CMD_STATS_RESET,
	IOTGW_CMD_FLOW_GET,
	IOTGW_CMD_EVENT,
	IOTGW_CMD_QUEUE_BIND,
	IOTGW_CMD_QUEUE_UNBIND,
	IOTGW_CMD_QUEUE_MSG,
	IOTGW_CMD_QUEUE_ACK,
	IOTGW_CMD_QUEUE_NACK,
	IOTGW_CMD_QUEUE_GET,
	IOTGW_CMD_QUEUE_FLUSH,
	IOTGW_CMD_COAP_REQUEST,
	IOTGW_CMD_COAP_RESULT,
	IOTGW_CMD_DEVICE_GET,
	IOTGW_CMD_QUEUE_REJECT,

	__IOTGW_CMD_MAX
};

#define IOTGW_CMD_MAX (__IOTGW_CMD_MAX - 1)

enum iotgw_attr {
	IOTGW_A_UNSPEC,
	IOTGW_A_VERSION,
	IOTGW_A_CONFIG,
	IOTGW_A_RULE,
	IOTGW_A_STATS,
	IOTGW_A_REPLACE,
	IOTGW_A_FLOW,
	IOTGW_A_EVENT,
	IOTGW_A_QUEUE,
	IOTGW_A_MSG,
	IOTGW_A_MSG_IDS,
	IOTGW_A_PAD,
	IOTGW_A_COAP_REQ,
	IOTGW_A_COAP_RESULT,
	IOTGW_A_DEVICE,
	IOTGW_A_MSG_CODE,

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
	IOTGW_CONFIG_A_EVENT_RATE,
	IOTGW_CONFIG_A_QUEUE_TTL_MS,
	IOTGW_CONFIG_A_QUEUE_BUSY_MAX_AGE,
	IOTGW_CONFIG_A_DEDUP_MAX,
	IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS,
	IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR,
	IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT,
	IOTGW_CONFIG_A_COAP_NSTART,
	IOTGW_CONFIG_A_COAP_REQUESTS_MAX,
	IOTGW_CONFIG_A_DEVICE_MAX,
	IOTGW_CONFIG_A_CONFIRM_TIMEOUT_MS,
	IOTGW_CONFIG_A_QUEUE_BATCH,

	__IOTGW_CONFIG_A_MAX
};

#define IOTGW_CONFIG_A_MAX (__IOTGW_CONFIG_A_MAX - 1)

enum iotgw_proto {
	IOTGW_PROTO_ANY,
	IOTGW_PROTO_COAP,
	IOTGW_PROTO_MQTT,

	__IOTGW_PROTO_MAX
};

#define IOTGW_PROTO_MAX (__IOTGW_PROTO_MAX - 1)

enum iotgw_hook {
	IOTGW_HOOK_ANY,
	IOTGW_HOOK_IN,		/* NF_INET_LOCAL_IN: to the gateway itself */
	IOTGW_HOOK_FWD,		/* NF_INET_FORWARD: through the gateway */

	__IOTGW_HOOK_MAX
};

#define IOTGW_HOOK_MAX (__IOTGW_HOOK_MAX - 1)

enum iotgw_action {
	IOTGW_ACTION_UNSPEC,
	IOTGW_ACTION_ACCEPT,	/* count, let through */
	IOTGW_ACTION_DROP,	/* CoAP: drop (RST to a CON unless NO_RST) */
	IOTGW_ACTION_MARK,	/* set MARK / SKB_PRIORITY, let through */
	IOTGW_ACTION_RATELIMIT,	/* token bucket; over the limit: as DROP */
	IOTGW_ACTION_CAPTURE,	/* queue a copy, let through */
	IOTGW_ACTION_INGEST,	/* CoAP: queue it and answer the sensor */

	__IOTGW_ACTION_MAX
};

#define IOTGW_ACTION_MAX (__IOTGW_ACTION_MAX - 1)

/* IOTGW_RULE_A_CONFIRM, IOTGW_MSG_A_CONFIRM */
enum iotgw_confirm {
	IOTGW_CONFIRM_ADMIT,	/* piggybacked 2.04 once queued */
	IOTGW_CONFIRM_STORE,	/* separate 2.04 once on durable storage */
	IOTGW_CONFIRM_CLOUD,	/* separate 2.04 once the broker confirmed */

	__IOTGW_CONFIRM_MAX
};

#define IOTGW_CONFIRM_MAX (__IOTGW_CONFIRM_MAX - 1)

/* IOTGW_RULE_A_FLAGS */
#define IOTGW_RULE_F_PER_SOURCE	(1U << 0)	/* RATELIMIT per source address */
#define IOTGW_RULE_F_NO_RST	(1U << 1)	/* DROP a CoAP CON silently */
#define IOTGW_RULE_F_ALL	(IOTGW_RULE_F_PER_SOURCE | IOTGW_RULE_F_NO_RST)

enum iotgw_rule_attr {
	IOTGW_RULE_A_UNSPEC,
	IOTGW_RULE_A_NAME,
	IOTGW_RULE_A_FILTER,
	IOTGW_RULE_A_PROTO,
	IOTGW_RULE_A_HOOK,
	IOTGW_RULE_A_ACTION,
	IOTGW_RULE_A_PRIORITY,
	IOTGW_RULE_A_MARK,
	IOTGW_RULE_A_SKB_PRIORITY,
	IOTGW_RULE_A_RATE,
	IOTGW_RULE_A_BURST,
	IOTGW_RULE_A_FLAGS,
	IOTGW_RULE_A_STATS,
	IOTGW_RULE_A_PAD,
	IOTGW_RULE_A_QOS,
	IOTGW_RULE_A_CONFIRM,

	__IOTGW_RULE_A_MAX
};

#define IOTGW_RULE_A_MAX (__IOTGW_RULE_A_MAX - 1)

enum iotgw_stats_attr {
	IOTGW_STATS_A_UNSPEC,
	IOTGW_STATS_A_PAD,
	IOTGW_STATS_A_PACKETS,		/* packets on the classified ports */
	IOTGW_STATS_A_BYTES,
	IOTGW_STATS_A_MATCHED,		/* decided by a rule */
	IOTGW_STATS_A_UNMATCHED,	/* classified, no rule matched */
	IOTGW_STATS_A_UNCLASSIFIED,	/* passed without a topic */
	IOTGW_STATS_A_PARSE_ERRORS,	/* malformed messages */
	IOTGW_STATS_A_ACCEPTED,
	IOTGW_STATS_A_DROPPED,
	IOTGW_STATS_A_MARKED,
	IOTGW_STATS_A_RATELIMITED,
	IOTGW_STATS_A_REPLIES,		/* CoAP RSTs sent */
	IOTGW_STATS_A_REASON,		/* nest, enum iotgw_reason_attr */
	IOTGW_STATS_A_FLOWS,		/* MQTT connections tracked now */
	IOTGW_STATS_A_EVENTS,		/* events sent to the monitor group */
	IOTGW_STATS_A_EVENTS_SKIPPED,	/* over EVENT_RATE, or no memory */
	IOTGW_STATS_A_QUEUED,		/* put in the QoS queue */
	IOTGW_STATS_A_REFUSED,		/* queue full (or no memory) */
	IOTGW_STATS_A_DUPLICATES,	/* CoAP retransmissions not queued */
	IOTGW_STATS_A_COAP_REQUESTS,	/* downlink requests taken */
	IOTGW_STATS_A_COAP_TRANSMISSIONS, /* sent, retransmissions included */
	IOTGW_STATS_A_COAP_RESPONSES,	/* requests answered by a response */
	IOTGW_STATS_A_COAP_FAILURES,	/* timed out, reset or unreachable */
	IOTGW_STATS_A_COAP_RESULTS_LOST, /* the requester could not take it */

	__IOTGW_STATS_A_MAX
};

#define IOTGW_STATS_A_MAX (__IOTGW_STATS_A_MAX - 1)

enum iotgw_reason_attr {
	IOTGW_REASON_A_UNSPEC,
	IOTGW_REASON_A_PAD,
	IOTGW_REASON_A_NAME,		/* string, e.g. "coap: option delta 15" */
	IOTGW_REASON_A_COUNT,		/* u64 */

	__IOTGW_REASON_A_MAX
};

#define IOTGW_REASON_A_MAX (__IOTGW_REASON_A_MAX - 1)

enum iotgw_flow_state {
	IOTGW_FLOW_TRACKING,	/* both streams followed */
	IOTGW_FLOW_LOST_SYNC,	/* out-of-order data: no longer classified */
	IOTGW_FLOW_MALFORMED,	/* the stream broke the MQTT grammar */
	IOTGW_FLOW_RESET,	/* reset by a drop rule, closing */
};

enum iotgw_flow_attr {
	IOTGW_FLOW_A_UNSPEC,
	IOTGW_FLOW_A_PAD,
	IOTGW_FLOW_A_FAMILY,
	IOTGW_FLOW_A_CLIENT,
	IOTGW_FLOW_A_SERVER,
	IOTGW_FLOW_A_CLIENT_PORT,
	IOTGW_FLOW_A_SERVER_PORT,
	IOTGW_FLOW_A_LEVEL,
	IOTGW_FLOW_A_CLIENT_ID,
	IOTGW_FLOW_A_STATE,
	IOTGW_FLOW_A_PUBLISHES,
	IOTGW_FLOW_A_BYTES,
	IOTGW_FLOW_A_IDLE_MS,

	__IOTGW_FLOW_A_MAX
};

#define IOTGW_FLOW_A_MAX (__IOTGW_FLOW_A_MAX - 1)

/* What happened to a message, as an event reports it. */
enum iotgw_verdict {
	IOTGW_VERDICT_UNMATCHED,	/* classified, no rule: accepted */
	IOTGW_VERDICT_ACCEPTED,
	IOTGW_VERDICT_DROPPED,
	IOTGW_VERDICT_MARKED,
	IOTGW_VERDICT_RATELIMITED,	/* over the rule's limit: dropped */
	IOTGW_VERDICT_MALFORMED,	/* not classified: see the reason */
	IOTGW_VERDICT_QUEUED,		/* CAPTURE or INGEST: queued */
	IOTGW_VERDICT_REFUSED,		/* CAPTURE or INGEST: queue full */
	IOTGW_VERDICT_DUPLICATE,	/* INGEST: a retransmission, answered */

	__IOTGW_VERDICT_MAX
};

enum iotgw_event_attr {
	IOTGW_EVENT_A_UNSPEC,
	IOTGW_EVENT_A_PAD,
	IOTGW_EVENT_A_PROTO,
	IOTGW_EVENT_A_HOOK,
	IOTGW_EVENT_A_FAMILY,
	IOTGW_EVENT_A_SRC,
	IOTGW_EVENT_A_DST,
	IOTGW_EVENT_A_SRC_PORT,
	IOTGW_EVENT_A_DST_PORT,
	IOTGW_EVENT_A_VERDICT,
	IOTGW_EVENT_A_TOPIC,
	IOTGW_EVENT_A_RULE,
	IOTGW_EVENT_A_LEN,
	IOTGW_EVENT_A_COAP_TYPE,
	IOTGW_EVENT_A_COAP_CODE,
	IOTGW_EVENT_A_MQTT_QOS,
	IOTGW_EVENT_A_REASON,

	__IOTGW_EVENT_A_MAX
};

#define IOTGW_EVENT_A_MAX (__IOTGW_EVENT_A_MAX - 1)

/* Bytes a queued message costs beyond its topic and payload. */
#define IOTGW_QUEUE_MSG_OVERHEAD	128
/*
 * Most bytes of topic and payload together in one queued message (larger
 * ones are refused): a message must fit one netlink attribute. A
 * consumer reads with a buffer of at least 96 KiB (or MSG_PEEK).
 */
#define IOTGW_QUEUE_DATA_MAX		65000
#define IOTGW_ACK_MAX			1024	/* ids in one ACK or NACK */

enum iotgw_queue_attr {
	IOTGW_QUEUE_A_UNSPEC,
	IOTGW_QUEUE_A_PAD,
	IOTGW_QUEUE_A_CREDIT,
	IOTGW_QUEUE_A_RETRY_MS,
	IOTGW_QUEUE_A_CONSUMER,
	IOTGW_QUEUE_A_PENDING_QOS0,
	IOTGW_QUEUE_A_PENDING_QOS1,
	IOTGW_QUEUE_A_PENDING_QOS2,
	IOTGW_QUEUE_A_IN_FLIGHT,
	IOTGW_QUEUE_A_MSGS,
	IOTGW_QUEUE_A_BYTES,
	IOTGW_QUEUE_A_OLDEST_MS,
	IOTGW_QUEUE_A_ADMITTED,
	IOTGW_QUEUE_A_REFUSED,
	IOTGW_QUEUE_A_EVICTED,
	IOTGW_QUEUE_A_EXPIRED,
	IOTGW_QUEUE_A_DELIVERED,
	IOTGW_QUEUE_A_REDELIVERED,
	IOTGW_QUEUE_A_ACKED,
	IOTGW_QUEUE_A_NACKED,
	IOTGW_QUEUE_A_STALE_ACKS,
	IOTGW_QUEUE_A_FLUSHED,
	IOTGW_QUEUE_A_DUPLICATES,
	IOTGW_QUEUE_A_DEDUP_EVICTED,
	IOTGW_QUEUE_A_REJECTED,
	IOTGW_QUEUE_A_AWAITING,
	IOTGW_QUEUE_A_CONFIRMED,
	IOTGW_QUEUE_A_UNCONFIRMED,
	IOTGW_QUEUE_A_WITHDRAWN,
	IOTGW_QUEUE_A_CONFIRMS_LOST,

	__IOTGW_QUEUE_A_MAX
};

#define IOTGW_QUEUE_A_MAX (__IOTGW_QUEUE_A_MAX - 1)

enum iotgw_msg_attr {
	IOTGW_MSG_A_UNSPEC,
	IOTGW_MSG_A_PAD,
	IOTGW_MSG_A_ID,
	IOTGW_MSG_A_QOS,
	IOTGW_MSG_A_PROTO,
	IOTGW_MSG_A_RULE,
	IOTGW_MSG_A_FAMILY,
	IOTGW_MSG_A_SRC,
	IOTGW_MSG_A_SRC_PORT,
	IOTGW_MSG_A_TOPIC,
	IOTGW_MSG_A_PAYLOAD,
	IOTGW_MSG_A_CONTENT_FORMAT,
	IOTGW_MSG_A_TIME_NS,
	IOTGW_MSG_A_ATTEMPTS,
	IOTGW_MSG_A_CONFIRM,

	__IOTGW_MSG_A_MAX
};

#define IOTGW_MSG_A_MAX (__IOTGW_MSG_A_MAX - 1)

/* Most bytes of one downlink CoAP request message (RFC 7252 4.6). */
#define IOTGW_COAP_REQ_MSG_MAX		1152

enum iotgw_coap_req_attr {
	IOTGW_COAP_REQ_A_UNSPEC,
	IOTGW_COAP_REQ_A_PAD,
	IOTGW_COAP_REQ_A_ADDR,
	IOTGW_COAP_REQ_A_PORT,
	IOTGW_COAP_REQ_A_TYPE,
	IOTGW_COAP_REQ_A_METHOD,
	IOTGW_COAP_REQ_A_PATH,
	IOTGW_COAP_REQ_A_CONTENT_FORMAT,
	IOTGW_COAP_REQ_A_PAYLOAD,
	IOTGW_COAP_REQ_A_COOKIE,
	IOTGW_COAP_REQ_A_TIMEOUT_MS,
	IOTGW_COAP_REQ_A_ID,
	IOTGW_COAP_REQ_A_MID,
	IOTGW_COAP_REQ_A_TOKEN,
	IOTGW_COAP_REQ_A_QUERY,

	__IOTGW_COAP_REQ_A_MAX
};

#define IOTGW_COAP_REQ_A_MAX (__IOTGW_COAP_REQ_A_MAX - 1)

/* How a downlink request ended. */
enum iotgw_coap_status {
	IOTGW_COAP_STATUS_RESPONSE,	/* the device answered: see CODE */
	/* no ACK after the retransmissions, or no response by the deadline */
	IOTGW_COAP_STATUS_TIMEOUT,
	IOTGW_COAP_STATUS_RESET,	/* the device sent a Reset */
	/*
	 * no route; an ICMP port unreachable or prohibited; or no answer
	 * after an ICMP host or net unreachable (a hint, RFC 1122 3.2.2.1)
	 */
	IOTGW_COAP_STATUS_UNREACHABLE,

	__IOTGW_COAP_STATUS_MAX
};

enum iotgw_coap_result_attr {
	IOTGW_COAP_RESULT_A_UNSPEC,
	IOTGW_COAP_RESULT_A_PAD,
	IOTGW_COAP_RESULT_A_ID,
	IOTGW_COAP_RESULT_A_COOKIE,
	IOTGW_COAP_RESULT_A_STATUS,
	IOTGW_COAP_RESULT_A_TRANSMISSIONS,
	IOTGW_COAP_RESULT_A_ELAPSED_MS,
	IOTGW_COAP_RESULT_A_ACKED,
	IOTGW_COAP_RESULT_A_CODE,
	IOTGW_COAP_RESULT_A_SEPARATE,
	IOTGW_COAP_RESULT_A_CONTENT_FORMAT,
	IOTGW_COAP_RESULT_A_MAX_AGE,
	IOTGW_COAP_RESULT_A_PAYLOAD,

	__IOTGW_COAP_RESULT_A_MAX
};

#define IOTGW_COAP_RESULT_A_MAX (__IOTGW_COAP_RESULT_A_MAX - 1)

enum iotgw_device_attr {
	IOTGW_DEVICE_A_UNSPEC,
	IOTGW_DEVICE_A_PAD,
	IOTGW_DEVICE_A_FAMILY,
	IOTGW_DEVICE_A_ADDR,
	IOTGW_DEVICE_A_PORT,
	IOTGW_DEVICE_A_PROTO,
	IOTGW_DEVICE_A_TOPIC,
	IOTGW_DEVICE_A_PACKETS,
	IOTGW_DEVICE_A_AGE_MS,

	__IOTGW_DEVICE_A_MAX
};

#define IOTGW_DEVICE_A_MAX (__IOTGW_DEVICE_A_MAX - 1)

#endif /* _UAPI_LINUX_IOTGW_H */
