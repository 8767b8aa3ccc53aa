/* ks-server-info.c: the discovery document, and tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ks-cloud-error.h"
#include "ks-cloud-private.h"
#include "ks-cloud-types.h"
#include "ks-json.h"

KsServerInfo *
ks_server_info_copy (const KsServerInfo *self)
{
  KsServerInfo *copy;

  if (self == NULL)
    return NULL;

  copy = g_new0 (KsServerInfo, 1);
  copy->api_url = g_strdup (self->api_url);
  copy->cognito_endpoint = g_strdup (self->cognito_endpoint);
  copy->region = g_strdup (self->region);
  copy->user_pool_id = g_strdup (self->user_pool_id);
  copy->client_id = g_strdup (self->client_id);
  copy->client_secret = g_strdup (self->client_secret);
  if (self->password_policy != NULL)
    copy->password_policy = g_memdup2 (self->password_policy, sizeof *self->password_policy);
  return copy;
}

void
ks_server_info_free (KsServerInfo *self)
{
  if (self == NULL)
    return;

  g_free (self->api_url);
  g_free (self->cognito_endpoint);
  g_free (self->region);
  g_free (self->user_pool_id);
  g_free (self->client_id);
  ks_cloud_secret_free (self->client_secret);
  g_free (self->password_policy);
  g_free (self);
}

static gboolean
protocol_error (GError **error,
                GError  *detail)
{
  g_debug ("Discovery document: %s", detail->message);
  g_set_error_literal (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                       _ ("The server’s discovery document is malformed: it is not a Keepsake "
                          "server, or a newer one."));
  g_error_free (detail);
  return FALSE;
}

/* A required, non-empty string member, copied. */
static gboolean
get_string (JsonObject *object,
            const char *name,
            char      **out,
            GError    **error)
{
  GError     *local_error = NULL;
  const char *value = NULL;

  if (!ks_json_object_get_string_member_checked (object, name, TRUE, &value, &local_error))
    return protocol_error (error, local_error);
  if (*value == '\0')
    return protocol_error (error, g_error_new (KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                                               "member “%s” is empty", name));

  *out = g_strdup (value);
  return TRUE;
}

static gboolean
get_password_policy (JsonObject        *cognito,
                     KsPasswordPolicy **out,
                     GError           **error)
{
  g_autofree KsPasswordPolicy *policy = g_new0 (KsPasswordPolicy, 1);
  JsonNode                    *node = json_object_get_member (cognito, "password_policy");
  JsonObject                  *object;
  GError                      *local_error = NULL;
  gint64                       minimum_length = 0;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return protocol_error (error, g_error_new_literal (KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                                                       "“password_policy” is not an object"));

  object = json_node_get_object (node);
  if (!ks_json_object_get_int64_member_checked (object, "minimum_length", TRUE, 0, 256, &minimum_length,
                                                &local_error) ||
      !ks_json_object_get_boolean_member_checked (object, "require_uppercase", TRUE,
                                                  &policy->require_uppercase, &local_error) ||
      !ks_json_object_get_boolean_member_checked (object, "require_lowercase", TRUE,
                                                  &policy->require_lowercase, &local_error) ||
      !ks_json_object_get_boolean_member_checked (object, "require_numbers", TRUE,
                                                  &policy->require_numbers, &local_error) ||
      !ks_json_object_get_boolean_member_checked (object, "require_symbols", TRUE,
                                                  &policy->require_symbols, &local_error))
    return protocol_error (error, local_error);

  policy->minimum_length = (guint) minimum_length;
  *out = g_steal_pointer (&policy);
  return TRUE;
}

static char *
strip_trailing_slashes (char *url)
{
  gsize len = strlen (url);

  while (len > 0 && url[len - 1] == '/')
    url[--len] = '\0';
  return url;
}

KsServerInfo *
ks_server_info_new_from_json (JsonNode *root,
                              GError  **error)
{
  g_autoptr (KsServerInfo) info = g_new0 (KsServerInfo, 1);
  JsonObject *object;
  JsonNode   *cognito;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      protocol_error (error, g_error_new_literal (KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                                                  "not an object"));
      return NULL;
    }
  object = json_node_get_object (root);
  cognito = json_object_get_member (object, "cognito");
  if (cognito == NULL || !JSON_NODE_HOLDS_OBJECT (cognito))
    {
      protocol_error (error, g_error_new_literal (KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                                                  "“cognito” is not an object"));
      return NULL;
    }

  if (!get_string (object, "api_url", &info->api_url, error) ||
      !get_string (json_node_get_object (cognito), "endpoint", &info->cognito_endpoint, error) ||
      !get_string (json_node_get_object (cognito), "region", &info->region, error) ||
      !get_string (json_node_get_object (cognito), "user_pool_id", &info->user_pool_id, error) ||
      !get_string (json_node_get_object (cognito), "client_id", &info->client_id, error) ||
      !get_password_policy (json_node_get_object (cognito), &info->password_policy, error))
    return NULL;

  strip_trailing_slashes (info->api_url);
  if (!ks_cloud_check_url (info->api_url, _ ("API address"), error) ||
      !ks_cloud_check_url (info->cognito_endpoint, _ ("sign-in address"), error))
    return NULL;

  return g_steal_pointer (&info);
}

KsTokens *
ks_tokens_copy (const KsTokens *self)
{
  KsTokens *copy;

  if (self == NULL)
    return NULL;

  copy = g_new0 (KsTokens, 1);
  copy->id_token = g_strdup (self->id_token);
  copy->access_token = g_strdup (self->access_token);
  copy->refresh_token = g_strdup (self->refresh_token);
  copy->expires_in = self->expires_in;
  copy->obtained_at = self->obtained_at;
  return copy;
}

void
ks_tokens_free (KsTokens *self)
{
  if (self == NULL)
    return;

  ks_cloud_secret_free (self->id_token);
  ks_cloud_secret_free (self->access_token);
  ks_cloud_secret_free (self->refresh_token);
  g_free (self);
}
