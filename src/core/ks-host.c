/* ks-host.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>

#include "ks-host.h"

gboolean
ks_host_is_loopback (const char *host)
{
  g_autoptr (GInetAddress) address = NULL;

  g_return_val_if_fail (host != NULL, FALSE);

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}
