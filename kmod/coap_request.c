// SPDX-License-Identifier: GPL-2.0
/*
 * Downlink CoAP requests (RFC 7252 4, 5.2): the kernel sends a request to
 * a device from the gateway's CoAP port, retransmits a confirmable one
 * with exponential back-off, keeps at most NSTART outstanding per device,
 * matches the ACK, Reset or response, and reports the outcome.
 *
 * One lock per namespace guards the lists; the fast path takes it only
 * for a datagram that may answer a request. The work runs the clock:
 * retransmissions, deadlines, starting waiting requests, reports.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/icmp.h>
#include <net/ipv6.h>

#include "classify.h"
#include "coap_request.h"
#include "netns.h"
#include "stats.h"
#include "xmit.h"

/* What a request's transmission carries to the sender, in skb->cb. */
struct iotgw_coap_tx_cb {
	u64 id;
	struct in6_addr addr;
	struct in6_addr saddr;		/* has_saddr: send from it */
	int oif;
	__be16 port;
	bool has_saddr;
};

static struct iotgw_coap_reqs *iotgw_reqs(struct iotgw_net *in)
{
	return &in->coap_reqs;
}

#define IOTGW_COAP_REQ_BUCKETS	BIT(IOTGW_COAP_REQ_HASH_BITS)

static unsigned int iotgw_token_bucket(const struct iotgw_coap_reqs *reqs,
				       const u8 *token)
{
	return jhash(token, IOTGW_COAP_REQ_TOKEN_LEN, reqs->seed) &
	       (IOTGW_COAP_REQ_BUCKETS - 1);
}

static unsigned int iotgw_mid_bucket(u16 mid)
{
	return mid & (IOTGW_COAP_REQ_BUCKETS - 1);
}

static unsigned int iotgw_ep_bucket(const struct iotgw_coap_reqs *reqs,
				    const struct in6_addr *addr, __be16 port)
{
	return jhash2((__force const u32 *)addr->s6_addr32, 4,
		      reqs->seed ^ (__force u32)port) &
	       (IOTGW_COAP_REQ_BUCKETS - 1);
}

static void iotgw_coap_req_work(struct work_struct *work);

int iotgw_coap_reqs_init(struct iotgw_coap_reqs *reqs)
{
	reqs->by_token = kcalloc(3 * IOTGW_COAP_REQ_BUCKETS,
				 sizeof(*reqs->by_token), GFP_KERNEL_ACCOUNT);
	if (!reqs->by_token)
		return -ENOMEM;
	reqs->by_mid = reqs->by_token + IOTGW_COAP_REQ_BUCKETS;
	reqs->eps = reqs->by_mid + IOTGW_COAP_REQ_BUCKETS;
	reqs->seed = get_random_u32();
	spin_lock_init(&reqs->lock);
	INIT_DELAYED_WORK(&reqs->work, iotgw_coap_req_work);
	INIT_LIST_HEAD(&reqs->pending);
	INIT_LIST_HEAD(&reqs->active);
	INIT_LIST_HEAD(&reqs->done);
	INIT_LIST_HEAD(&reqs->linger);
	reqs->count = 0;
	reqs->confirms = 0;
	reqs->lingering = 0;
	reqs->hashed = 0;
	reqs->next_id = 0;
	return 0;
}

/* Under the lock: @r no longer counts against its device's NSTART. */
static void iotgw_coap_req_settle(struct iotgw_coap_req *r)
{
	if (!r->outstanding)
		return;
	r->outstanding = false;
	r->ep->outstanding--;
}

/* Under the lock once @r has a device (from submission on). */
static void iotgw_coap_req_free(struct iotgw_coap_req *r)
{
	struct iotgw_coap_ep *ep = r->ep;

	iotgw_coap_req_settle(r);
	if (ep && !--ep->users) {
		hlist_del(&ep->node);
		kfree(ep);
	}
	kfree(r->msg);
	kfree(r->payload);
	kfree(r);
}

/* Under the lock. */
static void iotgw_coap_req_hash(struct iotgw_coap_reqs *reqs,
				struct iotgw_coap_req *r)
{
	hlist_add_head(&r->by_token,
		       &reqs->by_token[iotgw_token_bucket(reqs, r->token)]);
	hlist_add_head(&r->by_mid, &reqs->by_mid[iotgw_mid_bucket(r->mid)]);
	r->hashed = true;
	WRITE_ONCE(reqs->hashed, reqs->hashed + 1);
}

static void iotgw_coap_req_unhash(struct iotgw_coap_reqs *reqs,
				  struct iotgw_coap_req *r)
{
	if (!r->hashed)
		return;
	hlist_del(&r->by_token);
	hlist_del(&r->by_mid);
	r->hashed = false;
	WRITE_ONCE(reqs->hashed, reqs->hashed - 1);
}

/* Under the lock: drop a request that lingers, oldest first. */
static void iotgw_coap_req_unlinger(struct iotgw_coap_reqs *reqs,
				    struct iotgw_coap_req *r)
{
	iotgw_coap_req_unhash(reqs, r);
	list_del(&r->list);
	reqs->lingering--;
	iotgw_coap_req_free(r);
}

void iotgw_coap_reqs_destroy(struct iotgw_coap_reqs *reqs)
{
	struct list_head *lists[] = {
		&reqs->pending, &reqs->active, &reqs->done, &reqs->linger,
	};
	struct iotgw_coap_req *r, *tmp;
	int i;

	cancel_delayed_work_sync(&reqs->work);
	spin_lock_bh(&reqs->lock);
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		list_for_each_entry_safe(r, tmp, lists[i], list) {
			iotgw_coap_req_unhash(reqs, r);
			list_del(&r->list);
			iotgw_coap_req_free(r);
		}
	}
	reqs->count = 0;
	reqs->confirms = 0;
	reqs->lingering = 0;
	spin_unlock_bh(&reqs->lock);
	kfree(reqs->by_token);
	reqs->by_token = NULL;
}

static void iotgw_coap_req_kick(struct iotgw_coap_reqs *reqs)
{
	mod_delayed_work(system_wq, &reqs->work, 0);
}

/*
 * RFC 7252 4.8.2: MAX_TRANSMIT_SPAN (@wait false) or MAX_TRANSMIT_WAIT,
 * in ms, for a namespace's parameters.
 */
static u64 iotgw_coap_span_ms(const struct iotgw_config *cfg, bool wait)
{
	u64 n = (1ULL << (cfg->coap_max_retransmit + (wait ? 1 : 0))) - 1;

	return div_u64(cfg->coap_ack_timeout_ms * n *
		       cfg->coap_ack_random_factor, 100);
}

/* Under the lock: the device @r goes to, found or made from @new_ep. */
static void iotgw_coap_req_set_ep(struct iotgw_coap_reqs *reqs,
				  struct iotgw_coap_req *r,
				  struct iotgw_coap_ep **new_ep)
{
	struct iotgw_coap_ep *ep;
	unsigned int b;

	b = iotgw_ep_bucket(reqs, &r->addr, r->port);
	hlist_for_each_entry(ep, &reqs->eps[b], node)
		if (ep->port == r->port && ipv6_addr_equal(&ep->addr, &r->addr))
			break;
	if (!ep) {
		ep = *new_ep;
		*new_ep = NULL;
		ep->addr = r->addr;
		ep->port = r->port;
		hlist_add_head(&ep->node, &reqs->eps[b]);
	}
	ep->users++;
	r->ep = ep;
}

/* Under the lock: @r waits its turn, its deadline @wait_ms from now. */
static void iotgw_coap_req_enqueue(struct iotgw_coap_reqs *reqs,
				   struct iotgw_coap_req *r,
				   struct iotgw_coap_ep **new_ep, u64 wait_ms)
{
	iotgw_coap_req_set_ep(reqs, r, new_ep);
	r->id = ++reqs->next_id;
	r->submitted = jiffies;
	r->deadline = r->submitted + msecs_to_jiffies(wait_ms);
	r->state = IOTGW_COAP_REQ_PENDING;
	list_add_tail(&r->list, &reqs->pending);
}

int iotgw_coap_req_submit(struct iotgw_net *in,
			  const struct iotgw_coap_req_args *args, u32 portid,
			  u64 *id, u16 *mid, u8 *token,
			  struct netlink_ext_ack *extack)
{
	struct iotgw_coap_reqs *reqs = iotgw_reqs(in);
	struct iotgw_coap_ep *new_ep;
	struct coap_request cr = {};
	struct iotgw_coap_req *r;
	unsigned int max;
	u64 wait_ms;
	int len;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	r->msg = kmalloc(IOTGW_COAP_REQ_MSG_MAX, GFP_KERNEL_ACCOUNT);
	new_ep = kzalloc(sizeof(*new_ep), GFP_KERNEL_ACCOUNT);
	if (!r->msg || !new_ep) {
		kfree(new_ep);
		iotgw_coap_req_free(r);
		return -ENOMEM;
	}
	get_random_bytes(r->token, sizeof(r->token));
	r->mid = (u16)atomic_inc_return(&in->coap_mid);
	r->type = args->type;
	r->addr = args->addr;
	r->port = args->port;
	r->portid = portid;
	r->has_cookie = args->has_cookie;
	r->cookie = args->cookie;
	r->held = true;

	cr.type = args->type;
	cr.code = args->method;
	cr.mid = r->mid;
	cr.tkl = sizeof(r->token);
	cr.token = r->token;
	cr.path = args->path;
	cr.path_len = args->path_len;
	cr.query = args->query;
	cr.query_len = args->query_len;
	cr.has_content_format = args->has_content_format;
	cr.content_format = args->content_format;
	cr.payload = args->payload;
	cr.payload_len = args->payload_len;
	len = coap_build_request(r->msg, IOTGW_COAP_REQ_MSG_MAX, &cr);
	if (len < 0) {
		if (len == -ENOSPC) {
			NL_SET_ERR_MSG(extack, "the request is too large");
			len = -EMSGSIZE;
		} else {
			NL_SET_ERR_MSG(extack, "bad path, or a query part over 255 bytes");
		}
		kfree(new_ep);
		iotgw_coap_req_free(r);
		return len;
	}
	r->msg_len = len;

	rcu_read_lock();
	max = rcu_dereference(in->config)->coap_requests_max;
	wait_ms = args->timeout_ms ?:
		  iotgw_coap_span_ms(rcu_dereference(in->config), true);
	rcu_read_unlock();

	spin_lock_bh(&reqs->lock);
	if (reqs->count >= max) {
		spin_unlock_bh(&reqs->lock);
		NL_SET_ERR_MSG(extack, "too many requests waiting (coap-requests-max)");
		kfree(new_ep);
		iotgw_coap_req_free(r);
		return -ENOSPC;
	}
	iotgw_coap_req_enqueue(reqs, r, &new_ep, wait_ms);
	reqs->count++;
	iotgw_stats_count(in->stats, IOTGW_CNT_COAP_REQUESTS, 1);
	spin_unlock_bh(&reqs->lock);
	kfree(new_ep);

	*id = r->id;
	*mid = r->mid;
	memcpy(token, r->token, sizeof(r->token));
	return 0;
}

int iotgw_coap_confirm_send(struct iotgw_net *in, const struct in6_addr *addr,
			    const struct in6_addr *saddr, int oif, __be16 port,
			    const u8 *token, u8 tkl, u8 code)
{
	struct iotgw_coap_reqs *reqs = iotgw_reqs(in);
	struct iotgw_coap_ep *new_ep;
	struct coap_response cr = {};
	struct iotgw_coap_req *r;
	int len, err = -ENOMEM;
	unsigned int max;
	u64 wait_ms;

	r = kzalloc(sizeof(*r), GFP_ATOMIC | __GFP_NOWARN);
	new_ep = kzalloc(sizeof(*new_ep), GFP_ATOMIC | __GFP_NOWARN);
	if (r)
		r->msg = kmalloc(COAP_HDR_LEN + IOTGW_COAP_REQ_TOKEN_LEN,
				 GFP_ATOMIC | __GFP_NOWARN);
	if (!r || !r->msg || !new_ep || tkl > COAP_TOKEN_MAX)
		goto err_free;
	r->confirm = true;
	r->type = COAP_TYPE_CON;
	r->addr = *addr;
	r->saddr = *saddr;
	r->oif = oif;
	r->port = port;
	r->mid = (u16)atomic_inc_return(&in->coap_mid);
	r->tkl = tkl;
	memcpy(r->token, token, tkl);

	cr.type = COAP_TYPE_CON;
	cr.code = code;
	cr.mid = r->mid;
	cr.tkl = tkl;
	cr.token = r->token;
	len = coap_build_response(r->msg, COAP_HDR_LEN + IOTGW_COAP_REQ_TOKEN_LEN,
				  &cr);
	if (len < 0)
		goto err_free;
	r->msg_len = len;

	/* one per message the queue held at most: bounded as it is */
	rcu_read_lock();
	max = rcu_dereference(in->config)->queue_max_msgs;
	wait_ms = iotgw_coap_span_ms(rcu_dereference(in->config), true);
	rcu_read_unlock();

	spin_lock_bh(&reqs->lock);
	if (reqs->confirms >= max) {
		spin_unlock_bh(&reqs->lock);
		err = -ENOSPC;
		goto err_free;
	}
	iotgw_coap_req_enqueue(reqs, r, &new_ep, wait_ms);
	reqs->confirms++;
	spin_unlock_bh(&reqs->lock);
	kfree(new_ep);
	iotgw_coap_req_kick(reqs);
	return 0;

err_free:
	kfree(new_ep);
	if (r) {
		kfree(r->msg);
		kfree(r);
	}
	return err;
}

void iotgw_coap_req_start(struct iotgw_net *in, u64 id, bool cancel)
{
	struct iotgw_coap_reqs *reqs = iotgw_reqs(in);
	struct iotgw_coap_req *r;

	spin_lock_bh(&reqs->lock);
	list_for_each_entry(r, &reqs->pending, list) {
		if (r->id != id)
			continue;
		if (cancel) {
			list_del(&r->list);
			reqs->count--;
			iotgw_coap_req_free(r);
		} else {
			r->held = false;
		}
		break;
	}
	spin_unlock_bh(&reqs->lock);
	if (!cancel)
		iotgw_coap_req_kick(reqs);
}

/* Under the lock: @r's outcome is known; the work reports it. */
static void iotgw_coap_req_finish(struct iotgw_net *in,
				  struct iotgw_coap_req *r, u8 status)
{
	/* no answer, but the network said why (RFC 1122 3.2.2.1's hint) */
	if (status == IOTGW_COAP_STATUS_TIMEOUT && r->soft_err)
		status = IOTGW_COAP_STATUS_UNREACHABLE;
	iotgw_coap_req_settle(r);
	r->status = status;
	r->elapsed_ms = jiffies_to_msecs(jiffies - r->submitted);
	r->state = IOTGW_COAP_REQ_DONE;
	list_move_tail(&r->list, &iotgw_reqs(in)->done);
	kfree(r->msg);
	r->msg = NULL;
	if (r->confirm && status == IOTGW_COAP_STATUS_RESPONSE)
		return;		/* the sensor has it */
	iotgw_stats_count(in->stats, status == IOTGW_COAP_STATUS_RESPONSE ?
			  IOTGW_CNT_COAP_RESPONSES : IOTGW_CNT_COAP_FAILURES, 1);
}

/* Under the lock: a copy of @r's message, for the work to send. */
static void iotgw_coap_req_tx(struct iotgw_net *in, struct iotgw_coap_req *r,
			      struct sk_buff_head *txq)
{
	struct iotgw_coap_tx_cb *cb;
	struct sk_buff *skb;

	BUILD_BUG_ON(sizeof(*cb) > sizeof(skb->cb));
	r->transmissions++;
	skb = alloc_skb(IOTGW_XMIT_HEADROOM + r->msg_len, GFP_ATOMIC);
	if (!skb)
		return;		/* as if lost: the retransmission follows */
	skb_reserve(skb, IOTGW_XMIT_HEADROOM);
	skb_put_data(skb, r->msg, r->msg_len);
	cb = (struct iotgw_coap_tx_cb *)skb->cb;
	cb->id = r->id;
	cb->addr = r->addr;
	cb->port = r->port;
	cb->has_saddr = r->confirm;
	cb->saddr = r->saddr;
	cb->oif = r->oif;
	__skb_queue_tail(txq, skb);
	iotgw_stats_count(in->stats, IOTGW_CNT_COAP_TRANSMISSIONS, 1);
}

static void iotgw_next_event(unsigned long *next, bool *armed,
			     unsigned long when)
{
	if (!*armed || time_before(when, *next)) {
		*next = when;
		*armed = true;
	}
}

/* Under the lock: retransmissions and deadlines of outstanding requests. */
static void iotgw_coap_req_tick_active(struct iotgw_net *in,
				       const struct iotgw_config *cfg,
				       struct sk_buff_head *txq,
				       unsigned long now)
{
	struct iotgw_coap_reqs *reqs = iotgw_reqs(in);
	struct iotgw_coap_req *r, *tmp;

	list_for_each_entry_safe(r, tmp, &reqs->active, list) {
		if (time_after_eq(now, r->deadline)) {
			iotgw_coap_req_finish(in, r, IOTGW_COAP_STATUS_TIMEOUT);
			continue;
		}
		if (r->type != COAP_TYPE_CON || r->acked ||
		    time_before(now, r->next_tx))
			continue;
		if (r->transmissions > cfg->coap_max_retransmit) {
			iotgw_coap_req_finish(in, r, IOTGW_COAP_STATUS_TIMEOUT);
			continue;
		}
		iotgw_coap_req_tx(in, r, txq);
		r->timeout_ms *= 2;
		r->next_tx = now + msecs_to_jiffies(r->timeout_ms);
	}
}

/* Under the lock: start waiting requests whose device has room. */
static void iotgw_coap_req_tick_pending(struct iotgw_net *in,
					const struct iotgw_config *cfg,
					struct sk_buff_head *txq,
					unsigned long now)
{
	struct iotgw_coap_reqs *reqs = iotgw_reqs(in);
	u32 t = cfg->coap_ack_timeout_ms;
	struct iotgw_coap_req *r, *tmp;

	list_for_each_entry_safe(r, tmp, &reqs->pending, list) {
		if (r->held)
			continue;
		if (time_after_eq(now, r->deadline)) {
			iotgw_coap_req_finish(in, r, IOTGW_COAP_STATUS_TIMEOUT);
			continue;
		}
		/* RFC 7252 4.7: sent, neither acknowledged nor answered */
		if (r->ep->outstanding >= cfg->coap_nstart)
			continue;
		r->outstanding = true;
		r->ep->outstanding++;
		r->state = IOTGW_COAP_REQ_ACTIVE;
		list_move_tail(&r->list, &reqs->active);
		iotgw_coap_req_hash(reqs, r);
		/* RFC 7252 4.2: between ACK_TIMEOUT and that times the factor */
		r->timeout_ms = get_random_u32_inclusive(t, t *
				cfg->coap_ack_random_factor / 100);
		r->next_tx = now + msecs_to_jiffies(r->timeout_ms);
		iotgw_coap_req_tx(in, r, txq);
	}
}

/* Under the lock: when the work has to run next. */
static bool iotgw_coap_req_next(struct iotgw_coap_reqs *reqs,
				unsigned long *next)
{
	struct iotgw_coap_req *r;
	bool armed = false;

	list_for_each_entry(r, &reqs->active, list) {
		iotgw_next_event(next, &armed, r->deadline);
		if (r->type == COAP_TYPE_CON && !r->acked)
			iotgw_next_event(next, &armed, r->next_tx);
	}
	list_for_each_entry(r, &reqs->pending, list)
		if (!r->held)
			iotgw_next_event(next, &armed, r->deadline);
	r = list_first_entry_or_null(&reqs->linger, struct iotgw_coap_req,
				     list);
	if (r)
		iotgw_next_event(next, &armed, r->linger_until);
	return armed;
}

/* Send what the tick queued; a request without a route fails at once. */
static void iotgw_coap_req_send(struct iotgw_net *in, struct sk_buff_head *txq,
				__be16 sport)
{
	struct iotgw_coap_reqs *reqs = iotgw_reqs(in);
	struct iotgw_coap_tx_cb cb;
	struct iotgw_coap_req *r;
	struct sk_buff *skb;
	bool failed = false;

	while ((skb = __skb_dequeue(txq))) {
		memcpy(&cb, skb->cb, sizeof(cb));
		memset(skb->cb, 0, sizeof(skb->cb));
		local_bh_disable();
		if (iotgw_xmit_udp_to(in->net, skb, &cb.addr,
				      cb.has_saddr ? &cb.saddr : NULL, cb.oif,
				      sport, cb.port) != -EHOSTUNREACH) {
			local_bh_enable();
			continue;
		}
		spin_lock(&reqs->lock);
		list_for_each_entry(r, &reqs->active, list) {
			if (r->id != cb.id)
				continue;
			iotgw_coap_req_finish(in, r,
					      IOTGW_COAP_STATUS_UNREACHABLE);
			failed = true;
			break;
		}
		spin_unlock(&reqs->lock);
		local_bh_enable();
	}
	if (failed)
		iotgw_coap_req_kick(reqs);
}

/*
 * Under the lock: @r, sent, stays for MAX_TRANSMIT_SPAN to take the
 * device's late copies; at most @max linger, the oldest go first.
 */
static void iotgw_coap_req_linger(struct iotgw_coap_reqs *reqs,
				  struct iotgw_coap_req *r,
				  const struct iotgw_config *cfg)
{
	kfree(r->msg);
	r->msg = NULL;
	r->state = IOTGW_COAP_REQ_LINGER;
	r->linger_until = jiffies +
			  msecs_to_jiffies(iotgw_coap_span_ms(cfg, false));
	list_add_tail(&r->list, &reqs->linger);
	if (++reqs->lingering > cfg->coap_requests_max)
		iotgw_coap_req_unlinger(reqs,
					list_first_entry(&reqs->linger,
							 struct iotgw_coap_req,
							 list));
}

/* Report the outcomes; requests that were sent linger to answer copies. */
static void iotgw_coap_req_report(struct iotgw_net *in,
				  struct list_head *results,
				  const struct iotgw_config *cfg)
{
	struct iotgw_coap_reqs *reqs = iotgw_reqs(in);
	struct iotgw_coap_req *r, *tmp;
	int err;

	list_for_each_entry_safe(r, tmp, results, list) {
		/* a confirmation's outcome is only counted */
		err = r->confirm ? 0 : iotgw_coap_result_send(in->net, r);
		kfree(r->payload);
		r->payload = NULL;
		spin_lock_bh(&reqs->lock);
		if (err)
			iotgw_stats_count(in->stats,
					  IOTGW_CNT_COAP_RESULTS_LOST, 1);
		if (r->confirm)
			reqs->confirms--;
		else
			reqs->count--;
		list_del(&r->list);
		if (r->hashed)
			iotgw_coap_req_linger(reqs, r, cfg);
		else
			iotgw_coap_req_free(r);
		spin_unlock_bh(&reqs->lock);
	}
}

static void iotgw_coap_req_work(struct work_struct *work)
{
	struct iotgw_coap_reqs *reqs = container_of(to_delayed_work(work),
						    struct iotgw_coap_reqs,
						    work);
	struct iotgw_net *in = container_of(reqs, struct iotgw_net, coap_reqs);
	struct iotgw_coap_req *r, *tmp;
	struct sk_buff_head txq;
	struct iotgw_config cfg;
	LIST_HEAD(results);
	unsigned long now, next;
	bool armed;

	rcu_read_lock();
	cfg = *rcu_dereference(in->config);
	rcu_read_unlock();
	__skb_queue_head_init(&txq);

	spin_lock_bh(&reqs->lock);
	now = jiffies;
	iotgw_coap_req_tick_active(in, &cfg, &txq, now);
	iotgw_coap_req_tick_pending(in, &cfg, &txq, now);
	list_for_each_entry_safe(r, tmp, &reqs->linger, list) {
		if (time_before(now, r->linger_until))
			break;
		iotgw_coap_req_unlinger(reqs, r);
	}
	list_splice_init(&reqs->done, &results);
	spin_unlock_bh(&reqs->lock);

	iotgw_coap_req_send(in, &txq, htons(cfg.coap_port));
	iotgw_coap_req_report(in, &results, &cfg);

	spin_lock_bh(&reqs->lock);
	armed = iotgw_coap_req_next(reqs, &next);
	spin_unlock_bh(&reqs->lock);
	if (!armed)
		return;
	now = jiffies;
	/* a kick in the meantime must not be pushed back */
	if (!delayed_work_pending(&reqs->work))
		queue_delayed_work(system_wq, &reqs->work,
				   time_after(next, now) ? next - now : 0);
}

void iotgw_coap_req_release(struct iotgw_net *in, u32 portid)
{
	struct iotgw_coap_reqs *reqs = iotgw_reqs(in);
	struct list_head *lists[] = {
		&reqs->pending, &reqs->active, &reqs->done,
	};
	struct iotgw_coap_req *r, *tmp;
	struct iotgw_config cfg;
	bool released = false;
	int i;

	/* every generic netlink socket closing comes here: be quick */
	if (!READ_ONCE(reqs->count))
		return;
	rcu_read_lock();
	cfg = *rcu_dereference(in->config);
	rcu_read_unlock();
	spin_lock_bh(&reqs->lock);
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		list_for_each_entry_safe(r, tmp, lists[i], list) {
			if (r->confirm || r->portid != portid)
				continue;
			released = true;
			reqs->count--;
			list_del(&r->list);
			if (!r->hashed) {
				iotgw_coap_req_free(r);
				continue;
			}
			/* sent: keep answering the device's late copies */
			kfree(r->payload);
			r->payload = NULL;
			iotgw_coap_req_settle(r);
			iotgw_coap_req_linger(reqs, r, &cfg);
		}
	}
	spin_unlock_bh(&reqs->lock);
	/* room for the device's next request, perhaps */
	if (released)
		iotgw_coap_req_kick(reqs);
}

/* ---- the fast path's side: answers from devices ---- */

static struct iotgw_coap_req *
iotgw_coap_req_by_mid(struct iotgw_coap_reqs *reqs, u16 mid,
		      const struct in6_addr *addr, __be16 port)
{
	struct iotgw_coap_req *r;

	hlist_for_each_entry(r, &reqs->by_mid[iotgw_mid_bucket(mid)], by_mid)
		if (r->mid == mid && r->port == port &&
		    ipv6_addr_equal(&r->addr, addr))
			return r;
	return NULL;
}

static struct iotgw_coap_req *
iotgw_coap_req_by_token(struct iotgw_coap_reqs *reqs, const u8 *token,
			const struct in6_addr *addr, __be16 port)
{
	struct iotgw_coap_req *r;

	hlist_for_each_entry(r, &reqs->by_token[iotgw_token_bucket(reqs, token)],
			     by_token)
		if (!r->confirm &&
		    !memcmp(r->token, token, IOTGW_COAP_REQ_TOKEN_LEN) &&
		    r->port == port && ipv6_addr_equal(&r->addr, addr))
			return r;
	return NULL;
}

static bool iotgw_coap_token_is(const struct coap_msg *msg,
				const struct iotgw_coap_req *r)
{
	return !r->confirm && msg->tkl == IOTGW_COAP_REQ_TOKEN_LEN &&
	       !memcmp(msg->token, r->token, IOTGW_COAP_REQ_TOKEN_LEN);
}

/* Under the lock: @r is answered by @msg, its payload in @payload. */
static void iotgw_coap_req_answered(struct iotgw_net *in,
				    struct iotgw_coap_req *r,
				    const struct coap_msg *msg, u8 **payload,
				    u32 payload_len, bool separate)
{
	r->payload = *payload;
	r->payload_len = payload_len;
	*payload = NULL;
	r->acked = true;
	r->code = msg->code;
	r->separate = separate;
	r->has_content_format = msg->has_content_format;
	r->content_format = msg->content_format;
	r->has_max_age = msg->has_max_age;
	r->max_age = msg->max_age;
	iotgw_coap_req_finish(in, r, IOTGW_COAP_STATUS_RESPONSE);
}

/*
 * A datagram whose options go on past what the classifier scanned: parse
 * all of it, into @buf (@len bytes, the caller frees it).
 */
static bool iotgw_coap_req_parse_all(struct sk_buff *skb, unsigned int off,
				     unsigned int len, u8 **buf,
				     struct coap_msg *msg)
{
	*buf = kmalloc(len, GFP_ATOMIC | __GFP_NOWARN);
	if (!*buf || skb_copy_bits(skb, off, *buf, len))
		return false;
	return coap_parse(*buf, len, msg, NULL, 0) == COAP_OK;
}

bool iotgw_coap_req_rx(struct iotgw_net *in, struct sk_buff *skb,
		       unsigned int thoff, __be16 sport, unsigned int len,
		       const struct coap_msg *msg)
{
	struct iotgw_coap_reqs *reqs = iotgw_reqs(in);
	unsigned int off = thoff + sizeof(struct udphdr);
	bool consumed = true, ack = false, done = false;
	u8 empty[COAP_HDR_LEN], *all = NULL, *payload = NULL;
	struct iotgw_coap_req *r;
	struct coap_msg whole;
	struct in6_addr src;
	u32 plen = 0;

	/* the header the classifier parsed says already whether it can be */
	if (msg && msg->type != COAP_TYPE_ACK && msg->type != COAP_TYPE_RST &&
	    COAP_CODE_CLASS(msg->code) < 2)
		return false;
	if (!msg || (!msg->payload && len > IOTGW_COAP_SCAN_MAX)) {
		if (!iotgw_coap_req_parse_all(skb, off, len, &all, &whole)) {
			kfree(all);
			return false;
		}
		msg = &whole;
	}
	if (msg->type != COAP_TYPE_ACK && msg->type != COAP_TYPE_RST &&
	    COAP_CODE_CLASS(msg->code) < 2)
		goto out;
	/* a response to one of ours carries our token */
	if (msg->code != COAP_CODE_EMPTY &&
	    msg->tkl != IOTGW_COAP_REQ_TOKEN_LEN)
		goto out;
	iotgw_skb_source(skb, &src);
	/* copied before the lock, in case it answers a request */
	if (msg->payload) {
		plen = min_t(u32, len - msg->payload_off, IOTGW_QUEUE_DATA_MAX);
		payload = kmalloc(plen, GFP_ATOMIC | __GFP_NOWARN);
		if (!payload ||
		    skb_copy_bits(skb, off + msg->payload_off, payload, plen)) {
			/* dropped: the device or our retransmission repeats it */
			kfree(payload);
			kfree(all);
			return true;
		}
	}

	spin_lock(&reqs->lock);
	if (msg->type == COAP_TYPE_ACK || msg->type == COAP_TYPE_RST) {
		r = iotgw_coap_req_by_mid(reqs, msg->mid, &src, sport);
		if (!r || (msg->code != COAP_CODE_EMPTY &&
			   !iotgw_coap_token_is(msg, r))) {
			/* not ours: a userspace endpoint's, on the same port */
			consumed = false;
		} else if (r->state != IOTGW_COAP_REQ_ACTIVE) {
			/* a late copy: already answered */
		} else if (msg->type == COAP_TYPE_RST) {
			iotgw_coap_req_finish(in, r, IOTGW_COAP_STATUS_RESET);
			done = true;
		} else if (msg->code == COAP_CODE_EMPTY && r->confirm) {
			/* the sensor has its confirmation */
			r->acked = true;
			iotgw_coap_req_finish(in, r, IOTGW_COAP_STATUS_RESPONSE);
			done = true;
		} else if (msg->code == COAP_CODE_EMPTY) {
			/* a separate response follows; NSTART has room again */
			r->acked = true;
			iotgw_coap_req_settle(r);
			done = true;
		} else {
			iotgw_coap_req_answered(in, r, msg, &payload, plen,
						false);
			done = true;
		}
	} else {
		r = iotgw_coap_req_by_token(reqs, msg->token, &src,
					    sport);
		if (!r) {
			consumed = false;
		} else {
			if (r->state == IOTGW_COAP_REQ_ACTIVE) {
				iotgw_coap_req_answered(in, r, msg, &payload,
							plen, true);
				done = true;
			}
			/* acknowledge a separate response, each copy */
			ack = msg->type == COAP_TYPE_CON;
		}
	}
	spin_unlock(&reqs->lock);

	if (ack && coap_build_empty_ack(empty, sizeof(empty), msg->mid) > 0 &&
	    !iotgw_xmit_udp_reply(in->net, skb, thoff, empty, sizeof(empty)))
		iotgw_stats_count(in->stats, IOTGW_CNT_REPLIES, 1);
	if (done)
		iotgw_coap_req_kick(reqs);
	kfree(payload);
	kfree(all);
	return consumed;

out:
	kfree(all);
	return false;
}

/*
 * Whether ICMP destination unreachable @code (@v6: ICMPv6) is final for
 * the request it quotes: RFC 1122 3.2.2.1 makes net, host and source
 * route failures only a hint (Linux's icmp_err_convert[].fatal, and for
 * ICMPv6 no route and address unreachable, which a failed neighbour
 * resolution of the gateway's own sends).
 */
static bool iotgw_icmp_unreach_is_hard(u8 code, bool v6)
{
	if (v6)
		return code == ICMPV6_ADM_PROHIBITED ||
		       code == ICMPV6_PORT_UNREACH ||
		       code == ICMPV6_POLICY_FAIL ||
		       code == ICMPV6_REJECT_ROUTE;
	return code <= NR_ICMP_UNREACH && icmp_err_convert[code].fatal;
}

void iotgw_coap_req_icmp(struct iotgw_net *in, struct sk_buff *skb,
			 unsigned int off, bool v6, unsigned int hook)
{
	struct iotgw_coap_reqs *reqs = iotgw_reqs(in);
	__be16 sport = htons(rcu_dereference(in->config)->coap_port);
	u8 _hdr[COAP_HDR_LEN + IOTGW_COAP_REQ_TOKEN_LEN], _type[2];
	const struct udphdr *uh;
	struct iotgw_coap_req *r;
	const u8 *type, *hdr;
	struct udphdr _uh;
	struct in6_addr dst;
	unsigned int ioff;
	bool kick = false;

	type = skb_header_pointer(skb, off, sizeof(_type), _type);
	if (!type)
		return;
	if (v6) {
		struct ipv6hdr _ip6h;
		const struct ipv6hdr *ip6h;

		if (type[0] != ICMPV6_DEST_UNREACH)
			return;
		ip6h = skb_header_pointer(skb, off + 8, sizeof(_ip6h), &_ip6h);
		if (!ip6h || ip6h->nexthdr != IPPROTO_UDP)
			return;
		dst = ip6h->daddr;
		ioff = off + 8 + sizeof(*ip6h);
	} else {
		struct iphdr _iph;
		const struct iphdr *iph;

		/* "fragmentation needed": the request goes out fragmented */
		if (type[0] != ICMP_DEST_UNREACH || type[1] == ICMP_FRAG_NEEDED)
			return;
		iph = skb_header_pointer(skb, off + 8, sizeof(_iph), &_iph);
		if (!iph || iph->protocol != IPPROTO_UDP || iph->ihl < 5)
			return;
		ipv6_addr_set_v4mapped(iph->daddr, &dst);
		ioff = off + 8 + iph->ihl * 4;
	}
	uh = skb_header_pointer(skb, ioff, sizeof(_uh), &_uh);
	if (!uh || uh->source != sport)
		return;
	/*
	 * The quoted request: a CON or NON with our token (not one of the
	 * ACKs or answers the gateway sends from the same port).
	 */
	hdr = skb_header_pointer(skb, ioff + sizeof(*uh), sizeof(_hdr), _hdr);
	if (!hdr || (hdr[0] >> 4 & 3) > COAP_TYPE_NON ||
	    (hdr[0] & 0xf) != IOTGW_COAP_REQ_TOKEN_LEN)
		return;
	/* icmp_rcv() has not checked it yet: a corrupt one says nothing */
	if (v6 ? nf_ip6_checksum(skb, hook, off, IPPROTO_ICMPV6) :
		 nf_ip_checksum(skb, hook, off, IPPROTO_ICMP))
		return;

	spin_lock(&reqs->lock);
	r = iotgw_coap_req_by_mid(reqs, get_unaligned_be16(hdr + 2), &dst,
				  uh->dest);
	if (r && r->state == IOTGW_COAP_REQ_ACTIVE && !r->confirm &&
	    !memcmp(hdr + COAP_HDR_LEN, r->token, IOTGW_COAP_REQ_TOKEN_LEN)) {
		if (iotgw_icmp_unreach_is_hard(type[1], v6)) {
			iotgw_coap_req_finish(in, r,
					      IOTGW_COAP_STATUS_UNREACHABLE);
			kick = true;
		} else {
			/* keep trying; if nothing answers, say unreachable */
			r->soft_err = true;
		}
	}
	spin_unlock(&reqs->lock);
	if (kick)
		iotgw_coap_req_kick(reqs);
}
