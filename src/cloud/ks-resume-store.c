/* ks-resume-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ks-cloud-error.h"
#include "ks-core-error.h"
#include "ks-json.h"
#include "ks-resume-store.h"

#define RECORD_VERSION 1
#define RECORD_MAX_DEPTH 4
#define MAX_PARTS 10000

/* ---- KsResumeRecord ---- */

KsResumeRecord *
ks_resume_record_new (const char *sha256,
                      const char *photo_id,
                      const char *upload_id,
                      gint64      part_size,
                      gint64      file_size,
                      gint64      file_mtime)
{
  KsResumeRecord *self = g_new0 (KsResumeRecord, 1);

  self->sha256 = g_strdup (sha256);
  self->photo_id = g_strdup (photo_id);
  self->upload_id = g_strdup (upload_id);
  self->part_size = part_size;
  self->file_size = file_size;
  self->file_mtime = file_mtime;
  self->etags = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  return self;
}

void
ks_resume_record_free (KsResumeRecord *self)
{
  if (self == NULL)
    return;

  g_free (self->sha256);
  g_free (self->photo_id);
  g_free (self->upload_id);
  g_clear_pointer (&self->etags, g_hash_table_unref);
  g_free (self);
}

static KsResumeRecord *
record_copy (const KsResumeRecord *other)
{
  KsResumeRecord *self = ks_resume_record_new (other->sha256, other->photo_id, other->upload_id,
                                               other->part_size, other->file_size,
                                               other->file_mtime);
  GHashTableIter  iter;
  gpointer        key, value;

  if (other->etags == NULL)
    return self;

  g_hash_table_iter_init (&iter, other->etags);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (self->etags, key, g_strdup (value));

  return self;
}

/* ---- The interface ---- */

G_DEFINE_INTERFACE (KsResumeStore, ks_resume_store, G_TYPE_OBJECT)

static void
ks_resume_store_default_init (KsResumeStoreInterface *iface)
{
}

KsResumeRecord *
ks_resume_store_load (KsResumeStore *self,
                      const char    *sha256,
                      GError       **error)
{
  g_return_val_if_fail (KS_IS_RESUME_STORE (self), NULL);
  g_return_val_if_fail (sha256 != NULL, NULL);

  return KS_RESUME_STORE_GET_IFACE (self)->load (self, sha256, error);
}

gboolean
ks_resume_store_begin (KsResumeStore        *self,
                       const KsResumeRecord *record,
                       GError              **error)
{
  g_return_val_if_fail (KS_IS_RESUME_STORE (self), FALSE);
  g_return_val_if_fail (record != NULL && record->sha256 != NULL, FALSE);

  return KS_RESUME_STORE_GET_IFACE (self)->begin (self, record, error);
}

gboolean
ks_resume_store_add_part (KsResumeStore *self,
                          const char    *sha256,
                          const char    *upload_id,
                          int            part_number,
                          const char    *etag,
                          GError       **error)
{
  g_return_val_if_fail (KS_IS_RESUME_STORE (self), FALSE);
  g_return_val_if_fail (sha256 != NULL && upload_id != NULL && etag != NULL, FALSE);
  g_return_val_if_fail (part_number >= 1, FALSE);

  return KS_RESUME_STORE_GET_IFACE (self)->add_part (self, sha256, upload_id, part_number,
                                                     etag, error);
}

gboolean
ks_resume_store_remove (KsResumeStore *self,
                        const char    *sha256,
                        GError       **error)
{
  g_return_val_if_fail (KS_IS_RESUME_STORE (self), FALSE);
  g_return_val_if_fail (sha256 != NULL, FALSE);

  return KS_RESUME_STORE_GET_IFACE (self)->remove (self, sha256, error);
}

/* ---- KsResumeFile ---- */

/*
 * <dir>/<sha256>.json:
 *   {"version": 1, "sha256": "…", "photo_id": "…", "upload_id": "…",
 *    "part_size": N, "file_size": N, "file_mtime": N,
 *    "parts": [{"part_number": 1, "etag": "\"…\""}, …]}
 * Records are cached once loaded: add_part rewrites the file from memory.
 */
struct _KsResumeFile
{
  GObject     parent_instance;
  char       *dir;
  GHashTable *cache; /* sha256 -> KsResumeRecord, owned */
};

static void ks_resume_file_iface_init (KsResumeStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsResumeFile, ks_resume_file, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (KS_TYPE_RESUME_STORE, ks_resume_file_iface_init))

/* The name becomes a path: only a SHA-256 in lower-case hex may. */
static gboolean
check_sha256 (const char *sha256,
              GError    **error)
{
  gsize i;

  for (i = 0; sha256[i] != '\0'; i++)
    {
      if (!g_ascii_isxdigit (sha256[i]) || g_ascii_isupper (sha256[i]))
        break;
    }
  if (i == 64 && sha256[i] == '\0')
    return TRUE;

  g_set_error_literal (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_FAILED,
                       "Not a SHA-256 in hexadecimal");
  return FALSE;
}

static char *
record_path (KsResumeFile *self,
             const char   *sha256)
{
  g_autofree char *name = g_strconcat (sha256, ".json", NULL);

  return g_build_filename (self->dir, name, NULL);
}

static int
compare_part_numbers (gconstpointer a,
                      gconstpointer b)
{
  int x = GPOINTER_TO_INT (a);
  int y = GPOINTER_TO_INT (b);

  return (x > y) - (x < y);
}

static char *
record_to_json (const KsResumeRecord *record)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GList) numbers = g_list_sort (g_hash_table_get_keys (record->etags), compare_part_numbers);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, RECORD_VERSION);
  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, record->sha256);
  json_builder_set_member_name (builder, "photo_id");
  json_builder_add_string_value (builder, record->photo_id != NULL ? record->photo_id : "");
  json_builder_set_member_name (builder, "upload_id");
  json_builder_add_string_value (builder, record->upload_id != NULL ? record->upload_id : "");
  json_builder_set_member_name (builder, "part_size");
  json_builder_add_int_value (builder, record->part_size);
  json_builder_set_member_name (builder, "file_size");
  json_builder_add_int_value (builder, record->file_size);
  json_builder_set_member_name (builder, "file_mtime");
  json_builder_add_int_value (builder, record->file_mtime);
  json_builder_set_member_name (builder, "parts");
  json_builder_begin_array (builder);
  for (GList *l = numbers; l != NULL; l = l->next)
    {
      gpointer number = l->data;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "part_number");
      json_builder_add_int_value (builder, GPOINTER_TO_INT (number));
      json_builder_set_member_name (builder, "etag");
      json_builder_add_string_value (builder, g_hash_table_lookup (record->etags, number));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static gboolean
parse_parts (JsonObject     *object,
             KsResumeRecord *record,
             GError        **error)
{
  JsonNode  *node = json_object_get_member (object, "parts");
  JsonArray *parts;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE, "“parts” is not an array");
      return FALSE;
    }
  parts = json_node_get_array (node);

  for (guint i = 0; i < json_array_get_length (parts); i++)
    {
      JsonNode   *element = json_array_get_element (parts, i);
      gint64      number = 0;
      const char *etag = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_set_error_literal (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE, "A part is not an object");
          return FALSE;
        }
      if (!ks_json_object_get_int64_member_checked (json_node_get_object (element), "part_number",
                                                    TRUE, 1, MAX_PARTS, &number, error) ||
          !ks_json_object_get_string_member_checked (json_node_get_object (element), "etag",
                                                     TRUE, &etag, error))
        return FALSE;
      g_hash_table_insert (record->etags, GINT_TO_POINTER ((int) number), g_strdup (etag));
    }

  return TRUE;
}

static KsResumeRecord *
record_from_json (const char *text,
                  gsize       len,
                  GError    **error)
{
  g_autoptr (JsonNode) root = ks_json_parse_strict (text, (gssize) len, RECORD_MAX_DEPTH, error);
  g_autoptr (KsResumeRecord) record = NULL;
  JsonObject *object;
  const char *sha256 = NULL, *photo_id = NULL, *upload_id = NULL;
  gint64      version = 0, part_size = 0, file_size = 0, file_mtime = 0;

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE, "Not a JSON object");
      return NULL;
    }
  object = json_node_get_object (root);

  if (!ks_json_object_get_int64_member_checked (object, "version", TRUE, RECORD_VERSION,
                                                RECORD_VERSION, &version, error) ||
      !ks_json_object_get_string_member_checked (object, "sha256", TRUE, &sha256, error) ||
      !ks_json_object_get_string_member_checked (object, "photo_id", TRUE, &photo_id, error) ||
      !ks_json_object_get_string_member_checked (object, "upload_id", TRUE, &upload_id, error) ||
      !ks_json_object_get_int64_member_checked (object, "part_size", TRUE, 0, G_MAXINT64,
                                                &part_size, error) ||
      !ks_json_object_get_int64_member_checked (object, "file_size", TRUE, 0, G_MAXINT64,
                                                &file_size, error) ||
      !ks_json_object_get_int64_member_checked (object, "file_mtime", TRUE, G_MININT64,
                                                G_MAXINT64, &file_mtime, error))
    return NULL;

  record = ks_resume_record_new (sha256, photo_id, upload_id, part_size, file_size, file_mtime);
  if (!parse_parts (object, record, error))
    return NULL;

  return g_steal_pointer (&record);
}

static gboolean
write_record (KsResumeFile         *self,
              const KsResumeRecord *record,
              GError              **error)
{
  g_autofree char *path = record_path (self, record->sha256);
  g_autofree char *json = record_to_json (record);

  if (g_mkdir_with_parents (self->dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not create %s: %s", self->dir, g_strerror (saved_errno));
      return FALSE;
    }

  return g_file_set_contents_full (path, json, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

/* (transfer none): the cached record, read from disk on first use;
 * NULL without an error when there is none. */
static KsResumeRecord *
lookup_record (KsResumeFile *self,
               const char   *sha256,
               GError      **error)
{
  KsResumeRecord  *record = g_hash_table_lookup (self->cache, sha256);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  gsize            len = 0;
  g_autoptr (GError) local_error = NULL;

  if (record != NULL)
    return record;
  if (!check_sha256 (sha256, error))
    return NULL;

  path = record_path (self, sha256);
  if (!g_file_get_contents (path, &text, &len, &local_error))
    {
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  record = record_from_json (text, len, &local_error);
  if (record == NULL || g_strcmp0 (record->sha256, sha256) != 0)
    {
      /* A damaged record only costs re-sending parts: forget it. */
      g_debug ("Ignoring the resume record %s: %s", path,
               local_error != NULL ? local_error->message : "for another file");
      ks_resume_record_free (record);
      g_unlink (path);
      return NULL;
    }

  g_hash_table_insert (self->cache, record->sha256, record);
  return record;
}

static KsResumeRecord *
ks_resume_file_load (KsResumeStore *store,
                     const char    *sha256,
                     GError       **error)
{
  KsResumeFile   *self = KS_RESUME_FILE (store);
  KsResumeRecord *record;

  /* From disk: another process may have written it since. */
  g_hash_table_remove (self->cache, sha256);
  record = lookup_record (self, sha256, error);
  return record != NULL ? record_copy (record) : NULL;
}

static gboolean
ks_resume_file_begin (KsResumeStore        *store,
                      const KsResumeRecord *record,
                      GError              **error)
{
  KsResumeFile *self = KS_RESUME_FILE (store);
  g_autoptr (KsResumeRecord) copy = NULL;

  if (!check_sha256 (record->sha256, error))
    return FALSE;

  copy = record_copy (record);
  g_hash_table_remove_all (copy->etags);
  if (!write_record (self, copy, error))
    return FALSE;

  g_hash_table_replace (self->cache, copy->sha256, copy);
  g_steal_pointer (&copy);
  return TRUE;
}

static gboolean
ks_resume_file_add_part (KsResumeStore *store,
                         const char    *sha256,
                         const char    *upload_id,
                         int            part_number,
                         const char    *etag,
                         GError       **error)
{
  KsResumeFile *self = KS_RESUME_FILE (store);
  g_autoptr (GError) local_error = NULL;
  KsResumeRecord *record = lookup_record (self, sha256, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (record == NULL || g_strcmp0 (record->upload_id, upload_id) != 0)
    {
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_FAILED,
                   "No upload %s is recorded for this file", upload_id);
      return FALSE;
    }

  g_hash_table_replace (record->etags, GINT_TO_POINTER (part_number), g_strdup (etag));
  if (write_record (self, record, error))
    return TRUE;

  /* Not durable, so not recorded. */
  g_hash_table_remove (record->etags, GINT_TO_POINTER (part_number));
  return FALSE;
}

static gboolean
ks_resume_file_remove (KsResumeStore *store,
                       const char    *sha256,
                       GError       **error)
{
  KsResumeFile    *self = KS_RESUME_FILE (store);
  g_autofree char *path = NULL;

  if (!check_sha256 (sha256, error))
    return FALSE;

  g_hash_table_remove (self->cache, sha256);
  path = record_path (self, sha256);
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not remove %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static void
ks_resume_file_iface_init (KsResumeStoreInterface *iface)
{
  iface->load = ks_resume_file_load;
  iface->begin = ks_resume_file_begin;
  iface->add_part = ks_resume_file_add_part;
  iface->remove = ks_resume_file_remove;
}

static void
ks_resume_file_finalize (GObject *object)
{
  KsResumeFile *self = KS_RESUME_FILE (object);

  g_free (self->dir);
  g_hash_table_unref (self->cache);

  G_OBJECT_CLASS (ks_resume_file_parent_class)->finalize (object);
}

static void
ks_resume_file_class_init (KsResumeFileClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_resume_file_finalize;
}

static void
ks_resume_file_init (KsResumeFile *self)
{
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) ks_resume_record_free);
}

KsResumeFile *
ks_resume_file_new (const char *dir)
{
  KsResumeFile *self;

  g_return_val_if_fail (dir != NULL, NULL);

  self = g_object_new (KS_TYPE_RESUME_FILE, NULL);
  self->dir = g_strdup (dir);
  return self;
}
