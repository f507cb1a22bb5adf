// SPDX-License-Identifier: GPL-2.0
/*
 * The queue's side of the netlink contract: the consumer protocol
 * (bind, messages, acks), and the operator's view (get, flush).
 */
#include <net/genetlink.h>
#include <uapi/linux/iotgw.h>

#include "netlink.h"
#include "netns.h"
#include "proto/coap.h"
#include "queue.h"
#include "queue_netlink.h"

#define IOTGW_QUEUE_DEFAULT_RETRY_MS	5000

static struct iotgw_queue *iotgw_info_queue(struct genl_info *info)
{
	return &iotgw_net(genl_info_net(info))->queue;
}

int iotgw_nl_queue_bind(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[IOTGW_QUEUE_A_MAX + 1];
	struct nlattr *nest = info->attrs[IOTGW_A_QUEUE];
	u32 credit, retry_ms = IOTGW_QUEUE_DEFAULT_RETRY_MS;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, IOTGW_A_QUEUE)) {
		NL_SET_ERR_MSG(info->extack, "bind needs a queue credit");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, IOTGW_QUEUE_A_MAX, nest, NULL,
			       info->extack);
	if (err)
		return err;
	if (!tb[IOTGW_QUEUE_A_CREDIT]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "bind needs a queue credit");
		return -EINVAL;
	}
	credit = nla_get_u32(tb[IOTGW_QUEUE_A_CREDIT]);
	if (tb[IOTGW_QUEUE_A_RETRY_MS])
		retry_ms = nla_get_u32(tb[IOTGW_QUEUE_A_RETRY_MS]);
	err = iotgw_queue_bind(iotgw_info_queue(info), info->snd_portid,
			       credit, retry_ms);
	if (err == -EBUSY)
		NL_SET_ERR_MSG(info->extack,
			       "another socket is the queue's consumer");
	return err;
}

int iotgw_nl_queue_unbind(struct sk_buff *skb, struct genl_info *info)
{
	int err = iotgw_queue_unbind(iotgw_info_queue(info), info->snd_portid);

	if (err)
		NL_SET_ERR_MSG(info->extack, "this socket is not the consumer");
	return err;
}

enum iotgw_ids_verb { IOTGW_IDS_ACK, IOTGW_IDS_NACK, IOTGW_IDS_REJECT };

static int iotgw_nl_queue_ids(struct genl_info *info, enum iotgw_ids_verb verb)
{
	struct iotgw_queue *q = iotgw_info_queue(info);
	struct nlattr *attr = info->attrs[IOTGW_A_MSG_IDS];
	unsigned int n;
	u64 *ids;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, IOTGW_A_MSG_IDS)) {
		NL_SET_ERR_MSG(info->extack, "the request needs message ids");
		return -EINVAL;
	}
	if (!nla_len(attr) || nla_len(attr) % sizeof(u64)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "message ids are 8 bytes each");
		return -EINVAL;
	}
	n = nla_len(attr) / sizeof(u64);
	/* nla_data() is only 4-byte aligned: copy the ids out */
	ids = kmemdup(nla_data(attr), n * sizeof(u64), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	switch (verb) {
	case IOTGW_IDS_ACK:
		err = iotgw_queue_ack(q, info->snd_portid, ids, n);
		break;
	case IOTGW_IDS_NACK:
		err = iotgw_queue_nack(q, info->snd_portid, ids, n);
		break;
	default:
		err = iotgw_queue_reject(q, info->snd_portid, ids, n,
					 info->attrs[IOTGW_A_MSG_CODE] ?
					 nla_get_u8(info->attrs[IOTGW_A_MSG_CODE]) :
					 COAP_CODE_SERVICE_UNAVAILABLE);
		break;
	}
	kfree(ids);
	if (err)
		NL_SET_ERR_MSG(info->extack, "this socket is not the consumer");
	return err;
}

int iotgw_nl_queue_ack(struct sk_buff *skb, struct genl_info *info)
{
	return iotgw_nl_queue_ids(info, IOTGW_IDS_ACK);
}

int iotgw_nl_queue_nack(struct sk_buff *skb, struct genl_info *info)
{
	return iotgw_nl_queue_ids(info, IOTGW_IDS_NACK);
}

int iotgw_nl_queue_reject(struct sk_buff *skb, struct genl_info *info)
{
	return iotgw_nl_queue_ids(info, IOTGW_IDS_REJECT);
}

static const int iotgw_queue_cnt_attr[__IOTGW_QCNT_MAX] = {
	[IOTGW_QCNT_ADMITTED] = IOTGW_QUEUE_A_ADMITTED,
	[IOTGW_QCNT_REFUSED] = IOTGW_QUEUE_A_REFUSED,
	[IOTGW_QCNT_EVICTED] = IOTGW_QUEUE_A_EVICTED,
	[IOTGW_QCNT_EXPIRED] = IOTGW_QUEUE_A_EXPIRED,
	[IOTGW_QCNT_DELIVERED] = IOTGW_QUEUE_A_DELIVERED,
	[IOTGW_QCNT_REDELIVERED] = IOTGW_QUEUE_A_REDELIVERED,
	[IOTGW_QCNT_ACKED] = IOTGW_QUEUE_A_ACKED,
	[IOTGW_QCNT_NACKED] = IOTGW_QUEUE_A_NACKED,
	[IOTGW_QCNT_STALE_ACKS] = IOTGW_QUEUE_A_STALE_ACKS,
	[IOTGW_QCNT_FLUSHED] = IOTGW_QUEUE_A_FLUSHED,
	[IOTGW_QCNT_DUPLICATES] = IOTGW_QUEUE_A_DUPLICATES,
	[IOTGW_QCNT_DEDUP_EVICTED] = IOTGW_QUEUE_A_DEDUP_EVICTED,
	[IOTGW_QCNT_REJECTED] = IOTGW_QUEUE_A_REJECTED,
	[IOTGW_QCNT_CONFIRMED] = IOTGW_QUEUE_A_CONFIRMED,
	[IOTGW_QCNT_UNCONFIRMED] = IOTGW_QUEUE_A_UNCONFIRMED,
	[IOTGW_QCNT_WITHDRAWN] = IOTGW_QUEUE_A_WITHDRAWN,
	[IOTGW_QCNT_CONFIRMS_LOST] = IOTGW_QUEUE_A_CONFIRMS_LOST,
};

static int iotgw_put_queue(struct sk_buff *skb,
			   const struct iotgw_queue_info *qi)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, IOTGW_A_QUEUE);
	if (!nest)
		return -EMSGSIZE;
	if ((qi->consumer &&
	     (nla_put_u32(skb, IOTGW_QUEUE_A_CONSUMER, qi->consumer) ||
	      nla_put_u32(skb, IOTGW_QUEUE_A_CREDIT, qi->credit))) ||
	    nla_put_u32(skb, IOTGW_QUEUE_A_PENDING_QOS0, qi->pending_qos[0]) ||
	    nla_put_u32(skb, IOTGW_QUEUE_A_PENDING_QOS1, qi->pending_qos[1]) ||
	    nla_put_u32(skb, IOTGW_QUEUE_A_PENDING_QOS2, qi->pending_qos[2]) ||
	    nla_put_u32(skb, IOTGW_QUEUE_A_IN_FLIGHT, qi->in_flight) ||
	    nla_put_u32(skb, IOTGW_QUEUE_A_MSGS, qi->msgs) ||
	    nla_put_u32(skb, IOTGW_QUEUE_A_BYTES, qi->bytes) ||
	    nla_put_u32(skb, IOTGW_QUEUE_A_AWAITING, qi->awaiting) ||
	    (qi->has_oldest &&
	     nla_put_u32(skb, IOTGW_QUEUE_A_OLDEST_MS, qi->oldest_ms)))
		goto err_cancel;
	for (i = 0; i < __IOTGW_QCNT_MAX; i++)
		if (nla_put_u64_64bit(skb, iotgw_queue_cnt_attr[i], qi->cnt[i],
				      IOTGW_QUEUE_A_PAD))
			goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int iotgw_nl_queue_get(struct sk_buff *skb, struct genl_info *info)
{
	struct iotgw_queue_info qi;
	struct sk_buff *msg;
	void *hdr;
	int err;

	iotgw_queue_read(iotgw_info_queue(info), &qi);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &iotgw_genl_family, 0,
				IOTGW_CMD_QUEUE_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	err = iotgw_put_queue(msg, &qi);
	if (err)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

int iotgw_nl_queue_flush(struct sk_buff *skb, struct genl_info *info)
{
	iotgw_queue_flush(iotgw_info_queue(info));
	return 0;
}

int iotgw_genl_put_qmsg(struct sk_buff *skb, const struct iotgw_qmsg *m,
			u32 attempts)
{
	int alen = m->family == AF_INET ? 4 : 16;
	struct nlattr *nest, *topic;
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &iotgw_genl_family, 0,
			  IOTGW_CMD_QUEUE_MSG);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, IOTGW_A_MSG);
	if (!nest)
		goto err_cancel;
	if (nla_put_u64_64bit(skb, IOTGW_MSG_A_ID, m->id, IOTGW_MSG_A_PAD) ||
	    nla_put_u8(skb, IOTGW_MSG_A_QOS, m->qos) ||
	    nla_put_u8(skb, IOTGW_MSG_A_PROTO, m->proto) ||
	    nla_put_string(skb, IOTGW_MSG_A_RULE, m->rule) ||
	    nla_put_u8(skb, IOTGW_MSG_A_FAMILY, m->family) ||
	    nla_put(skb, IOTGW_MSG_A_SRC, alen, &m->src) ||
	    nla_put_u16(skb, IOTGW_MSG_A_SRC_PORT, m->src_port) ||
	    nla_put_u64_64bit(skb, IOTGW_MSG_A_TIME_NS, m->time_ns,
			      IOTGW_MSG_A_PAD) ||
	    nla_put_u32(skb, IOTGW_MSG_A_ATTEMPTS, attempts) ||
	    (m->awaiting &&
	     nla_put_u8(skb, IOTGW_MSG_A_CONFIRM, m->confirm)) ||
	    (m->has_content_format &&
	     nla_put_u16(skb, IOTGW_MSG_A_CONTENT_FORMAT, m->content_format)))
		goto err_cancel;
	/* the topic is kept without its NUL; netlink strings carry one */
	topic = nla_reserve(skb, IOTGW_MSG_A_TOPIC, m->topic_len + 1);
	if (!topic)
		goto err_cancel;
	memcpy(nla_data(topic), m->data, m->topic_len);
	((char *)nla_data(topic))[m->topic_len] = '\0';
	if (m->payload_len &&
	    nla_put(skb, IOTGW_MSG_A_PAYLOAD, m->payload_len,
		    m->data + m->topic_len))
		goto err_cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int iotgw_genl_unicast(struct net *net, struct sk_buff *skb, u32 portid)
{
	return genlmsg_unicast(net, skb, portid);
}
