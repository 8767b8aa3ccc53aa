/* ks-cache-db-photos.c: photos, their files, eviction
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-cache-db-private.h"

static const char *const kind_names[] = { "grid", "preview", "original" };

const char *
ks_cache_file_kind_to_string (KsCacheFileKind kind)
{
  g_return_val_if_fail (kind <= KS_CACHE_FILE_ORIGINAL, "original");
  return kind_names[kind];
}

gboolean
ks_cache_file_kind_from_string (const char      *text,
                                KsCacheFileKind *out_kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (text, kind_names[i]) == 0)
      {
        *out_kind = (KsCacheFileKind) i;
        return TRUE;
      }
  return FALSE;
}

static gint64
parse_time (const char *text)
{
  g_autoptr (GDateTime) time = text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  return time != NULL ? g_date_time_to_unix (time) * G_USEC_PER_SEC : 0;
}

/* Keeps a file that is there when its content did not change. */
static gboolean
put_blob (KsCacheDb      *self,
          const char     *photo_id,
          KsCacheFileKind kind,
          const char     *sha256,
          gint64          size,
          GPtrArray      *unlink,
          GError        **error)
{
  sqlite3_stmt *stmt;

  if (sha256 == NULL || size < 0)
    return TRUE;
  /* A file whose content changed under the same id goes first. */
  stmt = ks_cache_db_prepare (self,
                              "SELECT 1 FROM blobs WHERE photo_id = ? AND kind = ? AND state = 'present' "
                              "AND (sha256 != ? OR size != ?)",
                              error);
  if (stmt == NULL)
    return FALSE;
  ks_sqlite_bind_text (stmt, 1, photo_id);
  ks_sqlite_bind_text (stmt, 2, ks_cache_file_kind_to_string (kind));
  ks_sqlite_bind_text (stmt, 3, sha256);
  sqlite3_bind_int64 (stmt, 4, size);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (unlink, ks_cache_blob_path (photo_id, kind));
  sqlite3_reset (stmt);

  stmt = ks_cache_db_prepare (self,
                              "INSERT INTO blobs (photo_id, kind, sha256, size, state) "
                              "VALUES (?1, ?2, ?3, ?4, 'missing') "
                              "ON CONFLICT (photo_id, kind) DO UPDATE SET sha256 = ?3, size = ?4, "
                              "state = CASE WHEN sha256 = ?3 AND size = ?4 THEN state ELSE 'missing' END",
                              error);
  if (stmt == NULL)
    return FALSE;
  ks_sqlite_bind_text (stmt, 1, photo_id);
  ks_sqlite_bind_text (stmt, 2, ks_cache_file_kind_to_string (kind));
  ks_sqlite_bind_text (stmt, 3, sha256);
  sqlite3_bind_int64 (stmt, 4, size);
  return ks_cache_db_step_done (self, stmt, error);
}

static gboolean
put_photo (KsCacheDb     *self,
           const KsPhoto *photo,
           gint64         now,
           GPtrArray     *unlink,
           GError       **error)
{
  sqlite3_stmt *stmt = ks_cache_db_prepare (self,
                                            "INSERT INTO photos (id, owner, content_type, width, height, taken_at, sha256, "
                                            "  size, file_name, url_original, url_grid, url_preview, urls_expire, viewed_at) "
                                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
                                            "ON CONFLICT (id) DO UPDATE SET owner = ?2, content_type = ?3, width = ?4, "
                                            "  height = ?5, taken_at = ?6, sha256 = ?7, size = ?8, file_name = ?9, "
                                            "  url_original = ?10, url_grid = ?11, url_preview = ?12, urls_expire = ?13",
                                            error);

  if (stmt == NULL)
    return FALSE;
  ks_sqlite_bind_text (stmt, 1, photo->id);
  ks_sqlite_bind_text (stmt, 2, photo->owner);
  ks_sqlite_bind_text (stmt, 3, photo->content_type);
  sqlite3_bind_int64 (stmt, 4, MAX (photo->width, 0));
  sqlite3_bind_int64 (stmt, 5, MAX (photo->height, 0));
  ks_sqlite_bind_text (stmt, 6, photo->taken_at);
  ks_sqlite_bind_text (stmt, 7, photo->sha256 != NULL ? photo->sha256 : "");
  sqlite3_bind_int64 (stmt, 8, MAX (photo->size, 0));
  ks_sqlite_bind_text (stmt, 9, photo->file_name);
  ks_sqlite_bind_text (stmt, 10, photo->url_original);
  ks_sqlite_bind_text (stmt, 11, photo->url_grid);
  ks_sqlite_bind_text (stmt, 12, photo->url_preview);
  sqlite3_bind_int64 (stmt, 13, parse_time (photo->urls_expire_at));
  sqlite3_bind_int64 (stmt, 14, now);
  if (!ks_cache_db_step_done (self, stmt, error))
    return FALSE;

  for (guint i = 0; i < photo->thumbnails->len; i++)
    {
      const KsThumbnailInfo *thumb = g_ptr_array_index (photo->thumbnails, i);
      KsCacheFileKind        kind;

      if (ks_cache_file_kind_from_string (thumb->name, &kind) && kind != KS_CACHE_FILE_ORIGINAL &&
          !put_blob (self, photo->id, kind, thumb->sha256, thumb->size, unlink, error))
        return FALSE;
    }
  return put_blob (self, photo->id, KS_CACHE_FILE_ORIGINAL, photo->sha256, photo->size, unlink, error);
}

gboolean
ks_cache_db_put_album_photos (KsCacheDb  *self,
                              const char *album_id,
                              GPtrArray  *photos,
                              GPtrArray  *unlink,
                              GError    **error)
{
  gint64 now = g_get_real_time ();

  if (!ks_cache_db_exec_args (self, "DELETE FROM temp.listed", error, NULL))
    return FALSE;
  for (guint i = 0; i < photos->len; i++)
    {
      const KsPhoto   *photo = g_ptr_array_index (photos, i);
      g_autofree char *position = g_strdup_printf ("%u", i);

      /* Ids become file names: only the server's UUIDs do. */
      if (photo->id == NULL || !g_uuid_string_is_valid (photo->id))
        continue;
      if (!put_photo (self, photo, now, unlink, error) ||
          !ks_cache_db_exec_args (self, "INSERT OR IGNORE INTO temp.listed (photo_id) VALUES (?)", error,
                                  photo->id, NULL) ||
          !ks_cache_db_exec_args (self,
                                  "INSERT INTO album_photos (album_id, photo_id, added_by, added_at, position) "
                                  "VALUES (?1, ?2, ?3, ?4, CAST (?5 AS INTEGER)) "
                                  "ON CONFLICT (album_id, photo_id) DO UPDATE SET added_by = ?3, added_at = ?4, "
                                  "position = CAST (?5 AS INTEGER)",
                                  error, album_id, photo->id, photo->added_by != NULL ? photo->added_by : "",
                                  photo->added_at != NULL ? photo->added_at : "", position, NULL))
        return FALSE;
    }
  return ks_cache_db_exec_args (self,
                                "DELETE FROM album_photos WHERE album_id = ? "
                                "AND photo_id NOT IN (SELECT photo_id FROM temp.listed)",
                                error, album_id, NULL) &&
         ks_cache_db_drop_orphans (self, unlink, error);
}

/* ---- files ---- */

static KsCacheBlob *
blob_from_row (sqlite3_stmt *stmt)
{
  KsCacheBlob *blob = g_new0 (KsCacheBlob, 1);

  blob->photo_id = ks_sqlite_column_dup_text (stmt, 0);
  ks_cache_file_kind_from_string ((const char *) sqlite3_column_text (stmt, 1), &blob->kind);
  blob->sha256 = ks_sqlite_column_dup_text (stmt, 2);
  blob->size = sqlite3_column_int64 (stmt, 3);
  blob->url = ks_sqlite_column_dup_text (stmt, 4);
  blob->expires = sqlite3_column_int64 (stmt, 5);
  return blob;
}

#define BLOB_COLUMNS                                                            \
  "SELECT b.photo_id, b.kind, b.sha256, b.size,"                                \
  "  CASE b.kind WHEN 'grid' THEN p.url_grid WHEN 'preview' THEN p.url_preview" \
  "  ELSE p.url_original END, p.urls_expire "                                   \
  "FROM blobs b JOIN photos p ON p.id = b.photo_id "
#define KEEPS_ORIGINALS                                                        \
  "EXISTS (SELECT 1 FROM album_photos ap JOIN albums a ON a.id = ap.album_id " \
  "  WHERE ap.photo_id = b.photo_id AND a.keep_originals) "
#define BLOB_ORDER                                                             \
  "ORDER BY CASE b.kind WHEN 'grid' THEN 0 WHEN 'preview' THEN 1 ELSE 2 END, " \
  "p.viewed_at DESC, b.photo_id LIMIT ?2"

GPtrArray *
ks_cache_db_next_blobs (KsCacheDb  *self,
                        const char *album_id,
                        GHashTable *busy,
                        guint       max,
                        GError    **error)
{
  g_autoptr (GPtrArray) blobs = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_cache_blob_free);
  sqlite3_stmt *stmt;
  int           rc;

  g_rec_mutex_lock (&self->lock);
  if (album_id == NULL)
    stmt = ks_cache_db_prepare (self,
                                BLOB_COLUMNS "WHERE b.state = 'missing' AND ?1 IS NULL "
                                             "AND (b.kind != 'original' OR " KEEPS_ORIGINALS ") " BLOB_ORDER,
                                error);
  else
    stmt = ks_cache_db_prepare (self,
                                BLOB_COLUMNS "WHERE b.state != 'present' "
                                             "AND b.photo_id IN (SELECT photo_id FROM album_photos WHERE album_id = ?1) "
                                             "AND (b.kind != 'original' OR " KEEPS_ORIGINALS ") " BLOB_ORDER,
                                error);
  if (stmt == NULL)
    {
      g_rec_mutex_unlock (&self->lock);
      return NULL;
    }
  ks_sqlite_bind_text (stmt, 1, album_id);
  sqlite3_bind_int64 (stmt, 2, max + (busy != NULL ? g_hash_table_size (busy) : 0));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && blobs->len < max)
    {
      g_autoptr (KsCacheBlob) blob = blob_from_row (stmt);
      g_autofree char *key = g_strconcat (blob->photo_id, "/", ks_cache_file_kind_to_string (blob->kind), NULL);

      if (busy == NULL || !g_hash_table_contains (busy, key))
        g_ptr_array_add (blobs, g_steal_pointer (&blob));
    }
  sqlite3_reset (stmt);
  g_rec_mutex_unlock (&self->lock);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      ks_cache_db_set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&blobs);
}

KsCacheBlob *
ks_cache_db_get_blob (KsCacheDb      *self,
                      const char     *photo_id,
                      KsCacheFileKind kind,
                      GError        **error)
{
  sqlite3_stmt *stmt;
  KsCacheBlob  *blob = NULL;

  g_rec_mutex_lock (&self->lock);
  stmt = ks_cache_db_prepare (self, BLOB_COLUMNS "WHERE b.photo_id = ? AND b.kind = ?", error);
  if (stmt != NULL)
    {
      ks_sqlite_bind_text (stmt, 1, photo_id);
      ks_sqlite_bind_text (stmt, 2, ks_cache_file_kind_to_string (kind));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        blob = blob_from_row (stmt);
      else
        g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND,
                     _ ("The photo is not in any cached album, or has no such file"));
      sqlite3_reset (stmt);
    }
  g_rec_mutex_unlock (&self->lock);
  return blob;
}

gboolean
ks_cache_db_set_blob_state (KsCacheDb      *self,
                            const char     *photo_id,
                            KsCacheFileKind kind,
                            const char     *sha256,
                            const char     *state,
                            GError        **error)
{
  gboolean ok;

  g_rec_mutex_lock (&self->lock);
  ok = ks_cache_db_exec_args (self,
                              "UPDATE blobs SET state = ? WHERE photo_id = ? AND kind = ? AND (?4 = '' OR sha256 = ?4)",
                              error, state, photo_id, ks_cache_file_kind_to_string (kind),
                              sha256 != NULL ? sha256 : "", NULL) &&
       sqlite3_changes (self->sql.db) > 0;
  g_rec_mutex_unlock (&self->lock);
  return ok;
}

/* Relative paths of the files present, of one photo or (NULL) all. */
static gboolean
collect_present (KsCacheDb  *self,
                 const char *photo_id,
                 GPtrArray  *paths,
                 GError    **error)
{
  sqlite3_stmt *stmt = ks_cache_db_prepare (self,
                                            "SELECT photo_id, kind FROM blobs WHERE state = 'present' "
                                            "AND (?1 IS NULL OR photo_id = ?1)",
                                            error);
  int           rc;

  if (stmt == NULL)
    return FALSE;
  ks_sqlite_bind_text (stmt, 1, photo_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KsCacheFileKind kind;

      if (ks_cache_file_kind_from_string ((const char *) sqlite3_column_text (stmt, 1), &kind))
        g_ptr_array_add (paths, ks_cache_blob_path ((const char *) sqlite3_column_text (stmt, 0), kind));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ks_cache_db_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

static gint64
used_bytes (KsCacheDb *self)
{
  sqlite3_stmt *stmt = ks_cache_db_prepare (self, "SELECT total (size) FROM blobs WHERE state = 'present'", NULL);
  gint64        used = 0;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    used = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return used;
}

gboolean
ks_cache_db_evict (KsCacheDb *self,
                   gint64     budget,
                   GPtrArray *unlink,
                   GError   **error)
{
  while (used_bytes (self) > budget)
    {
      sqlite3_stmt    *stmt;
      g_autofree char *victim = NULL;

      stmt = ks_cache_db_prepare (self,
                                  "SELECT p.id FROM photos p WHERE EXISTS (SELECT 1 FROM blobs b "
                                  "  WHERE b.photo_id = p.id AND b.state = 'present') "
                                  "AND NOT EXISTS (SELECT 1 FROM album_photos ap JOIN albums a ON a.id = ap.album_id "
                                  "  WHERE ap.photo_id = p.id AND a.pinned) "
                                  "ORDER BY p.viewed_at, p.id LIMIT 1",
                                  error);
      if (stmt == NULL)
        return FALSE;
      if (sqlite3_step (stmt) == SQLITE_ROW)
        victim = ks_sqlite_column_dup_text (stmt, 0);
      sqlite3_reset (stmt);
      if (victim == NULL)
        break; /* only pinned albums left: they stay, over budget */

      g_debug ("Cache over budget: evicting photo %s", victim);
      if (!collect_present (self, victim, unlink, error) ||
          !ks_cache_db_exec_args (self, "UPDATE blobs SET state = 'evicted' WHERE photo_id = ?", error, victim,
                                  NULL))
        return FALSE;
    }
  return TRUE;
}

GHashTable *
ks_cache_db_blob_states (KsCacheDb *self,
                         GError   **error)
{
  GHashTable   *states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_stmt *stmt;
  int           rc;

  g_rec_mutex_lock (&self->lock);
  stmt = ks_cache_db_prepare (self, "SELECT photo_id, kind, state FROM blobs", error);
  if (stmt == NULL)
    {
      g_rec_mutex_unlock (&self->lock);
      g_hash_table_unref (states);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KsCacheFileKind kind;

      if (ks_cache_file_kind_from_string ((const char *) sqlite3_column_text (stmt, 1), &kind))
        g_hash_table_insert (states, ks_cache_blob_path ((const char *) sqlite3_column_text (stmt, 0), kind),
                             ks_sqlite_column_dup_text (stmt, 2));
    }
  sqlite3_reset (stmt);
  g_rec_mutex_unlock (&self->lock);
  if (rc != SQLITE_DONE)
    {
      ks_cache_db_set_error (self, rc, error);
      g_clear_pointer (&states, g_hash_table_unref);
    }
  return states;
}

gboolean
ks_cache_db_touch_photo (KsCacheDb  *self,
                         const char *photo_id,
                         GError    **error)
{
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time ());

  return ks_cache_db_exec_args (self, "UPDATE photos SET viewed_at = CAST (? AS INTEGER) WHERE id = ?", error, now,
                                photo_id, NULL);
}

gboolean
ks_cache_db_set_pinned (KsCacheDb  *self,
                        const char *album_id,
                        gboolean    pinned,
                        gboolean    keep_originals,
                        GError    **error)
{
  gboolean ok;

  g_rec_mutex_lock (&self->lock);
  ok = ks_cache_db_exec_args (self, "UPDATE albums SET pinned = ?, keep_originals = ? WHERE id = ?", error,
                              pinned ? "1" : "0", pinned && keep_originals ? "1" : "0", album_id, NULL);
  if (ok && sqlite3_changes (self->sql.db) == 0)
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND, _ ("No such album in the cache"));
      ok = FALSE;
    }
  /* What was evicted comes back for a pinned album. */
  if (ok && pinned)
    ok = ks_cache_db_exec_args (self,
                                "UPDATE blobs SET state = 'missing' WHERE state = 'evicted' "
                                "AND photo_id IN (SELECT photo_id FROM album_photos WHERE album_id = ?)",
                                error, album_id, NULL);
  g_rec_mutex_unlock (&self->lock);
  return ok;
}
