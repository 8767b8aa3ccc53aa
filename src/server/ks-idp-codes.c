/* ks-idp-codes.c: confirmation and password-reset codes, and how they
 * reach people without a mail server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-code-file.h"
#include "ks-idp-private.h"
#include "ks-idp-store.h"

#define CODE_DIGITS 6
#define CODE_RANGE 1000000u

static char *
new_code (void)
{
  /* The largest multiple of CODE_RANGE that fits: no modulo bias. */
  const guint32 limit = G_MAXUINT32 - (G_MAXUINT32 % CODE_RANGE);
  guint32       value;

  do
    ks_random_bytes ((guint8 *) &value, sizeof value);
  while (value >= limit);

  return g_strdup_printf ("%0*u", CODE_DIGITS, value % CODE_RANGE);
}

/* "a***@e***", as Cognito shows where a code went. */
static char *
mask_email (const char *email)
{
  const char      *at = strchr (email, '@');
  g_autofree char *first = NULL;
  g_autofree char *domain_first = NULL;

  if (at == NULL || at == email || at[1] == '\0')
    return g_strdup ("***");

  first = g_utf8_substring (email, 0, 1);
  domain_first = g_utf8_substring (at + 1, 0, 1);
  return g_strdup_printf ("%s***@%s***", first, domain_first);
}

/* A user without an address (signed up on a server with --auto-confirm)
 * gets the code in the file only, and no CodeDeliveryDetails. */
JsonNode *
ks_idp_code_delivery_reply (const char *email)
{
  g_autofree char *destination = NULL;
  JsonObject      *details = NULL;
  JsonObject      *reply = json_object_new ();
  JsonNode        *node = json_node_new (JSON_NODE_OBJECT);

  if (email == NULL)
    {
      json_node_take_object (node, reply);
      return node;
    }

  destination = mask_email (email);
  details = json_object_new ();
  json_object_set_string_member (details, "Destination", destination);
  json_object_set_string_member (details, "DeliveryMedium", "EMAIL");
  json_object_set_string_member (details, "AttributeName", "email");
  json_object_set_object_member (reply, "CodeDeliveryDetails", details);
  json_node_take_object (node, reply);
  return node;
}

/*
 * There is no mail server: the code goes to the server log and to
 * <data dir>/confirmation-codes/<username> (or password-reset-codes/),
 * readable only by the server's owner. Failing to write the file is not
 * fatal: the log has the code.
 */
static void
deliver (KsIdpCall       *call,
         const KsIdpUser *user,
         const char      *purpose,
         const char      *code)
{
  g_autofree char *path = ks_code_file_path (call->idp->data_path, purpose, user->username);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *contents = g_strconcat (code, "\n", NULL);
  g_autoptr (GError) error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_warning ("Cannot write the code for “%s” to %s: %s", user->username, path,
               error != NULL ? error->message : g_strerror (errno));

  g_message ("%s code for “%s” (%s): %s",
             g_str_equal (purpose, "confirm") ? "Confirmation" : "Password reset",
             user->username, user->email != NULL ? user->email : "no e-mail address", code);
}

/* A fresh code for @purpose ("confirm" or "reset"), stored and sent. */
gboolean
ks_idp_send_code (KsIdpCall       *call,
                  const KsIdpUser *user,
                  const char      *purpose,
                  GError         **error)
{
  g_autofree char *code = new_code ();
  gint64           lifetime = g_str_equal (purpose, "confirm") ? KS_IDP_CONFIRM_CODE_LIFETIME
                                                               : KS_IDP_RESET_CODE_LIFETIME;

  if (!ks_idp_store_begin (call->db, error))
    return FALSE;
  if (!ks_idp_store_put_code (call->db, user->sub, purpose, code, call->now, call->now + lifetime, error) ||
      !ks_idp_store_commit (call->db, error))
    {
      ks_idp_store_rollback (call->db);
      return FALSE;
    }

  deliver (call, user, purpose, code);
  return TRUE;
}

/* Checks and uses up a code; Cognito's exceptions for the rest. */
gboolean
ks_idp_use_code (KsIdpCall       *call,
                 const KsIdpUser *user,
                 const char      *purpose,
                 const char      *code,
                 GError         **error)
{
  GError        *local_error = NULL;
  KsIdpCodeCheck check = ks_idp_store_check_code (call->db, user->sub, purpose, code, call->now,
                                                  &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  switch (check)
    {
    case KS_IDP_CODE_OK:
      return TRUE;
    case KS_IDP_CODE_MISMATCH:
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_CODE_MISMATCH,
                           "Invalid verification code provided, please try again.");
      return FALSE;
    case KS_IDP_CODE_EXHAUSTED:
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_LIMIT_EXCEEDED,
                           "Attempt limit exceeded, please try after some time.");
      return FALSE;
    case KS_IDP_CODE_EXPIRED:
    case KS_IDP_CODE_NONE:
    default:
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_EXPIRED_CODE,
                           "Invalid code provided, please request a code again.");
      return FALSE;
    }
}
