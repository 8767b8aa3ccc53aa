/* ks-server-urls.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-server-error.h"
#include "ks-server-urls.h"

static gboolean
fail_url (const char *what,
          const char *url,
          const char *why,
          GError    **error)
{
  g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT,
               "invalid %s “%s”: %s", what, url, why);
  return FALSE;
}

static gboolean
check_uri (const char *what,
           const char *url,
           GUri       *uri,
           GError    **error)
{
  const char *scheme = g_uri_get_scheme (uri);

  if (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
    return fail_url (what, url, "the scheme must be http or https", error);
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return fail_url (what, url, "it has no host", error);
  if (g_uri_get_userinfo (uri) != NULL)
    return fail_url (what, url, "it must not contain a user name", error);
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    return fail_url (what, url, "it must not have a query or fragment", error);

  return TRUE;
}

char *
ks_server_urls_normalize (const char *what,
                          const char *url,
                          GError    **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autofree char *text = NULL;
  gsize            len;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  if (uri == NULL)
    {
      fail_url (what, url, "not an absolute URL", error);
      return NULL;
    }
  if (!check_uri (what, url, uri, error))
    return NULL;

  text = g_uri_to_string (uri);
  len = strlen (text);
  while (len > 0 && text[len - 1] == '/')
    text[--len] = '\0';

  return g_steal_pointer (&text);
}

/* Accepts http(s)://host[:port][/prefix][/] and returns it without the
 * trailing slash, so the URL layout above can simply append paths. A
 * prefix is for a reverse proxy that strips it before forwarding. */
char *
ks_server_urls_normalize_public (const char *url,
                                 GError    **error)
{
  return ks_server_urls_normalize ("public URL", url, error);
}

char *
ks_server_urls_api (const char *public_url)
{
  return g_strconcat (public_url, KS_SERVER_PATH_API, NULL);
}

char *
ks_server_urls_cognito (const char *public_url)
{
  return g_strconcat (public_url, KS_SERVER_PATH_COGNITO, NULL);
}

char *
ks_server_urls_issuer (const char *public_url,
                       const char *user_pool_id)
{
  return g_strconcat (public_url, KS_SERVER_PATH_COGNITO, "/", user_pool_id, NULL);
}

char *
ks_server_urls_jwks (const char *public_url,
                     const char *user_pool_id)
{
  return g_strconcat (public_url, KS_SERVER_PATH_COGNITO, "/", user_pool_id,
                      "/.well-known/jwks.json", NULL);
}

char *
ks_server_urls_s3 (const char *public_url)
{
  return g_strconcat (public_url, KS_SERVER_PATH_S3, NULL);
}
