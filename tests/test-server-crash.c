/* test-server-crash.c: kill -9 in the middle of writes; after a restart
 * on the same data directory every object is whole or absent
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gstdio.h>

#include "test-s3-client.h"

#define MIB (1024 * 1024)
#define POLL_INTERVAL_US 200
#define POLL_TIMEOUT_US (30 * G_USEC_PER_SEC)

typedef KsTestS3Fixture Fixture;

/* The first temp file under objects/ (uploads' parts aside), if any. */
static char *
find_temp_file (Fixture *fixture,
                goffset *out_size)
{
  g_autofree char *objects = ks_test_server_dup_data_path (fixture->server, "objects");
  g_autoptr (GPtrArray) files = ks_test_s3_list_files (objects);

  for (guint i = 0; i < files->len; i++)
    {
      const char      *name = g_ptr_array_index (files, i);
      g_autofree char *base = g_path_get_basename (name);
      g_autofree char *path = g_build_filename (objects, name, NULL);
      GStatBuf         st;

      if (!g_str_has_prefix (base, ".tmp-") || g_stat (path, &st) != 0)
        continue;
      if (out_size != NULL)
        *out_size = st.st_size;
      return g_strdup (name);
    }

  return NULL;
}

static gboolean
has_temp_file (Fixture *fixture)
{
  g_autofree char *name = find_temp_file (fixture, NULL);

  return name != NULL;
}

/* Waits for a temp file of at least @min_size bytes. */
static void
wait_for_temp_file (Fixture *fixture,
                    goffset  min_size)
{
  gint64 deadline = g_get_monotonic_time () + POLL_TIMEOUT_US;

  while (g_get_monotonic_time () < deadline)
    {
      goffset          size = 0;
      g_autofree char *name = find_temp_file (fixture, &size);

      if (name != NULL && size >= min_size)
        return;
      g_usleep (POLL_INTERVAL_US);
    }

  g_assert_not_reached ();
}

static GPtrArray *
list_keys (Fixture *fixture)
{
  guint status = 0;
  g_autoptr (GBytes) reply = ks_test_s3_request (fixture->s3, "GET", NULL, "list-type=2", NULL, &status);

  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  return ks_test_s3_xml_values (reply, "Key");
}

static void
assert_keys (Fixture    *fixture,
             const char *expected)
{
  g_autoptr (GPtrArray) keys = list_keys (fixture);
  g_autofree char *joined = NULL;

  g_ptr_array_add (keys, NULL);
  joined = g_strjoinv ("|", (char **) keys->pdata);
  g_assert_cmpstr (joined, ==, expected);
}

static void
assert_object (Fixture    *fixture,
               const char *key,
               GBytes     *expected)
{
  g_autoptr (GBytes) got = ks_test_s3_get (fixture->s3, key);

  ks_test_s3_assert_bytes (got, expected);
}

static gboolean
object_exists (Fixture    *fixture,
               const char *key)
{
  guint status = 0;
  g_autoptr (GBytes) reply = ks_test_s3_request (fixture->s3, "HEAD", key, NULL, NULL, &status);

  g_assert_true (status == SOUP_STATUS_OK || status == SOUP_STATUS_NOT_FOUND);
  return status == SOUP_STATUS_OK;
}

static void
crash_and_restart (Fixture *fixture)
{
  g_autoptr (GPtrArray) keys = NULL;

  ks_test_server_kill (fixture->server);
  ks_test_server_restart (fixture->server);
  /* Crash debris goes in the start-up scan, which runs beside requests;
   * a listing waits for it. */
  keys = list_keys (fixture);
  g_assert_false (has_temp_file (fixture));
}

static void
test_streamed_upload (Fixture      *fixture,
                      gconstpointer user_data)
{
  g_autoptr (GBytes) small = ks_test_s3_random_bytes (1000, 1);
  g_autoptr (GBytes) medium = ks_test_s3_random_bytes (3 * MIB, 2);
  g_autoptr (GBytes) chunk = ks_test_s3_random_bytes (MIB, 3);
  g_autofree char *etag1 = ks_test_s3_put (fixture->s3, "earlier/small", small);
  g_autofree char *etag2 = ks_test_s3_put (fixture->s3, "earlier/medium", medium);
  g_autofree char *etag3 = ks_test_s3_put (fixture->s3, "replaced", small);
  g_autofree char *head = ks_test_s3_raw_head (fixture->s3, "PUT", "replaced", NULL,
                                               KS_SIGV4_UNSIGNED_PAYLOAD, 64 * MIB);
  g_autoptr (GIOStream) stream = ks_test_server_connect_raw (fixture->server);
  g_autofree char *head2 = ks_test_s3_raw_head (fixture->s3, "PUT", "new/big", NULL,
                                                KS_SIGV4_UNSIGNED_PAYLOAD, 64 * MIB);
  g_autoptr (GIOStream) stream2 = ks_test_server_connect_raw (fixture->server);
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  GOutputStream *out2 = g_io_stream_get_output_stream (stream2);

  /* Two uploads under way, one replacing an object, 20 MiB of 64 each. */
  ks_test_raw_write (stream, head);
  ks_test_raw_write (stream2, head2);
  for (guint i = 0; i < 20; i++)
    {
      g_assert_true (g_output_stream_write_all (out, g_bytes_get_data (chunk, NULL), MIB, NULL, NULL, NULL));
      g_assert_true (g_output_stream_write_all (out2, g_bytes_get_data (chunk, NULL), MIB, NULL, NULL, NULL));
    }
  wait_for_temp_file (fixture, 8 * MIB);

  crash_and_restart (fixture);

  assert_object (fixture, "earlier/small", small);
  assert_object (fixture, "earlier/medium", medium);
  assert_object (fixture, "replaced", small);
  g_assert_false (object_exists (fixture, "new/big"));
  assert_keys (fixture, "earlier/medium|earlier/small|replaced");
}

static char *
upload_part (Fixture    *fixture,
             const char *key,
             const char *upload_id,
             guint       number,
             GBytes     *body)
{
  g_autofree char *query = g_strdup_printf ("partNumber=%u&uploadId=%s", number, upload_id);
  g_autoptr (SoupMessage) msg = ks_test_s3_message (fixture->s3, "PUT", key, query, body);
  g_autoptr (GBytes) reply = NULL;

  ks_test_s3_sign (fixture->s3, msg, NULL);
  reply = ks_test_s3_send (fixture->s3, msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);

  return g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "ETag"));
}

typedef struct
{
  char    *upload_id;
  GString *xml;
  GBytes  *whole;
} Upload;

static void
upload_clear (Upload *upload)
{
  g_free (upload->upload_id);
  g_string_free (upload->xml, TRUE);
  g_bytes_unref (upload->whole);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Upload, upload_clear)

/* Four 8 MiB parts, uploaded and ready to complete. */
static void
prepare_upload (Fixture    *fixture,
                const char *key,
                guint32     seed,
                Upload     *upload)
{
  g_autoptr (GByteArray) whole = g_byte_array_new ();
  guint status = 0;
  g_autoptr (GBytes) reply = ks_test_s3_request (fixture->s3, "POST", key, "uploads", NULL, &status);

  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  upload->upload_id = ks_test_s3_xml_value (reply, "UploadId");
  upload->xml = g_string_new ("<CompleteMultipartUpload>");
  for (guint i = 1; i <= 4; i++)
    {
      g_autoptr (GBytes) part = ks_test_s3_random_bytes (8 * MIB, seed + i);
      g_autofree char *etag = upload_part (fixture, key, upload->upload_id, i, part);

      g_string_append_printf (upload->xml, "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>",
                              i, etag);
      g_byte_array_append (whole, g_bytes_get_data (part, NULL), 8 * MIB);
    }
  g_string_append (upload->xml, "</CompleteMultipartUpload>");
  upload->whole = g_byte_array_free_to_bytes (g_steal_pointer (&whole));
}

static void
complete_upload (Fixture    *fixture,
                 const char *key,
                 Upload     *upload)
{
  g_autofree char *query = g_strdup_printf ("uploadId=%s", upload->upload_id);
  g_autoptr (GBytes) xml = g_bytes_new (upload->xml->str, upload->xml->len);
  guint status = 0;
  g_autoptr (GBytes) reply = ks_test_s3_request (fixture->s3, "POST", key, query, xml, &status);

  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
}

/*
 * Kill while CompleteMultipartUpload copies the parts (or syncs, or
 * renames: @delay_us after the copy began). The object is then whole, or
 * absent with the upload still there to complete again.
 */
static void
test_multipart_complete (Fixture      *fixture,
                         gconstpointer user_data)
{
  static const gulong delays_us[] = { 0, 2000, 20000, 200000 };
  g_autoptr (GBytes) small = ks_test_s3_random_bytes (1000, 10);
  g_autofree char *etag = ks_test_s3_put (fixture->s3, "earlier", small);

  for (guint i = 0; i < G_N_ELEMENTS (delays_us); i++)
    {
      g_autofree char *key = g_strdup_printf ("multipart/%u", i);
      g_auto (Upload) upload = { 0 };
      g_autofree char *query = NULL;
      g_autofree char *head = NULL;
      g_autoptr (GIOStream) stream = ks_test_server_connect_raw (fixture->server);

      prepare_upload (fixture, key, 100 * i, &upload);
      query = g_strdup_printf ("uploadId=%s", upload.upload_id);
      head = ks_test_s3_raw_head (fixture->s3, "POST", key, query, KS_SIGV4_UNSIGNED_PAYLOAD,
                                  (gint64) upload.xml->len);
      ks_test_raw_write (stream, head);
      ks_test_raw_write (stream, upload.xml->str);
      wait_for_temp_file (fixture, 0);
      g_usleep (delays_us[i]);

      crash_and_restart (fixture);

      if (object_exists (fixture, key))
        g_test_message ("killed %lu us after the copy began: the object made it", delays_us[i]);
      else
        complete_upload (fixture, key, &upload);
      assert_object (fixture, key, upload.whole);
      assert_object (fixture, "earlier", small);
    }

  assert_keys (fixture, "earlier|multipart/0|multipart/1|multipart/2|multipart/3");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/server/crash/streamed-upload", Fixture, NULL, ks_test_s3_fixture_set_up,
              test_streamed_upload, ks_test_s3_fixture_tear_down);
  g_test_add ("/server/crash/multipart-complete", Fixture, NULL, ks_test_s3_fixture_set_up,
              test_multipart_complete, ks_test_s3_fixture_tear_down);

  return g_test_run ();
}
