/* ks-server-address.c: the addresses keepsake-server listens on
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-server.h"
#include "ks-server-error.h"

static gboolean
split_host_port (const char *host_port,
                 char      **out_host,
                 guint16    *out_port)
{
  const char      *colon = strrchr (host_port, ':');
  g_autofree char *host = NULL;
  guint64          port;

  if (colon == NULL || colon == host_port ||
      !g_ascii_string_to_unsigned (colon + 1, 10, 0, G_MAXUINT16, &port, NULL))
    return FALSE;

  host = g_strndup (host_port, (gsize) (colon - host_port));
  if (host[0] == '[')
    {
      gsize len = strlen (host);

      if (len < 3 || host[len - 1] != ']')
        return FALSE;
      host[len - 1] = '\0';
      memmove (host, host + 1, len - 1);
    }

  *out_host = g_steal_pointer (&host);
  *out_port = (guint16) port;
  return TRUE;
}

/**
 * ks_server_parse_address:
 * @host_port: "127.0.0.1:8357", "[::1]:0", "0.0.0.0:443", "localhost:0"
 * @error: %KS_SERVER_ERROR_INVALID_ARGUMENT
 *
 * Host names other than localhost are refused: a server should not
 * depend on name resolution to decide where it listens.
 */
GSocketAddress *
ks_server_parse_address (const char *host_port,
                         GError    **error)
{
  g_autofree char *host = NULL;
  g_autoptr (GInetAddress) address = NULL;
  guint16 port = 0;

  g_return_val_if_fail (host_port != NULL, NULL);

  if (split_host_port (host_port, &host, &port))
    {
      if (g_str_equal (host, "localhost"))
        address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      else
        address = g_inet_address_new_from_string (host);
    }

  if (address == NULL)
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an address to listen on (try 127.0.0.1:8357 or [::1]:0)",
                   host_port);
      return NULL;
    }

  return g_inet_socket_address_new (address, port);
}

char *
ks_server_address_to_url (GSocketAddress *address)
{
  GInetAddress    *inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  g_autofree char *host = g_inet_address_to_string (inet);

  return g_uri_join (G_URI_FLAGS_NONE, "http", NULL, host,
                     g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)),
                     "", NULL, NULL);
}
