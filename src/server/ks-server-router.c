/* ks-server-router.c: match a method and a path to a registered handler
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-server-http.h"
#include "ks-server-router.h"

/*
 * A pattern is an absolute path whose segments are literals, "{name}"
 * (one non-empty segment) or, last only, "{name*}" (everything after the
 * slash, possibly empty). Matching works on the raw path segment by
 * segment and decodes each one, so "%2F" inside a segment stays inside
 * its capture. Routes are tried in the order they were added; a path
 * that matches only under other methods gets 405 with an Allow header.
 */
struct _KsServerRoute
{
  char           *method;   /* nullable: any method */
  char          **segments; /* the pattern split at '/' */
  KsServerHandler handler;
  KsServerHandler early_handler; /* nullable */
  gpointer        user_data;
  GDestroyNotify  destroy;
  goffset         max_body_size;
};

struct _KsServerRouter
{
  GPtrArray *routes;
};

static void
route_free (KsServerRoute *route)
{
  if (route->destroy != NULL)
    route->destroy (route->user_data);
  g_free (route->method);
  g_strfreev (route->segments);
  g_free (route);
}

KsServerRouter *
ks_server_router_new (void)
{
  KsServerRouter *self = g_new0 (KsServerRouter, 1);

  self->routes = g_ptr_array_new_with_free_func ((GDestroyNotify) route_free);
  return self;
}

void
ks_server_router_free (KsServerRouter *self)
{
  if (self == NULL)
    return;

  g_ptr_array_unref (self->routes);
  g_free (self);
}

static gboolean
is_capture (const char *segment)
{
  gsize len = strlen (segment);

  return len >= 3 && segment[0] == '{' && segment[len - 1] == '}';
}

static gboolean
is_rest_capture (const char *segment)
{
  return is_capture (segment) && g_str_has_suffix (segment, "*}") && strlen (segment) >= 4;
}

static char *
capture_name (const char *segment)
{
  gsize len = strlen (segment) - 2;

  if (is_rest_capture (segment))
    len--;

  return g_strndup (segment + 1, len);
}

static gboolean
is_valid_pattern (char **segments)
{
  if (segments[0] == NULL || segments[0][0] != '\0' || segments[1] == NULL)
    return FALSE;

  for (guint i = 1; segments[i] != NULL; i++)
    {
      if (is_rest_capture (segments[i]) && segments[i + 1] != NULL)
        return FALSE;
    }

  return TRUE;
}

KsServerRoute *
ks_server_router_add (KsServerRouter *self,
                      const char     *method,
                      const char     *pattern,
                      KsServerHandler handler,
                      gpointer        user_data,
                      GDestroyNotify  destroy)
{
  g_auto (GStrv) segments = NULL;
  KsServerRoute *route;

  g_return_val_if_fail (pattern != NULL, NULL);
  g_return_val_if_fail (handler != NULL, NULL);

  segments = g_strsplit (pattern, "/", -1);
  g_return_val_if_fail (is_valid_pattern (segments), NULL);

  route = g_new0 (KsServerRoute, 1);
  route->method = g_strdup (method);
  route->segments = g_steal_pointer (&segments);
  route->handler = handler;
  route->user_data = user_data;
  route->destroy = destroy;
  route->max_body_size = KS_SERVER_HTTP_JSON_MAX_BODY;
  g_ptr_array_add (self->routes, route);

  return route;
}

/* A "." or ".." segment, literal or encoded, never reaches a handler:
 * handlers may map captures to files. */
static gboolean
has_dot_segment (const char *decoded)
{
  g_auto (GStrv) parts = g_strsplit (decoded, "/", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (g_str_equal (parts[i], ".") || g_str_equal (parts[i], ".."))
        return TRUE;
    }

  return FALSE;
}

/* NULL for a bad escape, an encoded NUL or a dot segment. */
static char *
decode (const char *raw)
{
  g_autofree char *decoded = g_uri_unescape_string (raw, NULL);

  if (decoded == NULL || has_dot_segment (decoded))
    return NULL;

  return g_steal_pointer (&decoded);
}

static gboolean
match_segment (const char *pattern,
               const char *raw,
               GHashTable *params)
{
  g_autofree char *decoded = decode (raw);

  if (decoded == NULL)
    return FALSE;

  if (!is_capture (pattern))
    return g_str_equal (pattern, decoded);

  if (*decoded == '\0')
    return FALSE;

  g_hash_table_insert (params, capture_name (pattern), g_steal_pointer (&decoded));
  return TRUE;
}

static gboolean
match_rest (const char *pattern,
            char      **raw_segments,
            GHashTable *params)
{
  g_autofree char *joined = g_strjoinv ("/", raw_segments);
  char            *decoded = decode (joined);

  if (decoded == NULL)
    return FALSE;

  g_hash_table_insert (params, capture_name (pattern), decoded);
  return TRUE;
}

static gboolean
match_path (KsServerRoute *route,
            char         **raw_segments,
            GHashTable    *params)
{
  guint n = g_strv_length (raw_segments);
  guint i;

  for (i = 0; route->segments[i] != NULL; i++)
    {
      if (i >= n)
        return FALSE;
      if (is_rest_capture (route->segments[i]))
        return match_rest (route->segments[i], raw_segments + i, params);
      if (!match_segment (route->segments[i], raw_segments[i], params))
        return FALSE;
    }

  return i == n;
}

static gboolean
match_method (KsServerRoute *route,
              const char    *method)
{
  if (route->method == NULL || g_strcmp0 (route->method, method) == 0)
    return TRUE;

  /* HEAD is GET without the body; libsoup leaves the body out. */
  return g_str_equal (route->method, SOUP_METHOD_GET) &&
         g_strcmp0 (method, SOUP_METHOD_HEAD) == 0;
}

static void
add_allowed (GPtrArray  *allowed,
             const char *method)
{
  if (!g_ptr_array_find_with_equal_func (allowed, method, g_str_equal, NULL))
    g_ptr_array_add (allowed, (gpointer) method);
}

static char *
join_allowed (GPtrArray *allowed)
{
  g_ptr_array_add (allowed, NULL);
  return g_strjoinv (", ", (char **) allowed->pdata);
}

static GHashTable *
new_params (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * ks_server_router_lookup:
 * @path: the raw (still percent-encoded) path
 * @out_route: (out): the route, for %KS_SERVER_ROUTER_FOUND
 * @out_params: (out): its captures, for %KS_SERVER_ROUTER_FOUND
 * @out_allow: (out): the Allow header, for %KS_SERVER_ROUTER_NO_METHOD
 */
KsServerRouterResult
ks_server_router_lookup (KsServerRouter *self,
                         const char     *method,
                         const char     *path,
                         KsServerRoute **out_route,
                         GHashTable    **out_params,
                         char          **out_allow)
{
  g_auto (GStrv) raw_segments = g_strsplit (path, "/", -1);
  g_autoptr (GPtrArray) allowed = g_ptr_array_new ();

  *out_route = NULL;
  *out_params = NULL;
  *out_allow = NULL;

  for (guint i = 0; i < self->routes->len; i++)
    {
      KsServerRoute *route = g_ptr_array_index (self->routes, i);
      g_autoptr (GHashTable) params = new_params ();

      if (!match_path (route, raw_segments, params))
        continue;

      if (match_method (route, method))
        {
          *out_route = route;
          *out_params = g_steal_pointer (&params);
          return KS_SERVER_ROUTER_FOUND;
        }

      add_allowed (allowed, route->method);
      if (g_str_equal (route->method, SOUP_METHOD_GET))
        add_allowed (allowed, SOUP_METHOD_HEAD);
    }

  if (allowed->len == 0)
    return KS_SERVER_ROUTER_NO_PATH;

  *out_allow = join_allowed (allowed);
  return KS_SERVER_ROUTER_NO_METHOD;
}

goffset
ks_server_route_get_max_body_size (KsServerRoute *route)
{
  return route->max_body_size;
}

void
ks_server_route_invoke (KsServerRoute     *route,
                        KsServer          *server,
                        SoupServerMessage *msg,
                        GHashTable        *params,
                        gboolean           early)
{
  if (!early)
    route->handler (server, msg, params, route->user_data);
  else if (route->early_handler != NULL)
    route->early_handler (server, msg, params, route->user_data);
}

/**
 * ks_server_route_set_max_body_size:
 * @max_size: the largest request body accepted, -1 for no limit
 *
 * Defaults to %KS_SERVER_HTTP_JSON_MAX_BODY. A larger body is answered
 * with 413 before the handler runs and is never held in memory.
 */
void
ks_server_route_set_max_body_size (KsServerRoute *route,
                                   goffset        max_size)
{
  g_return_if_fail (route != NULL);

  route->max_body_size = max_size;
}

/**
 * ks_server_route_set_early_handler:
 *
 * Runs @early_handler once the request headers are in, before the body is
 * read, with the route's params and user data. It may reject the request
 * by setting a status (the handler then does not run), or prepare to
 * stream the body (soup_message_body_set_accumulate() and "got-chunk").
 */
void
ks_server_route_set_early_handler (KsServerRoute  *route,
                                   KsServerHandler early_handler)
{
  g_return_if_fail (route != NULL);

  route->early_handler = early_handler;
}
