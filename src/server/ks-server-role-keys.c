/* ks-server-role-keys.c: temporary keys from the container's role
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "ks-host.h"
#include "ks-json.h"
#include "ks-server-error.h"
#include "ks-server-role-keys.h"

#define ECS_HOST "http://169.254.170.2"
#define TIMEOUT_SECONDS 10
#define MAX_ANSWER_SIZE (64 * 1024)
#define MAX_TOKEN_SIZE (16 * 1024)

struct _KsServerRoleKeys
{
  GObject parent_instance;

  char        *url;
  char        *token;      /* nullable */
  char        *token_file; /* nullable; read at every fetch, it is rotated */
  SoupSession *soup;
};

G_DEFINE_FINAL_TYPE (KsServerRoleKeys, ks_server_role_keys, G_TYPE_OBJECT)

void
ks_server_keys_free (KsServerKeys *keys)
{
  if (keys == NULL)
    return;

  g_free (keys->access_key_id);
  if (keys->secret_access_key != NULL)
    memset (keys->secret_access_key, 0, strlen (keys->secret_access_key));
  g_free (keys->secret_access_key);
  g_free (keys->session_token);
  g_free (keys);
}

static void
ks_server_role_keys_finalize (GObject *object)
{
  KsServerRoleKeys *self = KS_SERVER_ROLE_KEYS (object);

  g_free (self->url);
  g_free (self->token);
  g_free (self->token_file);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (ks_server_role_keys_parent_class)->finalize (object);
}

static void
ks_server_role_keys_class_init (KsServerRoleKeysClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_server_role_keys_finalize;
}

static void
ks_server_role_keys_init (KsServerRoleKeys *self)
{
}

static const char *
non_empty_env (const char *name)
{
  const char *value = g_getenv (name);

  return value != NULL && *value != '\0' ? value : NULL;
}

/* AWS's SDKs allow plain http to these only. */
static gboolean
is_allowed_http_host (const char *host)
{
  return ks_host_is_loopback (host) || g_str_equal (host, "169.254.170.2") ||
         g_str_equal (host, "169.254.170.23") || g_ascii_strcasecmp (host, "fd00:ec2::23") == 0;
}

KsServerRoleKeys *
ks_server_role_keys_new_from_environment (GError **error)
{
  const char *full = non_empty_env ("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  const char *relative = non_empty_env ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  g_autoptr (KsServerRoleKeys) self = NULL;
  g_autoptr (GUri) uri = NULL;
  const char *scheme;

  if (full == NULL && relative == NULL)
    return NULL;

  self = g_object_new (KS_TYPE_SERVER_ROLE_KEYS, NULL);
  self->url = relative != NULL ? g_strconcat (ECS_HOST, *relative == '/' ? "" : "/", relative, NULL) : g_strdup (full);
  uri = g_uri_parse (self->url, G_URI_FLAGS_ENCODED, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0))
    {
      ks_server_fail_argument (error, "the container's credentials address is not a URL: “%s”", self->url);
      return NULL;
    }
  if (g_str_equal (scheme, "http") && !is_allowed_http_host (g_uri_get_host (uri)))
    {
      ks_server_fail_argument (error, "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https unless it is "
                                      "on this machine or the container's link-local address");
      return NULL;
    }

  self->token_file = g_strdup (non_empty_env ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
  if (self->token_file == NULL)
    self->token = g_strdup (non_empty_env ("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
  self->soup = soup_session_new_with_options ("timeout", TIMEOUT_SECONDS,
                                              "user-agent", "keepsake-server/" PACKAGE_VERSION,
                                              NULL);
  if (is_allowed_http_host (g_uri_get_host (uri)))
    soup_session_set_proxy_resolver (self->soup, NULL);

  return g_steal_pointer (&self);
}

const char *
ks_server_role_keys_get_url (KsServerRoleKeys *self)
{
  g_return_val_if_fail (KS_IS_SERVER_ROLE_KEYS (self), NULL);

  return self->url;
}

static gboolean
fail (KsServerRoleKeys *self,
      GError          **error,
      const char       *why)
{
  g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_FAILED,
               "cannot get the bucket's keys from the container's credentials endpoint %s: %s", self->url, why);
  return FALSE;
}

static char *
read_token (KsServerRoleKeys *self,
            GError          **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *contents = NULL;
  gsize            len = 0;

  if (self->token_file == NULL)
    return g_strdup (self->token);

  if (!g_file_get_contents (self->token_file, &contents, &len, &local_error))
    {
      g_autofree char *why = g_strdup_printf ("cannot read its token: %s", local_error->message);

      fail (self, error, why);
      return NULL;
    }
  if (len > MAX_TOKEN_SIZE || memchr (contents, '\0', len) != NULL)
    {
      fail (self, error, "its token file holds no token");
      return NULL;
    }

  return g_strstrip (g_steal_pointer (&contents));
}

static KsServerKeys *
parse_keys (KsServerRoleKeys *self,
            GBytes           *body,
            GError          **error)
{
  g_autoptr (KsServerKeys) keys = g_new0 (KsServerKeys, 1);
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GDateTime) expiration = NULL;
  g_autoptr (GError) local_error = NULL;
  gsize       size = 0;
  const char *data = g_bytes_get_data (body, &size);
  const char *access_key_id = NULL, *secret = NULL, *token = NULL, *when = NULL;
  JsonObject *object;

  root = ks_json_parse_strict (data, size, 4, &local_error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (self, error, "its answer is not a JSON object");
      return NULL;
    }
  object = json_node_get_object (root);
  if (!ks_json_object_get_string_member_checked (object, "AccessKeyId", TRUE, &access_key_id, NULL) ||
      !ks_json_object_get_string_member_checked (object, "SecretAccessKey", TRUE, &secret, NULL) ||
      !ks_json_object_get_string_member_checked (object, "Token", FALSE, &token, NULL) ||
      !ks_json_object_get_string_member_checked (object, "Expiration", FALSE, &when, NULL) ||
      *access_key_id == '\0' || *secret == '\0')
    {
      fail (self, error, "its answer holds no AccessKeyId and SecretAccessKey");
      return NULL;
    }
  if (when != NULL && (expiration = g_date_time_new_from_iso8601 (when, NULL)) == NULL)
    {
      fail (self, error, "its answer's Expiration is not a time");
      return NULL;
    }

  keys->access_key_id = g_strdup (access_key_id);
  keys->secret_access_key = g_strdup (secret);
  keys->session_token = token != NULL && *token != '\0' ? g_strdup (token) : NULL;
  keys->expiration = expiration != NULL ? g_date_time_to_unix (expiration) : 0;
  return g_steal_pointer (&keys);
}

KsServerKeys *
ks_server_role_keys_fetch (KsServerRoleKeys *self,
                           GCancellable     *cancellable,
                           GError          **error)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *token = NULL;
  guint            status;

  g_return_val_if_fail (KS_IS_SERVER_ROLE_KEYS (self), NULL);

  token = read_token (self, error);
  if (token == NULL && self->token_file != NULL)
    return NULL;

  msg = soup_message_new (SOUP_METHOD_GET, self->url);
  if (token != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", token);
  body = soup_session_send_and_read (self->soup, msg, cancellable, &local_error);
  if (token != NULL)
    memset (token, 0, strlen (token));
  if (body == NULL)
    {
      fail (self, error, local_error->message);
      return NULL;
    }

  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    {
      fail (self, error, "it refused the authorization token (AWS_CONTAINER_AUTHORIZATION_TOKEN or _FILE)");
      return NULL;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_autofree char *why = g_strdup_printf ("it answered %u %s", status, soup_message_get_reason_phrase (msg));

      fail (self, error, why);
      return NULL;
    }
  if (g_bytes_get_size (body) > MAX_ANSWER_SIZE)
    {
      fail (self, error, "its answer is too large");
      return NULL;
    }

  return parse_keys (self, body, error);
}
