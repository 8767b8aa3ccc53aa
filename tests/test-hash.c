/* test-hash.c: SHA-256, HMAC, streamed file hashing, constant-time compare
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-encoding.h"
#include "ks-hash.h"

/* FIPS 180-2 and RFC 4231 known answers. */
static void
test_sha256_known (void)
{
  g_autofree char *empty = ks_sha256_hex ("", 0);
  g_autofree char *abc = ks_sha256_hex ("abc", 3);

  g_assert_cmpstr (empty, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  g_assert_cmpstr (abc, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_hmac_rfc4231 (void)
{
  guint8           key[20];
  guint8           out[KS_SHA256_LEN];
  g_autofree char *hex = NULL;
  g_autofree char *hex2 = NULL;

  memset (key, 0x0b, sizeof key);
  ks_hmac_sha256 (key, sizeof key, "Hi There", 8, out);
  hex = ks_hex_encode (out, sizeof out);
  g_assert_cmpstr (hex, ==, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

  ks_hmac_sha256 ("Jefe", 4, "what do ya want for nothing?", 28, out);
  hex2 = ks_hex_encode (out, sizeof out);
  g_assert_cmpstr (hex2, ==, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void
test_sha256_incremental_matches_oneshot (void)
{
  g_autoptr (KsSha256) sha = ks_sha256_new ();
  const char      *text = "The quick brown fox jumps over the lazy dog";
  g_autofree char *one = ks_sha256_hex (text, strlen (text));
  g_autofree char *inc = NULL;

  for (const char *p = text; *p; p++)
    ks_sha256_update (sha, p, 1);
  inc = ks_sha256_finish_hex (sha);
  g_assert_cmpstr (inc, ==, one);
  g_assert_cmpstr (one, ==, "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592");
}

static void
test_sha256_file_streamed (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "ks-hash-test.bin", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  /* Larger than one chunk and not a multiple of it. */
  gsize              len = 256 * 1024 * 3 + 17;
  g_autofree guint8 *data = g_malloc (len);
  g_autofree char   *expected = NULL;
  g_autofree char   *got = NULL;
  guint64            size = 0;

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) (i * 31 + (i >> 8));
  g_file_set_contents (path, (const char *) data, (gssize) len, &error);
  g_assert_no_error (error);

  expected = ks_sha256_hex (data, len);
  got = ks_sha256_file (file, &size, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, expected);
  g_assert_cmpuint (size, ==, len);
}

static void
test_sha256_file_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) missing = g_file_new_for_path ("/nonexistent/keepsake/file");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "ks-hash-cancel.bin", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autofree char *res = ks_sha256_file (missing, NULL, NULL, &error);
  g_autofree char *res2 = NULL;

  g_assert_null (res);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_file_set_contents (path, "data", 4, &error);
  g_assert_no_error (error);
  g_cancellable_cancel (cancellable);
  res2 = ks_sha256_file (file, NULL, cancellable, &error);
  g_assert_null (res2);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_constant_time_compare (void)
{
  g_assert_true (ks_streq_constant_time ("abc", "abc"));
  g_assert_false (ks_streq_constant_time ("abc", "abd"));
  g_assert_false (ks_streq_constant_time ("abc", "abcd"));
  g_assert_false (ks_streq_constant_time ("abc", NULL));
  g_assert_false (ks_streq_constant_time (NULL, NULL));
  g_assert_true (ks_memeq_constant_time ("\0\1", "\0\1", 2));
  g_assert_false (ks_memeq_constant_time ("\0\1", "\0\2", 2));
}

static void
test_random_bytes_differ (void)
{
  guint8 a[32], b[32];

  ks_random_bytes (a, sizeof a);
  ks_random_bytes (b, sizeof b);
  g_assert_false (memcmp (a, b, sizeof a) == 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/hash/sha256/known", test_sha256_known);
  g_test_add_func ("/hash/hmac/rfc4231", test_hmac_rfc4231);
  g_test_add_func ("/hash/sha256/incremental", test_sha256_incremental_matches_oneshot);
  g_test_add_func ("/hash/sha256/file", test_sha256_file_streamed);
  g_test_add_func ("/hash/sha256/file-errors", test_sha256_file_errors);
  g_test_add_func ("/hash/constant-time", test_constant_time_compare);
  g_test_add_func ("/hash/random", test_random_bytes_differ);

  return g_test_run ();
}
