/* ks-idp-store.c: the IdP's rows in the server database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-hash.h"
#include "ks-idp-private.h"
#include "ks-idp-store.h"
#include "ks-sqlite.h"

void
ks_idp_user_free (KsIdpUser *user)
{
  if (user == NULL)
    return;

  g_free (user->sub);
  g_free (user->username);
  g_free (user->email);
  g_free (user->salt);
  g_free (user->verifier);
  g_free (user);
}

void
ks_idp_session_free (KsIdpSession *session)
{
  if (session == NULL)
    return;

  g_free (session->sub);
  g_free (session->origin_jti);
  g_free (session);
}

/* ---- Statements ---- */

/* Steps a statement that returns no rows. */
static gboolean
step_done (KsServerDb     *db,
           KsServerDbStmt *stmt,
           GError        **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      ks_server_db_set_error (db, rc, error);
      return FALSE;
    }

  return TRUE;
}

/* Steps to the first row: TRUE with *out_row set, or FALSE on error. */
static gboolean
step_row (KsServerDb     *db,
          KsServerDbStmt *stmt,
          gboolean       *out_row,
          GError        **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      ks_server_db_set_error (db, rc, error);
      return FALSE;
    }

  *out_row = rc == SQLITE_ROW;
  return TRUE;
}

static int
changes (KsServerDb *db)
{
  return sqlite3_changes (ks_server_db_get_handle (db));
}

gboolean
ks_idp_store_begin (KsServerDb *db,
                    GError    **error)
{
  return ks_server_db_exec (db, "BEGIN IMMEDIATE;", error);
}

gboolean
ks_idp_store_commit (KsServerDb *db,
                     GError    **error)
{
  if (ks_server_db_exec (db, "COMMIT;", error))
    return TRUE;

  ks_idp_store_rollback (db);
  return FALSE;
}

void
ks_idp_store_rollback (KsServerDb *db)
{
  if (!sqlite3_get_autocommit (ks_server_db_get_handle (db)))
    sqlite3_exec (ks_server_db_get_handle (db), "ROLLBACK;", NULL, NULL, NULL);
}

/* ---- Users ---- */

#define USER_COLUMNS                                       \
  "SELECT u.sub, u.username, u.email, a.salt, a.verifier," \
  "       a.confirmed, a.email_verified"                   \
  "  FROM users AS u JOIN idp_accounts AS a ON a.sub = u.sub "

static gboolean
find_user (KsServerDb *db,
           const char *sql,
           const char *key,
           KsIdpUser **out_user,
           GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = ks_server_db_prepare (db, sql, error);
  KsIdpUser *user;
  gboolean   row;

  *out_user = NULL;
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, key);
  if (!step_row (db, stmt, &row, error))
    return FALSE;
  if (!row)
    return TRUE;

  user = g_new0 (KsIdpUser, 1);
  user->sub = ks_sqlite_column_dup_text (stmt, 0);
  user->username = ks_sqlite_column_dup_text (stmt, 1);
  user->email = ks_sqlite_column_dup_text (stmt, 2);
  user->salt = ks_sqlite_column_dup_text (stmt, 3);
  user->verifier = ks_sqlite_column_dup_text (stmt, 4);
  user->confirmed = sqlite3_column_int (stmt, 5) != 0;
  user->email_verified = sqlite3_column_int (stmt, 6) != 0;

  *out_user = user;
  return TRUE;
}

gboolean
ks_idp_store_find_user (KsServerDb *db,
                        const char *username,
                        KsIdpUser **out_user,
                        GError    **error)
{
  return find_user (db, USER_COLUMNS "WHERE u.username = ?1", username, out_user, error);
}

gboolean
ks_idp_store_find_user_by_sub (KsServerDb *db,
                               const char *sub,
                               KsIdpUser **out_user,
                               GError    **error)
{
  return find_user (db, USER_COLUMNS "WHERE u.sub = ?1", sub, out_user, error);
}

static gboolean
insert_user_row (KsServerDb      *db,
                 const KsIdpUser *user,
                 gint64           now,
                 GError         **error)
{
  g_autoptr (KsServerDbStmt) stmt = NULL;
  int rc;

  stmt = ks_server_db_prepare (db,
                               "INSERT INTO users (sub, username, email, created_at)"
                               " VALUES (?1, ?2, ?3, ?4)",
                               error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, user->sub);
  ks_sqlite_bind_text (stmt, 2, user->username);
  ks_sqlite_bind_text (stmt, 3, user->email);
  sqlite3_bind_int64 (stmt, 4, now);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT)
    {
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_USERNAME_EXISTS,
                           "User already exists");
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      ks_server_db_set_error (db, rc, error);
      return FALSE;
    }

  return TRUE;
}

gboolean
ks_idp_store_add_user (KsServerDb      *db,
                       const KsIdpUser *user,
                       gint64           now,
                       GError         **error)
{
  g_autoptr (KsServerDbStmt) stmt = NULL;

  if (!insert_user_row (db, user, now, error))
    return FALSE;

  stmt = ks_server_db_prepare (db,
                               "INSERT INTO idp_accounts"
                               " (sub, salt, verifier, confirmed, email_verified, updated_at)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                               error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, user->sub);
  ks_sqlite_bind_text (stmt, 2, user->salt);
  ks_sqlite_bind_text (stmt, 3, user->verifier);
  sqlite3_bind_int (stmt, 4, user->confirmed);
  sqlite3_bind_int (stmt, 5, user->email_verified);
  sqlite3_bind_int64 (stmt, 6, now);

  return step_done (db, stmt, error);
}

gboolean
ks_idp_store_confirm_user (KsServerDb *db,
                           const char *sub,
                           gint64      now,
                           GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = NULL;

  stmt = ks_server_db_prepare (db,
                               "UPDATE idp_accounts SET confirmed = 1, email_verified = 1,"
                               " updated_at = ?2 WHERE sub = ?1",
                               error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, sub);
  sqlite3_bind_int64 (stmt, 2, now);
  return step_done (db, stmt, error);
}

gboolean
ks_idp_store_set_password (KsServerDb *db,
                           const char *sub,
                           const char *salt,
                           const char *verifier,
                           gint64      now,
                           GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = NULL;

  stmt = ks_server_db_prepare (db,
                               "UPDATE idp_accounts SET salt = ?2, verifier = ?3, updated_at = ?4"
                               " WHERE sub = ?1",
                               error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, sub);
  ks_sqlite_bind_text (stmt, 2, salt);
  ks_sqlite_bind_text (stmt, 3, verifier);
  sqlite3_bind_int64 (stmt, 4, now);
  return step_done (db, stmt, error);
}

/* ---- Codes ---- */

/* Codes sent within the current KS_IDP_SEND_WINDOW, 0 if none. */
static gboolean
count_sends (KsServerDb *db,
             const char *sub,
             const char *purpose,
             gint64      now,
             gint64     *out_sends,
             gint64     *out_first_sent,
             GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = NULL;
  gboolean row;

  stmt = ks_server_db_prepare (db,
                               "SELECT sends, first_sent FROM idp_codes"
                               " WHERE sub = ?1 AND purpose = ?2 AND first_sent > ?3",
                               error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, sub);
  ks_sqlite_bind_text (stmt, 2, purpose);
  sqlite3_bind_int64 (stmt, 3, now - KS_IDP_SEND_WINDOW);
  if (!step_row (db, stmt, &row, error))
    return FALSE;

  *out_sends = row ? sqlite3_column_int64 (stmt, 0) : 0;
  *out_first_sent = row ? sqlite3_column_int64 (stmt, 1) : now;
  return TRUE;
}

/* Call inside a transaction. */
gboolean
ks_idp_store_put_code (KsServerDb *db,
                       const char *sub,
                       const char *purpose,
                       const char *code,
                       gint64      now,
                       gint64      expires_at,
                       GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = NULL;
  gint64 sends, first_sent;

  if (!count_sends (db, sub, purpose, now, &sends, &first_sent, error))
    return FALSE;
  if (sends >= KS_IDP_MAX_SENDS)
    {
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_LIMIT_EXCEEDED,
                           "Attempt limit exceeded, please try after some time.");
      return FALSE;
    }

  stmt = ks_server_db_prepare (db,
                               "INSERT OR REPLACE INTO idp_codes"
                               " (sub, purpose, code, expires_at, attempts, sends, first_sent)"
                               " VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
                               error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, sub);
  ks_sqlite_bind_text (stmt, 2, purpose);
  ks_sqlite_bind_text (stmt, 3, code);
  sqlite3_bind_int64 (stmt, 4, expires_at);
  sqlite3_bind_int64 (stmt, 5, sends + 1);
  sqlite3_bind_int64 (stmt, 6, first_sent);
  return step_done (db, stmt, error);
}

static gboolean
update_code (KsServerDb *db,
             const char *sql,
             const char *sub,
             const char *purpose,
             GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = ks_server_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, sub);
  ks_sqlite_bind_text (stmt, 2, purpose);
  return step_done (db, stmt, error);
}

static KsIdpCodeCheck
judge_code (KsServerDbStmt *stmt,
            const char     *code,
            gint64          now)
{
  const char *stored = (const char *) sqlite3_column_text (stmt, 0);

  if (sqlite3_column_int (stmt, 2) >= KS_IDP_CODE_MAX_ATTEMPTS)
    return KS_IDP_CODE_EXHAUSTED;
  if (!ks_streq_constant_time (stored, code))
    return KS_IDP_CODE_MISMATCH;
  if (sqlite3_column_int64 (stmt, 1) <= now)
    return KS_IDP_CODE_EXPIRED;

  return KS_IDP_CODE_OK;
}

/* Call inside a transaction: a right code is deleted, a wrong one counts. */
KsIdpCodeCheck
ks_idp_store_check_code (KsServerDb *db,
                         const char *sub,
                         const char *purpose,
                         const char *code,
                         gint64      now,
                         GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = NULL;
  KsIdpCodeCheck result;
  gboolean       row;
  const char    *sql;

  stmt = ks_server_db_prepare (db,
                               "SELECT code, expires_at, attempts FROM idp_codes"
                               " WHERE sub = ?1 AND purpose = ?2",
                               error);
  if (stmt == NULL)
    return KS_IDP_CODE_NONE;

  ks_sqlite_bind_text (stmt, 1, sub);
  ks_sqlite_bind_text (stmt, 2, purpose);
  if (!step_row (db, stmt, &row, error) || !row)
    return KS_IDP_CODE_NONE;

  result = judge_code (stmt, code, now);
  if (result == KS_IDP_CODE_OK)
    sql = "DELETE FROM idp_codes WHERE sub = ?1 AND purpose = ?2";
  else if (result == KS_IDP_CODE_MISMATCH)
    sql = "UPDATE idp_codes SET attempts = attempts + 1 WHERE sub = ?1 AND purpose = ?2";
  else
    return result;

  if (!update_code (db, sql, sub, purpose, error))
    return KS_IDP_CODE_NONE;
  return result;
}

/* ---- Sessions ---- */

gboolean
ks_idp_store_add_session (KsServerDb         *db,
                          const char         *token_hash,
                          const KsIdpSession *session,
                          GError            **error)
{
  g_autoptr (KsServerDbStmt) stmt = NULL;

  stmt = ks_server_db_prepare (db,
                               "INSERT INTO idp_sessions"
                               " (token_hash, sub, origin_jti, auth_time, expires_at, revoked)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, 0)",
                               error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, token_hash);
  ks_sqlite_bind_text (stmt, 2, session->sub);
  ks_sqlite_bind_text (stmt, 3, session->origin_jti);
  sqlite3_bind_int64 (stmt, 4, session->auth_time);
  sqlite3_bind_int64 (stmt, 5, session->expires_at);
  return step_done (db, stmt, error);
}

KsIdpSession *
ks_idp_store_find_session (KsServerDb *db,
                           const char *token_hash,
                           GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = NULL;
  KsIdpSession *session;
  gboolean      row;

  stmt = ks_server_db_prepare (db,
                               "SELECT sub, origin_jti, auth_time, expires_at, revoked"
                               " FROM idp_sessions WHERE token_hash = ?1",
                               error);
  if (stmt == NULL)
    return NULL;

  ks_sqlite_bind_text (stmt, 1, token_hash);
  if (!step_row (db, stmt, &row, error) || !row)
    return NULL;

  session = g_new0 (KsIdpSession, 1);
  session->sub = ks_sqlite_column_dup_text (stmt, 0);
  session->origin_jti = ks_sqlite_column_dup_text (stmt, 1);
  session->auth_time = sqlite3_column_int64 (stmt, 2);
  session->expires_at = sqlite3_column_int64 (stmt, 3);
  session->revoked = sqlite3_column_int (stmt, 4) != 0;

  return session;
}

gboolean
ks_idp_store_is_session_revoked (KsServerDb *db,
                                 const char *origin_jti,
                                 gboolean   *out_revoked,
                                 GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = NULL;
  gboolean row;

  stmt = ks_server_db_prepare (db, "SELECT revoked FROM idp_sessions WHERE origin_jti = ?1", error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, origin_jti);
  if (!step_row (db, stmt, &row, error))
    return FALSE;

  *out_revoked = !row || sqlite3_column_int (stmt, 0) != 0;
  return TRUE;
}

static gboolean
exec_with_key (KsServerDb *db,
               const char *sql,
               const char *key,
               GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = ks_server_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, key);
  return step_done (db, stmt, error);
}

gboolean
ks_idp_store_revoke_sessions (KsServerDb *db,
                              const char *sub,
                              GError    **error)
{
  return exec_with_key (db, "UPDATE idp_sessions SET revoked = 1 WHERE sub = ?1", sub, error);
}

gboolean
ks_idp_store_revoke_session (KsServerDb *db,
                             const char *token_hash,
                             GError    **error)
{
  return exec_with_key (db, "UPDATE idp_sessions SET revoked = 1 WHERE token_hash = ?1", token_hash, error);
}

/* ---- Challenges ---- */

static gboolean
delete_before (KsServerDb *db,
               const char *sql,
               gint64      now,
               GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = ks_server_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, now);
  return step_done (db, stmt, error);
}

gboolean
ks_idp_store_use_challenge (KsServerDb *db,
                            const char *challenge_hash,
                            gint64      expires_at,
                            gint64      now,
                            gboolean   *out_fresh,
                            GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = NULL;

  if (!delete_before (db, "DELETE FROM idp_used_challenges WHERE expires_at < ?1", now, error))
    return FALSE;

  stmt = ks_server_db_prepare (db,
                               "INSERT OR IGNORE INTO idp_used_challenges (challenge_hash, expires_at)"
                               " VALUES (?1, ?2)",
                               error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, challenge_hash);
  sqlite3_bind_int64 (stmt, 2, expires_at);
  if (!step_done (db, stmt, error))
    return FALSE;

  *out_fresh = changes (db) == 1;
  return TRUE;
}

/* ---- Failed sign-ins ---- */

gboolean
ks_idp_store_get_lockout (KsServerDb *db,
                          const char *username,
                          gint64      now,
                          gint64     *out_locked_until,
                          GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = NULL;
  gboolean row;

  stmt = ks_server_db_prepare (db,
                               "SELECT locked_until FROM idp_sign_in_failures"
                               " WHERE username = ?1 AND locked_until > ?2",
                               error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, username);
  sqlite3_bind_int64 (stmt, 2, now);
  if (!step_row (db, stmt, &row, error))
    return FALSE;

  *out_locked_until = row ? sqlite3_column_int64 (stmt, 0) : 0;
  return TRUE;
}

/* A new window opens when the last one is over; the lock starts with the
 * failure that reaches the limit. Rows of quiet names are dropped here,
 * so names nobody owns cannot fill the table. */
gboolean
ks_idp_store_add_failure (KsServerDb *db,
                          const char *username,
                          gint64      now,
                          GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = NULL;

  if (!delete_before (db,
                      "DELETE FROM idp_sign_in_failures WHERE window_start < ?1 - " G_STRINGIFY (KS_IDP_FAILURE_WINDOW) " AND locked_until < ?1",
                      now, error))
    return FALSE;

  stmt = ks_server_db_prepare (db,
                               "INSERT INTO idp_sign_in_failures (username, failures, window_start)"
                               " VALUES (?1, 1, ?2)"
                               " ON CONFLICT (username) DO UPDATE SET failures = failures + 1",
                               error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, username);
  sqlite3_bind_int64 (stmt, 2, now);
  if (!step_done (db, stmt, error))
    return FALSE;

  g_clear_pointer (&stmt, sqlite3_finalize);
  stmt = ks_server_db_prepare (db,
                               "UPDATE idp_sign_in_failures SET locked_until = ?2 + " G_STRINGIFY (KS_IDP_LOCKOUT) " WHERE username = ?1 AND failures >= " G_STRINGIFY (KS_IDP_MAX_FAILURES),
                               error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, username);
  sqlite3_bind_int64 (stmt, 2, now);
  return step_done (db, stmt, error);
}

gboolean
ks_idp_store_clear_failures (KsServerDb *db,
                             const char *username,
                             GError    **error)
{
  return exec_with_key (db, "DELETE FROM idp_sign_in_failures WHERE username = ?1", username, error);
}
