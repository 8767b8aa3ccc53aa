/* ks-s3-object.c: objects on disk — keys, file format, atomic commits
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-json.h"
#include "ks-s3-error.h"
#include "ks-s3-object.h"

/*
 * An object lives in objects/<h[0..1]>/<h>, h the hex SHA-256 of its key,
 * so no key, however crafted, names a path of its own. The file holds the
 * object's bytes, its metadata as JSON and a footer: one file, committed
 * by one rename(), so a crash leaves the old object or the new one. Temp
 * files (".tmp-…") sit beside their target, on the same file system.
 */
#define FOOTER_MAGIC "ks-s3v1\n"
#define FOOTER_LEN 16
#define MAX_META_JSON (64 * 1024)
#define TEMP_PREFIX ".tmp-"
#define RUN_TOKEN_BYTES 6
#define HEX_SHA256_LEN 64

KsS3Meta *
ks_s3_meta_new (const char *key)
{
  KsS3Meta *meta = g_new0 (KsS3Meta, 1);

  meta->key = g_strdup (key);
  meta->user_meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  return meta;
}

void
ks_s3_meta_free (KsS3Meta *meta)
{
  if (meta == NULL)
    return;

  g_free (meta->key);
  g_free (meta->etag);
  g_free (meta->sha256);
  g_free (meta->content_type);
  g_free (meta->checksum_sha256);
  g_hash_table_unref (meta->user_meta);
  g_free (meta);
}

static void
add_member (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  if (value == NULL)
    return;

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_user_meta (JsonBuilder *builder,
               GHashTable  *user_meta)
{
  GHashTableIter iter;
  gpointer       name, value;

  json_builder_set_member_name (builder, "meta");
  json_builder_begin_object (builder);
  g_hash_table_iter_init (&iter, user_meta);
  while (g_hash_table_iter_next (&iter, &name, &value))
    add_member (builder, name, value);
  json_builder_end_object (builder);
}

char *
ks_s3_meta_to_json (const KsS3Meta *meta)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  add_member (builder, "key", meta->key);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, (gint64) meta->size);
  add_member (builder, "etag", meta->etag);
  add_member (builder, "sha256", meta->sha256);
  add_member (builder, "content_type", meta->content_type);
  add_member (builder, "checksum_sha256", meta->checksum_sha256);
  json_builder_set_member_name (builder, "mtime");
  json_builder_add_int_value (builder, meta->mtime_unix);
  add_user_meta (builder, meta->user_meta);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static gboolean
read_user_meta (JsonObject *object,
                KsS3Meta   *meta,
                GError    **error)
{
  JsonNode *node = json_object_get_member (object, "meta");
  g_autoptr (GError) local_error = NULL;
  GList *names;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "meta is not an object");
      return FALSE;
    }

  names = json_object_get_members (json_node_get_object (node));
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *value = NULL;

      if (!ks_json_object_get_string_member_checked (json_node_get_object (node), l->data,
                                                     TRUE, &value, &local_error))
        break;
      g_hash_table_insert (meta->user_meta, g_strdup (l->data), g_strdup (value));
    }
  g_list_free (names);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}

static gboolean
read_meta_members (JsonObject *object,
                   KsS3Meta   *meta,
                   GError    **error)
{
  const char *key = NULL, *etag = NULL, *sha256 = NULL;
  const char *content_type = NULL, *checksum = NULL;
  gint64      size = 0;

  if (!ks_json_object_get_string_member_checked (object, "key", TRUE, &key, error) ||
      !ks_json_object_get_int64_member_checked (object, "size", TRUE, 0, G_MAXINT64, &size, error) ||
      !ks_json_object_get_string_member_checked (object, "etag", FALSE, &etag, error) ||
      !ks_json_object_get_string_member_checked (object, "sha256", FALSE, &sha256, error) ||
      !ks_json_object_get_string_member_checked (object, "content_type", FALSE, &content_type, error) ||
      !ks_json_object_get_string_member_checked (object, "checksum_sha256", FALSE, &checksum, error) ||
      !ks_json_object_get_int64_member_checked (object, "mtime", TRUE, 0, G_MAXINT64 / 2,
                                                &meta->mtime_unix, error))
    return FALSE;

  meta->key = g_strdup (key);
  meta->size = (guint64) size;
  meta->etag = g_strdup (etag);
  meta->sha256 = g_strdup (sha256);
  meta->content_type = g_strdup (content_type);
  meta->checksum_sha256 = g_strdup (checksum);

  return read_user_meta (object, meta, error);
}

KsS3Meta *
ks_s3_meta_new_from_json (const char *text,
                          gssize      len,
                          GError    **error)
{
  g_autoptr (KsS3Meta) meta = ks_s3_meta_new (NULL);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) root = ks_json_parse_strict (text, len, 4, &local_error);

  if (root != NULL && !JSON_NODE_HOLDS_OBJECT (root))
    g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not an object");
  if (local_error == NULL)
    read_meta_members (json_node_get_object (root), meta, &local_error);

  if (local_error != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "damaged object metadata: %s", local_error->message);
      return NULL;
    }

  return g_steal_pointer (&meta);
}

static gboolean
has_dot_segment (const char *key)
{
  g_auto (GStrv) segments = g_strsplit (key, "/", -1);

  for (guint i = 0; segments[i] != NULL; i++)
    {
      if (g_str_equal (segments[i], ".") || g_str_equal (segments[i], ".."))
        return TRUE;
    }

  return FALSE;
}

static gboolean
has_control_or_backslash (const char *key)
{
  for (const char *p = key; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f || *p == '\\')
        return TRUE;
    }

  return FALSE;
}

/**
 * ks_s3_key_validate:
 *
 * A key is 1 to 1024 bytes of UTF-8 without control characters or
 * backslashes, does not start with '/' and has no "." or ".." segment.
 * S3 itself is laxer; these keys would be traps for anyone who ever maps
 * them to file names, and XML 1.0 cannot carry control characters.
 */
gboolean
ks_s3_key_validate (const char *key,
                    GError    **error)
{
  gsize len = strlen (key);

  if (len > KS_S3_MAX_KEY_BYTES)
    {
      g_set_error (error, KS_S3_ERROR, KS_S3_ERROR_KEY_TOO_LONG,
                   "Your key is too long (%" G_GSIZE_FORMAT " bytes, at most %d)",
                   len, KS_S3_MAX_KEY_BYTES);
      return FALSE;
    }
  if (len == 0 || !g_utf8_validate (key, (gssize) len, NULL) || key[0] == '/' ||
      has_control_or_backslash (key) || has_dot_segment (key))
    {
      g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_INVALID_ARGUMENT,
                           "Object keys must be UTF-8 without control characters or "
                           "backslashes, and without a leading '/' or '.' and '..' segments");
      return FALSE;
    }

  return TRUE;
}

char *
ks_s3_object_dir (const char *objects_path,
                  const char *key)
{
  g_autofree char *hash = ks_sha256_hex (key, strlen (key));

  hash[2] = '\0';
  return g_build_filename (objects_path, hash, NULL);
}

char *
ks_s3_object_path (const char *objects_path,
                   const char *key)
{
  g_autofree char *hash = ks_sha256_hex (key, strlen (key));
  char             fan[3] = { hash[0], hash[1], '\0' };

  return g_build_filename (objects_path, fan, hash, NULL);
}

gboolean
ks_s3_is_object_name (const char *name)
{
  if (strlen (name) != HEX_SHA256_LEN)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    {
      if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
        return FALSE;
    }

  return TRUE;
}

/*
 * This process's temp files are ".tmp-<token>-XXXXXX", the token random
 * per process: the start-up scan runs beside uploads, and must remove
 * only what earlier runs left behind.
 */
static gpointer
make_run_temp_prefix (gpointer data)
{
  guint8           token[RUN_TOKEN_BYTES];
  g_autofree char *hex = NULL;

  ks_random_bytes (token, sizeof token);
  hex = ks_hex_encode (token, sizeof token);
  return g_strconcat (TEMP_PREFIX, hex, "-", NULL);
}

const char *
ks_s3_run_temp_prefix (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, make_run_temp_prefix, NULL);
}

gboolean
ks_s3_is_temp_name (const char *name)
{
  return g_str_has_prefix (name, TEMP_PREFIX);
}

/* A temp file no upload of this process is writing: crash debris. */
gboolean
ks_s3_is_stale_temp_name (const char *name)
{
  return ks_s3_is_temp_name (name) && !g_str_has_prefix (name, ks_s3_run_temp_prefix ());
}

static gboolean
set_errno_error (GError    **error,
                 int         saved_errno,
                 const char *what,
                 const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "%s %s: %s", what, path, g_strerror (saved_errno));
  return FALSE;
}

/* mkdir, made durable: a new directory is an entry in its parent. */
static gboolean
ensure_dir (const char *dir,
            GError    **error)
{
  g_autofree char *parent = NULL;

  if (g_mkdir (dir, 0700) == 0)
    {
      parent = g_path_get_dirname (dir);
      return ks_s3_file_sync_dir (parent, error);
    }
  if (errno == EEXIST)
    return TRUE;

  return set_errno_error (error, errno, "cannot create", dir);
}

/* Returns the descriptor, or -1. */
int
ks_s3_file_create_temp (const char *dir,
                        char      **out_path,
                        GError    **error)
{
  g_autofree char *template = NULL;
  g_autofree char *path = NULL;
  int              fd;

  if (!ensure_dir (dir, error))
    return -1;

  template = g_strconcat (ks_s3_run_temp_prefix (), "XXXXXX", NULL);
  path = g_build_filename (dir, template, NULL);
  fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      set_errno_error (error, errno, "cannot create a file in", dir);
      return -1;
    }

  *out_path = g_steal_pointer (&path);
  return fd;
}

gboolean
ks_s3_file_write_all (int         fd,
                      const void *data,
                      gsize       len,
                      GError    **error)
{
  const guint8 *p = data;

  while (len > 0)
    {
      gssize n = write (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return set_errno_error (error, errno, "cannot write", "an object");
      p += n;
      len -= (gsize) n;
    }

  return TRUE;
}

gboolean
ks_s3_file_append_meta (int             fd,
                        const KsS3Meta *meta,
                        GError        **error)
{
  g_autofree char *json = ks_s3_meta_to_json (meta);
  gsize            len = strlen (json);
  char             footer[FOOTER_LEN + 1];

  g_return_val_if_fail (len <= MAX_META_JSON, FALSE);

  g_snprintf (footer, sizeof footer, "%08x" FOOTER_MAGIC, (guint) len);
  return ks_s3_file_write_all (fd, json, len, error) &&
         ks_s3_file_write_all (fd, footer, FOOTER_LEN, error);
}

static gboolean
pread_all (int      fd,
           void    *buf,
           gsize    len,
           goffset  offset,
           GError **error)
{
  guint8 *p = buf;

  while (len > 0)
    {
      gssize n = pread (fd, p, len, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return set_errno_error (error, errno, "cannot read", "an object");
      if (n == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "object file is short");
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
      offset += n;
    }

  return TRUE;
}

static gboolean
read_footer (int      fd,
             goffset  file_size,
             gsize   *out_json_len,
             GError **error)
{
  char     footer[FOOTER_LEN + 1] = { 0 };
  guint64  len = 0;
  gboolean valid = FALSE;

  if (file_size < FOOTER_LEN)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "object file is short");
      return FALSE;
    }
  if (!pread_all (fd, footer, FOOTER_LEN, file_size - FOOTER_LEN, error))
    return FALSE;

  if (memcmp (footer + 8, FOOTER_MAGIC, 8) == 0)
    {
      footer[8] = '\0';
      valid = g_ascii_string_to_unsigned (footer, 16, 2, MAX_META_JSON, &len, NULL) &&
              (goffset) len <= file_size - FOOTER_LEN;
    }
  if (!valid)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "bad object footer");
      return FALSE;
    }
  *out_json_len = (gsize) len;

  return TRUE;
}

KsS3Meta *
ks_s3_file_read_meta (int      fd,
                      GError **error)
{
  struct stat      st;
  gsize            json_len = 0;
  g_autofree char *json = NULL;
  g_autoptr (KsS3Meta) meta = NULL;

  if (fstat (fd, &st) != 0)
    {
      set_errno_error (error, errno, "cannot stat", "an object");
      return NULL;
    }
  if (!read_footer (fd, st.st_size, &json_len, error))
    return NULL;

  json = g_malloc (json_len);
  if (!pread_all (fd, json, json_len, st.st_size - FOOTER_LEN - (goffset) json_len, error))
    return NULL;
  meta = ks_s3_meta_new_from_json (json, (gssize) json_len, error);
  if (meta == NULL)
    return NULL;

  if (meta->etag == NULL || meta->size != (guint64) st.st_size - FOOTER_LEN - json_len)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "object size does not match its file");
      return NULL;
    }

  return g_steal_pointer (&meta);
}

/* G_IO_ERROR_NOT_FOUND when there is no such object. */
KsS3Meta *
ks_s3_file_open (const char *path,
                 int        *out_fd,
                 GError    **error)
{
  int       fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  KsS3Meta *meta;

  if (fd < 0)
    {
      set_errno_error (error, errno, "cannot open", path);
      return NULL;
    }

  meta = ks_s3_file_read_meta (fd, error);
  if (meta == NULL || out_fd == NULL)
    close (fd);
  else
    *out_fd = fd;

  return meta;
}

gboolean
ks_s3_file_sync (int      fd,
                 GError **error)
{
  if (fsync (fd) != 0)
    return set_errno_error (error, errno, "cannot sync", "an object");

  return TRUE;
}

/* After a rename or an unlink: the directory entry is what makes it last. */
gboolean
ks_s3_file_sync_dir (const char *dir,
                     GError    **error)
{
  int      fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return set_errno_error (error, errno, "cannot open", dir);

  ok = fsync (fd) == 0;
  if (!ok)
    set_errno_error (error, errno, "cannot sync", dir);
  close (fd);

  return ok;
}

gboolean
ks_s3_file_rename (const char *from,
                   const char *to,
                   GError    **error)
{
  if (g_rename (from, to) != 0)
    return set_errno_error (error, errno, "cannot rename to", to);

  return TRUE;
}

/* For multipart upload directories, which hold only files. */
gboolean
ks_s3_file_remove_tree (const char *dir,
                        GError    **error)
{
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (g_unlink (child) != 0 && errno != ENOENT)
        return set_errno_error (error, errno, "cannot remove", child);
    }

  if (g_rmdir (dir) != 0 && errno != ENOENT)
    return set_errno_error (error, errno, "cannot remove", dir);

  return TRUE;
}

/* FALSE if @func said stop. */
static gboolean
scan_object (const char  *objects_path,
             const char  *dir,
             const char  *name,
             KsS3ScanFunc func,
             gpointer     user_data)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *expected = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsS3Meta) meta = ks_s3_file_open (path, NULL, &error);

  /* Deleted since the directory was read: the delete saw to the index. */
  if (meta == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return TRUE;
  if (meta == NULL)
    {
      g_warning ("Ignoring %s: %s", path, error->message);
      return TRUE;
    }

  expected = ks_s3_object_path (objects_path, meta->key);
  if (ks_s3_key_validate (meta->key, NULL) && g_str_has_suffix (expected, name))
    return func (g_steal_pointer (&meta), user_data);

  g_warning ("Ignoring %s: it does not hold the key it is named for", path);
  return TRUE;
}

/**
 * ks_s3_objects_scan_fan_dir:
 * @fan: which of the KS_S3_FAN_DIRS directories, "00" to "ff"
 *
 * Every object committed in one fan-out directory, in no order, until
 * @func says stop; removes the temp files earlier runs left behind,
 * never this process's, so it may run beside uploads. Blocks: for a
 * worker thread.
 */
void
ks_s3_objects_scan_fan_dir (const char  *objects_path,
                            guint        fan,
                            KsS3ScanFunc func,
                            gpointer     user_data)
{
  g_autofree char *fan_name = g_strdup_printf ("%02x", fan);
  g_autofree char *dir = g_build_filename (objects_path, fan_name, NULL);
  g_autoptr (GDir) handle = NULL;
  const char *name;

  g_return_if_fail (fan < KS_S3_FAN_DIRS);

  handle = g_dir_open (dir, 0, NULL);
  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      if (ks_s3_is_stale_temp_name (name))
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);

          g_debug ("Removing %s, left by an interrupted upload", path);
          g_unlink (path);
        }
      else if (ks_s3_is_object_name (name) && !scan_object (objects_path, dir, name, func, user_data))
        {
          break;
        }
    }
}
