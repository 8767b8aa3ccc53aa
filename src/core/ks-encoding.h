/* ks-encoding.h: hex, base64, base64url and AWS URI encoding
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char   *ks_hex_encode (const guint8 *data,
                       gsize         len);
guint8 *ks_hex_decode (const char *hex,
                       gsize      *out_len,
                       GError    **error);

char   *ks_base64_encode (const guint8 *data,
                          gsize         len);
guint8 *ks_base64_decode (const char *text,
                          gsize      *out_len,
                          GError    **error);
char   *ks_base64url_encode (const guint8 *data,
                             gsize         len);
guint8 *ks_base64url_decode (const char *text,
                             gsize      *out_len,
                             GError    **error);

char *ks_uri_encode (const char *text,
                     gboolean    encode_slash);
char *ks_uri_decode (const char *text,
                     gssize      len,
                     GError    **error);

G_END_DECLS
