// SPDX-License-Identifier: GPL-2.0
/*
 * iotgwd's durable spool (user/iotgwd/spool.c) on a real SQLite file: a
 * row's token is heard only once the transaction holding it committed
 * (after sync_count rows or sync_interval_ms); rows come back per broker
 * in sequence order, committed ones only; bounds by bytes and age; the
 * overflow policies refuse and drop-qos0; the counters; a reader in
 * another connection; and a process that dies without closing the spool
 * (fork, _exit) loses no committed row and keeps no uncommitted one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spool.h"

#include "kselftest_harness.h"

#define WALL_MS 1700000000000ULL	/* some CLOCK_REALTIME */
#define MAX_TOKENS 256

/* What the commit callback heard. */
struct heard {
	uint64_t durable[MAX_TOKENS];
	size_t n_durable;
	uint64_t lost[MAX_TOKENS];
	size_t n_lost;
	unsigned int calls;
};

static void on_commit(void *arg, const uint64_t *tokens, size_t n,
		      bool durable)
{
	struct heard *h = arg;

	h->calls++;
	for (size_t i = 0; i < n; i++) {
		if (durable && h->n_durable < MAX_TOKENS)
			h->durable[h->n_durable++] = tokens[i];
		else if (!durable && h->n_lost < MAX_TOKENS)
			h->lost[h->n_lost++] = tokens[i];
	}
}

/* A message of @qos on @topic whose payload is @text. */
static struct queue_msg *msg(const char *topic, int qos, const char *text)
{
	struct queue_msg *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->qos = (uint8_t)qos;
	m->proto = 1;
	snprintf(m->rule, sizeof(m->rule), "readings");
	m->family = AF_INET;
	m->src[0] = 10;
	m->src[3] = 2;
	m->src_port = 40000;
	m->content_format = 50;
	m->time_ns = 1234567890123456789ULL;
	m->topic = strdup(topic);
	m->payload_len = strlen(text);
	m->payload = m->payload_len ? strdup(text) : NULL;
	return m;
}

FIXTURE(spool) {
	char dir[64];
	char path[96];
	struct spool_limits lim;
	struct heard heard;
	struct spool *s;
};

FIXTURE_SETUP(spool)
{
	char err[256];

	snprintf(self->dir, sizeof(self->dir), "/tmp/iotgwd-spool.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/spool.db", self->dir);
	memset(&self->heard, 0, sizeof(self->heard));
	self->lim = (struct spool_limits){
		.max_bytes = 1 << 20, .max_age_s = 0,
		.sync_interval_ms = 100, .sync_count = 4,
	};
	self->s = spool_open(self->path, &self->lim, on_commit, &self->heard,
			     err, sizeof(err));
	ASSERT_NE(NULL, self->s) TH_LOG("%s", err);
}

FIXTURE_TEARDOWN(spool)
{
	char cmd[128];

	spool_close(self->s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("cannot remove %s", self->dir);
}

/* Add a row; returns its seq, or the negative errno. */
static int64_t add(struct spool *s, const char *broker, const char *topic,
		   int qos, const char *text, enum spool_full_policy policy,
		   uint64_t token, uint64_t now_ms, uint64_t wall_ms)
{
	struct queue_msg *m = msg(topic, qos, text);
	int64_t seq = 0;
	int rc;

	if (!m)
		return -ENOMEM;
	rc = spool_add(s, broker, topic, m, policy, true, token, now_ms,
		       wall_ms, &seq);
	queue_msg_free(m);
	return rc < 0 ? rc : seq;
}

TEST_F(spool, tokens_heard_only_after_the_commit)
{
	/* three rows: below sync_count, before the interval: nothing */
	for (uint64_t t = 1; t <= 3; t++)
		ASSERT_LT(0, add(self->s, "cloud", "a", 1, "x", SPOOL_FULL_REFUSE,
				 t, 0, WALL_MS));
	spool_tick(self->s, 99, WALL_MS);
	EXPECT_EQ(0, self->heard.n_durable);
	EXPECT_EQ(0, spool_counters(self->s)->commits);
	EXPECT_EQ(1, spool_timeout_ms(self->s, 99));
	/* nothing uncommitted is read back */
	{
		struct spool_entry *e;

		ASSERT_EQ(0, spool_next(self->s, "cloud", 0, &e));
		EXPECT_EQ(NULL, e);
	}
	/* the interval passed: one commit, three tokens */
	spool_tick(self->s, 100, WALL_MS);
	ASSERT_EQ(3, self->heard.n_durable);
	EXPECT_EQ(1, self->heard.durable[0]);
	EXPECT_EQ(3, self->heard.durable[2]);
	EXPECT_EQ(1, spool_counters(self->s)->commits);
	/* sync_count rows commit at once, in spool_add */
	for (uint64_t t = 10; t < 14; t++)
		ASSERT_LT(0, add(self->s, "cloud", "a", 1, "x", SPOOL_FULL_REFUSE,
				 t, 200, WALL_MS));
	EXPECT_EQ(7, self->heard.n_durable);
	EXPECT_EQ(2, spool_counters(self->s)->commits);
	EXPECT_EQ(7, spool_counters(self->s)->spooled);
	EXPECT_EQ(-1, spool_timeout_ms(self->s, 200));
	EXPECT_EQ(0, self->heard.n_lost);
}

TEST_F(spool, rows_come_back_in_order_per_broker)
{
	static const char *const topics[] = { "t1", "t2", "t1", "t3", "t1" };
	int64_t seqs[5], other = 0, after = 0;
	struct spool_entry *e;
	int n = 0;

	for (int i = 0; i < 5; i++) {
		char text[16];

		snprintf(text, sizeof(text), "seq-%d", i);
		seqs[i] = add(self->s, "cloud", topics[i], 1, text,
			      SPOOL_FULL_REFUSE, (uint64_t)i, 0, WALL_MS);
		ASSERT_LT(0, seqs[i]);
		if (i > 0)
			ASSERT_LT(seqs[i - 1], seqs[i]);
		if (i == 1) {
			other = add(self->s, "local", "t1", 1, "other",
				    SPOOL_FULL_REFUSE, 99, 0, WALL_MS);
			ASSERT_LT(0, other);
		}
	}
	EXPECT_EQ(3, spool_topic_rows(self->s, "cloud", "t1"));
	EXPECT_EQ(1, spool_topic_rows(self->s, "local", "t1"));
	EXPECT_EQ(0, spool_topic_rows(self->s, "cloud", "t9"));
	ASSERT_EQ(0, spool_commit(self->s));
	while (spool_next(self->s, "cloud", after, &e) == 0 && e) {
		char text[16];

		ASSERT_LT(n, 5);
		snprintf(text, sizeof(text), "seq-%d", n);
		EXPECT_EQ(seqs[n], e->seq);
		EXPECT_STREQ("cloud", e->broker);
		EXPECT_STREQ(topics[n], e->cloud_topic);
		EXPECT_STREQ(topics[n], e->msg->topic);
		EXPECT_EQ(strlen(text), e->msg->payload_len);
		EXPECT_EQ(0, memcmp(text, e->msg->payload, strlen(text)));
		EXPECT_EQ(1, e->msg->qos);
		EXPECT_EQ(AF_INET, e->msg->family);
		EXPECT_EQ(10, e->msg->src[0]);
		EXPECT_EQ(40000, e->msg->src_port);
		EXPECT_EQ(50, e->msg->content_format);
		EXPECT_EQ(1234567890123456789ULL, e->msg->time_ns);
		EXPECT_STREQ("readings", e->msg->rule);
		EXPECT_TRUE(e->paced);
		after = e->seq;
		spool_entry_free(e);
		n++;
	}
	EXPECT_EQ(5, n);
	/* deleted rows are gone, counted drained; a second delete finds none */
	EXPECT_EQ(0, spool_delete(self->s, seqs[0], 0));
	EXPECT_EQ(-ENOENT, spool_delete(self->s, seqs[0], 0));
	EXPECT_EQ(2, spool_topic_rows(self->s, "cloud", "t1"));
	EXPECT_EQ(0, spool_delete(self->s, other, 0));
	EXPECT_EQ(0, spool_topic_rows(self->s, "local", "t1"));
	EXPECT_EQ(4, spool_rows(self->s));
	EXPECT_EQ(2, spool_counters(self->s)->drained);
	ASSERT_EQ(0, spool_next(self->s, "cloud", 0, &e));
	ASSERT_NE(NULL, e);
	EXPECT_EQ(seqs[1], e->seq);
	spool_entry_free(e);
}

TEST_F(spool, full_spool_refuses)
{
	uint64_t row, used;
	int64_t rc;

	self->lim.max_bytes = 4096;
	spool_set_limits(self->s, &self->lim);
	ASSERT_LT(0, add(self->s, "cloud", "a", 1, "x", SPOOL_FULL_REFUSE, 1,
			 0, WALL_MS));
	row = spool_bytes(self->s);
	EXPECT_EQ(1 + strlen("cloud") + 2 * strlen("a") + strlen("readings") +
		  SPOOL_ROW_OVERHEAD, row);
	while ((rc = add(self->s, "cloud", "a", 1, "x", SPOOL_FULL_REFUSE, 2,
			 0, WALL_MS)) > 0)
		;
	EXPECT_EQ(-ENOSPC, rc);
	used = spool_bytes(self->s);
	EXPECT_GE(4096, used);
	EXPECT_LT(4096, used + row);
	EXPECT_EQ(1, spool_counters(self->s)->refused);
	/* larger than the whole spool: refused, whatever the policy */
	{
		char big[5000];

		memset(big, 'b', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		EXPECT_EQ(-ENOSPC, add(self->s, "cloud", "a", 0, big,
				       SPOOL_FULL_DROP_QOS0, 3, 0, WALL_MS));
	}
	/* a delete makes room */
	ASSERT_EQ(0, spool_commit(self->s));
	EXPECT_EQ(0, spool_delete(self->s, 1, 0));
	EXPECT_LT(0, add(self->s, "cloud", "a", 1, "x", SPOOL_FULL_REFUSE, 4,
			 0, WALL_MS));
	EXPECT_EQ(2, spool_counters(self->s)->refused);
}

TEST_F(spool, drop_qos0_makes_room_or_refuses)
{
	int64_t first_qos0, second_qos0, rc;
	struct spool_entry *e;
	uint64_t after = 0;
	size_t qos0_left = 0;

	self->lim.max_bytes = 4096;
	spool_set_limits(self->s, &self->lim);
	first_qos0 = add(self->s, "cloud", "q0", 0, "zero", SPOOL_FULL_REFUSE,
			 1, 0, WALL_MS);
	second_qos0 = add(self->s, "cloud", "q0", 0, "zero", SPOOL_FULL_REFUSE,
			  2, 0, WALL_MS);
	ASSERT_LT(0, second_qos0);
	while ((rc = add(self->s, "cloud", "q1", 1, "one", SPOOL_FULL_REFUSE,
			 3, 0, WALL_MS)) > 0)
		;
	ASSERT_EQ(-ENOSPC, rc);
	/* drop-qos0: the oldest QoS 0 row goes, the new one fits */
	rc = add(self->s, "cloud", "q1", 1, "one", SPOOL_FULL_DROP_QOS0, 4, 0,
		 WALL_MS);
	ASSERT_LT(0, rc);
	EXPECT_EQ(1, spool_counters(self->s)->dropped_overflow);
	EXPECT_EQ(1, spool_topic_rows(self->s, "cloud", "q0"));
	ASSERT_EQ(0, spool_commit(self->s));
	while (spool_next(self->s, "cloud", (int64_t)after, &e) == 0 && e) {
		EXPECT_NE(first_qos0, e->seq);
		if (e->msg->qos == 0)
			qos0_left++;
		after = (uint64_t)e->seq;
		spool_entry_free(e);
	}
	EXPECT_EQ(1, qos0_left);
	/* again: the second goes */
	ASSERT_LT(0, add(self->s, "cloud", "q1", 1, "one", SPOOL_FULL_DROP_QOS0,
			 5, 0, WALL_MS));
	EXPECT_EQ(2, spool_counters(self->s)->dropped_overflow);
	EXPECT_EQ(0, spool_topic_rows(self->s, "cloud", "q0"));
	/* no QoS 0 left: drop-qos0 refuses, QoS 1 rows untouched */
	rc = (int64_t)spool_rows(self->s);
	EXPECT_EQ(-ENOSPC, add(self->s, "cloud", "q1", 1, "one",
			       SPOOL_FULL_DROP_QOS0, 6, 0, WALL_MS));
	EXPECT_EQ(rc, (int64_t)spool_rows(self->s));
	EXPECT_EQ(2, spool_counters(self->s)->dropped_overflow);
}

TEST_F(spool, old_rows_dropped_and_counted)
{
	int64_t young;
	struct spool_entry *e;

	self->lim.max_age_s = 10;
	spool_set_limits(self->s, &self->lim);
	ASSERT_LT(0, add(self->s, "cloud", "a", 1, "old", SPOOL_FULL_REFUSE, 1,
			 0, WALL_MS));
	ASSERT_LT(0, add(self->s, "cloud", "a", 1, "old", SPOOL_FULL_REFUSE, 2,
			 0, WALL_MS + 1000));
	young = add(self->s, "cloud", "a", 1, "young", SPOOL_FULL_REFUSE, 3, 0,
		    WALL_MS + 6000);
	ASSERT_LT(0, young);
	ASSERT_EQ(0, spool_commit(self->s));
	/* just over 10 s after the second: both old ones go, not the young */
	spool_tick(self->s, 5000, WALL_MS + 11001);
	EXPECT_EQ(2, spool_counters(self->s)->dropped_age);
	EXPECT_EQ(1, spool_rows(self->s));
	EXPECT_EQ(1, spool_topic_rows(self->s, "cloud", "a"));
	ASSERT_EQ(0, spool_commit(self->s));
	ASSERT_EQ(0, spool_next(self->s, "cloud", 0, &e));
	ASSERT_NE(NULL, e);
	EXPECT_EQ(young, e->seq);
	spool_entry_free(e);
	/* a wall clock set back ages nothing */
	spool_tick(self->s, 10000, WALL_MS - 100000);
	EXPECT_EQ(1, spool_rows(self->s));
}

TEST_F(spool, a_reader_sees_what_is_committed)
{
	struct spool_status st;
	char err[256];

	ASSERT_LT(0, add(self->s, "cloud", "a", 1, "12345", SPOOL_FULL_REFUSE,
			 1, 0, WALL_MS));
	ASSERT_EQ(0, spool_commit(self->s));
	/* a second row in the open transaction */
	ASSERT_LT(0, add(self->s, "cloud", "a", 1, "x", SPOOL_FULL_REFUSE, 2,
			 0, WALL_MS));
	ASSERT_EQ(0, spool_read_status(self->path, WALL_MS + 2500, &st, err,
				       sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(1, st.rows);
	EXPECT_EQ(5 + strlen("cloud") + 2 + strlen("readings") +
		  SPOOL_ROW_OVERHEAD, st.bytes);
	EXPECT_EQ(2500, st.oldest_age_ms);
	EXPECT_EQ(1, st.counters.spooled);
	EXPECT_EQ(1, st.counters.commits);
	ASSERT_EQ(0, spool_commit(self->s));
	ASSERT_EQ(0, spool_read_status(self->path, WALL_MS, &st, err,
				       sizeof(err)));
	EXPECT_EQ(2, st.rows);
	EXPECT_EQ(2, st.counters.spooled);
	EXPECT_EQ(2, st.counters.commits);
	EXPECT_EQ(-EIO, spool_read_status("/nonexistent/spool.db", WALL_MS,
					  &st, err, sizeof(err)));
}

/* In a child: open, add @committed rows and commit, add 3 more, die. */
static void die_with_open_spool(const char *path, int committed)
{
	struct spool_limits lim = {
		.max_bytes = 1 << 20, .sync_interval_ms = 100000,
		.sync_count = 100000,
	};
	struct heard heard = { .calls = 0 };
	char err[256];
	struct spool *s = spool_open(path, &lim, on_commit, &heard, err,
				     sizeof(err));

	if (!s)
		_exit(2);
	for (int i = 0; i < committed + 3; i++) {
		char text[16];

		snprintf(text, sizeof(text), "row-%d", i);
		if (add(s, "cloud", i % 2 ? "odd" : "even", 1, text,
			SPOOL_FULL_REFUSE, (uint64_t)i, 0, WALL_MS) <= 0)
			_exit(3);
		if (i == committed - 1 && (spool_commit(s) < 0 ||
					   heard.n_durable != (size_t)committed))
			_exit(4);
	}
	_exit(0);	/* no close, no commit: as kill -9 would */
}

TEST_F(spool, reopened_after_a_crash)
{
	struct spool_entry *e;
	char err[256];
	int status, n = 0;
	int64_t after = 0;
	pid_t pid;

	spool_close(self->s);
	self->s = NULL;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		die_with_open_spool(self->path, 20);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	self->s = spool_open(self->path, &self->lim, on_commit, &self->heard,
			     err, sizeof(err));
	ASSERT_NE(NULL, self->s) TH_LOG("%s", err);
	/* the committed 20, not the 3 after them */
	EXPECT_EQ(20, spool_rows(self->s));
	EXPECT_EQ(10, spool_topic_rows(self->s, "cloud", "odd"));
	EXPECT_EQ(10, spool_topic_rows(self->s, "cloud", "even"));
	EXPECT_EQ(20, spool_counters(self->s)->spooled);
	EXPECT_EQ(1, spool_counters(self->s)->commits);
	while (spool_next(self->s, "cloud", after, &e) == 0 && e) {
		char text[16];

		snprintf(text, sizeof(text), "row-%d", n);
		ASSERT_EQ(strlen(text), e->msg->payload_len);
		EXPECT_EQ(0, memcmp(text, e->msg->payload, strlen(text)));
		after = e->seq;
		spool_entry_free(e);
		n++;
	}
	EXPECT_EQ(20, n);
	/* new rows are numbered after every committed one */
	EXPECT_LT(after, add(self->s, "cloud", "odd", 1, "new",
				 SPOOL_FULL_REFUSE, 1, 0, WALL_MS));
}

TEST_HARNESS_MAIN
