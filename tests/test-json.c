/* test-json.c: strict JSON (RFC 8259) and checked member access
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "ks-core-error.h"
#include "ks-json.h"
#include "ks-test-util.h"

#define DEPTH 32

static JsonNode *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = ks_json_parse_strict (text, -1, DEPTH, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static JsonObject *
object_of (const char *text)
{
  g_autoptr (JsonNode) node = parse_ok (text);

  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

/* Returns the error message. */
static char *
parse_error (const char *text,
             gssize      len,
             guint       max_depth)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = ks_json_parse_strict (text, len, max_depth, &error);

  g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE);
  g_assert_null (node);
  return g_strdup (error->message);
}

static void
assert_parse_fails (const char *text,
                    gssize      len,
                    guint       max_depth)
{
  g_free (parse_error (text, len, max_depth));
}

static char *
nested (const char *open,
        const char *close,
        guint       depth)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (text, open);
  g_string_append (text, "1");
  for (guint i = 0; i < depth; i++)
    g_string_append (text, close);

  return g_string_free (text, FALSE);
}

/* ---- Strict parsing ---- */

static void
test_strict_accepted (void)
{
  const char *texts[] = {
    "{}",
    "[]",
    "\"x\"",
    "true",
    "false",
    "null",
    "42",
    "-0",
    "0.5e-3",
    "1E+2",
    "-1.25e-2",
    "123456789012345678",
    "-123456789012345678",
    " \t\r\n{} \n",
    "{\"a\":[1,{\"b\":null}],\"c\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
    "{\"e\":\"\\ud83d\\ude00\\u00e9\",\"raw\":\"h\xc3\xa9\"}",
  };
  g_autoptr (JsonNode) big = parse_ok ("[123456789012345678,-123456789012345678]");
  g_autoptr (JsonNode) text = parse_ok ("\"\\ud83d\\ude00\\u00e9\\/\"");
  g_autoptr (JsonNode) huge = parse_ok ("1e400");
  JsonArray *array = json_node_get_array (big);

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_test_message ("accepted %u: %s", i, texts[i]);
      json_node_unref (parse_ok (texts[i]));
    }

  /* No integer is wrapped, and escapes decode to real UTF-8. */
  g_assert_cmpint (json_array_get_int_element (array, 0), ==, G_GINT64_CONSTANT (123456789012345678));
  g_assert_cmpint (json_array_get_int_element (array, 1), ==, G_GINT64_CONSTANT (-123456789012345678));
  g_assert_cmpstr (json_node_get_string (text), ==, "\xf0\x9f\x98\x80\xc3\xa9/");
  /* As json-glib makes it; ks-jwt refuses it as a NumericDate. */
  g_assert_true (isinf (json_node_get_double (huge)));
}

/* Strictly JSON: json-glib alone would take most of these. */
static void
test_strict_refused (void)
{
  const char *texts[] = {
    "",
    "   ",
    "{",
    "[",
    "]",
    "}",
    "{\"a\"}",
    "+1",
    "NaN",
    "Infinity",
    "undefined",
    "\xef\xbb\xbf{}",
    "{\"iss\":\"\xc3\x28\"}",
    "\xff{}",
    "{} {}",
    "{}\n[]",
    "{},",
    "var h = {}",
    "/*c*/{}",
    "{\"exp\":1}//",
    "{'exp':1}",
    "{\"exp\":0x10}",
    "{\"exp\":01}",
    "{\"exp\":.5}",
    "{\"exp\":1.}",
    "{\"exp\":1e}",
    "{\"exp\":-}",
    "{\"exp\":--1}",
    "{\"a\":\"\\x41\"}",
    "{\"a\":\"\t\"}",
    "{\"a\":\"\\u12\"}",
    "{\"a\":\"\\u12g4\"}",
    "{\"a\":1,}",
    "{\"a\" 1}",
    "{\"a\":[1,]}",
    "{\"a\":[1 2]}",
    "{\"a\":{\"b\":1]}",
    "{\"a\":tru}",
    "{\"a\":True}",
    "{\"a\":\"x}",
    "{a:1}",
    "[\"a\"\"b\"]",
    /* json-glib would wrap these; 18 digits always fit a gint64. */
    "{\"exp\":99999999999999999999}",
    "1234567890123456789",
    "-1234567890123456789",
    "1234567890123456789.5",
    /* A NUL would cut a string short; lone surrogates are not text. */
    "\"\\u0000\"",
    "{\"a\":\"x\\u0000\"}",
    "{\"a\":\"\\ud800x\"}",
    "{\"a\":\"\\udc00\"}",
    "{\"a\":\"\\ud800\\u0041\"}",
    "{\"a\":\"\\ud800\"}",
    "{\"a\":\"\\ud800\\ud800\"}",
    "{\"a\":\"\\ud800\\ue000\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *shown = g_strescape (texts[i], NULL);

      g_test_message ("refused %u: %s", i, shown);
      assert_parse_fails (texts[i], -1, DEPTH);
    }
}

static void
test_strict_messages (void)
{
  struct
  {
    const char *text;
    guint       depth;
    const char *message;
  } cases[] = {
    { "{\"a\":01}", DEPTH, "Invalid JSON at byte 5: number has a leading zero" },
    { "{\"a\" 1}", DEPTH, "Invalid JSON at byte 5: expected “:”" },
    { "[1 2]", DEPTH, "Invalid JSON at byte 3: expected “,” or “]”" },
    { "\"\\u0000\"", DEPTH, "Invalid JSON at byte 1: \\u0000 is not allowed" },
    { "[\"\\udc00\"]", DEPTH, "Invalid JSON at byte 2: \\u escape is a lone surrogate" },
    { "{\"a\":\"\xc3\x28\"}", DEPTH, "Invalid JSON at byte 6: not valid UTF-8" },
    { "[1", DEPTH, "Invalid JSON at byte 2: unexpected end of input" },
    { "{} x", DEPTH, "Invalid JSON at byte 3: text goes on after the value" },
    { "[[[1]]]", 2, "Invalid JSON at byte 2: nested more than 2 deep" },
  };
  g_autofree char *secret = parse_error ("{\"password\":\"hunter2\",}", -1, DEPTH);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *message = parse_error (cases[i].text, -1, cases[i].depth);

      g_assert_cmpstr (message, ==, cases[i].message);
    }
  /* The text may be a secret: errors point into it, never quote it. */
  g_assert_null (strstr (secret, "hunter2"));
}

static void
test_strict_depth (void)
{
  g_autofree char *arrays = nested ("[", "]", DEPTH);
  g_autofree char *arrays_deeper = nested ("[", "]", DEPTH + 1);
  g_autofree char *objects = nested ("{\"a\":", "}", DEPTH);
  g_autofree char *objects_deeper = nested ("{\"a\":", "}", DEPTH + 1);
  g_autofree char *mixed = nested ("{\"a\":[", "]}", 20);
  g_autofree char *very_deep = nested ("[", "]", 100000);
  g_autoptr (JsonNode) a = parse_ok (arrays);
  g_autoptr (JsonNode) o = parse_ok (objects);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) scalar = ks_json_parse_strict ("1", -1, 0, &error);
  /* json-glib alone would recurse until the stack runs out. */
  g_autofree char *message = parse_error (very_deep, -1, DEPTH);

  g_assert_no_error (error);
  g_assert_nonnull (a);
  g_assert_nonnull (o);
  g_assert_nonnull (scalar);
  g_assert_cmpstr (message, ==, "Invalid JSON at byte 32: nested more than 32 deep");
  assert_parse_fails (arrays_deeper, -1, DEPTH);
  assert_parse_fails (objects_deeper, -1, DEPTH);
  assert_parse_fails (mixed, -1, DEPTH);
  assert_parse_fails ("[]", -1, 0);
}

static void
test_strict_length (void)
{
  /* Not NUL-terminated: @len is all there is. */
  char              unterminated[7];
  static const char with_nul[] = "{\"a\":\"b\0c\"}";
  g_autoptr (JsonNode) exact = NULL;
  g_autoptr (JsonNode) prefix = NULL;
  g_autofree char *message = NULL;
  g_autoptr (GError) error = NULL;

  memcpy (unterminated, "{\"a\":1}", sizeof unterminated);
  exact = ks_json_parse_strict (unterminated, sizeof unterminated, DEPTH, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (exact), "a"), ==, 1);
  prefix = ks_json_parse_strict ("{\"a\":1}xyz", 7, DEPTH, &error);
  g_assert_no_error (error);
  g_assert_nonnull (prefix);

  assert_parse_fails (unterminated, sizeof unterminated - 1, DEPTH);
  message = parse_error (with_nul, sizeof with_nul - 1, DEPTH);
  g_assert_cmpstr (message, ==, "Invalid JSON at byte 7: NUL byte");
  /* -1 stops at the NUL, inside the string. */
  assert_parse_fails (with_nul, -1, DEPTH);
  assert_parse_fails ("{}", 0, DEPTH);
}

static void
test_strict_garbage (void)
{
  g_auto (GStrv) garbage = ks_test_garbage_strings (8259, 500);
  const char *doc = "{\"a\":[1,-2.5e3,true,null,\"x\\u00e9\\n\"],\"b\":{\"c\":\"\\ud83d\\ude00\"}}";

  for (guint i = 0; garbage[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) node = ks_json_parse_strict (garbage[i], -1, DEPTH, &error);

      g_assert_true ((node == NULL) != (error == NULL));
    }
  /* Every cut of an object is refused, wherever it falls. */
  for (gsize len = 0; len < strlen (doc); len++)
    assert_parse_fails (doc, (gssize) len, DEPTH);
}

/* ---- Checked members ---- */

static void
test_member_string (void)
{
  g_autoptr (JsonObject) object = object_of ("{\"s\":\"x\",\"empty\":\"\",\"n\":1,\"z\":null,"
                                             "\"a\":[],\"o\":{},\"b\":true}");
  const char *wrong[] = { "n", "z", "a", "o", "b" };
  g_autoptr (GError) error = NULL;
  const char *out = NULL;

  g_assert_true (ks_json_object_get_string_member_checked (object, "s", TRUE, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "x");
  g_assert_true (ks_json_object_get_string_member_checked (object, "empty", TRUE, &out, &error));
  g_assert_cmpstr (out, ==, "");

  /* An optional member keeps the caller's default. */
  out = "default";
  g_assert_true (ks_json_object_get_string_member_checked (object, "missing", FALSE, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "default");

  g_assert_false (ks_json_object_get_string_member_checked (object, "missing", TRUE, &out, &error));
  g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==, "Member “missing” is missing");
  g_assert_cmpstr (out, ==, "default");
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_assert_false (ks_json_object_get_string_member_checked (object, wrong[i], FALSE, &out, &error));
      g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE);
      g_assert_nonnull (strstr (error->message, wrong[i]));
      g_assert_cmpstr (out, ==, "default");
      g_clear_error (&error);
    }
}

static void
test_member_int64 (void)
{
  g_autoptr (JsonObject) object = object_of ("{\"i\":42,\"neg\":-7,\"zero\":-0,"
                                             "\"big\":123456789012345678,\"f\":1.5,\"f1\":1.0,"
                                             "\"e\":1e3,\"s\":\"5\",\"b\":true,\"z\":null,\"a\":[1]}");
  const char *wrong[] = { "f", "f1", "e", "s", "b", "z", "a" };
  struct
  {
    const char *name;
    gint64      min, max;
  } out_of_range[] = {
    { "i", 43, 100 },
    { "i", 0, 41 },
    { "neg", 0, G_MAXINT64 },
    { "zero", 1, 10 },
    { "big", G_MININT64, G_MAXINT32 },
  };
  g_autoptr (GError) error = NULL;
  gint64 out = 0;

  g_assert_true (ks_json_object_get_int64_member_checked (object, "i", TRUE, 0, 100, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, 42);
  /* The bounds are inclusive. */
  g_assert_true (ks_json_object_get_int64_member_checked (object, "i", TRUE, 42, 42, &out, &error));
  g_assert_true (ks_json_object_get_int64_member_checked (object, "neg", TRUE, G_MININT64, G_MAXINT64, &out, &error));
  g_assert_cmpint (out, ==, -7);
  g_assert_true (ks_json_object_get_int64_member_checked (object, "zero", TRUE, 0, 0, &out, &error));
  g_assert_cmpint (out, ==, 0);
  g_assert_true (ks_json_object_get_int64_member_checked (object, "big", TRUE, 0, G_MAXINT64, &out, &error));
  g_assert_cmpint (out, ==, G_GINT64_CONSTANT (123456789012345678));
  g_assert_no_error (error);

  out = 100;
  g_assert_true (ks_json_object_get_int64_member_checked (object, "missing", FALSE, 0, 10, &out, &error));
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, 100);
  g_assert_false (ks_json_object_get_int64_member_checked (object, "missing", TRUE, 0, 10, &out, &error));
  g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (out_of_range); i++)
    {
      g_assert_false (ks_json_object_get_int64_member_checked (object, out_of_range[i].name, TRUE,
                                                               out_of_range[i].min, out_of_range[i].max,
                                                               &out, &error));
      g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_INVALID);
      g_assert_cmpint (out, ==, 100);
      g_clear_error (&error);
    }
  g_assert_false (ks_json_object_get_int64_member_checked (object, "i", TRUE, 0, 10, &out, &error));
  g_assert_cmpstr (error->message, ==, "Member “i” is not between 0 and 10");
  g_clear_error (&error);

  /* Integers only, in any range. */
  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_assert_false (ks_json_object_get_int64_member_checked (object, wrong[i], FALSE,
                                                               G_MININT64, G_MAXINT64, &out, &error));
      g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE);
      g_assert_nonnull (strstr (error->message, wrong[i]));
      g_assert_cmpint (out, ==, 100);
      g_clear_error (&error);
    }
}

static void
test_member_boolean (void)
{
  g_autoptr (JsonObject) object = object_of ("{\"t\":true,\"f\":false,\"s\":\"true\",\"n\":1,"
                                             "\"z\":null,\"o\":{}}");
  const char *wrong[] = { "s", "n", "z", "o" };
  g_autoptr (GError) error = NULL;
  gboolean out = FALSE;

  g_assert_true (ks_json_object_get_boolean_member_checked (object, "t", TRUE, &out, &error));
  g_assert_true (out);
  g_assert_true (ks_json_object_get_boolean_member_checked (object, "f", TRUE, &out, &error));
  g_assert_false (out);
  g_assert_no_error (error);

  out = TRUE;
  g_assert_true (ks_json_object_get_boolean_member_checked (object, "missing", FALSE, &out, &error));
  g_assert_no_error (error);
  g_assert_true (out);
  g_assert_false (ks_json_object_get_boolean_member_checked (object, "missing", TRUE, &out, &error));
  g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_assert_false (ks_json_object_get_boolean_member_checked (object, wrong[i], TRUE, &out, &error));
      g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE);
      g_assert_true (out);
      g_clear_error (&error);
    }
}

static void
test_members_check (void)
{
  g_autoptr (JsonObject) object = object_of ("{\"name\":\"a.jpg\",\"zeta\":1,\"size\":2,\"alpha\":3}");
  g_autoptr (JsonObject) empty = object_of ("{}");
  const char *const all[] = { "alpha", "name", "size", "zeta", "extra", NULL };
  const char *const some[] = { "name", "size", NULL };
  const char *const none[] = { NULL };
  g_autoptr (GError) error = NULL;

  g_assert_true (ks_json_object_check_members (object, all, &error));
  g_assert_no_error (error);
  g_assert_true (ks_json_object_check_members (empty, none, &error));
  g_assert_no_error (error);

  /* The first stray member in document order is named. */
  g_assert_false (ks_json_object_check_members (object, some, &error));
  g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==, "Member “zeta” is not allowed");
  g_clear_error (&error);
  g_assert_false (ks_json_object_check_members (object, none, &error));
  g_assert_cmpstr (error->message, ==, "Member “name” is not allowed");
  g_clear_error (&error);
  /* Names match exactly. */
  {
    g_autoptr (JsonObject) cased = object_of ("{\"Name\":\"a.jpg\"}");

    g_assert_false (ks_json_object_check_members (cased, some, &error));
    g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE);
  }
}

/* How a server handler is meant to read a request body. */
static void
test_request_example (void)
{
  const char *const allowed[] = { "name", "size", "overwrite", NULL };
  const char       *bodies[] = {
          "{\"name\":\"a.jpg\",\"size\":1024,\"overwrite\":true}",
          "{\"name\":\"a.jpg\",\"size\":1024}",
          "{\"name\":\"a.jpg\",\"size\":1024,\"owner\":\"mallory\"}",
          "{\"name\":\"a.jpg\",\"size\":-1}",
          "{\"name\":\"a.jpg\",\"size\":\"1024\"}",
          "{\"size\":1024}",
          "{\"name\":\"a.jpg\",\"size\":1024,}",
  };
  const int expected[] = { -1, -1, KS_CORE_ERROR_PARSE, KS_CORE_ERROR_INVALID,
                           KS_CORE_ERROR_PARSE, KS_CORE_ERROR_PARSE, KS_CORE_ERROR_PARSE };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) root = ks_json_parse_strict (bodies[i], -1, 8, &error);
      JsonObject *body = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
      const char *name = NULL;
      gint64      size = 0;
      gboolean    overwrite = FALSE;
      gboolean    ok;

      ok = body != NULL &&
           ks_json_object_check_members (body, allowed, &error) &&
           ks_json_object_get_string_member_checked (body, "name", TRUE, &name, &error) &&
           ks_json_object_get_int64_member_checked (body, "size", TRUE, 0, G_MAXINT64, &size, &error) &&
           ks_json_object_get_boolean_member_checked (body, "overwrite", FALSE, &overwrite, &error);

      g_test_message ("request %u: %s", i, error != NULL ? error->message : "ok");
      if (expected[i] < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpstr (name, ==, "a.jpg");
          g_assert_cmpint (size, ==, 1024);
          g_assert_cmpint (overwrite, ==, i == 0);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, KS_CORE_ERROR, expected[i]);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/json/strict/accepted", test_strict_accepted);
  g_test_add_func ("/json/strict/refused", test_strict_refused);
  g_test_add_func ("/json/strict/messages", test_strict_messages);
  g_test_add_func ("/json/strict/depth", test_strict_depth);
  g_test_add_func ("/json/strict/length", test_strict_length);
  g_test_add_func ("/json/strict/garbage", test_strict_garbage);
  g_test_add_func ("/json/member/string", test_member_string);
  g_test_add_func ("/json/member/int64", test_member_int64);
  g_test_add_func ("/json/member/boolean", test_member_boolean);
  g_test_add_func ("/json/members/check", test_members_check);
  g_test_add_func ("/json/request-example", test_request_example);

  return g_test_run ();
}
