/* test-encoding.c: hex, base64, base64url and AWS URI encoding
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-core-error.h"
#include "ks-encoding.h"
#include "ks-test-util.h"

static void
test_hex_round_trip (void)
{
  const guint8       data[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
  g_autofree char   *hex = ks_hex_encode (data, sizeof data);
  g_autofree guint8 *back = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;

  g_assert_cmpstr (hex, ==, "00017f80abff");
  back = ks_hex_decode ("00017F80ABff", &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (back, len, data, sizeof data);
}

static void
test_hex_invalid (void)
{
  const char *bad[] = { "0", "abc", "zz", "0g", "  ", "0x00" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      gsize              len = 0;
      g_autofree guint8 *out = ks_hex_decode (bad[i], &len, &error);

      g_assert_null (out);
      g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE);
    }
}

/* RFC 4648 section 10 test vectors. */
static void
test_base64_rfc4648 (void)
{
  const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
  const char *b64[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
  const char *b64url[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };

  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    {
      gsize              n = strlen (plain[i]);
      g_autofree char   *enc = ks_base64_encode ((const guint8 *) plain[i], n);
      g_autofree char   *enc_url = ks_base64url_encode ((const guint8 *) plain[i], n);
      g_autofree guint8 *dec = NULL;
      g_autofree guint8 *dec_url = NULL;
      g_autoptr (GError) error = NULL;
      gsize len = 0, len_url = 0;

      g_assert_cmpstr (enc, ==, b64[i]);
      g_assert_cmpstr (enc_url, ==, b64url[i]);
      dec = ks_base64_decode (b64[i], &len, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (dec, len, plain[i], n);
      dec_url = ks_base64url_decode (b64url[i], &len_url, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (dec_url, len_url, plain[i], n);
    }
}

static void
test_base64url_alphabet (void)
{
  const guint8     data[] = { 0xfb, 0xff, 0xbf };
  g_autofree char *url = ks_base64url_encode (data, sizeof data);
  g_autofree char *std = ks_base64_encode (data, sizeof data);

  g_assert_cmpstr (std, ==, "+/+/");
  g_assert_cmpstr (url, ==, "-_-_");
}

static void
test_base64_strict (void)
{
  /* Wrong alphabet, misplaced or missing padding, non-zero trailing bits,
   * whitespace: all refused rather than silently skipped. */
  const char *bad_std[] = { "Zg", "Zg=", "Zg===", "Z===", "Zh==", "Zm9v\n", "Zm 9v", "-_-_", "Zm=v", "=Zm9" };
  const char *bad_url[] = { "Z", "Zg==", "Zh", "+/+/", "Zm9v=", "Zm9v\n", "Zm.v" };

  for (guint i = 0; i < G_N_ELEMENTS (bad_std); i++)
    {
      g_autoptr (GError) error = NULL;
      gsize              len = 0;
      g_autofree guint8 *out = ks_base64_decode (bad_std[i], &len, &error);

      g_test_message ("base64 %s", bad_std[i]);
      g_assert_null (out);
      g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_url); i++)
    {
      g_autoptr (GError) error = NULL;
      gsize              len = 0;
      g_autofree guint8 *out = ks_base64url_decode (bad_url[i], &len, &error);

      g_test_message ("base64url %s", bad_url[i]);
      g_assert_null (out);
      g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE);
    }
}

static void
test_base64_random_round_trip (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < 500; i++)
    {
      gsize              n = (gsize) g_rand_int_range (rand, 0, 200);
      g_autofree guint8 *data = g_malloc (n + 1);
      g_autofree char   *a = NULL;
      g_autofree char   *b = NULL;
      g_autofree guint8 *da = NULL;
      g_autofree guint8 *db = NULL;
      gsize              la = 0, lb = 0;

      for (gsize j = 0; j < n; j++)
        data[j] = (guint8) g_rand_int_range (rand, 0, 256);
      a = ks_base64_encode (data, n);
      b = ks_base64url_encode (data, n);
      da = ks_base64_decode (a, &la, NULL);
      db = ks_base64url_decode (b, &lb, NULL);
      g_assert_cmpmem (da, la, data, n);
      g_assert_cmpmem (db, lb, data, n);
    }
}

static void
test_uri_encode_aws_rules (void)
{
  struct
  {
    const char *in;
    gboolean    slash;
    const char *out;
  } cases[] = {
    { "photo 1+2.jpg", TRUE, "photo%201%2B2.jpg" },
    { "a/b/c", FALSE, "a/b/c" },
    { "a/b/c", TRUE, "a%2Fb%2Fc" },
    { "-._~AZaz09", TRUE, "-._~AZaz09" },
    { "test$file.text", FALSE, "test%24file.text" },
    { "100%", FALSE, "100%25" },
    { "é", FALSE, "%C3%A9" },
    { "\xe1\x88\xb4", FALSE, "%E1%88%B4" },
    { "!*'()", TRUE, "%21%2A%27%28%29" },
    { "", TRUE, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = ks_uri_encode (cases[i].in, cases[i].slash);

      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static void
test_uri_decode (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *ok = ks_uri_decode ("a%20b%2Bc+d%C3%A9", -1, &error);
  const char      *bad[] = { "%", "%2", "%zz", "a%00b", "%G0" };

  g_assert_no_error (error);
  g_assert_cmpstr (ok, ==, "a b+c+dé");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) err = NULL;
      g_autofree char *out = ks_uri_decode (bad[i], -1, &err);

      g_assert_null (out);
      g_assert_error (err, KS_CORE_ERROR, KS_CORE_ERROR_PARSE);
    }

  /* A length shorter than the string stops before a trailing escape. */
  {
    g_autofree char *part = ks_uri_decode ("ab%2", 2, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (part, ==, "ab");
  }
}

static void
test_garbage_never_crashes (void)
{
  g_auto (GStrv) garbage = ks_test_garbage_strings (7, 2000);

  for (guint i = 0; garbage[i]; i++)
    {
      gsize              len = 0;
      g_autofree guint8 *a = ks_hex_decode (garbage[i], &len, NULL);
      g_autofree guint8 *b = ks_base64_decode (garbage[i], &len, NULL);
      g_autofree guint8 *c = ks_base64url_decode (garbage[i], &len, NULL);
      g_autofree char   *d = ks_uri_decode (garbage[i], -1, NULL);
      g_autofree char   *e = ks_uri_encode (garbage[i], TRUE);

      /* Encoding is total: whatever came in, only the safe set goes out. */
      for (const char *p = e; *p; p++)
        g_assert_true (g_ascii_isalnum (*p) || strchr ("-._~%", *p) != NULL);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/encoding/hex/round-trip", test_hex_round_trip);
  g_test_add_func ("/encoding/hex/invalid", test_hex_invalid);
  g_test_add_func ("/encoding/base64/rfc4648", test_base64_rfc4648);
  g_test_add_func ("/encoding/base64/url-alphabet", test_base64url_alphabet);
  g_test_add_func ("/encoding/base64/strict", test_base64_strict);
  g_test_add_func ("/encoding/base64/random-round-trip", test_base64_random_round_trip);
  g_test_add_func ("/encoding/uri/encode-aws", test_uri_encode_aws_rules);
  g_test_add_func ("/encoding/uri/decode", test_uri_decode);
  g_test_add_func ("/encoding/garbage", test_garbage_never_crashes);

  return g_test_run ();
}
