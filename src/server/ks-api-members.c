/* ks-api-members.c: who an album is shared with, and as what
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-api-private.h"

static const char *const add_members[] = { "username", "role", NULL };
static const char *const update_members[] = { "role", NULL };

typedef struct
{
  char     *sub;
  char     *username; /* as the user spells it */
  KsApiRole role;     /* in the album; NONE if not a member */
} Member;

static void
member_clear (Member *member)
{
  g_clear_pointer (&member->sub, g_free);
  g_clear_pointer (&member->username, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Member, member_clear)

static JsonObject *
member_object (const char *username,
               KsApiRole   role,
               gint64      added_at)
{
  JsonObject *member = json_object_new ();

  json_object_set_string_member (member, "username", username);
  json_object_set_string_member (member, "role", ks_api_role_to_string (role));
  ks_api_set_time (member, "added_at", added_at);

  return member;
}

/* GET /v1/albums/{id}/members: the owner first, then the members in the
 * order they joined; every member may read it. */
JsonNode *
ks_api_members_list (KsApiRequest *req,
                     guint        *status,
                     GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };
  g_autoptr (KsApiStmt) stmt = NULL;
  g_autoptr (JsonArray) members = json_array_new ();
  JsonObject *reply;
  int         rc;

  if (!ks_api_album_lookup (req, "album", KS_API_ROLE_VIEWER, &album, error) ||
      !ks_api_check_query (req, NULL, error))
    return NULL;

  stmt = ks_api_stmt (req->api,
                      "SELECT u.username, 'owner', a.created_at, 0 FROM albums a "
                      "JOIN api_users u ON u.sub = a.owner WHERE a.id = ?1 "
                      "UNION ALL "
                      "SELECT u.username, m.role, m.added_at, 1 FROM album_members m "
                      "JOIN api_users u ON u.sub = m.user_sub WHERE m.album_id = ?1 "
                      "ORDER BY 4, 3, 1",
                      error);
  if (stmt == NULL)
    return NULL;

  ks_sqlite_bind_text (stmt, 1, album.id);
  while ((rc = ks_api_step (req->api, stmt, error)) == SQLITE_ROW)
    json_array_add_object_element (members,
                                   member_object (ks_api_column_text (stmt, 0),
                                                  ks_api_role_from_string (ks_api_column_text (stmt, 1)),
                                                  sqlite3_column_int64 (stmt, 2)));
  if (rc < 0)
    return NULL;

  reply = json_object_new ();
  json_object_set_array_member (reply, "members", g_steal_pointer (&members));
  return ks_api_object_node (reply);
}

/* Someone with a confirmed account on this server's own sign-in service
 * who has not used the API yet (it learns users from their first
 * token): known from the account, so they can be shared with before
 * they first open Keepsake. The built-in service keeps its accounts in
 * this database; with another Cognito pool the table is empty. Returns
 * whether a user was added. */
static gboolean
add_signed_up_user (KsApiRequest *req,
                    const char   *username,
                    GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;
  int rc;

  /* Not beside the prepares' writer. */
  ks_api_batch_flush (req->api);
  stmt = ks_api_stmt (req->api,
                      "INSERT INTO api_users (sub, username, created_at) "
                      "SELECT u.sub, u.username, ?2 FROM users u "
                      "JOIN idp_accounts a ON a.sub = u.sub AND a.confirmed "
                      "WHERE u.username = ?1 ON CONFLICT DO NOTHING",
                      error);
  if (stmt == NULL)
    return FALSE;
  ks_sqlite_bind_text (stmt, 1, username);
  sqlite3_bind_int64 (stmt, 2, req->now);
  rc = ks_api_step (req->api, stmt, error);
  if (rc != SQLITE_DONE)
    return FALSE;
  return sqlite3_changes (sqlite3_db_handle (stmt)) > 0;
}

/* A user the API knows, and their part in the album; 404 if unknown.
 * @adopt: first look for an account nobody has used yet (sharing). */
static gboolean
find_user (KsApiRequest *req,
           const char   *album_id,
           const char   *username,
           gboolean      adopt,
           Member       *out,
           GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;
  int rc;

  if (!ks_api_check_username (username, error))
    return FALSE;

  stmt = ks_api_stmt (req->api,
                      "SELECT u.sub, u.username, m.role FROM api_users u "
                      "LEFT JOIN album_members m ON m.user_sub = u.sub AND m.album_id = ?2 "
                      "WHERE u.username = ?1",
                      error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, username);
  ks_sqlite_bind_text (stmt, 2, album_id);
  rc = ks_api_step (req->api, stmt, error);
  if (rc == SQLITE_DONE && adopt)
    {
      g_autoptr (GError) local_error = NULL;

      sqlite3_reset (stmt);
      if (add_signed_up_user (req, username, &local_error))
        {
          rc = ks_api_step (req->api, stmt, error);
        }
      else if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  if (rc == SQLITE_DONE)
    g_set_error (error, KS_API_ERROR, KS_API_ERROR_NOT_FOUND,
                 "There is no user “%s” (people must have signed in to Keepsake once)", username);
  if (rc != SQLITE_ROW)
    return FALSE;

  out->sub = g_strdup (ks_api_column_text (stmt, 0));
  out->username = g_strdup (ks_api_column_text (stmt, 1));
  out->role = ks_api_role_from_string (ks_api_column_text (stmt, 2));
  return TRUE;
}

/* The member named by the path; 404 unless they are one. */
static gboolean
find_member (KsApiRequest *req,
             KsApiAlbum   *album,
             Member       *out,
             GError      **error)
{
  const char *username = g_hash_table_lookup (req->params, "username");

  if (!find_user (req, album->id, username, FALSE, out, error))
    return FALSE;

  if (out->role == KS_API_ROLE_NONE)
    {
      g_set_error (error, KS_API_ERROR, KS_API_ERROR_NOT_FOUND,
                   "“%s” is not a member of this album", username);
      return FALSE;
    }

  return TRUE;
}

static gboolean
write_member (KsApiRequest *req,
              const char   *sql,
              const char   *album_id,
              Member       *member,
              GError      **error)
{
  g_autoptr (KsApiStmt) stmt = ks_api_stmt (req->api, sql, error);

  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, album_id);
  ks_sqlite_bind_text (stmt, 2, member->sub);
  ks_sqlite_bind_text (stmt, 3, ks_api_role_to_string (member->role));
  sqlite3_bind_int64 (stmt, 4, req->now);

  return ks_api_step_done (req->api, stmt, error);
}

/* One transaction: the change, then its event (which the member then
 * reads too), or for a removal the other way round. */
static gboolean
change_member (KsApiRequest *req,
               const char   *album_id,
               Member       *member,
               const char   *type,
               const char   *sql,
               GError      **error)
{
  g_autoptr (KsApiTransaction) txn = ks_api_transaction_begin (req->api, error);
  KsApiEvent event = { .type = type, .album_id = album_id, .member = member->sub };
  gboolean   removing = g_str_equal (type, "member_removed");

  if (!removing)
    event.role = ks_api_role_to_string (member->role);

  return txn != NULL &&
         (removing || write_member (req, sql, album_id, member, error)) &&
         ks_api_event_emit (req, &event, KS_API_AUDIENCE_ALBUM, member->sub, error) &&
         (!removing || write_member (req, sql, album_id, member, error)) &&
         ks_api_transaction_commit (txn, error);
}

static gboolean
check_can_add (KsApiAlbum *album,
               Member     *member,
               GError    **error)
{
  if (g_str_equal (member->sub, album->owner))
    g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_CONFLICT, "You own this album");
  else if (member->role != KS_API_ROLE_NONE)
    g_set_error (error, KS_API_ERROR, KS_API_ERROR_CONFLICT,
                 "“%s” is already a member; PATCH their role to change it", member->username);
  else
    return TRUE;

  return FALSE;
}

/* POST /v1/albums/{id}/members {"username", "role"}: the owner only */
JsonNode *
ks_api_members_add (KsApiRequest *req,
                    guint        *status,
                    GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };
  g_auto (Member) member = { 0 };
  g_autoptr (JsonObject) body = NULL;
  const char *username = NULL;
  KsApiRole   role = KS_API_ROLE_NONE;

  if (!ks_api_album_lookup (req, "album", KS_API_ROLE_OWNER, &album, error) ||
      !ks_api_check_query (req, NULL, error) ||
      (body = ks_api_parse_body (req, add_members, FALSE, error)) == NULL ||
      !ks_api_get_string (body, "username", TRUE, &username, error) ||
      !ks_api_get_role (body, "role", &role, error) ||
      !find_user (req, album.id, username, TRUE, &member, error))
    return NULL;

  if (!check_can_add (&album, &member, error))
    return NULL;

  member.role = role;
  if (!change_member (req, album.id, &member, "member_added",
                      "INSERT INTO album_members (album_id, user_sub, role, added_at) "
                      "VALUES (?1, ?2, ?3, ?4)",
                      error))
    return NULL;

  *status = SOUP_STATUS_CREATED;
  return ks_api_object_node (member_object (member.username, role, req->now));
}

/* PATCH /v1/albums/{id}/members/{username} {"role"}: the owner only */
JsonNode *
ks_api_members_update (KsApiRequest *req,
                       guint        *status,
                       GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };
  g_auto (Member) member = { 0 };
  g_autoptr (JsonObject) body = NULL;
  KsApiRole role = KS_API_ROLE_NONE;

  if (!ks_api_album_lookup (req, "album", KS_API_ROLE_OWNER, &album, error) ||
      !ks_api_check_query (req, NULL, error) ||
      (body = ks_api_parse_body (req, update_members, FALSE, error)) == NULL ||
      !ks_api_get_role (body, "role", &role, error) ||
      !find_member (req, &album, &member, error))
    return NULL;

  if (role != member.role)
    {
      member.role = role;
      if (!change_member (req, album.id, &member, "role_changed",
                          "UPDATE album_members SET role = ?3 WHERE album_id = ?1 AND user_sub = ?2",
                          error))
        return NULL;
    }

  return ks_api_object_node (member_object (member.username, role, req->now));
}

static gboolean
check_can_remove (KsApiRequest *req,
                  KsApiAlbum   *album,
                  Member       *member,
                  GError      **error)
{
  if (g_str_equal (member->sub, album->owner))
    g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_CONFLICT,
                         "The owner cannot leave their album; delete it instead");
  else if (album->role != KS_API_ROLE_OWNER && !g_str_equal (member->sub, req->sub))
    g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_FORBIDDEN,
                         "Only the album's owner can remove other members");
  else if (member->role == KS_API_ROLE_NONE)
    g_set_error (error, KS_API_ERROR, KS_API_ERROR_NOT_FOUND,
                 "“%s” is not a member of this album", member->username);
  else
    return TRUE;

  return FALSE;
}

/* DELETE /v1/albums/{id}/members/{username}: the owner, or a member
 * leaving. */
JsonNode *
ks_api_members_remove (KsApiRequest *req,
                       guint        *status,
                       GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };
  g_auto (Member) member = { 0 };
  const char *username = g_hash_table_lookup (req->params, "username");

  if (!ks_api_album_lookup (req, "album", KS_API_ROLE_VIEWER, &album, error) ||
      !ks_api_check_query (req, NULL, error) ||
      !find_user (req, album.id, username, FALSE, &member, error))
    return NULL;

  if (!check_can_remove (req, &album, &member, error))
    return NULL;

  if (!change_member (req, album.id, &member, "member_removed",
                      "DELETE FROM album_members WHERE album_id = ?1 AND user_sub = ?2",
                      error))
    return NULL;

  *status = SOUP_STATUS_NO_CONTENT;
  return NULL;
}
