/* SPDX-License-Identifier: GPL-2.0 */
/* iotgwctl -j: building and printing JSON with json-c. */
#ifndef IOTGWCTL_JSON_H
#define IOTGWCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

void json_add_str(struct json_object *obj, const char *key, const char *val);
void json_add_u64(struct json_object *obj, const char *key, uint64_t val);
void json_add_bool(struct json_object *obj, const char *key, bool val);
void json_add(struct json_object *obj, const char *key,
	      struct json_object *val);

/* A string off the wire as JSON: bytes that are not UTF-8 become U+FFFD. */
struct json_object *json_wire_string(const char *s);

/*
 * Print @obj on one line of stdout and release it. Returns IOTGWCTL_OK,
 * or IOTGWCTL_FAIL (out of memory: @obj is NULL or could not be written).
 */
int json_print(struct json_object *obj);

#endif /* IOTGWCTL_JSON_H */
