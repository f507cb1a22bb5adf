// SPDX-License-Identifier: GPL-2.0
/*
 * iotgwd's table of messages in hand (user/iotgwd/inflight.c): an id the
 * kernel sends again while it is held, published or just done is
 * recognised; each id reaches DONE (acked) once; confirmations find their
 * entry by (broker, mid) only while it is published.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inflight.h"

#include "kselftest_harness.h"

static int freed;

static void count_free(void *data)
{
	freed++;
	free(data);
}

static char broker_a, broker_b;

FIXTURE(table) {
	struct inflight *t;
};

FIXTURE_SETUP(table)
{
	freed = 0;
	self->t = inflight_new(count_free);
	ASSERT_NE(NULL, self->t);
}

FIXTURE_TEARDOWN(table)
{
	inflight_free(self->t);
}

static struct inflight_entry *add(struct inflight *t, uint64_t id,
				  void *owner, int *err)
{
	void *data = malloc(16);
	struct inflight_entry *e;

	if (!data)
		return NULL;
	e = inflight_add(t, id, owner, data, err);
	if (!e)
		free(data);
	return e;
}

TEST_F(table, redelivered_ids_are_recognised)
{
	struct inflight_entry *e;
	int err;

	e = add(self->t, 7, &broker_a, &err);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(0, err);
	EXPECT_EQ(INFLIGHT_HELD, e->state);
	/* held: the copy is refused */
	EXPECT_EQ(NULL, add(self->t, 7, &broker_a, &err));
	EXPECT_EQ(-EEXIST, err);
	/* published */
	ASSERT_EQ(0, inflight_published(self->t, e, 100));
	EXPECT_EQ(NULL, add(self->t, 7, &broker_a, &err));
	EXPECT_EQ(-EEXIST, err);
	/* done, and remembered for the linger time */
	inflight_done(self->t, e, 1000);
	EXPECT_EQ(1, freed);
	EXPECT_EQ(NULL, add(self->t, 7, &broker_a, &err));
	EXPECT_EQ(-EEXIST, err);
	EXPECT_EQ(0, inflight_expire(self->t, 5999, 5000));
	EXPECT_EQ(NULL, add(self->t, 7, &broker_a, &err));
	/* forgotten: a new run of the same id is a new message */
	EXPECT_EQ(1, inflight_expire(self->t, 6000, 5000));
	EXPECT_EQ(NULL, inflight_find(self->t, 7));
	e = add(self->t, 7, &broker_a, &err);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(1, inflight_count(self->t, INFLIGHT_HELD));
}

TEST_F(table, confirmation_by_broker_and_mid)
{
	struct inflight_entry *a, *b;
	int err;

	a = add(self->t, 1, &broker_a, &err);
	b = add(self->t, 2, &broker_b, &err);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	/* not published yet: nothing answers to a mid */
	EXPECT_EQ(NULL, inflight_find_mid(self->t, &broker_a, 1));
	/* the same mid on two brokers: two messages */
	ASSERT_EQ(0, inflight_published(self->t, a, 1));
	ASSERT_EQ(0, inflight_published(self->t, b, 1));
	EXPECT_EQ(a, inflight_find_mid(self->t, &broker_a, 1));
	EXPECT_EQ(b, inflight_find_mid(self->t, &broker_b, 1));
	EXPECT_EQ(2, inflight_count(self->t, INFLIGHT_PUBLISHED));
	/* a second confirmation of the same mid finds nothing */
	inflight_done(self->t, a, 10);
	EXPECT_EQ(NULL, inflight_find_mid(self->t, &broker_a, 1));
	EXPECT_EQ(INFLIGHT_DONE, a->state);
	/* done twice is done once */
	inflight_done(self->t, a, 20);
	EXPECT_EQ(1, freed);
	EXPECT_EQ(1, inflight_count(self->t, INFLIGHT_DONE));
	EXPECT_EQ(10, a->done_ms);
}

TEST_F(table, each_id_acked_once)
{
	/*
	 * 1000 ids, each delivered three times (first, a redelivery while
	 * in flight, a late copy after the ack): count the "acks".
	 */
	static int acks[1000];
	int err;

	memset(acks, 0, sizeof(acks));
	for (int round = 0; round < 3; round++) {
		for (uint64_t id = 0; id < 1000; id++) {
			struct inflight_entry *e = add(self->t, id, &broker_a,
						       &err);

			if (round == 0) {
				ASSERT_NE(NULL, e);
				ASSERT_EQ(0, inflight_published(self->t, e,
								(int)id + 1));
			} else {
				ASSERT_EQ(NULL, e);
			}
		}
		if (round == 1) {
			for (int mid = 1; mid <= 1000; mid++) {
				struct inflight_entry *e =
					inflight_find_mid(self->t, &broker_a,
							  mid);

				ASSERT_NE(NULL, e);
				acks[e->id]++;
				inflight_done(self->t, e, 0);
			}
		}
	}
	for (int i = 0; i < 1000; i++)
		EXPECT_EQ(1, acks[i]);
	EXPECT_EQ(1000, freed);
	EXPECT_EQ(1000, inflight_count(self->t, INFLIGHT_DONE));
	EXPECT_EQ(1000, inflight_expire(self->t, 1, 1));
	EXPECT_EQ(0, inflight_count(self->t, INFLIGHT_DONE));
}

TEST_F(table, unpublish_and_reassign)
{
	struct inflight_entry *a, *b, *c;
	int err;

	a = add(self->t, 1, &broker_a, &err);
	b = add(self->t, 2, &broker_a, &err);
	c = add(self->t, 3, &broker_b, &err);
	ASSERT_EQ(0, inflight_published(self->t, a, 5));
	inflight_unpublish(self->t, a);
	EXPECT_EQ(INFLIGHT_HELD, a->state);
	EXPECT_EQ(NULL, inflight_find_mid(self->t, &broker_a, 5));
	ASSERT_EQ(0, inflight_published(self->t, a, 6));
	/* broker_a replaced by broker_b: all of its messages held for b */
	inflight_reassign(self->t, &broker_a, &broker_b);
	EXPECT_EQ(INFLIGHT_HELD, a->state);
	EXPECT_EQ(&broker_b, a->owner);
	EXPECT_EQ(&broker_b, b->owner);
	EXPECT_EQ(&broker_b, c->owner);
	EXPECT_EQ(3, inflight_count(self->t, INFLIGHT_HELD));
	EXPECT_EQ(0, inflight_count(self->t, INFLIGHT_PUBLISHED));
	/* the held list keeps an order to publish them in */
	EXPECT_NE(NULL, inflight_first(self->t, INFLIGHT_HELD));
	EXPECT_EQ(NULL, inflight_first(self->t, INFLIGHT_PUBLISHED));
	EXPECT_EQ(0, freed);
}

TEST_HARNESS_MAIN
