/* ks-host.h: what a host name in a URL says about where it leads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "localhost" or a loopback address (127.0.0.0/8, ::1): this machine,
 * where plain http is allowed and no proxy is wanted. Looks nothing up. */
gboolean ks_host_is_loopback (const char *host);

G_END_DECLS
