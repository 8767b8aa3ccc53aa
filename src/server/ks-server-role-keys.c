/* ks-server-role-keys.c: temporary keys from the container's or the
 * EC2 instance's role
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
#define IMDS_ENDPOINT "http://169.254.169.254"
#define IMDS_ENDPOINT_IPV6 "http://[fd00:ec2::254]"
#define IMDS_TOKEN_PATH "/latest/api/token"
#define IMDS_ROLES_PATH "/latest/meta-data/iam/security-credentials/"
/* what AWS's SDKs ask for; the token is used at once and forgotten */
#define IMDS_TOKEN_TTL "21600"
#define TIMEOUT_SECONDS 10
/* Off EC2 the metadata service's address leads nowhere: do not keep
 * the start waiting long for it. */
#define IMDS_TIMEOUT_SECONDS 2
#define MAX_ANSWER_SIZE (64 * 1024)
#define MAX_TOKEN_SIZE (16 * 1024)

typedef enum
{
  SOURCE_CONTAINER, /* @url: the credentials endpoint */
  SOURCE_INSTANCE,  /* @url: the metadata service, IMDSv2 */
} Source;

struct _KsServerRoleKeys
{
  GObject parent_instance;

  Source       source;
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
is_allowed_http_host (Source      source,
                      const char *host)
{
  if (ks_host_is_loopback (host))
    return TRUE;
  if (source == SOURCE_INSTANCE)
    return g_str_equal (host, "169.254.169.254") || g_ascii_strcasecmp (host, "fd00:ec2::254") == 0;
  return g_str_equal (host, "169.254.170.2") || g_str_equal (host, "169.254.170.23") ||
         g_ascii_strcasecmp (host, "fd00:ec2::23") == 0;
}

static KsServerRoleKeys *
role_keys_new (Source      source,
               const char *url,
               const char *variable,
               GError    **error)
{
  g_autoptr (KsServerRoleKeys) self = g_object_new (KS_TYPE_SERVER_ROLE_KEYS, NULL);
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  gboolean    allowed_http;

  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0))
    {
      ks_server_fail_argument (error, "%s is not a URL: “%s”", variable, url);
      return NULL;
    }
  allowed_http = is_allowed_http_host (source, g_uri_get_host (uri));
  if (g_str_equal (scheme, "http") && !allowed_http)
    {
      ks_server_fail_argument (error, "%s must use https unless it is on this machine or the %s's "
                                      "link-local address",
                               variable, source == SOURCE_INSTANCE ? "instance" : "container");
      return NULL;
    }

  self->source = source;
  self->url = g_strdup (url);
  /* The service's paths are appended to its address. */
  if (source == SOURCE_INSTANCE && g_str_has_suffix (self->url, "/"))
    self->url[strlen (self->url) - 1] = '\0';
  self->soup = soup_session_new_with_options ("timeout",
                                              source == SOURCE_INSTANCE ? IMDS_TIMEOUT_SECONDS : TIMEOUT_SECONDS,
                                              "user-agent", "keepsake-server/" PACKAGE_VERSION,
                                              NULL);
  if (allowed_http)
    soup_session_set_proxy_resolver (self->soup, NULL);

  return g_steal_pointer (&self);
}

/* The EC2 instance metadata service, unless AWS_EC2_METADATA_DISABLED. */
static KsServerRoleKeys *
instance_role_keys_new (GError **error)
{
  const char *disabled = non_empty_env ("AWS_EC2_METADATA_DISABLED");
  const char *endpoint = non_empty_env ("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  const char *mode = non_empty_env ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");

  if (disabled != NULL && g_ascii_strcasecmp (disabled, "true") == 0)
    return NULL;
  if (endpoint == NULL && mode != NULL && g_ascii_strcasecmp (mode, "IPv6") == 0)
    endpoint = IMDS_ENDPOINT_IPV6;
  else if (endpoint == NULL && mode != NULL && g_ascii_strcasecmp (mode, "IPv4") != 0)
    {
      ks_server_fail_argument (error, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is IPv4 or IPv6, not “%s”", mode);
      return NULL;
    }

  return role_keys_new (SOURCE_INSTANCE, endpoint != NULL ? endpoint : IMDS_ENDPOINT,
                        "AWS_EC2_METADATA_SERVICE_ENDPOINT", error);
}

KsServerRoleKeys *
ks_server_role_keys_new_from_environment (GError **error)
{
  const char *full = non_empty_env ("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  const char *relative = non_empty_env ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  g_autoptr (KsServerRoleKeys) self = NULL;
  g_autofree char *url = NULL;

  if (full == NULL && relative == NULL)
    return instance_role_keys_new (error);

  url = relative != NULL ? g_strconcat (ECS_HOST, *relative == '/' ? "" : "/", relative, NULL) : g_strdup (full);
  self = role_keys_new (SOURCE_CONTAINER, url,
                        relative != NULL ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
                                         : "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                        error);
  if (self == NULL)
    return NULL;

  self->token_file = g_strdup (non_empty_env ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
  if (self->token_file == NULL)
    self->token = g_strdup (non_empty_env ("AWS_CONTAINER_AUTHORIZATION_TOKEN"));

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
  if (self->source == SOURCE_INSTANCE)
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_FAILED,
                 "cannot get the bucket's keys from the EC2 instance's metadata service at %s: %s", self->url, why);
  else
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
  const char *access_key_id = NULL, *secret = NULL, *token = NULL, *when = NULL, *code = NULL;
  JsonObject *object;

  root = ks_json_parse_strict (data, size, 4, &local_error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (self, error, "its answer is not a JSON object");
      return NULL;
    }
  object = json_node_get_object (root);
  /* The metadata service says whether it has keys to give. */
  if (!ks_json_object_get_string_member_checked (object, "Code", FALSE, &code, NULL))
    {
      fail (self, error, "its answer's Code is not a string");
      return NULL;
    }
  if (code != NULL && !g_str_equal (code, "Success"))
    {
      g_autofree char *why = g_strdup_printf ("it has no keys to give (Code %s)", code);

      fail (self, error, why);
      return NULL;
    }
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

/* Sends @msg; its answer's body, or NULL with @error set when it could
 * not be sent or the answer is too large. */
static GBytes *
send_message (KsServerRoleKeys *self,
              SoupMessage      *msg,
              GCancellable     *cancellable,
              GError          **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) body = soup_session_send_and_read (self->soup, msg, cancellable, &local_error);

  if (body == NULL && self->source == SOURCE_INSTANCE)
    {
      g_autofree char *why = g_strdup_printf ("%s (off EC2, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
                                              local_error->message);

      fail (self, error, why);
      return NULL;
    }
  if (body == NULL)
    {
      fail (self, error, local_error->message);
      return NULL;
    }
  if (g_bytes_get_size (body) > MAX_ANSWER_SIZE)
    {
      fail (self, error, "its answer is too large");
      return NULL;
    }

  return g_steal_pointer (&body);
}

static gboolean
fail_status (KsServerRoleKeys *self,
             SoupMessage      *msg,
             GError          **error)
{
  g_autofree char *why = g_strdup_printf ("it answered %u %s", soup_message_get_status (msg),
                                          soup_message_get_reason_phrase (msg));

  return fail (self, error, why);
}

static KsServerKeys *
fetch_from_container (KsServerRoleKeys *self,
                      GCancellable     *cancellable,
                      GError          **error)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autofree char *token = NULL;
  guint            status;

  token = read_token (self, error);
  if (token == NULL && self->token_file != NULL)
    return NULL;

  msg = soup_message_new (SOUP_METHOD_GET, self->url);
  if (token != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", token);
  body = send_message (self, msg, cancellable, error);
  if (token != NULL)
    memset (token, 0, strlen (token));
  if (body == NULL)
    return NULL;

  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    {
      fail (self, error, "it refused the authorization token (AWS_CONTAINER_AUTHORIZATION_TOKEN or _FILE)");
      return NULL;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      fail_status (self, msg, error);
      return NULL;
    }

  return parse_keys (self, body, error);
}

/* A GET of @path from the metadata service with its session token. */
static GBytes *
instance_get (KsServerRoleKeys *self,
              const char       *path,
              const char       *session,
              SoupMessage     **msg_out,
              GCancellable     *cancellable,
              GError          **error)
{
  g_autofree char *url = g_strconcat (self->url, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr (GBytes) body = NULL;

  if (msg == NULL)
    {
      fail (self, error, "its address does not make a URL");
      return NULL;
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-aws-ec2-metadata-token", session);
  body = send_message (self, msg, cancellable, error);
  if (body != NULL)
    *msg_out = g_steal_pointer (&msg);
  return g_steal_pointer (&body);
}

/* The instance's role name, the first line of the listing. IAM role
 * names are 1 to 64 of letters, digits and +=,.@_- */
static char *
parse_role_name (GBytes *body)
{
  gsize       size = 0;
  const char *data = g_bytes_get_data (body, &size);
  gsize       len = 0;

  while (len < size && data[len] != '\n' && data[len] != '\r')
    {
      if (!g_ascii_isalnum (data[len]) && strchr ("+=,.@_-", data[len]) == NULL)
        return NULL;
      len++;
    }

  return len > 0 && len <= 64 ? g_strndup (data, len) : NULL;
}

/*
 * IMDSv2, as AWS's SDKs use it: a session token (PUT), the name of the
 * instance profile's role, then its keys. An instance that still allows
 * IMDSv1 answers the same; IMDSv1 alone is not used.
 */
static KsServerKeys *
fetch_from_instance (KsServerRoleKeys *self,
                     GCancellable     *cancellable,
                     GError          **error)
{
  g_autofree char *token_url = g_strconcat (self->url, IMDS_TOKEN_PATH, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_PUT, token_url);
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (GBytes) body = NULL;
  g_autofree char *session = NULL;
  g_autofree char *role = NULL;
  g_autofree char *role_path = NULL;
  guint            status;

  if (msg == NULL)
    {
      fail (self, error, "its address does not make a URL");
      return NULL;
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-aws-ec2-metadata-token-ttl-seconds",
                                IMDS_TOKEN_TTL);
  soup_message_set_request_body_from_bytes (msg, NULL, empty);
  body = send_message (self, msg, cancellable, error);
  if (body == NULL)
    return NULL;
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_FORBIDDEN)
    {
      fail (self, error, "it gives no session token (is the instance metadata service turned off?)");
      return NULL;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      fail_status (self, msg, error);
      return NULL;
    }
  session = g_strstrip (g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body)));
  if (*session == '\0' || strpbrk (session, "\r\n") != NULL)
    {
      fail (self, error, "its session token is not one");
      return NULL;
    }

  g_clear_object (&msg);
  g_clear_pointer (&body, g_bytes_unref);
  body = instance_get (self, IMDS_ROLES_PATH, session, &msg, cancellable, error);
  if (body == NULL)
    return NULL;
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_NOT_FOUND)
    {
      fail (self, error, "this instance has no role (attach an instance profile to it)");
      return NULL;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      fail_status (self, msg, error);
      return NULL;
    }
  role = parse_role_name (body);
  if (role == NULL)
    {
      fail (self, error, "its answer names no role");
      return NULL;
    }

  g_clear_object (&msg);
  g_clear_pointer (&body, g_bytes_unref);
  role_path = g_strconcat (IMDS_ROLES_PATH, role, NULL);
  body = instance_get (self, role_path, session, &msg, cancellable, error);
  memset (session, 0, strlen (session));
  if (body == NULL)
    return NULL;
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      fail_status (self, msg, error);
      return NULL;
    }

  return parse_keys (self, body, error);
}

KsServerKeys *
ks_server_role_keys_fetch (KsServerRoleKeys *self,
                           GCancellable     *cancellable,
                           GError          **error)
{
  g_return_val_if_fail (KS_IS_SERVER_ROLE_KEYS (self), NULL);

  if (self->source == SOURCE_INSTANCE)
    return fetch_from_instance (self, cancellable, error);
  return fetch_from_container (self, cancellable, error);
}
