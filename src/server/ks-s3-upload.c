/* ks-s3-upload.c: multipart uploads on disk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-s3-private.h"

/*
 * objects/.multipart/<upload id>/ holds upload.json (the key and what the
 * object will be stored with) and one file per part, "part-00001"…, in
 * the object file format. Completing copies the parts into a temp file
 * beside the object and commits it like any PUT; a crash before that
 * leaves the upload as it was, to be completed again or aborted.
 */
#define UPLOAD_FILE "upload.json"
#define UPLOAD_ID_BYTES 16
#define PART_PREFIX "part-"
#define COPY_BUFFER_SIZE (1024 * 1024)

static gboolean
is_upload_id (const char *id)
{
  if (strlen (id) != UPLOAD_ID_BYTES * 2)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    {
      if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
        return FALSE;
    }

  return TRUE;
}

static void
set_no_such_upload (GError **error)
{
  g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_NO_SUCH_UPLOAD,
                       "The specified upload does not exist. The upload ID may be invalid, or "
                       "the upload may have been aborted or completed.");
}

/* mkdir, made durable: a new directory is an entry in its parent. */
static gboolean
make_dir (const char *dir,
          GError    **error)
{
  g_autofree char *parent = g_path_get_dirname (dir);

  if (g_mkdir (dir, 0700) == 0)
    return ks_s3_file_sync_dir (parent, error);
  if (errno == EEXIST)
    return TRUE;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
               "cannot create %s: %s", dir, g_strerror (errno));
  return FALSE;
}

/* Returns the new upload's id. Blocks: for a worker thread, or briefly. */
char *
ks_s3_upload_create (KsS3Store *store,
                     const KsS3Meta *template,
                     GError **error)
{
  guint8           random[UPLOAD_ID_BYTES];
  g_autofree char *id = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *json = NULL;
  g_autoptr (KsS3Meta) meta = ks_s3_meta_new (template->key);
  GHashTableIter iter;
  gpointer       name, value;

  ks_random_bytes (random, sizeof random);
  id = ks_hex_encode (random, sizeof random);
  dir = g_build_filename (store->multipart_path, id, NULL);
  file = g_build_filename (dir, UPLOAD_FILE, NULL);

  meta->content_type = g_strdup (template->content_type);
  meta->mtime_unix = g_get_real_time () / G_USEC_PER_SEC;
  g_hash_table_iter_init (&iter, template->user_meta);
  while (g_hash_table_iter_next (&iter, &name, &value))
    g_hash_table_insert (meta->user_meta, g_strdup (name), g_strdup (value));
  json = ks_s3_meta_to_json (meta);

  if (!make_dir (store->multipart_path, error) || !make_dir (dir, error) ||
      !g_file_set_contents_full (file, json, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, error))
    return NULL;

  return g_steal_pointer (&id);
}

/**
 * ks_s3_upload_open:
 * @out_dir: (out) (optional): the upload's directory
 *
 * The upload's metadata, if @upload_id names an upload of @key;
 * KS_S3_ERROR_NO_SUCH_UPLOAD otherwise.
 */
KsS3Meta *
ks_s3_upload_open (KsS3Store  *store,
                   const char *upload_id,
                   const char *key,
                   char      **out_dir,
                   GError    **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *json = NULL;
  gsize            len = 0;
  g_autoptr (KsS3Meta) meta = NULL;

  if (!is_upload_id (upload_id))
    {
      set_no_such_upload (error);
      return NULL;
    }

  dir = g_build_filename (store->multipart_path, upload_id, NULL);
  file = g_build_filename (dir, UPLOAD_FILE, NULL);
  if (!g_file_get_contents (file, &json, &len, NULL))
    {
      set_no_such_upload (error);
      return NULL;
    }

  meta = ks_s3_meta_new_from_json (json, (gssize) len, error);
  if (meta == NULL)
    return NULL;
  if (!g_str_equal (meta->key, key))
    {
      set_no_such_upload (error);
      return NULL;
    }

  if (out_dir != NULL)
    *out_dir = g_steal_pointer (&dir);
  return g_steal_pointer (&meta);
}

char *
ks_s3_upload_part_path (const char *upload_dir,
                        guint       part_number)
{
  g_autofree char *name = g_strdup_printf (PART_PREFIX "%05u", part_number);

  return g_build_filename (upload_dir, name, NULL);
}

static gboolean
parse_part_name (const char *name,
                 guint      *out)
{
  guint64 value = 0;

  if (!g_str_has_prefix (name, PART_PREFIX) || strlen (name) != strlen (PART_PREFIX) + 5 ||
      !g_ascii_string_to_unsigned (name + strlen (PART_PREFIX), 10, 1, KS_S3_MAX_PARTS, &value,
                                   NULL))
    return FALSE;
  *out = (guint) value;

  return TRUE;
}

/* At start-up, beside uploads: temp files of parts that were coming in
 * at a crash. */
void
ks_s3_upload_cleanup (KsS3Store *store)
{
  g_autoptr (GDir) uploads = g_dir_open (store->multipart_path, 0, NULL);
  const char *id;

  while (uploads != NULL && (id = g_dir_read_name (uploads)) != NULL)
    {
      g_autofree char *dir = g_build_filename (store->multipart_path, id, NULL);
      g_autoptr (GDir) files = g_dir_open (dir, 0, NULL);
      const char *name;

      while (files != NULL && (name = g_dir_read_name (files)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);

          if (ks_s3_is_stale_temp_name (name))
            g_unlink (path);
        }
    }
}

static void
part_free (KsS3Part *part)
{
  ks_s3_meta_free (part->meta);
  g_free (part);
}

static int
compare_parts (gconstpointer a,
               gconstpointer b)
{
  const KsS3Part *pa = *(KsS3Part *const *) a;
  const KsS3Part *pb = *(KsS3Part *const *) b;

  return pa->number < pb->number ? -1 : pa->number > pb->number;
}

GPtrArray *
ks_s3_upload_list_parts (const char *upload_dir,
                         guint       first,
                         GError    **error)
{
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) part_free);
  g_autoptr (GDir) dir = g_dir_open (upload_dir, 0, error);
  const char *name;
  guint       number;

  if (dir == NULL)
    return NULL;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (upload_dir, name, NULL);
      KsS3Part        *part;

      if (!parse_part_name (name, &number) || number < first)
        continue;
      part = g_new0 (KsS3Part, 1);
      part->number = number;
      part->meta = ks_s3_file_open (path, NULL, NULL);
      if (part->meta == NULL)
        part_free (part);
      else
        g_ptr_array_add (parts, part);
    }

  g_ptr_array_sort (parts, compare_parts);
  return g_steal_pointer (&parts);
}

/* ETags compare without their quotes: clients send them either way. */
static gboolean
etag_matches (const char *sent,
              const char *stored)
{
  g_autofree char *a = g_strdup (sent);
  g_autofree char *b = g_strdup (stored);

  g_strdelimit (a, "\"", ' ');
  g_strdelimit (b, "\"", ' ');
  return g_ascii_strcasecmp (g_strstrip (a), g_strstrip (b)) == 0;
}

static void
set_invalid_part (GError **error,
                  guint    number)
{
  g_set_error (error, KS_S3_ERROR, KS_S3_ERROR_INVALID_PART,
               "One or more of the specified parts could not be found. The part may not have "
               "been uploaded, or the specified entity tag may not match the part's entity tag "
               "(part %u).",
               number);
}

static gboolean
checksum_matches (const char *sent_base64,
                  const char *stored_hex)
{
  gsize              sent_len = 0, stored_len = 0;
  g_autofree guint8 *sent = NULL;
  g_autofree guint8 *stored = NULL;

  if (sent_base64 == NULL)
    return TRUE;
  sent = ks_base64_decode (sent_base64, &sent_len, NULL);
  stored = stored_hex != NULL ? ks_hex_decode (stored_hex, &stored_len, NULL) : NULL;

  return sent != NULL && stored != NULL && sent_len == stored_len &&
         memcmp (sent, stored, sent_len) == 0;
}

/* The part as listed, or an error saying what is wrong with it. */
static KsS3Meta *
open_part (const char             *dir,
           const KsS3CompletePart *part,
           int                    *out_fd,
           GError                **error)
{
  g_autofree char *path = ks_s3_upload_part_path (dir, part->part_number);
  g_autoptr (KsS3Meta) meta = ks_s3_file_open (path, out_fd, NULL);

  if (meta != NULL && etag_matches (part->etag, meta->etag) &&
      checksum_matches (part->checksum_sha256, meta->sha256))
    return g_steal_pointer (&meta);

  if (meta != NULL && out_fd != NULL)
    close (*out_fd);
  set_invalid_part (error, part->part_number);
  return NULL;
}

static gboolean
check_order (GPtrArray *parts,
             GError   **error)
{
  for (guint i = 1; i < parts->len; i++)
    {
      const KsS3CompletePart *before = g_ptr_array_index (parts, i - 1);
      const KsS3CompletePart *part = g_ptr_array_index (parts, i);

      if (part->part_number <= before->part_number)
        {
          g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_INVALID_PART_ORDER,
                               "The list of parts was not in ascending order. Parts must be "
                               "ordered by part number.");
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
check_parts (const char *dir,
             GPtrArray  *parts,
             guint64    *out_total,
             GError    **error)
{
  *out_total = 0;
  if (!check_order (parts, error))
    return FALSE;

  for (guint i = 0; i < parts->len; i++)
    {
      const KsS3CompletePart *part = g_ptr_array_index (parts, i);
      g_autoptr (KsS3Meta) meta = NULL;

      meta = open_part (dir, part, NULL, error);
      if (meta == NULL)
        return FALSE;
      if (i + 1 < parts->len && meta->size < KS_S3_MIN_PART_SIZE)
        {
          g_set_error (error, KS_S3_ERROR, KS_S3_ERROR_ENTITY_TOO_SMALL,
                       "Your proposed upload is smaller than the minimum allowed size "
                       "(part %u: every part but the last must be at least 5 MiB)",
                       part->part_number);
          return FALSE;
        }
      *out_total += meta->size;
    }

  if (*out_total > KS_S3_MAX_OBJECT_SIZE)
    {
      g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_ENTITY_TOO_LARGE,
                           "Your proposed upload exceeds the maximum allowed object size.");
      return FALSE;
    }

  return TRUE;
}

static gboolean
copy_bytes (int       in,
            int       out,
            guint64   size,
            KsSha256 *sha256,
            guint8   *buffer,
            GError  **error)
{
  while (size > 0)
    {
      gssize n = read (in, buffer, (gsize) MIN (size, COPY_BUFFER_SIZE));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read a part: %s",
                       n < 0 ? g_strerror (errno) : "it is short");
          return FALSE;
        }
      ks_sha256_update (sha256, buffer, (gsize) n);
      if (!ks_s3_file_write_all (out, buffer, (gsize) n, error))
        return FALSE;
      size -= (guint64) n;
    }

  return TRUE;
}

/* Appends one part to @out; adds its binary MD5 to @md5s. */
static gboolean
append_part (const char             *dir,
             const KsS3CompletePart *part,
             int                     out,
             KsSha256               *sha256,
             GChecksum              *md5s,
             guint8                 *buffer,
             GError                **error)
{
  int   fd = -1;
  gsize md5_len = 0;
  g_autoptr (KsS3Meta) meta = open_part (dir, part, &fd, error);
  g_autofree char   *hex = NULL;
  g_autofree guint8 *md5 = NULL;
  gboolean           ok;

  if (meta == NULL)
    return FALSE;

  ok = copy_bytes (fd, out, meta->size, sha256, buffer, error);
  close (fd);

  hex = g_strndup (meta->etag + 1, strlen (meta->etag) - 2);
  md5 = ks_hex_decode (hex, &md5_len, NULL);
  if (md5 != NULL)
    g_checksum_update (md5s, md5, md5_len);

  return ok;
}

static KsS3Meta *
concatenate (const char *dir,
             GPtrArray  *parts,
             KsS3Meta   *meta,
             int         out,
             GError    **error)
{
  g_autoptr (KsSha256) sha256 = ks_sha256_new ();
  g_autoptr (GChecksum) md5s = g_checksum_new (G_CHECKSUM_MD5);
  g_autofree guint8 *buffer = g_malloc (COPY_BUFFER_SIZE);

  for (guint i = 0; i < parts->len; i++)
    {
      if (!append_part (dir, g_ptr_array_index (parts, i), out, sha256, md5s, buffer, error))
        return NULL;
    }

  meta->etag = g_strdup_printf ("\"%s-%u\"", g_checksum_get_string (md5s), parts->len);
  meta->sha256 = ks_sha256_finish_hex (sha256);
  meta->mtime_unix = g_get_real_time () / G_USEC_PER_SEC;
  meta->checksum_sha256 = NULL;

  return ks_s3_file_append_meta (out, meta, error) ? meta : NULL;
}

KsS3Meta *
ks_s3_upload_complete (KsS3Store  *store,
                       const char *upload_id,
                       const char *key,
                       GPtrArray  *parts,
                       GError    **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *temp = NULL;
  g_autofree char *object_dir = ks_s3_object_dir (store->objects_path, key);
  g_autoptr (KsS3Meta) meta = ks_s3_upload_open (store, upload_id, key, &dir, error);
  g_autoptr (GError) local_error = NULL;
  int fd;

  if (meta == NULL || !check_parts (dir, parts, &meta->size, error))
    return NULL;

  fd = ks_s3_file_create_temp (object_dir, &temp, error);
  if (fd < 0)
    return NULL;

  if (concatenate (dir, parts, meta, fd, error) == NULL)
    {
      close (fd);
      g_unlink (temp);
      return NULL;
    }
  if (!ks_s3_store_commit (store, fd, temp, meta, error))
    {
      g_unlink (temp);
      return NULL;
    }

  /* The object is in; a leftover upload is only wasted space. */
  if (!ks_s3_file_remove_tree (dir, &local_error) ||
      !ks_s3_file_sync_dir (store->multipart_path, &local_error))
    g_warning ("Cannot remove upload %s: %s", upload_id, local_error->message);

  return g_steal_pointer (&meta);
}

gboolean
ks_s3_upload_abort (KsS3Store  *store,
                    const char *upload_id,
                    const char *key,
                    GError    **error)
{
  g_autofree char *dir = NULL;
  g_autoptr (KsS3Meta) meta = ks_s3_upload_open (store, upload_id, key, &dir, error);

  return meta != NULL && ks_s3_file_remove_tree (dir, error) &&
         ks_s3_file_sync_dir (store->multipart_path, error);
}
