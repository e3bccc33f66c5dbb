/* test-json.c - the JSON writer: nesting, escaping, numbers, invalid UTF-8.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qe/qe_json.h"

static int expect(const char *got, const char *want, int line)
{
  if (!got || strcmp(got, want) != 0) {
    fprintf(stderr, "line %d:\n got: %s\nwant: %s\n", line, got ? got : "(null)", want);
    return 1;
  }
  return 0;
}

int main(void)
{
  int bad = 0;
  qe_json *j = qe_json_new(false);
  qe_json_begin_object(j);
  qe_json_kv_string(j, "name", "a\"b\\c\n\x01");
  qe_json_kv_number(j, "pi", 3.25);
  qe_json_kv_number(j, "nan", NAN);
  qe_json_kv_number(j, "tenth", 0.1);
  qe_json_kv_int(j, "big", -9007199254740993LL);
  qe_json_key(j, "list");
  qe_json_begin_array(j);
  qe_json_bool(j, true);
  qe_json_null(j);
  qe_json_begin_object(j);
  qe_json_end_object(j);
  qe_json_begin_array(j);
  qe_json_end_array(j);
  qe_json_end_array(j);
  qe_json_kv_string(j, "utf8", "caf\xc3\xa9 \xff!");
  qe_json_end_object(j);
  bad |= expect(qe_json_text(j, NULL),
                "{\"name\":\"a\\\"b\\\\c\\n\\u0001\",\"pi\":3.25,\"nan\":null,\"tenth\":0.1,"
                "\"big\":-9007199254740993,\"list\":[true,null,{},[]],"
                "\"utf8\":\"caf\xc3\xa9 \xef\xbf\xbd!\"}",
                __LINE__);
  qe_json_free(j);

  j = qe_json_new(true);
  qe_json_begin_object(j);
  qe_json_kv_int(j, "a", 1);
  qe_json_key(j, "b");
  qe_json_begin_array(j);
  qe_json_int(j, 2);
  qe_json_end_array(j);
  qe_json_end_object(j);
  bad |= expect(qe_json_text(j, NULL), "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}", __LINE__);
  qe_json_free(j);

  /* counts and times that may be unknown */
  j = qe_json_new(false);
  qe_json_begin_object(j);
  qe_json_kv_count(j, "n", 42);
  qe_json_kv_count(j, "zero", 0);
  qe_json_kv_count(j, "unknown", -1);
  qe_json_kv_time(j, "t", 1767182400.0); /* 2025-12-31 12:00:00 UTC */
  qe_json_kv_time(j, "epoch", 0.0);
  qe_json_kv_time(j, "nan", NAN);
  qe_json_kv_time(j, "neg", -1.0);
  qe_json_kv_time(j, "huge", 1e300);
  qe_json_end_object(j);
  bad |= expect(qe_json_text(j, NULL),
                "{\"n\":42,\"zero\":0,\"unknown\":null,\"t\":\"2025-12-31T12:00:00Z\","
                "\"epoch\":\"1970-01-01T00:00:00Z\",\"nan\":null,\"neg\":null,\"huge\":null}",
                __LINE__);
  qe_json_free(j);
  qe_json_free(NULL);
  if (!bad)
    printf("engine/json: ok\n");
  return bad;
}
