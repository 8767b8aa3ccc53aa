/* ks-idp-auth.c: InitiateAuth, RespondToAuthChallenge, ChangePassword and
 * the throttle on wrong passwords
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-idp-private.h"
#include "ks-idp-store.h"
#include "ks-srp-private.h"
#include "ks-srp.h"

static const char *const auth_flows[] = {
  "USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "CUSTOM_AUTH",
  "ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_AUTH",
  NULL
};

static const char *const challenge_names[] = {
  "SMS_MFA", "EMAIL_OTP", "SOFTWARE_TOKEN_MFA", "SELECT_MFA_TYPE", "MFA_SETUP",
  "PASSWORD_VERIFIER", "CUSTOM_CHALLENGE", "SELECT_CHALLENGE", "DEVICE_SRP_AUTH",
  "DEVICE_PASSWORD_VERIFIER", "ADMIN_NO_SRP_AUTH", "NEW_PASSWORD_REQUIRED",
  "SMS_OTP", "PASSWORD", "WEB_AUTHN", "PASSWORD_SRP",
  NULL
};

static gboolean
wrong_password (GError **error)
{
  g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_NOT_AUTHORIZED,
                       "Incorrect username or password.");
  return FALSE;
}

/* ---- The throttle ---- */

/*
 * After KS_IDP_MAX_FAILURES wrong passwords for one name within
 * KS_IDP_FAILURE_WINDOW, every sign-in with that name is refused for
 * KS_IDP_LOCKOUT, the right password included, with Cognito's
 * NotAuthorizedException "Password attempts exceeded". Names nobody has
 * count too, so the answer does not tell them apart.
 */
gboolean
ks_idp_check_sign_in_allowed (KsIdpCall  *call,
                              const char *username,
                              GError    **error)
{
  gint64 locked_until = 0;

  if (!ks_idp_store_get_lockout (call->db, username, call->now, &locked_until, error))
    return FALSE;

  if (locked_until > 0)
    {
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_NOT_AUTHORIZED,
                           "Password attempts exceeded");
      return FALSE;
    }

  return TRUE;
}

gboolean
ks_idp_note_sign_in_result (KsIdpCall  *call,
                            const char *username,
                            gboolean    success,
                            GError    **error)
{
  g_autofree char *printable = NULL;

  if (success)
    return ks_idp_store_clear_failures (call->db, username, error);

  /* Any name can be tried: keep the log line one line. */
  printable = g_strescape (username, NULL);
  g_message ("Failed sign-in for “%s”", printable);
  return ks_idp_store_add_failure (call->db, username, call->now, error);
}

/* The password was right: tokens, if the account may sign in. */
JsonNode *
ks_idp_finish_sign_in (KsIdpCall       *call,
                       const KsIdpUser *user,
                       GError         **error)
{
  if (!ks_idp_note_sign_in_result (call, user->username, TRUE, error))
    return NULL;

  if (!user->confirmed)
    {
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_USER_NOT_CONFIRMED,
                           "User is not confirmed.");
      return NULL;
    }

  return ks_idp_tokens_issue (call, user, error);
}

/* ---- Passwords ---- */

/* Only a salt and a verifier are stored, so the password is checked by
 * computing its verifier again. A name nobody has costs the same work. */
static gboolean
password_matches (KsIdpCall       *call,
                  const KsIdpUser *user,
                  const char      *username,
                  const char      *password)
{
  g_autofree char *fake_salt = NULL;
  g_autofree char *fake_verifier = NULL;
  g_autofree char *computed = NULL;
  g_autoptr (GError) local_error = NULL;

  if (user == NULL)
    ks_idp_fake_credentials (call->idp, username, &fake_salt, &fake_verifier);

  computed = ks_srp_make_verifier_with_salt (call->idp->pool_id,
                                             user != NULL ? user->username : username,
                                             password,
                                             user != NULL ? user->salt : fake_salt,
                                             &local_error);
  if (computed == NULL)
    {
      g_debug ("Password not checked: %s", local_error->message);
      return FALSE;
    }

  return ks_streq_constant_time (computed, user != NULL ? user->verifier : fake_verifier) &&
         user != NULL;
}

/* Throttle, look up, check: the user whose password @password is. */
static KsIdpUser *
check_password (KsIdpCall  *call,
                const char *username,
                const char *password,
                GError    **error)
{
  g_autoptr (KsIdpUser) user = NULL;

  if (!ks_idp_check_sign_in_allowed (call, username, error))
    return NULL;

  if (!ks_idp_store_find_user (call->db, username, &user, error))
    return NULL;

  if (!password_matches (call, user, username, password))
    {
      if (ks_idp_note_sign_in_result (call, username, FALSE, error))
        wrong_password (error);
      return NULL;
    }

  return g_steal_pointer (&user);
}

static JsonNode *
password_auth (KsIdpCall  *call,
               JsonObject *parameters,
               GError    **error)
{
  const char *username, *password;
  g_autoptr (KsIdpUser) user = NULL;

  if (!ks_idp_get_parameter (parameters, "USERNAME", &username, error) ||
      !ks_idp_get_parameter (parameters, "PASSWORD", &password, error) ||
      (user = check_password (call, username, password, error)) == NULL)
    return NULL;

  return ks_idp_finish_sign_in (call, user, error);
}

static JsonNode *
refresh_auth (KsIdpCall  *call,
              JsonObject *parameters,
              GError    **error)
{
  const char *refresh_token;

  if (!ks_idp_get_parameter (parameters, "REFRESH_TOKEN", &refresh_token, error))
    return NULL;

  return ks_idp_tokens_refresh (call, refresh_token, error);
}

/* ---- Operations ---- */

static gboolean
check_enum (const char        *value,
            const char        *member,
            const char *const *allowed,
            GError           **error)
{
  if (g_strv_contains (allowed, value))
    return TRUE;

  g_set_error (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
               "1 validation error detected: Value at '%s' failed to satisfy constraint: "
               "Member must satisfy enum value set",
               member);
  return FALSE;
}

static gboolean
check_common (KsIdpCall         *call,
              const char *const *members,
              GError           **error)
{
  JsonObject *ignored = NULL;

  return ks_idp_check_members (call->body, members, error) &&
         ks_idp_check_client_id (call, call->body, error) &&
         ks_idp_get_string_map (call->body, "ClientMetadata", FALSE, &ignored, error);
}

static gboolean
unsupported (GError    **error,
             const char *what,
             const char *name)
{
  g_set_error (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
               "%s %s is not supported by this user pool client.", what, name);
  return FALSE;
}

JsonNode *
ks_idp_initiate_auth (KsIdpCall *call,
                      GError   **error)
{
  static const char *const members[] = {
    "AuthFlow", "ClientId", "AuthParameters", "ClientMetadata", "AnalyticsMetadata",
    "UserContextData", "Session", NULL
  };
  const char *flow;
  JsonObject *parameters = NULL;

  if (!check_common (call, members, error) ||
      !ks_idp_get_string (call->body, "AuthFlow", TRUE, &flow, error) ||
      !check_enum (flow, "authFlow", auth_flows, error) ||
      !ks_idp_get_string_map (call->body, "AuthParameters", FALSE, &parameters, error))
    return NULL;

  if (parameters == NULL)
    {
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
                           "Missing required parameter AuthParameters");
      return NULL;
    }

  if (strcmp (flow, "USER_SRP_AUTH") == 0)
    return ks_idp_srp_start (call, parameters, error);
  if (strcmp (flow, "USER_PASSWORD_AUTH") == 0)
    return password_auth (call, parameters, error);
  if (strcmp (flow, "REFRESH_TOKEN_AUTH") == 0 || strcmp (flow, "REFRESH_TOKEN") == 0)
    return refresh_auth (call, parameters, error);

  unsupported (error, "Auth flow", flow);
  return NULL;
}

JsonNode *
ks_idp_respond_to_auth_challenge (KsIdpCall *call,
                                  GError   **error)
{
  static const char *const members[] = {
    "ClientId", "ChallengeName", "Session", "ChallengeResponses", "ClientMetadata",
    "AnalyticsMetadata", "UserContextData", NULL
  };
  const char *name;
  JsonObject *responses = NULL;

  if (!check_common (call, members, error) ||
      !ks_idp_get_string (call->body, "ChallengeName", TRUE, &name, error) ||
      !check_enum (name, "challengeName", challenge_names, error) ||
      !ks_idp_get_string_map (call->body, "ChallengeResponses", FALSE, &responses, error))
    return NULL;

  if (strcmp (name, "PASSWORD_VERIFIER") != 0)
    {
      unsupported (error, "Challenge", name);
      return NULL;
    }
  if (responses == NULL)
    {
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
                           "Missing required parameter ChallengeResponses");
      return NULL;
    }

  return ks_idp_srp_answer (call, responses, error);
}

gboolean
ks_idp_set_password (KsIdpCall       *call,
                     const KsIdpUser *user,
                     const char      *password,
                     GError         **error)
{
  g_autofree char *salt = NULL;
  g_autofree char *verifier = NULL;

  if (!ks_srp_make_verifier (call->idp->pool_id, user->username, password, &salt, &verifier, error))
    return FALSE;

  return ks_idp_store_set_password (call->db, user->sub, salt, verifier, call->now, error);
}

/* Other sessions stay signed in, as with Cognito. */
JsonNode *
ks_idp_change_password (KsIdpCall *call,
                        GError   **error)
{
  static const char *const members[] = {
    "AccessToken", "PreviousPassword", "ProposedPassword", NULL
  };
  const char *previous, *proposed;
  g_autoptr (KsIdpUser) user = NULL;
  g_autoptr (KsIdpUser) checked = NULL;
  JsonNode *node;

  if (!ks_idp_check_members (call->body, members, error) ||
      !ks_idp_get_string (call->body, "PreviousPassword", TRUE, &previous, error) ||
      !ks_idp_get_string (call->body, "ProposedPassword", TRUE, &proposed, error) ||
      !ks_idp_check_password (proposed, error) ||
      (user = ks_idp_tokens_authorize (call, call->body, error)) == NULL ||
      (checked = check_password (call, user->username, previous, error)) == NULL ||
      !ks_idp_note_sign_in_result (call, user->username, TRUE, error) ||
      !ks_idp_set_password (call, user, proposed, error))
    return NULL;

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, json_object_new ());
  return node;
}
