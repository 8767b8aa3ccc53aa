/* ks-cache-db-read.c: what the cache shows, straight from the database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-cache-db-private.h"

void
ks_cached_album_free (KsCachedAlbum *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->name);
  g_free (self->owner);
  g_free (self->role);
  g_free (self->created_at);
  g_free (self->updated_at);
  g_free (self);
}

void
ks_cached_member_free (KsCachedMember *self)
{
  if (self == NULL)
    return;
  g_free (self->username);
  g_free (self->role);
  g_free (self->added_at);
  g_free (self);
}

void
ks_cached_photo_free (KsCachedPhoto *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->owner);
  g_free (self->added_by);
  g_free (self->added_at);
  g_free (self->file_name);
  g_free (self->content_type);
  g_free (self->taken_at);
  g_free (self->sha256);
  g_free (self);
}

typedef gpointer (*RowFunc) (sqlite3_stmt *stmt);

/* Runs @sql with up to two text parameters; one element per row. */
static GPtrArray *
query_rows (KsCacheDb     *self,
            const char    *sql,
            const char    *arg1,
            const char    *arg2,
            RowFunc        row_func,
            GDestroyNotify free_func,
            GError       **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (free_func);
  sqlite3_stmt *stmt;
  int           rc;

  g_rec_mutex_lock (&self->lock);
  stmt = ks_cache_db_prepare (self, sql, error);
  if (stmt == NULL)
    {
      g_rec_mutex_unlock (&self->lock);
      return NULL;
    }
  ks_sqlite_bind_text (stmt, 1, arg1);
  ks_sqlite_bind_text (stmt, 2, arg2);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, row_func (stmt));
  sqlite3_reset (stmt);
  g_rec_mutex_unlock (&self->lock);
  if (rc != SQLITE_DONE)
    {
      ks_cache_db_set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

static gpointer
album_from_row (sqlite3_stmt *stmt)
{
  KsCachedAlbum *album = g_new0 (KsCachedAlbum, 1);

  album->id = ks_sqlite_column_dup_text (stmt, 0);
  album->name = ks_sqlite_column_dup_text (stmt, 1);
  album->owner = ks_sqlite_column_dup_text (stmt, 2);
  album->role = ks_sqlite_column_dup_text (stmt, 3);
  album->photo_count = sqlite3_column_int64 (stmt, 4);
  album->created_at = ks_sqlite_column_dup_text (stmt, 5);
  album->updated_at = ks_sqlite_column_dup_text (stmt, 6);
  album->pinned = sqlite3_column_int (stmt, 7) != 0;
  album->keep_originals = sqlite3_column_int (stmt, 8) != 0;
  return album;
}

#define ALBUM_COLUMNS \
  "SELECT id, name, owner, role, photo_count, created_at, updated_at, pinned, keep_originals FROM albums "

GPtrArray *
ks_cache_db_list_albums (KsCacheDb  *self,
                         const char *not_owner,
                         GError    **error)
{
  return query_rows (self,
                     ALBUM_COLUMNS "WHERE ?1 IS NULL OR (role != 'owner' AND lower (owner) != lower (?1)) "
                                   "AND ?2 IS NULL ORDER BY created_at DESC, id",
                     not_owner, NULL, album_from_row, (GDestroyNotify) ks_cached_album_free, error);
}

KsCachedAlbum *
ks_cache_db_get_album (KsCacheDb  *self,
                       const char *album_id,
                       GError    **error)
{
  g_autoptr (GPtrArray) rows = query_rows (self, ALBUM_COLUMNS "WHERE id = ?1 AND ?2 IS NULL", album_id, NULL,
                                           album_from_row, (GDestroyNotify) ks_cached_album_free, error);

  if (rows == NULL)
    return NULL;
  if (rows->len == 0)
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND, _ ("No such album in the cache"));
      return NULL;
    }
  return g_ptr_array_steal_index (rows, 0);
}

static gpointer
member_from_row (sqlite3_stmt *stmt)
{
  KsCachedMember *member = g_new0 (KsCachedMember, 1);

  member->username = ks_sqlite_column_dup_text (stmt, 0);
  member->role = ks_sqlite_column_dup_text (stmt, 1);
  member->added_at = ks_sqlite_column_dup_text (stmt, 2);
  return member;
}

GPtrArray *
ks_cache_db_list_members (KsCacheDb  *self,
                          const char *album_id,
                          GError    **error)
{
  return query_rows (self,
                     "SELECT username, role, added_at FROM members WHERE album_id = ?1 AND ?2 IS NULL "
                     "ORDER BY position",
                     album_id, NULL, member_from_row, (GDestroyNotify) ks_cached_member_free, error);
}

static gpointer
photo_from_row (sqlite3_stmt *stmt)
{
  KsCachedPhoto *photo = g_new0 (KsCachedPhoto, 1);

  photo->id = ks_sqlite_column_dup_text (stmt, 0);
  photo->owner = ks_sqlite_column_dup_text (stmt, 1);
  photo->added_by = ks_sqlite_column_dup_text (stmt, 2);
  photo->added_at = ks_sqlite_column_dup_text (stmt, 3);
  photo->file_name = ks_sqlite_column_dup_text (stmt, 4);
  photo->content_type = ks_sqlite_column_dup_text (stmt, 5);
  photo->taken_at = ks_sqlite_column_dup_text (stmt, 6);
  photo->sha256 = ks_sqlite_column_dup_text (stmt, 7);
  photo->size = sqlite3_column_int64 (stmt, 8);
  photo->width = sqlite3_column_int64 (stmt, 9);
  photo->height = sqlite3_column_int64 (stmt, 10);
  photo->has_grid = sqlite3_column_int (stmt, 11) != 0;
  photo->has_preview = sqlite3_column_int (stmt, 12) != 0;
  photo->has_original = sqlite3_column_int (stmt, 13) != 0;
  return photo;
}

#define HAS_FILE(kind) \
  "EXISTS (SELECT 1 FROM blobs b WHERE b.photo_id = p.id AND b.kind = '" kind "' AND b.state = 'present')"

GPtrArray *
ks_cache_db_list_photos (KsCacheDb  *self,
                         const char *album_id,
                         GError    **error)
{
  return query_rows (self,
                     "SELECT p.id, p.owner, ap.added_by, ap.added_at, p.file_name, p.content_type, p.taken_at, "
                     "  p.sha256, p.size, p.width, p.height, " HAS_FILE ("grid") ", " HAS_FILE ("preview") ", " HAS_FILE ("original") " "
                                                                                                                                      "FROM album_photos ap JOIN photos p ON p.id = ap.photo_id "
                                                                                                                                      "WHERE ap.album_id = ?1 AND ?2 IS NULL ORDER BY ap.position",
                     album_id, NULL, photo_from_row, (GDestroyNotify) ks_cached_photo_free, error);
}

static gint64
count (KsCacheDb  *self,
       const char *sql)
{
  sqlite3_stmt *stmt = ks_cache_db_prepare (self, sql, NULL);
  gint64        value = 0;

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  if (stmt != NULL)
    sqlite3_reset (stmt);
  return value;
}

void
ks_cache_db_get_status (KsCacheDb     *self,
                        KsCacheStatus *status)
{
  g_autofree char *cursor = NULL;
  g_autofree char *synced_at = NULL;

  g_rec_mutex_lock (&self->lock);
  status->used = count (self, "SELECT total (size) FROM blobs WHERE state = 'present'");
  status->n_albums = (guint) count (self, "SELECT count(*) FROM albums");
  status->n_photos = (guint) count (self, "SELECT count(*) FROM photos");
  status->n_files = (guint) count (self, "SELECT count(*) FROM blobs WHERE state = 'present'");
  g_rec_mutex_unlock (&self->lock);

  cursor = ks_cache_db_get_meta (self, "cursor");
  status->cursor = cursor != NULL ? g_ascii_strtoll (cursor, NULL, 10) : 0;
  synced_at = ks_cache_db_get_meta (self, "synced_at");
  status->synced_at = synced_at != NULL ? g_ascii_strtoll (synced_at, NULL, 10) : 0;
}
