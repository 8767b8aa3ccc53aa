/* ks-api-events.c: every change leaves an event for the change feed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-api-private.h"

/*
 * Who sees an event is decided when it is written: one event_recipients
 * row per user. So a member removed from an album still reads their own
 * removal, and a deleted album's members read album_deleted, without the
 * feed having to know the past state of every album.
 */

static const char *const audience_sql[] = {
  [KS_API_AUDIENCE_ME] = "SELECT ?2",
  [KS_API_AUDIENCE_ALBUM] =
      "SELECT owner FROM albums WHERE id = ?1 "
      "UNION SELECT user_sub FROM album_members WHERE album_id = ?1",
  [KS_API_AUDIENCE_PHOTO] =
      "SELECT ?2 "
      "UNION SELECT a.owner FROM album_photos ap JOIN albums a ON a.id = ap.album_id "
      "      WHERE ap.photo_id = ?1 "
      "UNION SELECT m.user_sub FROM album_photos ap "
      "      JOIN album_members m ON m.album_id = ap.album_id WHERE ap.photo_id = ?1",
};

static gboolean
collect_audience (KsApiRequest     *req,
                  const KsApiEvent *event,
                  KsApiAudience     audience,
                  GHashTable       *subs,
                  GError          **error)
{
  g_autoptr (KsApiStmt) stmt = ks_api_stmt (req->api, audience_sql[audience], error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, audience == KS_API_AUDIENCE_PHOTO ? event->photo_id : event->album_id);
  if (audience != KS_API_AUDIENCE_ALBUM)
    ks_sqlite_bind_text (stmt, 2, req->sub);
  while ((rc = ks_api_step (req->api, stmt, error)) == SQLITE_ROW)
    g_hash_table_add (subs, g_strdup (ks_api_column_text (stmt, 0)));

  return rc == SQLITE_DONE;
}

static gint64
insert_event (KsApiRequest     *req,
              const KsApiEvent *event,
              GError          **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;

  stmt = ks_api_stmt (req->api,
                      "INSERT INTO events (type, album_id, photo_id, actor, member, role, name, at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                      error);
  if (stmt == NULL)
    return -1;

  ks_sqlite_bind_text (stmt, 1, event->type);
  ks_sqlite_bind_text (stmt, 2, event->album_id);
  ks_sqlite_bind_text (stmt, 3, event->photo_id);
  ks_sqlite_bind_text (stmt, 4, req->sub);
  ks_sqlite_bind_text (stmt, 5, event->member);
  ks_sqlite_bind_text (stmt, 6, event->role);
  ks_sqlite_bind_text (stmt, 7, event->name);
  sqlite3_bind_int64 (stmt, 8, req->now);
  if (!ks_api_step_done (req->api, stmt, error))
    return -1;

  return sqlite3_last_insert_rowid (req->api->db);
}

static gboolean
insert_recipient (KsApiRequest *req,
                  const char   *sub,
                  gint64        seq,
                  GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;

  stmt = ks_api_stmt (req->api, "INSERT INTO event_recipients (user_sub, seq) VALUES (?1, ?2)", error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, sub);
  sqlite3_bind_int64 (stmt, 2, seq);
  if (!ks_api_step_done (req->api, stmt, error))
    return FALSE;

  if (req->api->wake != NULL && g_hash_table_contains (req->api->waiters, sub))
    g_hash_table_add (req->api->wake, g_strdup (sub));

  return TRUE;
}

/**
 * ks_api_event_emit:
 * @audience: who reads it, as of now (call before a change that would
 *   lose them, e.g. before deleting an album)
 * @also_to: (nullable): one more reader, e.g. a member being removed
 *
 * Writes @event, by the caller, inside the current transaction.
 *
 * Returns: the event's seq (> 0), or 0 with @error set
 */
gint64
ks_api_event_emit (KsApiRequest     *req,
                   const KsApiEvent *event,
                   KsApiAudience     audience,
                   const char       *also_to,
                   GError          **error)
{
  g_autoptr (GHashTable) subs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer       sub;
  gint64         seq;

  g_return_val_if_fail (req->api->wake != NULL, 0);

  if (!collect_audience (req, event, audience, subs, error))
    return 0;
  if (also_to != NULL)
    g_hash_table_add (subs, g_strdup (also_to));

  seq = insert_event (req, event, error);
  if (seq <= 0)
    return 0;

  g_hash_table_iter_init (&iter, subs);
  while (g_hash_table_iter_next (&iter, &sub, NULL))
    {
      if (!insert_recipient (req, sub, seq, error))
        return 0;
    }

  return seq;
}
