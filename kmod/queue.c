// SPDX-License-Identifier: GPL-2.0
/*
 * The QoS queue: messages that capture and ingest rules accepted, held
 * until the consumer (iotgwd) acks them. QoS 0 may be evicted to make
 * room; QoS 1 and 2 never are, and each of them holds a reference on the
 * module, so that rmmod cannot throw them away (only a flush can).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jhash.h>
#include <linux/list_sort.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "coap_request.h"
#include "netns.h"
#include "queue.h"

#define IOTGW_QUEUE_SKB_SIZE	(32 * 1024)
/* The retry wait doubles up to this many times the first one. */
#define IOTGW_QUEUE_BACKOFF_MAX	64
/* Messages expired or evicted at most in one go with bottom halves off. */
#define IOTGW_QUEUE_TRIM	64
/* Messages sent at most in one run of the work, before it yields. */
#define IOTGW_QUEUE_SEND_MAX	(16 * IOTGW_QUEUE_BATCH)
/* When the consumer's socket is full, try again after this long. */
#define IOTGW_QUEUE_BUSY_WAIT	(HZ / 50)
/* Confirmations timed out at most in one go with bottom halves off. */
#define IOTGW_QUEUE_LATE_MAX	16

/* A separate response a sensor is to get, copied out of its message. */
struct iotgw_queue_answer {
	struct in6_addr addr;		/* IPv4 mapped */
	struct in6_addr saddr;		/* the request's destination, mapped */
	int ifindex;
	__be16 port;
	u8 code;
	u8 tkl;
	u8 token[COAP_TOKEN_MAX];
};

static struct iotgw_net *iotgw_queue_net(struct iotgw_queue *q)
{
	return container_of(q, struct iotgw_net, queue);
}

static struct hlist_head *iotgw_queue_bucket(struct iotgw_queue *q, u64 id)
{
	return &q->ids[hash_64(id, ilog2(IOTGW_QUEUE_ID_BUCKETS))];
}

static void iotgw_queue_work(struct work_struct *work);

void iotgw_queue_init(struct iotgw_queue *q, struct net *net)
{
	int i;

	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->pending);
	INIT_LIST_HEAD(&q->flight);
	INIT_LIST_HEAD(&q->qos0);
	INIT_LIST_HEAD(&q->awaiting);
	for (i = 0; i < IOTGW_QUEUE_ID_BUCKETS; i++)
		INIT_HLIST_HEAD(&q->ids[i]);
	q->next_id = 1;
	q->net = net;
	INIT_DELAYED_WORK(&q->work, iotgw_queue_work);
}

struct iotgw_qmsg *iotgw_qmsg_alloc(struct iotgw_queue *q, u16 topic_len,
				    u32 payload_len)
{
	struct iotgw_net *in = iotgw_queue_net(q);
	u32 cost = IOTGW_QUEUE_MSG_OVERHEAD + topic_len + payload_len;
	struct iotgw_qmsg *m;

	/* one netlink attribute must hold it: its length is 16 bits */
	if (payload_len > IOTGW_QUEUE_DATA_MAX ||
	    topic_len + payload_len > IOTGW_QUEUE_DATA_MAX ||
	    cost > rcu_dereference(in->config)->queue_max_bytes)
		return NULL;
	m = kmalloc(struct_size(m, data, topic_len + payload_len),
		    GFP_ATOMIC | __GFP_NOWARN);
	if (!m)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->cost = cost;
	m->topic_len = topic_len;
	m->payload_len = payload_len;
	m->time_ns = ktime_get_real_ns();
	return m;
}

void iotgw_qmsg_free(struct iotgw_qmsg *m)
{
	kfree(m);
}

/* Under q->lock: @m no longer awaits its confirmation. */
static void iotgw_queue_stop_awaiting(struct iotgw_queue *q,
				      struct iotgw_qmsg *m)
{
	if (!m->awaiting)
		return;
	list_del(&m->await);
	m->awaiting = false;
	q->awaiting_msgs--;
}

/*
 * Under q->lock: the sensor awaiting @m's confirmation gets @code (2.04,
 * or an error) when @m is freed, or from the caller's answer copy.
 */
static void iotgw_queue_settle(struct iotgw_queue *q, struct iotgw_qmsg *m,
			       u8 code)
{
	if (!m->awaiting)
		return;
	iotgw_queue_stop_awaiting(q, m);
	m->answer = code;
}

/*
 * Send @a: a separate confirmable response to its sensor, counted once
 * the engine took it. Any context, @q->lock not held.
 */
static void iotgw_queue_send_answer(struct iotgw_queue *q,
				    const struct iotgw_queue_answer *a)
{
	enum iotgw_queue_counter c = IOTGW_QCNT_CONFIRMS_LOST;

	if (!iotgw_coap_confirm_send(iotgw_queue_net(q), &a->addr, &a->saddr,
				     a->ifindex, a->port, a->token, a->tkl,
				     a->code))
		c = a->code == COAP_CODE_CHANGED ? IOTGW_QCNT_CONFIRMED :
		    IOTGW_QCNT_UNCONFIRMED;
	iotgw_queue_count(q, c, 1);
}

static void iotgw_queue_answer_of(const struct iotgw_qmsg *m,
				  struct iotgw_queue_answer *a)
{
	if (m->family == AF_INET) {
		ipv6_addr_set_v4mapped(m->src.s6_addr32[0], &a->addr);
		ipv6_addr_set_v4mapped(m->dst.s6_addr32[0], &a->saddr);
	} else {
		a->addr = m->src;
		a->saddr = m->dst;
	}
	a->ifindex = m->ifindex;
	a->port = htons(m->src_port);
	a->code = m->answer;
	a->tkl = m->tkl;
	memcpy(a->token, m->token, sizeof(a->token));
}

/* Take @m out of the queue's lists and counts; the caller frees it. */
static void iotgw_queue_unlink(struct iotgw_queue *q, struct iotgw_qmsg *m)
{
	iotgw_queue_stop_awaiting(q, m);
	list_del(&m->list);
	if (m->qos == 0)
		list_del(&m->qos0);
	if (m->in_flight) {
		hlist_del(&m->node);
		q->in_flight--;
	} else {
		q->pending_qos[m->qos]--;
	}
	q->msgs--;
	q->bytes -= m->cost;
}

/* Free a message that was queued: its QoS >= 1 held the module. */
static void iotgw_queue_release_msg(struct iotgw_qmsg *m)
{
	bool held = m->qos > 0;

	kfree(m);
	if (held)
		module_put(THIS_MODULE);
}

/* Under q->lock: whether @cost more bytes and one more message fit. */
static bool iotgw_queue_fits(struct iotgw_queue *q,
			     const struct iotgw_config *cfg, u32 cost)
{
	return q->msgs < cfg->queue_max_msgs &&
	       q->bytes + cost <= cfg->queue_max_bytes;
}

/* Under q->lock: the oldest QoS 0 message, to make room, or NULL. */
static struct iotgw_qmsg *iotgw_queue_evict_one(struct iotgw_queue *q)
{
	struct iotgw_qmsg *m;

	m = list_first_entry_or_null(&q->qos0, struct iotgw_qmsg, qos0);
	if (m) {
		iotgw_queue_unlink(q, m);
		q->cnt[IOTGW_QCNT_EVICTED]++;
	}
	return m;
}

/* Under q->lock: pending messages older than the TTL go. */
static void iotgw_queue_expire(struct iotgw_queue *q,
			       const struct iotgw_config *cfg,
			       struct list_head *gone, unsigned int max)
{
	unsigned long ttl = msecs_to_jiffies(cfg->queue_ttl_ms);
	struct iotgw_qmsg *m, *tmp;

	if (!cfg->queue_ttl_ms)
		return;
	list_for_each_entry_safe(m, tmp, &q->pending, list) {
		if (time_before(jiffies, m->queued + ttl) || !max--)
			break;
		iotgw_queue_settle(q, m, COAP_CODE_GATEWAY_TIMEOUT);
		iotgw_queue_unlink(q, m);
		q->cnt[IOTGW_QCNT_EXPIRED]++;
		list_add_tail(&m->list, gone);
	}
}

/* Free the messages on @gone, answering the sensors settle() named. */
static void iotgw_queue_free_list(struct iotgw_queue *q,
				  struct list_head *gone)
{
	struct iotgw_queue_answer a;
	struct iotgw_qmsg *m, *tmp;

	list_for_each_entry_safe(m, tmp, gone, list) {
		if (m->answer) {
			iotgw_queue_answer_of(m, &a);
			iotgw_queue_send_answer(q, &a);
		}
		iotgw_queue_release_msg(m);
	}
}

/*
 * Under q->lock: sensors waiting longer than CONFIRM_TIMEOUT_MS get 5.04
 * (copied into @late, IOTGW_QUEUE_LATE_MAX at most; true if more are
 * due). A message the consumer does not have leaves the queue
 * (WITHDRAWN): the sensor, told it was not kept, sends it again. One in
 * flight stays; its ack then answers nobody.
 */
static bool iotgw_queue_confirm_expire(struct iotgw_queue *q,
				       const struct iotgw_config *cfg,
				       struct list_head *gone,
				       struct iotgw_queue_answer *late,
				       unsigned int *n_late)
{
	unsigned long wait = msecs_to_jiffies(cfg->confirm_timeout_ms);
	struct iotgw_qmsg *m, *tmp;
	unsigned int done = 0;

	*n_late = 0;
	list_for_each_entry_safe(m, tmp, &q->awaiting, await) {
		if (time_before(jiffies, m->queued + wait))
			return false;
		if (done++ == IOTGW_QUEUE_LATE_MAX)
			return true;		/* more: another round */
		iotgw_queue_settle(q, m, COAP_CODE_GATEWAY_TIMEOUT);
		if (m->in_flight) {
			iotgw_queue_answer_of(m, &late[(*n_late)++]);
			m->answer = 0;
			continue;
		}
		iotgw_queue_unlink(q, m);
		q->cnt[IOTGW_QCNT_WITHDRAWN]++;
		list_add_tail(&m->list, gone);
	}
	return false;
}

/*
 * Under q->lock: after the limits were lowered, QoS 0 messages over them
 * go, a bounded number at a time.
 */
static void iotgw_queue_trim(struct iotgw_queue *q,
			     const struct iotgw_config *cfg,
			     struct list_head *gone)
{
	struct iotgw_qmsg *victim;
	unsigned int n = 0;

	while ((q->msgs > cfg->queue_max_msgs ||
		q->bytes > cfg->queue_max_bytes) && n++ < IOTGW_QUEUE_TRIM * 16) {
		victim = iotgw_queue_evict_one(q);
		if (!victim)
			break;
		list_add_tail(&victim->list, gone);
	}
}

/* Under q->lock: whether the delivery work has something to do now. */
static bool iotgw_queue_can_send(struct iotgw_queue *q)
{
	return q->consumer && !q->dead && q->in_flight < q->credit &&
	       !list_empty(&q->pending);
}

int iotgw_queue_admit(struct iotgw_queue *q, struct iotgw_qmsg *m)
{
	const struct iotgw_config *cfg;
	unsigned int evicted = 0;
	struct iotgw_qmsg *victim;
	LIST_HEAD(gone);
	bool kick;

	/*
	 * A QoS 1 or 2 message holds the module; once its unload began
	 * (the hooks still run until the namespaces go), refuse rather
	 * than tell the sensor a message is safe that is about to go.
	 */
	if (m->qos && !try_module_get(THIS_MODULE)) {
		iotgw_queue_count(q, IOTGW_QCNT_REFUSED, 1);
		kfree(m);
		return -ENOSPC;
	}
	rcu_read_lock();
	cfg = rcu_dereference(iotgw_queue_net(q)->config);
	spin_lock_bh(&q->lock);
	/* bounded here, in softirq; the work trims the rest */
	iotgw_queue_expire(q, cfg, &gone, IOTGW_QUEUE_TRIM);
	while (!iotgw_queue_fits(q, cfg, m->cost) && evicted++ < IOTGW_QUEUE_TRIM) {
		victim = iotgw_queue_evict_one(q);
		if (!victim)
			break;
		list_add_tail(&victim->list, &gone);
	}
	if (q->dead || !iotgw_queue_fits(q, cfg, m->cost)) {
		q->cnt[IOTGW_QCNT_REFUSED]++;
		spin_unlock_bh(&q->lock);
		rcu_read_unlock();
		iotgw_queue_free_list(q, &gone);
		iotgw_queue_release_msg(m);
		return -ENOSPC;
	}
	m->id = q->next_id++;
	m->queued = jiffies;
	list_add_tail(&m->list, &q->pending);
	if (m->qos == 0)
		list_add_tail(&m->qos0, &q->qos0);
	if (m->confirm != IOTGW_CONFIRM_ADMIT) {
		m->awaiting = true;
		list_add_tail(&m->await, &q->awaiting);
		/* the first to wait: the work learns its deadline */
		if (!q->awaiting_msgs++)
			mod_delayed_work(system_wq, &q->work, 0);
	}
	q->pending_qos[m->qos]++;
	q->msgs++;
	q->bytes += m->cost;
	q->cnt[IOTGW_QCNT_ADMITTED]++;
	/* not while the consumer's socket is full: the work waits then */
	kick = iotgw_queue_can_send(q) &&
	       !time_before(jiffies, READ_ONCE(q->busy_until));
	/*
	 * An idle consumer gets the message at once. One still busy with
	 * earlier ones gets what arrives within a tick in one batch: in a
	 * flood that is one wakeup of the work and of the consumer per
	 * tick, not per message. (The sensor's answer does not wait.) The
	 * work may sleep until a retry is due: the first such message
	 * brings it forward to the next tick, once, so that a flood cannot
	 * keep pushing it back; the work's end clears kick_soon.
	 */
	if (kick && !q->in_flight) {
		mod_delayed_work(system_wq, &q->work, 0);
	} else if (kick) {
		if (!q->kick_soon)
			mod_delayed_work(system_wq, &q->work, 1);
		q->kick_soon = true;
	} else if (cfg->queue_ttl_ms) {	/* expires it even with no consumer */
		queue_delayed_work(system_wq, &q->work,
				   msecs_to_jiffies(cfg->queue_ttl_ms) + 1);
	}
	spin_unlock_bh(&q->lock);
	rcu_read_unlock();
	iotgw_queue_free_list(q, &gone);
	return 0;
}

void iotgw_queue_count(struct iotgw_queue *q, enum iotgw_queue_counter c,
		       u32 n)
{
	spin_lock_bh(&q->lock);
	q->cnt[c] += n;
	spin_unlock_bh(&q->lock);
}

static int iotgw_qmsg_cmp_id(void *priv, const struct list_head *a,
			     const struct list_head *b)
{
	const struct iotgw_qmsg *ma = list_entry(a, struct iotgw_qmsg, list);
	const struct iotgw_qmsg *mb = list_entry(b, struct iotgw_qmsg, list);

	return ma->id < mb->id ? -1 : ma->id > mb->id;
}

/*
 * Under q->lock: the messages on @back (in flight until now) become
 * pending again, merged into the pending list in id order.
 */
static void iotgw_queue_return(struct iotgw_queue *q, struct list_head *back)
{
	struct list_head *pos = q->pending.next;
	struct iotgw_qmsg *m, *tmp;

	list_sort(NULL, back, iotgw_qmsg_cmp_id);
	list_for_each_entry_safe(m, tmp, back, list) {
		while (pos != &q->pending &&
		       list_entry(pos, struct iotgw_qmsg, list)->id < m->id)
			pos = pos->next;
		list_move_tail(&m->list, pos);	/* just before pos */
		hlist_del(&m->node);
		m->in_flight = false;
		q->in_flight--;
		q->pending_qos[m->qos]++;
	}
}

/* Under q->lock: the in-flight messages whose wait ran out. */
static void iotgw_queue_redeliver_due(struct iotgw_queue *q)
{
	unsigned long now = jiffies, next = now + MAX_JIFFY_OFFSET / 2;
	struct iotgw_qmsg *m, *tmp;
	LIST_HEAD(back);

	if (time_before(now, q->next_due))
		return;
	list_for_each_entry_safe(m, tmp, &q->flight, list) {
		if (time_after_eq(now, m->due))
			list_move_tail(&m->list, &back);
		else if (time_before(m->due, next))
			next = m->due;
	}
	q->next_due = next;
	if (!list_empty(&back))
		iotgw_queue_return(q, &back);
}

static unsigned long iotgw_queue_retry_wait(struct iotgw_queue *q, u32 attempts)
{
	u32 shift = min_t(u32, attempts ? attempts - 1 : 0,
			  ilog2(IOTGW_QUEUE_BACKOFF_MAX));

	return msecs_to_jiffies(q->retry_ms) << shift;
}

/* Under q->lock: mark @m sent to the consumer. */
static void iotgw_queue_mark_sent(struct iotgw_queue *q, struct iotgw_qmsg *m)
{
	m->attempts++;
	m->due = jiffies + iotgw_queue_retry_wait(q, m->attempts);
	if (time_before(m->due, q->next_due) || q->in_flight == 0)
		q->next_due = m->due;
	m->in_flight = true;
	hlist_add_head(&m->node, iotgw_queue_bucket(q, m->id));
	list_move_tail(&m->list, &q->flight);
	q->pending_qos[m->qos]--;
	q->in_flight++;
	q->cnt[IOTGW_QCNT_DELIVERED]++;
	if (m->attempts > 1)
		q->cnt[IOTGW_QCNT_REDELIVERED]++;
}

/* Under q->lock: undo iotgw_queue_mark_sent() for messages not received. */
static void iotgw_queue_unsend(struct iotgw_queue *q, const u64 *ids,
			       unsigned int n)
{
	struct iotgw_qmsg *m;
	LIST_HEAD(back);
	unsigned int i;

	for (i = 0; i < n; i++) {
		hlist_for_each_entry(m, iotgw_queue_bucket(q, ids[i]), node) {
			if (m->id != ids[i])
				continue;
			m->attempts--;
			q->cnt[IOTGW_QCNT_DELIVERED]--;
			if (m->attempts)
				q->cnt[IOTGW_QCNT_REDELIVERED]--;
			list_move_tail(&m->list, &back);
			break;
		}
	}
	iotgw_queue_return(q, &back);
}

/*
 * One batch: fill a buffer with up to @max pending messages under the
 * lock, send it after. Returns how many went, 0 to stop (*again set to
 * wait, or nothing to send).
 */
static unsigned int iotgw_queue_send_batch(struct iotgw_queue *q,
					   unsigned int max,
					   unsigned long *again)
{
	unsigned int n = 0, size = IOTGW_QUEUE_SKB_SIZE;
	u64 *ids;
	struct iotgw_qmsg *m, *first;
	struct sk_buff *skb;
	u32 portid;
	int err;

	ids = kmalloc_array(max, sizeof(*ids), GFP_KERNEL);
	if (!ids) {
		*again = HZ / 10;
		return 0;
	}

	spin_lock_bh(&q->lock);
	first = list_first_entry_or_null(&q->pending, struct iotgw_qmsg, list);
	if (first && first->cost + NLMSG_GOODSIZE > size)
		size = first->cost + NLMSG_GOODSIZE;
	spin_unlock_bh(&q->lock);

	skb = genlmsg_new(size, GFP_KERNEL);
	if (!skb) {
		kfree(ids);
		*again = HZ / 10;
		return 0;
	}

	spin_lock_bh(&q->lock);
	portid = q->consumer;
	while (iotgw_queue_can_send(q) && n < max) {
		m = list_first_entry(&q->pending, struct iotgw_qmsg, list);
		/* the buffer is full: it waits for the next one */
		if (iotgw_genl_put_qmsg(skb, m, m->attempts + 1))
			break;
		iotgw_queue_mark_sent(q, m);
		ids[n++] = m->id;
	}
	spin_unlock_bh(&q->lock);

	if (!n) {
		kfree_skb(skb);
		kfree(ids);
		return 0;
	}
	err = iotgw_genl_unicast(q->net, skb, portid);
	if (err) {
		spin_lock_bh(&q->lock);
		if (q->consumer == portid)
			iotgw_queue_unsend(q, ids, n);
		spin_unlock_bh(&q->lock);
		kfree(ids);
		if (err == -ECONNREFUSED) {
			iotgw_queue_release(q, portid);
			return 0;
		}
		*again = IOTGW_QUEUE_BUSY_WAIT;
		WRITE_ONCE(q->busy_until, jiffies + IOTGW_QUEUE_BUSY_WAIT);
		return 0;
	}
	kfree(ids);
	return n;
}

static void iotgw_queue_work(struct work_struct *work)
{
	struct iotgw_queue *q = container_of(to_delayed_work(work),
					     struct iotgw_queue, work);
	struct iotgw_queue_answer late[IOTGW_QUEUE_LATE_MAX];
	const struct iotgw_config *cfg;
	unsigned long again = 0, confirm_wait;
	unsigned int i, n_late, batch, went, sent = 0;
	bool ttl, more;
	LIST_HEAD(gone);

	/* sensors that waited too long for their confirmation */
	do {
		rcu_read_lock();
		cfg = rcu_dereference(iotgw_queue_net(q)->config);
		confirm_wait = msecs_to_jiffies(cfg->confirm_timeout_ms);
		spin_lock_bh(&q->lock);
		more = iotgw_queue_confirm_expire(q, cfg, &gone, late, &n_late);
		spin_unlock_bh(&q->lock);
		rcu_read_unlock();
		for (i = 0; i < n_late; i++)
			iotgw_queue_send_answer(q, &late[i]);
		iotgw_queue_free_list(q, &gone);
		INIT_LIST_HEAD(&gone);
		cond_resched();
	} while (more);

	do {
		rcu_read_lock();
		cfg = rcu_dereference(iotgw_queue_net(q)->config);
		ttl = cfg->queue_ttl_ms;
		batch = cfg->queue_batch;
		spin_lock_bh(&q->lock);
		iotgw_queue_expire(q, cfg, &gone, IOTGW_QUEUE_TRIM * 16);
		iotgw_queue_trim(q, cfg, &gone);
		iotgw_queue_redeliver_due(q);
		more = iotgw_queue_can_send(q);
		spin_unlock_bh(&q->lock);
		rcu_read_unlock();
		iotgw_queue_free_list(q, &gone);
		INIT_LIST_HEAD(&gone);
		if (!more)
			break;
		went = iotgw_queue_send_batch(q, batch, &again);
		sent += went;
	} while (went && sent < IOTGW_QUEUE_SEND_MAX);

	spin_lock_bh(&q->lock);
	/* what came meanwhile is can_send's now: again covers it */
	q->kick_soon = false;
	if (!q->dead) {
		if (!again && iotgw_queue_can_send(q))
			again = 1;	/* yield, then go on */
		if (!again && q->in_flight)
			again = max_t(long, q->next_due - jiffies, 1);
		if (ttl && !list_empty(&q->pending) && (!again || again > HZ))
			again = HZ;
		if (!list_empty(&q->awaiting)) {
			struct iotgw_qmsg *first;
			long left;

			first = list_first_entry(&q->awaiting,
						 struct iotgw_qmsg, await);
			left = max_t(long, first->queued + confirm_wait -
				     jiffies + 1, 1);
			if (!again || left < again)
				again = left;
		}
		if (again)
			mod_delayed_work(system_wq, &q->work, again);
	}
	spin_unlock_bh(&q->lock);
}

int iotgw_queue_bind(struct iotgw_queue *q, u32 portid, u32 credit,
		     u32 retry_ms)
{
	int err = 0;

	spin_lock_bh(&q->lock);
	if (q->consumer && q->consumer != portid) {
		err = -EBUSY;
	} else {
		q->consumer = portid;
		q->credit = credit;
		q->retry_ms = retry_ms;
		mod_delayed_work(system_wq, &q->work, 0);
	}
	spin_unlock_bh(&q->lock);
	return err;
}

/* Under q->lock: the consumer is gone, its messages pending again. */
static void iotgw_queue_drop_consumer(struct iotgw_queue *q)
{
	LIST_HEAD(back);

	q->consumer = 0;
	list_splice_init(&q->flight, &back);
	iotgw_queue_return(q, &back);
}

int iotgw_queue_unbind(struct iotgw_queue *q, u32 portid)
{
	int err = -ENOENT;

	spin_lock_bh(&q->lock);
	if (q->consumer && q->consumer == portid) {
		iotgw_queue_drop_consumer(q);
		err = 0;
	}
	spin_unlock_bh(&q->lock);
	return err;
}

void iotgw_queue_release(struct iotgw_queue *q, u32 portid)
{
	spin_lock_bh(&q->lock);
	if (q->consumer && q->consumer == portid)
		iotgw_queue_drop_consumer(q);
	spin_unlock_bh(&q->lock);
}

/* Under q->lock: the in-flight message @id, or NULL. */
static struct iotgw_qmsg *iotgw_queue_find_flight(struct iotgw_queue *q,
						  u64 id)
{
	struct iotgw_qmsg *m;

	/* only messages in flight are hashed */
	hlist_for_each_entry(m, iotgw_queue_bucket(q, id), node)
		if (m->id == id)
			return m;
	return NULL;
}

/*
 * The consumer is done with @ids: they leave the queue, counted @cnt,
 * their waiting sensors answered @code.
 */
static int iotgw_queue_finish(struct iotgw_queue *q, u32 portid,
			      const u64 *ids, unsigned int n, u8 code,
			      enum iotgw_queue_counter cnt)
{
	struct iotgw_qmsg *m;
	LIST_HEAD(gone);
	unsigned int i;

	spin_lock_bh(&q->lock);
	if (!q->consumer || q->consumer != portid) {
		spin_unlock_bh(&q->lock);
		return -ENOENT;
	}
	for (i = 0; i < n; i++) {
		m = iotgw_queue_find_flight(q, ids[i]);
		if (!m) {
			q->cnt[IOTGW_QCNT_STALE_ACKS]++;
			continue;
		}
		iotgw_queue_settle(q, m, code);
		iotgw_queue_unlink(q, m);
		list_add_tail(&m->list, &gone);
		q->cnt[cnt]++;
	}
	if (iotgw_queue_can_send(q))
		mod_delayed_work(system_wq, &q->work, 0);
	spin_unlock_bh(&q->lock);
	iotgw_queue_free_list(q, &gone);
	return 0;
}

int iotgw_queue_ack(struct iotgw_queue *q, u32 portid, const u64 *ids,
		    unsigned int n)
{
	return iotgw_queue_finish(q, portid, ids, n, COAP_CODE_CHANGED,
				  IOTGW_QCNT_ACKED);
}

int iotgw_queue_reject(struct iotgw_queue *q, u32 portid, const u64 *ids,
		       unsigned int n, u8 code)
{
	return iotgw_queue_finish(q, portid, ids, n, code,
				  IOTGW_QCNT_REJECTED);
}

int iotgw_queue_nack(struct iotgw_queue *q, u32 portid, const u64 *ids,
		     unsigned int n)
{
	struct iotgw_qmsg *m;
	unsigned int i;

	spin_lock_bh(&q->lock);
	if (!q->consumer || q->consumer != portid) {
		spin_unlock_bh(&q->lock);
		return -ENOENT;
	}
	/*
	 * A nacked message stays on the flight list, due after its retry
	 * wait: it is sent again then, and its credit stays taken.
	 */
	for (i = 0; i < n; i++) {
		m = iotgw_queue_find_flight(q, ids[i]);
		if (!m) {
			q->cnt[IOTGW_QCNT_STALE_ACKS]++;
			continue;
		}
		m->due = jiffies + iotgw_queue_retry_wait(q, m->attempts);
		if (time_before(m->due, q->next_due))
			q->next_due = m->due;
		q->cnt[IOTGW_QCNT_NACKED]++;
	}
	mod_delayed_work(system_wq, &q->work, 0);
	spin_unlock_bh(&q->lock);
	return 0;
}

/* Under q->lock: move up to @max messages to @gone; how many moved. */
static u32 iotgw_queue_take(struct iotgw_queue *q, struct list_head *gone,
			    u32 max, u8 code)
{
	struct iotgw_qmsg *m;
	u32 n = 0;

	while (n < max) {
		m = list_first_entry_or_null(&q->flight, struct iotgw_qmsg,
					     list) ?:
		    list_first_entry_or_null(&q->pending, struct iotgw_qmsg,
					     list);
		if (!m)
			break;
		if (code)
			iotgw_queue_settle(q, m, code);
		iotgw_queue_unlink(q, m);
		list_add_tail(&m->list, gone);
		n++;
	}
	return n;
}

/*
 * Process context: everything goes, a chunk at a time. *@held: QoS >= 1.
 * Sensors awaiting confirmation get @code, if not 0.
 */
static u32 iotgw_queue_drain(struct iotgw_queue *q, u32 *held, u8 code)
{
	struct iotgw_qmsg *m;
	u32 n, total = 0;
	LIST_HEAD(gone);

	do {
		spin_lock_bh(&q->lock);
		n = iotgw_queue_take(q, &gone, 1024, code);
		q->cnt[IOTGW_QCNT_FLUSHED] += n;
		spin_unlock_bh(&q->lock);
		list_for_each_entry(m, &gone, list)
			if (m->qos > 0 && held)
				(*held)++;
		iotgw_queue_free_list(q, &gone);
		INIT_LIST_HEAD(&gone);
		total += n;
		cond_resched();
	} while (n);
	return total;
}

u32 iotgw_queue_flush(struct iotgw_queue *q)
{
	/* the sensors learn their readings were not kept */
	return iotgw_queue_drain(q, NULL, COAP_CODE_SERVICE_UNAVAILABLE);
}

void iotgw_queue_read(struct iotgw_queue *q, struct iotgw_queue_info *info)
{
	struct iotgw_qmsg *oldest = NULL, *m;

	spin_lock_bh(&q->lock);
	info->consumer = q->consumer;
	info->credit = q->credit;
	memcpy(info->pending_qos, q->pending_qos, sizeof(info->pending_qos));
	info->in_flight = q->in_flight;
	info->msgs = q->msgs;
	info->bytes = q->bytes;
	info->awaiting = q->awaiting_msgs;
	memcpy(info->cnt, q->cnt, sizeof(info->cnt));
	oldest = list_first_entry_or_null(&q->pending, struct iotgw_qmsg, list);
	list_for_each_entry(m, &q->flight, list)
		if (!oldest || m->id < oldest->id)
			oldest = m;
	info->has_oldest = oldest;
	if (oldest)
		info->oldest_ms = jiffies_to_msecs(jiffies - oldest->queued);
	spin_unlock_bh(&q->lock);
}

void iotgw_queue_destroy(struct iotgw_queue *q)
{
	u32 held = 0;

	spin_lock_bh(&q->lock);
	q->dead = true;
	q->consumer = 0;
	spin_unlock_bh(&q->lock);
	cancel_delayed_work_sync(&q->work);

	iotgw_queue_drain(q, &held, 0);
	if (held)
		pr_warn("namespace gone with %u QoS 1/2 messages queued: lost\n",
			held);
}
