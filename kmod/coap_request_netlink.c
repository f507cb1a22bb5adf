// SPDX-License-Identifier: GPL-2.0
/*
 * The downlink's side of the netlink contract: requests in, outcomes out
 * to the requester, and the device table for everyone to read.
 */
#include <linux/jiffies.h>
#include <net/genetlink.h>
#include <uapi/linux/iotgw.h>

#include "coap_request.h"
#include "coap_request_netlink.h"
#include "device.h"
#include "netlink.h"
#include "netns.h"
#include "queue.h"

#define IOTGW_COAP_DEFAULT_PORT	5683

/* The device's address from @attr: 4 or 16 bytes, unicast. */
static int iotgw_coap_req_addr(const struct nlattr *attr, struct in6_addr *addr,
			       struct netlink_ext_ack *extack)
{
	if (nla_len(attr) == sizeof(struct in_addr)) {
		ipv6_addr_set_v4mapped(nla_get_in_addr(attr), addr);
		if (ipv4_is_multicast(addr->s6_addr32[3]) ||
		    ipv4_is_lbcast(addr->s6_addr32[3]) ||
		    ipv4_is_zeronet(addr->s6_addr32[3]))
			goto err_unicast;
		return 0;
	}
	if (nla_len(attr) != sizeof(struct in6_addr)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the address is 4 or 16 bytes long");
		return -EINVAL;
	}
	*addr = nla_get_in6_addr(attr);
	if (ipv6_addr_v4mapped(addr)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "an IPv4 address is given as 4 bytes");
		return -EINVAL;
	}
	if (ipv6_addr_is_multicast(addr) || ipv6_addr_any(addr))
		goto err_unicast;
	return 0;

err_unicast:
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "requests go to one device: a unicast address");
	return -EINVAL;
}

static int iotgw_coap_req_parse(struct genl_info *info,
				struct iotgw_coap_req_args *args)
{
	struct nlattr *nest = info->attrs[IOTGW_A_COAP_REQ];
	struct nlattr *tb[IOTGW_COAP_REQ_A_MAX + 1];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, IOTGW_A_COAP_REQ)) {
		NL_SET_ERR_MSG(info->extack, "the request needs a device address and a method");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, IOTGW_COAP_REQ_A_MAX, nest, NULL,
			       info->extack);
	if (err)
		return err;
	if (!tb[IOTGW_COAP_REQ_A_ADDR]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "the request needs a device address");
		return -EINVAL;
	}
	if (!tb[IOTGW_COAP_REQ_A_METHOD]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "the request needs a method");
		return -EINVAL;
	}
	err = iotgw_coap_req_addr(tb[IOTGW_COAP_REQ_A_ADDR], &args->addr,
				  info->extack);
	if (err)
		return err;
	args->port = htons(tb[IOTGW_COAP_REQ_A_PORT] ?
			   nla_get_u16(tb[IOTGW_COAP_REQ_A_PORT]) :
			   IOTGW_COAP_DEFAULT_PORT);
	args->type = tb[IOTGW_COAP_REQ_A_TYPE] ?
		     nla_get_u8(tb[IOTGW_COAP_REQ_A_TYPE]) : COAP_TYPE_CON;
	args->method = nla_get_u8(tb[IOTGW_COAP_REQ_A_METHOD]);
	if (tb[IOTGW_COAP_REQ_A_PATH]) {
		args->path = nla_data(tb[IOTGW_COAP_REQ_A_PATH]);
		args->path_len = strlen(args->path);
	}
	if (tb[IOTGW_COAP_REQ_A_QUERY]) {
		args->query = nla_data(tb[IOTGW_COAP_REQ_A_QUERY]);
		args->query_len = strlen(args->query);
	}
	if (tb[IOTGW_COAP_REQ_A_CONTENT_FORMAT]) {
		args->has_content_format = true;
		args->content_format =
			nla_get_u16(tb[IOTGW_COAP_REQ_A_CONTENT_FORMAT]);
	}
	if (tb[IOTGW_COAP_REQ_A_PAYLOAD]) {
		args->payload = nla_data(tb[IOTGW_COAP_REQ_A_PAYLOAD]);
		args->payload_len = nla_len(tb[IOTGW_COAP_REQ_A_PAYLOAD]);
	}
	if (tb[IOTGW_COAP_REQ_A_COOKIE]) {
		args->has_cookie = true;
		args->cookie = nla_get_u64(tb[IOTGW_COAP_REQ_A_COOKIE]);
	}
	if (tb[IOTGW_COAP_REQ_A_TIMEOUT_MS])
		args->timeout_ms = nla_get_u32(tb[IOTGW_COAP_REQ_A_TIMEOUT_MS]);
	return 0;
}

int iotgw_nl_coap_request(struct sk_buff *skb, struct genl_info *info)
{
	struct iotgw_net *in = iotgw_net(genl_info_net(info));
	struct iotgw_coap_req_args args = {};
	u8 token[IOTGW_COAP_REQ_TOKEN_LEN];
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	u16 mid;
	u64 id;
	int err;

	err = iotgw_coap_req_parse(info, &args);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = iotgw_coap_req_submit(in, &args, info->snd_portid, &id, &mid,
				    token, info->extack);
	if (err)
		goto err_free;

	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &iotgw_genl_family, 0,
				IOTGW_CMD_COAP_REQUEST);
	if (!hdr)
		goto err_cancel;
	nest = nla_nest_start(msg, IOTGW_A_COAP_REQ);
	if (!nest ||
	    nla_put_u64_64bit(msg, IOTGW_COAP_REQ_A_ID, id,
			      IOTGW_COAP_REQ_A_PAD) ||
	    nla_put_u16(msg, IOTGW_COAP_REQ_A_MID, mid) ||
	    nla_put(msg, IOTGW_COAP_REQ_A_TOKEN, sizeof(token), token))
		goto err_cancel;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
	/* nobody learnt its id: the request must not go out */
	iotgw_coap_req_start(in, id, err != 0);
	return err;

err_cancel:
	iotgw_coap_req_start(in, id, true);
err_free:
	nlmsg_free(msg);
	return err;
}

int iotgw_coap_result_send(struct net *net, const struct iotgw_coap_req *r)
{
	struct sk_buff *skb;
	struct nlattr *nest;
	void *hdr;

	skb = genlmsg_new(nla_total_size(r->payload_len) + 256, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put(skb, 0, 0, &iotgw_genl_family, 0,
			  IOTGW_CMD_COAP_RESULT);
	if (!hdr)
		goto err_free;
	nest = nla_nest_start(skb, IOTGW_A_COAP_RESULT);
	if (!nest ||
	    nla_put_u64_64bit(skb, IOTGW_COAP_RESULT_A_ID, r->id,
			      IOTGW_COAP_RESULT_A_PAD) ||
	    (r->has_cookie &&
	     nla_put_u64_64bit(skb, IOTGW_COAP_RESULT_A_COOKIE, r->cookie,
			       IOTGW_COAP_RESULT_A_PAD)) ||
	    nla_put_u8(skb, IOTGW_COAP_RESULT_A_STATUS, r->status) ||
	    nla_put_u32(skb, IOTGW_COAP_RESULT_A_TRANSMISSIONS,
			r->transmissions) ||
	    nla_put_u32(skb, IOTGW_COAP_RESULT_A_ELAPSED_MS, r->elapsed_ms) ||
	    (r->acked && nla_put_flag(skb, IOTGW_COAP_RESULT_A_ACKED)))
		goto err_free;
	if (r->status == IOTGW_COAP_STATUS_RESPONSE &&
	    (nla_put_u8(skb, IOTGW_COAP_RESULT_A_CODE, r->code) ||
	     (r->separate &&
	      nla_put_flag(skb, IOTGW_COAP_RESULT_A_SEPARATE)) ||
	     (r->has_content_format &&
	      nla_put_u16(skb, IOTGW_COAP_RESULT_A_CONTENT_FORMAT,
			  r->content_format)) ||
	     (r->has_max_age &&
	      nla_put_u32(skb, IOTGW_COAP_RESULT_A_MAX_AGE, r->max_age)) ||
	     (r->payload_len &&
	      nla_put(skb, IOTGW_COAP_RESULT_A_PAYLOAD, r->payload_len,
		      r->payload))))
		goto err_free;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return iotgw_genl_unicast(net, skb, r->portid);

err_free:
	nlmsg_free(skb);
	return -EMSGSIZE;
}

/* ---- the device table ---- */

static int iotgw_fill_device(struct sk_buff *skb, struct netlink_callback *cb,
			     const struct iotgw_device *dev)
{
	bool v4 = ipv6_addr_v4mapped(&dev->addr);
	struct nlattr *nest, *topic;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &iotgw_genl_family, NLM_F_MULTI, IOTGW_CMD_DEVICE_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, IOTGW_A_DEVICE);
	if (!nest ||
	    nla_put_u8(skb, IOTGW_DEVICE_A_FAMILY, v4 ? AF_INET : AF_INET6) ||
	    (v4 ? nla_put_in_addr(skb, IOTGW_DEVICE_A_ADDR,
				  dev->addr.s6_addr32[3]) :
		  nla_put_in6_addr(skb, IOTGW_DEVICE_A_ADDR, &dev->addr)) ||
	    nla_put_u16(skb, IOTGW_DEVICE_A_PORT, ntohs(dev->port)) ||
	    nla_put_u8(skb, IOTGW_DEVICE_A_PROTO, dev->proto) ||
	    nla_put_u64_64bit(skb, IOTGW_DEVICE_A_PACKETS,
			      READ_ONCE(dev->packets), IOTGW_DEVICE_A_PAD) ||
	    nla_put_u32(skb, IOTGW_DEVICE_A_AGE_MS,
			jiffies_to_msecs(jiffies - READ_ONCE(dev->last_seen))))
		goto err_cancel;
	topic = nla_reserve(skb, IOTGW_DEVICE_A_TOPIC, dev->topic_len + 1);
	if (!topic)
		goto err_cancel;
	memcpy(nla_data(topic), dev->topic, dev->topic_len);
	((char *)nla_data(topic))[dev->topic_len] = '\0';
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* cb->args[0]: the hash bucket to go on with, [1]: entries of it done. */
int iotgw_nl_device_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct iotgw_devices *devs = &iotgw_net(sock_net(skb->sk))->devices;
	unsigned long bucket = cb->args[0], skip = cb->args[1], i;
	const struct iotgw_device *dev;
	int err = 0;

	rcu_read_lock();
	for (; bucket < ARRAY_SIZE(devs->hash); bucket++, skip = 0) {
		i = 0;
		hlist_for_each_entry_rcu(dev, &devs->hash[bucket], node) {
			if (i++ < skip)
				continue;
			err = iotgw_fill_device(skb, cb, dev);
			if (err) {
				skip = i - 1;
				goto out;
			}
		}
	}
	skip = 0;
out:
	rcu_read_unlock();
	cb->args[0] = bucket;
	cb->args[1] = skip;
	if (err && !skb->len)
		return err;
	return skb->len;
}
