// SPDX-License-Identifier: GPL-2.0
/*
 * The durable spool in SQLite (WAL, synchronous=FULL). One connection,
 * one write transaction open at a time, its rows' tokens held until it is
 * committed. What the spool holds is also counted in memory (rows, bytes,
 * QoS 0 bytes, rows per broker and topic), counted again from the file on
 * open and after a rollback, so that nothing is guessed.
 */
#include "spool.h"

#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sqlite3.h>

#include "clock.h"
#include "log.h"

#define SPOOL_WRITER_BUSY_MS	100
#define SPOOL_READER_BUSY_MS	2000
#define SPOOL_EXPIRE_EVERY_MS	1000

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS msgs ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" broker TEXT NOT NULL,"
	" cloud_topic TEXT NOT NULL,"
	" topic TEXT NOT NULL,"
	" rule TEXT NOT NULL,"
	" qos INTEGER NOT NULL,"
	" proto INTEGER NOT NULL,"
	" family INTEGER NOT NULL,"
	" src BLOB,"
	" src_port INTEGER NOT NULL,"
	" content_format INTEGER NOT NULL,"
	" time_ns INTEGER NOT NULL,"
	" spooled_ms INTEGER NOT NULL,"
	" bytes INTEGER NOT NULL,"
	" paced INTEGER NOT NULL,"
	" payload BLOB);"
	"CREATE INDEX IF NOT EXISTS msgs_by_broker ON msgs(broker, seq);"
	"CREATE INDEX IF NOT EXISTS msgs_qos0 ON msgs(seq) WHERE qos = 0;"
	"CREATE TABLE IF NOT EXISTS stats ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" spooled INTEGER NOT NULL, drained INTEGER NOT NULL,"
	" dropped_age INTEGER NOT NULL, dropped_overflow INTEGER NOT NULL,"
	" refused INTEGER NOT NULL, commits INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO stats VALUES (1, 0, 0, 0, 0, 0, 0);";

#define SELECT_STATS \
	"SELECT spooled, drained, dropped_age, dropped_overflow, refused," \
	" commits FROM stats WHERE id = 1"
#define ROW_COLUMNS \
	"seq, broker, cloud_topic, topic, rule, qos, proto, family, src," \
	" src_port, content_format, time_ns, spooled_ms, paced, payload"
#define REMOVED_COLUMNS "broker, cloud_topic, qos, bytes"

enum stmt_id {
	ST_INSERT,
	ST_DELETE,
	ST_NEXT,
	ST_DROP_QOS0,
	ST_OLDEST,
	ST_EXPIRE,
	ST_SAVE_STATS,
	ST_N
};

static const char *const stmt_sql[ST_N] = {
	[ST_INSERT] = "INSERT INTO msgs (broker, cloud_topic, topic, rule,"
		" qos, proto, family, src, src_port, content_format, time_ns,"
		" spooled_ms, bytes, paced, payload, seq)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[ST_DELETE] = "DELETE FROM msgs WHERE seq = ? RETURNING "
		REMOVED_COLUMNS,
	[ST_NEXT] = "SELECT " ROW_COLUMNS " FROM msgs"
		" WHERE broker = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT 1",
	[ST_DROP_QOS0] = "DELETE FROM msgs WHERE seq = (SELECT seq FROM msgs"
		" WHERE qos = 0 ORDER BY seq LIMIT 1) RETURNING "
		REMOVED_COLUMNS,
	[ST_OLDEST] = "SELECT seq, spooled_ms FROM msgs ORDER BY seq",
	[ST_EXPIRE] = "DELETE FROM msgs WHERE seq <= ? AND spooled_ms < ?"
		" RETURNING " REMOVED_COLUMNS,
	[ST_SAVE_STATS] = "UPDATE stats SET spooled = ?, drained = ?,"
		" dropped_age = ?, dropped_overflow = ?, refused = ?,"
		" commits = ? WHERE id = 1",
};

/* Rows per (broker, cloud topic): whether a topic has a backlog. */
struct topic_rows {
	char *broker;
	char *topic;
	size_t rows;
};

struct spool {
	sqlite3 *db;
	char *path;
	struct spool_limits lim;
	sqlite3_stmt *stmt[ST_N];
	spool_commit_fn on_commit;
	void *arg;
	/* what the file holds, the open transaction included */
	uint64_t rows, bytes, qos0_bytes;
	void *topics;			/* tsearch tree of struct topic_rows */
	int64_t committed_seq;
	int64_t last_seq;
	/*
	 * The highest seq ever handed out: a rolled-back row's seq is not
	 * given again, so a publish of it still in flight cannot delete
	 * (on its PUBACK) a new row that took its number.
	 */
	int64_t seq_hwm;
	/* the open transaction */
	bool in_txn;
	uint64_t txn_start_ms;
	uint32_t txn_rows;
	uint64_t *tokens;
	size_t n_tokens, tokens_size;
	struct spool_counters counters, counters_at_begin;
	uint64_t last_expire_ms;
	struct log_ratelimit rl_error;
};

static int compare_topic_rows(const void *a, const void *b)
{
	const struct topic_rows *x = a, *y = b;
	int c = strcmp(x->broker, y->broker);

	return c ? c : strcmp(x->topic, y->topic);
}

static void free_topic_rows(void *p)
{
	struct topic_rows *t = p;

	free(t->broker);
	free(t->topic);
	free(t);
}

static void db_error(struct spool *s, const char *what)
{
	if (log_ratelimit_allow(&s->rl_error, clock_now_ms()))
		log_error("spool %s: %s: %s", s->path, what,
			  sqlite3_errmsg(s->db));
}

void spool_entry_free(struct spool_entry *e)
{
	if (!e)
		return;
	free(e->broker);
	free(e->cloud_topic);
	queue_msg_free(e->msg);
	free(e);
}

/* Add @n rows to (broker, topic). Returns 0 or -ENOMEM. */
static int topic_add(struct spool *s, const char *broker, const char *topic,
		     size_t n)
{
	struct topic_rows key = { (char *)broker, (char *)topic, 0 };
	struct topic_rows **slot, *t;

	slot = tfind(&key, &s->topics, compare_topic_rows);
	if (slot) {
		(*slot)->rows += n;
		return 0;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->broker = strdup(broker);
	t->topic = strdup(topic);
	t->rows = n;
	if (!t->broker || !t->topic ||
	    !tsearch(t, &s->topics, compare_topic_rows)) {
		free_topic_rows(t);
		return -ENOMEM;
	}
	return 0;
}

static void topic_remove(struct spool *s, const char *broker,
			 const char *topic)
{
	struct topic_rows key = { (char *)broker, (char *)topic, 0 };
	struct topic_rows **slot, *t;

	slot = tfind(&key, &s->topics, compare_topic_rows);
	if (!slot)
		return;
	t = *slot;
	if (--t->rows)
		return;
	tdelete(t, &s->topics, compare_topic_rows);
	free_topic_rows(t);
}

/* A row left the file: @st is on a RETURNING row of REMOVED_COLUMNS. */
static void account_removed(struct spool *s, sqlite3_stmt *st)
{
	const char *broker = (const char *)sqlite3_column_text(st, 0);
	const char *topic = (const char *)sqlite3_column_text(st, 1);
	int qos = sqlite3_column_int(st, 2);
	uint64_t bytes = (uint64_t)sqlite3_column_int64(st, 3);

	if (broker && topic)
		topic_remove(s, broker, topic);
	s->rows--;
	s->bytes -= bytes < s->bytes ? bytes : s->bytes;
	if (qos == 0)
		s->qos0_bytes -= bytes < s->qos0_bytes ? bytes : s->qos0_bytes;
}

/* Count what the file holds, from scratch. Returns 0 or -EIO/-ENOMEM. */
static int count_rows(struct spool *s)
{
	static const char sql[] =
		"SELECT broker, cloud_topic, count(*), sum(bytes),"
		" sum(CASE WHEN qos = 0 THEN bytes ELSE 0 END), max(seq)"
		" FROM msgs GROUP BY broker, cloud_topic";
	sqlite3_stmt *st;
	int rc, err = 0;

	tdestroy(s->topics, free_topic_rows);
	s->topics = NULL;
	s->rows = 0;
	s->bytes = 0;
	s->qos0_bytes = 0;
	s->last_seq = 0;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_error(s, "counting the rows");
		return -EIO;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *broker = (const char *)sqlite3_column_text(st, 0);
		const char *topic = (const char *)sqlite3_column_text(st, 1);
		uint64_t n = (uint64_t)sqlite3_column_int64(st, 2);
		int64_t max_seq = sqlite3_column_int64(st, 5);

		if (!broker || !topic || topic_add(s, broker, topic, n) < 0) {
			err = -ENOMEM;
			break;
		}
		s->rows += n;
		s->bytes += (uint64_t)sqlite3_column_int64(st, 3);
		s->qos0_bytes += (uint64_t)sqlite3_column_int64(st, 4);
		if (max_seq > s->last_seq)
			s->last_seq = max_seq;
	}
	if (!err && rc != SQLITE_DONE) {
		db_error(s, "counting the rows");
		err = -EIO;
	}
	sqlite3_finalize(st);
	return err;
}

static int read_counters(sqlite3 *db, struct spool_counters *c)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, SELECT_STATS, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->spooled = (uint64_t)sqlite3_column_int64(st, 0);
		c->drained = (uint64_t)sqlite3_column_int64(st, 1);
		c->dropped_age = (uint64_t)sqlite3_column_int64(st, 2);
		c->dropped_overflow = (uint64_t)sqlite3_column_int64(st, 3);
		c->refused = (uint64_t)sqlite3_column_int64(st, 4);
		c->commits = (uint64_t)sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}

/* A statement that returns no rows; 0 or -EIO. */
static int exec(struct spool *s, const char *sql, const char *what)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	db_error(s, what);
	return -EIO;
}

static int begin(struct spool *s, uint64_t now_ms)
{
	if (s->in_txn)
		return 0;
	if (exec(s, "BEGIN IMMEDIATE", "begin"))
		return -EIO;
	s->in_txn = true;
	s->txn_start_ms = now_ms;
	s->txn_rows = 0;
	s->counters_at_begin = s->counters;
	return 0;
}

static int save_counters(struct spool *s)
{
	sqlite3_stmt *st = s->stmt[ST_SAVE_STATS];
	const struct spool_counters *c = &s->counters;
	int rc;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)c->spooled);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)c->drained);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)c->dropped_age);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)c->dropped_overflow);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)c->refused);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)c->commits);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	db_error(s, "saving the counters");
	return -EIO;
}

/* The transaction is gone: its rows, counters and deletes with it. */
static void rolled_back(struct spool *s);

/*
 * After a failed step: SQLite may have rolled the transaction back by
 * itself (SQLITE_FULL, IOERR, NOMEM); then what it held is gone now.
 */
static void check_rolled_back(struct spool *s)
{
	if (s->in_txn && sqlite3_get_autocommit(s->db))
		rolled_back(s);
}

static void rolled_back(struct spool *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_txn = false;
	s->counters = s->counters_at_begin;
	if (count_rows(s) < 0)
		log_error("spool %s: cannot count its rows after a rollback",
			  s->path);
	s->committed_seq = s->last_seq;
	if (s->n_tokens && s->on_commit)
		s->on_commit(s->arg, s->tokens, s->n_tokens, false);
	s->n_tokens = 0;
}

int spool_commit(struct spool *s)
{
	if (!s->in_txn)
		return 0;
	s->counters.commits++;
	if (save_counters(s) < 0 || exec(s, "COMMIT", "commit") < 0) {
		log_error("spool %s: commit failed, %zu rows rolled back",
			  s->path, s->n_tokens);
		rolled_back(s);
		return -EIO;
	}
	s->in_txn = false;
	s->committed_seq = s->last_seq;
	if (s->n_tokens && s->on_commit)
		s->on_commit(s->arg, s->tokens, s->n_tokens, true);
	s->n_tokens = 0;
	return 0;
}

static int push_token(struct spool *s, uint64_t token)
{
	if (s->n_tokens == s->tokens_size) {
		size_t size = s->tokens_size ? s->tokens_size * 2 : 64;
		uint64_t *t = realloc(s->tokens, size * sizeof(*t));

		if (!t)
			return -ENOMEM;
		s->tokens = t;
		s->tokens_size = size;
	}
	s->tokens[s->n_tokens++] = token;
	return 0;
}

static int prepare_all(struct spool *s)
{
	for (int i = 0; i < ST_N; i++) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
				       NULL) != SQLITE_OK) {
			db_error(s, "preparing its statements");
			return -EIO;
		}
	}
	return 0;
}

/* The journal mode answered by "PRAGMA journal_mode=WAL". */
static bool wal_enabled(sqlite3 *db)
{
	sqlite3_stmt *st;
	bool wal = false;

	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st,
			       NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *mode = (const char *)sqlite3_column_text(st, 0);

		wal = mode && !strcmp(mode, "wal");
	}
	sqlite3_finalize(st);
	return wal;
}

static int schema_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The highest seq the file ever gave (rows deleted since included). */
static int read_seq_hwm(struct spool *s)
{
	static const char sql[] =
		"SELECT seq FROM sqlite_sequence WHERE name = 'msgs'";
	sqlite3_stmt *st;
	int rc;

	s->seq_hwm = s->last_seq;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > s->seq_hwm)
		s->seq_hwm = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}

struct spool *spool_open(const char *path, const struct spool_limits *lim,
			 spool_commit_fn on_commit, void *arg, char *err,
			 size_t errlen)
{
	struct spool *s = calloc(1, sizeof(*s));
	int version;

	if (s)
		s->path = strdup(path);
	if (!s || !s->path) {
		free(s);
		snprintf(err, errlen, "spool %s: out of memory", path);
		return NULL;
	}
	s->lim = *lim;
	s->on_commit = on_commit;
	s->arg = arg;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "spool %s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, SPOOL_WRITER_BUSY_MS);
	if (!wal_enabled(s->db)) {
		snprintf(err, errlen, "spool %s: cannot use WAL mode: %s", path,
			 sqlite3_errmsg(s->db));
		goto fail;
	}
	version = schema_version(s->db);
	if (version > SPOOL_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "spool %s: schema version %d is newer than this iotgwd's (%d)",
			 path, version, SPOOL_SCHEMA_VERSION);
		goto fail;
	}
	if (sqlite3_exec(s->db, "PRAGMA synchronous=FULL;"
			 "PRAGMA journal_size_limit=4194304;"
			 "BEGIN IMMEDIATE;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, "PRAGMA user_version=1; COMMIT;", NULL, NULL,
			 NULL) != SQLITE_OK) {
		snprintf(err, errlen, "spool %s: cannot set it up: %s", path,
			 sqlite3_errmsg(s->db));
		goto fail;
	}
	if (prepare_all(s) < 0 || read_counters(s->db, &s->counters) < 0 ||
	    count_rows(s) < 0) {
		snprintf(err, errlen, "spool %s: cannot read it: %s", path,
			 sqlite3_errmsg(s->db));
		goto fail;
	}
	s->committed_seq = s->last_seq;
	if (read_seq_hwm(s) < 0) {
		snprintf(err, errlen, "spool %s: cannot read it: %s", path,
			 sqlite3_errmsg(s->db));
		goto fail;
	}
	return s;
fail:
	spool_close(s);
	return NULL;
}

void spool_close(struct spool *s)
{
	if (!s)
		return;
	if (s->db) {
		spool_commit(s);
		for (int i = 0; i < ST_N; i++)
			sqlite3_finalize(s->stmt[i]);
		sqlite3_close(s->db);
	}
	tdestroy(s->topics, free_topic_rows);
	free(s->tokens);
	free(s->path);
	free(s);
}

void spool_set_limits(struct spool *s, const struct spool_limits *lim)
{
	s->lim = *lim;
}

static uint64_t row_bytes(const char *broker, const char *cloud_topic,
			  const struct queue_msg *m)
{
	return m->payload_len + strlen(broker) + strlen(cloud_topic) +
	       strlen(m->topic) + strlen(m->rule) + SPOOL_ROW_OVERHEAD;
}

/* Delete the oldest QoS 0 rows until @need bytes fit. 0 or -EIO. */
static int drop_qos0(struct spool *s, uint64_t need)
{
	sqlite3_stmt *st = s->stmt[ST_DROP_QOS0];

	while (s->bytes + need > s->lim.max_bytes) {
		int rc = sqlite3_step(st);

		if (rc != SQLITE_ROW) {
			sqlite3_reset(st);
			if (rc == SQLITE_DONE)
				return 0;	/* none left: it stays full */
			db_error(s, "dropping a QoS 0 row");
			return -EIO;
		}
		account_removed(s, st);
		s->counters.dropped_overflow++;
		while (sqlite3_step(st) == SQLITE_ROW)
			;
		sqlite3_reset(st);
	}
	return 0;
}

/* Whether @need bytes fit, making room as @policy allows. */
static int make_room(struct spool *s, uint64_t need,
		     enum spool_full_policy policy, uint64_t now_ms)
{
	uint64_t over;

	if (s->bytes + need <= s->lim.max_bytes)
		return 0;
	if (need > s->lim.max_bytes || policy != SPOOL_FULL_DROP_QOS0)
		return -ENOSPC;
	over = s->bytes + need - s->lim.max_bytes;
	if (s->qos0_bytes < over)
		return -ENOSPC;		/* dropping all would not do */
	if (begin(s, now_ms) < 0 || drop_qos0(s, need) < 0)
		return -EIO;
	return s->bytes + need <= s->lim.max_bytes ? 0 : -ENOSPC;
}

static void bind_text(sqlite3_stmt *st, int i, const char *text)
{
	sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
}

int spool_add(struct spool *s, const char *broker, const char *cloud_topic,
	      const struct queue_msg *m, enum spool_full_policy policy,
	      bool paced, uint64_t token, uint64_t now_ms, uint64_t wall_ms,
	      int64_t *seq)
{
	uint64_t bytes = row_bytes(broker, cloud_topic, m);
	sqlite3_stmt *st = s->stmt[ST_INSERT];
	size_t src_len = m->family == AF_INET ? 4 :
			 m->family == AF_INET6 ? 16 : 0;
	int rc;

	rc = make_room(s, bytes, policy, now_ms);
	if (rc == -ENOSPC) {
		/* counted in a transaction of its own if none is open */
		if (begin(s, now_ms) == 0)
			s->counters.refused++;
		return -ENOSPC;
	}
	if (rc < 0 || begin(s, now_ms) < 0)
		return -EIO;
	if (push_token(s, token) < 0)
		return -ENOMEM;
	bind_text(st, 1, broker);
	bind_text(st, 2, cloud_topic);
	bind_text(st, 3, m->topic);
	bind_text(st, 4, m->rule);
	sqlite3_bind_int(st, 5, m->qos);
	sqlite3_bind_int(st, 6, m->proto);
	sqlite3_bind_int(st, 7, m->family);
	if (src_len)
		sqlite3_bind_blob(st, 8, m->src, (int)src_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_int(st, 9, m->src_port);
	sqlite3_bind_int(st, 10, m->content_format);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)m->time_ns);
	sqlite3_bind_int64(st, 12, (sqlite3_int64)wall_ms);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)bytes);
	sqlite3_bind_int(st, 14, paced);
	if (m->payload_len)
		sqlite3_bind_blob64(st, 15, m->payload, m->payload_len,
				    SQLITE_STATIC);
	else
		sqlite3_bind_zeroblob(st, 15, 0);
	sqlite3_bind_int64(st, 16, s->seq_hwm + 1);
	rc = sqlite3_step(st);
	sqlite3_clear_bindings(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_error(s, "adding a row");
		s->n_tokens--;
		check_rolled_back(s);
		return -EIO;
	}
	s->seq_hwm++;
	if (topic_add(s, broker, cloud_topic, 1) < 0) {
		/* the index must not miss it: undo the whole transaction */
		s->n_tokens--;
		rolled_back(s);
		return -ENOMEM;
	}
	*seq = sqlite3_last_insert_rowid(s->db);
	s->last_seq = *seq;
	s->rows++;
	s->bytes += bytes;
	if (m->qos == 0)
		s->qos0_bytes += bytes;
	s->counters.spooled++;
	if (++s->txn_rows >= s->lim.sync_count)
		spool_commit(s);
	return 0;
}

int spool_delete(struct spool *s, int64_t seq, uint64_t now_ms)
{
	sqlite3_stmt *st = s->stmt[ST_DELETE];
	int rc;

	if (begin(s, now_ms) < 0)
		return -EIO;
	sqlite3_bind_int64(st, 1, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		account_removed(s, st);
		s->counters.drained++;
		while (sqlite3_step(st) == SQLITE_ROW)
			;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return -ENOENT;
	db_error(s, "deleting a row");
	check_rolled_back(s);
	return -EIO;
}

static char *column_strdup(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return strdup(t ? t : "");
}

/* The row @st is on as a spool_entry; NULL when out of memory. */
static struct spool_entry *read_entry(sqlite3_stmt *st)
{
	struct spool_entry *e = calloc(1, sizeof(*e));
	struct queue_msg *m = calloc(1, sizeof(*m));
	const void *blob;
	int len;

	if (!e || !m) {
		free(e);
		free(m);
		return NULL;
	}
	e->msg = m;
	e->seq = sqlite3_column_int64(st, 0);
	e->broker = column_strdup(st, 1);
	e->cloud_topic = column_strdup(st, 2);
	m->id = (uint64_t)e->seq;
	m->topic = column_strdup(st, 3);
	snprintf(m->rule, sizeof(m->rule), "%s",
		 sqlite3_column_text(st, 4) ?
		 (const char *)sqlite3_column_text(st, 4) : "");
	m->qos = (uint8_t)sqlite3_column_int(st, 5);
	m->proto = (uint8_t)sqlite3_column_int(st, 6);
	m->family = (uint8_t)sqlite3_column_int(st, 7);
	blob = sqlite3_column_blob(st, 8);
	len = sqlite3_column_bytes(st, 8);
	if (blob && len > 0 && (size_t)len <= sizeof(m->src))
		memcpy(m->src, blob, (size_t)len);
	else
		m->family = 0;
	m->src_port = (uint16_t)sqlite3_column_int(st, 9);
	m->content_format = sqlite3_column_int(st, 10);
	m->time_ns = (uint64_t)sqlite3_column_int64(st, 11);
	e->spooled_wall_ms = (uint64_t)sqlite3_column_int64(st, 12);
	e->paced = sqlite3_column_int(st, 13) != 0;
	m->attempts = 1;
	blob = sqlite3_column_blob(st, 14);
	len = sqlite3_column_bytes(st, 14);
	if (blob && len > 0) {
		m->payload = malloc((size_t)len);
		if (m->payload) {
			memcpy(m->payload, blob, (size_t)len);
			m->payload_len = (size_t)len;
		}
	}
	if (!e->broker || !e->cloud_topic || !m->topic ||
	    (len > 0 && !m->payload)) {
		spool_entry_free(e);
		return NULL;
	}
	return e;
}

int spool_next(struct spool *s, const char *broker, int64_t after_seq,
	       struct spool_entry **out)
{
	sqlite3_stmt *st = s->stmt[ST_NEXT];
	int rc, err = 0;

	*out = NULL;
	if (after_seq >= s->committed_seq)
		return 0;
	bind_text(st, 1, broker);
	sqlite3_bind_int64(st, 2, after_seq);
	sqlite3_bind_int64(st, 3, s->committed_seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = read_entry(st);
		if (!*out)
			err = -ENOMEM;
	} else if (rc != SQLITE_DONE) {
		db_error(s, "reading a row");
		err = -EIO;
	}
	sqlite3_clear_bindings(st);
	sqlite3_reset(st);
	return err;
}

int64_t spool_committed_seq(const struct spool *s)
{
	return s->committed_seq;
}

size_t spool_topic_rows(const struct spool *s, const char *broker,
			const char *cloud_topic)
{
	struct topic_rows key = { (char *)broker, (char *)cloud_topic, 0 };
	struct topic_rows **slot;

	slot = tfind(&key, &s->topics, compare_topic_rows);
	return slot ? (*slot)->rows : 0;
}

uint64_t spool_rows(const struct spool *s)
{
	return s->rows;
}

uint64_t spool_bytes(const struct spool *s)
{
	return s->bytes;
}

const struct spool_counters *spool_counters(const struct spool *s)
{
	return &s->counters;
}

/* Delete the rows spooled before @wall_ms - max_age_s, oldest first. */
static void expire(struct spool *s, uint64_t now_ms, uint64_t wall_ms)
{
	uint64_t max_age_ms = (uint64_t)s->lim.max_age_s * 1000;
	sqlite3_stmt *st = s->stmt[ST_OLDEST];
	int64_t last_old = 0;
	uint64_t cutoff;
	int rc;

	if (!s->lim.max_age_s || !s->rows || wall_ms <= max_age_ms)
		return;
	cutoff = wall_ms - max_age_ms;
	/* rows are spooled in sequence order: the old ones come first */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       (uint64_t)sqlite3_column_int64(st, 1) < cutoff)
		last_old = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_error(s, "looking for old rows");
		return;
	}
	if (!last_old || begin(s, now_ms) < 0)
		return;
	st = s->stmt[ST_EXPIRE];
	sqlite3_bind_int64(st, 1, last_old);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)cutoff);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		account_removed(s, st);
		s->counters.dropped_age++;
	}
	if (rc != SQLITE_DONE)
		db_error(s, "dropping old rows");
	sqlite3_reset(st);
}

void spool_tick(struct spool *s, uint64_t now_ms, uint64_t wall_ms)
{
	if (now_ms - s->last_expire_ms >= SPOOL_EXPIRE_EVERY_MS) {
		s->last_expire_ms = now_ms;
		expire(s, now_ms, wall_ms);
	}
	if (s->in_txn && (s->txn_rows >= s->lim.sync_count ||
			  now_ms >= s->txn_start_ms + s->lim.sync_interval_ms))
		spool_commit(s);
}

int spool_timeout_ms(const struct spool *s, uint64_t now_ms)
{
	uint64_t due;
	int timeout = s->lim.max_age_s && s->rows ? SPOOL_EXPIRE_EVERY_MS : -1;

	if (!s->in_txn)
		return timeout;
	due = s->txn_start_ms + s->lim.sync_interval_ms;
	if (due <= now_ms)
		return 0;
	if (timeout < 0 || due - now_ms < (uint64_t)timeout)
		timeout = (int)(due - now_ms);
	return timeout;
}

int spool_read_status(const char *path, uint64_t wall_ms,
		      struct spool_status *st, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT count(*), coalesce(sum(bytes), 0), min(spooled_ms),"
		" coalesce((SELECT seq FROM sqlite_sequence"
		" WHERE name = 'msgs'), 0) FROM msgs";
	sqlite3_stmt *q = NULL;
	sqlite3 *db = NULL;
	int rc = -EIO;

	memset(st, 0, sizeof(*st));
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "spool %s: %s", path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db, SPOOL_READER_BUSY_MS);
	/* one read transaction: the rows and the counters agree */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW) {
		snprintf(err, errlen, "spool %s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	st->rows = (uint64_t)sqlite3_column_int64(q, 0);
	st->bytes = (uint64_t)sqlite3_column_int64(q, 1);
	if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
		uint64_t oldest = (uint64_t)sqlite3_column_int64(q, 2);

		st->oldest_age_ms = wall_ms > oldest ? wall_ms - oldest : 0;
	}
	st->last_seq = sqlite3_column_int64(q, 3);
	if (read_counters(db, &st->counters) < 0) {
		snprintf(err, errlen, "spool %s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	if (db) {
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	return rc;
}
