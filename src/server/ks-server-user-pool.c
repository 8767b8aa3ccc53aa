/* ks-server-user-pool.c: tokens of an outside Cognito user pool
 *
 * Beyond one machine the API runs as several copies behind a load
 * balancer and users sign in to Amazon Cognito itself; each copy then
 * only checks the pool's tokens against the keys it publishes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "ks-host.h"
#include "ks-jwt.h"

#include "ks-server-error.h"
#include "ks-server-urls.h"
#include "ks-server-user-pool.h"

/* Clock skew allowed on exp and iat, as for the built-in service. */
#define LEEWAY_SECONDS 60
/* Cognito's key sets are a few hundred bytes. */
#define MAX_JWKS_SIZE (64 * 1024)
#define FETCH_TIMEOUT_SECONDS 30
/* An unknown key id reads the keys again at most this often, so forged
 * tokens cannot make the server hammer the pool. */
#define REFETCH_INTERVAL_US (60 * G_USEC_PER_SEC)

struct _KsServerUserPool
{
  GObject parent_instance;

  char        *issuer;   /* no trailing slash */
  char        *endpoint; /* the issuer without the pool id */
  char        *jwks_url;
  char        *region;
  char        *pool_id;
  char        *client_id;
  SoupSession *soup;
  KsJwks      *jwks;         /* nullable until loaded */
  gint64       refetched_at; /* monotonic; 0 never */
  gboolean     fetching;
};

G_DEFINE_FINAL_TYPE (KsServerUserPool, ks_server_user_pool, G_TYPE_OBJECT)

static void
ks_server_user_pool_finalize (GObject *object)
{
  KsServerUserPool *self = (KsServerUserPool *) object;

  g_free (self->issuer);
  g_free (self->endpoint);
  g_free (self->jwks_url);
  g_free (self->region);
  g_free (self->pool_id);
  g_free (self->client_id);
  g_clear_object (&self->soup);
  g_clear_pointer (&self->jwks, ks_jwks_unref);

  G_OBJECT_CLASS (ks_server_user_pool_parent_class)->finalize (object);
}

static void
ks_server_user_pool_class_init (KsServerUserPoolClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_server_user_pool_finalize;
}

static void
ks_server_user_pool_init (KsServerUserPool *self)
{
}

/* "<region>_<id>", as Cognito names pools: the region is its first part. */
static char *
pool_region (const char *pool_id)
{
  const char *underscore = strchr (pool_id, '_');

  if (underscore == NULL || underscore == pool_id || underscore[1] == '\0')
    return NULL;
  for (const char *p = pool_id; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && (*p != '_' || p != underscore))
        return NULL;
    }

  return g_strndup (pool_id, underscore - pool_id);
}

static gboolean
is_valid_client_id (const char *client_id)
{
  gsize len = strlen (client_id);

  if (len == 0 || len > 128)
    return FALSE;
  for (const char *p = client_id; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '+')
        return FALSE;
    }

  return TRUE;
}

static gboolean
parse_issuer (KsServerUserPool *self,
              const char       *url,
              GError          **error)
{
  g_autofree char *text = ks_server_urls_normalize ("--cognito-user-pool URL", url, error);
  g_autoptr (GUri) uri = NULL;
  const char *host;
  char       *slash;

  if (text == NULL)
    return FALSE;

  uri = g_uri_parse (text, G_URI_FLAGS_ENCODED, NULL);
  host = g_uri_get_host (uri);
  if (g_strcmp0 (g_uri_get_scheme (uri), "http") == 0 && !ks_host_is_loopback (host))
    return ks_server_fail_argument (error, "--cognito-user-pool must use https unless the pool runs on this machine");

  slash = strrchr (text, '/');
  g_assert (slash != NULL);
  self->region = pool_region (slash + 1);
  if (self->region == NULL || strlen (g_uri_get_path (uri)) <= 1)
    return ks_server_fail_argument (error, "--cognito-user-pool must end with the pool's id, such as eu-west-1_AbC123, not “%s”", url);

  self->pool_id = g_strdup (slash + 1);
  self->issuer = g_strdup (text);
  self->endpoint = g_strndup (text, slash - text);
  self->jwks_url = g_strconcat (self->issuer, "/.well-known/jwks.json", NULL);

  /* A pool on this machine is reached directly, whatever the proxy. */
  if (ks_host_is_loopback (host))
    soup_session_set_proxy_resolver (self->soup, NULL);

  return TRUE;
}

KsServerUserPool *
ks_server_user_pool_new (const char *issuer_url,
                         const char *client_id,
                         GError    **error)
{
  g_autoptr (KsServerUserPool) self = NULL;

  g_return_val_if_fail (issuer_url != NULL, NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  self = g_object_new (KS_TYPE_SERVER_USER_POOL, NULL);
  self->soup = soup_session_new_with_options ("timeout", FETCH_TIMEOUT_SECONDS,
                                              "user-agent", "keepsake-server/" PACKAGE_VERSION,
                                              NULL);
  if (!parse_issuer (self, issuer_url, error))
    return NULL;
  if (!is_valid_client_id (client_id))
    {
      ks_server_fail_argument (error, "--cognito-client-id wants the app client's id, not “%s”", client_id);
      return NULL;
    }
  self->client_id = g_strdup (client_id);

  return g_steal_pointer (&self);
}

/* ---- The key set ---- */

static gboolean
fail_fetch (KsServerUserPool *self,
            const char       *why,
            GError          **error)
{
  g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_FAILED,
               "cannot read the signing keys of the user pool at %s: %s", self->jwks_url, why);
  return FALSE;
}

static KsJwks *
keys_from_reply (KsServerUserPool *self,
                 SoupMessage      *msg,
                 GBytes           *body,
                 GError          **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (KsJwks) jwks = NULL;
  guint status = soup_message_get_status (msg);

  if (status != SOUP_STATUS_OK)
    {
      g_autofree char *why = g_strdup_printf ("HTTP %u %s", status, soup_message_get_reason_phrase (msg));

      fail_fetch (self, why, error);
      return NULL;
    }
  if (g_bytes_get_size (body) > MAX_JWKS_SIZE)
    {
      fail_fetch (self, "the reply is too large to be a key set", error);
      return NULL;
    }

  jwks = ks_jwks_new_from_json (g_bytes_get_data (body, NULL), g_bytes_get_size (body), &local_error);
  if (jwks == NULL)
    {
      fail_fetch (self, local_error->message, error);
      return NULL;
    }
  if (ks_jwks_get_n_keys (jwks) == 0)
    {
      fail_fetch (self, "it lists no RS256 signing key", error);
      return NULL;
    }

  return g_steal_pointer (&jwks);
}

static void
set_keys (KsServerUserPool *self,
          KsJwks           *jwks)
{
  g_clear_pointer (&self->jwks, ks_jwks_unref);
  self->jwks = ks_jwks_ref (jwks);
  g_debug ("Signing keys of the user pool: %u, from %s", ks_jwks_get_n_keys (jwks), self->jwks_url);
}

gboolean
ks_server_user_pool_load_keys (KsServerUserPool *self,
                               GCancellable     *cancellable,
                               GError          **error)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (KsJwks) jwks = NULL;

  g_return_val_if_fail (KS_IS_SERVER_USER_POOL (self), FALSE);

  msg = soup_message_new (SOUP_METHOD_GET, self->jwks_url);
  body = soup_session_send_and_read (self->soup, msg, cancellable, &local_error);
  if (body == NULL)
    return fail_fetch (self, local_error->message, error);

  jwks = keys_from_reply (self, msg, body, error);
  if (jwks == NULL)
    return FALSE;

  set_keys (self, jwks);
  return TRUE;
}

static void
refetch_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (KsServerUserPool) self = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr (GError) send_error = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (KsJwks) jwks = NULL;

  self->fetching = FALSE;
  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &send_error);
  if (body == NULL)
    fail_fetch (self, send_error->message, &error);
  else
    jwks = keys_from_reply (self, msg, body, &error);

  /* The keys it had stay: a pool that is briefly unreachable must not
   * sign everyone out. */
  if (jwks == NULL)
    g_warning ("%s", error->message);
  else
    set_keys (self, jwks);
}

static void
refetch_keys (KsServerUserPool *self)
{
  g_autoptr (SoupMessage) msg = NULL;
  gint64 now = g_get_monotonic_time ();

  if (self->fetching || (self->refetched_at != 0 && now - self->refetched_at < REFETCH_INTERVAL_US))
    return;

  self->fetching = TRUE;
  self->refetched_at = now;
  msg = soup_message_new (SOUP_METHOD_GET, self->jwks_url);
  soup_session_send_and_read_async (self->soup, msg, G_PRIORITY_DEFAULT, NULL, refetch_cb,
                                    g_object_ref (self));
}

JsonObject *
ks_server_user_pool_verify_access_token (KsServerUserPool *self,
                                         const char       *token,
                                         GError          **error)
{
  KsJwtExpect expect = {
    .issuer = self->issuer,
    .token_use = "access",
    .client_id = self->client_id,
    .leeway_seconds = LEEWAY_SECONDS,
  };
  g_autoptr (KsJwks) empty = NULL;
  g_autoptr (GError) local_error = NULL;
  JsonObject *claims;

  g_return_val_if_fail (KS_IS_SERVER_USER_POOL (self), NULL);
  g_return_val_if_fail (token != NULL, NULL);

  if (self->jwks == NULL)
    empty = ks_jwks_new ();
  claims = ks_jwt_verify (token, self->jwks != NULL ? self->jwks : empty, &expect, &local_error);
  if (claims == NULL)
    {
      if (g_error_matches (local_error, KS_JWT_ERROR, KS_JWT_ERROR_UNKNOWN_KEY))
        refetch_keys (self);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }

  return claims;
}

/* ---- What clients are told ---- */

const char *
ks_server_user_pool_get_issuer (KsServerUserPool *self)
{
  g_return_val_if_fail (KS_IS_SERVER_USER_POOL (self), NULL);

  return self->issuer;
}

const char *
ks_server_user_pool_get_endpoint (KsServerUserPool *self)
{
  g_return_val_if_fail (KS_IS_SERVER_USER_POOL (self), NULL);

  return self->endpoint;
}

const char *
ks_server_user_pool_get_region (KsServerUserPool *self)
{
  g_return_val_if_fail (KS_IS_SERVER_USER_POOL (self), NULL);

  return self->region;
}

const char *
ks_server_user_pool_get_id (KsServerUserPool *self)
{
  g_return_val_if_fail (KS_IS_SERVER_USER_POOL (self), NULL);

  return self->pool_id;
}

const char *
ks_server_user_pool_get_client_id (KsServerUserPool *self)
{
  g_return_val_if_fail (KS_IS_SERVER_USER_POOL (self), NULL);

  return self->client_id;
}
