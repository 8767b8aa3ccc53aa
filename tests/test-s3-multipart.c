/* test-s3-multipart.c: the built-in S3 store's multipart uploads, and
 * large bodies: streamed without growing the server's memory, refused,
 * interrupted
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gstdio.h>

#include "ks-encoding.h"
#include "test-s3-client.h"

#define MIB (1024 * 1024)
#define LARGE_SIZE (64 * MIB)
/* What the server may grow by while it takes or sends LARGE_SIZE bytes. */
#define MAX_GROWTH_KIB (16 * 1024)

typedef KsTestS3Fixture Fixture;

static char *
create_upload (Fixture    *fixture,
               const char *key)
{
  guint status = 0;
  g_autoptr (GBytes) reply = ks_test_s3_request (fixture->s3, "POST", key, "uploads", NULL, &status);
  char *upload_id = ks_test_s3_xml_value (reply, "UploadId");

  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_assert_nonnull (upload_id);
  return upload_id;
}

static SoupMessage *
upload_part (Fixture    *fixture,
             const char *key,
             const char *upload_id,
             const char *part_number,
             GBytes     *body,
             GBytes    **out_reply)
{
  g_autofree char *query = g_strdup_printf ("partNumber=%s&uploadId=%s", part_number, upload_id);
  SoupMessage     *msg = ks_test_s3_message (fixture->s3, "PUT", key, query, body);

  ks_test_s3_sign (fixture->s3, msg, NULL);
  *out_reply = ks_test_s3_send (fixture->s3, msg);
  return msg;
}

static char *
upload_part_ok (Fixture    *fixture,
                const char *key,
                const char *upload_id,
                guint       part_number,
                GBytes     *body)
{
  g_autofree char *number = g_strdup_printf ("%u", part_number);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (SoupMessage) msg = upload_part (fixture, key, upload_id, number, body, &reply);
  g_autofree char *md5 = ks_test_s3_md5_hex (body);
  g_autofree char *expected = g_strdup_printf ("\"%s\"", md5);
  const char      *etag = soup_message_headers_get_one (soup_message_get_response_headers (msg), "ETag");

  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (etag, ==, expected);
  return g_strdup (etag);
}

/* @parts: part number, ETag, …, NULL. */
static GBytes *
complete_xml (const char *first_number,
              ...)
{
  GString *xml = g_string_new ("<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
  va_list  args;

  va_start (args, first_number);
  for (const char *number = first_number; number != NULL; number = va_arg (args, const char *))
    g_string_append_printf (xml, "<Part><PartNumber>%s</PartNumber><ETag>%s</ETag></Part>", number,
                            va_arg (args, const char *));
  va_end (args);
  g_string_append (xml, "</CompleteMultipartUpload>");

  return g_string_free_to_bytes (xml);
}

static SoupMessage *
complete (Fixture    *fixture,
          const char *key,
          const char *upload_id,
          GBytes     *xml,
          GBytes    **out_reply)
{
  g_autofree char *query = g_strdup_printf ("uploadId=%s", upload_id);
  SoupMessage     *msg = ks_test_s3_message (fixture->s3, "POST", key, query, xml);

  ks_test_s3_sign (fixture->s3, msg, NULL);
  *out_reply = ks_test_s3_send (fixture->s3, msg);
  return msg;
}

static void
assert_complete_refused (Fixture    *fixture,
                         const char *key,
                         const char *upload_id,
                         GBytes     *xml,
                         guint       status,
                         const char *code)
{
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (SoupMessage) msg = complete (fixture, key, upload_id, xml, &reply);

  ks_test_s3_assert_error (msg, reply, status, code);
}

static GBytes *
static_bytes (const char *text)
{
  return g_bytes_new_static (text, strlen (text));
}

/* "hex(MD5(MD5(part1) || … || MD5(partN)))-N" */
static char *
multipart_etag (GBytes *first,
                ...)
{
  g_autoptr (GChecksum) md5s = g_checksum_new (G_CHECKSUM_MD5);
  guint   count = 0;
  va_list args;

  va_start (args, first);
  for (GBytes *part = first; part != NULL; part = va_arg (args, GBytes *))
    {
      g_autofree char   *hex = ks_test_s3_md5_hex (part);
      gsize              len = 0;
      g_autofree guint8 *bin = ks_hex_decode (hex, &len, NULL);

      g_checksum_update (md5s, bin, len);
      count++;
    }
  va_end (args);

  return g_strdup_printf ("\"%s-%u\"", g_checksum_get_string (md5s), count);
}

static void
test_happy_path (Fixture      *fixture,
                 gconstpointer user_data)
{
  const char *key = "videos/big one.mp4";
  g_autoptr (GBytes) part1 = ks_test_s3_random_bytes (5 * MIB, 1);
  g_autoptr (GBytes) part2 = ks_test_s3_random_bytes (1000, 2);
  g_autofree char *upload_id = create_upload (fixture, key);
  g_autofree char *etag1 = upload_part_ok (fixture, key, upload_id, 1, part1);
  g_autofree char *etag2 = upload_part_ok (fixture, key, upload_id, 2, part2);
  g_autofree char *expected_etag = multipart_etag (part1, part2, NULL);
  g_autofree char *sent_etag = NULL;
  g_autofree char *query = g_strdup_printf ("uploadId=%s", upload_id);
  g_autofree char *upload_dir = NULL;
  g_autoptr (GBytes) xml = complete_xml ("1", etag1, "2", etag2, NULL);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GBytes) object = NULL;
  g_autoptr (GByteArray) whole = g_byte_array_new ();
  g_autoptr (GBytes) expected = NULL;
  g_autoptr (GPtrArray) values = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  guint status = 0;

  reply = ks_test_s3_request (fixture->s3, "GET", key, query, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  values = ks_test_s3_xml_values (reply, "Size");
  g_assert_cmpuint (values->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (values, 1), ==, "1000");
  g_clear_pointer (&reply, g_bytes_unref);

  msg = complete (fixture, key, upload_id, xml, &reply);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  sent_etag = ks_test_s3_xml_value (reply, "ETag");
  g_assert_cmpstr (sent_etag, ==, expected_etag);

  g_byte_array_append (whole, g_bytes_get_data (part1, NULL), g_bytes_get_size (part1));
  g_byte_array_append (whole, g_bytes_get_data (part2, NULL), g_bytes_get_size (part2));
  expected = g_byte_array_free_to_bytes (g_steal_pointer (&whole));
  object = ks_test_s3_get (fixture->s3, key);
  ks_test_s3_assert_bytes (object, expected);

  /* The upload is gone, on disk too. */
  g_clear_pointer (&reply, g_bytes_unref);
  reply = ks_test_s3_request (fixture->s3, "GET", key, query, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_NOT_FOUND);
  upload_dir = g_build_filename (ks_test_server_get_data_dir (fixture->server), "objects",
                                 ".multipart", upload_id, NULL);
  g_assert_false (g_file_test (upload_dir, G_FILE_TEST_EXISTS));
}

/* The formula above against the vector in shared/reference/s3-multipart.txt. */
static void
test_etag_vector (void)
{
  static const char *const parts[] = { "bce6bf66aeb76c7040fdd5f4eccb78e6",
                                       "8165449fc15bbf43d3b674595cbcc406" };
  g_autoptr (GChecksum) md5s = g_checksum_new (G_CHECKSUM_MD5);

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      gsize              len = 0;
      g_autofree guint8 *bin = ks_hex_decode (parts[i], &len, NULL);

      g_checksum_update (md5s, bin, len);
    }
  g_assert_cmpstr (g_checksum_get_string (md5s), ==, "f77dc0eecdebcd774a2a22cb393ad2ff");
}

static void
test_complete_errors (Fixture      *fixture,
                      gconstpointer user_data)
{
  const char *key = "errors";
  g_autoptr (GBytes) big = ks_test_s3_random_bytes (5 * MIB, 3);
  g_autoptr (GBytes) small = ks_test_s3_random_bytes (1024, 4);
  g_autofree char *upload_id = create_upload (fixture, key);
  g_autofree char *other_id = create_upload (fixture, "another key");
  g_autofree char *etag1 = upload_part_ok (fixture, key, upload_id, 1, big);
  g_autofree char *etag2 = upload_part_ok (fixture, key, upload_id, 2, small);
  g_autofree char *etag3 = upload_part_ok (fixture, key, upload_id, 3, small);
  g_autoptr (GBytes) wrong_etag = complete_xml ("1", etag1, "2", "\"00000000000000000000000000000000\"", NULL);
  g_autoptr (GBytes) reversed = complete_xml ("2", etag2, "1", etag1, NULL);
  g_autoptr (GBytes) twice = complete_xml ("1", etag1, "1", etag1, NULL);
  g_autoptr (GBytes) too_small = complete_xml ("2", etag2, "3", etag3, NULL);
  g_autoptr (GBytes) missing = complete_xml ("1", etag1, "4", etag3, NULL);
  g_autoptr (GBytes) none = complete_xml (NULL);
  g_autoptr (GBytes) broken = static_bytes ("<CompleteMultipartUpload><Part>");
  g_autoptr (GBytes) entity = static_bytes ("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
                                            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
                                            "<ETag>&e;</ETag></Part></CompleteMultipartUpload>");
  g_autoptr (GBytes) good = complete_xml ("1", etag1, "3", etag3, NULL);
  g_autoptr (GBytes) unquoted = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (SoupMessage) msg = NULL;

  assert_complete_refused (fixture, key, upload_id, wrong_etag, 400, "InvalidPart");
  assert_complete_refused (fixture, key, upload_id, missing, 400, "InvalidPart");
  assert_complete_refused (fixture, key, upload_id, reversed, 400, "InvalidPartOrder");
  assert_complete_refused (fixture, key, upload_id, twice, 400, "InvalidPartOrder");
  assert_complete_refused (fixture, key, upload_id, too_small, 400, "EntityTooSmall");
  assert_complete_refused (fixture, key, upload_id, none, 400, "MalformedXML");
  assert_complete_refused (fixture, key, upload_id, broken, 400, "MalformedXML");
  assert_complete_refused (fixture, key, upload_id, entity, 400, "MalformedXML");
  assert_complete_refused (fixture, key, "0123456789abcdef0123456789abcdef", good, 404, "NoSuchUpload");
  assert_complete_refused (fixture, key, "../../../etc", good, 404, "NoSuchUpload");
  assert_complete_refused (fixture, key, other_id, good, 404, "NoSuchUpload");

  /* None of that hurt the upload; quotes around ETags are optional. */
  g_strdelimit (etag1, "\"", ' ');
  unquoted = complete_xml ("1", g_strstrip (etag1), "3", etag3, NULL);
  msg = complete (fixture, key, upload_id, unquoted, &reply);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_clear_pointer (&reply, g_bytes_unref);
  reply = ks_test_s3_get (fixture->s3, key);
  g_assert_cmpuint (g_bytes_get_size (reply), ==, 5 * MIB + 1024);
}

static void
test_part_errors (Fixture      *fixture,
                  gconstpointer user_data)
{
  static const char *const bad_numbers[] = { "0", "10001", "abc", "-1", "" };
  const char              *key = "parts";
  g_autoptr (GBytes) body = ks_test_s3_random_bytes (100, 5);
  g_autofree char *upload_id = create_upload (fixture, key);
  g_autofree char *query = g_strdup_printf ("uploadId=%s", upload_id);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  guint status = 0;

  for (guint i = 0; i < G_N_ELEMENTS (bad_numbers); i++)
    {
      msg = upload_part (fixture, key, upload_id, bad_numbers[i], body, &reply);
      ks_test_s3_assert_error (msg, reply, SOUP_STATUS_BAD_REQUEST, "InvalidArgument");
      g_clear_object (&msg);
      g_clear_pointer (&reply, g_bytes_unref);
    }

  msg = upload_part (fixture, "other key", upload_id, "1", body, &reply);
  ks_test_s3_assert_error (msg, reply, SOUP_STATUS_NOT_FOUND, "NoSuchUpload");
  g_clear_object (&msg);
  g_clear_pointer (&reply, g_bytes_unref);

  reply = ks_test_s3_request (fixture->s3, "DELETE", key, query, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_NO_CONTENT);
  g_clear_pointer (&reply, g_bytes_unref);

  msg = upload_part (fixture, key, upload_id, "1", body, &reply);
  ks_test_s3_assert_error (msg, reply, SOUP_STATUS_NOT_FOUND, "NoSuchUpload");
  g_clear_pointer (&reply, g_bytes_unref);
  reply = ks_test_s3_request (fixture->s3, "GET", key, query, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_NOT_FOUND);
  g_clear_pointer (&reply, g_bytes_unref);
  reply = ks_test_s3_request (fixture->s3, "DELETE", key, query, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_NOT_FOUND);
}

/* UploadPart through presigned URLs, as the Keepsake client does it. */
/* GET @key (with @query) answers @status. */
static void
assert_get_status (Fixture    *fixture,
                   const char *key,
                   const char *query,
                   guint       status)
{
  guint got = 0;
  g_autoptr (GBytes) reply = ks_test_s3_request (fixture->s3, "GET", key, query, NULL, &got);

  g_assert_cmpuint (got, ==, status);
}

/* Files the store was writing that nobody cleaned up. */
static guint
count_temp_files (Fixture *fixture)
{
  g_autofree char *objects = g_build_filename (ks_test_server_get_data_dir (fixture->server), "objects", NULL);
  g_autoptr (GPtrArray) files = ks_test_s3_list_files (objects);
  guint count = 0;

  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *name = g_path_get_basename (g_ptr_array_index (files, i));

      count += g_str_has_prefix (name, ".tmp-") ? 1 : 0;
    }
  return count;
}

/* A full disk (here: the server's file size limit, which fails writes
 * the same way) fails the request that needed the room, with nothing
 * half-written left behind, and the server carries on: the same
 * requests succeed once there is room again. A multipart upload whose
 * completion could not be written keeps its parts for another try. */
static void
test_disk_full (Fixture      *fixture,
                gconstpointer user_data)
{
  g_autoptr (GBytes) photo = ks_test_s3_random_bytes (3 * MIB, 7);
  g_autoptr (GBytes) part1 = ks_test_s3_random_bytes (5 * MIB, 8);
  g_autoptr (GBytes) part2 = ks_test_s3_random_bytes (2 * MIB, 9);
  g_autoptr (GBytes) note = static_bytes ("still here");
  g_autoptr (GByteArray) whole = g_byte_array_new ();
  g_autoptr (GBytes) expected = NULL;
  g_autoptr (GBytes) xml = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GBytes) object = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autofree char *upload_id = create_upload (fixture, "big.mov");
  g_autofree char *etag1 = NULL;
  g_autofree char *etag2 = NULL;
  g_autofree char *query = g_strdup_printf ("uploadId=%s", upload_id);
  g_autofree char *etag = NULL;
  g_autofree char *log = NULL;

  ks_test_server_set_file_size_limit (fixture->server, 6 * MIB);
  etag1 = upload_part_ok (fixture, "big.mov", upload_id, 1, part1);
  etag2 = upload_part_ok (fixture, "big.mov", upload_id, 2, part2);
  xml = complete_xml ("1", etag1, "2", etag2, NULL);

  /* The parts fit, the whole does not. */
  msg = complete (fixture, "big.mov", upload_id, xml, &reply);
  ks_test_s3_assert_error (msg, reply, SOUP_STATUS_INTERNAL_SERVER_ERROR, "InternalError");
  g_clear_object (&msg);
  g_clear_pointer (&reply, g_bytes_unref);
  assert_get_status (fixture, "big.mov", NULL, SOUP_STATUS_NOT_FOUND);
  assert_get_status (fixture, "big.mov", query, SOUP_STATUS_OK);

  /* A photo no longer fits either; a small object still does. */
  ks_test_server_set_file_size_limit (fixture->server, 1 * MIB);
  msg = ks_test_s3_message (fixture->s3, "PUT", "photo.jpg", NULL, photo);
  ks_test_s3_sign (fixture->s3, msg, NULL);
  reply = ks_test_s3_send (fixture->s3, msg);
  ks_test_s3_assert_error (msg, reply, SOUP_STATUS_INTERNAL_SERVER_ERROR, "InternalError");
  g_clear_object (&msg);
  g_clear_pointer (&reply, g_bytes_unref);
  assert_get_status (fixture, "photo.jpg", NULL, SOUP_STATUS_NOT_FOUND);
  g_free (ks_test_s3_put (fixture->s3, "note.txt", note));
  g_assert_cmpuint (count_temp_files (fixture), ==, 0);
  log = ks_test_server_dup_log (fixture->server);
  g_assert_nonnull (strstr (log, "File too large"));

  /* Room again: the same requests, as a client retries them. */
  ks_test_server_set_file_size_limit (fixture->server, 0);
  etag = ks_test_s3_put (fixture->s3, "photo.jpg", photo);
  object = ks_test_s3_get (fixture->s3, "photo.jpg");
  ks_test_s3_assert_bytes (object, photo);
  g_clear_pointer (&object, g_bytes_unref);

  msg = complete (fixture, "big.mov", upload_id, xml, &reply);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_byte_array_append (whole, g_bytes_get_data (part1, NULL), g_bytes_get_size (part1));
  g_byte_array_append (whole, g_bytes_get_data (part2, NULL), g_bytes_get_size (part2));
  expected = g_byte_array_free_to_bytes (g_steal_pointer (&whole));
  object = ks_test_s3_get (fixture->s3, "big.mov");
  ks_test_s3_assert_bytes (object, expected);
  g_assert_cmpuint (count_temp_files (fixture), ==, 0);
}

static void
test_presigned_parts (Fixture      *fixture,
                      gconstpointer user_data)
{
  const char *key = "presigned/parts";
  g_autoptr (GBytes) part1 = ks_test_s3_random_bytes (5 * MIB + 7, 6);
  g_autoptr (GBytes) part2 = ks_test_s3_random_bytes (3, 7);
  g_autofree char *upload_id = create_upload (fixture, key);
  char            *etags[2] = { NULL, NULL };
  GBytes          *parts[2] = { part1, part2 };
  g_autoptr (GBytes) xml = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (SoupMessage) msg = NULL;

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *query = g_strdup_printf ("partNumber=%u&uploadId=%s", i + 1, upload_id);
      g_autofree char *url = ks_test_s3_presign (fixture->s3, "PUT", key, query, 300, NULL, NULL, NULL);
      g_autoptr (SoupMessage) put = soup_message_new ("PUT", url);
      g_autoptr (GBytes) put_reply = NULL;

      soup_message_set_request_body_from_bytes (put, NULL, parts[i]);
      put_reply = ks_test_server_send (fixture->server, put);
      g_assert_cmpuint (soup_message_get_status (put), ==, SOUP_STATUS_OK);
      etags[i] = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (put), "ETag"));
    }

  xml = complete_xml ("1", etags[0], "2", etags[1], NULL);
  msg = complete (fixture, key, upload_id, xml, &reply);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_clear_pointer (&reply, g_bytes_unref);
  reply = ks_test_s3_get (fixture->s3, key);
  g_assert_cmpuint (g_bytes_get_size (reply), ==, 5 * MIB + 10);
  g_free (etags[0]);
  g_free (etags[1]);
}

/* A file of @size pseudo-random bytes; returns its SHA-256. */
static char *
write_large_file (const char *path,
                  gsize       size)
{
  g_autoptr (GChecksum) sha256 = g_checksum_new (G_CHECKSUM_SHA256);
  FILE *file = g_fopen (path, "wb");

  g_assert_nonnull (file);
  for (gsize done = 0; done < size; done += MIB)
    {
      g_autoptr (GBytes) chunk = ks_test_s3_random_bytes (MIB, (guint32) done);

      g_checksum_update (sha256, g_bytes_get_data (chunk, NULL), MIB);
      g_assert_cmpuint (fwrite (g_bytes_get_data (chunk, NULL), 1, MIB, file), ==, MIB);
    }
  g_assert_cmpint (fclose (file), ==, 0);

  return g_strdup (g_checksum_get_string (sha256));
}

static void
assert_memory_growth (Fixture    *fixture,
                      guint64     before_kib,
                      const char *what)
{
  guint64 after_kib = ks_test_s3_server_memory_kib (fixture->server, "VmHWM");

  g_test_message ("%s: peak RSS %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " KiB", what,
                  before_kib, after_kib);
#if defined(__SANITIZE_ADDRESS__)
  /* ASan's quarantine holds freed memory back on purpose. */
  g_test_message ("not checked under AddressSanitizer");
#else
  g_assert_cmpuint (after_kib, <=, before_kib + MAX_GROWTH_KIB);
#endif
}

static void
test_large_streamed (Fixture      *fixture,
                     gconstpointer user_data)
{
  g_autofree char *dir = g_dir_make_tmp ("ks-test-s3-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "large.bin", NULL);
  g_autofree char *sha256 = write_large_file (path, LARGE_SIZE);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) stream = g_file_read (file, NULL, NULL);
  g_autoptr (SoupMessage) put = ks_test_s3_message (fixture->s3, "PUT", "large.bin", NULL, NULL);
  g_autoptr (GBytes) small = ks_test_s3_random_bytes (1000, 8);
  g_autoptr (GBytes) reply = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *got = NULL;
  guint64          before;

  /* Warm up: the first request allocates what every request needs. */
  etag = ks_test_s3_put (fixture->s3, "small", small);
  reply = ks_test_s3_get (fixture->s3, "small");
  g_clear_pointer (&reply, g_bytes_unref);
  before = ks_test_s3_server_memory_kib (fixture->server, "VmHWM");

  soup_message_set_request_body (put, NULL, G_INPUT_STREAM (stream), LARGE_SIZE);
  ks_test_s3_sign (fixture->s3, put, sha256);
  reply = ks_test_s3_send (fixture->s3, put);
  g_assert_cmpuint (soup_message_get_status (put), ==, SOUP_STATUS_OK);
  assert_memory_growth (fixture, before, "PUT");
  g_clear_pointer (&reply, g_bytes_unref);

  reply = ks_test_s3_get (fixture->s3, "large.bin");
  got = ks_test_s3_sha256_hex (reply);
  g_assert_cmpstr (got, ==, sha256);
  assert_memory_growth (fixture, before, "PUT and GET");

  g_unlink (path);
  g_rmdir (dir);
}

/* An unsigned upload is refused at its headers; the body it sends anyway
 * is drained for a while, then the server hangs up. */
static void
test_refused_body_hang_up (Fixture      *fixture,
                           gconstpointer user_data)
{
  g_autoptr (GIOStream) stream = ks_test_server_connect_raw (fixture->server);
  g_autoptr (GBytes) chunk = ks_test_s3_random_bytes (MIB, 9);
  g_autofree char *head = g_strdup_printf ("PUT /s3/keepsake/intruder HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                           "Content-Length: %u\r\n\r\n",
                                           ks_test_server_get_port (fixture->server), 200 * MIB);
  GOutputStream   *out = g_io_stream_get_output_stream (stream);
  guint            sent = 0;
  g_autoptr (GBytes) reply = NULL;
  guint status = 0;

  ks_test_raw_write (stream, head);
  while (sent < 200 && g_output_stream_write_all (out, g_bytes_get_data (chunk, NULL), MIB, NULL, NULL, NULL))
    sent++;
  g_test_message ("%u MiB sent before the server hung up", sent);
  g_assert_cmpuint (sent, <, 100);

  reply = ks_test_s3_request (fixture->s3, "HEAD", "intruder", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_NOT_FOUND);
}

/* A client that goes away halfway through a download costs nothing. */
static void
test_download_interrupted (Fixture      *fixture,
                           gconstpointer user_data)
{
  g_autoptr (GBytes) body = ks_test_s3_random_bytes (16 * MIB, 10);
  g_autofree char *etag = ks_test_s3_put (fixture->s3, "video", body);

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr (GIOStream) stream = ks_test_server_connect_raw (fixture->server);
      g_autofree char *head = ks_test_s3_raw_head (fixture->s3, "GET", "video", NULL, NULL, -1);
      g_autofree char *response = NULL;

      ks_test_raw_write (stream, head);
      response = ks_test_raw_read_until (stream, "\r\n\r\n");
      g_assert_true (g_str_has_prefix (response, "HTTP/1.1 200"));
      g_io_stream_close (stream, NULL, NULL);
    }

  g_bytes_unref (ks_test_s3_get (fixture->s3, "video"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, ks_test_s3_fixture_set_up, func, ks_test_s3_fixture_tear_down)
  ADD ("/s3/multipart/happy-path", test_happy_path);
  g_test_add_func ("/s3/multipart/etag-vector", test_etag_vector);
  ADD ("/s3/multipart/complete-errors", test_complete_errors);
  ADD ("/s3/multipart/part-errors", test_part_errors);
  ADD ("/s3/multipart/presigned-parts", test_presigned_parts);
  ADD ("/s3/store/disk-full", test_disk_full);
  ADD ("/s3/object/large-streamed", test_large_streamed);
  ADD ("/s3/object/refused-body-hang-up", test_refused_body_hang_up);
  ADD ("/s3/object/download-interrupted", test_download_interrupted);
#undef ADD

  return g_test_run ();
}
