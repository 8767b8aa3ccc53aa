/* ks-idp-request.c: checking what a Cognito request carries
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-idp-private.h"
#include "ks-json.h"
#include "ks-password-policy.h"

/* Cognito's own limits (service-2.json). */
#define USERNAME_MAX 128
#define PASSWORD_MAX 256
#define EMAIL_MAX 2048
#define STRING_MAX 4096
#define TOKEN_MAX 16384

static gboolean
invalid (GError    **error,
         const char *message)
{
  g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER, message);
  return FALSE;
}

/* KS_CORE_ERROR from the checked getters becomes InvalidParameterException;
 * its message names the member, never the value. */
static gboolean
convert (gboolean ok,
         GError  *local_error,
         GError **error)
{
  if (ok)
    return TRUE;

  g_set_error (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
               "1 validation error detected: %s", local_error->message);
  g_error_free (local_error);
  return FALSE;
}

gboolean
ks_idp_check_members (JsonObject        *object,
                      const char *const *allowed,
                      GError           **error)
{
  GError  *local_error = NULL;
  gboolean ok = ks_json_object_check_members (object, allowed, &local_error);

  return convert (ok, local_error, error);
}

static gboolean
check_length (const char *name,
              const char *value,
              GError    **error)
{
  gsize max = strstr (name, "Token") != NULL ? TOKEN_MAX : STRING_MAX;

  if (strlen (value) <= max)
    return TRUE;

  g_set_error (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
               "1 validation error detected: Value at '%s' failed to satisfy constraint: "
               "Member must have length less than or equal to %" G_GSIZE_FORMAT,
               name, max);
  return FALSE;
}

gboolean
ks_idp_get_string (JsonObject  *object,
                   const char  *name,
                   gboolean     required,
                   const char **out,
                   GError     **error)
{
  GError     *local_error = NULL;
  const char *value = NULL;
  gboolean    ok = ks_json_object_get_string_member_checked (object, name, required, &value, &local_error);

  if (!convert (ok, local_error, error))
    return FALSE;

  if (value != NULL && !check_length (name, value, error))
    return FALSE;

  *out = value;
  return TRUE;
}

gboolean
ks_idp_get_string_map (JsonObject  *object,
                       const char  *name,
                       gboolean     required,
                       JsonObject **out,
                       GError     **error)
{
  JsonNode   *node = json_object_get_member (object, name);
  JsonObject *map;
  GList      *members;
  gboolean    ok = TRUE;

  if (node == NULL)
    {
      if (!required)
        return TRUE;
      g_set_error (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
                   "1 validation error detected: Value at '%s' failed to satisfy constraint: "
                   "Member must not be null",
                   name);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
                   "1 validation error detected: '%s' must be a map of strings", name);
      return FALSE;
    }

  map = json_node_get_object (node);
  members = json_object_get_members (map);
  for (GList *l = members; l != NULL && ok; l = l->next)
    {
      const char *value;

      ok = ks_idp_get_string (map, l->data, TRUE, &value, error);
    }
  g_list_free (members);

  if (ok)
    *out = map;
  return ok;
}

gboolean
ks_idp_check_client_id (KsIdpCall  *call,
                        JsonObject *object,
                        GError    **error)
{
  const char *client_id;

  if (!ks_idp_get_string (object, "ClientId", TRUE, &client_id, error))
    return FALSE;

  if (strcmp (client_id, call->idp->client_id) != 0)
    {
      g_set_error (error, KS_IDP_ERROR, KS_IDP_ERROR_RESOURCE_NOT_FOUND,
                   "User pool client %s does not exist.",
                   strlen (client_id) <= 128 && g_utf8_validate (client_id, -1, NULL) ? client_id : "");
      return FALSE;
    }

  return TRUE;
}

/* Cognito: 1..128 characters of [\p{L}\p{M}\p{S}\p{N}\p{P}]. */
gboolean
ks_idp_check_username (const char *username,
                       GError    **error)
{
  glong n = g_utf8_strlen (username, -1);

  if (n < 1 || n > USERNAME_MAX)
    return invalid (error, "1 validation error detected: Value at 'username' failed to satisfy "
                           "constraint: Member must have length between 1 and 128");

  for (const char *p = username; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c) || !g_unichar_isdefined (c) ||
          g_unichar_type (c) == G_UNICODE_SURROGATE || g_unichar_type (c) == G_UNICODE_PRIVATE_USE ||
          g_unichar_type (c) == G_UNICODE_FORMAT)
        return invalid (error, "1 validation error detected: Value at 'username' failed to satisfy "
                               "constraint: Member must satisfy regular expression pattern: "
                               "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+");
    }

  return TRUE;
}

static gboolean
bad_password (GError    **error,
              const char *why)
{
  g_set_error (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PASSWORD,
               "Password did not conform with policy: %s", why);
  return FALSE;
}

gboolean
ks_idp_check_password (const char *password,
                       GError    **error)
{
  static const char *const reasons[] = {
    [KS_PASSWORD_PROBLEM_TOO_SHORT] = "Password not long enough",
    [KS_PASSWORD_PROBLEM_NO_UPPERCASE] = "Password must have uppercase characters",
    [KS_PASSWORD_PROBLEM_NO_LOWERCASE] = "Password must have lowercase characters",
    [KS_PASSWORD_PROBLEM_NO_NUMBER] = "Password must have numeric characters",
    [KS_PASSWORD_PROBLEM_NO_SYMBOL] = "Password must have symbol characters",
  };
  KsPasswordProblem problem;

  if (g_utf8_strlen (password, -1) > PASSWORD_MAX)
    return invalid (error, "1 validation error detected: Value at 'password' failed to satisfy "
                           "constraint: Member must have length less than or equal to 256");

  /* Length first, then the pattern, then the other rules, as Cognito. */
  problem = ks_password_policy_check (&ks_password_policy_default, password);
  if (problem == KS_PASSWORD_PROBLEM_TOO_SHORT)
    return bad_password (error, reasons[problem]);
  if (g_ascii_isspace (password[0]) || g_ascii_isspace (password[strlen (password) - 1]))
    return invalid (error, "1 validation error detected: Value at 'password' failed to satisfy "
                           "constraint: Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$");
  if (problem != KS_PASSWORD_PROBLEM_NONE)
    return bad_password (error, reasons[problem]);

  return TRUE;
}

gboolean
ks_idp_check_code_format (const char *code,
                          GError    **error)
{
  gsize len = strlen (code);

  if (len < 1 || len > 2048)
    return invalid (error, "1 validation error detected: Value at 'confirmationCode' failed to "
                           "satisfy constraint: Member must have length between 1 and 2048");
  for (const char *p = code; *p != '\0'; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
      return invalid (error, "1 validation error detected: Value at 'confirmationCode' failed to "
                             "satisfy constraint: Member must satisfy regular expression pattern: "
                             "[\\S]+");

  return TRUE;
}

/* Deliberately loose, like Cognito's: one "@" with something either side,
 * no spaces. Whether it reaches anyone is what the code proves. */
gboolean
ks_idp_check_email (const char *email,
                    GError    **error)
{
  const char *at = strchr (email, '@');

  if (strlen (email) > EMAIL_MAX || at == NULL || at == email || at[1] == '\0' ||
      strchr (at + 1, '@') != NULL)
    return invalid (error, "Invalid email address format.");
  for (const char *p = email; *p != '\0'; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
      return invalid (error, "Invalid email address format.");

  return TRUE;
}

/* A member of AuthParameters or ChallengeResponses, already known to be
 * a map of strings. */
gboolean
ks_idp_get_parameter (JsonObject  *map,
                      const char  *name,
                      const char **out,
                      GError     **error)
{
  JsonNode *node = json_object_get_member (map, name);

  if (node == NULL)
    {
      g_set_error (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
                   "Missing required parameter %s", name);
      return FALSE;
    }

  *out = json_node_get_string (node);
  return TRUE;
}

gboolean
ks_idp_get_boolean (JsonObject *object,
                    const char *name,
                    gboolean   *out,
                    GError    **error)
{
  GError  *local_error = NULL;
  gboolean ok = ks_json_object_get_boolean_member_checked (object, name, FALSE, out, &local_error);

  return convert (ok, local_error, error);
}
