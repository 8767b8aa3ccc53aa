/* ks-idp-signup.c: SignUp, ConfirmSignUp, ResendConfirmationCode,
 * ForgotPassword and ConfirmForgotPassword
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-idp-private.h"
#include "ks-idp-store.h"
#include "ks-srp.h"

#define MAX_ATTRIBUTES 32

static JsonNode *
empty_reply (void)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, json_object_new ());
  return node;
}

/* Members every operation here accepts besides its own. */
static gboolean
check_common (KsIdpCall         *call,
              const char *const *members,
              const char       **out_username,
              GError           **error)
{
  JsonObject *ignored = NULL;
  const char *secret_hash = NULL;

  return ks_idp_check_members (call->body, members, error) &&
         ks_idp_check_client_id (call, call->body, error) &&
         ks_idp_get_string (call->body, "Username", TRUE, out_username, error) &&
         ks_idp_get_string (call->body, "SecretHash", FALSE, &secret_hash, error) &&
         ks_idp_get_string_map (call->body, "ClientMetadata", FALSE, &ignored, error);
}

/* ---- SignUp ---- */

static gboolean
schema_error (GError    **error,
              const char *detail)
{
  g_set_error (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
               "Attributes did not conform to the schema: %s", detail);
  return FALSE;
}

static gboolean
get_attribute (JsonNode    *element,
               const char **out_name,
               const char **out_value,
               GError     **error)
{
  static const char *const members[] = { "Name", "Value", NULL };
  JsonObject              *object;

  if (!JSON_NODE_HOLDS_OBJECT (element))
    return schema_error (error, "an attribute is not an object");

  object = json_node_get_object (element);
  *out_value = "";
  return ks_idp_check_members (object, members, error) &&
         ks_idp_get_string (object, "Name", TRUE, out_name, error) &&
         ks_idp_get_string (object, "Value", FALSE, out_value, error);
}

/* UserAttributes: only "email" is in this pool's schema, required unless
 * @required is FALSE (then a missing one leaves @out_email NULL). */
static gboolean
get_email (JsonObject  *body,
           gboolean     required,
           const char **out_email,
           GError     **error)
{
  JsonNode  *node = json_object_get_member (body, "UserAttributes");
  JsonArray *array;

  *out_email = NULL;
  if (node != NULL && !JSON_NODE_HOLDS_ARRAY (node))
    return schema_error (error, "UserAttributes must be a list");

  array = node != NULL ? json_node_get_array (node) : NULL;
  if (array != NULL && json_array_get_length (array) > MAX_ATTRIBUTES)
    return schema_error (error, "too many attributes");

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      const char *name, *value;

      if (!get_attribute (json_array_get_element (array, i), &name, &value, error))
        return FALSE;
      if (strcmp (name, "email") != 0)
        {
          g_set_error (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
                       "Attributes did not conform to the schema: "
                       "Type for attribute {%s} could not be determined",
                       name);
          return FALSE;
        }
      *out_email = value;
    }

  if (*out_email == NULL)
    return !required || schema_error (error, "email: The attribute is required");
  return ks_idp_check_email (*out_email, error);
}

/* ValidationData is for Lambda triggers, which this pool has none of. */
static gboolean
check_validation_data (JsonObject *body,
                       GError    **error)
{
  JsonNode *node = json_object_get_member (body, "ValidationData");

  if (node == NULL || JSON_NODE_HOLDS_ARRAY (node))
    return TRUE;

  g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
                       "1 validation error detected: 'ValidationData' must be a list");
  return FALSE;
}

static gboolean
add_user (KsIdpCall *call,
          KsIdpUser *user,
          GError   **error)
{
  if (!ks_idp_store_begin (call->db, error))
    return FALSE;

  if (!ks_idp_store_add_user (call->db, user, call->now, error) ||
      !ks_idp_store_commit (call->db, error))
    {
      ks_idp_store_rollback (call->db);
      return FALSE;
    }

  return TRUE;
}

static JsonNode *
sign_up_reply (const KsIdpUser *user,
               gboolean         confirmed)
{
  JsonNode   *node = confirmed ? empty_reply () : ks_idp_code_delivery_reply (user->email);
  JsonObject *reply = json_node_get_object (node);

  json_object_set_boolean_member (reply, "UserConfirmed", confirmed);
  json_object_set_string_member (reply, "UserSub", user->sub);
  return node;
}

JsonNode *
ks_idp_sign_up (KsIdpCall *call,
                GError   **error)
{
  static const char *const members[] = {
    "ClientId", "SecretHash", "Username", "Password", "UserAttributes", "ValidationData",
    "AnalyticsMetadata", "UserContextData", "ClientMetadata", NULL
  };
  const char *username, *password = NULL, *email;
  g_autoptr (KsIdpUser) user = g_new0 (KsIdpUser, 1);

  if (!check_common (call, members, &username, error) ||
      !ks_idp_check_username (username, error) ||
      !ks_idp_get_string (call->body, "Password", FALSE, &password, error) ||
      !get_email (call->body, !call->auto_confirm, &email, error) ||
      !check_validation_data (call->body, error))
    return NULL;

  if (password == NULL)
    {
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
                           "Missing required parameter Password");
      return NULL;
    }
  if (!ks_idp_check_password (password, error))
    return NULL;

  user->sub = g_uuid_string_random ();
  user->username = g_strdup (username);
  user->email = g_strdup (email);
  /* --auto-confirm stands for a pre-sign-up trigger with autoConfirmUser:
   * confirmed, but nobody checked the address. Such a pool sends nothing
   * at sign-up, so it does not require one (the app's own server on
   * this computer has nobody to write to). */
  user->confirmed = call->auto_confirm;
  if (!ks_srp_make_verifier (call->idp->pool_id, username, password, &user->salt, &user->verifier, error) ||
      !add_user (call, user, error))
    return NULL;

  if (!user->confirmed && !ks_idp_send_code (call, user, "confirm", error))
    return NULL;

  g_message ("New user “%s” (%s)%s", user->username, user->sub, user->confirmed ? ", auto-confirmed" : "");
  return sign_up_reply (user, user->confirmed);
}

/* ---- Codes ---- */

/* What a right code allows; errors other than KS_IDP_ERROR undo it all. */
typedef gboolean (*CodeAction) (KsIdpCall       *call,
                                const KsIdpUser *user,
                                gpointer         data,
                                GError         **error);

/*
 * Checks @code inside a transaction that is committed whatever the code
 * was, so a wrong one counts. @action runs only for a right code.
 */
static gboolean
use_code_then (KsIdpCall       *call,
               const KsIdpUser *user,
               const char      *purpose,
               const char      *code,
               CodeAction       action,
               gpointer         data,
               GError         **error)
{
  g_autoptr (GError) code_error = NULL;
  gboolean ok;

  if (!ks_idp_store_begin (call->db, error))
    return FALSE;

  ok = ks_idp_use_code (call, user, purpose, code, &code_error) &&
       action (call, user, data, &code_error);
  if (code_error != NULL && code_error->domain != KS_IDP_ERROR)
    {
      ks_idp_store_rollback (call->db);
      g_propagate_error (error, g_steal_pointer (&code_error));
      return FALSE;
    }
  if (!ks_idp_store_commit (call->db, error))
    return FALSE;

  if (!ok)
    g_propagate_error (error, g_steal_pointer (&code_error));
  return ok;
}

static gboolean
confirm_action (KsIdpCall       *call,
                const KsIdpUser *user,
                gpointer         data,
                GError         **error)
{
  return ks_idp_store_confirm_user (call->db, user->sub, call->now, error);
}

static gboolean
code_mismatch (GError **error)
{
  g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_CODE_MISMATCH,
                       "Invalid verification code provided, please try again.");
  return FALSE;
}

JsonNode *
ks_idp_confirm_sign_up (KsIdpCall *call,
                        GError   **error)
{
  static const char *const members[] = {
    "ClientId", "SecretHash", "Username", "ConfirmationCode", "ForceAliasCreation",
    "AnalyticsMetadata", "UserContextData", "ClientMetadata", "Session", NULL
  };
  const char *username, *code, *session = NULL;
  gboolean    force = FALSE;
  g_autoptr (KsIdpUser) user = NULL;

  if (!check_common (call, members, &username, error) ||
      !ks_idp_get_string (call->body, "ConfirmationCode", TRUE, &code, error) ||
      !ks_idp_check_code_format (code, error) ||
      !ks_idp_get_string (call->body, "Session", FALSE, &session, error) ||
      !ks_idp_get_boolean (call->body, "ForceAliasCreation", &force, error))
    return NULL;

  if (!ks_idp_store_find_user (call->db, username, &user, error))
    return NULL;
  if (user == NULL)
    {
      code_mismatch (error);
      return NULL;
    }
  if (user->confirmed)
    {
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_NOT_AUTHORIZED,
                           "User cannot be confirmed. Current status is CONFIRMED");
      return NULL;
    }

  if (!use_code_then (call, user, "confirm", code, confirm_action, NULL, error))
    return NULL;

  g_message ("User “%s” confirmed", user->username);
  return empty_reply ();
}

/* For a name nobody has, the answer a real user would get: Cognito's
 * user-existence protection. */
static JsonNode *
pretend_sent (const char *username)
{
  return ks_idp_code_delivery_reply (strchr (username, '@') != NULL ? username : "user@mail");
}

JsonNode *
ks_idp_resend_confirmation_code (KsIdpCall *call,
                                 GError   **error)
{
  static const char *const members[] = {
    "ClientId", "SecretHash", "Username", "AnalyticsMetadata", "UserContextData",
    "ClientMetadata", NULL
  };
  const char *username;
  g_autoptr (KsIdpUser) user = NULL;

  if (!check_common (call, members, &username, error))
    return NULL;

  if (!ks_idp_store_find_user (call->db, username, &user, error))
    return NULL;
  if (user == NULL)
    return pretend_sent (username);
  if (user->confirmed)
    {
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
                           "User is already confirmed.");
      return NULL;
    }

  if (!ks_idp_send_code (call, user, "confirm", error))
    return NULL;
  return ks_idp_code_delivery_reply (user->email);
}

/* ---- Forgotten passwords ---- */

JsonNode *
ks_idp_forgot_password (KsIdpCall *call,
                        GError   **error)
{
  static const char *const members[] = {
    "ClientId", "SecretHash", "Username", "AnalyticsMetadata", "UserContextData",
    "ClientMetadata", NULL
  };
  const char *username;
  g_autoptr (KsIdpUser) user = NULL;

  if (!check_common (call, members, &username, error))
    return NULL;

  if (!ks_idp_store_find_user (call->db, username, &user, error))
    return NULL;
  if (user == NULL)
    return pretend_sent (username);
  if (!user->confirmed)
    {
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
                           "Cannot reset password for the user as there is no registered/verified "
                           "email or phone_number");
      return NULL;
    }

  if (!ks_idp_send_code (call, user, "reset", error))
    return NULL;
  return ks_idp_code_delivery_reply (user->email);
}

/* A reset password signs out every session: whoever knew the old one
 * should not stay signed in. */
static gboolean
reset_action (KsIdpCall       *call,
              const KsIdpUser *user,
              gpointer         password,
              GError         **error)
{
  return ks_idp_set_password (call, user, password, error) &&
         ks_idp_store_revoke_sessions (call->db, user->sub, error) &&
         ks_idp_store_clear_failures (call->db, user->username, error);
}

JsonNode *
ks_idp_confirm_forgot_password (KsIdpCall *call,
                                GError   **error)
{
  static const char *const members[] = {
    "ClientId", "SecretHash", "Username", "ConfirmationCode", "Password",
    "AnalyticsMetadata", "UserContextData", "ClientMetadata", NULL
  };
  const char *username, *code, *password;
  g_autoptr (KsIdpUser) user = NULL;

  if (!check_common (call, members, &username, error) ||
      !ks_idp_get_string (call->body, "ConfirmationCode", TRUE, &code, error) ||
      !ks_idp_check_code_format (code, error) ||
      !ks_idp_get_string (call->body, "Password", TRUE, &password, error) ||
      !ks_idp_check_password (password, error))
    return NULL;

  if (!ks_idp_store_find_user (call->db, username, &user, error))
    return NULL;
  if (user == NULL)
    {
      code_mismatch (error);
      return NULL;
    }

  if (!use_code_then (call, user, "reset", code, reset_action, (gpointer) password, error))
    return NULL;

  g_message ("Password of “%s” reset", user->username);
  return empty_reply ();
}
