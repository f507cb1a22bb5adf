// SPDX-License-Identifier: GPL-2.0
/* MQTT topic filters matched against topic names. */
#include "topic_match.h"

#include <string.h>

bool topic_match(const char *filter, const char *topic)
{
	const char *f = filter, *t = topic;

	/* "+" and "#" first do not match topics starting with "$" */
	if (*t == '$' && (*f == '+' || *f == '#'))
		return false;
	for (;;) {
		size_t fl = strcspn(f, "/"), tl = strcspn(t, "/");

		if (fl == 1 && *f == '#')
			return true;
		if (!(fl == 1 && *f == '+') &&
		    (fl != tl || memcmp(f, t, fl)))
			return false;
		f += fl;
		t += tl;
		if (!*f && !*t)
			return true;
		if (!*f)
			return false;
		/* "a/#" matches "a": the filter's "/#" with the topic done */
		if (!*t)
			return !strcmp(f, "/#");
		f++;
		t++;
	}
}

size_t topic_levels(const char *topic)
{
	size_t n = 1;

	for (const char *c = topic; *c; c++)
		n += *c == '/';
	return n;
}

const char *topic_skip_levels(const char *topic, size_t n)
{
	const char *t = topic;

	for (size_t i = 0; i < n; i++) {
		const char *slash = strchr(t, '/');

		if (!slash)
			return NULL;
		t = slash + 1;
	}
	return t;
}
