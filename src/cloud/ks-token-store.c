/* ks-token-store.c: refresh tokens in the Secret Service, or in a file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "ks-cloud-error.h"
#include "ks-cloud-private.h"
#include "ks-json.h"
#include "ks-token-store.h"

struct _KsTokenStore
{
  GObject          parent_instance;
  KsTokenStoreKind kind;
  char            *dir; /* file store: where tokens/ lives */
};

G_DEFINE_FINAL_TYPE (KsTokenStore, ks_token_store, G_TYPE_OBJECT)

static const SecretSchema *
account_schema (void)
{
  static const SecretSchema schema = {
    "io.github.keepsake.Keepsake.Account",
    SECRET_SCHEMA_NONE,
    {
        { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "username", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
    },
    0,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
  };

  return &schema;
}

static void
ks_token_store_finalize (GObject *object)
{
  KsTokenStore *self = KS_TOKEN_STORE (object);

  g_free (self->dir);

  G_OBJECT_CLASS (ks_token_store_parent_class)->finalize (object);
}

static void
ks_token_store_class_init (KsTokenStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_token_store_finalize;
}

static void
ks_token_store_init (KsTokenStore *self)
{
}

KsTokenStore *
ks_token_store_new (KsTokenStoreKind kind,
                    const char      *dir)
{
  KsTokenStore *self = g_object_new (KS_TYPE_TOKEN_STORE, NULL);

  self->kind = kind;
  self->dir = dir != NULL ? g_strdup (dir) : g_build_filename (g_get_user_state_dir (), "keepsake", NULL);
  return self;
}

KsTokenStoreKind
ks_token_store_get_kind (KsTokenStore *self)
{
  g_return_val_if_fail (KS_IS_TOKEN_STORE (self), KS_TOKEN_STORE_SECRET_SERVICE);

  return self->kind;
}

/* ---- Requests ---- */

typedef enum
{
  OP_SAVE,
  OP_LOOKUP,
  OP_CLEAR,
} StoreOp;

typedef struct
{
  StoreOp op;
  char   *profile;
  char   *username;
  char   *token; /* save: wiped */
} StoreRequest;

static void
store_request_free (StoreRequest *request)
{
  g_free (request->profile);
  g_free (request->username);
  ks_cloud_secret_free (request->token);
  g_free (request);
}

static GTask *
new_task (KsTokenStore       *self,
          StoreOp             op,
          const char         *profile,
          const char         *username,
          const char         *token,
          gpointer            source_tag,
          GCancellable       *cancellable,
          GAsyncReadyCallback callback,
          gpointer            user_data)
{
  GTask        *task = g_task_new (self, cancellable, callback, user_data);
  StoreRequest *request = g_new0 (StoreRequest, 1);

  g_task_set_source_tag (task, source_tag);
  request->op = op;
  request->profile = g_strdup (profile);
  request->username = g_strdup (username);
  request->token = g_strdup (token);
  g_task_set_task_data (task, request, (GDestroyNotify) store_request_free);
  return task;
}

/* ---- Secret Service ---- */

static GError *
secret_service_error (GError *error)
{
  GError *converted;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;

  g_debug ("Secret Service: %s", error->message);
  converted = g_error_new_literal (KS_CLOUD_ERROR, KS_CLOUD_ERROR_NO_SECRET_SERVICE,
                                   _ ("No keyring is available to keep you signed in: start GNOME "
                                      "Keyring or another Secret Service, or choose to keep the "
                                      "sign-in in a file."));
  g_error_free (error);
  return converted;
}

static void
secret_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  StoreRequest *request = g_task_get_task_data (task);
  GError       *error = NULL;
  char         *token;

  switch (request->op)
    {
    case OP_SAVE:
      if (secret_password_store_finish (result, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, secret_service_error (error));
      break;

    case OP_LOOKUP:
      token = secret_password_lookup_finish (result, &error);
      if (error != NULL)
        g_task_return_error (task, secret_service_error (error));
      else
        g_task_return_pointer (task, token, (GDestroyNotify) secret_password_free);
      break;

    case OP_CLEAR:
      /* FALSE without an error: nothing was stored. */
      secret_password_clear_finish (result, &error);
      if (error != NULL)
        g_task_return_error (task, secret_service_error (error));
      else
        g_task_return_boolean (task, TRUE);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
secret_run (GTask *task)
{
  StoreRequest    *request = g_task_get_task_data (task);
  GCancellable    *cancellable = g_task_get_cancellable (task);
  g_autofree char *label = NULL;

  switch (request->op)
    {
    case OP_SAVE:
      label = g_strdup_printf (_ ("Keepsake sign-in of %s (%s)"), request->username,
                               request->profile);
      secret_password_store (account_schema (), SECRET_COLLECTION_DEFAULT, label, request->token,
                             cancellable, secret_done_cb, task,
                             "profile", request->profile,
                             "username", request->username,
                             NULL);
      break;

    case OP_LOOKUP:
      secret_password_lookup (account_schema (), cancellable, secret_done_cb, task,
                              "profile", request->profile,
                              "username", request->username,
                              NULL);
      break;

    case OP_CLEAR:
      secret_password_clear (account_schema (), cancellable, secret_done_cb, task,
                             "profile", request->profile,
                             "username", request->username,
                             NULL);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* ---- File: {"<username>": "<refresh token>", ...} per profile ---- */

static char *
file_path (KsTokenStore *self,
           const char   *profile)
{
  g_autofree char *name = g_strconcat (profile, ".json", NULL);

  return g_build_filename (self->dir, "tokens", name, NULL);
}

static JsonObject *
file_read (const char *path,
           GError    **error)
{
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) root = NULL;
  gsize   len = 0;
  GError *local_error = NULL;

  if (!g_file_get_contents (path, &text, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_error_free (local_error);
          return json_object_new ();
        }
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                   _ ("The token file %s cannot be read: %s"), path, local_error->message);
      g_error_free (local_error);
      return NULL;
    }

  root = ks_json_parse_strict (text, len, 2, NULL);
  explicit_bzero (text, len);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                   _ ("The token file %s is damaged: sign in again."), path);
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

static gboolean
file_write (const char *path,
            JsonObject *object,
            GError    **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  gsize            len = 0;
  GError          *local_error = NULL;
  gboolean         ok;

  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                   _ ("The folder %s cannot be created: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  json_node_set_object (root, object);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &len);
  ok = g_file_set_contents_full (path, text, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 &local_error);
  explicit_bzero (text, len);
  if (!ok)
    {
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                   _ ("The token file %s cannot be written: %s"), path, local_error->message);
      g_error_free (local_error);
    }
  return ok;
}

static void
file_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  KsTokenStore    *self = source_object;
  StoreRequest    *request = task_data;
  g_autofree char *path = file_path (self, request->profile);
  JsonObject      *object;
  const char      *token = NULL;
  GError          *error = NULL;
  gboolean         ok = TRUE;

  object = file_read (path, &error);
  if (object == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  switch (request->op)
    {
    case OP_SAVE:
      json_object_set_string_member (object, request->username, request->token);
      ok = file_write (path, object, &error);
      break;

    case OP_LOOKUP:
      if (!ks_json_object_get_string_member_checked (object, request->username, FALSE, &token,
                                                     NULL))
        token = NULL;
      g_task_return_pointer (task, g_strdup (token), (GDestroyNotify) ks_cloud_secret_free);
      break;

    case OP_CLEAR:
      if (json_object_has_member (object, request->username))
        {
          json_object_remove_member (object, request->username);
          ok = json_object_get_size (object) > 0 ? file_write (path, object, &error)
                                                 : (g_unlink (path) == 0 || errno == ENOENT);
        }
      break;

    default:
      g_assert_not_reached ();
    }

  json_object_unref (object);
  if (request->op == OP_LOOKUP)
    return;
  if (ok)
    g_task_return_boolean (task, TRUE);
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                             _ ("The token file %s cannot be removed."), path);
}

/* ---- Public ---- */

static void
run (KsTokenStore *self,
     GTask        *task)
{
  StoreRequest *request = g_task_get_task_data (task);

  if (!ks_profile_name_is_valid (request->profile) || request->username == NULL ||
      *request->username == '\0')
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                               _ ("There is no profile named “%s”."), request->profile);
      g_object_unref (task);
      return;
    }

  if (self->kind == KS_TOKEN_STORE_SECRET_SERVICE)
    secret_run (task);
  else
    {
      g_task_run_in_thread (task, file_thread);
      g_object_unref (task);
    }
}

void
ks_token_store_save_async (KsTokenStore       *self,
                           const char         *profile,
                           const char         *username,
                           const char         *refresh_token,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_return_if_fail (KS_IS_TOKEN_STORE (self));
  g_return_if_fail (refresh_token != NULL);

  run (self, new_task (self, OP_SAVE, profile, username, refresh_token, ks_token_store_save_async,
                       cancellable, callback, user_data));
}

gboolean
ks_token_store_save_finish (KsTokenStore *self,
                            GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ks_token_store_lookup_async (KsTokenStore       *self,
                             const char         *profile,
                             const char         *username,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_return_if_fail (KS_IS_TOKEN_STORE (self));

  run (self, new_task (self, OP_LOOKUP, profile, username, NULL, ks_token_store_lookup_async,
                       cancellable, callback, user_data));
}

char *
ks_token_store_lookup_finish (KsTokenStore *self,
                              GAsyncResult *result,
                              GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ks_token_store_clear_async (KsTokenStore       *self,
                            const char         *profile,
                            const char         *username,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_return_if_fail (KS_IS_TOKEN_STORE (self));

  run (self, new_task (self, OP_CLEAR, profile, username, NULL, ks_token_store_clear_async,
                       cancellable, callback, user_data));
}

gboolean
ks_token_store_clear_finish (KsTokenStore *self,
                             GAsyncResult *result,
                             GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
