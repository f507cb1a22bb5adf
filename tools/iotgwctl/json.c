// SPDX-License-Identifier: GPL-2.0
/* iotgwctl -j: building and printing JSON with json-c. */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#include "iotgwctl.h"

void json_add(struct json_object *obj, const char *key,
	      struct json_object *val)
{
	/* out of memory: the key is left out or null */
	if (!obj || json_object_object_add(obj, key, val) < 0)
		json_object_put(val);
}

void json_add_str(struct json_object *obj, const char *key, const char *val)
{
	json_add(obj, key, json_object_new_string(val));
}

void json_add_u64(struct json_object *obj, const char *key, uint64_t val)
{
	json_add(obj, key, json_object_new_uint64(val));
}

void json_add_bool(struct json_object *obj, const char *key, bool val)
{
	json_add(obj, key, json_object_new_boolean(val));
}

int json_print(struct json_object *obj)
{
	const char *text = NULL;

	if (obj)
		text = json_object_to_json_string_ext(obj,
			JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text) {
		json_object_put(obj);
		iotgwctl_error("out of memory");
		return IOTGWCTL_FAIL;
	}
	puts(text);
	json_object_put(obj);
	return IOTGWCTL_OK;
}

struct json_object *json_wire_string(const char *id)
{
	const unsigned char *s = (const unsigned char *)id;
	struct json_object *str;
	char *buf, *w;

	buf = malloc(strlen(id) * 3 + 1);
	if (!buf)
		return NULL;
	w = buf;
	while (*s) {
		size_t n = utf8_seq_len(s);

		if (n == 0) {
			memcpy(w, "\xef\xbf\xbd", 3);
			w += 3;
			n = 1;
		} else {
			memcpy(w, s, n);
			w += n;
		}
		s += n;
	}
	*w = '\0';
	str = json_object_new_string(buf);
	free(buf);
	return str;
}
